"""Workflows that write cases, households, teams and access grants.

Each service is atomic and writes its audit row in the same transaction as the change.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, Capability, Team, User, staff_managed_by
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases.census import RETIRED_FACTORS, AssessmentFactor, PrimaryNeed, ReferralSource
from cases.models import (
    UNBORN_UPN_REASONS,
    AccessGrant,
    Case,
    CaseAllocation,
    CaseMember,
    CaseOpening,
    CaseReferenceCounter,
    CaseReopening,
    ChildAssessment,
    ChildEpisode,
    Disability,
    Ethnicity,
    HouseholdAddress,
    HouseholdMember,
    Level,
    Person,
    PersonCorrection,
    PersonMerge,
    PersonMergeReversal,
    Section47Enquiry,
    UPNUnknown,
    disabilities_problem,
)
from cases.selectors import same_people
from common.conflicts import VersionConflict
from common.nhs import is_valid_nhs_number, normalise_nhs_number
from common.upn import is_valid_upn, normalise_upn
from notifications import services as outbox
from notifications.models import Notification
from workdays import calendar as workdays

MAX_GRANT_HOURS = 24

CLOSED_MESSAGE = "This case is closed: it can be read but not changed. A manager can reopen it."


def ensure_open(case: Case | uuid.UUID) -> None:
    """Refuse any write to a closed case: the one check every service that writes to a case makes,
    background jobs and imports included, whatever the view already checked.

    The status is read from the database, not from `case`, which may have been loaded before someone
    closed it. Takes the case or its id (an entry's `case_id`, so no query fetches the case itself).
    Raises ValidationError, which the form pages show at the top of the form.
    """
    if not Case.objects.filter(pk=getattr(case, "pk", case), status=Case.Status.OPEN).exists():
        raise ValidationError(CLOSED_MESSAGE)


def _next_reference(year: int) -> str:
    CaseReferenceCounter.objects.get_or_create(year=year)
    # The row lock serialises concurrent creations: two new cases can never share a number.
    counter = CaseReferenceCounter.objects.select_for_update().get(pk=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{settings.CASE_REFERENCE_PREFIX}-{year}-{counter.last_number:05d}"


def is_manager(user: User) -> bool:
    """A team manager or senior manager (docs/roles.md): the manager's view capability, or managing a team."""
    return user.can(Capability.Key.USE_MANAGER_VIEW) or Team.objects.filter(manager=user).exists()


def may_open_by_hand(user: User, level: str) -> bool:
    """Anyone in an agency may open an early help case (early help does not need the MASH); a child in need
    or child protection case opened by hand, without a referral, is a manager's decision."""
    return level == Level.EARLY_HELP or is_manager(user)


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": "Say why the case is being opened at this level."})
    if len(reason) > CaseOpening.REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"The reason must be {CaseOpening.REASON_MAX_LENGTH} characters or fewer."})
    return reason


def _open(*, by: User, level: str, opened_on: date, lead: User, lead_agency_id: int) -> Case:
    case = Case.objects.create(
        reference=_next_reference(opened_on.year),
        level=level,
        opened_on=opened_on,
        lead_professional=lead,
        lead_agency_id=lead_agency_id,
    )
    CaseMember.objects.create(case=case, user=lead, role=CaseMember.Role.LEAD, started_on=opened_on, added_by=by)
    return case


@transaction.atomic
def case_create(
    *, by: User, level: str, opened_on: date, lead_professional: User | None = None, reason: str = ""
) -> Case:
    """Open a case by hand with its lead professional as the first team member. Early help for anyone in an
    agency; child in need or child protection for managers only, with their reason (kept on CaseOpening)."""
    lead = lead_professional or by
    if lead.agency_id is None:
        raise ValidationError("The lead professional must belong to an agency.")
    if not may_open_by_hand(by, level):
        raise ValidationError(
            {
                "level": "Only a team manager or senior manager can open a child in need or child protection case "
                "by hand. Open an early help case, or make a referral to the MASH."
            }
        )
    reason = _clean_reason(reason, required=level != Level.EARLY_HELP)
    case = _open(by=by, level=level, opened_on=opened_on, lead=lead, lead_agency_id=lead.agency_id)
    # Someone who opens a case for another lead stays on its team, unless they manage that lead: a manager
    # sees and supervises their team's cases already, and a place on the team would hide them on the
    # manager's view (dashboards lands managers who are on a case team on their own caseload).
    if lead != by and not User.objects.filter(staff_managed_by(by), pk=lead.pk).exists():
        CaseMember.objects.create(
            case=case, user=by, role=CaseMember.Role.CORE_GROUP, started_on=opened_on, added_by=by
        )
    CaseOpening.objects.create(case=case, opened_by=by, how=CaseOpening.How.BY_HAND, level=level, reason=reason)
    audit.record(
        actor=by, action=AuditEvent.Action.CASE_CREATED, case=case, target=case, data={"how": CaseOpening.How.BY_HAND}
    )
    return case


def assessment_due_on(referral_received_on: date) -> date:
    """The child and family assessment's due date: ASSESSMENT_WORKING_DAYS working days after the referral
    was received, the receipt being day 0 (workdays/calendar.py). Local closure days read fresh: it is stored."""
    return workdays.add_working_days(
        referral_received_on, settings.ASSESSMENT_WORKING_DAYS, cal=workdays.working_calendar(fresh=True)
    )


