"""Browser helpers of the quality suite: pages signed in as someone, at a chosen size."""

import contextlib

from caseaudit.conftest import browser_screenshot, browser_signed_in

from .axe import axe_check


@contextlib.contextmanager
def page_for(browser, live_server, staff, *, width=1280, height=900, home=True, **context_options):
    """A signed-in page in a context of its own, closed afterwards: on the home page, or on
    none yet (`home=False`, for a test that opens another page first)."""
    context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
    try:
        page = context.new_page()
        page.base_url = live_server.url
        if staff is not None:
            browser_signed_in(page, staff, home=home)
        yield page
    finally:
        context.close()


class Journey:
    """Visit pages as one person, running axe on each (and keeping a screenshot when
    BROWSER_ARTIFACTS is set). `journey.visited` lists every page checked."""

    def __init__(self, page, who: str):
        self.page, self.who, self.visited = page, who, []

    def check(self, name: str) -> None:
        label = f"{self.who}: {name}"
        axe_check(self.page, label)
        browser_screenshot(self.page, f"qa-{self.who}-{name}".replace(" ", "-"))
        self.visited.append(name)

    def open(self, path: str, name: str, *, status: int = 200) -> None:
        response = self.page.goto(self.page.base_url + path)
        assert response.status == status, f"{path}: {response.status}"
        self.check(name)
