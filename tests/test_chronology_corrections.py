"""Corrections of chronology entries (issue #16): who may correct, corrections as rows carrying values,
what entries say now in every reader, other agencies' views, same-event links, the order on the day and
the "recorded late" marker."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEvent
from cases.models import CaseMember
from chronology import selectors, services
from chronology.models import (
    Amendment,
    ChronologySettings,
    EffectiveEntry,
    Entry,
    EntryChild,
    OtherView,
    SameEvent,
)
from common.conflicts import VersionConflict
from monitoring import rules
from monitoring.models import MonitoringSettings
from tests.factories import (
    AppointmentFactory,
    CaseMemberFactory,
    EntryFactory,
    HouseholdMemberFactory,
    UserFactory,
    correction_post,
)

TODAY = timezone.localdate


def _children(case):
    first = case.household.get().person
    second = HouseholdMemberFactory(case=case, person__first_name="Wilf").person
    return first, second


@pytest.fixture
def teacher(case):
    """A teacher on the core group: may add to the case, may not correct a health visitor's entry."""
    teacher = UserFactory(username="teacher_p", job_title="Designated safeguarding lead")
    CaseMemberFactory(case=case, user=teacher, role=CaseMember.Role.CORE_GROUP)
    return teacher


@pytest.fixture
def health_entry(case, member):
    """The health visitor's (member's) entry about the first child."""
    return EntryFactory(
        case=case, children=[case.household.get().person], recorded_by=member, what_happened="Home cold, no food."
    )


def _amend_url(entry):
    return reverse("chronology:amend", args=[entry.case.reference, entry.pk])


# --- Who may correct ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_someone_who_is_not_author_manager_or_lead_is_refused_and_may_add_another_view(client, health_entry, teacher):
    client.force_login(teacher)
    refused = client.get(_amend_url(health_entry))
    assert refused.status_code == 403
    assert b"Add another view" in refused.content
    posted = client.post(_amend_url(health_entry), correction_post(health_entry, text="The teacher's words"))
    assert posted.status_code == 403
    assert not Amendment.objects.exists()
    assert AuditEvent.objects.filter(action="chronology.entry.correction_refused", outcome="denied").count() == 2

    url = reverse("chronology:other_view", args=[health_entry.case.reference, health_entry.pk])
    response = client.post(
        url, {"text": "School saw him eat a full lunch that day.", "submission_token": str(uuid.uuid4())}
    )
    assert response.status_code == 302
    view = OtherView.objects.get()
    assert (view.written_by, view.agency) == (teacher, teacher.agency)
    timeline = client.get(reverse("chronology:timeline", args=[health_entry.case.reference])).content.decode()
    assert "School saw him eat a full lunch that day." in timeline and "Home cold, no food." in timeline
    assert escape(teacher.agency.name) in timeline
    assert AuditEvent.objects.filter(action="chronology.entry.other_view_added").count() == 1


@pytest.mark.django_db
def test_the_author_corrects_without_a_reason_and_is_named_as_corrector(client, health_entry, member):
    client.force_login(member)
    response = client.post(_amend_url(health_entry), correction_post(health_entry, text="Home cold, little food."))
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert amendment.basis == "author" and amendment.reason == ""
    timeline = client.get(reverse("chronology:timeline", args=[health_entry.case.reference])).content.decode()
    assert "Home cold, little food." in timeline
    assert f"by {escape(member.get_full_name())}" in timeline  # the row names who corrected it
    detail = client.get(reverse("chronology:entry", args=[health_entry.case.reference, health_entry.pk]))
    assert "Home cold, no food." in detail.content.decode()  # the original stays readable
    assert "Changed: account" in detail.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager_of_author", "senior_of_author_agency", "lead"])
