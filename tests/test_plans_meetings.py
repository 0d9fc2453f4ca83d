"""Plans, meetings and reviews: the next meeting's due date for every kind, timescale changes, closing
and transferring a case, supervision rights, bad input (4xx, nothing saved) and constant query counts."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.models import Case
from chronology.models import ChronologySettings
from plans import services as plan_services
from plans.models import Action, Meeting, Outcome, OutcomeRating, Plan, Timescale
from tests.factories import (
    ActionFactory,
    ClosureDayFactory,
    HouseholdMemberFactory,
    OutcomeFactory,
    PlanFactory,
    UserFactory,
    open_episode,
)
from workdays import calendar as workdays

NOW = datetime(2027, 7, 1, 11, 0, tzinfo=UTC)  # every held date below is in the past


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    workdays.forget_local_closures()
    yield
    workdays.forget_local_closures()


@pytest.fixture
def cp_case(case, frozen):
    """A child protection case with one child, whose episode of need began when the case opened."""
    Case.objects.filter(pk=case.pk).update(opened_on=date(2026, 11, 2))
    case.refresh_from_db()
    child = HouseholdMemberFactory(case=case, joined_on=case.opened_on).person
    open_episode(case, child, case.opened_on)
    return case


def hold(case, by, kind, held_on, **extra):
    return plan_services.meeting_record(
        case=case, by=by, kind=kind, held_on=held_on, attendees="Team", decisions="Continue", **extra
    )


def waiting(case, kind):
    return case.meetings.get(kind=kind, held_on__isnull=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, held_on, expected",
    [
        # 3 Dec + 15 WD: 4, 7-11, 14-18, 21-24 Dec
        ("strategy", date(2026, 12, 3), [("icpc", date(2026, 12, 24), "15 working days after 3 Dec 2026")]),
        # 3 months to 21 Mar 2027 (a Sunday) then back; 10 WD skipping 25, 28 Dec and 1 Jan
        (
            "icpc",
            date(2026, 12, 21),
            [
                ("rcpc", date(2027, 3, 19), "3 calendar months after 21 Dec 2026"),
                ("core_group", date(2027, 1, 7), "10 working days after 21 Dec 2026"),
            ],
        ),
        ("rcpc", date(2027, 3, 19), [("rcpc", date(2027, 9, 17), "6 calendar months after 19 Mar 2027")]),
        ("core_group", date(2027, 1, 7), [("core_group", date(2027, 2, 4), "20 working days after 7 Jan 2027")]),
        # 60 WD skipping Easter (26, 29 Mar) and both May bank holidays (3, 31 May)
        ("cin_review", date(2027, 3, 25), [("cin_review", date(2027, 6, 23), "60 working days after 25 Mar 2027")]),
        ("eh_review", date(2027, 3, 25), [("eh_review", date(2027, 5, 11), "30 working days after 25 Mar 2027")]),
    ],
)
def test_holding_a_meeting_schedules_the_next_with_its_due_date(cp_case, lead, kind, held_on, expected):
    hold(cp_case, lead, kind, held_on)
    for next_kind, due_on, basis in expected:
        meeting = waiting(cp_case, next_kind)
        assert meeting.due_on == due_on
        assert meeting.due_basis.startswith(basis)
        assert meeting.scheduled_by_meeting.held_on == held_on
    assert AuditEvent.objects.filter(case=cp_case, action="case.meeting.held").count() == 1


@pytest.mark.django_db
def test_supervision_by_the_manager_schedules_the_next(cp_case, manager):
    hold(cp_case, manager, "supervision", date(2026, 12, 24), reflections="Is this drift?")
    assert waiting(cp_case, "supervision").due_on == date(2027, 1, 26)  # 29-31 Dec, 4-22 Jan, 25, 26 Jan


@pytest.mark.django_db
def test_month_basis_says_when_the_date_moved_back(cp_case, lead):
    hold(cp_case, lead, "icpc", date(2026, 12, 21))
    assert "21 Mar 2027 is not a working day" in waiting(cp_case, "rcpc").due_basis


@pytest.mark.django_db
def test_changing_a_timescale_leaves_scheduled_meetings_alone(cp_case, lead, member, social_care):
    hold(cp_case, lead, "icpc", date(2026, 12, 21))
    Timescale.objects.filter(key="first_review_conference").update(amount=2)
    assert waiting(cp_case, "rcpc").due_on == date(2027, 3, 19)  # kept
    other = Case.objects.get(
        pk=services.case_create(
            by=lead.team.manager,
            lead_professional=lead,
            level="child_protection",
            opened_on=date(2026, 12, 1),
            reason="Strategy discussion",
        ).pk
    )
    hold(other, lead, "icpc", date(2026, 12, 21))
    assert waiting(other, "rcpc").due_on == date(2027, 2, 19)  # 2 months: scheduled after the change


@pytest.mark.django_db
def test_a_local_closure_day_moves_the_due_date(cp_case, lead):
    ClosureDayFactory(day=date(2027, 1, 4))
    hold(cp_case, lead, "icpc", date(2026, 12, 21))
    assert waiting(cp_case, "core_group").due_on == date(2027, 1, 8)


@pytest.mark.django_db
def test_holding_the_waiting_meeting_completes_it_in_place(cp_case, lead):
    hold(cp_case, lead, "strategy", date(2026, 12, 3))
    scheduled = waiting(cp_case, "icpc")
    held = hold(cp_case, lead, "icpc", date(2026, 12, 22))
    assert held.pk == scheduled.pk and held.due_on == date(2026, 12, 24)
    assert cp_case.meetings.filter(kind="icpc").count() == 1


# --- Closing and transferring ---------------------------------------------------------------------


def reasons(case, code="RC7") -> dict:
    """Every open episode's closure reason, for case_close."""
    return {episode.pk: code for episode in case.episodes.open()}


