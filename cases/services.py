"""Workflows that write cases, households, teams and access grants.

Each service is atomic and writes its audit row in the same transaction as the change.
"""

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
from cases.models import AccessGrant, Case, CaseMember, CaseReferenceCounter, HouseholdMember, Person
from common.conflicts import VersionConflict

MAX_GRANT_HOURS = 24


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