@transaction.atomic
def case_open_for_allocation(
    *,
    by: User,
    level: str,
    opened_on: date,
    team: Team,
    lead_agency: Agency,
    referral_received_on: date,
    people: list[tuple[Person, str]],
    reason: str,
    assessment_due: date | None = None,
    referral_source: str = ReferralSource.UNKNOWN,
) -> Case:
    """Open a case decided at the MASH for `team` to allocate, with its household already linked.

    The team's manager holds the case as lead professional (Case.lead_professional is never empty) and it
    waits in their "to allocate" list (awaiting_allocation) until they choose the lead (`case_allocate`).
    The MASH decision maker (`by`) is not put on the case team: their work is on the referral. `people` are
    existing Person rows with their relationship (HouseholdMember.Relationship), joining the household on
    the day the case opens. The assessment is due 45 working days after the referral was received.
    """
    if team.agency_id != lead_agency.pk:
        raise ValidationError("The allocating team must belong to the lead agency.")
    manager = team.manager
    if manager is None or not manager.is_active:
        raise ValidationError(f"{team.name} has no active team manager to allocate the case.")
    if referral_received_on > opened_on:
        raise ValidationError("A case cannot open before the referral was received.")
    if not any(relationship == HouseholdMember.Relationship.CHILD for _, relationship in people):
        raise ValidationError("A case needs at least one child.")
    if len({person.pk for person, _ in people}) != len(people):
        raise ValidationError("The same person is listed twice.")
    reason = _clean_reason(reason, required=level != Level.EARLY_HELP)
    case = _open(by=by, level=level, opened_on=opened_on, lead=manager, lead_agency_id=lead_agency.pk)
    # A child and family assessment is due 45 working days after the referral, or on the day the referral
    # itself fixed with the partnership's local timescale; early help has no statutory assessment.
    due = None if level == Level.EARLY_HELP else assessment_due or assessment_due_on(referral_received_on)
    Case.objects.filter(pk=case.pk).update(awaiting_allocation=True, assessment_due_on=due)
    HouseholdMember.objects.bulk_create(
        [
            HouseholdMember(case=case, person=person, relationship=relationship, joined_on=opened_on)
            for person, relationship in people
        ]
    )
    CaseOpening.objects.create(
        case=case,
        opened_by=by,
        how=CaseOpening.How.FROM_REFERRAL,
        level=level,
        reason=reason,
        team=team,
        referral_received_on=referral_received_on,
    )
    case.refresh_from_db()
    episodes_start(case=case, on=referral_received_on, source=referral_source, assessment_due=due)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_CREATED,
        case=case,
        target=case,
        data={"how": CaseOpening.How.FROM_REFERRAL, "team_id": team.pk, "people": len(people)},
    )
    case.refresh_from_db()
    return case


def _allocating_team_id(case: Case) -> int | None:
    return CaseOpening.objects.filter(case=case).values_list("team_id", flat=True).first()


def may_allocate(user: User, case: Case) -> bool:
    """The manager of the team the case was opened for, or a senior manager of the lead agency."""
    if not user.is_active:
        return False
    if user.agency_id and user.agency_id == case.lead_agency_id and user.can(Capability.Key.OVERSEE_AGENCY):
        return True
    team_id = _allocating_team_id(case)
    return team_id is not None and Team.objects.filter(pk=team_id, manager=user).exists()


def allocation_choices(case: Case):
    """Who may lead the case: the active members of the team it was opened for."""
    return User.objects.filter(team_id=_allocating_team_id(case), is_active=True, agency__isnull=False)


@transaction.atomic
def case_allocate(*, case: Case, by: User, lead_professional: User, on: date) -> CaseAllocation:
    """Give a case waiting for allocation its lead professional, chosen from the allocating team.

    The manager's holding membership ends (they keep seeing the case as the new lead's manager) and the new
    lead is told through the outbox, with a link and no personal data.
    """
    ensure_open(case)
    if not may_allocate(by, case):
        raise PermissionDenied("Only the allocating team's manager or a senior manager can allocate this case.")
    current = Case.objects.select_for_update().get(pk=case.pk)
    if not current.awaiting_allocation:
        raise ValidationError("This case already has its lead professional.")
    if not allocation_choices(case).filter(pk=lead_professional.pk).exists():
        raise ValidationError({"lead_professional": "Choose the lead professional from the team's members."})
    if on < current.opened_on:
        raise ValidationError({"on": "A case cannot be allocated before it opened."})
    holder = current.lead_professional_id
    if lead_professional.pk != holder:
        CaseMember.objects.current().filter(case=case, user_id__in=[holder, lead_professional.pk]).update(ended_on=on)
        CaseMember.objects.create(
            case=case, user=lead_professional, role=CaseMember.Role.LEAD, started_on=on, added_by=by
        )
    Case.objects.filter(pk=case.pk).update(
        awaiting_allocation=False,
        lead_professional=lead_professional,
        lead_agency_id=lead_professional.agency_id,
        version=F("version") + 1,
    )
    allocation = CaseAllocation.objects.create(case=case, allocated_by=by, lead_professional=lead_professional)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_LEAD_CHANGED,
        case=case,
        target=case,
        data={"from_user_id": holder, "to_user_id": lead_professional.pk, "allocation": True},
    )
    outbox.queue(
        [
            Notification(
                recipient=lead_professional,
                kind="allocation",
                case_id=case.pk,
                # About the case itself: a case waits for allocation once, so this is sent once.
                subject_type=Case._meta.label_lower,
                subject_id=case.pk,
                summary="A case has been allocated to you as lead professional",
                link=reverse("dashboards:detail", args=[case.reference]),
            )
        ]
    )
    case.refresh_from_db()
    return allocation


@transaction.atomic
def assessment_complete(*, case: Case, by: User, completed_on: date, factors: list[str] | None = None) -> Case:
    """Record that the child and family assessment was completed: the lead or a manager, once. Each child's
    assessment still waiting is authorised that day with the factors found (one assessment of the household
    is one per child in the census; a child's own page records them one by one)."""
    ensure_open(case)
    if not access.decision(by, case).can_manage:
        raise PermissionDenied("Only the lead professional or a manager can record the assessment.")
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "The date cannot be in the future."})
    if completed_on < case.opened_on:
        raise ValidationError({"completed_on": "The assessment cannot be completed before the case opened."})
    updated = Case.objects.filter(pk=case.pk, assessment_completed_on__isnull=True).update(
        assessment_completed_on=completed_on, version=F("version") + 1
    )
    if not updated:
        raise ValidationError("The assessment has already been recorded as completed.")
    factors = _clean_factors(factors or [])
    waiting = ChildAssessment.objects.filter(
        episode__case=case, episode__closed_on__isnull=True, authorised_on__isnull=True, started_on__lte=completed_on
    )
    waiting.update(authorised_on=completed_on, authorised_by=by, factors=factors)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_UPDATED,
        case=case,
        target=case,
        data={"fields": ["assessment_completed_on"]},
    )
    case.refresh_from_db()
    return case


