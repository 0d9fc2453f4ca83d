"""Deterministic synthetic front-door demo: referrals to the MASH in every state, and returning families.

Every referral goes through the real services (referrals.services), so it has its audit row and its due
times. What the MASH inbox then shows: new referrals just received, referrals with partner checks asked or
answered, overdue ones (received days ago, still undecided), one decided each way, and two returning
families whose children are people of closed demo cases (one of them with the first name spelt differently),
so that finding the family (cases.matching.find_people) turns up their earlier case.

Times are relative to the moment the demo is seeded (not to the day `seed` is given): whether a referral
is overdue depends on the clock the MASH page reads.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Agency, Team, User
from cases.models import Case, HouseholdMember
from referrals import services
from referrals.models import Decision, Referral, ReferralChildProfessional

# Invented addresses: the "NB" postcode area does not exist.
ADDRESSES = [
    ("14 Larch Close, Northbridge", "NB1 4QT"),
    ("Flat 3, 22 Mill Lane, Northbridge", "NB2 7HD"),
    ("5 Orchard Row, Eastgate, Northbridge", "NB3 1LP"),
    ("41 Canal Street, Northbridge", "NB1 9ES"),
    ("8 Beacon View, Riverside, Northbridge", "NB4 2WA"),
]
NOT_ASKED_WHY = "Telling the family first could put the children at risk."


@dataclass(frozen=True)
class Story:
    """One demo referral: who sent it, how long ago, what they are worried about and where it has got to."""

    referrer: str  # a demo username
    hours_ago: float
    worries: str
    forms: tuple[str, ...]
    checks: tuple[tuple[str, str], ...] = ()  # (agency name, its answer or "" while waiting)
    outcome: str = ""  # a Decision.Outcome, or "" while undecided
    urgency: str = Referral.Urgency.ROUTINE


def _variant(name: str) -> str:
    """The same first name spelt differently, as a referrer types it: y and i, ph and f, a letter doubled."""
    for written, typed in (("y", "i"), ("i", "y"), ("ph", "f"), ("ll", "l"), ("nn", "n"), ("tt", "t")):
        if written in name[1:]:
            return name[0] + name[1:].replace(written, typed, 1)
    return name + name[-1]


def _stories(school: str, health: str, police: str) -> list[Story]:
    """The referrals in every state; the names of the three checked agencies are passed in."""
    decided = Decision.Outcome
    return [
        # New: just received, nothing done yet.
        Story(
            "teacher",
            0.7,
            "Arrived at school hungry every day this week and asked other children for food.",
            ("physical", "educational"),
            urgency=Referral.Urgency.URGENT,
        ),
        Story("police1", 2, "Police called to the address at night: the children were alone, the oldest is 9.", ()),
        # Checks in progress: one asked and waiting, one asked and answered.
        Story(
            "practitioner",
            3,
            "Baby's weight has dropped across two centiles; two health visits missed.",
            ("physical", "medical"),
            checks=((school, ""),),
        ),
        Story(
            "teacher",
            4,
            "Attendance 71% this term; uniform unwashed; says there is no electricity at home.",
            ("educational", "physical"),
            checks=((health, "Known to health visiting: two missed immunisations this year."), (police, "")),
        ),
        # Overdue: received over a week ago and still undecided.
        Story(
            "practitioner",
            24 * 8,
            "Home conditions poor on a new-birth visit: no cot, dog mess on the floor.",
            ("physical",),
            checks=((police, "No police involvement with the address."),),
        ),
        Story("teacher", 24 * 9, "Child says mum sleeps all day and she makes her brother's tea.", ("emotional",)),
        # Decided, one each way, by the MASH manager.
        Story("teacher", 24 * 3, "Child often tired in class.", ("educational",), outcome=decided.NO_FURTHER_ACTION),
        Story(
            "police1",
            24 * 4,
            "Neighbour worried about noise; no concern found at the visit.",
            (),
            checks=((health, "Known to health: all appointments kept."),),
            outcome=decided.ADVICE,
        ),
        Story(
            "practitioner",
            24 * 5,
            "Mother struggling with routines since the baby was born; asks for help.",
            ("physical",),
            checks=((school, "Older child attends well; no concerns at school."),),
            outcome=decided.EARLY_HELP,
        ),
        Story(
            "teacher",
            24 * 6,
            "Child has had toothache for weeks; dental appointments not kept; no coat in winter.",
            ("medical", "physical"),
            checks=((health, "Three dental appointments not attended this year."),),
            outcome=decided.ASSESSMENT,
        ),
        Story(
            "police1",
            24 * 7,
            "Children found alone at night for the second time this month; a cut on the youngest's head.",
            ("physical", "emotional"),
            checks=((school, "Youngest has been absent since Monday."), (health, "A&E attendance last month.")),
            outcome=decided.STRATEGY,
            urgency=Referral.Urgency.URGENT,
        ),
    ]


REASONS = {
    Decision.Outcome.NO_FURTHER_ACTION: "Checks show no concern beyond tiredness; school will keep an eye.",
    Decision.Outcome.ADVICE: "No concern found; the family were given the number of the parenting line.",
    Decision.Outcome.EARLY_HELP: "Needs are met with support: the family agree to early help.",
    Decision.Outcome.ASSESSMENT: "Medical and physical neglect over months: a child and family assessment.",
    Decision.Outcome.STRATEGY: "Possible significant harm: a strategy discussion today.",
}


def _children(rng, fake, surname: str, now: datetime, count: int) -> list[services.ChildDetails]:
    today = timezone.localdate(now)
    children = []
    for _ in range(count):
        sex = rng.choice(["female", "male"])
        children.append(
            services.ChildDetails(
                first_name=fake.first_name_female() if sex == "female" else fake.first_name_male(),
                last_name=surname,
                date_of_birth=today - timedelta(days=rng.randint(200, 365 * 14)),
                sex=sex,
            )
        )
    return children


def _create(user: User, *, children, adults, worries, forms, received_at, urgency, address, professionals=()):
    postcode = address[1]
    consent = Referral.Consent.GIVEN if len(worries) % 3 else Referral.Consent.NOT_ASKED
    for child in children:
        child.professionals = list(professionals)
    return services.referral_create(
        by=user,
        children=children,
        adults=adults,
        source=services.suggested_source(user),
        address=address[0],
        postcode=postcode,
        worries=worries,
        neglect_forms=list(forms),
        consent=consent,
        consent_reason="" if consent == Referral.Consent.GIVEN else NOT_ASKED_WHY,
        urgency=urgency,
        received_at=received_at,
    )


def _returning_families(limit: int) -> list[Case]:
    """Closed demo cases whose children are in no open case (the chronology's returning family is), oldest
    reference first."""
    in_open_case = HouseholdMember.objects.filter(case__status=Case.Status.OPEN).values("person_id")
    found = []
    for case in Case.objects.filter(status=Case.Status.CLOSED).order_by("reference"):
        members = list(case.household.select_related("person"))
        children = [m for m in members if m.relationship == HouseholdMember.Relationship.CHILD]
        if not children or any(m.person.date_of_birth is None for m in children):
            continue
        if case.household.filter(person_id__in=in_open_case).exists():
            continue
        found.append(case)
        if len(found) == limit:
            break
    return found


def _returning(rng, fake, case: Case, *, spelt_differently: bool) -> tuple[list, list]:
    """The children and mother of a closed case as a referrer would describe them now."""
    members = list(case.household.select_related("person").order_by("person__date_of_birth"))
    children = [
        services.ChildDetails(
            first_name=_variant(m.person.first_name) if spelt_differently and index == 0 else m.person.first_name,
            last_name=m.person.last_name,
            date_of_birth=m.person.date_of_birth,
            sex=m.person.sex,
        )
        for index, m in enumerate(x for x in members if x.relationship == HouseholdMember.Relationship.CHILD)
    ]
    adults = [
        services.AdultDetails(m.person.first_name, m.person.last_name, m.relationship_detail or "Parent")
        for m in members
        if m.relationship == HouseholdMember.Relationship.PARENT
    ]
    return children, adults


def seed_referrals(rng, fake, staff: dict[str, User], agencies: dict[str, Agency], teams: dict[str, Team], names):
    """The demo's referrals (see the module docstring). `names` gives the demo's agency and team names:
    school, health, police, early help agency, and the two allocating teams. Returns how many were made."""
    now = timezone.now()
    school, health, police, early_help, team_a, team_b = names
    mash_manager, mash = staff["mashmanager"], staff["mash"]
    made = 0
    for index, story in enumerate(_stories(school, health, police)):
        referrer = staff[story.referrer]
        received_at = now - timedelta(hours=story.hours_ago)
        surname = fake.last_name()
        professionals = (
            [(ReferralChildProfessional.Kind.SCHOOL, agencies[school], "")] if story.referrer == "teacher" else []
        )
        referral = _create(
            referrer,
            children=_children(rng, fake, surname, now, rng.randint(1, 3)),
            adults=[services.AdultDetails(fake.first_name_female(), surname, "Mother")],
            worries=story.worries,
            forms=story.forms,
            received_at=received_at,
            urgency=story.urgency,
            address=ADDRESSES[index % len(ADDRESSES)],
            professionals=professionals,
        )
        made += 1
        for minutes, (agency, answer) in enumerate(story.checks, start=1):
            services.partner_check_record(
                referral=referral,
                by=mash,
                agency=agencies[agency],
                asked_at=received_at + timedelta(minutes=20 * minutes),
                answer=answer,
            )
        if story.outcome:
            services.decide(
                referral=referral,
                by=mash_manager,
                outcome=story.outcome,
                reasons=REASONS[story.outcome],
                lead_agency=agencies[early_help] if story.outcome == Decision.Outcome.EARLY_HELP else None,
                allocating_team=teams[team_b if story.outcome == Decision.Outcome.STRATEGY else team_a]
                if story.outcome in Decision.NEEDS_TEAM
                else None,
            )
    # Returning families: the same children as a closed case, one with a first name spelt differently.
    # Left undecided, so the MASH finds the earlier case when it looks the family up.
    for number, case in enumerate(_returning_families(2)):
        children, adults = _returning(rng, fake, case, spelt_differently=number == 1)
        received_at = now - timedelta(hours=1 + number)
        referral = _create(
            staff["teacher"],
            children=children,
            adults=adults,
            worries="Back at school after the summer thin and unwashed; says there is no food at the weekend.",
            forms=("physical",),
            received_at=received_at,
            urgency=Referral.Urgency.ROUTINE,
            address=ADDRESSES[(number + 2) % len(ADDRESSES)],
            professionals=[(ReferralChildProfessional.Kind.SCHOOL, agencies[school], "")],
        )
        made += 1
        if number == 1:
            services.partner_check_record(
                referral=referral,
                by=mash,
                agency=agencies[health],
                asked_at=received_at + timedelta(minutes=15),
                answer="Known to health from the earlier case; the youngest's checks are overdue.",
            )
    return made
