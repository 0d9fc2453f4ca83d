"""Synthetic census details for the demo's children and the benchmark's (bench/generator.py): ethnicity,
disabilities, and a unique pupil number or why it is not known, as the children in need census asks of every
child (cases.models.Ethnicity, Disability, UPNUnknown).

The weights are shaped loosely on the published characteristics of children in need in England (mostly
White British, a tenth of mixed heritage, most children with no disability, a few whose ethnicity was refused
or not yet obtained); they are assumptions for plausible data, not figures to quote. Every UPN is made here
and has a correct check letter (common/upn.py); none is a real pupil's.
"""

import random
from dataclasses import dataclass, field
from datetime import date

from cases import services
from cases.models import Disability, Ethnicity, HouseholdMember, Person, UPNUnknown
from common.upn import check_letter
from demo.chronology import while_it_was_open

# Apart from the households' own seed (demo/households.py), so they stay as they were; this one gives the demo
# nine disability codes and a few refused or not-yet-obtained ethnicities, so every kind shows somewhere.
SEED = 20261125 + 37

ETHNICITY_WEIGHTS = [
    (Ethnicity.WBRI, 620),
    (Ethnicity.WIRI, 4),
    (Ethnicity.WIRT, 4),
    (Ethnicity.WOTH, 55),
    (Ethnicity.WROM, 8),
    (Ethnicity.MWBC, 30),
    (Ethnicity.MWBA, 12),
    (Ethnicity.MWAS, 15),
    (Ethnicity.MOTH, 32),
    (Ethnicity.AIND, 18),
    (Ethnicity.APKN, 38),
    (Ethnicity.ABAN, 15),
    (Ethnicity.AOTH, 18),
    (Ethnicity.BCRB, 14),
    (Ethnicity.BAFR, 44),
    (Ethnicity.BOTH, 12),
    (Ethnicity.CHNE, 3),
    (Ethnicity.OOTH, 24),
    (Ethnicity.REFU, 12),
    (Ethnicity.NOBT, 22),
]
# A half-sibling with another father is sometimes of mixed heritage where the eldest is not.
MIXED = [Ethnicity.MWBC, Ethnicity.MWBA, Ethnicity.MWAS, Ethnicity.MOTH]
HALF_SIBLING_SHARE = 0.08

# About one child in eight has a disability recorded; a third of those more than one.
DISABLED_SHARE = 0.13
DISABILITY_WEIGHTS = [
    (Disability.AUT, 20),
    (Disability.LD, 18),
    (Disability.BEH, 16),
    (Disability.COMM, 14),
    (Disability.MOB, 7),
    (Disability.DDA, 6),
    (Disability.PC, 4),
    (Disability.HEAR, 4),
    (Disability.INC, 3),
    (Disability.VIS, 3),
    (Disability.HAND, 3),
    (Disability.CON, 2),
]
# What can already be known about a baby or toddler: not autism, learning or behaviour.
EARLY_DISABILITIES = {Disability.MOB, Disability.HAND, Disability.HEAR, Disability.VIS, Disability.CON, Disability.PC}
HOW_MANY_DISABILITIES = [(1, 65), (2, 25), (3, 10)]

# A child of school age with no UPN: never at a state school in England (home educated, independent school),
# educated in Wales, Scotland or abroad until lately, new to us, or records that do not match.
NO_UPN_AT_SCHOOL_SHARE = 0.06
NO_UPN_REASONS = [
    (UPNUnknown.NEVER_AT_SCHOOL_IN_ENGLAND, 35),
    (UPNUnknown.EDUCATED_OUTSIDE_ENGLAND, 30),
    (UPNUnknown.NEW_NOT_YET_KNOWN, 25),
    (UPNUnknown.RECORDS_DISAGREE, 10),
]
# A 3 or 4 year old in a school's nursery class is given a UPN there; the others get one in reception.
NURSERY_UPN_SHARE = 0.25

# Characters 2 to 4 of a UPN are the number of the authority that allocated it. 001 is one of the DfE's
# pseudo-authority numbers (001 to 005) that the census's rule 1530 accepts, not a real council's, so no
# synthetic UPN here can be a real pupil's. Then the school's four-digit establishment number: invented
# primary schools (2xxx) and nursery schools (1xxx).
UPN_AUTHORITY = "001"
PRIMARY_SCHOOLS = [f"{2001 + n:04d}" for n in range(30)]
NURSERY_SCHOOLS = [f"{1001 + n:04d}" for n in range(4)]


def _weighted(rng: random.Random, options):
    values, weights = zip(*options)
    return rng.choices(values, weights=weights, k=1)[0]


def school_start(born_on: date) -> date:
    """The September a child starts reception: the one after their fourth birthday (born 1 September to
    31 August of the next year start together)."""
    return date(born_on.year + (4 if born_on.month < 9 else 5), 9, 1)


def _age_in_years(born_on: date, on: date) -> int:
    return on.year - born_on.year - ((on.month, on.day) < (born_on.month, born_on.day))


@dataclass
class UpnIssuer:
    """Hands out UPNs that are valid and never repeat: a serial per school and year of allocation."""

    next_serial: dict = field(default_factory=dict)

    def taken(self, upn: str) -> None:
        """A UPN already given (an earlier run of the demo): its serial is not handed out again."""
        if upn[1:4] != UPN_AUTHORITY or not upn[8:13].isdigit():
            return
        school, year, serial = upn[4:8], 2000 + int(upn[8:10]), int(upn[10:13])
        self.next_serial[(school, year)] = max(self.next_serial.get((school, year), 0), serial + 1)

    def issue(self, schools: list[str], first_choice: str, year: int) -> str:
        order = [first_choice] + [school for school in schools if school != first_choice]
        for school in order:
            serial = self.next_serial.get((school, year), 0)
            if serial < 1000:
                self.next_serial[(school, year)] = serial + 1
                last_twelve = f"{UPN_AUTHORITY}{school}{year % 100:02d}{serial:03d}"
                return check_letter(last_twelve) + last_twelve
        raise ValueError(f"Every invented school has allocated 1,000 UPNs in {year}.")


