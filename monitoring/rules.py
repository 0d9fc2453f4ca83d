"""Monitoring rules and the sweep that turns them into flags.

Each rule is one set-based query over all open cases that returns a `Finding` per condition that
holds now. The sweep inserts a flag for each new finding (the partial unique constraint makes a
second or parallel sweep a no-op), resolves open flags whose condition no longer holds, and queues
one notification per new flag for its owner. Nothing here loops over cases issuing queries.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DateField, Exists, ExpressionWrapper, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Case, CaseMember, ChildAssessment, HouseholdMember, Level
from chronology.models import MISSED_OUTCOMES, EffectiveEntry, EffectiveEntryChild, EventType
from gcp2.models import AreaGrade, Assessment
from monitoring import outbox
from monitoring.models import Flag, MonitoringSettings
from plans.models import REVIEW_KINDS, AbuseCategory, Action, ChildPlan, Meeting, MeetingKind
from referrals import services as referral_services
from workdays import calendar as workdays
from workdays.calendar import months_later, uk


@dataclass(frozen=True)
class Finding:
    case_id: object
    subject: str
    owner_id: int
    explanation: str
    evidence: list = field(default_factory=list)


def _months_ago(today: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's end."""
    return months_later(today, -months)


def lead_churn(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """Three or more changes of lead professional in 12 months (the first lead is not a change)."""
    since = _months_ago(today, config.lead_changes_window_months)
    rows = (
        CaseMember.objects.filter(
            role=CaseMember.Role.LEAD,
            started_on__gte=since,
            started_on__gt=F("case__opened_on"),
            case__status=Case.Status.OPEN,
        )
        .values("case_id", "case__lead_professional_id")
        .annotate(changes=Count("id"), latest=Max("started_on"))
        .filter(changes__gte=config.lead_changes_threshold)
    )
    for row in rows:
        yield Finding(
            case_id=row["case_id"],
            subject="case",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                f"The lead professional has changed {row['changes']} times since {uk(since)} "
                f"(the alert starts at {config.lead_changes_threshold}). Frequent handovers are linked to "
                "drift: check that the plan, the chronology and the child's views were handed over. "
                "This clears when fewer changes fall within the period."
            ),
            evidence=[
                {"changes": row["changes"], "since": since.isoformat(), "latest_change": row["latest"].isoformat()}
            ],
        )


def rereferral(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """A child in an open case was in another case that closed less than N months before it opened."""
    window_days = round(config.rereferral_window_months * 365.25 / 12)
    # The same person under any of their records: a child merged with an earlier record (an alias) was in
    # that record's cases too. Person.merged_into names the canonical record itself, so one step resolves.
    canonical = Coalesce(F("person__merged_into_id"), F("person_id"))
    earlier = (
        HouseholdMember.objects.annotate(canonical=canonical)
        .filter(
            canonical=OuterRef("canonical"),
            case__status=Case.Status.CLOSED,
            case__closed_on__lte=OuterRef("case__opened_on"),
            case__closed_on__gte=ExpressionWrapper(
                OuterRef("case__opened_on") - timedelta(days=window_days), output_field=DateField()
            ),
        )
        .exclude(case=OuterRef("case"))
    )
    rows = (
        HouseholdMember.objects.filter(relationship=HouseholdMember.Relationship.CHILD, case__status=Case.Status.OPEN)
        .annotate(canonical=canonical)
        .filter(Exists(earlier))
        .values("case_id", "person_id", "case__lead_professional_id", "case__opened_on")
    )
    for row in rows:
        yield Finding(
            case_id=row["case_id"],
            subject=f"child:{row['person_id']}",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                "A child in this household was in a case that closed less than "
                f"{config.rereferral_window_months} months before this case opened on "
                f"{uk(row['case__opened_on'])}. Read the earlier case's history and ask what has changed "
                "since it closed. Acknowledge this with what you have done."
            ),
            evidence=[{"person_id": str(row["person_id"])}],
        )


