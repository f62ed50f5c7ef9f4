"""The programme's writes under real concurrent requests (PostgreSQL only; see
`caseaudit/audits/tests/concurrency.py`): two chases of one allocation at the same moment tell
the auditor once; two overlapping months confirmed at the same moment never leave a case
allocated twice."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.tests.concurrency import load_shipped_tools, require_postgresql, run_together
from caseaudit.factories import CaseFactory
from caseaudit.notifications.models import Notification, NotificationKind
from caseaudit.programme import services
from caseaudit.programme.choices import OPEN_STATUSES
from caseaudit.programme.due import add_months
from caseaudit.programme.models import Allocation, MonthStatus, ProgrammeMonth

pytestmark = pytest.mark.django_db(transaction=True)

THIS = timezone.localdate().replace(day=1)


def _cases(org):
    for worker in (org.worker, org.colleague, org.worker_b, org.outsider):
        CaseFactory.create_batch(3, team=worker.team, allocated_worker=worker)


def test_simultaneous_chases_tell_the_auditor_once(org):
    require_postgresql()
    load_shipped_tools()
    _cases(org)
    programme = services.programme_confirm(
        programme=services.programme_generate(month=THIS, seed=1), by=None
    )
    allocation = programme.allocations.get(auditor=org.ps1, rule="ps-peer")
    clients = []
    for staff in (org.tm, org.performance, org.tm, org.performance):
        client = Client()
        client.force_login(staff.user)
        clients.append(client)
    url = reverse("allocation_chase", args=[allocation.pk])
    results = run_together([lambda c=c: c.post(url, {"month": programme.label}) for c in clients])
    assert all(getattr(r, "status_code", None) == 302 for r in results), results
    assert Notification.objects.filter(kind=NotificationKind.ALLOCATION_CHASED).count() == 1
    allocation.refresh_from_db()
    assert allocation.chase_count == 1


def test_overlapping_months_confirmed_at_once_never_share_an_open_case(org):
    require_postgresql()
    load_shipped_tools()
    _cases(org)
    last = services.programme_generate(month=add_months(THIS, -1), seed=1)
    this = services.programme_generate(month=THIS, seed=1)
    shared = set(last.allocations.values_list("case_id", flat=True)) & set(
        this.allocations.values_list("case_id", flat=True)
    )
    assert shared - {None}  # two drafts made before either was confirmed: they overlap
    results = run_together(
        [
            lambda: services.programme_confirm(programme=last, by=None),
            lambda: services.programme_confirm(programme=this, by=None),
        ]
    )
    confirmed = ProgrammeMonth.objects.filter(status=MonthStatus.CONFIRMED)
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert confirmed.count() == 1 and len(refused) == 1, results
    assert "cannot be confirmed" in refused[0].messages[0]
    open_cases = list(
        Allocation.objects.filter(
            programme__status=MonthStatus.CONFIRMED, status__in=OPEN_STATUSES
        ).values_list("case_id", flat=True)
    )
    assert len(open_cases) == len(set(open_cases))
