from django.contrib import admin
from django.urls import include, path

from caseaudit.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("cases/", include("caseaudit.cases.urls")),
    path("teams/", include("caseaudit.organisation.urls")),
    path("tools/", include("caseaudit.audit_tools.urls")),
    path("audits/", include("caseaudit.audits.urls")),
    path("responses/", include("caseaudit.responses.urls")),
    path("imports/", include("caseaudit.imports.urls")),
    path("notifications/", include("caseaudit.notifications.urls")),
    path("programme/", include("caseaudit.programme.urls")),
    path("reports/", include("caseaudit.reports.urls")),
    path("admin/", admin.site.urls),
]
