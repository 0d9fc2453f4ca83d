"""Reads for plans, meetings and supervision: the case page's summary, the plan and meeting pages, and
whether a case has the recent closing review it needs to close or transfer. Nothing here writes."""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from cases.census import ClosureReason
from cases.models import Case, ChildEpisode, Level
from plans import timescale_defaults
from plans.models import (
    REVIEW_KINDS,
    AbuseCategory,
    Action,
    CategoryChange,
    ChildPlan,
    Meeting,
    MeetingKind,
    Outcome,
    OutcomeRating,
    Plan,
    Timescale,
)
from workdays import calendar as workdays
from workdays.deadlines import DueStatus, due_status


def timescale(key: str) -> Timescale:
    """The timescale in use; its default (unsaved) if the row is missing, e.g. in a database just flushed."""
    return Timescale.objects.filter(key=key).first() or Timescale(key=key, **timescale_defaults.as_fields(key))


def current_plan(case: Case) -> Plan | None:
    return case.plans.filter(ended_on__isnull=True).first()


def plans_for(case: Case) -> QuerySet[Plan]:
    """Every plan of the case, newest first, with outcomes, their actions (owners loaded) and ratings."""
    ratings = OutcomeRating.objects.select_related("meeting").order_by("meeting__held_on")
    actions = Action.objects.select_related("owner_user", "owner_agency")
    outcomes = Outcome.objects.prefetch_related(
        Prefetch("actions", queryset=actions), Prefetch("ratings", queryset=ratings)
    )
    children = ChildPlan.objects.select_related("child")
    return case.plans.select_related("created_by").prefetch_related(
        Prefetch("outcomes", queryset=outcomes), Prefetch("children", queryset=children)
    )


def plans_with_progress(case: Case) -> list[Plan]:
    """`plans_for`, with each outcome's latest rating as `outcome.latest_rating` (None before any review)."""
    plans = list(plans_for(case))
    for plan in plans:
        for outcome in plan.outcomes.all():
            ratings = outcome.ratings.all()
            outcome.latest_rating = ratings[len(ratings) - 1] if ratings else None
    return plans


def meetings_for(case: Case) -> QuerySet[Meeting]:
    """All meetings of a case, waiting ones first (soonest due), then held ones (latest first)."""
    return (
        case.meetings.select_related("record__recorded_by", "scheduled_by_meeting")
        .prefetch_related("invited_agencies")
        .order_by("held_on", "due_on", "-created_at")
    )


@dataclass(frozen=True)
class Dated:
    """One dated thing on the case page: what, when it is due, how that was worked out, its status."""

    what: str
    due_on: date | None
    basis: str
    status: DueStatus


def next_meetings(case: Case, today: date, *, show_supervision: bool) -> list[Dated]:
    """The waiting meetings of an open case with their status; supervision, when none is waiting,
    is due a supervision interval after the case opened, so a case never supervised shows overdue."""
    cal = workdays.working_calendar()
    waiting = [
        m
        for m in case.meetings.filter(held_on__isnull=True).order_by("due_on")
        if show_supervision or m.kind != MeetingKind.SUPERVISION
    ]
    dated = [Dated(m.get_kind_display(), m.due_on, m.due_basis, due_status(m.due_on, today, cal=cal)) for m in waiting]
    if show_supervision and not any(m.kind == MeetingKind.SUPERVISION for m in waiting):
        if not case.meetings.filter(kind=MeetingKind.SUPERVISION).exists():
            due, basis = timescale(Timescale.Key.SUPERVISION).due_from(case.opened_on, cal=cal)
            dated.append(
                Dated(
                    "Case supervision (none recorded yet)",
                    due,
                    f"{basis}, when the case opened",
                    due_status(due, today, cal=cal),
                )
            )
    return sorted(dated, key=lambda d: d.due_on or date.max)


def plan_summary(case: Case, today: date, *, show_supervision: bool) -> dict:
    """The case page's plan box: the current plan's outcomes (what must change, by when) and what is next."""
    cal = workdays.working_calendar()
    plan = (
        case.plans.filter(ended_on__isnull=True)
        .prefetch_related(Prefetch("outcomes__ratings", queryset=OutcomeRating.objects.order_by("meeting__held_on")))
        .first()
    )
    outcomes = []
    for outcome in plan.outcomes.all() if plan else []:
        ratings = list(outcome.ratings.all())
        achieved = bool(ratings) and ratings[-1].rating == OutcomeRating.Rating.ACHIEVED
        outcomes.append(
            Dated(
                outcome.what_must_change,
                outcome.by_when,
                "",
                due_status(outcome.by_when, today, done=achieved, cal=cal),
            )
        )
    return {
        "plan": plan,
        "outcomes": outcomes,
        "next": next_meetings(case, today, show_supervision=show_supervision) if case.is_open else [],
    }


