"""Reads for the three dashboards (practitioner home, caseload, manager's stuck cases) and case search.

Every list here is filtered by the access policy in SQL and annotated or prefetched so that a page
runs the same number of queries for 5 cases as for 500. Nothing here writes.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (Count, DateField, DateTimeField, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet,
                              Subquery, Value)
from django.db.models.functions import Coalesce, Least

from accounts.access import cases_visible_to
from accounts.models import User
from chronology.models import Appointment, Entry
from gcp2.models import Assessment
from gcp2.structure import AREAS

from . import workdays
from .deadlines import DueStatus, due_status
from .models import (REVIEW_KINDS, Action, Case, CaseMember, Escalation, Flag, HouseholdMember, Level, Meeting,
                     MeetingKind, Notification, Plan)
from .selectors import _current_children

# Stands in for "no date" so that the earliest of two deadlines works the same on PostgreSQL and SQLite.
NO_DATE = date(9999, 12, 31)
OPEN_ACTION = ~Q(status__in=[Action.Status.DONE, Action.Status.NOT_DONE])
MANAGER_ROLES = (User.Role.TEAM_MANAGER, User.Role.SENIOR_MANAGER)
# Rules whose flags mean the case is drifting (DOMAIN.md "Drift"); new drift rules join this set.
DRIFT_RULES = frozenset({Flag.Rule.LEAD_CHURN, Flag.Rule.GCP2_DRIFT, Flag.Rule.LONG_CP_PLAN, Flag.Rule.NO_CONTACT})


def _count(queryset: QuerySet, group: str) -> Subquery:
    """A correlated COUNT(*) (a subquery, so several counts never multiply each other's joins)."""
    return Subquery(queryset.order_by().values(group).annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField())


def _current_plan_actions() -> QuerySet[Action]:
    return Action.objects.filter(outcome__plan__case=OuterRef("pk"), outcome__plan__ended_on__isnull=True)


def _waiting_meetings() -> QuerySet[Meeting]:
    return Meeting.objects.filter(case=OuterRef("pk"), held_on__isnull=True)


def with_dashboard_columns(cases: QuerySet[Case], *, children: bool = True) -> QuerySet[Case]:
    """Annotate next deadline, last contact, plan progress; prefetch children, open flags and GCP2.

    Five queries for any number of cases: the cases with their annotations, then children, open
    flags, completed GCP2 assessments and their area grades.
    """
    next_meeting = Subquery(_waiting_meetings().order_by("due_on").values("due_on")[:1], output_field=DateField())
    next_action = Subquery(_current_plan_actions().filter(OPEN_ACTION).order_by("due_on").values("due_on")[:1],
                           output_field=DateField())
    # The newest entry's date by walking the (case, date) index backwards: one row, not a MAX over
    # every entry of a long-running case.
    last_contact = Subquery(Entry.objects.filter(case=OuterRef("pk")).order_by("-occurred_on")
                            .values("occurred_on")[:1], output_field=DateField())
    replaced = Assessment.objects.filter(supersedes=OuterRef("pk"), status=Assessment.Status.COMPLETED)
    gcp2 = (Assessment.objects.filter(status=Assessment.Status.COMPLETED).exclude(Exists(replaced))
            .order_by("observation_ended_on", "completed_at").prefetch_related("area_grades"))
    return (
        cases.select_related("lead_professional", "lead_agency")
        .annotate(
            next_due=Least(Coalesce(next_meeting, Value(NO_DATE)), Coalesce(next_action, Value(NO_DATE))),
            last_contact=last_contact,
            actions_total=Coalesce(_count(_current_plan_actions(), "outcome__plan"), 0),
            actions_done=Coalesce(_count(_current_plan_actions().filter(status=Action.Status.DONE),
                                         "outcome__plan"), 0),
            open_escalations=Coalesce(_count(Escalation.objects.filter(case=OuterRef("pk"),
                                                                       status=Escalation.Status.OPEN), "case"), 0),
        )
        .prefetch_related(
            Prefetch("flags", queryset=Flag.objects.filter(resolved_at__isnull=True).order_by("raised_at"),
                     to_attr="open_flags"),
            # Children and their GCP2 grades only where the page shows them (not the manager's ranking).
            *([_current_children(), Prefetch("gcp2_assessments", queryset=gcp2, to_attr="completed_gcp2")]
              if children else []),
        )
    )


@dataclass
class ChildGrades:
    """One current child of a case with the area grades of their latest completed GCP2 (A–D)."""

    member: HouseholdMember
    grades: list[int | None]
    assessed_on: date | None


@dataclass
class CaseRow:
    """A case as a dashboard row: everything is worked out from what the selector loaded."""

    case: Case
    next_due: date | None
    deadline: DueStatus
    days_since_contact: int | None
    flags_by_kind: dict[str, int]
    children: list[ChildGrades]
    reasons: list[str] = field(default_factory=list)
    score: int = 0

    @property
    def progress(self) -> str:
        if not self.case.actions_total:
            return "No current plan actions"
        return f"{self.case.actions_done} of {self.case.actions_total} actions done"


def case_rows(cases, today: date) -> list[CaseRow]:
    """Rows for cases from `with_dashboard_columns` (no further queries)."""
    cal = workdays.working_calendar()
    rows = []
    for case in cases:
        next_due = None if case.next_due in (None, NO_DATE) else case.next_due
        flags: dict[str, int] = {}
        for flag in case.open_flags:
            label = flag.get_rule_display()
            flags[label] = flags.get(label, 0) + 1
        latest: dict = {}
        for assessment in getattr(case, "completed_gcp2", ()):  # oldest first: the last one per child wins
            latest[assessment.child_id] = assessment
        children = []
        for member in getattr(case, "current_children", ()):
            assessment = latest.get(member.person_id)
            grades = {g.area: g.grade for g in assessment.area_grades.all()} if assessment else {}
            children.append(ChildGrades(member, [grades.get(area.code) for area in AREAS],
                                        assessment.observation_ended_on if assessment else None))
        rows.append(CaseRow(
            case=case, next_due=next_due, deadline=due_status(next_due, today, cal=cal),
            days_since_contact=(today - case.last_contact).days if case.last_contact else None,
            flags_by_kind=dict(sorted(flags.items())), children=children,
        ))
    return rows


def caseload_for(user: User) -> QuerySet[Case]:
    """Open cases the user may see: the base the caseload's filters narrow."""
    return cases_visible_to(user).filter(status=Case.Status.OPEN)


# --- Practitioner home ----------------------------------------------------------------------------

def my_cases(user: User) -> QuerySet[Case]:
    """Open cases the person is on the team of, with their own role (to offer "Log a concern")."""
    role = CaseMember.objects.filter(case=OuterRef("pk"), user=user, ended_on__isnull=True).values("role")[:1]
    return (
        cases_visible_to(user).filter(status=Case.Status.OPEN, members__user=user, members__ended_on__isnull=True)
        .annotate(my_role=Subquery(role))
        .select_related("lead_professional", "lead_agency")
        .prefetch_related(_current_children())
        .order_by("reference")
    )


def my_actions(user: User, today: date) -> list[tuple[Action, DueStatus]]:
    """Open actions of current plans that the person owns, soonest first, with their status."""
    cal = workdays.working_calendar()
    actions = (
        Action.objects.filter(OPEN_ACTION, owner_user=user, outcome__plan__ended_on__isnull=True,
                              outcome__plan__case__in=cases_visible_to(user).filter(status=Case.Status.OPEN))
        .select_related("outcome__plan__case").order_by("due_on", "pk")[:50]
    )
    return [(action, due_status(action.due_on, today, cal=cal)) for action in actions]


def my_appointments_without_outcome(user: User, today: date) -> QuerySet[Appointment]:
    """Appointments the person booked, now past, whose outcome nobody has recorded yet."""
    return (
        Appointment.objects.filter(booked_by=user, outcome="", scheduled_on__lte=today,
                                   case__in=cases_visible_to(user))
        .select_related("case", "child").order_by("scheduled_on", "scheduled_at")[:50]
    )


def my_unread_notifications(user: User) -> QuerySet[Notification]:
    visible = cases_visible_to(user).values("pk")
    return (Notification.objects.filter(recipient=user, read_at__isnull=True, flag__case__in=visible)
            .select_related("flag", "flag__case").order_by("-created_at")[:10])


def leads_any_case(user: User) -> bool:
    return Case.objects.filter(lead_professional=user, status=Case.Status.OPEN).exists()


# --- Search ---------------------------------------------------------------------------------------

def search_cases(user: User, text: str) -> QuerySet[Case]:
    """Cases the user may see whose reference, or a child's name, matches `text` (at most 50)."""
    text = " ".join(text.split())
    if not text:
        return Case.objects.none()
    names = Q()
    for word in text.split(" "):
        names &= Q(person__first_name__icontains=word) | Q(person__last_name__icontains=word)
    child = HouseholdMember.objects.filter(names, case=OuterRef("pk"),
                                           relationship=HouseholdMember.Relationship.CHILD)
    return (
        cases_visible_to(user).filter(Q(reference__icontains=text) | Exists(child))
        .select_related("lead_professional", "lead_agency")
        .prefetch_related(_current_children())
        .order_by("status", "reference")[:50]
    )


# --- Manager's view -------------------------------------------------------------------------------

def managed_cases(user: User) -> QuerySet[Case]:
    """Open cases led from the teams the user manages; a senior manager's whole agency."""
    if user.role == User.Role.SENIOR_MANAGER and user.agency_id:
        scope = Q(lead_agency_id=user.agency_id) | Q(lead_professional__team__manager=user)
    else:
        scope = Q(lead_professional__team__manager=user)
    # The access policy filters too, so a manager never sees more than the policy allows.
    return cases_visible_to(user).filter(scope, status=Case.Status.OPEN)


def _stuck_inputs(cases: QuerySet[Case], today: date) -> QuerySet[Case]:
    """What makes a case stuck, each as a subquery: enough to rank cases without loading them."""
    unacknowledged = Flag.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True, acknowledged_at__isnull=True)
    drift = Flag.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True, rule__in=DRIFT_RULES)
    overdue_reviews = _waiting_meetings().filter(kind__in=REVIEW_KINDS, due_on__lt=today)
    overdue_supervision = _waiting_meetings().filter(kind=MeetingKind.SUPERVISION, due_on__lt=today)
    plan_started = Plan.objects.filter(case=OuterRef("pk"), ended_on__isnull=True).values("started_on")[:1]
    return cases.annotate(
        unacknowledged_flags=Coalesce(_count(unacknowledged, "case"), 0),
        oldest_unacknowledged=Subquery(unacknowledged.order_by("raised_at").values("raised_at")[:1],
                                       output_field=DateTimeField()),
        drift_flags=Coalesce(_count(drift, "case"), 0),
        waiting_escalations=Coalesce(_count(Escalation.objects.filter(case=OuterRef("pk"),
                                                                      status=Escalation.Status.OPEN), "case"), 0),
        overdue_reviews=Coalesce(_count(overdue_reviews, "case"), 0),
        oldest_overdue_review=Subquery(overdue_reviews.order_by("due_on").values("due_on")[:1],
                                       output_field=DateField()),
        overdue_supervision=Coalesce(_count(overdue_supervision, "case"), 0),
        plan_started_on=Subquery(plan_started, output_field=DateField()),
    )


