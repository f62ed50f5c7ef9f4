"""A background import cut off mid-run (its worker stopped) is failed after
`IMPORT_STALE_MINUTES` without news: its uploaded file is deleted, nothing was written, and its
page says so and offers the upload again."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.cases.models import Case
from caseaudit.imports import services
from caseaudit.imports.models import ImportKind, ImportPhase, ImportRun, ImportStatus
from caseaudit.imports.services import imports_fail_stale

from .helpers import CASE_HEADER, case_row, csv_bytes

pytestmark = pytest.mark.django_db


def cut_off_run(org, *, minutes_ago: int, **fields) -> ImportRun:
    fields.setdefault("status", ImportStatus.RUNNING)
    fields.setdefault("phase", ImportPhase.WRITING)
    return ImportRun.objects.create(
        kind=ImportKind.CASES,
        source_format="",
        file_name="cut.csv",
        by=org.performance.user,
        upload=b"case_id\nC1\n",
        progress_total=9_000,
        **{"progress_at": timezone.now() - dt.timedelta(minutes=minutes_ago), **fields},
    )


def test_the_clean_up_fails_runs_without_news_and_deletes_their_file(org, settings):
    settings.IMPORT_STALE_MINUTES = 30
    stuck = cut_off_run(org, minutes_ago=31)
    busy = cut_off_run(org, minutes_ago=5)
    never_started = cut_off_run(
        org,
        minutes_ago=0,
        status=ImportStatus.QUEUED,
        phase="",
        progress_at=None,
        started_at=timezone.now() - dt.timedelta(hours=2),
    )
    assert imports_fail_stale() == 2
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED and stuck.upload is None
    assert stuck.phase == ImportPhase.FINISHED and stuck.finished_at is not None
    assert stuck.errors == [services.stale_message()]
    assert "30 minutes" in stuck.errors[0] and "upload the file again" in stuck.errors[0]
    never_started.refresh_from_db()
    assert never_started.status == ImportStatus.FAILED and never_started.upload is None
    busy.refresh_from_db()
    assert busy.status == ImportStatus.RUNNING and bytes(busy.upload)
    # The time is the setting's, and `now` can be given.
    assert imports_fail_stale(now=timezone.now() + dt.timedelta(minutes=30)) == 1


def test_the_page_of_a_cut_off_run_marks_it_failed_and_offers_the_upload(login, org):
    """It stayed "Saving the changes 90%" for ever, keeping the upload."""
    run = cut_off_run(org, minutes_ago=45)
    html = login(org.performance).get(reverse("import_run_detail", args=[run.pk])).content
    html = html.decode()
    assert 'http-equiv="refresh"' not in html and "Saving the changes" not in html
    assert "cut.csv was not imported" in html
    assert "The import was cut off before it finished." in html
    assert "nothing was heard from the task worker for 30 minutes" in html
    assert f'href="{reverse("import_cases")}" role="button"' in html
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and run.upload is None


def test_a_run_failed_as_stale_can_no_longer_write(org):
    """If its task was only slow and comes back, it finds the run failed and writes nothing."""
    rows = [case_row(case_id="LATE1", allocated_worker_id=org.worker.staff_id)]
    run = cut_off_run(org, minutes_ago=45, phase=ImportPhase.CHECKING)
    imports_fail_stale()
    run.refresh_from_db()
    with pytest.raises(services.ImportRefused):
        services.case_file_import(
            file=csv_bytes(CASE_HEADER, rows), file_name="cut.csv", by=None, run=run
        )
    assert not Case.objects.filter(reference="LATE1").exists()
