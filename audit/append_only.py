"""Append-only tables: the one registry of them, and the database triggers that guard them.

The registry is the code: every concrete model that subclasses `audit.models.AppendOnlyModel`
(`append_only_tables()`). Migrations install the triggers (`AppendOnlyTrigger` for a new table,
`TruncateTrigger` for one created before the TRUNCATE guard existed); a test checks that the tables
carrying triggers in the database are exactly the registry's, and `manage.py grant_app_role` grants the
application's role only SELECT and INSERT on them.

The model refuses too, but only the database stops raw SQL, the admin's bulk actions and
queryset.update()/delete(). TRUNCATE fires no row trigger, so a statement-level trigger refuses it as
well. The tables' owner may truncate only when its session sets `portal.allow_truncate` to `on`: the test
suite's flush between transactional tests does (neglect_portal/settings/test.py). That switch is no way
in for the application's role: it is not the owner, and it holds no TRUNCATE privilege, which PostgreSQL
checks before any trigger runs.
"""

from django.db import migrations

# Shared by every append-only table: the trigger gets the table from TG_RELID.
TRUNCATE_FUNCTION = """
    CREATE OR REPLACE FUNCTION append_only_refuse_truncate() RETURNS trigger AS $$
    BEGIN
        IF current_setting('portal.allow_truncate', true) = 'on'
           AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
            RETURN NULL;
        END IF;
        -- No format placeholder (no percent sign anywhere): Django runs migration SQL through psycopg formatting.
        RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: it cannot be truncated';
    END;
    $$ LANGUAGE plpgsql;
"""


def append_only_tables() -> list[str]:
    """Every append-only table, from the models (the one list; nothing else names them)."""
    from django.apps import apps

    from audit.models import AppendOnlyModel

    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and model._meta.managed and not model._meta.proxy
    )


def _postgres_truncate_sql(table: str) -> tuple[str, str]:
    # DROP IF EXISTS first: older migrations' AppendOnlyTrigger now installs it too, so a fresh
    # database reaches TruncateTrigger with the trigger already in place.
    forward = f"""
        {TRUNCATE_FUNCTION}
        DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
        CREATE TRIGGER {table}_no_truncate
            BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse_truncate();
    """
    # The shared function stays: other tables' triggers still use it.
    backward = f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"
    return forward, backward


def _postgres_sql(table: str) -> tuple[str, str]:
    truncate_forward, truncate_backward = _postgres_truncate_sql(table)
    forward = f"""
        CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: rows cannot be changed or deleted';
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change();
        {truncate_forward}
    """
    backward = f"""
        {truncate_backward}
        DROP TRIGGER IF EXISTS {table}_append_only ON {table};
        DROP FUNCTION IF EXISTS {table}_refuse_change();
    """
    return forward, backward


def _sqlite_sql(table: str) -> tuple[list[str], list[str]]:
    # SQLite has no TRUNCATE: its nearest, DELETE without WHERE, meets the delete trigger.
    forward = [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END;""",
    ]
    backward = [f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;"]
    return forward, backward


class AppendOnlyTrigger(migrations.RunPython):
    """Install the append-only triggers for `table` on whichever database the migration runs on."""

    def __init__(self, table: str):
        self.table = table
        super().__init__(self._forward, self._backward)

    def _sql(self, vendor: str) -> tuple:
        if vendor == "postgresql":
            return tuple([sql] for sql in _postgres_sql(self.table))
        if vendor == "sqlite":
            return _sqlite_sql(self.table)
        raise RuntimeError(f"No append-only trigger for the {vendor} database")

    def _run(self, schema_editor, forward: bool) -> None:
        for statement in self._sql(schema_editor.connection.vendor)[0 if forward else 1]:
            schema_editor.execute(statement)

    def _forward(self, apps, schema_editor) -> None:
        self._run(schema_editor, forward=True)

    def _backward(self, apps, schema_editor) -> None:
        self._run(schema_editor, forward=False)

    def deconstruct(self):
        return (self.__class__.__name__, [self.table], {})


class TruncateTrigger(AppendOnlyTrigger):
    """Only the TRUNCATE guard, for a table whose row triggers an earlier migration installed."""

    def _sql(self, vendor: str) -> tuple:
        if vendor == "postgresql":
            return tuple([sql] for sql in _postgres_truncate_sql(self.table))
        if vendor == "sqlite":
            return [], []
        raise RuntimeError(f"No append-only trigger for the {vendor} database")


def _write_once_sql(table: str, column: str, vendor: str, lock_row: bool) -> tuple[list[str], list[str]]:
    name = f"{table}_{column}_write_once"
    what = "a row whose " + column + " is set cannot be changed or deleted" if lock_row else column + " is write-once"
    if vendor == "postgresql":
        # lock_row: once the marker is set, the whole row is frozen (a held meeting); otherwise only the
        # marker is (a flag's other columns still change when it clears or escalates).
        changed = "TRUE" if lock_row else f"NEW.{column} IS DISTINCT FROM OLD.{column}"
        events = "UPDATE OR DELETE" if lock_row else "UPDATE"
        forward = [
            f"""
            CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN
                IF OLD.{column} IS NOT NULL AND ({changed}) THEN
                    RAISE EXCEPTION '{table}: {what}';
                END IF;
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER {name} BEFORE {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();
            """
        ]
        backward = [f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"]
        return forward, backward
    if vendor == "sqlite":
        when = f"OLD.{column} IS NOT NULL" + ("" if lock_row else f" AND NEW.{column} IS NOT OLD.{column}")
        forward = [
            f"""CREATE TRIGGER {name} BEFORE UPDATE ON {table} WHEN {when}
                BEGIN SELECT RAISE(ABORT, '{table}: {what}'); END;"""
        ]
        backward = [f"DROP TRIGGER IF EXISTS {name};"]
        if lock_row:
            forward.append(
                f"""CREATE TRIGGER {name}_delete BEFORE DELETE ON {table} WHEN OLD.{column} IS NOT NULL
                    BEGIN SELECT RAISE(ABORT, '{table}: {what}'); END;"""
            )
            backward.append(f"DROP TRIGGER IF EXISTS {name}_delete;")
        return forward, backward
    raise RuntimeError(f"No write-once trigger for the {vendor} database")


class WriteOnceTrigger(AppendOnlyTrigger):
    """`column` of `table`, once set, can never change or be cleared; with lock_row, the row then cannot
    be updated or deleted at all. For a parent's marker (Flag.acknowledged_at, Meeting.held_on) set in
    the same transaction as its append-only record row. On SQLite a later migration that rebuilds the
    table drops the trigger: install it again after such a change."""

    def __init__(self, table: str, column: str, lock_row: bool = False):
        self.column, self.lock_row = column, lock_row
        super().__init__(table)

    def _sql(self, vendor: str) -> tuple:
        return _write_once_sql(self.table, self.column, vendor, self.lock_row)

    def deconstruct(self):
        return (self.__class__.__name__, [self.table, self.column], {"lock_row": self.lock_row})