def new_baby(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """A baby (unborn or under one) joined a household after its case opened: review the plan."""
    one_year_ago = _months_ago(today, 12)
    rows = (
        HouseholdMember.objects.filter(
            relationship=HouseholdMember.Relationship.CHILD,
            case__status=Case.Status.OPEN,
            left_on__isnull=True,
            joined_on__gt=F("case__opened_on"),
        )
        .filter(Q(person__is_unborn=True) | Q(person__date_of_birth__gt=one_year_ago))
        .values("case_id", "person_id", "case__lead_professional_id", "joined_on", "person__is_unborn")
    )
    for row in rows:
        kind = "An expected baby" if row["person__is_unborn"] else "A baby under one"
        yield Finding(
            case_id=row["case_id"],
            subject=f"child:{row['person_id']}",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                f"{kind} joined this household on {uk(row['joined_on'])}, after the case opened. Babies are "
                "most at risk from neglect: review the plan, invite the health visitor and make sure the "
                "baby has their own assessment. Acknowledge this when the plan has been reviewed."
            ),
            evidence=[{"person_id": str(row["person_id"]), "joined_on": row["joined_on"].isoformat()}],
        )


def _on_neglect_plan():
    """True for rows whose child (person_id, in this case) is on a current child protection plan whose latest
    category is neglect: that child, not a brother or sister (docs/practice.md, "Each child's record")."""
    return Exists(
        ChildPlan.objects.current()
        .protection()
        .filter(case=OuterRef("case_id"), child=OuterRef("person_id"), latest_category=AbuseCategory.NEG)
    )


