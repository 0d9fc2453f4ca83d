"""Database triggers that refuse UPDATE and DELETE on append-only tables.

Used by migrations (the audit trail here; the chronology reuses it). The model refuses too, but
only the database stops raw SQL, the admin's bulk actions and queryset.update()/delete().
TRUNCATE is left to the database owner (test flushes use it; the app's role should not hold it).
"""

from django.db import migrations


def _postgres_sql(table: str) -> tuple[str, str]:
    forward = f"""
        CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: rows cannot be changed or deleted';
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change();
    """
    backward = f"""
        DROP TRIGGER IF EXISTS {table}_append_only ON {table};
        DROP FUNCTION IF EXISTS {table}_refuse_change();
    """
    return forward, backward


def _sqlite_sql(table: str) -> tuple[str, str]:
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

    def _run(self, schema_editor, forward: bool) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            sql = _postgres_sql(self.table)[0 if forward else 1]
            schema_editor.execute(sql)
        elif vendor == "sqlite":
            for statement in _sqlite_sql(self.table)[0 if forward else 1]:
                schema_editor.execute(statement)
        else:
            raise RuntimeError(f"No append-only trigger for the {vendor} database")

    def _forward(self, apps, schema_editor) -> None:
        self._run(schema_editor, forward=True)

    def _backward(self, apps, schema_editor) -> None:
        self._run(schema_editor, forward=False)

    def deconstruct(self):
        return (self.__class__.__name__, [self.table], {})
