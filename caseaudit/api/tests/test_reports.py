"""The report endpoints: the report pages' figures and tables as JSON, for the same people,
over the same scope, with the same filters; the access log; a fixed number of queries."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.audit_tools.models import Theme, Tool
from caseaudit.cases.models import Case
from caseaudit.factories import CaseFactory
from caseaudit.reports import selectors
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.tables import Link
from caseaudit.reports.tabs import TABS
from caseaudit.reports.tests.conftest import History, make_county

REPORTS = ["compliance", "responses", "quality", "findings"]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture
def county(org):
    """The report pages' test data: in North A and South A, this month and the last, audits
    with words, findings, responses, actions and allocations."""
    return make_county(org, History())


def _path(report: str) -> str:
    return f"/api/v1/reports/{report}"


def _json(value):
    """What a page's cell or figure should be in the API's JSON."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, Link):
        return value.text
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


# --- who may see them ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker", "colleague", "outsider", "iro"])
def test_reports_are_404_for_those_without_the_report_pages(org, api, county, who):
    client = api(getattr(org, who))
    for report in REPORTS:
        response = client.get(_path(report))
        assert response.status_code == 404, report
        assert response.json() == {"detail": "Not found", "errors": []}
    assert not AccessEvent.objects.filter(object_type="report").exists()


def test_business_support_gets_the_activity_reports_of_their_team_only(org, api, county):
    """As their report pages: programme compliance and QA responses over their team; practice
    quality and the findings report (the audits' scales and text) are 404."""
    client = api(org.business_support)
    for report in ("compliance", "responses"):
        body = client.get(_path(report)).json()
        assert body["scope"] == "team North A", report
        assert org.tm_south.name not in str(body)
    for report in ("quality", "findings"):
        response = client.get(_path(report))
        assert response.status_code == 404, report
        # Refused before its filters are checked against their scope.
        assert client.get(_path(report), {"team": org.south_a.pk}).status_code == 404
    logged = AccessEvent.objects.filter(object_type="report").values_list("object_id", flat=True)
    assert sorted(logged) == ["compliance", "responses"]


def test_reports_need_a_token(org, client, county):
    for report in REPORTS:
        response = client.get(_path(report))
        assert response.status_code == 401, report
        assert response.json() == {"detail": "Unauthorized", "errors": []}
    # A signed-in browser's session is not enough.
    client.force_login(org.performance.user)
    assert client.get(_path("quality")).status_code == 401


def test_performance_sees_the_whole_authority(org, api, county):
    body = api(org.performance).get(_path("compliance")).json()
    assert body["report"] == "compliance" and body["scope"] == "the whole authority"
    teams = {row[0] for row in _table(body, "teams")["rows"]}
    assert teams == {"North A", "South A"}
    assert body["figures"]["expected"] == 4 and body["figures"]["done"] == 4
    quality = api(org.performance).get(_path("quality")).json()
    good_practice = _table(quality, "good-practice")["rows"]
    assert any("SOUTHERN-SECRET" in str(cell) for row in good_practice for cell in row)


