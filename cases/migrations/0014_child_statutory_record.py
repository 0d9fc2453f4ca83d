"""Each child's statutory record: episodes of need, assessments, section 47 enquiries and a recorded death.

The household case's closure rule no longer asks for a reason (each child's episode has its own, and early help
none); the column itself goes in 0016, after 0015 has copied it onto the children's episodes.
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_mash_roles_and_merge_capability'),
        ('cases', '0013_person_census_characteristics'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ChildAssessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_on', models.DateField(verbose_name='assessment started')),
                ('due_on', models.DateField(blank=True, null=True, verbose_name='assessment due')),
                ('authorised_on', models.DateField(blank=True, null=True, verbose_name='authorised on')),
                ('factors', models.JSONField(blank=True, default=list)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['episode', 'started_on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='ChildDeath',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('died_on', models.DateField(verbose_name='date of death')),
                ('who_was_told', models.TextField(max_length=2000, verbose_name='who has been told')),
                ('notification_due_on', models.DateField(verbose_name='serious incident notification due')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='ChildEpisode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_on', models.DateField(verbose_name='referral date')),
                ('referral_source', models.CharField(choices=[('1A', '1A Individual: family member or carer'), ('1B', '1B Individual: acquaintance (including neighbours)'), ('1C', '1C Individual: self'), ('1D', '1D Individual: other'), ('2A', '2A Schools'), ('2B', '2B Education services'), ('3A', '3A Health: GP'), ('3B', '3B Health: health visitor'), ('3C', '3C Health: school nurse'), ('3D', '3D Health: other primary health services'), ('3E', '3E Health: A&E (emergency department)'), ('3F', '3F Health: other (for example hospital, mental health)'), ('4', '4 Housing'), ('5A', '5A Local authority: social care'), ('5B', '5B Local authority: other internal department'), ('5C', '5C Local authority: another local authority'), ('5D', '5D Local authority: early help'), ('6', '6 Police'), ('7', '7 Other legal agency (courts, probation, Cafcass)'), ('8', '8 Other'), ('9', '9 Anonymous'), ('10', '10 Unknown')], default='10', max_length=3)),
                ('primary_need', models.CharField(choices=[('N1', 'N1 Abuse or neglect'), ('N2', "N2 Child's disability or illness"), ('N3', 'N3 Parental illness or disability'), ('N4', 'N4 Family in acute stress'), ('N5', 'N5 Family dysfunction'), ('N6', 'N6 Socially unacceptable behaviour'), ('N7', 'N7 Low income'), ('N8', 'N8 Absent parenting'), ('N9', 'N9 Cases other than children in need'), ('N0', 'N0 Not stated')], default='N0', max_length=2)),
                ('closed_on', models.DateField(blank=True, null=True, verbose_name='closed on')),
                ('closure_reason', models.CharField(blank=True, choices=[('RC1', 'RC1 Adopted'), ('RC2', 'RC2 Died'), ('RC3', 'RC3 Child arrangements order'), ('RC4', 'RC4 Special guardianship order'), ('RC5', 'RC5 Moved to another local authority'), ('RC6', 'RC6 Moved to adult social care'), ('RC7', 'RC7 Services ceased, including no longer in need'), ('RC8', 'RC8 Closed after assessment, no further action'), ('RC9', 'RC9 Closed after assessment, referred to early help')], max_length=3)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'ordering': ['case', 'child__date_of_birth', '-started_on'],
            },
        ),
        migrations.CreateModel(
            name='Section47Enquiry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_on', models.DateField(verbose_name='enquiry started')),
                ('conference_needed', models.BooleanField(blank=True, null=True, verbose_name='initial conference needed')),
                ('conference_on', models.DateField(blank=True, null=True, verbose_name='initial conference date')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name_plural': 'section 47 enquiries',
                'ordering': ['episode', 'started_on', 'pk'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='case',
            name='cases_case_closure_consistent',
        ),
        migrations.AddField(
            model_name='person',
            name='died_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='date of death'),
        ),
        migrations.AlterField(
            model_name='casereopening',
            name='previous_closure_reason',
            field=models.CharField(blank=True, choices=[('RC1', 'RC1 Adopted'), ('RC2', 'RC2 Died'), ('RC3', 'RC3 Child arrangements order'), ('RC4', 'RC4 Special guardianship order'), ('RC5', 'RC5 Moved to another local authority'), ('RC6', 'RC6 Moved to adult social care'), ('RC7', 'RC7 Services ceased, including no longer in need'), ('RC8', 'RC8 Closed after assessment, no further action'), ('RC9', 'RC9 Closed after assessment, referred to early help')], max_length=3),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('closed_on__isnull', True), ('status', 'open')), models.Q(('closed_on__isnull', False), ('status', 'closed')), _connector='OR'), name='cases_case_closed_has_date'),
        ),
        migrations.AddConstraint(
            model_name='person',
            constraint=models.CheckConstraint(condition=models.Q(('died_on__isnull', True), ('date_of_birth__isnull', True), ('died_on__gte', models.F('date_of_birth')), _connector='OR'), name='cases_person_died_after_born'),
        ),
        migrations.AddField(
            model_name='childassessment',
            name='authorised_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='childdeath',
            name='recorded_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='childepisode',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='episodes', to='cases.case'),
        ),
        migrations.AddField(
            model_name='childepisode',
            name='child',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='episodes', to='cases.person'),
        ),
        migrations.AddField(
            model_name='childepisode',
            name='closed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='childdeath',
            name='episode',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='death', to='cases.childepisode'),
        ),
        migrations.AddField(
            model_name='childassessment',
            name='episode',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='cases.childepisode'),
        ),
        migrations.AddField(
            model_name='section47enquiry',
            name='episode',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enquiries', to='cases.childepisode'),
        ),
        migrations.AddField(
            model_name='section47enquiry',
            name='recorded_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='childepisode',
            index=models.Index(fields=['child', 'closed_on'], name='cases_episode_child_open'),
        ),
        migrations.AddConstraint(
            model_name='childepisode',
            constraint=models.UniqueConstraint(condition=models.Q(('closed_on__isnull', True)), fields=('case', 'child'), name='cases_childepisode_one_open'),
        ),
        migrations.AddConstraint(
            model_name='childepisode',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('closed_on__isnull', True), ('closure_reason', '')), models.Q(('closed_on__isnull', False), models.Q(('closure_reason', ''), _negated=True)), _connector='OR'), name='cases_childepisode_closure_consistent'),
        ),
        migrations.AddConstraint(
            model_name='childepisode',
            constraint=models.CheckConstraint(condition=models.Q(('closed_on__isnull', True), ('closed_on__gte', models.F('started_on')), _connector='OR'), name='cases_childepisode_closed_after_started'),
        ),
        migrations.AddConstraint(
            model_name='childdeath',
            constraint=models.CheckConstraint(condition=models.Q(('who_was_told', ''), _negated=True), name='cases_childdeath_who_was_told'),
        ),
        migrations.AddIndex(
            model_name='childassessment',
            index=models.Index(condition=models.Q(('authorised_on__isnull', True)), fields=['due_on'], name='cases_assessment_waiting'),
        ),
        migrations.AddConstraint(
            model_name='childassessment',
            constraint=models.CheckConstraint(condition=models.Q(('authorised_on__isnull', True), ('authorised_on__gte', models.F('started_on')), _connector='OR'), name='cases_childassessment_authorised_after_started'),
        ),
        migrations.AddConstraint(
            model_name='childassessment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('authorised_by__isnull', True), ('authorised_on__isnull', True)), models.Q(('authorised_by__isnull', False), ('authorised_on__isnull', False)), _connector='OR'), name='cases_childassessment_authorised_by_someone'),
        ),
        migrations.AddConstraint(
            model_name='section47enquiry',
            constraint=models.CheckConstraint(condition=models.Q(('conference_on__isnull', True), ('conference_needed', True), _connector='OR'), name='cases_section47_conference_only_if_needed'),
        ),
        migrations.AddConstraint(
            model_name='section47enquiry',
            constraint=models.CheckConstraint(condition=models.Q(('conference_on__isnull', True), ('conference_on__gte', models.F('started_on')), _connector='OR'), name='cases_section47_conference_after_start'),
        ),
    ]
