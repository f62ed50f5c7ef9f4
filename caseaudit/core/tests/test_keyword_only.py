"""Public service and selector functions take keyword-only arguments (docs/CONVENTIONS.md,
"Arguments and types").

The rule: every parameter of a public function (a name without a leading underscore) of an
app's `services` or `selectors` module, or of a module in such a package, is keyword-only
(`def case_close(*, case, by, closed_on, reason)`). The one exception: a function whose only
parameter is what it is about may take it positionally (`case_scope(user)`,
`staff_for_user(user)`, `token_digest(secret)`); a second parameter makes them all keyword-only.
Policy predicates (`policy.py`: `can_close(user, case)`) are not services or selectors and
keep their positional form. This test reads every such module with `ast`.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # caseaudit/
LAYERS = ("services", "selectors")

# Not yet brought to the rule: "module:function". Empty since every app was brought to it; the
# list only shrinks, and the last test fails on a line no longer needed.
NOT_YET: frozenset[str] = frozenset()


def _layer_modules() -> Iterator[Path]:
    """Every app's services and selectors module, and every module of such a package."""
    for app in sorted(path for path in ROOT.iterdir() if path.is_dir()):
        for layer in LAYERS:
            module = app / f"{layer}.py"
            if module.is_file():
                yield module
            package = app / layer
            if package.is_dir():
                yield from sorted(package.rglob("*.py"))


def _dotted(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _public_functions(path: Path) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if is_function and not node.name.startswith("_"):
            yield node


def positional_problem(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """What breaks the rule in the function's parameters (None: nothing)."""
    args = function.args
    positional = [arg.arg for arg in (*args.posonlyargs, *args.args)]
    if args.vararg is not None:
        return f"takes *{args.vararg.arg}"
    if not positional:
        return None
    count = len(positional) + len(args.kwonlyargs) + (args.kwarg is not None)
    if count == 1:
        return None  # its only parameter: may be positional
    return f"takes {', '.join(positional)} positionally (put `*` first)"


def _scan() -> dict[str, str]:
    """For every function breaking the rule, "module:function" -> where it is and why."""
    found = {}
    for path in _layer_modules():
        for function in _public_functions(path):
            problem = positional_problem(function)
            if problem is not None:
                where = f"{path.relative_to(ROOT.parent)}:{function.lineno}"
                found[f"{_dotted(path)}:{function.name}"] = f"{where} {problem}"
    return found


def _parse(source: str) -> ast.FunctionDef:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def test_the_rule():
    def problem(source: str) -> str | None:
        return positional_problem(_parse(source))

    assert problem("def case_close(*, case, by, reason): ...") is None
    assert problem("def case_scope(user): ...") is None  # its only parameter
    assert problem("def token_digest(secret, /): ...") is None
    assert problem("def case_list(*, user, **filters): ...") is None
    assert problem("def case_notifications(case, audit_ids): ...") is not None
    assert problem("def finding_recipients(case, *, exclude=()): ...") is not None
    assert problem("def staff_lookup(user, **options): ...") is not None
    assert problem("def import_all(*rows): ...") is not None
    assert problem("def summary_rebuild(): ...") is None


def test_the_modules_are_found():
    modules = {_dotted(path) for path in _layer_modules()}
    assert {
        "caseaudit.cases.selectors",
        "caseaudit.dataprotection.services",
        "caseaudit.reports.selectors",
        "caseaudit.reports.selectors.compliance",
    } <= modules
    functions = {
        f"{_dotted(path)}:{function.name}"
        for path in _layer_modules()
        for function in _public_functions(path)
    }
    assert "caseaudit.dataprotection.services:case_close" in functions
    assert "caseaudit.reports.selectors.build:build_report" in functions
    assert not any(name.split(":")[1].startswith("_") for name in functions)


def test_public_service_and_selector_functions_take_keyword_arguments():
    breaking = {name: problem for name, problem in _scan().items() if name not in NOT_YET}
    assert not breaking, (
        "Public service and selector functions take keyword-only arguments (`def f(*, a, b)`; "
        "a sole parameter may be positional): docs/CONVENTIONS.md, 'Arguments and types'.\n"
        + "\n".join(sorted(breaking.values()))
    )


def test_the_not_yet_list_only_holds_functions_that_still_need_it():
    stale = sorted(NOT_YET - set(_scan()))
    assert not stale, f"Take these out of NOT_YET (keyword-only now, or gone): {stale}"
