from django.apps import AppConfig
from django.db.models import Q


def allocated_cases(staff) -> Q:
    """An auditor may open the cases allocated to them in a confirmed programme."""
    from .models import Allocation

    return Q(
        pk__in=Allocation.objects.filter(auditor=staff, programme__status="confirmed")
        .exclude(status="cancelled")
        .exclude(case__isnull=True)
        .values("case_id")
    )


class ProgrammeConfig(AppConfig):
    name = "caseaudit.programme"
    label = "programme"
    verbose_name = "Audit programme"

    def ready(self):
        from caseaudit.cases.selectors import register_scope_extension

        register_scope_extension(allocated_cases)
