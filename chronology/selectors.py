"""Reads for the chronology: a case's merged timeline (with its family history), paged by keyset, its
gaps, possible duplicates and same-event links, and per-child counts. Nothing here writes.

Every read is of what entries say now: filters, order and counts go through the EffectiveEntry and
EffectiveEntryChild views (chronology/models.py), never an entry's own, possibly corrected, columns.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import Case, HouseholdMember
from cases.selectors import same_people
from chronology import analysis
from chronology.models import (
    MISSED_OUTCOMES,
    Amendment,
    AmendmentChild,
    Appointment,
    ChronologySettings,
    EffectiveEntry,
    EffectiveEntryChild,
    Entry,
    EventType,
    OtherView,
    SameEvent,
)
from workdays.calendar import working_calendar

# The cache key changes whenever the answer would (Timeline._cache_key): expiry only frees memory.
ANALYSIS_CACHE_SECONDS = 60 * 60
# The effective order: the day and order on the day an entry now has, then when it was recorded.
ORDER = ("effective__occurred_on", "effective__sequence", "recorded_at", "id")


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
    """Earlier, closed cases whose household included any of this case's people, under any of their records
    (an alias merged into the person counts as them: cases.selectors.same_people). One query."""
    people = same_people(HouseholdMember.objects.filter(case=case).values("person_id"))
    return list(
        Case.objects.filter(status=Case.Status.CLOSED, household__person_id__in=people)
        .exclude(pk=case.pk)
        .values_list("pk", flat=True)
        .distinct()
    )


def _scope(case: Case, history_ids: list) -> Q:
    """This case's entries, and the entries of its earlier cases that are about people this case shares
    with them: an earlier case may have held other children, whose history is not this case's to read."""
    shared = shared_history_entry_ids(case, history_ids) if history_ids else []
    return Q(case=case) | Q(pk__in=shared) if shared else Q(case=case)


def shared_history_entry_ids(case: Case, history_ids: list) -> list:
    """Entries of the earlier cases that are now about a person in this case's household (ids, one query:
    a list for IN, as `about_child` explains). A person's aliases count as them."""
    people = same_people(HouseholdMember.objects.filter(case=case).values("person_id"))
    return list(
        EffectiveEntryChild.objects.filter(case_id__in=history_ids, person_id__in=people)
        .values_list("entry_id", flat=True)
        .distinct()
    )


def late_after_working_days() -> int:
    return ChronologySettings.load().late_after_working_days


def about_child(person_id, cases: list) -> Q:
    """Entries of these cases that are now about this child (after any correction of the children), under
    any of the child's records: an earlier case may know them by a record since merged into this one."""
    # The ids first (one query), then IN a list: as EXISTS or IN (subquery) over the view, PostgreSQL
    # misjudged how many entries match and compared every entry with every other (0.1-0.2 s on 2,000).
    ids = EffectiveEntryChild.objects.filter(case_id__in=cases, person_id__in=same_people([person_id])).values_list(
        "entry_id", flat=True
    )
    ids = list(ids)
    # No entries: a condition that matches none and still compiles (an empty IN cannot be written as SQL,
    # which the gaps query, compiled by hand, needs).
    return Q(pk__in=ids) if ids else Q(pk__isnull=True)


def _filtered(case: Case, filters: TimelineFilters, history_ids: list) -> QuerySet[Entry]:
    """The case's entries (and its earlier cases'), filtered on what they say now."""
    # The case condition is on the view's column only: PostgreSQL pushes it into the view (an index scan of
    # these cases' entries) and joins each to its entry by primary key. On the entry's own column it left
    # the view computed over every entry of every case; on both, the planner took the two scans of the
    # same rows for independent and expected a few dozen rows, choosing nested loops over thousands.
    entries = Entry.objects.filter(effective__case_id__in=[case.pk, *history_ids])
    if history_ids:
        # Of the earlier cases, only what is about the people the cases share.
        shared = shared_history_entry_ids(case, history_ids)
        # None shared: a condition that matches none and still compiles (see `about_child`).
        entries = entries.filter(Q(effective__case_id=case.pk) | (Q(pk__in=shared) if shared else Q(pk__isnull=True)))
    if filters.child:
        entries = entries.filter(about_child(filters.child, [case.pk, *history_ids]))
    if filters.agency:
        entries = entries.filter(source_agency_id=filters.agency)
    if filters.event_type:
        entries = entries.filter(effective__event_type=filters.event_type)
    if filters.neglect_form:
        entries = entries.filter(**{f"effective__neglect_{filters.neglect_form}": True})
    if filters.significance:
        entries = entries.filter(effective__significance=filters.significance)
    if filters.date_from:
        entries = entries.filter(
            Q(effective__occurred_until__gte=filters.date_from) | Q(effective__occurred_on__gte=filters.date_from)
        )
    if filters.date_to:
        entries = entries.filter(effective__occurred_on__lte=filters.date_to)
    return entries


