"""The suite's kept migrated database (caseaudit/test_db_template.py): the database the tests
run on has every migration on disk applied, and the copy's name changes with what shapes it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from caseaudit import test_db_template


@pytest.mark.django_db
def test_the_test_database_has_every_migration_applied():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    assert leaves
    assert executor.migration_plan(leaves) == []


def test_the_digest_follows_the_source_and_not_the_tests(tmp_path, monkeypatch):
    (tmp_path / "caseaudit" / "tests").mkdir(parents=True)
    (tmp_path / "requirements-dev.lock").write_text("django==5.2\n")
    data = tmp_path / "caseaudit" / "tools.json"
    data.write_text('{"tools": []}')
    monkeypatch.setattr(test_db_template, "ROOT", tmp_path)
    first = test_db_template.digest()
    (tmp_path / "caseaudit" / "tests" / "test_x.py").write_text("def test(): pass\n")
    (tmp_path / "caseaudit" / "conftest.py").write_text("import pytest\n")
    assert test_db_template.digest() == first
    data.write_text('{"tools": [1]}')
    changed = test_db_template.digest()
    assert changed != first
    (tmp_path / "requirements-dev.lock").write_text("django==5.2.1\n")
    assert test_db_template.digest() != changed
