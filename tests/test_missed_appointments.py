"""Missed appointments in one step (issue #16, item 3): "Log a concern" records a missed appointment
with its outcome in one save, "Add an appointment" takes the outcome of a past appointment, and an
outcome is recorded once and corrected by a further row, never changed."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from chronology import services
from chronology.models import (
    MISSED_APPOINTMENT,
    Amendment,
    Appointment,
    AppointmentOutcome,
    EffectiveEntry,
    Entry,
    EventType,
)
from chronology.selectors import child_counts
from monitoring import rules as monitoring
from monitoring.models import Flag
from tests.conftest import SENTINEL_CHILD_NAME
from tests.factories import AppointmentFactory, HouseholdMemberFactory, UserFactory

TODAY = timezone.localdate


def _child(case):
    return case.household.get(person__first_name=SENTINEL_CHILD_NAME).person


def _missed(case, child, **extra):
    """The "Log a concern" form with "Missed appointment" chosen, as the page would post it."""
    return {
        "submission_token": str(uuid.uuid4()),
        "event_type": MISSED_APPOINTMENT,
        "occurred_on": (TODAY() - timedelta(days=2)).isoformat(),
        "children": [str(child.pk)],
        "appointment_kind": "dental",
        "appointment_agency": str(case.lead_agency_id),
        "missed_outcome": "was_not_brought",
        "what_happened": "Mum said she forgot.",
        **extra,
    }


def _record(case, by, **extra):
    values = {
        "case": case,
        "by": by,
        "child": _child(case),
        "kind": "gp",
        "agency": by.agency,
        "scheduled_on": TODAY() - timedelta(days=1),
        "outcome": "was_not_brought",
        **extra,
    }
    return services.missed_appointment_record(**values)


def _missed_count(case, child=None):
    return child_counts(case, child or _child(case), today=TODAY()).was_not_brought


# --- The service ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_call_records_the_appointment_its_outcome_and_the_entry(case, member):
    entry = _record(case, member, note="No answer at the door either.")
    appointment = Appointment.objects.with_outcome().get()
    assert (appointment.child, appointment.kind, appointment.agency, appointment.outcome) == (
        _child(case),
        "gp",
        member.agency,
        "was_not_brought",
    )
    assert entry.appointment == appointment and entry.event_type == EventType.APPOINTMENT
    assert entry.recorded_by == member and list(entry.children.all()) == [_child(case)]
    assert (
        entry.what_happened
        == f"{SENTINEL_CHILD_NAME} was not brought to the GP appointment. No answer at the door either."
    )
    assert entry.significance == "high" and entry.neglect_medical  # a child protection case
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "chronology.appointment.created",
        "chronology.entry.created",
        "chronology.appointment.outcome_recorded",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad, key",
    [
        ({"outcome": "attended"}, "outcome"),
        ({"outcome": "rescheduled"}, "outcome"),
        ({"kind": "spa_day"}, "kind"),
        ({"scheduled_on": TODAY() + timedelta(days=3)}, "scheduled_on"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_the_service_refuses_bad_values_by_argument_and_saves_nothing(case, member, bad, key):
    with pytest.raises(ValidationError) as refused:
        _record(case, member, **bad)
    assert key in refused.value.error_dict
    assert not Appointment.objects.exists() and not AppointmentOutcome.objects.exists()
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_child_from_another_household_is_refused_with_nothing_half_saved(case, member):
    stranger = HouseholdMemberFactory().person
    with pytest.raises(ValidationError) as refused:
        _record(case, member, child=stranger)
    assert "child" in refused.value.error_dict
    assert not Appointment.objects.exists() and not Entry.objects.exists()


@pytest.mark.django_db
def test_did_not_attend_counts_as_missed_and_cancelled_by_family_does_not(case, member):
    _record(case, member, outcome="did_not_attend")
    assert _missed_count(case) == 1
    entry = _record(case, member, outcome="cancelled_by_family")
    assert entry.what_happened == f"The family cancelled {SENTINEL_CHILD_NAME}'s GP appointment."
    assert entry.significance == "low"
    assert _missed_count(case) == 1


@pytest.mark.django_db
def test_an_outcome_is_recorded_once(case, member):
    _record(case, member)
    appointment = Appointment.objects.get()
    with pytest.raises(ValidationError, match="already been recorded"):
        services.appointment_record_outcome(appointment=appointment, by=member, outcome="attended")
    assert AppointmentOutcome.objects.count() == 1 and Entry.objects.count() == 1


# --- "Log a concern" -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_log_a_concern_offers_missed_appointment_and_no_bare_appointment(client, case, member):
    client.force_login(member)
    response = client.get(reverse("chronology:concern", args=[case.reference]))
    offered = dict(response.context["form"].fields["event_type"].choices)
    assert MISSED_APPOINTMENT in offered and EventType.APPOINTMENT not in offered
    assert b"chronology/concern.js" in response.content
    # The full entry form still offers an appointment, and no missed-appointment choice.
    full = client.get(reverse("chronology:entry_new", args=[case.reference])).context["form"]
    assert EventType.APPOINTMENT in dict(full.fields["event_type"].choices)
    assert MISSED_APPOINTMENT not in dict(full.fields["event_type"].choices)
    assert "missed_outcome" not in full.fields


@pytest.mark.django_db
def test_a_bare_appointment_is_refused_on_log_a_concern(client, case, member):
    client.force_login(member)
    data = _missed(case, _child(case), event_type="appointment")
    response = client.post(reverse("chronology:concern", args=[case.reference]), data)
    assert response.status_code == 400 and "event_type" in response.context["form"].errors
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_one_save_on_log_a_concern_records_a_missed_appointment(client, case, member):
    client.force_login(member)
    url = reverse("chronology:concern", args=[case.reference])
    data = _missed(case, _child(case))
    response = client.post(url, data)
    entry = Entry.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("chronology:entry", args=[case.reference, entry.pk])
    appointment = Appointment.objects.with_outcome().get()
    assert entry.appointment == appointment and appointment.outcome == "was_not_brought"
    assert appointment.scheduled_on == TODAY() - timedelta(days=2) and appointment.agency == case.lead_agency
    assert "Mum said she forgot." in entry.what_happened
    assert _missed_count(case) == 1
    # A double click saves it once.
    assert client.post(url, data).status_code == 302
    assert Appointment.objects.count() == 1 and Entry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad, field",
    [
        ({"appointment_kind": ""}, "appointment_kind"),
        ({"appointment_agency": ""}, "appointment_agency"),
        ({"missed_outcome": ""}, "missed_outcome"),
        ({"missed_outcome": "attended"}, "missed_outcome"),
        ({"children": []}, "children"),
        ({"whole_household": "on"}, "children"),
        ({"occurred_on": "2099-01-01"}, "occurred_on"),
    ],
)
def test_an_incomplete_missed_appointment_keeps_the_form(client, case, member, bad, field):
    client.force_login(member)
    data = _missed(case, _child(case), what_happened="Draft note that must not be lost")
    data.update(bad)
    response = client.post(reverse("chronology:concern", args=[case.reference]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert b"Please correct the problems shown below" in response.content
    assert b"Draft note that must not be lost" in response.content
    assert not Appointment.objects.exists() and not Entry.objects.exists()


@pytest.mark.django_db
def test_two_children_for_one_appointment_are_refused(client, case, member):
    second = HouseholdMemberFactory(case=case).person
    client.force_login(member)
    data = _missed(case, _child(case), children=[str(_child(case).pk), str(second.pk)])
    response = client.post(reverse("chronology:concern", args=[case.reference]), data)
    assert response.status_code == 400 and "one child" in str(response.context["form"].errors["children"])
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_concern_still_needs_what_happened_and_ignores_the_appointment_fields(client, case, member):
    client.force_login(member)
    url = reverse("chronology:concern", args=[case.reference])
    data = _missed(case, _child(case), event_type="concern", what_happened="", impact="negative", significance="low")
    response = client.post(url, data)
    assert response.status_code == 400 and "what_happened" in response.context["form"].errors
    data = {**data, "what_happened": "No coat in the rain.", "submission_token": str(uuid.uuid4())}
    assert client.post(url, data).status_code == 302
    entry = Entry.objects.get()
    assert entry.event_type == "concern" and entry.appointment is None
    assert not Appointment.objects.exists()


# --- "Add an appointment" --------------------------------------------------------------------------


def _appointment(case, child, **extra):
    return {
        "submission_token": str(uuid.uuid4()),
        "child": str(child.pk),
        "kind": "health_visitor",
        "agency": str(case.lead_agency_id),
        "scheduled_on": (TODAY() - timedelta(days=4)).isoformat(),
        "notes": "Two-year review.",
        **extra,
    }


@pytest.mark.django_db
def test_a_past_appointment_is_added_with_its_outcome_in_one_form(client, case, member):
    client.force_login(member)
    url = reverse("chronology:appointment_new", args=[case.reference])
    response = client.post(url, _appointment(case, _child(case), outcome="did_not_attend"))
    assert response.status_code == 302
    appointment = Appointment.objects.with_outcome().get()
    entry = Entry.objects.get()
    assert appointment.outcome == "did_not_attend" and entry.appointment == appointment
    assert entry.what_happened.endswith("Two-year review.")
    assert _missed_count(case) == 1


@pytest.mark.django_db
def test_an_appointment_without_an_outcome_waits_for_one(client, case, member):
    client.force_login(member)
    url = reverse("chronology:appointment_new", args=[case.reference])
    assert client.post(url, _appointment(case, _child(case))).status_code == 302
    assert Appointment.objects.waiting_for_outcome().count() == 1 and not Entry.objects.exists()


@pytest.mark.django_db
def test_a_future_appointment_cannot_be_added_with_an_outcome(client, case, member):
    client.force_login(member)
    url = reverse("chronology:appointment_new", args=[case.reference])
    future = (TODAY() + timedelta(days=2)).isoformat()
    response = client.post(url, _appointment(case, _child(case), scheduled_on=future, outcome="attended"))
    assert response.status_code == 400 and "outcome" in response.context["form"].errors
    assert not Appointment.objects.exists() and not Entry.objects.exists()
    with pytest.raises(ValidationError):
        services.appointment_create(
            case=case,
            by=member,
            child=_child(case),
            agency=member.agency,
            kind="gp",
            scheduled_on=TODAY() + timedelta(days=2),
            outcome="cancelled_by_family",
        )
    assert not Appointment.objects.exists()


# --- Correcting an outcome -------------------------------------------------------------------------


@pytest.fixture
def missed(case, member):
    """A was-not-brought recorded by the health visitor (MEMBER)."""
    return AppointmentFactory(case=case, child=_child(case), booked_by=member, outcome="was_not_brought")


def _correct_url(case, appointment):
    return reverse("chronology:appointment_outcome_correct", args=[case.reference, appointment.pk])


def _correction(appointment, **extra):
    current = AppointmentOutcome.objects.current().get(appointment=appointment)
    return {
        "submission_token": str(uuid.uuid4()),
        "based_on": str(current.pk),
        "outcome": "attended",
        "reason": "The dental practice's list was wrong: she was seen.",
        **extra,
    }


@pytest.mark.django_db
def test_a_correction_adds_a_row_keeps_the_original_and_corrects_the_entry(client, case, member, missed):
    original = AppointmentOutcome.objects.get()
    entry = Entry.objects.get()
    assert _missed_count(case) == 1
    client.force_login(member)
    response = client.post(_correct_url(case, missed), _correction(missed))
    assert response.status_code == 302
    rows = list(AppointmentOutcome.objects.order_by("recorded_at"))
    assert len(rows) == 2 and rows[0] == original and rows[0].outcome == "was_not_brought"
    assert rows[1].corrects == original and rows[1].outcome == "attended" and rows[1].recorded_by == member
    assert Appointment.objects.with_outcome().get().outcome == "attended"
    now = EffectiveEntry.objects.get(pk=entry.pk)
    assert now.what_happened == f"{SENTINEL_CHILD_NAME} attended the Dental appointment."
    assert now.appointment_outcome == "attended"
    assert (now.significance, now.occurred_on, now.event_type) == (entry.significance, entry.occurred_on, "appointment")
    assert Amendment.objects.get().reason == "The dental practice's list was wrong: she was seen."
    assert Entry.objects.get().what_happened == entry.what_happened  # the entry itself is untouched
    assert _missed_count(case) == 0  # the child's page follows
    event = AuditEvent.objects.get(action="chronology.appointment.outcome_corrected")
    assert event.data["corrects_id"] == str(original.pk) and event.data["was"] == "was_not_brought"
    # The history shows who recorded and who corrected, and why.
    page = client.get(_correct_url(case, missed)).content.decode()
    assert "First recorded" in page and "The dental practice&#x27;s list was wrong" in page


@pytest.mark.django_db
def test_a_correction_needs_a_reason_and_a_different_outcome(client, case, member, missed):
    client.force_login(member)
    for bad, field in (({"reason": " "}, "reason"), ({"outcome": "was_not_brought"}, "outcome")):
        response = client.post(_correct_url(case, missed), _correction(missed, **bad))
        assert response.status_code == 400 and field in response.context["form"].errors
    assert AppointmentOutcome.objects.count() == 1 and not Amendment.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.appointment_outcome_correct(
            appointment=missed, by=member, outcome="attended", reason="", based_on=_correction(missed)["based_on"]
        )
    assert "reason" in refused.value.error_dict


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["member", "lead", "manager", "senior"])
def test_the_recorder_their_manager_or_the_lead_may_correct(client, case, persona, personas):
    # Recorded by the lead, so the lead's team manager and a senior manager of the lead's agency may
    # correct it too; a member of another agency on the team may not.
    appointment = AppointmentFactory(case=case, child=_child(case), outcome="was_not_brought")
    client.force_login(personas[persona])
    response = client.post(_correct_url(case, appointment), _correction(appointment))
    if persona == "member":
        assert response.status_code == 403
        assert b"You cannot correct this outcome" in response.content
        assert AuditEvent.objects.filter(action="chronology.appointment.outcome_correction_refused").count() == 1
        assert AppointmentOutcome.objects.count() == 1
    else:
        assert response.status_code == 302
        assert AppointmentOutcome.objects.current().get().outcome == "attended"


@pytest.mark.django_db
def test_the_lead_professional_may_correct_someone_elses_outcome(case, lead, member, missed):
    services.appointment_outcome_correct(
        appointment=missed,
        by=lead,
        outcome="cancelled_by_family",
        reason="Mum rang to cancel.",
        based_on=_correction(missed)["based_on"],
    )
    assert Amendment.objects.get().basis == "lead"
    outsider_on_team = UserFactory(username="another_hv", agency=member.agency)
    with pytest.raises(PermissionDenied):
        services.appointment_outcome_correct(
            appointment=missed, by=outsider_on_team, outcome="attended", reason="x", based_on=""
        )


@pytest.mark.django_db
def test_only_those_allowed_see_the_correct_link(client, case, member, lead, missed):
    led = AppointmentFactory(case=case, child=_child(case), outcome="attended")  # recorded by the lead
    client.force_login(member)
    page = client.get(reverse("chronology:appointments", args=[case.reference])).content.decode()
    assert _correct_url(case, missed) in page and _correct_url(case, led) not in page
    client.force_login(lead)
    page = client.get(reverse("chronology:child", args=[case.reference, _child(case).pk])).content.decode()
    assert _correct_url(case, missed) in page and _correct_url(case, led) in page


@pytest.mark.django_db
def test_a_stale_correction_gets_the_conflict_page(client, case, member, lead, missed):
    stale = _correction(missed)
    client.force_login(lead)
    assert (
        client.post(_correct_url(case, missed), _correction(missed, outcome="cancelled_by_family")).status_code == 302
    )
    client.force_login(member)
    response = client.post(_correct_url(case, missed), stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else corrected this appointment" in body and "Cancelled by family" in body
    assert AppointmentOutcome.objects.count() == 2
    assert AppointmentOutcome.objects.current().get().outcome == "cancelled_by_family"
    assert AuditEvent.objects.filter(action="chronology.appointment.outcome_correction_conflict").count() == 1


@pytest.mark.django_db
def test_the_database_lets_only_one_row_correct_an_outcome(case, member, missed):
    """Two corrections at the same moment: both name the row in force; the one-to-one lets one in."""
    original = AppointmentOutcome.objects.get()
    values = {"appointment": missed, "recorded_by": member, "recorded_at": timezone.now(), "corrects": original}
    AppointmentOutcome.objects.create(outcome="attended", reason="first", **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentOutcome.objects.create(outcome="cancelled_by_family", reason="second", **values)
    assert AppointmentOutcome.objects.count() == 2


@pytest.mark.django_db
def test_a_correction_moves_the_count_and_the_monitoring_flag(case, member):
    for days in (10, 20):
        AppointmentFactory(
            case=case,
            child=_child(case),
            booked_by=member,
            scheduled_on=TODAY() - timedelta(days=days),
            outcome="was_not_brought",
        )
    monitoring.sweep(TODAY())
    assert Flag.objects.filter(case=case, rule=Flag.Rule.WAS_NOT_BROUGHT, resolved_at__isnull=True).count() == 1
    first = Appointment.objects.order_by("scheduled_on").first()
    services.appointment_outcome_correct(
        appointment=first,
        by=member,
        outcome="attended",
        reason="She was seen.",
        based_on=_correction(first)["based_on"],
    )
    assert _missed_count(case) == 1
    monitoring.sweep(TODAY())
    assert not Flag.objects.filter(case=case, rule=Flag.Rule.WAS_NOT_BROUGHT, resolved_at__isnull=True).exists()


@pytest.mark.django_db
def test_correcting_an_outcome_not_yet_recorded_sends_you_to_record_it(client, case, member):
    appointment = AppointmentFactory(case=case, child=_child(case), booked_by=member)
    client.force_login(member)
    response = client.get(_correct_url(case, appointment))
    assert response.status_code == 302
    assert response.url == reverse("chronology:appointment_outcome", args=[case.reference, appointment.pk])
