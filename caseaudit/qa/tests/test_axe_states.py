"""The browser tests run axe once per page state (caseaudit/qa/tests/axe.py): the same view
showing the same kinds of element is one state whatever its numbers and text; a new element
kind, an open dialog or another width is another."""

import pytest

from .axe import page_state

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><body><main><h1>{title}</h1>
<table class="govuk-table"><tr><td>{cell}</td></tr></table>{extra}</main></body></html>"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route(
        "http://caseaudit.test/**",
        lambda route: route.fulfill(content_type="text/html", body=page.next_body),
    )
    yield page
    context.close()


def state(page, path, *, title="Case 12", cell="7", extra="", width=1280) -> str:
    page.set_viewport_size({"width": width, "height": 900})
    page.next_body = PAGE.format(title=title, cell=cell, extra=extra)
    page.goto("http://caseaudit.test" + path)
    return page_state(page)


def test_the_same_view_and_kinds_of_element_are_one_state(page):
    first = state(page, "/cases/12/?page=2")
    assert state(page, "/cases/40/?page=3", title="Case 40", cell="3") == first
    assert state(page, "/cases/12/?page=2#top") == first


def test_another_view_element_state_or_width_is_another_state(page):
    first = state(page, "/cases/12/")
    assert state(page, "/audits/12/") != first
    assert state(page, "/cases/12/?sort=name") != first
    assert state(page, "/cases/12/", cell="") != first  # an empty cell
    assert state(page, "/cases/12/", extra='<div class="govuk-error-summary">x</div>') != first
    opened = state(page, "/cases/12/", extra="<dialog open>x</dialog>")
    closed = state(page, "/cases/12/", extra="<dialog>x</dialog>")
    assert len({first, opened, closed}) == 3
    assert state(page, "/cases/12/", width=320) != first
