"""A large synthetic partnership for the benchmark, loaded with COPY (bulk_create on other databases).

Households, people, case teams, chronology entries, appointments with outcomes, A&E attendances,
GCP2 assessments, plans, meetings and reviews, and resolved flags of closed cases, in the
proportions of docs/practice.md, "Synthetic data"; each child's statutory record (episode with its referral
source and need, assessment and factors, section 47 enquiry, place on the plan), some babies on the way, and
each child's census details (demo/census_details.py), so that the census return made from it passes the DfE's
rules. Names come from small Faker (en_GB) pools drawn from a fixed seed: no real person is represented. Rows are
written straight to the tables (no services, no audit rows) because the point is volume; the pages and jobs the
benchmark measures are the real ones.
"""

import bisect
import io
import json
import math
import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from faker import Faker

from accounts.models import Agency, Role, Team, User
from cases.census import AssessmentFactor
from cases.models import (
    Case,
    CaseMember,
    CaseReferenceCounter,
    ChildAssessment,
    ChildEpisode,
    HouseholdMember,
    Level,
    Person,
    Section47Enquiry,
)
from chronology.models import Appointment, AppointmentOutcome, Entry, EntryChild, EventType
from common.dates import months_later
from demo import census_details
from gcp2.models import AreaGrade, Assessment, SubAreaGrade
from gcp2.structure import AREAS
from monitoring.models import Flag, FlagAcknowledgement
from plans.models import Action, ChildPlan, Meeting, MeetingRecord, Outcome, OutcomeRating, Plan
from referrals.models import (
    Decision,
    PartnerCheck,
    Referral,
    ReferralAdult,
    ReferralChild,
    ReferralReferenceCounter,
)
from referrals.services import due_times
from referrals.sources import source_for
from reporting.census import CensusYear
from workdays.calendar import WorkingCalendar, add_months

SEED = 20261210
CASES_PER_LEAD = 25  # the lead's caseload the benchmark measures
LEADS_PER_TEAM = 20  # so a team manager sees 25 x 20 = 500 open cases
OPEN_SHARE = 3  # of every 10 households are open cases; the rest are closed cases kept for years
BIG_CASE_ENTRIES = 2000  # household 0: the long chronology page
PDF_CASE_ENTRIES = 500  # household 1: the chronology PDF
BATCH = 500  # households per transaction
# The front door at a large authority's rate: about 10 referrals per 1,000 children a month, for a year;
# 22% are re-referrals (a child of a closed case), and all but the newest and a few overdue are decided.
REFERRALS_PER_1000_CHILDREN_A_MONTH = 10
REFERRAL_MONTHS = 12
RE_REFERRAL_SHARE = 0.22
WAITING_NEWEST = 0.005  # the newest share of the year's referrals still waiting (at least 3)
WAITING_OVERDUE = 0.01  # of the older ones, still undecided after their decision time
REFERRER_WEIGHTS = [("police", 30), ("school", 25), ("health", 30), ("housing", 7), ("voluntary", 8)]
DECISION_WEIGHTS = [
    (Decision.Outcome.NO_FURTHER_ACTION, 25),
    (Decision.Outcome.ADVICE, 20),
    (Decision.Outcome.EARLY_HELP, 20),
    (Decision.Outcome.ASSESSMENT, 30),
    (Decision.Outcome.STRATEGY, 5),
]
WORRIES = [
    "The children arrive at school hungry and in the same unwashed clothes.",
    "Police called to the address at night: the children were alone.",
    "The baby's weight has dropped across two centiles; health visits missed.",
    "Home conditions very poor on a visit: no food in the house, no bed for the youngest.",
    "Dental pain for weeks and appointments not kept.",
]

# docs/practice.md ("Synthetic data") and the issue: CP several hundred, CIN several thousand, early help the rest.
LEVEL_WEIGHTS = [(Level.CHILD_PROTECTION, 22), (Level.CHILD_IN_NEED, 48), (Level.EARLY_HELP, 30)]
CHILDREN_WEIGHTS = [(1, 30), (2, 32), (3, 22), (4, 10), (5, 6)]
LENGTH_BANDS = [((0, 3), 16), ((3, 6), 11), ((6, 12), 43), ((12, 24), 25), ((24, 36), 5)]
CATEGORY_WEIGHTS = [("NEG", 50), ("EMO", 36), ("PHY", 7), ("SAB", 4), ("MUL", 3)]
EVENT_WEIGHTS = [
    (EventType.HOME_VISIT, 30),
    (EventType.OBSERVATION, 12),
    (EventType.CONCERN, 10),
    (EventType.SCHOOL, 10),
    (EventType.MEETING, 8),
    (EventType.NO_ACCESS_VISIT, 3),
    (EventType.POLICE_INCIDENT, 4),
    (EventType.ASSESSMENT, 4),
    (EventType.PLAN_CHANGE, 3),
    (EventType.DISCLOSURE, 2),
    (EventType.OTHER, 4),
    (EventType.REFERRAL, 2),
]
TEXT = {
    EventType.HOME_VISIT: [
        "Announced visit; children seen together and alone, bedrooms seen.",
        "Unannounced visit: the kitchen had food, the children's beds had no clean bedding.",
        "Visit after school; mother engaged well and showed the new routine chart.",
    ],
    EventType.OBSERVATION: [
        "Child arrived hungry and asked for a second breakfast.",
        "Child was warm and well dressed for the weather.",
        "Child was withdrawn and did not want to go home.",
    ],
    EventType.CONCERN: [
        "Neighbour reported the children left alone in the evening.",
        "Nursery noticed the same unwashed clothes three days running.",
    ],
    EventType.SCHOOL: [
        "Attendance this half term is 82%; three late arrivals.",
        "Child had no PE kit and no coat again this week.",
    ],
    EventType.MEETING: ["Core group met; actions reviewed with the family.", "Professionals meeting held."],
    EventType.NO_ACCESS_VISIT: ["No answer at the door at the agreed time; a card was left."],
    EventType.POLICE_INCIDENT: ["Police called to a verbal argument at the address; children present."],
    EventType.ASSESSMENT: ["Assessment updated with the family's own account."],
    EventType.PLAN_CHANGE: ["Plan updated at review: two outcomes changed."],
    EventType.DISCLOSURE: ["Child told the teacher there was no food at home at the weekend."],
    EventType.OTHER: ["Housing repair completed to the children's bedroom window."],
    EventType.REFERRAL: ["Referral received from the health visitor about the home conditions."],
}
HOSPITALS = ["Northbridge General Hospital", "Riverside Children's Hospital", "Eastgate Urgent Treatment Centre"]
AE_REASONS = [
    "Fell from the sofa",
    "Burn from a hot drink",
    "Swallowed a tablet",
    "Cut to the head",
    "Fell down the stairs",
]
APPOINTMENT_KINDS = ["gp", "health_visitor", "dental", "outpatient", "immunisation", "school_nurse"]
OUTCOME_WEIGHTS = [
    ("attended", 80),
    ("was_not_brought", 6),
    ("cancelled_by_family", 6),
    ("cancelled_by_service", 6),
    ("rescheduled", 2),
]
RATING_WEIGHTS = [("progressing", 45), ("no_change", 30), ("achieved", 15), ("worse", 10)]
# Each child's statutory record (cases.census codes). Who referred: police, schools and health most often.
REFERRAL_SOURCE_WEIGHTS = [
    ("6", 28), ("2A", 18), ("3B", 8), ("3A", 5), ("3F", 5), ("3E", 2), ("5A", 7), ("5D", 6), ("5C", 2),
    ("4", 3), ("1A", 6), ("1B", 3), ("1C", 1), ("7", 2), ("8", 2), ("9", 2),
]  # fmt: skip
# The need found: this is a neglect portal, so mostly abuse or neglect.
PRIMARY_NEED_WEIGHTS = [("N1", 62), ("N4", 10), ("N5", 10), ("N3", 6), ("N2", 4), ("N8", 4), ("N6", 2), ("N7", 2)]
# Factors found at assessment (none of the retired 18A and 19A), one to three per family.
FACTOR_WEIGHTS = [
    ("16A", 40), ("4B", 22), ("3B", 18), ("2B", 12), ("17A", 12), ("1B", 10), ("3A", 8), ("5B", 5), ("6B", 4),
    ("4A", 4), ("7A", 3), ("14A", 3), ("18B", 3), ("10A", 2), ("24A", 1),
]  # fmt: skip
HOW_MANY_FACTORS = [(1, 35), (2, 40), (3, 25)]
ASSESSMENT_WORKING_DAYS = 45  # due from its start (docs/practice.md, "Timescales")
ASSESSMENT_DAYS_TO_AUTHORISE = (15, 75)  # calendar days: most within the 45 working days, some late
S47_WITHOUT_CONFERENCE_SHARE = 0.15  # of child in need households: an enquiry that found no conference needed
# Babies on the way: in about one in seven statutory households opened in the last five months, due 23 to 38
# weeks after the referral (within the census's 40, and after today).
UNBORN_SHARE = 0.15
UNBORN_CASES_OPENED_WITHIN_DAYS = 150
UNBORN_DUE_DAYS_AFTER_OPENING = (160, 270)
OUTCOMES = [
    "The children eat breakfast every school day",
    "The home is safe and clean",
    "The children are at school every day and on time",
    "Every health appointment is kept",
    "Dental treatment is completed",
]

