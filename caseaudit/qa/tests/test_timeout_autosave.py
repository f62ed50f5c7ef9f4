"""No lost work, in headless Chromium: the audit form saves itself, the timeout warning
offers to stay signed in (and does keep the session), and after a real idle timeout the
sign-in page says why and brings the person back to the form with their text.

The idle timeout is made short for the live server (SESSION_COOKIE_AGE 12 s, the warning 4 s
before it; the session renewed by every request). Time passing is what is tested, so the test
waits for it (about 2 x TIMEOUT): for the dialog to open and for the page to go to the sign-in
page by itself. WARNING leaves time for the axe check while the second warning is open, and
TIMEOUT - WARNING must exceed WARNING + 1.5 s (the wait past the first deadline) with room to
type and autosave before the warning opens again: 12 - 4 = 8 s against 5.5 s, the same 2.5 s
of room as 16 and 6 gave, for 8 s less waiting."""

import re
import time

import pytest

from caseaudit.audits.models import Audit
from caseaudit.conftest import browser_screenshot as shot
from caseaudit.conftest import browser_sign_in

from .axe import axe_check
from .conftest import audit_started

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT = 12
WARNING = 4


@pytest.fixture
def short_sessions(settings):
    settings.SESSION_COOKIE_AGE = TIMEOUT
    settings.SESSION_WARNING_SECONDS = WARNING
    settings.SESSION_TOUCH_SECONDS = 0  # every request renews the session, as a keep-alive does
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def summary(audit) -> str:
    return Audit.objects.get(pk=audit.pk).summary


def test_autosave_warning_stay_signed_in_and_back_after_a_timeout(
    browser_page, org, shipped_tools, short_sessions
):
    page = browser_page
    auditor = org.csm_north
    audit = audit_started(case=org.case, auditor=auditor)
    edit_path = f"/audits/{audit.pk}/edit/overall/"  # the audit form's page with the summary
    status = page.locator("#autosave-status")
    dialog = page.locator("#timeout-dialog")

    browser_sign_in(page, auditor)
    page.goto(page.base_url + edit_path)

    # Autosave: typing, then leaving the field, saves the draft through the revision check.
    # (Shift+Tab: Tab would go to "Save and continue", and leaving a field for one of the
    # form's buttons does not autosave, the form being about to be posted.)
    page.fill("#id_summary", "First words.")
    page.press("#id_summary", "Shift+Tab")
    page.wait_for_selector("#autosave-status:has-text('Draft saved at')")
    assert re.fullmatch(r"Draft saved at \d\d:\d\d\.", status.inner_text().strip())
    assert summary(audit) == "First words."
    assert page.input_value("input[name=revision]") == str(Audit.objects.get(pk=audit.pk).revision)
    shot(page, "timeout-autosave-draft-saved")
    page.focus("#id_summary")

    # The warning opens WARNING seconds before the timeout, with focus in it.
    dialog.wait_for(state="visible", timeout=(TIMEOUT + 5) * 1000)
    assert page.evaluate("() => document.activeElement.id") == "timeout-dialog-stay"
    assert page.evaluate("() => document.getElementById('timeout-dialog').open")
    assert "sign you out in" in page.inner_text("#timeout-dialog-live")
    assert "second" in page.inner_text("#timeout-dialog-countdown")
    opened = time.monotonic()

    # "Stay signed in": the dialog closes, focus goes back, and the session outlives the
    # moment it would have ended (WARNING seconds after the dialog opened).
    page.click("#timeout-dialog-stay")
    dialog.wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.id") == "id_summary"
    page.wait_for_timeout(max(0, (WARNING + 1.5 - (time.monotonic() - opened)) * 1000))
    page.fill("#id_summary", "First words. More words.")
    # Read the audit once the autosave has been answered: the live server shares this
    # test's in-memory SQLite connection, so reading during its write would fail.
    with page.expect_response(lambda r: r.url.endswith("/autosave/")) as autosave:
        page.press("#id_summary", "Shift+Tab")
    assert autosave.value.status == 200, status.inner_text()  # still signed in
    assert summary(audit) == "First words. More words."

    # Nothing more: the warning opens again (checked with axe), then the timeout signs the
    # person out and the page goes to the sign-in page.
    dialog.wait_for(state="visible", timeout=(TIMEOUT + 5) * 1000)
    axe_check(page, "timeout warning dialog")
    shot(page, "timeout-warning-dialog")
    page.wait_for_url("**/accounts/login/**", timeout=(TIMEOUT + 10) * 1000)
    banner = page.inner_text("main")
    assert f"You were signed out because you were inactive for {TIMEOUT} seconds" in banner
    assert re.search(r"your draft was saved at \d\d:\d\d", banner)
    shot(page, "timeout-signed-out")

    # Signing in again comes back to the form's page, with the text as last saved.
    page.fill("#id_login", auditor.user.email)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{edit_path}**")
    assert page.input_value("#id_summary") == "First words. More words."
