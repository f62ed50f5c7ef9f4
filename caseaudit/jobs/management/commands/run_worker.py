"""`manage.py run_worker`: django-tasks-db's `db_worker` that survives the database.

The worker dies on a database error outside a task (claiming the next task, marking one
finished); on SQLite that was "database is locked" when the web server wrote at the same
moment. This runs the same worker (same options) and, when it stops on an OperationalError,
closes the connections, waits (1 s, doubling to 30 s; reset after a minute of health) and
starts it again. A task that raises is recorded as failed by the worker itself, as before.
Autoreload is off (the restart loop would fight the reloader).
"""

import logging
import time

from django.db import OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

logger = logging.getLogger("caseaudit.jobs.worker")

MAX_BACKOFF = 30.0
HEALTHY_AFTER = 60.0


class Command(DbWorkerCommand):
    help = "Run the database task worker, restarting it after a database error (with backoff)."

    def handle(self, *args, reload=False, **options):
        backoff = 1.0
        while True:
            started = time.monotonic()
            try:
                return super().handle(*args, reload=False, **options)
            except OperationalError as exc:
                if time.monotonic() - started > HEALTHY_AFTER:
                    backoff = 1.0
                logger.warning(
                    "Task worker stopped on a database error; restarting in %.0fs: %s",
                    backoff,
                    exc,
                )
                connections.close_all()
                time.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
