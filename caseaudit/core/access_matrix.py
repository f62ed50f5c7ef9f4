"""The access-control matrix: every page, download, export and API endpoint against every role and
relationship, in one table.

`caseaudit/core/tests/test_access_matrix.py` builds one small organisation (the `org` fixture's
people and cases, an administrator, Business Support of another team, and one of each record:
audits, a QA response, a restorative action, an urgent finding, a programme month with two
allocations (the Director's peer audit of the case, and a Practice Supervisor's peer audit in
its team not yet done), a notification, an import run, a draft tool version, API tokens), then
asks every URL as every persona and checks the status in
the table. It also walks Django's URL resolver: a URL pattern that is neither in the table nor
in `EXCLUDED` fails the suite, so a new page cannot be added without deciding who may open it.

The records are about `org.case`, the worker's child-in-need case in team North A, service North.
The personas (columns), by their relationship to that case:

    own          the case's allocated worker (org.worker, practitioner)
    supervised   the worker's Practice Supervisor (org.ps1)
    own_team     the Team Manager of the case's team (org.tm)
    own_service  the Children's Service Manager of the case's service (org.csm_north)
    colleague    a practitioner in the same team, not their case (org.colleague)
    other_team   the Team Manager of another team in the same service (org.tm_b)
    outsider     a practitioner in another service (org.outsider)
    performance  Performance Assurance (org.performance): sees every case, audits none
    admin        a system administrator, who also acts as the data protection officer
    auditor      the Director (org.director), who audits the case (the audits' auditor and the
                 programme allocation's)
    bsupport     Business Support in the case's team (org.business_support, North A)
    bs_other     Business Support of another team in the same service (North B)
    lead_member  a Lead Member (elected councillor, Role.LEAD_MEMBER) invited to a running
                 campaign and given one case in it, not this one: they see that case only.
                 A row of the usual thirteen statuses gives them the outsider's; a row of
                 fourteen lists theirs before anonymous's (`Entry.expected`)
    anonymous    not signed in: pages send them to sign in (302); the API answers 401

Statuses: 200 (shown), 201 (created), 302 (done and redirected, or, for anonymous, "sign in"),
403 (the record is in the user's scope but the action is not theirs), 404 (out of scope, or a
page that is not for their role: its existence is not revealed), 401 (API without a token),
409/422 (API: the user may act but the request conflicts or is incomplete). Forms are posted
empty: a user allowed to act sees the form again with its errors (200) or is redirected (302);
the test is about who gets in, not what the form does.

Exclusions (each with its reason) are in `EXCLUDED`; nothing else is left out.
"""

from dataclasses import dataclass, field

# The thirteen columns every row lists; `lead_member` (a fourteenth, before `anonymous`) gets
# the outsider's status unless a row lists fourteen statuses (`Entry.expected`).
BASE_PERSONAS = (
    "own",
    "supervised",
    "own_team",
    "own_service",
    "colleague",
    "other_team",
    "outsider",
    "performance",
    "admin",
    "auditor",
    "bsupport",
    "bs_other",
    "anonymous",
)
PERSONAS = BASE_PERSONAS[:-1] + ("lead_member", "anonymous")

GET, POST, PUT = "GET", "POST", "PUT"
LOGIN = 302  # anonymous on a page: sent to the sign-in page
# The pages anyone may read without signing in (200 for anonymous): no data about anyone.
# The accessibility statement must be public (the accessibility regulations).
PUBLIC_PAGES = frozenset(
    {
        "accessibility_statement",
        "feedback_public_start",
        "feedback_public",
        "feedback_public_thanks",
    }
)


