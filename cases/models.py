"""Case (a household), Person and its merges and corrections, HouseholdMember, HouseholdAddress, CaseMember
(the case team), AccessGrant, CaseReopening, and how a case came to be (CaseOpening) and was given its lead
professional (CaseAllocation).

Rules about one row live here; workflows that write several rows live in cases/services.py.
"""

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from audit.models import AppendOnlyModel
from cases.census import AssessmentFactor, ClosureReason, PrimaryNeed, ReferralSource
from common.dates import in_words, months_later
from common.nhs import validate_nhs_number
from common.upn import validate_upn


class Level(models.TextChoices):
    EARLY_HELP = "early_help", "Early help"
    CHILD_IN_NEED = "child_in_need", "Child in need"
    CHILD_PROTECTION = "child_protection", "Child protection"


class CaseReferenceCounter(models.Model):
    """The last reference number issued per year; locked row by row so references never repeat."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class CaseQuerySet(models.QuerySet):
    def open(self) -> "CaseQuerySet":
        return self.filter(status=Case.Status.OPEN)


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    level = models.CharField("level of need", max_length=20, choices=Level.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # No closure reason here: the census's reasons are each child's (ChildEpisode), and early help has none.
    lead_professional = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_cases")
    lead_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="led_cases")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A case opened for a team (from a referral) waits in its team manager's "to allocate" list, held by the
    # manager as lead professional until they allocate it. A flag rather than a nullable lead: every page,
    # rule and selector reads lead_professional as always set, and every case before this one is allocated.
    awaiting_allocation = models.BooleanField(default=False)
    # The child and family assessment: due a number of working days after the referral was received
    # (settings.ASSESSMENT_WORKING_DAYS; docs/practice.md, "Assessment"); none for a case opened by hand.
    assessment_due_on = models.DateField(null=True, blank=True)
    assessment_completed_on = models.DateField(null=True, blank=True)
    # Optimistic lock: every update says which version it saw (cases/services.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="cases_case_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True) | Q(status="closed", closed_on__isnull=False),
                name="cases_case_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "level"], name="cases_case_status_level"),
            models.Index(
                fields=["lead_professional"],
                condition=Q(awaiting_allocation=True),
                name="cases_case_to_allocate",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Ethnicity(models.TextChoices):
    """The children in need census's ethnicity codes (DfE code set)."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy or Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class Disability(models.TextChoices):
    """The children in need census's disability codes: several per child, or NONE alone."""

    NONE = "NONE", "No disability"
    MOB = "MOB", "Mobility"
    HAND = "HAND", "Hand function"
    PC = "PC", "Personal care"
    INC = "INC", "Incontinence"
    COMM = "COMM", "Communication"
    LD = "LD", "Learning"
    HEAR = "HEAR", "Hearing"
    VIS = "VIS", "Vision"
    BEH = "BEH", "Behaviour"
    CON = "CON", "Consciousness"
    AUT = "AUT", "Autism or Asperger syndrome"
    DDA = "DDA", "Other disability (DDA)"


class UPNUnknown(models.TextChoices):
    """Why a child has no unique pupil number: the census's UPN unknown codes, in our own short words.

    The census schema (CIN_schema XSD, 2017 to 2024) allows UN1 to UN7; UN8 to UN10 belong to other returns
    (SEN2). UN6 is left out until its meaning is confirmed from the DfE census guide: no source at hand
    said what it means, and a code whose meaning we guessed would be returned wrongly."""

    NOT_SCHOOL_AGE = "UN1", "Not of school age and no UPN yet"
    NEVER_AT_SCHOOL_IN_ENGLAND = "UN2", "Never attended a state school in England"
    EDUCATED_OUTSIDE_ENGLAND = "UN3", "Educated outside England"
    NEW_NOT_YET_KNOWN = "UN4", "New to us and the UPN is not yet known"
    RECORDS_DISAGREE = "UN5", "Records disagree on name or date of birth, so no reliable match"
    REFERRAL_NO_FURTHER_ACTION = "UN7", "Referral with no further action"


# The reason an unborn baby has no UPN: the list has no code for "unborn", and an unborn baby is not of
# school age.
UNBORN_UPN_REASONS = frozenset({UPNUnknown.NOT_SCHOOL_AGE})


