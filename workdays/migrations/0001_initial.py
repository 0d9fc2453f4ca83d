"""The app's models as they were in cases: moved here without touching data (docs/architecture.md)."""

from django.db import migrations, models

from common.migration_operations import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cases', '0008_generic_notification_outbox'),
    ]

    operations = [
        # State only: the tables already exist under their old names (db_table) and keep their rows.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='ClosureDay',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('day', models.DateField(unique=True)),
                    ('description', models.CharField(help_text="For example 'Council office closure'.", max_length=100)),
                ],
                options={
                    'verbose_name': 'local closure day',
                    'db_table': 'cases_closureday',
                    'ordering': ['day'],
                },
            ),
        ]),
        move_content_types(from_app="cases", to_app="workdays", models=['closureday']),
    ]
