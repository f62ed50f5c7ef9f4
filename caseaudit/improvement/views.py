"""Pages of findings reports, improvement actions, follow-up audits and good practice. Thin:
the rules are in `policy`, the reads in `selectors`, the writes in `services`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.downloads import attachment
from caseaudit.core.forms import add_service_errors, service_outcome
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.organisation.models import ServiceArea, Team
from caseaudit.programme.followups import followup_months, followups_due
from caseaudit.reports.forms import ReportFilterForm, filter_querystring
from caseaudit.reports.periods import LAST_QUARTER, QUICK_PICKS, period_range
from caseaudit.reports.scope import report_scope, report_scope_or_404
from caseaudit.reports.text import excerpt

from . import documents, policy, selectors, services
from .forms import (
    ActionFilterForm,
    ActionUpdateForm,
    GoodPracticeDecisionForm,
    GoodPracticeForm,
    LibraryFilterForm,
    RecommendationFormSet,
    ReportCreateForm,
    ReportEditForm,
    ReviewerForm,
    ReviewForm,
)
from .models import FindingsReport, ReportStatus, ScopeKind
from .snapshot import compute_snapshot

NAV = "improvement"


def _log_report(request: HttpRequest, report: FindingsReport, action: str = "view") -> None:
    access_record(
        request=request,
        action=action,
        object_type=AccessObjectType.REPORT,
        object_id=f"findings-report-{report.pk}",
    )


# --- the index ---------------------------------------------------------------------------------


def improvement_index(request: HttpRequest) -> HttpResponse:
    """Findings reports the user may open, and the way to the actions, follow-ups and good
    practice."""
    reports = list(selectors.report_list(user=request.user)[:100])
    scope = report_scope(request.user)
    return render(
        request,
        "improvement/index.html",
        {
            "reports": reports,
            "can_author": policy.can_author(request.user),
            "can_view_actions": policy.can_view_actions(request.user),
            "can_view_followups": scope is not None and "quality" in scope.reports,
            "can_decide": policy.can_decide_any_good_practice(request.user),
            "nav_active": NAV,
        },
    )


# --- findings reports ---------------------------------------------------------------------------


def _author_choices(request: HttpRequest):
    staff = policy._staff(request.user)
    if policy.is_performance_team(staff):
        return (
            ServiceArea.objects.order_by("name"),
            Team.objects.select_related("service_area").order_by("name"),
            ScopeKind.values,
        )
    area = staff.effective_service_area_id if staff else None
    return (
        ServiceArea.objects.filter(pk=area),
        Team.objects.filter(service_area_id=area).order_by("name"),
        [ScopeKind.SERVICE, ScopeKind.TEAM],
    )


def report_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.can_author(request.user):
        raise Http404("Findings reports are written by Performance Assurance and CSMs")
    services_qs, teams, kinds = _author_choices(request)
    today = timezone.localdate()
    start, end = period_range(LAST_QUARTER, today)
    form = ReportCreateForm(
        request.POST or None,
        services=services_qs,
        teams=teams,
        kinds=kinds,
        initial={"period_start": start, "period_end": end},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_create(
                by=request.user,
                title=data["title"],
                scope_kind=data["scope_kind"],
                service=data.get("service"),
                team=data.get("team"),
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Draft started: write its overview and recommendations.")
            return redirect("improvement_report_edit", pk=report.pk)
    return render(request, "improvement/report_new.html", {"form": form, "nav_active": NAV})


def _snapshot(request: HttpRequest, report: FindingsReport) -> dict:
    """The published figures, or a draft's computed now over the reader's scope."""
    if report.is_published and report.figures:
        return report.figures
    scope = report_scope_or_404(request.user, "findings")
    snap = compute_snapshot(report=report, scope=scope, today=timezone.localdate())
    previous = selectors.previous_report_of(report=report)
    snap["previous"] = (
        None
        if previous is None
        else {
            "id": previous.pk,
            "title": previous.title,
            "published_on": timezone.localdate(previous.published_at).isoformat(),
            "actions": selectors.previous_actions_rows(report=previous),
        }
    )
    return snap


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    snap = _snapshot(request, report)
    _log_report(request, report)
    user = request.user
    reviewer_form = None
    if policy.can_send_for_review(user, report):
        reviewer_form = ReviewerForm(reviewers=selectors.reviewer_choices(report=report))
    return render(
        request,
        "improvement/report_detail.html",
        {
            "report": report,
            "snap": snap,
            "actions": selectors.report_actions(report=report),
            "history": selectors.report_history(report=report),
            "can_edit": policy.can_edit_report(user, report),
            "reviewer_form": reviewer_form,
            "review_form": ReviewForm() if policy.can_review(user, report) else None,
            "can_publish": policy.can_publish(user, report),
            "today": timezone.localdate(),
            "nav_active": NAV,
        },
    )


def report_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    if not policy.can_edit_report(request.user, report):
        _log_report(request, report)
        raise PermissionDenied("Only the author edits the draft")
    owners = selectors.action_owner_choices(report=report)
    actions = selectors.report_actions(report=report)
    initial_recs = [
        {"text": a.text, "theme": a.theme_id, "owner": a.owner_id, "due_on": a.due_on}
        for a in actions
    ]
    rows = max(len(initial_recs) + 2, 3)
    if request.method == "POST":
        form = ReportEditForm(request.POST)
        formset = RecommendationFormSet(request.POST, prefix="rec", owners=owners)
    else:
        form = ReportEditForm(
            initial={
                "revision": report.revision,
                "title": report.title,
                "overview": report.overview,
            }
        )
        formset = RecommendationFormSet(
            prefix="rec", owners=owners, initial=initial_recs + [{}] * (rows - len(initial_recs))
        )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        recs = [
            services.RecommendationIn(
                text=f.cleaned_data["text"],
                owner=f.cleaned_data["owner"],
                due_on=f.cleaned_data["due_on"],
                theme=f.cleaned_data.get("theme"),
            )
            for f in formset.forms
            if (f.cleaned_data.get("text") or "").strip()
        ]
        try:
            services.report_save(
                report=report,
                by=request.user,
                revision=form.cleaned_data["revision"],
                title=form.cleaned_data["title"],
                overview=form.cleaned_data["overview"],
                recommendations=recs,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Report saved.")
            return redirect("improvement_report", pk=report.pk)
    _log_report(request, report)
    return render(
        request,
        "improvement/report_edit.html",
        {
            "report": report,
            "form": form,
            "formset": formset,
            "suggestions": _snapshot(request, report).get("suggestions", []),
            "nav_active": NAV,
        },
    )


def _post_outcome(request: HttpRequest, report: FindingsReport, run, success: str):
    service_outcome(request, run, success=success)
    return redirect("improvement_report", pk=report.pk)


@require_POST
def report_send_for_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    _log_report(request, report)
    if not policy.can_send_for_review(request.user, report):
        raise PermissionDenied("Only the author sends the draft for review")
    form = ReviewerForm(request.POST, reviewers=selectors.reviewer_choices(report=report))
    if not form.is_valid():
        messages.error(request, "Choose the senior manager to review it.")
        return redirect("improvement_report", pk=report.pk)
    reviewer = form.cleaned_data["reviewer"]
    return _post_outcome(
        request,
        report,
        lambda: services.report_send_for_review(report=report, by=request.user, reviewer=reviewer),
        f"Sent to {reviewer.name} for review.",
    )


@require_POST
def report_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    _log_report(request, report)
    if not policy.can_review(request.user, report):
        raise PermissionDenied("Only the named reviewer reviews the report")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to approve it or return it.")
        return redirect("improvement_report", pk=report.pk)
    approve = form.cleaned_data["decision"] == "approve"
    return _post_outcome(
        request,
        report,
        lambda: services.report_review(
            report=report, by=request.user, approve=approve, comment=form.cleaned_data["comment"]
        ),
        "Approved for publishing." if approve else "Returned to the author with your comments.",
    )


@require_POST
def report_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    _log_report(request, report)
    if not policy.can_publish(request.user, report):
        raise PermissionDenied("Only the author publishes the report once it is approved")
    return _post_outcome(
        request,
        report,
        lambda: services.report_publish(report=report, by=request.user),
        "Published: its figures are fixed as of today and its recommendations are now tracked "
        "improvement actions.",
    )


def _published(request: HttpRequest, pk: int) -> FindingsReport:
    report = selectors.report_get(user=request.user, pk=pk)
    if report.status != ReportStatus.PUBLISHED:
        raise Http404("Files are made of published reports")
    return report


def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _published(request, pk)
    content = documents.report_pdf(
        report=report, actions=selectors.report_actions(report=report), user=request.user
    )
    _log_report(request, report, "export")
    return attachment(
        content, content_type="application/pdf", filename=documents.filename(report, ".pdf")
    )


def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _published(request, pk)
    content = documents.report_docx(
        report=report, actions=selectors.report_actions(report=report), user=request.user
    )
    _log_report(request, report, "export")
    return attachment(
        content, content_type=documents.DOCX_TYPE, filename=documents.filename(report, ".docx")
    )


# --- improvement actions ------------------------------------------------------------------------


def action_board(request: HttpRequest) -> HttpResponse:
    if not policy.can_view_actions(request.user):
        raise Http404("No improvement actions for you")
    today = timezone.localdate()
    form = ActionFilterForm(
        request.GET or None, services=selectors.action_services(user=request.user)
    )
    service_id, status = None, ""
    if form.is_bound and form.is_valid():
        service = form.cleaned_data.get("service")
        service_id = service.pk if service else None
        status = form.cleaned_data.get("status") or ""
    actions = selectors.action_board(
        user=request.user, service_id=service_id, status=status, today=today
    )
    page = Paginator(actions, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "improvement/action_board.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "query": query.urlencode(),
            "nav_active": NAV,
        },
    )


def action_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_get(user=request.user, pk=pk)
    can_update = policy.can_update_action(request.user, action) and action.is_open
    form = None
    if can_update:
        form = ActionUpdateForm(request.POST or None, initial={"status": action.status})
    elif request.method == "POST":
        raise PermissionDenied("Only the owner, the author or Performance Assurance update it")
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.action_update(action=action, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Progress recorded.")
            return redirect("improvement_action", pk=action.pk)
    return render(
        request,
        "improvement/action_detail.html",
        {
            "action": action,
            "updates": selectors.action_updates(action=action),
            "form": form,
            "today": timezone.localdate(),
            "nav_active": NAV,
        },
    )


# --- follow-up audits ---------------------------------------------------------------------------


def followup_list(request: HttpRequest) -> HttpResponse:
    """Follow-up audits due (the cases the user can see), and the distance travelled: the
    change in scale between the first audit and its follow-up, by team and theme."""
    scope = report_scope_or_404(request.user, "quality")
    today = timezone.localdate()
    form = ReportFilterForm(request.GET or None, scope=scope, today=today)
    filters = form.filters()
    due = list(followups_due(user=request.user, today=today)[:100])
    travelled = selectors.distance_travelled(scope=scope, filters=filters)
    access_record(request=request, object_type=AccessObjectType.REPORT, object_id="follow-ups")
    return render(
        request,
        "improvement/followups.html",
        {
            "form": form,
            "filters": filters,
            "scope": scope,
            "due": due,
            "travelled": travelled,
            "counts": selectors.followups_by_status(scope=scope, filters=filters),
            "months": followup_months(),
            "today": today,
            "quick_picks": [
                (key, label, filter_querystring(filters, period=key)) for key, label in QUICK_PICKS
            ],
            "nav_active": NAV,
        },
    )


# --- good practice ------------------------------------------------------------------------------


def library(request: HttpRequest) -> HttpResponse:
    themes = selectors.library_themes(user=request.user)
    form = LibraryFilterForm(request.GET or None, themes=themes)
    theme = form.cleaned_data.get("theme") if form.is_bound and form.is_valid() else None
    items = selectors.good_practice_library(user=request.user, theme_id=theme.pk if theme else None)
    access_record(
        request=request, object_type=AccessObjectType.REPORT, object_id="good-practice-library"
    )
    return render(
        request,
        "improvement/library.html",
        {"form": form, "items": items, "nav_active": NAV},
    )


def good_practice_new(request: AuthenticatedHttpRequest, audit_pk: int) -> HttpResponse:
    audit = selectors.audit_for_good_practice(user=request.user, pk=audit_pk)
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=audit.pk,
        case_id=audit.case_id,
    )
    existing = selectors.good_practice_of_audit(audit=audit)
    if existing is None and not policy.can_put_forward(request.user, audit):
        raise PermissionDenied("A completed audit with good practice written")
    form = None
    if existing is None:
        form = GoodPracticeForm(request.POST or None, initial={"text": audit.good_practice})
        if request.method == "POST" and form.is_valid():
            try:
                services.good_practice_put_forward(
                    audit=audit, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Put forward: the case's manager is asked to share it.")
                return redirect("improvement_good_practice_new", audit_pk=audit.pk)
    elif request.method == "POST":
        raise PermissionDenied("Already put forward")
    return render(
        request,
        "improvement/good_practice_new.html",
        {"audit": audit, "case": audit.case, "item": existing, "form": form, "nav_active": NAV},
    )


def good_practice_queue(request: HttpRequest) -> HttpResponse:
    if not policy.can_decide_any_good_practice(request.user):
        raise Http404("For the managers of cases")
    items = list(selectors.good_practice_to_decide(user=request.user)[:100])
    return render(
        request, "improvement/good_practice_queue.html", {"items": items, "nav_active": NAV}
    )


def good_practice_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = selectors.good_practice_get_to_decide(user=request.user, pk=pk)
    case = item.audit.case
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=item.audit_id,
        case_id=case.pk,
    )
    form = None
    if policy.can_decide_good_practice(request.user, item):
        form = GoodPracticeDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            share = form.cleaned_data["decision"] == "share"
            try:
                services.good_practice_decide(
                    item=item, by=request.user, share=share, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, "Shared in the library." if share else "Not shared: they are told why."
                )
                return redirect("improvement_good_practice_queue")
    elif request.method == "POST":
        raise PermissionDenied("Already decided")
    return render(
        request,
        "improvement/good_practice_decide.html",
        {
            "item": item,
            "case": case,
            "anonymised": excerpt(item.text, display_name=case.display_name, length=2000),
            "form": form,
            "nav_active": NAV,
        },
    )
