"""A flag's acknowledgement becomes a row of its own (FlagAcknowledgement), copied from the flag's columns.

Migration 0003 then drops those columns and makes the new row append-only. Two migrations, because
PostgreSQL will not alter cases_flag in the transaction that just inserted rows referring to it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_acknowledgements(apps, schema_editor):
    Flag = apps.get_model("monitoring", "Flag")
    FlagAcknowledgement = apps.get_model("monitoring", "FlagAcknowledgement")
    FlagAcknowledgement.objects.bulk_create(
        FlagAcknowledgement(
            flag_id=flag.pk,
            # The old service always set who; the column allowed none, so fall back to the flag's owner.
            by_id=flag.acknowledged_by_id or flag.owner_id,
            at=flag.acknowledged_at,
            note=flag.acknowledgement_note,
        )
        for flag in Flag.objects.filter(acknowledged_at__isnull=False).iterator()
    )


def copy_back(apps, schema_editor):
    Flag = apps.get_model("monitoring", "Flag")
    FlagAcknowledgement = apps.get_model("monitoring", "FlagAcknowledgement")
    for ack in FlagAcknowledgement.objects.iterator():
        Flag.objects.filter(pk=ack.flag_id).update(acknowledged_by_id=ack.by_id, acknowledgement_note=ack.note)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FlagAcknowledgement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField()),
                ("note", models.TextField()),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "flag",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="acknowledgement",
                        to="monitoring.flag",
                    ),
                ),
            ],
            options={"abstract": False},
        ),
        migrations.RunPython(copy_acknowledgements, copy_back),
    ]
