"""The escalation ladder: raising, answering and resolving, timed moves up the ladder, and the
automatic escalation of unacknowledged flags and long child protection plans."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEvent
from monitoring import escalations as ladder
from monitoring.models import Escalation, Flag
from notifications.models import Notification
from tests.factories import CaseFactory, PlanFactory, once


def _raise(client, case, user, concern="Three reviews and no change in the home conditions."):
    client.force_login(user)
    return client.post(reverse("monitoring:escalation_raise", args=[case.reference]), once({"concern": concern}))


@pytest.mark.django_db
def test_member_raises_an_escalation_that_starts_at_stage_one(client, case, member, lead, time_machine):
    time_machine.move_to(datetime(2026, 12, 23, 10, tzinfo=timezone.get_current_timezone()), tick=False)
    assert _raise(client, case, member).status_code == 302
    escalation = Escalation.objects.get()
    assert (escalation.stage.order, escalation.raised_by, escalation.status) == (1, member, "open")
    # 2 working days after Wed 23 Dec 2026: Thu 24, then Tue 29 (Christmas, weekend, 28 Dec substitute).
    assert escalation.stage_due_on == date(2026, 12, 29)
    assert "2 working days after 23 Dec 2026" in escalation.stage_due_basis
    assert list(Notification.objects.about(escalation).values_list("recipient", flat=True)) == [lead.pk]
    assert AuditEvent.objects.filter(action="case.escalation.raised", case=case).exists()
    assert case.entries.filter(what_happened__startswith="Escalation raised").exists()


@pytest.mark.django_db
def test_reader_cannot_raise_and_outsider_gets_404(client, case, reader, outsider):
    assert _raise(client, case, reader).status_code == 403
    assert _raise(client, case, outsider).status_code == 404
    assert not Escalation.objects.exists()


@pytest.mark.django_db
def test_empty_concern_is_refused(client, case, member):
    response = _raise(client, case, member, concern="")
    assert response.status_code == 400 and not Escalation.objects.exists()


@pytest.mark.django_db
def test_unanswered_stage_moves_up_when_its_time_runs_out(client, case, member, manager):
    _raise(client, case, member)
    escalation = Escalation.objects.get()
    assert ladder.advance_unanswered(escalation.stage_due_on) == 0  # due today: not yet
    assert ladder.advance_unanswered(escalation.stage_due_on + timedelta(days=1)) == 1
    escalation.refresh_from_db()
    assert escalation.stage.order == 2
    assert Notification.objects.about(escalation).filter(recipient=manager, step=2).exists()
    assert ladder.advance_unanswered(escalation.stage_started_on) == 0  # a second run moves nothing


@pytest.mark.django_db
def test_an_answered_stage_does_not_move_up(client, case, member, lead):
    _raise(client, case, member)
    escalation = Escalation.objects.get()
    client.force_login(lead)
    url = reverse("monitoring:escalation_respond", args=[case.reference, escalation.pk])
    assert client.post(url, once({"text": "Legal planning meeting booked for Tuesday."})).status_code == 302
    assert ladder.advance_unanswered(escalation.stage_due_on + timedelta(days=5)) == 0


@pytest.mark.django_db
def test_only_the_stage_responder_or_managers_answer(client, case, member, reader, manager):
    _raise(client, case, member)
    escalation = Escalation.objects.get()
    url = reverse("monitoring:escalation_respond", args=[case.reference, escalation.pk])
    client.force_login(reader)
    assert client.post(url, once({"text": "I answer"})).status_code == 403
    client.force_login(manager)
    response = client.post(url, once({"text": "Agreed: step up", "resolve": "on", "outcome": ""}))
    assert response.status_code == 400  # resolving needs an outcome
    response = client.post(
        url,
        once({"text": "Agreed: step up", "resolve": "on", "outcome": "Case stepped up to a legal planning meeting"}),
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "resolved" and escalation.resolved_by == manager
    assert case.entries.filter(what_happened__startswith="Escalation resolved").exists()


def _flag(case, raised_on: date) -> Flag:
    flag = Flag.objects.create(
        case=case, rule=Flag.Rule.NO_CONTACT, subject="case", owner=case.lead_professional, explanation="No contact"
    )
    Flag.objects.filter(pk=flag.pk).update(
        raised_at=timezone.make_aware(datetime.combine(raised_on, datetime.min.time().replace(hour=9)))
    )
    return flag


@pytest.mark.django_db
@pytest.mark.parametrize("raised_on, escalates", [(date(2026, 11, 17), False), (date(2026, 11, 16), True)])
def test_unacknowledged_flag_goes_to_the_team_manager_after_5_working_days(case, manager, raised_on, escalates):
    flag = _flag(case, raised_on)
    today = date(2026, 11, 24)  # Tue: 17 Nov is 5 working days before, 16 Nov is 6
    assert ladder.escalate_unacknowledged_flags(today) == int(escalates)
    assert ladder.escalate_unacknowledged_flags(today) == 0  # never twice
    if escalates:
        escalation = Escalation.objects.get(flag=flag)
        assert escalation.stage.responder == "team_manager"
        assert Notification.objects.about(escalation).filter(recipient=manager).exists()


@pytest.mark.django_db
def test_acknowledged_flag_does_not_escalate(case):
    flag = _flag(case, date(2026, 10, 1))
    Flag.objects.filter(pk=flag.pk).update(acknowledged_at=timezone.now())
    assert ladder.escalate_unacknowledged_flags(date(2026, 11, 24)) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("started_on, escalates", [(date(2025, 5, 25), False), (date(2025, 5, 24), True)])
def test_child_protection_plan_past_18_months_goes_to_a_senior_manager(senior, lead, started_on, escalates):
    case = CaseFactory(lead_professional=lead, opened_on=date(2025, 5, 1))
    PlanFactory(case=case, kind="child_protection", started_on=started_on)
    assert ladder.escalate_long_cp_plans(date(2026, 11, 25)) == int(escalates)
    assert ladder.escalate_long_cp_plans(date(2026, 11, 25)) == 0
    if escalates:
        escalation = Escalation.objects.get()
        assert escalation.stage.responder == "senior_manager"
        assert Notification.objects.about(escalation).filter(recipient=senior).exists()


@pytest.mark.django_db
def test_escalations_page_shows_stage_due_date_and_response_form(client, case, member, lead):
    _raise(client, case, member)
    client.force_login(lead)
    page = client.get(reverse("monitoring:escalations", args=[case.reference])).content.decode()
    assert "Stage 1: Practitioner to practitioner" in page
    assert "Record response" in page
    client.force_login(member)
    page = client.get(reverse("monitoring:escalations", args=[case.reference])).content.decode()
    assert "Record response" not in page and "Move up to the next stage now" in page


@pytest.mark.django_db
def test_move_up_by_hand_asks_for_a_reason_on_a_confirmation_page(client, case, member, manager):
    _raise(client, case, member)
    escalation = Escalation.objects.get()
    url = reverse("monitoring:escalation_move_up", args=[case.reference, escalation.pk])
    # The button on the escalations page leads to a page of its own: nothing moves yet.
    page = client.get(reverse("monitoring:escalations", args=[case.reference])).content.decode()
    assert f'href="{url}"' in page
    confirm = client.get(url)
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "Move it up to Stage 2: Manager to manager" in body and "Why does it need to go" in body
    escalation.refresh_from_db()
    assert escalation.stage.order == 1
    # No reason: refused, still at stage 1.
    assert client.post(url, once({"reason": " "})).status_code == 400
    escalation.refresh_from_db()
    assert escalation.stage.order == 1
    response = client.post(url, once({"reason": "The answer did not say who visits, or when."}))
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.stage.order == 2
    assert case.entries.filter(
        what_happened="Escalation moved up to Stage 2: Manager to manager: The answer did not say who visits, or when."
    ).exists()
    assert AuditEvent.objects.filter(action="case.escalation.moved_up", actor=member).exists()
    assert Notification.objects.about(escalation).filter(recipient=manager).exists()


@pytest.mark.django_db
def test_a_team_managers_escalation_starts_at_manager_to_manager_and_is_not_his_to_answer(
    client, case, manager, senior, lead, time_machine
):
    time_machine.move_to(datetime(2026, 12, 1, 10, tzinfo=timezone.get_current_timezone()), tick=False)  # a Tuesday
    assert _raise(client, case, manager).status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.stage.name == "Manager to manager" and escalation.raised_by == manager
    # Not addressed to his own social worker (the lead), nor to himself: the lead agency's senior manager,
    # as nobody else on this case team has a manager.
    assert list(ladder.responders(escalation)) == [senior]
    assert list(Notification.objects.about(escalation).values_list("recipient", flat=True)) == [senior.pk]
    page = client.get(reverse("monitoring:escalations", args=[case.reference])).content.decode()
    assert "Raised by a practitioner" not in page
    # Escaped as the page escapes it: Faker's names include O'Connor.
    assert f"Raised by {escape(manager.get_full_name())} (Team manager)" in page
    # Who must answer, by when: 5 working days after Tuesday 1 December 2026.
    assert (
        f"Who must answer:</strong> {senior.get_full_name()} (Head of service), due 8 Dec 2026 (in 5 working days)"
        in page
    )
    # He raised it: no "Your response" for him, and the service refuses him too.
    assert "Your response" not in page and "you are not asked to answer it" in page
    respond = reverse("monitoring:escalation_respond", args=[case.reference, escalation.pk])
    assert client.post(respond, once({"text": "Answering myself"})).status_code == 403
    client.force_login(senior)
    assert "Your response" in client.get(reverse("monitoring:escalations", args=[case.reference])).content.decode()


@pytest.mark.django_db
def test_a_team_managers_escalation_goes_to_the_other_agencys_manager_on_the_case_team(client, case, member, manager):
    from tests.factories import TeamFactory, UserFactory

    health_team = TeamFactory(name="Health visiting", agency=member.agency)
    health_manager = UserFactory(username="hv_manager_p", agency=member.agency, role="team_manager")
    health_team.manager = health_manager
    health_team.save()
    member.team = health_team
    member.save()
    _raise(client, case, manager)
    escalation = Escalation.objects.get()
    assert escalation.stage.name == "Manager to manager"
    assert list(ladder.responders(escalation)) == [health_manager]


@pytest.mark.django_db
def test_a_senior_managers_escalation_starts_at_senior_manager_level(client, case, senior):
    _raise(client, case, senior)
    escalation = Escalation.objects.get()
    assert escalation.stage.name == "Senior manager to senior manager"
    assert not ladder.responders(escalation).filter(pk=senior.pk).exists()
    assert not ladder.can_respond(senior, escalation)


@pytest.mark.django_db
def test_the_lead_is_never_asked_to_answer_their_own_escalation(client, case, lead, manager):
    _raise(client, case, lead)
    escalation = Escalation.objects.get()
    assert escalation.stage.name == "Manager to manager"
    assert list(ladder.responders(escalation)) == [manager]
    page = client.get(reverse("monitoring:escalations", args=[case.reference])).content.decode()
    assert "Your response" not in page


@pytest.mark.django_db
def test_notifications_page_lists_escalations(client, case, member, lead):
    _raise(client, case, member)
    client.force_login(lead)
    page = client.get(reverse("dashboards:notifications")).content.decode()
    assert "Escalation at stage 1 needs your response" in page


@pytest.mark.django_db
def test_the_hourly_task_moves_an_overdue_stage_up(client, case, member, time_machine):
    from monitoring import tasks

    _raise(client, case, member)
    escalation = Escalation.objects.get()
    time_machine.move_to(
        datetime.combine(escalation.stage_due_on + timedelta(days=1), datetime.min.time()).replace(
            hour=12, tzinfo=timezone.get_current_timezone()
        ),
        tick=False,
    )
    result = tasks.advance_escalations()  # run in-process, as the worker would; the send is queued
    assert result["moved_up"] == 1
    escalation.refresh_from_db()
    assert escalation.stage.order == 2
