"""The escalation ladder: admin-editable stages, escalations of stuck cases, and each stage's
responses. Raised by anyone on the case team, or on their own by unacknowledged flags and long
child protection plans (cases/escalations.py moves them up when a stage's time runs out)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .core import Case


class EscalationStage(models.Model):
    """One rung of the ladder (seeded from DOMAIN.md section 8, Lincolnshire's default)."""

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
    flag = models.ForeignKey("cases.Flag", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="escalations")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    concern = models.TextField("what is stuck")
    stage = models.ForeignKey(EscalationStage, on_delete=models.PROTECT, related_name="+")
    stage_started_on = models.DateField()
    stage_due_on = models.DateField()
    stage_due_basis = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "stage_due_on"]
        constraints = [
            models.UniqueConstraint(fields=["case", "subject"], condition=Q(status="open"),
                                    name="cases_escalation_one_open_per_subject"),
        ]
        indexes = [models.Index(fields=["status", "stage_due_on"], name="cases_escalation_due")]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class EscalationResponse(models.Model):
    """What someone answered at a stage. An answered stage does not move up on its own."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="responses")
    stage = models.ForeignKey(EscalationStage, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]
