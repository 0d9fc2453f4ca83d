"""Workflows that write cases, households, teams and access grants.

Each service is atomic and writes its audit row in the same transaction as the change.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases.models import (
    AccessGrant,
    Case,
    CaseMember,
    CaseReferenceCounter,
    CaseReopening,
    HouseholdMember,
    Person,
)
from common.conflicts import VersionConflict

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


@transaction.atomic
def case_create(*, by: User, level: str, opened_on: date, lead_professional: User | None = None) -> Case:
    """Open a case with its lead professional as the first team member."""
    lead = lead_professional or by
    if lead.agency_id is None:
        raise ValidationError("The lead professional must belong to an agency.")
    case = Case.objects.create(
        reference=_next_reference(opened_on.year),
        level=level,
        opened_on=opened_on,
        lead_professional=lead,
        lead_agency_id=lead.agency_id,
    )
    CaseMember.objects.create(case=case, user=lead, role=CaseMember.Role.LEAD, started_on=opened_on, added_by=by)
    if lead != by:
        CaseMember.objects.create(
            case=case, user=by, role=CaseMember.Role.CORE_GROUP, started_on=opened_on, added_by=by
        )
    audit.record(actor=by, action=AuditEvent.Action.CASE_CREATED, case=case, target=case)
    return case


@transaction.atomic
def case_update(*, case: Case, by: User, seen_version: int, level: str, opened_on: date) -> Case:
    """Change a case's details only if nobody else saved since `seen_version` was loaded."""
    ensure_open(case)
    changed = {name for name, value in (("level", level), ("opened_on", opened_on)) if getattr(case, name) != value}
    updated = Case.objects.filter(pk=case.pk, version=seen_version).update(
        level=level, opened_on=opened_on, version=F("version") + 1
    )
    if not updated:
        raise VersionConflict(Case.objects.get(pk=case.pk))
    audit.record(
        actor=by, action=AuditEvent.Action.CASE_UPDATED, case=case, target=case, data={"fields": sorted(changed)}
    )
    case.refresh_from_db()
    return case


@dataclass(frozen=True)
class PersonDetails:
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    is_unborn: bool = False
    expected_on: date | None = None
    sex: str = ""


@transaction.atomic
def household_member_add(
    *, case: Case, by: User, details: PersonDetails, relationship: str, relationship_detail: str = "", joined_on: date
) -> HouseholdMember:
    """Add a new person to a household. Dates are checked here too, not only in the form."""
    ensure_open(case)
    today = timezone.localdate()
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
    return member


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
    own closed_on and closure_reason must be cleared for an open case."""
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
        previous_closure_reason=current.closure_reason,
    )
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.OPEN, closed_on=None, closure_reason="", version=F("version") + 1
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_REOPENED,
        case=case,
        target=reopening,
        # The reason itself is on the reopening row; the trail says which closure was undone.
        data={"closed_on": current.closed_on.isoformat(), "closure_reason": current.closure_reason},
    )
    case.refresh_from_db()
    return reopening
