"""From decision to case (issue #20, part 4): who may open which case by hand and why it is kept; a case opened
for a team to allocate, with its household linked and its assessment due 45 working days after the referral
(across Christmas and Easter); the manager's "to allocate" list and the allocation itself; recording the
assessment completed."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AppendOnlyError, AuditEvent
from cases import services
from cases.models import Case, CaseAllocation, CaseMember, CaseOpening, ChildAssessment, HouseholdMember
from notifications.models import Notification
from tests.factories import CaseFactory, HouseholdMemberFactory, PersonFactory, TeamFactory, UserFactory, open_episode

CHILD, PARENT = HouseholdMember.Relationship.CHILD, HouseholdMember.Relationship.PARENT


def _open_form(client, **data):
    token = client.get(reverse("cases:create")).context["form"]["submission_token"].value()
    today = timezone.localdate()
    post = {
        "level": "early_help",
        "opened_on": today.isoformat(),
        "submission_token": token,
        **data,
    }
    return client.post(reverse("cases:create"), post)


def _for_allocation(manager_team, by, *, received=date(2026, 12, 2), level="child_in_need", people=None):
    people = people or [(PersonFactory(first_name="Zephyrine"), CHILD), (PersonFactory(first_name="Alma"), PARENT)]
    return services.case_open_for_allocation(
        by=by,
        level=level,
        opened_on=received + timedelta(days=1),
        team=manager_team,
        lead_agency=manager_team.agency,
        referral_received_on=received,
        people=people,
        reason="MASH decision: child and family assessment.",
    )


@pytest.fixture
def mash_manager(social_care):
    return UserFactory(username="mash_manager_p", agency=social_care, role="mash_manager")


# --- Opening by hand ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_practitioner_of_any_agency_opens_an_early_help_case_and_leads_it(client, member):
    client.force_login(member)  # a health visitor
    response = _open_form(client, level="early_help")
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.level, case.lead_professional, case.lead_agency) == ("early_help", member, member.agency)
    assert not case.awaiting_allocation and case.assessment_due_on is None
    opening = case.opening
    assert (opening.how, opening.opened_by, opening.reason) == (CaseOpening.How.BY_HAND, member, "")


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["child_in_need", "child_protection"])
def test_a_practitioner_cannot_open_a_child_in_need_or_protection_case_by_hand(client, lead, level):
    client.force_login(lead)
    response = _open_form(client, level=level)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Only a team manager or senior manager can open a child in need or child protection case" in body
    assert response.context["form"]["level"].value() == level  # what was chosen is kept
    assert not Case.objects.exists() and not CaseOpening.objects.exists()
    with pytest.raises(ValidationError):  # the service refuses too, whatever the form did
        services.case_create(by=lead, level=level, opened_on=timezone.localdate(), reason="Because")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "senior"])
def test_a_manager_opens_a_child_protection_case_with_a_reason_that_is_kept(client, request, who):
    person = request.getfixturevalue(who)
    client.force_login(person)
    response = _open_form(client, level="child_protection", reason="")
    assert response.status_code == 400
    assert "Say why the case is being opened at this level." in response.content.decode()
    assert not Case.objects.exists()
    response = _open_form(client, level="child_protection", reason="Strategy discussion held out of hours.")
    assert response.status_code == 302
    opening = Case.objects.get().opening
    assert (opening.opened_by, opening.level, opening.reason) == (
        person,
        "child_protection",
        "Strategy discussion held out of hours.",
    )
    with pytest.raises(AppendOnlyError):
        opening.reason = "changed"
        opening.save()


@pytest.mark.django_db
def test_a_practitioner_cannot_step_their_early_help_case_up_to_child_protection(client, lead):
    case = CaseFactory(lead_professional=lead, level="early_help")
    client.force_login(lead)
    response = client.post(
        reverse("cases:edit", args=[case.reference]),
        {
            "level": "child_protection",
            "opened_on": case.opened_on.isoformat(),
            "version": case.version,
        },
    )
    assert response.status_code == 400
    assert "Only a team manager or senior manager" in response.content.decode()
    assert Case.objects.get(pk=case.pk).level == "early_help"


# --- Opened for allocation ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_case_opened_for_allocation_has_its_household_and_waits_with_the_team_manager(
    lead_team, manager, mash_manager
):
    case = _for_allocation(lead_team, mash_manager)
    assert case.awaiting_allocation and case.lead_professional == manager and case.lead_agency == lead_team.agency
    assert sorted(case.household.values_list("person__first_name", "relationship")) == [
        ("Alma", PARENT),
        ("Zephyrine", CHILD),
    ]
    # The manager holds it on the team; the MASH manager who decided is not on the case team.
    assert list(case.members.current().values_list("user", "role")) == [(manager.pk, CaseMember.Role.LEAD)]
    opening = case.opening
    assert (opening.how, opening.team, opening.referral_received_on) == (
        CaseOpening.How.FROM_REFERRAL,
        lead_team,
        date(2026, 12, 2),
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CASE_CREATED, case_id=case.pk).count() == 1


@pytest.mark.parametrize(
    "received, due",
    [
        # 25 and 28 December 2026 (Christmas, substitute Boxing Day) and 1 January 2027 are not working days.
        (date(2026, 12, 3), date(2027, 2, 9)),
        # Good Friday 26 March, Easter Monday 29 March and the early May bank holiday, 3 May 2027.
        (date(2027, 3, 1), date(2027, 5, 6)),
        # No bank holiday in the way: nine weeks to the day.
        (date(2026, 9, 7), date(2026, 11, 9)),
    ],
)
@pytest.mark.django_db
def test_the_assessment_is_due_45_working_days_after_the_referral(lead_team, manager, mash_manager, received, due):
    assert _for_allocation(lead_team, mash_manager, received=received).assessment_due_on == due


@pytest.mark.django_db
def test_the_assessment_timescale_is_a_setting(lead_team, manager, mash_manager, settings):
    settings.ASSESSMENT_WORKING_DAYS = 10
    # Ten working days from Monday 21 December 2026: not 25 or 28 December, nor 1 January.
    assert _for_allocation(lead_team, mash_manager, received=date(2026, 12, 21)).assessment_due_on == date(2027, 1, 7)


@pytest.mark.django_db
def test_opening_for_allocation_refuses_a_team_without_a_manager_and_a_household_without_a_child(
    social_care, mash_manager, lead_team, manager
):
    with pytest.raises(ValidationError, match="no active team manager"):
        _for_allocation(TeamFactory(agency=social_care), mash_manager)
    with pytest.raises(ValidationError, match="at least one child"):
        _for_allocation(lead_team, mash_manager, people=[(PersonFactory(), PARENT)])
    assert not Case.objects.exists()


# --- The "to allocate" list --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_to_allocate_list_shows_the_managers_waiting_cases_only(
    client, lead_team, manager, senior, mash_manager, social_care, lead, django_assert_max_num_queries
):
    ours = _for_allocation(lead_team, mash_manager)
    other_manager = UserFactory(agency=social_care, role="team_manager")
    other_team = TeamFactory(agency=social_care, manager=other_manager)
    theirs = _for_allocation(other_team, mash_manager)
    allocated = CaseFactory(lead_professional=lead, reference="NP-2025-09999")
    client.force_login(manager)
    body = client.get(reverse("cases:to_allocate")).content.decode()
    assert ours.reference in body and "Zephyrine" in body and "8 February 2027" in body
    assert theirs.reference not in body and allocated.reference not in body
    client.force_login(senior)  # a senior manager sees every waiting case their agency leads
    body = client.get(reverse("cases:to_allocate")).content.decode()
    assert ours.reference in body and theirs.reference in body
    client.force_login(lead)
    assert client.get(reverse("cases:to_allocate")).status_code == 404


@pytest.mark.django_db
def test_the_to_allocate_list_takes_the_same_queries_for_one_case_or_many(
    client, lead_team, manager, mash_manager, django_assert_max_num_queries
):
    _for_allocation(lead_team, mash_manager)
    client.force_login(manager)
    client.get(reverse("cases:to_allocate"))  # warm the session and the user
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cases:to_allocate"))
    for _ in range(5):
        _for_allocation(lead_team, mash_manager)
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("cases:to_allocate"))
    assert len(response.context["cases"]) == 6


# --- Allocation ---------------------------------------------------------------------------------------


def _allocate(client, case, lead_professional, on=None):
    url = reverse("cases:allocate", args=[case.reference])
    token = client.get(url).context["form"]["submission_token"].value()
    on = on or timezone.localdate()
    return client.post(
        url,
        {
            "lead_professional": lead_professional.pk,
            "on": on.isoformat(),
            "submission_token": token,
        },
    )


@pytest.mark.django_db
def test_the_team_manager_allocates_and_the_lead_is_told(client, lead_team, manager, lead, mash_manager):
    case = _for_allocation(lead_team, mash_manager)
    client.force_login(manager)
    response = _allocate(client, case, lead)
    assert response.status_code == 302 and response.url == reverse("cases:to_allocate")
    case.refresh_from_db()
    assert not case.awaiting_allocation and case.lead_professional == lead
    assert list(case.members.current().values_list("user", "role")) == [(lead.pk, CaseMember.Role.LEAD)]
    assert case.members.get(user=manager).ended_on == timezone.localdate()  # the holding is history, kept
    allocation = CaseAllocation.objects.get()
    assert (allocation.allocated_by, allocation.lead_professional) == (manager, lead)
    event = AuditEvent.objects.get(action=AuditEvent.Action.CASE_LEAD_CHANGED, case_id=case.pk)
    assert event.actor == manager and event.data["allocation"] is True and event.data["to_user_id"] == lead.pk
    note = Notification.objects.get(recipient=lead)
    assert note.kind == "allocation" and note.link == reverse("dashboards:detail", args=[case.reference])
    assert "Zephyrine" not in note.summary and case.reference not in note.summary
    # The case has left the list.
    assert case not in client.get(reverse("cases:to_allocate")).context["cases"]


@pytest.mark.django_db
def test_a_double_post_allocates_once(client, lead_team, manager, lead, mash_manager):
    case = _for_allocation(lead_team, mash_manager)
    client.force_login(manager)
    url = reverse("cases:allocate", args=[case.reference])
    token = client.get(url).context["form"]["submission_token"].value()
    today = timezone.localdate()
    data = {
        "lead_professional": lead.pk,
        "on": today.isoformat(),
    }
    data["submission_token"] = token
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert CaseAllocation.objects.count() == 1 and Notification.objects.filter(recipient=lead).count() == 1


@pytest.mark.django_db
def test_the_lead_is_chosen_from_the_team_only(client, lead_team, manager, colleague, mash_manager):
    case = _for_allocation(lead_team, mash_manager)
    client.force_login(manager)
    response = _allocate(client, case, colleague)  # same agency, not in the team
    assert response.status_code == 400
    assert "Choose someone from the team." in response.content.decode()
    assert Case.objects.get(pk=case.pk).awaiting_allocation
    with pytest.raises(ValidationError):
        services.case_allocate(case=case, by=manager, lead_professional=colleague, on=timezone.localdate())


@pytest.mark.django_db
def test_only_the_teams_manager_or_a_senior_manager_may_allocate(
    client, lead_team, manager, senior, lead, colleague, mash_manager, social_care
):
    case = _for_allocation(lead_team, mash_manager)
    other_manager = UserFactory(agency=social_care, role="team_manager")
    TeamFactory(agency=social_care, manager=other_manager)
    url = reverse("cases:allocate", args=[case.reference])
    for outsider in (lead, colleague, other_manager, mash_manager):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"lead_professional": lead.pk}).status_code == 404
        with pytest.raises(PermissionDenied):
            services.case_allocate(case=case, by=outsider, lead_professional=lead, on=timezone.localdate())
    assert Case.objects.get(pk=case.pk).awaiting_allocation
    client.force_login(senior)
    assert _allocate(client, case, lead).status_code == 302
    assert Case.objects.get(pk=case.pk).lead_professional == lead


@pytest.mark.django_db
def test_an_allocated_case_has_nothing_to_allocate(client, case, manager):
    client.force_login(manager)
    response = client.get(reverse("cases:allocate", args=[case.reference]))
    assert response.status_code == 200 and "there is nothing to allocate" in response.content.decode()
    assert "form" not in response.context


# --- The assessment completed -------------------------------------------------------------------------


def _complete(client, case, on):
    url = reverse("cases:assessment_completed", args=[case.reference])
    token = client.get(url).context["form"]["submission_token"].value()
    return client.post(
        url,
        {"completed_on": on.isoformat(), "factors": ["16A", "4B"], "submission_token": token},
    )


@pytest.mark.django_db
def test_the_lead_records_the_assessment_completed(client, case, lead, member):
    """Recording the household's assessment authorises each child's assessment still waiting, with its factors."""
    Case.objects.filter(pk=case.pk).update(assessment_due_on=timezone.localdate())
    children = [HouseholdMemberFactory(case=case).person for _ in range(2)]
    waiting = [
        ChildAssessment.objects.create(episode=open_episode(case, child, case.opened_on), started_on=case.opened_on)
        for child in children
    ]
    client.force_login(member)
    assert client.get(reverse("cases:assessment_completed", args=[case.reference])).status_code == 403
    client.force_login(lead)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = _complete(client, case, tomorrow)
    assert response.status_code == 400 and "The date cannot be in the future." in response.content.decode()
    assert Case.objects.get(pk=case.pk).assessment_completed_on is None
    response = _complete(client, case, timezone.localdate())
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).assessment_completed_on == timezone.localdate()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CASE_UPDATED, case_id=case.pk).get()
    assert event.actor == lead and event.data == {"fields": ["assessment_completed_on"]}
    page = client.get(reverse("dashboards:detail", args=[case.reference])).content.decode()
    assert "Completed on" in page
    for assessment in waiting:
        assessment.refresh_from_db()
        assert (assessment.authorised_on, assessment.authorised_by, assessment.factors) == (
            timezone.localdate(),
            lead,
            ["4B", "16A"],  # in the census's order
        )
