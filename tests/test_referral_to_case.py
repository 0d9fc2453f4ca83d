"""From the MASH's decision to the case (issue #20, parts 3 and 4 joined): the MASH sees whether a referral's
children are known and links them; a decision for assessment, strategy discussion or early help opens the
case with them in its household (their history with them, a re-referral counted); the team manager
allocates; the new case shows the family's earlier case as family history. Nothing of it reaches the
referrer."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency
from audit.models import AuditEvent
from cases import services as case_services
from cases.models import Case, HouseholdMember, Person
from referrals import services
from referrals.models import Decision, Referral, ReferralChild
from referrals.sources import SourceCode
from tests.factories import AgencyFactory, CaseFactory, HouseholdMemberFactory, TeamFactory, UserFactory

CHILD = HouseholdMember.Relationship.CHILD


@pytest.fixture
def referrer():
    school = AgencyFactory(name="Test Primary School", kind=Agency.Kind.EDUCATION)
    return UserFactory(username="referrer_p", agency=school, job_title="Designated safeguarding lead")


@pytest.fixture
def earlier_case(lead):
    """The family's earlier case, closed three months before: Kestrel was in it."""
    case = CaseFactory(
        reference="NP-2025-09001",
        lead_professional=lead,
        opened_on=date(2025, 2, 3),
        status="closed",
        closed_on=timezone.localdate() - timedelta(days=90),
    )
    HouseholdMemberFactory(
        case=case, person__first_name="Kestrel", person__last_name="Ashdown", person__date_of_birth=date(2017, 6, 4)
    )
    return case


def refer(referrer, **overrides) -> Referral:
    return services.referral_create(
        by=referrer,
        children=[
            # Spelled differently from the earlier record, day and month swapped.
            services.ChildDetails(first_name="Kestral", last_name="Ashdown", date_of_birth=date(2017, 4, 6)),
            services.ChildDetails(first_name="Wren", last_name="Ashdown", date_of_birth=date(2021, 9, 9)),
        ],
        adults=[services.AdultDetails(first_name="Moira", last_name="Ashdown", relationship="Mother")],
        source=SourceCode.SCHOOLS,
        address="3 Test Row",
        worries="Both children come to school hungry.",
        consent=Referral.Consent.REFUSED,
        consent_reason="The mother said no.",
        urgency=Referral.Urgency.ROUTINE,
        **overrides,
    )


def _kestrel(earlier_case) -> Person:
    return earlier_case.household.get().person


@pytest.mark.django_db
def test_the_mash_sees_a_returning_child_and_links_them(client, referrer, earlier_case, mash_practitioner):
    referral = refer(referrer)
    client.force_login(mash_practitioner)
    page = client.get(reverse("referrals:detail", args=[referral.reference])).content.decode()
    assert "Kestrel Ashdown" in page and earlier_case.reference in page  # the candidate, with their closed case
    assert "Not known: a new record is made" in page  # Wren and Moira are new
    response = client.post(
        reverse("referrals:link_person", args=[referral.reference]),
        {"row": "child-0", "person": str(_kestrel(earlier_case).pk)},
    )
    assert response.status_code == 302
    assert ReferralChild.objects.get(referral=referral, position=0).person == _kestrel(earlier_case)
    page = client.get(reverse("referrals:detail", args=[referral.reference])).content.decode()
    assert "Re-referral: a case closed in the 12 months before" in page
    linked = AuditEvent.objects.get(action=AuditEvent.Action.REFERRAL_PERSON_LINKED)
    assert linked.actor == mash_practitioner and linked.data == {"row": "child", "position": 0}


@pytest.mark.django_db
def test_the_referrer_learns_nothing_of_the_earlier_case(client, referrer, earlier_case, mash_manager, lead_team):
    referral = refer(referrer)
    services.link_person(
        referral=referral, by=mash_manager, row=referral.children.get(position=0), person=_kestrel(earlier_case)
    )
    services.decide(
        referral=referral, by=mash_manager, outcome="assessment", reasons="Hunger at school", allocating_team=lead_team
    )
    client.force_login(referrer)
    body = client.get(reverse("referrals:mine_detail", args=[referral.reference])).content.decode()
    new_case = Decision.objects.get().case
    for secret in (earlier_case.reference, new_case.reference, "Re-referral", "Kestrel", "known"):
        assert secret not in body, secret
    assert client.get(reverse("referrals:detail", args=[referral.reference])).status_code == 404


