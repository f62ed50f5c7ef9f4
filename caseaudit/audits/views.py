"""Pages for conducting an audit: start, the form (a task list, one page per task and a
check-answers page), the audit as a document, reopen, and acknowledging an urgent finding.
Every view of an audit is written to the access log."""

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.cases.selectors import case_get
from caseaudit.core.downloads import attachment
from caseaudit.core.forms import add_service_errors
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.workflows import audits as workflows

from . import fields, findings, pdf, policy, selectors, services, tasklist
from .forms import (
    BLANK_ACTION_ROWS,
    MAX_BLANK_ACTION_ROWS,
    AcknowledgeForm,
    AuditForm,
    CompleteForm,
    DiscardForm,
    ReopenForm,
    StartForm,
    action_formset,
    action_rows,
    audit_form_initial,
    start_reasons,
)


def _log(request, audit) -> None:
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=audit.pk,
        case_id=audit.case_id,
    )


# --- Start ------------------------------------------------------------------------------


def audit_start(request: HttpRequest, case_pk: int) -> HttpResponse:
    """Choose a tool and a reason, and start a draft (GET shows the choice; the case page
    posts here directly)."""
    case = case_get(user=request.user, pk=case_pk)
    # Logged as a view of the case, so a refusal (403) is logged against it too.
    access_record(
        request=request, object_type=AccessObjectType.CASE, object_id=case.pk, case_id=case.pk
    )
    staff = staff_for_user(request.user)
    tools = selectors.audit_start_options(user=request.user, case=case)
    if not tools:
        refusal = policy.audit_refusal(staff, case, user=request.user) or (
            "None of the audit tools you can use applies to this case."
        )
        return render(
            request, "audits/audit_start.html", {"case": case, "refusal": refusal}, status=403
        )
    reasons = start_reasons(user=request.user, case=case, tools=tools)
    form = StartForm(request.POST or None, tools=tools, reasons=reasons)
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.audit_start(
                case=case,
                auditor=staff,
                tool_code=form.cleaned_data["tool"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "draft_exists":
                messages.info(request, error.messages[0])
                return redirect("audit_edit", error.params["audit_id"])
            add_service_errors(form, error)
        else:
            _log(request, audit)
            messages.success(request, "Audit started. Save a draft whenever you need to.")
            return redirect("audit_edit", audit.pk)
    return render(request, "audits/audit_start.html", {"case": case, "form": form})


# --- The form: a task list, one page per task, and a check-answers page -------------------
# The pages are `tasklist.audit_pages`; each saves only its own answers through
# `services.audit_save` (what a page does not send is left as it is).

# "Where to go next" tokens, carried through the urgent-finding question (finding_views):
# a page's slug, "check" (the check-answers page) or "" (the task list): the path under edit/.
_TOKEN = re.compile(r"^[a-z0-9-]{1,40}$")


def _token(value) -> str:
    return value if isinstance(value, str) and _TOKEN.match(value) else ""


def _destination(audit, token: str) -> str:
    """The address of a "where next" token: the task list, the check page or a task page."""
    base = reverse("audit_edit", args=[audit.pk])
    return f"{base}{token}/" if _token(token) else base


def _blank_rows(request) -> int:
    try:
        rows = int(request.GET.get("rows", BLANK_ACTION_ROWS))
    except ValueError:
        rows = BLANK_ACTION_ROWS
    return max(1, min(rows, MAX_BLANK_ACTION_ROWS))


def _form_errors(form, formset) -> dict[str, list[str]]:
    errors = {name: list(errs) for name, errs in form.errors.items() if name != "__all__"}
    for row in formset.forms if formset is not None else ():
        for name, errs in row.errors.items():
            errors[row.add_prefix(name)] = list(errs)
    return errors


def _page_completion_errors(audit, document, page) -> dict[str, list[str]]:
    """The completion gaps of one page, keyed by its field names (actions by their row)."""
    pages = tasklist.audit_pages(document)
    rows = {action.pk: index for index, action in enumerate(document.actions)}
    errors: dict[str, list[str]] = {}
    for key, message in services.audit_completion_problems(audit):
        found = tasklist.page_for_key(pages, key)
        if found is not None and found.slug == page.slug:
            errors.setdefault(tasklist.form_key(key, rows), []).append(message)
    return errors


def _error_summary(form, field_errors: dict, general: list[str]) -> list[tuple[str, str]]:
    """(link, message) in the order of the page."""
    fields_in_order = form.field_names_in_page_order()
    # The "needs a restorative action" gaps first (shown at the top of the actions), then
    # the action rows' own errors.
    action_keys = [k for k in field_errors if fields.is_actions_gap(k)]
    action_keys += [k for k in field_errors if k.startswith("actions-")]
    summary = [("", message) for message in general]
    for key in [*fields_in_order, *action_keys]:
        for message in field_errors.get(key, []):
            summary.append((f"#id_{key}", message))
    listed = {*fields_in_order, *action_keys}
    for key, errs in field_errors.items():
        if key not in listed:
            summary.extend(("", message) for message in errs)
    return summary


def _editable_audit(request, pk: int):
    """The audit, if the user may edit it (its auditor); a 404, logged as refused, if not."""
    audit = selectors.audit_get(user=request.user, pk=pk)
    if not policy.can_edit(request.user, audit):
        access_record(
            request=request,
            action="denied",
            object_type=AccessObjectType.AUDIT,
            object_id=audit.pk,
            case_id=audit.case_id,
        )
        raise Http404("Only the auditor edits an audit")
    _log(request, audit)
    return audit


def _read_only(request, audit) -> HttpResponse:
    messages.info(
        request, f"This audit is {audit.get_status_display().lower()}, so it is read-only."
    )
    return redirect("audit_detail", audit.pk)


def _formset_kwargs(audit, document, blank_rows: int) -> dict:
    return {
        "sections": [item.section for item in document.sections],
        "actions": document.actions,
        "owners": selectors.action_owner_choices(case=audit.case, actions=document.actions),
        "default_owner": audit.case.allocated_worker_id,
        "blank_rows": blank_rows,
    }


@require_http_methods(["GET", "HEAD"])
def audit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit as a task list: each page with its status (`tasklist.audit_tasks`), and the
    way to the check-answers page."""
    audit = _editable_audit(request, pk)
    if not audit.is_draft:
        return _read_only(request, audit)
    document = selectors.audit_document(audit=audit)
    tasks = tasklist.audit_tasks(
        document=document, problems=services.audit_completion_problems(audit)
    )
    return render(
        request,
        "audits/audit_tasklist.html",
        {
            "audit": audit,
            "case": audit.case,
            "document": document,
            "section_tasks": [t for t in tasks if t.page.kind == tasklist.SECTION],
            "other_tasks": [t for t in tasks if t.page.kind != tasklist.SECTION],
            "done_count": sum(t.done for t in tasks),
            "task_count": len(tasks),
            "can_discard": policy.can_discard(request.user, audit),
            "finding_items": findings.document_finding_items(user=request.user, document=document),
            "pending": findings.pending_in_document(document=document),
        },
    )


@dataclass
class _TaskState:
    """What a page of the audit shows after a GET or a POST that did not move on."""

    form: AuditForm
    formset: Any
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    conflict: Any = None


def _task_save(
    request: HttpRequest, audit, pages, current, formset_kwargs: dict, blank_rows: int
) -> HttpResponse | _TaskState:
    """A POST of one page: saved, the next step's redirect; otherwise the page again."""
    with_actions = current.kind == tasklist.ACTIONS
    form = AuditForm(request.POST, page=current)
    formset = action_formset(data=request.POST, **formset_kwargs) if with_actions else None
    state = _TaskState(form=form, formset=formset)
    if not (form.is_valid() and (formset is None or formset.is_valid())):
        state.field_errors = _form_errors(form, formset)
        state.general = list(form.non_field_errors())
        if formset is not None:
            state.general += list(formset.non_form_errors())
        return state
    data = form.to_data()
    if formset is not None:
        data["actions"] = action_rows(formset)
    try:
        result = services.audit_save(
            audit=audit,
            by=request.user,
            data=data,
            revision=form.cleaned_data["revision"],
            # The page asks before alerting anyone (`_after_save`, findings.py).
            raise_findings=False,
        )
    except services.ConflictError as error:
        state.conflict = error
        return state
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            state.field_errors = {k: list(v) for k, v in error.message_dict.items()}
        else:
            state.general = list(error.messages)
        return state
    intent = request.POST.get("intent", "continue")
    if intent == "add_action" and with_actions:
        return _after_save(request, audit, result, "add_action", blank_rows)
    following = tasklist.next_page(pages, current)
    next_step = "check" if following is None else following.slug
    if intent == "later":
        next_step = ""  # back to the task list
    return _after_save(
        request, audit, result, "save", blank_rows, next_step=next_step, back_step=current.slug
    )


def audit_task(request: HttpRequest, pk: int, page: str) -> HttpResponse:
    """One page of the audit: "Save and continue" saves it and opens the next page (after
    the last, the check-answers page); "Save and come back later" saves it and goes back to
    the task list. Either first asks before alerting anyone to an urgent finding."""
    audit = _editable_audit(request, pk)
    if not audit.is_draft and request.method != "POST":
        return _read_only(request, audit)
    document = selectors.audit_document(audit=audit)
    pages = tasklist.audit_pages(document)
    current = tasklist.page_get(pages, page)
    if current is None:
        raise Http404("No such page of this audit")
    with_actions = current.kind == tasklist.ACTIONS
    blank_rows = _blank_rows(request)
    formset_kwargs = _formset_kwargs(audit, document, blank_rows) if with_actions else {}

    if request.method == "POST":
        saved = _task_save(request, audit, pages, current, formset_kwargs, blank_rows)
        if isinstance(saved, HttpResponse):
            return saved
        state = saved
    else:
        state = _TaskState(
            form=AuditForm(initial=audit_form_initial(document), page=current),
            formset=action_formset(**formset_kwargs) if with_actions else None,
        )
        if request.GET.get("check"):
            state.field_errors = _page_completion_errors(audit, document, current)

    index = pages.index(current)
    field_errors = state.field_errors
    return render(
        request,
        "audits/audit_task.html",
        {
            "audit": audit,
            "case": audit.case,
            "document": document,
            "page": current,
            "page_number": index + 1,
            "page_count": len(pages),
            "is_last": index + 1 == len(pages),
            "form": state.form,
            "formset": state.formset,
            "section_row": state.form.section_row(),
            "field_errors": field_errors,
            "error_summary": _error_summary(state.form, field_errors, state.general),
            "action_gaps": [
                (key, message)
                for key, messages_ in field_errors.items()
                if fields.is_actions_gap(key)
                for message in messages_
            ],
            "conflict": state.conflict,
            "checking": bool(field_errors) and request.method == "GET",
            "blank_rows": blank_rows,
            "actions_for_section": [
                a
                for a in document.actions
                if current.item is not None and a.section_id == current.item.section.pk
            ],
        },
    )


def audit_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers: every task's status and every gap, each linked to the page that
    fixes it; "Complete audit" once there is none."""
    audit = _editable_audit(request, pk)
    if not audit.is_draft:
        return _read_only(request, audit)
    if request.method == "POST":
        form = CompleteForm(request.POST)
        if not form.is_valid() or form.cleaned_data["revision"] != audit.revision:
            messages.error(
                request,
                "The audit was saved since you checked it (in another window?): check it "
                "again before you complete it.",
            )
            return redirect("audit_check", audit.pk)
        result = services.SaveResult(audit=audit)
        return _after_save(
            request,
            audit,
            result,
            "complete",
            BLANK_ACTION_ROWS,
            next_step="check",
            back_step="check",
        )
    document = selectors.audit_document(audit=audit)
    problems = services.audit_completion_problems(audit)
    tasks = tasklist.audit_tasks(document=document, problems=problems)
    gaps = tasklist.gap_links(document=document, problems=problems)
    by_page: dict[str, list[tuple[str, str]]] = {}
    for page, key, message in gaps:
        if page is not None:
            by_page.setdefault(page.slug, []).append((key, message))
    return render(
        request,
        "audits/audit_check.html",
        {
            "audit": audit,
            "case": audit.case,
            "document": document,
            "rows": [(task, by_page.get(task.page.slug, [])) for task in tasks],
            "gaps": gaps,
            "unplaced_gaps": [message for page, _key, message in gaps if page is None],
            "form": CompleteForm(initial={"revision": audit.revision}),
            "pending": findings.pending_in_document(document=document),
        },
    )


def _after_save(
    request,
    audit,
    result,
    intent: str,
    blank_rows: int,
    *,
    next_step: str | None = None,
    back_step: str | None = None,
) -> HttpResponse:
    """Where a saved page (or a confirmed alert, `finding_views`) goes: first the question
    before alerting anyone, when a save left an urgent finding pending; then, completing, the
    audit page (or the check page with its gaps); else the page `next_step` names. The
    tokens travel through the question in its query string."""
    if next_step is None:
        next_step = _token(request.GET.get("next"))
    if back_step is None:
        back_step = _token(request.GET.get("back"))
    if intent in ("save", "complete") and findings.pending_triggers(audit=audit):
        # Saved, and nobody alerted yet: the auditor is asked first (finding_views).
        confirm_url = reverse("audit_confirm_alert", args=[audit.pk])
        query = urlencode(
            {"intent": intent, "rows": blank_rows, "next": next_step, "back": back_step}
        )
        return redirect(f"{confirm_url}?{query}")
    raised = (
        " An urgent finding was raised: the case's Team Manager and Practice Supervisor have "
        "been told."
        if result.findings_raised
        else ""
    )
    if intent == "complete":
        try:
            workflows.audit_complete(audit=audit, by=request.user)
        except ValidationError as error:
            if raised:
                messages.warning(request, raised.strip())
            if not hasattr(error, "error_dict"):
                messages.error(request, error.messages[0])
            # Not whole yet (or changed meanwhile): the check page shows what is left.
            return redirect("audit_check", audit.pk)
        messages.success(request, "Audit completed." + raised)
        return redirect("audit_detail", audit.pk)
    saved_at = timezone.localtime(result.audit.updated_at).strftime("%H:%M")
    if raised:
        messages.warning(request, f"Draft saved at {saved_at}.{raised}")
    else:
        messages.success(request, f"Draft saved at {saved_at}.")
    if intent == "add_action":
        more = min(blank_rows + BLANK_ACTION_ROWS, MAX_BLANK_ACTION_ROWS)
        actions_url = _destination(audit, tasklist.ACTIONS)
        return redirect(f"{actions_url}?rows={more}#restorative-actions")
    return redirect(_destination(audit, next_step))


def _last_saved(audit) -> str:
    """The form's "Last saved" line."""
    text = date_format(timezone.localtime(audit.updated_at), "j F Y, H:i")
    staff = staff_for_user(audit.updated_by) if audit.updated_by_id else None
    return f"{text} by {staff.name}" if staff is not None else text


@require_POST
def audit_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """A page of the audit saving itself (its "page" field names it): the same save, and the
    same revision check, as "Save and continue", answered in JSON for the page's script:
    200 {"revision", "saved_at", "last_saved", "actions" (each action row's id now, on the
    actions page), "urgent"}; 409 {"conflict"} when the audit was saved elsewhere since (or
    completed); 400 {"message", "errors"} when an answer needs correcting (nothing saved).
    Only the page's own answers are saved: the rest of the audit is left as it is."""
    audit = _editable_audit(request, pk)
    document = selectors.audit_document(audit=audit)
    page = tasklist.page_get(tasklist.audit_pages(document), request.POST.get("page", ""))
    invalid = {"message": "Some answers need correcting: choose “Save and continue” to see them."}
    if page is None:
        return JsonResponse(invalid | {"errors": {"page": ["No such page"]}}, status=400)
    form = AuditForm(request.POST, page=page)
    formset = (
        action_formset(data=request.POST, **_formset_kwargs(audit, document, 1))
        if page.kind == tasklist.ACTIONS
        else None
    )
    if not (form.is_valid() and (formset is None or formset.is_valid())):
        return JsonResponse(invalid | {"errors": _form_errors(form, formset)}, status=400)
    data = form.to_data()
    rows = action_rows(formset) if formset is not None else []
    if formset is not None:
        data["actions"] = rows
    try:
        result = services.audit_save(
            audit=audit,
            by=request.user,
            data=data,
            revision=form.cleaned_data["revision"],
            raise_findings=False,
        )
    except services.ConflictError as error:
        return JsonResponse({"conflict": error.message + "."}, status=409)
    except ValidationError as error:
        if getattr(error, "code", None) == "completed":
            return JsonResponse({"conflict": error.messages[0]}, status=409)
        errors = dict(error.message_dict) if hasattr(error, "error_dict") else {}
        return JsonResponse(invalid | {"errors": errors}, status=400)
    saved = result.audit
    return JsonResponse(
        {
            "revision": saved.revision,
            "saved_at": timezone.localtime(saved.updated_at).strftime("%H:%M"),
            "last_saved": _last_saved(saved),
            "actions": _action_row_ids(audit, formset, rows) if formset is not None else {},
            # An autosave raises no urgent finding (audit_save, raise_findings): "Save and
            # continue" or "Complete audit" does, once the auditor has settled on the scale.
            "urgent": "",
        }
    )


def _action_row_ids(audit, formset, rows: list[dict]) -> dict[str, str]:
    """Each action row's saved id (by its field name, e.g. "actions-3-id"), "" for a row that
    holds no action now (blank or removed), so that the page's next save updates the actions
    this one created instead of adding them again."""
    kept = [r for r in rows if (r.get("description") or "").strip() or r.get("due_on")]
    ids = [r.get("id") for r in kept]
    if any(pk is None for pk in ids):
        # New actions were created: the service numbers the kept rows 1, 2, ... in order.
        ids = [a.pk for a in selectors.audit_document(audit=audit).actions]
    by_key = dict(zip((r["key"] for r in kept), ids, strict=False))
    return {f"{row.prefix}-id": str(by_key.get(row.prefix) or "") for row in formset.forms}


# --- Discard ----------------------------------------------------------------------------


def audit_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """The auditor discards their draft, saying why (GET: the confirm page)."""
    audit = _editable_audit(request, pk)
    refusal = policy.discard_refusal(user=request.user, audit=audit)
    if refusal:
        messages.info(request, refusal)
        return redirect("audit_detail", audit.pk)
    form = DiscardForm(request.POST or None, initial={"revision": audit.revision})
    if request.method == "POST" and form.is_valid():
        try:
            workflows.audit_discard(
                audit=audit,
                by=request.user,
                reason=form.cleaned_data["reason"],
                revision=form.cleaned_data["revision"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "Draft discarded. It is kept, read-only, with your reason in the case’s history.",
            )
            return redirect("case_detail", audit.case_id)
    return render(
        request,
        "audits/audit_discard.html",
        {"audit": audit, "case": audit.case, "form": form},
    )


# --- The audit as a document ------------------------------------------------------------


def _render_detail(request, audit, *, reopen_form=None, status=200) -> HttpResponse:
    document = selectors.audit_document(audit=audit)
    can_acknowledge = bool(document.open_findings) and policy.can_acknowledge(
        request.user, document.open_findings[0]
    )
    can_reopen = audit.is_completed and policy.can_reopen(request.user, audit)
    if can_reopen and reopen_form is None:
        reopen_form = ReopenForm()
    return render(
        request,
        "audits/audit_detail.html",
        {
            "audit": audit,
            "case": audit.case,
            "document": document,
            # Its moderator, until they compare, sees none of the auditor's scales.
            "scales_hidden": selectors.scales_hidden_for(user=request.user, audit=audit),
            "history": selectors.audit_history(audit=audit),
            "can_edit": audit.is_draft and policy.can_edit(request.user, audit),
            "can_discard": policy.can_discard(request.user, audit),
            "can_acknowledge": can_acknowledge,
            "finding_items": findings.document_finding_items(user=request.user, document=document),
            "acknowledge_form": AcknowledgeForm() if can_acknowledge else None,
            "reopen_form": reopen_form if can_reopen else None,
            "form": reopen_form,  # for the error summary
        },
        status=status,
    )


def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = selectors.audit_get(user=request.user, pk=pk)
    _log(request, audit)
    return _render_detail(request, audit)


def audit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit as a PDF download, for anyone who may see the audit (logged as a download)."""
    audit = selectors.audit_get(user=request.user, pk=pk)
    content = pdf.audit_pdf_bytes(
        audit, scales_hidden=selectors.scales_hidden_for(user=request.user, audit=audit)
    )
    access_record(
        request=request,
        action="download",
        object_type=AccessObjectType.AUDIT,
        object_id=audit.pk,
        case_id=audit.case_id,
    )
    return attachment(
        content, content_type="application/pdf", filename=pdf.audit_pdf_filename(audit)
    )


@require_POST
def audit_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    audit = selectors.audit_get(user=request.user, pk=pk)
    _log(request, audit)
    if not policy.can_reopen(request.user, audit):
        raise PermissionDenied("Only a manager responsible for the case can reopen its audit.")
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            workflows.audit_reopen(audit=audit, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Audit reopened: the auditor has been told.")
            return redirect("audit_detail", audit.pk)
    return _render_detail(request, audit, reopen_form=form)


# The urgent findings' pages (acknowledge, withdraw, confirm an alert) are in finding_views.py.
