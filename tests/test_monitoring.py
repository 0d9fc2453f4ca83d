"""Monitoring rules, flags and the notification outbox: each rule on both sides of its threshold,
idempotent and parallel sweeps, clearing, acknowledging, and at-least-once email delivery."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, CaseMember, ChildAssessment
from monitoring import rules as monitoring
from monitoring.models import Flag
from monitoring.outbox import send_due
from notifications.models import Notification
from plans.models import Action, ChildPlan, Meeting
from tests.factories import (
    ActionFactory,
    AppointmentFactory,
    AssessmentFactory,
    CaseFactory,
    CaseMemberFactory,
    EntryFactory,
    HouseholdMemberFactory,
    MeetingFactory,
    PersonFactory,
    PlanFactory,
    UserFactory,
    open_episode,
)
from workdays.calendar import working_days_between

TODAY = date(2026, 11, 25)


def _open_flags(rule=None):
    flags = Flag.objects.filter(resolved_at__isnull=True)
    return flags.filter(rule=rule) if rule else flags


def _lead_changes(case, dates):
    """Hand the case from lead to lead on the given dates (history rows, as lead_change keeps them)."""
    previous = case.members.get(role=CaseMember.Role.LEAD, ended_on__isnull=True)
    for day in dates:
        previous.ended_on = day
        previous.save()
        new_lead = UserFactory()
        previous = CaseMemberFactory(case=case, user=new_lead, role=CaseMember.Role.LEAD, started_on=day)
        Case.objects.filter(pk=case.pk).update(lead_professional=new_lead)


@pytest.mark.django_db
@pytest.mark.parametrize("changes, flagged", [(2, False), (3, True)])
def test_lead_churn_threshold(changes, flagged):
    case = CaseFactory(opened_on=date(2025, 6, 1))
    _lead_changes(case, [date(2026, 1, 10), date(2026, 4, 2), date(2026, 9, 30)][:changes])
    monitoring.sweep(TODAY)
    assert _open_flags(Flag.Rule.LEAD_CHURN).exists() == flagged


@pytest.mark.django_db
def test_lead_churn_counts_only_the_last_12_months():
    case = CaseFactory(opened_on=date(2024, 6, 1))
    _lead_changes(case, [date(2025, 11, 24), date(2026, 4, 2), date(2026, 9, 30)])  # first is 12 months + 1 day ago
    monitoring.sweep(TODAY)
    assert not _open_flags(Flag.Rule.LEAD_CHURN).exists()
    monitoring.sweep(date(2026, 11, 24))  # a day earlier, all three are inside the window
    flag = _open_flags(Flag.Rule.LEAD_CHURN).get()
    assert "changed 3 times" in flag.explanation
    assert flag.owner == Case.objects.get(pk=case.pk).lead_professional


@pytest.mark.django_db
@pytest.mark.parametrize("closed_days_before, flagged", [(330, True), (400, False)])
def test_rereferral_within_12_months(closed_days_before, flagged):
    child = PersonFactory(date_of_birth=date(2018, 1, 1))
    new_case = CaseFactory(opened_on=date(2026, 10, 1))
    old_case = CaseFactory(
        opened_on=date(2024, 1, 1),
        status="closed",
        closed_on=new_case.opened_on - timedelta(days=closed_days_before),
    )
    HouseholdMemberFactory(case=old_case, person=child)
    HouseholdMemberFactory(case=new_case, person=child)
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.REREFERRAL)
    assert flags.exists() == flagged
    if flagged:
        assert flags.get().case_id == new_case.pk and flags.get().subject == f"child:{child.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "born, unborn, joined_after_opening, flagged",
    [
        (date(2026, 10, 1), False, True, True),  # a new baby moved in
        (None, True, True, True),  # an expected baby added
        (date(2026, 10, 1), False, False, False),  # the baby was there when the case opened
        (date(2025, 11, 1), False, True, False),  # over one year old
    ],
)
def test_new_baby_rule(born, unborn, joined_after_opening, flagged):
    case = CaseFactory(opened_on=date(2026, 9, 1))
    person = PersonFactory(date_of_birth=born, is_unborn=unborn, expected_on=date(2027, 2, 1) if unborn else None)
    HouseholdMemberFactory(
        case=case, person=person, joined_on=date(2026, 10, 2) if joined_after_opening else case.opened_on
    )
    monitoring.sweep(TODAY)
    assert _open_flags(Flag.Rule.NEW_BABY).exists() == flagged


def _baby_case(**case_kwargs):
    case = CaseFactory(opened_on=date(2026, 9, 1), **case_kwargs)
    member = HouseholdMemberFactory(
        case=case, person=PersonFactory(date_of_birth=date(2026, 10, 1)), joined_on=date(2026, 10, 2)
    )
    EntryFactory(case=case, occurred_on=TODAY - timedelta(days=1))  # recent contact: only the baby rule fires
    return case, member


@pytest.mark.django_db
def test_a_second_sweep_raises_nothing_new_and_a_cleared_condition_resolves_the_flag():
    case, member = _baby_case()
    first = monitoring.sweep(TODAY)
    second = monitoring.sweep(TODAY)
    assert (first.raised, second.raised, second.still_open) == (1, 0, 1)
    assert Flag.objects.count() == 1 and Notification.objects.count() == 1
    member.left_on = TODAY
    member.save()
    third = monitoring.sweep(TODAY)
    assert third.resolved == 1
    flag = Flag.objects.get()
    assert flag.resolved_at and "no longer holds" in flag.resolution


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_raise_each_flag_once():
    if connection.vendor != "postgresql":
        pytest.fail("This test needs PostgreSQL: run it through `make test`.")
    for _ in range(5):
        _baby_case()
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            monitoring.sweep(TODAY)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Flag.objects.count() == 5
    assert Notification.objects.count() == 5


@pytest.mark.django_db
def test_sweep_query_count_does_not_grow_with_cases():
    from django.test.utils import CaptureQueriesContext

    monitoring.MonitoringSettings.load()
    counts = {}
    for size, total in enumerate((10, 200), start=1):
        while Case.objects.count() < total + size - 1:
            _baby_case()
        # One more case that fires every other rule too, so each rule's query runs with rows to return.
        _every_rule_case()
        with CaptureQueriesContext(connection) as queries:
            result = monitoring.sweep(TODAY)
        counts[total] = len(queries)
        assert _open_flags(Flag.Rule.NEW_BABY).count() == total
        assert {rule for rule in Flag.Rule.values if not _open_flags(rule).exists()} <= {
            Flag.Rule.LEAD_CHURN,
            Flag.Rule.REREFERRAL,
        }
        assert result.raised > 0
    assert counts[10] == counts[200], counts


def _every_rule_case():
    """One case that trips each rule of issue #7 (no recent contact: it has no entries)."""
    case, child = _child_case()
    episode = open_episode(case, child, case.opened_on)
    ChildAssessment.objects.create(episode=episode, started_on=case.opened_on, due_on=TODAY - timedelta(days=7))
    PlanFactory(case=case, started_on=date(2025, 1, 6))  # neglect, over 12 months
    _missed(case, child, date(2026, 9, 10))  # its outcome is on the chronology too
    for day in (date(2026, 9, 1), date(2026, 9, 15)):
        EntryFactory(case=case, event_type="no_access_visit", occurred_on=day)
    for day in (date(2026, 2, 1), date(2026, 5, 1), date(2026, 8, 1)):
        EntryFactory(case=case, event_type="ae_attendance", occurred_on=day, hospital="General", children=[child])
    Case.objects.filter(pk=case.pk).update(level="early_help")  # last entry 15 Sep 2026: over 40 working days
    MeetingFactory(case=case, kind="rcpc", due_on=date(2026, 11, 1))
    MeetingFactory(case=case, kind="supervision", due_on=date(2026, 11, 1))
    MeetingFactory(case=case, kind="core_group", due_on=date(2026, 11, 30))
    ActionFactory(outcome__plan=case.plans.get(), due_on=date(2026, 11, 1))
    first = _gcp2(case, child, date(2026, 1, 1), grades=3, kind="baseline", repeat_due_on=date(2026, 7, 1))
    _gcp2(case, child, date(2026, 4, 1), grades=3, kind="repeat", previous=first, repeat_due_on=date(2026, 10, 1))


