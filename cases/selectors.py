"""Reads for cases: the case list, a case's household, team and reopenings, the family's name, the
changes to people's access that reach a case, people and their aliases and history. Nothing here writes."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Capability, Role, User
from audit.models import AuditEvent
from cases.access import cases_visible_to
from cases.models import (
    AccessGrant,
    Case,
    CaseMember,
    CaseOpening,
    CaseReopening,
    HouseholdAddress,
    HouseholdMember,
    Person,
    PersonCorrection,
    PersonMerge,
)
from common.dates import months_later


def current_children() -> Prefetch:
    return Prefetch(
        "household",
        queryset=HouseholdMember.objects.filter(relationship=HouseholdMember.Relationship.CHILD, left_on__isnull=True)
        .select_related("person")
        .order_by("person__date_of_birth", "person__first_name"),
        to_attr="current_children",
    )


def case_list_for(
    user: User, *, status: str = "open", level: str = "", mine_only: bool = False, reference: str = ""
) -> QuerySet[Case]:
    """Cases the user may open, filtered, with lead, agency and current children loaded.

    Always three queries whatever the number of cases: count (for paging), cases, children.
    """
    cases = cases_visible_to(user)
    if status in (Case.Status.OPEN, Case.Status.CLOSED):
        cases = cases.filter(status=status)
    if level:
        cases = cases.filter(level=level)
    if mine_only:
        cases = cases.filter(members__user=user, members__ended_on__isnull=True)
    if reference:
        cases = cases.filter(reference__icontains=reference.strip())
    return (
        cases.select_related("lead_professional", "lead_agency")
        .prefetch_related(current_children())
        .order_by("-opened_on", "reference")
    )


def household_for(case: Case) -> list[HouseholdMember]:
    return list(
        case.household.select_related("person").order_by(
            "left_on", "relationship", "person__date_of_birth", "person__first_name"
        )
    )


# --- People: aliases and history (cases/matching.py finds them) --------------------------------------------
#
# A record merged into another is an alias; Person.merged_into always names the canonical record itself
# (cases/services.py keeps it one step deep), so "the same person" is one join in SQL.

REREFERRAL_MONTHS = 12  # a case closed this recently before a new one opens makes the new one a re-referral


def canonical_person_ids(person_ids) -> dict:
    """Each person's canonical record's id (its own for a canonical record). One query."""
    rows = Person.objects.filter(pk__in=list(person_ids)).values_list("pk", "merged_into_id")
    return {pk: merged or pk for pk, merged in rows}


def canonical_person_id(person_id):
    """The canonical record's id for one person (None for a person that does not exist)."""
    return canonical_person_ids([person_id]).get(person_id)


def same_people(person_ids) -> QuerySet:
    """The ids of these people and of every record of the same person (canonical and aliases), as a
    subquery for SQL: `person_id__in=same_people(...)`. `person_ids` may be a list or a values() queryset."""
    canonical = Person.objects.filter(pk__in=person_ids).annotate(canonical=Coalesce("merged_into_id", "pk"))
    canonical = canonical.values("canonical")
    return Person.objects.filter(Q(pk__in=canonical) | Q(merged_into__in=canonical)).values("pk")


def same_person_ids(person: Person) -> list:
    """The person's canonical record and all its aliases (ids, one query). Read from the database, not from
    `person`, which may have been loaded before a merge."""
    return list(same_people([person.pk]).values_list("pk", flat=True))


@dataclass(frozen=True)
class PersonHistory:
    person_id: object  # the canonical record's
    memberships: list  # HouseholdMember rows of every record of the person, case loaded, earliest first
    rereferral: bool  # a case of theirs closed in the REREFERRAL_MONTHS before today (or before `opening_on`)

    @property
    def open_cases(self) -> list[Case]:
        return [m.case for m in self.memberships if m.case.is_open]

    @property
    def closed_cases(self) -> list[Case]:
        return [m.case for m in self.memberships if not m.case.is_open]