def disabilities_problem(codes) -> str:
    """Why a list of disability codes cannot be saved, in plain words, or "" when it can."""
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return "Choose the disabilities from the list."
    if unknown := [code for code in codes if code not in Disability.values]:
        return f"These are not census disability codes: {', '.join(sorted(unknown))}."
    if len(set(codes)) != len(codes):
        return "Each disability can be chosen once."
    if Disability.NONE in codes and len(codes) > 1:
        return "“No disability” cannot be chosen with a disability."
    return ""


def validate_disabilities(codes) -> None:
    if problem := disabilities_problem(codes):
        raise ValidationError(problem, code="invalid_disabilities")


class Person(models.Model):
    """A child or adult. One person can appear in several households over the years."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other or not known"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField("surname", max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    is_unborn = models.BooleanField("unborn baby", default=False)
    expected_on = models.DateField("expected date of birth", null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    # Set only by recording a child's death (plans/children.py), which also locks their statutory record.
    died_on = models.DateField("date of death", null=True, blank=True, editable=False)
    # Personal data: never in a URL, a log or an audit row's data. Null when not known, so unique when set.
    nhs_number = models.CharField(
        "NHS number", max_length=10, null=True, blank=True, unique=True, validators=[validate_nhs_number]
    )
    # What the children in need census needs about a child, entered once here (cases/services.py
    # person_census_details); the census return reads them.
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, blank=True)
    # A list of Disability codes. A JSON list rather than a table: the codes are a closed set, always
    # read and written together with the person (a table would add a join to every household page for
    # no query we need), and JSONField works on SQLite and PostgreSQL alike. validate_disabilities
    # checks it; the services call it, as a database constraint on a JSON list is not portable.
    disabilities = models.JSONField(default=list, blank=True, validators=[validate_disabilities])
    # Personal data, like the NHS number: never in a URL, a log or an audit row's data.
    upn = models.CharField("unique pupil number", max_length=13, blank=True, validators=[validate_upn])
    upn_unknown_reason = models.CharField(
        "why the UPN is not known", max_length=4, choices=UPNUnknown.choices, blank=True
    )
    # Set when this record was found to be the same person as another (an alias): the record it is now.
    # Always the canonical record itself, never another alias (cases/services.py keeps it flat), so one
    # join resolves any alias. The history of merges and their reversals is PersonMerge's.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="aliases", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date_of_birth", "last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_unborn=False) | Q(expected_on__isnull=False, date_of_birth__isnull=True),
                name="cases_person_unborn_has_expected_date",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("id")),
                name="cases_person_not_merged_into_itself",
            ),
            # The census takes a UPN or the reason it is unknown, never both.
            models.CheckConstraint(
                condition=Q(upn="") | Q(upn_unknown_reason=""), name="cases_person_upn_or_reason_unknown"
            ),
            # A UPN is allocated when a child starts school: an unborn baby cannot have one.
            models.CheckConstraint(condition=Q(is_unborn=False) | Q(upn=""), name="cases_person_unborn_no_upn"),
            models.CheckConstraint(
                condition=Q(died_on__isnull=True)
                | Q(date_of_birth__isnull=True)
                | Q(died_on__gte=models.F("date_of_birth")),
                name="cases_person_died_after_born",
            ),
        ]
        indexes = [
            # Finding people (cases/matching.py) narrows by surname prefix and by date of birth.
            models.Index(Upper("last_name"), Upper("first_name"), name="cases_person_names_upper"),
            models.Index(fields=["date_of_birth"], name="cases_person_dob"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, on: date) -> int | None:
        """Whole years of age on a day; None for an unborn baby or an unknown date of birth."""
        if self.is_unborn or self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))

    @property
    def earliest_event_on(self) -> date | None:
        """The earliest date anything can have happened to this child: their birth, or for an unborn
        baby 9 months before the expected date (the pregnancy). None when no date is known."""
        if self.is_unborn:
            return months_later(self.expected_on, -9) if self.expected_on else None
        return self.date_of_birth

    @property
    def record_locked(self) -> bool:
        """A child who has died: their statutory record (episode, assessments, enquiries, plans) is closed to
        change. Their chronology stays open: what is learned after a death must still be written down."""
        return self.died_on is not None

    def too_late_for(self, day: date) -> str:
        """Why `day` cannot be a date of something this child took part in, or "" when it can."""
        if self.died_on is None or day <= self.died_on:
            return ""
        return f"{self.first_name} died on {in_words(self.died_on)}: the date cannot be after that."

    def too_early_for(self, day: date) -> str:
        """Why `day` cannot be a date of something about this child, or "" when it can."""
        earliest = self.earliest_event_on
        if earliest is None or day >= earliest:
            return ""
        if self.is_unborn:
            return (
                f"{self.first_name} is due on {in_words(self.expected_on)}: the date cannot be more than "
                f"9 months before that ({in_words(earliest)})."
            )
        return f"{self.first_name} was born on {in_words(earliest)}: the date cannot be before that."

    @property
    def disability_labels(self) -> list[tuple[str, str]]:
        """(code, words) for each disability recorded, in the census's order."""
        chosen = set(self.disabilities or [])
        return [(code, label) for code, label in Disability.choices if code in chosen]

    @property
    def has_census_details(self) -> bool:
        return bool(self.ethnicity or self.disabilities or self.upn or self.upn_unknown_reason)

    def age_label(self, on: date) -> str:
        if self.is_unborn:
            return f"Unborn, due {in_words(self.expected_on)}" if self.expected_on else "Unborn"
        age = self.age_on(on)
        if age is None:
            return "Age not known"
        if age == 0:
            months = (on.year - self.date_of_birth.year) * 12 + on.month - self.date_of_birth.month
            months -= on.day < self.date_of_birth.day
            return f"{months} month{'s' if months != 1 else ''}"
        return f"{age} year{'s' if age != 1 else ''}"


