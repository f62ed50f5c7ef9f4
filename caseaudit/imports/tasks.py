"""Background tasks of imports (django-tasks): a large upload is imported here, not in the
request, with its progress shown on the run's page (see `services.import_run_queue`)."""

from django_tasks import task

from . import services


@task()
def import_run_task(run_id: int) -> str:
    """Import one queued run's file (safe to run twice: only a queued run is started)."""
    return services.import_run_execute(run_id=run_id)
