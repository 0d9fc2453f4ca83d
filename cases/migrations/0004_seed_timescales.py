"""Seed the timescales table with the statutory and local defaults. Administrators change them afterwards in
the admin. The defaults are copied here as they were when this migration was written (plans/timescale_defaults.py
holds the live copy), so the migration means the same whatever later code does."""

from django.db import migrations

WD, MONTHS = "working_days", "months"

# key: (amount, unit, counted from, source)
DEFAULTS = {
    "initial_conference": (15, WD, "the strategy discussion that starts the section 47 enquiry", "statutory"),
    "first_review_conference": (3, MONTHS, "the initial child protection conference", "statutory"),
    "review_conference": (6, MONTHS, "the previous review conference", "statutory"),
    "first_core_group": (10, WD, "the initial child protection conference", "statutory"),
    "assessment": (45, WD, "the referral", "statutory"),
    "core_group": (20, WD, "the previous core group (4 weeks)", "local"),
    "cin_review": (60, WD, "the start of the child-in-need plan, then the previous review (12 weeks)", "local"),
    "early_help_review": (30, WD, "the start of the early-help plan, then the previous review (6 weeks)", "local"),
    "cp_visit": (10, WD, "the previous child protection visit", "local"),
    "cin_visit": (20, WD, "the previous child-in-need visit", "local"),
    "supervision": (20, WD, "the case opening, then the previous supervision", "local"),
    "closing_review": (20, WD, "the closing review, up to the day the case closes or transfers", "local"),
}



def seed(apps, schema_editor):
    Timescale = apps.get_model("cases", "Timescale")
    for key in DEFAULTS:
        amount, unit, counted_from, source = DEFAULTS[key]
        Timescale.objects.get_or_create(key=key, defaults={
            "amount": amount, "unit": unit, "counted_from": counted_from, "source": source})


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_plans_meetings_timescales")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