@pytest.mark.django_db
def test_notification_email_has_counts_and_a_link_only(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    case, member = _baby_case()
    case.lead_professional.email = "lead@example.invalid"
    case.lead_professional.save()
    monitoring.sweep(TODAY)
    assert send_due() == 1
    assert send_due() == 0  # nothing is sent twice
    message = mail.outbox[0]
    assert message.to == ["lead@example.invalid"]
    assert "1 new item" in message.body and "https://portal.example.org/cases/notifications/" in message.body
    for personal in (member.person.first_name, member.person.last_name, case.reference):
        assert personal not in message.subject + message.body
    assert Notification.objects.get().status == Notification.Status.SENT


@pytest.mark.django_db
def test_daily_digest_people_are_not_emailed_straight_away():
    case, _ = _baby_case()
    case.lead_professional.notification_preference = "daily"
    case.lead_professional.save()
    monitoring.sweep(TODAY)
    assert send_due("immediate") == 0
    assert send_due("daily") == 1


@pytest.mark.django_db
@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=1, EMAIL_TIMEOUT=2
)
def test_mail_server_down_retries_then_marks_failed():
    _baby_case()
    monitoring.sweep(TODAY)
    for attempt in range(1, 6):
        assert send_due() == 0
        note = Notification.objects.get()
        assert note.attempts == attempt
    assert note.status == Notification.Status.FAILED
    assert send_due() == 0


