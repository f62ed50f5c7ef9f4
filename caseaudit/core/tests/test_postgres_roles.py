"""docs/postgres-roles.sql on PostgreSQL: the runtime role it creates can append to the access
log and the security log but cannot change, delete, truncate or alter them, nor disable or drop
their append-only triggers (it owns nothing). Skipped on SQLite."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

SQL = Path(settings.BASE_DIR) / "docs" / "postgres-roles.sql"
LOGS = ("accounts_accessevent", "accounts_securityevent")


@pytest.fixture
def runtime(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the runtime role and the triggers")
    psycopg = pytest.importorskip("psycopg")
    role = f"caseaudit_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(SQL.read_text().replace("caseaudit_app", role))
    params = connection.get_connection_params()
    conn = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=params.get("host") or "127.0.0.1",
        port=params.get("port") or 5432,
        user=role,
        autocommit=True,
    )
    try:
        yield conn
    finally:
        conn.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def _refused(conn, sql, params=()):
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        conn.execute(sql, params)
    return str(error.value)


def test_the_runtime_role_appends_but_cannot_rewrite_the_logs(runtime):
    runtime.execute(
        "INSERT INTO accounts_accessevent (at, action, object_type, object_id, path) "
        "VALUES (now(), 'view', 'case', '1', '/cases/1/')"
    )
    runtime.execute(
        "INSERT INTO accounts_securityevent (at, kind, email_tried, detail, user_agent, "
        "email_before, email_after) VALUES (now(), 'sign_in', '', '', '', '', '')"
    )
    for table in LOGS:
        count = f"SELECT count(*) FROM {table}"  # noqa: S608 (a fixed table name)
        update = f"UPDATE {table} SET at = now()"  # noqa: S608
        delete = f"DELETE FROM {table}"  # noqa: S608
        assert runtime.execute(count).fetchone()[0] >= 1
        # Refused by privilege, before any trigger runs:
        assert "permission denied" in _refused(runtime, update)
        assert "permission denied" in _refused(runtime, delete)
        assert "permission denied" in _refused(runtime, f"TRUNCATE {table}")
        # It owns nothing: no ALTER, no disabling or dropping the append-only trigger.
        assert "must be owner" in _refused(
            runtime, f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"
        )
        assert "must be owner" in _refused(runtime, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        assert "must be owner" in _refused(runtime, f"DROP TRIGGER {table}_append_only ON {table}")
        assert "must be owner" in _refused(runtime, f"ALTER TABLE {table} OWNER TO CURRENT_USER")
    assert "must be owner" in _refused(runtime, "DROP FUNCTION caseaudit_refuse_change()")


def test_the_runtime_role_reads_and_writes_the_other_tables(runtime):
    runtime.execute(
        "INSERT INTO core_closureday (date, reason) VALUES ('2031-12-29', 'Test') RETURNING id"
    )
    runtime.execute("UPDATE core_closureday SET reason = 'Changed' WHERE date = '2031-12-29'")
    runtime.execute("DELETE FROM core_closureday WHERE date = '2031-12-29'")
    assert runtime.execute("SELECT count(*) FROM cases_case").fetchone()[0] >= 0
    assert "permission denied" in _refused(runtime, "CREATE TABLE sneaky (id int)")


def test_the_runtime_role_hears_the_notifications_of_its_own_writes(runtime):
    """Each server process listens as the runtime role (docs/deployment-database.md): LISTEN
    and the triggers' notifications (caseaudit/accounts/local_cache.py) need no grant."""
    from caseaudit.accounts.local_cache import CHANNEL, USERS, session_key_digest

    runtime.execute(f"LISTEN {CHANNEL}")
    runtime.execute(
        "INSERT INTO django_session (session_key, session_data, expire_date) "
        "VALUES ('runtime-role-session', '', now() + interval '1 hour')"
    )
    runtime.execute("DELETE FROM django_session WHERE session_key = 'runtime-role-session'")
    runtime.execute("UPDATE organisation_team SET name = name WHERE false")
    heard = [n.payload for n in runtime.notifies(timeout=5, stop_after=3)]
    digest = "s:" + session_key_digest("runtime-role-session")
    assert heard == [digest, digest, USERS]
