"""PostgreSQL only: a notification on the channel `caseaudit_auth` when a change to who is
signed in, or who they are, commits (caseaudit/accounts/local_cache.py): "s:<md5 of the
session key>" for a session, "u" for users, staff records, teams and services, "all" when a
table is emptied at once. Nothing on SQLite, which has no notifications."""

from django.conf import settings
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION caseaudit_auth_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('caseaudit_auth', 'all');
    ELSIF TG_TABLE_NAME = 'django_session' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('caseaudit_auth', 's:' || md5(OLD.session_key));
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.session_key IS DISTINCT FROM OLD.session_key THEN
            PERFORM pg_notify('caseaudit_auth', 's:' || md5(NEW.session_key));
        END IF;
    ELSE
        PERFORM pg_notify('caseaudit_auth', 'u');
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

# Sessions row by row (each names its key); the others once per statement (one "u" however
# many rows an import changes; PostgreSQL also sends identical notifications of a
# transaction once).
SESSION_TABLE = "django_session"
OTHER_TABLES = ("auth_user", "organisation_staff", "organisation_team", "organisation_servicearea")


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        f"CREATE TRIGGER caseaudit_auth_changed AFTER INSERT OR UPDATE OR DELETE "
        f"ON {SESSION_TABLE} FOR EACH ROW EXECUTE FUNCTION caseaudit_auth_changed()"
    )
    for table in (SESSION_TABLE, *OTHER_TABLES):
        events = "TRUNCATE" if table == SESSION_TABLE else "INSERT OR UPDATE OR DELETE OR TRUNCATE"
        schema_editor.execute(
            f"CREATE TRIGGER caseaudit_auth_changed_all AFTER {events} "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION caseaudit_auth_changed()"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS caseaudit_auth_changed ON {SESSION_TABLE}")
    for table in (SESSION_TABLE, *OTHER_TABLES):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS caseaudit_auth_changed_all ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS caseaudit_auth_changed()")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_accessevent_case_at_index"),
        ("organisation", "0002_staff_role_lead_member"),
        ("sessions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
