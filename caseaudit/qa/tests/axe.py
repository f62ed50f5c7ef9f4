"""axe-core in the browser tests: run it on a page with the WCAG 2.0, 2.1 and 2.2 A and AA rules
and axe's best practices (`TAGS`: "region", content outside a landmark, is one of them), and fail
on a violation of any impact (`FAILING_IMPACTS`: minor and moderate too, not only serious and
critical); every finding is also kept for the end-of-run summary.

axe is loaded into the page as the site's own static file (`add_script_tag(url=...)`: a
<script src> from 'self', which the page's Content Security Policy allows; the policy stays
fully enforced, `script-src 'self'` and no inline scripts). The browser keeps the file, and
V8 its compiled code, for the rest of the test: sending the source with `page.evaluate` for
each page made loading axe take 62 ms a page rather than 35 (75 checks). A page whose policy
allows no script at all (the family's feedback form) still gets it by `page.evaluate`.
We did not use `add_script_tag(path=...)` (an inline <script> the CSP blocks) nor a context
created with `bypass_csp=True` (which would also let through inline styles and scripts the CSP
blocks for real users, hiding exactly the breakage we want to see).

axe runs once per page state (`page_state`): the view's address with its numbers left out,
the window's width and the set of element kinds the page shows (tag, classes, role, and the
states a rule reads: open, hidden, expanded, invalid, empty). A page seen again in a state
already checked (the same case list for another person, the home page after an action that
changed only its figures) is not checked again: the same template in the same state gives
the same findings, and axe was a quarter of the browser tests' time. A new banner, an error
summary, an open dialog or another width is a new state, and is checked.
"""

import hashlib
import os
import re
from functools import cache
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

import caseaudit.core

# The rules run: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
# Every impact fails a page (axe's minor and moderate findings are real barriers too).
FAILING_IMPACTS = ("minor", "moderate", "serious", "critical")

# Every finding of the run: (impact, rule id, help, page label, selectors).
FINDINGS: list[tuple[str, str, str, str, str]] = []
# Every page axe checked (labels), and every page not checked again (`page_state`).
CHECKED: list[str] = []
SKIPPED: list[str] = []

RUN = """async (tags) => {
  const result = await axe.run(document, {
    resultTypes: ["violations"], runOnly: {type: "tag", values: tags},
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
    count: v.nodes.length,
  }));
}"""


# The element kinds of a page, for `page_state`.
KINDS = """() => {
  const kinds = new Set();
  for (const e of document.querySelectorAll("body *")) {
    const a = (name) => e.getAttribute(name) ?? "";
    kinds.add([
      e.tagName, [...e.classList].sort().join("."), a("role"), a("type"),
      e.hasAttribute("open"), e.hidden, a("aria-expanded"), a("aria-hidden"), a("aria-invalid"),
      e.childElementCount === 0 && !e.textContent.trim(),
    ].join(":"));
  }
  return [...kinds].sort().join("|");
}"""
# Page states checked in this test process, with the label of the first check of each.
STATES: dict[str, str] = {}


def page_state(page) -> str:
    """The view (the path with its numbers and query values left out), the window's width and
    the element kinds shown, as one key."""
    path, _, query = page.url.split("://", 1)[-1].partition("/")[2].partition("?")
    view = re.sub(r"(?<=/)[0-9]+(?=/|$)", "N", "/" + path.split("#")[0])
    params = sorted(part.split("=")[0] for part in query.split("#")[0].split("&") if part)
    width = page.evaluate("() => window.innerWidth")
    kinds = hashlib.sha256(page.evaluate(KINDS).encode()).hexdigest()
    return f"{view}?{'&'.join(params)} @{width}px {kinds}"


@cache
def axe_source() -> str:
    return (Path(caseaudit.core.__file__).parent / "static" / "axe" / "axe.min.js").read_text(
        encoding="utf-8"
    )


@cache
def axe_url() -> str:
    from django.templatetags.static import static

    return static("axe/axe.min.js")


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        try:
            page.add_script_tag(url=axe_url())
        except PlaywrightError:  # a page whose policy allows no script at all (the family's)
            page.evaluate(axe_source())
    return page.evaluate(RUN, list(TAGS))


def axe_check(page, label: str) -> list[dict]:
    """Run axe on the page as it is now, unless this test process has checked the page in
    the same state (`page_state`). Fails on a violation of any impact (`FAILING_IMPACTS`);
    returns (and prints, and records for the summary) what it found."""
    state = page_state(page)
    if state in STATES:
        SKIPPED.append(f"{label} (as {STATES[state]})")
        return []
    STATES[state] = label
    violations = axe_violations(page)
    CHECKED.append(label)
    for v in violations:
        FINDINGS.append((v["impact"], v["id"], v["help"], label, "; ".join(v["targets"])))
        print(f"axe {v['impact']}: {v['id']} ({v['help']}) on {label}: {v['targets']}")
    folder = os.environ.get("BROWSER_ARTIFACTS")
    if folder and violations:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "axe-findings.txt"), "a", encoding="utf-8") as out:
            for v in violations:
                out.write(f"{v['impact']}\t{v['id']}\t{label}\t{v['targets']}\n")
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe on {label} ({page.url}): " + "; ".join(
        f"{v['impact']} {v['id']}: {v['help']} at {v['targets']}" for v in failing
    )
    return violations


def axe_findings_summary() -> list[str]:
    """How many pages were checked, then one line per (impact, rule, page)."""
    if not CHECKED:
        return []
    return [
        f"axe-core checked {len(CHECKED)} page states ({len(SKIPPED)} pages were in a state"
        " already checked); findings:"
    ] + [
        f"{impact}: {rule} ({help_text}) on {label}: {targets}"
        for impact, rule, help_text, label, targets in sorted(set(FINDINGS))
    ]
