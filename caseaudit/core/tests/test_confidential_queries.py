"""Views never query confidential models directly (docs/CONVENTIONS.md, "Reads and access").

A page, an API endpoint or a template tag reads a record about a child through a selector that
scopes it to the user (and 404s, logging the refusal, when they may not see it). This test reads
the source of every views module, API endpoint module and template tag library with `ast` and
fails on `Model.objects`, `Model._default_manager` / `_base_manager` or
`get_object_or_404(Model...)` / `get_list_or_404(Model...)` for any model listed below.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # caseaudit/

# Models holding information about children (or about who looked at it): read only through
# scoped selectors.
CONFIDENTIAL_MODELS = frozenset(
    {
        # cases
        "Case",
        "CaseEvent",
        # audits and their children
        "Audit",
        "AuditEvent",
        "SectionAnswer",
        "QuestionAnswer",
        "RestorativeAction",
        "UrgentFinding",
        # responses
        "QAResponse",
        "ActionResponse",
        "ResponseEvent",
        "ResponseDraft",
        # the programme's allocations name cases
        "Allocation",
        # notifications name cases
        "Notification",
        "EmailDigest",
        "EmailDelivery",
        # import runs hold the uploaded register and its rows
        "ImportRun",
        # the access log
        "AccessEvent",
    }
)
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})


def _checked_modules() -> list[Path]:
    modules = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        if (
            path.name == "views.py"
            or "views" in parts[:-1]
            or parts[:2] == ("api", "endpoints")
            or "templatetags" in parts[:-1]
        ):
            modules.append(path)
    return modules


def _model_of(node: ast.expr) -> str | None:
    """The confidential model at the root of `Model`, `models.Model`, `Model.x(...)`..."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in CONFIDENTIAL_MODELS:
                return node.attr
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id if node.id in CONFIDENTIAL_MODELS else None
        else:
            return None


def confidential_queries(source: str) -> list[tuple[int, str]]:
    """(line, what) for each direct query on a confidential model in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            model = _model_of(node.value)
            if model is not None:
                found.append((node.lineno, f"{model}.{node.attr}"))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in SHORTCUTS:
                first = node.args[0]
                # get_object_or_404(Model, ...) itself: `Model.objects` inside is found above.
                if isinstance(first, ast.Name) and first.id in CONFIDENTIAL_MODELS:
                    found.append((node.lineno, f"{name}({first.id}"))
    return sorted(found)


def test_the_checker_finds_direct_queries():
    source = (
        "from django.shortcuts import get_object_or_404\n"
        "a = Case.objects.filter(reference='x').first()\n"
        "b = get_object_or_404(Audit, pk=1)\n"
        "c = get_object_or_404(Allocation.objects.select_related('case'), pk=1)\n"
        "d = models.QAResponse._default_manager.all()\n"
        "e = Staff.objects.all()\n"
        "f = selectors.case_get(user=u, pk=1)\n"
    )
    assert confidential_queries(source) == [
        (2, "Case.objects"),
        (3, "get_object_or_404(Audit"),
        (4, "Allocation.objects"),
        (5, "QAResponse._default_manager"),
    ]


def test_the_checked_modules_are_found():
    names = {str(p.relative_to(ROOT)) for p in _checked_modules()}
    assert {"cases/views.py", "programme/views.py", "api/endpoints/cases.py"} <= names
    assert any("templatetags" in name for name in names)


@pytest.mark.parametrize("path", _checked_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_views_do_not_query_confidential_models(path):
    found = confidential_queries(path.read_text())
    assert not found, (
        f"{path.relative_to(ROOT)} queries confidential models directly "
        f"(use a scoped selector): {found}"
    )
