"""Issue 16, item 4: the auditor discards their own draft (started by mistake), with a reason
kept in the case history; a discarded Closure Record no longer holds the case as "closure
pending"; a discard and a save at once: one wins."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from caseaudit.api.tests.conftest import ApiClient
from caseaudit.audits import closure, services
from caseaudit.audits.models import Audit, AuditEvent, AuditStatus, EventKind
from caseaudit.cases.models import CaseEvent, CaseEventKind
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.workflows import audits as workflows

from .concurrency import load_shipped_tools, require_postgresql, run_together
from .conftest import complete_data


@pytest.fixture
def draft(org, start):
    return start(auditor=org.csm_north)


@pytest.fixture
def closure_draft(org):
    return services.audit_start(
        case=org.case, auditor=org.tm, tool_code="closure", reason="closure"
    )


def discard(audit, by, reason="Started on the wrong case.", revision=None):
    return workflows.audit_discard(
        audit=audit,
        by=by.user,
        reason=reason,
        revision=audit.revision if revision is None else revision,
    )


# --- The service ----------------------------------------------------------------------------


def test_the_auditor_discards_their_draft_with_a_reason_kept_in_the_case_history(org, draft):
    done = discard(draft, org.csm_north)
    audit = Audit.objects.get(pk=draft.pk)
    assert done.status == audit.status == AuditStatus.DISCARDED
    assert audit.discard_reason == "Started on the wrong case."
    assert audit.discarded_by == org.csm_north.user and audit.discarded_at is not None
    event = AuditEvent.objects.get(audit=audit, kind=EventKind.DISCARDED)
    assert event.detail == {"reason": "Started on the wrong case."}
    history = CaseEvent.objects.get(case=org.case, kind=CaseEventKind.AUDIT_DISCARDED)
    assert history.by == org.csm_north.user
    assert history.detail["audit"] == audit.pk and history.detail["tool"] == "Generic Audit Tool"
    assert history.detail["reason"] == "Started on the wrong case."


def test_a_reason_is_needed(org, draft):
    with pytest.raises(ValidationError) as caught:
        discard(draft, org.csm_north, reason="   ")
    assert caught.value.message_dict == {"reason": ["Enter why you are discarding this draft"]}
    assert Audit.objects.get(pk=draft.pk).status == AuditStatus.DRAFT


@pytest.mark.parametrize("who", ["tm", "worker", "director", "performance"])
def test_only_the_auditor_discards(org, draft, who):
    with pytest.raises(ValidationError) as caught:
        discard(draft, getattr(org, who))
    assert caught.value.code == "not_allowed"
    assert Audit.objects.get(pk=draft.pk).status == AuditStatus.DRAFT
    assert not CaseEvent.objects.filter(kind=CaseEventKind.AUDIT_DISCARDED).exists()


def test_a_completed_or_reopened_audit_cannot_be_discarded(org, draft, save):
    save(draft, org.csm_north, complete_data(draft))
    workflows.audit_complete(audit=draft, by=org.csm_north.user)
    with pytest.raises(ValidationError, match="completed, so it cannot be discarded"):
        discard(draft, org.csm_north)
    workflows.audit_reopen(audit=draft, by=org.tm.user, reason="Scale entered in error.")
    with pytest.raises(ValidationError, match="completed and then reopened") as caught:
        discard(draft, org.csm_north)
    assert caught.value.code == "not_discardable"
    assert Audit.objects.get(pk=draft.pk).status == AuditStatus.DRAFT


def test_a_save_since_the_confirm_page_wins_and_nothing_is_discarded(org, draft, save):
    seen = draft.revision
    save(draft, org.csm_north, {"summary": "Saved in another window."})
    with pytest.raises(TransitionConflict, match="saved a moment ago"):
        discard(draft, org.csm_north, revision=seen)
    assert Audit.objects.get(pk=draft.pk).status == AuditStatus.DRAFT


def test_a_discarded_draft_can_be_neither_saved_nor_completed_nor_discarded_again(org, draft, save):
    stale = Audit.objects.get(pk=draft.pk)
    discard(draft, org.csm_north)
    with pytest.raises(ValidationError, match="discarded, so it cannot be changed"):
        services.audit_save(
            audit=stale, by=org.csm_north.user, data={"summary": "x"}, revision=stale.revision
        )
    with pytest.raises(TransitionConflict, match="discarded, so it cannot be completed"):
        workflows.audit_complete(audit=stale, by=org.csm_north.user)
    with pytest.raises(TransitionConflict, match="already discarded"):
        discard(stale, org.csm_north)


def test_the_auditor_may_start_again_after_discarding(org, draft):
    discard(draft, org.csm_north)
    again = services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code="generic", reason="permissive"
    )
    assert again.pk != draft.pk and again.status == AuditStatus.DRAFT


def test_a_programme_allocation_is_planned_again(org):
    from django.utils import timezone

    from caseaudit.programme.models import Allocation, AllocationStatus, ProgrammeMonth, Rule
    from caseaudit.programme.services import allocation_start

    month = ProgrammeMonth.objects.create(
        month=timezone.localdate().replace(day=1),
        seed=1,
        status="confirmed",
        generated_at=timezone.now(),
    )
    allocation = Allocation.objects.create(
        programme=month,
        auditor=org.tm_b,
        auditor_team=org.tm_b.team,
        rule=Rule.MANAGER_PEER,
        case=org.case,
        tool_code="generic",
        reason="Peer audit outside their own team.",
    )
    audit = allocation_start(allocation=allocation, by=org.tm_b.user)
    discard(audit, org.tm_b)
    allocation.refresh_from_db()
    assert allocation.audit_id is None and allocation.status == AllocationStatus.PLANNED
    started = allocation_start(allocation=allocation, by=org.tm_b.user)
    assert started.pk != audit.pk


# --- Closure pending ------------------------------------------------------------------------


def test_a_discarded_closure_draft_no_longer_holds_the_case_as_closure_pending(org, closure_draft):
    assert list(closure.closure_pending(user=org.director.user)) == [org.case]
    assert closure.closure_status(case=org.case).drafts == [closure_draft]
    discard(closure_draft, org.tm, reason="The case is not closing after all.")
    assert list(closure.closure_pending(user=org.director.user)) == []
    status = closure.closure_status(case=org.case)
    assert status.drafts == [] and status.closure_audit is None
    assert status.problems == [
        "No Closure Record (closure audit) has been completed for this case."
    ]


# --- The pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("csm_north", 200),
        ("worker", 404),
        ("ps1", 404),
        ("tm", 404),
        ("colleague", 404),
        ("outsider", 404),
        ("director", 404),
    ],
)
def test_the_confirm_page_is_the_auditors_only(org, login, draft, who, status):
    response = login(getattr(org, who)).get(reverse("audit_discard", args=[draft.pk]))
    assert response.status_code == status


def test_the_confirm_page_and_the_discard(org, login, draft, django_assert_max_num_queries):
    client = login(org.csm_north)
    detail = client.get(reverse("audit_detail", args=[draft.pk])).content.decode()
    assert reverse("audit_discard", args=[draft.pk]) in detail  # reachable from the draft
    edit = client.get(reverse("audit_edit", args=[draft.pk])).content.decode()
    assert reverse("audit_discard", args=[draft.pk]) in edit
    url = reverse("audit_discard", args=[draft.pk])
    with django_assert_max_num_queries(20):
        page = client.get(url)
    html = page.content.decode()
    assert "Discard this draft?" in html and f'value="{draft.revision}"' in html
    response = client.post(url, {"revision": draft.revision, "reason": ""})
    assert "Enter why you are discarding this draft" in response.content.decode()
    response = client.post(url, {"revision": draft.revision, "reason": "Wrong case."})
    assert response.status_code == 302
    assert response.url == reverse("case_detail", args=[org.case.pk])
    case_page = client.get(response.url).content.decode()
    assert "Draft audit discarded" in case_page and "Wrong case." in case_page
    assert "Discarded" in case_page
    detail = client.get(reverse("audit_detail", args=[draft.pk])).content.decode()
    assert 'id="discarded"' in detail and "Wrong case." in detail
    assert reverse("audit_discard", args=[draft.pk]) not in detail
    # The form of a discarded draft is read-only.
    assert client.get(reverse("audit_edit", args=[draft.pk])).status_code == 302


def test_a_stale_confirm_page_says_the_draft_was_saved(org, login, draft, save):
    client = login(org.csm_north)
    seen = draft.revision
    save(draft, org.csm_north, {"summary": "Autosaved."})
    response = client.post(
        reverse("audit_discard", args=[draft.pk]), {"revision": seen, "reason": "Wrong case."}
    )
    assert response.status_code == 200
    assert "saved a moment ago" in response.content.decode()
    assert Audit.objects.get(pk=draft.pk).status == AuditStatus.DRAFT


# --- The API --------------------------------------------------------------------------------


def test_the_api_discards_for_the_auditor_only(org, api, draft):
    url = f"/api/v1/audits/{draft.pk}/discard"
    body = {"reason": "Wrong tool.", "revision": draft.revision}
    assert api(org.tm).post(url, body).status_code == 403
    assert api(org.outsider).post(url, body).status_code == 404
    missing = api(org.csm_north).post(url, {"revision": draft.revision})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "reason"
    stale = api(org.csm_north).post(url, {**body, "revision": draft.revision + 5})
    assert stale.status_code == 409
    response = api(org.csm_north).post(url, body)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "discarded" and data["discard_reason"] == "Wrong tool."
    assert data["can_edit"] is False and data["can_discard"] is False


# --- Discard and save at once (PostgreSQL) ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_discard_and_a_save_at_once_one_wins(org, api):
    require_postgresql()
    load_shipped_tools()
    audit = services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code="generic", reason="permissive"
    )
    secret = api(org.csm_north).secret
    revision = audit.revision

    def do_discard():
        return ApiClient(secret).post(
            f"/api/v1/audits/{audit.pk}/discard", {"reason": "Wrong case.", "revision": revision}
        )

    def do_save():
        return ApiClient(secret).put(
            f"/api/v1/audits/{audit.pk}", {"revision": revision, "summary": "Saved at once."}
        )

    summary_before = ""
    for _ in range(3):
        answers = run_together([do_discard, do_save])
        assert all(not isinstance(a, BaseException) for a in answers), answers
        codes = [a.status_code for a in answers]
        assert sorted(codes) == [200, 409], codes
        audit.refresh_from_db()
        if codes[0] == 200:  # the discard won: the save was refused, nothing saved this round
            assert audit.status == AuditStatus.DISCARDED and audit.summary == summary_before
            assert AuditEvent.objects.filter(audit=audit, kind=EventKind.DISCARDED).count() == 1
            return
        # The save won: the draft stands with the save, nothing discarded; try again.
        assert audit.status == AuditStatus.DRAFT and audit.summary == "Saved at once."
        assert not CaseEvent.objects.filter(kind=CaseEventKind.AUDIT_DISCARDED).exists()
        revision, summary_before = audit.revision, audit.summary
