"""Workflows that write plans, outcomes, actions, meetings and supervision, and schedule the next
meeting with its due date; and the two that end a case's work with its team: closing, and handing the
case to a new lead (a transfer when the lead is in another agency). Both need a closing review. Each is
atomic and writes its audit row in the same transaction."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Agency, Capability, Team, User, staff_managed_by
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases import services as case_services
from cases.models import Case, CaseMember, ChildEpisode, Level
from common.conflicts import VersionConflict
from plans import children as child_plans
from plans import selectors as plan_selectors
from plans.models import (
    REVIEW_KINDS,
    Action,
    ChildPlan,
    Meeting,
    MeetingKind,
    MeetingRecord,
    Outcome,
    OutcomeRating,
    Plan,
    Timescale,
)
from workdays import calendar as workdays

K, T = MeetingKind, Timescale.Key
# Holding a meeting of the first kind schedules each meeting kind listed, due by its timescale.
NEXT_MEETINGS = {
    K.STRATEGY_DISCUSSION: [(K.INITIAL_CONFERENCE, T.INITIAL_CONFERENCE)],
    K.INITIAL_CONFERENCE: [(K.REVIEW_CONFERENCE, T.FIRST_REVIEW_CONFERENCE), (K.CORE_GROUP, T.FIRST_CORE_GROUP)],
    K.REVIEW_CONFERENCE: [(K.REVIEW_CONFERENCE, T.REVIEW_CONFERENCE)],
    K.CORE_GROUP: [(K.CORE_GROUP, T.CORE_GROUP)],
    K.CIN_REVIEW: [(K.CIN_REVIEW, T.CIN_REVIEW)],
    K.EARLY_HELP_REVIEW: [(K.EARLY_HELP_REVIEW, T.EARLY_HELP_REVIEW)],
    K.SUPERVISION: [(K.SUPERVISION, T.SUPERVISION)],
}
# Starting a plan schedules its first review (a CP plan's come from the initial conference instead).
FIRST_REVIEW_OF_PLAN = {
    Level.CHILD_IN_NEED: (K.CIN_REVIEW, T.CIN_REVIEW),
    Level.EARLY_HELP: (K.EARLY_HELP_REVIEW, T.EARLY_HELP_REVIEW),
}


@dataclass(frozen=True)
class OutcomeDetails:
    what_must_change: str
    by_when: date
    how_we_will_know: str
    outcome_id: int | None = None  # an existing outcome being changed


@dataclass(frozen=True)
class Rating:
    rating: str
    comment: str = ""


def _check_can_change(case: Case, by: User) -> None:
    # Closed first: on a closed case everyone is refused, and the form says why.
    case_services.ensure_open(case)
    if not access.decision(by, case).can_write:
        raise PermissionDenied("You can read this case but not change it.")


def _check_plan_fields(
    *, kind: str, started_on: date, ended_on: date | None, outcomes: list[OutcomeDetails], category: str | None = None
) -> None:
    """`category` only when a plan starts: later, each child's category is changed on its own (plans/children.py)."""
    errors = {}
    if category is not None and kind == Level.CHILD_PROTECTION and not category:
        errors["category"] = "A child protection plan needs its category, for example neglect."
    if kind != Level.CHILD_PROTECTION and category:
        errors["category"] = "Only a child protection plan has a category."
    if ended_on and ended_on <= started_on:
        errors["ended_on"] = "A plan ends after the day it starts: it cannot end before it starts or on that day."
    if not outcomes:
        errors["__all__"] = "A plan needs at least one outcome: what must change, by when, and how everyone will know."
    elif any(o.by_when is None for o in outcomes):
        errors["__all__"] = "Every outcome needs a date by when it must change."
    elif any(o.by_when < started_on for o in outcomes):
        errors["__all__"] = "An outcome cannot be due before the plan starts."
    if errors:
        raise ValidationError(errors)


def _schedule(
    *, case: Case, by: User, kind: str, key: str, start: date, after: Meeting | None, cal: workdays.WorkingCalendar
) -> Meeting | None:
    """Schedule one meeting from its timescale, unless one of that kind is already waiting (it keeps its date)."""
    due_on, basis = plan_selectors.timescale(key).due_from(start, cal=cal)
    if after is not None:
        basis += f" ({after.get_kind_display().lower()})"
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                case=case, kind=kind, due_on=due_on, due_basis=basis, scheduled_by_meeting=after
            )
    except IntegrityError:  # cases_meeting_one_waiting_per_kind
        return None
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_MEETING_SCHEDULED,
        case=case,
        target=meeting,
        data={"kind": kind, "timescale": key},
    )
    return meeting


