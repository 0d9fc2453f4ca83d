"""Workflows that write referrals: sending one, recording a partner check, deciding, and the overdue notice.

Each is one transaction with its audit row. The outbox rows they queue (notifications app) carry a link and
a summary with the reference only, never a child's or adult's name.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, Capability, Team, User
from audit import services as audit
from audit.models import AuditEvent
from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Case, HouseholdMember, Level, Person
from notifications import services as outbox
from notifications.models import Notification
from workdays import calendar as workdays

from .models import (
    REFERENCE_PREFIX,
    Decision,
    PartnerCheck,
    Referral,
    ReferralAdult,
    ReferralChild,
    ReferralChildProfessional,
    ReferralReferenceCounter,
    ReferralSettings,
    end_of_day,
)
from .sources import source_for

DECISION_NOTICE = "referral_decision"
OVERDUE_NOTICE = "referral_overdue"


@dataclass
class ChildDetails:
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    expected_on: date | None = None
    nhs_number: str = ""
    sex: str = ""
    # (kind, agency or None, name) for each of the child's professionals the referrer named
    professionals: list[tuple[str, Agency | None, str]] = field(default_factory=list)


@dataclass
class AdultDetails:
    first_name: str
    last_name: str
    relationship: str
    date_of_birth: date | None = None


def suggested_source(user: User) -> str:
    """The referral source code the referrer's agency and role suggest."""
    return source_for(user.agency.kind if user.agency_id else None, user.job_title)


def due_times(received_at: datetime) -> tuple[datetime, date]:
    """When the decision is due (the end of working day N after receipt, day 1 the first working day after
    it: DOMAIN.md §4) and the day an assessment would be due, from the partnership's settings."""
    config = ReferralSettings.load()
    cal = workdays.working_calendar(fresh=True)
    received_on = timezone.localtime(received_at).date()
    decision_on = cal.add_working_days(received_on, config.decision_within_working_days)
    return end_of_day(decision_on), cal.add_working_days(received_on, config.assessment_within_working_days)


