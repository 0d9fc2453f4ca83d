"""A demo household whose children's statutory paths differ, as the census counts them (docs/practice.md,
"Each child's record"): the eldest adopted (her episode closes, RC1) while her brother stays on the child
protection plan, whose category changed at a review conference; and a baby, unborn when the case opened,
assessed and on the plan before birth, born during the case (a girl). Conferences fall on working days. Every
step goes through the services a practitioner uses. The people are invented.

And, in one child in need household, the eldest child goes to live with their father under a child arrangements
order: their episode closes (RC3) and their plan ends while their brothers and sisters carry on, so the census
shows a child in need plan's end as well as its start."""

from datetime import date, timedelta

from accounts.models import User
from cases import services
from cases.models import Case, HouseholdMember, Level
from chronology import services as chronology
from chronology.models import EventType
from demo import days
from demo.opening import opener_for, opening_reason
from plans import children as child_plans
from plans import services as plan_services
from plans.models import MeetingKind

SURNAME = "Marsh"
# What the agencies wrote: (days after the case opened, or the meeting it records; event type, who it is
# about, what happened).
ENTRIES = [
    (0, EventType.REFERRAL, "all", "School referral: Poppy and Leo often hungry, in the same clothes all week."),
    ("strategy", EventType.MEETING, "all", "Strategy discussion: section 47 enquiries for each child."),
    (6, EventType.HOME_VISIT, "all", "Home visit: little food in the house, mattresses on the floor."),
    (14, EventType.APPOINTMENT, "Leo", "Leo not brought to his dental appointment."),
    ("conference", EventType.MEETING, "all", "Initial conference: child protection plans under neglect."),
    (60, EventType.HOME_VISIT, "all", "Home visit: food in the cupboards; beds delivered."),
    (95, EventType.OBSERVATION, "Baby", "Health visitor: the baby was born well; feeding is going well."),
    ("review", EventType.MEETING, "all", "Review conference: plans continue; Leo's category now multiple."),
    (200, EventType.SCHOOL, "Poppy", "School: Poppy's attendance is 97% this term."),
    (300, EventType.OTHER, "Poppy", "Poppy's adoption order is expected next month."),
    (390, EventType.OTHER, "Poppy", "Poppy's adoption order was made."),
]