class HouseholdMember(models.Model):
    """A person's place in one case's household; joining and leaving are dated."""

    class Relationship(models.TextChoices):
        CHILD = "child", "Child"
        PARENT = "parent", "Parent"
        CARER = "carer", "Carer (including kinship or informal carer)"
        PARTNER = "partner", "Partner of a parent"
        OTHER_ADULT = "other_adult", "Other adult in the home"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="household")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="households")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    relationship_detail = models.CharField(
        max_length=100, blank=True, help_text="For example 'mother of Amy and Ben', 'grandmother'."
    )
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    left_to = models.CharField("where they went", max_length=200, blank=True)

    class Meta:
        ordering = ["relationship", "person__date_of_birth"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="cases_householdmember_once_per_case"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="cases_householdmember_left_after_joined",
            ),
        ]

    @property
    def is_child(self) -> bool:
        return self.relationship == self.Relationship.CHILD


class CaseMemberQuerySet(models.QuerySet):
    def current(self) -> "CaseMemberQuerySet":
        """Memberships not ended: the case team today."""
        return self.filter(ended_on__isnull=True)


class CaseMember(models.Model):
    """A professional on the case team. Ended rows are history: lead changes are never overwrites."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead professional"
        CORE_GROUP = "core_group", "Core group member"
        CONTRIBUTOR = "contributor", "Contributor"
        READ_ONLY = "read_only", "Read only"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)

    objects = CaseMemberQuerySet.as_manager()

    class Meta:
        ordering = ["ended_on", "role", "user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(ended_on__isnull=True),
                name="cases_casemember_one_current_per_user",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_on__isnull=True, role="lead"),
                name="cases_casemember_one_current_lead",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="cases_casemember_ended_after_started",
            ),
        ]
        indexes = [models.Index(fields=["user", "ended_on"], name="cases_member_user_current")]

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def can_write(self) -> bool:
        return self.role != self.Role.READ_ONLY


class AccessGrant(models.Model):
    """Time-limited read access for someone outside the team, given with a reason (audited)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="access_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_grants")
    reason = models.TextField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "expires_at"], name="cases_grant_user_expiry")]


class CaseReopening(AppendOnlyModel):
    """A manager's decision to reopen a closed case, with their reason: a row of its own, never changed.

    Reopening clears the case's closed_on (an open case has none), so the closure it undid is copied here.
    The children's closure reasons stay on their closed episodes; rows from before episodes existed keep the
    household's one reason in `previous_closure_reason`.
    """

    REASON_MAX_LENGTH = 1000

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reopenings")
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(max_length=REASON_MAX_LENGTH)
    previous_closed_on = models.DateField()
    previous_closure_reason = models.CharField(max_length=3, choices=ClosureReason.choices, blank=True)

    class Meta:
        ordering = ["-reopened_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="cases_casereopening_has_reason"),
        ]


