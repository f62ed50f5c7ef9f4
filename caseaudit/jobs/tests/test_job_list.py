"""The jobs page (/jobs/): system administrators only; each job with its schedule, last run
and result, next run; failed runs shown as failed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.factories import StaffFactory
from caseaudit.jobs.models import JobRun, RunStatus
from caseaudit.jobs.schedule import JOBS
from caseaudit.organisation.models import Role

URL = "/jobs/"


@pytest.fixture
def admin(db):
    return StaffFactory(role=Role.ADMIN, team=None)


def run(job, status, *, hours_ago=1, result=""):
    when = timezone.now() - dt.timedelta(hours=hours_ago)
    return JobRun.objects.create(
        job=job,
        scheduled_for=when,
        day=timezone.localdate(when),
        enqueued_at=when,
        started_at=when,
        finished_at=when,
        status=status,
        result=result,
    )


def test_the_url():
    assert reverse("job_list") == URL


@pytest.mark.parametrize("persona", ["worker", "colleague", "outsider", "performance", "tm"])
def test_only_administrators_see_the_jobs(org, login, persona):
    client = login(getattr(org, persona))
    assert client.get(URL).status_code == 404
    assert b'href="/jobs/"' not in client.get("/").content


def test_the_page_lists_each_job_with_last_run_result_and_next_run(
    org, admin, login, django_assert_max_num_queries
):
    run("due_reminders", RunStatus.OK, result="4 December 2026: sent 3 due today.")
    run("report_summary", RunStatus.FAILED, result="RuntimeError: disk full")
    client = login(admin)
    with django_assert_max_num_queries(2 * len(JOBS) + 12):
        response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/jobs/"' in page  # the header link
    for job in JOBS.values():
        assert f'id="job-{job.name}"' in page
        assert job.schedule_text in page
    row = page.split('id="job-due_reminders"')[1].split("</tr>")[0]
    assert "07:00, Monday to Friday" in row
    assert "Succeeded" in row and "sent 3 due today" in row
    assert "Never" not in row
    failed = page.split('id="job-report_summary"')[1].split("</tr>")[0]
    assert "govuk-tag--red" in failed and "Failed" in failed and "disk full" in failed
    assert "No run has failed" not in page
    assert "RuntimeError: disk full" in page.split('id="failure-table"')[1]
    # Next run: every job shows a date (the next time its schedule fires).
    never = page.split('id="job-pending_emails"')[1].split("</tr>")[0]
    assert "Never" in never
    assert "No scheduler is running" in page


# Two queries a job (last run, last failure), the lease, the failed runs; the rest is the
# request's own (session, user, staff cached for the header, the session save).
QUERIES = 2 * len(JOBS) + 5  # the user and their staff record in one query


def test_the_query_count_does_not_grow_with_runs(org, admin, login, django_assert_num_queries):
    run("pending_emails", RunStatus.OK, hours_ago=1)
    client = login(admin)
    with django_assert_num_queries(QUERIES) as one:
        assert client.get(URL).status_code == 200
    for hours in range(2, 40):
        run("pending_emails", RunStatus.FAILED if hours % 3 else RunStatus.OK, hours_ago=hours)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(URL).status_code == 200