@dataclass(frozen=True)
class Family:
    """What a household's children share: their ethnicity, mostly, and the primary school they go to."""

    ethnicity: str
    school: str


def family(rng: random.Random) -> Family:
    return Family(ethnicity=_weighted(rng, ETHNICITY_WEIGHTS), school=rng.choice(PRIMARY_SCHOOLS))


def _disabilities(rng: random.Random, born_on: date, on: date) -> list[str]:
    if rng.random() >= DISABLED_SHARE:
        return [Disability.NONE]
    options = DISABILITY_WEIGHTS
    if _age_in_years(born_on, on) < 3:
        options = [(code, weight) for code, weight in DISABILITY_WEIGHTS if code in EARLY_DISABILITIES]
    chosen: set[str] = set()
    for _ in range(min(_weighted(rng, HOW_MANY_DISABILITIES), len(options))):
        chosen.add(_weighted(rng, [(code, weight) for code, weight in options if code not in chosen]))
    return [code for code in Disability.values if code in chosen]  # in the census's order


def _upn(rng: random.Random, upns: UpnIssuer, school: str, born_on: date, on: date) -> tuple[str, str]:
    """(UPN, "") or ("", why it is unknown), as known on `on`."""
    starts = school_start(born_on)
    if on >= starts:
        if rng.random() < NO_UPN_AT_SCHOOL_SHARE:
            return "", _weighted(rng, NO_UPN_REASONS)
        return upns.issue(PRIMARY_SCHOOLS, school, starts.year), ""
    if _age_in_years(born_on, on) >= 3 and rng.random() < NURSERY_UPN_SHARE:
        return upns.issue(NURSERY_SCHOOLS, rng.choice(NURSERY_SCHOOLS), starts.year - 1), ""
    return "", UPNUnknown.NOT_SCHOOL_AGE


def child_details(
    rng: random.Random,
    upns: UpnIssuer,
    home: Family,
    *,
    born_on: date | None,
    is_unborn: bool,
    known_on: date,
) -> dict:
    """A child's census details as the last worker to know them recorded them on `known_on` (today for an open
    case; the closing day for a case closed since): Person field names and values.

    An unborn baby's ethnicity is not yet obtained and nothing is known of a disability; the census's reason for
    no UPN is "not of school age" (cases.models.UNBORN_UPN_REASONS)."""
    if is_unborn or born_on is None:
        return {
            "ethnicity": Ethnicity.NOBT,
            "disabilities": [],
            "upn": "",
            "upn_unknown_reason": UPNUnknown.NOT_SCHOOL_AGE,
        }
    ethnicity = home.ethnicity
    if rng.random() < HALF_SIBLING_SHARE and ethnicity not in (Ethnicity.REFU, Ethnicity.NOBT):
        ethnicity = rng.choice(MIXED)
    upn, reason = _upn(rng, upns, home.school, born_on, known_on)
    return {
        "ethnicity": ethnicity,
        "disabilities": _disabilities(rng, born_on, known_on),
        "upn": upn,
        "upn_unknown_reason": reason,
    }


def known_again(rng: random.Random, upns: UpnIssuer, details: dict, *, born_on: date, known_on: date) -> dict:
    """A returning child's details when they are known again on `known_on`: the same, except that a child
    who had no UPN for being too young may have one now. A UPN, once given, is theirs for good."""
    if details.get("upn") or details.get("upn_unknown_reason") != UPNUnknown.NOT_SCHOOL_AGE:
        return details
    upn, reason = _upn(rng, upns, rng.choice(PRIMARY_SCHOOLS), born_on, known_on)
    return {**details, "upn": upn, "upn_unknown_reason": reason}


def person_changes(person: Person, details: dict) -> dict:
    """Only what `details` adds to `person` (the census details service refuses a change that changes nothing)."""
    return {name: value for name, value in details.items() if value and value != getattr(person, name)}


def seed_census_details(today: date) -> int:
    """Census details for every demo child who has none yet, entered from the household page's form service
    (cases.services.person_census_details) on the child's open case, or on their last case if all have closed.
    Returns how many children were given them. Siblings share a family's ethnicity and school."""
    rng = random.Random(SEED)
    upns = UpnIssuer()
    for upn in Person.objects.exclude(upn="").values_list("upn", flat=True):
        upns.taken(upn)
    members = (
        HouseholdMember.objects.filter(
            relationship=HouseholdMember.Relationship.CHILD, person__merged_into__isnull=True
        )
        .select_related("person", "case__lead_professional")
        .order_by("case__reference", "person__date_of_birth", "person__first_name", "pk")
    )
    cases_of: dict = {}
    for member in members:
        cases_of.setdefault(member.person_id, (member.person, []))[1].append(member.case)
    families: dict = {}
    given = 0
    for person, cases in cases_of.values():
        home = families.setdefault(cases[0].pk, family(rng))
        if person.has_census_details:
            continue
        open_cases = [case for case in cases if case.is_open]
        case = open_cases[0] if open_cases else max(cases, key=lambda case: case.closed_on)
        known_on = today if open_cases else case.closed_on
        details = child_details(
            rng, upns, home, born_on=person.date_of_birth, is_unborn=person.is_unborn, known_on=known_on
        )
        with while_it_was_open(case):
            services.person_census_details(
                by=case.lead_professional, case=case, person=person, changes=person_changes(person, details)
            )
        given += 1
    return given