def posted_reasons(case, code="RC7") -> dict:
    return {f"reason_{pk}": reason for pk, reason in reasons(case, code).items()}


def closing_review(case, by, held_on, plan=None):
    ratings = {o.pk: plan_services.Rating("achieved") for o in plan.outcomes.all()} if plan else {}
    return hold(case, by, "rcpc", held_on, is_closing_review=True, schedule_next=False, ratings=ratings)


@pytest.mark.django_db
def test_closing_without_a_closing_review_is_refused_by_the_service(cp_case, lead):
    with pytest.raises(ValidationError, match="No closing review has been held"):
        plan_services.case_close(
            case=cp_case, by=lead, seen_version=cp_case.version, closed_on=date(2027, 6, 30), reasons=reasons(cp_case)
        )
    cp_case.refresh_from_db()
    assert cp_case.is_open


@pytest.mark.django_db
def test_closing_without_a_recent_closing_review_is_refused_in_the_browser(client, cp_case, lead):
    closing_review(cp_case, lead, date(2027, 5, 3))  # a bank holiday, but a review can be held any day
    client.force_login(lead)
    url = reverse("plans:close", args=[cp_case.reference])
    assert "cannot close yet" in client.get(url).content.decode()
    response = client.post(url, {"closed_on": "2027-06-30", **posted_reasons(cp_case), "version": cp_case.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The last closing review was held on 3 May 2027, 41 working days before 30 Jun 2027" in page
    cp_case.refresh_from_db()
    assert cp_case.is_open
    assert not AuditEvent.objects.filter(case=cp_case, action="case.closed").exists()


@pytest.mark.django_db
def test_closing_review_must_rate_every_outcome_of_the_plan(cp_case, lead):
    plan = PlanFactory(case=cp_case, started_on=date(2026, 12, 21))
    OutcomeFactory(plan=plan, number=1)
    closing_review(cp_case, lead, date(2027, 6, 28), plan=plan)
    OutcomeFactory(plan=plan, number=2)  # added after the review: not rated
    with pytest.raises(ValidationError, match="did not rate outcome 2"):
        plan_services.case_close(
            case=cp_case, by=lead, seen_version=cp_case.version, closed_on=date(2027, 6, 30), reasons=reasons(cp_case)
        )


@pytest.mark.django_db
def test_with_a_recent_closing_review_the_case_closes_and_is_audited(client, cp_case, lead):
    plan = PlanFactory(case=cp_case, started_on=date(2026, 12, 21))
    OutcomeFactory.create_batch(2, plan=plan)
    closing_review(cp_case, lead, date(2027, 6, 2), plan=plan)  # 20 working days before 30 Jun
    client.force_login(lead)
    response = client.post(
        reverse("plans:close", args=[cp_case.reference]),
        {"closed_on": "2027-06-30", **posted_reasons(cp_case), "version": cp_case.version},
    )
    assert response.status_code == 302
    cp_case.refresh_from_db()
    assert cp_case.status == "closed"
    assert AuditEvent.objects.filter(case=cp_case, action="case.closed").count() == 1
    plan.refresh_from_db()
    assert plan.ended_on == date(2027, 6, 30)


@pytest.mark.django_db
def test_closing_review_window_is_a_local_setting(cp_case, lead):
    closing_review(cp_case, lead, date(2027, 6, 2))
    Timescale.objects.filter(key="closing_review").update(amount=10)
    with pytest.raises(ValidationError, match="more than 10 working days"):
        plan_services.case_close(
            case=cp_case, by=lead, seen_version=cp_case.version, closed_on=date(2027, 6, 30), reasons=reasons(cp_case)
        )


@pytest.mark.django_db
def test_transfer_to_another_agency_needs_a_closing_review(client, cp_case, lead, manager, other_agency):
    new_lead = UserFactory(username="new_lead", agency=other_agency)
    client.force_login(manager)
    url = reverse("plans:lead_change", args=[cp_case.reference])
    response = client.post(url, {"new_lead": new_lead.pk, "version": cp_case.version})
    assert response.status_code == 400
    assert "cannot transfer to another agency yet" in response.content.decode()
    cp_case.refresh_from_db()
    assert cp_case.lead_professional == lead
    closing_review(cp_case, lead, date(2027, 6, 30))
    assert client.post(url, {"new_lead": new_lead.pk, "version": cp_case.version}).status_code == 302
    cp_case.refresh_from_db()
    assert cp_case.lead_professional == new_lead


# --- Supervision ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_leads_managers_record_supervision(client, cp_case, lead, manager, senior):
    with pytest.raises(PermissionDenied):
        hold(cp_case, lead, "supervision", date(2027, 6, 30))
    url = reverse("plans:supervision_record", args=[cp_case.reference])
    data = {
        "held_on": "2027-06-30",
        "reflections": "What is daily life like for the children?",
        "decisions": "Step up to legal planning",
        "actions_agreed": "",
    }
    client.force_login(lead)
    assert client.post(url, data).status_code == 403
    assert not cp_case.meetings.filter(kind="supervision").exists()
    client.force_login(manager)
    assert client.post(url, data).status_code == 302
    held = cp_case.meetings.get(kind="supervision", held_on__isnull=False)
    assert held.record.reflections.startswith("What is daily life")
    assert waiting(cp_case, "supervision").due_on == date(2027, 7, 28)  # 20 working days
    client.force_login(senior)
    assert client.get(reverse("plans:meeting_detail", args=[cp_case.reference, held.pk])).status_code == 200


@pytest.mark.django_db
def test_supervision_is_not_shown_to_the_wider_team(client, cp_case, manager, member):
    held = hold(cp_case, manager, "supervision", date(2027, 6, 30), reflections="Worried about drift")
    client.force_login(member)
    assert client.get(reverse("plans:meeting_detail", args=[cp_case.reference, held.pk])).status_code == 404
    assert "Case supervision" not in client.get(reverse("plans:meetings", args=[cp_case.reference])).content.decode()


@pytest.mark.django_db
def test_case_never_supervised_shows_supervision_overdue(client, cp_case, lead):
    client.force_login(lead)
    page = client.get(reverse("dashboards:detail", args=[cp_case.reference])).content.decode()
    assert "Case supervision (none recorded yet)" in page
    assert "20 working days after 2 Nov 2026, when the case opened" in page
    assert "Overdue by" in page


# --- Bad input: a clear message and a 4xx, nothing saved --------------------------------------------


@pytest.mark.django_db
def test_review_held_in_the_future_is_refused(client, cp_case, lead):
    client.force_login(lead)
    url = reverse("plans:meeting_record", args=[cp_case.reference]) + "?kind=rcpc"
    response = client.post(
        url, {"held_on": "2027-07-02", "attendees": "Team", "decisions": "Continue", "schedule_next": "on"}
    )
    assert response.status_code == 400
    assert "cannot be recorded as held in the future" in response.content.decode()
    assert not cp_case.meetings.exists()
    with pytest.raises(ValidationError):
        hold(cp_case, lead, "rcpc", date(2027, 7, 2))


@pytest.mark.django_db
def test_outcome_with_no_date_is_refused(client, cp_case, lead):
    client.force_login(lead)
    response = client.post(
        reverse("plans:plan_create", args=[cp_case.reference]),
        {
            "kind": "child_protection",
            "category": "NEG",
            "started_on": "2026-12-21",
            "outcomes-TOTAL_FORMS": "2",
            "outcomes-INITIAL_FORMS": "0",
            "outcomes-0-what_must_change": "Amy is at school every day",
            "outcomes-0-by_when": "",
            "outcomes-0-how_we_will_know": "Attendance records",
        },
    )
    assert response.status_code == 400
    assert "Say by when this must change." in response.content.decode()
    assert "Amy is at school every day" in response.content.decode()  # what was typed is kept
    assert not Plan.objects.exists()
    with pytest.raises(ValidationError, match="Every outcome needs a date"):
        plan_services.plan_create(
            case=cp_case,
            by=lead,
            kind="child_in_need",
            category="",
            started_on=date(2026, 12, 21),
            outcomes=[plan_services.OutcomeDetails("Change", None, "We will see")],
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad, message",
    [
        ({"category": ""}, "needs its category"),
        (
            {"outcomes-0-what_must_change": "", "outcomes-0-by_when": "", "outcomes-0-how_we_will_know": ""},
            "at least one outcome",
        ),
        ({"outcomes-0-by_when": "2026-12-01"}, "cannot be due before the plan starts"),
        ({"started_on": "2099-01-01"}, "once it has started"),
        ({"outcomes-0-by_when": "31/02/2027"}, "Enter a real date"),
    ],
)
def test_plan_bad_input_is_refused(client, cp_case, lead, bad, message):
    client.force_login(lead)
    data = {
        "kind": "child_protection",
        "category": "NEG",
        "children": [cp_case.episodes.get().pk],
        "started_on": "2026-12-21",
        "outcomes-TOTAL_FORMS": "1",
        "outcomes-INITIAL_FORMS": "0",
        "outcomes-0-what_must_change": "Clean clothes",
        "outcomes-0-by_when": "2027-03-01",
        "outcomes-0-how_we_will_know": "School says so",
        **bad,
    }
    response = client.post(reverse("plans:plan_create", args=[cp_case.reference]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_action_due_before_the_plan_starts_is_refused(client, cp_case, lead, member):
    plan = PlanFactory(case=cp_case, started_on=date(2026, 12, 21))
    outcome = OutcomeFactory(plan=plan)
    client.force_login(member)
    url = reverse("plans:action_add", args=[cp_case.reference, plan.pk])
    data = {"outcome": outcome.pk, "description": "Dentist", "owner_user": lead.pk, "due_on": "2026-12-18"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "The plan starts on 21 Dec 2026: an action cannot be due before that." in response.content.decode()
    response = client.post(url, {**data, "owner_user": "", "due_on": "2027-01-15"})
    assert response.status_code == 400 and "needs an owner" in response.content.decode()
    assert not Action.objects.exists()
    assert client.post(url, {**data, "due_on": "2027-01-15"}).status_code == 302
    assert Action.objects.get().owner_user == lead


@pytest.mark.django_db
def test_review_must_rate_every_outcome(client, cp_case, lead):
    plan = PlanFactory(case=cp_case, started_on=date(2026, 12, 21))
    first, second = OutcomeFactory(plan=plan, number=1), OutcomeFactory(plan=plan, number=2)
    client.force_login(lead)
    url = reverse("plans:meeting_record", args=[cp_case.reference]) + "?kind=core_group"
    data = {
        "held_on": "2027-06-30",
        "attendees": "Team",
        "decisions": "Continue",
        f"rating_{first.pk}": "progressing",
        f"rating_{second.pk}": "",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "Rate progress on this outcome." in response.content.decode()
    assert not OutcomeRating.objects.exists()
    assert client.post(url, {**data, f"rating_{second.pk}": "worse"}).status_code == 302
    assert dict(OutcomeRating.objects.values_list("outcome__number", "rating")) == {1: "progressing", 2: "worse"}


@pytest.mark.django_db
def test_stale_plan_edit_gets_the_conflict_page(client, cp_case, lead, member):
    plan = PlanFactory(case=cp_case, started_on=date(2026, 12, 21))
    outcome = OutcomeFactory(plan=plan, number=1)
    url = reverse("plans:plan_edit", args=[cp_case.reference, plan.pk])
    data = {
        "kind": "child_protection",
        "category": "NEG",
        "started_on": "2026-12-21",
        "ended_on": "",
        "version": plan.version,
        "outcomes-TOTAL_FORMS": "1",
        "outcomes-INITIAL_FORMS": "1",
        "outcomes-0-outcome_id": outcome.pk,
        "outcomes-0-what_must_change": "Mine",
        "outcomes-0-by_when": "2027-03-01",
        "outcomes-0-how_we_will_know": "School",
    }
    client.force_login(member)
    assert client.post(url, data).status_code == 302
    client.force_login(lead)
    response = client.post(url, {**data, "outcomes-0-what_must_change": "Theirs"})  # saw version 1 too
    assert response.status_code == 409
    assert "were not saved" in response.content.decode()
    assert Outcome.objects.get(pk=outcome.pk).what_must_change == "Mine"


@pytest.mark.django_db
def test_reader_cannot_change_the_plan(client, cp_case, reader):
    client.force_login(reader)
    assert client.post(reverse("plans:plan_create", args=[cp_case.reference]), {}).status_code == 403
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_meeting_from_another_case_is_404(client, cp_case, lead):
    other = services.case_create(
        by=lead.team.manager,
        lead_professional=lead,
        level="child_in_need",
        opened_on=date(2026, 11, 2),
        reason="Assessed",
    )
    foreign = hold(other, lead, "cin_review", date(2026, 12, 1))
    client.force_login(lead)
    assert client.get(reverse("plans:meeting_detail", args=[cp_case.reference, foreign.pk])).status_code == 404


# --- What the pages show, and their query counts --------------------------------------------------


@pytest.mark.django_db
def test_case_page_shows_the_plan_and_the_next_review(client, cp_case, lead, social_care):
    hold(cp_case, lead, "icpc", date(2026, 12, 21), invited_agencies=[social_care])
    plan = PlanFactory(case=cp_case, started_on=date(2026, 12, 21))
    OutcomeFactory(plan=plan, what_must_change="The home is safe and clean", by_when=date(2027, 9, 1))
    client.force_login(lead)
    page = client.get(reverse("dashboards:detail", args=[cp_case.reference])).content.decode()
    assert "The home is safe and clean" in page and "1 Sep 2027" in page
    assert "Review child protection conference" in page and "19 Mar 2027" in page
    assert "3 calendar months after 21 Dec 2026" in page
    meeting = cp_case.meetings.get(kind="icpc")
    detail = client.get(reverse("plans:meeting_detail", args=[cp_case.reference, meeting.pk])).content.decode()
    assert "Health was not invited" in detail


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_plan_and_meeting_pages_run_a_constant_number_of_queries(client, cp_case, lead, other_agency):
    client.force_login(lead)
    plan = PlanFactory(case=cp_case, started_on=date(2026, 12, 21))
    urls = [reverse(name, args=[cp_case.reference]) for name in ("plans:plan", "plans:meetings", "dashboards:detail")]

    def grow(n):
        for _ in range(n):
            outcome = OutcomeFactory(plan=plan)
            ActionFactory.create_batch(2, outcome=outcome, owner_agency=other_agency)
            meeting = Meeting.objects.create(case=cp_case, kind="core_group", held_on=date(2027, 1, 7))
            meeting.invited_agencies.add(other_agency)
            OutcomeRating.objects.create(meeting=meeting, outcome=outcome, rating="progressing")

    grow(2)
    workdays.working_calendar()  # warm the closure-day cache, as any earlier request would
    ChronologySettings.load()  # the case page's latest entries read it; made on first use, as any earlier page would
    small = [_count_queries(client, url) for url in urls]
    grow(8)
    assert [_count_queries(client, url) for url in urls] == small


@pytest.mark.django_db
def test_a_missing_timescale_row_falls_back_to_its_default(cp_case, lead):
    Timescale.objects.filter(key="first_core_group").delete()
    hold(cp_case, lead, "icpc", date(2026, 12, 21))
    assert waiting(cp_case, "core_group").due_on == date(2027, 1, 7)
