"""Reads for the chronology: a case's merged timeline (with its family history), gaps, likely
duplicates and per-child counts. Nothing here writes."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import Case, HouseholdMember
from chronology import analysis
from chronology.models import Amendment, Appointment, Entry, EntryChild, EventType

# The key changes whenever the answer would (see Timeline.reuse_analysis): expiry only frees memory.
ANALYSIS_CACHE_SECONDS = 60 * 60
ORDER = ("occurred_on", "event_type", "occurred_at", "recorded_at", "id")


@dataclass(frozen=True)
class TimelineFilters:
    child: object = None  # a Person's pk
    agency: int | None = None
    event_type: str = ""
    neglect_form: str = ""
    significance: str = ""
    date_from: date | None = None
    date_to: date | None = None


def history_case_ids(case: Case) -> list:
    """Earlier, closed cases whose household included any of this case's people (one query)."""
    people = HouseholdMember.objects.filter(case=case).values("person_id")
    return list(
        Case.objects.filter(status=Case.Status.CLOSED, household__person_id__in=people)
        .exclude(pk=case.pk)
        .values_list("pk", flat=True)
        .distinct()
    )


def _scope(case: Case, history_ids: list) -> Q:
    return Q(case=case) | Q(case_id__in=history_ids)


def _filtered(case: Case, filters: TimelineFilters, history_ids: list) -> QuerySet[Entry]:
    entries = Entry.objects.filter(_scope(case, history_ids))
    if filters.child:
        # EXISTS, not a join: no repeated rows to remove with DISTINCT, and the duplicate search can
        # join the links itself (all the children of an entry, not only the one filtered on).
        entries = entries.filter(Exists(EntryChild.objects.filter(entry=OuterRef("pk"), person_id=filters.child)))
    if filters.agency:
        entries = entries.filter(source_agency_id=filters.agency)
    if filters.event_type:
        entries = entries.filter(event_type=filters.event_type)
    if filters.neglect_form:
        entries = entries.filter(**{f"neglect_{filters.neglect_form}": True})
    if filters.significance:
        entries = entries.filter(significance=filters.significance)
    if filters.date_from:
        entries = entries.filter(Q(occurred_until__gte=filters.date_from) | Q(occurred_on__gte=filters.date_from))
    if filters.date_to:
        entries = entries.filter(occurred_on__lte=filters.date_to)
    return entries


