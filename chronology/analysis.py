"""Patterns across a timeline: gaps with no entry, possible duplicates from several agencies (the same
type about the same child within a day of each other) and the events people linked as one.

Pure functions over plain values, so they are tested on small hand-made timelines; the
selectors feed them one query's worth of rows for the whole filtered timeline.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Gap:
    """No entry from any agency between `after` and `before` (both exclusive)."""

    after: date
    before: date

    @property
    def days(self) -> int:
        return (self.before - self.after).days


@dataclass(frozen=True)
class EntryFacts:
    """What duplicate-finding needs to know about one entry."""

    entry_id: object
    occurred_on: date
    event_type: str
    agency_id: int
    child_ids: frozenset


@dataclass(frozen=True)
class DuplicateGroup:
    number: int
    entry_ids: tuple
    occurred_on: date
    event_type: str
    agency_ids: frozenset


def find_gaps(periods: Iterable[tuple[date, date]], *, threshold_days: int, until: date | None = None) -> list[Gap]:
    """Spells longer than `threshold_days` with no entry, oldest first.

    `periods` are (start, end) pairs; a single-day event has start == end, and a period covers
    every day up to its end. With `until` (today, for an open case) the silence since the last
    entry counts too.
    """
    gaps = []
    covered_until = None
    for start, end in sorted(periods):
        if covered_until is not None and (start - covered_until).days > threshold_days:
            gaps.append(Gap(after=covered_until, before=start))
        covered_until = end if covered_until is None else max(covered_until, end)
    if until is not None and covered_until is not None and (until - covered_until).days > threshold_days:
        gaps.append(Gap(after=covered_until, before=until))
    return gaps


def candidate_pairs(entries: Iterable[EntryFacts]) -> list[tuple[EntryFacts, EntryFacts]]:
    """Pairs of entries that may record one event: about a shared child, of the same type, at most one
    day apart, from different agencies (docs/practice.md, "Chronology fields"). Each pair once."""
    by_key = defaultdict(list)
    for entry in entries:
        for child in entry.child_ids:
            by_key[(child, entry.event_type)].append(entry)
    pairs = {}
    for same in by_key.values():
        same.sort(key=lambda e: (e.occurred_on, str(e.entry_id)))
        for i, first in enumerate(same):
            for second in same[i + 1 :]:
                if (second.occurred_on - first.occurred_on).days > 1:
                    break
                if first.agency_id != second.agency_id:
                    a, b = sorted((first, second), key=lambda e: str(e.entry_id))
                    pairs[(a.entry_id, b.entry_id)] = (a, b)
    return list(pairs.values())


class _Components:
    """Union-find over entry ids: which entries end up in one group."""

    def __init__(self):
        self.parent = {}

    def root(self, item):
        while self.parent.setdefault(item, item) != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a, b) -> None:
        self.parent[self.root(b)] = self.root(a)

    def groups(self) -> list[list]:
        members = defaultdict(list)
        for item in self.parent:
            members[self.root(item)].append(item)
        return [sorted(ids, key=str) for ids in members.values()]


@dataclass(frozen=True)
class SameEventGroup:
    """Entries a person linked as one event with several sources."""

    number: int
    entry_ids: tuple


def same_event_groups(links: Iterable[tuple]) -> list[SameEventGroup]:
    """The groups the (first, second) links make: linking A with B and B with C makes one event."""
    components = _Components()
    for first, second in links:
        components.join(first, second)
    groups = sorted(components.groups(), key=lambda ids: str(ids[0]))
    return [SameEventGroup(number=n, entry_ids=tuple(ids)) for n, ids in enumerate(groups, start=1)]


def group_duplicates(
    pairs: Iterable[tuple[EntryFacts, EntryFacts]], *, same_events: Iterable[SameEventGroup] = ()
) -> list[DuplicateGroup]:
    """Possible duplicates: the pairs joined into groups (an entry in two pairs joins them), leaving out
    pairs a person has already linked as one event. Nothing is merged or hidden: a person decides."""
    event_of = {entry_id: group.number for group in same_events for entry_id in group.entry_ids}
    components, facts = _Components(), {}
    for a, b in pairs:
        if a.entry_id in event_of and event_of.get(a.entry_id) == event_of.get(b.entry_id):
            continue
        facts[a.entry_id], facts[b.entry_id] = a, b
        components.join(a.entry_id, b.entry_id)
    groups = []
    for ids in components.groups():
        first = min((facts[i] for i in ids), key=lambda f: (f.occurred_on, str(f.entry_id)))
        groups.append((first.occurred_on, first.event_type, ids, frozenset(facts[i].agency_id for i in ids)))
    groups.sort(key=lambda g: (g[0], g[1], str(g[2][0])))
    return [
        DuplicateGroup(number=n, entry_ids=tuple(ids), occurred_on=day, event_type=kind, agency_ids=agencies)
        for n, (day, kind, ids, agencies) in enumerate(groups, start=1)
    ]


def find_duplicates(
    entries: Iterable[EntryFacts], *, same_events: Iterable[SameEventGroup] = ()
) -> list[DuplicateGroup]:
    """Possible duplicate groups among these entries (candidate_pairs, then group_duplicates)."""
    return group_duplicates(candidate_pairs(entries), same_events=same_events)
