"""Safe dates and errors people can act on (issue #17): dates typed as day, month and year and read back
in words, what cannot be right refused, an old date asked about once, messages in the pages' date style,
and the error summary at the top of every refused form."""

import re
import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Person
from chronology.models import Entry
from common.forms import DateField, DateParts, OnceOnlyForm
from tests.conftest import SENTINEL_CHILD_NAME
from tests.factories import HouseholdMemberFactory, PersonFactory


def typed(day: date, **extra) -> dict:
    """The three boxes of the concern form's date as a browser posts them."""
    return {
        "occurred_on_day": str(day.day),
        "occurred_on_month": str(day.month),
        "occurred_on_year": str(day.year),
        **extra,
    }


def concern(child, day: date, **extra) -> dict:
    return {
        "submission_token": str(uuid.uuid4()),
        "event_type": "concern",
        "children": [str(child.pk)],
        "what_happened": "No food in the house on the visit.",
        "impact": "negative",
        "significance": "medium",
        **typed(day),
        **extra,
    }


def _child(case) -> Person:
    return case.household.get(person__first_name=SENTINEL_CHILD_NAME).person


@pytest.mark.parametrize(
    "parts, expected",
    [
        (DateParts("1", "12", "2026"), date(2026, 12, 1)),  # day first, as a UK user types it
        (DateParts("01", "02", "2026"), date(2026, 2, 1)),
        (DateParts(" 9 ", "3", "2024"), date(2024, 3, 9)),
        ("2026-12-01", date(2026, 12, 1)),  # one ISO value from a script
        ("1/12/2026", date(2026, 12, 1)),
        (DateParts(), None),
    ],
)
def test_a_typed_date_is_read_day_first(parts, expected):
    assert DateField(required=False).clean(parts) == expected


@pytest.mark.parametrize(
    "parts, message",
    [
        (DateParts("1", "", "2026"), "The date must include a month."),
        (DateParts("", "", "2026"), "The date must include a day and month."),
        (DateParts("31", "2", "2027"), "Enter a real date, for example 27 3 2026."),
        (DateParts("1", "13", "2026"), "Enter a real date, for example 27 3 2026."),
        (DateParts("a", "2", "2026"), "Enter a real date, for example 27 3 2026."),
        (DateParts("1", "2", "26"), "The year must have 4 numbers, for example 2026."),
        (DateParts("1", "2", "1899"), "The date must be in 1900 or later."),
        ("12/31/2026", "Enter a real date, for example 27 3 2026."),
    ],
)
def test_a_date_that_cannot_be_right_is_refused_in_words(parts, message):
    with pytest.raises(Exception) as refused:
        DateField().clean(parts)
    assert refused.value.messages == [message]


def test_a_future_date_is_refused_for_something_that_has_happened():
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(Exception) as refused:
        DateField(past=True).clean(DateParts(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)))
    assert "must be today or in the past" in refused.value.messages[0]
    assert DateField().clean(DateParts(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))) == tomorrow


class _OldDateForm(OnceOnlyForm):
    on = DateField(label="When", ask_if_old=True)


def test_an_old_date_is_asked_about_once_then_saved():
    old = timezone.localdate() - timedelta(days=400)
    data = {"on_day": old.day, "on_month": old.month, "on_year": old.year}
    form = _OldDateForm(data)
    assert not form.is_valid()
    assert "is more than a year ago" in form.errors["on"][0]
    html = str(form["on"])
    assert 'name="on_confirmed"' in html and "Yes, the date is right" in html
    assert _OldDateForm({**data, "on_confirmed": "1"}).is_valid()
    # A date already saved and shown again unchanged is not asked about.
    assert _OldDateForm(data, initial={"on": old}).is_valid()
    # Less than a year ago: no question.
    recent = timezone.localdate() - timedelta(days=30)
    assert _OldDateForm({"on_day": recent.day, "on_month": recent.month, "on_year": recent.year}).is_valid()


def test_the_field_reads_the_date_back_in_words():
    form = _OldDateForm({"on_day": "1", "on_month": "12", "on_year": "2026", "on_confirmed": "1"})
    html = str(form["on"])
    assert "Tuesday 1 December 2026" in html
    assert re.search(r'<label[^>]*for="id_on_0"[^>]*>Day</label>', html)
    assert 'inputmode="numeric"' in html


