"""Records people make about a case are rows of their own that nobody changes afterwards: flag
acknowledgements, escalation responses, held meetings and supervision (docs/architecture.md, "Records
as rows"). The database refuses raw SQL as well as the ORM; these run on PostgreSQL and SQLite."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AppendOnlyError
from monitoring import escalations as ladder
from monitoring import services as monitoring_services
from monitoring.models import EscalationResponse, Flag, FlagAcknowledgement
from plans import services as plan_services
from plans.models import Meeting, MeetingRecord
from tests.factories import FlagFactory, MeetingFactory


def _refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


@pytest.mark.django_db
def test_flag_acknowledgement_is_a_row_that_cannot_be_changed(case, lead):
    flag = FlagFactory(case=case)
    monitoring_services.flag_acknowledge(case=case, by=lead, flag=flag, note="Visit booked")
    ack = FlagAcknowledgement.objects.get(flag=flag)
    assert (ack.by, ack.note) == (lead, "Visit booked")
    with pytest.raises(AppendOnlyError):
        ack.save()
    assert _refused("UPDATE monitoring_flagacknowledgement SET note = 'rewritten'")
    assert _refused("DELETE FROM monitoring_flagacknowledgement")
    # The flag's marker is write-once: it can be neither moved nor cleared to acknowledge again.
    assert _refused("UPDATE cases_flag SET acknowledged_at = NULL WHERE id = %s", [flag.pk])
    assert _refused("UPDATE cases_flag SET acknowledged_at = %s WHERE id = %s", [timezone.now(), flag.pk])
    # Its other columns still change: a flag clears after it was acknowledged.
    assert Flag.objects.filter(pk=flag.pk).update(resolved_at=timezone.now(), resolution="Cleared") == 1
    assert FlagAcknowledgement.objects.get(flag=flag).note == "Visit booked"


@pytest.mark.django_db
def test_acknowledged_flag_page_reads_the_acknowledgement_row(client, case, lead):
    flag = FlagFactory(case=case)
    monitoring_services.flag_acknowledge(case=case, by=lead, flag=flag, note="Health visitor to call")
    FlagFactory(case=case, acknowledged_at=timezone.now(), acknowledged_by=lead, acknowledged_by__note="Second note")
    client.force_login(lead)
    url = reverse("monitoring:flags", args=[case.reference])
    page = client.get(url).content.decode()
    assert "Health visitor to call" in page and "Second note" in page
    assert f"Acknowledged by {lead.get_full_name()}" in page
    assert "Cleared" not in page  # both flags are still open


@pytest.mark.django_db
def test_escalation_response_cannot_be_changed(client, case, member, lead):
    escalation = ladder.escalation_raise(case=case, by=member, concern="No progress for months")
    response = ladder.escalation_respond(escalation=escalation, by=lead, text="Meeting booked").responses.get()
    with pytest.raises(AppendOnlyError):
        response.save()
    with pytest.raises(AppendOnlyError):
        response.delete()
    assert _refused("UPDATE cases_escalationresponse SET text = 'rewritten'")
    assert _refused("DELETE FROM cases_escalationresponse")
    assert EscalationResponse.objects.get().text == "Meeting booked"


@pytest.mark.django_db
def test_held_meeting_is_a_record_that_cannot_be_changed(client, case, lead, manager):
    held_on = timezone.localdate()
    Meeting.objects.filter(case=case).delete()
    type(case).objects.filter(pk=case.pk).update(opened_on=held_on - timedelta(days=30))
    case.refresh_from_db()
    meeting = plan_services.meeting_record(
        case=case,
        by=manager,
        kind="supervision",
        held_on=held_on,
        reflections="Worried about drift",
        decisions="Step up",
        schedule_next=True,
    )
    record = MeetingRecord.objects.get(meeting=meeting)
    assert (record.recorded_by, record.reflections, record.held_on) == (manager, "Worried about drift", held_on)
    with pytest.raises(AppendOnlyError):
        record.save()
    assert _refused("UPDATE plans_meetingrecord SET decisions = 'rewritten'")
    assert _refused("DELETE FROM plans_meetingrecord")
    # The held meeting's own row is frozen: its date cannot move or be cleared, nor the row go.
    assert _refused("UPDATE cases_meeting SET held_on = NULL WHERE id = %s", [meeting.pk])
    assert _refused("UPDATE cases_meeting SET is_closing_review = TRUE WHERE id = %s", [meeting.pk])
    assert _refused("DELETE FROM cases_meeting WHERE id = %s", [meeting.pk])
    # A meeting still waiting to be held can change as before.
    waiting = MeetingFactory(case=case, kind="core_group")
    assert Meeting.objects.filter(pk=waiting.pk).update(due_basis="moved by the chair") == 1

    client.force_login(manager)
    page = client.get(reverse("plans:meeting_detail", args=[case.reference, meeting.pk])).content.decode()
    assert "Worried about drift" in page and "Step up" in page and manager.get_full_name() in page
    meetings = client.get(reverse("plans:meetings", args=[case.reference])).content.decode()
    assert manager.get_full_name() in meetings