@transaction.atomic
def case_update(*, case: Case, by: User, seen_version: int, level: str, opened_on: date) -> Case:
    """Change a case's details only if nobody else saved since `seen_version` was loaded."""
    ensure_open(case)
    changed = {name for name, value in (("level", level), ("opened_on", opened_on)) if getattr(case, name) != value}
    # Stepping an early help case up is opening a child in need or child protection case by hand.
    if "level" in changed and case.level == Level.EARLY_HELP and not may_open_by_hand(by, level):
        raise ValidationError(
            {"level": "Only a team manager or senior manager can move a case from early help to this level."}
        )
    if "level" in changed and level == Level.EARLY_HELP and case.episodes.open().exists():
        raise ValidationError(
            {
                "level": "Children on this case have open episodes of need. Close each child's episode from their "
                "record; for the last one, tick “The family continues with early help”: the case then steps down."
            }
        )
    updated = Case.objects.filter(pk=case.pk, version=seen_version).update(
        level=level, opened_on=opened_on, version=F("version") + 1
    )
    if not updated:
        raise VersionConflict(Case.objects.get(pk=case.pk))
    audit.record(
        actor=by, action=AuditEvent.Action.CASE_UPDATED, case=case, target=case, data={"fields": sorted(changed)}
    )
    stepped_up = "level" in changed and case.level == Level.EARLY_HELP
    case.refresh_from_db()
    if stepped_up:
        # Each child's episode of need starts today: the step up is the referral.
        episodes_start(case=case, on=timezone.localdate(), source=ReferralSource.LA_EARLY_HELP)
    return case


@dataclass(frozen=True)
class PersonDetails:
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    is_unborn: bool = False
    expected_on: date | None = None
    sex: str = ""
    nhs_number: str = ""


NHS_TAKEN = (
    "A person with this NHS number is already known to the portal. Search for them and link them instead "
    "of adding them again."
)


def _clean_nhs_number(value: str, *, field: str = "nhs_number", person: Person | None = None) -> str | None:
    """The NHS number as stored (None when not given), refused when invalid or another record has it.
    The message never repeats the number."""
    number = normalise_nhs_number(value or "")
    if not number:
        return None
    if not is_valid_nhs_number(number):
        raise ValidationError({field: "This is not a valid NHS number: check the 10 digits."})
    taken = Person.objects.filter(nhs_number=number)
    if person is not None:
        taken = taken.exclude(pk=person.pk)
    if taken.exists():
        raise ValidationError({field: NHS_TAKEN})
    return number


def _check_can_write(by: User, case: Case) -> None:
    ensure_open(case)
    if not access.decision(by, case).can_write:
        raise PermissionDenied("You can read this case but not change it.")


@transaction.atomic
def household_member_add(
    *,
    case: Case,
    by: User,
    details: PersonDetails | None = None,
    existing: Person | None = None,
    relationship: str,
    relationship_detail: str = "",
    joined_on: date,
) -> HouseholdMember:
    """Add someone to a household: a new person from `details`, or, with `existing`, a person already known
    (found by cases/matching.py), linked rather than typed again, so their earlier cases are theirs here
    too. An alias links its canonical record. Dates are checked here too, not only in the form."""
    ensure_open(case)
    today = timezone.localdate()
    if existing is not None:
        return _household_member_link(
            case=case,
            by=by,
            person=existing,
            relationship=relationship,
            relationship_detail=relationship_detail,
            joined_on=joined_on,
        )
    if details.date_of_birth and details.date_of_birth > today:
        raise ValidationError({"date_of_birth": "A date of birth cannot be in the future."})
    if details.is_unborn and relationship != HouseholdMember.Relationship.CHILD:
        raise ValidationError({"is_unborn": "Only a child can be an unborn baby."})
    person = Person.objects.create(
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=None if details.is_unborn else details.date_of_birth,
        is_unborn=details.is_unborn,
        expected_on=details.expected_on if details.is_unborn else None,
        sex=details.sex,
        nhs_number=_clean_nhs_number(details.nhs_number),
    )
    member = HouseholdMember.objects.create(
        case=case,
        person=person,
        relationship=relationship,
        relationship_detail=relationship_detail,
        joined_on=joined_on,
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_HOUSEHOLD_ADDED,
        case=case,
        target=person,
        data={"relationship": relationship},
    )
    episodes_start(case=case, on=max(joined_on, case.opened_on), person=person)
    return member


def _household_member_link(
    *, case: Case, by: User, person: Person, relationship: str, relationship_detail: str, joined_on: date
) -> HouseholdMember:
    person = Person.objects.get(pk=person.merged_into_id or person.pk)
    # Only a person the linker could already see: someone in a household of a case they may open.
    if not access.cases_visible_to(by).filter(household__person__in=same_people([person.pk])).exists():
        raise PermissionDenied("You can only link a person from a case you can open.")
    if HouseholdMember.objects.filter(case=case, person__in=same_people([person.pk])).exists():
        raise ValidationError("This person is already in this household.")
    if reason := person.too_early_for(joined_on):
        raise ValidationError({"joined_on": reason})
    if person.is_unborn and relationship != HouseholdMember.Relationship.CHILD:
        raise ValidationError({"relationship": "Only a child can be an unborn baby."})
    member = HouseholdMember.objects.create(
        case=case,
        person=person,
        relationship=relationship,
        relationship_detail=relationship_detail,
        joined_on=joined_on,
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_HOUSEHOLD_LINKED,
        case=case,
        target=person,
        data={"relationship": relationship},
    )
    episodes_start(case=case, on=max(joined_on, case.opened_on), person=person)
    return member


