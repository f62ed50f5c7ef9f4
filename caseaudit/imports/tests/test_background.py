"""Large uploads: imported by a background task (the immediate backend in the tests), with the
run recorded at upload, its progress written as the task works, and a page that shows the
progress bar (refreshing itself) and then the outcome."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from caseaudit.cases.models import Case
from caseaudit.factories import StaffFactory
from caseaudit.imports import progress, services
from caseaudit.imports.models import ImportKind, ImportPhase, ImportRun, ImportStatus
from caseaudit.imports.tasks import import_run_task
from caseaudit.organisation.models import Role, Staff

from .helpers import CASE_HEADER, STAFF_HEADER, case_row, csv_bytes, model_counts

LARGE = 5_200  # over the default IMPORT_BACKGROUND_ROWS (5,000)


@pytest.fixture
def admin(org):
    return StaffFactory(role=Role.ADMIN, team=None)


def upload(name, data, content_type="text/csv"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def large_case_file(org, rows=LARGE, **overrides) -> bytes:
    workers = [(org.worker, "north-a"), (org.colleague, "north-a"), (org.worker_b, "north-b")]
    return csv_bytes(
        CASE_HEADER,
        [
            case_row(
                case_id=f"BIG{i:06d}",
                name=f"Child {i}",
                team=workers[i % 3][1],
                allocated_worker_id=workers[i % 3][0].staff_id,
                **overrides,
            )
            for i in range(rows)
        ],
    )


@pytest.fixture
def snapshots(monkeypatch):
    """Every progress update the task writes, as (phase, done, total)."""
    seen = []
    save = progress.Progress.save

    def recording(self):
        seen.append((self.phase, self.done, self.total))
        save(self)

    monkeypatch.setattr(progress.Progress, "save", recording)
    return seen


def test_a_large_case_list_is_imported_in_the_background(login, org, snapshots):
    client = login(org.performance)
    before = Case.objects.count()
    response = client.post(
        reverse("import_cases"), {"file": upload("big.csv", large_case_file(org))}
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_run_detail", args=[run.pk])
    assert run.status == ImportStatus.SUCCEEDED and run.kind == ImportKind.CASES
    assert (run.rows, run.created, run.updated, run.unchanged) == (LARGE, LARGE, 0, 0)
    assert run.by == org.performance.user and run.task_id
    assert run.upload is None and run.episodes_upload is None  # the file is not kept
    assert run.phase == ImportPhase.FINISHED and run.finished_at is not None
    assert Case.objects.count() == before + LARGE
    assert Case.objects.get(reference="BIG000004").allocated_worker == org.colleague

    # Progress was written while it worked: each step in order, the counts growing.
    phases = [phase for phase, _, _ in snapshots]
    assert phases.index(ImportPhase.READING) < phases.index(ImportPhase.CHECKING)
    assert phases.index(ImportPhase.CHECKING) < phases.index(ImportPhase.WRITING)
    reading = [done for phase, done, _ in snapshots if phase == ImportPhase.READING]
    checking = [(done, total) for phase, done, total in snapshots if phase == ImportPhase.CHECKING]
    assert len(reading) >= 5 and reading == sorted(reading)
    assert len(checking) >= 5 and checking[-1] == (LARGE, LARGE)
    assert snapshots[0][2] == LARGE + 1  # the estimate: the file's lines, header included

    page = client.get(response["Location"]).content.decode()
    assert "big.csv was imported" in page
    assert 'http-equiv="refresh"' not in page
    assert '<dd class="govuk-summary-list__value" id="count-created">5,200</dd>' in page


def test_small_files_are_still_imported_at_once(login, org):
    client = login(org.performance)
    response = client.post(
        reverse("import_cases"), {"file": upload("small.csv", large_case_file(org, rows=20))}
    )
    assert response.status_code == 200
    assert b"small.csv was imported" in response.content
    assert ImportRun.objects.get().task_id == ""


def test_the_setting_can_send_every_upload_to_the_background(login, org, settings):
    settings.IMPORT_BACKGROUND_ROWS = 0
    client = login(org.performance)
    response = client.post(
        reverse("import_cases"), {"file": upload("tiny.csv", large_case_file(org, rows=3))}
    )
    assert response.status_code == 302
    assert ImportRun.objects.get().created == 3


def test_a_bad_row_refuses_the_whole_large_file(login, org):
    data = large_case_file(org) + b"BAD1,child,cin,X,2015-01-01,not a date,,north-a,,,\n"
    client = login(org.performance)
    before = model_counts()
    response = client.post(reverse("import_cases"), {"file": upload("big.csv", data)}, follow=True)
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED and run.error_count == 1
    assert "row 5202" in run.errors[0] and "opened_on" in run.errors[0]
    assert model_counts() == {**before, "runs": 1}
    assert run.upload is None
    html = response.content.decode()
    assert "The file has 1 error: nothing was changed" in html
    assert "big.csv was not imported" in html


def test_a_large_dry_run_changes_nothing_and_reports(login, org):
    client = login(org.performance)
    before = Case.objects.count()
    response = client.post(
        reverse("import_cases"),
        {"file": upload("big.csv", large_case_file(org)), "dry_run": "on"},
        follow=True,
    )
    run = ImportRun.objects.get()
    assert run.dry_run and run.status == ImportStatus.SUCCEEDED and run.created == LARGE
    assert Case.objects.count() == before
    html = response.content.decode()
    assert "Nothing was changed: this was a check only" in html
    assert "Would create" in html


def test_a_large_staff_list_in_the_background(login, org, admin, settings):
    settings.IMPORT_BACKGROUND_ROWS = 10
    rows = [
        [f"NEW{i:03d}", f"Person {i}", f"p{i}@example.org", "practitioner", "North A", "North", ""]
        for i in range(12)
    ]
    response = login(admin).post(
        reverse("import_staff"), {"file": upload("staff.csv", csv_bytes(STAFF_HEADER, rows))}
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.kind == ImportKind.STAFF and run.created == 12
    assert Staff.objects.filter(staff_id__startswith="NEW").count() == 12


def test_a_workbook_is_counted_and_imported(login, org, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(CASE_HEADER)
    for i in range(8):
        row = case_row(case_id=f"X{i}", allocated_worker_id=org.worker.staff_id)
        sheet.append([row.get(h, "") for h in CASE_HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    assert services.estimate_rows(data=data, file_name="cases.xlsx") == 9
    response = login(org.performance).post(
        reverse("import_cases"),
        {
            "file": upload(
                "cases.xlsx",
                data,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
    )
    assert response.status_code == 302
    assert ImportRun.objects.get().created == 8


# --- the task --------------------------------------------------------------------------


def queued_run(org, data: bytes, **fields) -> ImportRun:
    fields.setdefault("status", ImportStatus.QUEUED)
    return ImportRun.objects.create(
        kind=ImportKind.CASES,
        source_format="",
        file_name="queued.csv",
        by=org.performance.user,
        upload=data,
        **fields,
    )


def test_the_task_runs_a_queued_run_once(org):
    run = queued_run(org, large_case_file(org, rows=4))
    assert import_run_task.call(run.pk) == "imported"
    assert import_run_task.call(run.pk) == "not queued"
    run.refresh_from_db()
    assert run.created == 4 and Case.objects.filter(reference__startswith="BIG").count() == 4


def test_an_unexpected_error_fails_the_run_and_drops_the_file(org, monkeypatch):
    run = queued_run(org, large_case_file(org, rows=4))

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "case_file_import", broken)
    with pytest.raises(RuntimeError):
        import_run_task.call(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert "unexpected error (RuntimeError)" in run.errors[0]
    assert run.upload is None


def test_a_run_whose_uploader_is_gone_is_refused(org):
    run = queued_run(org, large_case_file(org, rows=2))
    ImportRun.objects.filter(pk=run.pk).update(by=None)
    assert import_run_task.call(run.pk) == "refused"
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert "no longer exists" in run.errors[0]
    assert not Case.objects.filter(reference__startswith="BIG").exists()


# --- the run's page --------------------------------------------------------------------


@pytest.fixture
def running(org):
    return queued_run(
        org,
        b"",
        phase=ImportPhase.CHECKING,
        progress_done=3_000,
        progress_total=10_000,
        progress_at=timezone.now(),
    )


def test_the_page_shows_progress_and_refreshes_itself(login, org, running):
    ImportRun.objects.filter(pk=running.pk).update(status=ImportStatus.RUNNING)
    response = login(org.performance).get(reverse("import_run_detail", args=[running.pk]))
    html = response.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    # Checking is 45-90% of the bar: 30% through it is 58%.
    assert (
        '<progress class="app-import-progress" id="import-progress" max="100" value="58">' in html
    )
    assert "3,000 of 10,000 records checked" in html
    assert "Checking every row" in html
    assert "style=" not in html and "<script>" not in html
    assert "import-stalled" not in html


def test_the_page_warns_when_a_run_has_stalled(login, org, running):
    ImportRun.objects.filter(pk=running.pk).update(
        status=ImportStatus.RUNNING, progress_at=timezone.now() - dt.timedelta(minutes=11)
    )
    html = login(org.performance).get(reverse("import_run_detail", args=[running.pk])).content
    assert b"import-stalled" in html
    ImportRun.objects.filter(pk=running.pk).update(
        status=ImportStatus.QUEUED,
        progress_at=None,
        started_at=timezone.now() - dt.timedelta(minutes=20),  # stalled, not yet failed
    )
    html = login(org.performance).get(reverse("import_run_detail", args=[running.pk])).content
    assert b"the task worker may not be running" in html


def test_queued_and_saving_states(login, org, running):
    client = login(org.performance)
    url = reverse("import_run_detail", args=[running.pk])
    ImportRun.objects.filter(pk=running.pk).update(status=ImportStatus.QUEUED)
    assert 'value="0"' in client.get(url).content.decode()
    ImportRun.objects.filter(pk=running.pk).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.WRITING, progress_total=9_000
    )
    html = client.get(url).content.decode()
    assert 'value="90"' in html and "saving 9,000 changes in one step" in html


@pytest.mark.parametrize("persona", ["worker", "colleague", "tm", "outsider", "director"])
def test_only_importers_see_a_run(login, org, running, persona):
    url = reverse("import_run_detail", args=[running.pk])
    assert login(getattr(org, persona)).get(url).status_code == 404


def test_admin_sees_a_run_and_missing_runs_are_404(login, admin, running):
    client = login(admin)
    assert client.get(reverse("import_run_detail", args=[running.pk])).status_code == 200
    assert client.get(reverse("import_run_detail", args=[running.pk + 1])).status_code == 404


def test_history_shows_runs_in_progress(login, org, running):
    ImportRun.objects.filter(pk=running.pk).update(status=ImportStatus.RUNNING)
    html = login(org.performance).get(reverse("import_index")).content.decode()
    assert "In progress</strong> 58%" in html
    assert reverse("import_run_detail", args=[running.pk]) in html


def test_pages_never_load_the_uploaded_file(login, org):
    run = queued_run(org, b"x" * 1000)
    client = login(org.performance)
    for url in (reverse("import_run_detail", args=[run.pk]), reverse("import_index")):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        run_queries = [q["sql"] for q in queries if "imports_importrun" in q["sql"]]
        assert run_queries and all('"upload"' not in sql for sql in run_queries)


def test_run_page_query_count_does_not_grow(
    login, org, django_assert_num_queries, django_assert_max_num_queries
):
    client = login(org.performance)
    run = queued_run(org, b"", errors=["e"] * 5, error_count=5, status=ImportStatus.FAILED)
    url = reverse("import_run_detail", args=[run.pk])
    client.get(url)
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    ImportRun.objects.filter(pk=run.pk).update(errors=["e"] * 200, error_count=300)
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert "and 100 more errors not shown" in html
