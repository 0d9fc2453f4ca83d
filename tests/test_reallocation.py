"""Managers land on the manager's view, see each worker's open cases, and move a leaver's caseload in one step.

Reallocation goes through the single lead-change service for every case, in one transaction: each case's
team history and audit row are exactly a single change's, plus one row for the reallocation; a refusal
leaves nothing changed.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, CaseMember
from plans import services as plan_services
from tests.factories import CaseFactory, CaseMemberFactory, TeamFactory, UserFactory


@pytest.fixture
def team_a(lead_team, social_care, lead, manager):
    """Team A: the lead (who is leaving) and two colleagues who will take the cases on."""
    nia = UserFactory(username="nia_p", first_name="Nia", last_name="Adams", agency=social_care, team=lead_team)
    omar = UserFactory(username="omar_p", first_name="Omar", last_name="Brook", agency=social_care, team=lead_team)
    return nia, omar


def _leavers_cases(lead, levels=("child_protection", "child_in_need", "early_help")) -> list[Case]:
    return [CaseFactory(lead_professional=lead, level=level) for level in levels]


def _post(client, leaver, cases, *, all_to=None, per_case=None, versions=None, keep=False):
    data = {"leaver": leaver.pk, "all_to": all_to.pk if all_to else ""}
    for case in cases:
        data[f"version_{case.reference}"] = (versions or {}).get(case.reference, case.version)
        chosen = (per_case or {}).get(case.reference)
        data[f"lead_{case.reference}"] = chosen.pk if chosen else ""
    if keep:
        data["keep_previous_on_team"] = "on"
    return client.post(reverse("dashboards:reallocate"), data)


# --- Landing ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_managers_land_on_the_managers_view_and_practitioners_on_their_home(client, case, lead, manager, senior):
    for person in (manager, senior):
        client.force_login(person)
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response.url == reverse("dashboards:manager")
    client.force_login(lead)
    response = client.get(reverse("home"))
    assert response.status_code == 200 and case.reference in response.content.decode()


@pytest.mark.django_db
def test_a_manager_who_is_on_a_case_team_keeps_the_home_page_with_a_link_to_the_managers_view(client, manager):
    CaseMemberFactory(user=manager, role=CaseMember.Role.CORE_GROUP)
    client.force_login(manager)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("dashboards:manager") in response.content.decode()


# --- Open cases by worker --------------------------------------------------------------------------


@pytest.mark.django_db
def test_managers_view_counts_each_workers_open_and_child_protection_cases(client, lead, manager, team_a, colleague):
    nia, omar = team_a
    _leavers_cases(lead)  # one child protection, one child in need, one early help
    CaseFactory(lead_professional=nia, level="child_protection")
    closed = CaseFactory(lead_professional=nia, level="child_protection")
    Case.objects.filter(pk=closed.pk).update(
        status=Case.Status.CLOSED, closed_on=timezone.localdate()
    )  # closed: not counted
    CaseFactory(lead_professional=colleague)  # not in Team A
    client.force_login(manager)
    response = client.get(reverse("dashboards:manager"))
    [(team, workers)] = response.context["workers"]
    counts = {w.name: (w.open_cases, w.child_protection) for w in workers}
    assert team == "Team A"
    assert counts == {
        lead.get_full_name(): (3, 1),
        nia.get_full_name(): (1, 1),
        omar.get_full_name(): (0, 0),
        manager.get_full_name(): (0, 0),
    }
    body = response.content.decode()
    assert "Open cases by worker" in body and "Of which child protection" in body
    assert f"{reverse('dashboards:reallocate')}?leaver={lead.pk}" in body
    assert colleague.get_full_name() not in body


@pytest.mark.django_db
def test_a_senior_manager_sees_every_team_of_the_agency_separately(client, lead, senior, social_care, colleague):
    team_b = TeamFactory(name="Team B", agency=social_care)
    bea = UserFactory(username="bea_p", agency=social_care, team=team_b)
    CaseFactory(lead_professional=lead)
    CaseFactory(lead_professional=bea, level="child_in_need")
    CaseFactory(lead_professional=colleague)  # in the agency, in no team
    elsewhere = TeamFactory(name="Team Elsewhere")  # another agency's team: not the senior manager's
    UserFactory(username="far_p", agency=elsewhere.agency, team=elsewhere)
    client.force_login(senior)
    groups = dict(client.get(reverse("dashboards:manager")).context["workers"])
    assert list(groups) == ["Team A", "Team B", "No team"]
    assert [(w.name, w.open_cases, w.child_protection) for w in groups["Team B"]] == [(bea.get_full_name(), 1, 0)]
    assert [(w.name, w.open_cases) for w in groups["No team"]] == [(colleague.get_full_name(), 1)]


# --- Reallocation ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reallocation_page_lists_the_leavers_cases_with_new_leads_from_the_managers_team(
    client, lead, manager, team_a, colleague
):
    nia, omar = team_a
    cases = _leavers_cases(lead)
    client.force_login(manager)
    first = client.get(reverse("dashboards:reallocate"))
    assert first.status_code == 200
    assert list(first.context["picked"].fields["leaver"].queryset) == [lead]
    response = client.get(reverse("dashboards:reallocate"), {"leaver": lead.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert [case.reference for case in form.cases] == sorted(case.reference for case in cases)
    offered = set(form.people.values())
    assert offered == {nia, omar, manager}  # the manager's team, not the leaver, not another team
    assert colleague not in offered


@pytest.mark.django_db
def test_reallocation_moves_every_case_through_the_single_lead_change(client, lead, manager, team_a):
    nia, omar = team_a
    first, second, third = _leavers_cases(lead)
    client.force_login(manager)
    response = _post(client, lead, [first, second, third], all_to=nia, per_case={third.reference: omar})
    assert response.status_code == 302 and response.url == reverse("dashboards:manager")
    today = timezone.localdate()
    for case, new_lead in ((first, nia), (second, nia), (third, omar)):
        case.refresh_from_db()
        assert case.lead_professional == new_lead and case.version == 2
        # The team history a single change leaves: the old lead's membership ended, the new lead's started.
        history = list(case.members.order_by("started_on", "pk").values_list("user_id", "role", "ended_on"))
        assert history == [(lead.pk, CaseMember.Role.LEAD, today), (new_lead.pk, CaseMember.Role.LEAD, None)]
    changes = AuditEvent.objects.filter(action=AuditEvent.Action.CASE_LEAD_CHANGED).order_by("case__reference")
    assert [(e.case_id, e.actor_id, e.data) for e in changes] == [
        (c.pk, manager.pk, {"from_user_id": lead.pk, "to_user_id": to.pk})
        for c, to in ((first, nia), (second, nia), (third, omar))
    ]
    [bulk] = AuditEvent.objects.filter(action=AuditEvent.Action.CASELOAD_REALLOCATED)
    assert bulk.actor == manager and bulk.data["from_user_id"] == lead.pk
    assert sorted(m["case_id"] for m in bulk.data["moves"]) == sorted(str(c.pk) for c in (first, second, third))
    assert "3 cases moved" in client.get(reverse("dashboards:manager")).content.decode()


@pytest.mark.django_db
def test_keeping_the_previous_lead_on_the_team_as_core_group(client, lead, manager, team_a):
    nia, _ = team_a
    [case] = _leavers_cases(lead, levels=["child_in_need"])
    client.force_login(manager)
    assert _post(client, lead, [case], all_to=nia, keep=True).status_code == 302
    current = set(case.members.current().values_list("user_id", "role"))
    assert current == {(nia.pk, CaseMember.Role.LEAD), (lead.pk, CaseMember.Role.CORE_GROUP)}


@pytest.mark.django_db
def test_if_one_case_cannot_move_nothing_moves_and_the_form_is_kept(client, lead, manager, team_a):
    nia, omar = team_a
    first, second, third = _leavers_cases(lead)
    # Someone changed the third case after the manager opened the page: its version moved on.
    Case.objects.filter(pk=third.pk).update(version=5)
    client.force_login(manager)
    response = _post(client, lead, [first, second, third], all_to=nia, per_case={second.reference: omar})
    assert response.status_code == 400
    body = response.content.decode()
    assert f"Case {third.reference} was changed by someone else" in body and "Nothing was moved" in body
    # What was chosen is still chosen.
    assert response.context["form"]["all_to"].value() == str(nia.pk)
    assert response.context["form"][f"lead_{second.reference}"].value() == str(omar.pk)
    for case in (first, second, third):
        case.refresh_from_db()
        assert case.lead_professional == lead
        assert list(case.members.current().values_list("user_id", flat=True)) == [lead.pk]
    assert not AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.CASE_LEAD_CHANGED, AuditEvent.Action.CASELOAD_REALLOCATED]
    ).exists()


@pytest.mark.django_db
def test_every_case_needs_a_new_lead(client, lead, manager, team_a):
    nia, _ = team_a
    first, second = _leavers_cases(lead, levels=["child_in_need", "early_help"])
    client.force_login(manager)
    response = _post(client, lead, [first, second], per_case={first.reference: nia})
    assert response.status_code == 400
    assert f"one for each of {second.reference}" in response.content.decode()
    first.refresh_from_db()
    assert first.lead_professional == lead


@pytest.mark.django_db
def test_outsiders_cannot_reallocate(client, lead, manager, team_a, social_care, senior):
    nia, _ = team_a
    cases = _leavers_cases(lead, levels=["child_in_need"])
    # A practitioner (the leaver's own colleague) has no manager's view and no reallocation.
    client.force_login(nia)
    assert client.get(reverse("dashboards:reallocate")).status_code == 403
    assert _post(client, lead, cases, all_to=nia).status_code == 403
    # Another team's manager: the leaver is not theirs to choose.
    team_b = TeamFactory(name="Team B", agency=social_care)
    other_manager = UserFactory(username="other_manager_p", agency=social_care, team=team_b, role="team_manager")
    team_b.manager = other_manager
    team_b.save()
    client.force_login(other_manager)
    assert client.get(reverse("dashboards:reallocate"), {"leaver": lead.pk}).status_code == 400
    assert _post(client, lead, cases, all_to=nia).status_code == 400
    # The service says no on its own, whatever a view did.
    with pytest.raises(PermissionDenied):
        plan_services.caseload_reallocate(
            by=other_manager,
            leaver=lead,
            moves=[plan_services.Move(cases[0], cases[0].version, nia)],
            on=timezone.localdate(),
        )
    cases[0].refresh_from_db()
    assert cases[0].lead_professional == lead
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CASE_LEAD_CHANGED).exists()
    # A senior manager of the leaver's agency may.
    assert plan_services.may_reallocate_from(senior, lead) and plan_services.may_reallocate_from(manager, lead)
    assert not plan_services.may_reallocate_from(other_manager, lead)


@pytest.mark.django_db
def test_reallocation_page_query_count_does_not_grow_with_the_caseload(
    client, lead, manager, team_a, django_assert_max_num_queries
):
    client.force_login(manager)
    counts = []
    for n in (2, 20):
        _leavers_cases(lead, levels=["child_in_need"] * (n - Case.objects.filter(lead_professional=lead).count()))
        with django_assert_max_num_queries(20) as captured:
            response = client.get(reverse("dashboards:reallocate"), {"leaver": lead.pk})
        assert len(response.context["form"].cases) == n
        counts.append(len(captured))
    assert counts[0] == counts[1]
