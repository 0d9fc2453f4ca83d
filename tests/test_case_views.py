"""Case pages through the browser's eyes: opening a case, household, team, lead changes, closure,
bad input (400, nothing saved) and the case list's constant query count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEvent
from cases.models import Case, CaseMember, HouseholdMember, Person
from plans import services as plan_services
from tests.factories import (
    CaseFactory,
    CaseMemberFactory,
    ChildEpisodeFactory,
    HouseholdMemberFactory,
    UserFactory,
    once,
)

TODAY = timezone.localdate


def _detail(case):
    return reverse("dashboards:detail", args=[case.reference])


@pytest.mark.django_db
def test_open_a_case_makes_the_creator_lead(client, lead):
    client.force_login(lead)
    response = client.post(reverse("cases:create"), once({"level": "early_help", "opened_on": TODAY().isoformat()}))
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == _detail(case)
    assert case.reference == f"NP-{TODAY().year}-00001"
    assert case.lead_professional == lead and case.lead_agency == lead.agency
    assert case.members.get().role == CaseMember.Role.LEAD
    assert AuditEvent.objects.filter(case=case, action="case.created").count() == 1


@pytest.mark.django_db
def test_references_are_sequential_per_year(client, lead):
    client.force_login(lead)
    for _ in range(3):
        client.post(reverse("cases:create"), once({"level": "early_help", "opened_on": TODAY().isoformat()}))
    client.post(reverse("cases:create"), once({"level": "early_help", "opened_on": "2025-06-01"}))
    refs = sorted(Case.objects.values_list("reference", flat=True))
    year = TODAY().year
    assert refs == ["NP-2025-00001", f"NP-{year}-00001", f"NP-{year}-00002", f"NP-{year}-00003"]


@pytest.mark.django_db
def test_add_two_children_and_an_unborn_baby(client, case, member):
    client.force_login(member)
    url = reverse("cases:household_add", args=[case.reference])
    base = {"relationship": "child", "joined_on": case.opened_on.isoformat(), "last_name": "Carter"}
    assert client.post(url, once({**base, "first_name": "Amy", "date_of_birth": "2019-03-02"})).status_code == 302
    assert client.post(url, once({**base, "first_name": "Ben", "date_of_birth": "02/03/2021"})).status_code == 302
    due = (TODAY() + timedelta(days=60)).isoformat()
    assert (
        client.post(url, once({**base, "first_name": "Baby", "is_unborn": "on", "expected_on": due})).status_code == 302
    )
    page = client.get(_detail(case)).content.decode()
    assert "Amy Carter" in page and "Ben Carter" in page and "Unborn" in page
    assert "2 Mar 2021" in page  # UK date format


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad, field",
    [
        ({"date_of_birth": "2099-01-01"}, "date_of_birth"),  # a born child from the future
        ({"last_name": ""}, "last_name"),  # missing surname
        ({"date_of_birth": "31/02/2020"}, "date_of_birth"),  # no such date
        ({"relationship": "cousin"}, "relationship"),  # tampered choice
        ({"is_unborn": "on", "expected_on": ""}, "expected_on"),  # unborn with no due date
        ({"first_name": "A" * 101}, "first_name"),  # too long
        ({"submission_token": "not-a-token"}, "submission_token"),  # tampered hidden field
    ],
)
def test_household_bad_input_is_refused_and_nothing_saved(client, case, lead, bad, field):
    client.force_login(lead)
    before = Person.objects.count()
    data = {
        **once(
            {
                "first_name": "Cara",
                "last_name": "Doe",
                "relationship": "child",
                "date_of_birth": "2018-01-01",
                "joined_on": case.opened_on.isoformat(),
            }
        ),
        **bad,
    }
    response = client.post(reverse("cases:household_add", args=[case.reference]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Person.objects.count() == before
    assert b"Please correct the problems shown below" in response.content
    assert b"Cara" in response.content or field == "first_name"  # what was typed is kept


@pytest.mark.django_db
def test_team_member_end_date_before_start_is_refused(client, case, lead, member):
    client.force_login(lead)
    membership = case.members.get(user=member)
    url = reverse("cases:team_end", args=[case.reference, membership.pk])
    response = client.post(url, {"ended_on": (membership.started_on - timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert "cannot be before" in str(response.context["form"].errors)
    membership.refresh_from_db()
    assert membership.ended_on is None


@pytest.mark.django_db
def test_nested_id_from_another_case_is_404(client, case, lead):
    other = CaseFactory(lead_professional=lead)
    foreign = CaseMemberFactory(case=other)
    client.force_login(lead)
    url = reverse("cases:team_end", args=[case.reference, foreign.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"ended_on": TODAY().isoformat()}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.ended_on is None


@pytest.mark.django_db
def test_add_practitioner_to_the_team_then_they_see_the_case(client, case, lead, colleague):
    client.force_login(colleague)
    assert client.get(_detail(case)).status_code == 404
    client.force_login(lead)
    response = client.post(
        reverse("cases:team_add", args=[case.reference]),
        {"user": colleague.pk, "role": "contributor", "started_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    client.force_login(colleague)
    assert client.get(_detail(case)).status_code == 200
    assert case.reference in client.get(reverse("cases:list")).content.decode()


@pytest.mark.django_db
def test_mass_assignment_keys_are_ignored(client, case, lead, member):
    client.force_login(lead)
    client.post(
        reverse("cases:team_add", args=[case.reference]),
        {
            "user": UserFactory(username="extra").pk,
            "role": "contributor",
            "started_on": TODAY().isoformat(),
            "case": "other",
            "added_by": member.pk,
        },
    )
    added = case.members.get(user__username="extra")
    assert added.added_by == lead


@pytest.mark.django_db
def test_lead_change_keeps_history(client, case, lead, manager, colleague):
    client.force_login(manager)
    response = client.post(
        reverse("plans:lead_change", args=[case.reference]),
        {"new_lead": colleague.pk, "keep_previous_on_team": "on", "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.lead_professional == colleague
    leads = case.members.filter(role=CaseMember.Role.LEAD).order_by("started_on", "pk")
    assert [(m.user, m.ended_on is None) for m in leads] == [(lead, False), (colleague, True)]
    assert case.members.get(user=lead, ended_on__isnull=True).role == CaseMember.Role.CORE_GROUP
    client.force_login(lead)  # the manager no longer manages this case's lead, so reads as the old lead
    page = client.get(_detail(case)).content.decode()
    assert escape(lead.get_full_name()) in page and escape(colleague.get_full_name()) in page


@pytest.mark.django_db
def test_close_with_unknown_reason_is_refused(client, case, lead):
    episode = ChildEpisodeFactory(case=case)
    client.force_login(lead)
    url = reverse("plans:close", args=[case.reference])
    response = client.post(
        url, {"closed_on": TODAY().isoformat(), f"reason_{episode.pk}": "RC99", "version": case.version}
    )
    assert response.status_code == 400
    assert f"reason_{episode.pk}" in response.context["form"].errors
    case.refresh_from_db()
    assert case.is_open


@pytest.mark.django_db
def test_close_before_opening_is_refused_and_valid_close_is_audited(client, case, lead):
    # Nothing closes without a recent closing review (tests/test_plans_meetings.py has the refusals).
    plan_services.meeting_record(
        case=case,
        by=lead,
        kind="rcpc",
        held_on=TODAY(),
        attendees="Team",
        decisions="Close",
        is_closing_review=True,
        schedule_next=False,
    )
    episode = ChildEpisodeFactory(case=case)
    client.force_login(lead)
    url = reverse("plans:close", args=[case.reference])
    early = (case.opened_on - timedelta(days=1)).isoformat()
    reason = {f"reason_{episode.pk}": "RC7", "version": case.version}
    assert client.post(url, {"closed_on": early, **reason}).status_code == 400
    response = client.post(url, {"closed_on": TODAY().isoformat(), **reason})
    assert response.status_code == 302
    case.refresh_from_db()
    episode.refresh_from_db()
    assert (case.status, episode.closure_reason, episode.closed_on) == ("closed", "RC7", TODAY())
    assert AuditEvent.objects.filter(case=case, action="case.closed").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["abc", "", "-1", "1; DROP TABLE cases_case"])
def test_tampered_hidden_version_is_refused(client, case, lead, version):
    client.force_login(lead)
    response = client.post(
        reverse("cases:edit", args=[case.reference]),
        {"level": "early_help", "opened_on": case.opened_on.isoformat(), "version": version},
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.level == "child_protection"


@pytest.mark.django_db
def test_reader_cannot_add_to_household(client, case, reader):
    client.force_login(reader)
    response = client.post(
        reverse("cases:household_add", args=[case.reference]),
        once(
            {
                "first_name": "X",
                "last_name": "Y",
                "relationship": "child",
                "date_of_birth": "2018-01-01",
                "joined_on": case.opened_on.isoformat(),
            }
        ),
    )
    assert response.status_code == 403
    assert not HouseholdMember.objects.filter(person__first_name="X").exists()


@pytest.mark.django_db
def test_access_grant_needs_a_reason_and_expires(client, case, lead, outsider, time_machine):
    client.force_login(lead)
    url = reverse("cases:access_grant", args=[case.reference])
    assert client.post(url, {"user": outsider.pk, "reason": "", "hours": 2}).status_code == 400
    assert client.post(url, {"user": outsider.pk, "reason": "Covering a visit", "hours": 2}).status_code == 302
    assert AuditEvent.objects.filter(case=case, action="case.access_granted").count() == 1
    client.force_login(outsider)
    assert client.get(_detail(case)).status_code == 200
    time_machine.move_to(timezone.now() + timedelta(hours=2, minutes=1))
    client.force_login(outsider)
    assert client.get(_detail(case)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("n_cases", [5, 50])
def test_case_list_query_count_is_constant(client, lead, n_cases, django_assert_num_queries):
    for case in CaseFactory.create_batch(n_cases, lead_professional=lead):
        HouseholdMemberFactory.create_batch(2, case=case)
    client.force_login(lead)
    # session, user+agency, count for paging, cases with lead and agency, current children,
    # unread notifications (header), then the session save (savepoint, update, release)
    with django_assert_num_queries(9):
        response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(n_cases, 25)


@pytest.mark.django_db
def test_manager_and_senior_see_team_cases_in_lists(client, case, manager, senior, colleague):
    other_team_case = CaseFactory(lead_professional=colleague)  # colleague has no team manager
    client.force_login(manager)
    body = client.get(reverse("cases:list")).content.decode()
    assert case.reference in body and other_team_case.reference not in body
    client.force_login(senior)
    body = client.get(reverse("cases:list")).content.decode()
    assert case.reference in body and other_team_case.reference in body


CASE_PAGE_NAMES = [
    "dashboards:detail",
    "plans:lead_change",
    "plans:supervision_record",
    "monitoring:escalations",
    "monitoring:flags",
    "plans:plan",
    "chronology:concern",
]


@pytest.mark.parametrize("name", CASE_PAGE_NAMES)
@pytest.mark.parametrize("reference", ["NP-2026-00042", "AB-2031-99999"])
def test_case_url_tag_gives_what_reverse_gives(name, reference):
    from django.urls import set_script_prefix

    from cases.templatetags.case_tags import case_url

    assert case_url(name, reference) == reverse(name, args=[reference])
    set_script_prefix("/portal/")  # deployed under a sub-path: the prefix is part of the link
    try:
        assert case_url(name, reference) == reverse(name, args=[reference])
        assert case_url(name, reference).startswith("/portal/")
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize(
    "name",
    [
        "chronology:entry",
        "chronology:amend",
        "chronology:appointment_outcome",
        "chronology:child",
        "monitoring:flag_acknowledge",
    ],
)
def test_case_url_tag_with_a_row_id_gives_what_reverse_gives(name):
    import uuid

    from cases.templatetags.case_tags import case_url

    row_id = uuid.uuid4()
    assert case_url(name, "NP-2026-00042", row_id) == reverse(name, args=["NP-2026-00042", row_id])
    assert case_url(name, "NP-2026-00042", str(row_id)) == reverse(name, args=["NP-2026-00042", row_id])


def test_case_url_tag_refuses_what_is_not_a_reference():
    from django.urls import NoReverseMatch

    from cases.templatetags.case_tags import case_url

    for bad in ["", "np-2026-00042", "NP-2026-00042/../admin", "ZZ-1-2"]:
        with pytest.raises(NoReverseMatch):
            case_url("dashboards:detail", bad)
    with pytest.raises(NoReverseMatch):
        case_url("chronology:entry", "NP-2026-00042", "../../admin")
