"""Workflows on each child's statutory record that reach beyond the case file: a child's place on a plan (its
start, its end, its category), closing a child's episode of need, and recording a child's death.

They live with the plans because closing an episode ends the child's plans, and a death writes the chronology
(the floor below); the episode, assessment and enquiry rows themselves are the case file's (cases/models.py).
The census's consistency rules are checked here in plain words (docs/practice.md, "Each child's record").
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases import services as case_services
from cases.census import AFTER_ASSESSMENT_ONLY, ClosureReason
from cases.models import Case, ChildDeath, ChildEpisode, HouseholdMember, Level, Person
from chronology import services as chronology
from chronology.models import Entry, EventType
from common.conflicts import VersionConflict
from notifications import services as outbox
from notifications.models import Notification
from plans.models import AbuseCategory, CategoryChange, ChildPlan, Plan
from workdays import calendar as workdays

DEATH_NOTICE = "child_death"


def _check_manage(by: User, case: Case) -> None:
    case_services.ensure_open(case)
    if not access.decision(by, case).can_manage:
        raise PermissionDenied("Only the lead professional or a manager can change a child's statutory record.")


# --- A child's place on a plan -------------------------------------------------------------------------------


def plan_children_choices(case: Case):
    """The children who can be put on a new statutory plan: an open episode, alive."""
    return (
        ChildEpisode.objects.open()
        .filter(case=case, child__died_on__isnull=True)
        .select_related("child")
        .order_by("child__date_of_birth", "child__first_name")
    )


def child_plans_start(*, plan: Plan, episodes: list[ChildEpisode], category: str) -> list[ChildPlan]:
    """Put each child (by their open episode) on a new household plan from its start, or from their episode's
    start if later. Called inside the plan's own transaction (plans/services.py plan_create)."""
    if plan.kind == Level.EARLY_HELP:
        return []
    if not episodes:
        raise ValidationError({"children": "Choose the children this plan is for."})
    protection = plan.kind == Level.CHILD_PROTECTION
    if protection and category not in AbuseCategory.values:
        raise ValidationError({"category": "A child protection plan needs its category, for example neglect."})
    for episode in episodes:
        if episode.case_id != plan.case_id or not episode.is_open:
            raise ValidationError({"children": "Choose children with an open episode on this case."})
        if episode.child.record_locked:
            raise ValidationError({"children": f"{episode.child.first_name} has died: they cannot join a plan."})
    return ChildPlan.objects.bulk_create(
        ChildPlan(
            plan=plan,
            episode=episode,
            case_id=plan.case_id,
            child_id=episode.child_id,
            kind=plan.kind,
            # A child whose episode began after the plan's start (a baby born since) is on it from then.
            started_on=max(plan.started_on, episode.started_on),
            initial_category=category if protection else "",
            latest_category=category if protection else "",
        )
        for episode in episodes
    )


def _check_end(child_plan: ChildPlan, ended_on: date) -> None:
    """A plan ends after the day it starts (the census refuses an end on the start day), and not in the future."""
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": "A plan's end is recorded once it has ended."})
    if ended_on <= child_plan.started_on:
        raise ValidationError(
            {
                "ended_on": f"{child_plan.child.first_name}'s plan started on {workdays.uk(child_plan.started_on)}: "
                "it can end from the next day."
            }
        )


def end_all(plans, *, ended_on: date, reason: str) -> int:
    """End current child plans, then each household plan none of whose children is still on it."""
    plans = list(plans)
    for child_plan in plans:
        _check_end(child_plan, ended_on)
    # Locked first, so two siblings coming off at once cannot each see the other still on it.
    list(Plan.objects.select_for_update().filter(pk__in={p.plan_id for p in plans}))
    ended = ChildPlan.objects.filter(pk__in=[p.pk for p in plans], ended_on__isnull=True).update(
        ended_on=ended_on, end_reason=reason, version=F("version") + 1
    )
    household_plans = {p.plan_id for p in plans}
    still_on = ChildPlan.objects.current().filter(plan_id__in=household_plans).values("plan_id")
    Plan.objects.filter(pk__in=household_plans, ended_on__isnull=True).exclude(pk__in=still_on).update(
        ended_on=ended_on, version=F("version") + 1
    )
    return ended


