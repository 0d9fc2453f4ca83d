"""Plans, meetings and reviews, and the local timescales that date them.

A case's plan (early help, child in need or child protection) has outcomes (what must change, by when,
and how everyone will know) and actions (an owner, a person or an agency, and a due date). Meetings and
reviews (strategy discussion, conferences, core groups, reviews, supervision) exist once scheduled, with
`due_on` and the words saying how it was computed, and are completed in place when held; at most one of
each kind waits per case. Timescales are admin-edited, seeded with the statutory defaults; a timescale is
read when a meeting is scheduled and its result stored on the meeting, so a later change applies only to
meetings scheduled after it. Writes go through plans/services.py.
"""

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from audit.models import AppendOnlyModel
from cases.models import Case, ChildEpisode, Level, Person
from common.dates import in_words
from workdays import calendar as workdays


class AbuseCategory(models.TextChoices):
    """DfE children in need census category of a child protection plan (docs/practice.md, "Census codes")."""

    NEG = "NEG", "Neglect"
    PHY = "PHY", "Physical abuse"
    SAB = "SAB", "Sexual abuse"
    EMO = "EMO", "Emotional abuse"
    MUL = "MUL", "Multiple categories"


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField("kind of plan", max_length=20, choices=Level.choices)
    # No category here: a child protection plan's category is each child's (ChildPlan), as the census counts it.
    started_on = models.DateField("plan starts")
    ended_on = models.DateField("plan ended", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Several people edit a plan: every update says which version it saw (plans/services.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        db_table = "cases_plan"  # the table kept its name when the model left cases
        ordering = ["-started_on", "-created_at"]
        constraints = [
            # Includes the start date so that the manager's ranking reads plan lengths from the index.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_on__isnull=True),
                include=["started_on"],
                name="cases_plan_one_current_per_case",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="cases_plan_ended_after_started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} plan from {in_words(self.started_on)}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class ChildPlanQuerySet(models.QuerySet):
    def current(self) -> "ChildPlanQuerySet":
        return self.filter(ended_on__isnull=True)

    def protection(self) -> "ChildPlanQuerySet":
        return self.filter(kind=Level.CHILD_PROTECTION)


class ChildPlan(models.Model):
    """One child on a household's child in need or child protection plan, from their start to their end.

    The household plan (Plan) holds what the family and agencies must do; this row holds what the law and the
    census count per child: the dates, and for a child protection plan the category the initial conference
    chose (`initial_category`, never changed) and the one it has now (`latest_category`, each change kept as a
    CategoryChange). One sibling can come off the plan while another stays; the plan ends with its last child.
    `case` and `child` repeat the episode's so the monitoring rules filter without joining it.
    """

    class EndReason(models.TextChoices):
        NO_LONGER_NEEDED = "no_longer_needed", "The conference or review decided it is no longer needed"
        STEPPED_UP = "stepped_up", "Replaced by a child protection plan"
        STEPPED_DOWN = "stepped_down", "Stepped down to a child in need plan or early help"
        MOVED = "moved", "Moved to another local authority"
        LOOKED_AFTER = "looked_after", "Became looked after (in care)"
        ORDER = "order", "Adopted, or a special guardianship or child arrangements order"
        TURNED_18 = "turned_18", "Turned 18"
        DIED = "died", "The child died"
        CASE_CLOSED = "case_closed", "The child's episode of need closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="children")
    episode = models.ForeignKey(ChildEpisode, on_delete=models.PROTECT, related_name="plans")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="child_plans")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="child_plans")
    kind = models.CharField("kind of plan", max_length=20, choices=Level.choices)
    started_on = models.DateField("plan started")
    ended_on = models.DateField("plan ended", null=True, blank=True)
    end_reason = models.CharField("why the plan ended", max_length=20, choices=EndReason.choices, blank=True)
    initial_category = models.CharField(
        "category at the start", max_length=3, choices=AbuseCategory.choices, blank=True, editable=False
    )
    latest_category = models.CharField("category now", max_length=3, choices=AbuseCategory.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ChildPlanQuerySet.as_manager()

    class Meta:
        ordering = ["child__date_of_birth", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "child"], condition=Q(ended_on__isnull=True), name="plans_childplan_one_current"
            ),
            # Early help is outside the census: only statutory plans are counted per child.
            models.CheckConstraint(
                condition=Q(kind__in=[Level.CHILD_IN_NEED, Level.CHILD_PROTECTION]), name="plans_childplan_statutory"
            ),
            models.CheckConstraint(
                condition=Q(kind="child_protection", initial_category__in=AbuseCategory.values)
                & Q(latest_category__in=AbuseCategory.values)
                | Q(kind="child_in_need", initial_category="", latest_category=""),
                name="plans_childplan_category_only_for_cp",
            ),
            # Ended on or after the start in the database (rows migrated from household plans include plans
            # ended on their first day); the services refuse an end on the start day for new ends.
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="")
                | (Q(ended_on__gte=models.F("started_on")) & ~Q(end_reason="")),
                name="plans_childplan_end_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "ended_on", "started_on"], name="plans_childplan_current_kind"),
            models.Index(fields=["child", "ended_on"], name="plans_childplan_child"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} plan from {in_words(self.started_on)}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def category_changed(self) -> bool:
        return self.initial_category != self.latest_category


