"""Freeze completed GCP2 assessments in the database itself (docs/security.md, R34).

Once an assessment's status is 'completed', its row cannot be updated or deleted and its grade rows
cannot be added, changed or removed: not by the app, the admin's bulk actions or raw SQL. A
correction is a new assessment that supersedes it.
"""

from django.db import migrations

GRADE_TABLES = ("gcp2_subareagrade", "gcp2_areagrade")

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION gcp2_refuse_completed_assessment() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'completed' THEN
        RAISE EXCEPTION 'gcp2: a completed assessment cannot be changed; record a correction instead';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER gcp2_assessment_locked BEFORE UPDATE OR DELETE ON gcp2_assessment
    FOR EACH ROW EXECUTE FUNCTION gcp2_refuse_completed_assessment();

CREATE OR REPLACE FUNCTION gcp2_refuse_completed_grade() RETURNS trigger AS $$
DECLARE
    parent uuid;
BEGIN
    parent := CASE WHEN TG_OP = 'INSERT' THEN NEW.assessment_id ELSE OLD.assessment_id END;
    IF EXISTS (SELECT 1 FROM gcp2_assessment WHERE id = parent AND status = 'completed') THEN
        RAISE EXCEPTION 'gcp2: grades of a completed assessment cannot be changed';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION gcp2_refuse_completed_grade();
"""
    for table in GRADE_TABLES
)

POSTGRES_BACKWARD = (
    "DROP TRIGGER IF EXISTS gcp2_assessment_locked ON gcp2_assessment;"
    + "".join(f"DROP TRIGGER IF EXISTS {table}_locked ON {table};" for table in GRADE_TABLES)
    + "DROP FUNCTION IF EXISTS gcp2_refuse_completed_assessment();"
    + "DROP FUNCTION IF EXISTS gcp2_refuse_completed_grade();"
)

SQLITE_FORWARD = [
    *(
        f"""CREATE TRIGGER gcp2_assessment_locked_{op.lower()} BEFORE {op} ON gcp2_assessment
            WHEN OLD.status = 'completed'
            BEGIN SELECT RAISE(ABORT, 'gcp2: a completed assessment cannot be changed'); END;"""
        for op in ("UPDATE", "DELETE")
    ),
    *(
        f"""CREATE TRIGGER {table}_locked_{op.lower()} BEFORE {op} ON {table}
            WHEN (SELECT status FROM gcp2_assessment WHERE id = {row}.assessment_id) = 'completed'
            BEGIN SELECT RAISE(ABORT, 'gcp2: grades of a completed assessment cannot be changed'); END;"""
        for table in GRADE_TABLES
        for op, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD"))
    ),
]
SQLITE_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS gcp2_assessment_locked_{op};" for op in ("update", "delete")),
    *(f"DROP TRIGGER IF EXISTS {table}_locked_{op};" for table in GRADE_TABLES
      for op in ("insert", "update", "delete")),
]


def _run(schema_editor, postgres: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"No GCP2 lock triggers for the {vendor} database")


def forward(apps, schema_editor) -> None:
    _run(schema_editor, POSTGRES_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor) -> None:
    _run(schema_editor, POSTGRES_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("gcp2", "0001_assessments_grades_descriptors")]

    operations = [migrations.RunPython(forward, backward)]
