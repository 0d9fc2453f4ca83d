"""The front door's rows: the referral as the referrer sent it, its children, adults and the children's
professionals, the checks the MASH made with partner agencies and the decision.

What practice keeps is append-only (audit.models.AppendOnlyModel, with the database triggers installed by
this app's migrations): the referral as received, each partner check and the decision never change. So a
referral's status is not a column someone updates: it is read from the rows (`ReferralQuerySet.with_status`):
decided once it has its decision, checks in progress once a partner check is recorded, new before.

The children and adults as the referrer described them are not changed either; their one later write is the
link to a person record found by the MASH (`person`), which a trigger makes write-once.
"""

import uuid
from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from audit.models import AppendOnlyModel
from chronology.models import NeglectForm

from .sources import SourceCode


class ReferralSettings(models.Model):
    """The partnership's timescales for the front door (one row, in the admin)."""

    decision_within_working_days = models.PositiveSmallIntegerField(
        "referral decision within (working days)", default=1, help_text="Statutory: 1 working day."
    )
    assessment_within_working_days = models.PositiveSmallIntegerField(
        "assessment within (working days of the referral)", default=45, help_text="Statutory: at most 45."
    )

    class Meta:
        verbose_name = verbose_name_plural = "referral settings"

    def __str__(self) -> str:
        return "Referral settings"

    @classmethod
    def load(cls) -> "ReferralSettings":
        row, _ = cls.objects.get_or_create(pk=1)
        return row


class ReferralReferenceCounter(models.Model):
    """The last referral number issued per year; locked row by row so references never repeat."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


REFERENCE_PREFIX = "R"


class ReferralQuerySet(models.QuerySet):
    def with_status(self) -> "ReferralQuerySet":
        """Each referral with `has_decision` and `has_checks` (two EXISTS in the same query)."""
        return self.annotate(
            has_decision=Exists(Decision.objects.filter(referral=OuterRef("pk"))),
            has_checks=Exists(PartnerCheck.objects.filter(referral=OuterRef("pk"))),
        )

    def undecided(self) -> "ReferralQuerySet":
        return self.exclude(Exists(Decision.objects.filter(referral=OuterRef("pk"))))

    def overdue(self, now: datetime) -> "ReferralQuerySet":
        """Undecided referrals whose decision time has passed."""
        return self.undecided().filter(decision_due_at__lt=now)


class Referral(AppendOnlyModel):
    """A referral to the MASH, as the referrer sent it."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        CHECKS = "checks", "Checks in progress"
        DECIDED = "decided", "Decided"

    class Consent(models.TextChoices):
        GIVEN = "given", "Yes, the family knows and agrees"
        REFUSED = "refused", "The family refused"
        NOT_ASKED = "not_asked", "The family has not been asked"

    class Urgency(models.TextChoices):
        URGENT = "urgent", "Urgent: the child may come to harm in the next few days"
        ROUTINE = "routine", "Not urgent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made")
    # Snapshot when it was sent: people move agencies and change roles, the referral must not.
    referrer_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referrer_role = models.CharField("referrer's role", max_length=100, blank=True)
    source = models.CharField("referral source", max_length=2, choices=SourceCode.choices)
    received_at = models.DateTimeField()
    decision_due_at = models.DateTimeField(help_text="The end of the working day the decision is due on.")
    assessment_due_on = models.DateField(help_text="If an assessment follows: the day it is due.")
    address = models.TextField(max_length=500)
    postcode = models.CharField(max_length=10, blank=True)
    worries = models.TextField("what you are worried about", max_length=5000)
    physical = models.BooleanField(default=False)
    emotional = models.BooleanField(default=False)
    medical = models.BooleanField(default=False)
    educational = models.BooleanField(default=False)
    signs_seen = models.TextField(max_length=3000, blank=True)
    consent = models.CharField(max_length=10, choices=Consent.choices)
    consent_reason = models.TextField("why", max_length=1000, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["referrer", "-received_at"], name="referral_referrer_received")]
        constraints = [
            models.CheckConstraint(condition=~Q(worries=""), name="referrals_referral_has_worries"),
            models.CheckConstraint(
                condition=Q(consent="given") | ~Q(consent_reason=""), name="referrals_referral_consent_why"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def neglect_forms(self) -> list[str]:
        return [label for value, label in NeglectForm.choices if getattr(self, value)]

    @property
    def status(self) -> str:
        """From the annotations of `with_status` when present, else from the rows."""
        decided = getattr(self, "has_decision", None)
        if decided is None:
            decided = Decision.objects.filter(referral=self).exists()
        if decided:
            return self.Status.DECIDED
        checks = getattr(self, "has_checks", None)
        if checks is None:
            checks = self.checks.exists()
        return self.Status.CHECKS if checks else self.Status.NEW

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status != self.Status.DECIDED and (now or timezone.now()) > self.decision_due_at


def end_of_day(day: date) -> datetime:
    """The last moment of a local day: "within 1 working day" means on or before that day."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class ReferralChild(models.Model):
    """A child as the referrer described them: born (date of birth) or unborn (expected date)."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other or not known"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="children")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField("surname", max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_on = models.DateField("expected date of birth", null=True, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    # Linked by the MASH once the child's record is found; write-once (trigger in migration 0001).
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["referral", "position"]
        verbose_name_plural = "referral children"
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False, expected_on__isnull=True)
                | Q(date_of_birth__isnull=True, expected_on__isnull=False),
                name="referrals_child_born_or_expected",
            ),
        ]

    def __str__(self) -> str:
        return f"Child {self.position + 1} of {self.referral_id}"  # no name: this shows in logs and the admin