def people_history(person_ids, *, on: date | None = None) -> dict:
    """Each person's earlier and current cases, through every record of the same person, keyed by the
    canonical record's id; `rereferral` says whether one of them closed within REREFERRAL_MONTHS before
    `on` (today by default). Two queries whatever the number of people: canonical ids, memberships.

    Says nothing about who may open those cases: a caller showing them filters by cases.access."""
    on = on or timezone.localdate()
    since = months_later(on, -REREFERRAL_MONTHS)
    canonical = canonical_person_ids(person_ids)
    wanted = set(canonical.values())
    rows = (
        HouseholdMember.objects.filter(person_id__in=same_people(list(wanted)))
        .select_related("case", "person")
        .order_by("case__opened_on", "joined_on", "pk")
    )
    found: dict = {pk: [] for pk in wanted}
    for row in rows:
        found.setdefault(row.person.merged_into_id or row.person_id, []).append(row)
    return {
        pk: PersonHistory(
            person_id=pk,
            memberships=memberships,
            rereferral=any(m.case.closed_on is not None and since <= m.case.closed_on <= on for m in memberships),
        )
        for pk, memberships in found.items()
        if pk in wanted
    }


def addresses_for(case: Case) -> list[HouseholdAddress]:
    """The household's addresses: current ones first (the main home at the top), then past, newest first."""
    return sorted(
        case.addresses.select_related("added_by"),
        key=lambda a: (not a.is_current, not a.is_main_home, -(a.to_on or a.from_on).toordinal(), -a.pk),
    )


def corrections_for(case: Case) -> dict:
    """Corrections of the household's people, newest first, keyed by person id (one query): what the case
    page and household show as "corrected by"."""
    corrections: dict = {}
    rows = PersonCorrection.objects.filter(person__households__case=case).select_related("corrected_by").distinct()
    for row in rows.order_by("-corrected_at", "-id"):
        corrections.setdefault(row.person_id, []).append(row)
    return corrections


def merges_for(case: Case) -> list[PersonMerge]:
    """Merges touching the household's people (either side), newest first, with any reversal (one query)."""
    people = same_people(HouseholdMember.objects.filter(case=case).values("person_id"))
    return list(
        PersonMerge.objects.filter(Q(person__in=people) | Q(into__in=people))
        .select_related("person", "into", "merged_by", "reversal", "reversal__reversed_by")
        .order_by("-merged_at", "-id")
    )


def family_name(household: list[HouseholdMember]) -> str | None:
    """The surname a case page calls the household by ("Ashworth family"), from members already loaded.

    The rule: the surname most of the current children share; a tie goes to the surname more current
    household members (adults too) share, then to the one first in the alphabet. With no current child,
    the surname most current adults share, ties the same way. Nobody living there: None, and the page
    names the case by its reference alone. Surnames are compared ignoring case and outer spaces, and
    shown as most of those members write it.

    The name is personal data: it is for the page's heading only, never for a URL, a log, the page's
    title or an email.
    """
    current = [member for member in household if member.left_on is None and member.person.last_name.strip()]
    children = [member for member in current if member.is_child]
    candidates = Counter(_surname_key(member) for member in (children or current))
    if not candidates:
        return None
    everyone = Counter(_surname_key(member) for member in current)
    chosen = min(candidates, key=lambda key: (-candidates[key], -everyone[key], key))
    # Shown as most of them write it (then the capitalised spelling: "Dawson" sorts before "dawson").
    spellings = Counter(member.person.last_name.strip() for member in current if _surname_key(member) == chosen)
    return min(spellings, key=lambda spelling: (-spellings[spelling], spelling))


def _surname_key(member: HouseholdMember) -> str:
    return member.person.last_name.strip().casefold()


