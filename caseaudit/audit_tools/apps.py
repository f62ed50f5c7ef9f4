from django.apps import AppConfig


class AuditToolsConfig(AppConfig):
    name = "caseaudit.audit_tools"
    label = "audit_tools"
    verbose_name = "Audit tools"
