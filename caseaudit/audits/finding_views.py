"""The urgent findings' pages: the finding itself (with the acknowledge form), withdrawing one
raised in error, and the question the auditor is asked before a save alerts managers. The rules
are in `findings.py`; every view of a finding is written to the access log as a view of its
audit."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.forms import add_service_errors
from caseaudit.core.typing import AuthenticatedHttpRequest

from . import findings, policy, selectors, services
from .forms import AcknowledgeForm, ConfirmAlertForm, WithdrawFindingForm
from .views import _after_save, _blank_rows, _editable_audit


def _finding(request, pk: int):
    """The finding, if the user may see its case (a 404 otherwise); logged as a view of its
    audit."""
    finding = selectors.urgent_finding_get(user=request.user, pk=pk)
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=finding.audit_id,
        case_id=finding.case_id,
    )
    return finding


def _item(request, finding) -> findings.FindingItem:
    return findings.finding_items(user=request.user, audit=finding.audit, findings=[finding])[0]


def urgent_finding_acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The finding's page: the section, the scale and the auditor's own words, and for its
    managers the form to record the action taken (which closes it)."""
    finding = _finding(request, pk)
    allowed = policy.can_acknowledge(request.user, finding)
    if not allowed and request.method == "POST":
        raise PermissionDenied("You cannot acknowledge this finding.")
    form = AcknowledgeForm(request.POST or None) if allowed and finding.is_open else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.urgent_finding_acknowledge(
                finding=finding, by=request.user, action_taken=form.cleaned_data["action_taken"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Urgent finding acknowledged.")
            return redirect(reverse("audit_detail", args=[finding.audit_id]) + "#urgent-findings")
    return render(
        request,
        "audits/finding_acknowledge.html",
        {
            "finding": finding,
            "item": _item(request, finding),
            "audit": finding.audit,
            "case": finding.case,
            "form": form,
        },
    )


def urgent_finding_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The auditor withdraws a finding raised in error, saying why (403 for anyone else who
    sees the case)."""
    finding = _finding(request, pk)
    if not policy.can_withdraw(request.user, finding):
        raise PermissionDenied("Only the auditor who raised this finding can withdraw it.")
    form = WithdrawFindingForm(request.POST or None) if finding.is_open else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.urgent_finding_withdraw(
                finding=finding, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Urgent finding withdrawn: everyone told about it has been told."
            )
            return redirect(reverse("audit_detail", args=[finding.audit_id]) + "#urgent-findings")
    return render(
        request,
        "audits/finding_withdraw.html",
        {
            "told": [
                s for s in findings.finding_told(finding=finding) if s.user_id != request.user.pk
            ]
            if finding.is_open
            else [],
            "finding": finding,
            "item": _item(request, finding),
            "audit": finding.audit,
            "case": finding.case,
            "form": form,
        },
    )


def audit_confirm_alert(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """ "This will alert the Team Manager and Practice Supervisor now": what the auditor's save
    would raise, asked before anyone is alerted (the draft is saved already). Yes raises the
    findings (and, when they were completing, completes the audit); no goes back to the form.
    Only the auditor (404 for anyone else, as the form)."""
    audit = _editable_audit(request, pk)
    if not audit.is_draft:
        messages.info(request, "This audit is no longer a draft: nothing to confirm.")
        return redirect("audit_detail", audit.pk)
    rows = _blank_rows(request)
    intent = "complete" if request.GET.get("intent") == "complete" else "save"
    form = ConfirmAlertForm(
        request.POST or None, initial={"revision": audit.revision, "intent": intent}
    )
    if request.method == "POST" and not form.is_valid():
        messages.error(request, "Nobody was alerted: check what would be raised and confirm.")
        form = ConfirmAlertForm(initial={"revision": audit.revision, "intent": intent})
    elif request.method == "POST":
        intent = form.cleaned_data["intent"]
        try:
            raised = findings.findings_raise_confirmed(
                audit=audit, by=request.user, revision=form.cleaned_data["revision"]
            )
        except ValidationError as error:
            if getattr(error, "code", None) != "conflict":
                raise
            messages.error(request, error.messages[0])
            audit.refresh_from_db()
            form = ConfirmAlertForm(initial={"revision": audit.revision, "intent": intent})
        else:
            audit.refresh_from_db()
            result = services.SaveResult(audit=audit, findings_raised=raised)
            return _after_save(request, audit, result, intent, rows)
    pending = findings.pending_triggers(audit=audit)
    if not pending:
        messages.info(request, "Nothing in the audit raises an urgent finding now: nobody was told")
        return redirect("audit_edit", audit.pk)
    recipients = findings.finding_recipients(audit.case, exclude=audit.auditor)
    return render(
        request,
        "audits/finding_confirm.html",
        {
            "audit": audit,
            "case": audit.case,
            "form": form,
            "intent": intent,
            "rows": rows,
            "pending": findings.pending_words(audit=audit, triggers=pending),
            "recipients": recipients,
            "recipients_in_words": findings.recipients_in_words(recipients),
        },
    )