def test_manager_senior_manager_and_lead_correct_with_a_reason(client, case, lead, who, social_care, lead_team):
    author = UserFactory(username="author_p", agency=social_care, team=lead_team)  # managed by `manager`
    CaseMemberFactory(case=case, user=author, role=CaseMember.Role.CONTRIBUTOR)
    entry = EntryFactory(case=case, children=[case.household.get().person], recorded_by=author)
    corrector = {
        "manager_of_author": lambda: lead_team.manager,
        "senior_of_author_agency": lambda: UserFactory(username="sen_p", agency=social_care, role="senior_manager"),
        "lead": lambda: lead,
    }[who]()
    client.force_login(corrector)
    without_reason = client.post(_amend_url(entry), correction_post(entry, significance="high"))
    assert without_reason.status_code == 400 and "reason" in without_reason.context["form"].errors
    assert not Amendment.objects.exists()
    with_reason = client.post(_amend_url(entry), correction_post(entry, significance="high", reason="Reviewed."))
    assert with_reason.status_code == 302
    amendment = Amendment.objects.get()
    assert amendment.amended_by == corrector and amendment.basis == ("lead" if who == "lead" else "manager")
    event = AuditEvent.objects.get(action="chronology.entry.amended")
    assert event.data["changed"] == ["significance"] and event.data["basis"] == amendment.basis


@pytest.mark.django_db
def test_the_service_refuses_others_too(health_entry, teacher):
    with pytest.raises(PermissionDenied):
        services.entry_correct(
            entry=health_entry,
            by=teacher,
            based_on="",
            text="x",
            occurred_on=health_entry.occurred_on,
            event_type=health_entry.event_type,
            significance="high",
            children=list(health_entry.children.all()),
        )


# --- Corrections are rows carrying values -------------------------------------------------------------


@pytest.mark.django_db
def test_a_wrong_child_and_date_are_corrected_as_a_new_row_and_every_reader_follows(client, case, member, lead):
    first, second = _children(case)
    appointment = AppointmentFactory(case=case, child=first, booked_by=member, outcome="was_not_brought")
    entry = Entry.objects.get(appointment=appointment)
    client.force_login(lead)
    child_page = reverse("chronology:child", args=[case.reference, first.pk])
    assert client.get(child_page).context["counts"].was_not_brought == 1

    client.force_login(member)  # the health visitor recorded it, and corrects the child and the date
    moved_to = entry.occurred_on - timedelta(days=3)
    response = client.post(_amend_url(entry), correction_post(entry, children=[second], occurred_on=moved_to))
    assert response.status_code == 302

    # The entry and its child link are as they were; the correction is a row of its own.
    assert Entry.objects.get(pk=entry.pk).occurred_on == entry.occurred_on
    assert list(EntryChild.objects.filter(entry=entry).values_list("person_id", flat=True)) == [first.pk]
    now = EffectiveEntry.objects.get(pk=entry.pk)
    assert now.occurred_on == moved_to and now.amendment.amended_by == member
    # The child pages and the counts follow the correction.
    assert client.get(child_page).context["counts"].was_not_brought == 0
    assert client.get(child_page).context["page"].entries == []
    second_page = client.get(reverse("chronology:child", args=[case.reference, second.pk]))
    assert second_page.context["counts"].was_not_brought == 1
    assert [e.pk for e in second_page.context["page"].entries] == [entry.pk]
    assert [a.pk for a in second_page.context["appointments"]] == [appointment.pk]  # the appointment follows
    assert list(client.get(child_page).context["appointments"]) == []
    # So does the monitoring rule: the missed appointment now counts for the second child.
    MonitoringSettings.objects.update_or_create(pk=1, defaults={"was_not_brought_threshold": 1})
    findings = list(rules.was_not_brought(TODAY(), MonitoringSettings.load()))
    assert [f.subject for f in findings] == [f"child:{second.pk}"]
    # The timeline's child filter and the CSV read what the entry says now.
    timeline = reverse("chronology:timeline", args=[case.reference])
    assert [e.pk for e in client.get(timeline, {"child": second.pk}).context["page"].entries] == [entry.pk]
    assert client.get(timeline, {"child": first.pk}).context["page"].entries == []
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("chronology:export_csv", args=[case.reference])).content.decode("utf-8-sig"))
        )
    )
    header, [row] = rows[1], rows[2:]
    assert row[header.index("event_date")] == moved_to.isoformat()
    assert second.first_name in row[header.index("children")] and first.first_name not in row[header.index("children")]
    assert (
        escape(member.get_full_name()) in row[header.index("corrected_by")]
        or member.get_full_name() in row[header.index("corrected_by")]
    )


