"""A case's plan (early help, child in need or child protection), its outcomes and their actions.

An outcome says what must change, by when, and how everyone will know; an action has an owner (a
person or an agency) and a due date. Writes go through cases/plan_services.py.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .core import Case, Level


class AbuseCategory(models.TextChoices):
    """DfE children in need census category of a child protection plan (DOMAIN.md section 5)."""

    NEG = "NEG", "Neglect"
    PHY = "PHY", "Physical abuse"
    SAB = "SAB", "Sexual abuse"
    EMO = "EMO", "Emotional abuse"
    MUL = "MUL", "Multiple categories"


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField("kind of plan", max_length=20, choices=Level.choices)
    category = models.CharField("child protection category", max_length=3, choices=AbuseCategory.choices,
                                blank=True)
    started_on = models.DateField("plan starts")
    ended_on = models.DateField("plan ended", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Several people edit a plan: every update says which version it saw (cases/plan_services.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-started_on", "-created_at"]
        constraints = [
            # Includes the start date so that the manager's ranking reads plan lengths from the index.
            models.UniqueConstraint(fields=["case"], condition=Q(ended_on__isnull=True), include=["started_on"],
                                    name="cases_plan_one_current_per_case"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="cases_plan_ended_after_started"),
            models.CheckConstraint(
                condition=Q(kind="child_protection", category__in=AbuseCategory.values)
                | (~Q(kind="child_protection") & Q(category="")),
                name="cases_plan_category_only_for_cp",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} plan from {self.started_on:%d/%m/%Y}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Outcome(models.Model):
    """What must change for the child, by when, and how everyone will know it has."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="outcomes")
    number = models.PositiveSmallIntegerField()
    what_must_change = models.TextField("what must change", max_length=2000)
    by_when = models.DateField("by when")
    how_we_will_know = models.TextField("how everyone will know", max_length=2000)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="cases_outcome_unique_number"),
        ]

    def __str__(self) -> str:
        return f"Outcome {self.number}"


class Action(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        NOT_DONE = "not_done", "Agreed but not done"

    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField("what will be done", max_length=2000)
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="plan_actions", verbose_name="owner (person)")
    owner_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="plan_actions", verbose_name="owner (agency)")
    due_on = models.DateField("due by")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # "An action without an owner" is the commonest weakness in plans (DOMAIN.md section 8).
            models.CheckConstraint(condition=Q(owner_user__isnull=False) | Q(owner_agency__isnull=False),
                                   name="cases_action_has_owner"),
            models.CheckConstraint(condition=Q(status="done", completed_on__isnull=False)
                                   | (~Q(status="done") & Q(completed_on__isnull=True)),
                                   name="cases_action_completed_when_done"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="cases_action_status_due")]

    def __str__(self) -> str:
        return f"Action due {self.due_on:%d/%m/%Y}"

    @property
    def owner_label(self) -> str:
        if self.owner_user_id and self.owner_agency_id:
            return f"{self.owner_user.get_full_name()} ({self.owner_agency.name})"
        if self.owner_user_id:
            return self.owner_user.get_full_name()
        return self.owner_agency.name

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE
