"""Pages of self-evaluation packs. Thin: the rules are in `policy`, the reads in `selectors`,
the writes in `services`; every page reads the pack's stored snapshot, never the audits."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.downloads import attachment
from caseaudit.core.forms import add_service_errors, service_outcome
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.improvement.forms import ReviewerForm, ReviewForm
from caseaudit.organisation.models import ServiceArea

from . import documents, policy, selectors, services
from .charts import pack_charts
from .forms import PackCreateForm, PackEditForm
from .models import PARTS, PackScope, PackStatus, SelfEvaluationPack
from .periods import LAST_12_COMPLETE

NAV = "improvement"


def _log(request: HttpRequest, pack: SelfEvaluationPack, action: str = "view") -> None:
    access_record(
        request=request,
        action=action,
        object_type=AccessObjectType.REPORT,
        object_id=f"self-evaluation-{pack.pk}",
    )


def selfeval_index(request: HttpRequest) -> HttpResponse:
    """The packs the user may open, and the way to start one."""
    if not policy.can_open_packs(request.user):
        raise Http404("Self-evaluation packs are for senior managers and Performance Assurance")
    return render(
        request,
        "selfeval/index.html",
        {
            "packs": list(selectors.pack_list(user=request.user)[:100]),
            "can_prepare": policy.can_prepare(request.user),
            "nav_active": NAV,
        },
    )


def selfeval_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.can_prepare(request.user):
        raise Http404("Packs are prepared by Performance Assurance and CSMs")
    staff = policy.active_staff(request.user)
    if policy.is_performance_team(staff):
        services_qs, kinds = ServiceArea.objects.order_by("name"), PackScope.values
    else:
        area = staff.effective_service_area_id if staff else None
        own = ServiceArea.objects.filter(pk=area) if area else ServiceArea.objects.none()
        services_qs, kinds = own, [PackScope.SERVICE]
    today = timezone.localdate()
    form = PackCreateForm(
        request.POST or None,
        services=services_qs,
        kinds=kinds,
        today=today,
        initial={"period": LAST_12_COMPLETE, "title": f"Self-evaluation {today:%B %Y}"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pack = services.pack_create(
                by=request.user,
                title=data["title"],
                scope_kind=data["scope_kind"],
                service=data.get("service"),
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "Draft started. Its figures are counted in the background: each part's "
                "narrative starts as a draft generated from them, for you to rewrite.",
            )
            return redirect("selfeval_pack", pk=pack.pk)
    return render(request, "selfeval/pack_new.html", {"form": form, "nav_active": NAV})


def _body_context(pack: SelfEvaluationPack) -> dict[str, Any]:
    figures = pack.figures or {}
    return {
        "pack": pack,
        "snap": figures,
        "charts": pack_charts(figures) if pack.has_figures else {},
        "parts": [(key, heading, pack.narrative(key)) for key, heading in PARTS],
    }


def selfeval_pack(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(user=request.user, pk=pk)
    _log(request, pack)
    user = request.user
    reviewer_form = None
    if policy.can_send_for_review(user, pack) and pack.has_figures and not pack.figures_pending:
        reviewer_form = ReviewerForm(reviewers=selectors.reviewer_choices(pack=pack))
    return render(
        request,
        "selfeval/pack_detail.html",
        _body_context(pack)
        | {
            "history": selectors.pack_history(pack=pack),
            "can_edit": policy.can_edit(user, pack),
            "can_refresh": policy.can_edit(user, pack) and pack.figures_may_be_asked(),
            "reviewer_form": reviewer_form,
            "review_form": ReviewForm() if policy.can_review(user, pack) else None,
            "can_publish": policy.can_publish(user, pack),
            "nav_active": NAV,
        },
    )


def selfeval_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(user=request.user, pk=pk)
    _log(request, pack)
    if not policy.can_edit(request.user, pack):
        raise PermissionDenied("Only the author edits the draft")
    if request.method == "POST":
        form = PackEditForm(request.POST)
    else:
        form = PackEditForm(
            initial={"revision": pack.revision, "title": pack.title}
            | {f"narrative_{key}": pack.narrative(key) for key, _heading in PARTS}
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pack_save(
                pack=pack,
                by=request.user,
                revision=data["revision"],
                title=data["title"],
                narrative={key: data[f"narrative_{key}"] for key, _heading in PARTS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Narrative saved.")
            return redirect("selfeval_pack", pk=pack.pk)
    drafts = (pack.figures or {}).get("drafts", {})
    return render(
        request,
        "selfeval/pack_edit.html",
        {
            "pack": pack,
            "form": form,
            "fields": [
                (form[f"narrative_{key}"], drafts.get(key, ""), heading) for key, heading in PARTS
            ],
            "nav_active": NAV,
        },
    )


def _post_outcome(
    request: HttpRequest, pack: SelfEvaluationPack, run: Callable[[], Any], success: str
) -> HttpResponse:
    service_outcome(request, run, success=success)
    return redirect("selfeval_pack", pk=pack.pk)


@require_POST
def selfeval_refresh(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(user=request.user, pk=pk)
    _log(request, pack)
    if not policy.can_edit(request.user, pack):
        raise PermissionDenied("Only the author refreshes a draft's figures")
    return _post_outcome(
        request,
        pack,
        lambda: services.pack_refresh(pack=pack, by=request.user),
        "The figures are being counted again from today's data. Your narrative is unchanged: "
        "check it still matches them once they are ready.",
    )


@require_POST
def selfeval_send_for_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(user=request.user, pk=pk)
    _log(request, pack)
    if not policy.can_send_for_review(request.user, pack):
        raise PermissionDenied("Only the author sends the draft for review")
    form = ReviewerForm(request.POST, reviewers=selectors.reviewer_choices(pack=pack))
    if not form.is_valid():
        messages.error(request, "Choose the senior manager to review it.")
        return redirect("selfeval_pack", pk=pack.pk)
    reviewer = form.cleaned_data["reviewer"]
    return _post_outcome(
        request,
        pack,
        lambda: services.pack_send_for_review(pack=pack, by=request.user, reviewer=reviewer),
        f"Sent to {reviewer.name} for review.",
    )


@require_POST
def selfeval_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(user=request.user, pk=pk)
    _log(request, pack)
    if not policy.can_review(request.user, pack):
        raise PermissionDenied("Only the named reviewer reviews the pack")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to approve it or return it.")
        return redirect("selfeval_pack", pk=pack.pk)
    approve = form.cleaned_data["decision"] == "approve"
    return _post_outcome(
        request,
        pack,
        lambda: services.pack_review(
            pack=pack, by=request.user, approve=approve, comment=form.cleaned_data["comment"]
        ),
        "Approved for publishing." if approve else "Returned to the author with your comments.",
    )


@require_POST
def selfeval_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(user=request.user, pk=pk)
    _log(request, pack)
    if not policy.can_publish(request.user, pack):
        raise PermissionDenied("Only the author publishes the pack once it is approved")
    return _post_outcome(
        request,
        pack,
        lambda: services.pack_publish(pack=pack, by=request.user),
        "Published: this version is fixed and its readers are told.",
    )


def _published(request: HttpRequest, pk: int) -> SelfEvaluationPack:
    pack = selectors.pack_get(user=request.user, pk=pk)
    if pack.status != PackStatus.PUBLISHED:
        raise Http404("Files are made of published packs")
    return pack


def selfeval_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _published(request, pk)
    content = documents.pack_pdf(pack=pack, user=request.user)
    _log(request, pack, "export")
    return attachment(
        content, content_type="application/pdf", filename=documents.filename(pack, ".pdf")
    )


def selfeval_docx(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _published(request, pk)
    content = documents.pack_docx(pack=pack, user=request.user)
    _log(request, pack, "export")
    return attachment(
        content, content_type=documents.DOCX_TYPE, filename=documents.filename(pack, ".docx")
    )
