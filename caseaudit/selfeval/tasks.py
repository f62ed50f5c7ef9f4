"""Background tasks of the self-evaluation app (django-tasks)."""

from django_tasks import task


@task()
def pack_count_figures_task(pack_id: int) -> str:
    """Count a draft pack's figures someone asked for (`services.pack_create`,
    `services.pack_refresh`) and store them (`services.pack_count_figures`)."""
    from .services import pack_count_figures

    return pack_count_figures(pack_id=pack_id)