@pytest.mark.django_db
def test_a_crash_after_claiming_is_resent_when_the_lease_expires(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _baby_case()
    monitoring.sweep(TODAY)
    # A sender claimed the row and died before sending.
    Notification.objects.update(lease_until=timezone.now() + timedelta(minutes=5), attempts=1)
    assert send_due() == 0 and not mail.outbox
    time_machine.shift(timedelta(minutes=6))
    assert send_due() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_lead_acknowledges_a_flag_with_a_note(client, lead):
    case, _ = _baby_case(lead_professional=lead)
    monitoring.sweep(TODAY)
    flag = Flag.objects.get()
    client.force_login(lead)
    page = client.get(reverse("monitoring:flags", args=[case.reference])).content.decode()
    assert "New or expected baby" in page and "review the plan" in page
    url = reverse("monitoring:flag_acknowledge", args=[case.reference, flag.pk])
    assert client.post(url, {"note": ""}).status_code == 400
    assert client.post(url, {"note": "Plan review booked for Friday"}).status_code == 302
    flag.refresh_from_db()
    assert flag.acknowledgement.by == lead and flag.acknowledgement.note == "Plan review booked for Friday"
    assert flag.acknowledgement.at == flag.acknowledged_at
    page = client.get(reverse("monitoring:flags", args=[case.reference])).content.decode()
    assert "Plan review booked for Friday" in page and lead.get_full_name() in page
    assert AuditEvent.objects.filter(action="case.flag.acknowledged", case=case).exists()
    again = client.post(url, {"note": "again"})
    assert again.status_code == 400 and b"already been acknowledged" in again.content


@pytest.mark.django_db
def test_member_can_read_flags_but_not_acknowledge(client, case, member):
    HouseholdMemberFactory(
        case=case,
        person=PersonFactory(date_of_birth=timezone.localdate() - timedelta(days=30)),
        joined_on=timezone.localdate(),
    )
    EntryFactory(case=case, occurred_on=timezone.localdate())
    monitoring.sweep()
    flag = Flag.objects.get(case=case)
    client.force_login(member)
    assert client.get(reverse("monitoring:flags", args=[case.reference])).status_code == 200
    assert (
        client.post(reverse("monitoring:flag_acknowledge", args=[case.reference, flag.pk]), {"note": "x"}).status_code
        == 403
    )


@pytest.mark.django_db
def test_notifications_page_and_unread_count(client, lead):
    _baby_case(lead_professional=lead)
    monitoring.sweep(TODAY)
    client.force_login(lead)
    page = client.get(reverse("dashboards:notifications")).content.decode()
    assert "New or expected baby" in page and '1<span class="visually-hidden"> unread' in page
    client.post(reverse("dashboards:notifications"))
    page = client.get(reverse("dashboards:notifications")).content.decode()
    assert 'visually-hidden"> unread' not in page


@pytest.mark.django_db
def test_sweep_command_reports_counts(capsys):
    _baby_case()
    call_command("sweep", "--no-send")
    assert "Flags raised: 1, cleared: 0" in capsys.readouterr().out
    call_command("sweep", "--no-send")
    assert "Flags raised: 0, cleared: 0, left open: 1" in capsys.readouterr().out


# --- Rules of issue #7 ---------------------------------------------------------------------------


def _child_case(level="child_protection", **case_kwargs):
    case = CaseFactory(opened_on=date(2025, 1, 6), level=level, **case_kwargs)
    child = HouseholdMemberFactory(case=case, person=PersonFactory(date_of_birth=date(2019, 5, 17))).person
    return case, child


def _missed(case, child, *days, kind="dental"):
    for day in days:
        AppointmentFactory(case=case, child=child, kind=kind, scheduled_on=day, outcome="was_not_brought")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "neglect_plan, missed_on, flagged",
    [
        (True, [date(2025, 11, 25)], True),  # one, exactly 12 months ago, on a neglect plan
        (True, [date(2025, 11, 24)], False),  # one, 12 months and a day ago
        (False, [date(2026, 3, 2)], False),  # one is not enough without a neglect plan
        (False, [date(2025, 11, 25), date(2026, 3, 2)], True),  # two in 12 months
        (False, [date(2025, 11, 24), date(2026, 3, 2)], False),  # the first fell out of the window
    ],
)
def test_was_not_brought_thresholds(neglect_plan, missed_on, flagged):
    case, child = _child_case()
    if neglect_plan:
        PlanFactory(case=case, kind="child_protection", category="NEG")
    _missed(case, child, *missed_on)
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.WAS_NOT_BROUGHT)
    assert flags.exists() == flagged
    if flagged:
        flag = flags.get()
        assert flag.subject == f"child:{child.pk}" and flag.owner == case.lead_professional
        assert "Missed appointments" in flag.explanation and "25 Nov 2025" in flag.explanation


