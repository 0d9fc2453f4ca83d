"""Dashboards: practitioner home, caseload (filters, CSV export), manager's stuck cases, search.

Query counts are pinned at 5 and 200 visible cases; the outsider sees no other team's case anywhere.
"""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEvent
from cases.models import Case
from dashboards.views import ROWS_PER_PAGE, STUCK_ROWS_PER_PAGE
from monitoring.models import Flag
from plans.models import Action, MeetingKind
from tests.conftest import SENTINEL_CHILD_NAME
from tests.factories import (
    ActionFactory,
    AppointmentFactory,
    AssessmentFactory,
    CaseFactory,
    EntryFactory,
    FlagFactory,
    HouseholdMemberFactory,
    MeetingFactory,
    PlanFactory,
)
from workdays import calendar as workdays


def _populate(n: int, lead) -> list:
    """n open cases led by `lead`, each with a child, an open flag, a chronology entry, a plan action
    due, a waiting review and an appointment without an outcome; the first has a completed GCP2."""
    cases = CaseFactory.create_batch(n, lead_professional=lead)
    for case in cases:
        child = HouseholdMemberFactory(case=case).person
        FlagFactory(case=case)
        EntryFactory(case=case)
        ActionFactory(outcome__plan__case=case)
        MeetingFactory(case=case)
        AppointmentFactory(case=case, child=child)
    AssessmentFactory(case=cases[0], child=cases[0].household.first().person, grades=3, completed=True)
    return cases


# Every page: session, user, unread count (header), session save (savepoint, update, release) = 6.
PAGES = {
    # + counts by level, my cases, their children, my actions, my appointments, my notifications, "leads a case?"
    "home": 13,
    # + "leads a case?", count for paging, cases with annotations, children, open flags, GCP2 grades
    "dashboards:caseload": 12,
    # + the ranking with the counts by level (one query), the page's cases with their lead's team and
    # next deadline, reviews this quarter, open cases by worker
    "dashboards:manager": 10,
}
# What each page drew: its rows, and how many open cases it says it covers.
DRAWN = {
    "home": lambda context: (context["my_cases"], context["counts"]["total"]),
    "dashboards:caseload": lambda context: (context["rows"], context["page"].paginator.count),
    "dashboards:manager": lambda context: (context["rows"], context["figures"].total),
}
PAGE_SIZE = {"home": ROWS_PER_PAGE, "dashboards:caseload": ROWS_PER_PAGE, "dashboards:manager": STUCK_ROWS_PER_PAGE}


@pytest.mark.django_db
@pytest.mark.parametrize("n_cases", [5, 200])
@pytest.mark.parametrize("name", list(PAGES))
def test_dashboard_query_count_is_constant(client, lead, manager, n_cases, name, django_assert_num_queries):
    _populate(n_cases, lead)
    client.force_login(manager if name == "dashboards:manager" else lead)
    workdays.working_calendar()  # local closure days are cached per process: count the steady state
    with django_assert_num_queries(PAGES[name], info=name):
        response = client.get(reverse(name))
    assert response.status_code == 200
    # The count stays the same because the rows are loaded in bulk, not because fewer are drawn.
    rows, covered = DRAWN[name](response.context)
    assert (len(rows), covered) == (min(n_cases, PAGE_SIZE[name]), n_cases)


@pytest.mark.django_db
def test_outsider_sees_no_other_teams_case_anywhere(client, case, outsider):
    _populate(3, case.lead_professional)
    client.force_login(outsider)
    for query in (SENTINEL_CHILD_NAME, case.reference):
        assert client.post(reverse("dashboards:search"), {"q": query}).context["results"] == []
    pages = [client.get(reverse(name)) for name in ("home", "dashboards:caseload", "dashboards:caseload_csv")]
    for response in pages:
        body = response.content.decode()
        assert case.reference not in body and SENTINEL_CHILD_NAME not in body
    assert "You can see 0 open cases" in pages[0].content.decode()
    assert pages[1].context["page"].paginator.count == 0
    assert client.get(reverse("dashboards:manager")).status_code == 403


