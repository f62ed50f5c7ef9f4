"""axe-core in the browser tests: run it on a page with the WCAG 2.0, 2.1 and 2.2 A and AA rules
and axe's best practices (`TAGS`: "region", content outside a landmark, is one of them), and fail
on a violation of any impact (`FAILING_IMPACTS`: minor and moderate too, not only serious and
critical); every finding is also kept for the end-of-run summary.

axe is injected with `page.evaluate(<axe.min.js source>)`: evaluation by the test driver runs
in the page's own context (so axe sees the real DOM) but is not subject to the page's Content
Security Policy, which stays fully enforced (`script-src 'self'`, no inline scripts). We did
not use `add_script_tag(path=...)` (an inline <script> the CSP blocks) nor a context created
with `bypass_csp=True` (which would also let through inline styles and scripts the CSP blocks
for real users, hiding exactly the breakage we want to see).
"""

import os
from functools import cache
from pathlib import Path

import caseaudit.core

AXE_PATH = Path(caseaudit.core.__file__).parent / "static" / "axe" / "axe.min.js"
# The rules run: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
# Every impact fails a page (axe's minor and moderate findings are real barriers too).
FAILING_IMPACTS = ("minor", "moderate", "serious", "critical")

# Every finding of the run: (impact, rule id, help, page label, selectors).
FINDINGS: list[tuple[str, str, str, str, str]] = []
# Every page axe checked (labels).
CHECKED: list[str] = []

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


@cache
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return page.evaluate(RUN, list(TAGS))


def axe_check(page, label: str) -> list[dict]:
    """Run axe on the page as it is now. Fails on a violation of any impact (`FAILING_IMPACTS`);
    returns (and prints, and records for the summary) what it found."""
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
    return [f"axe-core checked {len(CHECKED)} pages; findings:"] + [
        f"{impact}: {rule} ({help_text}) on {label}: {targets}"
        for impact, rule, help_text, label, targets in sorted(set(FINDINGS))
    ]
