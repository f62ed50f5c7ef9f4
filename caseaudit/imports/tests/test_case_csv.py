"""The case list template: create, update, close; every error named by row and column."""

import datetime as dt

import pytest

from caseaudit.cases.models import Case, CaseType, SubjectType
from caseaudit.factories import StaffFactory
from caseaudit.imports.models import ImportRun, ImportStatus
from caseaudit.imports.services import ImportRefused, case_file_import, staff_file_import
from caseaudit.organisation.models import Role

from .helpers import CASE_HEADER, SAMPLE_DIR, case_row, csv_bytes, model_counts

pytestmark = pytest.mark.django_db


def run(rows, header=CASE_HEADER, **kwargs):
    kwargs.setdefault("by", None)
    return case_file_import(file=csv_bytes(header, rows), file_name="cases.csv", **kwargs)


def refused(rows, **kwargs) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        run(rows, **kwargs)
    return [str(e) for e in caught.value.errors]


def test_creates_cases(org):
    rows = [
        case_row(case_id="N1", allocated_worker_id=org.worker.staff_id),
        case_row(
            case_id="N2",
            case_type="cp",
            name="",
            team="North B",
            opened_on="03/02/2025",
            closed_on="28/02/2025",
            allocated_worker_id="",
            last_audited_on="2025-02-01",
        ),
        case_row(
            case_id="F1",
            subject_type="foster_carer",
            case_type="fostering",
            name="Lee household",
            date_of_birth="",
            first_panel_on="2024-06-01",
            allocated_worker_id=org.colleague.staff_id.lower(),
        ),
    ]
    result = run(rows)
    assert (result.created, result.updated, result.closed, result.unchanged) == (3, 0, 0, 0)
    n1 = Case.objects.get(reference="N1")
    assert n1.team == org.north_a and n1.allocated_worker == org.worker
    assert n1.display_name == "Ada Child" and n1.date_of_birth == dt.date(2015, 4, 1)
    n2 = Case.objects.get(reference="N2")
    assert n2.team == org.north_b and n2.allocated_worker is None
    assert n2.display_name == "N2"  # no name: the reference
    assert (n2.opened_on, n2.closed_on) == (dt.date(2025, 2, 3), dt.date(2025, 2, 28))
    assert n2.last_audited_on == dt.date(2025, 2, 1)
    f1 = Case.objects.get(reference="F1")
    assert f1.subject_type == SubjectType.FOSTER_CARER and f1.first_panel_on == dt.date(2024, 6, 1)
    assert f1.allocated_worker == org.colleague  # staff IDs match whatever the letter case
    run_record = ImportRun.objects.get()
    assert (run_record.status, run_record.created, run_record.rows) == ("succeeded", 3, 3)


