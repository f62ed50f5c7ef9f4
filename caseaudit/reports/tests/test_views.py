"""The report pages and files: who may see them, what each shows of whose data, the access
log, the files' contents, and a fixed number of queries however much data there is."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits.models import AuditStatus
from caseaudit.reports.tabs import TABS
from caseaudit.responses.models import ResponseStatus

PAGES = [
    "report_index",
    "report_compliance",
    "report_responses",
    "report_quality",
    "report_findings",
]
FILES = [
    reverse("report_findings_pdf"),
    reverse("report_xlsx", args=["quality"]),
    reverse("report_csv", args=["compliance", "not-audited"]),
]
ALL_URLS = [reverse(name) for name in PAGES] + FILES


def url(name, *args, **params):
    from django.utils.http import urlencode

    return reverse(name, args=args) + ("?" + urlencode(params) if params else "")


# --- Who may see the reports ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker", "colleague", "outsider", "iro", "cp_chair"])
def test_reports_are_404_for_practitioners_and_other_roles(org, login, who):
    client = login(getattr(org, who))
    for address in ALL_URLS:
        assert client.get(address).status_code == 404, address
    assert not AccessEvent.objects.filter(object_type="report").exists()


@pytest.mark.parametrize("who", ["ps1", "tm", "csm_north", "director", "performance"])
def test_managers_and_performance_see_every_report(org, login, who, county):
    client = login(getattr(org, who))
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert b'href="/reports/"' in response.content  # the Reports header link


# --- Business Support: the activity reports of their team, never the audits' text ----------

ACTIVITY_URLS = [
    reverse("report_index"),
    reverse("report_compliance"),
    reverse("report_responses"),
    reverse("report_xlsx", args=["compliance"]),
    reverse("report_xlsx", args=["responses"]),
    reverse("report_csv", args=["compliance", "people"]),
    reverse("report_csv", args=["responses", "responses-by-team"]),
]
AUDIT_TEXT_URLS = [
    reverse("report_quality"),
    reverse("report_findings"),
    reverse("report_findings_pdf"),
    reverse("report_xlsx", args=["quality"]),
    reverse("report_xlsx", args=["findings"]),
    reverse("report_csv", args=["quality", "good-practice"]),
    reverse("report_csv", args=["findings", "working-well"]),
]


def test_business_support_sees_the_activity_reports_only(org, login, county):
    client = login(org.business_support)
    for address in ACTIVITY_URLS:
        assert client.get(address).status_code == 200, address
    for address in AUDIT_TEXT_URLS:
        assert client.get(address).status_code == 404, address
    # Nor prepared in the background.
    for report, file_format in (("quality", "xlsx"), ("findings", "xlsx"), ("findings", "pdf")):
        response = client.post(
            reverse("report_export_prepare"),
            {"report": report, "format": file_format, "params": ""},
        )
        assert response.status_code == 404, report
    response = client.post(
        reverse("report_export_prepare"), {"report": "compliance", "format": "xlsx", "params": ""}
    )
    assert response.status_code == 302
    logged = set(
        AccessEvent.objects.filter(object_type="report").values_list("object_id", flat=True)
    )
    assert logged == {"compliance", "responses"}


def test_business_support_s_reports_are_their_team_s(org, login, county):
    index = login(org.business_support).get(reverse("report_index"))
    body = index.content.decode()
    assert reverse("report_compliance") in body and reverse("report_responses") in body
    assert reverse("report_quality") not in body and reverse("report_findings") not in body
    assert index.context["scope"].label == "team North A"
    # The home page's figures link to their reports only: no urgent findings figure.
    keys = [
        f.key for f in login(org.business_support).get(reverse("home")).context["dashboard_figures"]
    ]
    assert keys == ["programme", "over-a-year", "overdue-responses"]
    compliance = login(org.business_support).get(url("report_compliance_tab", "people"))
    page = compliance.content.decode()
    assert org.tm.name in page  # who is expected to audit, and did
    assert "South A" not in page and org.tm_south.name not in page
    teams = [row[0] for row in compliance.context["report"].table("teams").rows]
    assert teams == ["North A"]
    # Another team's filter is refused by the form.
    other = login(org.business_support).get(
        url("report_compliance_tab", "teams", team=org.south_a.pk)
    )
    assert other.context["form"].errors["team"]
    assert "South A" not in [row[0] for row in other.context["report"].table("teams").rows]


def test_business_support_of_another_team_sees_that_team(org, login, county):
    from caseaudit.factories import StaffFactory
    from caseaudit.organisation.models import Role

    south = StaffFactory(role=Role.BUSINESS_SUPPORT, team=org.south_a)
    page = login(south).get(url("report_compliance_tab", "people")).content.decode()
    assert org.tm_south.name in page and org.tm.name not in page
    no_team = StaffFactory(role=Role.BUSINESS_SUPPORT, team=None)
    response = login(no_team).get(url("report_compliance_tab", "people"))
    assert response.status_code == 200
    assert response.context["report"].figures["expected"] == 0


def test_reports_header_link_only_for_those_who_have_reports(org, login):
    assert b'href="/reports/"' not in login(org.worker).get(reverse("home")).content


def test_unknown_report_or_table_is_404(org, login):
    client = login(org.performance)
    assert client.get(url("report_xlsx", "secrets")).status_code == 404
    assert client.get(url("report_csv", "compliance", "nope")).status_code == 404


# --- Whose data --------------------------------------------------------------------------


def test_a_team_manager_sees_only_their_team_and_never_an_outsider_s_data(org, login, county):
    client = login(org.tm)
    south = org.south_a
    # Every page of every report: at a glance and each tab.
    addresses = [reverse(f"report_{name}") for name in TABS] + [
        url(f"report_{name}_tab", slug) for name, tabs in TABS.items() for slug, _label in tabs
    ]
    for address in addresses:
        body = client.get(address).content.decode()
        assert "SOUTHERN-SECRET" not in body, address
        assert "South A" not in body, address
        assert org.tm_south.name not in body, address
    # Asking for another team's figures is refused by the form: the page shows the TM's own.
    response = client.get(url("report_quality_tab", "good-practice", team=south.pk))
    assert response.context["form"].errors["team"]
    assert "SOUTHERN-SECRET" not in response.content.decode()
    assert response.context["form"].fields["team"].queryset.get() == org.north_a
    xlsx = client.get(url("report_xlsx", "quality"))
    assert b"SOUTHERN" not in _xlsx_text(xlsx.content).encode()
    gp = client.get(url("report_csv", "quality", "good-practice")).content.decode()
    assert "Good practice here." in gp and "SOUTHERN" not in gp

    performance = login(org.performance).get(url("report_quality_tab", "good-practice"))
    assert "SOUTHERN-SECRET" in performance.content.decode()


def test_a_service_manager_sees_their_service_s_teams_only(org, login, county):
    response = login(org.csm_north).get(url("report_compliance_tab", "teams"))
    teams = [row[0] for row in response.context["report"].table("teams").rows]
    assert "North A" in teams and "South A" not in teams
    assert {t.name for t in response.context["form"].fields["team"].queryset} == {
        "North A",
        "North B",
    }


def test_a_team_manager_s_figures_leave_out_cases_they_audit_elsewhere(org, login, county, history):
    history.audit(
        case=org.south_case, auditor=org.tm, on=timezone.localdate(), good_practice="ELSEWHERE"
    )
    body = login(org.tm).get(url("report_quality_tab", "good-practice")).content.decode()
    assert "ELSEWHERE" not in body


# --- Filters ----------------------------------------------------------------------------


def test_quick_picks_and_chosen_dates(org, login, county):
    client = login(org.performance)
    today = timezone.localdate()
    response = client.get(url("report_compliance", period="this_year"))
    assert response.context["filters"].start == dt.date(today.year, 1, 1)
    response = client.get(
        url("report_compliance", period="custom", start="2026-01-01", end="2026-03-31")
    )
    assert (response.context["filters"].start, response.context["filters"].end) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
    )
    assert "1 January 2026 to 31 March 2026" in response.content.decode()
    bad = client.get(
        url("report_compliance", period="custom", start="2026-03-31", end="2026-01-01")
    )
    assert bad.context["form"].errors["end"]
    assert b"There is a problem with the filters" in bad.content


# --- The access log ---------------------------------------------------------------------


def test_every_view_and_export_is_in_the_access_log(org, login, county, pdfs_not_laid_out):
    # The log is what is tested (`test_findings_pdf_renders` makes a real findings PDF).
    client = login(org.performance)
    client.get(reverse("report_quality"))
    client.get(url("report_csv", "responses", "responses-by-team"))
    client.get(url("report_xlsx", "compliance"))
    client.get(reverse("report_findings_pdf"))
    events = list(
        AccessEvent.objects.filter(object_type="report")
        .order_by("id")
        .values_list("action", "object_id", "case_id", "user_id")
    )
    user = org.performance.user.pk
    assert events == [
        ("view", "quality", None, user),
        ("export", "responses", None, user),
        ("export", "compliance", None, user),
        ("export", "findings", None, user),
    ]


# --- Files ------------------------------------------------------------------------------


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row if cell.value
    )


INJECTION = '=HYPERLINK("http://evil.example","click")'


def test_csv_and_xlsx_cells_are_never_formulas(org, login, county, history):
    history.audit(
        case=org.case,
        auditor=org.csm_north,
        on=timezone.localdate(),
        good_practice=INJECTION,
        family_views="@SUM(A1:A2)",
    )
    client = login(org.performance)
    response = client.get(url("report_csv", "quality", "good-practice"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    texts = [row[-1] for row in rows]
    assert "'" + INJECTION in texts
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(url("report_xlsx", "quality")).content))
    assert book.sheetnames[0] == "About"
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f"]
    quoted = [c.value for c in cells if isinstance(c.value, str) and c.value.startswith("'=")]
    assert "'" + INJECTION in quoted
    assert any(isinstance(c.value, str) and c.value == "'@SUM(A1:A2)" for c in cells)
    assert "Good practice to share" in book.sheetnames


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(org, login, county):
    from openpyxl import load_workbook

    response = login(org.performance).get(url("report_xlsx", "compliance"))
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "About",
        "By team",
        "By month",
        "By person",
        "By service",
        "Open cases not audited",  # cut at a word, not on "in the"
        "Carers' audits overdue",
        "Closure audits pending",
    ]
    team = book["By team"]
    assert team["A1"].value == "Team"
    assert isinstance(team["D2"].value, int)  # Expected


def test_findings_pdf_renders(org, login, county):
    response = login(org.tm).get(reverse("report_findings_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "findings-" in response["Content-Disposition"]


def test_findings_page_explains_its_method_and_links_the_files(org, login, county):
    client = login(org.performance)
    body = client.get(reverse("report_findings")).content.decode()
    assert 'name="format" value="pdf"' in body and 'name="format" value="xlsx"' in body
    themes = client.get(url("report_findings_tab", "themes")).content.decode()
    assert "How these were chosen" in themes
    assert themes.count('role="img"') >= 2
    assert 'name="format" value="pdf"' in themes
    recommendations = client.get(url("report_findings_tab", "recommendations")).content.decode()
    assert "Improve voice of the child" in recommendations


def test_charts_on_pages_have_title_desc_and_no_style(org, login, county):
    client = login(org.performance)
    body = client.get(url("report_quality_tab", "themes")).content.decode()
    assert 'aria-labelledby="chart-themes-title chart-themes-desc"' in body
    # The trend: a small chart per theme, each named and described.
    assert 'aria-labelledby="chart-trend-1-title chart-trend-1-desc"' in body
    assert '<h3 class="govuk-heading-s app-small-multiples__name" id="chart-trend-1-title">' in body
    assert '<desc id="chart-trend-1-desc">' in body
    assert "style=" not in body
    for name in TABS:  # the chart at a glance
        glance = client.get(reverse(f"report_{name}")).content.decode()
        assert "<title id=" in glance and "style=" not in glance, name


# --- Queries ------------------------------------------------------------------------------

# Each page's and file's queries, whatever the data: the session, the user and their staff
# record, the report's grouped queries, the filter form's choices, the access log entry, and
# on a page the user's own files of the report.
# The user and their staff record are one query (caseaudit/accounts/authentication.py).
QUERIES = {
    # The staff named once for both periods; each period's other audits are 2 queries:
    # whether the auditors' summary is built, then its rows or the audits.
    reverse("report_compliance"): 15,
    # At a glance: the headline figures of the period and the period before (tabs:
    # test_glance.py). 13: with whether the actions' summary is built (here it is not; built,
    # its actions table is 4 queries instead of 1: responses/tests/test_action_summary.py).
    reverse("report_responses"): 13,
    # By month, no urgent findings by team: those are on tabs. The audits' overall scales,
    # each period, are 2 queries: whether the grades summary answers, and its rows or the
    # audits.
    reverse("report_quality"): 21,
    reverse("report_findings"): 17,
    reverse("report_findings_pdf"): 17,
    url("report_xlsx", "quality"): 20,  # (the family's voice counts its audits as the tab)
    # Closures pending: no COUNT for a file.
    url("report_csv", "compliance", "not-audited"): 11,
    reverse("report_index"): 4,  # the four dashboard figures in one query (was 8)
}


@pytest.mark.parametrize("address", list(QUERIES))
def test_query_count_does_not_grow_with_data(
    org, login, county, address, django_assert_num_queries, pdfs_not_laid_out
):
    # The queries are what is counted (`test_findings_pdf_renders` makes a real findings PDF).
    client = login(org.performance)
    client.get(address)  # warm the per-process caches (closure days, bands)
    with django_assert_num_queries(QUERIES[address]):
        assert client.get(address).status_code == 200
    for n in range(3):
        county.add_team(f"Extra team {n}")
    county.add(org.north_b, org.tm_b)
    with django_assert_num_queries(QUERIES[address]):
        assert client.get(address).status_code == 200


def test_home_figures_for_a_manager_and_a_practitioner(org, login, county, history):
    body = login(org.tm).get(reverse("home")).content.decode()
    assert 'id="dashboard"' in body and "Open cases not audited for over 12 months" in body
    audit = history.audit(
        case=org.case, auditor=org.csm_north, on=timezone.localdate(), status=AuditStatus.COMPLETED
    )
    history.response(audit, status=ResponseStatus.AWAITING_WORKER, due_on=timezone.localdate())
    body = login(org.worker).get(reverse("home")).content.decode()
    assert "QA responses due from me" in body
    assert 'id="figure-responses-due"' in body


def test_theme_links_follow_one_theme_month_by_month(org, login, county):
    from caseaudit.audit_tools.models import Theme

    voice = Theme.objects.get(code="voice_of_child")
    client = login(org.performance)
    body = client.get(url("report_quality_tab", "themes", period="this_year")).content.decode()
    link = f"?period=this_year&amp;theme={voice.pk}#trend"
    assert link in body
    followed = client.get(url("report_quality_tab", "themes", period="this_year", theme=voice.pk))
    trend = followed.context["report"].table("trend")
    assert [row[0] for row in trend.rows] == ["Voice of the child"]
    assert 'id="theme-note"' in followed.content.decode()


def test_auditors_words_are_escaped_on_the_page_and_in_the_charts(org, login, county, history):
    history.audit(
        case=org.case,
        auditor=org.csm_north,
        on=timezone.localdate(),
        good_practice="<script>alert(1)</script>",
    )
    body = login(org.tm).get(url("report_quality_tab", "good-practice")).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
