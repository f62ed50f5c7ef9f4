"""Pages of the QA Response workflow: the response (the worker's form, the supervisor's
authorise and return forms, the actions and the history), "My responses" and the Team
Manager's page of everything outstanding. Every view of a response is written to the access
log."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.audits.models import ActionStatus
from caseaudit.core.forms import add_service_errors
from caseaudit.organisation.selectors import staff_for_user

from . import drafts, policy, selectors, services
from .forms import (
    AnswerForm,
    ReopenActionForm,
    ReturnForm,
    SubmitForm,
    answer_initial,
    submit_initial,
)
from .models import WITH_WORKER, EventKind, ResponseStatus


def _log(request, response) -> None:
    access_record(
        request=request,
        object_type=AccessObjectType.QA_RESPONSE,
        object_id=response.pk,
        case_id=response.case_id,
    )


@dataclass
class ActionView:
    item: selectors.ActionItem
    can_resolve: bool
    can_agree: bool
    resolve_form: AnswerForm | None = None
    reopen_form: ReopenActionForm | None = None
    reopened_because: str = ""  # why a manager reopened it, while it is open


def _action_views(staff, response, document, *, today, bound_action_form) -> list[ActionView]:
    """Each action of the response with what this person may do to it, and its forms (the
    posted one, with its errors, in place of a fresh one)."""
    # Once the response is submitted, an action left open (reopened by a manager, or added
    # when the audit was reopened) is answered on its own; its resolved actions are agreed by
    # authorising the response, and one at a time only once it is authorised.
    answered_alone = response.status not in WITH_WORKER
    authorised = response.status == ResponseStatus.AUTHORISED
    reopened = {
        event.detail.get("action"): event.detail.get("reason", "")
        for event in document.history  # oldest first: the latest reason wins
        if event.kind == EventKind.ACTION_REOPENED
    }
    actions = []
    for item in document.actions:
        action = item.action
        view = ActionView(
            item=item,
            can_resolve=answered_alone
            and action.status == ActionStatus.OPEN
            and policy.can_resolve(staff, action, response),
            can_agree=authorised
            and item.awaits_agreement
            and policy.can_agree(staff, action, response),
            reopened_because=(
                reopened.get(action.pk, "") if action.status == ActionStatus.OPEN else ""
            ),
        )
        if view.can_resolve:
            view.resolve_form = AnswerForm(
                prefix=f"resolve-{action.pk}",
                number=item.number,
                today=today,
                initial=answer_initial(item.answer) if item.answer else None,
            )
        if view.can_agree:
            view.reopen_form = ReopenActionForm(prefix=f"reopen-{action.pk}")
        if bound_action_form is not None and bound_action_form.prefix.endswith(f"-{action.pk}"):
            if isinstance(bound_action_form, AnswerForm):
                view.resolve_form = bound_action_form
            else:
                view.reopen_form = bound_action_form
        actions.append(view)
    return actions


def _render(
    request,
    response,
    *,
    submit_form=None,
    return_form=None,
    bound_action_form=None,
    status: int = 200,
) -> HttpResponse:
    staff = staff_for_user(request.user)
    document = selectors.response_document(response=response)
    today = timezone.localdate()
    can_submit = staff is not None and staff.pk == response.worker_id and response.is_with_worker
    can_authorise = response.status == ResponseStatus.SUBMITTED and policy.can_authorise(
        staff, response
    )
    draft = None
    if can_submit and submit_form is None:
        initial = submit_initial(document)
        draft = drafts.response_draft_for_form(response=response)
        if draft is not None:
            initial.update(draft.values)
        submit_form = SubmitForm(items=document.actions, initial=initial, today=today)
    if can_authorise and return_form is None:
        return_form = ReturnForm()
    actions = _action_views(
        staff, response, document, today=today, bound_action_form=bound_action_form
    )
    error_form = next(
        (f for f in (submit_form, return_form, bound_action_form) if f is not None and f.errors),
        None,
    )
    return render(
        request,
        "responses/response_detail.html",
        {
            "response": response,
            "audit": response.audit,
            "case": response.case,
            "document": document,
            "actions": actions,
            "submit_form": submit_form if can_submit else None,
            "draft": draft,
            "draft_revision": (
                drafts.response_draft_revision(response=response) if can_submit else 0
            ),
            "return_form": return_form if can_authorise else None,
            "can_authorise": can_authorise,
            "form": error_form,  # for the error summary
            "is_overdue": response.is_overdue(today),
            "nav_active": "responses",
        },
        status=status,
    )


def _draft_values(request, fields) -> dict:
    """The worker's typed answers in a post, by field name (a missing field is empty)."""
    return {name: request.POST.get(name, "") for name in fields}


