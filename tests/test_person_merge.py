"""Two records of the same person: merging (audited, reversible) and aliases resolved in every list,
timeline and rule (cases/services.py merge_people, cases/selectors.py, chronology, monitoring)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from cases import selectors, services
from cases.models import Person, PersonMerge
from chronology import selectors as chronology
from monitoring import rules as monitoring
from monitoring.models import Flag
from tests.factories import CaseFactory, EntryFactory, HouseholdMemberFactory

TODAY = date(2026, 11, 25)


@pytest.fixture
def family(lead, manager):
    """An earlier closed case knowing the child as 'Jaiden Smyth', and today's case knowing him as 'Jayden
    Smith': two records of one child, both in cases the lead's manager oversees."""
    old = CaseFactory(
        lead_professional=lead,
        opened_on=date(2025, 1, 6),
        status="closed",
        closed_on=date(2026, 3, 2),
    )
    new = CaseFactory(lead_professional=lead, opened_on=date(2026, 9, 1))
    earlier = HouseholdMemberFactory(case=old, person__first_name="Jaiden", person__last_name="Smyth").person
    now = HouseholdMemberFactory(case=new, person__first_name="Jayden", person__last_name="Smith").person
    return old, new, earlier, now


@pytest.mark.django_db
def test_the_alias_resolved_in_every_list_timeline_and_rule(family, manager):
    old, new, earlier, now = family
    old_entry = EntryFactory(case=old, children=[earlier], occurred_on=date(2025, 6, 1))
    # Before the merge the portal does not know they are one child.
    assert chronology.history_case_ids(new) == []
    monitoring.sweep(TODAY)
    assert not Flag.objects.filter(rule=Flag.Rule.REREFERRAL, case=new).exists()

    services.merge_people(by=manager, person=earlier, into=now, reason="Same child: mother confirmed the old address")

    assert selectors.canonical_person_id(earlier.pk) == now.pk
    assert set(selectors.same_person_ids(earlier)) == {earlier.pk, now.pk}
    assert chronology.history_case_ids(new) == [old.pk]  # family history
    timeline = chronology.timeline_for(new, chronology.TimelineFilters(child=now.pk))
    assert old_entry.pk in [e.pk for e in timeline.entries]  # the child filter includes the alias's records
    history = selectors.people_history([earlier.pk], on=TODAY)[now.pk]
    assert [m.case for m in history.memberships] == [old, new] and history.rereferral
    monitoring.sweep(TODAY)
    assert Flag.objects.filter(rule=Flag.Rule.REREFERRAL, case=new, resolved_at__isnull=True).exists()


@pytest.mark.django_db
def test_merging_is_audited_and_undone(family, manager):
    _, new, earlier, now = family
    merge = services.merge_people(by=manager, person=earlier, into=now, reason="Same child")
    assert AuditEvent.objects.filter(action="case.person.merged", actor=manager).exists()
    reversal = services.unmerge_people(by=manager, merge=merge, reason="Not the same child after all")
    earlier.refresh_from_db()
    assert earlier.merged_into is None and reversal.merge == merge
    assert chronology.history_case_ids(new) == []
    assert AuditEvent.objects.filter(action="case.person.unmerged", actor=manager).exists()
    with pytest.raises(ValidationError):
        services.unmerge_people(by=manager, merge=merge, reason="again")
    # The merge row itself is never changed: the database refuses.
    with pytest.raises(DatabaseError), transaction.atomic():
        PersonMerge.objects.filter(pk=merge.pk).update(reason="changed")


@pytest.mark.django_db
def test_merging_needs_the_capability_and_refuses_aliases_and_itself(family, manager, lead):
    _, _, earlier, now = family
    with pytest.raises(PermissionDenied):
        services.merge_people(by=lead, person=earlier, into=now, reason="x")  # a practitioner
    with pytest.raises(ValidationError):
        services.merge_people(by=manager, person=now, into=now, reason="x")
    services.merge_people(by=manager, person=earlier, into=now, reason="Same child")
    third = HouseholdMemberFactory(case=CaseFactory(lead_professional=lead)).person
    with pytest.raises(ValidationError, match="itself merged"):
        services.merge_people(by=manager, person=third, into=earlier, reason="x")
    with pytest.raises(ValidationError, match="already merged"):
        services.merge_people(by=manager, person=earlier, into=third, reason="x")
    assert not PersonMerge.objects.filter(person=third).exists()


@pytest.mark.django_db
def test_merging_a_person_with_aliases_keeps_them_one_step_deep_and_undoes_in_order(family, manager, lead):
    _, _, earlier, now = family
    third = HouseholdMemberFactory(case=CaseFactory(lead_professional=lead)).person
    first = services.merge_people(by=manager, person=earlier, into=now, reason="Same child")
    second = services.merge_people(by=manager, person=now, into=third, reason="Same child again")
    assert set(Person.objects.filter(merged_into=third).values_list("pk", flat=True)) == {earlier.pk, now.pk}
    services.unmerge_people(by=manager, merge=second, reason="Third is a cousin")
    earlier.refresh_from_db(), now.refresh_from_db()
    assert earlier.merged_into_id == now.pk and now.merged_into_id is None
    assert first.pk  # the first merge still stands


@pytest.mark.django_db
def test_two_nhs_numbers_are_never_merged(family, manager):
    _, _, earlier, now = family
    Person.objects.filter(pk=earlier.pk).update(nhs_number="9434765919")
    Person.objects.filter(pk=now.pk).update(nhs_number="9434765870")
    earlier.refresh_from_db(), now.refresh_from_db()
    with pytest.raises(ValidationError, match="different NHS numbers"):
        services.merge_people(by=manager, person=earlier, into=now, reason="x")


@pytest.mark.django_db
def test_people_history_queries_are_constant(lead, django_assert_max_num_queries):
    people = []
    for n in range(10):
        closed = CaseFactory(
            lead_professional=lead,
            opened_on=date(2024, 1, 1),
            status="closed",
            closed_on=date(2024, 1, 1) + timedelta(days=n),
        )
        person = HouseholdMemberFactory(case=closed).person
        HouseholdMemberFactory(case=CaseFactory(lead_professional=lead), person=person)
        people.append(person.pk)
    with django_assert_max_num_queries(2):
        history = selectors.people_history(people, on=TODAY)
    assert all(len(h.memberships) == 2 and not h.rereferral for h in history.values())