@pytest.mark.django_db
@pytest.mark.parametrize(
    "plan_kwargs",
    [
        {"kind": "child_protection", "category": "PHY"},  # another category
        {"kind": "child_in_need", "category": ""},  # not child protection
        {"kind": "child_protection", "category": "NEG", "ended_on": date(2026, 6, 1)},  # plan ended
    ],
)
def test_one_missed_appointment_needs_a_current_neglect_plan(plan_kwargs):
    case, child = _child_case()
    PlanFactory(case=case, started_on=date(2025, 2, 1), **plan_kwargs)
    _missed(case, child, date(2026, 10, 1))
    monitoring.sweep(TODAY)
    assert not _open_flags(Flag.Rule.WAS_NOT_BROUGHT).exists()


@pytest.mark.django_db
def test_dental_and_health_appointments_count_alike_and_attended_ones_do_not():
    case, child = _child_case()
    _missed(case, child, date(2026, 5, 1), kind="dental")
    AppointmentFactory(case=case, child=child, scheduled_on=date(2026, 6, 1), outcome="attended")
    monitoring.sweep(TODAY)
    assert not _open_flags(Flag.Rule.WAS_NOT_BROUGHT).exists()
    _missed(case, child, date(2026, 7, 1), kind="gp")
    monitoring.sweep(TODAY)
    assert "2 appointments" in _open_flags(Flag.Rule.WAS_NOT_BROUGHT).get().explanation
    monitoring.sweep(date(2027, 5, 2))  # the dental one has left the window: the flag clears
    assert not _open_flags(Flag.Rule.WAS_NOT_BROUGHT).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "visits_on, flagged",
    [
        ([date(2026, 8, 25), date(2026, 11, 20)], True),  # two, the first exactly 3 months ago
        ([date(2026, 8, 24), date(2026, 11, 20)], False),  # the first is 3 months and a day ago
        ([date(2026, 11, 20)], False),  # only one
    ],
)
def test_no_access_visits_threshold(visits_on, flagged):
    case, child = _child_case()
    for day in visits_on:
        EntryFactory(case=case, event_type="no_access_visit", occurred_on=day)
    EntryFactory(case=case, event_type="home_visit", occurred_on=date(2026, 10, 1))  # other visits don't count
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.NO_ACCESS)
    assert flags.exists() == flagged
    if flagged:
        assert flags.get().subject == "case" and "No-access visits: 2 visits" in flags.get().explanation


