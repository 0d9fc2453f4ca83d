"""Each child on a household's plan (ChildPlan), with a child protection plan's initial and latest category and
every change of category (CategoryChange). The household plan's one category column goes in 0006, after 0005
has copied it onto each child.
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0015_episodes_from_cases'),
        ('plans', '0003_meeting_records_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CategoryChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('changed_on', models.DateField(verbose_name='changed on')),
                ('from_category', models.CharField(choices=[('NEG', 'Neglect'), ('PHY', 'Physical abuse'), ('SAB', 'Sexual abuse'), ('EMO', 'Emotional abuse'), ('MUL', 'Multiple categories')], max_length=3)),
                ('to_category', models.CharField(choices=[('NEG', 'Neglect'), ('PHY', 'Physical abuse'), ('SAB', 'Sexual abuse'), ('EMO', 'Emotional abuse'), ('MUL', 'Multiple categories')], max_length=3)),
                ('reason', models.TextField(max_length=1000)),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['changed_on', 'recorded_at'],
            },
        ),
        migrations.CreateModel(
            name='ChildPlan',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('kind', models.CharField(choices=[('early_help', 'Early help'), ('child_in_need', 'Child in need'), ('child_protection', 'Child protection')], max_length=20, verbose_name='kind of plan')),
                ('started_on', models.DateField(verbose_name='plan started')),
                ('ended_on', models.DateField(blank=True, null=True, verbose_name='plan ended')),
                ('end_reason', models.CharField(blank=True, choices=[('no_longer_needed', 'The conference or review decided it is no longer needed'), ('stepped_up', 'Replaced by a child protection plan'), ('stepped_down', 'Stepped down to a child in need plan or early help'), ('moved', 'Moved to another local authority'), ('looked_after', 'Became looked after (in care)'), ('order', 'Adopted, or a special guardianship or child arrangements order'), ('turned_18', 'Turned 18'), ('died', 'The child died'), ('case_closed', "The child's episode of need closed")], max_length=20, verbose_name='why the plan ended')),
                ('initial_category', models.CharField(blank=True, choices=[('NEG', 'Neglect'), ('PHY', 'Physical abuse'), ('SAB', 'Sexual abuse'), ('EMO', 'Emotional abuse'), ('MUL', 'Multiple categories')], editable=False, max_length=3, verbose_name='category at the start')),
                ('latest_category', models.CharField(blank=True, choices=[('NEG', 'Neglect'), ('PHY', 'Physical abuse'), ('SAB', 'Sexual abuse'), ('EMO', 'Emotional abuse'), ('MUL', 'Multiple categories')], max_length=3, verbose_name='category now')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'ordering': ['child__date_of_birth', '-started_on'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='plan',
            name='cases_plan_category_only_for_cp',
        ),
        migrations.AddField(
            model_name='categorychange',
            name='changed_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='childplan',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='child_plans', to='cases.case'),
        ),
        migrations.AddField(
            model_name='childplan',
            name='child',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='child_plans', to='cases.person'),
        ),
        migrations.AddField(
            model_name='childplan',
            name='episode',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='cases.childepisode'),
        ),
        migrations.AddField(
            model_name='childplan',
            name='plan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='children', to='plans.plan'),
        ),
        migrations.AddField(
            model_name='categorychange',
            name='child_plan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='category_changes', to='plans.childplan'),
        ),
        migrations.AddIndex(
            model_name='childplan',
            index=models.Index(fields=['kind', 'ended_on', 'started_on'], name='plans_childplan_current_kind'),
        ),
        migrations.AddIndex(
            model_name='childplan',
            index=models.Index(fields=['child', 'ended_on'], name='plans_childplan_child'),
        ),
        migrations.AddConstraint(
            model_name='childplan',
            constraint=models.UniqueConstraint(condition=models.Q(('ended_on__isnull', True)), fields=('plan', 'child'), name='plans_childplan_one_current'),
        ),
        migrations.AddConstraint(
            model_name='childplan',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['child_in_need', 'child_protection'])), name='plans_childplan_statutory'),
        ),
        migrations.AddConstraint(
            model_name='childplan',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('initial_category__in', ['NEG', 'PHY', 'SAB', 'EMO', 'MUL']), ('kind', 'child_protection'), ('latest_category__in', ['NEG', 'PHY', 'SAB', 'EMO', 'MUL'])), models.Q(('initial_category', ''), ('kind', 'child_in_need'), ('latest_category', '')), _connector='OR'), name='plans_childplan_category_only_for_cp'),
        ),
        migrations.AddConstraint(
            model_name='childplan',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('end_reason', ''), ('ended_on__isnull', True)), models.Q(('ended_on__gte', models.F('started_on')), models.Q(('end_reason', ''), _negated=True)), _connector='OR'), name='plans_childplan_end_consistent'),
        ),
        migrations.AddConstraint(
            model_name='categorychange',
            constraint=models.CheckConstraint(condition=models.Q(('from_category', models.F('to_category')), _negated=True), name='plans_category_changes'),
        ),
        migrations.AddConstraint(
            model_name='categorychange',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='plans_categorychange_has_reason'),
        ),
    ]
