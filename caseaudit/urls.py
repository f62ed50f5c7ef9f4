from django.contrib import admin
from django.urls import include, path

from caseaudit.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("cases/", include("caseaudit.cases.urls")),
    path("teams/", include("caseaudit.organisation.urls")),
    path("admin/", admin.site.urls),
]
