-- caseaudit on PostgreSQL: a runtime role that owns nothing (docs/deployment-database.md).
--
-- The schema owner (the role in the URL you run `manage.py migrate` with) owns every table.
-- The web server and the task worker connect as `caseaudit_app`, which may read and write the
-- app's tables but may only read and append to the two logs: no UPDATE, DELETE or TRUNCATE on
-- them, and, owning no table, it cannot ALTER a table, drop or disable a trigger.
--
-- Run it as the schema owner (or a superuser) in the app's database, after the first
-- `migrate` and again after every `migrate` (it is idempotent):
--     psql "$MIGRATE_DATABASE_URL" -v ON_ERROR_STOP=1 -f docs/postgres-roles.sql
-- then give the role its password once:
--     psql "$MIGRATE_DATABASE_URL" -c "ALTER ROLE caseaudit_app PASSWORD '...'"
-- The tables are in the `public` schema (Django's default search path).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'caseaudit_app') THEN
        CREATE ROLE caseaudit_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO caseaudit_app', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO caseaudit_app;
REVOKE CREATE ON SCHEMA public FROM caseaudit_app;

-- Every table: read and write; every sequence: take the next id.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO caseaudit_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO caseaudit_app;

-- The access log and the security log: read and append only.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON accounts_accessevent, accounts_securityevent FROM caseaudit_app;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON accounts_accessevent, accounts_securityevent FROM PUBLIC;

-- Tables the owner creates in later migrations get the same read/write grant; run this file
-- again after each `migrate` so a new log table is narrowed too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO caseaudit_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO caseaudit_app;
