"""Business Support and the imports: their own team's case lists, their own runs;
never the staff list, and the privilege ranks keep them from giving any role or changing any
account even through the import service itself."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from caseaudit.cases.models import Case
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.imports import policy
from caseaudit.imports.models import ImportKind, ImportRun, ImportStatus
from caseaudit.imports.services import ImportRefused, case_file_import, staff_file_import
from caseaudit.organisation.models import Role, Staff

from .helpers import CASE_HEADER, STAFF_HEADER, case_row, csv_bytes, model_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def bs_b(org):
    """Business Support of another team (North B)."""
    return StaffFactory(role=Role.BUSINESS_SUPPORT, team=org.north_b)


def _cases(rows, by, **kwargs):
    return case_file_import(
        file=csv_bytes(CASE_HEADER, rows), file_name="cases.csv", by=by.user, **kwargs
    )


def _refused(rows, by, **kwargs) -> list[str]:
    before = model_counts()
    with pytest.raises(ImportRefused) as caught:
        _cases(rows, by, **kwargs)
    after = model_counts()
    assert {k: v for k, v in after.items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }  # nothing written
    return [str(e) for e in caught.value.errors]


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["business_support", "bs_b"])
def test_business_support_has_the_case_import_not_the_staff_import(org, login, bs_b, persona):
    client = login(bs_b if persona == "bs_b" else org.business_support)
    index = client.get(reverse("import_index"))
    assert index.status_code == 200
    body = index.content.decode()
    assert reverse("import_cases") in body and reverse("import_staff") not in body
    assert b'href="/imports/"' in index.content  # the header's link
    assert client.get(reverse("import_cases")).status_code == 200
    assert client.get(reverse("import_staff")).status_code == 404
    assert client.post(reverse("import_staff"), {}).status_code == 404
    assert client.get(reverse("import_template", args=["cases_template.csv"])).status_code == 200


@pytest.mark.parametrize("persona", ["worker", "tm", "ps1", "csm_north", "director"])
def test_no_imports_for_other_roles(org, login, persona):
    client = login(getattr(org, persona))
    for name in ("import_index", "import_cases", "import_staff"):
        assert client.get(reverse(name)).status_code == 404, name


def test_business_support_sees_their_own_runs_only(org, login, bs_b):
    mine = ImportRun.objects.create(
        kind="cases", source_format="csv", file_name="mine.csv", status="succeeded",
        by=org.business_support.user,
    )  # fmt: skip
    theirs = ImportRun.objects.create(
        kind="cases", source_format="csv", file_name="theirs.csv", status="failed",
        by=org.performance.user, errors=["row 2: case X is not known"],
    )  # fmt: skip
    other_bs = ImportRun.objects.create(
        kind="cases", source_format="csv", file_name="other.csv", status="succeeded",
        by=bs_b.user,
    )  # fmt: skip
    client = login(org.business_support)
    runs = list(client.get(reverse("import_index")).context["page"].object_list)
    assert runs == [mine]
    assert client.get(reverse("import_run_detail", args=[mine.pk])).status_code == 200
    for run in (theirs, other_bs):
        assert client.get(reverse("import_run_detail", args=[run.pk])).status_code == 404
    # Performance Assurance sees every run.
    everything = login(org.performance).get(reverse("import_index")).context["page"]
    assert set(everything.object_list) == {mine, theirs, other_bs}


# --- the case list: their own team's -------------------------------------------------------


def test_business_support_imports_their_team_s_cases(org, login):
    rows = [
        case_row(case_id="BS-NEW", team="north-a", allocated_worker_id=org.worker.staff_id),
        case_row(case_id=org.case.reference, team="north-a", closed_on="", opened_on="2024-01-01"),
    ]
    response = login(org.business_support).post(
        reverse("import_cases"),
        {"file": SimpleUploadedFile("cases.csv", csv_bytes(CASE_HEADER, rows), "text/csv")},
    )
    assert response.status_code == 200
    assert Case.objects.get(reference="BS-NEW").team == org.north_a
    run = ImportRun.objects.get()
    assert (run.status, run.by, run.created, run.updated) == (
        ImportStatus.SUCCEEDED,
        org.business_support.user,
        1,
        1,
    )


def test_another_team_s_case_is_refused(org):
    errors = _refused(
        [
            case_row(case_id="OK-1", team="north-a"),
            case_row(case_id=org.case_b.reference, team="north-b"),
        ],
        org.business_support,
    )
    assert any(f"case {org.case_b.reference} is not in your team" in e for e in errors), errors
    assert not Case.objects.filter(reference="OK-1").exists()


def test_moving_a_case_out_of_or_into_their_team_is_refused(org):
    out = _refused([case_row(case_id=org.case.reference, team="north-b")], org.business_support)
    assert any('team "North B" is not your team' in e for e in out), out
    into = _refused(
        [case_row(case_id=org.south_case.reference, team="north-a")], org.business_support
    )
    assert any(f"case {org.south_case.reference} is not in your team" in e for e in into), into
    org.case.refresh_from_db()
    org.south_case.refresh_from_db()
    assert org.case.team == org.north_a and org.south_case.team == org.south_a


def test_a_new_case_in_another_team_or_a_default_team_of_another_is_refused(org, bs_b):
    new = _refused([case_row(case_id="ELSEWHERE", team="south-a")], org.business_support)
    assert any('team "South A" is not your team' in e for e in new), new
    default = _refused(
        [case_row(case_id="NO-TEAM", team="")], org.business_support, default_team="south-a"
    )
    assert any('team "South A" is not your team' in e for e in default), default
    # Business Support of North B may import North B's cases (and not North A's).
    _cases([case_row(case_id=org.case_b.reference, team="north-b", opened_on="2024-02-02")], bs_b)
    assert _refused([case_row(case_id=org.case.reference, team="north-a")], bs_b)


def test_business_support_without_a_team_imports_no_case(org):
    nobody = StaffFactory(role=Role.BUSINESS_SUPPORT, team=None)
    assert policy.import_case_team_ids(nobody.user) == frozenset()
    errors = _refused([case_row(case_id="X1", team="north-a")], nobody)
    assert any("is not your team" in e for e in errors)


def test_performance_and_the_command_line_import_any_team(org):
    CaseFactory(team=org.south_a, reference="S-1")
    rows = [case_row(case_id="S-1", team="north-b"), case_row(case_id="P-NEW", team="south-a")]
    case_file_import(
        file=csv_bytes(CASE_HEADER, rows), file_name="cases.csv", by=org.performance.user
    )
    assert Case.objects.get(reference="S-1").team == org.north_b
    assert policy.import_case_team_ids(None) is None
    assert policy.import_case_team_ids(org.performance.user) is None


# --- the staff list: never, and the ranks hold even at the service --------------------------


def _staff(rows, by):
    return staff_file_import(file=csv_bytes(STAFF_HEADER, rows), file_name="staff.csv", by=by.user)


def test_business_support_cannot_give_a_role_even_through_the_service(org):
    """The staff page is 404 for them; were the service called as them, the privilege ranks
    (`accounts.policy`: administrators, then Performance Assurance, then everyone else) still
    refuse every role they would give, their own included, and every account they would
    change."""
    before = model_counts()
    rows = [
        ["N1", "New Worker", "n1@x.org", "practitioner", "North A", "North", org.ps1.staff_id],
        ["N2", "New Director", "n2@example.org", "director", "", "", ""],
        ["N3", "New Admin", "n3@example.org", "admin", "", "", ""],
    ]  # fmt: skip
    with pytest.raises(ImportRefused) as caught:
        _staff(rows, org.business_support)
    errors = [str(e) for e in caught.value.errors]
    assert any("you cannot give the role Practitioner" in e for e in errors), errors
    assert any("you cannot give the role Director" in e for e in errors), errors
    assert any("only a system administrator can give or remove the admin role" in e for e in errors)
    assert {k: v for k, v in model_counts().items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }


def test_business_support_cannot_change_an_account_through_the_service(org):
    me = org.business_support
    worker = org.worker
    rows = [
        [worker.staff_id, worker.name, worker.user.email, "practice_supervisor", "North A",
         "North", org.tm.staff_id],
        [me.staff_id, me.name, me.user.email, "performance", "", "", ""],
    ]  # fmt: skip
    with pytest.raises(ImportRefused) as caught:
        _staff(rows, me)
    errors = " ".join(str(e) for e in caught.value.errors)
    assert "you cannot give the role Practice Supervisor" in errors
    assert "you cannot give the role Performance Assurance" in errors
    assert Staff.objects.get(pk=worker.pk).role == Role.PRACTITIONER
    assert Staff.objects.get(pk=me.pk).role == Role.BUSINESS_SUPPORT


def test_can_import_by_kind(org, bs_b):
    assert policy.can_import(org.performance.user, ImportKind.STAFF)
    assert policy.can_import(org.performance.user, ImportKind.CASES)
    for bs in (org.business_support, bs_b):
        assert not policy.can_import(bs.user, ImportKind.STAFF)
        assert policy.can_import(bs.user, ImportKind.CASES)
    for other in (org.tm, org.worker, org.director):
        assert not policy.import_allowed(other.user)
        assert not policy.can_import(other.user, ImportKind.CASES)
