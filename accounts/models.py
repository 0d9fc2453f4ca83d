"""Agencies, teams, roles and the portal's custom user, with GCP2 licence fields.

Roles are data (docs/roles.md): a person holds any number of roles, and each role grants capabilities.
The code checks capabilities, never role names, so a partnership adds a role (a MASH practitioner, a case
auditor) in the admin without new code paths. Capabilities are the code's vocabulary: the list below is
what the portal can check, seeded into the capability table by migration.
"""

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Aggregate, CharField, Exists, OuterRef, Q, Subquery
from django.utils.functional import cached_property


class JoinedKeys(Aggregate):
    """Distinct values joined with commas: string_agg on PostgreSQL, group_concat on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(DISTINCT %(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(DISTINCT %(expressions)s)",
            **extra_context,
        )


class Agency(models.Model):
    class Kind(models.TextChoices):
        CHILDRENS_SOCIAL_CARE = "social_care", "Children's social care"
        HEALTH = "health", "Health"
        EDUCATION = "education", "Education"
        POLICE = "police", "Police"
        HOUSING = "housing", "Housing"
        VOLUNTARY = "voluntary", "Voluntary sector"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    manager = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        help_text="The team manager sees every case led by someone in this team.",
    )

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="accounts_team_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency.name})"


class Capability(models.Model):
    """Something the portal lets a person do because of a role they hold (not because they are on a case's
    team, which the access policy decides from the team itself)."""

    class Key(models.TextChoices):
        OVERSEE_AGENCY = "oversee_agency", "See every case their agency leads, and answer senior escalations"
        USE_MANAGER_VIEW = "use_manager_view", "Use the manager's view and the caseload of their teams' cases"
        TRIAGE_REFERRALS = "triage_referrals", "Work the MASH inbox: see referrals, check with partner agencies"
        DECIDE_REFERRALS = "decide_referrals", "Decide referrals at the MASH and allocate what they open"
        MERGE_PEOPLE = "merge_people", "Mark two records as the same person (and undo it)"
        MAKE_CENSUS_RETURN = "make_census_return", "Make the children in need census return and check its data"

    key = models.CharField(max_length=30, choices=Key.choices, unique=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "capabilities"

    def __str__(self) -> str:
        return self.get_key_display()


class RoleManager(models.Manager):
    def standard(self, key: str) -> "Role":
        """One of the roles the portal ships, made with its capabilities if it is missing (migration 0006
        seeds them; a flushed test database or an administrator's deletion should not break the code)."""
        name, rank, capabilities, description = Role.STANDARD[key]
        role, created = self.get_or_create(key=key, defaults={"name": name, "rank": rank, "description": description})
        if created:
            role.capabilities.set([Capability.objects.get_or_create(key=c)[0] for c in capabilities])
        return role


class Role(models.Model):
    """A role a person holds in the partnership; the roles a person holds grant the union of their
    capabilities. The portal ships the four below; administrators add others in the admin."""

    class Standard(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        TEAM_MANAGER = "team_manager", "Team manager"
        SENIOR_MANAGER = "senior_manager", "Senior manager"
        ADMINISTRATOR = "administrator", "Administrator"
        MASH_PRACTITIONER = "mash_practitioner", "MASH practitioner"
        MASH_MANAGER = "mash_manager", "MASH manager"
        DATA_OFFICER = "data_officer", "Data officer"

    key = models.SlugField(max_length=20, unique=True, help_text="Short name kept in the audit trail.")
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    rank = models.PositiveSmallIntegerField(
        default=0, help_text="Higher is more senior: the audit trail names the most senior role a person holds."
    )
    capabilities = models.ManyToManyField(Capability, blank=True, related_name="roles")

    # key: (name, rank, capabilities, description), as migrations 0006 and 0007 seeded them.
    STANDARD = {
        Standard.PRACTITIONER: ("Practitioner", 10, [], "Works on the cases whose team they are on."),
        Standard.TEAM_MANAGER: (
            "Team manager",
            20,
            [Capability.Key.USE_MANAGER_VIEW, Capability.Key.MERGE_PEOPLE],
            "Manages a team (set on the team): sees and supervises the cases its members lead.",
        ),
        Standard.SENIOR_MANAGER: (
            "Senior manager",
            30,
            [Capability.Key.OVERSEE_AGENCY, Capability.Key.USE_MANAGER_VIEW],
            "Sees every case their agency leads; answers escalations at the senior stage.",
        ),
        Standard.ADMINISTRATOR: (
            "Administrator",
            5,
            [],
            "Looks after agencies, people, roles and settings in the admin (with staff status).",
        ),
        Standard.MASH_PRACTITIONER: (
            "MASH practitioner",
            15,
            [Capability.Key.TRIAGE_REFERRALS],
            "Works the MASH inbox: reads referrals, finds the family's records, checks with partner agencies.",
        ),
        Standard.MASH_MANAGER: (
            "MASH manager",
            25,
            [Capability.Key.TRIAGE_REFERRALS, Capability.Key.DECIDE_REFERRALS, Capability.Key.MERGE_PEOPLE],
            "Decides referrals at the MASH, with reasons, within the decision timescale.",
        ),
        Standard.DATA_OFFICER: (
            "Data officer",
            12,
            [Capability.Key.MAKE_CENSUS_RETURN],
            "Makes the children in need census return and keeps its data clean all year; opens no case.",
        ),
    }

    objects = RoleManager()

    class Meta:
        ordering = ["-rank", "name"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def with_capability(self, key: str) -> "UserQuerySet":
        """People who hold at least one role granting the capability."""
        return self.filter(Exists(Role.objects.filter(users=OuterRef("pk"), capabilities__key=key)))

    def with_roles_loaded(self) -> "UserQuerySet":
        """Each person with their capabilities and most senior role in the same query, so checking them
        costs nothing more (the sign-in backend loads the request's user this way)."""
        capabilities = (
            Capability.objects.filter(roles__users=OuterRef("pk"))
            .order_by()
            .values("roles__users")
            .annotate(keys=JoinedKeys("key"))
            .values("keys")
        )
        principal = Role.objects.filter(users=OuterRef("pk")).order_by("-rank", "key").values("key")[:1]
        return self.annotate(_capability_keys=Subquery(capabilities), _principal_role=Subquery(principal))


def staff_managed_by(manager: "User") -> Q:
    """A filter on people for those whose work `manager` oversees: the members of the teams they manage,
    and for a senior manager everyone in a team of their agency (the manager's view, reallocation)."""
    condition = Q(team__manager=manager)
    if manager.agency_id and manager.can(Capability.Key.OVERSEE_AGENCY):
        condition |= Q(team__agency_id=manager.agency_id)
    return condition


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    job_title = models.CharField(max_length=100, blank=True, help_text="As colleagues know it, e.g. 'Health visitor'.")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    gcp2_trained_on = models.DateField(
        "GCP2 training date",
        null=True,
        blank=True,
        help_text="Date of licensed Graded Care Profile 2 training.",
    )
    gcp2_licence_area = models.CharField("GCP2 licence area", max_length=100, blank=True)
    gcp2_licence_expires_on = models.DateField("GCP2 licence expires", null=True, blank=True)

    class NotificationPreference(models.TextChoices):
        IMMEDIATE = "immediate", "Email me as soon as something needs my attention"
        DAILY = "daily", "One email a day, with everything that needs my attention"

    notification_preference = models.CharField(
        "how to be told about alerts",
        max_length=10,
        choices=NotificationPreference.choices,
        default=NotificationPreference.IMMEDIATE,
    )

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def capabilities(self) -> frozenset[str]:
        """The capability keys this person's roles grant (read once per request's user)."""
        if hasattr(self, "_capability_keys"):
            return frozenset(self._capability_keys.split(",")) if self._capability_keys else frozenset()
        if self.pk is None:
            return frozenset()
        return frozenset(Capability.objects.filter(roles__users=self).values_list("key", flat=True).distinct())

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @cached_property
    def principal_role(self) -> str:
        """The key of the most senior role held, for the audit trail's snapshot ("" with none)."""
        if hasattr(self, "_principal_role"):
            return self._principal_role or ""
        if self.pk is None:
            return ""
        return self.roles.order_by("-rank", "key").values_list("key", flat=True).first() or ""

    @property
    def display_role(self) -> str:
        if self.job_title:
            return self.job_title
        role = self.roles.order_by("-rank", "key").first() if self.pk else None
        return role.name if role else ""

    def holds_gcp2_licence(self, on: date) -> bool:
        """True when trained and licensed on the given day: only they may record a GCP2."""
        return bool(
            self.gcp2_trained_on
            and self.gcp2_trained_on <= on
            and self.gcp2_licence_expires_on
            and self.gcp2_licence_expires_on >= on
        )


class BackupCode(models.Model):
    """A single-use recovery code for two-factor sign-in. Only a keyed hash is stored, never the code
    (django-otp's static tokens are stored in plain text, so we keep our own)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="backup_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="accounts_backupcode_unique"),
        ]
