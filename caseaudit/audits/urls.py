from django.urls import path

from . import views

urlpatterns = [
    path("start/<int:case_pk>/", views.audit_start, name="audit_start"),
    path("<int:pk>/", views.audit_detail, name="audit_detail"),
    path("<int:pk>/edit/", views.audit_edit, name="audit_edit"),
    path("<int:pk>/autosave/", views.audit_autosave, name="audit_autosave"),
    path("<int:pk>/pdf/", views.audit_pdf, name="audit_pdf"),
    path("<int:pk>/reopen/", views.audit_reopen, name="audit_reopen"),
    path(
        "findings/<int:pk>/acknowledge/",
        views.urgent_finding_acknowledge,
        name="urgent_finding_acknowledge",
    ),
]
