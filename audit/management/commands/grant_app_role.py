"""`manage.py grant_app_role ROLE`: give the application's database role what it needs and nothing more.

Run as the tables' owner after every `migrate` (README, "Operations"). Everything the role held is
revoked first, so a table that became append-only since the last run loses UPDATE and DELETE; then:
SELECT and INSERT on append-only tables (`audit.append_only.append_only_tables()`), SELECT, INSERT,
UPDATE and DELETE on the others, USAGE and SELECT on sequences, SELECT only on the migration history,
USAGE on the schema and never CREATE, TRUNCATE, REFERENCES or TRIGGER. Idempotent.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from audit.append_only import append_only_tables

ORDINARY = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY = "SELECT, INSERT"
READ_ONLY = "SELECT"
# Written only by `migrate`, which runs as the owner.
READ_ONLY_TABLES = {"django_migrations"}


class Command(BaseCommand):
    help = "Grant the application's PostgreSQL role its table privileges (run as the owner after migrate)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The application's database role, e.g. portal_app.")
        parser.add_argument("--database", default="default", help="Database alias to grant on (default: default).")

    def handle(self, *args, role: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL feature; this database is not PostgreSQL.")
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, rolname = current_user, current_schema() FROM pg_roles WHERE rolname = %s", [role]
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"There is no database role called {role}: create it first (scripts/db-roles.sh).")
            is_superuser, is_current_user, schema = found
            if is_current_user:
                raise CommandError(f"{role} is the role running this command (the owner): name the application's role.")
            if is_superuser:
                raise CommandError(f"{role} is a superuser, which no grant can limit: use an ordinary role.")
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) = %s",
                [schema, role],
            )
            owned = [name for (name,) in cursor.fetchall()]
        if owned:
            raise CommandError(f"{role} owns tables ({', '.join(sorted(owned))}): the owner must run migrations.")

        append_only = set(append_only_tables())
        tables = connection.introspection.table_names(include_views=False)
        views = sorted(set(connection.introspection.table_names(include_views=True)) - set(tables))
        missing = sorted(append_only - set(tables))
        if missing:
            raise CommandError(f"Append-only tables missing from the database ({', '.join(missing)}): run migrate.")
        who, where = quote(role), quote(schema)
        granted = {APPEND_ONLY: [], ORDINARY: [], READ_ONLY: []}
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {who}")
            cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {who}")
            cursor.execute(f"REVOKE ALL ON SCHEMA {where} FROM {who}")
            # PostgreSQL before 15 let every role create objects in `public`; no one but the owner may.
            cursor.execute(f"REVOKE CREATE ON SCHEMA {where} FROM PUBLIC")
            cursor.execute(f"GRANT USAGE ON SCHEMA {where} TO {who}")
            for table in sorted(tables):
                if table in append_only:
                    privileges = APPEND_ONLY
                elif table in READ_ONLY_TABLES:
                    privileges = READ_ONLY
                else:
                    privileges = ORDINARY
                cursor.execute(f"GRANT {privileges} ON {quote(table)} TO {who}")
                granted[privileges].append(table)
            for view in views:
                cursor.execute(f"GRANT SELECT ON {quote(view)} TO {who}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}")
        out = self.stdout.write
        out(f"Revoked everything {role} held in schema {schema}, then granted:")
        out(f"  USAGE on schema {schema} (no CREATE)")
        out(f"  {APPEND_ONLY} on {len(granted[APPEND_ONLY])} append-only tables: {', '.join(granted[APPEND_ONLY])}")
        out(f"  {ORDINARY} on {len(granted[ORDINARY])} other tables")
        out(f"  {READ_ONLY} on {', '.join(granted[READ_ONLY]) or 'no tables'}")
        out(f"  SELECT on {len(views)} views: {', '.join(views) or 'none'}")
        out("  USAGE, SELECT on every sequence; TRUNCATE, REFERENCES and TRIGGER on nothing")
        self.stdout.write(self.style.SUCCESS(f"{role} granted."))
