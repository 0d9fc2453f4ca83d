"""Chronology rows. Everything a practitioner records here is append-only: entries and the children
they are about, corrections (Amendment, with the children they name), other agencies' views of an
entry, links between entries that record one event, appointments and their outcomes.

The model refuses updates and deletes, and database triggers (migrations 0002 and 0003) refuse raw
SQL and bulk queryset changes too. A correction is a row of its own carrying the corrected values;
what an entry says *now* is read from the EffectiveEntry and EffectiveEntryChild views (migration
0004), never worked out again by a reader (docs/architecture.md, "Effective values").
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from audit.models import AppendOnlyModel
from common.dates import in_words


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


# The choice on "Log a concern" that records an appointment and its outcome in one save. It is not an
# event type of its own: the entry it writes is an "appointment" entry linked to the appointment.
MISSED_APPOINTMENT = "missed_appointment"


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
    # Orders events of the same day that have no time (docs/practice.md, "Chronology fields"). Null on
    # entries recorded before it existed; the effective view reads null as 0. Nullable so adding it did
    # not rebuild the table on SQLite (a rebuild drops the append-only triggers).
    sequence = models.PositiveSmallIntegerField("order on the day", null=True, blank=True)
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
    # The partner system's own ID for an imported row: with the case and agency it stops re-imports
    # duplicating. Per case: the same ID in another case (one the importer may not see) must neither block
    # this row nor reveal that it exists.
    external_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["occurred_on", "event_type", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "source_agency", "external_reference"],
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
        return f"{in_words(self.occurred_on)} {self.get_event_type_display()}"

    @property
    def neglect_forms(self) -> list[str]:
        return [label for value, label in NeglectForm.choices if getattr(self, f"neglect_{value}")]

    @property
    def period_end(self) -> date:
        return self.occurred_until or self.occurred_on

    @property
    def correction(self):
        """The correction in force, the newest (as in the effective view), from the prefetched corrections
        (chronology.selectors.with_details): a join per row to find it cost more than the page's rows."""
        corrections = list(self.amendments.all())
        return corrections[-1] if corrections else None


class EntryChild(AppendOnlyModel):
    """Which children an entry is about. Append-only like the entry itself."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="child_links")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="chronology_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "person"], name="chronology_entrychild_once"),
        ]


class Amendment(AppendOnlyModel):
    """A correction of an entry: a complete statement of what the entry says from now on (date, order on
    the day, children, type, significance, forms of neglect and account), with who made it, as what,
    when and why. The original and every earlier correction stay readable; the newest one is in force.

    Corrections made before values could be corrected (migration 0003) carry only the text: their
    other columns are null and the effective view falls back to the entry's own values.
    """

    class Basis(models.TextChoices):
        """Why this person may correct the entry (docs/practice.md, "Corrections")."""

        AUTHOR = "author", "Author of the entry"
        MANAGER = "manager", "Manager of the author"
        LEAD = "lead", "Lead professional"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="amendments")
    text = models.TextField("corrected account")
    reason = models.TextField()  # may be empty for the author's own correction (not blank=True: see 0003)
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amended_by_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    amended_by_role = models.CharField(max_length=100)
    amended_at = models.DateTimeField()
    # The corrected values. Every column is nullable so that adding them did not rebuild the table, and
    # null says "not part of this (old, text-only) correction", which an empty string would not (DJ001).
    basis = models.CharField(max_length=10, choices=Basis.choices, null=True, blank=True)  # noqa: DJ001
    occurred_on = models.DateField("date of the event", null=True, blank=True)
    occurred_until = models.DateField("end of the period", null=True, blank=True)
    sequence = models.PositiveSmallIntegerField("order on the day", null=True, blank=True)
    event_type = models.CharField(max_length=20, choices=EventType.choices, null=True, blank=True)  # noqa: DJ001
    significance = models.CharField(  # noqa: DJ001
        max_length=6, choices=Entry.Significance.choices, null=True, blank=True
    )
    neglect_physical = models.BooleanField(null=True)
    neglect_emotional = models.BooleanField(null=True)
    neglect_medical = models.BooleanField(null=True)
    neglect_educational = models.BooleanField(null=True)
    # True when this correction names the children (child_links; not a ManyToManyField, which would
    # rebuild the table on SQLite); null on old text-only ones.
    children_corrected = models.BooleanField(null=True)

    class Meta:
        ordering = ["amended_at", "id"]

    @property
    def neglect_forms(self) -> list[str]:
        return [label for value, label in NeglectForm.choices if getattr(self, f"neglect_{value}")]


class AmendmentChild(AppendOnlyModel):
    """The children a correction says the entry is about."""

    amendment = models.ForeignKey(Amendment, on_delete=models.PROTECT, related_name="child_links")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["amendment", "person"], name="chronology_amendmentchild_once"),
        ]


class OtherView(AppendOnlyModel):
    """Another agency's view of an entry it may not correct: a note shown beside the entry."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="other_views")
    text = models.TextField("your view")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=100)
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at", "id"]


