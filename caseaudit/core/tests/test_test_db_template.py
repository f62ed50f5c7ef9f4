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


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_what_post_migrate_makes_and_nothing_else():
    """What a transactional test's flush leaves for the next test, whether it empties the
    tables and sends post_migrate (PostgreSQL) or copies the kept database back (in-memory
    SQLite): no rows of the test's, the shipped tools and bands, every content type and
    permission, and the content types' cache emptied."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    from caseaudit.audit_tools.models import ScalingBand, Tool
    from caseaudit.factories import StaffFactory
    from caseaudit.organisation.models import Staff

    content_types, permissions = ContentType.objects.count(), Permission.objects.count()
    tools, bands = Tool.objects.count(), ScalingBand.objects.count()
    assert tools and bands and content_types and permissions
    StaffFactory()
    ScalingBand.objects.all().delete()  # post_migrate makes them again
    ContentType.objects.get_for_model(Staff)  # cached
    # As a transactional test's teardown calls it (sequences kept: `build_org` relies on it).
    call_command("flush", verbosity=0, interactive=False, database="default", reset_sequences=False)
    assert not Staff.objects.exists()
    assert (Tool.objects.count(), ScalingBand.objects.count()) == (tools, bands)
    assert ContentType.objects.count() == content_types
    assert Permission.objects.count() == permissions
    assert ContentType.objects._cache == {}
