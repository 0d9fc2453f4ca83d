"""The app's models as they were in cases: moved here without touching data (docs/architecture.md)."""

import django.db.models.deletion
import uuid
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
                name='EscalationStage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('order', models.PositiveSmallIntegerField(unique=True)),
                    ('name', models.CharField(max_length=100)),
                    ('responder', models.CharField(choices=[('lead', 'The lead professional'), ('team_manager', "The lead professional's team manager"), ('senior_manager', 'A senior manager of the lead agency'), ('chair', 'An independent chair (partnership meeting), arranged by a senior manager')], max_length=20)),
                    ('respond_within_working_days', models.PositiveSmallIntegerField()),
                ],
                options={
                    'db_table': 'cases_escalationstage',
                    'ordering': ['order'],
                },
            ),
            migrations.CreateModel(
                name='MonitoringSettings',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('lead_changes_threshold', models.PositiveSmallIntegerField(default=3, verbose_name='changes of lead professional that flag a case')),
                    ('lead_changes_window_months', models.PositiveSmallIntegerField(default=12, verbose_name='changes of lead professional: look back (months)')),
                    ('rereferral_window_months', models.PositiveSmallIntegerField(default=12, verbose_name='new case after a closure within (months)')),
                    ('was_not_brought_window_months', models.PositiveSmallIntegerField(default=12, verbose_name='missed appointments: look back (months)')),
                    ('was_not_brought_neglect_plan_threshold', models.PositiveSmallIntegerField(default=1, verbose_name='missed appointments that flag a child on a neglect child protection plan')),
                    ('was_not_brought_threshold', models.PositiveSmallIntegerField(default=2, verbose_name='missed appointments that flag any other child')),
                    ('no_access_threshold', models.PositiveSmallIntegerField(default=2, verbose_name='no-access visits that flag a case')),
                    ('no_access_window_months', models.PositiveSmallIntegerField(default=3, verbose_name='no-access visits: look back (months)')),
                    ('ae_threshold', models.PositiveSmallIntegerField(default=3, verbose_name='A&E attendances that flag a child')),
                    ('ae_window_months', models.PositiveSmallIntegerField(default=12, verbose_name='A&E attendances: look back (months)')),
                    ('review_due_soon_working_days', models.PositiveSmallIntegerField(default=5, verbose_name='remind the lead professional this many working days before a review is due')),
                    ('long_plan_months', models.PositiveSmallIntegerField(default=12, verbose_name='child protection plan open longer than (months)')),
                    ('no_contact_child_protection_working_days', models.PositiveSmallIntegerField(default=20, verbose_name='no chronology entry for longer than (working days): child protection')),
                    ('no_contact_child_in_need_working_days', models.PositiveSmallIntegerField(default=40, verbose_name='no chronology entry for longer than (working days): child in need')),
                    ('no_contact_early_help_working_days', models.PositiveSmallIntegerField(default=40, verbose_name='no chronology entry for longer than (working days): early help')),
                    ('drift_concern_grade', models.PositiveSmallIntegerField(default=3, verbose_name='GCP2 drift: an area graded this or worse, with no area better than last time')),
                    ('acknowledge_within_working_days', models.PositiveSmallIntegerField(default=5, verbose_name='flags unacknowledged after (working days) go to the team manager')),
                    ('notification_max_attempts', models.PositiveSmallIntegerField(default=5, verbose_name='email attempts before a notification is marked failed')),
                ],
                options={
                    'verbose_name': 'monitoring settings',
                    'verbose_name_plural': 'monitoring settings',
                    'db_table': 'cases_monitoringsettings',
                },
            ),
            migrations.CreateModel(
                name='Escalation',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('source', models.CharField(choices=[('raised', 'Raised by a practitioner'), ('flag', 'A flag was not acknowledged in time'), ('cp_plan', 'Child protection plan over 18 months')], max_length=10)),
                    ('subject', models.CharField(max_length=80)),
                    ('concern', models.TextField(verbose_name='what is stuck')),
                    ('stage_started_on', models.DateField()),
                    ('stage_due_on', models.DateField()),
                    ('stage_due_basis', models.CharField(max_length=200)),
                    ('status', models.CharField(choices=[('open', 'Open'), ('resolved', 'Resolved')], default='open', max_length=10)),
                    ('outcome', models.TextField(blank=True)),
                    ('resolved_at', models.DateTimeField(blank=True, null=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='escalations', to='cases.case')),
                    ('raised_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('stage', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='monitoring.escalationstage')),
                ],
                options={
                    'db_table': 'cases_escalation',
                    'ordering': ['status', 'stage_due_on'],
                },
            ),
            migrations.CreateModel(
                name='EscalationResponse',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.TextField()),
                    ('at', models.DateTimeField(auto_now_add=True)),
                    ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('escalation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='responses', to='monitoring.escalation')),
                    ('stage', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='monitoring.escalationstage')),
                ],
                options={
                    'db_table': 'cases_escalationresponse',
                    'ordering': ['at'],
                },
            ),
            migrations.CreateModel(
                name='Flag',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('rule', models.CharField(choices=[('lead_churn', 'Frequent changes of lead professional'), ('rereferral', 'New case soon after a previous one closed'), ('new_baby', 'New or expected baby in the household'), ('was_not_brought', 'Missed appointments (was not brought)'), ('no_access', 'Repeated no-access visits'), ('ae_attendances', 'Repeated A&E attendances'), ('meeting_overdue', 'Meeting or review overdue'), ('action_overdue', 'Plan action overdue'), ('supervision_overdue', 'Case supervision overdue'), ('review_due_soon', 'Review due soon'), ('gcp2_repeat_overdue', 'GCP2 repeat assessment overdue'), ('long_cp_plan', 'Child protection plan open a long time'), ('no_contact', 'No recent contact recorded'), ('gcp2_drift', 'No improvement between GCP2 assessments (drift)')], max_length=40)),
                    ('subject', models.CharField(help_text='What the flag is about, e.g. child:<uuid>.', max_length=80)),
                    ('explanation', models.TextField()),
                    ('evidence', models.JSONField(blank=True, default=list)),
                    ('raised_at', models.DateTimeField(auto_now_add=True)),
                    ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                    ('acknowledgement_note', models.TextField(blank=True)),
                    ('resolved_at', models.DateTimeField(blank=True, null=True)),
                    ('resolution', models.CharField(blank=True, max_length=200)),
                    ('escalated_at', models.DateTimeField(blank=True, null=True)),
                    ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='flags', to='cases.case')),
                    ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='flags', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'cases_flag',
                    'ordering': ['-raised_at'],
                },
            ),
            migrations.AddField(
                model_name='escalation',
                name='flag',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='escalations', to='monitoring.flag'),
            ),
            migrations.AddIndex(
                model_name='flag',
                index=models.Index(fields=['rule', 'resolved_at'], name='cases_flag_rule_open'),
            ),
            migrations.AddIndex(
                model_name='flag',
                index=models.Index(condition=models.Q(('resolved_at__isnull', True)), fields=['case'], include=('acknowledged_at', 'raised_at', 'rule'), name='cases_flag_open_by_case'),
            ),
            migrations.AddConstraint(
                model_name='flag',
                constraint=models.UniqueConstraint(condition=models.Q(('resolved_at__isnull', True)), fields=('case', 'rule', 'subject'), name='cases_flag_one_open'),
            ),
            migrations.AddIndex(
                model_name='escalation',
                index=models.Index(fields=['status', 'stage_due_on'], name='cases_escalation_due'),
            ),
            migrations.AddConstraint(
                model_name='escalation',
                constraint=models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('case', 'subject'), name='cases_escalation_one_open_per_subject'),
            ),
        ]),
        move_content_types(from_app="cases", to_app="monitoring", models=['monitoringsettings', 'flag', 'escalationstage', 'escalation', 'escalationresponse']),
    ]