@transaction.atomic
def household_member_leave(*, by: User, member: HouseholdMember, left_on: date, left_to: str = "") -> HouseholdMember:
    """Someone left the household on a date, going somewhere (free text, optional). Their place in the
    household's history stays; a second save of the same leaving changes nothing."""
    case = member.case
    _check_can_write(by, case)
    if left_on < member.joined_on:
        raise ValidationError({"left_on": "The date they left cannot be before the date they joined."})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": "This date cannot be in the future."})
    updated = HouseholdMember.objects.filter(pk=member.pk, left_on__isnull=True).update(
        left_on=left_on, left_to=left_to.strip()
    )
    if not updated:
        raise ValidationError("This person has already left the household.")
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_HOUSEHOLD_LEFT,
        case=case,
        target=member.person,
        data={"left_on": left_on.isoformat()},
    )
    member.refresh_from_db()
    return member


CORRECTABLE = tuple(PersonCorrection.FIELDS)
# What the children in need census needs about a child (cases/views.py person_census).
CENSUS_FIELDS = ("ethnicity", "disabilities", "upn", "upn_unknown_reason")


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    return value.isoformat() if isinstance(value, date) else str(value)


def _is_empty(value) -> bool:
    return value in (None, "", [])


def _clean_reason_for_correction(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the details are being corrected."})
    if len(reason) > PersonCorrection.REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": f"The reason must be {PersonCorrection.REASON_MAX_LENGTH} characters or fewer."}
        )
    return reason


def _clean_census_changes(changes: dict, current: Person) -> dict:
    """The census details as stored, checked together with what the person row already says."""
    changes = dict(changes)
    if "ethnicity" in changes:
        changes["ethnicity"] = changes["ethnicity"] or ""
        if changes["ethnicity"] and changes["ethnicity"] not in Ethnicity.values:
            raise ValidationError({"ethnicity": "Choose the ethnicity from the list."})
    if "disabilities" in changes:
        changes["disabilities"] = list(changes["disabilities"] or [])
        if problem := disabilities_problem(changes["disabilities"]):
            raise ValidationError({"disabilities": problem})
        # Stored in the census's order, so the same choice always reads the same.
        changes["disabilities"] = [code for code in Disability.values if code in changes["disabilities"]]
    if "upn" in changes:
        changes["upn"] = normalise_upn(changes["upn"] or "")
        if changes["upn"] and not is_valid_upn(changes["upn"]):
            raise ValidationError({"upn": "This is not a valid unique pupil number: check the 13 characters."})
    if "upn_unknown_reason" in changes:
        changes["upn_unknown_reason"] = changes["upn_unknown_reason"] or ""
        if changes["upn_unknown_reason"] and changes["upn_unknown_reason"] not in UPNUnknown.values:
            raise ValidationError({"upn_unknown_reason": "Choose the reason from the list."})
    upn = changes.get("upn", current.upn)
    upn_reason = changes.get("upn_unknown_reason", current.upn_unknown_reason)
    if upn and upn_reason:
        raise ValidationError(
            {"upn_unknown_reason": "Give either the unique pupil number or why it is not known, not both."}
        )
    if current.is_unborn:
        if upn:
            raise ValidationError({"upn": "An unborn baby has no unique pupil number yet."})
        if upn_reason and upn_reason not in UNBORN_UPN_REASONS:
            raise ValidationError(
                {"upn_unknown_reason": f"For an unborn baby the reason is “{UPNUnknown.NOT_SCHOOL_AGE.label}”."}
            )
    return changes


def _person_change(
    *, by: User, case: Case, person: Person, changes: dict, reason: str, reason_for_first_entry: bool
) -> list[PersonCorrection]:
    """The one way a person's details change from a case: each field that changes from a value it had
    gets a PersonCorrection (before, after, who, why); a field filled in for the first time needs no
    reason when `reason_for_first_entry` is False, and has no old value to keep. Then the person row and
    one audit row naming the fields (never their values). Nothing changed: nothing saved."""
    _check_can_write(by, case)
    if not HouseholdMember.objects.filter(case=case, person=person).exists():
        raise PermissionDenied("Only a person in this household can be corrected from this case.")
    if reason_for_first_entry:
        reason = _clean_reason_for_correction(reason)
    current = Person.objects.select_for_update().get(pk=person.pk)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationError(f"These details cannot be corrected here: {', '.join(sorted(unknown))}.")
    if "nhs_number" in changes:
        changes = {**changes, "nhs_number": _clean_nhs_number(changes["nhs_number"], person=current)}
    for name in ("first_name", "last_name"):
        if name in changes and not (changes[name] or "").strip():
            raise ValidationError({name: "This cannot be left empty."})
    dob = changes.get("date_of_birth", current.date_of_birth)
    if dob and dob > timezone.localdate():
        raise ValidationError({"date_of_birth": "A date of birth cannot be in the future."})
    if current.is_unborn and changes.get("date_of_birth"):
        raise ValidationError({"date_of_birth": "An unborn baby has no date of birth yet."})
    if dob and current.died_on and dob > current.died_on:
        raise ValidationError(
            {
                "date_of_birth": f"{current.first_name} died on {workdays.uk(current.died_on)}: the date of birth "
                "cannot be after that."
            }
        )
    changes = _clean_census_changes(changes, current)
    changed = [
        name for name in CORRECTABLE if name in changes and (getattr(current, name) or None) != (changes[name] or None)
    ]
    if not changed:
        raise ValidationError("Nothing was changed: correct at least one detail.")
    corrected = [name for name in changed if reason_for_first_entry or not _is_empty(getattr(current, name))]
    if corrected:
        reason = _clean_reason_for_correction(reason)
    corrections = [
        PersonCorrection.objects.create(
            person=current,
            case=case,
            field=name,
            old_value=_as_text(getattr(current, name)),
            new_value=_as_text(changes[name]),
            reason=reason,
            corrected_by=by,
        )
        for name in corrected
    ]
    for name in changed:
        setattr(current, name, changes[name])
    current.save(update_fields=changed)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PERSON_CORRECTED,
        case=case,
        target=current,
        # Field names only: the values are personal data and stay on the person and the correction rows.
        data={"fields": corrected, "entered": [name for name in changed if name not in corrected]},
    )
    person.refresh_from_db()
    return corrections