def team_for(case: Case) -> list[CaseMember]:
    """Current members first (lead at the top), then past members, newest first."""
    members = case.members.select_related("user", "user__agency", "added_by")
    return sorted(
        members,
        key=lambda m: (
            m.ended_on is not None,
            m.role != CaseMember.Role.LEAD,
            -(m.ended_on or m.started_on).toordinal(),
            m.user.last_name,
        ),
    )


def case_counts_for(user: User) -> dict[str, int]:
    """Open cases by level, for the home page (one query)."""
    counts = (
        cases_visible_to(user)
        .open()
        .aggregate(
            total=Count("pk"),
            **{
                level: Count("pk", filter=Q(level=level))
                for level in ("early_help", "child_in_need", "child_protection")
            },
        )
    )
    return counts


# --- Changes to people's access that reach a case (the "who viewed" page, docs/security.md, R27) --------

ACCESS_CHANGE_LABELS = {
    "roles": "Roles",
    "agency": "Agency",
    "team": "Team",
    "is_active": "Can sign in",
    "is_staff": "Can use the admin site",
    "is_superuser": "Has every admin permission",
    "groups": "Admin groups",
    "user_permissions": "Admin permissions",
    "manager": "Manager",
    "capabilities": "What the role may do",
    "authenticators": "Authenticator apps",
    "backup_codes": "Backup codes",
}
ACCESS_CHANGES_SHOWN = 100


@dataclass(frozen=True)
class AccessChange:
    at: datetime
    by: User | None
    whose: str  # the person, team or role whose access changed
    what: str  # the action in words
    changes: list[str]  # "Manager: none → Sam Patel", one per field that changed


def people_with_access(case: Case) -> QuerySet[User]:
    """Everyone who can open the case now, for the same reasons cases.access gives: on its current team,
    holding a live grant, managing the lead's team, or a senior manager of the lead agency."""
    members = CaseMember.objects.current().filter(case=case).values("user_id")
    grants = AccessGrant.objects.filter(case=case, revoked_at__isnull=True, expires_at__gt=timezone.now()).values(
        "user_id"
    )
    condition = Q(pk__in=members) | Q(pk__in=grants) | Q(pk=case.lead_professional_id)
    condition |= Q(managed_teams__members=case.lead_professional_id)
    condition |= Q(
        pk__in=User.objects.with_capability(Capability.Key.OVERSEE_AGENCY).filter(agency=case.lead_agency_id)
    )
    return User.objects.filter(condition).distinct()


def _in_words(value, names: dict[int, str]) -> str:
    if value is None or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_in_words(item, names) for item in value)
    if isinstance(value, dict):
        if "name" in value:
            return value["name"]
        return names.get(value.get("id"), "a person no longer in the portal")
    return str(value)


