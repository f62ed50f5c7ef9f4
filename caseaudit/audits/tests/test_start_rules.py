"""Issue 16, item 4: the tool and the reason go together, the IRO and CP Chair tools are those
roles' own, the Carers tool is for carer households, and a peer audit is never of the
auditor's own team (a CSM's: service). Each refusal says why, on the field to change."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from caseaudit.audit_tools.models import Tool
from caseaudit.audits import services, start_rules
from caseaudit.audits.models import Audit, AuditReason
from caseaudit.cases.models import CaseType, SubjectType
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.organisation.models import Role


def peer_refusal(staff, case) -> str | None:
    tool = Tool.objects.get(code="generic")
    return start_rules.reason_refusal(staff=staff, case=case, tool=tool, reason="peer")


def refused(org, *, auditor, case, tool, reason) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        services.audit_start(case=case, auditor=auditor, tool_code=tool, reason=reason)
    assert not Audit.objects.filter(case=case, auditor=auditor).exists()
    return excinfo.value.message_dict


@pytest.fixture
def carer_case(org):
    worker = StaffFactory(role=Role.PRACTITIONER, team=org.north_b, line_manager=org.ps_b)
    return CaseFactory(
        team=org.north_b,
        allocated_worker=worker,
        case_type=CaseType.FOSTERING,
        subject_type=SubjectType.FOSTER_CARER,
    )


# --- The Closure Record and the closure reason -------------------------------------------


@pytest.mark.parametrize("reason", ["peer", "permissive", "annual", "thematic"])
def test_the_closure_record_is_only_for_a_closure_audit(org, reason):
    errors = refused(org, auditor=org.tm, case=org.case, tool="closure", reason=reason)
    assert list(errors) == ["reason"]
    assert (
        "Children's Services Closure Record is used only with the reason “Closure audit”"
        in (errors["reason"][0])
    )


def test_a_closure_audit_needs_the_closure_record(org):
    errors = refused(org, auditor=org.csm_north, case=org.case, tool="generic", reason="closure")
    assert errors == {
        "reason": [
            "The reason “Closure audit” goes with the Children's Services Closure Record: "
            "choose that tool, or another reason."
        ]
    }


def test_closure_record_with_the_closure_reason_starts(org):
    audit = services.audit_start(
        case=org.case, auditor=org.tm, tool_code="closure", reason=AuditReason.CLOSURE
    )
    assert audit.reason == "closure" and audit.tool_version.tool.code == "closure"


# --- Carers ---------------------------------------------------------------------------------


def test_the_carers_tool_is_for_carers_audits_of_carer_households(org, carer_case):
    audit = services.audit_start(
        case=carer_case, auditor=org.csm_north, tool_code="carers", reason="carers"
    )
    assert audit.reason == "carers"
    errors = refused(org, auditor=org.tm_b, case=carer_case, tool="carers", reason="permissive")
    assert "used only with the reason “Carers' audit”" in errors["reason"][0]


def test_a_carers_audit_needs_the_carers_tool(org):
    errors = refused(org, auditor=org.csm_north, case=org.case, tool="generic", reason="carers")
    assert "goes with the Quality Audit (Carers)" in errors["reason"][0]


def test_the_carers_tool_refuses_a_childs_case_even_if_it_lists_its_type(org, make_tool):
    # Were the Carers tool to list a child's case type, the household rule still holds.
    Tool.objects.filter(code="carers").update(applies_to=["cin", "fostering", "adoption"])
    errors = refused(org, auditor=org.csm_north, case=org.case, tool="carers", reason="carers")
    assert errors == {
        "tool": ["The Quality Audit (Carers) is only for foster carer and adopter households."]
    }


# --- IRO and CP Chair -------------------------------------------------------------------------


def test_only_an_iro_uses_the_iro_tool(org):
    errors = refused(org, auditor=org.csm_north, case=org.colleague_case, tool="iro", reason="iro")
    assert errors == {
        "tool": [
            "The Quality Audit (IRO Review) is for Independent Reviewing Officers’ own audits only."
        ]
    }
    audit = services.audit_start(
        case=org.colleague_case, auditor=org.iro, tool_code="iro", reason="iro"
    )
    assert audit.reason == "iro"


def test_the_iro_tool_is_for_iro_audits_only(org):
    errors = refused(org, auditor=org.iro, case=org.colleague_case, tool="iro", reason="annual")
    assert "used only with the reason “IRO review audit”" in errors["reason"][0]


def test_only_a_cp_chair_uses_the_cp_chair_tool(org):
    errors = refused(org, auditor=org.director, case=org.case_b, tool="cp-chair", reason="cp_chair")
    assert "for Child Protection Chairs’ own audits only" in errors["tool"][0]
    assert services.audit_start(
        case=org.case_b, auditor=org.cp_chair, tool_code="cp-chair", reason="cp_chair"
    )


def test_an_iro_reason_needs_the_iro_tool(org):
    errors = refused(
        org, auditor=org.director, case=org.colleague_case, tool="generic", reason="iro"
    )
    assert "goes with the Quality Audit (IRO Review)" in errors["reason"][0]


# --- Peer audits ----------------------------------------------------------------------------


def test_a_team_managers_peer_audit_is_never_of_their_own_team(org):
    errors = refused(org, auditor=org.tm, case=org.case, tool="generic", reason="peer")
    assert errors == {
        "reason": [
            "A Team Manager’s peer audit is never of their own team’s case: choose another "
            "reason (for example “Permissive audit”)."
        ]
    }
    # Another team's Team Manager may (the programme gives them the case to see).
    assert peer_refusal(org.tm_b, org.case) is None
    # And the same Team Manager may audit their own team's case for another reason.
    assert services.audit_start(
        case=org.case, auditor=org.tm, tool_code="generic", reason="permissive"
    )


def test_a_csms_peer_audit_is_never_of_their_own_service(org):
    errors = refused(org, auditor=org.csm_north, case=org.case_b, tool="generic", reason="peer")
    assert "never of their own service’s case" in errors["reason"][0]
    csm_south = StaffFactory(role=Role.SERVICE_MANAGER, team=None, service_area=org.south)
    assert peer_refusal(csm_south, org.case) is None


def test_a_practice_supervisor_never_peer_audits_their_own_supervisees_case(org):
    # ps1 supervises the worker: org.case is theirs to supervise.
    errors = refused(org, auditor=org.ps1, case=org.case, tool="generic", reason="peer")
    assert errors == {
        "reason": ["A peer audit is never of a case you supervise: choose another reason."]
    }
    # The other PS of the team may (the procedure's PS peer audit); another team's may not.
    assert peer_refusal(org.ps2, org.case) is None
    assert "in their own team" in peer_refusal(org.ps_b, org.case)


def test_peer_audits_are_for_supervisors_and_managers(org):
    errors = refused(org, auditor=org.performance, case=org.case, tool="generic", reason="peer")
    assert "Peer audits are done by Practice Supervisors and managers" in errors["reason"][0]
    assert "Performance Assurance" in errors["reason"][0]


def test_directors_peer_audit_anywhere(org):
    assert services.audit_start(
        case=org.south_case, auditor=org.director, tool_code="generic", reason="peer"
    )


# --- The start page and the API ---------------------------------------------------------------


def test_the_start_page_shows_the_refusal_on_the_reason(org, login):
    client = login(org.tm)
    url = reverse("audit_start", args=[org.case.pk])
    response = client.post(url, {"tool": "closure", "reason": "permissive"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert "used only with the reason “Closure audit”" in html
    assert not Audit.objects.filter(case=org.case).exists()


def test_the_start_form_offers_only_the_roles_tools_and_reasons(org, login):
    html = login(org.iro).get(reverse("audit_start", args=[org.colleague_case.pk])).content.decode()
    assert 'value="iro"' in html and 'value="generic"' not in html
    # Its only reason is the IRO review.
    assert '<option value="iro" selected>IRO review audit</option>' in html
    assert 'value="peer"' not in html and 'value="closure"' not in html
    html = login(org.tm).get(reverse("audit_start", args=[org.colleague_case.pk])).content.decode()
    assert 'value="iro"' not in html  # not the IRO's tool
    assert 'value="closure"' in html


def test_the_api_refuses_with_422_on_the_field(org, api):
    response = api(org.tm).post(
        "/api/v1/audits", {"case": org.case.pk, "tool": "closure", "reason": "peer"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {
            "field": "reason",
            "message": "The Children's Services Closure Record is used only with the reason "
            "“Closure audit”: choose that reason, or another tool.",
        }
    ]


def test_the_programme_starts_carers_and_single_ps_audits_with_their_reasons(org, carer_case):
    from caseaudit.programme.models import Allocation, Rule
    from caseaudit.programme.services import allocation_reason

    assert allocation_reason(Allocation(tool_code="carers", rule=Rule.PS_PEER)) == "carers"
    assert allocation_reason(Allocation(tool_code="generic", rule=Rule.TM_SINGLE_PS)) == (
        "permissive"
    )
    assert allocation_reason(Allocation(tool_code="generic", rule=Rule.MANAGER_PEER)) == "peer"