@transaction.atomic
def person_correct(*, by: User, case: Case, person: Person, changes: dict, reason: str) -> list[PersonCorrection]:
    """Correct a person's details from a case they are in: one PersonCorrection per field that changes
    (before, after, who, why), then the person row. A reason is always needed. Nothing changed: nothing
    saved."""
    return _person_change(by=by, case=case, person=person, changes=changes, reason=reason, reason_for_first_entry=True)


@transaction.atomic
def person_census_details(
    *, by: User, case: Case, person: Person, changes: dict, reason: str = ""
) -> list[PersonCorrection]:
    """A child's census details (ethnicity, disabilities, UPN or why it is unknown): a detail entered for
    the first time needs no reason; changing one already recorded does, and keeps the old value as a
    PersonCorrection, as person_correct does."""
    if not HouseholdMember.objects.filter(
        case=case, person=person, relationship=HouseholdMember.Relationship.CHILD
    ).exists():
        raise PermissionDenied("Census details are recorded for a child of the household.")
    unknown = set(changes) - set(CENSUS_FIELDS)
    if unknown:
        raise ValidationError(f"These details are not census details: {', '.join(sorted(unknown))}.")
    return _person_change(by=by, case=case, person=person, changes=changes, reason=reason, reason_for_first_entry=False)


# --- The same person: merging and undoing it ---------------------------------------------------------------


def _check_can_merge(by: User, *people: Person) -> None:
    if not by.can(Capability.Key.MERGE_PEOPLE):
        raise PermissionDenied("Only team managers and MASH managers can mark two records as the same person.")
    visible = access.cases_visible_to(by)
    for person in people:
        if not visible.filter(household__person=person).exists():
            raise PermissionDenied("You can only merge people in cases you can open.")


def _reason(reason: str, limit: int, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Say why {what}."})
    if len(reason) > limit:
        raise ValidationError({"reason": f"The reason must be {limit} characters or fewer."})
    return reason


@transaction.atomic
def merge_people(*, by: User, person: Person, into: Person, reason: str, case: Case | None = None) -> PersonMerge:
    """Record that `person` is the same person as `into`: `person` becomes an alias of `into`, and so do
    its own aliases (merged_into stays one step deep). Audited, reversible with unmerge_people."""
    _check_can_merge(by, person, into)
    reason = _reason(reason, PersonMerge.REASON_MAX_LENGTH, "these are the same person")
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[person.pk, into.pk])}
    person, into = locked[person.pk], locked.get(into.pk, person)
    if person.pk == into.pk:
        raise ValidationError("A record cannot be merged into itself.")
    if into.merged_into_id is not None:
        raise ValidationError("That record is itself merged into another: merge into the record it is now.")
    if person.merged_into_id is not None:
        raise ValidationError("This record is already merged into another.")
    if person.nhs_number and into.nhs_number and person.nhs_number != into.nhs_number:
        raise ValidationError("The two records have different NHS numbers: they are two different people.")
    merge = PersonMerge.objects.create(person=person, into=into, merged_by=by, reason=reason)
    Person.objects.filter(Q(pk=person.pk) | Q(merged_into=person.pk)).update(merged_into=into.pk)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PERSON_MERGED,
        case=case,
        target=merge,
        data={"person_id": str(person.pk), "into_id": str(into.pk)},
    )
    return merge


@transaction.atomic
def unmerge_people(*, by: User, merge: PersonMerge, reason: str, case: Case | None = None) -> PersonMergeReversal:
    """Undo a merge: its person is a record of its own again, with the aliases merged into it before; the
    merge stays in the history with its reversal beside it."""
    _check_can_merge(by, merge.person, merge.into)
    reason = _reason(reason, PersonMergeReversal.REASON_MAX_LENGTH, "the merge is being undone")
    if PersonMergeReversal.objects.filter(merge=merge).exists():
        raise ValidationError("This merge has already been undone.")
    canonical = merge.into.merged_into_id or merge.into_id
    group = list(
        Person.objects.select_for_update()
        .filter(Q(pk=canonical) | Q(merged_into=canonical) | Q(pk=merge.person_id))
        .values_list("pk", flat=True)
    )
    reversal = PersonMergeReversal.objects.create(merge=merge, reversed_by=by, reason=reason)
    # Each record's own merge still in force (at most one: an alias cannot be merged again), then each
    # record's canonical one by following them.
    direct = dict(
        PersonMerge.objects.filter(person__in=group, reversal__isnull=True).values_list("person_id", "into_id")
    )
    for pk in group:
        target, seen = pk, set()
        while target in direct and target not in seen:
            seen.add(target)
            target = direct[target]
        Person.objects.filter(pk=pk).update(merged_into=None if target == pk else target)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PERSON_UNMERGED,
        case=case,
        target=reversal,
        data={"merge_id": merge.pk, "person_id": str(merge.person_id), "into_id": str(merge.into_id)},
    )
    return reversal


# --- The household's addresses ----------------------------------------------------------------------------


