"""Imports never invent a team or a service area from a typo.

- A name not already known is a row error naming the row, the column, the unknown name and the
  nearest existing ones (within the same service area, else elsewhere, saying where).
- It is created only when allowed: on the page by the box "Create these teams and service areas",
  shown with the names once a check has found them, whose tick counts only for those names, that
  file and that person (a changed file needs a new tick); on the command line by
  `import_org --allow-new-teams`.
- The new names are listed in the dry run and in the result (page, command, run page), and the
  run record keeps them and who allowed them.
- Case imports never create a team: an unknown one is an error with the nearest names.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from caseaudit.factories import ServiceAreaFactory, StaffFactory, TeamFactory
from caseaudit.imports.models import ImportKind, ImportRun, ImportStatus, ImportVia
from caseaudit.imports.new_places import NewPlaces, file_digest, new_places_token
from caseaudit.imports.services import (
    ImportRefused,
    case_file_import,
    import_run_queue,
    staff_file_import,
)
from caseaudit.organisation.models import Role, ServiceArea, Staff, Team

from .helpers import (
    CASE_HEADER,
    HERE,
    STAFF_HEADER,
    case_row,
    csv_bytes,
    new_places_tick,
    new_places_ticked,
)

TYPO = "Assessment Lincon 1"
TYPO_ERROR = (
    f'staff.csv row 2, column team: no team named "{TYPO}" in Assessment Service '
    '(did you mean "Assessment Lincoln 1"?)'
)
TYPO_PLACES = NewPlaces(teams=((TYPO, "Assessment Service"),))


@pytest.fixture
def service(db):
    area = ServiceAreaFactory(name="Assessment Service", code="assessment")
    TeamFactory(name="Assessment Lincoln 1", code="lincoln-1", service_area=area)
    TeamFactory(name="Assessment Boston", code="boston", service_area=area)
    return area


def staff_file(team=TYPO, area="Assessment Service", *, extra=()) -> bytes:
    return csv_bytes(
        STAFF_HEADER,
        [["T1", "Tam Typo", "tam@example.org", "practitioner", team, area, ""], *extra],
    )


def refusal(**kwargs) -> ImportRefused:
    kwargs.setdefault("file", staff_file())
    kwargs.setdefault("file_name", "staff.csv")
    kwargs.setdefault("by", None)
    with pytest.raises(ImportRefused) as refused:
        staff_file_import(**kwargs)
    return refused.value


# --- the row errors -----------------------------------------------------------------------------


def test_a_typo_in_a_team_name_is_a_row_error_naming_the_nearest_team(service):
    refused = refusal()
    [error] = [str(e) for e in refused.errors]
    assert error.startswith(TYPO_ERROR)
    assert 'tick "Create these teams and service areas"' in error
    assert refused.new.places == TYPO_PLACES and not refused.new.allowed
    assert Team.objects.count() == 2 and not Staff.objects.exists()


def test_the_refused_import_records_the_unknown_names_not_allowed(service):
    refused = refusal()
    run = refused.run
    assert run.status == ImportStatus.FAILED
    assert run.new_teams == [[TYPO, "Assessment Service"]] and run.new_service_areas == []
    assert not run.new_places_allowed and run.new_places_allowed_by is None
    assert run.file_sha256 == file_digest(staff_file())


def test_several_close_names_are_all_suggested(service):
    TeamFactory(name="Assessment Lincoln 2", code="lincoln-2", service_area=service)
    [error] = refusal(file=staff_file(team="Assessment Lincon")).errors
    assert (
        'no team named "Assessment Lincon" in Assessment Service (did you mean '
        '"Assessment Lincoln 1" or "Assessment Lincoln 2"?)'
    ) in str(error)


def test_suggestions_come_from_the_same_service_area_first(service):
    other = ServiceAreaFactory(name="Safeguarding North", code="north-sg")
    TeamFactory(name="Assessment Lincoln 11", code="lincoln-11", service_area=other)
    [error] = refusal().errors
    assert '(did you mean "Assessment Lincoln 1"?)' in str(error)


def test_a_team_found_only_in_another_service_area_is_suggested_with_it(service):
    ServiceAreaFactory(name="Safeguarding North", code="north-sg")
    [error] = refusal(
        file=staff_file(team="Assessment Lincoln 1", area="Safeguarding North")
    ).errors
    assert str(error).startswith(
        'staff.csv row 2, column team: no team named "Assessment Lincoln 1" in Safeguarding '
        'North (did you mean "Assessment Lincoln 1" in Assessment Service?)'
    )


def test_an_unknown_team_with_nothing_like_it_is_refused_without_a_guess(service):
    [error] = refusal(file=staff_file(team="Zzyzx")).errors
    assert 'no team named "Zzyzx" in Assessment Service;' in str(error)
    assert "did you mean" not in str(error)


def test_a_typo_in_a_service_area_is_refused_with_the_nearest_area(service):
    [error] = refusal(file=staff_file(team="Assessment Boston", area="Assesment Service")).errors
    assert str(error).startswith(
        'staff.csv row 2, column service_area: no service area named "Assesment Service" '
        '(did you mean "Assessment Service"?)'
    )
    assert ServiceArea.objects.count() == 1


def test_every_row_with_the_unknown_name_is_an_error_and_the_name_is_listed_once(service):
    rows = [["T2", "Tia Typo", "tia@example.org", "practitioner", TYPO, "Assessment Service", ""]]
    refused = refusal(file=staff_file(extra=rows))
    assert [e.ref.row for e in refused.errors] == [2, 3]
    assert refused.new.places == TYPO_PLACES


def test_an_existing_team_in_other_letter_case_is_found(service):
    result = staff_file_import(
        file=staff_file(team="assessment  lincoln 1"), file_name="staff.csv", by=None
    )
    assert result.created == 1 and result.teams_created == 0 and not result.new_places
    assert Staff.objects.get().team.name == "Assessment Lincoln 1"


# --- the command line: --allow-new-teams ------------------------------------------------------


def test_allowed_the_dry_run_names_the_new_team_and_writes_nothing(service):
    result = staff_file_import(
        file=staff_file(), file_name="staff.csv", by=None, dry_run=True, allow_new_teams=True
    )
    assert result.new_places == TYPO_PLACES
    assert result.new_places_lines() == [
        f"Would create new teams: {TYPO} (service area Assessment Service)"
    ]
    assert "would create 1 team(s)" in result.summary()
    assert Team.objects.count() == 2 and not ImportRun.objects.exists()


def test_allowed_the_import_creates_names_and_records_new_teams_and_areas(service):
    result = staff_file_import(
        file=staff_file(team="Duty East", area="East"),
        file_name="staff.csv",
        by=None,
        allow_new_teams=True,
        via=ImportVia.COMMAND,
    )
    assert result.new_places == NewPlaces(service_areas=("East",), teams=(("Duty East", "East"),))
    assert result.new_places_lines() == [
        "New service areas: East",
        "New teams: Duty East (service area East)",
    ]
    assert Staff.objects.get().team.service_area.name == "East"
    run = result.run
    assert run.new_service_areas == ["East"] and run.new_teams == [["Duty East", "East"]]
    assert run.new_places_allowed and run.new_places_allowed_by is None


def test_the_command_refuses_new_teams_without_the_flag(service, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_file())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_org", str(path), stdout=io.StringIO(), stderr=err)
    assert TYPO_ERROR in err.getvalue()
    assert "run the import again with --allow-new-teams" in err.getvalue()
    assert f"teams {TYPO} (service area Assessment Service)" in err.getvalue()
    assert Team.objects.count() == 2


def test_the_command_dry_run_names_them_with_the_flag(service, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_file())
    out = io.StringIO()
    call_command(
        "import_org", str(path), "--allow-new-teams", "--dry-run", stdout=out, stderr=io.StringIO()
    )
    assert f"Would create new teams: {TYPO} (service area Assessment Service)" in out.getvalue()
    assert not Team.objects.filter(name=TYPO).exists()


def test_the_command_creates_them_with_the_flag(service, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_file())
    out = io.StringIO()
    call_command("import_org", str(path), "--allow-new-teams", stdout=out, stderr=io.StringIO())
    assert f"New teams: {TYPO} (service area Assessment Service)" in out.getvalue()
    assert Team.objects.filter(name=TYPO).exists()


# --- the page's tick: for these names, this file, this person --------------------------------


@pytest.fixture
def admin(org):
    return StaffFactory(role=Role.ADMIN, team=None)


def tick(places=TYPO_PLACES, data=None, by=None) -> str:
    return new_places_token(places=places, digest=file_digest(data or staff_file()), by=by)


def test_the_tick_for_this_file_creates_the_names_and_records_who_ticked(service, admin):
    result = staff_file_import(
        file=staff_file(),
        file_name="staff.csv",
        by=admin.user,
        new_places_agreed=tick(by=admin.user),
    )
    assert Team.objects.get(name=TYPO).service_area == service
    assert result.new_places == TYPO_PLACES
    assert result.run.new_places_allowed and result.run.new_places_allowed_by == admin.user


def test_a_tick_for_another_file_does_not_count(service, admin):
    changed = staff_file(extra=[["T2", "Ty", "ty@example.org", "performance", "", "", ""]])
    refused = refusal(file=changed, by=admin.user, new_places_agreed=tick(by=admin.user))
    assert [e.column for e in refused.errors] == ["team"]
    assert refused.new.tick_not_counted and not refused.new.allowed
    assert refused.new.token == tick(data=changed, by=admin.user)  # a new tick, for this file
    assert not Team.objects.filter(name=TYPO).exists()


def test_a_tick_given_by_someone_else_does_not_count(service, admin, org):
    refused = refusal(by=admin.user, new_places_agreed=tick(by=org.performance.user))
    assert refused.new.tick_not_counted
    assert not Team.objects.filter(name=TYPO).exists()


def test_a_tick_covers_only_the_names_it_was_shown_with(service, admin):
    both = staff_file(
        extra=[
            ["T2", "Ty", "ty@example.org", "practitioner", "Duty West", "Assessment Service", ""]
        ]
    )
    refused = refusal(file=both, by=admin.user, new_places_agreed=tick(data=both, by=admin.user))
    [error] = refused.errors
    assert error.ref.row == 3 and 'no team named "Duty West"' in error.message
    assert refused.new.tick_not_counted
    assert refused.new.places.teams == (
        (TYPO, "Assessment Service"),
        ("Duty West", "Assessment Service"),
    )
    assert not Team.objects.filter(name__in=[TYPO, "Duty West"]).exists()


def test_a_forged_tick_does_not_count(service, admin):
    refused = refusal(by=admin.user, new_places_agreed=tick(by=admin.user)[:-2] + "xx")
    assert refused.new.tick_not_counted
    refused = refusal(by=admin.user, new_places_agreed="on")
    assert refused.new.tick_not_counted


def test_the_tick_does_not_lift_the_other_rules(service, org):
    """Allowed new teams, a Performance Assurance import still cannot touch an admin account."""
    boss = StaffFactory(role=Role.ADMIN, team=None, staff_id="ADM1")
    data = staff_file(extra=[["ADM1", "Renamed Boss", boss.user.email, "admin", "", "", ""]])
    by = org.performance.user
    refused = refusal(file=data, by=by, new_places_agreed=tick(data=data, by=by))
    assert "only a system administrator" in " ".join(str(e) for e in refused.errors)
    assert refused.new.allowed  # the tick counted; the import is refused for the account
    assert not Team.objects.filter(name=TYPO).exists()
    boss.refresh_from_db()
    assert boss.name != "Renamed Boss"


def post(client, data=None, **fields):
    form = {"file": SimpleUploadedFile("staff.csv", data or staff_file(), content_type="text/csv")}
    form.update({name: value for name, value in fields.items() if value})
    return client.post(reverse("import_staff"), form).content.decode()


def test_the_page_shows_no_box_before_a_check_has_found_names(login, admin):
    html = login(admin).get(reverse("import_staff")).content.decode()
    assert 'name="allow_new_teams"' not in html
    assert "Create these teams and service areas" in html  # the intro says how it works


def test_the_page_flow_refuse_then_tick_then_check_then_import(login, admin, service):
    client = login(admin)
    html = post(client)
    assert TYPO_ERROR.replace('"', "&quot;") in html
    assert f"<li>{TYPO} (service area Assessment Service)</li>" in html
    token = new_places_tick(html)
    assert token and not new_places_ticked(html)
    assert not Team.objects.filter(name=TYPO).exists()

    html = post(client, dry_run="on", allow_new_teams=token)
    assert "has no errors" in html and "New teams it would create" in html
    assert f"<li>{TYPO} (service area Assessment Service)</li>" in html
    assert new_places_tick(html) and new_places_ticked(html)  # still ticked, for this file
    assert not Team.objects.filter(name=TYPO).exists()

    html = post(client, allow_new_teams=new_places_tick(html))
    assert "staff.csv was imported" in html
    assert f"<li>{TYPO} (service area Assessment Service)</li>" in html
    assert 'name="allow_new_teams"' not in html  # done: a fresh form
    run = ImportRun.objects.get(status=ImportStatus.SUCCEEDED)
    assert run.new_places_allowed_by == admin.user and run.new_teams == [
        [TYPO, "Assessment Service"]
    ]
    assert Team.objects.get(name=TYPO).service_area == service


def test_the_page_asks_again_when_the_file_has_changed(login, admin, service):
    client = login(admin)
    token = new_places_tick(post(client))
    changed = staff_file(extra=[["T2", "Ty", "ty@example.org", "performance", "", "", ""]])
    html = post(client, data=changed, allow_new_teams=token)
    assert "Your tick was not for this file" in html
    assert new_places_tick(html) not in ("", token)
    assert not Team.objects.filter(name=TYPO).exists()
    html = post(client, data=changed, allow_new_teams=new_places_tick(html))
    assert "staff.csv was imported" in html and Team.objects.filter(name=TYPO).exists()


def test_the_box_stays_with_its_names_while_the_form_is_corrected(login, admin, service):
    client = login(admin)
    token = new_places_tick(post(client))
    html = client.post(reverse("import_staff"), {"allow_new_teams": token}).content.decode()
    assert "Select a staff list" in html
    assert new_places_tick(html) == token and new_places_ticked(html)
    assert f"<li>{TYPO} (service area" in html


# --- background runs: the run's page ---------------------------------------------------------


@pytest.fixture
def in_background(settings):
    settings.IMPORT_BACKGROUND_ROWS = 0  # every upload goes to the task


def test_a_background_run_is_refused_and_its_page_offers_the_box(
    login, admin, service, in_background
):
    client = login(admin)
    response = client.post(
        reverse("import_staff"),
        {"file": SimpleUploadedFile("staff.csv", staff_file(), content_type="text/csv")},
    )
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("import_run_detail", args=[run.pk])
    html = client.get(response["Location"]).content.decode()
    assert "Teams and service areas that do not exist yet" in html
    assert f"<li>{TYPO} (service area Assessment Service)</li>" in html
    again = f"{reverse('import_staff')}?run={run.pk}"
    assert f'href="{again}"' in html

    html = client.get(again).content.decode()
    token = new_places_tick(html)
    assert token and "The import of staff.csv on" in html
    response = client.post(
        reverse("import_staff"),
        {
            "file": SimpleUploadedFile("staff.csv", staff_file(), content_type="text/csv"),
            "allow_new_teams": token,
        },
    )
    run = ImportRun.objects.latest("pk")
    assert run.succeeded and run.new_places_allowed_by == admin.user
    html = client.get(response["Location"]).content.decode()
    assert f"<li>{TYPO} (service area Assessment Service)</li>" in html
    assert "New teams allowed by" in html and admin.name in html
    assert Team.objects.filter(name=TYPO).exists()


def test_a_background_dry_run_names_the_new_teams_on_its_page(login, admin, service):
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
    assert run.succeeded and run.new_teams == [[TYPO, "Assessment Service"]]
    html = login(admin).get(reverse("import_run_detail", args=[run.pk])).content.decode()
    assert "New teams it would create" in html
    assert f"<li>{TYPO} (service area Assessment Service)</li>" in html
    assert "the command line (--allow-new-teams)" in html
    assert f"?run={run.pk}" in html  # "Import this file"


def test_the_run_page_with_names_keeps_its_query_count(
    login, admin, service, django_assert_max_num_queries
):
    refused = refusal(by=admin.user)
    client = login(admin)
    url = reverse("import_run_detail", args=[refused.run.pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        html = client.get(url).content.decode()
    assert f"<li>{TYPO} (service area Assessment Service)</li>" in html


@pytest.mark.parametrize(
    "persona",
    ["worker", "colleague", "outsider", "tm", "csm_north", "business_support", "director"],
)
def test_the_box_from_a_run_is_only_for_importers(login, org, admin, service, persona):
    run = refusal(by=admin.user).run
    response = login(getattr(org, persona)).get(f"{reverse('import_staff')}?run={run.pk}")
    assert response.status_code == 404


def test_the_box_from_a_run_for_the_importers(login, org, admin, service):
    run = refusal(by=admin.user).run
    for who in (admin, org.performance):
        html = login(who).get(f"{reverse('import_staff')}?run={run.pk}").content.decode()
        assert new_places_tick(html)
    assert login(admin).get(f"{reverse('import_staff')}?run=999999").status_code == 404
    assert login(admin).get(f"{reverse('import_staff')}?run=x").status_code == 404


# --- case imports never create a team ----------------------------------------------------------


def test_a_case_import_with_a_team_typo_is_refused_with_the_nearest_name(org):
    data = csv_bytes(CASE_HEADER, [case_row(team="Nort A")])
    with pytest.raises(ImportRefused) as refused:
        case_file_import(file=data, file_name="cases.csv", by=None)
    [error] = [str(e) for e in refused.value.errors]
    assert error == (
        'cases.csv row 2, column team: no team is named or coded "Nort A" (did you mean "North A"?)'
    )
    assert not refused.value.new.places
    assert not Team.objects.filter(name="Nort A").exists()


def annex_a_workbook(team: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "List 7"
    ws.append(["Child Unique ID", "CP Plan Start Date", "Allocated Team", "Allocated Worker"])
    ws.append(["C77", "01/02/2025", team, "#N/A"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_annex_a_team_typo_names_the_sheet_row_column_and_nearest_team(org):
    with pytest.raises(ImportRefused) as refused:
        case_file_import(file=annex_a_workbook("North B2"), file_name="a.xlsx", by=None)
    assert [str(e) for e in refused.value.errors] == [
        'a.xlsx sheet "List 7" row 2, column Allocated Team: no team is named or coded '
        '"North B2" (did you mean "North B"?)'
    ]
    assert not Team.objects.filter(name__icontains="B2").exists()


def test_an_ssda903_default_team_typo_suggests_the_nearest_team(org):
    header = csv_bytes(["CHILD", "SEX", "DOB"], [["A1", "1", "01/01/2010"]])
    episodes = csv_bytes(["CHILD", "DECOM", "DEC", "REC"], [["A1", "01/04/2020", "", ""]])
    with pytest.raises(ImportRefused) as refused:
        case_file_import(
            file=header,
            file_name="header.csv",
            source_format="ssda903",
            episodes=episodes,
            by=None,
            default_team="Sout A",
        )
    assert str(refused.value.errors[0]) == (
        'header.csv, column --team: no team is named or coded "Sout A" (did you mean "South A"?)'
    )


# --- the real formats: the Annex A staff list kept in the repository, the shared workbook -------


def test_a_typo_in_the_annex_a_staff_list_is_refused_then_its_cases_too(db, shared_data):
    staff = (HERE / "data" / "annex_a_staff.csv").read_bytes()
    staff_file_import(file=staff, file_name="annex_a_staff.csv", by=None, allow_new_teams=True)
    typo = staff.replace(b"practitioner,Locality 4 Unit 1", b"practitioner,Locality 4 Unti 1", 1)
    assert typo != staff
    with pytest.raises(ImportRefused) as refused:
        staff_file_import(file=typo, file_name="annex_a_staff.csv", by=None)
    [error] = [str(e) for e in refused.value.errors]
    assert error.startswith(
        'annex_a_staff.csv row 3, column team: no team named "Locality 4 Unti 1" in Localities '
        '(did you mean "Locality 4 Unit 1"?)'
    )
    path = shared_data / "annex-a" / "Annex_A_sample.xlsx"
    with pytest.raises(ImportRefused) as refused:
        case_file_import(
            file=path.read_bytes(), file_name=path.name, by=None, default_team="Locality 4 Unti 1"
        )
    assert str(refused.value.errors[0]).endswith(
        'no team is named or coded "Locality 4 Unti 1" (did you mean "Locality 4 Unit 1"?)'
    )
    assert not Team.objects.filter(name="Locality 4 Unti 1").exists()
