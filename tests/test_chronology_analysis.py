"""Gaps and likely duplicates, on small hand-made timelines."""

from datetime import date

from chronology.analysis import EntryFacts, Gap, find_duplicates, find_gaps, same_event_groups

D = date


def test_no_gap_when_entries_are_close():
    days = [D(2026, 1, 1), D(2026, 1, 20), D(2026, 2, 10)]
    assert find_gaps([(d, d) for d in days], threshold_days=28) == []


def test_gap_longer_than_threshold_is_found_and_exactly_threshold_is_not():
    periods = [
        (D(2026, 1, 1), D(2026, 1, 1)),
        (D(2026, 1, 29), D(2026, 1, 29)),  # 28 days: not a gap
        (D(2026, 3, 1), D(2026, 3, 1)),
    ]  # 31 days after 29 Jan: a gap
    assert find_gaps(periods, threshold_days=28) == [Gap(after=D(2026, 1, 29), before=D(2026, 3, 1))]
    assert find_gaps(periods, threshold_days=28)[0].days == 31


def test_a_period_covers_its_days():
    periods = [
        (D(2026, 1, 1), D(2026, 3, 1)),  # a two-month period (e.g. a hospital stay)
        (D(2026, 1, 5), D(2026, 1, 5)),
        (D(2026, 3, 20), D(2026, 3, 20)),
    ]
    assert find_gaps(periods, threshold_days=28) == []


def test_silence_since_the_last_entry_counts_for_an_open_case():
    periods = [(D(2026, 1, 1), D(2026, 1, 1))]
    assert find_gaps(periods, threshold_days=28, until=D(2026, 3, 1)) == [Gap(D(2026, 1, 1), D(2026, 3, 1))]
    assert find_gaps(periods, threshold_days=28, until=D(2026, 1, 20)) == []
    assert find_gaps([], threshold_days=28, until=D(2026, 3, 1)) == []


def test_threshold_is_a_parameter():
    periods = [(D(2026, 1, 1), D(2026, 1, 1)), (D(2026, 1, 12), D(2026, 1, 12))]
    assert len(find_gaps(periods, threshold_days=10)) == 1
    assert find_gaps(periods, threshold_days=28) == []


def _facts(entry_id, day, kind, agency, *children):
    return EntryFacts(
        entry_id=entry_id, occurred_on=day, event_type=kind, agency_id=agency, child_ids=frozenset(children)
    )


def test_same_child_day_type_from_two_agencies_is_a_duplicate():
    entries = [
        _facts("a", D(2026, 2, 3), "ae_attendance", 1, "amy"),
        _facts("b", D(2026, 2, 3), "ae_attendance", 2, "amy"),
        _facts("c", D(2026, 2, 3), "home_visit", 3, "amy"),
    ]
    groups = find_duplicates(entries)
    assert [(g.number, g.entry_ids, g.agency_ids) for g in groups] == [(1, ("a", "b"), frozenset({1, 2}))]


def test_same_agency_twice_is_not_a_duplicate():
    entries = [_facts("a", D(2026, 2, 3), "concern", 1, "amy"), _facts("b", D(2026, 2, 3), "concern", 1, "amy")]
    assert find_duplicates(entries) == []


def test_different_child_or_type_or_two_days_apart_is_not_a_duplicate():
    entries = [
        _facts("a", D(2026, 2, 3), "concern", 1, "amy"),
        _facts("b", D(2026, 2, 3), "concern", 2, "ben"),  # other child
        _facts("c", D(2026, 2, 5), "concern", 3, "amy"),  # two days later
        _facts("d", D(2026, 2, 3), "referral", 4, "amy"),  # other type
    ]
    assert find_duplicates(entries) == []


def test_a_day_apart_is_a_possible_duplicate():
    """An A&E attendance late at night and the school's note of it the next morning (practice: within a day)."""
    entries = [
        _facts("a", D(2026, 2, 3), "ae_attendance", 1, "amy"),
        _facts("b", D(2026, 2, 4), "ae_attendance", 2, "amy"),
        _facts("c", D(2026, 2, 2), "ae_attendance", 3, "amy"),
    ]
    [group] = find_duplicates(entries)
    assert group.entry_ids == ("a", "b", "c") and group.occurred_on == D(2026, 2, 2)


def test_entries_linked_as_one_event_are_no_longer_possible_duplicates():
    entries = [
        _facts("a", D(2026, 2, 3), "concern", 1, "amy"),
        _facts("b", D(2026, 2, 3), "concern", 2, "amy"),
        _facts("c", D(2026, 2, 4), "concern", 3, "amy"),
    ]
    events = same_event_groups([("a", "b")])
    assert [g.entry_ids for g in events] == [("a", "b")]
    # a and b are one event now; c is still a possible duplicate of each.
    [group] = find_duplicates(entries, same_events=events)
    assert group.entry_ids == ("a", "b", "c")
    assert find_duplicates(entries, same_events=same_event_groups([("a", "b"), ("b", "c")])) == []


def test_an_entry_about_two_children_joins_one_group():
    entries = [
        _facts("a", D(2026, 2, 3), "police_incident", 1, "amy", "ben"),
        _facts("b", D(2026, 2, 3), "police_incident", 2, "amy"),
        _facts("c", D(2026, 2, 3), "police_incident", 3, "ben"),
        _facts("z", D(2026, 5, 1), "concern", 1, "amy"),
        _facts("y", D(2026, 5, 1), "concern", 2, "amy"),
    ]
    groups = find_duplicates(entries)
    assert [g.entry_ids for g in groups] == [("a", "b", "c"), ("y", "z")]
    assert [g.number for g in groups] == [1, 2]
