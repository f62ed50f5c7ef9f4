"""Background tasks of the reports app (django-tasks)."""

from django_tasks import task

from .services import summary_rebuild


@task()
def summary_rebuild_task() -> int:
    """Rebuild the report summaries after something marked them stale. Rebuilding twice is
    harmless (each rebuild recounts everything in one transaction)."""
    return summary_rebuild()


@task()
def export_build_task(export_id: str) -> str:
    """Prepare a report file someone asked for (`services.export_request`)."""
    from .services import export_build

    return export_build(export_id=export_id)