UTC = UTC


def _weighted(rng: random.Random, options):
    values, weights = zip(*options)
    return rng.choices(values, weights=weights, k=1)[0]


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


# --- Writing rows ---------------------------------------------------------------------------------


def _text(value) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


class Table:
    """Rows of one model, collected as dicts of attnames, written in one COPY per flush."""

    def __init__(self, model, now: datetime):
        self.model = model
        self.fields = model._meta.concrete_fields
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                self.defaults[f.attname] = now
            elif f.has_default() and not callable(f.default):
                self.defaults[f.attname] = f.default
            elif f.has_default() and f.default in (dict, list):
                self.defaults[f.attname] = f.default()
            elif not f.null and f.get_internal_type() in ("CharField", "TextField"):
                # A text column the generator does not name (one added since, like left_to) is empty, not NULL.
                self.defaults[f.attname] = ""
            else:
                self.defaults[f.attname] = None
        self.rows: list[dict] = []
        self.count = 0

    def add(self, **values) -> dict:
        self.rows.append(values)
        return values

    def flush(self) -> None:
        if not self.rows:
            return
        self.count += len(self.rows)
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in self.rows:
                buffer.write("\t".join(_text(row.get(f.attname, self.defaults[f.attname])) for f in self.fields))
                buffer.write("\n")
            buffer.seek(0)
            columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
            table = connection.ops.quote_name(self.model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
        else:
            self.model.objects.bulk_create(
                [self.model(**{**self.defaults, **row}) for row in self.rows], batch_size=1000
            )
        self.rows = []


# --- The generator ----------------------------------------------------------------------------------


class Generator:
    def __init__(self, households: int, today: date, seed: int):
        self.n = households
        self.today = today
        self.rng = random.Random(seed)
        self.now = _at(today, 8)
        fake = Faker("en_GB")
        fake.seed_instance(seed)
        self.female = [fake.first_name_female() for _ in range(300)]
        self.male = [fake.first_name_male() for _ in range(300)]
        self.surnames = [fake.last_name() for _ in range(600)]
        self.ids = {}  # next integer pk per model
        order = [
            Person,
            Case,
            HouseholdMember,
            ChildEpisode,
            ChildAssessment,
            Section47Enquiry,
            CaseMember,
            Plan,
            ChildPlan,
            Outcome,
            Action,
            Meeting,
            MeetingRecord,
            OutcomeRating,
            Appointment,
            AppointmentOutcome,
            Entry,
            EntryChild,
            Assessment,
            SubAreaGrade,
            AreaGrade,
            Flag,
            FlagAcknowledgement,
            Referral,
            ReferralChild,
            ReferralAdult,
            PartnerCheck,
            Decision,
        ]
        self.tables = {model: Table(model, self.now) for model in order}
        self.references: dict[int, int] = {}
        self.seed = seed
        # Each child's census details from a stream of their own, so the households stay as they were.
        self.census_rng = random.Random(seed + 2)
        self.returned: set = set()  # closed cases whose family has come back in an open one
        # Each child's statutory record (referral, assessment, enquiry) and the babies on the way: their own too.
        self.record_rng = random.Random(seed + 3)
        self.census_year_starts = CensusYear.current(today).starts_on
        self.upns = census_details.UpnIssuer()
        # Conferences and reviews on working days (bank holidays only: the bench adds no local closures).
        self.calendar = WorkingCalendar()
        self.children_count = 0  # children of every household, for the referral rate
        self.closed_families: list[tuple[date, list[dict], list[dict]]] = []  # for re-referrals

    # Integer primary keys are handed out here (the database is empty); sequences are reset at the end.
    def _pk(self, model) -> int:
        self.ids[model] = self.ids.get(model, 0) + 1
        return self.ids[model]

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _record_uuid(self) -> uuid.UUID:
        """An id from the statutory record's stream (see record_rng)."""
        return uuid.UUID(int=self.record_rng.getrandbits(128), version=4)

    def _add(self, model, **values) -> dict:
        return self.tables[model].add(**values)

    # -- Staff --------------------------------------------------------------------------------------
    def staff(self) -> None:
        rng = self.rng
        agencies = {}
        for key, name, kind in [
            ("csc", "Bench Children's Social Care", Agency.Kind.CHILDRENS_SOCIAL_CARE),
            ("health", "Bench Community Health NHS Trust", Agency.Kind.HEALTH),
            ("school", "Bench Schools Partnership", Agency.Kind.EDUCATION),
            ("police", "Bench Police", Agency.Kind.POLICE),
            ("housing", "Bench Homes", Agency.Kind.HOUSING),
            ("voluntary", "Bench Family Action", Agency.Kind.VOLUNTARY),
        ]:
            agencies[key], _ = Agency.objects.get_or_create(name=name, defaults={"kind": kind})
        self.agencies = agencies
        self._agency_kinds = {agency.pk: agency.kind for agency in agencies.values()}
        password = make_password(None)  # nobody can sign in as a bench user
        n_open = self._open_count()
        n_leads = max(1, math.ceil(n_open / CASES_PER_LEAD))
        n_teams = math.ceil(n_leads / LEADS_PER_TEAM)
        users, roles = [], {}

        def user(username, role, agency, team=None, job="", licensed=False):
            roles[username] = role
            sex = rng.random() < 0.7
            first = rng.choice(self.female if sex else self.male)
            users.append(
                User(
                    username=username,
                    password=password,
                    first_name=first,
                    last_name=rng.choice(self.surnames),
                    agency=agency,
                    team=team,
                    job_title=job,
                    email=f"{username}@example.invalid",
                    gcp2_trained_on=date(2025, 3, 14) if licensed else None,
                    gcp2_licence_area="Bench" if licensed else "",
                    gcp2_licence_expires_on=date(2030, 3, 31) if licensed else None,
                )
            )

        teams = [
            Team.objects.create(name=f"Bench Social Work Team {t + 1:03d}", agency=agencies["csc"])
            for t in range(n_teams)
        ]
        for t, team in enumerate(teams):
            user(
                "bench_manager" if t == 0 else f"bench_tm{t:03d}",
                Role.Standard.TEAM_MANAGER,
                agencies["csc"],
                team,
                "Team manager",
            )
        user("bench_senior", Role.Standard.SENIOR_MANAGER, agencies["csc"], None, "Head of service")
        for i in range(n_leads):
            user(
                "bench_lead" if i == 0 else f"bench_sw{i:04d}",
                Role.Standard.PRACTITIONER,
                agencies["csc"],
                teams[i // LEADS_PER_TEAM],
                "Social worker",
                licensed=True,
            )
        partners = {
            "health": max(2, n_open // 40),
            "school": max(2, n_open // 20),
            "police": max(1, n_open // 150),
            "housing": max(1, n_open // 200),
            "voluntary": max(1, n_open // 100),
        }
        jobs = {
            "health": "Health visitor",
            "school": "Designated safeguarding lead",
            "police": "Police officer",
            "housing": "Housing officer",
            "voluntary": "Family support worker",
        }
        for key, count in partners.items():
            for i in range(count):
                user(f"bench_{key}{i:04d}", Role.Standard.PRACTITIONER, agencies[key], None, jobs[key])
        User.objects.bulk_create(users, batch_size=1000)
        role_ids = {key: Role.objects.standard(key).pk for key in set(roles.values())}
        user_ids = dict(User.objects.filter(username__in=roles).values_list("username", "pk"))
        User.roles.through.objects.bulk_create(
            [User.roles.through(user_id=user_ids[name], role_id=role_ids[key]) for name, key in roles.items()],
            batch_size=1000,
        )
        by_name = {u.username: u for u in User.objects.filter(username__startswith="bench_")}
        for t, team in enumerate(teams):
            team.manager = by_name["bench_manager" if t == 0 else f"bench_tm{t:03d}"]
            team.save(update_fields=["manager"])
        self.leads = [by_name["bench_lead" if i == 0 else f"bench_sw{i:04d}"] for i in range(n_leads)]
        self.partners = {key: [by_name[f"bench_{key}{i:04d}"] for i in range(count)] for key, count in partners.items()}

    def _open_count(self) -> int:
        return sum(1 for i in range(self.n) if self._is_open(i))

    @staticmethod
    def _is_open(index: int) -> bool:
        return index % 10 < OPEN_SHARE

    # -- Households ---------------------------------------------------------------------------------
    def batch(self, indexes: range) -> None:
        self.closed_pool = []
        for index in indexes:
            self.household(index)
        for model, table in self.tables.items():
            if model is Assessment:
                continue
            if model in (SubAreaGrade, AreaGrade):
                continue
            table.flush()
        self._flush_assessments()
        self.tables[Flag].flush()

    def _reference(self, year: int) -> str:
        self.references[year] = self.references.get(year, 0) + 1
        return f"{settings.CASE_REFERENCE_PREFIX}-{year}-{self.references[year]:05d}"

    def household(self, index: int) -> None:
        rng, today = self.rng, self.today
        is_open = self._is_open(index)
        special = {0: BIG_CASE_ENTRIES, 1: PDF_CASE_ENTRIES}.get(index)
        level = Level.CHILD_PROTECTION if special else _weighted(rng, LEVEL_WEIGHTS)
        low, high = _weighted(rng, LENGTH_BANDS)
        length_days = max(20, rng.randint(low * 30, high * 30))
        if special:
            length_days = 4 * 365 if index == 0 else 400
        if is_open:
            open_index = (index // 10) * OPEN_SHARE + index % 10
            lead = self.leads[min(open_index // CASES_PER_LEAD, len(self.leads) - 1)]
            opened_on = today - timedelta(days=length_days)
            closed_on = None
        else:
            lead = rng.choice(self.leads)
            closed_on = today - timedelta(days=rng.randint(30, 10 * 365))
            opened_on = closed_on - timedelta(days=length_days)
        case_id = self._uuid()
        reason = "" if is_open else rng.choice(["RC7", "RC8", "RC9", "RC5"])
        self._add(
            Case,
            id=case_id,
            reference=self._reference(opened_on.year),
            level=level,
            status="open" if is_open else "closed",
            lead_professional_id=lead.pk,
            lead_agency_id=lead.agency_id,
            opened_on=opened_on,
            closed_on=closed_on,
            created_at=_at(opened_on),
            version=1,
        )
        end = closed_on or today
        children = self._people(case_id, opened_on, closed_on, is_open and not special)
        # Every statutory household's children have their own episode; every household here has a plan, so
        # "closed after assessment" (RC8, RC9) is not open to them: RC7 instead.
        episodes, baby_episodes = {}, {}
        if level != Level.EARLY_HELP:
            child_reason = "RC7" if reason in ("RC8", "RC9") else reason
            record = self.record_rng
            source, need = _weighted(record, REFERRAL_SOURCE_WEIGHTS), _weighted(record, PRIMARY_NEED_WEIGHTS)
            recent = is_open and not special and length_days <= UNBORN_CASES_OPENED_WITHIN_DAYS
            baby = self._unborn(case_id, opened_on) if recent and record.random() < UNBORN_SHARE else None
            for child in children + ([baby] if baby else []):
                (baby_episodes if child is baby else episodes)[child["id"]] = self._add(
                    ChildEpisode,
                    id=self._pk(ChildEpisode),
                    case_id=case_id,
                    child_id=child["id"],
                    started_on=opened_on,
                    referral_source=source,
                    primary_need=need,
                    closed_on=closed_on,
                    closure_reason=child_reason,
                    version=1,
                )["id"]
        self._episodes, self._baby_episodes = episodes, baby_episodes
        team = self._team(case_id, lead, opened_on)
        plan, drawn_start = self._plan(case_id, level, lead, team, opened_on, closed_on)
        self._meetings(case_id, level, lead, plan, drawn_start, opened_on, closed_on)
        if episodes or baby_episodes:
            self._assessments_and_enquiries(level, lead, opened_on, closed_on, plan["started_on"])
        months = length_days / 30.4
        if special:
            count = special
        elif is_open:
            count = max(8, round(rng.gauss(12 + 4.5 * months, 5)))
        else:
            count = max(6, round(10 + 3.5 * months))
        # A few open households have drifted: nobody has recorded anything for two months.
        last = end if (not is_open or special or rng.random() > 0.08) else today - timedelta(days=60)
        self._entries(case_id, team, children, opened_on, max(opened_on, last), count)
        if is_open and not special:
            self._appointments_and_ae(case_id, level, team, children)
        if is_open and level != Level.EARLY_HELP and (special or length_days > 120):
            self._gcp2(case_id, level, lead, children, opened_on, repeats=2 if index == 0 else None)
        if not is_open:
            self._old_flags(case_id, lead, children, opened_on, closed_on)
            self.closed_pool.append((closed_on, case_id, children, self._last_people))
            self.closed_families.append((closed_on, children, self._last_people))

    def _people(self, case_id, opened_on: date, closed_on: date | None, may_return: bool) -> list[dict]:
        """Mother, perhaps a partner, 1-5 children. Some open households are returning families: the
        same people as a closed case of this batch (re-referral and family history). A family returns once,
        while its children are children: drawn again, or grown up, it is a new family instead (a child cannot be
        in two open cases at once, census rules 8815 and 8820; an adult is not a child in need, rule 8775Q)."""
        rng = self.rng
        returning = [c for c in self.closed_pool if c[0] < opened_on] if may_return and rng.random() < 0.08 else []
        family = rng.choice(returning) if returning else None
        if (
            family is not None
            and family[1] not in self.returned
            and all(months_later(child["date_of_birth"], 18 * 12) > opened_on for child in family[2])
        ):
            self.returned.add(family[1])
            _closed_on, _old_case, children, adults = family
            for person in adults:
                self._add(
                    HouseholdMember,
                    id=self._pk(HouseholdMember),
                    case_id=case_id,
                    person_id=person["id"],
                    relationship="parent",
                    relationship_detail="Mother",
                    joined_on=opened_on,
                )
            for child in children:
                self._add(
                    HouseholdMember,
                    id=self._pk(HouseholdMember),
                    case_id=case_id,
                    person_id=child["id"],
                    relationship="child",
                    relationship_detail="",
                    joined_on=opened_on,
                )
                # The closed case's row is still to be written (closed_pool is this batch's): known again today.
                child.update(
                    census_details.known_again(
                        self.census_rng, self.upns, child, born_on=child["date_of_birth"], known_on=self.today
                    )
                )
            self._last_people = adults
            return children
        surname = rng.choice(self.surnames)
        mother_age = rng.randint(17, 42)
        mother = self._add(
            Person,
            id=self._uuid(),
            first_name=rng.choice(self.female),
            last_name=surname,
            date_of_birth=opened_on - timedelta(days=365 * mother_age + rng.randint(0, 364)),
            sex="female",
            is_unborn=False,
            created_at=_at(opened_on),
        )
        self._add(
            HouseholdMember,
            id=self._pk(HouseholdMember),
            case_id=case_id,
            person_id=mother["id"],
            relationship="parent",
            relationship_detail="Mother",
            joined_on=opened_on,
        )
        adults = [mother]
        if rng.random() < 0.5:
            partner = self._add(
                Person,
                id=self._uuid(),
                first_name=rng.choice(self.male),
                last_name=rng.choice(self.surnames),
                date_of_birth=opened_on - timedelta(days=365 * rng.randint(19, 50)),
                sex="male",
                is_unborn=False,
                created_at=_at(opened_on),
            )
            self._add(
                HouseholdMember,
                id=self._pk(HouseholdMember),
                case_id=case_id,
                person_id=partner["id"],
                relationship="partner",
                relationship_detail="Mother's partner",
                joined_on=opened_on,
            )
        children = []
        home = census_details.family(self.census_rng)
        oldest = max(0, min(17, mother_age - 16))
        for _ in range(_weighted(rng, CHILDREN_WEIGHTS)):
            female = rng.random() < 0.5
            dob = opened_on - timedelta(days=rng.randint(30, 365 * oldest + 364) if oldest else rng.randint(30, 364))
            child = self._add(
                Person,
                id=self._uuid(),
                first_name=rng.choice(self.female if female else self.male),
                last_name=surname,
                date_of_birth=dob,
                sex="female" if female else "male",
                is_unborn=False,
                created_at=_at(opened_on),
                # As the last worker to know the child recorded them: today, or when the case closed.
                **census_details.child_details(
                    self.census_rng, self.upns, home, born_on=dob, is_unborn=False, known_on=closed_on or self.today
                ),
            )
            self._add(
                HouseholdMember,
                id=self._pk(HouseholdMember),
                case_id=case_id,
                person_id=child["id"],
                relationship="child",
                relationship_detail="",
                joined_on=opened_on,
            )
            children.append(child)
        self._last_people = adults
        self.children_count += len(children)
        return children

    def _unborn(self, case_id, opened_on: date) -> dict:
        """A baby on the way in a household opened lately: due within the census's 40 weeks of the referral
        (rule 8606) and still unborn today. Not among the household's `children`, whose appointments, A&E
        visits, GCP2 and chronology are those of born children; they have their episode and plan."""
        record = self.record_rng
        baby = self._add(
            Person,
            id=self._record_uuid(),
            first_name="Baby",
            last_name=self._last_people[0]["last_name"],
            date_of_birth=None,
            is_unborn=True,
            expected_on=opened_on + timedelta(days=record.randint(*UNBORN_DUE_DAYS_AFTER_OPENING)),
            sex="",
            created_at=_at(opened_on),
            **census_details.child_details(
                self.census_rng, self.upns, None, born_on=None, is_unborn=True, known_on=self.today
            ),
        )
        self._add(
            HouseholdMember,
            id=self._pk(HouseholdMember),
            case_id=case_id,
            person_id=baby["id"],
            relationship="child",
            relationship_detail="",
            joined_on=opened_on,
        )
        return baby

    def _assessments_and_enquiries(
        self, level: str, lead: User, opened_on: date, closed_on: date | None, plan_started_on: date
    ) -> None:
        """Each child's assessment, started on the day of the referral, due 45 working days on and authorised
        with the factors found (mostly within time, a few late); under way if not yet done today. A closed
        case's were all authorised by its closing (rule 8867). For child protection, each child's section 47
        enquiry from the strategy discussion, whose conference started the plan (rule 2885); now and then a
        child in need household had one that found no conference was needed."""
        record, calendar, today = self.record_rng, self.calendar, self.today
        # From the referral, as the enquiry is: the census reads an enquiry without its assessment as a query
        # (rule 2991Q), so they start together even across 31 March.
        started = opened_on
        due = calendar.add_working_days(started, ASSESSMENT_WORKING_DAYS)
        done = started + timedelta(days=record.randint(*ASSESSMENT_DAYS_TO_AUTHORISE))
        if closed_on is not None:
            authorised = self._working_day(min(done, closed_on), latest=closed_on)
        elif done <= today:
            authorised = self._working_day(done, latest=today)
        elif started < self.census_year_starts:
            # Not left open across 31 March: the census wants an assessment still under way to have started in
            # its year (rule 8736).
            authorised = self._working_day(today, latest=today)
        else:
            authorised = None
        factors = []
        if authorised is not None:
            chosen = set()
            for _ in range(_weighted(record, HOW_MANY_FACTORS)):
                chosen.add(_weighted(record, [(code, w) for code, w in FACTOR_WEIGHTS if code not in chosen]))
            factors = [code for code in AssessmentFactor.values if code in chosen]  # the census's order
        no_conference = level == Level.CHILD_IN_NEED and record.random() < S47_WITHOUT_CONFERENCE_SHARE
        for episode_id in [*self._episodes.values(), *self._baby_episodes.values()]:
            self._add(
                ChildAssessment,
                id=self._pk(ChildAssessment),
                episode_id=episode_id,
                started_on=started,
                due_on=due,
                authorised_on=authorised,
                factors=factors,
                authorised_by_id=lead.pk if authorised else None,
            )
            if level == Level.CHILD_PROTECTION or no_conference:
                protection = level == Level.CHILD_PROTECTION
                self._add(
                    Section47Enquiry,
                    id=self._pk(Section47Enquiry),
                    episode_id=episode_id,
                    started_on=opened_on,
                    conference_needed=protection,
                    conference_on=plan_started_on if protection else None,
                    recorded_by_id=lead.pk,
                    version=1,
                )

    def _team(self, case_id, lead: User, opened_on: date) -> list[tuple[int, int, str]]:
        """The lead and 1-3 partner professionals: (user id, agency id, job) for authors of entries."""
        rng = self.rng
        self._add(
            CaseMember,
            id=self._pk(CaseMember),
            case_id=case_id,
            user_id=lead.pk,
            role="lead",
            started_on=opened_on,
            ended_on=None,
            added_by_id=lead.pk,
        )
        team = [(lead.pk, lead.agency_id, lead.job_title)]
        for key in rng.sample(["health", "school", "police", "housing", "voluntary"], k=rng.randint(1, 3)):
            member = rng.choice(self.partners[key])
            self._add(
                CaseMember,
                id=self._pk(CaseMember),
                case_id=case_id,
                user_id=member.pk,
                role=rng.choice(["core_group", "contributor"]),
                started_on=opened_on,
                ended_on=None,
                added_by_id=lead.pk,
            )
            team.append((member.pk, member.agency_id, member.job_title))
        if not any(agency == self.agencies["health"].pk for _, agency, _ in team):
            health = rng.choice(self.partners["health"])
            team.append((health.pk, health.agency_id, health.job_title))  # writes entries, not on the team
        return team

    def _plan(
        self, case_id, level: str, lead: User, team, opened_on: date, closed_on: date | None
    ) -> tuple[dict, date]:
        """The household's plan and each child's place on it; returns the plan and the day drawn for its start,
        from which its outcomes, actions and meetings are counted (so that moving the start to a working day
        draws the same random numbers as before, and every household after it stays as it was)."""
        rng, today = self.rng, self.today
        drawn = min(today, opened_on + timedelta(days=rng.randint(5, 20)))
        if closed_on:
            drawn = min(drawn, closed_on)
        # A child protection plan starts at its initial conference, held on a working day (census rule 8875);
        # a plan ends after the day it starts (rules 8840 and 4012Q), so a closed case's began the day before.
        last_start = min(today, closed_on - timedelta(days=1)) if closed_on else today
        started = self._working_day(min(drawn, last_start), latest=last_start)
        plan = self._add(
            Plan,
            id=self._uuid(),
            case_id=case_id,
            kind=level,
            started_on=started,
            ended_on=closed_on,
            created_by_id=lead.pk,
            created_at=_at(started),
            version=1,
        )
        category = _weighted(rng, CATEGORY_WEIGHTS) if level == Level.CHILD_PROTECTION else ""
        # A baby on the way is on the plan too (the initial conference was about them as well); their row's id
        # comes from the record's own stream, so the households after them draw what they drew before.
        places = [(child_id, episode_id, self._uuid()) for child_id, episode_id in self._episodes.items()]
        places += [(child_id, episode_id, self._record_uuid()) for child_id, episode_id in self._baby_episodes.items()]
        for child_id, episode_id, place_id in places:
            self._add(
                ChildPlan,
                id=place_id,
                plan_id=plan["id"],
                episode_id=episode_id,
                case_id=case_id,
                child_id=child_id,
                kind=level,
                started_on=started,
                ended_on=closed_on,
                end_reason="case_closed" if closed_on else "",
                initial_category=category,
                latest_category=category,
                version=1,
            )
        plan["outcome_ids"] = []
        for number, what in enumerate(rng.sample(OUTCOMES, k=rng.randint(2, 3)), start=1):
            outcome_id = self._pk(Outcome)
            plan["outcome_ids"].append(outcome_id)
            self._add(
                Outcome,
                id=outcome_id,
                plan_id=plan["id"],
                number=number,
                what_must_change=what,
                by_when=drawn + timedelta(days=rng.randint(60, 270)),
                how_we_will_know="Seen on unannounced visits and in school records",
            )
            for _ in range(rng.randint(1, 2)):
                due = drawn + timedelta(days=rng.randint(14, 120))
                owner_user, owner_agency, _job = rng.choice(team)
                if closed_on or (due < today and rng.random() < 0.75):
                    status, completed = "done", min(due, closed_on or due)
                else:
                    status, completed = rng.choice(["not_started", "in_progress", "not_done"]), None
                self._add(
                    Action,
                    id=self._pk(Action),
                    outcome_id=outcome_id,
                    description="Unannounced home visits every two weeks, seeing each child",
                    owner_user_id=owner_user,
                    owner_agency_id=owner_agency,
                    due_on=due,
                    status=status,
                    completed_on=completed,
                    created_by_id=lead.pk,
                    created_at=_at(started),
                )
        return plan, drawn

    def _meeting(self, case_id, kind: str, lead: User, *, held_on=None, due_on=None, plan=None, closing=False) -> None:
        meeting_id = self._uuid()
        self._add(
            Meeting,
            id=meeting_id,
            case_id=case_id,
            kind=kind,
            due_on=due_on or held_on,
            due_basis="Set by the partnership's timescales",
            scheduled_by_meeting_id=None,
            held_on=held_on,
            plan_id=plan["id"] if plan and kind != "strategy" else None,
            is_closing_review=closing,
            created_at=_at(held_on or due_on),
        )
        if held_on:
            self._add(
                MeetingRecord,
                id=self._pk(MeetingRecord),
                meeting_id=meeting_id,
                held_on=held_on,
                attendees="Lead professional, parents, core group",
                reflections="",
                decisions="Plan to continue; actions reviewed.",
                actions_agreed="",
                recorded_by_id=lead.pk,
                recorded_at=_at(held_on, 16),
            )
        if held_on and plan and kind in ("rcpc", "core_group", "cin_review", "eh_review"):
            for outcome_id in plan["outcome_ids"]:
                self._add(
                    OutcomeRating,
                    id=self._pk(OutcomeRating),
                    meeting_id=meeting_id,
                    outcome_id=outcome_id,
                    rating="achieved" if closing else _weighted(self.rng, RATING_WEIGHTS),
                    comment="",
                )

    def _working_day(self, day: date, *, latest: date) -> date:
        """The working day nearest `day` (a Saturday's Friday, a Sunday's Monday, the Tuesday after a bank holiday
        Monday), but not after `latest`: meetings spread over the week as they do, none at a weekend."""
        calendar = self.calendar
        if calendar.is_working_day(day):
            return day
        earlier, later = calendar.previous_working_day(day), calendar.add_working_days(day, 1)
        return later if later - day < day - earlier and later <= latest else earlier

    def _meetings(
        self, case_id, level: str, lead: User, plan: dict, drawn_start: date, opened_on: date, closed_on
    ) -> None:
        """Held meetings at their intervals from the plan's drawn start, each on the working day nearest its
        day, then the next one waiting; a fifth of open cases have drifted (nothing held for two months, so
        the waiting ones are overdue)."""
        rng, today = self.rng, self.today
        until = closed_on or today
        if closed_on is None and rng.random() < 0.2:
            until = today - timedelta(days=60)
        kinds = {
            Level.CHILD_PROTECTION: [("rcpc", 182), ("core_group", 42)],
            Level.CHILD_IN_NEED: [("cin_review", 84)],
            Level.EARLY_HELP: [("eh_review", 42)],
        }[level]
        if level == Level.CHILD_PROTECTION:
            self._meeting(case_id, "strategy", lead, held_on=opened_on)
            self._meeting(case_id, "icpc", lead, held_on=plan["started_on"], plan=plan)
        for kind, every in kinds + [("supervision", 42)]:
            day = drawn_start + timedelta(days=every if kind != "rcpc" else 91)
            while day <= until:
                self._meeting(case_id, kind, lead, held_on=self._working_day(day, latest=until), plan=plan)
                day += timedelta(days=every)
            if closed_on is None:
                self._meeting(case_id, kind, lead, due_on=self._working_day(day, latest=date.max), plan=plan)
        if closed_on is not None:
            closing_on = self._working_day(closed_on, latest=closed_on)
            self._meeting(case_id, kinds[0][0], lead, held_on=closing_on, plan=plan, closing=True)

    def _entry(
        self, case_id, author, occurred_on: date, event_type: str, children: list[dict], text: str, **extra
    ) -> None:
        rng = self.rng
        entry_id = self._uuid()
        user_id, agency_id, job = author
        recorded_on = min(self.today, occurred_on + timedelta(days=rng.choice([0, 0, 1, 2, 5, 14])))
        everyone = len(children) > 1 and rng.random() < 0.15
        self._add(
            Entry,
            id=entry_id,
            case_id=case_id,
            occurred_on=occurred_on,
            occurred_at=time(rng.randint(8, 18), rng.choice([0, 15, 30, 45])) if rng.random() < 0.3 else None,
            date_precision="exact",
            occurred_until=None,
            recorded_at=_at(recorded_on, 17),
            recorded_by_id=user_id,
            source_agency_id=agency_id,
            author_role=job,
            event_type=event_type,
            whole_household=everyone,
            neglect_physical=rng.random() < 0.2,
            neglect_emotional=rng.random() < 0.1,
            neglect_medical=rng.random() < 0.05,
            neglect_educational=event_type == EventType.SCHOOL,
            what_happened=text,
            impact=rng.choice(["negative", "negative", "neutral", "positive", "not_known"]),
            impact_detail="",
            action_taken="",
            significance=rng.choice(["low", "medium", "medium", "high"]),
            hospital=extra.get("hospital", ""),
            reason_given=extra.get("reason_given", ""),
            appointment_id=extra.get("appointment_id"),
            external_reference="",
        )
        about = children if everyone else [rng.choice(children)]
        for child in about:
            self._add(EntryChild, id=self._pk(EntryChild), entry_id=entry_id, person_id=child["id"])

    def _entries(self, case_id, team, children, opened_on: date, last: date, count: int) -> None:
        rng = self.rng
        span = (last - opened_on).days
        self._entry(case_id, team[0], opened_on, EventType.REFERRAL, children, TEXT[EventType.REFERRAL][0])
        for _ in range(count - 1):
            event_type = _weighted(rng, EVENT_WEIGHTS)
            day = opened_on + timedelta(days=rng.randint(0, span))
            self._entry(case_id, rng.choice(team), day, event_type, children, rng.choice(TEXT[event_type]))

    def _appointments_and_ae(self, case_id, level: str, team, children) -> None:
        """Health appointments (with outcomes, each on the chronology) and A&E attendances in the last year."""
        rng, today = self.rng, self.today
        health = [member for member in team if member[1] == self.agencies["health"].pk][0]
        for child in children:
            for _ in range(rng.randint(1, 5)):
                day = today - timedelta(days=rng.randint(1, 360))
                outcome = _weighted(rng, OUTCOME_WEIGHTS)
                appointment_id = self._uuid()
                kind = rng.choice(APPOINTMENT_KINDS)
                self._add(
                    Appointment,
                    id=appointment_id,
                    case_id=case_id,
                    child_id=child["id"],
                    agency_id=health[1],
                    kind=kind,
                    scheduled_on=day,
                    scheduled_at=time(10, 30),
                    notes="",
                    booked_by_id=health[0],
                    created_at=_at(day - timedelta(days=21)),
                    external_reference="",
                )
                self._add(
                    AppointmentOutcome,
                    id=self._uuid(),
                    appointment_id=appointment_id,
                    outcome=outcome,
                    note="",
                    rescheduled_to_id=None,
                    recorded_by_id=health[0],
                    recorded_at=_at(day, 16),
                    corrects_id=None,
                    reason="",
                )
                words = "was not brought to" if outcome == "was_not_brought" else f"appointment: {outcome}"
                self._entry(
                    case_id,
                    health,
                    day,
                    EventType.APPOINTMENT,
                    [child],
                    f"{child['first_name']} {words} ({kind}).",
                    appointment_id=appointment_id,
                )
            if rng.random() < 0.5:
                self._add(
                    Appointment,
                    id=self._uuid(),
                    case_id=case_id,
                    child_id=child["id"],
                    agency_id=health[1],
                    kind=rng.choice(APPOINTMENT_KINDS),
                    scheduled_on=today + timedelta(days=rng.randint(3, 60)),
                    scheduled_at=None,
                    notes="",
                    booked_by_id=health[0],
                    created_at=self.now,
                    external_reference="",
                )
            for _ in range(_weighted(rng, [(0, 80), (1, 12), (2, 5), (3, 2), (4, 1)])):
                day = today - timedelta(days=rng.randint(1, 360))
                self._entry(
                    case_id,
                    health,
                    day,
                    EventType.AE_ATTENDANCE,
                    [child],
                    "Attended A&E.",
                    hospital=rng.choice(HOSPITALS),
                    reason_given=rng.choice(AE_REASONS),
                )

    def _gcp2(self, case_id, level: str, lead: User, children, opened_on: date, repeats=None) -> None:
        """A baseline for most children, and repeats for some: improving, unchanged or worsening."""
        rng, today = self.rng, self.today
        months = 3 if level == Level.CHILD_PROTECTION else 6
        for child in children:
            if child["date_of_birth"] > today - timedelta(days=140) or (repeats is None and rng.random() < 0.4):
                continue
            base = rng.choice([3, 3, 4, 4, 2])
            trend = rng.choice([-1, -1, 0, 1])
            ended = opened_on + timedelta(days=rng.randint(30, 60))
            n = repeats if repeats is not None else (1 if (today - ended).days > 120 and rng.random() < 0.6 else 0)
            previous = None
            for step in range(n + 1):
                if ended > today - timedelta(days=5):
                    break
                grade = max(1, min(5, base + trend * step))
                completed = ended + timedelta(days=2)
                assessment = {
                    "id": self._uuid(),
                    "case_id": case_id,
                    "child_id": child["id"],
                    "kind": "repeat" if previous else "baseline",
                    "previous_id": previous,
                    "supersedes_id": None,
                    "correction_reason": "",
                    "status": "draft",
                    "observation_started_on": ended - timedelta(days=21),
                    "observation_ended_on": ended,
                    "visits": 5,
                    "strengths": "Warm with the child.",
                    "child_views": "Talks about school.",
                    "started_by_id": lead.pk,
                    "started_at": _at(ended - timedelta(days=21)),
                    "updated_at": _at(completed),
                    "completed_by_id": lead.pk,
                    "completed_at": None,
                    "repeat_due_on": add_months(completed, months),
                    "version": 1,
                    "_completed_at": _at(completed, 15),
                    "_step": step,
                }
                self.tables[Assessment].add(**assessment)
                for area in AREAS:
                    for sub in area.sub_areas:
                        self._add(
                            SubAreaGrade,
                            id=self._pk(SubAreaGrade),
                            assessment_id=assessment["id"],
                            sub_area=sub.code,
                            grade=max(1, min(5, grade + rng.choice([-1, 0, 0, 1]))),
                            evidence="Seen on the visits in the window.",
                        )
                    self._add(
                        AreaGrade,
                        id=self._pk(AreaGrade),
                        assessment_id=assessment["id"],
                        area=area.code,
                        grade=grade,
                        rationale="Judged over all the visits.",
                    )
                previous = assessment["id"]
                ended = ended + timedelta(days=rng.randint(90, 150))

    def _flush_assessments(self) -> None:
        """Completed assessments are locked by triggers (gcp2 migration 0002): insert each as a draft with
        its grades, then complete it. A child's baseline and repeat cannot both be drafts at once (one draft
        per child), so each step (baseline, first repeat, ...) goes in its own round."""
        assessments = self.tables[Assessment]
        pending, assessments.rows = assessments.rows, []
        grades = {model: self.tables[model] for model in (SubAreaGrade, AreaGrade)}
        by_assessment = {model: {} for model in grades}
        for model, table in grades.items():
            for row in table.rows:
                by_assessment[model].setdefault(row["assessment_id"], []).append(row)
            table.rows = []
        step = 0
        while True:
            round_rows = [row for row in pending if row["_step"] == step]
            if not round_rows:
                break
            for row in round_rows:
                assessments.add(**{k: v for k, v in row.items() if not k.startswith("_")})
                for model, table in grades.items():
                    table.rows.extend(by_assessment[model][row["id"]])
            assessments.flush()
            for table in grades.values():
                table.flush()
            with connection.cursor() as cursor:
                for row in round_rows:
                    cursor.execute(
                        "UPDATE gcp2_assessment SET status = 'completed', completed_at = %s, version = 2 WHERE id = %s",
                        [row["_completed_at"], row["id"]],
                    )
            step += 1

    def _old_flags(self, case_id, lead: User, children, opened_on: date, closed_on: date) -> None:
        """Flags raised, acknowledged and resolved while a closed case was open: the table keeps them."""
        rng = self.rng
        span = max(1, (closed_on - opened_on).days)
        for _ in range(rng.randint(0, 3)):
            raised = opened_on + timedelta(days=rng.randint(0, span))
            rule = rng.choice(["was_not_brought", "no_contact", "meeting_overdue", "action_overdue", "review_due_soon"])
            subject = f"child:{rng.choice(children)['id']}" if rule == "was_not_brought" else f"meeting:{self._uuid()}"
            resolved = min(closed_on, raised + timedelta(days=rng.randint(3, 60)))
            flag_id = self._uuid()
            self._add(
                Flag,
                id=flag_id,
                case_id=case_id,
                rule=rule,
                subject=subject,
                owner_id=lead.pk,
                explanation="Raised by the monitoring sweep while the case was open.",
                evidence=[],
                raised_at=_at(raised, 2),
                acknowledged_at=_at(raised + timedelta(days=1)),
                resolved_at=_at(resolved, 2),
                resolution="The condition no longer holds.",
                escalated_at=None,
            )
            self._add(
                FlagAcknowledgement,
                id=self._pk(FlagAcknowledgement),
                flag_id=flag_id,
                by_id=lead.pk,
                at=_at(raised + timedelta(days=1)),
                note="Discussed with the family.",
            )

    # -- The front door ------------------------------------------------------------------------------
    def referrals(self) -> int:
        """A year of referrals to the MASH, at REFERRALS_PER_1000_CHILDREN_A_MONTH, with their children,
        adults, partner checks and decisions. Its own random stream, so the households stay as they were."""
        rng = random.Random(self.seed + 1)
        csc = self.agencies["csc"]
        password = make_password(None)
        mash = Team.objects.create(name="Bench MASH", agency=csc)
        staff = {}
        for username, role, job in [
            ("bench_mash_manager", Role.Standard.MASH_MANAGER, "MASH manager"),
            ("bench_mash", Role.Standard.MASH_PRACTITIONER, "MASH social worker"),
        ]:
            staff[username] = User.objects.create(
                username=username,
                password=password,
                first_name=rng.choice(self.female),
                last_name=rng.choice(self.surnames),
                agency=csc,
                team=mash,
                job_title=job,
                email=f"{username}@example.invalid",
            )
            staff[username].roles.set([Role.objects.standard(role)])
        mash.manager = staff["bench_mash_manager"]
        mash.save(update_fields=["manager"])
        # The data officer who makes the census return (bench/run.py measures it and the readiness page).
        User.objects.create(
            username="bench_data_officer", password=password, first_name="Data", last_name="Officer", agency=csc,
            job_title="Data officer", email="bench_data_officer@example.invalid",
        ).roles.set([Role.objects.standard(Role.Standard.DATA_OFFICER)])  # fmt: skip
        manager, practitioner = staff["bench_mash_manager"], staff["bench_mash"]
        allocating = list(Team.objects.filter(agency=csc, manager__isnull=False).exclude(pk=mash.pk))

        count = max(10, round(self.children_count * REFERRALS_PER_1000_CHILDREN_A_MONTH / 1000 * REFERRAL_MONTHS))
        year = REFERRAL_MONTHS * 30.4 * 24 * 3600
        # Newest first: the newest few are waiting, as are a few older ones (overdue).
        ages = sorted(rng.uniform(600, year) for _ in range(count))
        waiting_newest = max(3, round(count * WAITING_NEWEST))
        families = sorted(self.closed_families, key=lambda family: family[0])
        closed_on = [family[0] for family in families]
        due: dict[date, tuple[datetime, date]] = {}
        references: dict[int, int] = {}
        for index, age in enumerate(ages):
            received_at = self.now - timedelta(seconds=age)
            received_on = received_at.date()
            if received_on not in due:
                due[received_on] = due_times(received_at)
            decision_due_at, assessment_due_on = due[received_on]
            waiting = index < waiting_newest or rng.random() < WAITING_OVERDUE
            referrer = rng.choice(self.partners[_weighted(rng, REFERRER_WEIGHTS)])
            references[received_at.year] = references.get(received_at.year, 0) + 1
            referral_id = self._uuid()
            consent = rng.choices(["given", "refused", "not_asked"], weights=[80, 10, 10])[0]
            self._add(
                Referral,
                id=referral_id,
                reference=f"R-{received_at.year}-{references[received_at.year]:05d}",
                referrer_id=referrer.pk,
                referrer_agency_id=referrer.agency_id,
                referrer_role=referrer.job_title,
                source=source_for(self._agency_kinds[referrer.agency_id], referrer.job_title),
                received_at=received_at,
                decision_due_at=decision_due_at,
                assessment_due_on=assessment_due_on,
                address=f"{rng.randint(1, 200)} Bench Street, Benchtown",
                postcode="",
                worries=rng.choice(WORRIES),
                physical=rng.random() < 0.6,
                emotional=rng.random() < 0.3,
                medical=rng.random() < 0.2,
                educational=rng.random() < 0.3,
                signs_seen="",
                consent=consent,
                consent_reason="" if consent == "given" else "Telling the family first could put the children at risk.",
                urgency="urgent" if rng.random() < 0.15 else "routine",
            )
            # A re-referral: a family whose case closed before this referral came in.
            closed_before = bisect.bisect_left(closed_on, received_on) if rng.random() < RE_REFERRAL_SHARE else 0
            if closed_before:
                _closed_on, children, adults = families[rng.randrange(closed_before)]
                self._referral_people(referral_id, children, adults, linked=True)
            else:
                self._referral_people(referral_id, *self._new_family(rng, received_on), linked=False)
            self._checks_and_decision(
                rng, referral_id, received_at, waiting, practitioner, manager, allocating, decision_due_at
            )
        for year_of, number in references.items():
            ReferralReferenceCounter.objects.update_or_create(year=year_of, defaults={"last_number": number})
        for model in (Referral, ReferralChild, ReferralAdult, PartnerCheck, Decision):
            self.tables[model].flush()
        return count

    def _new_family(self, rng: random.Random, on: date) -> tuple[list[dict], list[dict]]:
        surname = rng.choice(self.surnames)
        children = []
        for _ in range(_weighted(rng, CHILDREN_WEIGHTS)):
            female = rng.random() < 0.5
            children.append(
                {
                    "id": None,
                    "first_name": rng.choice(self.female if female else self.male),
                    "last_name": surname,
                    "date_of_birth": on - timedelta(days=rng.randint(30, 365 * 16)),
                    "sex": "female" if female else "male",
                }
            )
        mother = {"id": None, "first_name": rng.choice(self.female), "last_name": surname, "date_of_birth": None}
        return children, [mother]

    def _referral_people(self, referral_id, children: list[dict], adults: list[dict], *, linked: bool) -> None:
        """The children and adults as the referrer described them; a re-referral's are linked to the people
        of the closed case (what the MASH does when it finds them)."""
        for position, child in enumerate(children):
            self._add(
                ReferralChild,
                id=self._pk(ReferralChild),
                referral_id=referral_id,
                first_name=child["first_name"],
                last_name=child["last_name"],
                date_of_birth=child["date_of_birth"],
                expected_on=None,
                nhs_number="",
                sex=child.get("sex", ""),
                person_id=child["id"] if linked else None,
                position=position,
            )
        for position, adult in enumerate(adults):
            self._add(
                ReferralAdult,
                id=self._pk(ReferralAdult),
                referral_id=referral_id,
                first_name=adult["first_name"],
                last_name=adult["last_name"],
                date_of_birth=adult["date_of_birth"],
                relationship="Mother",
                person_id=adult["id"] if linked else None,
                position=position,
            )

    def _checks_and_decision(
        self, rng, referral_id, received_at: datetime, waiting: bool, practitioner, manager, allocating, due_at
    ) -> None:
        """Partner checks (answered before a decision; half of the waiting referrals have one asked), then
        the decision, mostly within its time."""
        checks = rng.randint(0, 1) if waiting else _weighted(rng, [(0, 20), (1, 40), (2, 30), (3, 10)])
        agencies = rng.sample([self.agencies[key] for key in ("health", "school", "police")], k=checks)
        for number, agency in enumerate(agencies):
            asked_at = received_at + timedelta(minutes=15 + 10 * number)
            answered_at = None if waiting else asked_at + timedelta(minutes=rng.randint(20, 300))
            self._add(
                PartnerCheck,
                id=self._pk(PartnerCheck),
                referral_id=referral_id,
                agency_id=agency.pk,
                asked_by_id=practitioner.pk,
                asked_at=asked_at,
                answer="" if waiting else "Known to us: see the attached summary of contacts.",
                answered_at=answered_at,
                recorded_at=answered_at or asked_at,
            )
        if waiting:
            return
        outcome = _weighted(rng, DECISION_WEIGHTS)
        late = rng.random() < 0.05
        decided_at = min(
            self.now, due_at + timedelta(hours=rng.randint(1, 30)) if late else received_at + timedelta(hours=4)
        )
        self._add(
            Decision,
            id=self._uuid(),
            referral_id=referral_id,
            outcome=outcome,
            reasons="Decided on the referral and the partner checks.",
            decided_by_id=manager.pk,
            decided_at=max(decided_at, received_at),
            lead_agency_id=self.agencies["csc"].pk if outcome == Decision.Outcome.EARLY_HELP else None,
            allocating_team_id=rng.choice(allocating).pk if outcome in Decision.NEEDS_TEAM else None,
        )

    def finish(self) -> None:
        for year, number in self.references.items():
            CaseReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": number})
        models = [model for model in self.tables if not model._meta.pk.get_internal_type() == "UUIDField"]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")


def generate(
    households: int, *, today: date, seed: int = SEED, progress: Callable[[str], None] = lambda text: None
) -> dict[str, int]:
    """Load `households` synthetic households into an empty database; returns rows written per table."""
    generator = Generator(households, today, seed)
    with transaction.atomic():
        generator.staff()
    for start in range(0, households, BATCH):
        with transaction.atomic():
            generator.batch(range(start, min(households, start + BATCH)))
        progress(f"  {min(households, start + BATCH)} of {households} households")
    with transaction.atomic():
        referrals = generator.referrals()
    progress(f"  {referrals} referrals")
    generator.finish()
    return {model._meta.verbose_name_plural: table.count for model, table in generator.tables.items()}
