"""The moderation workflow through its services and pages: sample, swap, confirm, blind
moderation, comparison, completion (the final grade), reply; who may do what."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from caseaudit.audits.models import Audit, AuditEvent
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.moderation import services
from caseaudit.moderation.models import Moderation, ModerationStatus, SampleStatus
from caseaudit.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)


@pytest.fixture
def sampled(org, audits):
    """One audit by the Director of the worker's case, completed in October, in a confirmed
    sample with Performance Assurance as its moderator."""
    audit = audits.make(
        case=org.case, auditor=org.director, on=dt.date(2026, 10, 12), scale=8, overall=8
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


def _scale_all(moderation, audits, by, *, scale, overall):
    return services.moderation_save(
        moderation=moderation,
        by=by,
        revision=moderation.revision,
        sections={s.pk: {"scale": scale, "rationale": ""} for s in audits.scaled},
        overall_scale=overall,
    )


def test_sample_takes_the_months_audit_and_never_a_conflicted_moderator(org, audits, sampled):
    audit, moderation = sampled
    assert moderation.audit == audit
    assert moderation.status == ModerationStatus.ASSIGNED
    assert moderation.sample.status == SampleStatus.CONFIRMED
    assert moderation.moderator_id not in {
        org.director.pk,
        org.worker.pk,
        org.ps1.pk,
        org.tm.pk,
        org.csm_north.pk,
    }
    assert Notification.objects.filter(
        recipient=org.performance, kind=NotificationKind.MODERATION_ASSIGNED
    ).exists()


def test_swap_refuses_a_conflicted_moderator(org, sampled):
    _audit, moderation = sampled
    with pytest.raises(ValidationError):
        services.sample_swap(
            moderation=moderation, moderator=org.csm_north, by=org.performance.user
        )


def test_blind_then_compare_then_complete_sets_the_final_grade(org, audits, sampled):
    audit, moderation = sampled
    by = org.performance.user
    moderation = _scale_all(moderation, audits, by, scale=5, overall=5)
    assert moderation.sections.first().auditor_scale is None  # blind: nothing copied yet
    moderation = services.moderation_reveal(moderation=moderation, by=by)
    assert moderation.auditor_overall_scale == 8
    assert {ms.auditor_scale for ms in moderation.sections.all()} == {8}
    with pytest.raises(ValidationError, match="rationale"):
        services.moderation_complete(moderation=moderation, by=by)
    with pytest.raises(ValidationError, match="fixed"):
        _scale_all(moderation, audits, by, scale=7, overall=5)
    moderation.refresh_from_db()
    services.moderation_save(
        moderation=moderation,
        by=by,
        revision=moderation.revision,
        sections={s.pk: {"rationale": "The plan has no dates."} for s in audits.scaled},
        overall_scale=5,
        overall_rationale="Drift in every section.",
    )
    moderation.refresh_from_db()
    moderation = services.moderation_complete(moderation=moderation, by=by)
    assert moderation.status == ModerationStatus.COMPLETED
    audit.refresh_from_db()
    assert audit.overall_scale == 5  # the final grade
    assert moderation.auditor_overall_scale == 8  # the original, kept
    assert AuditEvent.objects.filter(audit=audit, detail__moderation=moderation.pk).exists()
    assert Notification.objects.filter(
        recipient=org.director, kind=NotificationKind.MODERATION_COMPLETED
    ).exists()
    with pytest.raises(TransitionConflict):
        Moderation.objects.filter(pk=moderation.pk).update(status=ModerationStatus.REVEALED)
        moderation.refresh_from_db()
        Audit.objects.filter(pk=audit.pk).update(overall_scale=9)
        services.moderation_complete(moderation=moderation, by=by)


def test_reply_tells_the_moderator(org, audits, sampled):
    _audit, moderation = sampled
    by = org.performance.user
    moderation = _scale_all(moderation, audits, by, scale=8, overall=7)
    moderation = services.moderation_reveal(moderation=moderation, by=by)
    moderation = services.moderation_complete(moderation=moderation, by=by)
    services.moderation_reply(
        moderation=moderation, by=org.director.user, text="I see: I will check dates."
    )
    assert Notification.objects.filter(
        recipient=org.performance, kind=NotificationKind.MODERATION_REPLY
    ).exists()
    with pytest.raises(ValidationError):
        services.moderation_reply(moderation=moderation, by=org.worker.user, text="Me too")


def test_pages_blind_until_compared(org, audits, sampled, login, django_assert_max_num_queries):
    _audit, moderation = sampled
    url = reverse("moderation_detail", args=[moderation.pk])
    client = login(org.performance)
    page = client.get(url)
    assert page.status_code == 200
    assert b'id="comparison"' not in page.content
    assert b'id="blind-note"' in page.content
    # the auditor does not see it before completion; others never
    for who in (org.director, org.worker, org.tm, org.csm_north, org.outsider):
        assert login(who).get(url).status_code == 404
    client = login(org.performance)
    data = {"revision": moderation.revision, "overall_scale": "6", "action": "compare"}
    data |= {f"scale-{s.pk}": "7" for s in audits.scaled}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(url)
    assert b'id="comparison"' in page.content
    moderation.refresh_from_db()
    response = client.post(
        url,
        {
            "revision": moderation.revision,
            "overall_rationale": "Less sure of the plan.",
            "action": "complete",
        },
    )
    assert response.status_code == 302
    moderation.refresh_from_db()
    assert moderation.is_completed
    auditor_page = login(org.director).get(url)
    assert auditor_page.status_code == 200
    assert b'id="comparison"' in auditor_page.content
    assert (
        login(org.director)
        .post(reverse("moderation_reply", args=[moderation.pk]), {"text": "Thanks"})
        .status_code
        == 302
    )
    assert (
        login(org.worker)
        .post(reverse("moderation_reply", args=[moderation.pk]), {"text": "x"})
        .status_code
        == 404
    )


def test_sample_page_and_index(org, audits, sampled, login):
    _audit, moderation = sampled
    client = login(org.performance)
    assert client.get(reverse("moderation_sample", args=["2026-10"])).status_code == 200
    assert client.get(reverse("moderation_index")).status_code == 200
    assert login(org.tm).get(reverse("moderation_sample", args=["2026-10"])).status_code == 404
    assert login(org.worker).get(reverse("moderation_index")).status_code == 200


def test_referral_is_taken_into_the_next_sample(org, audits, login):
    audit = audits.make(case=org.colleague_case, auditor=org.ps1, on=dt.date(2026, 8, 3))
    client = login(org.tm)
    page = client.get(reverse("moderation_refer"))
    assert page.status_code == 200
    response = client.post(
        reverse("moderation_refer"), {"audit": audit.pk, "reason": "Scales look high."}
    )
    assert response.status_code == 302
    sample = services.sample_generate(month=MONTH, seed=1, by=None)
    (m,) = sample.moderations.all()
    assert m.audit == audit and "Scales look high." in m.why
    assert login(org.worker).get(reverse("moderation_refer")).status_code == 404


def test_command_prints_the_authoritys_identifiers_and_repeats(org, audits):
    import io
    import json

    from django.core.management import call_command

    audits.make(case=org.case, auditor=org.director, on=dt.date(2026, 10, 12))
    audits.make(case=org.case_b, auditor=org.ps1, on=dt.date(2026, 10, 13))

    def run(*extra):
        out = io.StringIO()
        call_command(
            "moderation_sample", "--month", "2026-10", "--seed", "9", "--json", *extra, stdout=out
        )
        return json.loads(out.getvalue())

    dry = run("--dry-run")
    assert dry == run("--dry-run")
    assert dry["month"] == "2026-10" and dry["seed"] == 9
    row = next(r for r in dry["sample"] if r["auditor"] == org.director.staff_id)
    assert row["case"] == org.case.reference
    assert row["moderator"] == org.performance.staff_id  # the one moderator without a conflict
    assert set(row) == {"audit", "auditor", "case", "moderator", "why"}
    assert run() == dry  # stored as a draft: the same sample
    assert Moderation.objects.filter(sample__month=MONTH).count() == len(dry["sample"])


def test_the_monthly_job_draws_last_months_draft_once(org, audits):
    from caseaudit.jobs.schedule import JOBS

    audits.make(case=org.case, auditor=org.director, on=dt.date(2026, 10, 12))
    report = JOBS["moderation_sample"].body(day=dt.date(2026, 11, 1))
    assert "October 2026 drawn as a draft: 1 audit," in report
    assert "already drawn" in JOBS["moderation_sample"].body(day=dt.date(2026, 11, 1))


def test_erasing_a_case_takes_its_moderation_with_it(org, sampled):
    audit, moderation = sampled
    from caseaudit.audits.models import Audit as AuditModel

    AuditModel.objects.filter(pk=audit.pk).delete()  # as erasing the case does
    assert not Moderation.objects.filter(pk=moderation.pk).exists()
