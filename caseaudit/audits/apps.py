from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "caseaudit.audits"
    label = "audits"
    verbose_name = "Audits"

    def ready(self):
        from caseaudit.cases.selectors import register_scope_extension

        from .selectors import auditor_case_scope

        # An auditor can always open the case they audit, whatever their role's scope.
        register_scope_extension(auditor_case_scope)