@pytest.mark.django_db
@pytest.mark.parametrize(
    "attended_on, flagged",
    [
        ([date(2025, 11, 25), date(2026, 4, 1), date(2026, 9, 1)], True),  # three, the first exactly 12 months ago
        ([date(2025, 11, 24), date(2026, 4, 1), date(2026, 9, 1)], False),  # the first is outside the window
        ([date(2026, 4, 1), date(2026, 9, 1)], False),  # two
    ],
)
def test_ae_attendances_threshold(attended_on, flagged):
    case, child = _child_case()
    sibling = HouseholdMemberFactory(case=case).person
    for day in attended_on:
        EntryFactory(case=case, event_type="ae_attendance", occurred_on=day, hospital="General", children=[child])
    EntryFactory(
        case=case, event_type="ae_attendance", occurred_on=date(2026, 10, 1), hospital="General", children=[sibling]
    )  # a sibling's attendance is the sibling's
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.AE_ATTENDANCES)
    assert flags.exists() == flagged
    if flagged:
        assert flags.get().subject == f"child:{child.pk}" and "A&E 3 times" in flags.get().explanation


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, rule", [("rcpc", Flag.Rule.MEETING_OVERDUE), ("supervision", Flag.Rule.SUPERVISION_OVERDUE)]
)
@pytest.mark.parametrize("due_on, flagged", [(date(2026, 11, 24), True), (date(2026, 11, 25), False)])
def test_meeting_and_supervision_overdue(kind, rule, due_on, flagged):
    case, _ = _child_case()
    meeting = MeetingFactory(case=case, kind=kind, due_on=due_on)
    monitoring.sweep(TODAY)
    flags = _open_flags(rule)
    assert flags.exists() == flagged
    other = Flag.Rule.SUPERVISION_OVERDUE if rule == Flag.Rule.MEETING_OVERDUE else Flag.Rule.MEETING_OVERDUE
    assert not _open_flags(other).exists()
    if flagged:
        assert flags.get().subject == f"meeting:{meeting.pk}" and "24 Nov 2026" in flags.get().explanation
        Meeting.objects.filter(pk=meeting.pk).update(held_on=TODAY)
        monitoring.sweep(TODAY)
        assert not _open_flags(rule).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "due_on, status, flagged",
    [
        (date(2026, 11, 24), "in_progress", True),
        (date(2026, 11, 24), "not_done", True),
        (date(2026, 11, 25), "not_started", False),  # due today is not yet overdue
    ],
)
def test_action_overdue(due_on, status, flagged):
    case, _ = _child_case()
    action = ActionFactory(outcome__plan__case=case, due_on=due_on, status=status)
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.ACTION_OVERDUE)
    assert flags.exists() == flagged
    if flagged:
        assert flags.get().subject == f"action:{action.pk}"
        Action.objects.filter(pk=action.pk).update(status="done", completed_on=TODAY)
        monitoring.sweep(TODAY)
        assert not _open_flags(Flag.Rule.ACTION_OVERDUE).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "due_on, flagged",
    [
        (date(2026, 12, 2), True),  # Wed 25 Nov + 5 working days
        (date(2026, 12, 3), False),  # 6 working days away
        (date(2026, 11, 25), True),  # due today
    ],
)
def test_review_due_soon(due_on, flagged):
    case, _ = _child_case()
    meeting = MeetingFactory(case=case, kind="cin_review", due_on=due_on)
    MeetingFactory(case=case, kind="supervision", due_on=date(2026, 11, 27))  # supervision is not a review
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.REVIEW_DUE_SOON)
    assert flags.exists() == flagged
    if flagged:
        assert flags.get().subject == f"meeting:{meeting.pk}"


