"""The household plan's one category goes: 0005 copied it onto each child as both initial and latest. The new
rows' guards come last, so that undoing 0005 may still remove the rows it made."""

from django.db import migrations

from audit.append_only import AppendOnlyTrigger, WriteOnceTrigger


class Migration(migrations.Migration):
    dependencies = [("plans", "0005_child_plans_from_plans")]

    operations = [
        migrations.RemoveField(model_name="plan", name="category"),
        AppendOnlyTrigger("plans_categorychange"),
        # The category the initial conference chose is the census's "initial category": never changed.
        WriteOnceTrigger("plans_childplan", "initial_category"),
    ]