@pytest.mark.django_db
def test_practitioner_home_shows_my_work(client, case, member):
    today = timezone.localdate()
    later = ActionFactory(
        outcome__plan__case=case, owner_user=member, due_on=today + timedelta(days=20), description="Later visit"
    )
    soon = ActionFactory(
        outcome=later.outcome, owner_user=member, due_on=today - timedelta(days=2), description="Overdue visit"
    )
    ActionFactory(
        outcome=later.outcome,
        owner_user=member,
        due_on=today,
        status=Action.Status.DONE,
        completed_on=today,
        description="Finished visit",
    )
    child = case.household.first().person
    AppointmentFactory(case=case, child=child, booked_by=member, kind="gp")
    AppointmentFactory(case=case, child=child, booked_by=member, outcome="attended")
    client.force_login(member)
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert [a.pk for a, _ in response.context["actions"]] == [soon.pk, later.pk]  # soonest first, done left out
    assert "Overdue by" in body and "Finished visit" not in body
    assert [a.kind for a in response.context["appointments"]] == ["gp"]
    assert reverse("chronology:concern", args=[case.reference]) in body
    assert reverse("dashboards:caseload") not in body.split("<main")[1]  # not a lead or a manager


@pytest.mark.django_db
def test_read_only_member_gets_no_log_a_concern_button(client, case, reader):
    client.force_login(reader)
    body = client.get(reverse("home")).content.decode()
    assert case.reference in body
    assert reverse("chronology:concern", args=[case.reference]) not in body


@pytest.mark.django_db
def test_caseload_row_shows_deadline_flags_contact_grades_and_progress(client, case, lead):
    today = timezone.localdate()
    child = case.household.first().person
    plan = PlanFactory(case=case)
    ActionFactory(outcome__plan=plan, due_on=today - timedelta(days=3))
    ActionFactory(outcome__plan=plan, due_on=today, status=Action.Status.DONE, completed_on=today)
    FlagFactory(case=case, rule=Flag.Rule.LEAD_CHURN)
    FlagFactory(case=case, rule=Flag.Rule.NEW_BABY)
    FlagFactory(case=case, rule=Flag.Rule.NEW_BABY, resolved_at=timezone.now())
    EntryFactory(case=case, occurred_on=today - timedelta(days=9))
    EntryFactory(case=case, occurred_on=today - timedelta(days=30))
    AssessmentFactory(case=case, child=child, grades={"A": 4, "B": 2, "C": 3, "D": 1}, completed=True)
    client.force_login(lead)
    response = client.get(reverse("dashboards:caseload"))
    [row] = response.context["rows"]
    assert row.deadline.is_overdue and row.next_due == today - timedelta(days=3)
    assert row.flags_by_kind == {"Frequent changes of lead professional": 1, "New or expected baby in the household": 1}
    assert row.working_days_since_contact == workdays.working_days_between(today - timedelta(days=9), today)
    assert row.children[0].grades == [4, 2, 3, 1]
    assert row.progress == "1 of 2 actions done"
    body = response.content.decode()
    assert "text-bg-danger" in body and "overdue since" in body  # colour and words
    assert row.next.what == "Plan action: Health visitor visits weekly"


@pytest.mark.django_db
def test_next_deadline_names_what_is_due_links_to_it_and_counts_working_days(client, lead, manager, time_machine):
    """Thursday 3 December 2026: the review conference was due on Friday 30 October, 24 working days ago."""
    time_machine.move_to(datetime(2026, 12, 3, 10, tzinfo=timezone.get_current_timezone()), tick=False)
    today = timezone.localdate()
    late, soon, action_only = CaseFactory.create_batch(3, lead_professional=lead)
    review = MeetingFactory(case=late, kind=MeetingKind.REVIEW_CONFERENCE, due_on=date(2026, 10, 30))
    ActionFactory(outcome__plan__case=late, due_on=date(2026, 11, 2))  # later than the review: not shown
    core_group = MeetingFactory(case=soon, kind=MeetingKind.CORE_GROUP, due_on=date(2026, 12, 10))
    ActionFactory(outcome__plan__case=action_only, due_on=today, description="Book the  GP\nappointment " + "x" * 80)
    client.force_login(lead)
    body = client.get(reverse("dashboards:caseload")).content.decode()
    review_url = reverse("plans:meeting_detail", args=[late.reference, review.pk])
    assert (
        f'<span class="badge text-bg-danger">Overdue</span> <a href="{review_url}">Review child protection '
        "conference</a> · overdue since 30 Oct 2026 (24 working days)" in body
    )
    core_group_url = reverse("plans:meeting_detail", args=[soon.reference, core_group.pk])
    assert f'<a href="{core_group_url}">Core group meeting</a> · due 10 Dec 2026 (in 5 working days)' in body
    plan_url = reverse("plans:plan", args=[action_only.reference])
    assert f'<a href="{plan_url}">Plan action: Book the GP appointment xxx' in body
    assert "xxx…</a> · due today, 3 Dec 2026" in body
    assert "Overdue by" not in body  # one wording: the sentence, not the old badge as well
    # The manager's view says the same, from its own query.
    client.force_login(manager)
    rows = {row.reference: row for row in client.get(reverse("dashboards:manager")).context["rows"]}
    assert (
        rows[late.reference].next.label
        == "Review child protection conference · overdue since 30 Oct 2026 (24 working days)"
    )
    assert rows[late.reference].next.url == review_url
    assert rows[soon.reference].next.words == "due 10 Dec 2026 (in 5 working days)"


