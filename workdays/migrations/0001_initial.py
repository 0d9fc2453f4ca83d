"""The app's models as they were in cases: moved here without touching data (docs/architecture.md)."""

from django.db import migrations, models


MOVED_FROM = "cases"
MODELS = ['closureday']


def keep_content_types(apps, schema_editor):
    """Permissions and admin history point at content types: move the old rows to this app, not new ones."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=MOVED_FROM, model__in=MODELS).update(app_label="workdays")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="workdays", model__in=MODELS).update(app_label=MOVED_FROM)


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
        migrations.RunPython(keep_content_types, restore_content_types),
    ]