@transaction.atomic
def child_plan_end(*, child_plan: ChildPlan, by: User, seen_version: int, ended_on: date, reason: str) -> ChildPlan:
    """One child comes off a plan; the household plan ends with its last child."""
    _check_manage(by, child_plan.case)
    if reason not in ChildPlan.EndReason.values or reason in (
        ChildPlan.EndReason.DIED,
        ChildPlan.EndReason.CASE_CLOSED,
    ):
        raise ValidationError({"reason": "Choose why the plan ended from the list."})
    current = ChildPlan.objects.select_for_update().select_related("child").get(pk=child_plan.pk)
    if current.version != seen_version:
        raise VersionConflict(current)
    if not current.is_current:
        raise ValidationError("This plan has already ended.")
    end_all([current], ended_on=ended_on, reason=reason)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_CHILD_PLAN_CHANGED,
        case=current.case,
        target=current,
        data={"ended": True, "reason": reason},
    )
    current.refresh_from_db()
    return current


@transaction.atomic
def child_plan_change_category(
    *, child_plan: ChildPlan, by: User, seen_version: int, category: str, changed_on: date, reason: str
) -> CategoryChange:
    """A conference changed a child's category: the latest category changes, the initial one never does, and
    the change is kept with its day, who recorded it and why."""
    _check_manage(by, child_plan.case)
    if category not in AbuseCategory.values:
        raise ValidationError({"category": "Choose the category from the list."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the category changed, for example which conference decided."})
    if len(reason) > CategoryChange.REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"The reason must be {CategoryChange.REASON_MAX_LENGTH} characters or fewer."})
    current = ChildPlan.objects.select_for_update().select_related("child").get(pk=child_plan.pk)
    if current.version != seen_version:
        raise VersionConflict(current)
    if current.kind != Level.CHILD_PROTECTION or not current.is_current:
        raise ValidationError("Only a current child protection plan has a category to change.")
    if category == current.latest_category:
        raise ValidationError({"category": f"The category is already {current.get_latest_category_display().lower()}."})
    if changed_on > timezone.localdate() or changed_on < current.started_on:
        raise ValidationError(
            {
                "changed_on": f"The change must be between the plan's start ({workdays.uk(current.started_on)}) "
                "and today."
            }
        )
    last = current.category_changes.order_by("-changed_on").values_list("changed_on", flat=True).first()
    if last and changed_on < last:
        raise ValidationError(
            {"changed_on": f"The category last changed on {workdays.uk(last)}: this cannot be earlier."}
        )
    change = CategoryChange.objects.create(
        child_plan=current,
        changed_on=changed_on,
        from_category=current.latest_category,
        to_category=category,
        reason=reason,
        changed_by=by,
    )
    ChildPlan.objects.filter(pk=current.pk).update(latest_category=category, version=F("version") + 1)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CASE_CHILD_PLAN_CHANGED,
        case=current.case,
        target=current,
        data={"fields": ["latest_category"]},
    )
    return change


# --- Closing a child's episode, and a child's death -------------------------------------------------------------


def closure_problem(episode: ChildEpisode, reason: str, closed_on: date) -> str:
    """Why `episode` cannot close on `closed_on` for `reason`, in words for the screen; "" when it can."""
    if reason not in ClosureReason.values:
        return "Choose a closure reason from the list."
    name = episode.child.first_name
    if closed_on > timezone.localdate():
        return "The episode cannot close in the future."
    if closed_on < episode.started_on:
        return f"{name}'s episode of need began on {workdays.uk(episode.started_on)}: it cannot close before that."
    if reason in AFTER_ASSESSMENT_ONLY:
        if not episode.assessments.filter(authorised_on__isnull=False, authorised_on__lte=closed_on).exists():
            return (
                f"{ClosureReason(reason).label} is only for an episode that closes after an assessment, and "
                f"{name} has no authorised assessment. Record the assessment first, or choose another reason."
            )
        if ChildPlan.objects.filter(episode=episode).exists():
            return (
                f"{ClosureReason(reason).label} is only for an assessment that led to no plan, and {name} has "
                "been on a plan in this episode. RC7 (services ceased) is the usual reason after a plan."
            )
    ended_later = ChildPlan.objects.filter(episode=episode, ended_on__gt=closed_on).order_by("-ended_on").first()
    if ended_later is not None:
        return f"{name}'s plan ran until {workdays.uk(ended_later.ended_on)}: the episode cannot close before that."
    too_soon = ChildPlan.objects.current().filter(episode=episode, started_on__gte=closed_on).first()
    if too_soon is not None:
        return f"{name}'s plan started on {workdays.uk(too_soon.started_on)}: the episode can close from the next day."
    return ""


def _close_episodes(episodes: list[tuple[ChildEpisode, str]], *, by: User, closed_on: date) -> None:
    """Close each (episode, reason), ending the child's current plans with it."""
    for episode, reason in episodes:
        plans = ChildPlan.objects.current().filter(episode=episode).select_related("child")
        end = ChildPlan.EndReason.DIED if reason == ClosureReason.RC2 else ChildPlan.EndReason.CASE_CLOSED
        end_all(plans, ended_on=closed_on, reason=end)
        updated = ChildEpisode.objects.filter(pk=episode.pk, closed_on__isnull=True).update(
            closed_on=closed_on, closure_reason=reason, closed_by=by, version=F("version") + 1
        )
        if not updated:
            raise ValidationError(f"{episode.child.first_name}'s episode has already closed.")
        audit.record(
            actor=by,
            action=AuditEvent.Action.CASE_CHILD_EPISODE_CLOSED,
            case=episode.case,
            target=episode,
            data={"reason": reason},
        )


