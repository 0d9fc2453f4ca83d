"""Reads for cases: the case list, a case's household and team. Nothing here writes."""

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from cases.access import cases_visible_to
from cases.models import Case, CaseMember, HouseholdMember


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
