"""Staff roles, and every named set of roles the apps' rules use: the one place to read who a
rule covers. `caseaudit.organisation.models` re-exports `Role` and the first two sets.

A set here is only a list of roles; the rule that uses it (and its scope: a team's cases, a
service's, every case) is in the app's `policy.py` or selectors.
"""

from django.db import models


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    PRACTICE_SUPERVISOR = "practice_supervisor", "Practice Supervisor"
    TEAM_MANAGER = "team_manager", "Team Manager"
    SERVICE_MANAGER = "service_manager", "Children's Service Manager"
    ASSISTANT_DIRECTOR = "assistant_director", "Assistant Director"
    DIRECTOR = "director", "Director"
    IRO = "iro", "Independent Reviewing Officer"
    CP_CHAIR = "cp_chair", "Child Protection Chair"
    PERFORMANCE = "performance", "Performance Assurance"
    BUSINESS_SUPPORT = "business_support", "Business Support"
    AUDITOR = "auditor", "Commissioned auditor"
    ADMIN = "admin", "System administrator"
    # An elected councillor with lead responsibility for children's services: audits only the
    # cases allocated to them in a live campaign (caseaudit.campaigns), and sees nothing else.
    LEAD_MEMBER = "lead_member", "Lead Member"


# Roles that see every case in the authority (cases.selectors.case_scope, reports, overview).
AUTHORITY_WIDE_ROLES = frozenset(
    {Role.ASSISTANT_DIRECTOR, Role.DIRECTOR, Role.PERFORMANCE, Role.ADMIN}
)
# Roles expected to audit (navigation; the programme's choice of manager auditors).
MANAGER_ROLES = frozenset(
    {Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR}
)
# Roles that belong to one team (a staff import row with one of them must name its team).
TEAM_ROLES = frozenset({Role.PRACTITIONER, Role.PRACTICE_SUPERVISOR, Role.TEAM_MANAGER})

# --- audits -------------------------------------------------------------------------------
# Who may start an audit of a case they can see (never of a case allocated to them).
AUDITOR_ROLES = frozenset(
    {
        Role.PRACTICE_SUPERVISOR,
        Role.TEAM_MANAGER,
        Role.SERVICE_MANAGER,
        Role.ASSISTANT_DIRECTOR,
        Role.DIRECTOR,
        Role.IRO,
        Role.CP_CHAIR,
        Role.PERFORMANCE,
        Role.AUDITOR,
    }
)
# Who does peer audits (the procedure's monthly peer audits; audits.start_rules): a Practice
# Supervisor of another PS's case in their team, a Team Manager outside their team, a CSM
# outside their service, an AD or the Director of a case they neither hold nor supervise.
PEER_AUDIT_ROLES = frozenset(
    {
        Role.PRACTICE_SUPERVISOR,
        Role.TEAM_MANAGER,
        Role.SERVICE_MANAGER,
        Role.ASSISTANT_DIRECTOR,
        Role.DIRECTOR,
    }
)
# Who may reopen a completed audit, each within the cases they manage.
REOPEN_ROLES = frozenset(
    {
        Role.TEAM_MANAGER,
        Role.SERVICE_MANAGER,
        Role.ASSISTANT_DIRECTOR,
        Role.DIRECTOR,
        Role.PERFORMANCE,
    }
)
# Who may acknowledge an urgent finding (besides the case's Practice Supervisor), each within
# the cases they manage.
ACKNOWLEDGE_ROLES = frozenset(
    {Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR}
)
# Who edits audit tools (drafts, publishing, import); the scaling bands are Role.ADMIN's only.
TOOL_EDITOR_ROLES = frozenset({Role.ADMIN, Role.PERFORMANCE})

# --- cases --------------------------------------------------------------------------------
# Who closes a case, each within the cases they manage (not Performance Assurance or admins).
CLOSE_ROLES = frozenset(
    {Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR}
)

# --- responses ----------------------------------------------------------------------------
# Who has the Team Manager's page of outstanding responses, each within their own scope.
OVERVIEW_ROLES = frozenset(
    {
        Role.PRACTICE_SUPERVISOR,
        Role.TEAM_MANAGER,
        Role.BUSINESS_SUPPORT,
        Role.SERVICE_MANAGER,
        *AUTHORITY_WIDE_ROLES,
    }
)

# --- programme ----------------------------------------------------------------------------
# Who may see the whole programme (every month, drafts too).
PROGRAMME_VIEW_ROLES = AUTHORITY_WIDE_ROLES | {Role.SERVICE_MANAGER}
# Who sees their own team's programme: its confirmed months, this one and the twelve before
# (the procedure: Team Managers see that the programme is followed; Business Support assist
# with monitoring it).
PROGRAMME_TEAM_ROLES = frozenset({Role.TEAM_MANAGER, Role.BUSINESS_SUPPORT})
# Who may generate, change and confirm the programme.
PROGRAMME_EDIT_ROLES = frozenset({Role.PERFORMANCE, Role.ADMIN})
# Who may chase an allocated audit not yet done (a Team Manager: their team's auditors').
PROGRAMME_CHASE_ROLES = PROGRAMME_EDIT_ROLES | {Role.TEAM_MANAGER}

