"""The decision's case and whether it was a re-referral.

On SQLite adding these columns rebuilds the decision table, and a rebuild drops its append-only triggers:
they are put back there (PostgreSQL keeps them through ALTER TABLE).
"""

import django.db.models.deletion
from django.db import migrations, models

from audit.append_only import AppendOnlyTrigger

DECISION_TRIGGERS = AppendOnlyTrigger("referrals_decision")


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        DECISION_TRIGGERS._forward(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0012_allocation_and_assessment_due'),
        ('referrals', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='decision',
            name='case',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='referral_decision', to='cases.case'),
        ),
        migrations.AddField(
            model_name='decision',
            name='rereferral',
            field=models.BooleanField(default=False, verbose_name='re-referral'),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
    ]
