"""SSDA903 header and episodes tables."""

import datetime as dt

import pytest

from caseaudit.cases.models import Case, CaseType
from caseaudit.imports.services import ImportRefused, case_file_import

from .helpers import csv_bytes, model_counts

pytestmark = pytest.mark.django_db

HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"]


def episode(child, start, end="", reason="X1"):
    return [child, start, "S", "C2", "N1", "U1", "PR1", end, reason]


def run(header_rows, episode_rows, **kwargs):
    kwargs.setdefault("by", None)
    kwargs.setdefault("default_team", "north-a")
    return case_file_import(
        file=csv_bytes(HEADER, header_rows),
        file_name="header.csv",
        source_format="ssda903",
        episodes=csv_bytes(EPISODES, episode_rows),
        **kwargs,
    )


def test_sample_tables_import(org, shared_data):
    folder = shared_data / "ssda903"
    kwargs = {
        "file": (folder / "header.csv").read_bytes(),
        "file_name": "header.csv",
        "episodes": (folder / "episodes.csv").read_bytes(),
        "by": None,
        "default_team": "North A",
    }
    result = case_file_import(**kwargs)  # the format is worked out from the header
    assert result.created == 2123
    assert any("552 children have no episodes" in w for w in result.warnings)
    assert Case.objects.filter(case_type=CaseType.CLA, team=org.north_a).count() == 2124
    # 566910: two episodes, the last still open.
    child = Case.objects.get(reference="566910")
    assert (child.opened_on, child.closed_on) == (dt.date(2016, 2, 15), None)
    assert child.date_of_birth == dt.date(2008, 3, 27) and child.allocated_worker is None
    again = case_file_import(**kwargs)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2123)


def test_open_and_closed_children(org):
    header = [
        ["A1", "1", "01/01/2010", "WBRI", "", "", ""],
        ["A2", "2", "02/02/2011", "WBRI", "", "", ""],
        ["A3", "2", "03/03/2012", "WBRI", "", "", ""],
    ]
    episodes = [
        episode("A1", "01/04/2020", "01/05/2020", "X1"),
        episode("A1", "01/05/2020", "", ""),  # still looked after
        episode("A2", "10/06/2021", "20/07/2022", "E4A"),  # left care
        episode("A3", "10/06/2021", "20/07/2022", "X1"),  # the next episode is not here yet
    ]
    assert run(header, episodes).created == 3
    assert Case.objects.get(reference="A1").closed_on is None
    assert Case.objects.get(reference="A1").opened_on == dt.date(2020, 4, 1)
    assert Case.objects.get(reference="A2").closed_on == dt.date(2022, 7, 20)
    assert Case.objects.get(reference="A3").closed_on is None


def test_existing_case_keeps_its_team_and_worker(org):
    header = [[org.case.reference, "1", "01/05/2015", "WBRI", "", "", ""]]
    run(
        header,
        [episode(org.case.reference, "06/01/2025", "30/06/2025", "E11")],
        default_team="north-b",
    )
    org.case.refresh_from_db()
    assert org.case.team == org.north_a and org.case.allocated_worker == org.worker
    assert org.case.case_type == CaseType.CLA and org.case.closed_on == dt.date(2025, 6, 30)


def test_bad_rows_are_refused_and_change_nothing(org):
    before = model_counts()
    header = [["B1", "1", "31/02/2010", "WBRI", "", "", ""], ["B2", "1", "", "", "", "", ""]]
    episodes = [
        episode("B2", "01/04/2020", "01/03/2020", "E11"),
        episode("ZZ", "01/04/2020"),
        episode("B2", "", ""),
    ]
    with pytest.raises(ImportRefused) as caught:
        run(header, episodes)
    assert [str(e) for e in caught.value.errors] == [
        'header.csv row 2, column DOB: "31/02/2010" is not a date (use YYYY-MM-DD or DD/MM/YYYY)',
        "episodes.csv row 2, column DEC: the episode ended (01/03/2020) before it started "
        "(01/04/2020)",
        'episodes.csv row 3, column CHILD: CHILD "ZZ" is not in header.csv',
        "episodes.csv row 4, column DECOM: DECOM (the episode's start) is empty",
    ]
    assert model_counts() == {**before, "runs": before["runs"] + 1}


def test_team_is_required(org):
    with pytest.raises(ImportRefused) as caught:
        run(
            [["A1", "1", "01/01/2010", "", "", "", ""]],
            [episode("A1", "01/04/2020")],
            default_team="",
        )
    assert "carries no team" in str(caught.value.errors[0])
    with pytest.raises(ImportRefused) as caught:
        run(
            [["A1", "1", "01/01/2010", "", "", "", ""]],
            [episode("A1", "01/04/2020")],
            default_team="Atlantis",
        )
    assert str(caught.value.errors[0]) == (
        'header.csv, column --team: no team is named or coded "Atlantis"'
    )


def test_episodes_file_given_as_the_header(org):
    with pytest.raises(ImportRefused) as caught:
        case_file_import(
            file=csv_bytes(EPISODES, [episode("A1", "01/04/2020")]),
            file_name="episodes.csv",
            source_format="ssda903",
            episodes=None,
            by=None,
            default_team="north-a",
        )
    assert "is an SSDA903 episodes table" in str(caught.value.errors[0])
