"""The demo county's year of moderation: samples drawn by the engine, an optimism gap (some
auditors consistently generous), final grades changed, calibration exercises; made once."""

import pytest
from django.db.models import F

from caseaudit.audits.models import BlindReading
from caseaudit.demo.seed import seed_demo
from caseaudit.moderation.agreement import agreement_report
from caseaudit.moderation.models import (
    CalibrationExercise,
    ExerciseStatus,
    Moderation,
    ModerationSample,
    ModerationStatus,
    SampleStatus,
)

pytestmark = pytest.mark.django_db


def test_a_year_of_moderation_with_an_optimism_gap(db):
    counts = seed_demo(scale="small", history=True, responses=False)
    assert counts["moderation samples"] == 12
    assert ModerationSample.objects.filter(status=SampleStatus.CONFIRMED).count() >= 11
    report = agreement_report(moderations=Moderation.objects.all())
    assert report.figures["moderated"] == counts["moderations completed"] > 50
    assert report.figures["mean_difference"] > 0.3  # auditors more generous overall
    gaps = [r["mean_difference"] for r in report.by_auditor if r["pairs"] >= 10]
    assert max(gaps) >= 1.5  # some auditors consistently generous
    assert sum(1 for g in gaps if abs(g) <= 0.6) >= len(gaps) / 3  # most close to moderators
    assert report.figures["alpha_ordinal"] is not None
    changed = Moderation.objects.filter(status=ModerationStatus.COMPLETED).exclude(
        overall_scale=F("auditor_overall_scale")
    )
    assert all(m.audit.overall_scale == m.overall_scale for m in changed.select_related("audit"))
    # Last month's sample still to moderate, for the demo moderators.
    assert Moderation.objects.filter(status=ModerationStatus.ASSIGNED).exists()
    # Their moderators, and only they, are blind to those audits' scales.
    assert set(BlindReading.objects.values_list("audit_id", "staff_id")) == set(
        Moderation.objects.filter(status=ModerationStatus.ASSIGNED).values_list(
            "audit_id", "moderator_id"
        )
    )
    assert CalibrationExercise.objects.filter(status=ExerciseStatus.CLOSED).count() == 2
    assert CalibrationExercise.objects.filter(status=ExerciseStatus.OPEN).count() == 1
    # Made once.
    assert "moderation samples" not in seed_demo(scale="small", history=True, responses=False)
    assert ModerationSample.objects.count() == 12