def case_close_episodes(*, case: Case, by: User, closed_on: date, reasons: dict) -> None:
    """Close every open episode of a case that is closing, each child with its reason ({episode id: code}).
    Called inside the case's closing transaction (plans/services.py case_close)."""
    episodes = list(case.episodes.open().select_related("child", "case"))
    missing = [e.child.first_name for e in episodes if not reasons.get(e.pk)]
    if missing:
        raise ValidationError({"reasons": f"Give a closure reason for {', '.join(missing)}."})
    problems = []
    for episode in episodes:
        if reasons[episode.pk] == ClosureReason.RC2:
            problems.append(f"A child's death is recorded from {episode.child.first_name}'s own record, not here.")
        elif problem := closure_problem(episode, reasons[episode.pk], closed_on):
            problems.append(problem)
    if problems:
        raise ValidationError({"reasons": problems})
    _close_episodes([(e, reasons[e.pk]) for e in episodes], by=by, closed_on=closed_on)


def _last_open(episode: ChildEpisode) -> bool:
    return not ChildEpisode.objects.open().filter(case_id=episode.case_id).exclude(pk=episode.pk).exists()


@transaction.atomic
def episode_close(
    *,
    episode: ChildEpisode,
    by: User,
    seen_version: int,
    closed_on: date,
    reason: str,
    continue_as_early_help: bool = False,
) -> ChildEpisode:
    """Close one child's episode while their brothers and sisters stay open (adopted, moved, a special
    guardianship order...). The last child closes with the case (plans/services.py case_close), after its
    closing review, unless the family goes on with early help (`continue_as_early_help`): then the case
    steps down and stays open as an early help case, outside the census. A death is `child_death_record`."""
    _check_manage(by, episode.case)
    current = ChildEpisode.objects.select_for_update().select_related("child", "case").get(pk=episode.pk)
    if current.version != seen_version:
        raise VersionConflict(current)
    if not current.is_open:
        raise ValidationError("This episode has already closed.")
    if reason == ClosureReason.RC2:
        raise ValidationError({"reason": "Record a child's death with “Record a death”: it asks what must follow."})
    last = _last_open(current)
    if last and not continue_as_early_help:
        raise ValidationError(
            f"{current.child.first_name} is the last child open on this case: close the case, which needs its "
            "closing review, and give their reason there; or, if the family goes on with early help, tick "
            "“The family continues with early help”."
        )
    if continue_as_early_help and not last:
        raise ValidationError(
            {"continue_as_early_help": "Other children still have open episodes: the case stays as it is."}
        )
    if problem := closure_problem(current, reason, closed_on):
        raise ValidationError({"reason": problem})
    _close_episodes([(current, reason)], by=by, closed_on=closed_on)
    if continue_as_early_help:
        _step_down(current.case, by=by, on=closed_on)
    current.refresh_from_db()
    return current


def _step_down(case: Case, *, by: User, on: date) -> None:
    """No child is open any more and the family goes on with early help: any statutory household plan ends
    (an early help plan is the next step), and the case becomes an early help case, still open."""
    for plan in (
        Plan.objects.select_for_update().filter(case=case, ended_on__isnull=True).exclude(kind=Level.EARLY_HELP)
    ):
        Plan.objects.filter(pk=plan.pk).update(ended_on=max(on, plan.started_on), version=F("version") + 1)
    Case.objects.filter(pk=case.pk).update(level=Level.EARLY_HELP, version=F("version") + 1)
    audit.record(actor=by, action=AuditEvent.Action.CASE_UPDATED, case=case, target=case, data={"fields": ["level"]})


def _managers_of(case: Case) -> list[int]:
    """Who must see to the notifications: the lead's team manager, or the lead themselves if they have none."""
    manager = case.lead_professional.team.manager_id if case.lead_professional.team_id else None
    return [manager or case.lead_professional_id]


