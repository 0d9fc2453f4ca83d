"""Agencies, teams and the portal's custom user, with role and GCP2 licence fields."""

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models


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


class User(AbstractUser):
    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        TEAM_MANAGER = "team_manager", "Team manager"
        SENIOR_MANAGER = "senior_manager", "Senior manager"
        ADMINISTRATOR = "administrator", "Administrator"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
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

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_role(self) -> str:
        return self.job_title or self.get_role_display()

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
