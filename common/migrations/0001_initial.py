"""The app's models as they were in accounts: moved here without touching data (docs/architecture.md)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED_FROM = "accounts"
MODELS = ['formsubmission']


def keep_content_types(apps, schema_editor):
    """Permissions and admin history point at content types: move the old rows to this app, not new ones."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=MOVED_FROM, model__in=MODELS).update(app_label="common")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="common", model__in=MODELS).update(app_label=MOVED_FROM)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0004_notification_preference'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables already exist under their old names (db_table) and keep their rows.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='FormSubmission',
                fields=[
                    ('token', models.UUIDField(primary_key=True, serialize=False)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'accounts_formsubmission',
                },
            ),
        ]),
        migrations.RunPython(keep_content_types, restore_content_types),
    ]
