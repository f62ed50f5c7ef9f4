from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "caseaudit.responses"
    label = "responses"
    verbose_name = "QA responses"

    def ready(self):
        from caseaudit.cases.selectors import register_scope_extension

        from .selectors import response_case_scope

        # The worker and supervisor of an open response can always open its case.
        register_scope_extension(response_case_scope)
