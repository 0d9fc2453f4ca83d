"""A child's census characteristics, entered once on the person (issue #21, item 5): ethnicity, disabilities,
the unique pupil number and its check letter or why it is unknown (common/upn.py, cases/services.py
person_census_details, the census details page)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.models import HouseholdMember, Person, PersonCorrection
from common.upn import check_letter, is_valid_upn, validate_upn
from tests.factories import CaseFactory, HouseholdMemberFactory

# Worked by hand: 8×2 + 1×3 + 2×4 + 3×5 + 0×6 + 1×7 + 2×8 + 0×9 + 0×10 + 1×11 + 2×12 + 3×13 = 139;
# 139 = 6×23 + 1, and 1 reads B.
GOOD_UPN = "B812301200123"
BAD_UPN = "C812301200123"  # the same twelve characters, the wrong check letter
# A temporary UPN ends with a letter, counted as its place in the table (A is 0):
# 2×2 + 0×3 + 1×4 + 0×5 + 1×6 + 2×7 + 3×8 + 4×9 + 5×10 + 0×11 + 0×12 + 0×13 = 138 = 6×23, which reads A.
GOOD_TEMPORARY_UPN = "A20101234500A"
OTHER_GOOD_UPN = "A950000178301"  # from the DfE validator's own tests (rule 1510)


def _census_url(case, member):
    return reverse("cases:person_census", args=[case.reference, member.pk])


def _post(client, case, member, **fields):
    data = {"ethnicity": "", "upn": "", "upn_unknown_reason": "", "reason": "", **fields}
    return client.post(_census_url(case, member), data)


def test_the_check_letter_is_the_weighted_sum_by_23():
    assert check_letter(GOOD_UPN[1:]) == "B"
    assert is_valid_upn(GOOD_UPN) and is_valid_upn(GOOD_TEMPORARY_UPN) and is_valid_upn(OTHER_GOOD_UPN)
    assert is_valid_upn("b8123 0120 0123")  # as typed: lower case and spaces
    assert not is_valid_upn(BAD_UPN)
    for wrong in ("B81230120012", "B8123012001234", "BX12301200123", "B81230120012I", "", "1812301200123"):
        assert not is_valid_upn(wrong), wrong
    with pytest.raises(ValidationError) as refused:
        validate_upn(BAD_UPN)
    assert BAD_UPN not in str(refused.value), "the message must not repeat the number"


@pytest.mark.django_db
def test_first_entry_needs_no_reason_and_keeps_no_correction(client, case, lead):
    client.force_login(lead)
    member = case.household.get(relationship="child")
    response = _post(client, case, member, ethnicity="MWBA", disabilities=["HEAR", "AUT"], upn=GOOD_UPN.lower())
    assert response.status_code == 302
    person = Person.objects.get(pk=member.person_id)
    assert (person.ethnicity, person.disabilities, person.upn) == ("MWBA", ["HEAR", "AUT"], GOOD_UPN)
    assert not PersonCorrection.objects.filter(person=person).exists()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CASE_PERSON_CORRECTED).latest("id")
    assert sorted(event.data["entered"]) == ["disabilities", "ethnicity", "upn"] and event.data["fields"] == []
    assert GOOD_UPN not in str(event.data)
    page = client.get(reverse("cases:household", args=[case.reference])).content.decode()
    assert "White and Black African" in page and "(MWBA)" in page and "Hearing" in page and "(AUT)" in page
    assert GOOD_UPN not in page, "the household page says a UPN is recorded, not what it is"


@pytest.mark.django_db
def test_changing_a_recorded_detail_needs_a_reason_and_keeps_the_old_value(client, case, lead):
    client.force_login(lead)
    member = case.household.get(relationship="child")
    Person.objects.filter(pk=member.person_id).update(ethnicity="WBRI", upn=GOOD_UPN)
    refused = _post(client, case, member, ethnicity="WIRI", upn=GOOD_UPN)
    assert refused.status_code == 400
    assert b"Say why recorded details are being changed" in refused.content
    assert b'value="WIRI" selected' in refused.content or b'value="WIRI"selected' in refused.content
    assert Person.objects.get(pk=member.person_id).ethnicity == "WBRI", "nothing half-saved"
    saved = _post(
        client, case, member, ethnicity="WIRI", upn="", upn_unknown_reason="UN3", reason="Mother corrected it"
    )
    assert saved.status_code == 302
    corrections = {c.field: c for c in PersonCorrection.objects.filter(person_id=member.person_id)}
    assert set(corrections) == {"ethnicity", "upn"}, "a first entry (the reason) keeps no correction"
    assert (corrections["ethnicity"].old_value, corrections["ethnicity"].new_value) == ("WBRI", "WIRI")
    assert (corrections["upn"].old_value, corrections["upn"].new_value) == (GOOD_UPN, "")
    assert {c.corrected_by for c in corrections.values()} == {lead}
    assert {c.reason for c in corrections.values()} == {"Mother corrected it"}
    person = Person.objects.get(pk=member.person_id)
    assert (person.ethnicity, person.upn, person.upn_unknown_reason) == ("WIRI", "", "UN3")


@pytest.mark.django_db
def test_a_upn_and_a_reason_it_is_unknown_are_never_both_kept(client, case, lead):
    client.force_login(lead)
    member = case.household.get(relationship="child")
    refused = _post(client, case, member, upn=GOOD_UPN, upn_unknown_reason="UN2")
    assert refused.status_code == 400 and b"not both" in refused.content
    assert GOOD_UPN.encode() in refused.content, "the form is kept"
    wrong_letter = _post(client, case, member, upn=BAD_UPN)
    assert wrong_letter.status_code == 400 and b"check letter" in wrong_letter.content
    person = Person.objects.get(pk=member.person_id)
    assert (person.upn, person.upn_unknown_reason) == ("", "")
    with pytest.raises(ValidationError):
        services.person_census_details(
            by=lead, case=case, person=person, changes={"upn": GOOD_UPN, "upn_unknown_reason": "UN2"}
        )
    # And the database refuses it, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(upn=GOOD_UPN, upn_unknown_reason="UN2")


@pytest.mark.django_db
def test_no_disability_cannot_be_chosen_with_a_disability(client, case, lead):
    client.force_login(lead)
    member = case.household.get(relationship="child")
    refused = _post(client, case, member, disabilities=["NONE", "VIS"], ethnicity="CHNE")
    assert (
        refused.status_code == 400 and "“No disability” cannot be chosen with a disability".encode() in refused.content
    )
    person = Person.objects.get(pk=member.person_id)
    assert (person.disabilities, person.ethnicity) == ([], "")
    with pytest.raises(ValidationError):
        services.person_census_details(by=lead, case=case, person=person, changes={"disabilities": ["NONE", "MOB"]})
    with pytest.raises(ValidationError):
        services.person_census_details(by=lead, case=case, person=person, changes={"disabilities": ["XYZ"]})
    with pytest.raises(ValidationError):
        person.disabilities = ["NONE", "MOB"]
        person.full_clean()
    assert _post(client, case, member, disabilities=["NONE"]).status_code == 302


@pytest.mark.django_db
def test_an_unborn_baby_has_no_upn_and_is_not_of_school_age(client, lead):
    case = CaseFactory(lead_professional=lead)
    member = HouseholdMemberFactory(
        case=case, person__is_unborn=True, person__date_of_birth=None, person__expected_on=date(2099, 1, 1)
    )
    client.force_login(lead)
    page = client.get(_census_url(case, member))
    assert page.status_code == 200 and b'name="upn"' not in page.content
    assert _post(client, case, member, upn_unknown_reason="UN2").status_code == 400
    with pytest.raises(ValidationError):
        services.person_census_details(by=lead, case=case, person=member.person, changes={"upn": GOOD_UPN})
    assert _post(client, case, member, upn_unknown_reason="UN1").status_code == 302
    assert Person.objects.get(pk=member.person_id).upn_unknown_reason == "UN1"


@pytest.mark.django_db
def test_the_census_page_is_for_a_child_of_this_household_only(client, case, lead, outsider):
    adult = HouseholdMemberFactory(case=case, relationship=HouseholdMember.Relationship.PARENT)
    other_case = CaseFactory(lead_professional=lead)
    elsewhere = HouseholdMemberFactory(case=other_case)
    client.force_login(lead)
    assert client.get(_census_url(case, adult)).status_code == 404
    assert _post(client, case, adult, ethnicity="WBRI").status_code == 404
    # A member of another case, through this case's address: not found.
    assert client.get(reverse("cases:person_census", args=[case.reference, elsewhere.pk])).status_code == 404
    child = case.household.get(relationship="child")
    household = client.get(reverse("cases:household", args=[case.reference])).content.decode()
    assert _census_url(case, child) in household and _census_url(case, adult) not in household
    # Someone outside the case does not learn it exists.
    client.force_login(outsider)
    assert client.get(_census_url(case, child)).status_code == 404
    assert _post(client, case, child, ethnicity="WBRI").status_code == 404
    assert Person.objects.get(pk=child.person_id).ethnicity == ""


@pytest.mark.django_db
def test_corrections_from_the_correct_page_keep_census_details_as_they_are(client, case, lead):
    """The correct page and the census page share one service: a name correction leaves the census alone."""
    member = case.household.get(relationship="child")
    Person.objects.filter(pk=member.person_id).update(ethnicity="BAFR", disabilities=["LD"])
    corrections = services.person_correct(
        by=lead, case=case, person=member.person, changes={"first_name": "Renamed"}, reason="Spelling"
    )
    assert [c.field for c in corrections] == ["first_name"]
    person = Person.objects.get(pk=member.person_id)
    assert (person.first_name, person.ethnicity, person.disabilities) == ("Renamed", "BAFR", ["LD"])
    with pytest.raises(ValidationError) as no_reason:
        services.person_correct(by=lead, case=case, person=person, changes={"ethnicity": "WBRI"}, reason="")
    assert "reason" in no_reason.value.error_dict
