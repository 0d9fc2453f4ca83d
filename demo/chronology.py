"""Deterministic synthetic chronology for the demo: entries from several agencies on every case,
appointments with "was not brought" outcomes, A&E attendances, likely duplicates, gaps,
emotional-neglect observations, a returning family, and the family docs/sample-import.csv is for.
"""

import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import Agency, User
from cases import services as case_services
from cases.models import Case, CaseMember, HouseholdMember
from chronology import services
from chronology.models import Appointment, EventType
from common import clock
from demo.opening import opener_for, opening_reason

SEED = 20261125 + 4  # apart from cases.demo's seed, so households stay as they were

# The household that docs/sample-import.csv is written for (fixed, so the file keeps matching).
SAMPLE_FAMILY_SURNAME = "Ashworth"
SAMPLE_FAMILY = [
    ("Jade", "parent", date(1996, 9, 14), "female"),
    ("Ruby", "child", date(2019, 6, 3), "female"),
    ("Leo", "child", date(2023, 1, 22), "male"),
]

# What each kind of agency typically records, in plain words. {child} is a first name.
WORDS = {
    Agency.Kind.HEALTH: [
        (
            EventType.HOME_VISIT,
            "Health visitor home visit. {child} weighed; weight has dropped across two centiles.",
            "negative",
            ["physical"],
        ),
        (
            EventType.OBSERVATION,
            "{child} was quiet and did not look to mum for comfort when upset.",
            "negative",
            ["emotional"],
        ),
        (
            EventType.HOME_VISIT,
            "Home visit: cot had no clean bedding; advice given on safe sleep.",
            "negative",
            ["physical"],
        ),
        (EventType.OBSERVATION, "{child} was smiling and babbling; mum responded warmly.", "positive", []),
    ],
    Agency.Kind.EDUCATION: [
        (
            EventType.SCHOOL,
            "{child} arrived late and hungry for the third day this week.",
            "negative",
            ["physical", "educational"],
        ),
        (EventType.SCHOOL, "Attendance this half-term 81%. Letter sent home.", "negative", ["educational"]),
        (
            EventType.OBSERVATION,
            "{child} said nobody at home listens to them; withdrawn in class.",
            "negative",
            ["emotional"],
        ),
        (EventType.SCHOOL, "{child} in clean uniform all week and joined breakfast club.", "positive", []),
    ],
    Agency.Kind.POLICE: [
        (
            EventType.POLICE_INCIDENT,
            "Police called by neighbour: shouting at the address late at night. Children present.",
            "negative",
            ["emotional"],
        ),
    ],
    Agency.Kind.HOUSING: [
        (
            EventType.OTHER,
            "Housing inspection: damp and mould in the children's bedroom; repairs booked.",
            "negative",
            ["physical"],
        ),
        (EventType.HOME_VISIT, "Rent arrears discussed; referral to money advice made.", "not_known", []),
    ],
    Agency.Kind.VOLUNTARY: [
        (
            EventType.OBSERVATION,
            "Family support session: mum engaged well and planned meals for the week.",
            "positive",
            [],
        ),
        (
            EventType.OBSERVATION,
            "Mum shouted at {child} and called them a nuisance during the session.",
            "negative",
            ["emotional"],
        ),
    ],
    Agency.Kind.CHILDRENS_SOCIAL_CARE: [
        (
            EventType.HOME_VISIT,
            "Unannounced visit. Main bedroom seen. Little food in the house; {child} seen and spoken to alone.",
            "negative",
            ["physical"],
        ),
        (EventType.NO_ACCESS_VISIT, "No answer at the door at an agreed visit. Card left.", "not_known", []),
        (EventType.MEETING, "Core group meeting held. Plan reviewed; actions agreed with mum.", "neutral", []),
        (EventType.ASSESSMENT, "Assessment updated: neglect of physical care continues.", "negative", ["physical"]),
        (
            EventType.DISCLOSURE,
            "{child} told me they are often left alone in the evening.",
            "negative",
            ["emotional", "physical"],
        ),
        (EventType.PLAN_CHANGE, "Plan changed: weekly visits and a nursery place added.", "positive", []),
    ],
}
AE_REASONS = [
    "Fell from the sofa, bump to the head",
    "Swallowed a small battery (suspected)",
    "Burn to the hand from a hot drink",
    "High temperature, not seen by GP",
    "Cut to the foot",
]


def _children(case: Case, *, born: bool = True) -> list:
    members = case.household.filter(relationship="child").select_related("person")
    if born:
        members = members.filter(person__is_unborn=False)
    return [m.person for m in members.order_by("person__date_of_birth", "person__first_name")]


def _authors(case: Case) -> list[User]:
    members = CaseMember.objects.filter(case=case, ended_on__isnull=True).select_related("user__agency")
    return [m.user for m in members if m.user.agency_id]


