"""Records people make about a case are rows of their own that nobody changes afterwards: flag
acknowledgements, escalation responses, held meetings and supervision (docs/architecture.md, "Records
as rows"). The database refuses raw SQL as well as the ORM; these run on PostgreSQL and SQLite."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AppendOnlyError
from monitoring import services as monitoring_services
from monitoring.models import Flag, FlagAcknowledgement
from tests.factories import FlagFactory


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


@pytest.mark.django_db
def test_escalation_response_cannot_be_changed(client, case, member, lead):
    from monitoring import escalations as ladder
    from monitoring.models import EscalationResponse

    escalation = ladder.escalation_raise(case=case, by=member, concern="No progress for months")
    response = ladder.escalation_respond(escalation=escalation, by=lead, text="Meeting booked").responses.get()
    with pytest.raises(AppendOnlyError):
        response.save()
    with pytest.raises(AppendOnlyError):
        response.delete()
    assert _refused("UPDATE cases_escalationresponse SET text = 'rewritten'")
    assert _refused("DELETE FROM cases_escalationresponse")
    assert EscalationResponse.objects.get().text == "Meeting booked"