def test_second_import_changes_nothing(org):
    rows = [case_row(case_id=f"N{i}", allocated_worker_id=org.worker.staff_id) for i in range(5)]
    run(rows)
    stamps = list(Case.objects.order_by("pk").values_list("updated_at", flat=True))
    result = run(rows)
    assert (result.created, result.updated, result.closed, result.unchanged) == (0, 0, 0, 5)
    assert list(Case.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_updates_and_closes_existing_cases(org):
    rows = [
        case_row(
            case_id=org.case.reference,
            case_type="cp",
            team="north-a",
            allocated_worker_id=org.colleague.staff_id,
            opened_on=org.case.opened_on.isoformat(),
        ),
        case_row(
            case_id=org.case_b.reference,
            case_type="cp",
            team="north-b",
            allocated_worker_id=org.worker_b.staff_id,
            name=org.case_b.display_name,
            date_of_birth=org.case_b.date_of_birth.isoformat(),
            opened_on=org.case_b.opened_on.isoformat(),
            closed_on="2025-06-30",
        ),
    ]
    result = run(rows)
    assert (result.created, result.updated, result.closed) == (0, 1, 1)
    org.case.refresh_from_db()
    assert org.case.case_type == CaseType.CP and org.case.allocated_worker == org.colleague
    org.case_b.refresh_from_db()
    assert org.case_b.closed_on == dt.date(2025, 6, 30)


def test_each_added_or_changed_case_gets_a_history_entry(org):
    from caseaudit.cases.models import CaseEvent

    importer = StaffFactory(role=Role.PERFORMANCE, team=None)
    rows = [
        case_row(
            case_id=org.case.reference,
            case_type=org.case.case_type,
            team="north-a",
            allocated_worker_id=org.colleague.staff_id,  # reallocated
            name=org.case.display_name,
            date_of_birth=org.case.date_of_birth.isoformat(),
            opened_on=org.case.opened_on.isoformat(),
        ),
        case_row(case_id="N1", allocated_worker_id=org.worker.staff_id),
    ]
    run(rows, by=importer.user)
    import_run = ImportRun.objects.get()
    changed = CaseEvent.objects.get(case=org.case)
    assert (changed.kind, changed.by) == ("updated", importer.user)
    assert changed.detail == {
        "import_run": import_run.pk,
        "changes": {"allocated_worker_id": [org.worker.pk, org.colleague.pk]},
    }
    assert changed.changed_fields == ["allocated worker"]
    added = CaseEvent.objects.get(case__reference="N1")
    assert (added.kind, added.detail) == ("imported", {"import_run": import_run.pk})
    run(rows, by=importer.user)  # nothing changes: nothing more in the history
    assert CaseEvent.objects.count() == 2


def test_last_audited_never_goes_backwards(org):
    org.case.last_audited_on = dt.date(2025, 5, 1)
    org.case.save()
    row = case_row(
        case_id=org.case.reference,
        name=org.case.display_name,
        opened_on=org.case.opened_on.isoformat(),
        allocated_worker_id=org.worker.staff_id,
        last_audited_on="2024-01-01",
    )
    run([row])
    org.case.refresh_from_db()
    assert org.case.last_audited_on == dt.date(2025, 5, 1)


def test_missing_optional_columns_leave_existing_values(org):
    header = ["case_id", "subject_type", "case_type", "opened_on", "team"]
    row = [org.case.reference, "child", "cin", org.case.opened_on.isoformat(), "north-a"]
    result = run([row], header=header)
    assert result.unchanged == 1
    org.case.refresh_from_db()
    assert org.case.allocated_worker == org.worker


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"opened_on": "31/13/2024"},
            'cases.csv row 3, column opened_on: "31/13/2024" is not a date '
            "(use YYYY-MM-DD or DD/MM/YYYY)",
        ),
        (
            {"allocated_worker_id": "NOBODY"},
            'cases.csv row 3, column allocated_worker_id: no member of staff has staff ID "NOBODY"',
        ),
        (
            {"team": "Atlantis"},
            'cases.csv row 3, column team: no team is named or coded "Atlantis"',
        ),
        (
            {"case_type": "pending"},
            'cases.csv row 3, column case_type: "pending" is not a case type',
        ),
        (
            {"case_id": "OK1"},
            'cases.csv row 3, column case_id: case_id "OK1" is also on row 2',
        ),
        (
            {"subject_type": "adopter", "case_type": "cin"},
            'cases.csv row 3, column case_type: "cin" is not a case type for a adopter household',
        ),
        (
            {"closed_on": "2024-01-01"},
            "cases.csv row 3, column closed_on: the case closed (01/01/2024) before it opened",
        ),
        (
            {"first_panel_on": "2024-01-01"},
            "cases.csv row 3, column first_panel_on: first_panel_on is for foster carers",
        ),
    ],
)
def test_bad_rows_are_refused_and_change_nothing(org, values, expected):
    before = model_counts()
    rows = [case_row(case_id="OK1"), case_row(**{"case_id": "BAD1", **values})]
    errors = refused(rows)
    assert any(e.startswith(expected) for e in errors), errors
    assert model_counts() == {**before, "runs": before["runs"] + 1}
    assert not Case.objects.filter(reference="OK1").exists()
    failed = ImportRun.objects.get()
    assert failed.status == ImportStatus.FAILED and failed.error_count == len(errors)


def test_all_errors_are_collected(org):
    rows = [
        case_row(case_id="B1", opened_on="yesterday"),
        case_row(case_id="B2", team="Atlantis", allocated_worker_id="NOBODY"),
        case_row(case_id="B3", allocated_worker_id="NOBODY"),
        case_row(case_id="B4", case_type=""),
    ]
    errors = refused(rows)
    assert [e.split(":")[0] for e in errors] == [
        "cases.csv row 2, column opened_on",
        "cases.csv row 5, column case_type",
        "cases.csv row 3, column team",
        "cases.csv row 3, column allocated_worker_id",
        "cases.csv row 4, column allocated_worker_id",
    ]


