"""This app's rows of the access-control matrix (caseaudit/core/access_matrix.py explains the
personas and statuses; caseaudit/core/tests/test_access_matrix.py asks them).

The records: a findings report of the whole authority written by Performance Assurance,
reviewed by the Director and published (its first action owned by the worker's Team Manager),
a draft of another, and good practice the Director put forward from the world's audit of the
worker's case.
- A published report of the authority is read by the managers with the findings report (as
  the findings report itself: AUDIT_TEXT_REPORTS); a draft by Performance Assurance (and
  administrators) only.
- Its actions are read by the same people; progress is recorded by the owner (the TM),
  Performance Assurance (the author's team) and administrators; other readers get 403.
- Good practice is put forward by the audit's auditor (the Director), decided by the case's
  managers (its TM and the service's CSM; not whoever put it forward); the library is every
  member of staff's.
"""

import datetime as dt

from django.utils import timezone

from caseaudit.audit_tools.models import Theme
from caseaudit.core.access_matrix import AUDIT_TEXT_REPORTS, EVERY_STAFF, GET, POST, E, Entry
from caseaudit.improvement import services
from caseaudit.improvement.models import GoodPractice, ScopeKind

PUBLISHED = {"pk": "@improvement_report.pk"}
DRAFT = {"pk": "@improvement_draft.pk"}
ACTION = {"pk": "@improvement_action.pk"}
#                 own sup team svc col oth out perf adm aud bs  bso anon
PERF_ADMIN = "404 404 404 404 404 404 404 200 200 404 404 404 302"
PERF_ADMIN_POST = "404 404 404 404 404 404 404 302 302 404 404 404 302"
PERF_ADMIN_403 = "404 404 404 404 404 404 404 403 403 404 404 404 302"
AUTHORS = "404 404 404 200 404 404 404 200 200 404 404 404 302"
ACTION_POST = "404 403 200 403 404 403 404 200 200 403 404 404 302"
CASE_MANAGERS = "404 404 200 200 404 404 404 404 404 404 404 404 302"
DECIDERS = "404 404 200 200 404 200 404 404 404 200 404 404 302"
AUDITOR_ONLY = "404 404 404 404 404 404 404 404 404 200 404 404 302"
API_EVERY = "200 200 200 200 200 200 200 200 200 200 200 200 401"
API_READERS = "404 200 200 200 404 200 404 200 200 200 404 404 401"

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    E("improvement_index", GET, EVERY_STAFF, note="each sees the reports and links for them"),
    E("improvement_report_new", GET, AUTHORS,
      note="Performance Assurance (and administrators) or a CSM write findings reports"),
    E("improvement_report_new", POST, AUTHORS, note="posted empty: the form again"),
    E("improvement_report", GET, AUDIT_TEXT_REPORTS, PUBLISHED,
      note="a published report of the authority: the managers with the findings report"),
    E("improvement_report", GET, PERF_ADMIN, DRAFT, variant="draft",
      note="a draft: its author's side (Performance Assurance) and its reviewer"),
    E("improvement_report_edit", GET, PERF_ADMIN, DRAFT),
    E("improvement_report_edit", POST, PERF_ADMIN, DRAFT, note="posted empty: the form again"),
    E("improvement_report_edit", GET, "404 403 403 403 404 403 404 403 403 403 404 404 302",
      PUBLISHED, variant="published", note="a published report is a fixed version"),
    E("improvement_report_send_for_review", POST, PERF_ADMIN_POST, DRAFT,
      note="posted empty: no reviewer chosen, back to the report with a message"),
    E("improvement_report_review", POST, PERF_ADMIN_403, DRAFT,
      note="only the named reviewer of a report in review"),
    E("improvement_report_publish", POST, PERF_ADMIN_403, DRAFT,
      note="only once approved"),
    E("improvement_report_pdf", GET, AUDIT_TEXT_REPORTS, PUBLISHED),
    E("improvement_report_pdf", GET, PERF_ADMIN.replace("200", "404"), DRAFT, variant="draft",
      note="a draft has no files"),
    E("improvement_report_docx", GET, AUDIT_TEXT_REPORTS, PUBLISHED),
    E("improvement_actions", GET, AUDIT_TEXT_REPORTS,
      note="the readers of published reports (and the actions' owners)"),
    E("improvement_action", GET, AUDIT_TEXT_REPORTS, ACTION),
    E("improvement_action", POST, ACTION_POST, ACTION,
      note="the owner (the TM), Performance Assurance, administrators: the form with errors"),
    E("improvement_followups", GET, AUDIT_TEXT_REPORTS,
      note="follow-ups due and the distance travelled: as practice quality"),
    E("improvement_library", GET, EVERY_STAFF, note="anonymised, each within their service"),
    E("improvement_good_practice_new", GET, AUDITOR_ONLY, {"audit_pk": "@audit.pk"},
      note="the audit's auditor (here: already put forward, its status)"),
    E("improvement_good_practice_queue", GET, DECIDERS,
      note="managers who decide good practice of the cases they manage"),
    E("improvement_good_practice_decide", GET, CASE_MANAGERS, {"pk": "@good_practice.pk"},
      note="the case's TM and CSM; not the Director, who put it forward"),
    E("improvement_good_practice_decide", POST, CASE_MANAGERS, {"pk": "@good_practice.pk"},
      note="posted empty: the form again"),
    # --- API ------------------------------------------------------------------------------
    E("api:improvement_report_list", GET, API_EVERY, note="each gets the reports in scope"),
    E("api:improvement_report_detail", GET, API_READERS, {"report_id": "@improvement_report.pk"}),
    E("api:improvement_action_list", GET, API_EVERY),
    E("api:improvement_action_detail", GET, API_READERS,
      {"action_id": "@improvement_action.pk"}),
)
# fmt: on


def add_to_world(world) -> None:
    """Add this app's records to the matrix's world (the `org` fixture's people and records,
    built once per test module), as attributes the entries' "@" paths name."""
    today = timezone.localdate()
    period = {"period_start": today - dt.timedelta(days=90), "period_end": today}
    report = services.report_create(
        by=world.performance.user,
        title="Matrix findings",
        scope_kind=ScopeKind.AUTHORITY,
        service=None,
        team=None,
        **period,
    )
    report = services.report_save(
        report=report,
        by=world.performance.user,
        revision=report.revision,
        title="Matrix findings",
        overview="Overview.",
        recommendations=[
            services.RecommendationIn(
                text="Chronologies.", owner=world.tm, due_on=today + dt.timedelta(days=30)
            )
        ],
    )
    report = services.report_send_for_review(
        report=report, by=world.performance.user, reviewer=world.director
    )
    report = services.report_review(report=report, by=world.director.user, approve=True, comment="")
    world.improvement_report = services.report_publish(report=report, by=world.performance.user)
    world.improvement_action = world.improvement_report.actions.get(number=1)
    world.improvement_draft = services.report_create(
        by=world.performance.user,
        title="Matrix draft",
        scope_kind=ScopeKind.AUTHORITY,
        service=None,
        team=None,
        **period,
    )
    world.good_practice = GoodPractice.objects.create(
        audit=world.audit,
        theme=Theme.objects.order_by("order").first(),
        title="Direct work",
        text="Direct work recorded.",
        team=world.case.team,
        put_forward_by=world.director,
        put_forward_at=timezone.now(),
    )