@dataclass(frozen=True)
class Entry:
    """One URL pattern (by name) with one method: how to build its address from the test
    organisation (`args`: reverse() keyword arguments, each an attribute path on the world,
    e.g. "@case.pk"; anything else is used as it is), the query string and the body to send
    (the same "@" paths), and the status each persona gets."""

    name: str
    method: str
    statuses: str  # one status per persona, in the order of PERSONAS
    args: dict = field(default_factory=dict)
    query: str = ""
    data: dict | None = None  # a form (pages) or a JSON body (API)
    note: str = ""
    variant: str = ""  # tells apart two entries of one pattern and method (other records)

    @property
    def expected(self) -> dict[str, int]:
        """The status of each persona. A row of thirteen statuses (BASE_PERSONAS) gives the
        Lead Member the outsider's: someone who sees none of the case's records; a row of
        fourteen names the Lead Member's itself, in its column before anonymous."""
        values = [int(v) for v in self.statuses.split()]
        if len(values) == len(BASE_PERSONAS):
            given = dict(zip(BASE_PERSONAS, values, strict=True))
            given["lead_member"] = given["outsider"]
            return {persona: given[persona] for persona in PERSONAS}
        if len(values) != len(PERSONAS):
            raise ValueError(
                f"{self.name}: {len(values)} statuses for {len(BASE_PERSONAS)} or "
                f"{len(PERSONAS)} personas"
            )
        return dict(zip(PERSONAS, values, strict=True))

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def key(self) -> str:
        return "-".join(filter(None, (self.name, self.method, self.variant)))


def E(name, method, statuses, args=None, note="", query="", data=None, variant=""):  # noqa: N802
    return Entry(
        name=name,
        method=method,
        statuses=statuses,
        args=args or {},
        query=query,
        data=data,
        note=note,
        variant=variant,
    )


CASE = {"pk": "@case.pk"}
AUDIT = {"pk": "@audit.pk"}
FINDING = {"pk": "@finding.pk"}
DRAFT_AUDIT = {"pk": "@draft_audit.pk"}
RESPONSE = {"pk": "@response.pk"}
ACTION = {"pk": "@action.pk"}
ALLOCATION = {"pk": "@allocation.pk"}
MONTH = {"month": "@programme.label"}
TOOL = {"code": "@tool_draft.tool.code"}
PUBLISHED = TOOL | {"number": "@tool_published.number"}
DRAFT = TOOL | {"number": "@tool_draft.number"}
SECTION = DRAFT | {"key": "@tool_section.key"}
QUESTION = SECTION | {"qkey": "@tool_question.key"}

# Who sees the case and its records: its worker, their PS, the team's TM and Business Support,
# the service's CSM, the roles that see every case (Performance, admin, AD, Director); not a
# colleague, another team's TM or Business Support, or an outsider.
SEES_CASE = "200 200 200 200 404 404 404 200 200 200 200 404 302"
# Who reads an audit itself (its text, PDF, urgent findings): who sees the case, except
# Business Support, who see only that the case's audits exist (tool, auditor, dates, status).
SEES_AUDIT_TEXT = "200 200 200 200 404 404 404 200 200 200 404 404 302"
EVERY_STAFF = "200 200 200 200 200 200 200 200 200 200 200 200 302"
# Pages for managers, Business Support and Performance Assurance (the activity reports:
# programme compliance, QA responses): each within their own scope.
REPORTS = "404 200 200 200 404 200 404 200 200 200 200 200 302"
# The reports made of the audits' scales and text (practice quality, findings): not Business
# Support.
AUDIT_TEXT_REPORTS = "404 200 200 200 404 200 404 200 200 200 404 404 302"
# Performance Assurance and administrators (imports, tool editing, programme editing).
PERF_ADMIN = "404 404 404 404 404 404 404 200 200 404 404 404 302"
# Performance Assurance, administrators and Business Support (a case list of their own team;
# each Business Support in their own team's, so both get in).
IMPORTERS = "404 404 404 404 404 404 404 200 200 404 200 200 302"
ADMIN_ONLY = "404 404 404 404 404 404 404 404 200 404 404 404 302"
# The data protection officer's pages (administrators; superusers too).
DPO_ONLY = ADMIN_ONLY

