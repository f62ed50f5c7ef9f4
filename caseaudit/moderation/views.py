"""Moderation pages: the index (what the user has to moderate, their moderated audits, the
samples), a month's sample (review, swap, confirm), one moderation (blind scaling, the
comparison, completion, the replies) and referring an audit. Thin: the rules are in
`policy`, `selectors` and `services`."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.workflows import moderation as workflows

from . import policy, selectors, services
from .forms import ReferForm, ReplyForm, SampleForm
from .models import ModerationStatus


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value + "-01")
    except ValueError as error:
        raise Http404("No such month") from error


def _require_runner(request: HttpRequest) -> None:
    if not policy.can_run_samples(request.user):
        raise Http404("Not available")


def moderation_index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    runner = policy.can_run_samples(request.user)
    return render(
        request,
        "moderation/index.html",
        {
            "lists": selectors.moderation_list(user=request.user),
            "samples": list(selectors.sample_list(user=request.user)) if runner else [],
            "can_run": runner,
            "can_refer": policy.can_refer(request.user),
            "form": SampleForm(today=today) if runner else None,
            "nav_active": "moderation",
        },
    )


@require_POST
def moderation_sample_generate(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_runner(request)
    form = SampleForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("moderation_index")
    month = form.cleaned_data["month"]
    try:
        services.sample_generate(
            month=month,
            seed=form.cleaned_data["seed"],
            share=form.cleaned_data["share"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("moderation_index")
    messages.success(request, f"Draft moderation sample drawn for {month:%B %Y}.")
    return redirect("moderation_sample", month=month.strftime("%Y-%m"))


def moderation_sample(request: HttpRequest, month: str) -> HttpResponse:
    sample = selectors.sample_get(user=request.user, month=_month(month))
    rows = selectors.sample_rows(sample=sample)
    access_record(
        request=request,
        object_type=AccessObjectType.PROGRAMME,
        object_id=f"moderation:{sample.label}",
    )
    swappable = [
        m for m in rows if m.status in (ModerationStatus.PROPOSED, ModerationStatus.ASSIGNED)
    ]
    choices = selectors.eligible_moderators_for(moderations=swappable)
    return render(
        request,
        "moderation/sample.html",
        {
            "sample": sample,
            "rows": [(m, choices.get(m.pk)) for m in rows],
            "missing": sum(1 for m in rows if m.moderator_id is None),
            "nav_active": "moderation",
        },
    )


@require_POST
def moderation_sample_confirm(request: AuthenticatedHttpRequest, month: str) -> HttpResponse:
    sample = selectors.sample_get(user=request.user, month=_month(month))
    try:
        services.sample_confirm(sample=sample, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"The moderation sample of {sample.month:%B %Y} is confirmed: "
            "its moderators have been told.",
        )
    return redirect("moderation_sample", month=sample.label)


@require_POST
def moderation_swap(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _require_runner(request)
    moderation = selectors.moderation_get(user=request.user, pk=pk)
    choices = {s.pk: s for s in selectors.eligible_moderators(moderation=moderation)}
    try:
        moderator = choices[int(request.POST.get("moderator", ""))]
    except (KeyError, ValueError):
        messages.error(request, "Choose a moderator from the list.")
    else:
        try:
            services.sample_swap(moderation=moderation, moderator=moderator, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{moderator.name} will moderate the audit of case "
                f"{moderation.audit.case.reference}.",
            )
    return redirect("moderation_sample", month=moderation.sample.label)


def _posted_sections(request: HttpRequest, rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {
        r["section"].pk: {
            "scale": request.POST.get(f"scale-{r['section'].pk}", ""),
            "rationale": request.POST.get(f"rationale-{r['section'].pk}", ""),
        }
        for r in rows
        if r["section"].scaled
    }


def moderation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    moderation = selectors.moderation_get(user=request.user, pk=pk)
    audit = moderation.audit
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=audit.pk,
        case_id=audit.case_id,
    )
    rows = selectors.moderation_sections(moderation=moderation)
    errors: list[str] = []
    if request.method == "POST":
        if not policy.can_moderate(request.user, moderation):
            raise PermissionDenied("Only its moderator changes a moderation.")
        action = request.POST.get("action", "save")
        try:
            moderation = services.moderation_save(
                moderation=moderation,
                by=request.user,
                revision=int(request.POST.get("revision") or 0),
                sections=_posted_sections(request, rows),
                overall_scale=request.POST.get("overall_scale", ""),
                overall_rationale=request.POST.get("overall_rationale", ""),
            )
            if action == "compare":
                services.moderation_reveal(moderation=moderation, by=request.user)
                messages.success(
                    request, "Your scales are fixed. Here is how they compare with the auditor's."
                )
            elif action == "complete":
                workflows.moderation_complete(moderation=moderation, by=request.user)
                messages.success(request, "Moderation completed. The auditor has been told.")
            else:
                messages.success(request, "Saved.")
            return redirect("moderation_detail", pk=moderation.pk)
        except ValidationError as error:
            errors = error.messages
            moderation = selectors.moderation_get(user=request.user, pk=pk)
            rows = selectors.moderation_sections(moderation=moderation)
            posted = _posted_sections(request, rows)
            for r in rows:
                if r["section"].pk in posted:
                    r["scale"] = (
                        posted[r["section"].pk]["scale"]
                        if not moderation.is_revealed
                        else r["scale"]
                    )
                    r["rationale"] = posted[r["section"].pk]["rationale"]
    shows = policy.shows_auditor_scales(request.user, moderation)
    return render(
        request,
        "moderation/detail.html",
        {
            "moderation": moderation,
            "audit": audit,
            "rows": rows,
            "shows_auditor": shows,
            "editing": policy.can_moderate(request.user, moderation),
            "can_reply": policy.can_reply(request.user, moderation),
            "replies": list(moderation.replies.select_related("author"))
            if moderation.is_completed
            else [],
            "actions": selectors.audit_actions(moderation=moderation),
            "reply_form": ReplyForm(),
            "errors": errors,
            "overall_rationale": request.POST.get("overall_rationale", moderation.overall_rationale)
            if errors
            else moderation.overall_rationale,
            "overall_value": request.POST.get("overall_scale", "")
            if errors and not moderation.is_revealed
            else moderation.overall_scale,
            "scale_points": range(11),
            "is_runner": policy.can_run_samples(request.user),
            "nav_active": "moderation",
        },
    )


@require_POST
def moderation_reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    moderation = selectors.moderation_get(user=request.user, pk=pk)
    access_record(
        request=request,
        action="change",
        object_type=AccessObjectType.AUDIT,
        object_id=moderation.audit_id,
        case_id=moderation.audit.case_id,
    )
    if not policy.can_reply(request.user, moderation):
        raise PermissionDenied("Only the auditor and the moderator reply.")
    form = ReplyForm(request.POST)
    if form.is_valid():
        services.moderation_reply(
            moderation=moderation, by=request.user, text=form.cleaned_data["text"]
        )
        messages.success(request, "Reply sent.")
    else:
        messages.error(request, "Write your reply.")
    return redirect(reverse("moderation_detail", args=[moderation.pk]) + "#replies")


def moderation_refer(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.can_refer(request.user):
        raise Http404("Not available")
    audits = list(selectors.referable_audits(user=request.user))
    access_record(
        request=request, object_type=AccessObjectType.CASE_LIST, object_id="moderation-refer"
    )
    form = ReferForm(
        request.POST or None, audits=audits, initial={"audit": request.GET.get("audit")}
    )
    if request.method == "POST" and form.is_valid():
        audit = form.audits[form.cleaned_data["audit"]]
        try:
            services.referral_create(
                audit=audit, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"The audit of case {audit.case.reference} is referred: "
                "the next moderation sample takes it in.",
            )
            return redirect("moderation_index")
    return render(
        request,
        "moderation/refer.html",
        {"form": form, "staff": staff_for_user(request.user), "nav_active": "moderation"},
    )
