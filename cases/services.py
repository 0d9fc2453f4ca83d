"""Workflows that write cases, households, teams and access grants.

Each service is atomic and writes its audit row in the same transaction as the change.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts import access
from accounts.models import User
from audit import services as audit

from . import plan_selectors
from .models import (
    AccessGrant,
    Case,
    CaseMember,
    CaseReferenceCounter,
    ClosureReason,
    Flag,
    HouseholdMember,
    Notification,
    Person,
)

MAX_GRANT_HOURS = 24


class VersionConflict(Exception):
    """Someone saved the record after this user loaded it; nothing was written."""

    def __init__(self, current):
        super().__init__("The record was changed by someone else.")
        self.current = current


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
    CaseMember.objects.create(
        case=case, user=lead, role=CaseMember.Role.LEAD, started_on=opened_on, added_by=by
    )
    if lead != by:
        CaseMember.objects.create(
            case=case, user=by, role=CaseMember.Role.CORE_GROUP, started_on=opened_on, added_by=by
        )
    audit.record(actor=by, action="case.created", case=case, target=case)
    return case


@transaction.atomic
def case_update(*, case: Case, by: User, seen_version: int, level: str, opened_on: date) -> Case:
    """Change a case's details only if nobody else saved since `seen_version` was loaded."""
    changed = {
        name for name, value in (("level", level), ("opened_on", opened_on))
        if getattr(case, name) != value
    }
    updated = Case.objects.filter(pk=case.pk, version=seen_version).update(
        level=level, opened_on=opened_on, version=F("version") + 1
    )
    if not updated:
        raise VersionConflict(Case.objects.get(pk=case.pk))
    audit.record(actor=by, action="case.updated", case=case, target=case,
                 data={"fields": sorted(changed)})
    case.refresh_from_db()
    return case


@transaction.atomic
def case_close(*, case: Case, by: User, seen_version: int, closed_on: date, reason: str) -> Case:
    if not access.can_manage_team(by, case):
        raise PermissionDenied("Only the lead professional or a manager can close a case.")
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": "Choose a closure reason from the list."})
    if closed_on < case.opened_on:
        raise ValidationError({"closed_on": "The case cannot close before it opened."})
    # Nothing closes without a review (DOMAIN.md: "Review before closure or transfer").
    if problem := plan_selectors.closing_review_problem(case=case, on=closed_on):
        raise ValidationError(f"The case cannot close yet. {problem}")
    updated = Case.objects.filter(pk=case.pk, version=seen_version, status=Case.Status.OPEN).update(
        status=Case.Status.CLOSED, closed_on=closed_on, closure_reason=reason,
        version=F("version") + 1,
    )
    if not updated:
        raise VersionConflict(Case.objects.get(pk=case.pk))
    audit.record(actor=by, action="case.closed", case=case, target=case, data={"reason": reason})
    # A plan does not outlive its case.
    case.plans.filter(ended_on__isnull=True).update(
        ended_on=Greatest(F("started_on"), Value(closed_on)), version=F("version") + 1)
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
def household_member_add(*, case: Case, by: User, details: PersonDetails, relationship: str,
                         relationship_detail: str = "", joined_on: date) -> HouseholdMember:
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
        case=case, person=person, relationship=relationship,
        relationship_detail=relationship_detail, joined_on=joined_on,
    )
    audit.record(actor=by, action="case.household.added", case=case, target=person,
                 data={"relationship": relationship})
    return member


@transaction.atomic
def case_member_add(*, case: Case, by: User, user: User, role: str, started_on: date) -> CaseMember:
    if not access.can_manage_team(by, case):
        raise PermissionDenied("Only the lead professional or a manager can change the team.")
    if role == CaseMember.Role.LEAD:
        raise ValidationError({"role": "Use 'Change lead professional' to change the lead."})
    if not user.is_active:
        raise ValidationError({"user": "This person's account is not active."})
    try:
        with transaction.atomic():
            member = CaseMember.objects.create(
                case=case, user=user, role=role, started_on=started_on, added_by=by
            )
    except IntegrityError as exc:
        raise ValidationError({"user": "This person is already on the case team."}) from exc
    audit.record(actor=by, action="case.team.added", case=case, target=member,
                 data={"user_id": user.pk, "role": role})
    return member


