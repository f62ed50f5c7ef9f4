import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseaudit.settings")
application = get_wsgi_application()

# The garbage collector of a serving process: everything loaded so far frozen, a larger young
# generation (caseaudit/core/memory.py: full collections were a report page's p95).
from caseaudit.core.memory import tune_garbage_collector  # noqa: E402

tune_garbage_collector()