@transaction.atomic
def household_address_add(
    *,
    by: User,
    case: Case,
    line_1: str,
    postcode: str,
    from_on: date,
    line_2: str = "",
    town: str = "",
    is_main_home: bool = True,
) -> HouseholdAddress:
    """Add an address to the household's history. A new main home ends the current one on the day the
    household moved (one current main home per case)."""
    _check_can_write(by, case)
    if from_on > timezone.localdate():
        raise ValidationError({"from_on": "This date cannot be in the future."})
    if not line_1.strip() or not postcode.strip():
        raise ValidationError("Give the first line of the address and the postcode.")
    if is_main_home:
        homes = HouseholdAddress.objects.select_for_update().filter(case=case, is_main_home=True)
        current = homes.filter(to_on__isnull=True).first()
        if current is not None:
            if from_on < current.from_on:
                raise ValidationError(
                    {"from_on": "The household's current main home started after this date: end it first."}
                )
            HouseholdAddress.objects.filter(pk=current.pk).update(to_on=from_on)
    address = HouseholdAddress.objects.create(
        case=case,
        line_1=line_1.strip(),
        line_2=line_2.strip(),
        town=town.strip(),
        postcode=postcode.strip().upper(),
        from_on=from_on,
        is_main_home=is_main_home,
        added_by=by,
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_ADDRESS_ADDED,
        case=case,
        target=address,
        data={"is_main_home": is_main_home},
    )
    return address


@transaction.atomic
def household_address_end(*, by: User, case: Case, address: HouseholdAddress, to_on: date) -> HouseholdAddress:
    """The household no longer lives at an address from `to_on`."""
    _check_can_write(by, case)
    if to_on < address.from_on:
        raise ValidationError({"to_on": "The end date cannot be before the household moved in."})
    if to_on > timezone.localdate():
        raise ValidationError({"to_on": "This date cannot be in the future."})
    updated = HouseholdAddress.objects.filter(pk=address.pk, case=case, to_on__isnull=True).update(to_on=to_on)
    if not updated:
        raise ValidationError("This address has already ended.")
    audit.record(actor=by, action=AuditEvent.Action.CASE_ADDRESS_ENDED, case=case, target=address)
    address.refresh_from_db()
    return address


@transaction.atomic
def case_member_add(*, case: Case, by: User, user: User, role: str, started_on: date) -> CaseMember:
    ensure_open(case)
    if not access.decision(by, case).can_manage:
        raise PermissionDenied("Only the lead professional or a manager can change the team.")
    if role == CaseMember.Role.LEAD:
        raise ValidationError({"role": "Use 'Change lead professional' to change the lead."})
    if not user.is_active:
        raise ValidationError({"user": "This person's account is not active."})
    try:
        with transaction.atomic():
            member = CaseMember.objects.create(case=case, user=user, role=role, started_on=started_on, added_by=by)
    except IntegrityError as exc:
        raise ValidationError({"user": "This person is already on the case team."}) from exc
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_TEAM_ADDED,
        case=case,
        target=member,
        data={"user_id": user.pk, "role": role},
    )
    return member


@transaction.atomic
def case_member_end(*, case: Case, by: User, member: CaseMember, ended_on: date) -> CaseMember:
    ensure_open(case)
    if not access.decision(by, case).can_manage:
        raise PermissionDenied("Only the lead professional or a manager can change the team.")
    if member.role == CaseMember.Role.LEAD:
        raise ValidationError("Change the lead professional before removing them from the team.")
    if ended_on < member.started_on:
        raise ValidationError({"ended_on": "The end date cannot be before the start date."})
    updated = CaseMember.objects.filter(pk=member.pk, ended_on__isnull=True).update(ended_on=ended_on)
    if updated:
        audit.record(
            actor=by,
            action=AuditEvent.Action.CASE_TEAM_ENDED,
            case=case,
            target=member,
            data={"user_id": member.user_id},
        )
    member.refresh_from_db()
    return member


@transaction.atomic
def access_grant_create(*, case: Case, by: User, user: User, reason: str, hours: int) -> AccessGrant:
    """Temporary read access for someone outside the team, with a reason, for at most 24 hours."""
    ensure_open(case)
    if not access.decision(by, case).can_manage:
        raise PermissionDenied("Only the lead professional or a manager can grant access.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why this person needs to see the case."})
    if not 1 <= hours <= MAX_GRANT_HOURS:
        raise ValidationError({"hours": f"Access can be granted for 1 to {MAX_GRANT_HOURS} hours."})
    grant = AccessGrant.objects.create(
        case=case,
        user=user,
        reason=reason.strip(),
        granted_by=by,
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_ACCESS_GRANTED,
        case=case,
        target=grant,
        data={"user_id": user.pk, "hours": hours},
    )
    return grant


@transaction.atomic
def case_reopen(*, case: Case, by: User, seen_version: int, reason: str) -> CaseReopening:
    """Reopen a closed case: a manager's decision (the lead's team manager or a senior manager of the lead
    agency), with their reason. The closure it undoes is kept on the CaseReopening row, because the case's
    own closed_on must be cleared for an open case. The children's closed episodes stay as they closed: each
    child still in the household starts a new episode today, as the census counts a reopening."""
    if not access.decision(by, case).supervises:
        raise PermissionDenied("Only the lead professional's manager can reopen a case.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the case is being reopened."})
    if len(reason) > CaseReopening.REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"The reason must be {CaseReopening.REASON_MAX_LENGTH} characters or fewer."})
    current = Case.objects.select_for_update().get(pk=case.pk)
    if current.version != seen_version:
        raise VersionConflict(current)
    if current.is_open:
        raise ValidationError("This case is already open.")
    reopening = CaseReopening.objects.create(
        case=current,
        reopened_by=by,
        reason=reason,
        previous_closed_on=current.closed_on,
    )
    Case.objects.filter(pk=case.pk).update(status=Case.Status.OPEN, closed_on=None, version=F("version") + 1)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_REOPENED,
        case=case,
        target=reopening,
        # The reason itself is on the reopening row; the trail says which closure was undone.
        data={"closed_on": current.closed_on.isoformat()},
    )
    case.refresh_from_db()
    episodes_start(case=case, on=timezone.localdate(), source=ReferralSource.LA_SOCIAL_CARE)
    return reopening


