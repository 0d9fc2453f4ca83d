"""The application's own database role cannot undo append-only (docs/security.md, R25 and R34).

PostgreSQL only: these connect a second time, as `portal_app_test` (made by scripts/test-services.sh, or
here when the suite's role may create roles), after `manage.py grant_app_role` has run on the test
database, and try what someone holding the app's password would try. The suite itself runs as the owner.
"""

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from audit.append_only import append_only_tables
from audit.models import AuditEvent
from tests.factories import CaseFactory

APP_ROLE = "portal_app_test"
APP_PASSWORD = "portal_app_test"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="database roles and TRUNCATE triggers are PostgreSQL's (CI runs it)"
    ),
    pytest.mark.django_db(transaction=True),
]


def _ensure_app_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone():
            return
        try:
            cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}'")
        except Exception as exc:  # the suite's role may lack CREATEROLE; scripts/test-services.sh makes it
            # A failure, not a skip: on PostgreSQL these tests are the only proof of what the app role cannot do.
            pytest.fail(f"No {APP_ROLE} role and cannot create it ({exc}); run scripts/test-services.sh")


@pytest.fixture
def app_db():
    """A connection to the test database as the application's role, after the grant command ran."""
    _ensure_app_role()
    call_command("grant_app_role", APP_ROLE, stdout=open("/dev/null", "w"))
    settings = connection.settings_dict
    conn = psycopg2.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=APP_ROLE,
        password=APP_PASSWORD,
    )
    conn.autocommit = True
    yield conn.cursor()
    conn.close()


def _refused(conn, sql: str, params=()) -> str | None:
    """The error PostgreSQL gave, or None when the statement went through."""
    try:
        conn.execute(sql, params)
    except psycopg2.Error as exc:
        return str(exc).splitlines()[0]
    return None


def test_grant_command_says_what_it_granted(app_db):
    from io import StringIO

    out = StringIO()
    call_command("grant_app_role", APP_ROLE, stdout=out)  # a second run: idempotent
    assert "SELECT, INSERT on" in out.getvalue()
    assert "audit_auditevent" in out.getvalue()
    assert "no CREATE" in out.getvalue()


def test_app_role_cannot_change_remove_or_unprotect_append_only_tables(app_db):
    case = CaseFactory()
    AuditEvent.objects.create(action=AuditEvent.Action.CASE_VIEWED, case=case)
    tables = append_only_tables()
    assert {"audit_auditevent", "chronology_entry", "cases_escalationresponse"} <= set(tables)
    went_through = []
    for table in tables:
        trigger = f"{table}_append_only"
        for sql in (
            f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
            f"TRUNCATE {table} CASCADE",
            f"DROP TRIGGER {trigger} ON {table}",
            f"ALTER TABLE {table} DISABLE TRIGGER {trigger}",
            f"ALTER TABLE {table} DISABLE TRIGGER ALL",
            f"DROP TABLE {table}",
        ):
            # Even with the owner's switch set: it is no way in for another role.
            app_db.execute("SET portal.allow_truncate = 'on'")
            if _refused(app_db, sql) is None:
                went_through.append(sql)
    assert went_through == []
    assert AuditEvent.objects.filter(case=case).count() == 1
    # No DDL of its own either: a table of its own, or a trigger-free copy.
    assert _refused(app_db, "CREATE TABLE app_role_scratch (id int)") is not None
    assert _refused(app_db, "CREATE FUNCTION app_role_fn() RETURNS int AS 'SELECT 1' LANGUAGE sql") is not None


def test_app_role_does_its_ordinary_work(app_db):
    case = CaseFactory()
    before = AuditEvent.objects.count()
    app_db.execute(
        "INSERT INTO audit_auditevent (at, actor_role, action, outcome, requested_case, target_type, target_id,"
        " session_hash, data, case_id) VALUES (now(), '', %s, 'ok', '', '', '', '', '{}', %s)",
        [AuditEvent.Action.CASE_VIEWED, case.pk],
    )
    assert AuditEvent.objects.count() == before + 1
    assert _refused(app_db, "UPDATE cases_case SET version = version + 1 WHERE id = %s", [case.pk]) is None
    case.refresh_from_db()
    assert case.version == 2
    app_db.execute("SELECT count(*) FROM chronology_effective_entry")
    assert app_db.fetchone()[0] == 0


def test_owner_truncate_refused_outside_the_test_flush():
    """The owner's own TRUNCATE is refused unless its session asks (only the suite's flush does)."""
    case = CaseFactory()
    AuditEvent.objects.create(action=AuditEvent.Action.CASE_VIEWED, case=case)
    with connection.cursor() as cursor:
        cursor.execute("SET portal.allow_truncate = 'off'")
        try:
            with pytest.raises(Exception, match="append-only: it cannot be truncated"):
                cursor.execute("TRUNCATE audit_auditevent")
        finally:
            cursor.execute("SET portal.allow_truncate = 'on'")
    assert AuditEvent.objects.filter(case=case).exists()


def test_every_append_only_table_refuses_truncate_in_the_database():
    """One registry: the tables the triggers guard are exactly the append-only models' tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE tgname LIKE '%%\\_append\\_only' OR tgname LIKE '%%\\_no\\_truncate'"
        )
        rows = cursor.fetchall()
    row_guarded = sorted({table for table, name in rows if name.endswith("_append_only")})
    truncate_guarded = sorted({table for table, name in rows if name.endswith("_no_truncate")})
    assert row_guarded == append_only_tables()
    assert truncate_guarded == append_only_tables()
