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
        ('accounts', '0004_notification_preference'),
        ('cases', '0008_generic_notification_outbox'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables already exist under their old names (db_table) and keep their rows.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Timescale',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('key', models.CharField(choices=[('initial_conference', 'Initial child protection conference'), ('first_review_conference', 'First review child protection conference'), ('review_conference', 'Later review child protection conferences'), ('first_core_group', 'First core group'), ('core_group', 'Later core groups'), ('assessment', 'Assessment'), ('cin_review', 'Child-in-need reviews'), ('early_help_review', 'Early-help reviews'), ('cp_visit', 'Child protection visits'), ('cin_visit', 'Child-in-need visits'), ('supervision', 'Case supervision'), ('closing_review', 'Closing review before closure or transfer')], editable=False, max_length=40, unique=True)),
                    ('amount', models.PositiveSmallIntegerField(help_text='How many working days or calendar months. A change applies to meetings scheduled after it: meetings already scheduled keep their date.')),
                    ('unit', models.CharField(choices=[('working_days', 'working days'), ('months', 'calendar months')], max_length=20)),
                    ('counted_from', models.CharField(help_text='What the time is counted from.', max_length=200)),
                    ('source', models.CharField(choices=[('statutory', 'Statutory (Working Together 2023)'), ('local', 'Local')], editable=False, help_text='Where the default came from.', max_length=20)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                ],
                options={
                    'db_table': 'cases_timescale',
                    'ordering': ['key'],
                },
            ),
            migrations.CreateModel(
                name='Plan',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('kind', models.CharField(choices=[('early_help', 'Early help'), ('child_in_need', 'Child in need'), ('child_protection', 'Child protection')], max_length=20, verbose_name='kind of plan')),
                    ('category', models.CharField(blank=True, choices=[('NEG', 'Neglect'), ('PHY', 'Physical abuse'), ('SAB', 'Sexual abuse'), ('EMO', 'Emotional abuse'), ('MUL', 'Multiple categories')], max_length=3, verbose_name='child protection category')),
                    ('started_on', models.DateField(verbose_name='plan starts')),
                    ('ended_on', models.DateField(blank=True, null=True, verbose_name='plan ended')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('version', models.PositiveIntegerField(default=1, editable=False)),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='cases.case')),
                    ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'cases_plan',
                    'ordering': ['-started_on', '-created_at'],
                },
            ),
            migrations.CreateModel(
                name='Outcome',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('number', models.PositiveSmallIntegerField()),
                    ('what_must_change', models.TextField(max_length=2000, verbose_name='what must change')),
                    ('by_when', models.DateField(verbose_name='by when')),
                    ('how_we_will_know', models.TextField(max_length=2000, verbose_name='how everyone will know')),
                    ('plan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='outcomes', to='plans.plan')),
                ],
                options={
                    'db_table': 'cases_outcome',
                    'ordering': ['plan', 'number'],
                },
            ),
            migrations.CreateModel(
                name='Meeting',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('kind', models.CharField(choices=[('strategy', 'Strategy discussion'), ('icpc', 'Initial child protection conference'), ('rcpc', 'Review child protection conference'), ('core_group', 'Core group meeting'), ('cin_review', 'Child-in-need review'), ('eh_review', 'Early-help review'), ('supervision', 'Case supervision')], max_length=20)),
                    ('due_on', models.DateField(blank=True, null=True, verbose_name='due by')),
                    ('due_basis', models.CharField(blank=True, max_length=300, verbose_name='how the due date was worked out')),
                    ('held_on', models.DateField(blank=True, null=True, verbose_name='held on')),
                    ('is_closing_review', models.BooleanField(default=False, verbose_name='closing review')),
                    ('attendees', models.TextField(blank=True, max_length=4000, verbose_name='who attended')),
                    ('reflections', models.TextField(blank=True, max_length=10000)),
                    ('decisions', models.TextField(blank=True, max_length=10000)),
                    ('actions_agreed', models.TextField(blank=True, max_length=10000, verbose_name='actions agreed')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('recorded_at', models.DateTimeField(blank=True, null=True)),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meetings', to='cases.case')),
                    ('invited_agencies', models.ManyToManyField(blank=True, related_name='meeting_invitations', to='accounts.agency')),
                    ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('scheduled_by_meeting', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='scheduled_next', to='plans.meeting')),
                    ('plan', models.ForeignKey(blank=True, help_text='The plan reviewed at this meeting.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to='plans.plan')),
                ],
                options={
                    'db_table': 'cases_meeting',
                    'ordering': ['held_on', 'due_on', 'created_at'],
                },
            ),
            migrations.CreateModel(
                name='Action',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('description', models.TextField(max_length=2000, verbose_name='what will be done')),
                    ('due_on', models.DateField(verbose_name='due by')),
                    ('status', models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('done', 'Done'), ('not_done', 'Agreed but not done')], default='not_started', max_length=20)),
                    ('completed_on', models.DateField(blank=True, null=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('owner_agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='plan_actions', to='accounts.agency', verbose_name='owner (agency)')),
                    ('owner_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='plan_actions', to=settings.AUTH_USER_MODEL, verbose_name='owner (person)')),
                    ('outcome', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='plans.outcome')),
                ],
                options={
                    'db_table': 'cases_action',
                    'ordering': ['due_on', 'pk'],
                    'indexes': [models.Index(fields=['status', 'due_on'], name='cases_action_status_due')],
                    'constraints': [models.CheckConstraint(condition=models.Q(('owner_user__isnull', False), ('owner_agency__isnull', False), _connector='OR'), name='cases_action_has_owner'), models.CheckConstraint(condition=models.Q(models.Q(('completed_on__isnull', False), ('status', 'done')), models.Q(models.Q(('status', 'done'), _negated=True), ('completed_on__isnull', True)), _connector='OR'), name='cases_action_completed_when_done')],
                },
            ),
            migrations.CreateModel(
                name='OutcomeRating',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('rating', models.CharField(choices=[('achieved', 'Achieved'), ('progressing', 'Progressing'), ('no_change', 'No change'), ('worse', 'Worse')], max_length=20, verbose_name='progress')),
                    ('comment', models.TextField(blank=True, max_length=2000)),
                    ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ratings', to='plans.meeting')),
                    ('outcome', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ratings', to='plans.outcome')),
                ],
                options={
                    'db_table': 'cases_outcomerating',
                    'ordering': ['outcome__number'],
                    'constraints': [models.UniqueConstraint(fields=('meeting', 'outcome'), name='cases_outcomerating_once_per_review')],
                },
            ),
            migrations.AddConstraint(
                model_name='plan',
                constraint=models.UniqueConstraint(condition=models.Q(('ended_on__isnull', True)), fields=('case',), include=('started_on',), name='cases_plan_one_current_per_case'),
            ),
            migrations.AddConstraint(
                model_name='plan',
                constraint=models.CheckConstraint(condition=models.Q(('ended_on__isnull', True), ('ended_on__gte', models.F('started_on')), _connector='OR'), name='cases_plan_ended_after_started'),
            ),
            migrations.AddConstraint(
                model_name='plan',
                constraint=models.CheckConstraint(condition=models.Q(models.Q(('category__in', ['NEG', 'PHY', 'SAB', 'EMO', 'MUL']), ('kind', 'child_protection')), models.Q(models.Q(('kind', 'child_protection'), _negated=True), ('category', '')), _connector='OR'), name='cases_plan_category_only_for_cp'),
            ),
            migrations.AddConstraint(
                model_name='outcome',
                constraint=models.UniqueConstraint(fields=('plan', 'number'), name='cases_outcome_unique_number'),
            ),
            migrations.AddIndex(
                model_name='meeting',
                index=models.Index(fields=['held_on', 'due_on'], include=('case', 'kind'), name='cases_meeting_held_due'),
            ),
            migrations.AddConstraint(
                model_name='meeting',
                constraint=models.UniqueConstraint(condition=models.Q(('held_on__isnull', True)), fields=('case', 'kind'), name='cases_meeting_one_waiting_per_kind'),
            ),
            migrations.AddConstraint(
                model_name='meeting',
                constraint=models.CheckConstraint(condition=models.Q(('held_on__isnull', False), ('due_on__isnull', False), _connector='OR'), name='cases_meeting_due_or_held'),
            ),
        ]),
        move_content_types(from_app="cases", to_app="plans", models=['plan', 'outcome', 'action', 'meeting', 'outcomerating', 'timescale']),
    ]
