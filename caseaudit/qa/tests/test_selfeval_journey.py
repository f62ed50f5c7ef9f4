"""The self-evaluation journey in headless Chromium, axe-core run on every page: over a year of
audits (grades in every band, a moderated audit, family feedback, a published findings report
with its actions), the Performance Assurance Team prepares a pack for the last 12 complete
months (its figures counted by the background task, which the tests' ImmediateBackend runs as
the request commits, so the page it lands on has them), rewrites the narrative of each part,
refreshes the figures and sends it for review; the Director approves
it; the team publishes it and downloads it as a Word document and a PDF, each with the
three parts and the charts; a Children's Service Manager reads it. Then the pages at 320 px.
"""

import datetime as dt
import io
import os
import shutil
import subprocess

import pytest
from django.utils import timezone

from caseaudit.feedback.models import Audience, Channel, FeedbackRequest, Relationship
from caseaudit.improvement.tests.conftest import completed_audit, published_report
from caseaudit.programme.due import add_months
from caseaudit.selfeval.models import PackStatus, SelfEvaluationPack
from caseaudit.selfeval.tests.conftest import published_pack

from .axe import axe_check
from .browser import Journey, page_for
from .test_reflow import LAYOUT, _on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARRATIVE = {
    "know": "Direct work with children is strong. Chronologies lag behind in two teams.",
    "how": "Every open case is audited once a year; a tenth of audits are moderated.",
    "doing": "A chronology clinic in every team by March, and a thematic audit of planning.",
}


def _a_year_of_audits(org) -> None:
    """Audits in each of the last 12 complete months, graded across the bands, one with family
    feedback answered and one asked."""
    first = add_months(timezone.localdate().replace(day=1), -12)
    cases = [org.case, org.colleague_case, org.case_b, org.south_case]
    auditors = [org.director, org.tm_b, org.csm_north, org.tm]
    scales = [2, 5, 7, 9, 4, 6, 8, 3, 6, 7, 9, 5]
    for month, scale in enumerate(scales):
        when = timezone.make_aware(dt.datetime.combine(add_months(first, month), dt.time(11)))
        audit = completed_audit(
            case=cases[month % 4],
            auditor=auditors[month % 4],
            scale=scale,
            when=when + dt.timedelta(days=9),
            good_practice="Life story work." if scale >= 8 else "",
        )
        if month < 2:
            FeedbackRequest.objects.create(
                audit=audit,
                relationship=Relationship.PARENT,
                audience=Audience.STANDARD,
                channel=Channel.LETTER,
                token_digest=f"{month:064d}",
                expires_at=timezone.now() + dt.timedelta(days=14),
                status="answered" if month == 0 else "open",
                answered_at=timezone.now() if month == 0 else None,
            )


def _shots() -> str | None:
    return os.environ.get("BROWSER_ARTIFACTS")


