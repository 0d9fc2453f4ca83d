"""Chronology rows: Entry and its children (append-only), Amendment (append-only) and Appointment.

An entry is never updated or deleted: the model refuses, and database triggers (migration 0002)
refuse raw SQL and bulk queryset changes too. A correction is an Amendment shown with the entry.
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from audit.models import AppendOnlyModel


class EventType(models.TextChoices):
    CONCERN = "concern", "Concern"
    HOME_VISIT = "home_visit", "Home visit"
    NO_ACCESS_VISIT = "no_access_visit", "No-access visit"
    APPOINTMENT = "appointment", "Appointment"
    AE_ATTENDANCE = "ae_attendance", "A&E attendance"
    SCHOOL = "school", "School attendance or welfare concern"
    POLICE_INCIDENT = "police_incident", "Police incident"
    REFERRAL = "referral", "Referral"
    MEETING = "meeting", "Meeting or conference"
    ASSESSMENT = "assessment", "Assessment"
    PLAN_CHANGE = "plan_change", "Plan change"
    DISCLOSURE = "disclosure", "Disclosure by child"
    OBSERVATION = "observation", "Observation"
    OTHER = "other", "Other"


class NeglectForm(models.TextChoices):
    """The four forms of neglect (docs/practice.md, "Forms of neglect"). Stored as one flag each so every
    database can filter on them."""

    PHYSICAL = "physical", "Physical"
    EMOTIONAL = "emotional", "Emotional"
    MEDICAL = "medical", "Medical"
    EDUCATIONAL = "educational", "Educational"


class Entry(AppendOnlyModel):
    class Precision(models.TextChoices):
        EXACT = "exact", "Exact date"
        MONTH = "month", "Month only"
        APPROXIMATE = "approximate", "Approximate"

    class Impact(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEUTRAL = "neutral", "Neutral"
        NEGATIVE = "negative", "Negative"
        NOT_KNOWN = "not_known", "Not known"

    class Significance(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="entries")
    occurred_on = models.DateField("date of the event")
    occurred_at = models.TimeField("time of the event", null=True, blank=True)
    date_precision = models.CharField(max_length=12, choices=Precision.choices, default=Precision.EXACT)
    occurred_until = models.DateField("end of the period", null=True, blank=True)
    recorded_at = models.DateTimeField()
    # Who recorded it, with their agency and job as they were that day (people move on).
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=100)
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    children = models.ManyToManyField("cases.Person", through="EntryChild", related_name="+")
    whole_household = models.BooleanField(default=False)
    neglect_physical = models.BooleanField(default=False)
    neglect_emotional = models.BooleanField(default=False)
    neglect_medical = models.BooleanField(default=False)
    neglect_educational = models.BooleanField(default=False)
    what_happened = models.TextField()
    impact = models.CharField("impact on the child", max_length=10, choices=Impact.choices, default=Impact.NOT_KNOWN)
    impact_detail = models.TextField(blank=True)
    action_taken = models.TextField(blank=True)
    significance = models.CharField(max_length=6, choices=Significance.choices, default=Significance.MEDIUM)
    # A&E attendances: the hospital and the reason the carer gave (time goes in occurred_at).
    hospital = models.CharField(max_length=200, blank=True)
    reason_given = models.CharField(max_length=500, blank=True)
    appointment = models.ForeignKey(
        "Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    # The partner system's own ID for an imported row: with the agency it stops re-imports duplicating.
    external_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["occurred_on", "event_type", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_agency", "external_reference"],
                condition=~Q(external_reference=""),
                name="chronology_entry_one_per_external_ref",
            ),
            models.CheckConstraint(
                condition=Q(occurred_until__isnull=True) | Q(occurred_until__gte=models.F("occurred_on")),
                name="chronology_entry_period_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "occurred_on"], name="chron_entry_case_date"),
            models.Index(fields=["case", "event_type"], name="chron_entry_case_type"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on:%d/%m/%Y} {self.get_event_type_display()}"

    @property
    def neglect_forms(self) -> list[str]:
        return [label for value, label in NeglectForm.choices if getattr(self, f"neglect_{value}")]

    @property
    def latest_amendment(self):
        """The amendment now shown in place of the original text (uses prefetched amendments)."""
        amendments = list(self.amendments.all())
        return amendments[-1] if amendments else None

    @property
    def current_text(self) -> str:
        latest = self.latest_amendment
        return latest.text if latest else self.what_happened

    @property
    def period_end(self) -> date:
        return self.occurred_until or self.occurred_on


class EntryChild(AppendOnlyModel):
    """Which children an entry is about. Append-only like the entry itself."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="child_links")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="chronology_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "person"], name="chronology_entrychild_once"),
        ]


class Amendment(AppendOnlyModel):
    """A correction to an entry's account. The original stays readable; the newest amendment
    is shown as the current text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="amendments")
    text = models.TextField("corrected account")
    reason = models.TextField()
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amended_by_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    amended_by_role = models.CharField(max_length=100)
    amended_at = models.DateTimeField()

    class Meta:
        ordering = ["amended_at", "id"]


class Appointment(models.Model):
    """An appointment for one child. Its outcome is recorded once and writes a chronology entry."""

    class Kind(models.TextChoices):
        GP = "gp", "GP"
        HEALTH_VISITOR = "health_visitor", "Health visitor"
        DENTAL = "dental", "Dental"
        OUTPATIENT = "outpatient", "Hospital outpatient"
        IMMUNISATION = "immunisation", "Immunisation"
        SCHOOL_NURSE = "school_nurse", "School nurse"
        CAMHS = "camhs", "Child and adolescent mental health (CAMHS)"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        ATTENDED = "attended", "Attended"
        # "Was not brought", never "did not attend": a child depends on a carer to take them.
        WAS_NOT_BROUGHT = "was_not_brought", "Was not brought"
        CANCELLED_BY_FAMILY = "cancelled_by_family", "Cancelled by family"
        CANCELLED_BY_SERVICE = "cancelled_by_service", "Cancelled by service"
        RESCHEDULED = "rescheduled", "Rescheduled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="appointments")
    child = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="appointments")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("type of appointment", max_length=20, choices=Kind.choices)
    scheduled_on = models.DateField("date")
    scheduled_at = models.TimeField("time", null=True, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    rescheduled_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_from"
    )
    external_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-scheduled_on", "-scheduled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_reference"],
                condition=~Q(external_reference=""),
                name="chronology_appointment_one_per_external_ref",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "outcome", "scheduled_on"], name="chron_appt_child_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.scheduled_on:%d/%m/%Y}"