class SameEvent(AppendOnlyModel):
    """A person's decision that two entries record one event (a possible duplicate confirmed). Both
    entries stay; the timeline shows them as one event with several sources. `first` is the entry with
    the smaller id, so a pair is linked once whichever way round it was chosen."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="same_events_first")
    second = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="chronology_sameevent_once"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="chronology_sameevent_ordered"),
        ]


class AppointmentQuerySet(models.QuerySet):
    def with_outcome(self) -> "AppointmentQuerySet":
        """Each appointment with its outcome in force (`outcome`, `outcome_row_id`; None while waiting)."""
        current = AppointmentOutcome.objects.current().filter(appointment=OuterRef("pk"))
        return self.annotate(
            outcome=Subquery(current.values("outcome")[:1]), outcome_row_id=Subquery(current.values("pk")[:1])
        )

    def with_child_now(self) -> "AppointmentQuerySet":
        """Each appointment with the child its outcome's chronology entry is about now (`child_now_id`,
        `child_now_name`): a correction of that entry's child moves the appointment too. Until an
        outcome is recorded, the child it was booked for."""
        now = EffectiveEntryChild.objects.filter(entry__appointment_id=OuterRef("pk")).order_by("person_id")
        return self.annotate(
            child_now_id=Coalesce(
                Subquery(now.values("person_id")[:1]), F("child_id"), output_field=models.UUIDField()
            ),
            child_now_name=Coalesce(
                Subquery(now.values("person__first_name")[:1]), F("child__first_name"), output_field=models.CharField()
            ),
        )

    def waiting_for_outcome(self) -> "AppointmentQuerySet":
        return self.exclude(Exists(AppointmentOutcome.objects.filter(appointment=OuterRef("pk"))))


class Appointment(AppendOnlyModel):
    """An appointment for one child, as booked. Its outcome is an AppointmentOutcome row, recorded once
    and corrected by a further row; the outcome writes a chronology entry."""

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
        # "Was not brought" for a child, who depends on a carer to take them; "did not attend" only for a
        # young person expected to come on their own (docs/practice.md, "Was not brought").
        WAS_NOT_BROUGHT = "was_not_brought", "Was not brought"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend (a young person expected on their own)"
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
    external_reference = models.CharField(max_length=100, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_on", "-scheduled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "agency", "external_reference"],
                condition=~Q(external_reference=""),
                name="chronology_appointment_one_per_external_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {in_words(self.scheduled_on)}"

    @property
    def outcome_label(self) -> str:
        """The outcome in force in words (needs `with_outcome()`)."""
        return self.Outcome(self.outcome).label if getattr(self, "outcome", None) else ""

    @property
    def missed(self) -> bool:
        return getattr(self, "outcome", None) in MISSED_OUTCOMES


# Outcomes that count as a missed appointment for the monitoring rule and the child's page.
MISSED_OUTCOMES = (Appointment.Outcome.WAS_NOT_BROUGHT, Appointment.Outcome.DID_NOT_ATTEND)


class AppointmentOutcomeQuerySet(models.QuerySet):
    def current(self) -> "AppointmentOutcomeQuerySet":
        """The outcomes in force: those no later row corrects."""
        return self.filter(correction__isnull=True)


class AppointmentOutcome(AppendOnlyModel):
    """What happened to an appointment. Recorded once (one row that corrects nothing per appointment);
    a correction is a further row naming the one it corrects, with its author and reason, so the chain
    has one row in force and two people correcting at once cannot both succeed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="outcomes")
    outcome = models.CharField(max_length=20, choices=Appointment.Outcome.choices)
    note = models.CharField(max_length=1000, blank=True)
    rescheduled_to = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_from"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    corrects = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction")
    reason = models.TextField("reason for the correction", blank=True)

    objects = AppointmentOutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"], condition=Q(corrects__isnull=True), name="chronology_outcome_recorded_once"
            ),
        ]
        indexes = [models.Index(fields=["outcome", "appointment"], name="chron_outcome_kind")]