@pytest.mark.django_db
def test_caseload_filters(client, lead):
    today = timezone.localdate()
    quiet, busy, flagged = CaseFactory.create_batch(3, lead_professional=lead)
    busy.level = "early_help"
    busy.save()
    EntryFactory(case=busy, occurred_on=today - timedelta(days=1))
    EntryFactory(case=flagged, occurred_on=today - timedelta(days=40))
    FlagFactory(case=flagged, rule=Flag.Rule.REREFERRAL)
    MeetingFactory(case=quiet, due_on=today - timedelta(days=1))
    client.force_login(lead)

    def refs(**params):
        response = client.get(reverse("dashboards:caseload"), params)
        assert response.status_code == 200
        return sorted(row.case.reference for row in response.context["rows"])

    assert refs(level="early_help") == [busy.reference]
    assert refs(flag_kind="rereferral") == [flagged.reference]
    assert refs(overdue="on") == [quiet.reference]
    # Working days: 40 calendar days ago is at least 26 working days ago, 1 day ago at most 1.
    assert refs(no_contact_days=20) == sorted([quiet.reference, flagged.reference])
    ordered = client.get(reverse("dashboards:caseload"), {"sort": "-contact"}).context["rows"]
    assert ordered[0].case == busy
    assert client.get(reverse("dashboards:caseload"), {"no_contact_days": "lots"}).status_code == 400


@pytest.mark.django_db
def test_caseload_csv_is_filtered_audited_and_formula_safe(client, lead):
    wanted = CaseFactory(lead_professional=lead, level="early_help")
    HouseholdMemberFactory(case=wanted, person__first_name="=HYPERLINK(1)")
    CaseFactory(lead_professional=lead, level="child_in_need")
    client.force_login(lead)
    response = client.get(reverse("dashboards:caseload_csv"), {"level": "early_help"})
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith(f"OFFICIAL-SENSITIVE. Exported by {lead.get_full_name()}")
    assert [r[0] for r in rows[2:]] == [wanted.reference]
    assert rows[2][3].startswith("'=HYPERLINK")
    event = AuditEvent.objects.get(action="caseload.exported")
    assert event.actor == lead and event.data["case_ids"] == [str(wanted.pk)]
    assert event.data["filters"] == ["level"]


@pytest.mark.django_db
def test_search_by_reference_or_child_name_respects_access(client, case, lead, colleague):
    other = CaseFactory(lead_professional=colleague)
    HouseholdMemberFactory(case=other, person__first_name=SENTINEL_CHILD_NAME)
    client.force_login(lead)
    response = client.post(reverse("dashboards:search"), {"q": SENTINEL_CHILD_NAME.lower()})
    assert [c.reference for c in response.context["results"]] == [case.reference]
    response = client.post(reverse("dashboards:search"), {"q": case.reference[-5:]})
    assert [c.reference for c in response.context["results"]] == [case.reference]
    assert client.post(reverse("dashboards:search"), {"q": ""}).status_code == 400
    # GET shows only the form: a name never travels in a URL.
    assert client.get(reverse("dashboards:search"), {"q": SENTINEL_CHILD_NAME}).context["results"] is None


