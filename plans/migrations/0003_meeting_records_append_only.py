"""Meeting records are append-only, and a held meeting's own row is frozen (held_on is write-once).

Who attended, reflections, decisions, actions agreed, who recorded it and when now live only in
MeetingRecord (copied there by 0002). The triggers come after the column removal: on SQLite removing a
column rebuilds the table, which would drop a trigger installed before it.
"""

from django.db import migrations

from audit.append_only import AppendOnlyTrigger, WriteOnceTrigger


class Migration(migrations.Migration):
    dependencies = [("plans", "0002_meeting_record_rows")]

    operations = [
        migrations.RemoveField(model_name="meeting", name="attendees"),
        migrations.RemoveField(model_name="meeting", name="reflections"),
        migrations.RemoveField(model_name="meeting", name="decisions"),
        migrations.RemoveField(model_name="meeting", name="actions_agreed"),
        migrations.RemoveField(model_name="meeting", name="recorded_by"),
        migrations.RemoveField(model_name="meeting", name="recorded_at"),
        AppendOnlyTrigger("plans_meetingrecord"),
        WriteOnceTrigger("cases_meeting", "held_on", lock_row=True),
    ]