def _gcp2(case, child, ended_on, grades=2, **kwargs):
    return AssessmentFactory(
        case=case,
        child=child,
        observation_started_on=ended_on - timedelta(days=20),
        observation_ended_on=ended_on,
        grades=grades,
        completed=True,
        **kwargs,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("repeat_due_on, flagged", [(date(2026, 11, 24), True), (date(2026, 11, 25), False)])
def test_gcp2_repeat_overdue(repeat_due_on, flagged):
    case, child = _child_case()
    _gcp2(case, child, date(2026, 5, 1), repeat_due_on=repeat_due_on)
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.GCP2_REPEAT_OVERDUE)
    assert flags.exists() == flagged
    if flagged:
        assert flags.get().subject == f"child:{child.pk}" and "24 Nov 2026" in flags.get().explanation


@pytest.mark.django_db
def test_gcp2_repeat_overdue_clears_with_a_newer_assessment_but_not_with_a_correction():
    case, child = _child_case()
    first = _gcp2(case, child, date(2026, 3, 1), repeat_due_on=date(2026, 9, 1), kind="baseline")
    correction = _gcp2(
        case,
        child,
        date(2026, 3, 1),
        repeat_due_on=date(2026, 9, 1),
        kind="baseline",
        supersedes=first,
        correction_reason="Wrong child views recorded.",
    )
    monitoring.sweep(TODAY)
    assert _open_flags(Flag.Rule.GCP2_REPEAT_OVERDUE).get().evidence[0]["assessment_id"] == str(correction.pk)
    _gcp2(case, child, date(2026, 11, 20), repeat_due_on=date(2027, 5, 20), kind="repeat", previous=correction)
    monitoring.sweep(TODAY)
    assert not _open_flags(Flag.Rule.GCP2_REPEAT_OVERDUE).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "started_on, kind, category, flagged",
    [
        (date(2025, 11, 24), "child_protection", "NEG", True),  # 12 months and a day
        (date(2025, 11, 25), "child_protection", "EMO", False),  # exactly 12 months
        (date(2025, 1, 1), "child_in_need", "", False),  # not a child protection plan
    ],
)
def test_long_child_protection_plan(started_on, kind, category, flagged):
    case, child = _child_case()
    plan = PlanFactory(case=case, kind=kind, category=category, started_on=started_on)
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.LONG_CP_PLAN)
    assert flags.exists() == flagged
    if flagged:
        child_plan = plan.children.get(child=child)
        assert flags.get().subject == f"child_plan:{child_plan.pk}" and "24 Nov 2025" in flags.get().explanation
        ChildPlan.objects.filter(pk=child_plan.pk).update(ended_on=TODAY, end_reason="no_longer_needed")
        monitoring.sweep(TODAY)
        assert not _open_flags(Flag.Rule.LONG_CP_PLAN).exists()


