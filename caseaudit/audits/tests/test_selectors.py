import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits import selectors, services
from caseaudit.audits.models import Audit, UrgentFinding
from caseaudit.cases.selectors import case_get, case_visible_qs
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Role
from caseaudit.workflows import audits as workflows

from .conftest import ROUNDS, answers_in_turn, complete_data


def test_an_auditor_can_always_open_the_case_they_audit(org):
    commissioned = StaffFactory(role=Role.AUDITOR, team=None)
    assert not case_visible_qs(commissioned.user).filter(pk=org.case.pk).exists()
    Audit.objects.create(
        case=org.case,
        tool_version=tool_version_published(code="generic"),
        auditor=commissioned,
        reason="thematic",
    )
    commissioned.user._staff_cache = False  # a new request
    assert case_get(user=commissioned.user, pk=org.case.pk) == org.case
    assert not case_visible_qs(commissioned.user).filter(pk=org.south_case.pk).exists()


@pytest.mark.parametrize(
    "who,visible",
    {
        "csm_north": True,
        "worker": True,
        "tm": True,
        "ps1": True,
        "colleague": False,
        "ps2": False,
        "tm_b": False,
        "outsider": False,
        "director": True,
    }.items(),
)
def test_audit_get_follows_the_case_scope(org, start, who, visible):
    audit = start(auditor=org.csm_north)
    user = getattr(org, who).user
    if visible:
        assert selectors.audit_get(user=user, pk=audit.pk) == audit
    else:
        with pytest.raises(Http404):
            selectors.audit_get(user=user, pk=audit.pk)


def test_audit_list_for_case_counts_open_findings(org, start, save):
    audit = start(auditor=org.csm_north)
    save(audit, org.csm_north, {"overall_scale": 1, "serious_safeguarding": True})
    [listed] = selectors.audit_list_for_case(user=org.tm.user, case=org.case)
    assert (listed, listed.open_findings) == (audit, 2)
    assert list(selectors.audit_list_for_case(user=org.outsider.user, case=org.case)) == []


def test_my_audits_lists_drafts_first_then_recent_completed(org, start, save):
    done = start(auditor=org.performance, case=org.case)
    save(done, org.performance, complete_data(done))
    workflows.audit_complete(audit=done, by=org.performance.user)
    old = start(auditor=org.performance, case=org.case_b)
    save(old, org.performance, complete_data(old))
    workflows.audit_complete(audit=old, by=org.performance.user)
    Audit.objects.filter(pk=old.pk).update(completed_at=timezone.now() - dt.timedelta(days=200))
    draft = start(auditor=org.performance, case=org.south_case)
    assert list(selectors.my_audits(user=org.performance.user)) == [draft, done]
    assert list(selectors.my_audits(user=org.tm.user)) == []


@pytest.mark.parametrize(
    "who,sees",
    {
        "tm": True,
        "ps1": True,
        "csm_north": True,
        "director": True,
        "ps2": False,
        "worker": False,
        "tm_b": False,
        "performance": False,
        "tm_south": False,
    }.items(),
)
def test_urgent_findings_open_for_the_cases_managers(org, start, save, who, sees):
    audit = start(auditor=org.performance)
    save(audit, org.performance, {"overall_scale": 2})
    finding = UrgentFinding.objects.get()
    found = list(selectors.urgent_findings_open_for(user=getattr(org, who).user))
    assert found == ([finding] if sees else [])


def test_acknowledged_findings_leave_the_list(org, start, save):
    audit = start(auditor=org.performance)
    save(audit, org.performance, {"overall_scale": 2})
    finding = UrgentFinding.objects.get()
    services.urgent_finding_acknowledge(finding=finding, by=org.tm.user, action_taken="Done")
    assert list(selectors.urgent_findings_open_for(user=org.ps1.user)) == []


def test_audit_document_loads_in_a_fixed_number_of_queries(
    org, start, save, django_assert_num_queries
):
    audit = start()
    save(audit, org.csm_north, complete_data(audit))
    with django_assert_num_queries(8):
        document = selectors.audit_document(audit=audit)
        shown = [item.section.theme.name for item in document.sections]
        shown += [q.display for item in document.sections for q in item.questions]
        shown += [a.owner.name for a in document.actions]
    assert len(document.sections) == 9
    assert document.overall_band.code == "good"


def test_audit_get_answers_each_person_by_their_own_scope_in_turn(org, start):
    audit = start(auditor=org.csm_north)
    answers_in_turn(
        selectors.audit_get,
        org,
        pk=audit.pk,
        expected=audit,
        visible={"tm", "worker", "ps1", "director"},
    )


def test_audit_get_follows_a_change_of_role_to_one_that_does_not_read_audits(org, start):
    audit = start(auditor=org.csm_north)
    assert selectors.audit_get(user=org.tm.user, pk=audit.pk).case == org.case
    org.tm.role = Role.BUSINESS_SUPPORT
    org.tm.save(update_fields=["role"])
    org.tm.user._staff_cache = False  # a new request
    with pytest.raises(Http404):
        selectors.audit_get(user=org.tm.user, pk=audit.pk)


def test_audit_get_reads_the_audit_with_its_people_in_one_query(
    org, start, django_assert_num_queries
):
    audit = start(auditor=org.csm_north)
    selectors.audit_get(user=org.tm.user, pk=audit.pk)  # compiled and kept
    org.tm.user._staff_cache = False
    with django_assert_num_queries(2):  # the staff record, then the audit
        got = selectors.audit_get(user=org.tm.user, pk=audit.pk)
        assert (got.tool_version.tool.code, got.auditor, got.case.team) == (
            "generic",
            org.csm_north,
            org.case.team,
        )


def test_urgent_finding_get_answers_each_person_by_their_own_scope_in_turn(org, start, save):
    audit = start(auditor=org.csm_north)
    save(audit, org.csm_north, {"overall_scale": 1, "serious_safeguarding": True})
    finding = UrgentFinding.objects.filter(audit=audit).first()
    answers_in_turn(
        selectors.urgent_finding_get,
        org,
        pk=finding.pk,
        expected=finding,
        visible={"tm", "worker", "ps1", "director"},
        rounds=ROUNDS + ("business_support",),  # sees the case, not audits' text
    )
