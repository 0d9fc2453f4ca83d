"""Plans, meetings, timescales, closure days, flags, escalations and the outbox moved to their own apps
(plans, workdays, monitoring, notifications): removed from this app's state only; the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_generic_notification_outbox'),
        ('workdays', '0001_initial'),
        ('notifications', '0001_initial'),
        ('plans', '0001_initial'),
        ('monitoring', '0001_initial'),
    ]

    operations = [
        # State only: the tables already exist under their old names (db_table) and keep their rows.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='action',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='action',
                name='outcome',
            ),
            migrations.RemoveField(
                model_name='action',
                name='owner_agency',
            ),
            migrations.RemoveField(
                model_name='action',
                name='owner_user',
            ),
            migrations.DeleteModel(
                name='ClosureDay',
            ),
            migrations.RemoveField(
                model_name='escalation',
                name='case',
            ),
            migrations.RemoveField(
                model_name='escalation',
                name='flag',
            ),
            migrations.RemoveField(
                model_name='escalation',
                name='raised_by',
            ),
            migrations.RemoveField(
                model_name='escalation',
                name='resolved_by',
            ),
            migrations.RemoveField(
                model_name='escalation',
                name='stage',
            ),
            migrations.RemoveField(
                model_name='escalationresponse',
                name='escalation',
            ),
            migrations.RemoveField(
                model_name='escalationresponse',
                name='by',
            ),
            migrations.RemoveField(
                model_name='escalationresponse',
                name='stage',
            ),
            migrations.RemoveField(
                model_name='flag',
                name='acknowledged_by',
            ),
            migrations.RemoveField(
                model_name='flag',
                name='case',
            ),
            migrations.RemoveField(
                model_name='flag',
                name='owner',
            ),
            migrations.RemoveField(
                model_name='meeting',
                name='case',
            ),
            migrations.RemoveField(
                model_name='meeting',
                name='invited_agencies',
            ),
            migrations.RemoveField(
                model_name='meeting',
                name='plan',
            ),
            migrations.RemoveField(
                model_name='meeting',
                name='recorded_by',
            ),
            migrations.RemoveField(
                model_name='meeting',
                name='scheduled_by_meeting',
            ),
            migrations.RemoveField(
                model_name='outcomerating',
                name='meeting',
            ),
            migrations.DeleteModel(
                name='MonitoringSettings',
            ),
            migrations.RemoveField(
                model_name='notification',
                name='case',
            ),
            migrations.RemoveField(
                model_name='notification',
                name='recipient',
            ),
            migrations.RemoveField(
                model_name='outcome',
                name='plan',
            ),
            migrations.RemoveField(
                model_name='outcomerating',
                name='outcome',
            ),
            migrations.RemoveField(
                model_name='plan',
                name='case',
            ),
            migrations.RemoveField(
                model_name='plan',
                name='created_by',
            ),
            migrations.DeleteModel(
                name='Timescale',
            ),
            migrations.DeleteModel(
                name='Action',
            ),
            migrations.DeleteModel(
                name='Escalation',
            ),
            migrations.DeleteModel(
                name='EscalationResponse',
            ),
            migrations.DeleteModel(
                name='EscalationStage',
            ),
            migrations.DeleteModel(
                name='Flag',
            ),
            migrations.DeleteModel(
                name='Meeting',
            ),
            migrations.DeleteModel(
                name='Notification',
            ),
            migrations.DeleteModel(
                name='Outcome',
            ),
            migrations.DeleteModel(
                name='OutcomeRating',
            ),
            migrations.DeleteModel(
                name='Plan',
            ),
        ]),
    ]
