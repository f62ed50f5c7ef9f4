"""Blind moderation outside the moderation page: while a moderation is proposed or assigned
and not yet compared, its moderator sees none of the auditor's scales on the audit page, the
audit PDF, the API's audit or the API's list (`audits.BlindReading`, kept by
`services.blind_readings_sync`); once they compare they see them again, and everyone else
always does."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse

from caseaudit.api.endpoints.audits import SCALE_HIDDEN_REASON
from caseaudit.api.services import api_token_issue
from caseaudit.audit_tools.selectors import band_for, scaling_bands
from caseaudit.audits import pdf
from caseaudit.audits.models import AuditEvent, BlindReading, EventKind, UrgentFinding
from caseaudit.audits.selectors import scales_hidden_for
from caseaudit.factories import StaffFactory
from caseaudit.moderation import services
from caseaudit.moderation.models import Moderation, ModerationStatus
from caseaudit.organisation.roles import Role
from caseaudit.organisation.selectors import remember_staff

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)
HIDDEN = "Hidden while you moderate this audit"
SECTION_SCALE, OVERALL_SCALE = 7, 3


@pytest.fixture
def sampled(org, audits):
    """The Director's audit of the worker's case (sections 7, overall 3), in a confirmed sample
    with Performance Assurance as its moderator."""
    audit = audits.make(
        case=org.case,
        auditor=org.director,
        on=dt.date(2026, 10, 12),
        scale=SECTION_SCALE,
        overall=OVERALL_SCALE,
    )
    sample = services.sample_generate(month=MONTH, seed=4, by=org.performance.user)
    moderation = sample.moderations.get()
    if moderation.moderator_id != org.performance.pk:
        moderation = services.sample_swap(
            moderation=moderation, moderator=org.performance, by=org.performance.user
        )
    services.sample_confirm(sample=sample, by=org.performance.user)
    moderation.refresh_from_db()
    return audit, moderation


@pytest.fixture
def other_pa(db):
    return StaffFactory(role=Role.PERFORMANCE, team=None)


@pytest.fixture
def html_pdf(monkeypatch):
    """The PDF download returns its HTML (what it says is the question, not the layout)."""
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, what: html.encode())


def _labels():
    bands = scaling_bands()
    return (
        f"{SECTION_SCALE} – {band_for(score=SECTION_SCALE, bands=bands).name}",
        f"{OVERALL_SCALE} – {band_for(score=OVERALL_SCALE, bands=bands).name}",
    )


def _page(staff, audit) -> str:
    client = Client()
    client.force_login(staff.user)
    response = client.get(reverse("audit_detail", args=[audit.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _pdf(staff, audit) -> str:
    client = Client()
    client.force_login(staff.user)
    response = client.get(reverse("audit_pdf", args=[audit.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _api(staff, path):
    _token, secret = api_token_issue(user=staff.user, name="tests", by=staff.user)
    response = Client().get(path, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.content
    return response.json()


def _assert_blind(staff, audit):
    section_label, overall_label = _labels()
    page = _page(staff, audit)
    assert 'id="scales-hidden"' in page  # why, and where to compare
    for html in (page, _pdf(staff, audit)):
        assert HIDDEN in html
        assert section_label not in html
        assert overall_label not in html
    body = _api(staff, f"/api/v1/audits/{audit.pk}")
    assert body["overall_scale"] is None and body["overall_band"] is None
    assert all(s["scale"] is None and s["band"] is None for s in body["sections"])
    listed = {a["id"]: a for a in _api(staff, "/api/v1/audits")["items"]}
    assert listed[audit.pk]["overall_scale"] is None


def _assert_sees(staff, audit):
    section_label, overall_label = _labels()
    page = _page(staff, audit)
    assert 'id="scales-hidden"' not in page
    for html in (page, _pdf(staff, audit)):
        assert HIDDEN not in html
        assert section_label in html
        assert overall_label in html
    body = _api(staff, f"/api/v1/audits/{audit.pk}")
    assert body["overall_scale"] == OVERALL_SCALE
    assert body["overall_band"] is not None
    assert {s["scale"] for s in body["sections"] if s["scaled"]} == {SECTION_SCALE}
    listed = {a["id"]: a for a in _api(staff, "/api/v1/audits")["items"]}
    assert listed[audit.pk]["overall_scale"] == OVERALL_SCALE


def test_the_moderator_is_blind_until_comparing_and_others_are_not(
    org, audits, sampled, other_pa, html_pdf
):
    audit, moderation = sampled
    _assert_blind(org.performance, audit)
    _assert_sees(other_pa, audit)
    _assert_sees(org.director, audit)  # the auditor

    by = org.performance.user
    moderation = services.moderation_save(
        moderation=moderation,
        by=by,
        revision=moderation.revision,
        sections={s.pk: {"scale": 5, "rationale": ""} for s in audits.scaled},
        overall_scale=5,
    )
    _assert_blind(org.performance, audit)  # saving is not comparing
    services.moderation_reveal(moderation=moderation, by=by)
    assert not BlindReading.objects.filter(audit=audit).exists()
    _assert_sees(org.performance, audit)


def test_an_urgent_finding_raised_by_a_scale_hides_it_but_a_serious_issue_shows(
    org, audits, sampled, other_pa, html_pdf
):
    audit, _moderation = sampled
    section = audits.scaled[0]
    scaled_reason = f"“{section.title}” scaled 1 (Urgent)"
    for trigger, reason, scale in (
        (f"section:{section.pk}", scaled_reason, 1),
        ("serious", "Serious safeguarding issue: the child is not seen alone", None),
    ):
        finding = UrgentFinding.objects.create(
            audit=audit, case=audit.case, trigger=trigger, reason=reason, scale=scale
        )
        AuditEvent.objects.create(
            audit=audit,
            kind=EventKind.FINDING_RAISED,
            detail={"finding": finding.pk, "reason": reason},
        )
    for html in (_page(org.performance, audit), _pdf(org.performance, audit)):
        assert scaled_reason not in html
        assert "Scaled in an urgent band (the scale is hidden" in html
        assert "the child is not seen alone" in html
    body = _api(org.performance, f"/api/v1/audits/{audit.pk}")
    by_trigger = {f["trigger"]: f for f in body["findings"]}
    assert by_trigger[f"section:{section.pk}"]["scale"] is None
    assert by_trigger[f"section:{section.pk}"]["reason"] == SCALE_HIDDEN_REASON
    assert by_trigger["serious"]["reason"].endswith("the child is not seen alone")
    for html in (_page(other_pa, audit), _pdf(other_pa, audit)):
        assert scaled_reason in html
    body = _api(other_pa, f"/api/v1/audits/{audit.pk}")
    assert {f["scale"] for f in body["findings"]} == {1, None}


def test_swapping_the_moderator_moves_the_blindness(org, sampled, other_pa, html_pdf):
    audit, moderation = sampled
    services.sample_swap(moderation=moderation, moderator=other_pa, by=org.performance.user)
    assert list(BlindReading.objects.filter(audit=audit).values_list("staff_id", flat=True)) == [
        other_pa.pk
    ]
    _assert_blind(other_pa, audit)
    _assert_sees(org.performance, audit)


def test_a_proposed_moderator_is_blind_and_drawing_again_keeps_the_rows_true(org, audits):
    audit = audits.make(case=org.case, auditor=org.director, on=dt.date(2026, 10, 12))
    sample = services.sample_generate(month=MONTH, seed=4, by=org.performance.user)
    moderation = sample.moderations.get()
    assert moderation.status == ModerationStatus.PROPOSED
    assert scales_hidden_for(user=moderation.moderator.user, audit=audit)
    assert not scales_hidden_for(user=org.director.user, audit=audit)

    # Drawn again with nothing in the month: the moderation, and its blindness, go.
    audit.delete()
    other = audits.make(case=org.colleague_case, auditor=org.director, on=dt.date(2026, 10, 13))
    services.sample_generate(month=MONTH, seed=5, by=org.performance.user)
    rows = set(BlindReading.objects.values_list("audit_id", "staff_id"))
    assert rows == set(
        Moderation.objects.filter(audit=other).values_list("audit_id", "moderator_id")
    )


def test_the_page_takes_one_more_query_only_for_someone_who_might_moderate(
    org, sampled, django_assert_num_queries
):
    """`scales_hidden_for` costs nothing for the audit's own auditor and one query otherwise."""
    audit, _moderation = sampled
    for staff in (org.director, org.performance):  # as the authentication middleware does
        remember_staff(user=staff.user, staff=staff)
    with django_assert_num_queries(0):
        assert not scales_hidden_for(user=org.director.user, audit=audit)
    with django_assert_num_queries(1):
        assert scales_hidden_for(user=org.performance.user, audit=audit)


def test_the_backfill_hides_the_scales_from_moderators_already_named(org, sampled):
    audit, moderation = sampled
    BlindReading.objects.all().delete()
    migration = importlib.import_module(
        "caseaudit.moderation.migrations.0002_blindreading_backfill"
    )
    migration.backfill(django_apps, None)
    migration.backfill(django_apps, None)  # again: nothing twice
    assert list(BlindReading.objects.values_list("audit_id", "staff_id")) == [
        (audit.pk, moderation.moderator_id)
    ]
