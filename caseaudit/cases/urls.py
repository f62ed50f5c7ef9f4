from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
    path("<int:pk>/access/", views.case_access_log_page, name="case_access_log"),
    path("<int:pk>/subject-access/", views.case_subject_access, name="case_subject_access"),
    path(
        "<int:pk>/subject-access.json",
        views.case_subject_access_json,
        name="case_subject_access_json",
    ),
    path(
        "<int:pk>/subject-access.pdf", views.case_subject_access_pdf, name="case_subject_access_pdf"
    ),
]
