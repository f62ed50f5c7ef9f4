"""The report pages at a glance and their tabs: the headline figures beside the period
before's, the words made from them, a tab for every table, links that keep the filters, and a
fixed number of queries on every page however much data there is."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode

from caseaudit.reports import selectors
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.selectors.headlines import (
    Glance,
    Headline,
    previous_filters,
    previous_label,
    report_glance,
)
from caseaudit.reports.tabs import TAB_TABLES, TABS, tab_of
from caseaudit.reports.text import figure_change, figure_value, glance_sentences

REPORTS = ["compliance", "responses", "quality", "findings", "moderation"]
TAB_PAGES = [(report, slug) for report in REPORTS for slug, _label in TABS[report]]


def tab_url(report, slug, **params):
    address = reverse(f"report_{report}_tab", args=[slug])
    return address + ("?" + urlencode(params) if params else "")


# --- The tabs ----------------------------------------------------------------------------


def test_tabs_and_their_tables_agree():
    assert set(TABS) == set(TAB_TABLES) == set(REPORTS)
    for report, tabs in TABS.items():
        slugs = [slug for slug, _ in tabs]
        assert slugs == list(TAB_TABLES[report]), report
        assert len(set(slugs)) == len(slugs)
        # No tab shadows a file's address (/reports/<report>/xlsx/, findings/pdf/).
        assert not {"xlsx", "pdf", "csv"} & set(slugs)
        keys = [key for slug in slugs for key in TAB_TABLES[report][slug]]
        assert len(set(keys)) == len(keys), f"{report}: a table on two tabs"


@pytest.mark.parametrize("report", ["compliance", "responses", "quality", "findings"])
def test_every_table_of_a_report_is_on_a_tab(org, county, report):
    scope = report_scope(org.performance.user)
    today = timezone.localdate()
    data = selectors.build_report(
        report=report, scope=scope, filters=ReportFilters.default(today), today=today
    )
    assert {t.key for t in data.tables} <= {
        key for keys in TAB_TABLES[report].values() for key in keys
    }
    for table in data.tables:
        assert tab_of(report, table.key) is not None, table.key


@pytest.mark.parametrize(
    ("report", "slug"), [(r, s) for r, s in TAB_PAGES if r not in ("moderation", "responses")]
)
def test_a_tab_s_tables_are_the_full_report_s(org, county, report, slug):
    """A tab counts only its own tables (some from other queries than the whole report's:
    the teams' scaling from the rows by team alone); each is the full report's, row for row,
    and so are the figures the tab shows."""
    scope, today = report_scope(org.performance.user), timezone.localdate()
    filters = ReportFilters.default(today)
    full = selectors.build_report(report=report, scope=scope, filters=filters, today=today)
    keys = TAB_TABLES[report][slug]
    tab = selectors.build_report(
        report=report, scope=scope, filters=filters, today=today, only=keys
    )
    expected = {t.key: (t.columns, t.rows) for t in full.tables if t.key in keys}
    # (A part of the report may make more tables than the tab shows: the page shows its own.)
    assert {t.key: (t.columns, t.rows) for t in tab.tables if t.key in keys} == expected
    assert any(rows for _columns, rows in expected.values()), "nothing to compare"
    for name, value in tab.figures.items():
        assert full.figures.get(name) == value, name


def test_every_moderation_table_is_on_a_tab(org, county):
    from caseaudit.reports.moderation import moderation_report

    scope = report_scope(org.performance.user)
    report = moderation_report(scope=scope, filters=ReportFilters.default(timezone.localdate()))
    for table in report.tables:
        assert tab_of("moderation", table.key) is not None, table.key


@pytest.mark.parametrize(("report", "slug"), TAB_PAGES)
def test_each_tab_shows_its_tables_and_marks_itself_current(org, login, county, report, slug):
    client = login(org.performance)
    response = client.get(tab_url(report, slug, period="this_year"))
    assert response.status_code == 200
    body = response.content.decode()
    label = dict(TABS[report])[slug]
    # The active tab, and only it, is the current page; every link keeps the filters.
    current = f'href="{tab_url(report, slug, period="this_year")}" aria-current="page"'
    assert current in body
    tabs = body[
        body.index('id="report-tabs"') : body.index("</nav>", body.index('id="report-tabs"'))
    ]
    assert tabs.count('aria-current="page"') == 1
    for other, _ in TABS[report]:
        assert f'href="{tab_url(report, other, period="this_year")}"' in body
    assert f'href="{reverse(f"report_{report}")}?period=this_year"' in body
    assert f"<title>{escape(label)} – " in body
    for key in TAB_TABLES[report][slug]:
        if report == "findings" and key in ("working-well", "worries", "recommendations"):
            # The auditors' words by theme: sections of their own, with the CSV links.
            assert f"/reports/findings/csv/{key}/?" in body
            continue
        assert f'id="{key}"' in body, key
        assert "CSV</a>" in body


def test_an_unknown_tab_is_404(org, login):
    client = login(org.performance)
    assert client.get(tab_url("quality", "nope")).status_code == 404
    assert client.get(tab_url("moderation", "nope")).status_code == 404


def test_business_support_cannot_open_the_tabs_of_the_audits_reports(org, login, county):
    client = login(org.business_support)
    assert client.get(tab_url("compliance", "teams")).status_code == 200
    assert client.get(tab_url("quality", "teams")).status_code == 404
    assert client.get(tab_url("findings", "themes")).status_code == 404
    assert client.get(tab_url("moderation", "auditors")).status_code == 404


# --- The pages at a glance ---------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_a_glance_leads_with_figures_their_change_words_and_a_chart(org, login, county, report):
    response = login(org.performance).get(reverse(f"report_{report}"), {"period": "this_year"})
    assert response.status_code == 200
    body = response.content.decode()
    headlines = response.context["headlines"]
    assert 1 <= len(headlines) <= 6
    for headline, _value, change in headlines:
        assert f'id="figure-{headline.key}"' in body
        assert escape(change[0].upper() + change[1:]) in body
    assert 'id="glance-meaning"' in body and response.context["sentences"]
    assert body.count('role="img"') >= 1  # the one chart
    assert "<table" not in body  # the tables are on the tabs
    tabs = body[
        body.index('id="report-tabs"') : body.index("</nav>", body.index('id="report-tabs"'))
    ]
    assert f'href="{reverse(f"report_{report}")}?period=this_year" aria-current="page"' in tabs
    assert "style=" not in body


def test_quality_glance_compares_with_the_previous_months(org, login, county, history):
    """The county's audits (scaled 4, Requires improvement) are last month's and this
    month's: this month against last month; then a Good audit moves the figure up."""
    client = login(org.performance)
    glance = client.get(reverse("report_quality"), {"period": "this_month"}).context
    figures = {h.key: h for h, _value, _change in glance["headlines"]}
    assert figures["sections-good"].value == 0.0
    assert figures["sections-good"].previous == 0.0
    assert figures["average"].value == 4.0 and figures["average"].previous == 4.0
    history.audit(case=org.case, auditor=org.csm_north, on=timezone.localdate(), scale=8, overall=8)
    glance = client.get(reverse("report_quality"), {"period": "this_month"}).context
    figures = {h.key: (h, change) for h, _value, change in glance["headlines"]}
    good, change = figures["sections-good"]
    assert good.value > 0 and good.verdict == "better"
    assert change.startswith("up ") and change.endswith("points from 0% in the previous month")
    assert "Better than in the previous month: sections good or better" in " ".join(
        glance["sentences"]
    )


def test_a_period_without_data_before_says_no_previous_figure(org, login, county):
    today = timezone.localdate()
    start = today.replace(day=1) - dt.timedelta(days=40)
    response = login(org.performance).get(
        reverse("report_quality"),
        {"period": "custom", "start": start.isoformat(), "end": today.isoformat()},
    )
    changes = {h.key: change for h, _value, change in response.context["headlines"]}
    assert changes["sections-good"] == "no previous figure"
    assert "None of these figures can be compared with the previous" in " ".join(
        response.context["sentences"]
    )


def test_the_previous_period_is_as_long_and_just_before():
    today = dt.date(2026, 12, 5)
    year = ReportFilters.default(today)  # 1 January to 5 December 2026
    before = previous_filters(filters=year)
    assert (before.start, before.end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert previous_label(filters=year) == "the previous 12 months"
    month = ReportFilters(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    assert (previous_filters(filters=month).start, previous_filters(filters=month).end) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )
    assert previous_label(filters=month) == "the previous month"
    days = ReportFilters(start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 19))
    assert (previous_filters(filters=days).start, previous_filters(filters=days).end) == (
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 9),
    )
    assert previous_label(filters=days) == "the previous 10 days"


