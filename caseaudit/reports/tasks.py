"""Background tasks of the reports app (django-tasks)."""

from django_tasks import task


@task()
def export_build_task(export_id: str) -> str:
    """Prepare a report file someone asked for (`services.export_request`)."""
    from .services import export_build

    return export_build(export_id=export_id)
