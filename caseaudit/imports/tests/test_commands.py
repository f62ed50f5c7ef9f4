"""The import_org and import_cases management commands."""

import io

import pytest
from django.core.management import CommandError, call_command

from caseaudit.cases.models import Case
from caseaudit.imports.models import ImportRun
from caseaudit.organisation.models import Staff

from .helpers import CASE_HEADER, SAMPLE_DIR, STAFF_HEADER, case_row, csv_bytes, model_counts

pytestmark = pytest.mark.django_db


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_templates_load_an_authority_from_a_clean_database():
    out, _ = command("import_org", str(SAMPLE_DIR / "staff_template.csv"), "--allow-new-teams")
    assert "Imported staff_template.csv (13 records): create 13, update 0" in out
    out, _ = command("import_cases", str(SAMPLE_DIR / "cases_template.csv"))
    assert "create 12, update 0, close 0, unchanged 0" in out
    out, _ = command("import_cases", str(SAMPLE_DIR / "cases_template.csv"))
    assert "create 0, update 0, close 0, unchanged 12" in out
    assert ImportRun.objects.filter(via="command", by__isnull=True).count() == 3


def test_dry_run_prints_counts_and_writes_nothing():
    out, _ = command(
        "import_org", str(SAMPLE_DIR / "staff_template.csv"), "--dry-run", "--allow-new-teams"
    )
    assert "would create 13, would update 0, would mark 0 as left, unchanged 0" in out
    assert "Nothing was written" in out
    assert model_counts()["staff"] == 0 and not ImportRun.objects.exists()


def test_errors_are_printed_and_the_command_fails(org, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(
        csv_bytes(
            CASE_HEADER,
            [case_row(case_id="A"), case_row(case_id="B", opened_on="31/13/2024", team="Nowhere")],
        )
    )
    before = model_counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 errors: nothing was imported"):
        call_command("import_cases", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        'cases.csv row 3, column opened_on: "31/13/2024" is not a date '
        "(use YYYY-MM-DD or DD/MM/YYYY)",
        'cases.csv row 3, column team: no team is named or coded "Nowhere"',
    ]
    assert model_counts() == {**before, "runs": before["runs"] + 1}
    assert not Case.objects.filter(reference="A").exists()


def test_import_org_fails_on_a_bad_role(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes(STAFF_HEADER, [["P1", "P", "p@example.org", "boss", "", "", ""]]))
    with pytest.raises(CommandError):
        call_command("import_org", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Staff.objects.exists()


def test_import_org_full(org, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(
        csv_bytes(STAFF_HEADER, [["P1", "Pat", "p@example.org", "director", "", "", ""]])
    )
    current = Staff.objects.filter(left_on__isnull=True).count()
    out, _ = command("import_org", str(path), "--full")
    assert f"mark {current} as left" in out
    assert Staff.objects.filter(left_on__isnull=True).get().staff_id == "P1"


def test_missing_file():
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_cases", "/nonexistent/cases.csv")


def test_ssda903_command(org, shared_data):
    folder = shared_data / "ssda903"
    out, _ = command(
        "import_cases",
        str(folder / "header.csv"),
        "--format",
        "ssda903",
        "--episodes",
        str(folder / "episodes.csv"),
        "--team",
        "North A",
    )
    assert "create 2123" in out and "552 children have no episodes" in out
    with pytest.raises(CommandError):
        call_command(
            "import_cases",
            str(folder / "header.csv"),
            "--episodes",
            str(folder / "episodes.csv"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_annex_a_command(shared_data):
    command(
        "import_org",
        str(SAMPLE_DIR.parent / "tests" / "data" / "annex_a_staff.csv"),
        "--allow-new-teams",
    )
    out, _ = command(
        "import_cases",
        str(shared_data / "annex-a" / "Annex_A_sample.xlsx"),
        "--team",
        "locality-4-unit-1",
        "--dry-run",
    )
    assert "would create 23" in out
    assert not Case.objects.exists()
