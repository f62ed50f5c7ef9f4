"""The improvement pages: who gets in, the report's journey through its forms, its files, and
query counts that do not grow with the data."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.audit_tools.models import Theme
from caseaudit.improvement import services
from caseaudit.improvement.models import (
    ActionStatus,
    FindingsReport,
    GoodPractice,
    GoodPracticeStatus,
    ReportStatus,
)

from .conftest import completed_audit, draft_report, published_report

pytestmark = pytest.mark.django_db

READERS = {"ps1", "tm", "csm_north", "tm_b", "performance", "director"}
PERSONAS = ["worker", "colleague", "outsider", "business_support", *sorted(READERS)]


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_published_authority_report_is_for_the_managers(org, login, persona):
    report = published_report(org)
    client = login(getattr(org, persona))
    status = 200 if persona in READERS else 404
    assert client.get(reverse("improvement_report", args=[report.pk])).status_code == status
    assert client.get(reverse("improvement_report_pdf", args=[report.pk])).status_code == status
    assert client.get(reverse("improvement_actions")).status_code in (
        (200,) if persona in READERS else (404,)
    )


def test_a_team_report_is_for_that_team_and_its_service(org, login):
    report = published_report(org, kind="team", team=org.north_b)
    url = reverse("improvement_report", args=[report.pk])
    assert login(org.tm_b).get(url).status_code == 200
    assert login(org.csm_north).get(url).status_code == 200
    assert login(org.tm).get(url).status_code == 404
    assert login(org.ps1).get(url).status_code == 404


def test_a_draft_is_for_its_author_reviewer_and_performance(org, login):
    report = draft_report(org, author=org.csm_north, kind="service", service=org.north)
    url = reverse("improvement_report", args=[report.pk])
    assert login(org.csm_north).get(url).status_code == 200
    assert login(org.performance).get(url).status_code == 200
    assert login(org.director).get(url).status_code == 404
    assert login(org.tm).get(url).status_code == 404
    edit = reverse("improvement_report_edit", args=[report.pk])
    assert login(org.performance).get(edit).status_code == 403  # a CSM's draft
    assert login(org.csm_north).get(edit).status_code == 200


def test_writing_reviewing_and_publishing_through_the_pages(org, login):
    completed_audit(case=org.case, auditor=org.director, scale=2)
    today = timezone.localdate()
    author = login(org.performance)
    response = author.post(
        reverse("improvement_report_new"),
        {
            "title": "Autumn findings",
            "scope_kind": "authority",
            "period_start": (today - dt.timedelta(days=60)).isoformat(),
            "period_end": today.isoformat(),
        },
    )
    report = FindingsReport.objects.get(title="Autumn findings")
    assert response.url == reverse("improvement_report_edit", args=[report.pk])
    page = author.get(response.url)
    assert page.status_code == 200 and b"Suggestions from the figures" in page.content
    due = (today + dt.timedelta(days=30)).isoformat()
    data = {
        "revision": report.revision,
        "title": "Autumn findings",
        "overview": "Chronologies lag.",
        "rec-TOTAL_FORMS": "3",
        "rec-INITIAL_FORMS": "0",
        "rec-MIN_NUM_FORMS": "0",
        "rec-MAX_NUM_FORMS": "10",
        "rec-0-text": "Update chronologies monthly.",
        "rec-0-owner": org.tm.pk,
        "rec-0-due_on": due,
        "rec-1-text": "Record direct work.",
        "rec-1-owner": "",
        "rec-1-due_on": due,
    }
    refused = author.post(reverse("improvement_report_edit", args=[report.pk]), data)
    assert refused.status_code == 200 and b"Choose who owns this action" in refused.content
    data["rec-1-owner"] = org.csm_north.pk
    saved = author.post(reverse("improvement_report_edit", args=[report.pk]), data)
    assert saved.status_code == 302
    assert report.actions.count() == 2
    author.post(
        reverse("improvement_report_send_for_review", args=[report.pk]),
        {"reviewer": org.director.pk},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    reviewer = login(org.director)  # the same test client, now the reviewer
    assert (
        b"Review this report"
        in reviewer.get(reverse("improvement_report", args=[report.pk])).content
    )
    reviewer.post(reverse("improvement_report_review", args=[report.pk]), {"decision": "approve"})
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    # only the author side publishes
    assert reviewer.post(reverse("improvement_report_publish", args=[report.pk])).status_code == 403
    author = login(org.performance)  # one test client: signed in as the author again
    author.post(reverse("improvement_report_publish", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED
    assert report.status == ReportStatus.PUBLISHED and report.figures["figures"]["audits"] == 1
    page = login(org.tm).get(reverse("improvement_report", args=[report.pk])).content.decode()
    assert "Update chronologies monthly." in page and "As published on" in page


def test_the_files_of_a_published_report_open(org, login):
    completed_audit(case=org.case, auditor=org.director, scale=4)
    report = published_report(org)
    client = login(org.tm)
    pdf = client.get(reverse("improvement_report_pdf", args=[report.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    docx = client.get(reverse("improvement_report_docx", args=[report.pk]))
    assert docx.status_code == 200
    from docx import Document

    document = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert report.title in text
    assert "1. Every chronology updated monthly." in text
    assert "Overview" in text
    assert (
        AccessEvent.objects.filter(
            object_id=f"findings-report-{report.pk}", action="export"
        ).count()
        == 2
    )
    # a draft has no files
    draft = draft_report(org)
    assert (
        login(org.performance).get(reverse("improvement_report_docx", args=[draft.pk])).status_code
        == 404
    )


def test_the_action_page_records_progress(org, login):
    report = published_report(org)
    action = report.actions.get(number=1)
    url = reverse("improvement_action", args=[action.pk])
    assert login(org.tm_b).post(url, {"status": "in_progress", "note": "x"}).status_code == 403
    client = login(org.tm)
    response = client.post(url, {"status": "completed", "note": "Done."})
    assert b"Give the evidence" in response.content
    response = client.post(
        url, {"status": "completed", "note": "Done.", "evidence": "Minutes of 1 Dec."}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETED
    assert b"Minutes of 1 Dec." in client.get(url).content


def test_the_board_filters_by_service_and_status(org, login):
    published_report(org)
    published_report(org, kind="service", service=org.north)
    client = login(org.performance)
    every = client.get(reverse("improvement_actions"))
    assert every.context["page"].paginator.count == 4
    north = client.get(reverse("improvement_actions"), {"service": org.north.pk})
    assert north.context["page"].paginator.count == 2
    overdue = client.get(reverse("improvement_actions"), {"status": "overdue"})
    assert overdue.context["page"].paginator.count == 0


def test_pages_query_counts_do_not_grow(org, login, django_assert_max_num_queries):
    report = published_report(org)
    client = login(org.tm)
    urls = [
        reverse("improvement_index"),
        reverse("improvement_report", args=[report.pk]),
        reverse("improvement_actions"),
        reverse("improvement_library"),
        reverse("improvement_followups"),
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(40) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    for _ in range(3):
        published_report(org)
        completed_audit(case=org.case, auditor=org.director, scale=1)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)


def test_good_practice_from_the_audit_page_to_the_library(org, login):
    # A name Faker never gives, so no staff name on the page contains it
    audit = completed_audit(
        case=org.case, auditor=org.director, scale=8, good_practice="Quillon's own words recorded."
    )
    org.case.display_name = "Quillon Marchbank"
    org.case.save()
    page = login(org.director).get(reverse("audit_detail", args=[audit.pk])).content.decode()
    assert 'id="put-forward-good-practice"' in page
    assert 'id="put-forward-good-practice"' not in (
        login(org.tm).get(reverse("audit_detail", args=[audit.pk])).content.decode()
    )
    url = reverse("improvement_good_practice_new", args=[audit.pk])
    assert login(org.tm).get(url).status_code == 404
    theme = Theme.objects.order_by("order").first()
    response = login(org.director).post(
        url,
        {
            "theme": theme.pk,
            "title": "Quillon's voice",
            "text": "Quillon Marchbank's words recorded.",
        },
    )
    assert response.status_code == 302
    item = GoodPractice.objects.get()
    queue = login(org.tm).get(reverse("improvement_good_practice_queue"))
    assert item in queue.context["items"]
    decide = reverse("improvement_good_practice_decide", args=[item.pk])
    assert login(org.tm_b).get(decide).status_code == 404
    assert login(org.tm).post(decide, {"decision": "share"}).status_code == 302
    item.refresh_from_db()
    assert item.status == GoodPracticeStatus.SHARED
    library = login(org.colleague).get(reverse("improvement_library")).content.decode()
    assert "[name]" in library and "Quillon" not in library and org.case.reference not in library
    # staff of another service do not see it
    south = login(org.outsider).get(reverse("improvement_library")).content.decode()
    assert "No good practice shared with you yet." in south


def test_follow_ups_page_shows_the_distance_travelled(org, login):
    from caseaudit.programme.followups import followup_schedule_for_audit

    now = timezone.now()
    first = completed_audit(
        case=org.case, auditor=org.director, scale=2, when=now - dt.timedelta(days=100)
    )
    followup_schedule_for_audit(audit=first, now=now)
    then = completed_audit(case=org.case, auditor=org.director, scale=6, when=now)
    followup_schedule_for_audit(audit=then, now=now)
    response = login(org.tm).get(reverse("improvement_followups"))
    travelled = response.context["travelled"]
    assert travelled.totals["followups"] == 1
    assert travelled.totals["change"] == 4.0
    assert travelled.by_team[0]["team"] == "North A"
    assert travelled.by_theme and travelled.by_theme[0]["change"] == 4.0
    other = login(org.outsider)
    assert other.get(reverse("improvement_followups")).status_code == 404
    south = login(org.tm_south).get(reverse("improvement_followups"))
    assert south.context["travelled"].totals["followups"] == 0


def test_the_navigation_links_the_improvement_pages(org, login):
    page = login(org.worker).get(reverse("home")).content.decode()
    assert reverse("improvement_index") in page


def test_service_errors_show_on_the_page(org, login):
    report = draft_report(org)
    response = login(org.performance).post(
        reverse("improvement_report_send_for_review", args=[report.pk]),
        {"reviewer": org.director.pk},
        follow=True,
    )
    assert b"Write at least one recommendation" in response.content
    services.report_save(
        report=report,
        by=org.performance.user,
        revision=report.revision,
        title="t",
        overview="o",
        recommendations=[],
    )
