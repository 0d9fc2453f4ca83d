"""The app's models as they were in cases: moved here without touching data (docs/architecture.md)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from common.migration_operations import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cases', '0008_generic_notification_outbox'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables already exist under their old names (db_table) and keep their rows.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Notification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(help_text='What kind of news, named by the app that queued it.', max_length=30)),
                    ('subject_type', models.CharField(help_text='The model of the row it is about, app.model.', max_length=60)),
                    ('subject_id', models.UUIDField()),
                    ('step', models.PositiveSmallIntegerField(default=0, help_text="Which time the same row brings news (an escalation's stage); 0 when only once.")),
                    ('summary', models.CharField(help_text='One line for the list page; never personal data.', max_length=200)),
                    ('link', models.CharField(help_text='The page that explains it, as a path on this site.', max_length=300)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=10)),
                    ('lease_until', models.DateTimeField(blank=True, null=True)),
                    ('claim', models.UUIDField(blank=True, help_text='Which sender run holds the lease.', null=True)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('sent_at', models.DateTimeField(blank=True, null=True)),
                    ('read_at', models.DateTimeField(blank=True, null=True)),
                    ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.case')),
                    ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'cases_notification',
                    'ordering': ['-created_at'],
                    'indexes': [models.Index(fields=['status', 'lease_until'], name='cases_notification_outbox')],
                    'constraints': [models.UniqueConstraint(fields=('recipient', 'subject_type', 'subject_id', 'step'), name='notification_once')],
                },
            ),
        ]),
        move_content_types(from_app="cases", to_app="notifications", models=['notification']),
    ]
