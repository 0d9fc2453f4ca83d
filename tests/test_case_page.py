"""The case page says whose family it is and what happened lately; the home page names children in full.

The family's name is worked out from the household (cases.selectors.family_name) and shown in the heading
only: never in the page title, the address or the audit trail. The latest entries are the chronology's own
newest five, as they read after any correction, in a fixed number of queries.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import HouseholdMember
from cases.selectors import family_name
from tests.factories import AmendmentFactory, CaseFactory, EntryFactory, HouseholdMemberFactory
from workdays import calendar as workdays

CHILD, PARENT = HouseholdMember.Relationship.CHILD, HouseholdMember.Relationship.PARENT


def _detail(case) -> str:
    return reverse("dashboards:detail", args=[case.reference])


def _h1(body: str) -> str:
    return body.split("<h1", 1)[1].split("</h1>", 1)[0]


def _add(case, surname: str, relationship=CHILD, **kwargs) -> HouseholdMember:
    return HouseholdMemberFactory(case=case, person__last_name=surname, relationship=relationship, **kwargs)


@pytest.mark.django_db
def test_heading_names_the_family_the_children_share(client, lead):
    case = CaseFactory(lead_professional=lead)
    _add(case, "Ashworth")
    _add(case, "Ashworth")
    _add(case, "Brennan")  # a half-sibling with another surname
    _add(case, "Brennan", relationship=PARENT)
    client.force_login(lead)
    response = client.get(_detail(case))
    body = response.content.decode()
    assert f"Ashworth family · {case.reference}" in _h1(body)
    # Personal data stays out of the title (browser history, proxies) and the address.
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "Ashworth" not in title and case.reference in title
    assert "Ashworth" not in response.wsgi_request.get_full_path()
    assert not any("Ashworth" in str(event.data) for event in AuditEvent.objects.filter(case=case))


@pytest.mark.django_db
def test_family_name_rule_ties_leavers_and_an_empty_household():
    case = CaseFactory()
    household = lambda: list(case.household.select_related("person"))  # noqa: E731
    assert family_name(household()) is None  # nobody yet: the page uses the reference alone
    _add(case, "Carter", relationship=PARENT)
    assert family_name(household()) == "Carter"  # no child yet: the adults' surname
    _add(case, "Dawson")
    assert family_name(household()) == "Dawson"  # a child's surname comes before the adults'
    _add(case, "Carter")
    assert family_name(household()) == "Carter"  # children tied 1-1: the adult shares Carter
    _add(case, "dawson ")
    _add(case, "Dawson", left_on=timezone.localdate())
    _add(case, "Evans")
    _add(case, "Evans")
    assert family_name(household()) == "Dawson"  # 2 Dawson (case and spaces ignored) vs 2 Evans, 1 Carter
    _add(case, "Evans", relationship=PARENT)
    assert family_name(household()) == "Evans"  # the tie goes to the surname more of the household shares


@pytest.mark.django_db
def test_heading_without_a_household_is_the_reference(client, lead):
    case = CaseFactory(lead_professional=lead)
    client.force_login(lead)
    h1 = _h1(client.get(_detail(case)).content.decode())
    assert f"Case {case.reference}" in h1 and "family" not in h1


@pytest.mark.django_db
def test_case_page_shows_the_five_newest_entries_as_corrected(client, case, lead):
    today = timezone.localdate()
    child = case.household.get().person
    for days in range(1, 8):  # 7 entries, the newest yesterday
        EntryFactory(
            case=case, children=[child], occurred_on=today - timedelta(days=days), what_happened=f"Visit {days}"
        )
    AmendmentFactory(
        entry=case.entries.get(what_happened="Visit 2"), text="Visit two, as corrected", reason="Wrong day"
    )
    client.force_login(lead)
    response = client.get(_detail(case))
    entries = response.context["latest_entries"]
    assert [entry.effective.what_happened for entry in entries] == [
        "Visit 1",
        "Visit two, as corrected",
        "Visit 3",
        "Visit 4",
        "Visit 5",
    ]
    section = response.content.decode().split('id="chronology-heading"', 1)[1].split("</section>", 1)[0]
    assert "Visit two, as corrected" in section and "Corrected</span> by" in section
    assert "Visit 2<" not in section and "Visit 6" not in section and "Visit 7" not in section
    assert section.index("Visit 1") < section.index("Visit two") < section.index("Visit 5")  # newest first
    assert reverse("chronology:timeline", args=[case.reference]) in section  # the full chronology


@pytest.mark.django_db
def test_case_page_without_entries_says_so(client, case, lead):
    client.force_login(lead)
    assert "No chronology entries yet." in client.get(_detail(case)).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("n_entries", [2, 40])
def test_case_page_query_count_does_not_grow(client, case, lead, n_entries, django_assert_num_queries):
    child = case.household.get().person
    for _ in range(3):
        _add(case, "Ashworth")
    for i in range(n_entries):
        entry = EntryFactory(case=case, children=[child])
        if i % 2:
            AmendmentFactory(entry=entry)
    client.force_login(lead)
    client.get(_detail(case))  # the chronology settings row is created on first use
    workdays.working_calendar()
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        response = client.get(_detail(case))
    assert len(response.context["latest_entries"]) == min(n_entries, 5)


# Pinned by test_case_page_query_count_does_not_grow (the same for 2 entries and 40): the 18 the page ran
# before it showed the latest entries, + earlier cases of the household, chronology settings, the five
# entries, the children they are about now, their corrections, other agencies' views = 24; + the family
# history (one query), - the open flags and escalations counted in one query instead of two = 24.
CASE_PAGE_QUERIES = 24


@pytest.mark.django_db
def test_home_lists_children_with_their_surnames(client, case, member):
    child = case.household.get().person
    client.force_login(member)
    body = client.get(reverse("home")).content.decode()
    assert f"{child.first_name} {child.last_name} (" in body