def was_not_brought(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """Missed appointments (was not brought, or did not attend) in the last 12 months: one is enough on a
    neglect child protection plan, two for any other child. Every kind of appointment (GP, dental,
    hospital...) counts alike. Read from the chronology as it reads now: a missed appointment corrected
    onto another child counts for that child, one whose outcome was corrected to "attended" does not."""
    since = _months_ago(today, config.was_not_brought_window_months)
    rows = (
        EffectiveEntryChild.objects.filter(
            case__status=Case.Status.OPEN,
            entry__appointment_outcome__in=MISSED_OUTCOMES,
            entry__occurred_on__gte=since,
            entry__occurred_on__lte=today,
        )
        .values("case_id", child_id=F("person_id"), lead_id=F("case__lead_professional_id"))
        .annotate(missed=Count("entry_id"), latest=Max("entry__occurred_on"), neglect_plan=_on_neglect_plan())
        .filter(
            Q(neglect_plan=True, missed__gte=config.was_not_brought_neglect_plan_threshold)
            | Q(missed__gte=config.was_not_brought_threshold)
        )
    )
    for row in rows:
        threshold = (
            config.was_not_brought_neglect_plan_threshold if row["neglect_plan"] else config.was_not_brought_threshold
        )
        context = (
            "The child is on a child protection plan for neglect, so "
            if row["neglect_plan"]
            else "For a child who is not on a neglect child protection plan "
        )
        yield Finding(
            case_id=row["case_id"],
            subject=f"child:{row['child_id']}",
            owner_id=row["lead_id"],
            explanation=(
                f"Missed appointments: a child in this household was not brought to {row['missed']} "
                f"appointment{'s' if row['missed'] != 1 else ''} since {uk(since)}, the latest on "
                f"{uk(row['latest'])}. {context}the alert starts at {threshold}. Find out why, rebook "
                "the appointment and tell the service that the child was not brought. This clears when "
                f"fewer missed appointments fall within the last {config.was_not_brought_window_months} "
                "months."
            ),
            evidence=[
                {
                    "person_id": str(row["child_id"]),
                    "missed": row["missed"],
                    "since": since.isoformat(),
                    "latest": row["latest"].isoformat(),
                    "neglect_plan": row["neglect_plan"],
                }
            ],
        )


def no_access(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """Two or more no-access visits to the household in 3 months."""
    since = _months_ago(today, config.no_access_window_months)
    rows = (
        EffectiveEntry.objects.filter(
            case__status=Case.Status.OPEN,
            event_type=EventType.NO_ACCESS_VISIT,
            occurred_on__gte=since,
            occurred_on__lte=today,
        )
        .values("case_id", "case__lead_professional_id")
        .annotate(visits=Count("entry_id"), latest=Max("occurred_on"))
        .filter(visits__gte=config.no_access_threshold)
    )
    for row in rows:
        yield Finding(
            case_id=row["case_id"],
            subject="case",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                f"No-access visits: {row['visits']} visits since {uk(since)} found no one in or were refused "
                f"entry, the latest on {uk(row['latest'])} (the alert starts at {config.no_access_threshold}). "
                "Repeated no access can hide a child: arrange an unannounced visit and tell the core group. "
                f"This clears when fewer no-access visits fall within the last {config.no_access_window_months} "
                "months."
            ),
            evidence=[{"visits": row["visits"], "since": since.isoformat(), "latest": row["latest"].isoformat()}],
        )


def ae_attendances(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """A child with three or more A&E attendances in 12 months (the chronology as it reads now)."""
    since = _months_ago(today, config.ae_window_months)
    rows = (
        EffectiveEntryChild.objects.filter(
            entry__case__status=Case.Status.OPEN,
            entry__event_type=EventType.AE_ATTENDANCE,
            entry__occurred_on__gte=since,
            entry__occurred_on__lte=today,
        )
        .values("entry__case_id", "person_id", "entry__case__lead_professional_id")
        .annotate(attendances=Count("entry_id", distinct=True), latest=Max("entry__occurred_on"))
        .filter(attendances__gte=config.ae_threshold)
    )
    for row in rows:
        yield Finding(
            case_id=row["entry__case_id"],
            subject=f"child:{row['person_id']}",
            owner_id=row["entry__case__lead_professional_id"],
            explanation=(
                f"A&E attendances: a child in this household went to A&E {row['attendances']} times since "
                f"{uk(since)}, the latest on {uk(row['latest'])} (the alert starts at {config.ae_threshold}). "
                "Look at the reasons given together: repeated accidents can point to poor supervision. "
                f"This clears when fewer attendances fall within the last {config.ae_window_months} months."
            ),
            evidence=[
                {
                    "person_id": str(row["person_id"]),
                    "attendances": row["attendances"],
                    "since": since.isoformat(),
                    "latest": row["latest"].isoformat(),
                }
            ],
        )


def _waiting_meetings(today: date):
    return Meeting.objects.filter(case__status=Case.Status.OPEN, held_on__isnull=True, due_on__lt=today).values(
        "id", "case_id", "case__lead_professional_id", "kind", "due_on"
    )


def meeting_overdue(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """A meeting or review (not supervision, which has its own rule) past its due date and not held."""
    for row in _waiting_meetings(today).exclude(kind=MeetingKind.SUPERVISION):
        kind = MeetingKind(row["kind"]).label
        yield Finding(
            case_id=row["case_id"],
            subject=f"meeting:{row['id']}",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                f"Meeting overdue: the {kind.lower()} was due by {uk(row['due_on'])} and has not been recorded "
                "as held. Hold it, or record it if it has taken place. This clears when it is recorded as held."
            ),
            evidence=[{"meeting_id": str(row["id"]), "kind": row["kind"], "due_on": row["due_on"].isoformat()}],
        )


def supervision_overdue(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """Case supervision past its due date and not held: a sign of drift."""
    for row in _waiting_meetings(today).filter(kind=MeetingKind.SUPERVISION):
        yield Finding(
            case_id=row["case_id"],
            subject=f"meeting:{row['id']}",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                f"Supervision overdue: case supervision was due by {uk(row['due_on'])} and has not been "
                "recorded. Reflective supervision is how drift is noticed: book it with your team manager. "
                "This clears when the supervision is recorded."
            ),
            evidence=[{"meeting_id": str(row["id"]), "due_on": row["due_on"].isoformat()}],
        )


def assessment_overdue(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """A child's assessment past its due date (45 working days from the referral) and not authorised: one
    finding per child, in an open episode of an open case. The owner is the lead professional, or the team
    manager holding a case not yet allocated."""
    rows = ChildAssessment.objects.filter(
        due_on__lt=today,
        authorised_on__isnull=True,
        episode__closed_on__isnull=True,
        episode__case__status=Case.Status.OPEN,
    ).values(
        "id",
        child_id=F("episode__child_id"),
        case_id=F("episode__case_id"),
        lead_professional_id=F("episode__case__lead_professional_id"),
        assessment_due_on=F("due_on"),
        awaiting_allocation=F("episode__case__awaiting_allocation"),
    )
    for row in rows:
        waiting = (
            " The case is still waiting for a lead professional: allocate it today."
            if row["awaiting_allocation"]
            else ""
        )
        yield Finding(
            case_id=row["case_id"],
            subject=f"child:{row['child_id']}",
            owner_id=row["lead_professional_id"],
            explanation=(
                f"Assessment overdue: a child's assessment was due by {uk(row['assessment_due_on'])}, "
                f"{settings.ASSESSMENT_WORKING_DAYS} working days after the referral, and has not been recorded "
                "as completed. Complete it, or "
                f"talk to your team manager about why it is late.{waiting} This clears when the assessment is "
                "recorded as completed."
            ),
            evidence=[
                {
                    "person_id": str(row["child_id"]),
                    "assessment_id": row["id"],
                    "due_on": row["assessment_due_on"].isoformat(),
                }
            ],
        )


def action_overdue(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """An action of the current plan past its due date and not done."""
    rows = (
        Action.objects.filter(
            outcome__plan__case__status=Case.Status.OPEN, outcome__plan__ended_on__isnull=True, due_on__lt=today
        )
        .exclude(status=Action.Status.DONE)
        .values(
            "id",
            "outcome__plan__case_id",
            "outcome__plan__case__lead_professional_id",
            "outcome__number",
            "due_on",
            "status",
        )
    )
    for row in rows:
        status = Action.Status(row["status"]).label.lower()
        yield Finding(
            case_id=row["outcome__plan__case_id"],
            subject=f"action:{row['id']}",
            owner_id=row["outcome__plan__case__lead_professional_id"],
            explanation=(
                f"Plan action overdue: an action under outcome {row['outcome__number']} was due by "
                f"{uk(row['due_on'])} and is {status}. Ask its owner what is in the way, and agree a new date "
                "at the next review if needed. This clears when the action is marked done."
            ),
            evidence=[
                {
                    "action_id": row["id"],
                    "outcome": row["outcome__number"],
                    "due_on": row["due_on"].isoformat(),
                    "status": row["status"],
                }
            ],
        )


def review_due_soon(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """A reminder that a review is due within N working days (today included)."""
    cal = workdays.working_calendar(fresh=True)
    # Due within N working days <=> due before working day N + 1 (workdays/deadlines.py counts the same way).
    before = cal.add_working_days(today, config.review_due_soon_working_days + 1)
    rows = Meeting.objects.filter(
        case__status=Case.Status.OPEN, held_on__isnull=True, kind__in=REVIEW_KINDS, due_on__gte=today, due_on__lt=before
    ).values("id", "case_id", "case__lead_professional_id", "kind", "due_on")
    for row in rows:
        kind = MeetingKind(row["kind"]).label
        yield Finding(
            case_id=row["case_id"],
            subject=f"meeting:{row['id']}",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                f"Review due soon: the {kind.lower()} is due by {uk(row['due_on'])}, within "
                f"{config.review_due_soon_working_days} working days. Check that invitations and reports are "
                "out. This clears when the review is held (or, if it is not, when it becomes overdue)."
            ),
            evidence=[{"meeting_id": str(row["id"]), "kind": row["kind"], "due_on": row["due_on"].isoformat()}],
        )


def _completed_in_household():
    """Completed assessments, not replaced by a completed correction, of children still in an open case's
    household."""
    in_household = HouseholdMember.objects.filter(case=OuterRef("case"), person=OuterRef("child"), left_on__isnull=True)
    return Assessment.objects.current().filter(case__status=Case.Status.OPEN).filter(Exists(in_household))


def _current_completed_assessments():
    """Of those, each child's latest: no later completed assessment of the same child follows."""
    completed = Assessment.objects.completed()
    later = (
        completed.filter(case=OuterRef("case"), child=OuterRef("child"))
        .filter(
            Q(observation_ended_on__gt=OuterRef("observation_ended_on"))
            | Q(observation_ended_on=OuterRef("observation_ended_on"), completed_at__gt=OuterRef("completed_at"))
        )
        .exclude(supersedes=OuterRef("pk"))
    )
    return _completed_in_household().exclude(Exists(later))


def gcp2_repeat_overdue(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """The child's latest completed GCP2 has passed its repeat date with no newer completed one."""
    rows = (
        _current_completed_assessments()
        .filter(repeat_due_on__lt=today)
        .values("id", "case_id", "child_id", "case__lead_professional_id", "repeat_due_on", "observation_ended_on")
    )
    for row in rows:
        yield Finding(
            case_id=row["case_id"],
            subject=f"child:{row['child_id']}",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                "GCP2 repeat overdue: a child's latest Graded Care Profile 2 (observations ended "
                f"{uk(row['observation_ended_on'])}) was due to be repeated by {uk(row['repeat_due_on'])}. "
                "Without a repeat nobody can tell whether care is improving. This clears when a repeat "
                "assessment is completed."
            ),
            evidence=[
                {
                    "person_id": str(row["child_id"]),
                    "assessment_id": str(row["id"]),
                    "repeat_due_on": row["repeat_due_on"].isoformat(),
                }
            ],
        )


def long_cp_plan(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """A child who has been on a child protection plan for more than 12 months: one finding per child, so a
    brother who came off the plan clears while his sister's stays."""
    since = _months_ago(today, config.long_plan_months)
    rows = (
        ChildPlan.objects.current()
        .protection()
        .filter(case__status=Case.Status.OPEN, started_on__lt=since)
        .values("id", "case_id", "child_id", "case__lead_professional_id", "started_on", "latest_category")
    )
    for row in rows:
        yield Finding(
            case_id=row["case_id"],
            subject=f"child_plan:{row['id']}",
            owner_id=row["case__lead_professional_id"],
            explanation=(
                f"Child protection plan open a long time: a child's plan started on {uk(row['started_on'])}, more "
                f"than {config.long_plan_months} months ago. Ask at the next conference what has changed for the "
                "child and whether legal planning should be considered. This clears when the child's plan ends."
            ),
            evidence=[
                {
                    "child_plan_id": str(row["id"]),
                    "person_id": str(row["child_id"]),
                    "started_on": row["started_on"].isoformat(),
                    "category": row["latest_category"],
                }
            ],
        )


def no_contact(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """No chronology entry (from any agency) for longer than the case's level allows; a case with no
    entries at all counts from the day it opened."""
    cal = workdays.working_calendar(fresh=True)
    limits = {
        Level.CHILD_PROTECTION: config.no_contact_child_protection_working_days,
        Level.CHILD_IN_NEED: config.no_contact_child_in_need_working_days,
        Level.EARLY_HELP: config.no_contact_early_help_working_days,
    }
    too_old = Q()
    for level, limit in limits.items():
        too_old |= Q(level=level, last_contact__lt=cal.subtract_working_days(today, limit))
    rows = (
        Case.objects.open()
        .annotate(
            last_contact=Coalesce(
                Max("entries__effective__occurred_on", filter=Q(entries__effective__occurred_on__lte=today)),
                F("opened_on"),
                output_field=DateField(),
            )
        )
        .filter(too_old)
        .values("id", "lead_professional_id", "level", "last_contact")
    )
    for row in rows:
        limit = limits[row["level"]]
        level = Level(row["level"]).label.lower()
        yield Finding(
            case_id=row["id"],
            subject="case",
            owner_id=row["lead_professional_id"],
            explanation=(
                f"No recent contact: the last chronology entry for this household is dated "
                f"{uk(row['last_contact'])}, more than {limit} working days ago (the limit for {level}). "
                "Visit the family and record it, or record the contact another agency has had. This clears "
                "when an entry dated within the limit is added."
            ),
            evidence=[
                {"last_contact": row["last_contact"].isoformat(), "limit_working_days": limit, "level": row["level"]}
            ],
        )


def gcp2_drift(today: date, config: MonitoringSettings) -> Iterable[Finding]:
    """A child's last two completed GCP2s: no area better in the latest, and an area at 3 or worse.

    One query reads the area grades of every current completed assessment on open cases, ordered so
    that each child's assessments arrive together, oldest first; only the last two are compared."""
    rows = (
        AreaGrade.objects.filter(assessment__in=_completed_in_household())
        .order_by(
            "assessment__case_id",
            "assessment__child_id",
            "assessment__observation_ended_on",
            "assessment__completed_at",
            "assessment_id",
            "area",
        )
        .values_list(
            "assessment__case_id",
            "assessment__child_id",
            "assessment__case__lead_professional_id",
            "assessment_id",
            "assessment__observation_ended_on",
            "area",
            "grade",
        )
    )
    children: dict = {}
    for case_id, child_id, owner_id, assessment_id, ended_on, area, grade in rows.iterator():
        history = children.setdefault((case_id, child_id), {"owner": owner_id, "assessments": []})["assessments"]
        if not history or history[-1]["id"] != assessment_id:
            history.append({"id": assessment_id, "ended_on": ended_on, "grades": {}})
            del history[:-2]  # only the last two matter
        history[-1]["grades"][area] = grade
    for (case_id, child_id), found in children.items():
        if len(found["assessments"]) < 2:
            continue
        before, latest = found["assessments"]
        shared = [a for a in latest["grades"] if latest["grades"][a] and before["grades"].get(a)]
        better = [a for a in shared if latest["grades"][a] < before["grades"][a]]
        concern = sorted(a for a, g in latest["grades"].items() if g and g >= config.drift_concern_grade)
        if better or not concern:
            continue
        yield Finding(
            case_id=case_id,
            subject=f"child:{child_id}",
            owner_id=found["owner"],
            explanation=(
                "Drift: a child's last two Graded Care Profile 2 assessments (observations ended "
                f"{uk(before['ended_on'])} and {uk(latest['ended_on'])}) show no area better, and area "
                f"{', '.join(concern)} is graded {config.drift_concern_grade} or worse. Discuss at the next "
                "review or supervision whether to continue, step up or start legal planning. This clears "
                "when a newer assessment shows an area better, or none graded "
                f"{config.drift_concern_grade} or worse."
            ),
            evidence=[
                {
                    "person_id": str(child_id),
                    "assessment_ids": [str(before["id"]), str(latest["id"])],
                    "areas_of_concern": concern,
                }
            ],
        )


RULES: dict[str, Callable[[date, MonitoringSettings], Iterable[Finding]]] = {
    Flag.Rule.LEAD_CHURN: lead_churn,
    Flag.Rule.REREFERRAL: rereferral,
    Flag.Rule.NEW_BABY: new_baby,
    Flag.Rule.WAS_NOT_BROUGHT: was_not_brought,
    Flag.Rule.NO_ACCESS: no_access,
    Flag.Rule.AE_ATTENDANCES: ae_attendances,
    Flag.Rule.MEETING_OVERDUE: meeting_overdue,
    Flag.Rule.ACTION_OVERDUE: action_overdue,
    Flag.Rule.SUPERVISION_OVERDUE: supervision_overdue,
    Flag.Rule.REVIEW_DUE_SOON: review_due_soon,
    Flag.Rule.GCP2_REPEAT_OVERDUE: gcp2_repeat_overdue,
    Flag.Rule.LONG_CP_PLAN: long_cp_plan,
    Flag.Rule.NO_CONTACT: no_contact,
    Flag.Rule.GCP2_DRIFT: gcp2_drift,
    Flag.Rule.ASSESSMENT_OVERDUE: assessment_overdue,
}


@dataclass
class SweepResult:
    raised: int = 0
    resolved: int = 0
    still_open: int = 0


def sweep(today: date | None = None) -> SweepResult:
    """Run every rule once. Safe to run twice at the same time and to re-run after a crash:
    each rule's changes are one transaction, and inserts ignore flags that are already open."""
    today = today or timezone.localdate()
    config = MonitoringSettings.load()
    result = SweepResult()
    for rule, find in RULES.items():
        raised, resolved, still_open = _apply_rule(rule, list(find(today, config)))
        result.raised += raised
        result.resolved += resolved
        result.still_open += still_open
    # Referrals have no case yet, so no Flag: their overdue decisions are told to the MASH managers through
    # the outbox (once per referral), and the inbox marks them overdue.
    referral_services.queue_overdue_notices()
    return result


@transaction.atomic
def _apply_rule(rule: str, findings: list[Finding]) -> tuple[int, int, int]:
    now = timezone.now()
    current = {(str(f.case_id), f.subject) for f in findings}
    # The rules look at open cases only, so a closed case's flags would all look cleared; a closed case is
    # read-only (docs/security.md R42), so they are left as they were until the case is reopened.
    open_flags = {
        (str(case_id), subject): pk
        for pk, case_id, subject in Flag.objects.open()
        .filter(rule=rule, case__status=Case.Status.OPEN)
        .values_list("pk", "case_id", "subject")
    }
    cleared = [pk for key, pk in open_flags.items() if key not in current]
    resolved = Flag.objects.filter(pk__in=cleared, resolved_at__isnull=True).update(
        resolved_at=now, resolution="The condition no longer holds."
    )
    new = [f for f in findings if (str(f.case_id), f.subject) not in open_flags]
    # ignore_conflicts: a parallel sweep may have inserted the same open flag a moment ago.
    Flag.objects.bulk_create(
        [
            Flag(
                case_id=f.case_id,
                rule=rule,
                subject=f.subject,
                owner_id=f.owner_id,
                explanation=f.explanation,
                evidence=f.evidence,
            )
            for f in new
        ],
        ignore_conflicts=True,
    )
    outbox.queue_for_flags(rule)
    return len(new), resolved, len(open_flags) - len(cleared)
