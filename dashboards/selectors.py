"""Reads for the three dashboards (practitioner home, caseload, manager's stuck cases), case search and
the case page's latest chronology entries.

Every list here is filtered by the access policy in SQL and annotated or prefetched so that a page
runs the same number of queries for 5 cases as for 500. Nothing here writes.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db import connections, models
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear, Least, TruncDate
from django.urls import reverse

from accounts.models import Capability, User, staff_managed_by
from cases.access import cases_visible_to, management_condition
from cases.models import Case, CaseMember, HouseholdMember, Level
from cases.selectors import current_children
from chronology import selectors as chronology_selectors
from chronology.models import Appointment, EffectiveEntry, Entry
from gcp2.models import Assessment
from gcp2.structure import AREAS
from monitoring.models import Escalation, Flag
from notifications.models import UNREAD, Notification
from plans.models import REVIEW_KINDS, Action, Meeting, MeetingKind, Plan
from workdays import calendar as workdays
from workdays.deadlines import DueStatus, due_status, due_words

# Stands in for "no date" so that the earliest of two deadlines works the same on PostgreSQL and SQLite.
NO_DATE = date(9999, 12, 31)
OPEN_ACTION = ~Q(status__in=[Action.Status.DONE, Action.Status.NOT_DONE])
# Rules whose flags mean the case is drifting (docs/practice.md, "Drift and escalation"); new drift rules join this set.
DRIFT_RULES = frozenset({Flag.Rule.LEAD_CHURN, Flag.Rule.GCP2_DRIFT, Flag.Rule.LONG_CP_PLAN, Flag.Rule.NO_CONTACT})


def _count(queryset: QuerySet, group: str) -> Subquery:
    """A correlated COUNT(*) (a subquery, so several counts never multiply each other's joins)."""
    return Subquery(queryset.order_by().values(group).annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def _current_plan_actions() -> QuerySet[Action]:
    return Action.objects.filter(outcome__plan__case=OuterRef("pk"), outcome__plan__ended_on__isnull=True)


def _waiting_meetings() -> QuerySet[Meeting]:
    return Meeting.objects.filter(case=OuterRef("pk"), held_on__isnull=True)


def _next_deadline_columns() -> dict:
    """Annotations naming the case's next deadline: its soonest waiting meeting and its soonest open action of
    the current plan (date, and the meeting's id and kind or the action's words), and `next_due`, the earlier
    date. Correlated top-1 subqueries in the same query, so a page costs no query per row."""
    meetings = _waiting_meetings().filter(due_on__isnull=False).order_by("due_on", "pk")
    actions = _current_plan_actions().filter(OPEN_ACTION).order_by("due_on", "pk")

    def first(queryset: QuerySet, column: str, field) -> Subquery:
        return Subquery(queryset.values(column)[:1], output_field=field)

    meeting_due, action_due = first(meetings, "due_on", DateField()), first(actions, "due_on", DateField())
    return {
        "next_meeting_due": meeting_due,
        "next_meeting_id": first(meetings, "pk", models.UUIDField()),
        "next_meeting_kind": first(meetings, "kind", models.CharField()),
        "next_action_due": action_due,
        "next_action_text": first(actions, "description", models.TextField()),
        "next_due": Least(Coalesce(meeting_due, Value(NO_DATE)), Coalesce(action_due, Value(NO_DATE))),
    }


def _shown_due(next_due: date | None) -> date | None:
    """`next_due` as a row shows it: the stand-in that sorts cases with nothing due last means none."""
    return None if next_due in (None, NO_DATE) else next_due


ACTION_WORDS = 60  # how much of a plan action's words the deadline cell shows


@dataclass(frozen=True)
class NextDeadline:
    """A case's next deadline as a row shows it: what is due, a link to it, and when (in working days)."""

    what: str
    url: str
    due_on: date
    status: DueStatus
    words: str

    @property
    def label(self) -> str:
        return f"{self.what} · {self.words}"


def next_deadline(values, reference: str, today: date, *, cal: workdays.WorkingCalendar) -> NextDeadline | None:
    """The deadline `_next_deadline_columns` found, named and linked. `values` is a case (attributes) or a
    dict of the annotations. The meeting wins a tie: it is usually what the action is waiting for."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    meeting_due, action_due = get("next_meeting_due"), get("next_action_due")
    if meeting_due is not None and (action_due is None or meeting_due <= action_due):
        kind, due_on = get("next_meeting_kind"), meeting_due
        what = MeetingKind(kind).label if kind in MeetingKind.values else kind
        # Supervision's own page is for the lead's managers only: others get the list of meetings.
        if kind == MeetingKind.SUPERVISION:
            url = reverse("plans:meetings", args=[reference])
        else:
            url = reverse("plans:meeting_detail", args=[reference, get("next_meeting_id")])
    elif action_due is not None:
        text, due_on = " ".join((get("next_action_text") or "").split()), action_due
        what = f"Plan action: {text if len(text) <= ACTION_WORDS else text[: ACTION_WORDS - 1].rstrip() + '…'}"
        url = reverse("plans:plan", args=[reference])
    else:
        return None
    return NextDeadline(
        what=what,
        url=url,
        due_on=due_on,
        status=due_status(due_on, today, cal=cal),
        words=due_words(due_on, today, cal=cal),
    )


def with_dashboard_columns(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate next deadline, last contact, plan progress; prefetch the current children.

    Two queries for any number of cases (`case_rows` adds open flags and GCP2 grades).
    """
    # The newest date the case's entries have now (a correction may have moved one), from the
    # chronology's effective view: a top-1 over the case's entries, found through their case index.
    last_contact = Subquery(
        EffectiveEntry.objects.filter(case=OuterRef("pk")).order_by("-occurred_on").values("occurred_on")[:1],
        output_field=DateField(),
    )
    return (
        cases.select_related("lead_professional", "lead_agency")
        .annotate(
            **_next_deadline_columns(),
            last_contact=last_contact,
            actions_total=Coalesce(_count(_current_plan_actions(), "outcome__plan"), 0),
            actions_done=Coalesce(
                _count(_current_plan_actions().filter(status=Action.Status.DONE), "outcome__plan"), 0
            ),
            open_escalations=Coalesce(
                _count(Escalation.objects.filter(case=OuterRef("pk"), status=Escalation.Status.OPEN), "case"), 0
            ),
        )
        .prefetch_related(current_children())
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
    next: NextDeadline | None
    working_days_since_contact: int | None
    flags_by_kind: dict[str, int]
    children: list[ChildGrades]

    @property
    def progress(self) -> str:
        if not self.case.actions_total:
            return "No current plan actions"
        return f"{self.case.actions_done} of {self.case.actions_total} actions done"


def _open_flags_by_kind(case_ids: list) -> dict[object, dict[str, int]]:
    """Open flags counted by kind for each case, in words: counts from the flags' index, not flag rows."""
    labels = dict(Flag.Rule.choices)
    counts: dict[object, dict[str, int]] = defaultdict(dict)
    for case_id, rule, n in (
        Flag.objects.filter(case__in=case_ids, resolved_at__isnull=True)
        .order_by()
        .values_list("case_id", "rule")
        .annotate(n=Count("rule"))
    ):
        counts[case_id][labels.get(rule, rule)] = n
    return counts


def _latest_gcp2(case_ids: list) -> dict[tuple, tuple[date, dict[str, int | None]]]:
    """Each child's latest completed GCP2 in these cases: the day observation ended and the area
    grades, keyed by (case, child). One query of plain values, not assessment and grade rows."""
    rows = (
        Assessment.objects.current()
        .filter(case__in=case_ids)
        .order_by("observation_ended_on", "completed_at", "pk")
        .values_list("pk", "case_id", "child_id", "observation_ended_on", "area_grades__area", "area_grades__grade")
    )
    latest: dict[tuple, tuple] = {}
    for pk, case_id, child_id, ended_on, area, grade in rows:  # oldest first: the last one per child wins
        key = (case_id, child_id)
        if key not in latest or latest[key][0] != pk:
            latest[key] = (pk, ended_on, {})
        if area:
            latest[key][2][area] = grade
    return {key: (ended_on, grades) for key, (_, ended_on, grades) in latest.items()}


def case_rows(cases, today: date) -> list[CaseRow]:
    """Rows for cases from `with_dashboard_columns`, with two more queries: open flags, GCP2 grades."""
    cal = workdays.working_calendar()
    cases = list(cases)
    case_ids = [case.pk for case in cases]
    flags_by_case, gcp2 = _open_flags_by_kind(case_ids), _latest_gcp2(case_ids)
    rows = []
    for case in cases:
        next_due = _shown_due(case.next_due)
        flags = flags_by_case.get(case.pk, {})
        children = []
        for member in case.current_children:
            assessed_on, grades = gcp2.get((case.pk, member.person_id), (None, {}))
            children.append(ChildGrades(member, [grades.get(area.code) for area in AREAS], assessed_on))
        rows.append(
            CaseRow(
                case=case,
                next_due=next_due,
                deadline=due_status(next_due, today, cal=cal),
                next=next_deadline(case, case.reference, today, cal=cal),
                # In working days, as the "no recent contact" rule counts them (docs/practice.md).
                working_days_since_contact=(
                    cal.working_days_between(case.last_contact, today) if case.last_contact else None
                ),
                flags_by_kind=dict(sorted(flags.items())),
                children=children,
            )
        )
    return rows


def caseload_for(user: User) -> QuerySet[Case]:
    """Open cases the user may see: the base the caseload's filters narrow."""
    return cases_visible_to(user).open()


# --- Case page -----------------------------------------------------------------------------------

LATEST_ENTRIES = 5


def latest_entries(case: Case, size: int = LATEST_ENTRIES) -> list[Entry]:
    """The newest entries of the case's chronology as its first page shows them (newest first, what each
    says now after any correction, family history included), marked late or not. The chronology's own
    timeline and keyset page, so the case page and the chronology never disagree: a fixed number of
    queries whatever the chronology's length (its gaps and duplicates are not worked out here)."""
    timeline = chronology_selectors.timeline_for(case)
    entries = chronology_selectors.timeline_page(timeline, size=size).entries
    return chronology_selectors.mark_recorded_late(entries, limit=timeline.settings.late_after_working_days)


# --- Practitioner home ----------------------------------------------------------------------------


def my_cases(user: User) -> QuerySet[Case]:
    """Open cases the person is on the team of, with their own role (to offer "Log a concern")."""
    role = CaseMember.objects.filter(case=OuterRef("pk"), user=user, ended_on__isnull=True).values("role")[:1]
    return (
        cases_visible_to(user)
        .filter(status=Case.Status.OPEN, members__user=user, members__ended_on__isnull=True)
        .annotate(my_role=Subquery(role))
        .select_related("lead_professional", "lead_agency")
        .prefetch_related(current_children())
        .order_by("reference")
    )


def my_actions(user: User, today: date) -> list[tuple[Action, DueStatus]]:
    """Open actions of current plans that the person owns, soonest first, with their status."""
    cal = workdays.working_calendar()
    actions = (
        Action.objects.filter(
            OPEN_ACTION,
            owner_user=user,
            outcome__plan__ended_on__isnull=True,
            outcome__plan__case__in=cases_visible_to(user).open(),
        )
        .select_related("outcome__plan__case")
        .order_by("due_on", "pk")[:50]
    )
    return [(action, due_status(action.due_on, today, cal=cal)) for action in actions]


def my_appointments_without_outcome(user: User, today: date) -> QuerySet[Appointment]:
    """Appointments the person booked, now past, whose outcome nobody has recorded yet."""
    return (
        Appointment.objects.waiting_for_outcome()
        .filter(booked_by=user, scheduled_on__lte=today, case__in=cases_visible_to(user))
        .select_related("case", "child")
        .order_by("scheduled_on", "scheduled_at")[:50]
    )


# --- Notifications: one definition of "unread" for the header badge, the home page and the list page ---------


def _notifications_about_cases_open_to(user: User) -> QuerySet[Notification]:
    """The person's notifications about cases they can still open. A notification about a case they can no
    longer open (they left the team, their grant expired) is shown and counted nowhere; so is one with no
    case (there are none today: every row the outbox holds names its case)."""
    return Notification.objects.filter(recipient=user, case__in=cases_visible_to(user).values("pk"))


def unread_notifications_for(user: User) -> QuerySet[Notification]:
    """The unread notifications this person can act on: unread, of any kind (flags, escalations and whatever
    is queued next), about a case they can still open. The one definition: the header badge counts it
    (dashboards/context_processors.py), the home page lists its newest ten and the list page marks its rows
    new."""
    return _notifications_about_cases_open_to(user).filter(UNREAD)


def my_unread_notifications(user: User, limit: int = 10) -> QuerySet[Notification]:
    """The home page's list: the newest of `unread_notifications_for`, each with its case (one query)."""
    return unread_notifications_for(user).select_related("case").order_by("-created_at")[:limit]


def notifications_for(user: User) -> QuerySet[Notification]:
    """The list page: the person's notifications about cases they can still open, newest first, each with
    `unread` and with `closed` when its flag has cleared or its escalation is resolved (one query). The rows
    are those `unread_notifications_for` starts from and `unread` is its condition, so the rows marked new
    are exactly the ones it counts (without running the access policy twice)."""
    cleared = Flag.objects.filter(pk=OuterRef("subject_id"), resolved_at__isnull=False)
    resolved = Escalation.objects.filter(pk=OuterRef("subject_id")).exclude(status=Escalation.Status.OPEN)
    return (
        _notifications_about_cases_open_to(user)
        .annotate(
            unread=ExpressionWrapper(UNREAD, output_field=BooleanField()),
            closed=ExpressionWrapper(Exists(cleared) | Exists(resolved), output_field=BooleanField()),
        )
        .select_related("case")
        .order_by("-created_at")
    )


def on_any_open_case_team(user: User) -> bool:
    """On the team of an open case. A manager holding a case only until they allocate it is not: their
    place is the manager's view, with its list of cases to allocate."""
    return (
        CaseMember.objects.current()
        .filter(user=user, case__status=Case.Status.OPEN, case__awaiting_allocation=False)
        .exists()
    )


def leads_any_case(user: User) -> bool:
    return Case.objects.open().filter(lead_professional=user).exists()


# --- Search ---------------------------------------------------------------------------------------


def search_cases(user: User, text: str) -> QuerySet[Case]:
    """Cases the user may see whose reference, or a child's name, matches `text` (at most 50)."""
    text = " ".join(text.split())
    if not text:
        return Case.objects.none()
    names = Q()
    for word in text.split(" "):
        names &= Q(person__first_name__icontains=word) | Q(person__last_name__icontains=word)
    child = HouseholdMember.objects.filter(names, case=OuterRef("pk"), relationship=HouseholdMember.Relationship.CHILD)
    return (
        cases_visible_to(user)
        .filter(Q(reference__icontains=text) | Exists(child))
        .select_related("lead_professional", "lead_agency")
        .prefetch_related(current_children())
        .order_by("status", "reference")[:50]
    )


# --- Manager's view -------------------------------------------------------------------------------


def managed_cases(user: User) -> QuerySet[Case]:
    """Open cases led from the teams the user manages; a senior manager's whole agency.

    Exactly the cases the access policy lets a manager open because of their position (the same
    condition, `management_condition`), without the policy's membership and grant look-ups, which
    would cost a subquery per case and never add a case here.
    """
    if not user.is_active or not user.can(Capability.Key.USE_MANAGER_VIEW):
        return Case.objects.none()
    return Case.objects.open().filter(management_condition(user))


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _days_since(column: str, vendor: str) -> str:
    """SQL for the whole days from a date column to today (one `%s` parameter: today's ISO date)."""
    if vendor == "postgresql":
        return f"(CAST(%s AS date) - {column})"
    if vendor == "sqlite":
        return f"CAST(julianday(%s) - julianday({column}) AS INTEGER)"
    raise NotImplementedError(f"No day arithmetic for {vendor}")


@dataclass(frozen=True)
class StuckInputs:
    """What makes one case stuck, as the ranking query read it (see `stuck_score`)."""

    pk: object
    reference: str
    unacknowledged_flags: int
    oldest_unacknowledged: date | None  # the day the oldest unacknowledged flag was raised
    drift_flags: int
    waiting_escalations: int
    overdue_reviews: int
    oldest_overdue_review: date | None
    overdue_supervision: int
    plan_started_on: date | None
    score: int


@dataclass(frozen=True)
class ScopeCounts:
    """How many open cases the manager's view covers: in all, by level of need, with long plans."""

    total: int
    by_level: dict[str, int]
    long_plans: int


class StuckRanking:
    """The cases in scope, most stuck first, ranked in SQL a page at a time.

    One query joins each case to four grouped reads (open flags, overdue meetings, open escalations,
    the current plan) and computes `stuck_score` in SQL, so a senior manager's thousands of cases are
    ranked without a correlated subquery or a Python object per case. Window functions over the same
    rows count the scope for the figures and the page links, so no second pass over it is needed.
    """

    def __init__(self, cases: QuerySet[Case], today: date, *, long_plan_months: int = 12, narrow: bool = False):
        """`narrow`: the scope is a small part of the partnership (a team), so the grouped reads are
        restricted to it and cost what the team's cases cost. Without it they read every open flag
        and meeting once, which is cheaper when the scope is most of the partnership (a senior
        manager's agency): at 20,000 households 7 ms instead of 11 ms for a team, but 42 ms
        instead of 23 ms for an agency if restricted."""
        self.cases, self.today, self.long_plan_months, self.narrow = cases, today, long_plan_months, narrow

    def page(self, number, per_page: int) -> tuple[Page, ScopeCounts]:
        """The page asked for (the first when `number` is not a number, the last when it is past
        the end, as `Paginator.get_page` does) and the scope's counts."""
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1
        rows, counts = self._fetch(per_page * (number - 1), per_page)
        if not rows and number > 1:  # past the end: count, then show the last page
            counts = self._fetch(0, 1)[1]
            number = Paginator(range(counts.total), per_page).num_pages
            rows, counts = self._fetch(per_page * (number - 1), per_page)
        return Page(rows, number, Paginator(range(counts.total), per_page)), counts

    def _fetch(self, offset: int, limit: int) -> tuple[list[StuckInputs], ScopeCounts]:
        sql, params = self._query(offset, limit)
        with connections[self.cases.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return [], ScopeCounts(0, dict.fromkeys(Level.values, 0), 0)
        width = len(StuckInputs.__dataclass_fields__)
        total, long_plans, *levels = rows[0][width:]
        counts = ScopeCounts(total, dict(zip(Level.values, levels)), long_plans)
        # A raw cursor skips the fields' conversions: SQLite gives UUIDs and dates back as text.
        pk, day = Case._meta.pk, DateField()
        return [
            StuckInputs(
                pk.to_python(case_id),
                reference,
                unack,
                day.to_python(oldest),
                drift,
                waiting,
                reviews,
                day.to_python(oldest_review),
                supervision,
                day.to_python(plan_started),
                score,
            )
            for (
                case_id,
                reference,
                unack,
                oldest,
                drift,
                waiting,
                reviews,
                oldest_review,
                supervision,
                plan_started,
                score,
                *_,
            ) in rows
        ], counts

    def _query(self, offset: int, limit: int) -> tuple[str, tuple]:
        today, vendor = self.today, connections[self.cases.db].vendor
        in_scope = Q(case__in=self.cases.order_by().values("pk")) if self.narrow else Q()
        unacknowledged, drift = Q(acknowledged_at__isnull=True), Q(rule__in=DRIFT_RULES)
        # Counts of a non-null column the index covers (not the id), and the day of the oldest flag
        # converted once per case, not per flag: flags and meetings are read from covering indexes.
        flags = _sql(
            Flag.objects.filter(in_scope, resolved_at__isnull=True)
            .order_by()
            .values("case_id")
            .annotate(
                unacknowledged=Count("raised_at", filter=unacknowledged),
                oldest_unacknowledged=TruncDate(Min("raised_at", filter=unacknowledged)),
                drift=Count("rule", filter=drift),
            )
        )
        review, supervision = Q(kind__in=REVIEW_KINDS), Q(kind=MeetingKind.SUPERVISION)
        meetings = _sql(
            Meeting.objects.filter(in_scope, held_on__isnull=True, due_on__lt=today)
            .order_by()
            .values("case_id")
            .annotate(
                reviews=Count("kind", filter=review),
                oldest_review=Min("due_on", filter=review),
                supervision=Count("kind", filter=supervision),
            )
        )
        escalations = _sql(
            Escalation.objects.filter(in_scope, status=Escalation.Status.OPEN)
            .order_by()
            .values("case_id")
            .annotate(waiting=Count("*"))
        )
        # One current plan per case (a unique constraint), so no grouping is needed. Whole calendar
        # months it has run, as `plan_months` counts them, worked out once per plan as an integer.
        started_month = Cast(ExtractYear("started_on") * 12 + ExtractMonth("started_on"), IntegerField())
        months_run = (
            Value(today.year * 12 + today.month)
            - started_month
            - models.Case(models.When(started_on__day__gt=today.day, then=Value(1)), default=Value(0))
        )
        plans = _sql(
            Plan.objects.filter(in_scope, ended_on__isnull=True)
            .order_by()
            .values("case_id", "started_on")
            .annotate(months=months_run)
        )
        scope = _sql(self.cases.order_by().values("pk", "reference", "level"))
        iso = today.isoformat()
        score = f"""(
            CASE WHEN f.unacknowledged > 0
                 THEN 10 * f.unacknowledged + {_days_since("f.oldest_unacknowledged", vendor)} ELSE 0 END
          + CASE WHEN m.reviews > 0 THEN 20 * m.reviews + {_days_since("m.oldest_review", vendor)} ELSE 0 END
          + 15 * COALESCE(f.drift, 0) + 25 * COALESCE(e.waiting, 0)
          + CASE WHEN m.supervision > 0 THEN 15 ELSE 0 END
          + CASE WHEN p.months >= %s THEN 5 + p.months - %s ELSE 0 END)"""
        score_params = (iso, iso, self.long_plan_months, self.long_plan_months)
        by_level = ", ".join("SUM(CASE WHEN c.level = %s THEN 1 ELSE 0 END) OVER ()" for _ in Level.values)
        sql = f"""
            SELECT c.pk, c.reference, COALESCE(f.unacknowledged, 0), f.oldest_unacknowledged,
                   COALESCE(f.drift, 0), COALESCE(e.waiting, 0), COALESCE(m.reviews, 0), m.oldest_review,
                   COALESCE(m.supervision, 0), p.started_on, {score} AS score,
                   COUNT(*) OVER (), SUM(CASE WHEN p.months >= %s THEN 1 ELSE 0 END) OVER (), {by_level}
            FROM ({scope[0]}) c
            LEFT JOIN ({flags[0]}) f ON f.case_id = c.pk
            LEFT JOIN ({meetings[0]}) m ON m.case_id = c.pk
            LEFT JOIN ({escalations[0]}) e ON e.case_id = c.pk
            LEFT JOIN ({plans[0]}) p ON p.case_id = c.pk
            ORDER BY score DESC, c.reference
            LIMIT %s OFFSET %s"""  # nosec B608 - the inner SQL is Django's compiled queries; values are parameters
        params = (
            *score_params,
            self.long_plan_months,
            *Level.values,
            *scope[1],
            *flags[1],
            *meetings[1],
            *escalations[1],
            *plans[1],
            limit,
            offset,
        )
        return sql, params


def plan_months(started_on: date | None, today: date) -> int | None:
    if started_on is None:
        return None
    return (today.year - started_on.year) * 12 + today.month - started_on.month - (today.day < started_on.day)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def stuck_score(
    inputs: StuckInputs, today: date, *, long_plan_months: int = 12, cal: workdays.WorkingCalendar | None = None
) -> tuple[int, list[str]]:
    """How stuck a case is, and why in words: the rule `StuckRanking` ranks by in SQL.

    The score weighs what a manager must act on first: an escalation nobody answered, then a flag
    nobody has acknowledged (plus its age in days), an overdue review or supervision, a long plan.
    The score counts calendar days (cheap in SQL, and the order is the same); the words say working
    days, the unit of the acknowledgement limit and of the deadlines beside them.
    """
    cal = cal or workdays.working_calendar()
    score, reasons = 0, []
    if inputs.unacknowledged_flags:
        oldest = (today - inputs.oldest_unacknowledged).days
        reasons.append(
            f"{_plural(inputs.unacknowledged_flags, 'flag')} not acknowledged, the oldest raised "
            f"{_plural(cal.working_days_between(inputs.oldest_unacknowledged, today), 'working day')} ago"
        )
        score += 10 * inputs.unacknowledged_flags + oldest
    if inputs.overdue_reviews:
        late = (today - inputs.oldest_overdue_review).days
        late_wd = cal.working_days_between(inputs.oldest_overdue_review, today)
        reasons.append(
            f"{_plural(inputs.overdue_reviews, 'review')} overdue, the oldest by {_plural(late_wd, 'working day')}"
        )
        score += 20 * inputs.overdue_reviews + late
    if inputs.drift_flags:
        reasons.append(f"{_plural(inputs.drift_flags, 'drift flag')} open")
        score += 15 * inputs.drift_flags
    if inputs.waiting_escalations:
        reasons.append(f"{_plural(inputs.waiting_escalations, 'escalation')} waiting for an answer")
        score += 25 * inputs.waiting_escalations
    if inputs.overdue_supervision:
        reasons.append("Case supervision overdue")
        score += 15
    months = plan_months(inputs.plan_started_on, today)
    if months is not None and months >= long_plan_months:
        reasons.append(f"Plan in place for {_plural(months, 'month')}")
        score += 5 + months - long_plan_months
    return score, reasons


@dataclass
class StuckRow:
    """A row of the manager's view: the case in words, its next deadline, and why it may be stuck."""

    reference: str
    level: str
    lead: str
    team: str | None
    next_due: date | None
    deadline: DueStatus
    next: NextDeadline | None
    reasons: list[str]


def stuck_rows(ranked: list[StuckInputs], today: date, *, long_plan_months: int = 12) -> list[StuckRow]:
    """Rows for one page of `StuckRanking`, in its order: one query of plain values for the cases
    shown (the ranking read them from the scope already), no model instances."""
    cal = workdays.working_calendar()
    levels = dict(Level.choices)
    columns = _next_deadline_columns()
    shown = {
        row["pk"]: row
        for row in Case.objects.filter(pk__in=[inputs.pk for inputs in ranked])
        .annotate(**columns)
        .values(
            "pk",
            "level",
            *columns,
            "lead_professional__first_name",
            "lead_professional__last_name",
            "lead_professional__team__name",
        )
    }
    rows = []
    for inputs in ranked:
        case = shown[inputs.pk]
        next_due = _shown_due(case["next_due"])
        # The SQL ranked by the score; the reasons count days in working days, as the deadlines do.
        _, reasons = stuck_score(inputs, today, long_plan_months=long_plan_months, cal=cal)
        lead = f"{case['lead_professional__first_name']} {case['lead_professional__last_name']}".strip()
        rows.append(
            StuckRow(
                reference=inputs.reference,
                level=levels.get(case["level"], case["level"]),
                lead=lead,
                team=case["lead_professional__team__name"],
                next_due=next_due,
                deadline=due_status(next_due, today, cal=cal),
                next=next_deadline(case, inputs.reference, today, cal=cal),
                reasons=reasons,
            )
        )
    return rows


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
        return [
            {"label": label, "count": n, "y": 10 + i * 34, "width": round(300 * n / top)}
            for i, (label, n) in enumerate(self.by_level)
        ]


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def team_figures(cases: QuerySet[Case], counts: ScopeCounts, today: date) -> TeamFigures:
    """The scope's counts (from `StuckRanking`) and the reviews held on time this quarter (one query)."""
    start = quarter_start(today)
    # Counting held_on (never null here), not the id, lets PostgreSQL answer from the index alone.
    reviews = Meeting.objects.filter(
        case__in=cases.values("pk"), kind__in=REVIEW_KINDS, held_on__gte=start, held_on__lte=today
    ).aggregate(
        held=Count("held_on"), on_time=Count("held_on", filter=Q(due_on__isnull=True) | Q(held_on__lte=F("due_on")))
    )
    return TeamFigures(
        by_level=[(label, counts.by_level[value]) for value, label in Level.choices],
        total=counts.total,
        long_plans=counts.long_plans,
        reviews_held=reviews["held"],
        reviews_on_time=reviews["on_time"],
        quarter_start=start,
    )


# --- Caseloads by worker, and reallocating a leaver's cases -----------------------------------------


@dataclass(frozen=True)
class WorkerCaseload:
    """One worker's open cases in the manager's scope, and how many of them are child protection."""

    user_id: int
    name: str
    team: str | None
    is_active: bool
    open_cases: int
    child_protection: int


def worker_caseloads(user: User) -> list[tuple[str, list[WorkerCaseload]]]:
    """Each worker of the teams in the manager's scope (a senior manager: every team of the agency) with
    their open cases and child protection cases among them, grouped by team; leads outside those teams
    whose cases are in scope come under "No team". One grouped query for any number of cases.

    Workers with no open case are listed (they may take cases on); a deactivated worker only while they
    still lead a case, which is what reallocation is for.
    """
    if not user.is_active or not user.can(Capability.Key.USE_MANAGER_VIEW):
        return []
    managed = managed_cases(user)
    in_scope = Q(led_cases__in=managed.order_by().values("pk"))
    rows = (
        User.objects.filter(staff_managed_by(user) | Q(pk__in=managed.order_by().values("lead_professional")))
        .annotate(
            open_cases=Count("led_cases", filter=in_scope),
            child_protection=Count("led_cases", filter=in_scope & Q(led_cases__level=Level.CHILD_PROTECTION)),
        )
        .filter(Q(is_active=True) | Q(open_cases__gt=0))
        .order_by(models.F("team__name").asc(nulls_last=True), "last_name", "first_name", "pk")
        .values_list("pk", "first_name", "last_name", "team__name", "is_active", "open_cases", "child_protection")
    )
    grouped: dict[str, list[WorkerCaseload]] = {}
    for pk, first, last, team, active, open_cases, cp in rows:
        grouped.setdefault(team or "No team", []).append(
            WorkerCaseload(pk, f"{first} {last}".strip(), team, active, open_cases, cp)
        )
    return list(grouped.items())