def test_changes_in_words():
    pct = Headline("a", "Sections good or better", 62.0, 58.4, "percent")
    assert figure_value(pct) == "62%"
    assert figure_change(pct, previous_label="the previous 12 months") == (
        "up 4 points from 58% in the previous 12 months"
    )
    one = Headline("b", "Teams behind", 2, 3, "count", better="down")
    assert figure_change(one, previous_label="the previous quarter") == (
        "down 1 from 3 in the previous quarter"
    )
    assert one.verdict == "better"
    same = Headline("c", "Average section scale", 6.04, 6.0, "decimal")
    assert figure_change(same, previous_label="the previous month") == (
        "the same as in the previous month"
    )
    assert same.verdict == "same"
    none = Headline("d", "Exact agreement", 40.0, None, "percent")
    assert figure_change(none, previous_label="the previous month") == "no previous figure"
    today = Headline("e", "Overdue", 3, None, "count", better="down", comparable=False)
    assert figure_change(today, previous_label="x") == "as at today: no previous figure"
    gap = Headline("f", "Mean difference", -0.2, 0.5, "decimal", better="zero")
    assert gap.verdict == "better" and figure_value(gap) == "-0.2"
    sentences = glance_sentences(
        glance=Glance([pct, one, none]),
        period_label="the last 12 months",
        previous_label="the previous 12 months",
    )
    assert sentences[0] == (
        "Better than in the previous 12 months: sections good or better (62%) and teams behind (2)."
    )
    assert sentences[-1] == "No figure for the previous 12 months to compare exact agreement with."
    assert glance_sentences(
        glance=Glance([Headline("x", "X", None, None)]), period_label="p", previous_label="q"
    )[0].startswith("There is nothing to show for p")
    with pytest.raises(ValueError):
        Glance([pct] * 7)


