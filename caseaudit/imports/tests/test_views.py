"""The import pages: who may see them, uploads, errors, and query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from caseaudit.cases.models import Case
from caseaudit.factories import StaffFactory
from caseaudit.imports.models import ImportRun, ImportStatus
from caseaudit.imports.views import SHOWN_ERRORS
from caseaudit.organisation.models import Role, Staff

from .helpers import CASE_HEADER, STAFF_HEADER, case_row, csv_bytes, model_counts, new_places_tick

PAGES = ["import_index", "import_staff", "import_cases"]


@pytest.fixture
def admin(org):
    return StaffFactory(role=Role.ADMIN, team=None)


def upload(name, data, content_type="text/csv"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["admin", "performance"])
def test_admin_and_performance_see_the_pages(request, login, org, page, persona):
    staff = request.getfixturevalue("admin") if persona == "admin" else org.performance
    response = login(staff).get(reverse(page))
    assert response.status_code == 200
    assert b'href="/imports/"' in response.content  # the navigation link


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["worker", "tm", "csm_north", "director", "iro"])
def test_everyone_else_gets_404(login, org, page, persona):
    response = login(getattr(org, persona)).get(reverse(page))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("performance", True), ("worker", False), ("tm", False), ("director", False)],
)
def test_navigation_link_only_for_importers(org, persona, shown):
    from caseaudit.site.context_processors import navigation_for

    keys = [key for key, _, _ in navigation_for(getattr(org, persona).user)]
    assert ("imports" in keys) is shown


def test_superuser_without_staff_record(client, db):
    from caseaudit.factories import UserFactory

    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    assert client.get(reverse("import_index")).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_sign_in(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_history_query_count_does_not_grow(login, org, django_assert_num_queries):
    client = login(org.performance)
    ImportRun.objects.create(
        kind="cases", source_format="csv", file_name="a.csv", status="succeeded", by=None
    )
    client.get(reverse("import_index"))  # warm up
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("import_index"))
    baseline = len(one.captured_queries)
    assert baseline <= 10
    for n in range(20):
        ImportRun.objects.create(
            kind="staff",
            source_format="staff-csv",
            file_name=f"s{n}.csv",
            status="failed",
            by=StaffFactory(role=Role.ADMIN, team=None).user,
        )
    with django_assert_num_queries(baseline):
        response = client.get(reverse("import_index"))
    assert b"s19.csv" in response.content and b"Refused" in response.content


def test_upload_pages_query_counts(login, org, django_assert_max_num_queries):
    client = login(org.performance)
    client.get(reverse("import_staff"))
    with django_assert_max_num_queries(8):
        client.get(reverse("import_staff"))
    with django_assert_max_num_queries(9):
        response = client.get(reverse("import_cases"))  # and the team choices
    assert response.content.count(b"<option") == 4 + 4  # formats, "None" and three teams


def test_case_upload_imports(login, org):
    client = login(org.performance)
    data = csv_bytes(CASE_HEADER, [case_row(case_id="W1", allocated_worker_id=org.worker.staff_id)])
    response = client.post(reverse("import_cases"), {"file": upload("cases.csv", data)})
    assert response.status_code == 200
    assert b"cases.csv was imported" in response.content
    assert Case.objects.filter(reference="W1", allocated_worker=org.worker).exists()
    run = ImportRun.objects.get()
    assert (run.by, run.via, run.created) == (org.performance.user, "web", 1)


def test_case_upload_dry_run_changes_nothing(login, org):
    client = login(org.performance)
    before = model_counts()
    data = csv_bytes(CASE_HEADER, [case_row(case_id="W1")])
    response = client.post(
        reverse("import_cases"), {"file": upload("cases.csv", data), "dry_run": "on"}
    )
    assert b"Nothing was changed: this was a check only" in response.content
    assert b'id="count-created">1<' in response.content
    assert model_counts() == before


def test_case_upload_errors_are_listed_and_nothing_changes(login, org):
    client = login(org.performance)
    before = model_counts()
    rows = [case_row(case_id=f"E{i}", opened_on="31/13/2024") for i in range(SHOWN_ERRORS + 5)]
    response = client.post(
        reverse("import_cases"), {"file": upload("cases.csv", csv_bytes(CASE_HEADER, rows))}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "The file has 205 errors: nothing was changed" in html
    assert (
        "cases.csv row 2, column opened_on: &quot;31/13/2024&quot; is not a date "
        "(use YYYY-MM-DD or DD/MM/YYYY)" in html
    )
    assert html.count("is not a date") == SHOWN_ERRORS
    assert "and 5 more errors not shown" in html
    assert model_counts() == {**before, "runs": before["runs"] + 1}
    assert ImportRun.objects.get().status == ImportStatus.FAILED


def test_ssda903_upload_needs_episodes_and_team(login, org):
    client = login(org.performance)
    header = csv_bytes(["CHILD", "SEX", "DOB"], [["A1", "1", "01/01/2010"]])
    response = client.post(
        reverse("import_cases"),
        {"file": upload("header.csv", header), "source_format": "ssda903"},
    )
    html = response.content.decode()
    assert "Select the SSDA903 episodes table" in html
    assert "Choose the team for the looked-after children" in html
    episodes = csv_bytes(["CHILD", "DECOM", "DEC", "REC"], [["A1", "01/04/2020", "", ""]])
    response = client.post(
        reverse("import_cases"),
        {
            "file": upload("header.csv", header),
            "episodes": upload("episodes.csv", episodes),
            "source_format": "ssda903",
            "team": org.north_b.pk,
        },
    )
    assert b"header.csv was imported" in response.content
    assert Case.objects.get(reference="A1").team == org.north_b


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        ("cases.txt", b"case_id\n", "text/plain", "must be a CSV or XLSX file"),
        ("cases.csv", b"PK\x03\x04rest", "text/csv", "is not a CSV text file"),
        ("cases.csv", b"case_id\n", "image/png", "is not a CSV text file"),
        ("cases.xlsx", b"case_id\n", "application/octet-stream", "is not an Excel workbook"),
        ("cases.csv", b"", "text/csv", "The submitted file is empty"),
    ],
)
def test_upload_checks_type_and_content(login, org, name, data, content_type, message):
    client = login(org.performance)
    response = client.post(reverse("import_cases"), {"file": upload(name, data, content_type)})
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_upload_size_limit(login, org, monkeypatch):
    from caseaudit.imports import forms

    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 10)
    client = login(org.performance)
    data = csv_bytes(CASE_HEADER, [case_row()])
    response = client.post(reverse("import_cases"), {"file": upload("cases.csv", data)})
    assert "The file must be smaller than" in response.content.decode()


def test_staff_upload_full(login, org, admin):
    client = login(admin)
    rows = [
        [admin.staff_id, admin.name, admin.user.email, "admin", "", "", ""],
        ["NEW1", "Nia New", "nia@example.org", "practitioner", "Duty", "North", ""],
    ]
    data = csv_bytes(STAFF_HEADER, rows)
    form = {"file": upload("staff.csv", data), "full": "on"}
    refused = client.post(reverse("import_staff"), form).content.decode()
    assert "no team named &quot;Duty&quot; in North" in refused  # a new team: ticked below
    form = {"file": upload("staff.csv", data), "full": "on"}
    form["allow_new_teams"] = new_places_tick(refused)
    response = client.post(reverse("import_staff"), form)
    assert b"staff.csv was imported" in response.content
    assert Staff.objects.filter(left_on__isnull=True).count() == 2
    run = ImportRun.objects.get(status="succeeded")  # and the refused one before
    assert run.left == Staff.objects.filter(left_on__isnull=False).count()
    assert run.new_teams == [["Duty", "North"]] and run.new_places_allowed_by == admin.user


def test_staff_upload_errors(login, org):
    client = login(org.performance)
    rows = [["P1", "Pat", "pat@example.org", "wizard", "Duty", "North", ""]]
    response = client.post(
        reverse("import_staff"), {"file": upload("staff.csv", csv_bytes(STAFF_HEADER, rows))}
    )
    assert "staff.csv row 2, column role: &quot;wizard&quot; is not a role" in (
        response.content.decode()
    )
    assert not Staff.objects.filter(staff_id="P1").exists()


@pytest.mark.parametrize("name", ["staff_template.csv", "cases_template.csv"])
def test_templates_download(login, org, name):
    response = login(org.performance).get(reverse("import_template", args=[name]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert b"".join(response.streaming_content).startswith(
        b"staff_id," if "staff" in name else b"case_id,"
    )


def test_templates_are_not_for_others(login, org):
    response = login(org.worker).get(reverse("import_template", args=["cases_template.csv"]))
    assert response.status_code == 404
    response = login(org.performance).get("/imports/templates/settings.py")
    assert response.status_code == 404
