"""PostgreSQL only: a notification on the channel `caseaudit_auth` ("n:<staff id>") when a
notification is added for someone, read or deleted, so that each server process's copy of
their unread count is dropped (caseaudit/accounts/local_cache.py); "all" when the table is
emptied at once. Nothing on SQLite, which has no notifications."""

from django.db import migrations

TABLE = "notifications_notification"

FUNCTION = """
CREATE OR REPLACE FUNCTION caseaudit_unread_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('caseaudit_auth', 'all');
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.read_at IS NOT DISTINCT FROM OLD.read_at
            AND NEW.recipient_id IS NOT DISTINCT FROM OLD.recipient_id THEN
        RETURN NULL;  -- an email's delivery, not the count
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('caseaudit_auth', 'n:' || OLD.recipient_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('caseaudit_auth', 'n:' || NEW.recipient_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    # Row by row (each names its recipient; PostgreSQL sends identical notifications of a
    # transaction once, so a thousand of one person's read at once send one).
    schema_editor.execute(
        f"CREATE TRIGGER caseaudit_unread_changed AFTER INSERT OR UPDATE OR DELETE "
        f"ON {TABLE} FOR EACH ROW EXECUTE FUNCTION caseaudit_unread_changed()"
    )
    schema_editor.execute(
        f"CREATE TRIGGER caseaudit_unread_changed_all AFTER TRUNCATE "
        f"ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION caseaudit_unread_changed()"
    )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS caseaudit_unread_changed ON {TABLE}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS caseaudit_unread_changed_all ON {TABLE}")
    schema_editor.execute("DROP FUNCTION IF EXISTS caseaudit_unread_changed()")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_auth_change_notifications"),
        ("notifications", "0007_self_evaluation_kinds"),
    ]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
