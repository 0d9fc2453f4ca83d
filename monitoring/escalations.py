"""Escalating stuck cases up the ladder: raising, answering, resolving and the timed moves.

Anyone on the case team may raise an escalation; flags nobody acknowledged in time go to the lead's
team manager and child protection plans past 18 months to a senior manager on their own; a stage
nobody answered by its due date moves up. Every step is audited; raising and resolving are also
written into the case's chronology. The timed steps are set-based and safe to run twice.
"""

import uuid
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import Capability, User
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases.models import Case
from cases.services import ensure_open
from chronology import services as chronology
from plans.models import ChildPlan, Plan
from workdays.calendar import add_working_days, months_later, uk, working_calendar

from . import outbox
from .models import Escalation, EscalationResponse, EscalationStage, Flag, MonitoringSettings

LONG_CP_PLAN_MONTHS = 18
# The default ladder (docs/practice.md, "Escalation ladder": Lincolnshire): (order, name, who answers, working days).
DEFAULT_STAGES = [
    (1, "Practitioner to practitioner", EscalationStage.Responder.LEAD, 2),
    (2, "Manager to manager", EscalationStage.Responder.TEAM_MANAGER, 5),
    (3, "Senior manager to senior manager", EscalationStage.Responder.SENIOR_MANAGER, 2),
    (4, "Independently chaired partnership meeting", EscalationStage.Responder.CHAIR, 10),
]


def _stage(responder: str | None = None) -> EscalationStage:
    """The first stage (or the first answered by `responder`). The migration seeds the ladder; if
    an administrator emptied it, the default ladder is put back rather than refusing to escalate."""
    if not EscalationStage.objects.exists():
        EscalationStage.objects.bulk_create(
            [
                EscalationStage(order=o, name=n, responder=r, respond_within_working_days=d)
                for o, n, r, d in DEFAULT_STAGES
            ],
            ignore_conflicts=True,
        )
    stages = EscalationStage.objects.order_by("order")
    return (stages.filter(responder=responder) if responder else stages).first() or stages.first()


def _senior_managers(case: Case) -> QuerySet[User]:
    return User.objects.with_capability(Capability.Key.OVERSEE_AGENCY).filter(
        agency_id=case.lead_agency_id, is_active=True
    )


def responders(escalation: Escalation) -> QuerySet[User]:
    """Who is asked to answer at the escalation's current stage: never the person who raised it.

    At "manager to manager", the lead's team manager; when that manager raised it, the managers of the other
    people on the case team (the other side of a disagreement between agencies), or failing those the lead
    agency's senior managers, so that someone other than the raiser is always asked.
    """
    case = escalation.case
    kind = escalation.stage.responder
    others = User.objects.filter(is_active=True).exclude(pk=escalation.raised_by_id)
    if kind == EscalationStage.Responder.LEAD:
        return others.filter(pk=case.lead_professional_id)
    if kind == EscalationStage.Responder.TEAM_MANAGER:
        leads_manager = others.filter(managed_teams__members=case.lead_professional_id).distinct()
        if escalation.raised_by_id is None or leads_manager.exists():
            return leads_manager
        team = case.members.current().exclude(user=escalation.raised_by_id).values("user__team")
        team_managers = others.filter(managed_teams__in=team).distinct()
        if team_managers.exists():
            return team_managers
    return _senior_managers(case).exclude(pk=escalation.raised_by_id)


def can_respond(user: User, escalation: Escalation) -> bool:
    """The stage's responders, and the lead's managers at any stage; never the person who raised it."""
    if escalation.raised_by_id is not None and user.pk == escalation.raised_by_id:
        return False
    return responders(escalation).filter(pk=user.pk).exists() or access.decision(user, escalation.case).can_supervise


def raiser_start_stage(by: User, case: Case) -> EscalationStage:
    """Where an escalation someone raises starts: at their own level of the ladder (docs/practice.md,
    "Escalation ladder"). A senior manager starts at senior manager to senior manager, a team manager at
    manager to manager, anyone else at the first stage, except the lead professional, who would be asked
    to answer their own escalation there and so starts one stage up."""
    if by.can(Capability.Key.OVERSEE_AGENCY):
        return _stage(EscalationStage.Responder.SENIOR_MANAGER)
    if by.can(Capability.Key.USE_MANAGER_VIEW) or by.managed_teams.exists():
        return _stage(EscalationStage.Responder.TEAM_MANAGER)
    stage = _stage()
    if stage.responder == EscalationStage.Responder.LEAD and case.lead_professional_id == by.pk:
        return _next_stage(stage) or stage
    return stage


def _notify(escalation: Escalation) -> None:
    outbox.queue_for_escalation(escalation, responders(escalation))