# fmt: off
MATRIX: tuple[Entry, ...] = (
    #                                        own sup team svc col oth out perf adm aud bs  bso anon
    # --- home, cases ----------------------------------------------------------------------
    E("home", GET,                           EVERY_STAFF),
    E("accessibility_statement", GET,        "200 200 200 200 200 200 200 200 200 200 200 200 200",
      note="the accessibility statement: public (the regulations), no data"),
    E("session_keepalive", POST,             "204 204 204 204 204 204 204 204 204 204 204 204 302",
      note="the timeout warning's “Stay signed in”: renews the user's own session"),
    E("case_list", GET,                      EVERY_STAFF),
    E("case_detail", GET,                    SEES_CASE, CASE),
    E("case_close", GET,                     "403 403 200 200 404 404 404 403 403 200 403 404 302",
      CASE,
      note="its TM, CSM, an AD or the Director close a case"),
    E("case_access_log", GET,                "404 200 200 200 404 404 404 404 200 200 404 404 302",
      CASE,
      note="its managers and the data protection officer"),
    E("case_subject_access", GET,            DPO_ONLY, CASE),
    E("case_subject_access_json", GET,       DPO_ONLY, CASE),
    E("case_subject_access_pdf", GET,        DPO_ONLY, CASE),
    E("retention_report", GET,               DPO_ONLY),
    # --- organisation (no information about children: every member of staff) -------------
    E("team_list", GET,                      EVERY_STAFF),
    E("team_detail", GET,                    EVERY_STAFF, {"code": "@org.north_a.code"}),
    # --- audit tools (no information about children) ---------------------------------------
    E("tool_list", GET,                      EVERY_STAFF),
    E("tool_bands", GET,                     EVERY_STAFF),
    E("tool_bands_edit", GET,                ADMIN_ONLY),
    E("tools_import", GET,                   PERF_ADMIN),
    E("tools_export", GET,                   EVERY_STAFF),
    E("tool_detail", GET,                    "302 302 302 302 302 302 302 302 302 302 302 302 302",
      TOOL,
      note="redirects to the published version"),
    E("tool_draft_create", POST,             "404 404 404 404 404 404 404 302 302 404 404 404 302",
      TOOL),
    E("tool_version", GET,                   EVERY_STAFF, PUBLISHED),
    E("tool_version", GET,                   PERF_ADMIN, DRAFT, variant="draft",
      note="a draft version: its editors only"),
    E("tool_version_publish", GET,           PERF_ADMIN, DRAFT),
    E("tool_draft_discard", GET,             PERF_ADMIN, DRAFT),
    E("tool_section_add", GET,               PERF_ADMIN, DRAFT),
    E("tool_section_edit", GET,              PERF_ADMIN, SECTION),
    E("tool_section_delete", GET,            PERF_ADMIN, SECTION),
    E("tool_section_move", POST,             "404 404 404 404 404 404 404 302 302 404 404 404 302",
      SECTION),
    E("tool_question_add", GET,              PERF_ADMIN, SECTION),
    E("tool_question_edit", GET,             PERF_ADMIN, QUESTION),
    E("tool_question_delete", GET,           PERF_ADMIN, QUESTION),
    E("tool_question_move", POST,            "404 404 404 404 404 404 404 302 302 404 404 404 302",
      QUESTION),
    # --- audits -----------------------------------------------------------------------------
    E("audit_start", GET,                    "403 200 200 200 404 404 404 200 403 200 403 404 302",
      {"case_pk": "@case.pk"}, note="an auditing role who sees the case, not its worker"),
    E("audit_detail", GET,                   SEES_AUDIT_TEXT, AUDIT),
    E("audit_detail", GET,                   SEES_AUDIT_TEXT, DRAFT_AUDIT, variant="draft",
      note="a draft is shown, read-only, to whoever reads the case's audits"),
    E("audit_edit", GET,                     "404 404 404 404 404 404 404 404 404 200 404 404 302",
      DRAFT_AUDIT, note="the task list: only the auditor edits"),
    E("audit_task", GET,                     "404 404 404 404 404 404 404 404 404 200 404 404 302",
      {**DRAFT_AUDIT, "page": "section-1"}, note="a page of the form: only the auditor"),
    E("audit_task", POST,                    "404 404 404 404 404 404 404 404 404 302 404 404 302",
      {**DRAFT_AUDIT, "page": "voice-of-the-child"},
      data={"revision": "@draft_audit.revision", "page": "voice-of-the-child"},
      note="Save and continue: only the auditor"),
    E("audit_check", GET,                    "404 404 404 404 404 404 404 404 404 200 404 404 302",
      DRAFT_AUDIT, note="check answers before completing: only the auditor"),
    E("audit_check", POST,                   "404 404 404 404 404 404 404 404 404 302 404 404 302",
      DRAFT_AUDIT, data={"revision": "@draft_audit.revision"},
      note="Complete audit: only the auditor (with gaps: back to the check page)"),
    E("audit_autosave", POST,                "404 404 404 404 404 404 404 404 404 200 404 404 302",
      DRAFT_AUDIT, data={"revision": "@draft_audit.revision", "page": "overall"},
      note="a page's autosave (JSON): only the auditor, as the form"),
    E("audit_discard", GET,                  "404 404 404 404 404 404 404 404 404 200 404 404 302",
      DRAFT_AUDIT, note="the confirm page: only the auditor, of a draft never completed"),
    E("audit_discard", POST,                 "404 404 404 404 404 404 404 404 404 200 404 404 302",
      DRAFT_AUDIT, note="only the auditor (posted empty: the form again, with its errors)"),
    E("audit_pdf", GET,                      SEES_AUDIT_TEXT, AUDIT),
    E("audit_reopen", POST,                  "403 403 200 200 404 404 404 200 403 200 404 404 302",
      AUDIT,
      note="a TM, CSM, AD, Director or Performance, for a case they manage"),
    E("urgent_finding_acknowledge", GET,     SEES_AUDIT_TEXT, FINDING,
      note="shown to those who read the case's audits; the form only to its managers"),
    E("urgent_finding_acknowledge", POST,    "403 200 200 200 404 404 404 403 403 200 404 404 302",
      FINDING, note="its PS, TM, CSM, an AD or the Director"),
    E("urgent_finding_withdraw", GET,        "403 403 403 403 404 404 404 403 403 200 404 404 302",
      FINDING, note="the finding's auditor only (the Director here); others who see it: 403"),
    E("urgent_finding_withdraw", POST,       "403 403 403 403 404 404 404 403 403 200 404 404 302",
      FINDING, note="the auditor, withdrawing a finding raised in error"),
    E("audit_confirm_alert", GET,            "404 404 404 404 404 404 404 404 404 302 404 404 302",
      DRAFT_AUDIT, note="only the auditor, as the form (nothing pending: back to the form)"),
    E("audit_confirm_alert", POST,           "404 404 404 404 404 404 404 404 404 302 404 404 302",
      DRAFT_AUDIT, note="the auditor's yes to alerting the managers"),
    # --- QA responses -----------------------------------------------------------------------
    E("response_list", GET,                  EVERY_STAFF),
    E("response_team", GET,                  "404 200 200 200 404 200 404 200 200 200 200 200 302",
      note="managers' page, each within their scope"),
    E("response_for_audit", GET,             "302 302 302 302 404 404 404 302 302 302 302 404 302",
      {"audit_pk": "@audit.pk"}),
    E("response_detail", GET,                SEES_CASE, RESPONSE),
    E("response_detail", POST,               "200 403 403 403 404 404 404 403 403 403 403 404 302",
      RESPONSE, note="the worker's own form"),
    E("response_autosave", POST,             "200 403 403 403 404 404 404 403 403 403 403 404 302",
      RESPONSE, data={"draft_revision": "0"},
      note="the worker's draft (JSON autosave), as the form"),
    E("response_return", POST,               "403 200 200 403 404 404 404 403 403 403 403 404 302",
      RESPONSE, note="the worker's PS, or the team's TM"),
    E("response_authorise", POST,            "403 302 302 403 404 404 404 403 403 403 403 404 302",
      RESPONSE),
    E("action_resolve", POST,                "200 403 403 403 404 404 404 403 403 403 403 404 302",
      ACTION, note="the action's owner"),
    E("action_agree", POST,                  "403 302 302 403 404 404 404 403 403 403 403 404 302",
      ACTION),
    E("action_reopen", POST,                 "403 200 200 403 404 404 404 403 403 403 403 404 302",
      ACTION),
    # --- imports ----------------------------------------------------------------------------
    E("import_index", GET,                   IMPORTERS),
    E("import_staff", GET,                   PERF_ADMIN),
    E("import_cases", GET,                   IMPORTERS),
    E("import_template", GET,                IMPORTERS, {"name": "cases_template.csv"}),
    E("import_run_detail", GET,              PERF_ADMIN, {"pk": "@import_run.pk"}),
    # --- notifications (each member of staff's own) ---------------------------------------
    E("notification_list", GET,              EVERY_STAFF),
    E("notification_mark_all_read", POST,    "302 302 302 302 302 302 302 302 302 302 302 302 302"),
    E("notification_open", GET,              "302 404 404 404 404 404 404 404 404 404 404 404 302",
      {"pk": "@notification.pk"}, note="the worker's notification"),
    E("notification_settings", GET,          EVERY_STAFF, note="each person's own settings"),
    E("notification_settings", POST,         "200 200 200 200 200 200 200 200 200 200 200 200 302",
      note="an empty form is shown again with its errors"),
    # --- programme --------------------------------------------------------------------------
    E("programme_index", GET,                "404 404 200 200 404 200 404 200 200 200 200 200 302",
      note="the whole programme; a TM and Business Support their team's"),
    E("programme_generate", POST,            "404 404 404 404 404 404 404 302 302 404 404 404 302"),
    E("due_list", GET,                       EVERY_STAFF),
    E("programme_month", GET,                "404 404 200 200 404 200 404 200 200 200 200 200 302",
      MONTH, note="a confirmed month: a TM and Business Support see their team's allocations"),
    E("programme_confirm", POST,             "404 404 404 404 404 404 404 302 302 404 404 404 302",
      MONTH),
    E("allocation_swap", GET,                PERF_ADMIN, ALLOCATION),
    E("allocation_reallocate", GET,          PERF_ADMIN, ALLOCATION),
    E("allocation_start", POST,              "404 404 404 404 404 404 404 404 404 302 404 404 302",
      ALLOCATION, note="the allocation's auditor"),
    E("allocation_chase", POST,              "404 404 302 403 404 404 404 302 302 403 403 404 302",
      {"pk": "@team_allocation.pk"}, data={"month": "@programme.label"},
      note="a PS peer audit not done: its team's TM, Performance or an admin chase it; who "
      "sees it but may not chase (the CSM, the Director, Business Support) gets 403"),
    # --- reports ----------------------------------------------------------------------------
    E("report_index", GET,                   REPORTS),
    E("report_compliance", GET,              REPORTS),
    E("report_responses", GET,               REPORTS),
    E("report_quality", GET,                 AUDIT_TEXT_REPORTS),
    E("report_findings", GET,                AUDIT_TEXT_REPORTS),
    E("report_findings_pdf", GET,            AUDIT_TEXT_REPORTS),
    # a PDF prepared in the background: anyone with reports may ask; only its owner (here
    # Performance Assurance) sees or downloads it, not even an administrator
    E("report_export_prepare", POST,         "404 302 302 302 404 302 404 302 302 302 404 404 302",
      data={"params": "period=this_quarter"}),
    E("report_export", GET,                  "404 404 404 404 404 404 404 200 404 404 404 404 302",
      {"pk": "@report_export.pk"}),
    E("report_export_download", GET,         "404 404 404 404 404 404 404 200 404 404 404 404 302",
      {"pk": "@report_export.pk"}),
    E("report_xlsx", GET,                    REPORTS, {"report": "compliance"}),
    E("report_csv", GET,                     REPORTS, {"report": "compliance", "table": "people"}),
    # each report's tabs: as the report itself
    E("report_compliance_tab", GET,          REPORTS, {"tab": "teams"}),
    E("report_responses_tab", GET,           REPORTS, {"tab": "teams"}),
    E("report_quality_tab", GET,             AUDIT_TEXT_REPORTS, {"tab": "teams"}),
    E("report_findings_tab", GET,            AUDIT_TEXT_REPORTS, {"tab": "themes"}),
    E("report_moderation_tab", GET,          AUDIT_TEXT_REPORTS, {"tab": "auditors"}),
    # --- API tokens (administrators) --------------------------------------------------------
    E("api_token_list", GET,                 ADMIN_ONLY),
    E("api_token_revoke", POST,              "404 404 404 404 404 404 404 404 302 404 404 404 302",
      {"pk": "@api_token.pk"}),
    # --- periodic jobs (system administrators) -------------------------------------------
    E("job_list", GET,                       ADMIN_ONLY),
    # --- accounts (system administrators) ------------------------------------------------
    E("account_identity_change", GET,        ADMIN_ONLY, {"user_id": "@worker.user.pk"},
      note="changing an account's email or username: administrators only"),
    E("account_identity_change", POST,       "404 404 404 404 404 404 404 404 200 404 404 404 302",
      {"user_id": "@worker.user.pk"}, note="posted empty: the form again with its errors"),
    # --- the REST API (a Bearer token per persona; no token: 401) --------------------------
    E("api:openapi-json", GET,               "200 200 200 200 200 200 200 200 200 200 200 200 200",
      note="the API's description: no data, public"),
    E("api:openapi-view", GET,               "200 200 200 200 200 200 200 200 200 200 200 200 200",
      note="the API's documentation page: no data, public"),
    E("api:api-root", GET,                   "404 404 404 404 404 404 404 404 404 404 404 404 404",
      note="django-ninja's root: always 404"),
    E("api:case_list", GET,                  "200 200 200 200 200 200 200 200 200 200 200 200 401"),
    E("api:case_detail", GET,                "200 200 200 200 404 404 404 200 200 200 200 404 401",
      {"case_id": "@case.pk"}),
    E("api:staff_list", GET,                 "200 200 200 200 200 200 200 200 200 200 200 200 401"),
    E("api:team_list", GET,                  "200 200 200 200 200 200 200 200 200 200 200 200 401"),
    E("api:audit_list", GET,                 "200 200 200 200 200 200 200 200 200 200 200 200 401"),
    E("api:audit_start", POST,               "403 201 201 201 404 404 404 201 403 409 403 404 401",
      data={"case": "@case.pk", "tool": "generic", "reason": "permissive"}),
    E("api:audit_detail", GET,               "200 200 200 200 404 404 404 200 200 200 404 404 401",
      {"audit_id": "@audit.pk"}),
    E("api:audit_save", PUT,                 "403 403 403 403 404 404 404 403 403 200 404 404 401",
      {"audit_id": "@draft_audit.pk"}, data={"revision": "@draft_audit.revision"}),
    E("api:audit_complete", POST,            "403 403 403 403 404 404 404 403 403 422 404 404 401",
      {"audit_id": "@draft_audit.pk"}),
    E("api:audit_reopen", POST,              "403 403 200 200 404 404 404 200 403 200 404 404 401",
      {"audit_id": "@audit.pk"}, data={"reason": "A section was scaled in error."}),
    E("api:audit_discard", POST,             "403 403 403 403 404 404 404 403 403 200 404 404 401",
      {"audit_id": "@draft_audit.pk"},
      data={"reason": "Started on the wrong case.", "revision": "@draft_audit.revision"},
      note="only the auditor discards their draft"),
    E("api:finding_acknowledge", POST,       "403 200 200 200 404 404 404 403 403 200 404 404 401",
      {"finding_id": "@finding.pk"}, data={"action_taken": "Strategy meeting held today."},
      note="as the finding's page: the case's PS and TM, the CSM, an AD or the Director"),
    E("api:finding_withdraw", POST,          "403 403 403 403 404 404 404 403 403 200 404 404 401",
      {"finding_id": "@finding.pk"}, data={"reason": "Scaled 2 by mistake."},
      note="the finding's auditor only (the Director here)"),
    E("api:response_list", GET,              "200 200 200 200 200 200 200 200 200 200 200 200 401"),
    E("api:response_detail", GET,            "200 200 200 200 404 404 404 200 200 200 200 404 401",
      {"response_id": "@response.pk"}),
    E("api:allocation_list", GET,            "404 404 200 200 404 200 404 200 200 200 200 200 401",
      query="month=@programme.label"),
    E("api:due_list", GET,                   "200 200 200 200 200 200 200 200 200 200 200 200 401"),
    # reports: as the report pages (REPORTS), each within the persona's own scope
    E("api:report_compliance", GET,          "404 200 200 200 404 200 404 200 200 200 200 200 401"),
    E("api:report_responses", GET,           "404 200 200 200 404 200 404 200 200 200 200 200 401"),
    E("api:report_quality", GET,             "404 200 200 200 404 200 404 200 200 200 404 404 401"),
    E("api:report_findings", GET,            "404 200 200 200 404 200 404 200 200 200 404 404 401"),
)
# fmt: on


