"""A team's programme for its Team Manager and Business Support: which
months and allocations each persona sees, the month-by-month summary, and the chase (who may,
what it tells the auditor, what it records, once a day)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent, AccessObjectType
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.notifications.models import Notification, NotificationKind
from caseaudit.organisation.models import Role
from caseaudit.programme import selectors, services
from caseaudit.programme.due import add_months
from caseaudit.programme.models import Allocation, AllocationStatus, MonthStatus

THIS_MONTH = timezone.localdate().replace(day=1)


@pytest.fixture
def cases(org):
    for worker in (org.worker, org.colleague, org.worker_b, org.outsider):
        CaseFactory.create_batch(4, team=worker.team, allocated_worker=worker)


@pytest.fixture
def bs_b(org):
    """Business Support of another team (North B)."""
    return StaffFactory(role=Role.BUSINESS_SUPPORT, team=org.north_b)


def _confirmed(month, seed=3):
    programme = services.programme_generate(month=month, seed=seed)
    return services.programme_confirm(programme=programme, by=None)


@pytest.fixture
def month(org, cases):
    return _confirmed(THIS_MONTH)


def _page_auditors(response) -> list[str]:
    return sorted(a.auditor.name for a in response.context["page"].object_list)


def _ps_peer(programme, auditor) -> Allocation:
    return programme.allocations.get(auditor=auditor, rule="ps-peer")


# --- who sees which months and allocations ----------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "auditors"),
    [
        ("tm", ["ps1", "ps2", "tm"]),  # their PSs' peer audits and their own
        ("business_support", ["ps1", "ps2"]),  # not the TM's peer audit of another team's case
        ("tm_b", ["tm_b", "tm_b"]),  # another team: their own two, nothing of North A's
        ("bs_b", ["tm_b"]),  # Business Support of North B: its single-PS audit
    ],
)
def test_a_team_sees_its_own_auditors_allocations(org, login, month, bs_b, persona, auditors):
    staff = bs_b if persona == "bs_b" else getattr(org, persona)
    response = login(staff).get(reverse("programme_month", args=[month.label]))
    assert response.status_code == 200
    assert _page_auditors(response) == sorted(getattr(org, name).name for name in auditors)
    body = response.content.decode()
    assert "Generate draft" not in body and "Confirm programme" not in body
    assert "Swap" not in body and "Reallocate" not in body
    # The summary counts what they see, not the authority's month.
    assert response.context["summary"]["total"] == len(auditors)


@pytest.mark.parametrize("persona", ["worker", "colleague", "ps1", "outsider", "iro", "cp_chair"])
def test_no_programme_for_other_roles(org, login, month, persona):
    client = login(getattr(org, persona))
    assert client.get(reverse("programme_index")).status_code == 404
    assert client.get(reverse("programme_month", args=[month.label])).status_code == 404
    assert b'href="/programme/"' not in client.get(reverse("home")).content


@pytest.mark.parametrize("persona", ["tm", "business_support"])
def test_a_team_opens_confirmed_months_of_the_last_twelve_only(org, login, cases, persona):
    twelve_back = _confirmed(add_months(THIS_MONTH, -12), seed=1)
    thirteen_back = _confirmed(add_months(THIS_MONTH, -13), seed=2)
    draft = services.programme_generate(month=THIS_MONTH, seed=4)
    client = login(getattr(org, persona))
    assert client.get(reverse("programme_month", args=[twelve_back.label])).status_code == 200
    assert client.get(reverse("programme_month", args=[thirteen_back.label])).status_code == 404
    assert client.get(reverse("programme_month", args=[draft.label])).status_code == 404
    index = client.get(reverse("programme_index"))
    assert list(index.context["months"]) == [twelve_back]
    assert b'href="/programme/"' in index.content  # the header's link
    # Performance Assurance sees every month, drafts too.
    everything = login(org.performance).get(reverse("programme_index")).context["months"]
    assert list(everything) == [draft, twelve_back, thirteen_back]


def test_the_team_index_counts_each_month_done_outstanding_and_overdue(org, login, cases):
    last = _confirmed(add_months(THIS_MONTH, -1), seed=1)
    this = _confirmed(THIS_MONTH, seed=2)
    Allocation.objects.filter(pk=_ps_peer(last, org.ps1).pk).update(
        status=AllocationStatus.COMPLETED
    )
    response = login(org.tm).get(reverse("programme_index"))
    rows = {row["month"]: row for row in response.context["team_months"]}
    assert set(rows) == {last.month, this.month}
    # Last month: ps1 done, ps2 and the TM's own not: overdue. This month: nothing overdue.
    assert (rows[last.month]["allocated"], rows[last.month]["done"]) == (3, 1)
    assert rows[last.month]["overdue"] == 2
    assert (rows[this.month]["allocated"], rows[this.month]["overdue"]) == (3, 0)
    assert 'id="team-months"' in response.content.decode()


def test_the_month_page_logs_the_view_and_keeps_its_queries(
    org, login, month, django_assert_max_num_queries
):
    client = login(org.tm)
    url = reverse("programme_month", args=[month.label])
    with django_assert_max_num_queries(20) as first:
        client.get(url)
    assert AccessEvent.objects.filter(
        user=org.tm.user, object_type=AccessObjectType.PROGRAMME, object_id=month.label
    ).exists()
    # More supervisors in the team, and last month's audits not done (carried over into this
    # one): more rows, the same queries.
    for _ in range(3):
        extra = StaffFactory(role=Role.PRACTICE_SUPERVISOR, team=org.north_a, line_manager=org.tm)
        worker = StaffFactory(team=org.north_a, line_manager=extra)
        CaseFactory.create_batch(3, team=org.north_a, allocated_worker=worker)
    last = _confirmed(add_months(THIS_MONTH, -1), seed=5)
    assert Allocation.objects.filter(programme=last, auditor_team=org.north_a).count() > 6
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.context["carried_count"] > 6


# --- the chase ----------------------------------------------------------------------------------


def _chase(client, allocation, month_label):
    return client.post(
        reverse("allocation_chase", args=[allocation.pk]), {"month": month_label, "page": "1"}
    )


def test_a_team_manager_chases_a_ps_peer_audit(
    org, login, month, django_capture_on_commit_callbacks
):
    allocation = _ps_peer(month, org.ps1)
    client = login(org.tm)
    with django_capture_on_commit_callbacks(execute=True):
        response = _chase(client, allocation, month.label)
    assert response.status_code == 302
    assert response.url == reverse("programme_month", args=[month.label])
    allocation.refresh_from_db()
    assert allocation.chased_by == org.tm.user and allocation.chase_count == 1
    assert allocation.chased_at is not None
    notice = Notification.objects.get(kind=NotificationKind.ALLOCATION_CHASED)
    assert notice.recipient == org.ps1
    assert allocation.case.reference in notice.subject
    assert allocation.case.display_name not in notice.subject + notice.body  # never a name
    assert org.tm.name in notice.body and f"{month.month:%B %Y}" in notice.body
    assert notice.url == reverse("home")
    # The row says who chased and when; no second chase today.
    page = client.get(reverse("programme_month", args=[month.label])).content.decode()
    assert f"by {org.tm.name}" in page and "Chased today" in page
    # The chase names the case: in the access log.
    assert AccessEvent.objects.filter(
        user=org.tm.user, object_type=AccessObjectType.ALLOCATION, case_id=allocation.case_id
    ).exists()


def test_a_chase_is_once_a_day(org, login, month):
    allocation = _ps_peer(month, org.ps2)
    client = login(org.tm)
    _chase(client, allocation, month.label)
    again = client.post(
        reverse("allocation_chase", args=[allocation.pk]), {"month": month.label}, follow=True
    )
    assert "already chased" in again.content.decode()
    assert Notification.objects.filter(kind=NotificationKind.ALLOCATION_CHASED).count() == 1
    # Performance Assurance the same day: still once a day per allocation.
    with pytest.raises(TransitionConflict, match="already chased"):
        services.allocation_chase(allocation=allocation, by=org.performance.user)
    # The next day it may be chased again: counted, and the auditor told again.
    yesterday = timezone.now() - dt.timedelta(days=1)
    Allocation.objects.filter(pk=allocation.pk).update(chased_at=yesterday)
    services.allocation_chase(allocation=allocation, by=org.performance.user)
    allocation.refresh_from_db()
    assert allocation.chase_count == 2 and allocation.chased_by == org.performance.user
    assert Notification.objects.filter(kind=NotificationKind.ALLOCATION_CHASED).count() == 2


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("tm", 302),  # its team's Team Manager
        ("performance", 302),
        ("business_support", 403),  # sees it, may not chase
        ("csm_north", 403),  # sees the whole programme, may not chase
        ("director", 403),
        ("tm_b", 404),  # another team's Team Manager: not theirs to see
        ("bs_b", 404),
        ("ps1", 404),  # the auditor: no programme pages
        ("worker", 404),
        ("outsider", 404),
    ],
)
def test_who_may_chase(org, login, month, bs_b, persona, status):
    staff = bs_b if persona == "bs_b" else getattr(org, persona)
    allocation = _ps_peer(month, org.ps1)
    assert _chase(login(staff), allocation, month.label).status_code == status
    chased = Notification.objects.filter(kind=NotificationKind.ALLOCATION_CHASED).exists()
    assert chased is (status == 302)


def test_nothing_to_chase_once_done_or_of_one_s_own_or_a_draft(org, login, month, cases):
    client = login(org.tm)
    own = month.allocations.get(auditor=org.tm)
    assert _chase(client, own, month.label).status_code == 403  # their own audit
    done = _ps_peer(month, org.ps1)
    Allocation.objects.filter(pk=done.pk).update(status=AllocationStatus.COMPLETED)
    assert _chase(client, done, month.label).status_code == 403
    draft = services.programme_generate(month=add_months(THIS_MONTH, 1), seed=9)
    planned = draft.allocations.filter(auditor=org.ps2).first()
    assert _chase(client, planned, draft.label).status_code == 404  # a draft: not theirs to see
    assert _chase(login(org.performance), planned, draft.label).status_code == 403
    assert not Notification.objects.exists()


def test_a_leaver_is_not_chased(org, login, month):
    allocation = _ps_peer(month, org.ps1)
    org.ps1.left_on = timezone.localdate()
    org.ps1.save()
    response = _chase(login(org.tm), allocation, month.label)
    assert response.status_code == 302
    assert not Notification.objects.exists()
    allocation.refresh_from_db()
    assert allocation.chased_at is None


def test_the_chase_service_refuses_who_may_not(org, month):
    from django.core.exceptions import ValidationError

    allocation = _ps_peer(month, org.ps1)
    for who in (org.business_support, org.tm_b, org.csm_north, org.worker):
        with pytest.raises(ValidationError) as refused:
            services.allocation_chase(allocation=allocation, by=who.user)
        assert refused.value.code == "not_allowed"
    assert not Notification.objects.exists()


def test_chase_buttons_only_where_allowed(org, login, month):
    tm_page = login(org.tm).get(reverse("programme_month", args=[month.label]))
    chase_urls = {reverse("allocation_chase", args=[a.pk]) for a in month.allocations.all()}
    body = tm_page.content.decode()
    shown = {url for url in chase_urls if url in body}
    assert shown == {
        reverse("allocation_chase", args=[_ps_peer(month, ps).pk]) for ps in (org.ps1, org.ps2)
    }
    bs_body = login(org.business_support).get(reverse("programme_month", args=[month.label]))
    assert "/chase/" not in bs_body.content.decode()


# --- the API --------------------------------------------------------------------------------


def test_selectors_scope_a_team_s_month(org, month):
    mine = selectors.programme_allocations(programme=month, user=org.tm.user)
    assert {a.auditor for a in mine} == {org.ps1, org.ps2, org.tm}
    assert month.status == MonthStatus.CONFIRMED
