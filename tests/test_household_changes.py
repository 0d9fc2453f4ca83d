"""The household from the browser: search before adding (only within cases the user may open), link a
person already known, leave, correct details (the original kept), the address history with its main home,
and marking two records as the same person from a case (cases/views.py)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import HouseholdAddress, HouseholdMember, Person, PersonCorrection, PersonMerge
from tests.factories import CaseFactory, HouseholdMemberFactory, once


def _search(client, case, **fields):
    data = {"step": "search", **{f"search-{name}": value for name, value in fields.items()}}
    return client.post(reverse("cases:household_add", args=[case.reference]), data)


@pytest.fixture
def known_child(lead):
    """A child known from an earlier closed case of the lead's."""
    earlier = CaseFactory(
        lead_professional=lead,
        opened_on=date(2025, 1, 6),
        status="closed",
        closed_on=date(2026, 3, 2),
    )
    return HouseholdMemberFactory(
        case=earlier, person__first_name="Jaiden", person__last_name="Smyth", person__date_of_birth=date(2019, 4, 3)
    ).person


@pytest.mark.django_db
def test_adding_someone_starts_with_a_search_that_finds_a_returning_child(client, case, lead, known_child):
    client.force_login(lead)
    page = client.get(reverse("cases:household_add", args=[case.reference]))
    assert page.status_code == 200 and b'value="search"' in page.content
    before = AuditEvent.objects.count()
    # Spelled differently, with the day and month swapped.
    response = _search(client, case, first_name="Jayden", last_name="Smith", date_of_birth="2019-03-04")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Jaiden Smyth" in body and "Link this person" in body
    assert known_child.households.get().case.reference in body  # their earlier case, which the lead may open
    # The new person's form comes back filled in with what was searched.
    assert 'value="Jayden"' in body
    searched = AuditEvent.objects.filter(pk__gt=before, action=AuditEvent.Action.CASE_PEOPLE_SEARCHED).get()
    assert searched.data == {"found": 1, "with_nhs_number": False}
    assert "Jayden" not in str(searched.data)


@pytest.mark.django_db
def test_the_search_shows_nobody_from_cases_the_user_cannot_open(client, case, member, known_child):
    client.force_login(member)  # on today's case only, not on the earlier one
    body = _search(client, case, first_name="Jaiden", last_name="Smyth", date_of_birth="2019-04-03").content.decode()
    assert "Jaiden" not in body.replace('value="Jaiden"', "")
    assert "Nobody like this is known in the cases you can open." in body


@pytest.mark.django_db
def test_linking_brings_the_same_person_once_however_often_it_is_posted(client, case, lead, known_child):
    client.force_login(lead)
    url = reverse("cases:household_link", args=[case.reference])
    data = once(
        {
            "link-0-person": str(known_child.pk),
            "link-0-relationship": "child",
            "link-0-joined_on": case.opened_on.isoformat(),
        }
    )
    data["link-0-submission_token"] = data.pop("submission_token")
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert HouseholdMember.objects.filter(case=case, person=known_child).count() == 1
    assert Person.objects.filter(first_name="Jaiden").count() == 1  # linked, not typed again
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CASE_HOUSEHOLD_LINKED, case=case).count() == 1


@pytest.mark.django_db
def test_a_member_leaves_with_a_date_and_where_to_and_stays_in_the_history(client, case, lead):
    client.force_login(lead)
    member = case.household.first()
    url = reverse("cases:household_leave", args=[case.reference, member.pk])
    too_early = (member.joined_on - timedelta(days=1)).isoformat()
    refused = client.post(url, {"left_on": too_early, "left_to": "to live with their father"})
    assert refused.status_code == 400
    assert b"cannot be before that" in refused.content and b"to live with their father" in refused.content
    member.refresh_from_db()
    assert member.left_on is None
    today = timezone.localdate().isoformat()
    assert client.post(url, {"left_on": today, "left_to": "to live with their father"}).status_code == 302
    page = client.get(reverse("cases:household", args=[case.reference])).content.decode()
    assert member.person.first_name in page and "(to live with their father)" in page


@pytest.mark.django_db
def test_a_correction_keeps_what_the_detail_said_before_and_who_changed_it(client, case, lead):
    client.force_login(lead)
    member = case.household.first()
    person = member.person
    url = reverse("cases:person_correct", args=[case.reference, member.pk])
    fields = {
        "first_name": "Corrected",
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "sex": person.sex,
        "nhs_number": person.nhs_number or "",
    }
    no_reason = client.post(url, {**fields, "reason": ""})
    assert no_reason.status_code == 400 and b"Say why the details are being corrected" in no_reason.content
    assert b'value="Corrected"' in no_reason.content
    assert client.post(url, {**fields, "reason": "Misspelt at the referral"}).status_code == 302
    correction = PersonCorrection.objects.get(person=person)
    assert (correction.field, correction.new_value, correction.corrected_by) == ("first_name", "Corrected", lead)
    assert correction.old_value == person.first_name
    page = client.get(reverse("cases:household", args=[case.reference])).content.decode()
    assert "Misspelt at the referral" in page and f"“{person.first_name}” to “Corrected”" in page


@pytest.mark.django_db
def test_the_address_history_keeps_one_main_home_and_ends_the_old_one_on_moving_day(client, case, lead):
    client.force_login(lead)
    url = reverse("cases:address_add", args=[case.reference])
    first_day = case.opened_on
    moved = timezone.localdate()
    for line_1, from_on in (("1 Old Road", first_day), ("2 New Street", moved)):
        data = once({"line_1": line_1, "postcode": "ZZ1 1ZZ", "from_on": from_on.isoformat(), "is_main_home": "on"})
        assert client.post(url, data).status_code == 302
    homes = {a.line_1: a for a in HouseholdAddress.objects.filter(case=case)}
    assert homes["1 Old Road"].to_on == moved and homes["2 New Street"].to_on is None
    refused = client.post(url, once({"line_1": "3 Future Lane", "postcode": "ZZ1 1ZZ", "from_on": "2099-01-01"}))
    assert refused.status_code == 400 and b"3 Future Lane" in refused.content
    assert not HouseholdAddress.objects.filter(line_1="3 Future Lane").exists()
    page = client.get(reverse("cases:addresses", args=[case.reference])).content.decode()
    assert "2 New Street" in page and "1 Old Road" in page


@pytest.mark.django_db
def test_a_team_manager_marks_two_records_as_the_same_person_and_can_undo_it(
    client, case, lead, manager, member, known_child
):
    today_child = HouseholdMemberFactory(
        case=case, person__first_name="Jayden", person__last_name="Smith", person__date_of_birth=date(2019, 4, 3)
    )
    url = reverse("cases:same_person", args=[case.reference])
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    page = client.get(url, {"member": today_child.pk}).content.decode()
    assert "Jaiden Smyth" in page
    data = {"action": "merge", "member": today_child.pk, "other": str(known_child.pk), "keep": "this", "reason": ""}
    refused = client.post(url, data)
    assert refused.status_code == 400 and b"Say how you know they are the same person" in refused.content
    assert client.post(url, {**data, "reason": "Same school and GP"}).status_code == 302
    merge = PersonMerge.objects.get()
    assert (merge.person, merge.into, merge.merged_by) == (known_child, today_child.person, manager)
    assert (
        client.post(url, {"action": "undo", "merge": merge.pk, "reason": "Cousins, not one child"}).status_code == 302
    )
    known_child.refresh_from_db()
    assert known_child.merged_into_id is None
    assert PersonMerge.objects.filter(pk=merge.pk).exists()  # the merge stays in the history, with its reversal
    assert merge.reversal.reversed_by == manager
