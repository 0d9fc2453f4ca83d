"""Closed cases are read-only (issue #18, item 7; docs/security.md R42): nobody adds to a closed case, by page,
service or nightly job, and only the lead professional's managers can reopen it, saying why."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, CaseMember, CaseReopening, HouseholdMember
from chronology import services as chronology
from chronology.models import Appointment, Entry
from common.dates import in_words
from monitoring import escalations as ladder
from monitoring import rules as monitoring_rules
from monitoring.models import Escalation, EscalationResponse
from notifications.models import Notification
from tests.conftest import SENTINEL_CHILD_NAME
from tests.factories import (
    CaseFactory,
    CaseMemberFactory,
    EntryFactory,
    FlagFactory,
    HouseholdMemberFactory,
    once,
)
from tests.test_hostile_input import HOSTILE_VALUES, _check, _snapshot

TODAY = timezone.localdate
BANNER = "It can be read but not changed."


def _child(case):
    return case.household.get(person__first_name=SENTINEL_CHILD_NAME).person


def _detail(case):
    return reverse("dashboards:detail", args=[case.reference])


@pytest.fixture
def closed(case):
    """`case`, closed yesterday for RC7, as plans.services.case_close leaves it."""
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_on=TODAY() - timedelta(days=1), version=2)
    case.refresh_from_db()
    return case


def _concern(case):
    return {
        "submission_token": str(uuid.uuid4()),
        "event_type": "concern",
        "occurred_on": TODAY().isoformat(),
        "children": [str(_child(case).pk)],
        "what_happened": "Amy said she had no breakfast again.",
        "impact": "negative",
        "significance": "medium",
        "neglect_forms": ["physical"],
    }


def _writes(case, member):
    """Each write a contributor could send to a case: (name, url, data, rows it would add)."""
    return [
        ("concern", reverse("chronology:concern", args=[case.reference]), _concern(case), Entry.objects.count),
        (
            "household member",
            reverse("cases:household_add", args=[case.reference]),
            once(
                {
                    "first_name": "Cal",
                    "last_name": "Carter",
                    "relationship": "child",
                    "date_of_birth": "2020-01-02",
                    "joined_on": case.opened_on.isoformat(),
                }
            ),
            HouseholdMember.objects.count,
        ),
        (
            "escalation",
            reverse("monitoring:escalation_raise", args=[case.reference]),
            once({"concern": "Three reviews and no change in the home conditions."}),
            Escalation.objects.count,
        ),
        (
            "appointment",
            reverse("chronology:appointment_new", args=[case.reference]),
            once(
                {
                    "child": _child(case).pk,
                    "kind": "dental",
                    "agency": member.agency_id,
                    "scheduled_on": (TODAY() + timedelta(days=7)).isoformat(),
                }
            ),
            Appointment.objects.count,
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["concern", "household member", "escalation", "appointment"])
def test_contributor_cannot_add_to_a_closed_case(client, closed, member, what):
    client.force_login(member)
    name, url, data, count = next(w for w in _writes(closed, member) if w[0] == what)
    before = count()
    refused = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_REFUSED_WRITE).count()
    assert client.get(url).status_code == 403  # not even the form
    response = client.post(url, data)
    assert response.status_code == 403
    assert "This case is closed: it can be read but not changed." in response.content.decode()
    assert count() == before, f"a {name} was saved on a closed case"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_REFUSED_WRITE).count() == refused + 2


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["concern", "household member", "escalation", "appointment"])
def test_the_same_writes_work_on_an_open_case(client, case, member, what):
    """The control for the test above: the same requests save on an open case."""
    client.force_login(member)
    name, url, data, count = next(w for w in _writes(case, member) if w[0] == what)
    before = count()
    assert client.post(url, data).status_code == 302
    assert count() == before + 1


@pytest.mark.django_db
def test_lead_cannot_add_a_team_member_to_a_closed_case(client, closed, lead, colleague):
    client.force_login(lead)
    members = CaseMember.objects.count()
    response = client.post(
        reverse("cases:team_add", args=[closed.reference]),
        {"user": colleague.pk, "role": "contributor", "started_on": TODAY().isoformat()},
    )
    assert response.status_code == 403
    assert CaseMember.objects.count() == members
    client.force_login(colleague)
    assert client.get(_detail(closed)).status_code == 404  # nobody new gained access


@pytest.mark.django_db
def test_closed_case_pages_show_the_banner_and_no_add_buttons(client, closed, member, lead, manager):
    closed_on = in_words(closed.closed_on)
    for user in (member, lead, manager):
        client.force_login(user)
        page = client.get(_detail(closed)).content.decode()
        assert f"This case was closed on {closed_on}. It can be read but not changed." in page
        assert BANNER in page
        assert "Log a concern" not in page
        assert "Add someone to the household" not in page
        assert "Add a professional" not in page
        timeline = client.get(reverse("chronology:timeline", args=[closed.reference])).content.decode()
        assert BANNER in timeline and "Add a full entry" not in timeline
        appointments = client.get(reverse("chronology:appointments", args=[closed.reference])).content.decode()
        assert "Add an appointment" not in appointments
        escalations = client.get(reverse("monitoring:escalations", args=[closed.reference])).content.decode()
        assert "Raise an escalation" not in escalations
    reopen = reverse("cases:reopen", args=[closed.reference])
    client.force_login(manager)
    assert reopen in client.get(_detail(closed)).content.decode()
    for user in (member, lead):
        client.force_login(user)
        assert reopen not in client.get(_detail(closed)).content.decode()


@pytest.mark.django_db
def test_closed_case_can_still_be_read_and_exported(client, closed, member, lead):
    """Read-only, not locked away: the lead still sees who viewed it, members can still print the chronology."""
    client.force_login(lead)
    assert client.get(reverse("cases:viewers", args=[closed.reference])).status_code == 200
    client.force_login(member)
    assert client.get(reverse("chronology:export_csv", args=[closed.reference])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["lead", "member", "reader"])
def test_only_a_manager_can_reopen(client, closed, personas, who):
    client.force_login(personas[who])
    url = reverse("cases:reopen", args=[closed.reference])
    response = client.get(url)
    assert response.status_code == 403
    assert "manager can reopen a closed case." in response.content.decode()  # the apostrophe is escaped
    data = {"reason": "The family asked for help again.", "version": closed.version}
    assert client.post(url, data).status_code == 403
    closed.refresh_from_db()
    assert closed.status == Case.Status.CLOSED and not CaseReopening.objects.exists()


@pytest.mark.django_db
def test_an_open_case_cannot_be_reopened(client, case, manager):
    client.force_login(manager)
    response = client.get(reverse("cases:reopen", args=[case.reference]))
    assert response.status_code == 403
    assert "This case is open: there is nothing to reopen." in response.content.decode()


@pytest.mark.django_db
def test_reopening_needs_a_reason_and_keeps_the_form(client, closed, manager):
    client.force_login(manager)
    url = reverse("cases:reopen", args=[closed.reference])
    response = client.post(url, {"reason": "   ", "version": closed.version})
    assert response.status_code == 400
    assert "Say why the case is being reopened." in response.content.decode()
    assert "There is a problem" in response.content.decode() or "Please correct" in response.content.decode()
    too_long = "x" * (CaseReopening.REASON_MAX_LENGTH + 1)
    response = client.post(url, {"reason": too_long, "version": closed.version})
    assert response.status_code == 400 and too_long in response.content.decode()  # what was typed is kept
    closed.refresh_from_db()
    assert closed.status == Case.Status.CLOSED and not CaseReopening.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "senior"])
def test_manager_reopens_with_a_reason_and_writes_work_again(client, closed, personas, member, who):
    manager = personas[who]
    client.force_login(manager)
    previous_closed_on = closed.closed_on
    response = client.post(
        reverse("cases:reopen", args=[closed.reference]),
        {"reason": "A new referral from the school: the same concerns.", "version": closed.version},
    )
    assert response.status_code == 302 and response.url == _detail(closed)
    closed.refresh_from_db()
    assert (closed.status, closed.closed_on) == (Case.Status.OPEN, None)
    reopening = CaseReopening.objects.get()
    assert (reopening.case, reopening.reopened_by, reopening.reason) == (
        closed,
        manager,
        "A new referral from the school: the same concerns.",
    )
    # The children's reasons stay on their closed episodes; the household row keeps only the date now.
    assert (reopening.previous_closed_on, reopening.previous_closure_reason) == (previous_closed_on, "")
    event = AuditEvent.objects.get(action=AuditEvent.Action.CASE_REOPENED)
    assert (event.actor, event.case_id, event.target_id) == (manager, closed.pk, str(reopening.pk))
    assert "school" not in str(event.data)  # the free text stays on the reopening row, not in the trail
    page = client.get(_detail(closed)).content.decode()
    assert (
        f"Reopened on {in_words(timezone.localdate())} by {manager.get_full_name()}: "
        "A new referral from the school: the same concerns." in page
    )
    assert BANNER not in page
    client.force_login(member)
    before = Entry.objects.count()
    assert client.post(reverse("chronology:concern", args=[closed.reference]), _concern(closed)).status_code == 302
    assert Entry.objects.count() == before + 1


@pytest.mark.django_db
def test_reopening_a_case_someone_changed_since_is_refused(client, closed, manager):
    client.force_login(manager)
    response = client.post(
        reverse("cases:reopen", args=[closed.reference]), {"reason": "New referral.", "version": closed.version - 1}
    )
    assert response.status_code == 409
    closed.refresh_from_db()
    assert closed.status == Case.Status.CLOSED and not CaseReopening.objects.exists()


@pytest.mark.django_db
def test_reopenings_cannot_be_changed_or_deleted(client, closed, manager):
    client.force_login(manager)
    client.post(reverse("cases:reopen", args=[closed.reference]), {"reason": "New referral.", "version": 2})
    for change in (
        lambda: CaseReopening.objects.update(reason="Something else"),
        lambda: CaseReopening.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert CaseReopening.objects.get().reason == "New referral."


@pytest.mark.django_db
def test_services_refuse_a_closed_case_whatever_the_view_did(closed, member, lead):
    """The services check the case themselves (cases.services.ensure_open): imports and other callers too."""
    entry = EntryFactory(case=closed, children=[_child(closed)])
    entries = Entry.objects.count()
    for write in (
        lambda: chronology.entry_create(
            case=closed,
            by=member,
            event_type="concern",
            occurred_on=TODAY(),
            children=[_child(closed)],
            what_happened="No breakfast again.",
        ),
        lambda: chronology.import_rows(case=closed, by=member, rows=[]),
        lambda: chronology.other_view_add(entry=entry, by=member, text="We see it differently."),
        lambda: ladder.escalation_raise(case=closed, by=member, concern="Stuck."),
    ):
        with pytest.raises(ValidationError, match="This case is closed"):
            write()
    assert Entry.objects.count() == entries and not Escalation.objects.exists()


@pytest.mark.django_db
def test_nightly_ladder_leaves_a_closed_cases_escalations_alone(case, member):
    still_open = CaseFactory(lead_professional=case.lead_professional)
    CaseMemberFactory(case=still_open, user=member, role=CaseMember.Role.CORE_GROUP)
    HouseholdMemberFactory(case=still_open)
    waiting = [ladder.escalation_raise(case=c, by=member, concern="Stuck.") for c in (case, still_open)]
    Escalation.objects.update(stage_due_on=TODAY() - timedelta(days=10))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_on=TODAY())
    ladder.advance_unanswered(TODAY())
    for escalation in waiting:
        escalation.refresh_from_db()
    assert [escalation.stage.order for escalation in waiting] == [1, 2]  # the open case's still moves up


@pytest.mark.django_db
def test_sweep_leaves_a_closed_cases_flags_as_they_were_and_notifies_nobody(case, closed_elsewhere):
    """The rules look at open cases only: without the guard, the sweep 'cleared' every flag of a closed case
    ("the condition no longer holds") and queued notices about it."""
    on_closed = FlagFactory(case=closed_elsewhere)
    on_open = FlagFactory(case=case)  # the control: its condition no longer holds, so it clears
    monitoring_rules.sweep(TODAY())
    on_closed.refresh_from_db()
    on_open.refresh_from_db()
    assert on_closed.resolved_at is None and on_open.resolved_at is not None
    assert not Notification.objects.filter(subject_id=str(on_closed.pk)).exists()


@pytest.fixture
def closed_elsewhere(lead):
    other = CaseFactory(lead_professional=lead)
    Case.objects.filter(pk=other.pk).update(status=Case.Status.CLOSED, closed_on=TODAY())
    other.refresh_from_db()
    return other


@pytest.mark.django_db
def test_an_escalation_on_a_closed_case_cannot_be_answered(client, case, member, manager):
    escalation = ladder.escalation_raise(case=case, by=member, concern="Stuck.")
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_on=TODAY())
    client.force_login(manager)
    page = client.get(reverse("monitoring:escalations", args=[case.reference])).content.decode()
    respond = reverse("monitoring:escalation_respond", args=[case.reference, escalation.pk])
    assert respond not in page  # no form to answer with
    response = client.post(respond, once({"text": "We will meet on Monday."}), follow=True)
    assert response.redirect_chain == [(reverse("monitoring:escalations", args=[case.reference]), 302)]
    assert "This case is closed: it can be read but not changed." in response.content.decode()
    assert not EscalationResponse.objects.exists()


@pytest.mark.django_db
def test_reopen_form_survives_hostile_input(client, closed, manager):
    """The hostile-input walker posts as the lead, whom the reopen page refuses: the manager's form here."""
    client.force_login(manager)
    url = reverse("cases:reopen", args=[closed.reference])
    for value in HOSTILE_VALUES:
        for field in ("reason", "version"):
            # A hostile but valid reason reopens the case: close it again, so each post meets a closed case.
            Case.objects.filter(pk=closed.pk).update(status="closed", closed_on=closed.closed_on)
            data = {"reason": "New referral.", "version": Case.objects.get(pk=closed.pk).version, field: value}
            before = _snapshot()
            _check(client.post(url, data), before)
