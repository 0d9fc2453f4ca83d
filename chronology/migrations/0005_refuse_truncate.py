"""Refuse TRUNCATE of the chronology's append-only tables (docs/security.md, R34): row triggers do not see it."""

from django.db import migrations

from audit.append_only import TruncateTrigger

TABLES = (
    "chronology_entry",
    "chronology_entrychild",
    "chronology_amendment",
    "chronology_amendmentchild",
    "chronology_otherview",
    "chronology_sameevent",
    "chronology_appointment",
    "chronology_appointmentoutcome",
)


class Migration(migrations.Migration):
    dependencies = [("chronology", "0004_effective_views")]

    operations = [TruncateTrigger(table) for table in TABLES]