def _posted_revision(request) -> int | None:
    try:
        return int(request.POST.get("draft_revision", ""))
    except ValueError:
        return None


def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The response page; the worker's form posts here: "Submit response" (the default) or
    "Save draft" (`intent=save`, kept until it is submitted, as the autosave keeps it)."""
    response = selectors.response_get(user=request.user, pk=pk)
    _log(request, response)
    if request.method != "POST":
        return _render(request, response)
    staff = staff_for_user(request.user)
    if staff is None or staff.pk != response.worker_id:
        raise PermissionDenied("Only the worker asked for this response can submit it.")
    document = selectors.response_document(response=response)
    form = SubmitForm(request.POST, items=document.actions, today=timezone.localdate())
    if request.POST.get("intent") == "save":
        return _save_draft(request, response, form)
    if form.is_valid():
        try:
            services.response_submit(
                response=response,
                by=request.user,
                acknowledgement=form.cleaned_data.get("acknowledgement", ""),
                action_answers=form.answers(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            drafts.response_draft_discard(response=response)
            messages.success(request, "Response submitted: your supervisor has been told.")
            return redirect("response_detail", response.pk)
    return _render(request, response, submit_form=form)


def _save_draft(request, response, form: SubmitForm) -> HttpResponse:
    """The "Save draft" button: the typed answers kept as the draft (not checked until they
    are submitted), with the same revision check as the autosave. A conflict or a refusal
    shows on the form, which keeps what was typed."""
    form.is_valid()  # every field is optional text: only for the form to show it again
    revision = _posted_revision(request)
    if revision is None:
        form.add_error(None, "The page did not say which draft it holds: reload it.")
        return _render(request, response, submit_form=form)
    try:
        draft = drafts.response_draft_save(
            response=response,
            by=request.user,
            values=_draft_values(request, form.fields),
            revision=revision,
        )
    except drafts.DraftConflict as conflict:
        form.add_error(None, conflict.message)
        return _render(request, response, submit_form=form)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render(request, response, submit_form=form)
    saved_at = timezone.localtime(draft.saved_at).strftime("%H:%M")
    messages.success(
        request,
        f"Draft saved at {saved_at}. It is not submitted: your supervisor sees your answers "
        "when you submit them.",
    )
    return redirect(reverse("response_detail", args=[response.pk]) + "#your-response")


@require_POST
def response_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """The response page's autosave: the worker's typed answers saved as the draft, without
    submitting. Answers JSON: 200 {"revision", "saved_at"}; 409 {"conflict"} when the draft
    was saved in another window since; 400 {"message"}."""
    response = selectors.response_get(user=request.user, pk=pk)
    _log(request, response)
    staff = staff_for_user(request.user)
    if staff is None or staff.pk != response.worker_id:
        raise PermissionDenied("Only the worker asked for this response can save it.")
    revision = _posted_revision(request)
    if revision is None:
        return JsonResponse({"message": "The page did not say which draft it holds."}, status=400)
    document = selectors.response_document(response=response)
    fields = SubmitForm(items=document.actions).fields
    try:
        draft = drafts.response_draft_save(
            response=response,
            by=request.user,
            values=_draft_values(request, fields),
            revision=revision,
        )
    except drafts.DraftConflict as conflict:
        return JsonResponse({"conflict": conflict.message + "."}, status=409)
    except ValidationError as error:
        status = 409 if getattr(error, "code", None) == "state" else 400
        return JsonResponse({"message": " ".join(error.messages)}, status=status)
    return JsonResponse(
        {
            "revision": draft.revision,
            "saved_at": timezone.localtime(draft.saved_at).strftime("%H:%M"),
        }
    )


@require_POST
def response_return(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get(user=request.user, pk=pk)
    _log(request, response)
    if not policy.can_authorise(staff_for_user(request.user), response):
        raise PermissionDenied("You cannot return this response.")
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.response_return(
                response=response, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Response returned: the worker has been told why.")
            return redirect("response_detail", response.pk)
    return _render(request, response, return_form=form)


@require_POST
def response_authorise(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get(user=request.user, pk=pk)
    _log(request, response)
    if not policy.can_authorise(staff_for_user(request.user), response):
        raise PermissionDenied("You cannot authorise this response.")
    try:
        services.response_authorise(response=response, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Response authorised.")
    return redirect("response_detail", response.pk)


def _action_and_response(request, pk: int):
    action = selectors.action_get(user=request.user, pk=pk)
    response = selectors.response_get(user=request.user, pk=action.audit.qa_response.pk)
    _log(request, response)
    return action, response


def _after_action(request, response, form, error: ValidationError | None, done: str):
    if error is None:
        messages.success(request, done)
        return redirect(reverse("response_detail", args=[response.pk]) + "#actions")
    add_service_errors(form, error)
    return _render(request, response, bound_action_form=form)


@require_POST
def action_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    action, response = _action_and_response(request, pk)
    if not policy.can_resolve(staff_for_user(request.user), action, response):
        raise PermissionDenied("Only the action's owner can mark it resolved.")
    form = AnswerForm(
        request.POST,
        prefix=f"resolve-{action.pk}",
        number=services.action_number(action),
        today=timezone.localdate(),
    )
    form.is_valid()  # every field is optional text: the service checks them
    error = None
    try:
        services.action_resolve(
            action=action,
            by=request.user,
            what_done=form.cleaned_data["what_done"],
            done_on=form.cleaned_data["done_on"],
            evidence=form.cleaned_data["evidence"],
        )
    except ValidationError as e:
        error = e
    return _after_action(
        request, response, form, error, "Action marked resolved: a manager will agree it."
    )


@require_POST
def action_agree(request: HttpRequest, pk: int) -> HttpResponse:
    action, response = _action_and_response(request, pk)
    if not policy.can_agree(staff_for_user(request.user), action, response):
        raise PermissionDenied("You cannot agree this action is resolved.")
    try:
        services.action_agree(action=action, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Agreed: the action is closed.")
    return redirect(reverse("response_detail", args=[response.pk]) + "#actions")


@require_POST
def action_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    action, response = _action_and_response(request, pk)
    if not policy.can_agree(staff_for_user(request.user), action, response):
        raise PermissionDenied("You cannot reopen this action.")
    form = ReopenActionForm(request.POST, prefix=f"reopen-{action.pk}")
    form.is_valid()  # every field is optional: the service checks them
    error = None
    try:
        services.action_reopen(action=action, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as e:
        error = e
    return _after_action(
        request, response, form, error, "Action reopened: its owner has been told."
    )


def response_for_audit(request: HttpRequest, audit_pk: int) -> HttpResponse:
    """The audit page's link: go to the audit's response (404 if it has none, or the user may
    not see it). Costs the audit page no query."""
    response = selectors.response_for_audit_get(user=request.user, audit_pk=audit_pk)
    return redirect("response_detail", response.pk)


def response_list(request: HttpRequest) -> HttpResponse:
    """My responses: those I must write, those I may authorise, my actions and those I may
    agree are resolved."""
    mine = selectors.my_responses(user=request.user)
    access_record(request=request, object_type=AccessObjectType.RESPONSE_LIST, object_id="mine")
    return render(
        request,
        "responses/response_list.html",
        {
            "mine": mine,
            "today": timezone.localdate(),
            "has_team_page": selectors.overview_q(request.user) is not None,
            "nav_active": "responses",
        },
    )


def response_team(request: HttpRequest) -> HttpResponse:
    """The Team Manager's page: every outstanding response and open action in their scope."""
    try:
        team_id = int(request.GET.get("team") or 0) or None
    except ValueError:
        team_id = None
    overview = selectors.team_overview(user=request.user, team_id=team_id)
    if overview is None:
        raise Http404("This page is for managers")
    access_record(request=request, object_type=AccessObjectType.RESPONSE_LIST, object_id="team")
    return render(
        request,
        "responses/response_team.html",
        {"overview": overview, "nav_active": "responses"},
    )