def test_a_self_evaluation_prepared_reviewed_published_and_downloaded(
    browser, live_server, org, shipped_tools
):
    _a_year_of_audits(org)
    published_report(org)  # its two recommendations are improvement actions

    with page_for(browser, live_server, org.performance, home=False) as page:
        journey = Journey(page, "performance")
        journey.open("/improvement/", "improvement")
        page.click("#improvement-links >> text=Self-evaluation")
        page.wait_for_url("**/self-evaluation/")
        journey.check("self-evaluation packs")
        page.click("text=Prepare a self-evaluation pack")
        page.wait_for_url("**/self-evaluation/new/")
        journey.check("new self-evaluation pack")
        page.fill("#id_title", "Self-evaluation of practice")
        page.select_option("#id_scope_kind", "authority")
        page.check("#id_period_0")  # the last 12 complete months
        page.click("button:has-text('Compute the figures and start the draft')")
        page.wait_for_selector("text=Draft started")
        journey.check("draft pack")
        pack = SelfEvaluationPack.objects.get(title="Self-evaluation of practice")
        assert pack.figures["know"]["audits"] == 12
        assert "Source: 12 audits completed" in page.inner_text("#pack-source")
        assert page.locator("#figures-pending").count() == 0  # counted on commit
        page.click("text=Edit the narrative")
        page.wait_for_url("**/edit/")
        journey.check("edit the narrative")
        for key, text in NARRATIVE.items():
            page.fill(f"#id_narrative_{key}", text)
        page.click("button:has-text('Save the narrative')")
        page.wait_for_selector("text=Narrative saved.")
        assert NARRATIVE["know"] in page.inner_text("#narrative-know")
        page.click("button:has-text('Refresh the figures')")
        page.wait_for_selector("text=The figures are being counted again")
        journey.check("figures refreshed")
        assert page.locator("#figures-pending").count() == 0  # counted again on commit
        assert "Source: 12 audits completed" in page.inner_text("#pack-source")
        page.select_option("#id_reviewer", str(org.director.pk))
        page.click("button:has-text('Send for review')")
        page.wait_for_selector(f"text=Sent to {org.director.name} for review.")

    with page_for(browser, live_server, org.director, home=False) as page:
        journey = Journey(page, "director")
        journey.open(f"/self-evaluation/{pack.pk}/", "pack to review")
        page.check("#id_decision_0")
        page.click("button:has-text('Send your review')")
        page.wait_for_selector("text=Approved for publishing.")
        journey.check("pack approved")

    with page_for(browser, live_server, org.performance, home=False) as page:
        journey = Journey(page, "performance")
        journey.open(f"/self-evaluation/{pack.pk}/", "approved pack")
        page.click("button:has-text('Publish the pack')")
        page.wait_for_selector("text=Published: this version is fixed")
        journey.check("published pack")
        base = f"{page.base_url}/self-evaluation/{pack.pk}"
        pdf = page.context.request.get(f"{base}/pdf/")
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        word = page.context.request.get(f"{base}/docx/")
        assert word.ok
        from docx import Document

        document = Document(io.BytesIO(word.body()))
        text = "\n".join(p.text for p in document.paragraphs)
        assert NARRATIVE["doing"] in text and "3. What we are doing to improve" in text
        assert len(document.inline_shapes) == 3
        folder = _shots()
        if folder:
            with open(os.path.join(folder, "selfeval-pack.pdf"), "wb") as out:
                out.write(pdf.body())
            with open(os.path.join(folder, "selfeval-pack.docx"), "wb") as out:
                out.write(word.body())
            subprocess.run(  # noqa: S603 - poppler's pdftoppm, fixed arguments
                [
                    shutil.which("pdftoppm") or "/usr/bin/pdftoppm",
                    "-png",
                    "-r",
                    "60",
                    os.path.join(folder, "selfeval-pack.pdf"),
                    os.path.join(folder, "selfeval-pdf"),
                ],
                check=False,
            )

    pack.refresh_from_db()
    assert pack.status == PackStatus.PUBLISHED and pack.narrative_how == NARRATIVE["how"]

    with page_for(browser, live_server, org.csm_north, home=False) as page:
        journey = Journey(page, "csm")
        journey.open(f"/self-evaluation/{pack.pk}/", "published pack read by a CSM")
        assert "Publish the pack" not in page.content()


@pytest.mark.parametrize("width", [320, 640], ids=["320px", "200pc-zoom"])
def test_self_evaluation_pages_reflow(browser, live_server, org, shipped_tools, width):
    completed_audit(case=org.case, auditor=org.director, scale=4, good_practice="Good.")
    pack = published_pack(org)
    pages = [
        ("packs", "/self-evaluation/", None),
        ("new", "/self-evaluation/new/", "button:has-text('Compute the figures')"),
        ("pack", f"/self-evaluation/{pack.pk}/", None),
    ]
    problems = []
    with page_for(
        browser, live_server, org.performance, width=width, height=800, home=False
    ) as page:
        for name, path, button in pages:
            response = page.goto(page.base_url + path)
            assert response.status == 200, path
            layout = page.evaluate(LAYOUT)
            if layout["scrollWidth"] > width:
                problems.append(f"{name}: {layout['scrollWidth']}px wide ({layout['wide']})")
            _on_screen(page, "main h1", width)
            if button:
                _on_screen(page, button, width)
            axe_check(page, f"self-evaluation {name} at {width}px")
    assert not problems, problems