@transaction.atomic
def plan_create(
    *,
    case: Case,
    by: User,
    kind: str,
    category: str,
    started_on: date,
    outcomes: list[OutcomeDetails],
    children: list[ChildEpisode] | None = None,
) -> Plan:
    """Start the household's plan. A child in need or child protection plan is also each child's (`children`,
    their open episodes; all of them when not given), a child protection plan with the category its initial
    conference chose; an early help plan is the family's only."""
    _check_can_change(case, by)
    _check_plan_fields(kind=kind, category=category, started_on=started_on, ended_on=None, outcomes=outcomes)
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": "Record a plan once it has started."})
    if kind != Level.EARLY_HELP and case.level == Level.EARLY_HELP:
        raise ValidationError({"kind": "An early help case has an early help plan: step the case up first."})
    try:
        with transaction.atomic():
            plan = Plan.objects.create(case=case, kind=kind, started_on=started_on, created_by=by)
    except IntegrityError as exc:  # cases_plan_one_current_per_case
        raise ValidationError(
            "This case already has a current plan. End it (change the plan and give an end "
            "date) before starting a new one."
        ) from exc
    Outcome.objects.bulk_create(
        Outcome(
            plan=plan,
            number=number,
            what_must_change=o.what_must_change,
            by_when=o.by_when,
            how_we_will_know=o.how_we_will_know,
        )
        for number, o in enumerate(outcomes, start=1)
    )
    if kind != Level.EARLY_HELP:
        chosen = list(children) if children is not None else list(child_plans.plan_children_choices(case))
        child_plans.child_plans_start(plan=plan, episodes=chosen, category=category)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PLAN_CREATED,
        case=case,
        target=plan,
        data={"kind": kind, "outcomes": len(outcomes)},
    )
    if kind in FIRST_REVIEW_OF_PLAN:
        review_kind, key = FIRST_REVIEW_OF_PLAN[kind]
        _schedule(
            case=case,
            by=by,
            kind=review_kind,
            key=key,
            start=started_on,
            after=None,
            cal=workdays.working_calendar(fresh=True),
        )
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: Plan,
    by: User,
    seen_version: int,
    kind: str,
    started_on: date,
    ended_on: date | None,
    outcomes: list[OutcomeDetails],
) -> Plan:
    """Change a plan and its outcomes only if nobody saved it since `seen_version`; new outcomes are added.
    Ending the household plan ends each child's place on it that day. A plan's kind is what its children are
    counted under, so it changes only on a plan no child is on (an early help plan); a child in need plan
    becomes a child protection plan at a conference, as a new plan."""
    case = plan.case
    _check_can_change(case, by)
    _check_plan_fields(kind=kind, started_on=started_on, ended_on=ended_on, outcomes=outcomes)
    on_plan = list(plan.children.select_related("child"))
    if on_plan and kind != plan.kind:
        raise ValidationError(
            {
                "kind": "Children are on this plan as a " + plan.get_kind_display().lower() + " plan: end it and start "
                "a new plan of the other kind."
            }
        )
    if on_plan and started_on != plan.started_on:
        raise ValidationError({"started_on": "Children's plans started on this day: the start cannot move now."})
    if kind != Level.EARLY_HELP and not on_plan and case.level == Level.EARLY_HELP:
        raise ValidationError({"kind": "An early help case has an early help plan: step the case up first."})
    first_action_due = (
        Action.objects.filter(outcome__plan=plan).order_by("due_on").values_list("due_on", flat=True).first()
    )
    if first_action_due and first_action_due < started_on:
        raise ValidationError(
            {"started_on": f"An action is due on {workdays.uk(first_action_due)}: the plan cannot start after it."}
        )
    existing = {o.pk: o for o in plan.outcomes.all()}
    if any(o.outcome_id is not None and o.outcome_id not in existing for o in outcomes):
        raise ValidationError("An outcome in the form does not belong to this plan.")
    updated = Plan.objects.filter(pk=plan.pk, version=seen_version).update(
        kind=kind, started_on=started_on, ended_on=ended_on, version=F("version") + 1
    )
    if not updated:
        raise VersionConflict(Plan.objects.get(pk=plan.pk))
    if ended_on is not None:
        child_plans.end_all(
            [p for p in on_plan if p.is_current], ended_on=ended_on, reason=ChildPlan.EndReason.NO_LONGER_NEEDED
        )
    next_number = max((o.number for o in existing.values()), default=0)
    changed_outcomes, added = [], 0
    for details in outcomes:
        fields = {
            "what_must_change": details.what_must_change,
            "by_when": details.by_when,
            "how_we_will_know": details.how_we_will_know,
        }
        if details.outcome_id is None:
            next_number += 1
            added += 1
            Outcome.objects.create(plan=plan, number=next_number, **fields)
            continue
        current = existing[details.outcome_id]
        if any(getattr(current, name) != value for name, value in fields.items()):
            Outcome.objects.filter(pk=current.pk).update(**fields)
            changed_outcomes.append(current.pk)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PLAN_UPDATED,
        case=case,
        target=plan,
        data={"outcomes_changed": changed_outcomes, "outcomes_added": added, "ended": ended_on is not None},
    )
    plan.refresh_from_db()
    return plan


