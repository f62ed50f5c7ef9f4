"""Calibration: setting up an exercise, blind scoring, references, closing, the results and a
person's calibration over exercises; who may do what."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.moderation import selectors, services
from caseaudit.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def exercise(org):
    return services.exercise_create(
        title="Baby J: neglect",
        summary="A written, anonymised summary of a family made for training.",
        tool_version=tool_version_published(code="generic"),
        invited=[org.ps1, org.ps2, org.tm],
        by=org.performance.user,
    )


def _scales(exercise, value, overall):
    scales = {s.pk: value for s in selectors.exercise_sections(exercise=exercise)}
    scales[None] = overall
    return scales


def test_set_up_score_blind_close_results(org, exercise, login):
    assert Notification.objects.filter(kind=NotificationKind.CALIBRATION_INVITED).count() == 3
    url = reverse("calibration_exercise", args=[exercise.pk])
    services.exercise_set_references(
        exercise=exercise, scales=_scales(exercise, 5, 5), by=org.performance.user
    )
    services.exercise_score(exercise=exercise, by=org.ps1.user, scales=_scales(exercise, 7, 7))
    services.exercise_score(exercise=exercise, by=org.ps2.user, scales=_scales(exercise, 5, 6))
    with pytest.raises(TransitionConflict):
        services.exercise_score(exercise=exercise, by=org.ps1.user, scales=_scales(exercise, 3, 3))
    with pytest.raises(ValidationError):
        services.exercise_score(exercise=exercise, by=org.tm.user, scales={None: 5})  # incomplete
    with pytest.raises(ValidationError):
        services.exercise_score(
            exercise=exercise, by=org.worker.user, scales=_scales(exercise, 5, 5)
        )
    # Blind while open: an invited person who scored sees their own, not the spread.
    page = login(org.ps1).get(url)
    assert page.status_code == 200
    assert b'id="results"' not in page.content and b'id="submitted"' in page.content
    assert login(org.worker).get(url).status_code == 404
    services.exercise_close(exercise=exercise, by=org.performance.user)
    assert Notification.objects.filter(kind=NotificationKind.CALIBRATION_CLOSED).count() == 2
    page = login(org.ps1).get(url)
    assert b'id="results"' in page.content and b'id="calibration-dots"' in page.content
    rows = selectors.exercise_results(exercise=exercise, staff=org.ps1)
    overall = rows[-1]
    assert overall["title"] == "Overall" and overall["counts"][7] == 1 and overall["counts"][6] == 1
    assert overall["reference"] == 5 and overall["mine"] == 7 and overall["distance"] == 2
    (history,) = selectors.calibration_history(staff=org.ps1)
    assert history["mean_difference"] == 2.0 and history["mean_distance"] == 2.0
    (history,) = selectors.calibration_history(staff=org.ps2)
    assert history["against"] == "reference"
    assert login(org.ps1).get(reverse("calibration_index")).status_code == 200
    with pytest.raises(TransitionConflict):
        services.exercise_close(exercise=exercise, by=org.performance.user)


def test_only_editors_set_up_and_close(org, exercise, login):
    assert login(org.tm).get(reverse("calibration_new")).status_code == 404
    assert login(org.performance).get(reverse("calibration_new")).status_code == 200
    assert login(org.tm).post(reverse("calibration_close", args=[exercise.pk])).status_code == 403
    with pytest.raises(ValidationError):
        services.exercise_close(exercise=exercise, by=org.tm.user)
    response = login(org.performance).post(
        reverse("calibration_new"),
        {
            "title": "Child K",
            "summary": "Anonymised.",
            "tool": str(tool_version_published(code="generic").pk),
            "invited": [str(org.ps1.pk)],
        },
    )
    assert response.status_code == 302


def test_scoring_through_the_page(org, exercise, login):
    url = reverse("calibration_exercise", args=[exercise.pk])
    client = login(org.ps2)
    data = {f"scale-{s.pk}": "6" for s in selectors.exercise_sections(exercise=exercise)}
    assert client.post(url, data).status_code == 200  # no overall: the form with its error
    response = client.post(url, data | {"scale-overall": "6"})
    assert response.status_code == 302
    assert exercise.scores.filter(staff=org.ps2).count() == len(data) + 1
    assert client.post(url, data | {"scale-overall": "6"}).status_code == 403