def closing_review_problem(*, case: Case, on: date) -> str:
    """Why the case may not close or transfer on `on` yet, in words for the screen; "" when it may.

    It needs a closing review held within the configured number of working days before `on`, which
    rated every outcome of the current plan.
    """
    window = timescale(Timescale.Key.CLOSING_REVIEW).amount
    review = (
        case.meetings.filter(is_closing_review=True, held_on__isnull=False, held_on__lte=on)
        .order_by("-held_on", "-record__recorded_at")
        .first()
    )
    how = (
        f"Record a review, tick \u201cThis is the closing review\u201d and rate progress on every outcome of "
        f"the plan; it must be held within the {window} working days before the case closes or transfers."
    )
    if review is None:
        return f"No closing review has been held for this case. {how}"
    age = workdays.working_days_between(review.held_on, on, cal=workdays.working_calendar(fresh=True))
    if age > window:
        return (
            f"The last closing review was held on {workdays.uk(review.held_on)}, {age} working days before "
            f"{workdays.uk(on)}: more than {window} working days. {how}"
        )
    plan = current_plan(case)
    if plan is not None:
        unrated = list(plan.outcomes.exclude(ratings__meeting=review).values_list("number", flat=True))
        if unrated:
            numbers = ", ".join(str(n) for n in unrated)
            return (
                f"The closing review on {workdays.uk(review.held_on)} did not rate outcome {numbers} of the "
                f"current plan. {how}"
            )
    return ""


@dataclass
class ChildRecord:
    """One child's statutory record in one case: the episode, and everything the census counts under it."""

    episode: ChildEpisode
    assessments: list
    enquiries: list
    plans: list  # ChildPlan, each with .changes (CategoryChange) and .reviews (meetings held while it ran)
    earlier_episodes: list


def child_record(case: Case, episode: ChildEpisode) -> ChildRecord:
    """Read a child's record in a fixed number of queries, whatever its length."""
    changes = CategoryChange.objects.select_related("changed_by")
    plans = list(
        ChildPlan.objects.filter(episode=episode)
        .select_related("plan")
        .prefetch_related(Prefetch("category_changes", queryset=changes))
        .order_by("-started_on")
    )
    reviews = list(
        case.meetings.filter(plan_id__in={p.plan_id for p in plans}, held_on__isnull=False, kind__in=REVIEW_KINDS)
        .order_by("held_on")
        .values("plan_id", "kind", "held_on")
    )
    labels = dict(MeetingKind.choices)
    for child_plan in plans:
        child_plan.reviews = [
            {"kind": labels[r["kind"]], "held_on": r["held_on"]}
            for r in reviews
            if r["plan_id"] == child_plan.plan_id
            and r["held_on"] >= child_plan.started_on
            and (child_plan.ended_on is None or r["held_on"] <= child_plan.ended_on)
        ]
    return ChildRecord(
        episode=episode,
        assessments=list(episode.assessments.select_related("authorised_by")),
        enquiries=list(episode.enquiries.all()),
        plans=plans,
        earlier_episodes=list(
            ChildEpisode.objects.filter(case=case, child_id=episode.child_id)
            .exclude(pk=episode.pk)
            .order_by("-started_on")
        ),
    )


def household_with_records(case: Case) -> list:
    """The household as `cases.selectors.household_for` lists it, each child with their latest episode on this
    case (`episode_id`) and a few words on where they stand (`record_label`), in the same one query."""
    latest = ChildEpisode.objects.filter(case=case, child=OuterRef("person")).order_by("-started_on", "-pk")
    on_plan = ChildPlan.objects.current().filter(case=case, child=OuterRef("person")).order_by("-started_on")
    members = list(
        case.household.select_related("person")
        .annotate(
            episode_id=Subquery(latest.values("pk")[:1]),
            episode_closure=Subquery(latest.values("closure_reason")[:1]),
            plan_kind=Subquery(on_plan.values("kind")[:1]),
            plan_category=Subquery(on_plan.values("latest_category")[:1]),
        )
        .order_by("left_on", "relationship", "person__date_of_birth", "person__first_name")
    )
    kinds, categories, reasons = dict(Level.choices), dict(AbuseCategory.choices), dict(ClosureReason.choices)
    for member in members:
        if member.episode_closure:
            member.record_label = f"Closed: {reasons[member.episode_closure]}"
        elif member.plan_kind:
            member.record_label = f"{kinds[member.plan_kind]} plan"
            if member.plan_category:
                member.record_label += f" ({categories[member.plan_category].lower()})"
        else:
            member.record_label = "Open, no plan"
    return members