@pytest.mark.django_db
def test_corrected_type_significance_and_forms_of_neglect_reach_the_views_and_rules(client, case, member, lead):
    first = case.household.get().person
    entries = [
        EntryFactory(case=case, children=[first], recorded_by=member, occurred_on=TODAY() - timedelta(days=d))
        for d in (5, 40, 80)
    ]
    config = MonitoringSettings.load()
    assert list(rules.ae_attendances(TODAY(), config)) == []
    for entry in entries:
        services.entry_correct(
            entry=entry,
            by=member,
            based_on="",
            text="Went to A&E: burn on the hand.",
            occurred_on=entry.occurred_on,
            event_type="ae_attendance",
            significance="high",
            neglect_forms=["emotional"],
            children=[first],
        )
    assert [f.subject for f in rules.ae_attendances(TODAY(), config)] == [f"child:{first.pk}"]
    client.force_login(lead)
    significant = client.get(reverse("chronology:significant", args=[case.reference]))
    assert {e.pk for e in significant.context["page"].entries} == {e.pk for e in entries}
    emotional = client.get(reverse("chronology:emotional", args=[case.reference])).content.decode()
    assert "Went to A&amp;E: burn on the hand." in emotional
    counts = client.get(reverse("chronology:child", args=[case.reference, first.pk])).context["counts"]
    assert counts.ae_attendances == 3


@pytest.mark.django_db
def test_a_correction_that_changes_nothing_is_refused(client, health_entry, member):
    client.force_login(member)
    response = client.post(_amend_url(health_entry), correction_post(health_entry))
    assert response.status_code == 400
    assert b"Nothing was changed" in response.content
    assert not Amendment.objects.exists()


