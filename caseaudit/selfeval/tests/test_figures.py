"""The pack's figures on small made-up data: grades by band (moderated grades counted), the
strongest and weakest themes, coverage, who audits, the family's response rate, improvement
actions, a service's pack narrowed to its service, and the comparison with the previous pack."""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.cases.models import Case
from caseaudit.feedback.models import Audience, Channel, FeedbackRequest, Relationship
from caseaudit.improvement.tests.conftest import published_report
from caseaudit.moderation.models import Moderation, ModerationSample, ModerationStatus
from caseaudit.selfeval.figures import pack_figures
from caseaudit.selfeval.models import PackScope
from caseaudit.selfeval.snapshot import HEADLINES, compute_snapshot

from .conftest import completed_audit, draft_pack, published_pack, year

pytestmark = pytest.mark.django_db


def _figures(service=None):
    start, end = year()
    return pack_figures(
        scope=service, period_start=start, period_end=end, today=timezone.localdate()
    )


def _bands(figures):
    return {b["name"]: b["audits"] for b in figures["know"]["bands"]}


def test_counts_by_band_and_the_source_line(org, audits):
    figures = _figures()
    know = figures["know"]
    assert know["audits"] == 4 and know["cases"] == 4 and know["scaled"] == 4
    assert _bands(figures) == {
        "Inadequate": 1,
        "Requires improvement": 1,
        "Good": 1,
        "Outstanding": 1,
    }
    assert know["average"] == 5.0  # (1 + 6 + 9 + 4) / 4
    assert sum(sum(s["values"]) for s in know["trend"]["series"]) == 4
    start, end = year()
    assert figures["source"] == (
        f"Source: 4 audits completed {start:%-d %B %Y} to {end:%-d %B %Y}, "
        f"figures as at {timezone.localdate():%-d %B %Y}"
    )


def test_audits_outside_the_period_are_not_counted(org, audits):
    completed_audit(
        case=org.case, auditor=org.director, scale=9, when=timezone.now() - dt.timedelta(days=400)
    )
    assert _figures()["know"]["audits"] == 4


def test_a_moderated_audit_counts_with_its_final_grade(org, audits):
    """Moderation completes by replacing the audit's overall scale with the moderator's: the
    pack counts that, and says how many grades moderation changed."""
    low = audits[0]  # scaled 1 by the auditor
    sample = ModerationSample.objects.create(month=timezone.localdate().replace(day=1), seed=1)
    Moderation.objects.create(
        sample=sample,
        audit=low,
        auditor=org.director,
        moderator=org.performance,
        why="Sampled",
        status=ModerationStatus.COMPLETED,
        overall_scale=4,
        auditor_overall_scale=1,
        completed_at=timezone.now(),
    )
    type(low).objects.filter(pk=low.pk).update(overall_scale=4)
    figures = _figures()
    assert _bands(figures)["Inadequate"] == 0
    assert _bands(figures)["Requires improvement"] == 2
    assert figures["know"]["grades_changed"] == 1
    assert figures["how"]["moderation"]["moderated"] == 1
    assert figures["how"]["moderation"]["share"] == 25.0


def test_strongest_and_weakest_themes(org):
    completed_audit(case=org.case, auditor=org.director, scale=5, section_scale=9)
    figures = _figures()
    themes = figures["know"]["themes"]
    assert themes and all(t["average"] == 9.0 for t in themes)
    assert figures["know"]["strongest"] and figures["know"]["weakest"]
    assert not set(figures["know"]["strongest"]) & set(figures["know"]["weakest"])
    # Anonymised: the words only, no case named.
    assert themes[0]["working_well"] == ["The plan is clear."]
    assert org.case.reference not in str(themes)


def test_coverage_of_open_cases(org, audits):
    today = timezone.localdate()
    Case.objects.filter(pk=org.case.pk).update(last_audited_on=today)
    Case.objects.filter(pk=org.case_b.pk).update(last_audited_on=today - dt.timedelta(days=500))
    Case.objects.filter(pk=org.south_case.pk).update(closed_on=today)
    coverage = _figures()["how"]["coverage"]
    assert coverage == {"open": 3, "audited": 1, "not_audited": 2, "coverage": 33.3}


def test_who_audits_and_independence(org, audits):
    auditors = _figures()["how"]["auditors"]
    by_role = {r["role"]: r for r in auditors["rows"]}
    assert by_role["Director"]["audits"] == 2 and by_role["Director"]["independent"] == 2
    # The Team Manager audited a case of their own team: not independent of it.
    assert by_role["Team Manager"]["independent"] == 0
    assert auditors["independent"] == 3 and auditors["independent_pct"] == 75.0


def test_family_response_rate(org, audits):
    now = timezone.now()
    for n, answered in enumerate([True, False, False, True]):
        FeedbackRequest.objects.create(
            audit=audits[n],
            relationship=Relationship.PARENT,
            audience=Audience.STANDARD,
            channel=Channel.LETTER,
            token_digest=f"{n:064d}",
            expires_at=now + dt.timedelta(days=14),
            status="answered" if answered else "open",
            answered_at=now if answered else None,
        )
    family = _figures()["know"]["family"]
    assert (family["sent"], family["answered"], family["rate"]) == (4, 2, 50.0)


def test_improvement_actions_of_published_reports(org, audits):
    report = published_report(org)
    action = report.actions.get(number=1)
    type(action).objects.filter(pk=action.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    actions = _figures()["doing"]["actions"]
    assert actions["total"] == 2 and actions["not_started"] == 2 and actions["overdue"] == 1
    assert [r["number"] for r in actions["rows"]] == [1, 2]
    assert actions["rows"][0]["overdue"] is True


def test_a_service_pack_counts_its_service_only(org, audits):
    figures = _figures(service=org.north)
    assert figures["know"]["audits"] == 3  # not the south's
    assert figures["scope"]["label"] == "the North service"


def test_comparison_with_the_previous_published_pack(org, audits):
    first = published_pack(org)
    completed_audit(case=org.case, auditor=org.director, scale=10)
    start, end = year()
    snap = compute_snapshot(
        service=None, period_start=start, period_end=end, today=timezone.localdate(), previous=first
    )
    rows = {r["label"]: r for r in snap["comparison"]["rows"]}
    assert len(rows) == len(HEADLINES)
    audits_row = rows["Audits completed"]
    assert (audits_row["current"], audits_row["previous"], audits_row["change"]) == (5, 4, 1.0)
    grade = rows["Average overall grade (0–10)"]
    assert (grade["previous"], grade["current"], grade["change"]) == (5.0, 6.0, 1.0)
    share = rows["Audits graded in the top two bands (%)"]
    assert (share["previous"], share["current"], share["change"]) == (50.0, 60.0, 10.0)
    assert snap["comparison"]["id"] == first.pk


def test_no_comparison_without_a_previous_pack_of_the_same_scope(org, audits):
    published_pack(org)  # the authority's
    pack = draft_pack(org, kind=PackScope.SERVICE, service=org.north)
    assert pack.figures["comparison"] is None


def test_the_figures_take_a_fixed_number_of_queries(org, audits, django_assert_max_num_queries):
    start, end = year()
    with django_assert_max_num_queries(45) as few:
        pack_figures(scope=None, period_start=start, period_end=end, today=timezone.localdate())
    for n in range(6):
        completed_audit(case=org.case_b, auditor=org.tm_b, scale=n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        pack_figures(scope=None, period_start=start, period_end=end, today=timezone.localdate())