# --- reports, imports, API ----------------------------------------------------------------
# Who sees the reports (each within their report scope).
REPORT_ROLES = frozenset(
    {
        Role.PRACTICE_SUPERVISOR,
        Role.TEAM_MANAGER,
        Role.BUSINESS_SUPPORT,
        Role.SERVICE_MANAGER,
        Role.ASSISTANT_DIRECTOR,
        Role.DIRECTOR,
        Role.PERFORMANCE,
        Role.ADMIN,
    }
)
# Of them, who sees only the activity reports (programme compliance, QA responses): who
# audited what and when, and what is overdue; never the audits' text (practice quality, the
# findings report).
ACTIVITY_REPORT_ROLES = frozenset({Role.BUSINESS_SUPPORT})
# Who sees that a case's audits exist (tool, auditor, dates, status) but never an audit's
# text, its PDF or its urgent findings: they assist with monitoring, not with practice.
AUDIT_TEXT_HIDDEN_ROLES = frozenset({Role.BUSINESS_SUPPORT})
# Who may import the case register and staff list (roles that already see every case).
IMPORT_ROLES = frozenset({Role.ADMIN, Role.PERFORMANCE})
# Who may import case lists for their own team only (never the staff list: it gives roles and
# accounts, which only IMPORT_ROLES manage).
TEAM_CASE_IMPORT_ROLES = frozenset({Role.BUSINESS_SUPPORT})
# --- campaigns (thematic audits, Safeguarding Assurance Days) --------------------------------
# Who may set up a campaign: a Team Manager of their team's cases, a CSM of their service's,
# an AD, the Director or Performance Assurance of any case (caseaudit.campaigns.policy).
CAMPAIGN_CREATE_ROLES = frozenset(
    {
        Role.TEAM_MANAGER,
        Role.SERVICE_MANAGER,
        Role.ASSISTANT_DIRECTOR,
        Role.DIRECTOR,
        Role.PERFORMANCE,
    }
)
# Who may be invited to audit a campaign's cases: the auditing roles not kept to a tool of
# their own (IROs and CP Chairs audit only with theirs), and Lead Members.
CAMPAIGN_AUDITOR_ROLES = (AUDITOR_ROLES - {Role.IRO, Role.CP_CHAIR}) | {Role.LEAD_MEMBER}
# Who sees only the cases allocated to them in a live campaign (cases.selectors.case_scope):
# not even the cases they once audited, once the campaign has ended.
CAMPAIGN_ONLY_ROLES = frozenset({Role.LEAD_MEMBER})

# Whom a moderation sample draws moderators from (caseaudit.moderation): never the audit's
# auditor, nor anyone who holds, supervises or manages the case (moderation.policy).
MODERATOR_ROLES = frozenset(
    {
        Role.PERFORMANCE,
        Role.SERVICE_MANAGER,
        Role.ASSISTANT_DIRECTOR,
        Role.DIRECTOR,
        Role.AUDITOR,
    }
)

# Who writes findings reports for any scope (caseaudit.improvement; a CSM writes them for their
# own service), and the senior managers who may review one (narrowed by the report's scope).
FINDINGS_AUTHOR_ROLES = frozenset({Role.PERFORMANCE, Role.ADMIN})
FINDINGS_REVIEWER_ROLES = frozenset({Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR})

# The roles a service account (API) may have: read-only and authority-wide.
SERVICE_ACCOUNT_ROLES = frozenset({Role.PERFORMANCE})

# --- the self-evaluation pack (caseaudit.selfeval) -----------------------------------------
# Who prepares self-evaluation packs of any scope (a CSM prepares their own service's).
SELF_EVALUATION_AUTHOR_ROLES = frozenset({Role.PERFORMANCE, Role.ADMIN})
# The senior managers who review a pack (a service's pack: that service's CSM too, unless they
# wrote it; caseaudit.selfeval.policy.reviewer_q).
SELF_EVALUATION_REVIEWER_ROLES = frozenset({Role.ASSISTANT_DIRECTOR, Role.DIRECTOR})
# Who reads every published pack (the authority's and each service's).
SELF_EVALUATION_SENIOR_ROLES = frozenset(
    {Role.ASSISTANT_DIRECTOR, Role.DIRECTOR, Role.PERFORMANCE, Role.ADMIN}
)
# Who reads the published pack of the whole authority: the senior readers and every
# Children's Service Manager (a service's pack: its own CSM only, besides the senior readers).
SELF_EVALUATION_AUTHORITY_READER_ROLES = SELF_EVALUATION_SENIOR_ROLES | {Role.SERVICE_MANAGER}
