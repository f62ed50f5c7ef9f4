"""Data protection's pages about one case, mounted under `cases/` beside the cases app's own
(`caseaudit/urls.py`); the retention report is `/retention/`."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/close/", views.case_close, name="case_close"),
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
