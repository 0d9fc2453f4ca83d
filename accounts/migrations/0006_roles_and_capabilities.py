"""Roles become data: a person may hold several, each granting capabilities (docs/roles.md). The four
roles of the old single `role` field are seeded with the capabilities the code checked them for, and each
person gets the role they had; then the field goes."""

import accounts.models
from django.db import migrations, models


CAPABILITIES = ["oversee_agency", "use_manager_view"]
# key: (name, rank, capabilities, description) as the portal ships them; administrators change them later.
ROLES = {
    "practitioner": ("Practitioner", 10, [], "Works on the cases whose team they are on."),
    "team_manager": ("Team manager", 20, ["use_manager_view"],
                     "Manages a team (set on the team): sees and supervises the cases its members lead."),
    "senior_manager": ("Senior manager", 30, ["oversee_agency", "use_manager_view"],
                       "Sees every case their agency leads; answers escalations at the senior stage."),
    "administrator": ("Administrator", 5, [],
                      "Looks after agencies, people, roles and settings in the admin (with staff status)."),
}


def seed_roles_and_give_each_person_theirs(apps, schema_editor):
    Capability, Role, User = (apps.get_model("accounts", name) for name in ("Capability", "Role", "User"))
    capabilities = {key: Capability.objects.get_or_create(key=key)[0] for key in CAPABILITIES}
    for key, (name, rank, granted, description) in ROLES.items():
        role, _ = Role.objects.get_or_create(key=key, defaults={"name": name, "rank": rank, "description": description})
        role.capabilities.set([capabilities[c] for c in granted])
    roles = dict(Role.objects.values_list("key", "pk"))
    Through = User.roles.through
    Through.objects.bulk_create(
        [Through(user_id=pk, role_id=roles[key]) for pk, key in User.objects.values_list("pk", "role") if key in roles],
        batch_size=2000,
    )


def give_back_the_single_role(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.prefetch_related("roles"):
        held = sorted(user.roles.all(), key=lambda role: -role.rank)
        user.role = held[0].key if held else "practitioner"
        user.save(update_fields=["role"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_formsubmission_moved_to_common'),
    ]

    operations = [
        migrations.CreateModel(
            name='Capability',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(choices=[('oversee_agency', 'See every case their agency leads, and answer senior escalations'), ('use_manager_view', "Use the manager's view and the caseload of their teams' cases")], max_length=30, unique=True)),
            ],
            options={
                'verbose_name_plural': 'capabilities',
                'ordering': ['key'],
            },
        ),
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', accounts.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='Role',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(help_text='Short name kept in the audit trail.', max_length=20, unique=True)),
                ('name', models.CharField(max_length=100, unique=True)),
                ('description', models.TextField(blank=True)),
                ('rank', models.PositiveSmallIntegerField(default=0, help_text='Higher is more senior: the audit trail names the most senior role a person holds.')),
                ('capabilities', models.ManyToManyField(blank=True, related_name='roles', to='accounts.capability')),
            ],
            options={
                'ordering': ['-rank', 'name'],
            },
        ),
        migrations.AddField(
            model_name='user',
            name='roles',
            field=models.ManyToManyField(blank=True, related_name='users', to='accounts.role'),
        ),
        migrations.RunPython(seed_roles_and_give_each_person_theirs, give_back_the_single_role),
        migrations.RemoveField(
            model_name='user',
            name='role',
        ),
    ]
