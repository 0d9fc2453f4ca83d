"""Reads for the chronology: a case's merged timeline (with its family history), gaps, likely
duplicates and per-child counts. Nothing here writes."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import Case, HouseholdMember

from . import analysis
from .models import Amendment, Appointment, Entry, EntryChild, EventType

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
        .exclude(pk=case.pk).values_list("pk", flat=True).distinct()
    )


def _scope(case: Case, history_ids: list) -> Q:
    return Q(case=case) | Q(case_id__in=history_ids)


def _filtered(case: Case, filters: TimelineFilters, history_ids: list) -> QuerySet[Entry]:
    entries = Entry.objects.filter(_scope(case, history_ids))
    if filters.child:
        entries = entries.filter(Q(child_links__person_id=filters.child))
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


@dataclass
class Timeline:
    entries: QuerySet[Entry]
    gaps: list[analysis.Gap]
    duplicates: list[analysis.DuplicateGroup]
    history_ids: list

    def duplicate_numbers(self) -> dict:
        return {entry_id: group.number for group in self.duplicates for entry_id in group.entry_ids}


def timeline_for(case: Case, filters: TimelineFilters = TimelineFilters(), *,
                 today: date | None = None) -> Timeline:
    """A case's merged multi-agency timeline with its earlier closed cases, filtered.

    Gaps and duplicates are found over the whole filtered timeline, not one page: one query for
    the dates and types, one for which children each entry is about.
    """
    history_ids = history_case_ids(case)
    entries = _filtered(case, filters, history_ids).distinct()
    rows = list(entries.order_by().values_list("pk", "occurred_on", "occurred_until", "event_type",
                                               "source_agency_id"))
    children = {}
    # A subquery, not a list of every entry's ID: a long chronology would send thousands of UUIDs.
    for entry_id, person_id in EntryChild.objects.filter(entry__in=entries.values("pk")).values_list(
            "entry_id", "person_id"):
        children.setdefault(entry_id, set()).add(person_id)
    until = (today or timezone.localdate()) if case.is_open else None
    gaps = analysis.find_gaps(((r[1], r[2] or r[1]) for r in rows),
                              threshold_days=settings.CHRONOLOGY_GAP_DAYS, until=until)
    duplicates = analysis.find_duplicates(
        analysis.EntryFacts(entry_id=r[0], occurred_on=r[1], event_type=r[3], agency_id=r[4],
                            child_ids=frozenset(children.get(r[0], ())))
        for r in rows
    )
    return Timeline(entries=with_details(entries.order_by(*ORDER)), gaps=gaps, duplicates=duplicates,
                    history_ids=history_ids)


def emotional_observations(case: Case) -> QuerySet[Entry]:
    """Every entry tagged emotional neglect, across agencies and earlier cases, oldest first."""
    entries = Entry.objects.filter(_scope(case, history_case_ids(case)), neglect_emotional=True)
    return with_details(entries.order_by(*ORDER))


def child_for_case(case: Case, person_id) -> HouseholdMember | None:
    return (
        HouseholdMember.objects.filter(case=case, person_id=person_id,
                                       relationship=HouseholdMember.Relationship.CHILD)
        .select_related("person").first()
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
    wnb = Appointment.objects.filter(case_id__in=scope, child=person, scheduled_on__gte=since,
                                     outcome=Appointment.Outcome.WAS_NOT_BROUGHT).count()
    ae = Entry.objects.filter(case_id__in=scope, child_links__person=person, occurred_on__gte=since,
                              event_type=EventType.AE_ATTENDANCE).distinct().count()
    return ChildCounts(was_not_brought=wnb, ae_attendances=ae, since=since)


def appointments_for(case: Case, *, child=None) -> QuerySet[Appointment]:
    appointments = case.appointments.select_related("child", "agency", "booked_by", "outcome_recorded_by")
    if child is not None:
        appointments = appointments.filter(child=child)
    return appointments.order_by("outcome", "-scheduled_on", "-scheduled_at")
