"""Access-log entries name what they are about with `AccessObjectType`, never a free string:
a typo in a string would write entries no access-log page can label or find."""

import ast
from pathlib import Path

import caseaudit

ROOT = Path(caseaudit.__file__).parent


def string_object_types() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg == "object_type"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {value.value!r}")
    return found


def test_no_access_log_entry_names_its_object_type_with_a_string():
    assert string_object_types() == []


def test_the_check_finds_a_string(tmp_path, monkeypatch):
    (tmp_path / "views.py").write_text('access_record(request=r, object_type="case")\n')
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert string_object_types() == ["views.py:1 'case'"]
