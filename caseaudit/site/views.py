"""The home page, "My work": what the signed-in member of staff holds and must do, from
every app (cases, audits, responses, the programme, the reports' figures)."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.selectors import case_access_log
from caseaudit.accounts.services import access_record
from caseaudit.audits.forms import start_form_for
from caseaudit.audits.selectors import (
    audit_list_for_case,
    my_audits,
    my_audits_since,
    reads_audit_text,
    urgent_findings_open_for,
)
from caseaudit.cases import selectors as case_selectors
from caseaudit.cases.policy import can_close, can_view_access_log
from caseaudit.cases.selectors import case_list, case_list_for_pages
from caseaudit.core.prepared import PreparedQuery
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.programme.selectors import my_allocations
from caseaudit.reports.policy import can_view_reports
from caseaudit.reports.selectors import dashboard_with_counts
from caseaudit.responses.selectors import home_responses


def home(request: HttpRequest) -> HttpResponse:
    """'My work': what the signed-in member of staff holds and must do."""
    user = request.user
    staff = staff_for_user(user)  # loaded once per request (the header uses it too)
    today = timezone.localdate()
    my_cases: list = []
    if staff is not None:
        my_cases = case_list_for_pages(user=user, worker_id=staff.pk)[0:10]
    qa_responses = home_responses(user=user)
    figures, visible_open, figures_panel = home_figures(
        user=user,
        staff=staff,
        today=today,
        my_responses=getattr(qa_responses, "to_write", None) if qa_responses else None,
    )
    # The page lists cases (and audits, findings, responses) by child: one access-log entry.
    access_record(request=request, object_type=AccessObjectType.CASE_LIST, object_id="home")
    key = case_selectors.user_query_key(user)
    return render(
        request,
        "site/home.html",
        {
            "my_cases": my_cases,
            "visible_open": visible_open,
            "dashboard_figures": figures,
            "dashboard_panel": mark_safe(figures_panel),  # noqa: S308  # nosec B308 B703  # rendered by the template engine
            "urgent_findings": _urgent_findings(
                key=key,
                build=lambda: urgent_findings_open_for(user=user).only(*URGENT_FINDING_FIELDS)[:20],
            ),
            "my_audits": _my_audits(
                my_audits_since(),
                key=key,
                build=lambda since: my_audits(user=user, since=since).only(*MY_AUDIT_FIELDS)[:10],
            ),
            "qa_responses": qa_responses,
            "my_allocations": _my_allocations(
                key=(key, today.replace(day=1)),
                build=lambda: my_allocations(user=user, month=today).only(*ALLOCATION_FIELDS),
            ),
        },
    )


# The home page's lists of other apps' records, each compiled once per person
# (caseaudit/core/prepared.py): their selectors decide what is listed, from the user's staff
# record and case scope, which the key holds.
_urgent_findings = PreparedQuery()
_my_allocations = PreparedQuery()
_my_audits = PreparedQuery()
# The columns their panels show (audits/includes/home_panels.html,
# programme/includes/home_panel.html), not every column of the audit and the case: an audit's
# row holds its whole write-up, and reading all of them was most of these lists' time
# (`make bench`). A panel that shows another field must add it here, or it costs a query a
# row: site/tests/test_home_lists.py counts them with every list full.
URGENT_FINDING_FIELDS = (
    "reason",
    "raised_at",
    "case__reference",
    "audit__tool_version__tool__name",
    "audit__auditor__name",
)
MY_AUDIT_FIELDS = (
    "status",
    "updated_at",
    "completed_at",
    "case__reference",
    "tool_version__tool__name",
)
ALLOCATION_FIELDS = (
    "rule",
    "reason",
    "status",
    "programme__month",
    "case__reference",
    "case__team__name",
    "audit__status",
)


def home_figures(*, user, staff, today, my_responses) -> tuple[list, int, str]:
    """The home page's figures, the number of open cases the user can see, and the figures'
    panel as HTML (reports' "reports/includes/dashboard.html", as `reports_tags.dashboard_panel`
    writes it).

    Counted over the whole of the user's scope, they were the page's heaviest reads (one
    query of six counts: several milliseconds of the database's time for each page,
    `make bench`). They are kept in the shared cache for settings.SCOPE_SUMMARY_SECONDS (a
    minute; 0 reads them every time), per case scope and role, so a figure may be up to that
    much behind the records; the page's lists are always read afresh. A person without reports
    sees their own QA responses due (from `my_responses`, the list the page shows): only the
    count of their open cases is kept for them."""
    seconds = getattr(settings, "SCOPE_SUMMARY_SECONDS", 0)
    scope = ".".join(map(str, case_selectors.case_scope_key(user)))
    role = staff.role if staff is not None else "-"
    key = f"home-figures-2:{scope}:{role}:{int(user.is_superuser)}:{today.isoformat()}"
    kept = cache.get(key) if seconds > 0 else None
    if kept is None:
        if can_view_reports(user):
            figures, counts = dashboard_with_counts(
                user=user, today=today, also_count={"visible_open": case_list(user=user)}
            )
            kept = (figures, counts["visible_open"], _figures_panel(figures, reports=True))
        else:
            kept = (None, case_list_for_pages(user=user).count(), None)
        if seconds > 0:
            cache.set(key, kept, seconds)
    figures, visible_open, panel = kept
    if figures is None:  # their own responses' figures: no query when the list is given
        figures, _ = dashboard_with_counts(user=user, today=today, my_responses=my_responses)
        panel = _figures_panel(figures, reports=False)
    return figures, visible_open, panel


def _figures_panel(figures: list, *, reports: bool) -> str:
    return render_to_string(
        "reports/includes/dashboard.html", {"figures": figures, "can_view_reports": reports}
    )


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page: the case, its audits and the audit to start, its history, who has
    accessed it and its closure (several apps' records, so here rather than in `cases`)."""
    case = case_selectors.case_get(user=request.user, pk=pk)
    access_record(
        request=request, object_type=AccessObjectType.CASE, object_id=case.pk, case_id=case.pk
    )
    access_log_visible = can_view_access_log(request.user, case)
    return render(
        request,
        "site/case_detail.html",
        {
            "case": case,
            "access_log": case_access_log(case=case, limit=10) if access_log_visible else None,
            "can_view_access_log": access_log_visible,
            "is_dpo": case_selectors.is_data_protection_officer(request.user),
            "history": case_selectors.case_history(case=case),
            "audits": audit_list_for_case(user=request.user, case=case),
            "audit_links": reads_audit_text(request.user),
            "audit_start_form": start_form_for(user=request.user, case=case),
            "can_close": case.closed_on is None and can_close(request.user, case),
            "closure": case_selectors.case_closure_event(case=case),
        },
    )


@login_not_required
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (the Public Sector Bodies Accessibility Regulations 2018
    ask every public sector website for one, linked from every page): public, so that
    anyone, signed in or not, can read how accessible the service is and how to report a
    problem. The contact details come from settings (`ACCESSIBILITY_CONTACT_EMAIL`, by default
    `DEFAULT_FROM_EMAIL`; `ACCESSIBILITY_CONTACT_PHONE`, none by default)."""
    return render(
        request,
        "site/accessibility.html",
        {
            "contact_email": getattr(settings, "ACCESSIBILITY_CONTACT_EMAIL", "")
            or settings.DEFAULT_FROM_EMAIL,
            "contact_phone": getattr(settings, "ACCESSIBILITY_CONTACT_PHONE", ""),
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
            "warning_seconds": settings.SESSION_WARNING_SECONDS,
        },
    )
