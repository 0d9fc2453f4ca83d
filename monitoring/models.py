"""Monitoring rows: the partnership's thresholds, the flags raised by monitoring/rules.py, and the
escalation ladder (admin-editable stages, escalations of stuck cases and each stage's responses).

Escalations are raised by anyone on the case team, or on their own by unacknowledged flags and long
child protection plans; monitoring/escalations.py moves them up when a stage's time runs out.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from audit.models import AppendOnlyModel
from cases.models import Case


class MonitoringSettings(models.Model):
    """The partnership's thresholds for the monitoring rules: one row, edited in the admin.

    Defaults follow the issue and docs/practice.md ("Drift and escalation"); every number here is a local choice.
    """

    lead_changes_threshold = models.PositiveSmallIntegerField(
        "changes of lead professional that flag a case", default=3
    )
    lead_changes_window_months = models.PositiveSmallIntegerField(
        "changes of lead professional: look back (months)", default=12
    )
    rereferral_window_months = models.PositiveSmallIntegerField("new case after a closure within (months)", default=12)
    was_not_brought_window_months = models.PositiveSmallIntegerField(
        "missed appointments: look back (months)", default=12
    )
    was_not_brought_neglect_plan_threshold = models.PositiveSmallIntegerField(
        "missed appointments that flag a child on a neglect child protection plan", default=1
    )
    was_not_brought_threshold = models.PositiveSmallIntegerField(
        "missed appointments that flag any other child", default=2
    )
    no_access_threshold = models.PositiveSmallIntegerField("no-access visits that flag a case", default=2)
    no_access_window_months = models.PositiveSmallIntegerField("no-access visits: look back (months)", default=3)
    ae_threshold = models.PositiveSmallIntegerField("A&E attendances that flag a child", default=3)
    ae_window_months = models.PositiveSmallIntegerField("A&E attendances: look back (months)", default=12)
    review_due_soon_working_days = models.PositiveSmallIntegerField(
        "remind the lead professional this many working days before a review is due", default=5
    )
    long_plan_months = models.PositiveSmallIntegerField("child protection plan open longer than (months)", default=12)
    no_contact_child_protection_working_days = models.PositiveSmallIntegerField(
        "no chronology entry for longer than (working days): child protection", default=20
    )
    no_contact_child_in_need_working_days = models.PositiveSmallIntegerField(
        "no chronology entry for longer than (working days): child in need", default=40
    )
    no_contact_early_help_working_days = models.PositiveSmallIntegerField(
        "no chronology entry for longer than (working days): early help", default=40
    )
    drift_concern_grade = models.PositiveSmallIntegerField(
        "GCP2 drift: an area graded this or worse, with no area better than last time", default=3
    )
    acknowledge_within_working_days = models.PositiveSmallIntegerField(
        "flags unacknowledged after (working days) go to the team manager", default=5
    )
    notification_max_attempts = models.PositiveSmallIntegerField(
        "email attempts before a notification is marked failed", default=5
    )

    class Meta:
        db_table = "cases_monitoringsettings"  # the table kept its name when the model left cases
        verbose_name = "monitoring settings"
        verbose_name_plural = "monitoring settings"

    def __str__(self) -> str:
        return "Monitoring settings"

    @classmethod
    def load(cls) -> "MonitoringSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class FlagQuerySet(models.QuerySet):
    def open(self) -> "FlagQuerySet":
        """Flags whose condition still holds (not resolved)."""
        return self.filter(resolved_at__isnull=True)


class Flag(models.Model):
    """Something a monitoring rule noticed about a case. One open flag per (case, rule, subject):
    a re-run or a parallel sweep cannot raise it twice (partial unique constraint)."""

    class Rule(models.TextChoices):
        LEAD_CHURN = "lead_churn", "Frequent changes of lead professional"
        REREFERRAL = "rereferral", "New case soon after a previous one closed"
        NEW_BABY = "new_baby", "New or expected baby in the household"
        WAS_NOT_BROUGHT = "was_not_brought", "Missed appointments (was not brought)"
        NO_ACCESS = "no_access", "Repeated no-access visits"
        AE_ATTENDANCES = "ae_attendances", "Repeated A&E attendances"
        MEETING_OVERDUE = "meeting_overdue", "Meeting or review overdue"
        ACTION_OVERDUE = "action_overdue", "Plan action overdue"
        SUPERVISION_OVERDUE = "supervision_overdue", "Case supervision overdue"
        REVIEW_DUE_SOON = "review_due_soon", "Review due soon"
        GCP2_REPEAT_OVERDUE = "gcp2_repeat_overdue", "GCP2 repeat assessment overdue"
        LONG_CP_PLAN = "long_cp_plan", "Child protection plan open a long time"
        NO_CONTACT = "no_contact", "No recent contact recorded"
        GCP2_DRIFT = "gcp2_drift", "No improvement between GCP2 assessments (drift)"
        ASSESSMENT_OVERDUE = "assessment_overdue", "Child and family assessment overdue"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(max_length=40, choices=Rule.choices)
    subject = models.CharField(max_length=80, help_text="What the flag is about, e.g. child:<uuid>.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flags")
    explanation = models.TextField()
    evidence = models.JSONField(default=list, blank=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    # Write-once marker (a trigger refuses to change or clear it): set in the same transaction as the
    # FlagAcknowledgement row, which holds who, when and what they said. Kept here for the rules, the
    # open-flag index and the manager's ranking, which filter on it.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        db_table = "cases_flag"  # the table kept its name when the model left cases
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule", "subject"], condition=Q(resolved_at__isnull=True), name="cases_flag_one_open"
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "resolved_at"], name="cases_flag_rule_open"),
            # The manager's ranking reads every open flag's case, age and rule from this index alone
            # (PostgreSQL; other databases ignore `include`).
            models.Index(
                fields=["case"],
                include=["acknowledged_at", "raised_at", "rule"],
                condition=Q(resolved_at__isnull=True),
                name="cases_flag_open_by_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} ({self.case.reference})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class FlagAcknowledgement(AppendOnlyModel):
    """The lead professional's (or a manager's) answer to a flag: what they will do. Never changed."""

    flag = models.OneToOneField(Flag, on_delete=models.PROTECT, related_name="acknowledgement")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField()

    def __str__(self) -> str:
        return f"Acknowledgement of {self.flag_id}"


class EscalationStage(models.Model):
    """One rung of the ladder (seeded from Lincolnshire's default: docs/practice.md, "Escalation ladder")."""

    class Responder(models.TextChoices):
        LEAD = "lead", "The lead professional"
        TEAM_MANAGER = "team_manager", "The lead professional's team manager"
        SENIOR_MANAGER = "senior_manager", "A senior manager of the lead agency"
        CHAIR = "chair", "An independent chair (partnership meeting), arranged by a senior manager"

    order = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=100)
    responder = models.CharField(max_length=20, choices=Responder.choices)
    respond_within_working_days = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "cases_escalationstage"  # the table kept its name when the model left cases
        ordering = ["order"]

    def __str__(self) -> str:
        return f"Stage {self.order}: {self.name}"