@transaction.atomic
def outcome_add(
    *, plan: Plan, by: User, seen_version: int, what_must_change: str, by_when: date, how_we_will_know: str
) -> Outcome:
    """Add one outcome to the current plan, numbered after the others, only if nobody saved the plan since
    `seen_version`: adding moves the plan's version on, as changing the plan does, so two people adding at
    once cannot both number theirs "4", and a change of the plan opened before the addition is refused."""
    case = plan.case
    _check_can_change(case, by)
    if plan.ended_on is not None:
        raise ValidationError("This plan has ended: start a new plan to set new outcomes.")
    if by_when < plan.started_on:
        raise ValidationError(
            {"by_when": f"The plan starts on {workdays.uk(plan.started_on)}: an outcome cannot be due before that."}
        )
    updated = Plan.objects.filter(pk=plan.pk, version=seen_version, ended_on__isnull=True).update(
        version=F("version") + 1
    )
    if not updated:
        raise VersionConflict(Plan.objects.get(pk=plan.pk))
    number = (plan.outcomes.aggregate(last=Max("number"))["last"] or 0) + 1
    outcome = Outcome.objects.create(
        plan=plan, number=number, what_must_change=what_must_change, by_when=by_when, how_we_will_know=how_we_will_know
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PLAN_OUTCOME_ADDED,
        case=case,
        target=outcome,
        data={"plan_id": str(plan.pk), "number": number},
    )
    return outcome


@transaction.atomic
def action_add(
    *,
    plan: Plan,
    by: User,
    outcome: Outcome,
    description: str,
    owner_user: User | None,
    owner_agency: Agency | None,
    due_on: date,
) -> Action:
    _check_can_change(plan.case, by)
    if outcome.plan_id != plan.pk:
        raise ValidationError({"outcome": "Choose an outcome of this plan."})
    if owner_user is None and owner_agency is None:
        raise ValidationError({"owner_user": "Every action needs an owner: a person, an agency or both."})
    if due_on < plan.started_on:
        raise ValidationError(
            {"due_on": f"The plan starts on {workdays.uk(plan.started_on)}: an action cannot be due before that."}
        )
    action = Action.objects.create(
        outcome=outcome,
        description=description,
        owner_user=owner_user,
        owner_agency=owner_agency,
        due_on=due_on,
        created_by=by,
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PLAN_ACTION_ADDED,
        case=plan.case,
        target=action,
        data={"plan_id": str(plan.pk), "outcome_id": outcome.pk},
    )
    return action


@transaction.atomic
def action_update(*, action: Action, by: User, status: str, on: date) -> Action:
    plan = action.outcome.plan
    _check_can_change(plan.case, by)
    if status not in Action.Status.values:
        raise ValidationError({"status": "Choose a status from the list."})
    completed_on = on if status == Action.Status.DONE else None
    if status == action.status:
        return action
    Action.objects.filter(pk=action.pk).update(status=status, completed_on=completed_on)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_PLAN_ACTION_UPDATED,
        case=plan.case,
        target=action,
        data={"status": status},
    )
    action.refresh_from_db()
    return action


@transaction.atomic
def meeting_schedule(*, case: Case, by: User, kind: str, due_on: date) -> Meeting:
    """Schedule a meeting on a date the team chose (a first strategy discussion, an extra review)."""
    _check_can_change(case, by)
    if kind == MeetingKind.SUPERVISION and not access.decision(by, case).can_supervise:
        raise PermissionDenied("Only the lead professional's manager schedules case supervision.")
    if due_on < case.opened_on:
        raise ValidationError({"due_on": "A meeting cannot be due before the case opened."})
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                case=case, kind=kind, due_on=due_on, due_basis=f"date set by {by.get_full_name() or by.username}"
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"kind": "One of these is already waiting to be held: record that one, and the next is scheduled from it."}
        ) from exc
    audit.record(
        actor=by, action=AuditEvent.Action.CASE_MEETING_SCHEDULED, case=case, target=meeting, data={"kind": kind}
    )
    return meeting