# --- The Django admin (/admin/) -------------------------------------------------------------------
# It holds no record about a child (docs/adr/0001-no-confidential-records-in-admin.md): only the
# models below are registered, each with the admin pages an administrator (is_staff, with the
# model's permissions) opens; the others answer 403. Everyone else is sent to sign in: a member
# of staff without admin access to the admin's sign-in page (which refuses them), anonymous to
# allauth's. Registering any other model adds URL patterns this table does not list, and the
# suite fails: decide first (the ADR) whether it may be there at all.
ADMIN_PAGES = ("changelist", "add", "change", "history", "delete")
ADMIN_MODELS: dict[str, tuple[str, ...]] = {
    # label: the pages that answer 200 for an administrator (the others: 403)
    "auth.group": ADMIN_PAGES,
    "auth.user": ADMIN_PAGES,
    "account.emailaddress": ADMIN_PAGES,
    "mfa.authenticator": ADMIN_PAGES,  # removing a lost phone's second factor
    "core.closureday": ADMIN_PAGES,
    "accounts.securityevent": ("changelist", "change", "history"),
    "organisation.servicearea": ADMIN_PAGES,
    "organisation.team": ADMIN_PAGES,
    "organisation.staff": ADMIN_PAGES,
    "audit_tools.theme": ADMIN_PAGES,
    "audit_tools.scalingband": ("changelist", "change", "history"),
    "audit_tools.toolchange": ("changelist", "change", "history"),
}
# Extra pages of a model's admin: (URL name, the status for an administrator).
ADMIN_EXTRA_PAGES = {"auth.user": (("auth_user_password_change", "id", 200),)}
ADMIN_SIGN_IN = "302 302 302 302 302 302 302 302 {admin} 302 302 302 302"


