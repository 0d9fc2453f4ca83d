"""The two views every reader of the chronology uses: what each entry says now, and which children it is
about now (docs/architecture.md, "Effective values").

The correction in force is the newest one (by time, then id). Corrections made from migration 0003 on
are complete statements of the entry, so their values replace the entry's; older text-only ones have
nulls that fall back to the entry's values. An appointment entry also shows its appointment's outcome in
force (the outcome row that no later row corrects).

Both carry the entry's case, so that a reader can say which cases it wants on the view itself: PostgreSQL
then reads only those cases' entries (through their case index) instead of working out the view for every
entry. The SQL is written once for PostgreSQL and SQLite. A later migration that alters one of these tables
must drop the views first and create them again after (PostgreSQL refuses to drop a column a view uses).
"""

from django.db import migrations

CURRENT_AMENDMENT = """NOT EXISTS (
    SELECT 1 FROM chronology_amendment later
    WHERE later.entry_id = a.entry_id
      AND (later.amended_at > a.amended_at OR (later.amended_at = a.amended_at AND later.id > a.id)))"""

EFFECTIVE_ENTRY = f"""
CREATE VIEW chronology_effective_entry AS
SELECT e.id AS entry_id,
       e.case_id AS case_id,
       COALESCE(a.occurred_on, e.occurred_on) AS occurred_on,
       CASE WHEN a.occurred_on IS NULL THEN e.occurred_until ELSE a.occurred_until END AS occurred_until,
       COALESCE(a.sequence, e.sequence, 0) AS sequence,
       e.recorded_at AS recorded_at,
       e.source_agency_id AS source_agency_id,
       COALESCE(a.event_type, e.event_type) AS event_type,
       COALESCE(a.significance, e.significance) AS significance,
       COALESCE(a.neglect_physical, e.neglect_physical) AS neglect_physical,
       COALESCE(a.neglect_emotional, e.neglect_emotional) AS neglect_emotional,
       COALESCE(a.neglect_medical, e.neglect_medical) AS neglect_medical,
       COALESCE(a.neglect_educational, e.neglect_educational) AS neglect_educational,
       COALESCE(a.text, e.what_happened) AS what_happened,
       a.id AS amendment_id,
       e.appointment_id AS appointment_id,
       (SELECT o.outcome FROM chronology_appointmentoutcome o
         WHERE o.appointment_id = e.appointment_id
           AND NOT EXISTS (SELECT 1 FROM chronology_appointmentoutcome c WHERE c.corrects_id = o.id)
       ) AS appointment_outcome
FROM chronology_entry e
LEFT JOIN chronology_amendment a ON a.entry_id = e.id AND {CURRENT_AMENDMENT}
"""

EFFECTIVE_ENTRY_CHILD = f"""
CREATE VIEW chronology_effective_entry_child AS
SELECT ec.entry_id AS entry_id, ec.person_id AS person_id, e.case_id AS case_id
FROM chronology_entrychild ec
JOIN chronology_entry e ON e.id = ec.entry_id
WHERE NOT EXISTS (
    SELECT 1 FROM chronology_amendment corrected
    WHERE corrected.entry_id = ec.entry_id AND corrected.children_corrected)
UNION ALL
SELECT a.entry_id AS entry_id, ac.person_id AS person_id, e.case_id AS case_id
FROM chronology_amendmentchild ac
JOIN chronology_amendment a ON a.id = ac.amendment_id
JOIN chronology_entry e ON e.id = a.entry_id
WHERE {CURRENT_AMENDMENT}
"""


class Migration(migrations.Migration):
    dependencies = [("chronology", "0003_corrections_outcomes_settings")]

    operations = [
        migrations.RunSQL(EFFECTIVE_ENTRY, "DROP VIEW IF EXISTS chronology_effective_entry"),
        migrations.RunSQL(EFFECTIVE_ENTRY_CHILD, "DROP VIEW IF EXISTS chronology_effective_entry_child"),
    ]