def _due(stage: EscalationStage, today: date) -> tuple[date, str]:
    days = stage.respond_within_working_days
    return add_working_days(today, days), f"{days} working days after {uk(today)} (stage {stage.order})"


def _open(
    *,
    case: Case,
    source: str,
    subject: str,
    concern: str,
    stage: EscalationStage,
    today: date,
    flag: Flag | None = None,
    raised_by: User | None = None,
) -> Escalation | None:
    """Open an escalation unless one is already open about the same subject (then None)."""
    due_on, basis = _due(stage, today)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                case=case,
                source=source,
                subject=subject,
                concern=concern,
                stage=stage,
                flag=flag,
                raised_by=raised_by,
                stage_started_on=today,
                stage_due_on=due_on,
                stage_due_basis=basis,
            )
    except IntegrityError:
        return None  # already open: a second run, or two at once
    _notify(escalation)
    audit.record(
        actor=raised_by,
        action=AuditEvent.Action.CASE_ESCALATION_RAISED,
        case=case,
        target=escalation,
        data={"source": source, "stage": stage.order},
    )
    return escalation


def _chronology(escalation: Escalation, by: User, text: str) -> None:
    chronology.entry_create(
        case=escalation.case,
        by=by,
        event_type="other",
        occurred_on=timezone.localdate(),
        children=[],
        whole_household=True,
        what_happened=text,
        significance="high",
    )


@transaction.atomic
def escalation_raise(*, case: Case, by: User, concern: str) -> Escalation:
    """Someone on the case team (or a manager of its lead) says the case is stuck. It starts at their level
    of the ladder (`raiser_start_stage`)."""
    ensure_open(case)
    if not access.decision(by, case).can_write:
        raise PermissionDenied("Only members of the case team can raise an escalation.")
    if not concern.strip():
        raise ValidationError({"concern": "Say what is stuck and what you want to happen."})
    stage = raiser_start_stage(by, case)
    escalation = _open(
        case=case,
        source=Escalation.Source.RAISED,
        subject=f"raised:{uuid.uuid4()}",
        concern=concern.strip(),
        stage=stage,
        today=timezone.localdate(),
        raised_by=by,
    )
    _chronology(escalation, by, f"Escalation raised ({stage}): {escalation.concern}")
    return escalation


@transaction.atomic
def escalation_respond(
    *, escalation: Escalation, by: User, text: str, resolve: bool = False, outcome: str = ""
) -> Escalation:
    """Answer the current stage; optionally resolve the escalation with its outcome."""
    ensure_open(escalation.case_id)
    if not escalation.is_open:
        raise ValidationError("This escalation is already resolved.")
    if not can_respond(by, escalation):
        raise PermissionDenied("This stage is for the people named on it, or the lead professional's managers.")
    if not text.strip():
        raise ValidationError({"text": "Write your response."})
    if resolve and not outcome.strip():
        raise ValidationError({"outcome": "Say how it was resolved."})
    response = EscalationResponse.objects.create(
        escalation=escalation, stage=escalation.stage, by=by, text=text.strip()
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_ESCALATION_RESPONDED,
        case=escalation.case,
        target=response,
        data={"escalation_id": str(escalation.pk), "stage": escalation.stage.order},
    )
    if resolve:
        Escalation.objects.filter(pk=escalation.pk).update(
            status=Escalation.Status.RESOLVED, outcome=outcome.strip(), resolved_at=timezone.now(), resolved_by=by
        )
        audit.record(
            actor=by, action=AuditEvent.Action.CASE_ESCALATION_RESOLVED, case=escalation.case, target=escalation
        )
        _chronology(escalation, by, f"Escalation resolved: {outcome.strip()}")
    escalation.refresh_from_db()
    return escalation


def _next_stage(stage: EscalationStage) -> EscalationStage | None:
    return EscalationStage.objects.filter(order__gt=stage.order).order_by("order").first()


def next_stage(escalation: Escalation) -> EscalationStage | None:
    return _next_stage(escalation.stage)


@transaction.atomic
def escalation_move_up(*, escalation: Escalation, by: User, reason: str) -> Escalation:
    """Take an open escalation to the next stage now (for example when an answer did not help), saying why.
    The reason is written into the chronology with the move, as raising and resolving are."""
    ensure_open(escalation.case_id)
    if not escalation.is_open:
        raise ValidationError("This escalation is already resolved.")
    if not (access.decision(by, escalation.case).can_write or can_respond(by, escalation)):
        raise PermissionDenied("Only the case team and the lead's managers can move an escalation up.")
    following = _next_stage(escalation.stage)
    if following is None:
        raise ValidationError("This escalation is already at the last stage.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why it needs to go to the next stage now."})
    _move_up(Escalation.objects.filter(pk=escalation.pk), escalation.stage, timezone.localdate(), actor=by)
    _chronology(escalation, by, f"Escalation moved up to {following}: {reason.strip()}")
    escalation.refresh_from_db()
    return escalation


