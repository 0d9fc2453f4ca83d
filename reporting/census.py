"""What the children in need census return says about each child, read from the statutory record in chunks.

The census year ending 31 March Y runs from 1 April Y-1 to 31 March Y (the reference date). A child is in the
return when one of their episodes of need was open on any day of it. `children_in_year` reads the children
a chunk at a time with the same few set-based queries per chunk, so memory does not grow with the number of
children; the XML writer (reporting/census_xml.py) and the readiness checks (reporting/census_checks.py)
both read what it yields. Only codes and dates leave here: no names, no free text (docs/census.md).

A record found to be the same person as another (an alias) is read through the record it now is: its
episodes are that child's.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Q
from django.db.models.functions import Coalesce

from cases.models import ChildAssessment, ChildEpisode, Level, Person, Section47Enquiry
from plans.models import ChildPlan, Meeting, MeetingKind
from workdays import calendar as workdays

CHUNK = 1000

# The first census year the portal's records can hold (a return is sometimes corrected years later).
FIRST_YEAR = 2015

# The initial conference is due 15 working days after the strategy discussion that started the enquiry;
# the portal records the enquiry's start, so the target is counted from it (docs/practice.md, "Timescales").
ICPC_TARGET_WORKING_DAYS = 15

SEX_CODES = {Person.Sex.FEMALE: "F", Person.Sex.MALE: "M", Person.Sex.OTHER: "U"}


@dataclass(frozen=True)
class CensusYear:
    """The census year ending 31 March `year`."""

    year: int

    @property
    def starts_on(self) -> date:
        return date(self.year - 1, 4, 1)

    @property
    def reference_date(self) -> date:
        return date(self.year, 3, 31)

    def within(self, day: date | None) -> date | None:
        """The day if it is on or before the reference date; a later day has not happened yet for this return."""
        return day if day is not None and day <= self.reference_date else None

    @classmethod
    def current(cls, today: date) -> "CensusYear":
        """The census year today is in (from 1 April, the next year's)."""
        return cls(today.year + 1 if (today.month, today.day) >= (4, 1) else today.year)


@dataclass
class Assessment:
    id: int
    started_on: date
    authorised_on: date | None
    factors: list[str]


@dataclass
class PlanDates:
    id: str
    started_on: date
    ended_on: date | None


@dataclass
class Enquiry:
    id: int
    started_on: date
    conference_target: date
    conference_needed: bool | None
    conference_on: date | None


@dataclass
class ProtectionPlan:
    id: str
    started_on: date
    ended_on: date | None
    initial_category: str
    latest_category: str
    previous_plans: int
    reviews: list[date] = field(default_factory=list)


@dataclass
class Episode:
    id: int
    case_id: str
    case_reference: str
    referral_on: date
    referral_source: str
    primary_need: str
    closed_on: date | None
    closure_reason: str
    # An initial conference recorded on the case with no enquiry holding it (the census's CINdetails level).
    conference_on: date | None = None
    assessments: list[Assessment] = field(default_factory=list)
    cin_plans: list[PlanDates] = field(default_factory=list)
    enquiries: list[Enquiry] = field(default_factory=list)
    protection_plans: list[ProtectionPlan] = field(default_factory=list)


@dataclass
class Child:
    id: str  # the canonical Person's id
    la_child_id: str
    upn: str
    upn_unknown: str
    born_on: date | None
    expected_on: date | None
    sex: str
    died_on: date | None
    ethnicity: str
    disabilities: list[str]
    episodes: list[Episode] = field(default_factory=list)


def la_child_id(person_id) -> str:
    """The child's census ID: the first 20 hex digits of the person's random id. It never changes, so the DfE
    can follow a child from one year's return to the next; it says nothing about the child (80 random bits,
    so two children sharing one is not a real risk, and rule 8510 would catch it)."""
    return person_id.hex[:20].upper()


def _child(person: Person, year: CensusYear) -> Child:
    # A baby born after the reference date was still unborn on it: the return says so (expected date, sex U).
    unborn = person.is_unborn or (person.date_of_birth is not None and person.date_of_birth > year.reference_date)
    return Child(
        id=str(person.pk),
        la_child_id=la_child_id(person.pk),
        upn=person.upn,
        upn_unknown=person.upn_unknown_reason,
        born_on=None if unborn else person.date_of_birth,
        expected_on=person.expected_on if unborn else None,
        sex="U" if unborn else SEX_CODES.get(person.sex, ""),
        died_on=year.within(person.died_on),
        ethnicity=person.ethnicity,
        disabilities=list(person.disabilities),
    )


def _episodes_in(year: CensusYear):
    return ChildEpisode.objects.filter(started_on__lte=year.reference_date).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=year.starts_on)
    )


