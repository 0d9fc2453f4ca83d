"""What was recorded when a meeting was held becomes a row of its own (MeetingRecord), copied from the
meeting's columns. Migration 0003 then drops those columns, makes the row append-only and freezes held
meetings. Two migrations, because PostgreSQL will not alter cases_meeting in the transaction that just
inserted rows referring to it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COPIED = ("attendees", "reflections", "decisions", "actions_agreed")


def copy_records(apps, schema_editor):
    Meeting = apps.get_model("plans", "Meeting")
    MeetingRecord = apps.get_model("plans", "MeetingRecord")
    held = Meeting.objects.filter(held_on__isnull=False).select_related("case")
    MeetingRecord.objects.bulk_create(
        MeetingRecord(
            meeting_id=meeting.pk,
            held_on=meeting.held_on,
            # The old service always set who and when; the columns allowed none, so fall back.
            recorded_by_id=meeting.recorded_by_id or meeting.case.lead_professional_id,
            recorded_at=meeting.recorded_at or meeting.created_at,
            **{name: getattr(meeting, name) for name in COPIED},
        )
        for meeting in held.iterator()
    )


def copy_back(apps, schema_editor):
    Meeting = apps.get_model("plans", "Meeting")
    MeetingRecord = apps.get_model("plans", "MeetingRecord")
    for record in MeetingRecord.objects.iterator():
        Meeting.objects.filter(pk=record.meeting_id).update(
            recorded_by_id=record.recorded_by_id,
            recorded_at=record.recorded_at,
            **{name: getattr(record, name) for name in COPIED},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MeetingRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("held_on", models.DateField(verbose_name="held on")),
                ("attendees", models.TextField(blank=True, max_length=4000, verbose_name="who attended")),
                ("reflections", models.TextField(blank=True, max_length=10000)),
                ("decisions", models.TextField(blank=True, max_length=10000)),
                ("actions_agreed", models.TextField(blank=True, max_length=10000, verbose_name="actions agreed")),
                ("recorded_at", models.DateTimeField()),
                (
                    "meeting",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="record", to="plans.meeting"
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={"abstract": False},
        ),
        migrations.RunPython(copy_records, copy_back),
    ]
