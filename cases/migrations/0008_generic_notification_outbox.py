"""The notification outbox becomes generic before it moves to its own app (notifications, a floor below
monitoring): instead of a foreign key to a flag or an escalation, each row names its subject
(`subject_type`, `subject_id`), the case, a one-line summary and the link, and (recipient, subject, step)
is the exactly-once key. Existing rows are filled in from their flag or escalation, so nothing is lost."""

import django.db.models.deletion
from django.db import migrations, models

FLAG, ESCALATION = "monitoring.flag", "monitoring.escalation"


def fill_subjects(apps, schema_editor):
    Notification = apps.get_model("cases", "Notification")
    batch = []
    rows = Notification.objects.select_related("flag__case", "escalation__case").order_by("pk")
    for note in rows.iterator(chunk_size=2000):
        if note.flag_id:
            flag = note.flag
            note.kind, note.subject_type, note.subject_id = "flag", FLAG, flag.pk
            note.case_id, note.summary = flag.case_id, flag.get_rule_display()
            note.link = f"/cases/{flag.case.reference}/flags/"
        else:
            escalation = note.escalation
            note.kind, note.subject_type, note.subject_id = "escalation", ESCALATION, escalation.pk
            note.case_id = escalation.case_id
            note.summary = f"Escalation at stage {note.step} needs your response"
            note.link = f"/cases/{escalation.case.reference}/escalations/"
        batch.append(note)
        if len(batch) >= 2000:
            Notification.objects.bulk_update(batch, ["kind", "subject_type", "subject_id", "case", "summary", "link"])
            batch = []
    Notification.objects.bulk_update(batch, ["kind", "subject_type", "subject_id", "case", "summary", "link"])


def restore_foreign_keys(apps, schema_editor):
    Notification = apps.get_model("cases", "Notification")
    Notification.objects.filter(subject_type=FLAG).update(flag_id=models.F("subject_id"))
    Notification.objects.filter(subject_type=ESCALATION).update(escalation_id=models.F("subject_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_covering_indexes_for_dashboards"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification", name="kind",
            field=models.CharField(default="", help_text="What kind of news, named by the app that queued it.",
                                   max_length=30),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notification", name="case",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="cases.case"),
        ),
        migrations.AddField(
            model_name="notification", name="subject_type",
            field=models.CharField(default="", help_text="The model of the row it is about, app.model.",
                                   max_length=60),
            preserve_default=False,
        ),
        migrations.AddField(model_name="notification", name="subject_id", field=models.UUIDField(null=True)),
        migrations.AddField(
            model_name="notification", name="summary",
            field=models.CharField(default="", help_text="One line for the list page; never personal data.",
                                   max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notification", name="link",
            field=models.CharField(default="", help_text="The page that explains it, as a path on this site.",
                                   max_length=300),
            preserve_default=False,
        ),
        # The old keys go before the rename: they name stage_order.
        migrations.RemoveConstraint(model_name="notification", name="cases_notification_once"),
        migrations.RemoveConstraint(model_name="notification", name="cases_notification_once_per_stage"),
        migrations.RemoveConstraint(model_name="notification", name="cases_notification_flag_or_escalation"),
        migrations.RenameField(model_name="notification", old_name="stage_order", new_name="step"),
        migrations.AlterField(
            model_name="notification", name="step",
            field=models.PositiveSmallIntegerField(
                default=0, help_text="Which time the same row brings news (an escalation's stage); 0 when only once."),
        ),
        migrations.RunPython(fill_subjects, restore_foreign_keys),
        migrations.RemoveField(model_name="notification", name="flag"),
        migrations.RemoveField(model_name="notification", name="escalation"),
        migrations.AlterField(model_name="notification", name="subject_id", field=models.UUIDField()),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(fields=("recipient", "subject_type", "subject_id", "step"),
                                               name="notification_once"),
        ),
    ]