# --- Each child's statutory record: episodes, assessments, section 47 enquiries -----------------------------


def episodes_start(
    *,
    case: Case,
    on: date,
    source: str = ReferralSource.UNKNOWN,
    assessment_due: date | None = None,
    person: Person | None = None,
) -> list[ChildEpisode]:
    """Start an episode of need for each child now in a statutory case's household who has none open: when the
    case opens or steps up from early help, or is reopened; with `person`, for that child only, who has just
    joined (a sibling whose episode closed on its own stays closed). Early help has none (it is outside the
    census), nor does a child who has died. With `assessment_due`, each child's assessment starts too."""
    if case.level == Level.EARLY_HELP or not case.is_open:
        return []
    open_children = ChildEpisode.objects.open().filter(case=case).values("child_id")
    members = (
        HouseholdMember.objects.filter(case=case, relationship=HouseholdMember.Relationship.CHILD, left_on__isnull=True)
        .exclude(person_id__in=open_children)
        .filter(person__died_on__isnull=True)
    )
    if person is not None:
        members = members.filter(person=person)
    members = members.values_list("person_id", "joined_on")
    # A child there when the episode's referral came starts on `on`; a child who joined later, on joining.
    latest_joining = max(on, case.opened_on)
    episodes = ChildEpisode.objects.bulk_create(
        ChildEpisode(
            case=case,
            child_id=person_id,
            started_on=on if joined_on <= latest_joining else joined_on,
            referral_source=source,
        )
        for person_id, joined_on in members
    )
    if assessment_due is not None:
        ChildAssessment.objects.bulk_create(
            ChildAssessment(episode=episode, started_on=episode.started_on, due_on=assessment_due)
            for episode in episodes
        )
    return episodes


def _check_episode_writable(by: User, episode: ChildEpisode) -> None:
    ensure_open(episode.case_id)
    if not access.decision(by, episode.case).can_manage:
        raise PermissionDenied("Only the lead professional or a manager can change a child's statutory record.")
    if episode.child.record_locked:
        raise ValidationError(f"{episode.child.first_name} has died: their record is closed to change.")
    # Read again, not from the page: an episode closed since the page was opened takes nothing more.
    if ChildEpisode.objects.filter(pk=episode.pk, closed_on__isnull=False).exists():
        raise ValidationError("This episode of need has closed: it can be read but not added to.")


def _clean_factors(factors: list[str]) -> list[str]:
    unknown = set(factors) - set(AssessmentFactor.values)
    if unknown:
        raise ValidationError({"factors": "Choose the factors from the list."})
    if AssessmentFactor.NO_FACTORS in factors and len(factors) > 1:
        raise ValidationError({"factors": "“No factors identified” cannot be chosen with another factor."})
    if retired := [code for code in factors if code in RETIRED_FACTORS]:
        raise ValidationError(
            {"factors": " ".join(f"{code} is no longer used: choose {RETIRED_FACTORS[code]}." for code in retired)}
        )
    # The census's order, whatever order the form sent them in.
    return [code for code in AssessmentFactor.values if code in factors]


def _check_child_date(episode: ChildEpisode, day: date, field: str, what: str) -> None:
    """A date on a child's record: not in the future, not before the child's earliest date nor after their death,
    nor before the episode began."""
    if day > timezone.localdate():
        raise ValidationError({field: f"The {what} cannot be in the future."})
    child = episode.child
    if problem := child.too_early_for(day) or child.too_late_for(day):
        raise ValidationError({field: problem})
    if day < episode.started_on:
        raise ValidationError(
            {field: f"The episode of need began on {workdays.uk(episode.started_on)}: the {what} cannot be before it."}
        )


@transaction.atomic
def episode_update(
    *, episode: ChildEpisode, by: User, seen_version: int, started_on: date, referral_source: str, primary_need: str
) -> ChildEpisode:
    """Correct an open episode's referral date, source or primary need."""
    _check_episode_writable(by, episode)
    if referral_source not in ReferralSource.values or primary_need not in PrimaryNeed.values:
        raise ValidationError("Choose the referral source and the primary need from the lists.")
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": "The referral date cannot be in the future."})
    if problem := episode.child.too_early_for(started_on):
        raise ValidationError({"started_on": problem})
    first = episode.assessments.order_by("started_on").values_list("started_on", flat=True).first()
    if first and started_on > first:
        raise ValidationError(
            {"started_on": f"An assessment started on {workdays.uk(first)}: the referral cannot be after it."}
        )
    updated = ChildEpisode.objects.filter(pk=episode.pk, version=seen_version, closed_on__isnull=True).update(
        started_on=started_on,
        referral_source=referral_source,
        primary_need=primary_need,
        version=F("version") + 1,
    )
    if not updated:
        raise VersionConflict(ChildEpisode.objects.get(pk=episode.pk))
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_CHILD_RECORD_CHANGED,
        case=episode.case,
        target=episode,
        data={"fields": ["started_on", "referral_source", "primary_need"]},
    )
    episode.refresh_from_db()
    return episode


@transaction.atomic
def child_assessment_record(
    *,
    episode: ChildEpisode,
    by: User,
    started_on: date,
    authorised_on: date | None,
    factors: list[str],
) -> ChildAssessment:
    """Record an assessment of one child, authorised now or later (`child_assessment_authorise`)."""
    _check_episode_writable(by, episode)
    _check_child_date(episode, started_on, "started_on", "assessment's start")
    if authorised_on is not None:
        _check_child_date(episode, authorised_on, "authorised_on", "authorisation")
        if authorised_on < started_on:
            raise ValidationError({"authorised_on": "An assessment cannot be authorised before it started."})
    factors = _clean_factors(factors)
    if authorised_on is not None and not factors:
        raise ValidationError({"factors": "Say what the assessment found: choose at least one factor."})
    assessment = ChildAssessment.objects.create(
        episode=episode,
        started_on=started_on,
        due_on=assessment_due_on(started_on),
        authorised_on=authorised_on,
        authorised_by=by if authorised_on else None,
        factors=factors,
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_CHILD_RECORD_CHANGED,
        case=episode.case,
        target=assessment,
        data={"fields": ["assessment"]},
    )
    return assessment


