"""Follow-up audits (caseaudit/programme/followups.py): scheduled for an audit in the lowest
band, done by a later audit of the case, cancelled when the audit is reopened; listed on the
due page and allocated first by the programme."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.programme import engine, selectors
from caseaudit.programme.due import add_months
from caseaudit.programme.followups import (
    followup_cancel_for_audit,
    followup_schedule_for_audit,
    followups_due,
    in_lowest_band,
)
from caseaudit.programme.models import FollowUp, FollowUpStatus

from .conftest import completed_audit

pytestmark = pytest.mark.django_db


def test_lowest_band_is_the_inadequate_band():
    assert in_lowest_band(0) and in_lowest_band(2)
    assert not in_lowest_band(3) and not in_lowest_band(None)


def test_an_audit_in_the_lowest_band_schedules_a_follow_up_three_months_on(org, audit_low):
    now = timezone.now()
    followup = followup_schedule_for_audit(audit=audit_low, now=now)
    assert followup.status == FollowUpStatus.SCHEDULED
    assert followup.case_id == org.case.pk
    assert followup.due_on == add_months(timezone.localdate(audit_low.completed_at), 3)
    # idempotent: the same follow-up, no second one
    assert followup_schedule_for_audit(audit=audit_low, now=now).pk == followup.pk
    assert FollowUp.objects.count() == 1


def test_the_months_are_a_setting(org, audit_low, settings):
    settings.FOLLOWUP_MONTHS = 6
    followup = followup_schedule_for_audit(audit=audit_low, now=timezone.now())
    assert followup.due_on == add_months(timezone.localdate(audit_low.completed_at), 6)


def test_an_audit_scaled_higher_schedules_nothing(org):
    audit = completed_audit(case=org.case, auditor=org.director, scale=3)
    assert followup_schedule_for_audit(audit=audit, now=timezone.now()) is None
    assert not FollowUp.objects.exists()


def test_a_later_audit_of_the_case_does_the_follow_up(org, audit_low):
    followup = followup_schedule_for_audit(audit=audit_low, now=timezone.now())
    later = completed_audit(
        case=org.case,
        auditor=org.director,
        scale=6,
        when=audit_low.completed_at + dt.timedelta(days=80),
    )
    assert followup_schedule_for_audit(audit=later, now=timezone.now()) is None
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.DONE
    assert followup.done_audit_id == later.pk
    # another case's audit does nothing to it
    other = completed_audit(case=org.colleague_case, auditor=org.director, scale=6)
    followup_schedule_for_audit(audit=other, now=timezone.now())
    followup.refresh_from_db()
    assert followup.done_audit_id == later.pk


def test_a_follow_up_still_in_the_lowest_band_schedules_another(org, audit_low):
    first = followup_schedule_for_audit(audit=audit_low, now=timezone.now())
    later = completed_audit(
        case=org.case,
        auditor=org.director,
        scale=2,
        when=audit_low.completed_at + dt.timedelta(days=80),
    )
    second = followup_schedule_for_audit(audit=later, now=timezone.now())
    first.refresh_from_db()
    assert first.status == FollowUpStatus.DONE
    assert second.status == FollowUpStatus.SCHEDULED and second.audit_id == later.pk


def test_reopening_cancels_and_undoes(org, audit_low):
    first = followup_schedule_for_audit(audit=audit_low, now=timezone.now())
    later = completed_audit(
        case=org.case,
        auditor=org.director,
        scale=5,
        when=audit_low.completed_at + dt.timedelta(days=80),
    )
    followup_schedule_for_audit(audit=later, now=timezone.now())
    # the later audit is reopened: the first follow-up is due again
    followup_cancel_for_audit(audit=later)
    first.refresh_from_db()
    assert first.status == FollowUpStatus.SCHEDULED and first.done_audit_id is None
    # the first audit is reopened: its follow-up is cancelled; completing it again restores it
    followup_cancel_for_audit(audit=audit_low)
    followup_cancel_for_audit(audit=audit_low)  # idempotent
    first.refresh_from_db()
    assert first.status == FollowUpStatus.CANCELLED
    again = followup_schedule_for_audit(audit=audit_low, now=timezone.now())
    assert again.pk == first.pk and again.status == FollowUpStatus.SCHEDULED


def test_recompleted_above_the_lowest_band_cancels(org, audit_low):
    followup = followup_schedule_for_audit(audit=audit_low, now=timezone.now())
    type(audit_low).objects.filter(pk=audit_low.pk).update(overall_scale=5)
    audit_low.refresh_from_db()
    assert followup_schedule_for_audit(audit=audit_low, now=timezone.now()) is None
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.CANCELLED


def _due_soon(audit):
    followup = followup_schedule_for_audit(audit=audit, now=timezone.now())
    FollowUp.objects.filter(pk=followup.pk).update(due_on=timezone.localdate())
    followup.refresh_from_db()
    return followup


@pytest.mark.parametrize(
    "persona,shown",
    [
        ("worker", True),
        ("tm", True),
        ("csm_north", True),
        ("performance", True),
        ("colleague", False),
        ("tm_b", False),
        ("outsider", False),
    ],
)
def test_due_follow_ups_are_scoped_to_the_cases_the_user_sees(org, audit_low, persona, shown):
    followup = _due_soon(audit_low)
    user = getattr(org, persona).user
    found = list(followups_due(user=user, today=timezone.localdate()))
    assert (followup in found) is shown


def test_the_due_page_lists_due_follow_ups(org, audit_low, login):
    _due_soon(audit_low)
    response = login(org.tm).get(reverse("due_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="followups-due-table"' in body
    assert org.case.reference in body
    other = login(org.tm_b).get(reverse("due_list")).content.decode()
    assert 'id="followups-due-table"' not in other


def test_the_first_scale_is_hidden_from_its_moderator(org, audit_low, login):
    """A moderator who has not yet compared (a BlindReading row) sees no scale of the audit
    in the follow-ups due either; anyone else does."""
    from caseaudit.audits.models import BlindReading

    _due_soon(audit_low)
    BlindReading.objects.create(audit=audit_low, staff=org.performance)
    today = timezone.localdate()
    (mine,) = followups_due(user=org.performance.user, today=today)
    (theirs,) = followups_due(user=org.tm.user, today=today)
    assert mine.scale_hidden and not theirs.scale_hidden
    hidden = login(org.performance).get(reverse("due_list")).content.decode()
    shown = login(org.tm).get(reverse("due_list")).content.decode()
    assert "Scale hidden while you moderate it" in hidden
    assert "Scale hidden while you moderate it" not in shown
    assert f"{audit_low.overall_scale} on " in shown


def test_the_programme_allocates_due_follow_ups_first(org, audit_low):
    followup = _due_soon(audit_low)
    rows = {row.id: row for row in selectors.case_rows()}
    assert rows[org.case.pk].followup_due_on == followup.due_on
    assert rows[org.colleague_case.pk].followup_due_on is None
    month = timezone.localdate().replace(day=1)
    needs = {row.id: engine._Need(row, engine.month_end(month), 1) for row in rows.values()}
    assert needs[org.case.pk].tier < min(n.tier for pk, n in needs.items() if pk != org.case.pk)
    assert "Follow-up audit" in needs[org.case.pk].why
    # a manager-peer audit outside their team picks it before any other case
    result = engine.allocate(
        month=month,
        seed=7,
        staff=[s for s in selectors.staff_rows() if s.id == org.tm_b.pk],
        cases=list(rows.values()),
    )
    assert result.allocations[0].case.id == org.case.pk
    assert result.allocations[0].reason.startswith("Follow-up audit")