def test_an_open_case_cannot_go_to_a_leaver(org):
    org.colleague.left_on = dt.date(2025, 3, 1)
    org.colleague.save()
    errors = refused([case_row(case_id="X1", allocated_worker_id=org.colleague.staff_id)])
    assert "left on 01/03/2025: an open case needs a current worker" in errors[0]
    closed = case_row(
        case_id="X1", allocated_worker_id=org.colleague.staff_id, closed_on="2025-02-01"
    )
    assert run([closed]).created == 1


def test_ambiguous_team_name_needs_the_code(org):
    from caseaudit.factories import TeamFactory

    TeamFactory(code="north-a-2", name="North A", service_area=org.south)
    errors = refused([case_row(case_id="X1", team="North A")])
    assert "names several teams (north-a, north-a-2): use the team code" in errors[0]
    assert run([case_row(case_id="X1", team="north-a-2")]).created == 1


def test_missing_columns_are_one_error(db):
    errors = refused([["X1", "cin"]], header=["case_id", "case_type"])
    assert errors == [
        "cases.csv row 1: the header is missing columns subject_type, opened_on, team "
        "(expected case_id,subject_type,case_type,opened_on,team,name,date_of_birth,closed_on,"
        "allocated_worker_id,first_panel_on,last_audited_on)"
    ]


def test_dry_run_counts_and_writes_nothing(org):
    before = model_counts()
    rows = [
        case_row(case_id="N1"),
        case_row(
            case_id=org.case.reference,
            opened_on=org.case.opened_on.isoformat(),
            closed_on="2025-07-01",
            allocated_worker_id=org.worker.staff_id,
        ),
    ]
    result = run(rows, dry_run=True)
    assert (result.created, result.updated, result.closed, result.unchanged) == (1, 0, 1, 0)
    assert "would create 1, would update 0, would close 1, unchanged 0" in result.summary()
    assert model_counts() == before
    org.case.refresh_from_db()
    assert org.case.closed_on is None


def test_excel_csv_quirks(org):
    """A byte order mark, Windows-1252 text, semicolons, spaced headings and blank lines."""
    text = (
        "\ufeffCase_ID ; Subject_Type;case_type;name;opened_on;team\n"
        "\n"
        "Q1;Child;Child in need;Zoë Brontë;06/01/2025;North A\n"
    )
    header = [h.strip() for h in text.splitlines()[0].split(";")]
    assert header
    result = case_file_import(
        file=text.encode("cp1252", errors="ignore"), file_name="x.csv", by=None, source_format="csv"
    )
    assert result.created == 1
    case = Case.objects.get(reference="Q1")
    assert case.display_name == "Zoë Brontë" and case.case_type == CaseType.CIN


def test_sample_templates_import_into_an_empty_database(db):
    staff_file_import(
        file=(SAMPLE_DIR / "staff_template.csv").read_bytes(),
        file_name="staff_template.csv",
        by=None,
        allow_new_teams=True,
    )
    result = case_file_import(
        file=(SAMPLE_DIR / "cases_template.csv").read_bytes(),
        file_name="cases_template.csv",
        by=None,
    )
    assert (result.created, result.closed) == (12, 0)
    assert Case.objects.filter(closed_on__isnull=False).count() == 1
    assert Case.objects.filter(allocated_worker__isnull=True).count() == 1


def test_worker_lookup_uses_no_query_per_row(org, django_assert_max_num_queries):
    rows = [case_row(case_id=f"N{i}", allocated_worker_id=org.worker.staff_id) for i in range(300)]
    data = csv_bytes(CASE_HEADER, rows)
    StaffFactory(role=Role.PRACTITIONER, team=org.north_a)
    # On SQLite the rows are staged in TEMP tables first (apply._SqliteStage): a fixed
    # handful of statements more (create, fill, apply, drop), still none per row.
    with django_assert_max_num_queries(16):
        case_file_import(file=data, file_name="cases.csv", by=None)
    assert Case.objects.filter(reference__startswith="N").count() == 300
