"""Seed the timescales table with the statutory and local defaults (cases/timescale_defaults.py).
Administrators change them afterwards in the admin."""

from django.db import migrations

from cases.timescale_defaults import DEFAULTS, as_fields


def seed(apps, schema_editor):
    Timescale = apps.get_model("cases", "Timescale")
    for key in DEFAULTS:
        Timescale.objects.get_or_create(key=key, defaults=as_fields(key))


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_plans_meetings_timescales")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
