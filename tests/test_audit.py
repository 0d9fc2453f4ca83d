"""The audit trail: reads and refusals are recorded, rows are append-only, and a read survives
its request's rollback because it goes through the separate audit connection."""

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from audit.models import AppendOnlyError, AuditEvent
from audit.services import record
from cases import access
from tests.factories import CaseFactory, UserFactory


@pytest.mark.django_db
def test_case_view_writes_one_audit_event(client, case, member):
    client.force_login(member)
    before = AuditEvent.objects.filter(case=case).count()
    client.get(reverse("dashboards:detail", args=[case.reference]))
    events = AuditEvent.objects.filter(case=case)
    assert events.count() == before + 1
    event = events.first()
    assert (event.action, event.outcome, event.actor, event.actor_agency_id) == (
        "case.viewed",
        "ok",
        member,
        member.agency_id,
    )
    assert event.ip_address == "127.0.0.1"
    assert event.session_hash and client.session.session_key not in event.session_hash


@pytest.mark.django_db
def test_outsider_attempt_is_recorded(client, case, outsider):
    client.force_login(outsider)
    assert client.get(reverse("dashboards:detail", args=[case.reference])).status_code == 404
    denied = AuditEvent.objects.get(actor=outsider, action="access.denied")
    assert denied.outcome == "denied"
    assert denied.requested_case == case.reference
    assert denied.case_id is None  # a refusal says nothing about whether the case exists


@pytest.mark.django_db
def test_login_and_failed_login_are_audited(client, lead):
    client.post(reverse("login"), {"username": "lead_p", "password": "wrong"})
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1
    client.post(reverse("login"), {"username": "lead_p", "password": "correct-horse-battery"})
    assert AuditEvent.objects.filter(action="auth.login", actor=lead).count() == 1


@pytest.mark.django_db
def test_who_viewed_lists_member_views_for_the_lead(client, case, lead, member):
    client.force_login(member)
    client.get(reverse("dashboards:detail", args=[case.reference]))
    client.force_login(lead)
    page = client.get(reverse("cases:viewers", args=[case.reference]))
    assert page.status_code == 200
    assert escape(member.get_full_name()) in page.content.decode()
    assert "Health visitor" in page.content.decode()


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted(case, lead):
    event = record(actor=lead, action="test.event", case=case)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    for sql in (
        f"UPDATE audit_auditevent SET action = 'x' WHERE id = {event.pk}",
        f"DELETE FROM audit_auditevent WHERE id = {event.pk}",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.django_db(transaction=True, databases=["default", "audit"])
@override_settings(AUDIT_DB_ALIAS="audit")
def test_read_audit_survives_rollback_of_the_request(rf):
    """A view that reads a case and then fails inside a transaction keeps its audit row."""
    lead = UserFactory(username="rollback_lead")
    case = CaseFactory(lead_professional=lead)
    request = rf.get(f"/cases/{case.reference}/")
    request.user = lead
    request.session = None

    with pytest.raises(RuntimeError), transaction.atomic():
        access.case_for_user(request, case.reference)
        record(actor=lead, action="case.updated", case=case)  # the change, in the transaction
        raise RuntimeError("the view failed after reading")

    actions = set(AuditEvent.objects.filter(case=case).values_list("action", flat=True))
    assert "case.viewed" in actions  # written on the audit connection, committed
    assert "case.updated" not in actions  # rolled back with the change it described
    connections["audit"].close()


def test_the_vocabulary_has_one_prefix_style():
    subjects = {value.split(".")[0] for value in AuditEvent.Action.values}
    assert subjects == {
        "access",
        "account",
        "admin",
        "auth",
        "case",
        "caseload",
        "census",
        "chronology",
        "gcp2",
        "referral",
        "settings",
    }
    assert not any(value.startswith("cases.") for value in AuditEvent.Action.values)
    assert set(AuditEvent.FORMER_ACTIONS.values()) <= set(AuditEvent.Action.values)


@pytest.mark.django_db
def test_rows_written_before_the_vocabulary_still_display_in_the_admin(client, case):
    old = record(actor=case.lead_professional, action="cases.flag.acknowledged", case=case)
    assert old.action_label == "Acknowledged a flag"
    assert AuditEvent.names_of(AuditEvent.Action.CASE_FLAG_ACKNOWLEDGED) == [
        "case.flag.acknowledged",
        "cases.flag.acknowledged",
    ]
    admin = UserFactory(is_staff=True, is_superuser=True, role="administrator")
    client.force_login(admin)
    page = client.get("/admin/audit/auditevent/").content.decode()
    assert "Acknowledged a flag" in page
