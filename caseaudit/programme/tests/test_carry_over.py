"""A programme that carries over: a case whose allocated audit is not yet
done is not allocated again; the open allocation is shown in the later months as carried over
from its own, and counts against the month it was due in; `allocate_audits --confirm`."""

import datetime as dt
import json
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits.models import Audit, AuditReason, AuditStatus
from caseaudit.factories import CaseFactory
from caseaudit.programme import selectors, services
from caseaudit.programme.choices import OPEN_STATUSES
from caseaudit.programme.due import add_months, month_end
from caseaudit.programme.models import Allocation, AllocationStatus, MonthStatus, ProgrammeMonth
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.selectors import compliance_counts

THIS = timezone.localdate().replace(day=1)
LAST = add_months(THIS, -1)
NEXT = add_months(THIS, 1)


@pytest.fixture
def cases(org):
    for worker in (org.worker, org.colleague, org.worker_b, org.outsider):
        CaseFactory.create_batch(3, team=worker.team, allocated_worker=worker)


def _confirmed(month, seed=1):
    return services.programme_confirm(
        programme=services.programme_generate(month=month, seed=seed), by=None
    )


def _open_cases(programme) -> set[int]:
    return set(
        programme.allocations.filter(status__in=OPEN_STATUSES, case__isnull=False).values_list(
            "case_id", flat=True
        )
    )


def _cases(programme) -> set[int]:
    return set(
        programme.allocations.exclude(status=AllocationStatus.CANCELLED)
        .exclude(case__isnull=True)
        .values_list("case_id", flat=True)
    )


def _complete(allocation, when=None):
    """The allocation's audit done (as `audit_complete` leaves it), completed at `when`."""
    audit = Audit.objects.create(
        case=allocation.case,
        tool_version=tool_version_published(code=allocation.tool_code),
        auditor=allocation.auditor,
        reason=AuditReason.PEER,
        status=AuditStatus.COMPLETED,
        completed_at=when or timezone.now(),
    )
    Allocation.objects.filter(pk=allocation.pk).update(
        audit=audit, status=AllocationStatus.COMPLETED
    )


# --- not allocated again --------------------------------------------------------------------


def test_a_case_still_allocated_is_not_allocated_again(org, cases):
    last = _confirmed(LAST, seed=1)
    done = last.allocations.filter(case__isnull=False).order_by("pk").first()
    _complete(done)
    still_open = _open_cases(last)
    assert still_open and done.case_id not in still_open
    following = services.programme_generate(month=THIS, seed=1)
    assert not _cases(following) & still_open
    # The preview (the command's output, the benchmark) leaves them out the same way.
    preview = services.allocation_preview(month=THIS, seed=1)
    assert {p.case.id for p in preview.allocations} == _cases(following)


def test_the_only_eligible_case_still_open_leaves_the_rule_unfilled_until_done(org):
    """North A: ps1 peer-audits a case supervised by ps2, and ps2 supervises one case only (the
    colleague's). Allocated last month and not done, it is not ps1's again this month."""
    last = _confirmed(LAST)
    peer = last.allocations.get(auditor=org.ps1, rule="ps-peer")
    assert peer.case == org.colleague_case
    this = services.programme_generate(month=THIS, seed=2)
    again = this.allocations.get(auditor=org.ps1, rule="ps-peer")
    assert again.case is None and "No open case supervised by" in again.reason
    # Once last month's audit is done, the case can be allocated again.
    _complete(peer)
    this = services.programme_generate(month=THIS, seed=2)
    assert this.allocations.get(auditor=org.ps1, rule="ps-peer").case == org.colleague_case


def test_a_draft_month_does_not_hold_its_cases(org):
    last = services.programme_generate(month=LAST, seed=1)  # not confirmed: nobody's audits
    this = services.programme_generate(month=THIS, seed=1)
    assert last.allocations.get(auditor=org.ps1, rule="ps-peer").case == org.colleague_case
    assert this.allocations.get(auditor=org.ps1, rule="ps-peer").case == org.colleague_case


