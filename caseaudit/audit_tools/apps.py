from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_shipped_tools(sender, using="default", **kwargs):
    """The six tools and the default bands are always there.

    The data migration loads them once; a database flush (which transactional tests do)
    empties the tables and is followed by post_migrate, so they come back here too.
    """
    from django.utils import timezone

    from .interchange import DEFAULT_BANDS, load_shipped, tools_load
    from .models import Question, ScalingBand, Section, Theme, Tool, ToolVersion

    if not ScalingBand.objects.using(using).exists():
        ScalingBand.objects.using(using).bulk_create([ScalingBand(**b) for b in DEFAULT_BANDS])
    if not Tool.objects.using(using).exists():
        models = {
            "Theme": Theme,
            "Tool": Tool,
            "ToolVersion": ToolVersion,
            "Section": Section,
            "Question": Question,
        }
        tools_load(load_shipped(), models=models, status="published", now=timezone.now())


class AuditToolsConfig(AppConfig):
    name = "caseaudit.audit_tools"
    label = "audit_tools"
    verbose_name = "Audit tools"

    def ready(self):
        post_migrate.connect(ensure_shipped_tools, sender=self, dispatch_uid="shipped_tools")