STUCK_INPUTS = ("unacknowledged_flags", "oldest_unacknowledged", "drift_flags", "waiting_escalations",
                "overdue_reviews", "oldest_overdue_review", "overdue_supervision", "plan_started_on")


def with_stuck_columns(cases: QuerySet[Case], today: date) -> QuerySet[Case]:
    """`with_dashboard_columns` (without children and GCP2, which the manager's view does not show)
    plus what makes a case stuck."""
    return _stuck_inputs(with_dashboard_columns(cases, children=False), today).select_related(
        "lead_professional__team")


def plan_months(started_on: date | None, today: date) -> int | None:
    if started_on is None:
        return None
    return (today.year - started_on.year) * 12 + today.month - started_on.month - (today.day < started_on.day)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def stuck_score(inputs: dict, today: date, *, long_plan_months: int = 12) -> tuple[int, list[str]]:
    """How stuck a case is, and why in words, from its `STUCK_INPUTS`.

    The score weighs what a manager must act on first: an escalation nobody answered, then a flag
    nobody has acknowledged (plus its age in days), an overdue review or supervision, a long plan.
    """
    score, reasons = 0, []
    if inputs["unacknowledged_flags"]:
        oldest = (today - inputs["oldest_unacknowledged"].date()).days
        reasons.append(f"{_plural(inputs['unacknowledged_flags'], 'flag')} not acknowledged, "
                       f"the oldest raised {_plural(oldest, 'day')} ago")
        score += 10 * inputs["unacknowledged_flags"] + oldest
    if inputs["overdue_reviews"]:
        late = (today - inputs["oldest_overdue_review"]).days
        reasons.append(f"{_plural(inputs['overdue_reviews'], 'review')} overdue, the oldest by {_plural(late, 'day')}")
        score += 20 * inputs["overdue_reviews"] + late
    if inputs["drift_flags"]:
        reasons.append(f"{_plural(inputs['drift_flags'], 'drift flag')} open")
        score += 15 * inputs["drift_flags"]
    if inputs["waiting_escalations"]:
        reasons.append(f"{_plural(inputs['waiting_escalations'], 'escalation')} waiting for an answer")
        score += 25 * inputs["waiting_escalations"]
    if inputs["overdue_supervision"]:
        reasons.append("Case supervision overdue")
        score += 15
    months = plan_months(inputs["plan_started_on"], today)
    if months is not None and months >= long_plan_months:
        reasons.append(f"Plan in place for {_plural(months, 'month')}")
        score += 5 + months - long_plan_months
    return score, reasons