def _admin_entries() -> tuple[Entry, ...]:
    def entry(name, admin_status, args=None, method=GET, note=""):
        return E(
            f"admin:{name}",
            method,
            ADMIN_SIGN_IN.format(admin=admin_status),
            args,
            note=note or "the Django admin: administrators only",
        )

    entries = [
        entry("index", 200),
        entry("app_list", 200, {"app_label": "organisation"}),
        entry("login", 302, note="allauth's sign-in (and MFA); an administrator goes on"),
        entry("logout", 405, note="POST signs out; a GET is refused"),
        entry("password_change", 200),
        entry("password_change_done", 200),
        entry("autocomplete", 403, note="403 without its parameters"),
        entry("jsi18n", 200),
        entry(
            "view_on_site",
            404,
            {"content_type_id": "@admin_objects.team_type", "object_id": "@org.north_a.pk"},
            note="no admin model has a page of its own to send to",
        ),
    ]
    for label, allowed in ADMIN_MODELS.items():
        prefix = label.replace(".", "_")
        key = f"@admin_objects.{prefix}"
        for page in ADMIN_PAGES:
            args = {"object_id": key} if page in ("change", "history", "delete") else None
            entries.append(entry(f"{prefix}_{page}", 200 if page in allowed else 403, args))
        for name, arg, status in ADMIN_EXTRA_PAGES.get(label, ()):
            entries.append(entry(name, status, {arg: key}))
    return tuple(entries)