@transaction.atomic
def meeting_record(
    *,
    case: Case,
    by: User,
    kind: str,
    held_on: date,
    attendees: str = "",
    invited_agencies: list[Agency] | tuple = (),
    decisions: str = "",
    actions_agreed: str = "",
    reflections: str = "",
    ratings: dict[int, Rating] | None = None,
    is_closing_review: bool = False,
    schedule_next: bool = True,
) -> Meeting:
    """Record a meeting that was held (the waiting one of its kind, or an unscheduled one), its
    progress ratings, and schedule the next meetings from the held date."""
    _check_can_change(case, by)
    if kind == MeetingKind.SUPERVISION and not access.decision(by, case).can_supervise:
        raise PermissionDenied("Only the lead professional's team manager or a senior manager records supervision.")
    ratings = ratings or {}
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = "A meeting cannot be recorded as held in the future. Schedule it instead."
    elif held_on < case.opened_on:
        errors["held_on"] = f"The case opened on {workdays.uk(case.opened_on)}: record meetings from then on."
    if is_closing_review and kind not in REVIEW_KINDS:
        errors["is_closing_review"] = "Only a review, a review conference or a core group can be the closing review."
    plan = plan_selectors.current_plan(case) if kind in REVIEW_KINDS else None
    outcomes = {o.pk: o for o in plan.outcomes.all()} if plan else {}
    if set(ratings) - set(outcomes):
        errors["__all__"] = "A rating in the form is for an outcome that is not on the current plan."
    elif set(outcomes) - set(ratings):
        errors["__all__"] = "Rate progress on every outcome of the plan."
    elif any(r.rating not in OutcomeRating.Rating.values for r in ratings.values()):
        errors["__all__"] = "Choose a progress rating from the list."
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    # The meeting's last change: once held_on is set, a trigger freezes its row. What was recorded
    # goes in the append-only MeetingRecord in the same transaction.
    fields = {"held_on": held_on, "plan": plan, "is_closing_review": is_closing_review}
    meeting = case.meetings.select_for_update().filter(kind=kind, held_on__isnull=True).first()
    if meeting is None:
        meeting = Meeting.objects.create(case=case, kind=kind, due_basis="not scheduled in advance", **fields)
    else:
        Meeting.objects.filter(pk=meeting.pk).update(**fields)
        meeting.refresh_from_db()
    MeetingRecord.objects.create(
        meeting=meeting,
        held_on=held_on,
        attendees=attendees,
        decisions=decisions,
        actions_agreed=actions_agreed,
        reflections=reflections,
        recorded_by=by,
        recorded_at=now,
    )
    meeting.invited_agencies.set(invited_agencies)
    OutcomeRating.objects.bulk_create(
        OutcomeRating(meeting=meeting, outcome=outcomes[outcome_id], rating=r.rating, comment=r.comment)
        for outcome_id, r in ratings.items()
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_MEETING_HELD,
        case=case,
        target=meeting,
        data={
            "kind": kind,
            "closing_review": is_closing_review,
            "ratings": len(ratings),
            "invited_agency_ids": sorted(a.pk for a in invited_agencies),
        },
    )
    if schedule_next:
        cal = workdays.working_calendar(fresh=True)
        for next_kind, key in NEXT_MEETINGS[kind]:
            _schedule(case=case, by=by, kind=next_kind, key=key, start=held_on, after=meeting, cal=cal)
    return meeting


@transaction.atomic
def lead_change(
    *, case: Case, by: User, seen_version: int, new_lead: User, on: date, keep_previous_on_team: bool = True
) -> Case:
    """Hand the case to a new lead. The old lead's membership is ended, never rewritten."""
    case_services.ensure_open(case)
    if not access.decision(by, case).can_manage:
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
    CaseMember.objects.current().filter(case=case, user__in=[previous, new_lead]).update(ended_on=on)
    CaseMember.objects.create(case=case, user=new_lead, role=CaseMember.Role.LEAD, started_on=on, added_by=by)
    if keep_previous_on_team:
        CaseMember.objects.create(case=case, user=previous, role=CaseMember.Role.CORE_GROUP, started_on=on, added_by=by)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_LEAD_CHANGED,
        case=case,
        target=case,
        data={"from_user_id": previous.pk, "to_user_id": new_lead.pk},
    )
    case.refresh_from_db()
    return case


def reallocation_leads(by: User) -> QuerySet[User]:
    """Who a manager may hand cases to: the people of the teams they manage, and a senior manager's whole
    agency's teams. Active people only; the view's choices and the service's check both use this."""
    return User.objects.filter(staff_managed_by(by), is_active=True, agency__isnull=False).distinct()