def stuck_ranking(cases: QuerySet[Case], today: date) -> list:
    """Every case's id, most stuck first: one query of plain values, so a senior manager's thousands of
    cases are ranked without building a model instance for each."""
    ranked = [(-stuck_score(row, today)[0], row["reference"], row["pk"])
              for row in _stuck_inputs(cases, today).values("pk", "reference", *STUCK_INPUTS)]
    return [pk for _, _, pk in sorted(ranked)]


def stuck_rows(cases, today: date, *, long_plan_months: int = 12) -> list[CaseRow]:
    """Rows for cases from `with_stuck_columns`, most stuck first, each with its reasons in words."""
    rows = case_rows(cases, today)
    for row in rows:
        inputs = {name: getattr(row.case, name) for name in STUCK_INPUTS}
        row.score, row.reasons = stuck_score(inputs, today, long_plan_months=long_plan_months)
    return sorted(rows, key=lambda r: (-r.score, r.case.reference))


@dataclass(frozen=True)
class TeamFigures:
    by_level: list[tuple[str, int]]
    total: int
    long_plans: int
    reviews_held: int
    reviews_on_time: int
    quarter_start: date

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.reviews_on_time / self.reviews_held) if self.reviews_held else None

    @property
    def bars(self) -> list[dict]:
        """Bars for the small SVG chart of cases by level: label, count, y position and width (of 300)."""
        top = max((n for _, n in self.by_level), default=0) or 1
        return [{"label": label, "count": n, "y": 10 + i * 34, "width": round(300 * n / top)}
                for i, (label, n) in enumerate(self.by_level)]


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def team_figures(cases: QuerySet[Case], today: date, *, long_plan_months: int = 12) -> TeamFigures:
    """Cases by level, plans in place over a year, and reviews held on time this quarter (two queries)."""
    long_ago = workdays.months_later(today, -long_plan_months)
    # distinct: the join to plans repeats a case once per plan it ever had.
    counts = cases.aggregate(
        total=Count("pk", distinct=True),
        long_plans=Count("pk", distinct=True,
                         filter=Q(plans__ended_on__isnull=True, plans__started_on__lte=long_ago)),
        **{level: Count("pk", distinct=True, filter=Q(level=level)) for level in Level.values},
    )
    start = quarter_start(today)
    reviews = Meeting.objects.filter(case__in=cases.values("pk"), kind__in=REVIEW_KINDS,
                                     held_on__gte=start, held_on__lte=today).aggregate(
        held=Count("pk"), on_time=Count("pk", filter=Q(due_on__isnull=True) | Q(held_on__lte=F("due_on"))))
    return TeamFigures(
        by_level=[(label, counts[value]) for value, label in Level.choices], total=counts["total"],
        long_plans=counts["long_plans"], reviews_held=reviews["held"], reviews_on_time=reviews["on_time"],
        quarter_start=start,
    )


def no_contact_since(days: int, today: date) -> date:
    return today - timedelta(days=days)