def _recorded_soon_after(day: date) -> datetime:
    """When a practitioner would have recorded an event of `day`: usually within a few working days, one
    in twenty weeks later (those show as "recorded late", as some always do), never in the future. Its own
    random numbers, seeded by the day, so that the rest of the demo is the same as before."""
    rng = random.Random(day.toordinal())
    delay = rng.choice([0, 1, 1, 2, 3, 5]) if rng.random() < 0.95 else rng.randint(20, 60)
    at = timezone.make_aware(datetime.combine(day + timedelta(days=delay), time(16, rng.randint(0, 59))))
    return min(at, timezone.now())


def _entries(rng: random.Random, case: Case, staff: dict[str, User], start: date, end: date, count: int) -> None:
    children = _children(case, born=False)  # the chronology starts before birth
    if not children:
        return
    authors = _authors(case)
    # A quiet spell with no entries in about half the longer cases, longer than the default gap
    # threshold (90 days, Chronology settings) so that it shows as a gap.
    span = (end - start).days
    quiet = None
    if span > 240 and rng.random() < 0.5:
        quiet_start = start + timedelta(days=rng.randint(30, span - 180))
        quiet = (quiet_start, quiet_start + timedelta(days=rng.randint(100, 150)))
    for _ in range(count):
        day = start + timedelta(days=rng.randint(0, max(span, 0)))
        if quiet and quiet[0] <= day <= quiet[1]:
            continue
        author = rng.choice(authors)
        event_type, text, impact, forms = rng.choice(WORDS[author.agency.kind])
        child = rng.choice(children)
        with clock.replaying(_recorded_soon_after(day)):
            services.entry_create(
                case=case,
                by=author,
                event_type=event_type,
                occurred_on=day,
                children=[child],
                what_happened=text.format(child=child.first_name),
                impact=impact,
                neglect_forms=forms,
                significance=rng.choices(["low", "medium", "high"], weights=[3, 5, 2])[0],
                whole_household=event_type in (EventType.MEETING, EventType.PLAN_CHANGE),
                date_precision=rng.choices(["exact", "approximate"], weights=[9, 1])[0],
            )
    # A police incident that social care also recorded from the police notification: a likely duplicate.
    if rng.random() < 0.4:
        day = start + timedelta(days=rng.randint(0, max(span, 0)))
        child = children[0]
        for author, text in (
            (staff["police1"], "Officers attended a domestic incident; {child} was in the home."),
            (case.lead_professional, "Police notification: domestic incident, {child} present."),
        ):
            with clock.replaying(_recorded_soon_after(day)):
                services.entry_create(
                    case=case,
                    by=author,
                    event_type=EventType.POLICE_INCIDENT,
                    occurred_on=day,
                    children=[child],
                    what_happened=text.format(child=child.first_name),
                    impact="negative",
                    neglect_forms=["emotional"],
                    significance="high",
                )


def _appointments(rng: random.Random, case: Case, staff: dict[str, User], start: date, end: date) -> None:
    children = _children(case)
    health = [staff["practitioner"], staff["hv2"], staff["gp1"]]
    kinds = [
        Appointment.Kind.GP,
        Appointment.Kind.HEALTH_VISITOR,
        Appointment.Kind.DENTAL,
        Appointment.Kind.IMMUNISATION,
        Appointment.Kind.OUTPATIENT,
    ]
    outcomes = [
        (Appointment.Outcome.ATTENDED, 55),
        (Appointment.Outcome.WAS_NOT_BROUGHT, 30),
        (Appointment.Outcome.CANCELLED_BY_FAMILY, 10),
        (Appointment.Outcome.CANCELLED_BY_SERVICE, 5),
    ]
    for _ in range(rng.randint(2, 6)):
        if not children:
            return
        by = rng.choice(health)
        appointment = services.appointment_create(
            case=case,
            by=by,
            child=rng.choice(children),
            agency=by.agency,
            kind=rng.choice(kinds),
            scheduled_on=start + timedelta(days=rng.randint(0, max((end - start).days, 0))),
        )
        outcome = rng.choices([o for o, _ in outcomes], weights=[w for _, w in outcomes])[0]
        with clock.replaying(_recorded_soon_after(appointment.scheduled_on)):
            services.appointment_record_outcome(appointment=appointment, by=by, outcome=outcome)
    if children and case.is_open:  # one appointment still to come
        by = rng.choice(health)
        services.appointment_create(
            case=case,
            by=by,
            child=children[-1],
            agency=by.agency,
            kind=Appointment.Kind.DENTAL,
            scheduled_on=end + timedelta(days=14),
        )


def _ae(rng: random.Random, case: Case, staff: dict[str, User], start: date, end: date) -> None:
    for _ in range(rng.choice([0, 0, 1, 2, 3, 4])):
        children = _children(case)
        if not children:
            return
        child = rng.choice(children)
        day = start + timedelta(days=rng.randint(0, max((end - start).days, 0)))
        with clock.replaying(_recorded_soon_after(day)):
            services.entry_create(
                case=case,
                by=staff["gp1"],
                event_type=EventType.AE_ATTENDANCE,
                occurred_on=day,
                children=[child],
                what_happened=f"{child.first_name} attended A&E.",
                hospital="Northbridge General Hospital",
                reason_given=rng.choice(AE_REASONS),
                impact="negative",
                neglect_forms=["medical"],
                significance="medium",
            )


