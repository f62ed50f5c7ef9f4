from django.urls import path

from . import moderation, views

urlpatterns = [
    path("", views.report_index, name="report_index"),
    path("compliance/", views.report_compliance, name="report_compliance"),
    path("responses/", views.report_responses, name="report_responses"),
    path("quality/", views.report_quality, name="report_quality"),
    path("findings/", views.report_findings, name="report_findings"),
    path("moderation/", moderation.report_moderation, name="report_moderation"),
    path("moderation/xlsx/", moderation.report_moderation_xlsx, name="report_moderation_xlsx"),
    path(
        "moderation/csv/<slug:table>/",
        moderation.report_moderation_csv,
        name="report_moderation_csv",
    ),
    path("findings/pdf/", views.report_findings_pdf, name="report_findings_pdf"),
    path("files/prepare/", views.report_export_prepare, name="report_export_prepare"),
    path("files/<uuid:pk>/", views.report_export, name="report_export"),
    path("files/<uuid:pk>/download/", views.report_export_download, name="report_export_download"),
    path("<slug:report>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("<slug:report>/csv/<slug:table>/", views.report_csv, name="report_csv"),
    # Each report's tabs (reports/tabs.py), after the files: no tab is called "xlsx" or "pdf".
    path("compliance/<slug:tab>/", views.report_compliance_tab, name="report_compliance_tab"),
    path("responses/<slug:tab>/", views.report_responses_tab, name="report_responses_tab"),
    path("quality/<slug:tab>/", views.report_quality_tab, name="report_quality_tab"),
    path("findings/<slug:tab>/", views.report_findings_tab, name="report_findings_tab"),
    path("moderation/<slug:tab>/", moderation.report_moderation_tab, name="report_moderation_tab"),
]
