"""Lifecycle transitions of an audit are compare-and-sets (docs/adr/0003 and 0004): simultaneous
completions give one success and conflicts; a stale transition raises `TransitionConflict`;
completing and reopening call the other apps' steps explicitly; a restorative action's owner
must be able to see the case (security finding 11)."""

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from caseaudit.api.tests.conftest import ApiClient
from caseaudit.audits import services
from caseaudit.audits.models import Audit, AuditEvent, AuditStatus, EventKind, UrgentFinding
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.programme.models import Allocation, AllocationStatus, MonthStatus, ProgrammeMonth
from caseaudit.reports import services as report_services
from caseaudit.reports.models import ScaleSummary
from caseaudit.responses.models import QAResponse
from caseaudit.workflows import audits as workflows

from .concurrency import load_shipped_tools, require_postgresql, run_together
from .conftest import complete_data


def scaled_sections(audit) -> int:
    return audit.tool_version.sections.filter(scaled=True).count()


def counted(audit) -> int:
    """How many of the audit's scaled sections the scale summary holds (its only audit)."""
    return ScaleSummary.objects.aggregate(n=Sum("n"))["n"] or 0


@pytest.fixture
def ready(org, start, save):
    """A draft by the CSM of the worker's case with every required answer saved."""
    audit = start(auditor=org.csm_north)
    save(audit, org.csm_north, complete_data(audit))
    return audit


# --- Real concurrent requests (PostgreSQL) -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_completions_through_the_api_complete_once(org, api):
    """The security finding: four `POST /audits/{id}/complete` at once all answered 200, with
    four history entries and the audit counted four times in the summary."""
    require_postgresql()
    load_shipped_tools()
    audit = services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code="generic", reason="permissive"
    )
    services.audit_save(
        audit=audit, by=org.csm_north.user, data=complete_data(audit), revision=audit.revision
    )
    report_services.summary_rebuild()  # built: completions count themselves in
    assert counted(audit) == 0
    secret = api(org.csm_north).secret
    url = f"/api/v1/audits/{audit.pk}/complete"

    def complete():
        return ApiClient(secret).post(url)

    answers = run_together([complete] * 4)

    assert all(not isinstance(a, BaseException) for a in answers), answers
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    for conflict in (a for a in answers if a.status_code == 409):
        body = conflict.json()
        assert "already completed" in body["detail"]
        assert body["errors"] == [{"field": None, "message": body["detail"]}]
    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert AuditEvent.objects.filter(audit=audit, kind=EventKind.COMPLETED).count() == 1
    assert QAResponse.objects.filter(audit=audit).count() == 1
    assert counted(audit) == scaled_sections(audit)  # counted once


# --- Stale transitions (both databases) ---------------------------------------------------


def test_completing_an_audit_completed_meanwhile_is_a_conflict(org, ready):
    stale = Audit.objects.get(pk=ready.pk)  # read before the other request completes it
    workflows.audit_complete(audit=ready, by=org.csm_north.user)
    with pytest.raises(TransitionConflict, match="already completed") as caught:
        workflows.audit_complete(audit=stale, by=org.csm_north.user)
    assert isinstance(caught.value, ValidationError) and caught.value.code == "conflict"
    assert AuditEvent.objects.filter(audit=ready, kind=EventKind.COMPLETED).count() == 1


def test_a_save_between_the_check_and_the_completion_is_a_conflict(org, ready, monkeypatch):
    """The completeness check read one revision; another window saved before the compare-and-
    set: nothing is completed (what was checked is not what would be completed)."""
    real_problems = services.audit_completion_problems

    def save_meanwhile(audit):
        problems = real_problems(audit)
        Audit.objects.filter(pk=audit.pk).update(revision=audit.revision + 1)
        return problems

    monkeypatch.setattr(services, "audit_completion_problems", save_meanwhile)
    with pytest.raises(TransitionConflict, match="saved in another window"):
        workflows.audit_complete(audit=ready, by=org.csm_north.user)
    ready.refresh_from_db()
    assert ready.status == AuditStatus.DRAFT
    assert not AuditEvent.objects.filter(audit=ready, kind=EventKind.COMPLETED).exists()
    assert not QAResponse.objects.filter(audit=ready).exists()


def test_reopening_an_audit_reopened_meanwhile_is_a_conflict(org, ready):
    workflows.audit_complete(audit=ready, by=org.csm_north.user)
    stale = Audit.objects.get(pk=ready.pk)
    workflows.audit_reopen(audit=ready, by=org.tm.user, reason="Add the family's views")
    with pytest.raises(TransitionConflict, match="already reopened by"):
        workflows.audit_reopen(audit=stale, by=org.director.user, reason="Also this")
    assert AuditEvent.objects.filter(audit=ready, kind=EventKind.REOPENED).count() == 1