def _returning_family(closed: Case, lead: User, practitioner: User, today: date) -> Case:
    """The same family back: a new case whose household holds the same people as a closed one."""
    case = case_services.case_create(
        by=opener_for(lead, "child_in_need"),
        lead_professional=lead,
        level="child_in_need",
        opened_on=today - timedelta(days=45),
        reason=opening_reason("child_in_need"),
    )
    for member in closed.household.all():
        HouseholdMember.objects.create(
            case=case,
            person_id=member.person_id,
            relationship=member.relationship,
            relationship_detail=member.relationship_detail,
            joined_on=case.opened_on,
        )
    # The rows were copied, not added through the household form: each child's episode starts as it would have.
    case_services.episodes_start(case=case, on=case.opened_on)
    case_services.case_member_add(case=case, by=lead, user=practitioner, role="core_group", started_on=case.opened_on)
    return case


def _sample_family(lead: User, staff: dict[str, User], today: date) -> Case:
    case = case_services.case_create(
        by=opener_for(lead, "child_protection"),
        lead_professional=lead,
        level="child_protection",
        opened_on=today - timedelta(days=120),
        reason=opening_reason("child_protection"),
    )
    for first, relationship, dob, sex in SAMPLE_FAMILY:
        details = case_services.PersonDetails(
            first_name=first, last_name=SAMPLE_FAMILY_SURNAME, date_of_birth=dob, sex=sex
        )
        case_services.household_member_add(
            case=case,
            by=lead,
            details=details,
            relationship=relationship,
            relationship_detail="Mother" if relationship == "parent" else "",
            joined_on=case.opened_on,
        )
    for username in ("practitioner", "teacher", "police1"):
        case_services.case_member_add(
            case=case, by=lead, user=staff[username], role="core_group", started_on=case.opened_on
        )
    return case


@contextmanager
def while_it_was_open(case: Case):
    """Write a closed demo case's history as it was written: while it was open. The services refuse a closed
    case (cases.services.ensure_open), and the households are closed before their chronology is seeded,
    so the case is open again for the seeding only, then closed as it was (same date and version)."""
    if case.is_open:
        yield
        return
    closed = {"status": case.status, "closed_on": case.closed_on}
    Case.objects.filter(pk=case.pk).update(status=Case.Status.OPEN, closed_on=None)
    try:
        yield
    finally:
        Case.objects.filter(pk=case.pk).update(**closed)


def seed_chronology(*, staff: dict[str, User], today: date) -> int:
    """Fill every demo case's chronology, then add two households of our own. Returns how many
    cases it opened (the returning family and the sample-import family)."""
    rng = random.Random(SEED)
    closed = list(Case.objects.filter(status=Case.Status.CLOSED).order_by("reference"))
    new_cases = [_sample_family(staff["lead"], staff, today)]
    if closed:
        new_cases.append(_returning_family(closed[0], staff["lead"], staff["practitioner"], today))
    for case in Case.objects.order_by("reference"):
        if case.is_open:
            start = max(case.opened_on - timedelta(days=rng.randint(60, 300)), today - timedelta(days=700))
            start, end, count = start, today, rng.randint(15, 60)
        else:
            start, end, count = case.opened_on, case.closed_on, rng.randint(8, 15)
        with while_it_was_open(case):
            _entries(rng, case, staff, start, end, count)
            _appointments(rng, case, staff, start, end)
            _ae(rng, case, staff, start, end)
    _a_correction_and_another_view(new_cases[0], staff)
    return len(new_cases)


def _a_correction_and_another_view(case: Case, staff: dict[str, User]) -> None:
    """On the sample family: the health visitor corrects the child and the date of one of her entries (the
    commonest slip), and the teacher, who may not correct it, adds the school's view beside another."""
    practitioner, teacher = staff["practitioner"], staff["teacher"]
    entries = list(case.entries.filter(recorded_by=practitioner).order_by("-occurred_on", "id")[:2])
    children = _children(case)
    if len(entries) < 2 or len(children) < 2:
        return
    wrong, viewed = entries
    now = wrong.effective
    other_child = next((child for child in children if not wrong.child_links.filter(person=child).exists()), None)
    if other_child is None:
        return
    services.entry_correct(
        entry=wrong,
        by=practitioner,
        based_on="",
        text=now.what_happened,
        reason="Recorded against the wrong child, and the day before it happened.",
        occurred_on=now.occurred_on - timedelta(days=1),
        occurred_until=now.occurred_until,
        event_type=now.event_type,
        significance=now.significance,
        neglect_forms=[
            form for form in ("physical", "emotional", "medical", "educational") if getattr(now, f"neglect_{form}")
        ],
        children=[other_child],
    )
    services.other_view_add(
        entry=viewed,
        by=teacher,
        text="School's view: attendance that week was full and the children came in clean and fed.",
    )
