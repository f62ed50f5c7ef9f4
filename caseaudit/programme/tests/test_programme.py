"""The programme stored and used: generation, confirmation, swaps, reallocation, the command,
the pages (with personas) and the auditor's home page."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from caseaudit.cases.selectors import case_visible_qs
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.organisation.models import Role
from caseaudit.programme import selectors, services, views
from caseaudit.programme.models import Allocation, AllocationStatus, ProgrammeMonth
from caseaudit.workflows import audits as workflows

MONTH = dt.date(2026, 12, 1)


@pytest.fixture
def cases(org):
    """Enough cases for every rule: each PS of north-a supervises some cases, team B has some.
    Enough everywhere that the managers' peer picks never use up a pool: a swap needs a spare
    (which allocation a test swaps depends on the factories' random names)."""
    extra = {
        "ps1": [CaseFactory(team=org.north_a, allocated_worker=org.worker) for _ in range(6)],
        "ps2": [CaseFactory(team=org.north_a, allocated_worker=org.colleague) for _ in range(6)],
        "b": [CaseFactory(team=org.north_b, allocated_worker=org.worker_b) for _ in range(6)],
    }
    return extra


def test_generate_stores_a_draft_with_every_rule(org, cases):
    programme = services.programme_generate(month=MONTH, seed=7, by=org.performance.user)
    assert programme.status == "draft" and programme.seed == 7
    rules = list(programme.allocations.values_list("rule", flat=True))
    # north-a has two PS: 2 peer audits; north-b and south-a have one PS: their TMs audit;
    # every TM, the CSM and the Director do a manager peer audit.
    assert rules.count("ps-peer") == 2
    assert rules.count("tm-single-ps") == 2
    managers = {org.tm, org.tm_b, org.tm_south, org.csm_north, org.director}
    assert set(
        Allocation.objects.filter(programme=programme, rule="manager-peer").values_list(
            "auditor", flat=True
        )
    ) == {m.pk for m in managers}


def test_same_seed_same_programme_and_regenerating_replaces_the_draft(org, cases):
    first = services.programme_generate(month=MONTH, seed=11)
    before = list(first.allocations.values_list("auditor_id", "case_id", "rule"))
    again = services.programme_generate(month=MONTH, seed=11)
    assert again.pk == first.pk
    assert list(again.allocations.values_list("auditor_id", "case_id", "rule")) == before
    assert Allocation.objects.count() == len(before)


def test_a_confirmed_month_cannot_be_regenerated(org, cases):
    programme = services.programme_generate(month=MONTH, seed=1)
    services.programme_confirm(programme=programme, by=org.performance.user)
    with pytest.raises(ValidationError, match="confirmed"):
        services.programme_generate(month=MONTH, seed=2)


def test_confirmed_allocation_lets_the_auditor_see_the_case(org, cases):
    programme = services.programme_generate(month=MONTH, seed=3)
    allocation = programme.allocations.get(auditor=org.tm, rule="manager-peer")
    assert allocation.case.team_id != org.north_a.pk
    assert not case_visible_qs(org.tm.user).filter(pk=allocation.case_id).exists()
    services.programme_confirm(programme=programme, by=org.performance.user)
    assert case_visible_qs(org.tm.user).filter(pk=allocation.case_id).exists()


def test_swap_takes_another_eligible_case_or_refuses_an_ineligible_one(org, cases):
    programme = services.programme_generate(month=MONTH, seed=5)
    allocation = programme.allocations.get(auditor=org.ps1, rule="ps-peer")
    old = allocation.case_id
    swapped = services.allocation_swap(allocation=allocation, by=org.performance.user)
    assert swapped.case_id != old
    assert swapped.case.allocated_worker.line_manager == org.ps2
    with pytest.raises(ValidationError, match="cannot audit"):
        services.allocation_swap(
            allocation=allocation, by=org.performance.user, case=cases["ps1"][0]
        )  # supervised by ps1 themself
    taken = set(programme.allocations.values_list("case_id", flat=True))
    free = next(c for c in cases["ps2"] + [org.colleague_case] if c.pk not in taken)
    named = services.allocation_swap(allocation=allocation, by=org.performance.user, case=free)
    assert named.case == free and "Chosen by" in named.reason


def test_reallocation_when_the_auditor_leaves(org, cases):
    programme = services.programme_generate(month=MONTH, seed=9)
    services.programme_confirm(programme=programme, by=org.performance.user)
    allocation = programme.allocations.get(auditor=org.tm, rule="manager-peer")
    org.tm.left_on = dt.date(2026, 12, 3)
    org.tm.save()
    needing = selectors.allocations_needing_reallocation(
        programme=programme, user=org.performance.user
    )
    assert list(needing) == [allocation]
    new = (
        services.allocation_reallocate(
            allocation=allocation, auditor=org.tm_b, by=org.performance.user
        )
        if allocation.case.team_id != org.north_b.pk
        else None
    )
    if new is None:  # the case was in team B, so team B's TM cannot take it
        new = services.allocation_reallocate(
            allocation=allocation, auditor=org.tm_south, by=org.performance.user
        )
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.CANCELLED
    assert new.case_id == allocation.case_id and new.status == AllocationStatus.PLANNED
    assert "Reallocated from" in new.reason
    assert not selectors.allocations_needing_reallocation(
        programme=programme, user=org.performance.user
    ).exists()


def test_reallocation_refuses_an_auditor_of_the_cases_own_team(org, cases):
    programme = services.programme_generate(month=MONTH, seed=9)
    allocation = programme.allocations.get(auditor=org.tm_south, rule="manager-peer")
    own_team_tm = {org.north_a.pk: org.tm, org.north_b.pk: org.tm_b}[allocation.case.team_id]
    with pytest.raises(ValidationError, match="cannot take"):
        services.allocation_reallocate(
            allocation=allocation, auditor=own_team_tm, by=org.performance.user
        )


def test_expected_audits_per_person(org, cases):
    programme = services.programme_generate(month=MONTH, seed=4)
    assert selectors.expected_audits(month=MONTH) == {}  # drafts set no expectations
    services.programme_confirm(programme=programme, by=org.performance.user)
    expected = selectors.expected_audits(month=MONTH)
    assert expected[org.ps1.pk] == 1 and expected[org.tm.pk] == 1
    filled = programme.allocations.exclude(case__isnull=True).count()
    assert sum(expected.values()) == filled


def test_command_json_is_reproducible_and_dry_run_stores_nothing(org, cases, capsys):
    call_command("allocate_audits", "--month", "2026-12", "--seed", "42", "--dry-run", "--json")
    first = json.loads(capsys.readouterr().out)
    assert ProgrammeMonth.objects.count() == 0
    call_command("allocate_audits", "--month", "2026-12", "--seed", "42", "--dry-run", "--json")
    assert json.loads(capsys.readouterr().out) == first
    assert first["month"] == "2026-12" and first["seed"] == 42
    allocation = first["allocations"][0]
    assert set(allocation) == {"auditor", "case", "tool", "rule", "reason"}
    staff_ids = {
        s.staff_id
        for s in (org.ps1, org.ps2, org.tm, org.tm_b, org.tm_south, org.csm_north, org.director)
    }
    assert {a["auditor"] for a in first["allocations"]} <= staff_ids
    assert all(
        a["rule"] in {"ps-peer", "tm-single-ps", "manager-peer"} for a in first["allocations"]
    )
    call_command("allocate_audits", "--month", "2026-12", "--seed", "42")
    assert ProgrammeMonth.objects.get().seed == 42


def test_command_rejects_a_bad_month(db):
    with pytest.raises(CommandError, match="2026-12"):
        call_command("allocate_audits", "--month", "December")


# --- pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "index", "draft"),
    [
        ("performance", 200, 200),
        ("director", 200, 200),
        ("csm_north", 200, 200),
        # Their team's programme: the index, but never a draft month (test_team_programme.py).
        ("tm", 200, 404),
        ("business_support", 200, 404),
        ("ps1", 404, 404),
        ("worker", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_programme_pages_by_persona(org, cases, login, persona, index, draft):
    services.programme_generate(month=MONTH, seed=1)
    client = login(getattr(org, persona))
    assert client.get(reverse("programme_index")).status_code == index
    assert client.get(reverse("programme_month", args=["2026-12"])).status_code == draft


@pytest.mark.parametrize("persona", ["director", "csm_north", "tm", "worker"])
def test_only_performance_and_admin_generate_or_confirm(org, cases, login, persona):
    client = login(getattr(org, persona))
    response = client.post(reverse("programme_generate"), {"month": "2026-12"})
    assert response.status_code == 404
    assert not ProgrammeMonth.objects.exists()


def test_generate_review_swap_and_confirm_through_the_pages(org, cases, login, settings):
    client = login(org.performance)
    today = timezone.localdate()
    label = today.strftime("%Y-%m")
    response = client.post(reverse("programme_generate"), {"month": label, "seed": "8"})
    assert response.status_code == 302
    page = client.get(reverse("programme_month", args=[label]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Practice Supervisor peer audit" in body and org.ps1.name in body
    allocation = Allocation.objects.get(auditor=org.ps1)
    response = client.post(reverse("allocation_swap", args=[allocation.pk]), {"reference": ""})
    assert response.status_code == 302
    response = client.post(reverse("allocation_swap", args=[allocation.pk]), {"reference": "NOPE"})
    assert "There is no case with reference NOPE" in response.content.decode()
    client.post(reverse("programme_confirm", args=[label]))
    assert ProgrammeMonth.objects.get().is_confirmed


def _rows(response) -> list[int]:
    return [a.pk for a in response.context["page"].object_list]


def test_month_page_shows_a_page_of_allocations_and_counts_the_whole_month(
    org, cases, login, monkeypatch
):
    monkeypatch.setattr(views, "ALLOCATION_PAGE_SIZE", 3)
    programme = services.programme_generate(month=MONTH, seed=1)
    filled = programme.allocations.filter(case__isnull=False)
    unfilled = programme.allocations.filter(case__isnull=True)
    assert filled.count() > 3 and unfilled.exists()
    client = login(org.performance)
    url = reverse("programme_month", args=["2026-12"])
    first = client.get(url)
    body = first.content.decode()
    assert len(_rows(first)) == 3
    assert body.count('<tr class="govuk-table__row" id="allocation-') == 3  # a page
    # The counts and the list of unmet rules are the whole month's, on every page.
    assert f'id="allocated-count">{filled.count()}</dd>' in body
    assert f"1 to 3 of {filled.count()}" in body
    assert '<nav class="govuk-pagination"' in body and "?page=2" in body
    pages, seen = first.context["page"].paginator.num_pages, []
    for number in range(1, pages + 1):
        response = client.get(url, {"page": number})
        seen += _rows(response)
        for allocation in unfilled:
            assert escape(allocation.reason) in response.content.decode()
    # Every allocated audit on exactly one page, none of the unfilled slots in the table.
    assert sorted(seen) == sorted(filled.values_list("pk", flat=True))
    # Out of range: the last page.
    assert client.get(url, {"page": 99}).context["page"].number == pages


def test_swap_and_reallocate_from_a_later_page_come_back_to_it(org, cases, login, monkeypatch):
    monkeypatch.setattr(views, "ALLOCATION_PAGE_SIZE", 2)
    services.programme_generate(month=MONTH, seed=1)
    client = login(org.performance)
    url = reverse("programme_month", args=["2026-12"])
    second = client.get(url, {"page": 2})
    allocation = second.context["page"].object_list[0]
    swap = reverse("allocation_swap", args=[allocation.pk]) + "?page=2"
    reallocate = reverse("allocation_reallocate", args=[allocation.pk]) + "?page=2"
    body = second.content.decode()
    assert f'href="{swap}"' in body and f'href="{reallocate}"' in body
    assert f'<a href="{url}?page=2" class="govuk-back-link">' in client.get(swap).content.decode()
    before = allocation.case_id
    response = client.post(swap, {"reference": ""})
    assert response.status_code == 302 and response.url == f"{url}?page=2"
    allocation.refresh_from_db()
    assert allocation.case_id != before
    # From the first page (no page in the link), back to the plain month page.
    first = client.get(url).context["page"].object_list[0]
    response = client.post(reverse("allocation_swap", args=[first.pk]), {"reference": ""})
    assert response.status_code == 302 and response.url == url
    # A page that is not a number is ignored.
    garbage = reverse("allocation_swap", args=[first.pk]) + "?page=x"
    assert f'<a href="{url}" class="govuk-back-link">' in client.get(garbage).content.decode()


def test_month_page_query_count_does_not_grow(org, cases, login, django_assert_max_num_queries):
    services.programme_generate(month=MONTH, seed=1)
    client = login(org.performance)
    url = reverse("programme_month", args=["2026-12"])
    # With the page of allocations, their count and the unmet rules (the whole month's).
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    for _ in range(3):
        extra_ps = StaffFactory(
            role=Role.PRACTICE_SUPERVISOR, team=org.north_a, line_manager=org.tm
        )
        worker = StaffFactory(team=org.north_a, line_manager=extra_ps)
        CaseFactory.create_batch(2, team=org.north_a, allocated_worker=worker)
    services.programme_generate(month=MONTH, seed=1)
    assert Allocation.objects.count() > 10
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url, {"page": 2})


@pytest.mark.parametrize(("persona", "status"), [("worker", 200), ("tm", 200), ("outsider", 200)])
def test_due_list_is_scoped(org, login, persona, status):
    old = CaseFactory(team=org.north_a, allocated_worker=org.worker, opened_on=dt.date(2020, 1, 1))
    response = login(getattr(org, persona)).get(reverse("due_list"), {"when": "overdue"})
    assert response.status_code == status
    refs = {case.reference for case, _ in response.context["rows"]}
    if persona in ("worker", "tm"):
        assert old.reference in refs
    else:
        assert old.reference not in refs


def test_confirmed_allocation_on_home_page_starts_the_audit_and_completes(
    org, cases, login, django_capture_on_commit_callbacks
):
    from caseaudit.audits import services as audit_services
    from caseaudit.audits.tests.conftest import complete_data

    month = timezone.localdate().replace(day=1)
    programme = services.programme_generate(month=month, seed=2)
    services.programme_confirm(programme=programme, by=org.performance.user)
    allocation = programme.allocations.get(auditor=org.tm, rule="manager-peer")
    client = login(org.tm)
    home = client.get(reverse("home"))
    assert allocation in home.context["my_allocations"]
    assert reverse("allocation_start", args=[allocation.pk]) in home.content.decode()

    # Someone else cannot start the TM's allocation.
    assert (
        login(org.tm_b).post(reverse("allocation_start", args=[allocation.pk])).status_code == 404
    )

    response = login(org.tm).post(reverse("allocation_start", args=[allocation.pk]))
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.STARTED
    audit = allocation.audit
    assert response.url == reverse("audit_edit", args=[audit.pk])
    assert audit.auditor == org.tm and audit.case == allocation.case
    assert audit.tool_version.tool.code == "generic" and audit.reason == "peer"
    # Starting again opens the same audit.
    again = client.post(reverse("allocation_start", args=[allocation.pk]))
    assert again.url == reverse("audit_edit", args=[audit.pk])

    with django_capture_on_commit_callbacks(execute=True):
        audit_services.audit_save(
            audit=audit, by=org.tm.user, data=complete_data(audit), revision=audit.revision
        )
        audit.refresh_from_db()
        workflows.audit_complete(audit=audit, by=org.tm.user)
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.COMPLETED

    # Reopened, the audit is a draft again and so is the allocation: started, not done.
    with django_capture_on_commit_callbacks(execute=True):
        workflows.audit_reopen(audit=audit, by=org.performance.user, reason="Recheck")
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.STARTED
    audit.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        workflows.audit_complete(audit=audit, by=org.tm.user)
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.COMPLETED


def test_migration_0002_makes_allocations_of_reopened_audits_started(org, cases):
    """Before the reopen receiver, a reopened audit's allocation stayed "completed"."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "caseaudit.programme.migrations.0002_reopened_allocations_started"
    )
    programme = services.programme_generate(month=MONTH, seed=3)
    services.programme_confirm(programme=programme, by=org.performance.user)
    first, second = programme.allocations.filter(case__isnull=False)[:2]
    services.allocation_start(allocation=first, by=org.performance.user)  # a draft audit
    Allocation.objects.filter(pk__in=[first.pk, second.pk]).update(
        status=AllocationStatus.COMPLETED
    )
    migration.reopened_started(apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == AllocationStatus.STARTED
    assert second.status == AllocationStatus.COMPLETED  # no audit: not touched


def test_draft_allocations_are_not_on_home_pages(org, cases, login):
    services.programme_generate(month=timezone.localdate().replace(day=1), seed=2)
    assert login(org.tm).get(reverse("home")).context["my_allocations"] == []


def test_the_swap_and_reallocate_pages_log_the_allocations_case(org, cases, login):
    """The pages name the allocation's case: each view is in the access log (the allocation,
    its case); everyone but the programme's editors gets a 404, logging nothing."""
    from caseaudit.accounts.models import AccessEvent, AccessObjectType

    programme = services.programme_generate(month=MONTH, seed=7, by=org.performance.user)
    allocation = programme.allocations.filter(case__isnull=False).first()
    logged = AccessEvent.objects.filter(object_type=AccessObjectType.ALLOCATION).order_by("pk")
    for count, name in enumerate(("allocation_swap", "allocation_reallocate"), start=1):
        url = reverse(name, args=[allocation.pk])
        for persona in (org.worker, org.tm, org.csm_north, org.director):
            assert login(persona).get(url).status_code == 404
        assert logged.count() == count - 1
        assert login(org.performance).get(url).status_code == 200
        assert logged.count() == count
        entry = logged.last()
        assert (entry.object_id, entry.case_id) == (str(allocation.pk), allocation.case_id)
        assert entry.user == org.performance.user


def test_swapping_by_reference_finds_only_cases_in_the_users_scope(org):
    """The case named for a swap is looked up through the user's case scope (the selector),
    never the whole register: a case outside it is "no case with that reference"."""
    reference = org.south_case.reference
    found = selectors.swap_case_by_reference(user=org.performance.user, reference=reference)
    assert found == org.south_case
    assert selectors.swap_case_by_reference(user=org.worker.user, reference=reference) is None