class CategoryChange(AppendOnlyModel):
    """A child protection plan's category changed, when, by whom and why: a row of its own, never changed."""

    REASON_MAX_LENGTH = 1000

    child_plan = models.ForeignKey(ChildPlan, on_delete=models.PROTECT, related_name="category_changes")
    changed_on = models.DateField("changed on")
    from_category = models.CharField(max_length=3, choices=AbuseCategory.choices)
    to_category = models.CharField(max_length=3, choices=AbuseCategory.choices)
    reason = models.TextField(max_length=REASON_MAX_LENGTH)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_on", "recorded_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_category=models.F("to_category")), name="plans_category_changes"),
            models.CheckConstraint(condition=~Q(reason=""), name="plans_categorychange_has_reason"),
        ]


class Outcome(models.Model):
    """What must change for the child, by when, and how everyone will know it has."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="outcomes")
    number = models.PositiveSmallIntegerField()
    what_must_change = models.TextField("what must change", max_length=2000)
    by_when = models.DateField("by when")
    how_we_will_know = models.TextField("how everyone will know", max_length=2000)

    class Meta:
        db_table = "cases_outcome"  # the table kept its name when the model left cases
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
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
        verbose_name="owner (person)",
    )
    owner_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
        verbose_name="owner (agency)",
    )
    due_on = models.DateField("due by")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_action"  # the table kept its name when the model left cases
        ordering = ["due_on", "pk"]
        constraints = [
            # "An action without an owner" is the commonest weakness in plans (docs/practice.md, "Plans and reviews").
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False) | Q(owner_agency__isnull=False), name="cases_action_has_owner"
            ),
            models.CheckConstraint(
                condition=Q(status="done", completed_on__isnull=False)
                | (~Q(status="done") & Q(completed_on__isnull=True)),
                name="cases_action_completed_when_done",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="cases_action_status_due")]

    def __str__(self) -> str:
        return f"Action due {in_words(self.due_on)}"

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


class MeetingKind(models.TextChoices):
    STRATEGY_DISCUSSION = "strategy", "Strategy discussion"
    INITIAL_CONFERENCE = "icpc", "Initial child protection conference"
    REVIEW_CONFERENCE = "rcpc", "Review child protection conference"
    CORE_GROUP = "core_group", "Core group meeting"
    CIN_REVIEW = "cin_review", "Child-in-need review"
    EARLY_HELP_REVIEW = "eh_review", "Early-help review"
    SUPERVISION = "supervision", "Case supervision"


# Meetings at which the plan's outcomes are rated, and which can be the closing review.
REVIEW_KINDS = frozenset(
    {MeetingKind.REVIEW_CONFERENCE, MeetingKind.CORE_GROUP, MeetingKind.CIN_REVIEW, MeetingKind.EARLY_HELP_REVIEW}
)


class MeetingQuerySet(models.QuerySet):
    def waiting(self) -> "MeetingQuerySet":
        """Scheduled and not yet held."""
        return self.filter(held_on__isnull=True)


class Meeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    due_on = models.DateField("due by", null=True, blank=True)
    due_basis = models.CharField("how the due date was worked out", max_length=300, blank=True)
    scheduled_by_meeting = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="scheduled_next"
    )
    # Write-once marker: set in the same transaction as the MeetingRecord row, and from then on a
    # trigger refuses any change to this row or its removal (plans/migrations/0003). Kept here for
    # the one-waiting-per-kind constraint, the covering index and the rules that filter on it.
    held_on = models.DateField("held on", null=True, blank=True)
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        help_text="The plan reviewed at this meeting.",
    )
    is_closing_review = models.BooleanField("closing review", default=False)
    invited_agencies = models.ManyToManyField("accounts.Agency", blank=True, related_name="meeting_invitations")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        db_table = "cases_meeting"  # the table kept its name when the model left cases
        ordering = ["held_on", "due_on", "created_at"]
        constraints = [
            # One waiting meeting per kind: holding it schedules the next, so two can never pile up.
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(held_on__isnull=True), name="cases_meeting_one_waiting_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(held_on__isnull=False) | Q(due_on__isnull=False), name="cases_meeting_due_or_held"
            ),
        ]
        # Waiting meetings by due date, and meetings held in a period: the monitoring rules, the
        # manager's ranking and its figures read case and kind from the index alone (PostgreSQL).
        indexes = [models.Index(fields=["held_on", "due_on"], include=["case", "kind"], name="cases_meeting_held_due")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_held(self) -> bool:
        return self.held_on is not None

    @property
    def rates_progress(self) -> bool:
        return self.kind in REVIEW_KINDS


class MeetingRecord(AppendOnlyModel):
    """What was recorded when a meeting or supervision was held: who came, what was decided, who wrote it
    down and when. Never changed; the meeting's `held_on` is set in the same transaction."""

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="record")
    held_on = models.DateField("held on")
    attendees = models.TextField("who attended", blank=True, max_length=4000)
    reflections = models.TextField(blank=True, max_length=10000)
    decisions = models.TextField(blank=True, max_length=10000)
    actions_agreed = models.TextField("actions agreed", blank=True, max_length=10000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Record of {self.meeting_id}"


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
        db_table = "cases_outcomerating"  # the table kept its name when the model left cases
        ordering = ["outcome__number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "outcome"], name="cases_outcomerating_once_per_review"),
        ]

    # Bootstrap colour for each rating; the words are always shown beside it.
    COLOURS = {"achieved": "success", "progressing": "info", "no_change": "warning", "worse": "danger"}

    @property
    def colour(self) -> str:
        return self.COLOURS[self.rating]


class Timescale(models.Model):
    class Key(models.TextChoices):
        INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"
        FIRST_REVIEW_CONFERENCE = "first_review_conference", "First review child protection conference"
        REVIEW_CONFERENCE = "review_conference", "Later review child protection conferences"
        FIRST_CORE_GROUP = "first_core_group", "First core group"
        CORE_GROUP = "core_group", "Later core groups"
        ASSESSMENT = "assessment", "Assessment"
        CIN_REVIEW = "cin_review", "Child-in-need reviews"
        EARLY_HELP_REVIEW = "early_help_review", "Early-help reviews"
        CP_VISIT = "cp_visit", "Child protection visits"
        CIN_VISIT = "cin_visit", "Child-in-need visits"
        SUPERVISION = "supervision", "Case supervision"
        CLOSING_REVIEW = "closing_review", "Closing review before closure or transfer"

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", "working days"
        MONTHS = "months", "calendar months"

    class Source(models.TextChoices):
        STATUTORY = "statutory", "Statutory (Working Together 2023)"
        LOCAL = "local", "Local"

    key = models.CharField(max_length=40, choices=Key.choices, unique=True, editable=False)
    amount = models.PositiveSmallIntegerField(
        help_text="How many working days or calendar months. A change applies to meetings scheduled after it: "
        "meetings already scheduled keep their date."
    )
    unit = models.CharField(max_length=20, choices=Unit.choices)
    counted_from = models.CharField(max_length=200, help_text="What the time is counted from.")
    source = models.CharField(
        max_length=20, choices=Source.choices, editable=False, help_text="Where the default came from."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "cases_timescale"  # the table kept its name when the model left cases
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.describe()}"

    def describe(self) -> str:
        unit = self.get_unit_display()
        if self.amount == 1:
            unit = unit.removesuffix("s")
        return f"{self.amount} {unit}"

    def clean(self) -> None:
        if self.amount < 1:
            raise ValidationError({"amount": "A timescale must be at least 1."})
        if self.key == self.Key.CLOSING_REVIEW and self.unit != self.Unit.WORKING_DAYS:
            raise ValidationError({"unit": "The closing-review window is counted in working days."})

    def due_from(self, start: date, *, cal: "workdays.WorkingCalendar") -> tuple[date, str]:
        """The due date counted from `start`, and how it was worked out, in words for the screen."""
        basis = f"{self.describe()} after {workdays.uk(start)}"
        if self.unit == self.Unit.WORKING_DAYS:
            return cal.add_working_days(start, self.amount), basis
        nominal = workdays.months_later(start, self.amount)
        due = cal.previous_working_day(nominal)
        if due != nominal:
            basis += f" ({workdays.uk(nominal)} is not a working day, so the working day before)"
        return due, basis