@transaction.atomic
def child_assessment_authorise(
    *, assessment: ChildAssessment, by: User, authorised_on: date, factors: list[str]
) -> ChildAssessment:
    episode = assessment.episode
    _check_episode_writable(by, episode)
    _check_child_date(episode, authorised_on, "authorised_on", "authorisation")
    if authorised_on < assessment.started_on:
        raise ValidationError({"authorised_on": "An assessment cannot be authorised before it started."})
    factors = _clean_factors(factors)
    if not factors:
        raise ValidationError({"factors": "Say what the assessment found: choose at least one factor."})
    updated = ChildAssessment.objects.filter(pk=assessment.pk, authorised_on__isnull=True).update(
        authorised_on=authorised_on, authorised_by=by, factors=factors
    )
    if not updated:
        raise ValidationError("This assessment has already been authorised.")
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_CHILD_RECORD_CHANGED,
        case=episode.case,
        target=assessment,
        data={"fields": ["authorised_on", "factors"]},
    )
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def section47_record(
    *,
    episode: ChildEpisode,
    by: User,
    started_on: date,
    conference_needed: bool | None,
    conference_on: date | None,
    enquiry: Section47Enquiry | None = None,
    seen_version: int | None = None,
) -> Section47Enquiry:
    """Record a section 47 enquiry about one child, or, with `enquiry`, its finding and the conference date,
    only if nobody changed it since `seen_version`."""
    _check_episode_writable(by, episode)
    if episode.case.level == Level.EARLY_HELP:
        raise ValidationError("A section 47 enquiry is a statutory enquiry: step the case up first.")
    _check_child_date(episode, started_on, "started_on", "enquiry's start")
    if conference_on is not None:
        if not conference_needed:
            raise ValidationError({"conference_on": "Give a conference date only when a conference is needed."})
        if conference_on < started_on:
            raise ValidationError({"conference_on": "The conference cannot be before the enquiry started."})
        if problem := episode.child.too_late_for(conference_on):
            raise ValidationError({"conference_on": problem})
    fields = {"started_on": started_on, "conference_needed": conference_needed, "conference_on": conference_on}
    if enquiry is None:
        enquiry = Section47Enquiry.objects.create(episode=episode, recorded_by=by, **fields)
    else:
        updated = Section47Enquiry.objects.filter(pk=enquiry.pk, version=seen_version).update(
            **fields, version=F("version") + 1
        )
        if not updated:
            raise VersionConflict(Section47Enquiry.objects.get(pk=enquiry.pk))
        enquiry.refresh_from_db()
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_CHILD_RECORD_CHANGED,
        case=episode.case,
        target=enquiry,
        data={"fields": ["section_47"]},
    )
    return enquiry


# How far a birth may be from the expected date before the portal asks for the dates to be checked: a baby
# born very early (before 24 weeks, about four months early) or a date far past the expected one is more
# likely a typing error than a fact.
BIRTH_EARLIEST_MONTHS_BEFORE_EXPECTED = 4
BIRTH_LATEST_MONTHS_AFTER_EXPECTED = 1


@transaction.atomic
def record_birth(*, by: User, case: Case, person: Person, born_on: date, sex: str = "") -> Person:
    """An unborn baby was born: the date of birth is set, the baby is no longer unborn, and the change is kept
    as a correction (the expected date stays on the person). The date must agree with the expected date and
    with anything already recorded about the child after birth."""
    _check_can_write(by, case)
    if not HouseholdMember.objects.filter(case=case, person=person).exists():
        raise PermissionDenied("Only a child in this household can be recorded as born from this case.")
    current = Person.objects.select_for_update().get(pk=person.pk)
    if not current.is_unborn:
        raise ValidationError("This child's birth is already recorded.")
    if born_on > timezone.localdate():
        raise ValidationError({"born_on": "A date of birth cannot be in the future."})
    expected = current.expected_on
    earliest = workdays.months_later(expected, -BIRTH_EARLIEST_MONTHS_BEFORE_EXPECTED)
    latest = workdays.months_later(expected, BIRTH_LATEST_MONTHS_AFTER_EXPECTED)
    if not earliest <= born_on <= latest:
        raise ValidationError(
            {
                "born_on": f"{current.first_name} was expected on {workdays.uk(expected)}: a birth on "
                f"{workdays.uk(born_on)} is too far from that. Check the date, or correct the expected date first."
            }
        )
    if current.died_on and current.died_on < born_on:
        raise ValidationError({"born_on": f"The date of death, {workdays.uk(current.died_on)}, is before this date."})
    if sex and sex not in Person.Sex.values:
        raise ValidationError({"sex": "Choose the baby's sex from the list."})
    PersonCorrection.objects.create(
        person=current,
        case=case,
        field="date_of_birth",
        old_value="",
        new_value=born_on.isoformat(),
        reason="The baby was born.",
        corrected_by=by,
    )
    changed = {"is_unborn": False, "date_of_birth": born_on}
    if sex and sex != current.sex:
        PersonCorrection.objects.create(
            person=current, case=case, field="sex", old_value=current.sex, new_value=sex, reason="The baby was born.",
            corrected_by=by,
        )  # fmt: skip
        changed["sex"] = sex
    Person.objects.filter(pk=current.pk).update(**changed)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PERSON_CORRECTED,
        case=case,
        target=current,
        data={"fields": sorted(changed)},
    )
    person.refresh_from_db()
    return person
