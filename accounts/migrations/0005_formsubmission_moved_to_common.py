"""FormSubmission moved to the common app: removed from this app's state only; the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_notification_preference'),
        ('common', '0001_initial'),
    ]

    operations = [
        # State only: the tables already exist under their old names (db_table) and keep their rows.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(
                name='FormSubmission',
            ),
        ]),
    ]
