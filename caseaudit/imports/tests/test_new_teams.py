"""A staff import never invents a team or a service area from a typo: a name not already known
is refused (suggesting the nearest existing one) unless the person asks for new ones ("Create
these teams and service areas" on the page, `import_org --allow-new-teams`), and what would be
or was created is named, dry run or not."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from caseaudit.factories import ServiceAreaFactory, StaffFactory, TeamFactory
from caseaudit.imports.models import ImportKind, ImportRun, ImportVia
from caseaudit.imports.services import ImportRefused, import_run_queue, staff_file_import
from caseaudit.organisation.models import Role, ServiceArea, Staff, Team

from .helpers import STAFF_HEADER, csv_bytes

TYPO = "Assessment Lincon 1"
TYPO_ERROR = (
    f'staff.csv row 2, column team: no team named "{TYPO}" in Assessment Service '
    '(did you mean "Assessment Lincoln 1"?)'
)


@pytest.fixture
def service(db):
    area = ServiceAreaFactory(name="Assessment Service", code="assessment")
    TeamFactory(name="Assessment Lincoln 1", code="lincoln-1", service_area=area)
    TeamFactory(name="Assessment Boston", code="boston", service_area=area)
    return area


def staff_file(team=TYPO, area="Assessment Service") -> bytes:
    return csv_bytes(
        STAFF_HEADER, [["T1", "Tam Typo", "tam@example.org", "practitioner", team, area, ""]]
    )


def test_a_typo_in_a_team_name_is_refused_with_the_nearest_name(service):
    with pytest.raises(ImportRefused) as refused:
        staff_file_import(file=staff_file(), file_name="staff.csv", by=None)
    [error] = [str(e) for e in refused.value.errors]
    assert error.startswith(TYPO_ERROR)
    assert "Create these teams and service areas" in error
    assert Team.objects.count() == 2 and not Staff.objects.exists()


def test_an_unknown_team_with_nothing_like_it_is_refused_without_a_guess(service):
    with pytest.raises(ImportRefused) as refused:
        staff_file_import(file=staff_file(team="Zzyzx"), file_name="staff.csv", by=None)
    [error] = [str(e) for e in refused.value.errors]
    assert 'no team named "Zzyzx" in Assessment Service:' in error
    assert "did you mean" not in error


def test_a_typo_in_a_service_area_is_refused(service):
    with pytest.raises(ImportRefused) as refused:
        staff_file_import(
            file=staff_file(team="Assessment Boston", area="Assesment Service"),
            file_name="staff.csv",
            by=None,
        )
    [error] = [str(e) for e in refused.value.errors]
    assert error.startswith(
        'staff.csv row 2, column service_area: no service area named "Assesment Service" '
        '(did you mean "Assessment Service"?)'
    )
    assert ServiceArea.objects.count() == 1


def test_an_existing_team_in_other_letter_case_is_found(service):
    result = staff_file_import(
        file=staff_file(team="assessment  lincoln 1"), file_name="staff.csv", by=None
    )
    assert result.created == 1 and result.teams_created == 0
    assert Staff.objects.get().team.name == "Assessment Lincoln 1"


def test_asked_for_the_dry_run_names_the_new_team_and_writes_nothing(service):
    result = staff_file_import(
        file=staff_file(), file_name="staff.csv", by=None, dry_run=True, allow_new_teams=True
    )
    assert result.new_teams == [f'"{TYPO}" (Assessment Service)']
    assert f'1 new team(s): "{TYPO}" (Assessment Service)' in result.summary()
    assert Team.objects.count() == 2


def test_asked_for_the_import_creates_and_names_new_teams_and_areas(service):
    result = staff_file_import(
        file=staff_file(team="Duty East", area="East"),
        file_name="staff.csv",
        by=None,
        allow_new_teams=True,
    )
    assert result.new_teams == ['"Duty East" (East)'] and result.new_service_areas == ["East"]
    assert Staff.objects.get().team.service_area.name == "East"


def test_a_background_run_names_the_new_teams_on_its_page(service):
    run = import_run_queue(
        kind=ImportKind.STAFF,
        data=staff_file(),
        file_name="staff.csv",
        by=None,
        dry_run=True,
        allow_new_teams=True,
        via=ImportVia.COMMAND,
    )
    run.refresh_from_db()
    assert run.succeeded
    assert f'This import would create 1 team(s): "{TYPO}" (Assessment Service)' in run.warnings


# --- the command ------------------------------------------------------------------------------


def test_the_command_refuses_new_teams_without_the_flag(service, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_file())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_org", str(path), stdout=io.StringIO(), stderr=err)
    assert TYPO_ERROR in err.getvalue()
    assert Team.objects.count() == 2


def test_the_command_creates_them_with_the_flag(service, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_file())
    out = io.StringIO()
    call_command("import_org", str(path), "--allow-new-teams", stdout=out, stderr=io.StringIO())
    assert f'1 new team(s): "{TYPO}" (Assessment Service)' in out.getvalue()
    assert Team.objects.filter(name=TYPO).exists()


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def admin(org):
    return StaffFactory(role=Role.ADMIN, team=None)


def post(client, **fields):
    data = {"file": SimpleUploadedFile("staff.csv", staff_file(), content_type="text/csv")}
    data.update({name: "on" for name, on in fields.items() if on})
    return client.post(reverse("import_staff"), data).content.decode()


def test_the_page_offers_the_box(login, admin):
    html = login(admin).get(reverse("import_staff")).content.decode()
    assert 'name="allow_new_teams"' in html and 'type="checkbox"' in html
    assert "Create these teams and service areas" in html


def test_the_page_refuses_a_new_team_unless_the_box_is_ticked(login, admin, service):
    client = login(admin)
    teams = Team.objects.count()
    html = post(client)
    assert TYPO_ERROR.replace('"', "&quot;") in html
    assert Team.objects.count() == teams
    html = post(client, dry_run=True, allow_new_teams=True)
    assert "has no errors" in html
    assert f"&quot;{TYPO}&quot; (Assessment Service)" in html
    assert Team.objects.count() == teams
    html = post(client, allow_new_teams=True)
    assert "staff.csv was imported" in html
    assert f"&quot;{TYPO}&quot; (Assessment Service)" in html
    assert Team.objects.filter(name=TYPO).exists()
    assert ImportRun.objects.filter(status="succeeded").count() == 1