def test_acknowledging_a_finding_acknowledged_meanwhile_is_a_conflict(org, start, save):
    audit = start(auditor=org.csm_north)
    save(audit, org.csm_north, {"overall_scale": 2})
    finding = UrgentFinding.objects.get(audit=audit)
    stale = UrgentFinding.objects.get(pk=finding.pk)
    services.urgent_finding_acknowledge(finding=finding, by=org.tm.user, action_taken="Visit")
    with pytest.raises(TransitionConflict, match="already been acknowledged by"):
        services.urgent_finding_acknowledge(finding=stale, by=org.ps1.user, action_taken="Call")
    assert AuditEvent.objects.filter(kind=EventKind.FINDING_ACKNOWLEDGED).count() == 1


def test_the_api_answers_409_to_a_stale_completion_and_reopen(org, ready, api):
    auditor = api(org.csm_north)
    assert auditor.post(f"/api/v1/audits/{ready.pk}/complete").status_code == 200
    again = auditor.post(f"/api/v1/audits/{ready.pk}/complete")
    assert again.status_code == 409
    assert "already completed" in again.json()["detail"]
    manager = api(org.tm)
    reopen = f"/api/v1/audits/{ready.pk}/reopen"
    assert manager.post(reopen, {"reason": "Add more"}).status_code == 200
    twice = manager.post(reopen, {"reason": "Add more"})
    assert twice.status_code == 409
    assert "already reopened" in twice.json()["detail"]


def test_the_page_shows_the_conflict_instead_of_failing(org, ready, login):
    workflows.audit_complete(audit=ready, by=org.csm_north.user)
    client = login(org.tm)
    reopen = reverse("audit_reopen", args=[ready.pk])
    assert client.post(reopen, {"reason": "Add more"}).status_code == 302
    page = client.post(reopen, {"reason": "Add more"}, follow=True)
    assert page.status_code == 200
    assert "already reopened by" in page.content.decode()


# --- The workflow is explicit ---------------------------------------------------------------


def test_completing_and_reopening_call_the_other_apps_steps(org, ready):
    """No signals: `audit_complete` itself asks for the response, marks the allocation done
    and counts the audit in the summary; `audit_reopen` undoes the last two."""
    programme = ProgrammeMonth.objects.create(
        month=dt.date(2026, 1, 1),
        seed=1,
        status=MonthStatus.CONFIRMED,
        generated_at=timezone.now(),
    )
    allocation = Allocation.objects.create(
        programme=programme,
        auditor=org.csm_north,
        rule="manager-peer",
        reason="Test",
        case=org.case,
        tool_code="generic",
        audit=ready,
        status=AllocationStatus.STARTED,
    )
    report_services.summary_rebuild()

    workflows.audit_complete(audit=ready, by=org.csm_north.user)
    allocation.refresh_from_db()
    assert QAResponse.objects.filter(audit=ready).count() == 1
    assert allocation.status == AllocationStatus.COMPLETED
    assert counted(ready) == scaled_sections(ready)

    workflows.audit_reopen(audit=ready, by=org.tm.user, reason="Add the family's views")
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.STARTED
    assert counted(ready) == 0
    assert QAResponse.objects.filter(audit=ready).count() == 1  # kept for the recompletion


@pytest.mark.parametrize(
    "module",
    [
        "caseaudit.audits.signals",
        "caseaudit.cases.signals",
        "caseaudit.responses.receivers",
        "caseaudit.programme.receivers",
        "caseaudit.reports.receivers",
    ],
)
def test_the_signal_modules_are_gone(module):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)


# --- Owners of restorative actions must see the case (security finding 11) ----------------


def test_an_owner_who_cannot_see_the_case_is_refused_naming_the_field(org, start):
    audit = start(auditor=org.csm_north)
    row = {"description": "Visit.", "owner_id": org.colleague.pk, "due_on": dt.date(2027, 1, 5)}
    with pytest.raises(ValidationError) as caught:
        services.audit_save(
            audit=audit, by=org.csm_north.user, data={"actions": [row]}, revision=audit.revision
        )
    assert caught.value.message_dict == {
        "actions-0-owner": [
            f"{org.colleague.name} cannot see this case, so they could not resolve the "
            "action: choose someone who can"
        ]
    }
    assert not audit.actions.exists()


@pytest.mark.parametrize("who", ["worker", "ps1", "tm"])
def test_an_owner_who_can_see_the_case_is_accepted(org, start, who):
    audit = start(auditor=org.csm_north)
    owner = getattr(org, who)
    row = {"description": "Visit.", "owner_id": owner.pk, "due_on": dt.date(2027, 1, 5)}
    services.audit_save(
        audit=audit, by=org.csm_north.user, data={"actions": [row]}, revision=audit.revision
    )
    assert list(audit.actions.values_list("owner_id", flat=True)) == [owner.pk]


def test_the_api_refuses_an_owner_who_cannot_see_the_case(org, start, api):
    audit = start(auditor=org.csm_north)
    answer = api(org.csm_north).put(
        f"/api/v1/audits/{audit.pk}",
        {
            "revision": audit.revision,
            "actions": [
                {"description": "Visit.", "owner_id": org.outsider.pk, "due_on": "2027-01-05"}
            ],
        },
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"] == [
        {
            "field": "actions-0-owner",
            "message": f"{org.outsider.name} cannot see this case, so they could not resolve "
            "the action: choose someone who can",
        }
    ]
    assert not audit.actions.exists()