MATRIX = MATRIX + _admin_entries()


# --- What the matrix leaves out, and why --------------------------------------------------------


def excluded(*, name: str, route: str, module: str) -> str | None:
    """Why a URL pattern is not in the matrix (None: it must be)."""
    if route.startswith("admin/") and name.startswith("<unnamed"):
        return EXCLUDED["admin"]
    if module.startswith("allauth."):
        return EXCLUDED["allauth"]
    if route.startswith("bench/"):
        return EXCLUDED["bench"]
    if route.startswith(("static/", "media/")):
        return EXCLUDED["static"]
    return None


EXCLUDED = {
    "admin": (
        "The Django admin's unnamed patterns only: /admin/<model>/<id>/ redirects to the change "
        "page (in the table) and the catch-all answers 404 or sends to sign in. Every named "
        "admin page is in the table (`ADMIN_MODELS`)."
    ),
    "allauth": (
        "django-allauth's pages (/accounts/): signing in and out, password reset, MFA set-up "
        "and the user's own sessions. Each acts on the signed-in user's own account (or is the "
        "way in), never on a record about a child; caseaudit/accounts/tests covers them."
    ),
    "bench": (
        "/bench/: exists only when CASEAUDIT_BENCH=1 (`make bench`), a minimal page to time "
        "the web tier; never in a deployed URLconf."
    ),
    "static": (
        "Static files are served by WhiteNoise's middleware, not by URL patterns; there are no "
        "uploaded media files."
    ),
}