@pytest.mark.django_db
def test_manager_ranks_stuck_cases_with_reasons(client, lead, manager, colleague):
    today = timezone.localdate()
    calm, stuck, late_review = CaseFactory.create_batch(3, lead_professional=lead)
    with_old_flag = FlagFactory(case=stuck)
    type(with_old_flag).objects.filter(pk=with_old_flag.pk).update(raised_at=timezone.now() - timedelta(days=12))
    FlagFactory(case=stuck, rule=Flag.Rule.LEAD_CHURN, acknowledged_at=timezone.now(), acknowledged_by=lead)
    PlanFactory(case=stuck, started_on=today - timedelta(days=400))
    MeetingFactory(case=late_review, kind=MeetingKind.CORE_GROUP, due_on=today - timedelta(days=5))
    CaseFactory(lead_professional=colleague)  # another team: not the manager's
    client.force_login(manager)
    response = client.get(reverse("dashboards:manager"))
    rows = response.context["rows"]
    assert [r.reference for r in rows] == [stuck.reference, late_review.reference, calm.reference]
    twelve_days_ago, five_days_ago = (workdays.working_days_between(today - timedelta(days=n), today) for n in (12, 5))
    assert f"1 flag not acknowledged, the oldest raised {twelve_days_ago} working days ago" in rows[0].reasons
    assert "1 drift flag open" in rows[0].reasons
    assert any(reason.startswith("Plan in place for 13 months") for reason in rows[0].reasons)
    assert rows[1].reasons == [f"1 review overdue, the oldest by {five_days_ago} working days"]
    body = response.content.decode()
    assert reverse("plans:lead_change", args=[stuck.reference]) in body
    assert reverse("plans:supervision_record", args=[stuck.reference]) in body
    assert rows[0].lead == lead.get_full_name() and escape(rows[0].lead) in body  # names such as O'Sullivan
    assert rows[0].level == "Child protection"
    assert response.context["figures"].total == 3 and response.context["figures"].long_plans == 1
    assert "<svg" in body


@pytest.mark.django_db
def test_senior_manager_sees_all_teams_of_the_agency(client, case, senior, colleague):
    other_team_case = CaseFactory(lead_professional=colleague)
    client.force_login(senior)
    rows = client.get(reverse("dashboards:manager")).context["rows"]
    assert {r.reference for r in rows} == {case.reference, other_team_case.reference}


@pytest.mark.django_db
def test_reviews_on_time_this_quarter(client, lead, manager):
    today = timezone.localdate()
    case = CaseFactory(lead_professional=lead)
    MeetingFactory(case=case, kind=MeetingKind.CORE_GROUP, due_on=today, held_on=today)
    MeetingFactory(case=case, kind=MeetingKind.CIN_REVIEW, due_on=today - timedelta(days=1), held_on=today)
    client.force_login(manager)
    figures = client.get(reverse("dashboards:manager")).context["figures"]
    assert (figures.reviews_held, figures.reviews_on_time, figures.on_time_percent) == (2, 1, 50)


@pytest.mark.django_db
def test_open_escalations_show_on_the_caseload_and_rank_first_for_the_manager(client, case, lead, manager, member):
    from monitoring import escalations as ladder

    quiet = CaseFactory(lead_professional=lead)
    ladder.escalation_raise(case=case, by=member, concern="The plan is not working.")
    client.force_login(lead)
    page = client.get(reverse("dashboards:caseload")).content.decode()
    assert reverse("monitoring:escalations", args=[case.reference]) in page
    client.force_login(manager)
    response = client.get(reverse("dashboards:manager"))
    rows = response.context["rows"]
    assert rows[0].reference == case.reference and "1 escalation waiting for an answer" in rows[0].reasons
    assert quiet.reference in response.content.decode()


@pytest.mark.django_db
def test_managers_view_never_covers_a_case_the_access_policy_hides(manager, senior, lead, colleague, outsider):
    """The manager's view reads the policy's management condition directly: check it stays inside."""
    from cases.access import cases_visible_to
    from dashboards.selectors import managed_cases

    CaseFactory.create_batch(2, lead_professional=lead)
    CaseFactory(lead_professional=colleague)
    CaseFactory(lead_professional=outsider)
    for user in (manager, senior, lead):
        managed = set(managed_cases(user).values_list("pk", flat=True))
        assert managed <= set(cases_visible_to(user).values_list("pk", flat=True))
    assert managed_cases(manager).count() == 2 and not managed_cases(lead).exists()
    assert managed_cases(senior).count() == Case.objects.filter(lead_agency=senior.agency).count()
