"""Flag acknowledgements and escalation responses are append-only; a flag's acknowledged_at is write-once.

Who acknowledged and what they said now live only in FlagAcknowledgement (copied there by 0002). The
triggers come after the column removal: on SQLite removing a column rebuilds the table, which would
drop a trigger installed before it.
"""

from django.db import migrations

from audit.append_only import AppendOnlyTrigger, WriteOnceTrigger


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_flag_acknowledgement_rows")]

    operations = [
        migrations.RemoveField(model_name="flag", name="acknowledged_by"),
        migrations.RemoveField(model_name="flag", name="acknowledgement_note"),
        AppendOnlyTrigger("monitoring_flagacknowledgement"),
        AppendOnlyTrigger("cases_escalationresponse"),
        WriteOnceTrigger("cases_flag", "acknowledged_at"),
    ]