def _next_reference(year: int) -> str:
    ReferralReferenceCounter.objects.get_or_create(year=year)
    # The row lock serialises concurrent referrals: two can never share a number.
    counter = ReferralReferenceCounter.objects.select_for_update().get(pk=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{REFERENCE_PREFIX}-{year}-{counter.last_number:05d}"


@transaction.atomic
def referral_create(
    *,
    by: User,
    children: list[ChildDetails],
    adults: list[AdultDetails],
    source: str,
    address: str,
    worries: str,
    consent: str,
    urgency: str,
    postcode: str = "",
    neglect_forms: list[str] = (),
    signs_seen: str = "",
    consent_reason: str = "",
    received_at: datetime | None = None,
) -> Referral:
    """Send a referral to the MASH. A refusal of consent never blocks it (DOMAIN.md §2): it is recorded
    with why, and the referral goes in like any other."""
    if not children:
        raise ValidationError("Add at least one child.")
    if consent != Referral.Consent.GIVEN and not consent_reason.strip():
        raise ValidationError({"consent_reason": "Say why the family has not agreed or has not been asked."})
    received_at = received_at or timezone.now()
    decision_due_at, assessment_due_on = due_times(received_at)
    referral = Referral.objects.create(
        reference=_next_reference(timezone.localtime(received_at).year),
        referrer=by,
        referrer_agency_id=by.agency_id,
        referrer_role=by.display_role,
        source=source,
        received_at=received_at,
        decision_due_at=decision_due_at,
        assessment_due_on=assessment_due_on,
        address=address,
        postcode=postcode,
        worries=worries,
        signs_seen=signs_seen,
        consent=consent,
        consent_reason=consent_reason if consent != Referral.Consent.GIVEN else "",
        urgency=urgency,
        **{form: True for form in neglect_forms},
    )
    for position, child in enumerate(children):
        row = ReferralChild.objects.create(
            referral=referral,
            position=position,
            first_name=child.first_name,
            last_name=child.last_name,
            date_of_birth=child.date_of_birth,
            expected_on=child.expected_on,
            nhs_number="".join(child.nhs_number.split()),
            sex=child.sex,
        )
        ReferralChildProfessional.objects.bulk_create(
            ReferralChildProfessional(child=row, kind=kind, agency=agency, name=name)
            for kind, agency, name in child.professionals
        )
    ReferralAdult.objects.bulk_create(
        ReferralAdult(
            referral=referral,
            position=position,
            first_name=adult.first_name,
            last_name=adult.last_name,
            date_of_birth=adult.date_of_birth,
            relationship=adult.relationship,
        )
        for position, adult in enumerate(adults)
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.REFERRAL_CREATED,
        target=referral,
        data={"children": len(children), "adults": len(adults), "source": source},
    )
    return referral


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied("Only the MASH may do this.")


@transaction.atomic
def partner_check_record(
    *, referral: Referral, by: User, agency: Agency, asked_at: datetime, answer: str = ""
) -> PartnerCheck:
    """Record that a partner agency was asked about the referral and, when it has answered, what it said.
    A later answer is another check row (rows never change)."""
    _require(by, Capability.Key.TRIAGE_REFERRALS)
    if Decision.objects.filter(referral=referral).exists():
        raise ValidationError("This referral has been decided: checks can no longer be added.")
    if asked_at > timezone.now():
        raise ValidationError({"asked_at": "The time asked cannot be in the future."})
    check = PartnerCheck.objects.create(
        referral=referral,
        agency=agency,
        asked_by=by,
        asked_at=asked_at,
        answer=answer,
        answered_at=timezone.now() if answer else None,
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.REFERRAL_CHECK_RECORDED,
        target=check,
        data={"referral": str(referral.pk), "agency": agency.pk, "answered": bool(answer)},
    )
    return check


@transaction.atomic
def link_person(*, referral: Referral, by: User, row: ReferralChild | ReferralAdult, person: Person) -> None:
    """The MASH found the referral's child or adult among the people already known: link the row to that
    person's canonical record, so the case the decision opens brings their history. Write-once: a row
    already linked stays as it is (the database refuses a change too)."""
    _require(by, Capability.Key.TRIAGE_REFERRALS)
    if Decision.objects.filter(referral=referral).exists():
        raise ValidationError("This referral has been decided: its people can no longer be linked.")
    if row.referral_id != referral.pk:
        raise ValidationError("This person is not on this referral.")
    canonical = case_selectors.canonical_person_id(person.pk)
    if canonical is None:
        raise ValidationError("This person could not be found: search again.")
    if not type(row).objects.filter(pk=row.pk, person__isnull=True).update(person_id=canonical):
        raise ValidationError("This person is already linked to a known record.")
    audit.record(
        actor=by,
        action=AuditEvent.Action.REFERRAL_PERSON_LINKED,
        target=referral,
        data={"row": "child" if isinstance(row, ReferralChild) else "adult", "position": row.position},
    )


# How the referrer's words for an adult become their place in the household.
_PARENT_WORDS = ("mother", "father", "mum", "dad", "parent", "step")
_CARER_WORDS = ("carer", "grand", "aunt", "uncle", "guardian", "kinship")
_PARTNER_WORDS = ("partner", "boyfriend", "girlfriend", "husband", "wife")


def _relationship_of(words: str) -> str:
    words = words.lower()
    for options, relationship in (
        (_PARTNER_WORDS, HouseholdMember.Relationship.PARTNER),
        (_PARENT_WORDS, HouseholdMember.Relationship.PARENT),
        (_CARER_WORDS, HouseholdMember.Relationship.CARER),
    ):
        if any(word in words for word in options):
            return relationship
    return HouseholdMember.Relationship.OTHER_ADULT


def _people_for_case(referral: Referral) -> list[tuple[Person, str]]:
    """The referral's children and adults as Person rows: the known person each was linked to, or a new
    record made now from what the referrer gave (and linked, so the referral names who it became)."""
    people = []
    for row in (*referral.children.order_by("position"), *referral.adults.order_by("position")):
        child = isinstance(row, ReferralChild)
        known_by_number = (
            Person.objects.filter(nhs_number=row.nhs_number).values_list("pk", flat=True).first()
            if child and row.nhs_number and row.person_id is None
            else None
        )
        if known_by_number is not None:
            # An NHS number is one person's: the record that has it is this child, found or not.
            type(row).objects.filter(pk=row.pk).update(person_id=known_by_number)
            row.person_id = known_by_number
        if row.person_id is None:
            person = Person.objects.create(
                first_name=row.first_name,
                last_name=row.last_name,
                date_of_birth=row.date_of_birth,
                is_unborn=child and row.date_of_birth is None,
                expected_on=row.expected_on if child else None,
                sex=row.sex if child else "",
                nhs_number=(row.nhs_number or None) if child else None,
            )
            type(row).objects.filter(pk=row.pk).update(person=person)
        else:
            person = Person.objects.get(pk=case_selectors.canonical_person_id(row.person_id))
        relationship = HouseholdMember.Relationship.CHILD if child else _relationship_of(row.relationship)
        if person.pk not in {p.pk for p, _ in people}:
            people.append((person, relationship))
    return people


def _team_leading(agency: Agency) -> Team:
    """The team whose manager allocates an early help case led by `agency`: its first team with an active
    manager, by name (a partnership with several early help teams sets one up per agency)."""
    team = (
        Team.objects.filter(agency=agency, manager__is_active=True).select_related("manager").order_by("name").first()
    )
    if team is None:
        raise ValidationError({"lead_agency": f"{agency} has no team with a manager to allocate the early help."})
    return team


def _open_case(referral: Referral, *, by: User, outcome: str, lead_agency, allocating_team) -> tuple[Case, bool]:
    """Open the case the decision asks for, with the referral's people in its household, waiting in the
    allocating team manager's "to allocate" list; and say whether it is a re-referral."""
    people = _people_for_case(referral)
    children = [person.pk for person, relationship in people if relationship == HouseholdMember.Relationship.CHILD]
    received_on = timezone.localtime(referral.received_at).date()
    history = case_selectors.people_history(children, on=received_on)
    rereferral = any(h.rereferral for h in history.values())
    team = allocating_team if outcome in Decision.NEEDS_TEAM else _team_leading(lead_agency)
    # Read afresh: who manages the team now is who will allocate (the caller's instance may be older).
    team = Team.objects.select_related("manager", "agency").get(pk=team.pk)
    level = {
        Decision.Outcome.EARLY_HELP: Level.EARLY_HELP,
        Decision.Outcome.ASSESSMENT: Level.CHILD_IN_NEED,
        Decision.Outcome.STRATEGY: Level.CHILD_PROTECTION,
    }[outcome]
    case = case_services.case_open_for_allocation(
        by=by,
        level=level,
        opened_on=timezone.localdate(),
        team=team,
        lead_agency=team.agency,
        referral_received_on=received_on,
        people=people,
        reason=f"MASH decision on referral {referral.reference}: {Decision.Outcome(outcome).label.lower()}.",
        assessment_due=referral.assessment_due_on,
        referral_source=referral.source,
    )
    return case, rereferral


def _path(url_name: str, ref: str) -> str:
    return reverse(url_name, kwargs={"ref": ref})


@transaction.atomic
def decide(
    *,
    referral: Referral,
    by: User,
    outcome: str,
    reasons: str,
    lead_agency: Agency | None = None,
    allocating_team: Team | None = None,
) -> Decision:
    """Record the MASH manager's decision, with reasons, and tell the referrer through the outbox.

    For an assessment or a strategy discussion the decision opens the case, with the referral's children
    and adults in its household (the known people the MASH linked, new records for the rest), waiting in
    `allocating_team`'s manager's "to allocate" list, the assessment due on `referral.assessment_due_on`;
    for early help, an early help case for the first team of `lead_agency` with a manager. A child already
    in a case closed in the last 12 months makes it a re-referral (Decision.rereferral). All in one
    transaction: a refused decision leaves no case and no person behind."""
    _require(by, Capability.Key.DECIDE_REFERRALS)
    # Lock the referral so two managers deciding at once meet the unique key one after the other.
    Referral.objects.select_for_update().filter(pk=referral.pk).exists()
    errors = {}
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the decision."
    if outcome in Decision.NEEDS_LEAD_AGENCY and lead_agency is None:
        errors["lead_agency"] = "Choose the agency that will lead the early help."
    if outcome in Decision.NEEDS_TEAM and allocating_team is None:
        errors["allocating_team"] = "Choose the team that will allocate the social worker."
    if errors:
        raise ValidationError(errors)
    if Decision.objects.filter(referral=referral).exists():
        raise ValidationError("This referral has already been decided: a decision is made once.")
    case, rereferral = None, False
    if outcome in Decision.NEEDS_TEAM | Decision.NEEDS_LEAD_AGENCY:
        case, rereferral = _open_case(
            referral, by=by, outcome=outcome, lead_agency=lead_agency, allocating_team=allocating_team
        )
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                referral=referral,
                outcome=outcome,
                reasons=reasons,
                decided_by=by,
                lead_agency=lead_agency if outcome in Decision.NEEDS_LEAD_AGENCY else None,
                allocating_team=allocating_team if outcome in Decision.NEEDS_TEAM else None,
                case=case,
                rereferral=rereferral,
            )
    except IntegrityError:
        raise ValidationError("This referral has already been decided: a decision is made once.") from None
    audit.record(
        actor=by,
        action=AuditEvent.Action.REFERRAL_DECIDED,
        target=decision,
        data={"referral": str(referral.pk), "outcome": outcome, "rereferral": rereferral},
    )
    outbox.queue(
        [
            Notification(
                recipient_id=referral.referrer_id,
                kind=DECISION_NOTICE,
                subject_type=Decision._meta.label_lower,
                subject_id=decision.pk,
                summary=f"Your referral {referral.reference} has a decision",
                link=_path("referrals:mine_detail", referral.reference),
            )
        ]
    )
    return decision


def queue_overdue_notices(now: datetime | None = None) -> int:
    """Tell every MASH manager, once, about each referral whose decision is overdue (run by the sweep).

    Set-based: one query finds the overdue referrals nobody has been told about, one the managers, one
    insert queues the rows; the outbox's exactly-once key makes a re-run or a parallel run queue nothing
    new. Returns how many rows were queued."""
    now = now or timezone.now()
    told = Notification.objects.filter(
        kind=OVERDUE_NOTICE, subject_type=Referral._meta.label_lower, subject_id=OuterRef("pk")
    )
    overdue = list(Referral.objects.overdue(now).exclude(Exists(told)).values_list("pk", "reference"))
    if not overdue:
        return 0
    managers = list(
        User.objects.with_capability(Capability.Key.DECIDE_REFERRALS)
        .filter(is_active=True)
        .values_list("pk", flat=True)
    )
    rows = [
        Notification(
            recipient_id=manager,
            kind=OVERDUE_NOTICE,
            subject_type=Referral._meta.label_lower,
            subject_id=pk,
            summary=f"The decision on referral {reference} is overdue",
            link=_path("referrals:detail", reference),
        )
        for pk, reference in overdue
        for manager in managers
    ]
    outbox.queue(rows)
    return len(rows)