def test_a_draft_that_clashes_with_a_confirmed_month_cannot_be_confirmed(org, cases):
    """Two drafts made before either was confirmed: the second confirmation is refused, naming
    the cases, until the draft is regenerated (which leaves them out)."""
    last = services.programme_generate(month=LAST, seed=1)
    this = services.programme_generate(month=THIS, seed=1)
    services.programme_confirm(programme=last, by=org.performance.user)
    clash = _cases(this) & _open_cases(last)
    assert clash
    with pytest.raises(ValidationError, match="cannot be confirmed") as refused:
        services.programme_confirm(programme=this, by=org.performance.user)
    reference = Allocation.objects.filter(case_id__in=clash).first().case.reference
    assert reference in refused.value.messages[0]
    this.refresh_from_db()
    assert this.status == MonthStatus.DRAFT
    this = services.programme_generate(month=THIS, seed=1)
    services.programme_confirm(programme=this, by=org.performance.user)
    assert not _cases(this) & _open_cases(last)


def test_a_swap_never_takes_a_case_still_open_elsewhere(org, cases):
    CaseFactory.create_batch(4, team=org.south_a, allocated_worker=org.outsider)  # spares
    last = _confirmed(LAST)
    this = services.programme_generate(month=THIS, seed=3)
    allocation = this.allocations.get(auditor=org.director, rule="manager-peer")
    busy = Allocation.objects.get(programme=last, auditor=org.tm).case
    with pytest.raises(ValidationError, match="still allocated in"):
        services.allocation_swap(allocation=allocation, by=org.performance.user, case=busy)
    for _ in range(3):  # the engine's next choices
        swapped = services.allocation_swap(allocation=allocation, by=org.performance.user)
        assert swapped.case_id not in _open_cases(last)


def test_no_case_is_ever_open_twice_over_a_year_of_months(org, cases):
    """Months generated and confirmed one after another, a random share of each month's
    audits done: at no point has any case two open allocations."""
    rng = random.Random(16)
    for n in range(12):
        programme = _confirmed(add_months(THIS, n - 11), seed=n)
        for allocation in programme.allocations.filter(case__isnull=False):
            if rng.random() < 0.5:
                _complete(allocation)
        open_cases = list(
            Allocation.objects.filter(
                status__in=OPEN_STATUSES,
                case__isnull=False,
                programme__status=MonthStatus.CONFIRMED,
            ).values_list("case_id", flat=True)
        )
        assert len(open_cases) == len(set(open_cases)), programme


# --- carried over -------------------------------------------------------------------------------


def test_an_open_allocation_is_carried_over_and_counts_against_its_own_month(org, cases, login):
    last = _confirmed(LAST)
    this = _confirmed(THIS, seed=2)
    open_peer = last.allocations.get(auditor=org.ps1, rule="ps-peer")
    done_before = last.allocations.get(auditor=org.ps2, rule="ps-peer")
    _complete(done_before, when=dt.datetime(LAST.year, LAST.month, 20, 12, tzinfo=dt.UTC))
    done_since = last.allocations.get(auditor=org.tm, rule="manager-peer")
    _complete(done_since)  # now: after this month began

    carried = list(selectors.allocations_carried_over(user=org.performance.user, month=THIS))
    assert open_peer in carried and done_since in carried
    assert done_before not in carried  # done within its own month: nothing carried
    # Nothing is made again: the carried allocation is last month's own row.
    assert not this.allocations.filter(case=open_peer.case).exists()

    page = login(org.tm).get(reverse("programme_month", args=[this.label]))
    body = page.content.decode()
    assert 'id="carried-over"' in body
    assert "Carried over from earlier months" in body
    assert f'<td class="govuk-table__cell">{LAST:%B %Y}</td>' in body  # from its own month
    assert page.context["carried_count"] == 2
    rows = {a.pk: a for a in page.context["carried"]}
    assert rows[open_peer.pk].overdue and not rows[done_since.pk].overdue

    # The compliance report counts it against last month: expected there, overdue (that month
    # has ended); this month's figures do not include it.
    scope = report_scope(org.performance.user)
    counts = compliance_counts(
        scope=scope,
        filters=ReportFilters(start=LAST, end=month_end(THIS)),
        today=timezone.localdate(),
    )
    last_expected = last.allocations.filter(case__isnull=False).count()
    assert counts.months[LAST].expected == last_expected
    assert counts.months[LAST].overdue == last_expected - 2
    assert counts.months[THIS].expected == this.allocations.filter(case__isnull=False).count()
    assert counts.months[THIS].overdue == 0


