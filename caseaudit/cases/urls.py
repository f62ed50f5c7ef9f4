"""The case register's pages. The case page itself is `caseaudit.site`'s (it shows several
apps' records); closing a case and its subject-access export are `caseaudit.dataprotection`'s,
all under the same `cases/` prefix."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/access/", views.case_access_log_page, name="case_access_log"),
]