def test_a_team_manager_sees_only_their_team(org, api, county):
    client = api(org.tm)
    body = client.get(_path("compliance")).json()
    assert body["scope"] == "team North A"
    assert [row[0] for row in _table(body, "teams")["rows"]] == ["North A"]
    assert body["figures"]["expected"] == 2 and body["figures"]["done"] == 2
    for report in REPORTS:
        text = client.get(_path(report)).content.decode()
        assert "SOUTHERN-SECRET" not in text, report
        assert "South A" not in text, report
        assert org.tm_south.name not in text, report
    # Another team's or service's figures are refused, naming the filter.
    response = client.get(_path("quality"), {"team": org.south_a.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == "The request is not valid"
    assert [e["field"] for e in response.json()["errors"]] == ["team"]
    response = client.get(_path("responses"), {"service": org.south.pk})
    assert [e["field"] for e in response.json()["errors"]] == ["service"]


# --- the page's figures and tables ----------------------------------------------------------


def _table(body, key):
    return next(t for t in body["tables"] if t["key"] == key)


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize(
    "who, params",
    [
        ("performance", {}),
        ("performance", {"period": "this_year", "team": "@north_a", "tool": "@generic"}),
        ("tm", {"period": "custom", "start": "@last_month", "end": "@today"}),
        ("csm_north", {"period": "last_quarter", "case_type": "cin", "theme": "@voice"}),
    ],
)
def test_the_api_gives_the_page_s_figures_and_tables(org, api, login, county, report, who, params):
    today = timezone.localdate()
    values = {
        "@north_a": org.north_a.pk,
        "@generic": Tool.objects.get(code="generic").pk,
        "@voice": Theme.objects.get(code="voice_of_child").pk,
        "@today": today.isoformat(),
        "@last_month": (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1).isoformat(),
    }
    params = {key: values.get(value, value) for key, value in params.items()}
    person = getattr(org, who)
    # The whole report, with the scope and filters a tab page reads from the same parameters
    # (a tab counts only its own tables).
    first_tab = TABS[report][0][0]
    page = login(person).get(reverse(f"report_{report}_tab", args=[first_tab]), params)
    assert page.status_code == 200
    assert not page.context["form"].errors
    filters = page.context["filters"]
    expected = selectors.build_report(
        report=report, scope=page.context["scope"], filters=filters, today=today
    )

    response = api(person).get(_path(report), params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == page.context["scope"].label
    assert body["period"] == {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    assert body["figures"] == _json(expected.figures)
    assert [t["key"] for t in body["tables"]] == [t.key for t in expected.tables]
    for table, want in zip(body["tables"], expected.tables, strict=True):
        assert table["title"] == want.title and table["note"] == want.note
        assert table["columns"] == [
            {"key": c.key, "label": c.label, "kind": c.kind} for c in want.columns
        ]
        assert table["rows"] == [[_json(cell) for cell in row] for row in want.rows], table["key"]


def test_rows_are_the_csv_file_s_values(org, api, login, county):
    """Dates as YYYY-MM-DD and a link to a case as its reference, as in the CSV download."""
    CaseFactory(team=org.north_a, allocated_worker=org.worker, last_audited_on=dt.date(2020, 5, 4))
    body = api(org.performance).get(_path("compliance")).json()
    table = _table(body, "not-audited")
    downloaded = login(org.performance).get(
        reverse("report_csv", args=["compliance", "not-audited"])
    )
    rows = list(csv.reader(io.StringIO(downloaded.content.decode())))
    assert rows[0] == [c["label"] for c in table["columns"]]
    assert [["" if v is None else str(v) for v in row] for row in table["rows"]] == rows[1:]
    kinds = [c["kind"] for c in table["columns"]]
    references = set(Case.objects.values_list("reference", flat=True))
    for row in table["rows"]:
        assert row[0] in references
        for kind, value in zip(kinds, row, strict=True):
            if kind == "date" and value is not None:
                assert ISO_DATE.match(value), value
    assert any(row[5] == "2020-05-04" for row in table["rows"])


def test_open_cases_not_audited_come_a_page_at_a_time(org, api, county):
    CaseFactory.create_batch(30, team=org.north_b, allocated_worker=org.worker_b)
    client = api(org.performance)
    first = client.get(_path("compliance")).json()
    total = first["figures"]["not_audited"]
    assert total == 40
    assert _table(first, "not-audited")["page"] == {"number": 1, "pages": 2, "count": 40}
    assert len(_table(first, "not-audited")["rows"]) == 25
    second = client.get(_path("compliance"), {"page": 2}).json()
    assert _table(second, "not-audited")["page"] == {"number": 2, "pages": 2, "count": 40}
    second_rows = _table(second, "not-audited")["rows"]
    assert len(second_rows) == 15
    assert not {r[0] for r in second_rows} & {r[0] for r in _table(first, "not-audited")["rows"]}
    assert _table(first, "teams")["page"] is None


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": "2025-01-01"}, "end"),  # one date of a period
        ({"period": "custom", "start": "2025-02-01", "end": "2025-01-01"}, "end"),
        ({"start": "2015-01-01", "end": "2025-01-01"}, "end"),  # more than five years
        ({"period": "fortnight"}, "period"),
        ({"start": "1 May"}, "start"),
        ({"team": "north"}, "team"),
        ({"team": 999999}, "team"),
        ({"tool": 999999}, "tool"),
        ({"case_type": "adult"}, "case_type"),
    ],
)
def test_invalid_filters_are_a_422_naming_the_filter(org, api, params, field):
    response = api(org.performance).get(_path("findings"), params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request is not valid"
    assert [e["field"] for e in body["errors"]] == [field]
    assert all(e["message"] for e in body["errors"])
    assert not AccessEvent.objects.filter(object_type="report").exists()


def test_empty_filters_are_no_filters_as_on_the_page_s_form(org, api, login, county):
    params = {
        "period": "",
        "start": "",
        "end": "",
        "service": "",
        "team": "",
        "case_type": "",
        "tool": "",
        "theme": "",
    }
    body = api(org.performance).get(_path("quality"), params).json()
    page = login(org.performance).get(reverse("report_quality_tab", args=["themes"]), params)
    assert body["period"]["start"] == page.context["filters"].start.isoformat()
    # The tab counts its own tables; their figures are the API's.
    tab_figures = page.context["report"].figures
    assert tab_figures and body["figures"] == _json(body["figures"] | tab_figures)
    assert [t["key"] for t in body["tables"] if t["key"] in {"by-theme", "trend"}] == [
        t.key for t in page.context["tables"]
    ]


def test_the_theme_filter_is_the_quality_report_s_only(org, api, county):
    voice = Theme.objects.get(code="voice_of_child")
    client = api(org.performance)
    every = client.get(_path("quality")).json()
    one = client.get(_path("quality"), {"theme": voice.pk}).json()
    assert one["figures"]["sections"] < every["figures"]["sections"]
    # The other reports take no theme (as their pages), and ignore one.
    assert (
        client.get(_path("findings"), {"theme": voice.pk}).json()
        == client.get(_path("findings")).json()
    )


# --- the access log and the queries ----------------------------------------------------------


def test_each_report_read_is_in_the_access_log(org, api, county):
    client = api(org.ps1)
    for report in REPORTS:
        assert client.get(_path(report)).status_code == 200
    events = AccessEvent.objects.filter(object_type="report").order_by("pk")
    assert [(e.object_id, e.action, e.user, e.path, e.case_id) for e in events] == [
        (report, "view", org.ps1.user, _path(report), None) for report in REPORTS
    ]


# Besides the report's own queries (`reports.selectors`, a fixed number each): the token, the
# check that its holder has not left, the user's staff record and the access log entry.
API_QUERIES = 4


def _selector_queries(report: str, user) -> int:
    """The queries of the report's data on its own (`build_report`, as the endpoint reads
    it), with the default filters."""
    scope, today = report_scope(user), timezone.localdate()
    with CaptureQueriesContext(connection) as captured:
        selectors.build_report(
            report=report, scope=scope, filters=ReportFilters.default(today), today=today
        )
    return len(captured.captured_queries)


@pytest.mark.parametrize("report", REPORTS)
def test_query_count_does_not_grow_with_data(org, api, county, report, django_assert_num_queries):
    client = api(org.performance)
    client.get(_path(report))  # warm the per-process caches (closure days, bands)
    queries = _selector_queries(report, org.performance.user) + API_QUERIES
    with django_assert_num_queries(queries):
        assert client.get(_path(report)).status_code == 200
    for n in range(3):
        county.add_team(f"Extra team {n}")
    county.add(org.north_b, org.tm_b)
    CaseFactory.create_batch(5, team=org.north_b, allocated_worker=org.worker_b)
    with django_assert_num_queries(queries):
        body = client.get(_path(report)).json()
    assert body["figures"]  # the new data is in it
    if report == "compliance":
        assert len(_table(body, "teams")["rows"]) == 6
