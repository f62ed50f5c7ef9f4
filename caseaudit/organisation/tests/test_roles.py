"""Every named set of roles lives in `caseaudit.organisation.roles` (one place to read who a
rule covers): no other module defines a module-level `*_ROLES`, and `organisation.models` still
offers `Role` and the sets its callers import from it."""

import ast
from pathlib import Path

from caseaudit.organisation import models, roles

ROOT = Path(__file__).resolve().parents[2]  # caseaudit/
# Not a rule's set: the demo's one login per role, in order.
ALLOWED = {("demo/authority.py", "DEMO_ROLES")}


def _module_level_role_sets(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text()).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id.endswith("_ROLES")]
    return names


def test_role_sets_are_defined_only_in_roles_py():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if "/tests/" in f"/{relative}" or "/migrations/" in relative:
            continue
        if relative == "organisation/roles.py":
            continue
        found += [
            (relative, name)
            for name in _module_level_role_sets(path)
            if (relative, name) not in ALLOWED
        ]
    assert not found, f"define role sets in caseaudit/organisation/roles.py: {found}"


def test_the_sets_hold_roles_and_the_old_import_path_works():
    sets = {n: v for n, v in vars(roles).items() if n.endswith("_ROLES")}
    assert len(sets) >= 14
    for name, members in sets.items():
        assert isinstance(members, frozenset) and members, name
        assert members <= set(roles.Role), name
    assert models.Role is roles.Role
    assert models.AUTHORITY_WIDE_ROLES is roles.AUTHORITY_WIDE_ROLES
    assert models.MANAGER_ROLES is roles.MANAGER_ROLES
