"""Background tasks of the reports app (django-tasks)."""

from django_tasks import task

from .services import summary_rebuild


@task()
def summary_rebuild_task() -> int:
    """Rebuild the scale summary after something marked it stale. Rebuilding twice is
    harmless (each rebuild recounts everything in one transaction)."""
    return summary_rebuild()
