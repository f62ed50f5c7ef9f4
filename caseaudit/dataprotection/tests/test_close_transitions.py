"""Closing a case is a compare-and-set on its state (the row locked, then checked again): of
simultaneous closures exactly one succeeds; a stale closure raises `TransitionConflict`.
Erasing a case marks the reports' summary stale by calling the reports service (no signal)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.tests.concurrency import load_shipped_tools, require_postgresql, run_together
from caseaudit.cases.models import Case, CaseEvent, CaseEventKind
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.dataprotection import services
from caseaudit.reports import services as report_services

from .test_closure import completed, resolve

REASON = "The family no longer needs a service."


@pytest.fixture
def ready_to_close(org):
    audit = completed(org.case, org.ps1, actions=1)
    resolve(audit)
    return org.case


@pytest.mark.django_db(transaction=True)
def test_simultaneous_closures_close_the_case_once(org):
    require_postgresql()
    load_shipped_tools()
    resolve(completed(org.case, org.ps1, actions=1))
    url = reverse("case_close", args=[org.case.pk])
    data = {"closed_on": timezone.localdate().isoformat(), "reason": REASON}
    managers = [org.tm, org.csm_north, org.tm]
    clients = []
    for manager in managers:
        client = Client()
        client.force_login(manager.user)
        clients.append(client)

    pages = run_together([lambda c=c: c.post(url, data) for c in clients])

    assert all(not isinstance(p, BaseException) for p in pages), pages
    assert sorted(p.status_code for p in pages) == [200, 200, 302], [p.status_code for p in pages]
    for page in (p for p in pages if p.status_code == 200):
        assert "This case was already closed on" in page.content.decode()
    assert CaseEvent.objects.filter(case=org.case, kind=CaseEventKind.CLOSED).count() == 1


def test_closing_a_case_closed_meanwhile_is_a_conflict(org, ready_to_close):
    stale = Case.objects.get(pk=ready_to_close.pk)
    services.case_close(
        case=ready_to_close, by=org.tm.user, closed_on=timezone.localdate(), reason=REASON
    )
    with pytest.raises(TransitionConflict, match="already closed on .* by ") as caught:
        services.case_close(
            case=stale, by=org.csm_north.user, closed_on=timezone.localdate(), reason=REASON
        )
    assert caught.value.code == "conflict"
    assert CaseEvent.objects.filter(kind=CaseEventKind.CLOSED).count() == 1


def test_the_close_page_shows_the_conflict(org, ready_to_close, login, monkeypatch):
    """The page read the case open; another manager closed it before this POST's service ran."""
    real_close = services.case_close

    def closed_by_someone_else_first(**kwargs):
        real_close(**{**kwargs, "by": org.csm_north.user})
        return real_close(**kwargs)

    monkeypatch.setattr(services, "case_close", closed_by_someone_else_first)
    day = timezone.localdate()
    page = login(org.tm).post(
        reverse("case_close", args=[org.case.pk]),
        {"closed_on": day.isoformat(), "reason": REASON},
    )
    assert page.status_code == 200
    assert "This case was already closed on" in page.content.decode()


def test_erasing_a_case_makes_the_summary_stale(org, ready_to_close):
    """The erasure moves the case register's grouping version on: the reports' summaries,
    counted before, read as stale (the live tables answer) until they are rebuilt."""
    report_services.summary_rebuild()
    assert report_services.summary_is_built()
    services.case_erase(case=ready_to_close, by=org.director.user, reason="Retention")
    assert not report_services.summary_is_built()
    report_services.summary_catch_up()
    assert report_services.summary_is_built()