def child_ids_in_year(year: CensusYear) -> list:
    """The canonical ids of the children in the return, in a stable order."""
    return list(
        _episodes_in(year)
        .annotate(canonical=Coalesce(F("child__merged_into_id"), F("child_id")))
        .values_list("canonical", flat=True)
        .distinct()
        .order_by("canonical")
    )


def children_in_year(year: CensusYear, ids: list | None = None, chunk: int = CHUNK) -> Iterator[Child]:
    """Each child in the return with everything the census asks of them, `chunk` children at a time."""
    ids = child_ids_in_year(year) if ids is None else ids
    cal = workdays.working_calendar()
    for start in range(0, len(ids), chunk):
        yield from _read_chunk(year, ids[start : start + chunk], cal)


def _read_chunk(year: CensusYear, ids: list, cal) -> list[Child]:
    people = Person.objects.filter(pk__in=ids).only(
        "id", "upn", "upn_unknown_reason", "date_of_birth", "is_unborn", "expected_on", "sex", "died_on",
        "ethnicity", "disabilities",
    )  # fmt: skip
    children = {person.pk: _child(person, year) for person in people}

    episodes: dict[int, Episode] = {}
    episode_rows = (
        _episodes_in(year)
        .annotate(canonical=Coalesce(F("child__merged_into_id"), F("child_id")))
        .filter(canonical__in=ids)
        .order_by("started_on", "pk")
        .values("pk", "canonical", "case_id", "case__reference", "started_on", "referral_source", "primary_need",
                "closed_on", "closure_reason")
    )  # fmt: skip
    case_ids = set()
    for row in episode_rows:
        closed_on = year.within(row["closed_on"])
        episode = Episode(
            id=row["pk"],
            case_id=str(row["case_id"]),
            case_reference=row["case__reference"],
            referral_on=row["started_on"],
            referral_source=row["referral_source"],
            primary_need=row["primary_need"],
            closed_on=closed_on,
            closure_reason=row["closure_reason"] if closed_on else "",
        )
        episodes[episode.id] = episode
        children[row["canonical"]].episodes.append(episode)
        case_ids.add(row["case_id"])

    for assessment in (
        ChildAssessment.objects.filter(episode__in=episodes, started_on__lte=year.reference_date)
        .filter(Q(authorised_on__isnull=True) | Q(authorised_on__gte=year.starts_on))
        .order_by("started_on", "pk")
        .values("pk", "episode_id", "started_on", "authorised_on", "factors")
    ):
        authorised_on = year.within(assessment["authorised_on"])
        episodes[assessment["episode_id"]].assessments.append(
            Assessment(
                id=assessment["pk"],
                started_on=assessment["started_on"],
                authorised_on=authorised_on,
                # Factors are found at the end of an assessment: a return shows them only once it is authorised.
                factors=list(assessment["factors"]) if authorised_on else [],
            )
        )

    # An enquiry is in the year if it started in it, was still waiting for its finding, or held its
    # conference in it.
    for enquiry in (
        Section47Enquiry.objects.filter(episode__in=episodes, started_on__lte=year.reference_date)
        .filter(
            Q(started_on__gte=year.starts_on) | Q(conference_needed__isnull=True) | Q(conference_on__gte=year.starts_on)
        )
        .order_by("started_on", "pk")
        .values("pk", "episode_id", "started_on", "conference_needed", "conference_on")
    ):
        conference_on = year.within(enquiry["conference_on"])
        episodes[enquiry["episode_id"]].enquiries.append(
            Enquiry(
                id=enquiry["pk"],
                started_on=enquiry["started_on"],
                conference_target=workdays.add_working_days(enquiry["started_on"], ICPC_TARGET_WORKING_DAYS, cal=cal),
                conference_needed=enquiry["conference_needed"],
                conference_on=conference_on,
            )
        )

    # Every child protection plan each child ever had here, to count those before each one.
    protection_starts: dict = defaultdict(list)
    for row in (
        ChildPlan.objects.protection()
        .annotate(canonical=Coalesce(F("child__merged_into_id"), F("child_id")))
        .filter(canonical__in=ids)
        .values_list("canonical", "started_on")
    ):
        protection_starts[row[0]].append(row[1])

    protection_by_case: dict = defaultdict(list)
    for row in (
        ChildPlan.objects.filter(episode__in=episodes, started_on__lte=year.reference_date)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=year.starts_on))
        .annotate(canonical=Coalesce(F("child__merged_into_id"), F("child_id")))
        .order_by("started_on", "pk")
        .values("pk", "episode_id", "canonical", "kind", "started_on", "ended_on", "initial_category",
                "latest_category")
    ):  # fmt: skip
        episode = episodes[row["episode_id"]]
        ended_on = year.within(row["ended_on"])
        if row["kind"] != Level.CHILD_PROTECTION:
            episode.cin_plans.append(PlanDates(id=str(row["pk"]), started_on=row["started_on"], ended_on=ended_on))
            continue
        plan = ProtectionPlan(
            id=str(row["pk"]),
            started_on=row["started_on"],
            ended_on=ended_on,
            initial_category=row["initial_category"],
            latest_category=row["latest_category"],
            previous_plans=sum(1 for day in protection_starts[row["canonical"]] if day < row["started_on"]),
        )
        episode.protection_plans.append(plan)
        protection_by_case[episode.case_id].append(plan)

    # Review conferences held in the year, on the case of a plan they review (after its start, before its end).
    # Initial conferences held on the day a child's plan started and recorded on no enquiry of theirs are the
    # episode's own (the census's CINdetails level).
    conferences = Meeting.objects.filter(
        case_id__in=case_ids,
        kind__in=[MeetingKind.REVIEW_CONFERENCE, MeetingKind.INITIAL_CONFERENCE],
        held_on__gte=year.starts_on,
        held_on__lte=year.reference_date,
    ).values_list("case_id", "kind", "held_on")
    initial_held: dict = defaultdict(set)
    for case_id, kind, held_on in conferences:
        if kind == MeetingKind.REVIEW_CONFERENCE:
            for plan in protection_by_case.get(str(case_id), ()):
                if plan.started_on < held_on and (plan.ended_on is None or held_on <= plan.ended_on):
                    plan.reviews.append(held_on)
        else:
            initial_held[str(case_id)].add(held_on)
    for episode in episodes.values():
        for plan in episode.protection_plans:
            plan.reviews.sort()
        held = initial_held.get(episode.case_id)
        if not held:
            continue
        on_enquiries = {enquiry.conference_on for enquiry in episode.enquiries}
        starts = [
            plan.started_on
            for plan in episode.protection_plans
            if plan.started_on in held and plan.started_on not in on_enquiries and plan.started_on >= year.starts_on
        ]
        episode.conference_on = max(starts, default=None)

    for child in children.values():
        child.episodes.sort(key=lambda e: (e.referral_on, e.id))
    return [children[pk] for pk in ids if pk in children]
