"""`manage.py seed_demo` and the whole small demo it builds (audit history, this month's
programme, QA responses). The demo is built once, by the command, for the module (inside a
transaction rolled back at its end; each test runs in its own savepoint): it takes longer
than all the other tests of the app together."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from caseaudit.audits.models import Audit, AuditStatus, RestorativeAction
from caseaudit.audits.selectors import my_audits, urgent_findings_open_for
from caseaudit.demo.authority import DEMO_PASSWORD, demo_email
from caseaudit.demo.seed import seed_demo
from caseaudit.organisation.models import Role, Staff
from caseaudit.programme.models import Allocation, AllocationStatus, ProgrammeMonth
from caseaudit.programme.selectors import my_allocations


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker):
    """What `manage.py seed_demo --scale small` printed the first time."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", "--scale", "small", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(first_run, db):
    return first_run


def test_command_prints_the_logins(demo, capsys):
    assert DEMO_PASSWORD in demo
    assert demo_email(Role.TEAM_MANAGER) in demo
    assert f"Lead Member                      {demo_email(Role.LEAD_MEMBER)}" in demo
    call_command("seed_demo", "--scale", "small")
    assert "already there" in capsys.readouterr().out


def test_the_demo_logins_find_their_work(demo):
    """The whole demo (`manage.py seed_demo`): the Team Manager has an urgent finding to
    acknowledge, the Practice Supervisor a draft audit from this month's confirmed programme,
    the practitioner actions to answer."""
    today = timezone.localdate()
    assert re.search(r"\b[1-9]\d* audits\b", demo), demo
    assert re.search(r"\b[1-9]\d* programme allocations\b", demo), demo
    tm, ps, worker = (
        Staff.objects.select_related("user").get(user__email=demo_email(role))
        for role in (Role.TEAM_MANAGER, Role.PRACTICE_SUPERVISOR, Role.PRACTITIONER)
    )
    assert urgent_findings_open_for(user=tm.user).exists()
    assert urgent_findings_open_for(user=ps.user).exists()
    drafts = [a for a in my_audits(user=ps.user) if a.is_draft]
    assert drafts and any(hasattr(a, "allocation") for a in drafts)
    assert RestorativeAction.objects.filter(owner=worker, status="open").exists()
    # This month's programme is confirmed, some of it done; the past months' too.
    programme = ProgrammeMonth.objects.get(month=today.replace(day=1))
    assert programme.is_confirmed
    assert my_allocations(user=ps.user, month=today).exists()
    statuses = set(programme.allocations.values_list("status", flat=True))
    assert {AllocationStatus.STARTED, AllocationStatus.COMPLETED} <= statuses
    for allocation in Allocation.objects.filter(audit__isnull=False).select_related("audit"):
        assert allocation.audit.case_id == allocation.case_id
        assert allocation.audit.auditor_id == allocation.auditor_id
        assert (allocation.status == AllocationStatus.COMPLETED) == (
            allocation.audit.status == AuditStatus.COMPLETED
        )
    assert ProgrammeMonth.objects.count() == 12
    # Everything is made once.
    before = (Audit.objects.count(), Allocation.objects.count())
    assert seed_demo(scale="small", today=today, history=True) == {}
    assert (Audit.objects.count(), Allocation.objects.count()) == before