class Escalation(models.Model):
    class Source(models.TextChoices):
        RAISED = "raised", "Raised by a practitioner"
        UNACKNOWLEDGED_FLAG = "flag", "A flag was not acknowledged in time"
        LONG_CP_PLAN = "cp_plan", "Child protection plan over 18 months"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalations")
    source = models.CharField(max_length=10, choices=Source.choices)
    # What the escalation is about: "flag:<id>", "plan:<id>", or "raised:<uuid>" (one open per subject).
    subject = models.CharField(max_length=80)
    flag = models.ForeignKey("Flag", on_delete=models.PROTECT, null=True, blank=True, related_name="escalations")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    concern = models.TextField("what is stuck")
    stage = models.ForeignKey(EscalationStage, on_delete=models.PROTECT, related_name="+")
    stage_started_on = models.DateField()
    stage_due_on = models.DateField()
    stage_due_basis = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_escalation"  # the table kept its name when the model left cases
        ordering = ["status", "stage_due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "subject"], condition=Q(status="open"), name="cases_escalation_one_open_per_subject"
            ),
        ]
        indexes = [models.Index(fields=["status", "stage_due_on"], name="cases_escalation_due")]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class EscalationResponse(AppendOnlyModel):
    """What someone answered at a stage. An answered stage does not move up on its own. Never changed:
    a later answer is another row."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="responses")
    stage = models.ForeignKey(EscalationStage, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_escalationresponse"  # the table kept its name when the model left cases
        ordering = ["at"]
