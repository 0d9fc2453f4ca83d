"""The documented backup and restore procedure, run for real against PostgreSQL: dump, restore into
a fresh database, and every table has the same number of rows."""

import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from tests.factories import CaseFactory, HouseholdMemberFactory

ROOT = Path(__file__).resolve().parent.parent


def _url(name: str) -> str:
    s = connection.settings_dict
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _row_counts(url: str) -> dict[str, int]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = sorted(row[0] for row in cursor.fetchall())
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_database_keeps_every_row(tmp_path):
    if connection.vendor != "postgresql":
        pytest.fail("The backup procedure is for PostgreSQL: run this through `make test`.")
    for case in CaseFactory.create_batch(3):
        HouseholdMemberFactory.create_batch(2, case=case)
    source = _url(connection.settings_dict["NAME"])
    restored_name = f"restore_check_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "portal.dump"

    subprocess.run(
        ["bash", "scripts/backup.sh", str(dump)],
        cwd=ROOT,
        check=True,
        env={"DATABASE_URL": source, "PATH": "/usr/bin:/bin"},
        capture_output=True,
    )
    admin = psycopg2.connect(_url("postgres"))
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{restored_name}"')
    try:
        subprocess.run(
            ["bash", "scripts/restore.sh", str(dump), _url(restored_name)],
            cwd=ROOT,
            check=True,
            env={"PATH": "/usr/bin:/bin"},
            capture_output=True,
        )
        before, after = _row_counts(source), _row_counts(_url(restored_name))
        assert after == before
        assert after["cases_case"] == 3 and after["cases_householdmember"] == 6
        # Restoring over a database that already has tables is refused.
        again = subprocess.run(
            ["bash", "scripts/restore.sh", str(dump), _url(restored_name)],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.close()