def test_report_glance_needs_no_request(org, county):
    scope = report_scope(org.performance.user)
    today = timezone.localdate()
    for report in ("compliance", "responses", "quality", "findings"):
        glance = report_glance(
            report=report, scope=scope, filters=ReportFilters.default(today), today=today
        )
        assert glance.headlines and glance.chart


def test_the_index_links_the_self_evaluation_pack_for_those_who_see_quality(org, login, county):
    link = "Self-evaluation pack: what we know, how we know it, what we are doing"
    body = login(org.performance).get(reverse("report_index")).content.decode()
    assert f'href="{reverse("selfeval_index")}">{link}</a>' in body
    assert link not in login(org.business_support).get(reverse("report_index")).content.decode()


# --- Queries -----------------------------------------------------------------------------

# Each page's queries, whatever the data: the session, the user and their staff record, the
# filter form's choices, the access log entry, the user's own files of the report, and the
# report's grouped queries. At a glance: those of the period and the period before (the
# scale summary's two small ones where it answers).
GLANCE_QUERIES = {
    # The programme's counts, twice (3 each: the allocations, whether the auditors' summary
    # is built, then the other audits from it), and the staff they are about, once for both
    # periods.
    "compliance": 15,
    # The period's report (5: with whether the actions' summary is built, here not) and the
    # period before's overview (1).
    "responses": 13,
    # Scale facts by month, overall scales (2 each: the summaries' state), urgent findings
    # (2), each period.
    "quality": 21,
    "findings": 17,  # overall scales (2), programme and responses (1 each), twice
    "moderation": 14,  # the moderations' agreement, twice
}
# A tab counts only its own tables (`build_report(only=...)`): the page's own queries (8,
# as at a glance less the report's), then each part the tab's tables are made of.
TAB_BASE = 8
TAB_PARTS = {
    # The programme's counts: the allocations, whether the auditors' summary is built, the
    # other audits (from it or the audits), the staff named.
    ("compliance", "teams"): 4,
    ("compliance", "months"): 4,
    ("compliance", "people"): 4,
    ("compliance", "services"): 4,
    # Coverage and cases not audited (3), closures pending (1: the COUNT only when the page
    # of them is full).
    ("compliance", "cases"): 4,
    # The responses by team and by month, the actions by team (and whether the actions'
    # summary is built): a tab shows one, all are cheap.
    ("responses", "months"): 4,
    ("responses", "teams"): 4,
    ("responses", "actions"): 4,
    # The scale facts (summary state, grouped rows, sections), bands and themes; the teams
    # tab has the facts by team and the teams' names instead of the grouped rows and sections.
    ("quality", "themes"): 5,
    ("quality", "months"): 5,
    ("quality", "teams"): 5,
    ("quality", "sections"): 5,
    ("quality", "audits"): 3,  # bands, the overall scales and contact (one aggregate)
    ("quality", "urgent"): 5,  # bands, urgent findings by team and their medians
    ("quality", "good-practice"): 3,  # bands, good practice
    # Bands, the views, the family's voice (the audits by team: whether the grades summary
    # answers and its rows; the reflections and requests; the family's answers).
    ("quality", "voice"): 8,
    # Bands, overall scales (the grades summary's state and its rows), the scale facts and
    # the words.
    ("findings", "themes"): 8,
    ("findings", "recommendations"): 6,  # bands, the scale facts and the words
    ("findings", "good-practice"): 3,  # bands, good practice, the family's words
    ("findings", "urgent"): 4,  # bands, urgent findings by team and their medians
    # The auditors' tab: bands only; its own two queries are TAB_EXTRA's (not the months'
    # overall scales and pairs, which the other two tabs count).
    ("moderation", "auditors"): 1,
    ("moderation", "months"): 3,
    ("moderation", "bands"): 3,
}