def may_reallocate_from(by: User, leaver: User) -> bool:
    """The leaver's team manager, or a senior manager of the leaver's agency, may move their caseload."""
    if not by.is_active:
        return False
    if leaver.team_id and Team.objects.filter(pk=leaver.team_id, manager=by).exists():
        return True
    return bool(by.agency_id) and by.agency_id == leaver.agency_id and by.can(Capability.Key.OVERSEE_AGENCY)


@dataclass(frozen=True)
class Move:
    """One case of a reallocation: the case, the version the manager saw, and its new lead."""

    case: Case
    seen_version: int
    new_lead: User


@transaction.atomic
def caseload_reallocate(
    *, by: User, leaver: User, moves: list[Move], on: date, keep_previous_on_team: bool = False
) -> list[Case]:
    """Move every open case `leaver` leads (that `by` manages) to new leads, in one transaction.

    Each case goes through `lead_change`, so it is checked, recorded in the team history and audited
    exactly as a single change is; one more audit row records the reallocation as a whole. If any case
    cannot move, nothing moves: the error names the case.
    """
    if not may_reallocate_from(by, leaver):
        raise PermissionDenied("Only the worker's team manager or a senior manager of their agency can do this.")
    if not moves:
        raise ValidationError(f"{leaver.get_full_name()} leads no open case you manage.")
    still_led = set(
        Case.objects.open()
        .filter(access.management_condition(by), lead_professional=leaver)
        .values_list("pk", flat=True)
    )
    if {move.case.pk for move in moves} != still_led:
        raise ValidationError(
            f"{leaver.get_full_name()}'s caseload changed since you opened this page. Open it again and check."
        )
    allowed = set(reallocation_leads(by).values_list("pk", flat=True))
    moved = []
    for move in moves:
        reference = move.case.reference
        if move.new_lead.pk not in allowed or move.new_lead.pk == leaver.pk:
            raise ValidationError(f"Case {reference}: choose a new lead from your team.")
        try:
            moved.append(
                lead_change(
                    case=move.case,
                    by=by,
                    seen_version=move.seen_version,
                    new_lead=move.new_lead,
                    on=on,
                    keep_previous_on_team=keep_previous_on_team,
                )
            )
        except VersionConflict as conflict:
            raise ValidationError(
                f"Case {reference} was changed by someone else since you opened this page. Nothing was moved."
            ) from conflict
        except ValidationError as error:
            raise ValidationError(f"Case {reference} cannot move: {' '.join(error.messages)}") from error
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASELOAD_REALLOCATED,
        target=leaver,
        data={
            "from_user_id": leaver.pk,
            "moves": [{"case_id": str(move.case.pk), "to_user_id": move.new_lead.pk} for move in moves],
            "kept_on_team": keep_previous_on_team,
        },
    )
    return moved


@transaction.atomic
def case_close(*, case: Case, by: User, seen_version: int, closed_on: date, reasons: dict | None = None) -> Case:
    """Close a household case after its closing review. Each child with an open episode closes it with their
    own census reason (`reasons`, {episode id: code}); early help, outside the census, takes none."""
    if not access.decision(by, case).can_manage:
        raise PermissionDenied("Only the lead professional or a manager can close a case.")
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": "A case is closed on the day it closes, not ahead of it."})
    if closed_on < case.opened_on:
        raise ValidationError({"closed_on": "The case cannot close before it opened."})
    # Nothing closes without a review (docs/practice.md, "Plans and reviews").
    if problem := plan_selectors.closing_review_problem(case=case, on=closed_on):
        raise ValidationError(f"The case cannot close yet. {problem}")
    reasons = reasons or {}
    if case.level == Level.EARLY_HELP and any(reasons.values()):
        raise ValidationError({"reasons": "Early help is outside the children in need census: it takes no RC code."})
    child_plans.case_close_episodes(case=case, by=by, closed_on=closed_on, reasons=reasons)
    updated = Case.objects.filter(pk=case.pk, version=seen_version, status=Case.Status.OPEN).update(
        status=Case.Status.CLOSED, closed_on=closed_on, version=F("version") + 1
    )
    if not updated:
        raise VersionConflict(Case.objects.get(pk=case.pk))
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_CLOSED,
        case=case,
        target=case,
        data={"reasons": sorted(set(reasons.values()))},
    )
    # A plan does not outlive its case.
    case.plans.filter(ended_on__isnull=True).update(
        ended_on=Greatest(F("started_on"), Value(closed_on)), version=F("version") + 1
    )
    case.refresh_from_db()
    return case
