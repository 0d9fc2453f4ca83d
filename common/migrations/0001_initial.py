"""The app's models as they were in accounts: moved here without touching data (docs/architecture.md)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from common.migration_operations import move_content_types


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
        move_content_types(from_app="accounts", to_app="common", models=['formsubmission']),
    ]
