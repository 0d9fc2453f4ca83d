"""Patterns across a timeline: gaps with no entry, and likely duplicates from several agencies.

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


def find_duplicates(entries: Iterable[EntryFacts]) -> list[DuplicateGroup]:
    """Entries about the same child, on the same day, of the same type, from different agencies.

    Nothing is merged or hidden: a person decides. Entries that share a child, day and type are
    one group; a group counts only when at least two agencies recorded it.
    """
    by_key = defaultdict(list)
    facts = {}
    for entry in entries:
        facts[entry.entry_id] = entry
        for child in entry.child_ids:
            by_key[(child, entry.occurred_on, entry.event_type)].append(entry.entry_id)

    # Union the keys' entry lists, so an entry about two children joins one group, not two.
    parent = {}

    def root(item):
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for ids in by_key.values():
        if len({facts[i].agency_id for i in ids}) < 2:
            continue
        for other in ids[1:]:
            parent[root(other)] = root(ids[0])
    members = defaultdict(list)
    for item in parent:
        members[root(item)].append(item)

    groups = []
    for ids in members.values():
        first = min((facts[i] for i in ids), key=lambda f: (f.occurred_on, str(f.entry_id)))
        groups.append(
            (first.occurred_on, first.event_type, sorted(ids, key=str), frozenset(facts[i].agency_id for i in ids))
        )
    groups.sort(key=lambda g: (g[0], g[1], str(g[2][0])))
    return [
        DuplicateGroup(number=n, entry_ids=tuple(ids), occurred_on=day, event_type=kind, agency_ids=agencies)
        for n, (day, kind, ids, agencies) in enumerate(groups, start=1)
    ]
