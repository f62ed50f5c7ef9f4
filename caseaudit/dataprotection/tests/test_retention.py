"""Retention: the report of closed cases past the period, `case_erase` and `apply_retention`."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits.models import (
    Audit,
    AuditEvent,
    QuestionAnswer,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.cases.models import Case, CaseEvent
from caseaudit.dataprotection.selectors import retention_cutoff
from caseaudit.dataprotection.services import case_erase
from caseaudit.factories import CaseFactory, StaffFactory, UserFactory
from caseaudit.notifications.models import Notification
from caseaudit.organisation.models import Role
from caseaudit.programme.models import Allocation
from caseaudit.responses.models import ActionResponse, QAResponse, ResponseEvent

from .test_subject_access import everything_about

TODAY = dt.date(2026, 11, 25)


def close(case, on: dt.date) -> Case:
    Case.objects.filter(pk=case.pk).update(opened_on=dt.date(2010, 1, 4), closed_on=on)
    case.refresh_from_db()
    return case


@pytest.fixture
def dpo(db):
    return StaffFactory(role=Role.ADMIN, team=None)


def test_cutoff_is_the_same_day_years_before():
    assert retention_cutoff(today=TODAY, years=7) == dt.date(2019, 11, 25)
    assert retention_cutoff(today=dt.date(2028, 2, 29), years=7) == dt.date(2021, 2, 28)


# --- The report --------------------------------------------------------------------------------


def test_report_lists_only_cases_past_the_period(org, login, dpo, settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 7
    old = close(org.case, dt.date(2015, 3, 1))
    just_due = close(org.case_b, retention_cutoff(today=timezone.localdate(), years=7))
    recent = close(org.south_case, dt.date(2024, 1, 5))
    body = login(dpo).get(reverse("retention_report")).content.decode()
    assert old.reference in body and just_due.reference in body
    assert recent.reference not in body
    assert org.colleague_case.reference not in body  # open
    assert "2 cases due for deletion" in body
    event = AccessEvent.objects.get(user=dpo.user)
    assert (event.object_type, event.case_id) == ("retention_list", None)


def test_report_follows_the_setting(org, login, dpo, settings):
    close(org.south_case, dt.date(2024, 1, 5))
    settings.RETENTION_YEARS_AFTER_CLOSURE = 1
    assert org.south_case.reference in login(dpo).get(reverse("retention_report")).content.decode()


@pytest.mark.parametrize("persona", ["tm", "csm_north", "director", "performance", "worker"])
def test_report_is_for_the_data_protection_officer_only(org, login, persona):
    close(org.case, dt.date(2015, 3, 1))
    response = login(getattr(org, persona)).get(reverse("retention_report"))
    assert response.status_code == 404


def test_superuser_sees_the_report(org, client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(reverse("retention_report")).status_code == 200


# --- Deleting a case ---------------------------------------------------------------------------

HELD = (
    Audit,
    SectionAnswer,
    QuestionAnswer,
    RestorativeAction,
    UrgentFinding,
    AuditEvent,
    QAResponse,
    ActionResponse,
    ResponseEvent,
    Allocation,
    CaseEvent,
)


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in HELD}


def test_case_erase_deletes_everything_about_the_case_and_nothing_else(org, dpo):
    everything_about(org, org.case_b)
    others = counts()
    others_notifications = Notification.objects.count()
    audit = everything_about(org, org.case)
    response = QAResponse.objects.get(audit=audit)
    ActionResponse.objects.create(
        response=response, action=audit.actions.get(), what_done="Reviewed."
    )
    # A notification about another case whose reference starts the same: kept.
    lookalike = CaseFactory(reference=org.case.reference + "9", team=org.north_a)
    Notification.objects.create(
        recipient=org.tm,
        kind="test",
        subject=f"Something: case {lookalike.reference}",
        body="",
        idempotency_key="lookalike",
    )
    about_case = Notification.objects.count() - others_notifications - 1
    assert about_case > 0
    log_before = AccessEvent.objects.filter(case_id=org.case.pk).count()
    assert log_before > 0
    pk = org.case.pk

    deleted = case_erase(case=org.case, by=dpo.user, reason="Retention policy: tested")

    assert not Case.objects.filter(pk=pk).exists()
    assert counts() == others
    assert Notification.objects.count() == others_notifications + 1  # the look-alike's stays
    assert deleted["notifications"] == about_case and deleted["case"] == 1
    # The access log keeps its entries and says the case was deleted, by whom and why.
    assert AccessEvent.objects.filter(case_id=pk).count() == log_before + 1
    event = AccessEvent.objects.get(case_id=pk, action="deleted")
    assert (event.user, event.object_type, event.object_id) == (dpo.user, "case", str(pk))
    assert event.path == "Retention policy: tested"
    assert Case.objects.filter(pk=org.case_b.pk).exists()


def test_case_erase_needs_a_reason(org):
    with pytest.raises(ValidationError):
        case_erase(case=org.case, by=None, reason=" ")
    assert Case.objects.filter(pk=org.case.pk).exists()


def test_case_erase_is_all_or_nothing(org, monkeypatch):
    everything_about(org, org.case)
    before = counts()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(CaseEvent.objects, "filter", broken)
    with pytest.raises(RuntimeError):
        case_erase(case=org.case, by=None, reason="Retention policy")
    assert counts() == before
    assert Case.objects.filter(pk=org.case.pk).exists()
    assert not AccessEvent.objects.filter(action="deleted").exists()


# --- The command -------------------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("apply_retention", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_command_deletes_cases_past_the_period_and_logs_each(org, settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 7
    everything_about(org, org.case)
    close(org.case, dt.date(2019, 11, 25))  # exactly 7 years before TODAY
    close(org.case_b, dt.date(2019, 11, 26))  # one day short
    pk = org.case.pk
    logged = AccessEvent.objects.filter(case_id=pk).count()
    output = run("--today", TODAY.isoformat())
    assert f"Deleting case {org.case.reference}" in output
    assert "Deleted 1 case(s)." in output
    assert not Case.objects.filter(pk=pk).exists()
    assert Case.objects.filter(pk=org.case_b.pk).exists()
    assert Audit.objects.count() == 0 and QAResponse.objects.count() == 0
    assert AccessEvent.objects.filter(case_id=pk).count() == logged + 1
    deleted = AccessEvent.objects.get(case_id=pk, action="deleted")
    assert deleted.user is None  # the command, not a person
    assert deleted.path.startswith("Retention policy: closed on or before 2019-11-25, kept 7 years")


def test_dry_run_deletes_nothing(org, settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 7
    everything_about(org, org.case)
    close(org.case, dt.date(2012, 5, 1))
    before = counts()
    output = run("--dry-run", "--today", TODAY.isoformat())
    assert f"Would delete case {org.case.reference}" in output
    assert "Dry run: nothing deleted (1 due)." in output
    assert counts() == before and Case.objects.filter(pk=org.case.pk).exists()
    assert not AccessEvent.objects.filter(action="deleted").exists()


def test_years_option_overrides_the_setting(org, settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 7
    close(org.case, dt.date(2023, 1, 1))
    assert "0 case(s)" in run("--dry-run", "--today", TODAY.isoformat())
    assert "1 case(s)" in run("--dry-run", "--today", TODAY.isoformat(), "--years", "3")


@pytest.mark.parametrize("args", [("--today", "25/11/2026"), ("--years", "0")])
def test_bad_options_are_refused(db, args):
    with pytest.raises(CommandError):
        run(*args)
