import os

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from caseaudit.accounts.keepalive import session_keepalive
from caseaudit.api.routes import api_urls
from caseaudit.dataprotection import views as dataprotection_views
from caseaudit.site import views as site_views

# The Django admin signs in through allauth (password, then the second factor), never with a
# password alone on its own form; it holds no records about children
# (docs/adr/0001-no-confidential-records-in-admin.md).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", site_views.home, name="home"),
    path("accounts/", include("caseaudit.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("session/keep-alive/", session_keepalive, name="session_keepalive"),
    path("", include("caseaudit.site.urls")),
    path("cases/", include("caseaudit.cases.urls")),
    path("cases/", include("caseaudit.dataprotection.urls")),
    path("retention/", dataprotection_views.retention_report, name="retention_report"),
    path("teams/", include("caseaudit.organisation.urls")),
    path("tools/", include("caseaudit.audit_tools.urls")),
    path("audits/", include("caseaudit.audits.urls")),
    path("responses/", include("caseaudit.responses.urls")),
    path("imports/", include("caseaudit.imports.urls")),
    path("notifications/", include("caseaudit.notifications.urls")),
    path("programme/", include("caseaudit.programme.urls")),
    path("reports/", include("caseaudit.reports.urls")),
    path("moderation/", include("caseaudit.moderation.urls")),
    path("campaigns/", include("caseaudit.campaigns.urls")),
    path("feedback/", include("caseaudit.feedback.urls")),
    path("improvement/", include("caseaudit.improvement.urls")),
    path("self-evaluation/", include("caseaudit.selfeval.urls")),
    path("api/v1/", api_urls()),
    path("api-tokens/", include("caseaudit.api.urls")),
    path("jobs/", include("caseaudit.jobs.urls")),
    path("admin/", admin.site.urls),
]

if os.environ.get("CASEAUDIT_BENCH") == "1":
    # `make bench` only: a minimal view to compare pages with under gunicorn. First, as the
    # bare view it is compared with is first in its list: Django tries the patterns in turn,
    # and failing the other 25 took a fifth of the ping's CPU (the request path it measures).
    urlpatterns.insert(0, path("bench/", include("caseaudit.bench.urls")))