class PersonMerge(AppendOnlyModel):
    """Someone decided that `person` is the same person as `into`, and why: a row of its own, never changed.
    Undoing it is a PersonMergeReversal; Person.merged_into is the state both leave (cases/services.py)."""

    REASON_MAX_LENGTH = 1000

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_from")
    into = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_into")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(max_length=REASON_MAX_LENGTH)

    class Meta:
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="cases_personmerge_has_reason"),
            models.CheckConstraint(condition=~Q(person=models.F("into")), name="cases_personmerge_two_people"),
        ]


class PersonMergeReversal(AppendOnlyModel):
    """A merge undone, by whom and why. A merge is undone at most once; merging again is a new merge."""

    REASON_MAX_LENGTH = 1000

    merge = models.OneToOneField(PersonMerge, on_delete=models.PROTECT, related_name="reversal")
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reversed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(max_length=REASON_MAX_LENGTH)

    class Meta:
        ordering = ["-reversed_at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="cases_personmergereversal_has_reason")]


class PersonCorrection(AppendOnlyModel):
    """One field of a person's details corrected from the browser: the value before, the value after, who
    and why. The person row holds the value now; these rows keep what it said before."""

    REASON_MAX_LENGTH = 1000
    FIELDS = {
        "first_name": "First name",
        "last_name": "Surname",
        "date_of_birth": "Date of birth",
        "expected_on": "Expected date of birth",
        "sex": "Sex",
        "nhs_number": "NHS number",
        "ethnicity": "Ethnicity",
        "disabilities": "Disabilities",
        "upn": "Unique pupil number",
        "upn_unknown_reason": "Why the UPN is not known",
    }

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="corrections")
    # The case page it was corrected from: where "corrected" is shown with who.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="person_corrections")
    field = models.CharField(max_length=30, choices=list(FIELDS.items()))
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    reason = models.TextField(max_length=REASON_MAX_LENGTH)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-corrected_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="cases_personcorrection_has_reason")]


class HouseholdAddress(models.Model):
    """Where the household has lived: one row per address, with the dates; one current main home per case
    (the home practitioners must see, DOMAIN.md §2 "See the main home"). Ending an address sets `to_on`."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="addresses")
    line_1 = models.CharField("address line 1", max_length=200)
    line_2 = models.CharField("address line 2 (optional)", max_length=200, blank=True)
    town = models.CharField("town or city", max_length=100, blank=True)
    postcode = models.CharField(max_length=10)
    from_on = models.DateField("lived here from")
    to_on = models.DateField("lived here until", null=True, blank=True)
    is_main_home = models.BooleanField("main home", default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["to_on", "-from_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(is_main_home=True, to_on__isnull=True),
                name="cases_householdaddress_one_current_main_home",
            ),
            models.CheckConstraint(
                condition=Q(to_on__isnull=True) | Q(to_on__gte=models.F("from_on")),
                name="cases_householdaddress_ended_after_started",
            ),
        ]

    @property
    def is_current(self) -> bool:
        return self.to_on is None


class CaseOpening(AppendOnlyModel):
    """How a case was opened, by whom and why: one row per case, never changed.

    By hand, a practitioner opens an early help case (no reason needed); a child in need or child protection
    case opened by hand is a manager's decision and keeps their reason. From a referral, the row names the
    team whose manager allocates it and the day the referral was received, from which the assessment is due.
    """

    REASON_MAX_LENGTH = 1000

    class How(models.TextChoices):
        BY_HAND = "by_hand", "Opened by hand"
        FROM_REFERRAL = "from_referral", "Opened from a referral"

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="opening")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    how = models.CharField(max_length=20, choices=How.choices)
    level = models.CharField("level of need when opened", max_length=20, choices=Level.choices)
    reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Allocates it."
    )
    referral_received_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="early_help") | ~Q(reason=""), name="cases_caseopening_reason_beyond_early_help"
            ),
            models.CheckConstraint(
                condition=Q(how="by_hand") | Q(team__isnull=False, referral_received_on__isnull=False),
                name="cases_caseopening_referral_has_team_and_date",
            ),
        ]


class CaseAllocation(AppendOnlyModel):
    """A team manager gave a case waiting for allocation its lead professional: a row of its own, never changed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="allocations")
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead_professional = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-allocated_at"]


# --- The child's statutory record (docs/practice.md, "Each child's record") ---------------------------------


class ChildEpisodeQuerySet(models.QuerySet):
    def open(self) -> "ChildEpisodeQuerySet":
        return self.filter(closed_on__isnull=True)


