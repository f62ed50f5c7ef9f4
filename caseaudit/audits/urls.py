from django.urls import path

from . import finding_views, views

urlpatterns = [
    path("start/<int:case_pk>/", views.audit_start, name="audit_start"),
    path("<int:pk>/", views.audit_detail, name="audit_detail"),
    path("<int:pk>/edit/", views.audit_edit, name="audit_edit"),
    path("<int:pk>/edit/check/", views.audit_check, name="audit_check"),
    path("<int:pk>/edit/<slug:page>/", views.audit_task, name="audit_task"),
    path("<int:pk>/autosave/", views.audit_autosave, name="audit_autosave"),
    path("<int:pk>/pdf/", views.audit_pdf, name="audit_pdf"),
    path("<int:pk>/reopen/", views.audit_reopen, name="audit_reopen"),
    path("<int:pk>/discard/", views.audit_discard, name="audit_discard"),
    path("<int:pk>/alert/", finding_views.audit_confirm_alert, name="audit_confirm_alert"),
    path(
        "findings/<int:pk>/acknowledge/",
        finding_views.urgent_finding_acknowledge,
        name="urgent_finding_acknowledge",
    ),
    path(
        "findings/<int:pk>/withdraw/",
        finding_views.urgent_finding_withdraw,
        name="urgent_finding_withdraw",
    ),
]
