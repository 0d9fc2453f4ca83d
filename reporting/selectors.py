"""Reads for the census pages: the latest readiness check of a year and one page of its problems, with the
page that fixes each, in a constant number of queries."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q
from django.utils import timezone

from cases.models import HouseholdMember

from .models import CensusCheck, CensusProblem

PROBLEMS_PER_PAGE = 50


@dataclass
class ProblemRow:
    problem: CensusProblem
    member_id: int | None


def latest_check(year: int) -> CensusCheck | None:
    return CensusCheck.objects.filter(year=year, finished_at__isnull=False).order_by("-finished_at", "-pk").first()


def waiting_check(year: int) -> CensusCheck | None:
    """A check asked for and not finished: waiting, or running for less than an hour (one started longer ago
    died with its worker; the next request or the night job makes a new one)."""
    recent = timezone.now() - timedelta(hours=1)
    return (
        CensusCheck.objects.filter(year=year, finished_at__isnull=True)
        .filter(Q(started_at__isnull=True) | Q(started_at__gte=recent))
        .order_by("-requested_at")
        .first()
    )


def problems_by_rule(check: CensusCheck) -> list[dict]:
    """How many of each rule's problems the check found, errors first: where a data officer starts."""
    return list(
        CensusProblem.objects.filter(check_run=check)
        .values("code", "kind")
        .annotate(children=Count("child", distinct=True), words=Min("words"))
        .order_by("kind", "-children", "code")
    )


def problems_page(check: CensusCheck, *, kind: str, number) -> tuple[Page, list[ProblemRow]]:
    problems = CensusProblem.objects.filter(check_run=check).select_related("child", "case__lead_professional")
    if kind:
        problems = problems.filter(kind=kind)
    problems = problems.order_by("kind", "child__last_name", "child__first_name", "child_id", "code", "pk")
    page = Paginator(problems, PROBLEMS_PER_PAGE).get_page(number)
    shown = list(page.object_list)
    # The household row of each child in its case: the census details page is reached through it.
    members = {
        (row["case_id"], row["person_id"]): row["pk"]
        for row in HouseholdMember.objects.filter(
            case_id__in={p.case_id for p in shown if p.case_id}, person_id__in={p.child_id for p in shown}
        ).values("pk", "case_id", "person_id")
    }
    return page, [ProblemRow(problem=p, member_id=members.get((p.case_id, p.child_id))) for p in shown]
