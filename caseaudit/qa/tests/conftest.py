"""Fixtures of the quality suite: the shipped tools back after a transactional flush, and
audits built with the apps' own services (their emails attach the suite's stand-in PDF:
caseaudit/conftest.py)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit, AuditReason, UrgentFinding
from caseaudit.audits.tests.conftest import complete_data
from caseaudit.workflows import audits as workflows

from .axe import axe_findings_summary


@pytest.fixture
def shipped_tools(db):
    """The six tools and the scaling bands, as their migration loads them. A transactional
    test empties every table when it ends, so a later one loads them again (this does nothing
    when they are there)."""
    migration = importlib.import_module("caseaudit.audit_tools.migrations.0002_load_shipped_tools")
    migration.load(apps, None)


def audit_data(audit: Audit, *, scale: int = 7, actions=()) -> dict:
    """What `audit_complete` requires, as `audit_save` data (the audits tests' own
    `complete_data`), with `actions` as a list of (description, owner, due_on)."""
    data = complete_data(audit, scale=scale, overall=scale)
    # A scale in a band that needs restorative actions keeps one action per section.
    needed = [a for a in data["actions"] if a.get("section_id")]
    return data | {
        "actions": needed
        + [{"description": d, "owner_id": owner.pk, "due_on": due} for d, owner, due in actions]
    }


def audit_started(*, case, auditor, tool_code="generic") -> Audit:
    return audit_services.audit_start(
        case=case, auditor=auditor, tool_code=tool_code, reason=AuditReason.PERMISSIVE
    )


def audit_completed(*, case, auditor, actions=1, scale=7) -> Audit:
    """A Generic Audit started, filled in and completed through the services (its QA
    response is made by the responses app's receiver). Run where on-commit work runs
    (a transactional test, or inside `django_capture_on_commit_callbacks(execute=True)`)."""
    audit = audit_started(case=case, auditor=auditor)
    owner = case.allocated_worker
    rows = [
        (f"Update the chronology ({n + 1}).", owner, dt.date(2027, 1, 15)) for n in range(actions)
    ]
    audit_services.audit_save(
        audit=audit,
        by=auditor.user,
        data=audit_data(audit, scale=scale, actions=rows),
        revision=audit.revision,
    )
    workflows.audit_complete(audit=audit, by=auditor.user)
    return audit


def finding_raised(*, case, auditor) -> UrgentFinding:
    """A draft audit whose first section is scaled 2, which raises an urgent finding."""
    audit = audit_started(case=case, auditor=auditor)
    first = audit.tool_version.sections.order_by("order", "id").first()
    audit_services.audit_save(
        audit=audit,
        by=auditor.user,
        data={"sections": {first.pk: {"worried_about": "No safety plan.", "scale": 2}}},
        revision=audit.revision,
    )
    return UrgentFinding.objects.get(audit=audit)


def pytest_terminal_summary(terminalreporter):
    lines = axe_findings_summary()
    if lines:
        terminalreporter.section("axe-core findings (every impact)")
        for line in lines:
            terminalreporter.write_line(line)
