"""The Ofsted Annex A workbook: the shared sample, and the quirks of real returns."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from caseaudit.cases.models import Case, CaseType
from caseaudit.factories import StaffFactory, TeamFactory
from caseaudit.imports.parsers import annex_a
from caseaudit.imports.services import ImportRefused, case_file_import, staff_file_import
from caseaudit.organisation.models import Role

from .helpers import HERE, model_counts

pytestmark = pytest.mark.django_db


def load_annex_a_staff():
    staff_file_import(
        file=(HERE / "data" / "annex_a_staff.csv").read_bytes(),
        file_name="annex_a_staff.csv",
        by=None,
        allow_new_teams=True,
    )


def test_sample_workbook_imports(shared_data):
    load_annex_a_staff()
    path = shared_data / "annex-a" / "Annex_A_sample.xlsx"
    result = case_file_import(
        file=path.read_bytes(), file_name=path.name, by=None, default_team="Locality 4 Unit 1"
    )
    assert result.created == 23 and result.rows == 23
    counts = {t: Case.objects.filter(case_type=t).count() for t in LIST_TYPES}
    assert counts == {"cin": 5, "cp": 7, "cla": 5, "care_leaver": 6}
    # List 7: a closed plan, worker matched by name within the team.
    cp = Case.objects.select_related("allocated_worker", "team").get(reference="10721552")
    assert cp.allocated_worker.name == "Ezra Leigh" and cp.team.name == "Locality 4 Unit 1"
    assert (cp.opened_on, cp.closed_on) == (dt.date(2020, 11, 23), dt.date(2021, 2, 16))
    assert cp.display_name == "10721552"  # no names in Annex A: the child ID
    # List 6: "#N/A" team and worker: the default team, unallocated.
    cin = Case.objects.get(reference="12598894")
    assert cin.team.name == "Locality 4 Unit 1" and cin.allocated_worker is None
    # List 8: ceased to be looked after.
    assert Case.objects.get(reference="3623204").closed_on == dt.date(2020, 9, 22)
    # List 9: care leavers open from their 18th birthday.
    leaver = Case.objects.get(reference="7961370")
    assert leaver.opened_on == dt.date(2020, 8, 7) and leaver.closed_on is None

    again = case_file_import(
        file=path.read_bytes(), file_name=path.name, by=None, default_team="Locality 4 Unit 1"
    )
    assert (again.created, again.updated, again.closed, again.unchanged) == (0, 0, 0, 23)


LIST_TYPES = ["cin", "cp", "cla", "care_leaver"]


def test_sample_without_a_default_team_names_the_rows(shared_data):
    load_annex_a_staff()
    path = shared_data / "annex-a" / "Annex_A_sample.xlsx"
    before = model_counts()
    with pytest.raises(ImportRefused) as caught:
        case_file_import(file=path.read_bytes(), file_name=path.name, by=None)
    errors = [str(e) for e in caught.value.errors]
    assert len(errors) == 5
    assert errors[0] == (
        'Annex_A_sample.xlsx sheet "List 6" row 2, column Allocated Team: no team is given: '
        "choose a team for cases without one (--team)"
    )
    assert model_counts() == {**before, "runs": before["runs"] + 1}


def test_sample_unknown_worker_is_an_error(shared_data):
    load_annex_a_staff()
    from caseaudit.organisation.models import Staff

    Staff.objects.filter(name="Petra Wills").update(name="Petra Wells")
    path = shared_data / "annex-a" / "Annex_A_sample.xlsx"
    with pytest.raises(ImportRefused) as caught:
        case_file_import(
            file=path.read_bytes(), file_name=path.name, by=None, default_team="Locality 4 Unit 1"
        )
    assert [str(e) for e in caught.value.errors] == [
        f'Annex_A_sample.xlsx sheet "List 7" row {n}, column Allocated Worker: no member of team '
        '"Locality 4 Unit 1" is called "Petra Wills"'
        for n in (3, 4)
    ]
    assert Case.objects.count() == 0


def messy_workbook() -> bytes:
    """A return as some authorities send it: a title block above the header, other heading
    spellings, sheet names with suffixes, serial and text dates, #N/A, non-breaking spaces."""
    wb = Workbook()
    ws = wb.active
    ws.title = "List6 - CIN"
    ws.append(["Annex A: children in need"])
    ws.append([])
    ws.append(["Child ID", "DOB", "CIN start date", "CIN Closure Date", "Team", "Social Worker"])
    ws.append([1001.0, 41000, "05/01/2024", "#N/A", "North\xa0A", "Pat\xa0 Worker"])
    ws.append([None, None, None, None, None, None])
    ws.append(["1002", "2015-02-03", dt.date(2024, 2, 1), None, "north-a", "#N/A"])
    ws2 = wb.create_sheet("list 07")
    ws2.append(
        [
            "Child Unique ID",
            "Date of Birth",
            "Child Protection Plan Start Date",
            "Child Protection Plan End Date",
            "Allocated Team",
            "Allocated Worker ID",
            "Allocated Worker",
        ]
    )
    # On both lists: the open CP plan wins over the open CIN episode.
    ws2.append([1001, None, dt.date(2024, 3, 1), None, "North A", "WID-7", "ignored"])
    wb.create_sheet("List 1").append(["Child Unique ID", "Gender"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_messy_workbook(org):
    worker = StaffFactory(name="Pat Worker", team=org.north_a, role=Role.PRACTITIONER)
    by_id = StaffFactory(staff_id="WID-7", team=org.north_b)
    result = case_file_import(file=messy_workbook(), file_name="return.xlsx", by=None)
    assert result.created == 2
    assert any("appear more than once" in w for w in result.warnings)
    assert any("List 8, List 9" in w for w in result.warnings)
    first = Case.objects.get(reference="1001")
    assert first.case_type == CaseType.CP and first.allocated_worker == by_id
    assert first.date_of_birth == dt.date(2012, 4, 1)  # Excel serial 41000
    assert first.opened_on == dt.date(2024, 3, 1)
    second = Case.objects.get(reference="1002")
    assert second.case_type == CaseType.CIN and second.allocated_worker is None
    assert (second.team, second.opened_on) == (org.north_a, dt.date(2024, 2, 1))
    assert worker.cases.count() == 0


def test_existing_case_keeps_team_and_worker_when_annex_a_has_none(org):
    wb = Workbook()
    ws = wb.active
    ws.title = "List 6"
    ws.append(["Child Unique ID", "CIN Start Date", "Allocated Team", "Allocated Worker"])
    ws.append([org.case.reference, org.case.opened_on, "#N/A", "#N/A"])
    out = io.BytesIO()
    wb.save(out)
    result = case_file_import(file=out.getvalue(), file_name="a.xlsx", by=None)
    assert result.unchanged == 1
    org.case.refresh_from_db()
    assert org.case.allocated_worker == org.worker and org.case.display_name != org.case.reference


def test_name_matching_within_team_only(org):
    TeamFactory(code="other", name="Other team")
    wb = Workbook()
    ws = wb.active
    ws.title = "List 7"
    ws.append(["Child Unique ID", "CP Plan Start Date", "Allocated Team", "Allocated Worker"])
    ws.append(["C77", "01/02/2025", "North B", org.worker.name])
    ws.append(["C78", "2025-13-01", "North B", org.worker_b.name])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportRefused) as caught:
        case_file_import(file=out.getvalue(), file_name="a.xlsx", by=None)
    errors = [str(e) for e in caught.value.errors]
    assert errors == [
        'a.xlsx sheet "List 7" row 3, column CP Plan Start Date: "2025-13-01" is not a date '
        "(use YYYY-MM-DD or DD/MM/YYYY)",
        f'a.xlsx sheet "List 7" row 2, column Allocated Worker: no member of team "North B" is '
        f'called "{org.worker.name}" (someone of that name works in another team)',
    ]


def test_not_an_annex_a_workbook(db):
    wb = Workbook()
    wb.active.title = "Sheet1"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportRefused) as caught:
        case_file_import(file=out.getvalue(), file_name="a.xlsx", by=None, source_format="annex-a")
    assert "no sheets named" in str(caught.value.errors[0])


@pytest.mark.parametrize(
    ("title", "number"),
    [
        ("List 6", 6),
        ("List6", 6),
        ("list 07", 7),
        ("List 8 - CLA", 8),
        ("List 10", 10),
        ("Lists", None),
        ("List 66", 66),
    ],
)
def test_sheet_names(title, number):
    assert annex_a.list_number(title) == number