class ChronologySettings(models.Model):
    """The partnership's chronology settings: one row, edited in the admin."""

    gap_days = models.PositiveSmallIntegerField(
        "days without any entry that show as a gap",
        default=90,
        help_text="Spells longer than this with no entry from any agency show as gap bands (default 90 days).",
    )
    late_after_working_days = models.PositiveSmallIntegerField(
        "working days after the event that mark an entry as recorded late", default=10
    )

    class Meta:
        verbose_name = "chronology settings"
        verbose_name_plural = "chronology settings"

    def __str__(self) -> str:
        return "Chronology settings"

    @classmethod
    def load(cls) -> "ChronologySettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class ImportJob(models.Model):
    """One upload of a partner's CSV, checked and saved by a Celery task (chronology/import_jobs.py).

    Not a practice record: a working row the task updates as it goes (status, progress), so it is
    not append-only. The uploaded bytes are kept only until the job ends; what stays is the outcome
    the import page shows: row numbers, references and the plain-words problems of refused rows.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Checking the rows"
        DONE = "done", "Finished"
        FAILED = "failed", "Could not finish"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="import_jobs")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    # Bounded by CHRONOLOGY_IMPORT_MAX_BYTES (the upload page refuses larger files); emptied when the job ends.
    upload = models.BinaryField(null=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    # {"imported": [row numbers], "skipped": [row numbers], "refused": [{"number", "reference", "problems"}]}
    result = models.JSONField(default=dict, blank=True)
    failure = models.CharField(max_length=300, blank=True)  # plain words, shown on the job page
    attempts = models.PositiveSmallIntegerField(default=0)  # each claim by a worker counts one
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with each progress step: a running job whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="chron_importjob_waiting")]

    def __str__(self) -> str:
        return f"Import {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class EffectiveEntry(models.Model):
    """What an entry says now: its own values, or those of the correction in force. A database view
    (migration 0004), read-only; every reader of dates, children, types, significance or forms of
    neglect goes through it (chronology/selectors.py)."""

    entry = models.OneToOneField(
        Entry, on_delete=models.DO_NOTHING, primary_key=True, db_column="entry_id", related_name="effective"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.DO_NOTHING, related_name="+")
    occurred_on = models.DateField()
    occurred_until = models.DateField(null=True)
    sequence = models.PositiveSmallIntegerField()
    recorded_at = models.DateTimeField()
    source_agency = models.ForeignKey("accounts.Agency", on_delete=models.DO_NOTHING, related_name="+")
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    significance = models.CharField(max_length=6, choices=Entry.Significance.choices)
    neglect_physical = models.BooleanField()
    neglect_emotional = models.BooleanField()
    neglect_medical = models.BooleanField()
    neglect_educational = models.BooleanField()
    what_happened = models.TextField()
    amendment = models.ForeignKey(Amendment, on_delete=models.DO_NOTHING, null=True, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.DO_NOTHING, null=True, related_name="+")
    # Null for entries that are not about an appointment (a view column: DJ001 does not apply).
    appointment_outcome = models.CharField(  # noqa: DJ001
        max_length=20, choices=Appointment.Outcome.choices, null=True
    )

    class Meta:
        managed = False
        db_table = "chronology_effective_entry"

    @property
    def period_end(self) -> date:
        return self.occurred_until or self.occurred_on

    @property
    def neglect_forms(self) -> list[str]:
        return [label for value, label in NeglectForm.choices if getattr(self, f"neglect_{value}")]

    @property
    def children(self) -> list:
        """The children the entry is about now (needs chronology.selectors.with_details)."""
        return [link.person for link in self.child_rows]


class EffectiveEntryChild(models.Model):
    """Which children an entry is about now (a database view, migration 0004)."""

    pk = models.CompositePrimaryKey("entry_id", "person_id")
    entry = models.ForeignKey(EffectiveEntry, on_delete=models.DO_NOTHING, related_name="child_links")
    person = models.ForeignKey("cases.Person", on_delete=models.DO_NOTHING, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.DO_NOTHING, related_name="+")

    class Meta:
        managed = False
        db_table = "chronology_effective_entry_child"
