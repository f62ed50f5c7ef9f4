"""Scaling bands: every score 0-10 in exactly one band, names and guidance required."""

import pytest
from django.core.exceptions import ValidationError

from caseaudit.audit_tools import services
from caseaudit.audit_tools.forms import BandsForm
from caseaudit.audit_tools.models import ScalingBand, ToolChange
from caseaudit.audit_tools.selectors import band_for, scaling_bands


def current():
    return [services._band_dict(b) for b in ScalingBand.objects.order_by("min_score")]


def changed(**by_code):
    bands = current()
    for band in bands:
        band.update(by_code.get(band["code"], {}))
    return bands


def test_update_ranges_names_guidance_and_urgent(db, admin):
    bands = changed(
        inadequate={"max_score": 3, "name": "Inadequate (urgent)"},
        **{"requires-improvement": {"min_score": 4, "urgent": True, "guidance": " New. "}},
    )
    services.scaling_bands_update(bands=bands, by=admin.user)
    loaded = scaling_bands()
    assert [(b.min_score, b.max_score) for b in loaded] == [(0, 3), (4, 5), (6, 8), (9, 10)]
    assert loaded[0].name == "Inadequate (urgent)"
    assert (loaded[1].urgent, loaded[1].guidance) == (True, "New.")
    assert band_for(score=3, bands=loaded).code == "inadequate"
    change = ToolChange.objects.get(action="bands_updated")
    assert (change.version, change.by) == (None, admin.user)
    assert change.detail["before"][0]["max_score"] == 2
    assert change.detail["after"][0]["max_score"] == 3


def test_saving_the_same_bands_records_nothing(db, admin):
    services.scaling_bands_update(bands=current(), by=admin.user)
    assert not ToolChange.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"good": {"min_score": 7}}, "No band covers score 6"),
        ({"inadequate": {"min_score": 1}}, "No band covers score 0"),
        ({"outstanding": {"max_score": 9}}, "No band covers score 10"),
        ({"good": {"min_score": 5}}, "score 5 is in more than one band"),
        ({"good": {"max_score": 10}}, "scores 9, 10 are in more than one band"),
        ({"good": {"name": " "}}, "enter the band's name"),
        ({"good": {"guidance": ""}}, "Good: enter the band's guidance"),
        ({"good": {"min_score": 9, "max_score": 6}}, "lowest score must not be above"),
        ({"good": {"max_score": 11}}, "between 0 and 10"),
        ({"good": {"max_score": "8"}}, "whole numbers"),
    ],
)
def test_band_rules(db, admin, change, message):
    before = current()
    with pytest.raises(ValidationError) as error:
        services.scaling_bands_update(bands=changed(**change), by=admin.user)
    assert any(message in m for m in error.value.messages), error.value.messages
    assert current() == before
    assert not ToolChange.objects.exists()


def test_every_band_must_be_given_and_known(db, admin):
    with pytest.raises(ValidationError, match="outstanding is missing"):
        services.scaling_bands_update(bands=current()[:3], by=admin.user)
    bands = current()
    bands[3]["code"] = "stellar"
    with pytest.raises(ValidationError, match="Unknown scaling band stellar"):
        services.scaling_bands_update(bands=bands, by=admin.user)


def form_data(**overrides):
    data = {}
    for band in current():
        for field in ("name", "min_score", "max_score", "guidance"):
            data[f"{band['code']}-{field}"] = band[field]
        if band["urgent"]:
            data[f"{band['code']}-urgent"] = "on"
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"good-min_score": 7},
            "good-min_score",
            "No band covers score 6: the lowest score of Good should be 6",
        ),
        ({"good-min_score": 5}, "good-min_score", "Good overlaps the band below it"),
        (
            {"outstanding-max_score": 9},
            "outstanding-max_score",
            "No band covers the scores above 9",
        ),
        ({"good-max_score": 5}, "good-max_score", "must not be below its lowest score"),
        ({"good-max_score": 12}, "good-max_score", "less than or equal to 10"),
        ({"good-guidance": ""}, "good-guidance", "Enter the guidance for Good"),
    ],
)
def test_form_puts_each_error_on_the_field_to_fix(db, overrides, field, message):
    form = BandsForm(form_data(**overrides), bands=scaling_bands())
    assert not form.is_valid()
    assert any(message in e for e in form.errors[field]), form.errors
