"""Corrections that carry values (date, order on the day, children, type, significance, forms of
neglect), other agencies' views, links between entries recording one event, the order on the day,
appointment outcomes as rows of their own and the chronology settings.

Every new column on an append-only table is nullable without a default: on SQLite anything else
rebuilds the table, and a rebuild drops its append-only triggers.
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from audit.append_only import AppendOnlyTrigger


def copy_outcomes_to_rows(apps, schema_editor):
    """One outcome row for each appointment whose outcome was recorded on the appointment itself."""
    Appointment = apps.get_model("chronology", "Appointment")
    AppointmentOutcome = apps.get_model("chronology", "AppointmentOutcome")
    batch = []
    for appointment in Appointment.objects.exclude(outcome="").iterator(chunk_size=2000):
        batch.append(
            AppointmentOutcome(
                appointment_id=appointment.pk,
                outcome=appointment.outcome,
                rescheduled_to_id=appointment.rescheduled_to_id,
                recorded_by_id=appointment.outcome_recorded_by_id or appointment.booked_by_id,
                recorded_at=appointment.outcome_recorded_at or appointment.created_at,
            )
        )
        if len(batch) >= 2000:
            AppointmentOutcome.objects.bulk_create(batch)
            batch = []
    AppointmentOutcome.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_roles_and_capabilities"),
        ("cases", "0009_models_moved_to_their_apps"),
        ("chronology", "0002_append_only_entries"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EffectiveEntry",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_column="entry_id",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="effective",
                        serialize=False,
                        to="chronology.entry",
                    ),
                ),
                ("occurred_on", models.DateField()),
                ("occurred_until", models.DateField(null=True)),
                ("sequence", models.PositiveSmallIntegerField()),
                ("recorded_at", models.DateTimeField()),
                (
                    "event_type",
                    models.CharField(
                        choices=[
                            ("concern", "Concern"),
                            ("home_visit", "Home visit"),
                            ("no_access_visit", "No-access visit"),
                            ("appointment", "Appointment"),
                            ("ae_attendance", "A&E attendance"),
                            ("school", "School attendance or welfare concern"),
                            ("police_incident", "Police incident"),
                            ("referral", "Referral"),
                            ("meeting", "Meeting or conference"),
                            ("assessment", "Assessment"),
                            ("plan_change", "Plan change"),
                            ("disclosure", "Disclosure by child"),
                            ("observation", "Observation"),
                            ("other", "Other"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "significance",
                    models.CharField(choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")], max_length=6),
                ),
                ("neglect_physical", models.BooleanField()),
                ("neglect_emotional", models.BooleanField()),
                ("neglect_medical", models.BooleanField()),
                ("neglect_educational", models.BooleanField()),
                ("what_happened", models.TextField()),
                (
                    "appointment_outcome",
                    models.CharField(
                        choices=[
                            ("attended", "Attended"),
                            ("was_not_brought", "Was not brought"),
                            ("did_not_attend", "Did not attend (a young person expected on their own)"),
                            ("cancelled_by_family", "Cancelled by family"),
                            ("cancelled_by_service", "Cancelled by service"),
                            ("rescheduled", "Rescheduled"),
                        ],
                        max_length=20,
                        null=True,
                    ),
                ),
            ],
            options={
                "db_table": "chronology_effective_entry",
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="EffectiveEntryChild",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "entry_id", "person_id", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
            options={
                "db_table": "chronology_effective_entry_child",
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="AmendmentChild",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
        ),
        migrations.CreateModel(
            name="AppointmentOutcome",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("attended", "Attended"),
                            ("was_not_brought", "Was not brought"),
                            ("did_not_attend", "Did not attend (a young person expected on their own)"),
                            ("cancelled_by_family", "Cancelled by family"),
                            ("cancelled_by_service", "Cancelled by service"),
                            ("rescheduled", "Rescheduled"),
                        ],
                        max_length=20,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=1000)),
                ("recorded_at", models.DateTimeField()),
                ("reason", models.TextField(blank=True, verbose_name="reason for the correction")),
            ],
            options={
                "ordering": ["recorded_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="ChronologySettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "gap_days",
                    models.PositiveSmallIntegerField(
                        default=90,
                        help_text="Spells longer than this with no entry from any agency show as gap bands (default 90 days).",
                        verbose_name="days without any entry that show as a gap",
                    ),
                ),
                (
                    "late_after_working_days",
                    models.PositiveSmallIntegerField(
                        default=10, verbose_name="working days after the event that mark an entry as recorded late"
                    ),
                ),
            ],
            options={
                "verbose_name": "chronology settings",
                "verbose_name_plural": "chronology settings",
            },
        ),
        migrations.CreateModel(
            name="OtherView",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("text", models.TextField(verbose_name="your view")),
                ("role", models.CharField(max_length=100)),
                ("written_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["written_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="SameEvent",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("linked_at", models.DateTimeField()),
            ],
        ),
        migrations.AddField(
            model_name="amendment",
            name="basis",
            field=models.CharField(
                blank=True,
                choices=[
                    ("author", "Author of the entry"),
                    ("manager", "Manager of the author"),
                    ("lead", "Lead professional"),
                ],
                max_length=10,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="amendment",
            name="children_corrected",
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name="amendment",
            name="event_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("concern", "Concern"),
                    ("home_visit", "Home visit"),
                    ("no_access_visit", "No-access visit"),
                    ("appointment", "Appointment"),
                    ("ae_attendance", "A&E attendance"),
                    ("school", "School attendance or welfare concern"),
                    ("police_incident", "Police incident"),
                    ("referral", "Referral"),
                    ("meeting", "Meeting or conference"),
                    ("assessment", "Assessment"),
                    ("plan_change", "Plan change"),
                    ("disclosure", "Disclosure by child"),
                    ("observation", "Observation"),
                    ("other", "Other"),
                ],
                max_length=20,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="amendment",
            name="neglect_educational",
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name="amendment",
            name="neglect_emotional",
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name="amendment",
            name="neglect_medical",
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name="amendment",
            name="neglect_physical",
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name="amendment",
            name="occurred_on",
            field=models.DateField(blank=True, null=True, verbose_name="date of the event"),
        ),
        migrations.AddField(
            model_name="amendment",
            name="occurred_until",
            field=models.DateField(blank=True, null=True, verbose_name="end of the period"),
        ),
        migrations.AddField(
            model_name="amendment",
            name="sequence",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="order on the day"),
        ),
        migrations.AddField(
            model_name="amendment",
            name="significance",
            field=models.CharField(
                blank=True, choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")], max_length=6, null=True
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="sequence",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="order on the day"),
        ),
        migrations.AddField(
            model_name="amendmentchild",
            name="amendment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="child_links", to="chronology.amendment"
            ),
        ),
        migrations.AddField(
            model_name="amendmentchild",
            name="person",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="cases.person"),
        ),
        migrations.AddField(
            model_name="appointmentoutcome",
            name="appointment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="outcomes", to="chronology.appointment"
            ),
        ),
        migrations.AddField(
            model_name="appointmentoutcome",
            name="corrects",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="correction",
                to="chronology.appointmentoutcome",
            ),
        ),
        migrations.AddField(
            model_name="appointmentoutcome",
            name="recorded_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="appointmentoutcome",
            name="rescheduled_to",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rescheduled_from",
                to="chronology.appointment",
            ),
        ),
        migrations.AddField(
            model_name="otherview",
            name="agency",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.agency"
            ),
        ),
        migrations.AddField(
            model_name="otherview",
            name="entry",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="other_views", to="chronology.entry"
            ),
        ),
        migrations.AddField(
            model_name="otherview",
            name="written_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="sameevent",
            name="first",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="same_events_first", to="chronology.entry"
            ),
        ),
        migrations.AddField(
            model_name="sameevent",
            name="linked_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="sameevent",
            name="second",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="chronology.entry"
            ),
        ),
        migrations.AddConstraint(
            model_name="amendmentchild",
            constraint=models.UniqueConstraint(fields=("amendment", "person"), name="chronology_amendmentchild_once"),
        ),
        migrations.AddIndex(
            model_name="appointmentoutcome",
            index=models.Index(fields=["outcome", "appointment"], name="chron_outcome_kind"),
        ),
        migrations.AddConstraint(
            model_name="appointmentoutcome",
            constraint=models.UniqueConstraint(
                condition=models.Q(("corrects__isnull", True)),
                fields=("appointment",),
                name="chronology_outcome_recorded_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="sameevent",
            constraint=models.UniqueConstraint(fields=("first", "second"), name="chronology_sameevent_once"),
        ),
        migrations.AddConstraint(
            model_name="sameevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("first__lt", models.F("second"))), name="chronology_sameevent_ordered"
            ),
        ),
        # The outcomes recorded so far become outcome rows before the appointment's own columns go.
        migrations.RunPython(copy_outcomes_to_rows, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="appointment",
            name="chron_appt_child_outcome",
        ),
        migrations.RemoveField(
            model_name="appointment",
            name="outcome",
        ),
        migrations.RemoveField(
            model_name="appointment",
            name="outcome_recorded_at",
        ),
        migrations.RemoveField(
            model_name="appointment",
            name="outcome_recorded_by",
        ),
        migrations.RemoveField(
            model_name="appointment",
            name="rescheduled_to",
        ),
        AppendOnlyTrigger("chronology_amendmentchild"),
        AppendOnlyTrigger("chronology_otherview"),
        AppendOnlyTrigger("chronology_sameevent"),
        AppendOnlyTrigger("chronology_appointment"),
        AppendOnlyTrigger("chronology_appointmentoutcome"),
    ]