def entries_by_name(entries: tuple[Entry, ...] | None = None) -> dict[str, list[Entry]]:
    found: dict[str, list[Entry]] = {}
    for entry in MATRIX if entries is None else entries:
        found.setdefault(entry.name, []).append(entry)
    return found


# --- Walking the URLconf ------------------------------------------------------------------------


def url_patterns(resolver=None):
    """Every URL pattern of the project, recursively: (name, route, module). `name` carries its
    namespaces ("api:case_list"); an unnamed pattern is named by its route."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(resolver, prefix: str, namespace: str):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern, route, inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or f"<unnamed {route}>"
                if pattern.name and namespace:
                    name = f"{namespace}:{pattern.name}"
                callback = pattern.callback
                module = getattr(callback, "__module__", None) or type(callback).__module__
                yield name, route, module

    yield from walk(resolver or get_resolver(), "", "")


def unlisted_patterns(resolver=None, entries: tuple[Entry, ...] | None = None) -> list[str]:
    """URL patterns neither in the matrix (`entries`, by default `MATRIX`) nor excluded: each
    must get an entry."""
    names = entries_by_name(entries)
    return sorted(
        f"{name} ({route})"
        for name, route, module in url_patterns(resolver)
        if name not in names and excluded(name=name, route=route, module=module) is None
    )
