"""Campaign pages: the list, setting one up and changing its draft (with the sample's
preview), confirming and closing it, its progress, its report, and an auditor starting one of
its audits. Thin: the rules are in policy.py, services.py and selectors.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.organisation.selectors import staff_for_user

from . import policy, selectors, services
from .forms import CampaignForm, CloseForm
from .models import CampaignStatus


def _log_cases(request: HttpRequest, pk: int) -> None:
    """A campaign page lists children's cases: one access-log entry per page."""
    access_record(
        request=request, object_type=AccessObjectType.CASE_LIST, object_id=f"campaign-{pk}"
    )


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            field = name if name in form.fields else None
            for message in errors:
                form.add_error(
                    field, message.messages[0] if hasattr(message, "messages") else message
                )
    else:
        for message in error.messages:
            form.add_error(None, message)


def campaign_list(request: HttpRequest) -> HttpResponse:
    if not policy.can_open_campaigns(request.user):
        raise Http404("Not available")
    campaigns = list(selectors.campaign_list(user=request.user))
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": campaigns,
            "can_create": policy.can_create(request.user),
            "nav_active": "campaigns",
        },
    )


def campaign_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    staff = staff_for_user(request.user)
    scope = policy.creator_scope(staff)
    if scope is None:
        raise Http404("Not available")
    form = CampaignForm(request.POST if request.method == "POST" else None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                by=request.user,
                data=form.service_data(),
                auditors=list(form.cleaned_data["auditors"]),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, "Campaign set up as a draft: check its sample, then confirm it."
            )
            return redirect("campaign_detail", campaign.pk)
    return render(
        request,
        "campaigns/form.html",
        {"form": form, "scope": scope, "campaign": None, "nav_active": "campaigns"},
    )


def _managed_draft(request: HttpRequest, pk: int):
    access = selectors.campaign_get(user=request.user, pk=pk)
    if not access.manages:
        raise Http404("Not available")
    return access.campaign


def campaign_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    campaign = _managed_draft(request, pk)
    if not campaign.is_draft:
        messages.info(request, "A confirmed campaign is not changed: close it and set up another.")
        return redirect("campaign_detail", campaign.pk)
    scope = selectors.scope_of(campaign)
    form = CampaignForm(
        request.POST if request.method == "POST" else None, scope=scope, campaign=campaign
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(
                campaign=campaign,
                by=request.user,
                revision=form.cleaned_data.get("revision") or 0,
                data=form.service_data(),
                auditors=list(form.cleaned_data["auditors"]),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Campaign changed: check its sample again.")
            return redirect("campaign_detail", campaign.pk)
    return render(
        request,
        "campaigns/form.html",
        {"form": form, "scope": scope, "campaign": campaign, "nav_active": "campaigns"},
    )


def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = selectors.campaign_get(user=request.user, pk=pk)
    campaign = access.campaign
    _log_cases(request, campaign.pk)
    context = {
        "campaign": campaign,
        "access": access,
        "nav_active": "campaigns",
        "scope": selectors.scope_of(campaign),
        "criteria": selectors.campaign_criteria_words(campaign=campaign),
    }
    if access.manages:
        context["invitations"] = selectors.campaign_invitations(campaign=campaign)
        context["events"] = selectors.campaign_events(campaign=campaign)
        if campaign.is_draft:
            sample = selectors.campaign_sample(campaign=campaign)
            context["sample"] = sample
            context["explanation"] = selectors.sample_explanation(campaign=campaign, sample=sample)
        else:
            context["progress"] = selectors.campaign_progress(campaign=campaign)
            context["close_form"] = CloseForm()
    if access.invited and not campaign.is_draft:
        context["mine"] = selectors.campaign_progress(
            campaign=campaign, auditor=staff_for_user(request.user)
        )
    return render(request, "campaigns/detail.html", context)


@require_POST
def campaign_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    campaign = _managed_draft(request, pk)
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = -1
    try:
        services.campaign_confirm(
            campaign=campaign,
            by=request.user,
            revision=revision,
            fingerprint=request.POST.get("fingerprint", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Campaign confirmed: its auditors have been told.")
    return redirect("campaign_detail", campaign.pk)


@require_POST
def campaign_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    campaign = _managed_draft(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the campaign is closed early.")
        return redirect("campaign_detail", campaign.pk)
    try:
        services.campaign_close(
            campaign=campaign, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Campaign closed: its cases are no longer assigned.")
    return redirect("campaign_detail", campaign.pk)


def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The quality and findings figures of the campaign's own audits: its managers only."""
    campaign = _managed_draft(request, pk)
    if campaign.status == CampaignStatus.DRAFT:
        raise Http404("A draft has no report")
    access_record(request=request, object_type=AccessObjectType.REPORT, object_id=f"campaign-{pk}")
    report = selectors.campaign_report(campaign=campaign)
    return render(
        request,
        "campaigns/report.html",
        {"campaign": campaign, "report": report, "nav_active": "campaigns"},
    )


@require_POST
def campaign_case_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The auditor starts (or continues) their audit of one of the campaign's cases."""
    item = selectors.campaign_case_get(user=request.user, pk=pk)
    access_record(
        request=request,
        object_type=AccessObjectType.CASE,
        object_id=item.case_id,
        case_id=item.case_id,
    )
    try:
        audit = services.campaign_audit_start(item=item, by=request.user)
    except ValidationError as error:
        if getattr(error, "code", None) == "draft_exists" and error.params:
            return redirect("audit_edit", error.params["audit_id"])
        messages.error(request, " ".join(error.messages))
        return redirect("campaign_detail", item.campaign_id)
    messages.success(request, "Audit started. Save a draft whenever you need to.")
    return redirect("audit_edit", audit.pk)