@pytest.mark.django_db
def test_long_plan_is_each_childs_own(lead):
    """Two siblings on one plan for over 12 months: the brother comes off it, his flag clears, his sister's stays."""
    case = CaseFactory(lead_professional=lead, opened_on=date(2025, 6, 1))
    sister, brother = (HouseholdMemberFactory(case=case).person for _ in range(2))
    plan = PlanFactory(case=case, started_on=date(2025, 6, 2))
    monitoring.sweep(TODAY)
    assert _open_flags(Flag.Rule.LONG_CP_PLAN).count() == 2
    plan.children.filter(child=brother).update(ended_on=date(2026, 11, 1), end_reason="no_longer_needed")
    monitoring.sweep(TODAY)
    flag = _open_flags(Flag.Rule.LONG_CP_PLAN).get()
    assert flag.subject == f"child_plan:{plan.children.get(child=sister).pk}"


@pytest.mark.django_db
def test_one_missed_appointment_counts_only_for_the_child_on_the_neglect_plan(lead):
    """A neglect plan for one sibling (the other is on a plan under another category): one missed appointment
    flags the child on the neglect plan only. The rule means that child, not the household."""
    case = CaseFactory(lead_professional=lead, opened_on=date(2025, 6, 1))
    on_neglect, other = (HouseholdMemberFactory(case=case).person for _ in range(2))
    plan = PlanFactory(case=case, started_on=date(2025, 6, 2))
    plan.children.filter(child=other).update(latest_category="EMO")
    _missed(case, on_neglect, date(2026, 10, 1))
    _missed(case, other, date(2026, 10, 2))
    monitoring.sweep(TODAY)
    assert list(_open_flags(Flag.Rule.WAS_NOT_BROUGHT).values_list("subject", flat=True)) == [f"child:{on_neglect.pk}"]


@pytest.mark.django_db
def test_assessment_overdue_is_per_child(lead):
    """Each child's assessment: the one authorised clears, the one still waiting past its due date flags."""
    case = CaseFactory(lead_professional=lead, opened_on=date(2026, 8, 3))
    done, waiting = (HouseholdMemberFactory(case=case).person for _ in range(2))
    for child, authorised in ((done, date(2026, 10, 1)), (waiting, None)):
        ChildAssessment.objects.create(
            episode=open_episode(case, child, case.opened_on),
            started_on=case.opened_on,
            due_on=date(2026, 10, 5),
            authorised_on=authorised,
            authorised_by=lead if authorised else None,
            factors=["16A"] if authorised else [],
        )
    monitoring.sweep(TODAY)
    flag = _open_flags(Flag.Rule.ASSESSMENT_OVERDUE).get()
    assert flag.subject == f"child:{waiting.pk}" and "5 Oct 2026" in flag.explanation


def _working_days_before(today, n):
    """The date exactly n working days before `today` (workdays.working_days_between(it, today) == n)."""
    day = today
    while working_days_between(day, today) < n:
        day -= timedelta(days=1)
    return day


@pytest.mark.django_db
@pytest.mark.parametrize("level, limit", [("child_protection", 20), ("child_in_need", 40), ("early_help", 40)])
@pytest.mark.parametrize("extra, flagged", [(0, False), (1, True)])
def test_no_contact_by_level(level, limit, extra, flagged):
    case, _ = _child_case(level=level)
    last = _working_days_before(TODAY, limit + extra)
    assert working_days_between(last, TODAY) == limit + extra
    EntryFactory(case=case, occurred_on=last)
    EntryFactory(case=case, occurred_on=last - timedelta(days=100))
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.NO_CONTACT)
    assert flags.exists() == flagged
    if flagged:
        assert f"more than {limit} working days" in flags.get().explanation
        EntryFactory(case=case, occurred_on=TODAY)
        monitoring.sweep(TODAY)
        assert not _open_flags(Flag.Rule.NO_CONTACT).exists()


