"""On PostgreSQL, make the access log and the security log append-only: a trigger refuses
every UPDATE and DELETE on them (TRUNCATE, which only the schema owner may run, is left to
the test database). SQLite is left untouched."""

from django.db import migrations

TABLES = ["accounts_accessevent", "accounts_securityevent"]

FUNCTION = """
CREATE OR REPLACE FUNCTION caseaudit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'caseaudit: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # its % are PL/pgSQL, not placeholders
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION caseaudit_refuse_change();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS caseaudit_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_alter_accessevent_user_securityevent")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