@pytest.mark.django_db
def test_two_corrections_of_the_same_version_the_second_is_a_conflict(client, health_entry, member, lead):
    stale = correction_post(health_entry, text="The lead's reading", reason="Spoke to the family.")
    client.force_login(member)
    assert client.post(_amend_url(health_entry), correction_post(health_entry, text="Author's fix")).status_code == 302
    client.force_login(lead)
    response = client.post(_amend_url(health_entry), stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Author&#x27;s fix" in body or "Author's fix" in body  # what it says now
    assert "The lead&#x27;s reading" in body or "The lead's reading" in body  # beside what they entered
    assert Amendment.objects.count() == 1
    assert AuditEvent.objects.filter(action="chronology.entry.correction_conflict").count() == 1
    with pytest.raises(VersionConflict):
        services.entry_correct(
            entry=health_entry,
            by=lead,
            based_on="",
            text="again",
            reason="x",
            occurred_on=health_entry.occurred_on,
            event_type=health_entry.event_type,
            significance="high",
            children=list(health_entry.children.all()),
        )


@pytest.mark.django_db
def test_children_must_be_of_the_household(health_entry, member):
    stranger = HouseholdMemberFactory().person
    with pytest.raises(ValidationError) as refused:
        services.entry_correct(
            entry=health_entry,
            by=member,
            based_on="",
            text="x",
            occurred_on=health_entry.occurred_on,
            event_type=health_entry.event_type,
            significance="high",
            children=[stranger],
        )
    assert "children" in refused.value.message_dict


@pytest.mark.django_db
def test_a_correction_of_a_correction_keeps_every_version(client, health_entry, member, lead):
    client.force_login(member)
    client.post(_amend_url(health_entry), correction_post(health_entry, text="Second version"))
    client.force_login(lead)
    client.post(_amend_url(health_entry), correction_post(health_entry, significance="high", reason="At review"))
    versions = selectors.entry_versions(health_entry)
    assert [v.text for v in versions] == ["Home cold, no food.", "Second version", "Second version"]
    assert [v.changed for v in versions] == [[], ["account"], ["significance"]]
    assert EffectiveEntry.objects.get(pk=health_entry.pk).significance == "high"


# --- Other views and same-event links ------------------------------------------------------------------


@pytest.mark.django_db
def test_linking_possible_duplicates_as_one_event(client, case, lead, member):
    first = case.household.get().person
    day = TODAY() - timedelta(days=4)
    mine = EntryFactory(case=case, children=[first], occurred_on=day, event_type="ae_attendance", hospital="General")
    theirs = EntryFactory(
        case=case,
        children=[first],
        occurred_on=day + timedelta(days=1),  # the next day: still a possible duplicate
        event_type="ae_attendance",
        hospital="General",
        recorded_by=member,
    )
    client.force_login(lead)
    timeline = reverse("chronology:timeline", args=[case.reference])
    [group] = client.get(timeline).context["duplicates"]
    assert set(group.entry_ids) == {mine.pk, theirs.pk}
    link = reverse("chronology:same_event", args=[case.reference])
    assert client.post(link, {"entry": [str(mine.pk), str(theirs.pk)]}).status_code == 302
    assert SameEvent.objects.count() == 1
    response = client.get(timeline)
    assert response.context["duplicates"] == []
    assert response.content.decode().count("One event, several sources") == 2
    assert AuditEvent.objects.filter(action="chronology.same_event_linked").count() == 1
    # Linking again adds nothing; one entry alone is refused.
    client.post(link, {"entry": [str(mine.pk), str(theirs.pk)]})
    assert SameEvent.objects.count() == 1
    refused = client.post(link, {"entry": [str(mine.pk)]}, follow=True)
    assert b"Choose two or more entries" in refused.content


@pytest.mark.django_db
def test_same_event_link_is_404_for_outsiders_and_refused_for_readers(client, case, outsider, reader):
    link = reverse("chronology:same_event", args=[case.reference])
    client.force_login(outsider)
    assert client.post(link, {"entry": []}).status_code == 404
    client.force_login(reader)
    assert client.post(link, {"entry": []}).status_code == 403


# --- Order on the day and "recorded late" ---------------------------------------------------------------


@pytest.mark.django_db
def test_same_day_entries_follow_their_order_on_the_day(client, case, lead):
    first = case.household.get().person
    day = TODAY() - timedelta(days=2)
    for text, sequence in (("Second: the school called", 2), ("First: the neighbour called", 1)):
        services.entry_create(
            case=case,
            by=lead,
            event_type="concern",
            occurred_on=day,
            children=[first],
            what_happened=text,
            sequence=sequence,
        )
    client.force_login(lead)
    url = reverse("chronology:timeline", args=[case.reference])
    oldest_first = client.get(url, {"order": "oldest"}).context["page"].entries
    assert [e.what_happened for e in oldest_first] == ["First: the neighbour called", "Second: the school called"]


@pytest.mark.django_db
def test_an_entry_recorded_more_than_ten_working_days_after_the_event_is_marked_late(client, case, lead):
    first = case.household.get().person
    on_time = EntryFactory(case=case, children=[first], occurred_on=TODAY() - timedelta(days=7))
    late = EntryFactory(case=case, children=[first], occurred_on=TODAY() - timedelta(days=30))
    client.force_login(lead)
    response = client.get(reverse("chronology:timeline", args=[case.reference]))
    marked = {e.pk: e.recorded_late for e in response.context["page"].entries}
    assert marked == {on_time.pk: False, late.pk: True}
    assert response.content.decode().count("Recorded late") == 1
    ChronologySettings.objects.update_or_create(pk=1, defaults={"late_after_working_days": 30})
    response = client.get(reverse("chronology:timeline", args=[case.reference]))
    assert not any(e.recorded_late for e in response.context["page"].entries)


@pytest.mark.django_db
def test_appointments_list_those_waiting_first_then_newest_first(client, case, lead):
    first = case.household.get().person
    older = AppointmentFactory(case=case, child=first, scheduled_on=TODAY() - timedelta(days=300), outcome="attended")
    newer = AppointmentFactory(
        case=case, child=first, scheduled_on=TODAY() - timedelta(days=5), outcome="was_not_brought"
    )
    waiting = AppointmentFactory(case=case, child=first, scheduled_on=TODAY() + timedelta(days=10))
    client.force_login(lead)
    listed = client.get(reverse("chronology:child", args=[case.reference, first.pk])).context["appointments"]
    assert [a.pk for a in listed] == [waiting.pk, newer.pk, older.pk]