class ChildEpisode(models.Model):
    """One child's episode of need inside a household's child in need or child protection case: from the
    referral to the day it closed, with the census's referral source, primary need and closure reason.

    The census counts children, not households, so siblings' episodes close on their own days for their own
    reasons; the household case closes with its last child's episode. Early help is outside the census: an
    early help case has no episodes (cases/services.py starts them when a case is, or becomes, statutory).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="episodes")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="episodes")
    started_on = models.DateField("referral date")
    referral_source = models.CharField(max_length=3, choices=ReferralSource.choices, default=ReferralSource.UNKNOWN)
    primary_need = models.CharField(max_length=2, choices=PrimaryNeed.choices, default=PrimaryNeed.N0)
    closed_on = models.DateField("closed on", null=True, blank=True)
    closure_reason = models.CharField(max_length=3, choices=ClosureReason.choices, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The lead and a manager may both change an episode: every update says which version it saw.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ChildEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["case", "child__date_of_birth", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "child"], condition=Q(closed_on__isnull=True), name="cases_childepisode_one_open"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, closure_reason="")
                | (Q(closed_on__isnull=False) & ~Q(closure_reason="")),
                name="cases_childepisode_closure_consistent",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("started_on")),
                name="cases_childepisode_closed_after_started",
            ),
        ]
        indexes = [models.Index(fields=["child", "closed_on"], name="cases_episode_child_open")]

    def __str__(self) -> str:
        return f"Episode of need from {in_words(self.started_on)}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class ChildAssessment(models.Model):
    """A child and family assessment of one child: when it started, when it was due, when the manager
    authorised it and the factors it found (census codes). Authorising is once: the row then stays as it is."""

    episode = models.ForeignKey(ChildEpisode, on_delete=models.PROTECT, related_name="assessments")
    started_on = models.DateField("assessment started")
    due_on = models.DateField("assessment due", null=True, blank=True)
    authorised_on = models.DateField("authorised on", null=True, blank=True)
    # A list of AssessmentFactor codes: a list on the row rather than a table, because the census reads the
    # factors only with their assessment and nothing is ever looked up by one factor alone.
    factors = models.JSONField(default=list, blank=True)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["episode", "started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authorised_on__isnull=True) | Q(authorised_on__gte=models.F("started_on")),
                name="cases_childassessment_authorised_after_started",
            ),
            models.CheckConstraint(
                condition=Q(authorised_on__isnull=True, authorised_by__isnull=True)
                | Q(authorised_on__isnull=False, authorised_by__isnull=False),
                name="cases_childassessment_authorised_by_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["due_on"], condition=Q(authorised_on__isnull=True), name="cases_assessment_waiting")
        ]

    def factor_labels(self) -> list[str]:
        labels = dict(AssessmentFactor.choices)
        return [labels.get(code, code) for code in self.factors]


class Section47Enquiry(models.Model):
    """A section 47 enquiry into whether one child is suffering, or likely to suffer, significant harm: when it
    started, whether it found an initial child protection conference is needed, and the conference's date."""

    episode = models.ForeignKey(ChildEpisode, on_delete=models.PROTECT, related_name="enquiries")
    started_on = models.DateField("enquiry started")
    # None while the enquiry is under way; then the enquiry's finding.
    conference_needed = models.BooleanField("initial conference needed", null=True, blank=True)
    conference_on = models.DateField("initial conference date", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The finding is added later, perhaps by someone else: every change says which version it saw.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["episode", "started_on", "pk"]
        verbose_name_plural = "section 47 enquiries"
        constraints = [
            models.CheckConstraint(
                condition=Q(conference_on__isnull=True) | Q(conference_needed=True),
                name="cases_section47_conference_only_if_needed",
            ),
            models.CheckConstraint(
                condition=Q(conference_on__isnull=True) | Q(conference_on__gte=models.F("started_on")),
                name="cases_section47_conference_after_start",
            ),
        ]


class ChildDeath(AppendOnlyModel):
    """A child's death as it was recorded: the date, who was told, and the day the serious incident
    notification is due. Never changed; closing the child's episode with RC2 writes it (plans/children.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    episode = models.OneToOneField(ChildEpisode, on_delete=models.PROTECT, related_name="death")
    died_on = models.DateField("date of death")
    who_was_told = models.TextField("who has been told", max_length=2000)
    notification_due_on = models.DateField("serious incident notification due")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(who_was_told=""), name="cases_childdeath_who_was_told")]
