"""The home page's lists of other apps' records read only the columns their panels show
(`site.views.URGENT_FINDING_FIELDS`, `MY_AUDIT_FIELDS`, `ALLOCATION_FIELDS`): with every list
full, the page still shows each field and runs no query per row."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits.models import Audit, AuditReason, AuditStatus, UrgentFinding
from caseaudit.programme.models import Allocation, ProgrammeMonth


def _full_lists(org):
    version = tool_version_published(code="generic")
    now = timezone.now()
    draft = Audit.objects.create(
        case=org.case, tool_version=version, auditor=org.tm, reason=AuditReason.PERMISSIVE
    )
    done = Audit.objects.create(
        case=org.colleague_case,
        tool_version=version,
        auditor=org.tm,
        reason=AuditReason.PERMISSIVE,
        status=AuditStatus.COMPLETED,
        completed_at=now,
    )
    UrgentFinding.objects.create(
        audit=done, case=org.colleague_case, trigger="scale", reason="Scaled inadequate"
    )
    month = timezone.localdate().replace(day=1)
    earlier = (month - dt.timedelta(days=1)).replace(day=1)
    current = ProgrammeMonth.objects.create(
        month=month, seed=1, generated_at=now, status="confirmed"
    )
    previous = ProgrammeMonth.objects.create(
        month=earlier, seed=2, generated_at=now, status="confirmed"
    )
    common = {"auditor": org.tm, "rule": "manager-peer", "tool_code": "generic"}
    Allocation.objects.create(
        programme=current, case=org.case, audit=draft, reason="Due for its annual audit.", **common
    )
    Allocation.objects.create(
        programme=current, case=org.colleague_case, reason="Never audited.", **common
    )
    Allocation.objects.create(programme=current, case=None, reason="No eligible case.", **common)
    Allocation.objects.create(
        programme=previous, case=org.case_b, reason="Left from last month.", **common
    )
    return version, earlier


def test_full_lists_show_every_field_without_a_query_per_row(org, login, django_assert_num_queries):
    version, earlier = _full_lists(org)
    client = login(org.tm)
    client.get(reverse("home"))  # warm the per-process caches
    # As test_home.test_home_query_counts with the lists empty: one query per list.
    with django_assert_num_queries(10):
        body = client.get(reverse("home")).content.decode()
    for text in (
        org.case.reference,
        org.colleague_case.reference,
        org.case_b.reference,
        org.north_a.name,
        version.tool.name,
        org.tm.name,  # the finding's auditor
        "Scaled inadequate",
        "Draft to finish",
        "Completed",
        "Due for its annual audit.",
        "No eligible case.",
        f"Carried over from {earlier:%B %Y}",
        reverse("audit_edit", args=[Audit.objects.get(status=AuditStatus.DRAFT).pk]),
    ):
        assert text in body, text
