"""Reads for cases: the case list, a case's household, team and reopenings, the family's name. Nothing here
writes."""

from collections import Counter

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from cases.access import cases_visible_to
from cases.models import Case, CaseMember, CaseReopening, HouseholdMember


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


def reopenings_for(case: Case) -> list[CaseReopening]:
    """When the case was reopened, by whom and why, newest first, with the closure each one undid.

    Closing and reopening each move the case's version on, so a case below version 3 was never reopened:
    the case page, which sits at its query target, asks nothing for it."""
    if case.version < 3:
        return []
    return list(case.reopenings.select_related("reopened_by").order_by("-reopened_at"))