def _grow(org, county):
    for n in range(3):
        county.add_team(f"Extra team {n}")
    county.add(org.north_b, org.tm_b)


@pytest.mark.parametrize("report", REPORTS)
def test_glance_queries_do_not_grow_with_data(
    org, login, county, report, django_assert_num_queries
):
    client = login(org.performance)
    address = reverse(f"report_{report}")
    client.get(address)  # warm the per-process caches (closure days, bands)
    with django_assert_num_queries(GLANCE_QUERIES[report]):
        assert client.get(address).status_code == 200
    _grow(org, county)
    with django_assert_num_queries(GLANCE_QUERIES[report]):
        assert client.get(address).status_code == 200


@pytest.mark.parametrize(("report", "slug"), TAB_PAGES)
def test_tab_queries_do_not_grow_with_data(
    org, login, county, report, slug, django_assert_num_queries
):
    client = login(org.performance)
    address = tab_url(report, slug)
    client.get(address)
    expected = TAB_BASE + TAB_PARTS[(report, slug)] + TAB_EXTRA.get((report, slug), 0)
    with django_assert_num_queries(expected):
        assert client.get(address).status_code == 200
    _grow(org, county)
    with django_assert_num_queries(expected):
        assert client.get(address).status_code == 200


# The tabs that also count the grades moderation changed; moderation's auditors'
# tab, the auditors' moderations and pairs (two grouped queries the other tabs need not run).
TAB_EXTRA = {
    # (Two: whether the grades summary answers, then its sum or the COUNT.)
    ("quality", "audits"): 2,
    ("quality", "themes"): 2,
    ("findings", "themes"): 2,
    ("moderation", "auditors"): 2,
}


def test_the_home_page_s_figure_links_land_on_their_tab(org, login, county):
    """The home page's figures link to "#not-audited" and "#urgent" of the report pages: at a
    glance, each is a link on to the tab with that table."""
    client = login(org.performance)
    compliance = client.get(reverse("report_compliance")).content.decode()
    assert 'id="not-audited"' in compliance
    assert f'href="{tab_url("compliance", "cases")}#not-audited"' in compliance
    quality = client.get(reverse("report_quality")).content.decode()
    assert f'id="urgent" href="{tab_url("quality", "urgent")}#urgent"' in quality
