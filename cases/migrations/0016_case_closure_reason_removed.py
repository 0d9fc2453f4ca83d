"""The household case's one closure reason goes: 0015 copied it onto each child's episode. The new rows'
guards come last, so that undoing 0015 may still remove the rows it made."""

from django.db import migrations

from audit.append_only import AppendOnlyTrigger, WriteOnceTrigger


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_episodes_from_cases")]

    operations = [
        migrations.RemoveField(model_name="case", name="closure_reason"),
        AppendOnlyTrigger("cases_childdeath"),
        # Authorised once, then the assessment stays as it was authorised.
        WriteOnceTrigger("cases_childassessment", "authorised_on", lock_row=True),
    ]