def with_details(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Everything a timeline row shows, in three queries whatever the number of rows."""
    return entries.select_related("recorded_by", "source_agency", "case").prefetch_related(
        Prefetch("children", to_attr="child_list"),
        Prefetch("amendments", queryset=Amendment.objects.select_related("amended_by", "amended_by_agency")),
    )


def _gaps_sql(entries: QuerySet[Entry], *, threshold_days: int, until: date | None) -> list[analysis.Gap]:
    """analysis.find_gaps done by PostgreSQL: a running maximum of the periods' ends (a window over
    the filtered entries, oldest first) and only the rows that start a gap come back, plus the last
    covered day for the silence since. A few rows whatever the length of the timeline."""
    periods_sql, params = entries.order_by().values("occurred_on", "occurred_until").query.sql_with_params()
    sql = f"""
        WITH periods AS (SELECT occurred_on AS starts, COALESCE(occurred_until, occurred_on) AS ends
                         FROM ({periods_sql}) AS filtered),
        covered AS (SELECT starts, MAX(ends) OVER (ORDER BY starts, ends
                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS until
                    FROM periods)
        SELECT until, starts FROM covered WHERE starts - until > %s
        UNION ALL SELECT MAX(ends), NULL FROM periods
        ORDER BY 2 NULLS LAST"""  # nosec B608 - the inner SQL is Django's compiled query; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, threshold_days))
        rows = cursor.fetchall()
    *found, (last_covered, _) = rows
    gaps = [analysis.Gap(after=after, before=before) for after, before in found]
    if until is not None and last_covered is not None and (until - last_covered).days > threshold_days:
        gaps.append(analysis.Gap(after=last_covered, before=until))
    return gaps


def _duplicates_sql(entries: QuerySet[Entry]) -> list[analysis.DuplicateGroup]:
    """analysis.find_duplicates on only the entries that have a duplicate: PostgreSQL groups the
    entry-child links by (child, day, type) and keeps the keys recorded by two or more agencies.

    Fed the qualifying keys alone, find_duplicates finds exactly the groups it would on the whole
    timeline: a key that qualifies brings all its entries, and a key that does not cannot qualify
    on fewer entries."""
    keys = (
        entries.order_by()
        .values("occurred_on", "event_type", child=F("child_links__person_id"))
        .annotate(
            agencies=Count("source_agency_id", distinct=True),
            entry_ids=ArrayAgg("pk"),
            agency_ids=ArrayAgg("source_agency_id"),
        )
        .filter(agencies__gt=1, child__isnull=False)
    )
    facts = {}
    for key in keys:
        for entry_id, agency_id in zip(key["entry_ids"], key["agency_ids"], strict=True):
            day, kind, children = key["occurred_on"], key["event_type"], set()
            facts.setdefault(entry_id, (day, kind, agency_id, children))[3].add(key["child"])
    return analysis.find_duplicates(
        analysis.EntryFacts(
            entry_id=entry_id, occurred_on=day, event_type=kind, agency_id=agency_id, child_ids=frozenset(children)
        )
        for entry_id, (day, kind, agency_id, children) in facts.items()
    )


def _analyse_in_python(entries: QuerySet[Entry], *, threshold_days: int, until: date | None):
    """Gaps and duplicates from every filtered row, on databases other than PostgreSQL."""
    rows = list(entries.order_by().values_list("pk", "occurred_on", "occurred_until", "event_type", "source_agency_id"))
    children = {}
    for entry_id, person_id in EntryChild.objects.filter(entry__in=entries.values("pk")).values_list(
        "entry_id", "person_id"
    ):
        children.setdefault(entry_id, set()).add(person_id)
    gaps = analysis.find_gaps(((r[1], r[2] or r[1]) for r in rows), threshold_days=threshold_days, until=until)
    duplicates = analysis.find_duplicates(
        analysis.EntryFacts(
            entry_id=r[0],
            occurred_on=r[1],
            event_type=r[3],
            agency_id=r[4],
            child_ids=frozenset(children.get(r[0], ())),
        )
        for r in rows
    )
    return gaps, duplicates


@dataclass
class Timeline:
    """A filtered timeline. Gaps and duplicates are worked out on first use, over the whole filtered
    timeline (not one page), so that pages and exports that do not show them do not pay for them."""

    entries: QuerySet[Entry]
    history_ids: list
    filtered: QuerySet[Entry]
    until: date | None
    filters: TimelineFilters
    case_id: object
    count: int | None = None  # the number of filtered entries, when known: then the analysis is cached

    def reuse_analysis(self, count: int) -> None:
        """Let the analysis come from the cache: `count` is the number of entries now matching.

        Entries, and the links to their children, are append-only (never changed or deleted), so
        the same filters over the same cases matching as many entries as before match the very same
        entries: (case, earlier cases, filters, today, count) identifies the analysis exactly. It is
        the same for everyone who may open the case (every reader sees every entry)."""
        self.count = count

    def _cache_key(self) -> str:
        facts = repr(
            (
                str(self.case_id),
                sorted(map(str, self.history_ids)),
                sorted(self.filters.__dict__.items()),
                self.until,
                settings.CHRONOLOGY_GAP_DAYS,
                self.count,
            )
        )
        return "chronology-analysis:" + hashlib.sha256(facts.encode()).hexdigest()

    @cached_property
    def _analysis(self) -> tuple[list[analysis.Gap], list[analysis.DuplicateGroup]]:
        if self.count is not None:
            found = cache.get(self._cache_key())
            if found is not None:
                return found
        threshold = settings.CHRONOLOGY_GAP_DAYS
        if connection.vendor != "postgresql":
            found = _analyse_in_python(self.filtered, threshold_days=threshold, until=self.until)
        else:
            found = (
                _gaps_sql(self.filtered, threshold_days=threshold, until=self.until),
                _duplicates_sql(self.filtered),
            )
        if self.count is not None:
            cache.set(self._cache_key(), found, ANALYSIS_CACHE_SECONDS)
        return found

    @property
    def gaps(self) -> list[analysis.Gap]:
        return self._analysis[0]

    @property
    def duplicates(self) -> list[analysis.DuplicateGroup]:
        return self._analysis[1]


def timeline_for(case: Case, filters: TimelineFilters = TimelineFilters(), *, today: date | None = None) -> Timeline:
    """A case's merged multi-agency timeline with its earlier closed cases, filtered.

    Its gaps and duplicates cost two queries that return only gaps and duplicate groups (see Timeline).
    """
    history_ids = history_case_ids(case)
    entries = _filtered(case, filters, history_ids)
    until = (today or timezone.localdate()) if case.is_open else None
    return Timeline(
        entries=with_details(entries.order_by(*ORDER)),
        history_ids=history_ids,
        filtered=entries,
        until=until,
        filters=filters,
        case_id=case.pk,
    )


def emotional_observations(case: Case) -> QuerySet[Entry]:
    """Every entry tagged emotional neglect, across agencies and earlier cases, oldest first."""
    entries = Entry.objects.filter(_scope(case, history_case_ids(case)), neglect_emotional=True)
    return with_details(entries.order_by(*ORDER))


def child_for_case(case: Case, person_id) -> HouseholdMember | None:
    return (
        HouseholdMember.objects.filter(case=case, person_id=person_id, relationship=HouseholdMember.Relationship.CHILD)
        .select_related("person")
        .first()
    )


@dataclass(frozen=True)
class ChildCounts:
    was_not_brought: int
    ae_attendances: int
    since: date


def child_counts(case: Case, person, *, today: date) -> ChildCounts:
    """Missed appointments ("was not brought") and A&E attendances in the last 12 months.

    Counted over this case and the child's earlier closed cases only: the same child's entries
    in another open case are not this user's to count.
    """
    since = today - timedelta(days=365)
    scope = [case.pk, *history_case_ids(case)]
    wnb = Appointment.objects.filter(
        case_id__in=scope, child=person, scheduled_on__gte=since, outcome=Appointment.Outcome.WAS_NOT_BROUGHT
    ).count()
    ae = (
        Entry.objects.filter(
            case_id__in=scope, child_links__person=person, occurred_on__gte=since, event_type=EventType.AE_ATTENDANCE
        )
        .distinct()
        .count()
    )
    return ChildCounts(was_not_brought=wnb, ae_attendances=ae, since=since)


def appointments_for(case: Case, *, child=None) -> QuerySet[Appointment]:
    appointments = case.appointments.with_outcome().select_related("child", "agency", "booked_by")
    if child is not None:
        appointments = appointments.filter(child=child)
    # Those still waiting for an outcome first (nulls_first: PostgreSQL sorts nulls last by default).
    return appointments.order_by(F("outcome").asc(nulls_first=True), "-scheduled_on", "-scheduled_at")
