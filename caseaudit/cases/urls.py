from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
]