def _move_up(escalations: QuerySet[Escalation], stage: EscalationStage, today: date, actor=None) -> int:
    """Move these escalations (all at `stage`) to the next stage in one update, then notify."""
    following = _next_stage(stage)
    if following is None:
        return 0
    ids = list(escalations.values_list("pk", flat=True))
    due_on, basis = _due(following, today)
    moved = Escalation.objects.filter(pk__in=ids, stage=stage, status=Escalation.Status.OPEN).update(
        stage=following, stage_started_on=today, stage_due_on=due_on, stage_due_basis=basis
    )
    for escalation in Escalation.objects.filter(pk__in=ids, stage=following).select_related(
        "case", "case__lead_professional", "stage"
    ):
        _notify(escalation)
        audit.record(
            actor=actor,
            action=AuditEvent.Action.CASE_ESCALATION_MOVED_UP,
            case=escalation.case,
            target=escalation,
            data={"from_stage": stage.order, "to_stage": following.order},
        )
    return moved


@transaction.atomic
def advance_unanswered(today: date) -> int:
    """Stages whose time ran out with no response at that stage move up one rung."""
    moved = 0
    for stage in EscalationStage.objects.order_by("-order"):  # top first, so nothing moves twice
        answered = EscalationResponse.objects.filter(escalation=OuterRef("pk"), stage=OuterRef("stage"))
        # A closed case is read-only, for the nightly ladder too: its escalations wait until it is reopened.
        overdue = Escalation.objects.filter(
            status=Escalation.Status.OPEN, stage=stage, stage_due_on__lt=today, case__status=Case.Status.OPEN
        ).exclude(Exists(answered))
        moved += _move_up(overdue, stage, today)
    return moved


def escalate_unacknowledged_flags(today: date) -> int:
    """Flags unacknowledged for more than N working days go to the lead's team manager (stage 2)."""
    limit = MonitoringSettings.load().acknowledge_within_working_days
    cutoff = working_calendar().subtract_working_days(today, limit)
    stage = _stage(EscalationStage.Responder.TEAM_MANAGER)
    flags = Flag.objects.filter(
        resolved_at__isnull=True,
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        raised_at__date__lt=cutoff,
        case__status=Case.Status.OPEN,
    ).select_related("case")
    opened = 0
    for flag in flags:
        with transaction.atomic():
            escalation = _open(
                case=flag.case,
                source=Escalation.Source.UNACKNOWLEDGED_FLAG,
                subject=f"flag:{flag.pk}",
                flag=flag,
                stage=stage,
                today=today,
                concern=f"Nobody acknowledged the flag “{flag.get_rule_display()}” within {limit} "
                f"working days of {uk(timezone.localtime(flag.raised_at).date())}.",
            )
            Flag.objects.filter(pk=flag.pk).update(escalated_at=timezone.now())
            opened += escalation is not None
    return opened


def escalate_long_cp_plans(today: date) -> int:
    """A household's child protection plan that a child has been on for more than 18 months goes to a senior
    manager: one escalation per household plan, however many of its children have been on it that long."""
    since = months_later(today, -LONG_CP_PLAN_MONTHS)
    stage = _stage(EscalationStage.Responder.SENIOR_MANAGER)
    long_on_plan = ChildPlan.objects.current().protection().filter(plan=OuterRef("pk"), started_on__lt=since)
    plans = (
        Plan.objects.filter(kind="child_protection", ended_on__isnull=True, case__status=Case.Status.OPEN)
        .filter(Exists(long_on_plan))
        .exclude(
            Exists(
                Escalation.objects.filter(
                    case=OuterRef("case"), source=Escalation.Source.LONG_CP_PLAN, status=Escalation.Status.OPEN
                )
            )
        )
        .select_related("case")
    )
    opened = 0
    for plan in plans:
        opened += (
            _open(
                case=plan.case,
                source=Escalation.Source.LONG_CP_PLAN,
                subject=f"plan:{plan.pk}",
                stage=stage,
                today=today,
                concern=f"The child protection plan has been open since {uk(plan.started_on)}, more than "
                f"{LONG_CP_PLAN_MONTHS} months. Consider whether it is working, step-up or legal "
                "planning.",
            )
            is not None
        )
    return opened


def run_ladder(today: date | None = None) -> dict[str, int]:
    """The timed part of the ladder, for the Celery task and tests."""
    today = today or timezone.localdate()
    return {
        "flags_escalated": escalate_unacknowledged_flags(today),
        "plans_escalated": escalate_long_cp_plans(today),
        "moved_up": advance_unanswered(today),
    }
