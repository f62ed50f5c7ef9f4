from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_index, name="import_index"),
    path("staff/", views.import_staff, name="import_staff"),
    path("cases/", views.import_cases, name="import_cases"),
    path("templates/<str:name>", views.import_template_download, name="import_template"),
    path("runs/<int:pk>/", views.import_run_detail, name="import_run_detail"),
]
