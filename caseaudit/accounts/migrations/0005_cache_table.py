"""The table of Django's database cache (settings.CACHES without REDIS_URL): the sign-in rate
limits, used TOTP codes and API rate limits, shared by every server process. Made as
`manage.py createcachetable` makes it, so that `migrate` is all a new installation needs; made
whatever CACHES says today, so that a switch from Redis to the database needs nothing more."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "caseaudit_cache"  # settings.CACHES["default"]["LOCATION"]


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable(stdout=None, stderr=None)
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    connection = schema_editor.connection
    if CACHE_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_access_action_deleted"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
