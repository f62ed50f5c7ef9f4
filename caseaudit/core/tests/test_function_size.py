"""No function over 80 lines, no module over 800, in the shipped code.

Every module under caseaudit/ except the tests, the migrations and caseaudit/bench/ is read
with `ast`. A function's length is from its `def` line to the last line of its body
(decorators left out, docstring and comments counted); nested functions and methods are
measured too, each on its own (a nested function's lines also count in the one around it).
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # caseaudit/
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 800
# Not shipped code: the tests, the migrations (generated) and the benchmarks' own harness.
SKIPPED_DIRS = frozenset({"tests", "migrations"})
SKIPPED_PATHS = (ROOT / "bench",)


def _modules() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS.intersection(relative.parts[:-1]):
            continue
        if any(path.is_relative_to(skipped) for skipped in SKIPPED_PATHS):
            continue
        yield path


def _name(path: Path) -> str:
    return path.relative_to(ROOT.parent).as_posix()


def function_lengths(source: str) -> Iterator[tuple[str, int, int]]:
    """(name, line, length) of every function and method in `source`, nested ones included."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno if node.end_lineno is not None else node.lineno
            yield node.name, node.lineno, end - node.lineno + 1


def _scan() -> tuple[dict[str, tuple[str, int]], list[str]]:
    """The functions over the limit ("path:function" -> ("path:line", length)) and the
    modules over theirs ("path: N lines")."""
    functions: dict[str, tuple[str, int]] = {}
    modules = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            modules.append(f"{_name(path)}: {lines} lines")
        for name, line, length in function_lengths(source):
            if length > MAX_FUNCTION_LINES:
                # Two functions of one name in a module (methods, say) keep both.
                key = f"{_name(path)}:{name}"
                key = key if key not in functions else f"{key}@{line}"
                functions[key] = (f"{_name(path)}:{line}", length)
    return functions, modules


def test_the_measure():
    source = "def short():\n    return 1\n\n\nclass A:\n    @property\n    def m(self):\n"
    source += "        def inner():\n            pass\n\n        return inner\n"
    assert sorted(function_lengths(source)) == [("inner", 8, 2), ("m", 7, 5), ("short", 1, 2)]


def test_the_modules_are_found():
    names = {_name(path) for path in _modules()}
    assert "caseaudit/reports/selectors/headlines.py" in names
    assert "caseaudit/responses/actions.py" in names
    assert not any("/tests/" in name or "/migrations/" in name for name in names)
    assert not any(name.startswith("caseaudit/bench/") for name in names)


def test_no_function_is_over_80_lines():
    functions, _modules_over = _scan()
    over = [
        f"{where} {name.split(':', 1)[1]}: {length} lines"
        for name, (where, length) in sorted(functions.items())
    ]
    assert not over, (
        f"Functions over {MAX_FUNCTION_LINES} lines (from `def` to the end of the body): "
        "split them into well-named helpers.\n" + "\n".join(over)
    )


def test_no_module_is_over_800_lines():
    _functions, modules = _scan()
    assert not modules, f"Modules over {MAX_MODULE_LINES} lines: split them.\n" + "\n".join(modules)
