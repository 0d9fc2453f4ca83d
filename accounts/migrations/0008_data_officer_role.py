"""The data officer (docs/roles.md): makes the children in need census return and checks its data all year.
Seeded as data, like migrations 0006 and 0007."""

from django.db import migrations, models

NEW_CAPABILITIES = ["make_census_return"]
NEW_ROLES = {
    "data_officer": (
        "Data officer",
        12,
        ["make_census_return"],
        "Makes the children in need census return and keeps its data clean all year; opens no case.",
    ),
}


def seed(apps, schema_editor):
    Capability, Role = apps.get_model("accounts", "Capability"), apps.get_model("accounts", "Role")
    capabilities = {key: Capability.objects.get_or_create(key=key)[0] for key in NEW_CAPABILITIES}
    for key, (name, rank, granted, description) in NEW_ROLES.items():
        role, _ = Role.objects.get_or_create(key=key, defaults={"name": name, "rank": rank, "description": description})
        role.capabilities.add(*[capabilities[c] for c in granted])


def unseed(apps, schema_editor):
    Capability, Role = apps.get_model("accounts", "Capability"), apps.get_model("accounts", "Role")
    Role.objects.filter(key__in=NEW_ROLES).delete()
    Capability.objects.filter(key__in=NEW_CAPABILITIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_mash_roles_and_merge_capability"),
    ]

    operations = [
        migrations.AlterField(
            model_name="capability",
            name="key",
            field=models.CharField(
                choices=[
                    ("oversee_agency", "See every case their agency leads, and answer senior escalations"),
                    ("use_manager_view", "Use the manager's view and the caseload of their teams' cases"),
                    ("triage_referrals", "Work the MASH inbox: see referrals, check with partner agencies"),
                    ("decide_referrals", "Decide referrals at the MASH and allocate what they open"),
                    ("merge_people", "Mark two records as the same person (and undo it)"),
                    ("make_census_return", "Make the children in need census return and check its data"),
                ],
                max_length=30,
                unique=True,
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