def with_details(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Everything a timeline row shows, in a constant number of queries whatever the number of rows:
    the entry with what it says now (`entry.effective`), the children it is about now, every correction
    with its author (`entry.correction` is the one in force) and every other agency's view."""
    return entries.select_related("recorded_by", "source_agency", "case", "effective").prefetch_related(
        Prefetch(
            "effective__child_links",
            queryset=EffectiveEntryChild.objects.select_related("person").order_by(
                "person__date_of_birth", "person__first_name"
            ),
            to_attr="child_rows",
        ),
        Prefetch("amendments", queryset=Amendment.objects.select_related("amended_by", "amended_by_agency")),
        Prefetch("other_views", queryset=OtherView.objects.select_related("written_by", "agency")),
    )


def _gaps_sql(entries: QuerySet[Entry], *, threshold_days: int, until: date | None) -> list[analysis.Gap]:
    """analysis.find_gaps done by PostgreSQL: a running maximum of the periods' ends (a window over
    the filtered entries, oldest first) and only the rows that start a gap come back, plus the last
    covered day for the silence since. A few rows whatever the length of the timeline."""
    periods_sql, params = (
        entries.order_by()
        .values(starts=F("effective__occurred_on"), until=F("effective__occurred_until"))
        .query.sql_with_params()
    )
    sql = f"""
        WITH periods AS (SELECT starts, COALESCE(until, starts) AS ends FROM ({periods_sql}) AS filtered),
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


def _facts_rows(entries: QuerySet[Entry], cases: list):
    """(entry, day, type, agency, child) for every child of these entries (of these `cases`), as they
    read now. The cases, given on the view, keep PostgreSQL to their entries (see _filtered)."""
    return EffectiveEntryChild.objects.filter(
        case_id__in=cases, entry__case_id__in=cases, entry_id__in=entries.order_by().values("pk")
    ).values_list("entry_id", "entry__occurred_on", "entry__event_type", "entry__source_agency_id", "person_id")


def _facts(rows) -> dict:
    """EntryFacts by entry id from (entry, day, type, agency, child) rows."""
    children, first = {}, {}
    for entry_id, day, kind, agency_id, person_id in rows:
        children.setdefault(entry_id, set()).add(person_id)
        first[entry_id] = (day, kind, agency_id)
    return {
        entry_id: analysis.EntryFacts(
            entry_id=entry_id,
            occurred_on=day,
            event_type=kind,
            agency_id=agency_id,
            child_ids=frozenset(children[entry_id]),
        )
        for entry_id, (day, kind, agency_id) in first.items()
    }


def same_event_links(entries: QuerySet[Entry]) -> list[tuple]:
    """The (first, second) entry ids people linked as one event, among these entries."""
    ids = entries.order_by().values("pk")
    return list(SameEvent.objects.filter(first__in=ids, second__in=ids).values_list("first_id", "second_id"))


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
    settings: ChronologySettings

    @property
    def gap_days(self) -> int:
        return self.settings.gap_days

    @property
    def scope(self) -> list:
        return [self.case_id, *self.history_ids]

    def _cache_key(self) -> str:
        """Everything the analysis depends on. Entries, corrections and same-event links are append-only,
        so their numbers in these cases (one query) say whether anything changed since it was worked out."""
        state = Case.objects.filter(pk__in=self.scope).aggregate(
            n_entries=Count("entries", distinct=True),
            n_corrections=Count("entries__amendments", distinct=True),
            n_links=Count("entries__same_events_first", distinct=True),
        )
        facts = (
            str(self.case_id),
            sorted(map(str, self.history_ids)),
            sorted(self.filters.__dict__.items()),
            self.until,
            self.gap_days,
            sorted(state.items()),
        )
        return "chronology-analysis:" + hashlib.sha256(repr(facts).encode()).hexdigest()

    def _work_out(self) -> tuple:
        if connection.vendor == "postgresql":
            gaps = _gaps_sql(self.filtered, threshold_days=self.gap_days, until=self.until)
        else:
            periods = self.filtered.order_by().values_list("effective__occurred_on", "effective__occurred_until")
            gaps = analysis.find_gaps(
                ((start, end or start) for start, end in periods), threshold_days=self.gap_days, until=self.until
            )
        same_events = analysis.same_event_groups(same_event_links(self.filtered))
        # One query for the facts of every filtered entry (a few small columns), then pairs in Python: a
        # self-join in SQL was planned badly through the views (the planner cannot tell how many rows a
        # case has), while 2,000 entries take a few milliseconds here.
        facts = _facts(_facts_rows(self.filtered, self.scope))
        duplicates = analysis.group_duplicates(analysis.candidate_pairs(facts.values()), same_events=same_events)
        return gaps, same_events, duplicates

    @cached_property
    def _analysis(self) -> tuple:
        """Gaps, same events and duplicates of the whole filtered timeline, worked out once for each state
        of the cases' chronology and kept in the cache (the same for everyone who may open the case)."""
        key = self._cache_key()
        found = cache.get(key)
        if found is None:
            found = self._work_out()
            cache.set(key, found, ANALYSIS_CACHE_SECONDS)
        return found

    @property
    def gaps(self) -> list[analysis.Gap]:
        return self._analysis[0]

    @property
    def same_events(self) -> list[analysis.SameEventGroup]:
        return self._analysis[1]

    @property
    def duplicates(self) -> list[analysis.DuplicateGroup]:
        return self._analysis[2]


def timeline_for(case: Case, filters: TimelineFilters = TimelineFilters(), *, today: date | None = None) -> Timeline:
    """A case's merged multi-agency timeline with its earlier closed cases, filtered, oldest first.

    Its gaps and duplicates are worked out on first use and cached per state of the chronology (Timeline).
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
        settings=ChronologySettings.load(),
    )


@dataclass
class TimelinePage:
    """One page of a timeline, paged by keyset on the effective order (never OFFSET): `older`/`newer`
    are the ids of the entries to page from, None at either end."""

    entries: list[Entry]
    oldest_first: bool
    older: object = None
    newer: object = None

    @property
    def at_newest(self) -> bool:
        return self.newer is None

    @property
    def at_oldest(self) -> bool:
        return self.older is None


@dataclass
class Version:
    """An entry as it read at one time: as first recorded (`amendment` None) or after a correction."""

    amendment: Amendment | None
    occurred_on: date
    occurred_until: date | None
    children: list[str]
    event_type: str
    significance: str
    neglect_forms: list[str]
    text: str
    changed: list[str]


_VERSION_FIELDS = {
    "occurred_on": "date",
    "occurred_until": "end date",
    "children": "children",
    "event_type": "type",
    "significance": "significance",
    "neglect_forms": "forms of neglect",
    "text": "account",
}


def entry_versions(entry: Entry) -> list[Version]:
    """The original and every correction, oldest first, each saying what it changed (three queries).
    A text-only correction made before values could be corrected keeps the values before it."""
    original_children = [p.first_name for p in entry.children.order_by("date_of_birth", "first_name")]
    amendments = entry.amendments.select_related("amended_by", "amended_by_agency").prefetch_related(
        Prefetch(
            "child_links",
            queryset=AmendmentChild.objects.select_related("person").order_by(
                "person__date_of_birth", "person__first_name"
            ),
        )
    )
    current = Version(
        amendment=None,
        occurred_on=entry.occurred_on,
        occurred_until=entry.occurred_until,
        children=original_children,
        event_type=entry.get_event_type_display(),
        significance=entry.get_significance_display(),
        neglect_forms=entry.neglect_forms,
        text=entry.what_happened,
        changed=[],
    )
    versions = [current]
    for amendment in amendments:
        values = {}
        if amendment.occurred_on is not None:  # a complete correction (migration 0003 on)
            values = {
                "occurred_on": amendment.occurred_on,
                "occurred_until": amendment.occurred_until,
                "event_type": amendment.get_event_type_display(),
                "significance": amendment.get_significance_display(),
                "neglect_forms": amendment.neglect_forms,
            }
        if amendment.children_corrected:
            values["children"] = [link.person.first_name for link in amendment.child_links.all()]
        values["text"] = amendment.text
        following = Version(**{**current.__dict__, **values, "amendment": amendment, "changed": []})
        following.changed = [
            label for field, label in _VERSION_FIELDS.items() if getattr(following, field) != getattr(current, field)
        ]
        versions.append(following)
        current = following
    return versions


def mark_recorded_late(entries: list[Entry], *, limit: int | None = None) -> list[Entry]:
    """Set `entry.recorded_late` on each entry: recorded more than `limit` working days (the setting, 10
    unless changed) after the event, or after the end of a period (docs/practice.md, "Chronology fields")."""
    if limit is None:
        limit = late_after_working_days()
    cal = working_calendar()
    for entry in entries:
        recorded_on = timezone.localdate(entry.recorded_at)
        entry.recorded_late = cal.working_days_between(entry.effective.period_end, recorded_on) > limit
    return entries


def _key(effective: EffectiveEntry) -> tuple:
    return (effective.occurred_on, effective.sequence, effective.recorded_at, effective.entry_id)


def _beyond(key: tuple, *, later: bool) -> Q:
    """Entries after (`later`) or before `key` in the effective order: (day, order on the day, recorded
    at, id) compared as a tuple, written out so that both databases can run it."""
    op = "gt" if later else "lt"
    day, sequence, recorded_at, entry_id = key
    return (
        Q(**{f"effective__occurred_on__{op}": day})
        | Q(effective__occurred_on=day, **{f"effective__sequence__{op}": sequence})
        | Q(effective__occurred_on=day, effective__sequence=sequence, **{f"recorded_at__{op}": recorded_at})
        | Q(
            effective__occurred_on=day, effective__sequence=sequence, recorded_at=recorded_at, **{f"pk__{op}": entry_id}
        )
    )


def timeline_page(
    timeline: Timeline, *, oldest_first: bool = False, after=None, before=None, size: int = 50
) -> TimelinePage:
    """A page of `size` entries in display order (newest first unless `oldest_first`): the first page, or
    the page following the entry `after`, or the page preceding the entry `before` (ids from a previous
    page; one that is not in this timeline is ignored)."""
    forward = not before  # the first page, or the page after an entry, walks forward
    cursor_id = after if forward else before
    cursor = None
    if cursor_id:
        cursor = EffectiveEntry.objects.filter(
            entry__in=timeline.filtered.order_by().values("pk"), pk=cursor_id
        ).first()
    # Walking the display order forward from the newest is walking the effective order backwards.
    ascending = oldest_first == forward
    rows = timeline.entries.order_by(*(ORDER if ascending else [f"-{field}" for field in ORDER]))
    if cursor is not None:
        rows = rows.filter(_beyond(_key(cursor), later=ascending))
    found = list(rows[: size + 1])
    more, found = len(found) > size, found[:size]
    if cursor is None or forward:
        entries = found
        next_id = found[-1].pk if more else None
        previous_id = found[0].pk if cursor is not None and found else None
    else:
        entries = found[::-1]
        next_id = entries[-1].pk if entries else None
        previous_id = entries[0].pk if more else None
    older, newer = (next_id, previous_id) if not oldest_first else (previous_id, next_id)
    return TimelinePage(entries=entries, oldest_first=oldest_first, older=older, newer=newer)


def emotional_observations(case: Case) -> QuerySet[Entry]:
    """Every entry now tagged emotional neglect, across agencies and earlier cases, oldest first."""
    entries = Entry.objects.filter(_scope(case, history_case_ids(case)), effective__neglect_emotional=True)
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
    """Missed appointments (was not brought, or did not attend) and A&E attendances in the last 12 months,
    from the chronology as it reads now: a missed appointment corrected onto another child counts for
    that child, and an outcome corrected to "attended" no longer counts.

    Counted over this case and the child's earlier closed cases only: the same child's entries
    in another open case are not this user's to count.
    """
    since = today - timedelta(days=365)
    scope = [case.pk, *history_case_ids(case)]
    entries = EffectiveEntry.objects.filter(
        case_id__in=scope,
        occurred_on__gte=since,
        occurred_on__lte=today,
        child_links__person=person,
        child_links__case_id__in=scope,  # on both views, so that PostgreSQL reads only these cases' rows
    )
    counts = entries.aggregate(
        missed=Count("entry_id", filter=Q(appointment_outcome__in=MISSED_OUTCOMES)),
        ae=Count("entry_id", filter=Q(event_type=EventType.AE_ATTENDANCE)),
    )
    return ChildCounts(was_not_brought=counts["missed"], ae_attendances=counts["ae"], since=since)


def appointments_for(case: Case, *, child=None) -> QuerySet[Appointment]:
    appointments = case.appointments.with_outcome().with_child_now().select_related("agency", "booked_by")
    if child is not None:
        appointments = appointments.filter(child_now_id=child.pk)
    # Those still waiting for an outcome first, then newest first (not by the outcome's name).
    waiting = ExpressionWrapper(Q(outcome__isnull=True), output_field=BooleanField())
    return appointments.order_by(waiting.desc(), "-scheduled_on", F("scheduled_at").desc(nulls_last=True))
