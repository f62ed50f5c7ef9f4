"""Helpers shared by the QA Response workflow's writes (`services`, `actions`, `due_jobs`):
form field names, dates as the emails write them, the response's history and row lock, and
who is asked and who is told. Import the public ones from `caseaudit.responses.services`.
"""

import datetime as dt

from django.urls import reverse

from caseaudit.audits.models import Audit
from caseaudit.cases.models import Case
from caseaudit.core.typing import By
from caseaudit.notifications.services import Attachment
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import team_accountable_managers

from . import attachments
from .models import QAResponse, ResponseEvent


def action_field(action_pk: int, name: str) -> str:
    """The form field (and error key) of one action's answer: "a12-what_done"."""
    return f"a{action_pk}-{name}"


def long_date(d: dt.date) -> str:
    """ "Thursday 31 December 2026"."""
    return f"{d:%A} {d.day} {d:%B %Y}"


def clean_text(value) -> str:
    return "" if value is None else str(value).strip()


def record_event(
    response: QAResponse, by: By, kind: str, at: dt.datetime, **detail
) -> ResponseEvent:
    return ResponseEvent.objects.create(response=response, by=by, kind=kind, at=at, detail=detail)


def response_url(response: QAResponse) -> str:
    return reverse("response_detail", args=[response.pk])


def lock_response(response: QAResponse) -> None:
    """Lock the response's row for this transaction and reload its own values."""
    list(QAResponse.objects.select_for_update().filter(pk=response.pk).values_list("pk"))
    response.refresh_from_db(
        fields=[f.attname for f in QAResponse._meta.concrete_fields if not f.is_relation]
    )


# --- Who is asked, who is told ----------------------------------------------------------


def case_managers(case: Case) -> list[Staff]:
    """The case team's Team Manager(s); if the team has none, the service's CSM(s)."""
    return team_accountable_managers(team=case.team)


def response_people(case: Case) -> tuple[Staff | None, Staff | None]:
    """(worker, supervisor) for a response on `case`: the allocated worker (if they have not
    left), else the case team's Team Manager (else the service's CSM); and that person's line
    manager, if current."""
    worker = case.allocated_worker if case.allocated_worker_id else None
    if worker is None or not worker.is_active:
        managers = case_managers(case)
        worker = managers[0] if managers else None
    if worker is None:
        return None, None
    supervisor = worker.line_manager if worker.line_manager_id else None
    if supervisor is not None and not supervisor.is_active:
        supervisor = None
    return worker, supervisor


def managers_to_tell(response: QAResponse) -> list[Staff]:
    """Who authorises: the supervisor, or the case's Team Manager(s) if there is none."""
    if response.supervisor is not None and response.supervisor.is_active:
        return [response.supervisor]
    return [s for s in case_managers(response.case) if s.pk != response.worker_id]


def audit_pdf(audit: Audit) -> Attachment | None:
    if not attachments.pdf_available():
        return None
    return Attachment(
        name=attachments.pdf_filename(audit),
        kind=attachments.ATTACHMENT_KIND,
        object_id=audit.pk,
    )
