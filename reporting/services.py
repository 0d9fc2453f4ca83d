"""The census workflows that write: making the return (audited, with its count of children) and running the
readiness checks into a fresh set of problems (docs/census.md)."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Capability
from audit import services as audit
from audit.models import AuditEvent
from workdays import calendar as workdays

from . import census, census_checks, census_xml
from .models import CensusCheck, CensusProblem

# Runs of the readiness checks kept per census year; older ones are removed with their problems.
CHECKS_KEPT = 5


class NotAllowed(Exception):
    """The person may not make or check the census return."""


@dataclass
class CensusReturn:
    year: int
    children: int
    export_id: int
    parts: Iterator[str]


def may_make_return(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.can(Capability.Key.MAKE_CENSUS_RETURN))


def census_return(*, year: int, la_code: str, by, request=None) -> CensusReturn:
    """The return for the census year ending 31 March `year`, ready to stream. The export is audited first, with
    the number of children in it and the year (no child's id: the file itself is the list)."""
    if not may_make_return(by):
        raise NotAllowed
    census_year = census.CensusYear(year)
    ids = census.child_ids_in_year(census_year)
    event = audit.record(
        actor=by,
        action=AuditEvent.Action.CENSUS_RETURN_EXPORTED,
        request=request,
        using=settings.AUDIT_DB_ALIAS,
        data={"year": year, "la_code": la_code, "children": len(ids)},
    )
    parts = census_xml.stream(
        census.children_in_year(census_year, ids),
        year=year,
        la_code=la_code,
        made_at=timezone.localtime(),
        export_id=event.pk,
    )
    return CensusReturn(year=year, children=len(ids), export_id=event.pk, parts=parts)


def context_for(year: census.CensusYear, today) -> census_checks.Context:
    as_of = min(today, year.reference_date)
    cal = workdays.working_calendar()
    return census_checks.Context(
        year=year,
        as_of=as_of,
        assessment_overdue_before=workdays.subtract_working_days(as_of, 45, cal=cal),
        conference_overdue_before=workdays.subtract_working_days(as_of, 15, cal=cal),
    )


def readiness_check_request(*, year: int, by) -> CensusCheck:
    """Ask for a run of the readiness checks; the worker runs it (reporting/tasks.py). If the broker is down the
    run waits in the database and the night job runs it."""
    from .tasks import run_census_check  # the task module imports this one

    if by is not None and not may_make_return(by):
        raise NotAllowed
    # A second click while one waits would only run the same checks twice.
    waiting = CensusCheck.objects.filter(year=year, started_at__isnull=True).order_by("requested_at").first()
    if waiting:
        return waiting
    check = CensusCheck.objects.create(year=year, requested_by=by)
    transaction.on_commit(lambda: _enqueue(run_census_check, check.pk))
    return check


def _enqueue(task, check_id: int) -> None:
    from kombu.exceptions import OperationalError

    try:
        task.delay(check_id)
    except OperationalError:
        pass  # the check waits in the database; nightly_census_check (reporting/tasks.py) runs it


def readiness_check_run(check_id: int) -> CensusCheck | None:
    """Run one waiting check: every child of its year through the portal's checks, the problems saved in
    batches. Safe to run twice: the second finds the check started and stands down."""
    started = CensusCheck.objects.filter(pk=check_id, started_at__isnull=True).update(started_at=timezone.now())
    if not started:
        return None
    check = CensusCheck.objects.get(pk=check_id)
    year = census.CensusYear(check.year)
    ctx = context_for(year, timezone.localdate())
    children = errors = queries = 0
    batch: list[CensusProblem] = []
    for child in census.children_in_year(year):
        children += 1
        latest = child.episodes[-1] if child.episodes else None
        for problem in census_checks.problems(child, ctx):
            episode_id = problem.episode_id
            case_episode = next((e for e in child.episodes if e.id == episode_id), latest)
            batch.append(
                CensusProblem(
                    check_run=check,
                    child_id=child.id,
                    case_id=case_episode.case_id if case_episode else None,
                    episode_id=case_episode.id if case_episode else None,
                    code=problem.code,
                    kind=problem.kind,
                    words=problem.words[:300],
                    fix=problem.fix,
                )
            )
            if problem.kind == census_checks.ERROR:
                errors += 1
            else:
                queries += 1
        if len(batch) >= 1000:
            CensusProblem.objects.bulk_create(batch)
            batch = []
    CensusProblem.objects.bulk_create(batch)
    check.children, check.errors, check.queries = children, errors, queries
    check.as_of, check.finished_at = ctx.as_of, timezone.now()
    check.save(update_fields=["children", "errors", "queries", "as_of", "finished_at"])
    _forget_old_checks(check.year)
    return check


def _forget_old_checks(year: int) -> None:
    finished = CensusCheck.objects.filter(year=year, finished_at__isnull=False).order_by("-finished_at", "-pk")
    old = list(finished.values_list("pk", flat=True)[CHECKS_KEPT:])
    if old:
        CensusProblem.objects.filter(check_run__in=old).delete()
        CensusCheck.objects.filter(pk__in=old).delete()
