"""The SITE_URL system check (caseaudit/core/checks.py): links in emails need it."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from caseaudit.core.checks import site_url_check


def ids(settings):
    return [error.id for error in site_url_check()]


def test_site_url_is_required_with_debug_off(settings):
    settings.DEBUG, settings.SITE_URL = False, ""
    assert ids(settings) == ["caseaudit.E001"]
    with pytest.raises(SystemCheckError, match="SITE_URL is not set"):
        call_command("check")


def test_debug_on_needs_no_site_url(settings):
    settings.DEBUG, settings.SITE_URL = True, ""
    assert ids(settings) == []


def test_site_url_must_be_an_http_address(settings):
    settings.DEBUG = False
    settings.SITE_URL = "caseaudit.example.gov.uk"
    assert ids(settings) == ["caseaudit.E002"]
    settings.SITE_URL = "https://caseaudit.example.gov.uk"
    assert ids(settings) == []