@transaction.atomic
def child_death_record(
    *, episode: ChildEpisode, by: User, seen_version: int, died_on: date, who_was_told: str
) -> ChildDeath:
    """A child has died. The portal does not just close: it keeps the date and who has been told, writes the
    chronology entry, closes the child's episode (RC2) and plans, locks the child's record, and tells the lead's
    managers that the serious incident notification is due within SERIOUS_INCIDENT_WORKING_DAYS working days
    and the child death review partners must be told. The household case stays open for the other children;
    with no other child open it closes that day, without a closing review: there is nothing left to review."""
    _check_manage(by, episode.case)
    current = ChildEpisode.objects.select_for_update().select_related("child", "case").get(pk=episode.pk)
    if current.version != seen_version:
        raise VersionConflict(current)
    if not current.is_open:
        raise ValidationError("This episode has already closed.")
    child = Person.objects.select_for_update().get(pk=current.child_id)
    who_was_told = (who_was_told or "").strip()
    if not who_was_told:
        raise ValidationError({"who_was_told": "Say who has been told: the police, the GP, the coroner's office…"})
    if died_on > timezone.localdate():
        raise ValidationError({"died_on": "The date of death cannot be in the future."})
    if child.is_unborn:
        raise ValidationError(
            {"died_on": f"{child.first_name} is recorded as unborn: record the birth first, or correct the record."}
        )
    if child.date_of_birth and died_on < child.date_of_birth:
        raise ValidationError({"died_on": f"{child.first_name} was born on {workdays.uk(child.date_of_birth)}."})
    if died_on < current.started_on:
        # An episode cannot close before it began; a death before the referral is not this episode's to record.
        raise ValidationError(
            {"died_on": f"The episode of need began on {workdays.uk(current.started_on)}: check the date of death."}
        )
    # The record closes on the day of death; the notification is counted from the day the portal is told, the
    # nearest it knows to the day the authority learned of it.
    closed_on = died_on
    cal = workdays.working_calendar(fresh=True)
    due = workdays.add_working_days(timezone.localdate(), settings.SERIOUS_INCIDENT_WORKING_DAYS, cal=cal)
    case = current.case
    chronology.entry_create(
        case=case,
        by=by,
        event_type=EventType.OTHER,
        occurred_on=died_on,
        children=[child],
        significance=Entry.Significance.HIGH,
        what_happened=f"{child.first_name} died. Recorded by {by.get_full_name()}. Who has been told: {who_was_told}",
        action_taken=(
            f"Serious incident notification due by {workdays.uk(due)}; child death review partners to be told."
        ),
    )
    death = ChildDeath.objects.create(
        episode=current, died_on=died_on, who_was_told=who_was_told, notification_due_on=due, recorded_by=by
    )
    plans = list(ChildPlan.objects.current().filter(episode=current).select_related("child"))
    list(Plan.objects.select_for_update().filter(pk__in={p.plan_id for p in plans}))
    # A plan that started on the day of death (or was recorded later) ends on its start day.
    for child_plan in plans:
        end_on = max(closed_on, child_plan.started_on)
        ChildPlan.objects.filter(pk=child_plan.pk).update(
            ended_on=end_on, end_reason=ChildPlan.EndReason.DIED, version=F("version") + 1
        )
    household_plans = {p.plan_id for p in plans}
    still_on = ChildPlan.objects.current().filter(plan_id__in=household_plans).values("plan_id")
    Plan.objects.filter(pk__in=household_plans, ended_on__isnull=True).exclude(pk__in=still_on).update(
        ended_on=closed_on, version=F("version") + 1
    )
    last = _last_open(current)
    ChildEpisode.objects.filter(pk=current.pk).update(
        closed_on=closed_on, closure_reason=ClosureReason.RC2, closed_by=by, version=F("version") + 1
    )
    Person.objects.filter(pk=child.pk).update(died_on=died_on)
    # No longer living in the household: lists of the children at home, and whole-household entries, leave them out.
    HouseholdMember.objects.filter(case=case, person=child, left_on__isnull=True, joined_on__lte=died_on).update(
        left_on=died_on, left_to="Died"
    )
    audit.record(actor=by, action=AuditEvent.Action.CASE_CHILD_DEATH_RECORDED, case=case, target=death, data={})
    link = reverse("plans:child_record", args=[case.reference, current.pk])
    outbox.queue(
        [
            Notification(
                recipient_id=manager,
                kind=DEATH_NOTICE,
                case=case,
                subject_type=ChildDeath._meta.label_lower,
                subject_id=death.pk,
                # No personal data: the reference and the date the notification is due.
                summary=f"A child on case {case.reference} has died: serious incident notification due by "
                f"{workdays.uk(due)}",
                link=link,
            )
            for manager in _managers_of(case)
        ]
    )
    if last:
        Case.objects.filter(pk=case.pk, status=Case.Status.OPEN).update(
            status=Case.Status.CLOSED, closed_on=max(closed_on, case.opened_on), version=F("version") + 1
        )
        audit.record(actor=by, action=AuditEvent.Action.CASE_CLOSED, case=case, target=case, data={"reason": "RC2"})
    return death