@pytest.mark.django_db
def test_no_contact_counts_from_opening_when_there_are_no_entries():
    CaseFactory(opened_on=_working_days_before(TODAY, 20))
    monitoring.sweep(TODAY)
    assert not _open_flags(Flag.Rule.NO_CONTACT).exists()
    CaseFactory(opened_on=_working_days_before(TODAY, 21))
    monitoring.sweep(TODAY)
    assert _open_flags(Flag.Rule.NO_CONTACT).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "before, after, flagged",
    [
        ({"A": 3, "B": 2, "C": 2, "D": 2}, {"A": 3, "B": 2, "C": 2, "D": 2}, True),  # same, A at 3
        ({"A": 3, "B": 2, "C": 2, "D": 2}, {"A": 4, "B": 2, "C": 2, "D": 2}, True),  # worse
        ({"A": 3, "B": 3, "C": 2, "D": 2}, {"A": 3, "B": 2, "C": 2, "D": 2}, False),  # B got better
        ({"A": 2, "B": 2, "C": 2, "D": 2}, {"A": 2, "B": 2, "C": 2, "D": 2}, False),  # nothing at 3 or worse
    ],
)
def test_gcp2_drift(before, after, flagged):
    case, child = _child_case()
    first = _gcp2(case, child, date(2026, 3, 1), grades=before, kind="baseline")
    _gcp2(case, child, date(2026, 9, 1), grades=after, kind="repeat", previous=first)
    monitoring.sweep(TODAY)
    flags = _open_flags(Flag.Rule.GCP2_DRIFT)
    assert flags.exists() == flagged
    if flagged:
        assert flags.get().subject == f"child:{child.pk}" and "area A" in flags.get().explanation


@pytest.mark.django_db
def test_gcp2_drift_compares_only_the_last_two_and_needs_two():
    case, child = _child_case()
    first = _gcp2(case, child, date(2026, 1, 1), grades={"A": 4, "B": 2, "C": 2, "D": 2}, kind="baseline")
    monitoring.sweep(TODAY)
    assert not _open_flags(Flag.Rule.GCP2_DRIFT).exists()  # a baseline alone is not drift
    second = _gcp2(
        case, child, date(2026, 5, 1), grades={"A": 3, "B": 2, "C": 2, "D": 2}, kind="repeat", previous=first
    )
    monitoring.sweep(TODAY)
    assert not _open_flags(Flag.Rule.GCP2_DRIFT).exists()  # A improved
    _gcp2(case, child, date(2026, 9, 1), grades={"A": 3, "B": 2, "C": 2, "D": 2}, kind="repeat", previous=second)
    monitoring.sweep(TODAY)
    assert _open_flags(Flag.Rule.GCP2_DRIFT).exists()  # the last two: no change, A still 3


@pytest.mark.django_db
def test_a_sweep_that_dies_half_way_then_runs_again_ends_like_a_clean_run(monkeypatch):
    """Each rule commits on its own: a crash after some rules loses nothing and a re-run completes
    the rest without doubling what the first run saved."""
    _baby_case()
    churn = CaseFactory(opened_on=date(2025, 6, 1))
    _lead_changes(churn, [date(2026, 1, 10), date(2026, 4, 2), date(2026, 9, 30)])
    clean = monitoring.sweep(TODAY)
    expected = sorted(Flag.objects.values_list("rule", "case_id", "subject"))
    expected_notes = Notification.objects.count()
    Notification.objects.all().delete()
    Flag.objects.all().delete()

    rules = list(monitoring.RULES.items())
    crash_at = len(rules) // 2

    def crash(today, config):
        raise RuntimeError("worker killed")

    monkeypatch.setitem(monitoring.RULES, rules[crash_at][0], crash)
    with pytest.raises(RuntimeError):
        monitoring.sweep(TODAY)
    monkeypatch.undo()
    assert Flag.objects.count() < len(expected)  # the crash left the sweep unfinished
    monitoring.sweep(TODAY)
    assert sorted(Flag.objects.values_list("rule", "case_id", "subject")) == expected
    assert Notification.objects.count() == expected_notes
    assert clean.raised == len(expected)