@pytest.mark.django_db
def test_a_concern_typed_day_first_is_saved_as_that_date(client, case, member):
    client.force_login(member)
    day = timezone.localdate() - timedelta(days=3)
    response = client.post(reverse("chronology:concern", args=[case.reference]), concern(_child(case), day))
    assert response.status_code == 302
    assert Entry.objects.get().occurred_on == day


@pytest.mark.django_db
def test_a_concern_more_than_a_year_ago_needs_the_date_confirmed(client, case, member):
    client.force_login(member)
    child, day = _child(case), timezone.localdate() - timedelta(days=500)
    url = reverse("chronology:concern", args=[case.reference])
    response = client.post(url, concern(child, day))
    assert response.status_code == 400
    page = response.content.decode()
    assert "is more than a year ago" in page and "Yes, the date is right" in page
    assert not Entry.objects.exists()
    response = client.post(url, concern(child, day, occurred_on_confirmed="1"))
    assert response.status_code == 302
    assert Entry.objects.get().occurred_on == day


@pytest.mark.django_db
def test_an_event_before_the_childs_birth_is_refused(client, case, member):
    client.force_login(member)
    child = _child(case)
    day = child.date_of_birth - timedelta(days=1)
    response = client.post(
        reverse("chronology:concern", args=[case.reference]), concern(child, day, occurred_on_confirmed="1")
    )
    assert response.status_code == 400
    born = f"{child.date_of_birth.day} {child.date_of_birth:%B %Y}"
    assert f"{SENTINEL_CHILD_NAME} was born on {born}: the date cannot be before that." in response.content.decode()
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_an_unborn_baby_allows_the_pregnancy_but_not_earlier(client, case, member):
    client.force_login(member)
    expected = timezone.localdate() + timedelta(days=60)
    baby = HouseholdMemberFactory(
        case=case, person=PersonFactory(first_name="Bump", date_of_birth=None, is_unborn=True, expected_on=expected)
    ).person
    url = reverse("chronology:concern", args=[case.reference])
    during = timezone.localdate() - timedelta(days=100)  # in the pregnancy
    assert client.post(url, concern(baby, during)).status_code == 302
    too_early = expected - timedelta(days=300)  # more than 9 months before the due date
    response = client.post(url, concern(baby, too_early, occurred_on_confirmed="1"))
    assert response.status_code == 400
    assert "Bump is due on" in response.content.decode()
    assert "cannot be more than 9 months before that" in response.content.decode()


@pytest.mark.django_db
def test_the_error_summary_links_each_problem_to_its_field(client, case, member):
    client.force_login(member)
    data = concern(_child(case), timezone.localdate(), what_happened="", occurred_on_month="")
    response = client.post(reverse("chronology:concern", args=[case.reference]), data)
    assert response.status_code == 400
    page = response.content.decode()
    summary = re.search(r'<div class="error-summary.*?</div>', page, re.S).group(0)
    assert 'tabindex="-1"' in summary and "There is a problem" in summary
    link = '<a class="alert-link" href="#id_occurred_on_0">When did it happen? The date must include a month.</a>'
    assert link in summary
    assert 'href="#id_what_happened"' in summary and "Say what happened." in summary
    # The field keeps what was typed.
    assert 'name="occurred_on_day" value="' in page


@pytest.mark.django_db
def test_a_page_without_a_refused_form_has_no_error_summary(client, case, member):
    client.force_login(member)
    response = client.get(reverse("chronology:concern", args=[case.reference]))
    assert response.status_code == 200
    assert "error-summary" not in response.content.decode()


@pytest.mark.django_db
def test_dates_in_messages_and_ages_are_in_words(client, case, member):
    expected = date(2027, 3, 4)
    baby = PersonFactory(first_name="Bump", date_of_birth=None, is_unborn=True, expected_on=expected)
    assert baby.age_label(date(2026, 12, 1)) == "Unborn, due 4 March 2027"
    client.force_login(member)
    response = client.get(reverse("home"))
    assert not re.search(r"\b\d{2}/\d{2}/\d{4}\b", response.content.decode())
