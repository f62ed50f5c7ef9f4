"""The suite's kept migrated database (caseaudit/test_db_template.py): the database the tests
run on has every migration on disk applied, and the copy's name changes with what shapes it."""

import os

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


def test_the_newest_copies_are_kept_and_older_ones_removed(tmp_path, monkeypatch):
    """Checkouts of different code on one machine share the folder: making a copy removes
    only those past the newest KEEP, not another checkout's copy that a run may be using."""
    monkeypatch.setattr(test_db_template, "KEEP", 3)
    copies = []
    for age, name in enumerate(("a", "b", "c", "d")):
        copy = tmp_path / f"{name}-default.sqlite3"
        copy.write_bytes(b"")
        copy.with_suffix(".lock").write_bytes(b"")
        os.utime(copy, (1_000_000 + age, 1_000_000 + age))
        copies.append(copy)
    made = tmp_path / "e-default.sqlite3"
    made.write_bytes(b"")
    test_db_template._remove_others(made)
    assert sorted(p.name for p in tmp_path.glob("*.sqlite3")) == [
        "c-default.sqlite3",
        "d-default.sqlite3",
        "e-default.sqlite3",
    ]
    assert not copies[0].with_suffix(".lock").exists()
    assert copies[2].with_suffix(".lock").exists()


def test_the_copies_live_in_the_user_s_cache_folder():
    home_cache = test_db_template.Path.home() / ".cache" / "caseaudit" / "test-db"
    assert test_db_template.template_dir({}) == home_cache
    assert test_db_template.template_dir({"XDG_CACHE_HOME": "/somewhere/cache"}) == (
        test_db_template.Path("/somewhere/cache/caseaudit/test-db")
    )
    assert test_db_template.template_dir(
        {"XDG_CACHE_HOME": "/somewhere/cache", "CASEAUDIT_TEST_DB_TEMPLATE_DIR": "/kept"}
    ) == test_db_template.Path("/kept")
