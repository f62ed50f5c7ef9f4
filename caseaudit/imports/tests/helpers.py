"""Helpers for the import tests: files made in memory, the shared sample data, model counts."""

import csv
import io
import re
from html import unescape
from pathlib import Path

from django.contrib.auth import get_user_model

from caseaudit.cases.models import Case
from caseaudit.imports.models import ImportRun
from caseaudit.organisation.models import ServiceArea, Staff, Team

HERE = Path(__file__).resolve().parent
SHARED_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
SAMPLE_DIR = HERE.parent / "sample"

STAFF_HEADER = ["staff_id", "name", "email", "role", "team", "service_area", "line_manager_id"]
CASE_HEADER = [
    "case_id",
    "subject_type",
    "case_type",
    "name",
    "date_of_birth",
    "opened_on",
    "closed_on",
    "team",
    "allocated_worker_id",
    "first_panel_on",
    "last_audited_on",
]


def csv_bytes(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row if isinstance(row, list | tuple) else [row.get(h, "") for h in header])
    return out.getvalue().encode()


def case_row(**values) -> dict:
    row = {
        "case_id": "C1",
        "subject_type": "child",
        "case_type": "cin",
        "name": "Ada Child",
        "date_of_birth": "2015-04-01",
        "opened_on": "2025-01-06",
        "team": "north-a",
    }
    row.update(values)
    return row


def model_counts() -> dict:
    return {
        "cases": Case.objects.count(),
        "staff": Staff.objects.count(),
        "left": Staff.objects.filter(left_on__isnull=False).count(),
        "teams": Team.objects.count(),
        "areas": ServiceArea.objects.count(),
        "users": get_user_model().objects.count(),
        "runs": ImportRun.objects.count(),
    }


def new_places_tick(html: str) -> str:
    """The value of the box "Create these teams and service areas" on a staff upload page ("" when
    the page has none): what a person ticking it sends."""
    found = re.search(r'<input[^>]*name="allow_new_teams"[^>]*value="([^"]*)"', html)
    return unescape(found.group(1)) if found else ""


def new_places_ticked(html: str) -> bool:
    """Whether the page shows the box "Create these teams and service areas" ticked."""
    found = re.search(r'<input([^>]*name="allow_new_teams"[^>]*)>', html)
    return bool(found) and " checked" in re.sub(r'value="[^"]*"', "", found.group(1))
