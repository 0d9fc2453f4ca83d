"""The front door's roles (docs/roles.md): MASH practitioners triage referrals, MASH managers decide them;
MASH and team managers may mark two records as the same person. Seeded as data, like migration 0006."""

from django.db import migrations, models

NEW_CAPABILITIES = ["triage_referrals", "decide_referrals", "merge_people"]
NEW_ROLES = {
    "mash_practitioner": (
        "MASH practitioner",
        15,
        ["triage_referrals"],
        "Works the MASH inbox: reads referrals, finds the family's records, checks with partner agencies.",
    ),
    "mash_manager": (
        "MASH manager",
        25,
        ["triage_referrals", "decide_referrals", "merge_people"],
        "Decides referrals at the MASH, with reasons, within the decision timescale.",
    ),
}


def seed(apps, schema_editor):
    Capability, Role = apps.get_model("accounts", "Capability"), apps.get_model("accounts", "Role")
    capabilities = {key: Capability.objects.get_or_create(key=key)[0] for key in NEW_CAPABILITIES}
    for key, (name, rank, granted, description) in NEW_ROLES.items():
        role, _ = Role.objects.get_or_create(key=key, defaults={"name": name, "rank": rank, "description": description})
        role.capabilities.add(*[capabilities[c] for c in granted])
    team_manager = Role.objects.filter(key="team_manager").first()
    if team_manager:
        team_manager.capabilities.add(capabilities["merge_people"])


def unseed(apps, schema_editor):
    Capability, Role = apps.get_model("accounts", "Capability"), apps.get_model("accounts", "Role")
    Role.objects.filter(key__in=NEW_ROLES).delete()
    Capability.objects.filter(key__in=NEW_CAPABILITIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_roles_and_capabilities"),
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
                ],
                max_length=30,
                unique=True,
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