def access_changes_reaching(case: Case) -> list[AccessChange]:
    """Changes made in the admin to the access of the people who can open this case now: their roles,
    agency, team, status and two-factor resets; a change of manager of the lead's team (its manager sees
    the case); a change to what one of their roles may do. Newest first, at most ACCESS_CHANGES_SHOWN.

    Four queries whatever the number of rows: the people, their roles, the events, and the names of the
    people the events mention."""
    user_ids = [str(pk) for pk in people_with_access(case).values_list("pk", flat=True)]
    role_ids = [str(pk) for pk in Role.objects.filter(users__in=user_ids).values_list("pk", flat=True).distinct()]
    lead_team_id = case.lead_professional.team_id if case.lead_professional_id else None
    about_people = Q(
        action__in=[AuditEvent.Action.ACCOUNT_ACCESS_CHANGED, AuditEvent.Action.AUTH_MFA_RESET],
        target_type=User._meta.label_lower,
        target_id__in=user_ids,
    )
    about_roles = Q(
        action=AuditEvent.Action.ACCOUNT_ROLE_CHANGED, target_type=Role._meta.label_lower, target_id__in=role_ids
    )
    condition = about_people | about_roles
    if lead_team_id:
        condition |= Q(
            action=AuditEvent.Action.ACCOUNT_TEAM_MANAGER_CHANGED,
            target_type="accounts.team",
            target_id=str(lead_team_id),
        )
    events = list(
        AuditEvent.objects.filter(condition, outcome=AuditEvent.Outcome.OK)
        .select_related("actor")
        .order_by("-at", "-id")[:ACCESS_CHANGES_SHOWN]
    )
    mentioned = {int(e.target_id) for e in events if e.target_type == User._meta.label_lower}
    for event in events:
        for side in ("before", "after"):
            manager = (event.data.get(side) or {}).get("manager")
            if manager:
                mentioned.add(manager["id"])
    names = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=mentioned)}
    changes = []
    for event in events:
        before, after = event.data.get("before") or {}, event.data.get("after") or {}
        if event.target_type == User._meta.label_lower:
            whose = names.get(int(event.target_id), "a person no longer in the portal")
        elif "team" in event.data:
            whose = event.data["team"]["name"]
        else:
            whose = (event.data.get("role") or {}).get("name", "")
        changes.append(
            AccessChange(
                at=event.at,
                by=event.actor,
                whose=whose,
                what=event.action_label,
                changes=[
                    f"{ACCESS_CHANGE_LABELS.get(key, key)}: {_in_words(before.get(key), names)} → "
                    f"{_in_words(after[key], names)}"
                    for key in after
                    if key != "agency" or event.target_type == User._meta.label_lower
                ],
            )
        )
    return changes


def reopenings_for(case: Case) -> list[CaseReopening]:
    """When the case was reopened, by whom and why, newest first, with the closure each one undid.

    Closing and reopening each move the case's version on, so a case below version 3 was never reopened:
    the case page, which sits at its query target, asks nothing for it."""
    if case.version < 3:
        return []
    return list(case.reopenings.select_related("reopened_by").order_by("-reopened_at"))


def cases_to_allocate(user: User) -> QuerySet[Case]:
    """Open cases waiting for a lead professional that `user` allocates: those opened for a team they
    manage, and for a senior manager every one their agency leads. Two queries whatever their number
    (cases with their opening, team and due date; then their children), oldest referral first."""
    condition = Q(opening__team__manager=user)
    if user.agency_id and user.can(Capability.Key.OVERSEE_AGENCY):
        condition |= Q(lead_agency_id=user.agency_id)
    return (
        Case.objects.open()
        .filter(condition, awaiting_allocation=True)
        .select_related("opening", "opening__team", "lead_agency")
        .prefetch_related(current_children())
        .order_by("opening__referral_received_on", "reference")
    )


def opening_of(case: Case) -> CaseOpening | None:
    return CaseOpening.objects.filter(case=case).select_related("opened_by", "team").first()


@dataclass(frozen=True)
class EarlierCase:
    case: Case
    people: list  # first names of this household's people who were in it
    visible: bool  # whether the reader may open it (the link is shown only then)


def family_history(case: Case, household, user) -> list[EarlierCase]:
    """The family's other cases, newest first: every case any of this household's people (through every
    record of the same person) was in, with who was in it. What reviews keep asking for: a returning family's
    earlier work, seen from the new case. One query whatever the history's length (`household` comes from
    household_for, its people loaded)."""
    names = {member.person.merged_into_id or member.person_id: member.person.first_name for member in household}
    if not names:
        return []
    rows = (
        HouseholdMember.objects.filter(person_id__in=same_people(list(names)))
        .exclude(case=case)
        .select_related("case", "person")
        .annotate(case_visible=Exists(cases_visible_to(user).filter(pk=OuterRef("case_id"))))
        .order_by("-case__opened_on", "case_id", "pk")
    )
    found: dict = {}
    for row in rows:
        earlier = found.setdefault(row.case_id, EarlierCase(case=row.case, people=[], visible=row.case_visible))
        name = names.get(row.person.merged_into_id or row.person_id)
        if name and name not in earlier.people:
            earlier.people.append(name)
    return list(found.values())
