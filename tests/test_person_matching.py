"""Finding people already known (cases/matching.py): spelling, dates typed wrongly, NHS numbers, twins."""

from datetime import date

import pytest

from cases.matching import LIKELY, find_people
from cases.models import Person
from common.nhs import is_valid_nhs_number
from tests.factories import CaseFactory, HouseholdMemberFactory, PersonFactory

VALID_NHS = "9434765919"  # a synthetic number whose check digit is right
OTHER_VALID_NHS = "9434765870"


def test_nhs_number_check_digit():
    assert is_valid_nhs_number(VALID_NHS)
    assert is_valid_nhs_number("943 476 5919")  # spaces as people type them
    assert is_valid_nhs_number(OTHER_VALID_NHS)
    assert not is_valid_nhs_number("9434765918")  # wrong check digit
    assert not is_valid_nhs_number("943476591")  # nine digits
    assert not is_valid_nhs_number("94347659l9")


def _ids(candidates):
    return [c.person.pk for c in candidates]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "first, last, born, month_only",
    [
        ("Jaiden", "Smith", date(2019, 5, 7), False),  # first name spelt differently
        ("Jayden", "Smyth", date(2019, 5, 7), False),  # surname spelt differently
        ("jayden", "SMITH", date(2019, 7, 5), False),  # day and month swapped, case ignored
        ("Jayden", "Smith", date(2019, 5, 1), True),  # only the month and year known
        ("Jayden", "Smith", None, False),  # no date of birth at all
    ],
)
def test_finds_a_person_despite_mistakes(first, last, born, month_only):
    person = PersonFactory(first_name="Jayden", last_name="Smith", date_of_birth=date(2019, 5, 7))
    PersonFactory(first_name="Olivia", last_name="Brown", date_of_birth=date(2019, 5, 7))
    found = find_people(first, last, born, month_only=month_only)
    assert _ids(found)[:1] == [person.pk]
    if born is not None:
        assert found[0].score >= LIKELY - 10


@pytest.mark.django_db
def test_an_nhs_number_match_comes_first_whatever_the_name():
    same_name = PersonFactory(first_name="Amy", last_name="Clarke", date_of_birth=date(2018, 3, 2))
    by_number = PersonFactory(
        first_name="Aimee", last_name="Jones", date_of_birth=date(2018, 3, 2), nhs_number=VALID_NHS
    )
    found = find_people("Amy", "Clarke", date(2018, 3, 2), nhs_number="943 476 5919")
    assert _ids(found)[:2] == [by_number.pk, same_name.pk]
    assert found[0].strength == "Same NHS number"


@pytest.mark.django_db
def test_a_different_nhs_number_is_a_different_person():
    PersonFactory(first_name="Amy", last_name="Clarke", date_of_birth=date(2018, 3, 2), nhs_number=OTHER_VALID_NHS)
    assert find_people("Amy", "Clarke", date(2018, 3, 2), nhs_number=VALID_NHS) == []


@pytest.mark.django_db
def test_twins_are_not_offered_as_the_same_person():
    amy = PersonFactory(first_name="Amy", last_name="Carter", date_of_birth=date(2020, 2, 14))
    PersonFactory(first_name="Ben", last_name="Carter", date_of_birth=date(2020, 2, 14))
    jack = PersonFactory(first_name="Jack", last_name="Carter", date_of_birth=date(2021, 8, 3))
    jake = PersonFactory(first_name="Jake", last_name="Carter", date_of_birth=date(2021, 8, 3))

    assert _ids(find_people("Amy", "Carter", date(2020, 2, 14))) == [amy.pk]  # Ben is not offered at all
    found = {c.person.pk: c for c in find_people("Jack", "Carter", date(2021, 8, 3))}
    assert found[jack.pk].score >= LIKELY
    # Jake's name is close to Jack's: he may be shown, but never as likely the same person.
    assert jake.pk not in found or found[jake.pk].score < LIKELY
    assert found.get(jake.pk) is None or found[jake.pk].strength == "Possibly the same person"


@pytest.mark.django_db
def test_aliases_resolve_to_the_canonical_person_once():
    canonical = PersonFactory(first_name="Jayden", last_name="Smith", date_of_birth=date(2019, 5, 7))
    PersonFactory(first_name="Jaiden", last_name="Smyth", date_of_birth=date(2019, 5, 7), merged_into=canonical)
    found = find_people("Jaiden", "Smyth", date(2019, 5, 7))
    assert _ids(found) == [canonical.pk]
    assert found[0].score >= LIKELY  # scored on the alias's own spelling


@pytest.mark.django_db
def test_only_people_within_the_cases_given(lead):
    mine, theirs = CaseFactory(lead_professional=lead), CaseFactory()
    seen = HouseholdMemberFactory(case=mine, person__first_name="Mia", person__last_name="Khan").person
    HouseholdMemberFactory(case=theirs, person__first_name="Mia", person__last_name="Khan")
    assert _ids(
        find_people("Mia", "Khan", seen.date_of_birth, among_cases=CaseFactory._meta.model.objects.filter(pk=mine.pk))
    ) == [seen.pk]


@pytest.mark.django_db
def test_constant_queries_whatever_the_number_of_people(django_assert_max_num_queries):
    for n in range(30):
        alias_of = PersonFactory(first_name="Jayden", last_name="Smith", date_of_birth=date(2019, 5, n % 28 + 1))
        PersonFactory(
            first_name="Jaiden", last_name="Smith", date_of_birth=alias_of.date_of_birth, merged_into=alias_of
        )
    with django_assert_max_num_queries(1):
        found = find_people("Jayden", "Smith", date(2019, 5, 7), limit=50)
    assert len(found) == 30 and len({c.person.pk for c in found}) == 30
    assert Person.objects.count() == 60