def seed_child_records(*, staff: dict[str, User], today: date) -> Case:
    lead = staff["lead"]
    opened_on = today - timedelta(days=420)
    case = services.case_create(
        by=opener_for(lead, Level.CHILD_PROTECTION),
        lead_professional=lead,
        level=Level.CHILD_PROTECTION,
        opened_on=opened_on,
        reason=opening_reason(Level.CHILD_PROTECTION),
    )
    people = [
        ("parent", services.PersonDetails("Dana", SURNAME, date_of_birth=opened_on - timedelta(days=365 * 29))),
        (
            "child",
            services.PersonDetails("Poppy", SURNAME, date_of_birth=opened_on - timedelta(days=365 * 9), sex="female"),
        ),
        (
            "child",
            services.PersonDetails("Leo", SURNAME, date_of_birth=opened_on - timedelta(days=365 * 5), sex="male"),
        ),
        ("child", services.PersonDetails("Baby", SURNAME, is_unborn=True, expected_on=opened_on + timedelta(days=100))),
    ]
    for relationship, details in people:
        services.household_member_add(
            case=case,
            by=lead,
            details=details,
            relationship=relationship,
            relationship_detail="Mother" if relationship == "parent" else "",
            joined_on=opened_on,
        )
    # The school's referral: the census source and the need the assessment found, on each child's episode.
    for episode in case.episodes.select_related("child"):
        services.episode_update(
            episode=episode,
            by=lead,
            seen_version=episode.version,
            started_on=episode.started_on,
            referral_source="2A",
            primary_need="N1",
        )
    episodes = {e.child.first_name: e for e in case.episodes.select_related("child")}
    # The baby's is a pre-birth assessment: the census asks for an assessment beside each section 47 enquiry
    # (rule 2991Q).
    for name in ("Poppy", "Leo", "Baby"):
        services.child_assessment_record(
            episode=episodes[name],
            by=lead,
            started_on=opened_on,
            authorised_on=opened_on + timedelta(days=35),
            factors=["16A", "4B"],
        )
    strategy_on = days.on_or_after(opened_on + timedelta(days=1))
    conference_on = days.on_or_after(opened_on + timedelta(days=21))
    for episode in episodes.values():
        services.section47_record(
            episode=episode,
            by=lead,
            started_on=days.on_or_after(opened_on + timedelta(days=2)),
            conference_needed=True,
            conference_on=conference_on,
        )
    plan_services.meeting_record(case=case, by=lead, kind=MeetingKind.STRATEGY_DISCUSSION, held_on=strategy_on)
    plan_services.meeting_record(
        case=case,
        by=lead,
        kind=MeetingKind.INITIAL_CONFERENCE,
        held_on=conference_on,
        decisions="Child protection plans.",
    )
    plan = plan_services.plan_create(
        case=case,
        by=lead,
        kind=Level.CHILD_PROTECTION,
        category="NEG",
        started_on=conference_on,
        outcomes=[
            plan_services.OutcomeDetails(
                "The children have regular meals and clean clothes every day",
                conference_on + timedelta(days=120),
                "Seen on unannounced visits; school and nursery say so",
            )
        ],
    )
    baby = episodes["Baby"].child
    # The census asks every born child's sex (rule 4180): the birth page asks it with the date.
    services.record_birth(by=lead, case=case, person=baby, born_on=baby.expected_on - timedelta(days=6), sex="female")
    review_on = days.on_or_after(conference_on + timedelta(days=90))
    plan_services.meeting_record(
        case=case,
        by=lead,
        kind=MeetingKind.REVIEW_CONFERENCE,
        held_on=review_on,
        decisions="Plans continue.",
        ratings={outcome.pk: plan_services.Rating("progressing") for outcome in plan.outcomes.all()},
    )
    leo_plan = plan.children.get(child__first_name="Leo")
    child_plans.child_plan_change_category(
        child_plan=leo_plan,
        by=lead,
        seen_version=leo_plan.version,
        category="MUL",
        changed_on=review_on,
        reason="Review conference: emotional harm as well as neglect.",
    )
    children = {e.child.first_name: e.child for e in case.episodes.select_related("child")}
    meetings = {"strategy": strategy_on, "conference": conference_on, "review": review_on}
    for day, event_type, about, text in ENTRIES:
        chronology.entry_create(
            case=case,
            by=lead,
            event_type=event_type,
            occurred_on=min(today, meetings[day] if isinstance(day, str) else opened_on + timedelta(days=day)),
            children=list(children.values()) if about == "all" else [children[about]],
            what_happened=text,
        )
    poppy = episodes["Poppy"]
    poppy.refresh_from_db()
    child_plans.episode_close(
        episode=poppy, by=lead, seen_version=poppy.version, closed_on=today - timedelta(days=30), reason="RC1"
    )
    return case


def seed_a_child_moves_to_their_father(today: date) -> Case | None:
    """The first open child in need household (by reference) with two or more born children on a plan for two
    months, none of them with a GCP2 (whose repeats would follow a child who has left): the eldest moved to
    their father three weeks ago."""
    cases = (
        Case.objects.open()
        .filter(
            level=Level.CHILD_IN_NEED, plans__ended_on__isnull=True, plans__started_on__lte=today - timedelta(days=60)
        )
        .exclude(gcp2_assessments__isnull=False)
        .distinct()
        .order_by("reference")
    )
    for case in cases:
        episodes = list(
            case.episodes.open().filter(child__is_unborn=False).select_related("child").order_by("child__date_of_birth")
        )
        if len(episodes) < 2:
            continue
        eldest, lead = episodes[0], case.lead_professional
        moved_on = days.on_or_before(today - timedelta(days=21))
        chronology.entry_create(
            case=case,
            by=lead,
            event_type=EventType.OTHER,
            occurred_on=moved_on,
            children=[eldest.child],
            what_happened=f"Family court: a child arrangements order; {eldest.child.first_name} now lives with "
            "their father.",
        )
        child_plans.episode_close(
            episode=eldest, by=lead, seen_version=eldest.version, closed_on=moved_on, reason="RC3"
        )
        member = HouseholdMember.objects.get(case=case, person=eldest.child)
        services.household_member_leave(
            by=lead, member=member, left_on=moved_on, left_to="Their father's home (child arrangements order)"
        )
        return case
    return None