class ReferralChildProfessional(models.Model):
    """Someone who knows the child, kept for later invitations (a case's team, meetings)."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "School or nursery"
        GP = "gp", "GP practice"
        HEALTH_VISITOR = "health_visitor", "Health visitor or school nurse"
        OTHER = "other", "Other"

    child = models.ForeignKey(ReferralChild, on_delete=models.PROTECT, related_name="professionals")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField("name (person or place)", max_length=200, blank=True)

    class Meta:
        ordering = ["child", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | Q(user__isnull=False) | ~Q(name=""),
                name="referrals_professional_named",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class ReferralAdult(models.Model):
    """An adult in the child's life as the referrer described them."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="adults")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField("surname", max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    relationship = models.CharField("relationship to the children", max_length=100)
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["referral", "position"]

    def __str__(self) -> str:
        return f"Adult {self.position + 1} of {self.referral_id}"


class PartnerCheck(AppendOnlyModel):
    """What the MASH asked a partner agency and what it said. One row records both; an answer that comes
    later, or a fuller one, is a new row for the same agency (rows are never changed): the page lists them
    all in order, the newest last."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="checks")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    answer = models.TextField("what they said", max_length=5000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referral", "recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer="", answered_at__isnull=True) | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="referrals_check_answer_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Check with agency {self.agency_id} on {self.referral_id}"


class Decision(AppendOnlyModel):
    """The MASH manager's decision on a referral: one per referral, never changed."""

    class Outcome(models.TextChoices):
        NO_FURTHER_ACTION = "nfa", "No further action"
        ADVICE = "advice", "Advice and signposting"
        EARLY_HELP = "early_help", "Early help"
        ASSESSMENT = "assessment", "Child and family assessment"
        STRATEGY = "strategy", "Strategy discussion (section 47)"

    # For each outcome, which of the lead agency or the allocating team it needs.
    NEEDS_LEAD_AGENCY = frozenset({Outcome.EARLY_HELP})
    NEEDS_TEAM = frozenset({Outcome.ASSESSMENT, Outcome.STRATEGY})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reasons = models.TextField(max_length=5000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    lead_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    allocating_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The case the decision opened (early help, assessment, strategy discussion), and whether a child of the
    # referral was in a case that closed in the 12 months before: a re-referral, counted for the board.
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="referral_decision"
    )
    rereferral = models.BooleanField("re-referral", default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reasons=""), name="referrals_decision_has_reasons"),
            models.CheckConstraint(
                condition=~Q(outcome="early_help") | Q(lead_agency__isnull=False),
                name="referrals_early_help_has_lead_agency",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["assessment", "strategy"]) | Q(allocating_team__isnull=False),
                name="referrals_assessment_has_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.referral_id})"
