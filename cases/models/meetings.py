"""Meetings and reviews (strategy discussion, conferences, core groups, reviews, supervision) and the
progress each review records against the plan's outcomes.

A meeting row exists once it is scheduled (with `due_on` and the words saying how it was computed)
and is completed in place when it is held. At most one meeting of each kind is waiting per case.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .core import Case
from .plans import Outcome, Plan


class MeetingKind(models.TextChoices):
    STRATEGY_DISCUSSION = "strategy", "Strategy discussion"
    INITIAL_CONFERENCE = "icpc", "Initial child protection conference"
    REVIEW_CONFERENCE = "rcpc", "Review child protection conference"
    CORE_GROUP = "core_group", "Core group meeting"
    CIN_REVIEW = "cin_review", "Child-in-need review"
    EARLY_HELP_REVIEW = "eh_review", "Early-help review"
    SUPERVISION = "supervision", "Case supervision"


# Meetings at which the plan's outcomes are rated, and which can be the closing review.
REVIEW_KINDS = frozenset({MeetingKind.REVIEW_CONFERENCE, MeetingKind.CORE_GROUP, MeetingKind.CIN_REVIEW,
                          MeetingKind.EARLY_HELP_REVIEW})


class Meeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    due_on = models.DateField("due by", null=True, blank=True)
    due_basis = models.CharField("how the due date was worked out", max_length=300, blank=True)
    scheduled_by_meeting = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                             related_name="scheduled_next")
    held_on = models.DateField("held on", null=True, blank=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews",
                             help_text="The plan reviewed at this meeting.")
    is_closing_review = models.BooleanField("closing review", default=False)
    attendees = models.TextField("who attended", blank=True, max_length=4000)
    invited_agencies = models.ManyToManyField("accounts.Agency", blank=True, related_name="meeting_invitations")
    reflections = models.TextField(blank=True, max_length=10000)
    decisions = models.TextField(blank=True, max_length=10000)
    actions_agreed = models.TextField("actions agreed", blank=True, max_length=10000)
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["held_on", "due_on", "created_at"]
        constraints = [
            # One waiting meeting per kind: holding it schedules the next, so two can never pile up.
            models.UniqueConstraint(fields=["case", "kind"], condition=Q(held_on__isnull=True),
                                    name="cases_meeting_one_waiting_per_kind"),
            models.CheckConstraint(condition=Q(held_on__isnull=False) | Q(due_on__isnull=False),
                                   name="cases_meeting_due_or_held"),
        ]
        # Waiting meetings by due date, and meetings held in a period: the monitoring rules, the
        # manager's ranking and its figures read case and kind from the index alone (PostgreSQL).
        indexes = [models.Index(fields=["held_on", "due_on"], include=["case", "kind"],
                                name="cases_meeting_held_due")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_held(self) -> bool:
        return self.held_on is not None

    @property
    def rates_progress(self) -> bool:
        return self.kind in REVIEW_KINDS


class OutcomeRating(models.Model):
    """A review's judgement of progress towards one outcome of the plan."""

    class Rating(models.TextChoices):
        ACHIEVED = "achieved", "Achieved"
        PROGRESSING = "progressing", "Progressing"
        NO_CHANGE = "no_change", "No change"
        WORSE = "worse", "Worse"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="ratings")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="ratings")
    rating = models.CharField("progress", max_length=20, choices=Rating.choices)
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["outcome__number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "outcome"], name="cases_outcomerating_once_per_review"),
        ]

    # Bootstrap colour for each rating; the words are always shown beside it.
    COLOURS = {"achieved": "success", "progressing": "info", "no_change": "warning", "worse": "danger"}

    @property
    def colour(self) -> str:
        return self.COLOURS[self.rating]