@transaction.atomic
def case_member_end(*, case: Case, by: User, member: CaseMember, ended_on: date) -> CaseMember:
    if not access.can_manage_team(by, case):
        raise PermissionDenied("Only the lead professional or a manager can change the team.")
    if member.role == CaseMember.Role.LEAD:
        raise ValidationError("Change the lead professional before removing them from the team.")
    if ended_on < member.started_on:
        raise ValidationError({"ended_on": "The end date cannot be before the start date."})
    updated = CaseMember.objects.filter(pk=member.pk, ended_on__isnull=True).update(ended_on=ended_on)
    if updated:
        audit.record(actor=by, action="case.team.ended", case=case, target=member,
                     data={"user_id": member.user_id})
    member.refresh_from_db()
    return member


@transaction.atomic
def lead_change(*, case: Case, by: User, seen_version: int, new_lead: User, on: date,
                keep_previous_on_team: bool = True) -> Case:
    """Hand the case to a new lead. The old lead's membership is ended, never rewritten."""
    if not access.can_manage_team(by, case):
        raise PermissionDenied("Only the lead professional or a manager can change the lead.")
    if new_lead.pk == case.lead_professional_id:
        raise ValidationError({"new_lead": "This person is already the lead professional."})
    if new_lead.agency_id is None or not new_lead.is_active:
        raise ValidationError({"new_lead": "The new lead must be an active member of an agency."})
    # A lead in another agency is a transfer, which needs a closing review like a closure does.
    if new_lead.agency_id != case.lead_agency_id and (
        problem := plan_selectors.closing_review_problem(case=case, on=on)
    ):
        raise ValidationError(f"The case cannot transfer to another agency yet. {problem}")
    updated = Case.objects.filter(pk=case.pk, version=seen_version).update(
        lead_professional=new_lead, lead_agency_id=new_lead.agency_id, version=F("version") + 1
    )
    if not updated:
        raise VersionConflict(Case.objects.get(pk=case.pk))
    previous = case.lead_professional
    CaseMember.objects.filter(case=case, ended_on__isnull=True, user__in=[previous, new_lead]).update(
        ended_on=on
    )
    CaseMember.objects.create(case=case, user=new_lead, role=CaseMember.Role.LEAD,
                              started_on=on, added_by=by)
    if keep_previous_on_team:
        CaseMember.objects.create(case=case, user=previous, role=CaseMember.Role.CORE_GROUP,
                                  started_on=on, added_by=by)
    audit.record(actor=by, action="case.lead.changed", case=case, target=case,
                 data={"from_user_id": previous.pk, "to_user_id": new_lead.pk})
    case.refresh_from_db()
    return case


@transaction.atomic
def access_grant_create(*, case: Case, by: User, user: User, reason: str, hours: int) -> AccessGrant:
    """Temporary read access for someone outside the team, with a reason, for at most 24 hours."""
    if not access.can_manage_team(by, case):
        raise PermissionDenied("Only the lead professional or a manager can grant access.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why this person needs to see the case."})
    if not 1 <= hours <= MAX_GRANT_HOURS:
        raise ValidationError({"hours": f"Access can be granted for 1 to {MAX_GRANT_HOURS} hours."})
    grant = AccessGrant.objects.create(
        case=case, user=user, reason=reason.strip(), granted_by=by,
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    audit.record(actor=by, action="case.access_granted", case=case, target=grant,
                 data={"user_id": user.pk, "hours": hours})
    return grant


@transaction.atomic
def flag_acknowledge(*, case: Case, by: User, flag: Flag, note: str) -> Flag:
    """The lead professional (or a manager) says what they will do about a flag."""
    if not access.can_manage_team(by, case):
        raise PermissionDenied("Only the lead professional or a manager can acknowledge a flag.")
    if not note.strip():
        raise ValidationError({"note": "Say what you will do about this."})
    updated = Flag.objects.filter(pk=flag.pk, case=case, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=by, acknowledgement_note=note.strip())
    if not updated:
        raise ValidationError("This flag has already been acknowledged.")
    audit.record(actor=by, action="cases.flag.acknowledged", case=case, target=flag,
                 data={"rule": flag.rule})
    flag.refresh_from_db()
    return flag


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
