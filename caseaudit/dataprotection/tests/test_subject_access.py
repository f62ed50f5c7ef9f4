"""The subject-access export: everything held about one case, for the data protection officer."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit, AuditReason
from caseaudit.audits.tests.conftest import completion_extras
from caseaudit.cases.models import CaseEvent, CaseEventKind
from caseaudit.dataprotection.subject_access import (
    SECTIONS,
    subject_access_document,
    subject_access_html,
)
from caseaudit.factories import StaffFactory, UserFactory
from caseaudit.feedback.models import Collaboration, FamilyFeedback, FeedbackRequest
from caseaudit.organisation.models import Role
from caseaudit.programme.models import Allocation, MonthStatus, ProgrammeMonth, Rule
from caseaudit.responses.models import QAResponse
from caseaudit.workflows import audits as workflows


def completed_audit(org, case, *, overall=2, auditor=None):
    """A Generic Audit of `case`, completed with one restorative action (its worker's); an
    overall scale of 2 raises an urgent finding. Completion asks the worker for a response."""
    auditor = auditor or org.director
    audit = audit_services.audit_start(
        case=case, auditor=auditor, tool_code="generic", reason=AuditReason.PERMISSIVE
    )
    sections = audit.tool_version.sections.all()
    audit_services.audit_save(
        audit=audit,
        by=auditor.user,
        revision=audit.revision,
        data={
            "sections": {
                s.pk: {"working_well": f"Well: {s.title}.", "scale": 7}
                for s in sections
                if s.scaled
            },
            **completion_extras(audit),
            # Free text is a valid answer to any kind of question but a date or a choice.
            "questions": {
                q.pk: {"evidence": "Seen in the case notes."}
                | completion_extras(audit)["questions"].get(q.pk, {})
                for s in sections
                for q in s.questions.all()
            },
            "voice_of_child": "The child wants to stay at school.",
            "overall_scale": overall,
            "summary": "Plans are not reviewed.",
            "actions": [
                {
                    "description": "Review the plan with the family.",
                    "owner_id": case.allocated_worker_id,
                    "due_on": dt.date(2027, 1, 15),
                }
            ],
        },
    )
    return workflows.audit_complete(audit=audit, by=auditor.user)


def everything_about(org, case):
    """A case with one of every record held about it: an audit (answers, action, urgent
    finding, history), its QA response, an allocation, a history entry, notifications and
    access-log entries, the family's feedback and the practitioner's reflection."""
    audit = completed_audit(org, case)
    programme, _ = ProgrammeMonth.objects.get_or_create(
        month=dt.date(2026, 11, 1),
        defaults={"seed": 7, "status": MonthStatus.CONFIRMED, "generated_at": audit.started_at},
    )
    Allocation.objects.create(
        programme=programme,
        auditor=org.director,
        rule=Rule.MANAGER_PEER,
        case=case,
        audit=audit,
        reason="Longest since the last audit.",
    )
    CaseEvent.objects.create(
        case=case, by=org.tm.user, kind=CaseEventKind.UPDATED, detail={"changes": {}}
    )
    AccessEvent.objects.create(
        user=org.tm.user, action="view", object_type="case", object_id=case.pk, case_id=case.pk
    )
    request = FeedbackRequest.objects.create(
        audit=audit,
        relationship="parent",
        audience="standard",
        channel="letter",
        token_digest=f"{audit.pk:064d}",  # unique: only the hash of a link is kept
        expires_at=audit.started_at,
        status="answered",
        answered_at=audit.started_at,
    )
    FamilyFeedback.objects.create(
        request=request,
        audit=audit,
        relationship="parent",
        audience="standard",
        going_well="The worker listens.",
        scale=7,
    )
    Collaboration.objects.create(audit=audit, practitioner=org.worker, proud_of="The plan.")
    return audit


@pytest.fixture
def dpo(db):
    return StaffFactory(role=Role.ADMIN, team=None)


# --- The document ------------------------------------------------------------------------


def test_every_section_is_present_and_complete(org):
    audit = everything_about(org, org.case)
    document = subject_access_document(case=org.case)
    assert set(SECTIONS) <= set(document)
    for key in SECTIONS:
        assert document[key], f"{key} is empty"
    assert document["case"]["reference"] == org.case.reference
    assert document["case"]["display_name"] == org.case.display_name
    assert document["case"]["team"] == "North A"
    (audit_out,) = document["audits"]
    assert audit_out["id"] == audit.pk and audit_out["summary"] == "Plans are not reviewed."
    assert audit_out["voice_of_child"] == "The child wants to stay at school."
    for nested in ("sections", "questions", "actions", "urgent_findings", "history"):
        assert audit_out[nested], f"audit {nested} is empty"
    assert audit_out["sections"][0]["working_well"].startswith("Well: ")
    assert audit_out["actions"][0]["description"] == "Review the plan with the family."
    assert [e["kind"] for e in audit_out["history"]][:1] == ["started"]
    (response_out,) = document["responses"]
    assert response_out["id"] == QAResponse.objects.get(audit=audit).pk
    assert [e["kind"] for e in response_out["history"]] == ["created"]
    assert document["allocations"][0]["month"] == "2026-11"
    assert document["case_events"][0]["kind"] == "updated"
    assert {n["recipient_id"] for n in document["notifications"]} >= {org.worker.pk}
    assert document["access_log"][0]["user_id"] == org.tm.user.pk
    # Who the ids are: the worker, the auditor, the TM who looked.
    names = {p["name"] for p in document["people"]["staff"].values()}
    assert {org.worker.name, org.director.name} <= names
    assert org.tm.name in {p["name"] for p in document["people"]["accounts"].values()}
    json.dumps(document)  # JSON-ready as it is


def test_nothing_about_another_case(org):
    everything_about(org, org.case)
    other = everything_about(org, org.case_b)
    document = subject_access_document(case=org.case)
    assert all(a["case_id"] == org.case.pk for a in document["audits"])
    assert all(e["case_id"] == org.case.pk for e in document["access_log"])
    assert other.pk not in {a["id"] for a in document["audits"]}
    assert all(org.case_b.reference not in n["subject"] for n in document["notifications"])
    feedback_audits = {f["audit_id"] for f in document["family_feedback"]}
    assert feedback_audits and other.pk not in feedback_audits


def test_query_count_does_not_grow_with_records(org, django_assert_num_queries):
    everything_about(org, org.case)
    with django_assert_num_queries(19) as one:
        subject_access_document(case=org.case)
    completed_audit(org, org.case, overall=7)
    completed_audit(org, org.case, overall=8, auditor=org.csm_north)
    with django_assert_num_queries(len(one.captured_queries)):
        document = subject_access_document(case=org.case)
    assert len(document["audits"]) == 3


def test_the_pdf_holds_every_section(org):
    everything_about(org, org.case)
    document = subject_access_document(case=org.case)
    html = subject_access_html(case=org.case, document=document)
    for heading in (
        "Case",
        "Case events",
        "Audits",
        "Responses",
        "Allocations",
        "Notifications",
        "Access log",
        "People named",
    ):
        assert f"<h2>{heading}</h2>" in html
    assert "Review the plan with the family." in html
    assert org.case.display_name in html


# --- The pages -----------------------------------------------------------------------------


PAGES = ("case_subject_access", "case_subject_access_json", "case_subject_access_pdf")


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["worker", "ps1", "tm", "csm_north", "director", "outsider"])
def test_only_the_data_protection_officer(org, client, name, persona):
    client.force_login(getattr(org, persona).user)
    response = client.get(reverse(name, args=[org.case.pk]))
    assert response.status_code == 404
    assert org.case.display_name not in response.content.decode(errors="replace")
    # The attempt is logged as refused (on the case, for those who may see it; otherwise by
    # the case's own selector).
    assert AccessEvent.objects.filter(
        user=getattr(org, persona).user, action="denied", case_id=org.case.pk
    ).exists()


def test_the_page_offers_both_downloads(org, client, dpo):
    everything_about(org, org.case)
    client.force_login(dpo.user)
    response = client.get(reverse("case_subject_access", args=[org.case.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("case_subject_access_pdf", args=[org.case.pk]) in body
    assert reverse("case_subject_access_json", args=[org.case.pk]) in body
    assert 'id="subject-access-counts"' in body


def test_superuser_is_the_data_protection_officer_too(org, client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(reverse("case_subject_access", args=[org.case.pk])).status_code == 200


def test_json_download_is_complete_and_logged_as_an_export(org, client, dpo):
    audit = everything_about(org, org.case)
    client.force_login(dpo.user)
    response = client.get(reverse("case_subject_access_json", args=[org.case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment") and f"case-{org.case.pk}" in disposition
    assert org.case.display_name not in disposition
    assert "no-store" in response["Cache-Control"]
    document = json.loads(response.content)
    assert [a["id"] for a in document["audits"]] == [audit.pk]
    export = AccessEvent.objects.get(user=dpo.user, action="export")
    assert (export.object_type, export.case_id) == ("case", org.case.pk)
    assert export.path.endswith(".json")


def test_pdf_download_is_a_pdf_and_logged_as_an_export(org, client, dpo):
    everything_about(org, org.case)
    client.force_login(dpo.user)
    response = client.get(reverse("case_subject_access_pdf", args=[org.case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AccessEvent.objects.filter(
        user=dpo.user, action="export", case_id=org.case.pk, path__endswith=".pdf"
    ).exists()


def test_the_export_includes_its_own_access_log_entries(org, client, dpo):
    """A second export shows the first: the log is part of what is held."""
    client.force_login(dpo.user)
    client.get(reverse("case_subject_access_json", args=[org.case.pk]))
    second = json.loads(client.get(reverse("case_subject_access_json", args=[org.case.pk])).content)
    assert "export" in [e["action"] for e in second["access_log"]]


def test_audits_without_a_case_of_their_own_do_not_leak_in(org):
    completed_audit(org, org.colleague_case, overall=7)
    document = subject_access_document(case=org.case)
    assert document["audits"] == [] and document["responses"] == []
    assert Audit.objects.count() == 1