@pytest.mark.django_db
def test_an_assessment_decision_opens_the_case_for_allocation_with_the_family_history(
    client, referrer, earlier_case, mash_manager, lead_team, manager, lead
):
    referral = refer(referrer)
    kestrel = _kestrel(earlier_case)
    services.link_person(referral=referral, by=mash_manager, row=referral.children.get(position=0), person=kestrel)
    people_before = Person.objects.count()
    decision = services.decide(
        referral=referral, by=mash_manager, outcome="assessment", reasons="Hunger at school", allocating_team=lead_team
    )
    case = decision.case
    assert decision.rereferral is True
    assert (case.level, case.awaiting_allocation, case.lead_professional) == ("child_in_need", True, manager)
    assert case.assessment_due_on == referral.assessment_due_on
    household = {m.person.first_name: m.relationship for m in case.household.select_related("person")}
    assert household == {"Kestrel": CHILD, "Wren": CHILD, "Moira": HouseholdMember.Relationship.PARENT}
    assert Person.objects.count() == people_before + 2  # Wren and Moira are new; Kestrel is not typed again
    assert case.household.get(person__first_name="Kestrel").person == kestrel

    client.force_login(manager)
    assert case.reference in client.get(reverse("cases:to_allocate")).content.decode()
    case_services.case_allocate(case=case, by=manager, lead_professional=lead, on=timezone.localdate())
    client.force_login(lead)
    page = client.get(reverse("dashboards:detail", args=[case.reference])).content.decode()
    assert "Family history" in page and earlier_case.reference in page and "Kestrel" in page


@pytest.mark.django_db
def test_a_strategy_discussion_opens_a_child_protection_case(referrer, mash_manager, lead_team, manager):
    decision = services.decide(
        referral=refer(referrer), by=mash_manager, outcome="strategy", reasons="Injury", allocating_team=lead_team
    )
    assert decision.case.level == "child_protection" and decision.rereferral is False


@pytest.mark.django_db
def test_early_help_opens_an_early_help_case_with_its_lead_agency(referrer, mash_manager):
    family_hub = AgencyFactory(name="Test Family Hub", kind="early_help")
    hub_manager = UserFactory(agency=family_hub, role="team_manager")
    TeamFactory(name="Hub team", agency=family_hub, manager=hub_manager)
    decision = services.decide(
        referral=refer(referrer), by=mash_manager, outcome="early_help", reasons="Support", lead_agency=family_hub
    )
    case = decision.case
    assert (case.level, case.lead_agency, case.lead_professional) == ("early_help", family_hub, hub_manager)
    assert case.assessment_due_on is None and case.awaiting_allocation


@pytest.mark.django_db
def test_early_help_for_an_agency_without_a_team_manager_is_refused_and_leaves_nothing(referrer, mash_manager):
    referral = refer(referrer)
    people, cases = Person.objects.count(), Case.objects.count()
    with pytest.raises(ValidationError, match="no team with a manager"):
        services.decide(
            referral=referral, by=mash_manager, outcome="early_help", reasons="Support", lead_agency=AgencyFactory()
        )
    assert (Person.objects.count(), Case.objects.count(), Decision.objects.count()) == (people, cases, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["nfa", "advice"])
def test_no_further_action_and_advice_open_no_case(referrer, mash_manager, outcome):
    people = Person.objects.count()
    decision = services.decide(referral=refer(referrer), by=mash_manager, outcome=outcome, reasons="Below threshold")
    assert decision.case is None and Person.objects.count() == people and not Case.objects.exists()


@pytest.mark.django_db
def test_a_child_whose_nhs_number_is_known_is_that_person_not_a_second_record(
    referrer, mash_manager, lead_team, manager, lead
):
    known = HouseholdMemberFactory(
        case=CaseFactory(reference="NP-2025-09002", lead_professional=lead), person__nhs_number="9434765919"
    ).person
    referral = services.referral_create(
        by=referrer,
        children=[
            services.ChildDetails(
                first_name="Other", last_name="Spelling", date_of_birth=date(2019, 1, 1), nhs_number="943 476 5919"
            )
        ],
        adults=[],
        source=SourceCode.SCHOOLS,
        address="x",
        worries="x",
        consent="given",
        urgency="routine",
    )
    decision = services.decide(
        referral=referral, by=mash_manager, outcome="assessment", reasons="x", allocating_team=lead_team
    )
    assert decision.case.household.get().person == known


@pytest.mark.django_db
def test_a_merged_record_links_through_to_the_person_it_is_now(
    referrer, earlier_case, mash_manager, lead_team, manager, lead
):
    kestrel = _kestrel(earlier_case)
    alias = HouseholdMemberFactory(
        case=CaseFactory(reference="NP-2025-09003", lead_professional=lead), person__first_name="Kes"
    ).person
    case_services.merge_people(by=manager, person=alias, into=kestrel, reason="Same child")
    referral = refer(referrer)
    services.link_person(referral=referral, by=mash_manager, row=referral.children.get(position=0), person=alias)
    assert referral.children.get(position=0).person == kestrel  # the canonical record, not the alias


@pytest.mark.django_db
def test_linking_is_for_the_mash_and_only_before_the_decision(
    client, referrer, earlier_case, member, mash_manager, lead_team, manager
):
    referral = refer(referrer)
    url = reverse("referrals:link_person", args=[referral.reference])
    data = {"row": "child-0", "person": str(_kestrel(earlier_case).pk)}
    client.force_login(member)
    assert client.post(url, data).status_code == 404
    services.decide(referral=referral, by=mash_manager, outcome="nfa", reasons="Below threshold")
    client.force_login(mash_manager)
    refused = client.post(url, data)
    assert refused.status_code == 400 and b"can no longer be linked" in refused.content
    assert client.post(url, {"row": "nobody", "person": "x"}).status_code == 400
    assert ReferralChild.objects.get(referral=referral, position=0).person is None