def test_the_auditor_keeps_a_carried_over_audit_on_their_home_page_and_starts_it(org, cases, login):
    last = _confirmed(LAST)
    _confirmed(THIS, seed=2)
    carried = last.allocations.get(auditor=org.ps1, rule="ps-peer")
    mine = list(selectors.my_allocations(user=org.ps1.user, month=timezone.localdate()))
    assert mine[0] == carried and mine[0].carried
    assert all(not a.carried for a in mine[1:]) and len(mine) == 2
    client = login(org.ps1)
    home = client.get(reverse("home")).content.decode()
    assert f"Carried over from {LAST:%B %Y}" in home
    response = client.post(reverse("allocation_start", args=[carried.pk]))
    carried.refresh_from_db()
    assert carried.status == AllocationStatus.STARTED
    assert response.url == reverse("audit_edit", args=[carried.audit_id])
    # Started, it is still carried over (not done) on the month pages.
    assert carried in selectors.allocations_carried_over(user=org.tm.user, month=THIS)


# --- allocate_audits --confirm ----------------------------------------------------------------


def test_the_command_confirms_a_whole_month(org, cases, capsys):
    call_command("allocate_audits", "--month", THIS.strftime("%Y-%m"), "--seed", "5", "--confirm")
    programme = ProgrammeMonth.objects.get(month=THIS)
    assert programme.is_confirmed and programme.seed == 5
    assert "Allocated (confirmed)" in capsys.readouterr().out
    # Its auditors see their audits.
    assert selectors.my_allocations(user=org.ps1.user, month=THIS).exists()
    # A confirmed month is not generated again.
    with pytest.raises(CommandError, match="confirmed"):
        call_command("allocate_audits", "--month", THIS.strftime("%Y-%m"), "--confirm")
    # The next month, with --json: it says it is confirmed, and leaves out the open cases.
    call_command(
        "allocate_audits", "--month", NEXT.strftime("%Y-%m"), "--seed", "6", "--confirm", "--json"
    )
    out = json.loads(capsys.readouterr().out)
    assert out["confirmed"] is True and out["month"] == NEXT.strftime("%Y-%m")
    following = ProgrammeMonth.objects.get(month=NEXT)
    assert following.is_confirmed
    assert not _cases(following) & _open_cases(programme)
    assert {a["case"] for a in out["allocations"]} == set(
        following.allocations.exclude(case__isnull=True).values_list("case__reference", flat=True)
    )


def test_the_command_refuses_confirm_with_dry_run_and_stores_nothing_when_refused(org, cases):
    with pytest.raises(CommandError, match="--dry-run"):
        call_command("allocate_audits", "--month", THIS.strftime("%Y-%m"), "--dry-run", "--confirm")
    assert not ProgrammeMonth.objects.exists()
    # A draft of this month that clashes with last month once that is confirmed: --confirm
    # regenerates it (leaving those cases out), so it is confirmed.
    services.programme_generate(month=THIS, seed=1)
    services.programme_generate(month=LAST, seed=1)
    services.programme_confirm(programme=ProgrammeMonth.objects.get(month=LAST), by=None)
    call_command("allocate_audits", "--month", THIS.strftime("%Y-%m"), "--confirm")
    this = ProgrammeMonth.objects.get(month=THIS)
    assert this.is_confirmed
    assert not _cases(this) & _open_cases(ProgrammeMonth.objects.get(month=LAST))


def test_generate_and_confirm_is_one_transaction(org, cases, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("refused")

    monkeypatch.setattr(services, "programme_confirm", refuse)
    with pytest.raises(CommandError, match="refused"):
        call_command("allocate_audits", "--month", THIS.strftime("%Y-%m"), "--confirm")
    assert not ProgrammeMonth.objects.exists()  # the draft was rolled back with it
