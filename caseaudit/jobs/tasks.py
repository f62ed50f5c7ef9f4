"""The one django-tasks task the scheduler enqueues: run a recorded job run."""

from django_tasks import task

from .services import run_execute


@task()
def job_run(run_id: int) -> str:
    """Run the job of `JobRun` `run_id` (recorded there: status, times, report)."""
    run = run_execute(run_id=run_id)
    return "not queued" if run is None else f"{run.job}: {run.status}"
