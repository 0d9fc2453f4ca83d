"""Writes to the chronology: entries, amendments, appointments and their outcomes.

Other features call `entry_create` to put their own events on the timeline (assessments, meetings,
plan changes). Each service is atomic and writes its audit row in the same transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Agency, Capability, User
from audit import services as audit
from audit.models import AuditEvent
from cases.models import Case, HouseholdMember, Level, Person
from cases.services import ensure_open
from chronology.models import (
    MISSED_OUTCOMES,
    Amendment,
    AmendmentChild,
    Appointment,
    AppointmentOutcome,
    EffectiveEntry,
    EffectiveEntryChild,
    Entry,
    EntryChild,
    EventType,
    NeglectForm,
    OtherView,
    SameEvent,
)
from common import clock
from common.conflicts import VersionConflict
from common.dates import in_words


def _household_children(case: Case, people: Iterable[Person] | None = None):
    members = HouseholdMember.objects.filter(case=case, relationship=HouseholdMember.Relationship.CHILD)
    if people is None:
        return members.filter(left_on__isnull=True)
    return members.filter(person__in=list(people))


def _check_choice(value: str, choices, field: str, message: str) -> None:
    if value not in choices.values:
        raise ValidationError({field: message})


def _check_event(
    event_type: str, significance: str, neglect_forms: Iterable[str], occurred_on: date, occurred_until: date | None
) -> set:
    """The checks a new entry and a correction share; returns the forms of neglect as a set."""
    _check_choice(event_type, EventType, "event_type", "Choose what kind of event this was.")
    _check_choice(significance, Entry.Significance, "significance", "Choose low, medium or high.")
    forms = set(neglect_forms)
    if forms - set(NeglectForm.values):
        raise ValidationError({"neglect_forms": "Choose forms of neglect from the list."})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "The event cannot be in the future."})
    if occurred_until and occurred_until < occurred_on:
        raise ValidationError({"occurred_until": "The end of the period cannot be before its start."})
    return forms


@transaction.atomic
def entry_create(
    *,
    case: Case,
    by: User,
    event_type: str,
    occurred_on: date,
    children: Iterable[Person],
    what_happened: str,
    significance: str = Entry.Significance.MEDIUM,
    date_precision: str = Entry.Precision.EXACT,
    occurred_until: date | None = None,
    occurred_at: time | None = None,
    sequence: int | None = None,
    whole_household: bool = False,
    neglect_forms: Iterable[str] = (),
    impact: str = Entry.Impact.NOT_KNOWN,
    impact_detail: str = "",
    action_taken: str = "",
    hospital: str = "",
    reason_given: str = "",
    appointment: Appointment | None = None,
    external_reference: str = "",
) -> Entry:
    """Add one entry to a case's chronology and audit it. Entries are never changed afterwards.

    `children` are Person rows who must be children in the case's household; with
    `whole_household=True` every child now living there is added as well. The author, their
    agency and job title come from `by` (the signed-in user, never the form).
    Raises ValidationError (keyed by argument name) on anything a form should have caught.
    """
    ensure_open(case)
    entry, links = _new_entry(
        case=case,
        by=by,
        event_type=event_type,
        occurred_on=occurred_on,
        children=children,
        what_happened=what_happened,
        significance=significance,
        date_precision=date_precision,
        occurred_until=occurred_until,
        occurred_at=occurred_at,
        sequence=sequence,
        whole_household=whole_household,
        neglect_forms=neglect_forms,
        impact=impact,
        impact_detail=impact_detail,
        action_taken=action_taken,
        hospital=hospital,
        reason_given=reason_given,
        appointment=appointment,
        external_reference=external_reference,
        household=_HouseholdQueries(case),
    )
    entry.save()
    EntryChild.objects.bulk_create(_links(entry, links))
    audit.record(
        actor=by,
        action=AuditEvent.Action.CHRONOLOGY_ENTRY_CREATED,
        case=case,
        target=entry,
        data=_entry_audit_data(entry),
    )
    return entry


def _links(entry: Entry, person_ids: list) -> list[EntryChild]:
    return [EntryChild(entry=entry, person_id=pk) for pk in sorted(set(person_ids), key=str)]


def _entry_audit_data(entry: Entry) -> dict:
    return {"event_type": entry.event_type, "imported": bool(entry.external_reference)}


class _HouseholdQueries:
    """Which children live in a case's household, asked of the database (one service call)."""

    def __init__(self, case: Case):
        self.case = case

    def children_among(self, people: list[Person]) -> list:
        return list(_household_children(self.case, people).values_list("person_id", flat=True))

    def current_children(self) -> list:
        return list(_household_children(self.case).values_list("person_id", flat=True))


class _HouseholdOnce:
    """The same answers from one query, for a whole import file."""

    def __init__(self, case: Case):
        members = list(
            HouseholdMember.objects.filter(case=case, relationship=HouseholdMember.Relationship.CHILD).values_list(
                "person_id", "left_on"
            )
        )
        self.everyone = {person_id for person_id, _ in members}
        self.current = [person_id for person_id, left_on in members if left_on is None]

    def children_among(self, people: list[Person]) -> list:
        return [person.pk for person in people if person.pk in self.everyone]

    def current_children(self) -> list:
        return list(self.current)


def _new_entry(
    *,
    case: Case,
    by: User,
    event_type: str,
    occurred_on: date,
    children: Iterable[Person],
    what_happened: str,
    household,
    significance: str = Entry.Significance.MEDIUM,
    date_precision: str = Entry.Precision.EXACT,
    occurred_until: date | None = None,
    occurred_at: time | None = None,
    sequence: int | None = None,
    whole_household: bool = False,
    neglect_forms: Iterable[str] = (),
    impact: str = Entry.Impact.NOT_KNOWN,
    impact_detail: str = "",
    action_taken: str = "",
    hospital: str = "",
    reason_given: str = "",
    appointment: Appointment | None = None,
    external_reference: str = "",
) -> tuple[Entry, list]:
    """entry_create's checks, and the unsaved entry with the IDs of the children it is about."""
    if by.agency_id is None:
        raise ValidationError("Only staff of a partner agency can add to the chronology.")
    forms = _check_event(event_type, significance, neglect_forms, occurred_on, occurred_until)
    _check_choice(date_precision, Entry.Precision, "date_precision", "Choose how exact the date is.")
    _check_choice(impact, Entry.Impact, "impact", "Choose the impact on the child.")
    if not what_happened.strip():
        raise ValidationError({"what_happened": "Say what happened."})
    if sequence is not None and not 1 <= sequence <= 99:
        raise ValidationError({"sequence": "Give the order on the day as a number from 1 to 99."})
    if date_precision == Entry.Precision.MONTH:
        occurred_on = occurred_on.replace(day=1)  # only the month is known: file it at its start

    people = list(children)
    links = household.children_among(people)
    if len(set(links)) != len({p.pk for p in people}):
        raise ValidationError({"children": "Choose children who live in this household."})
    if whole_household:
        links += household.current_children()
    if not links:
        raise ValidationError({"children": "Choose at least one child, or the whole household."})

    entry = Entry(
        case=case,
        occurred_on=occurred_on,
        occurred_at=occurred_at,
        date_precision=date_precision,
        occurred_until=occurred_until,
        sequence=sequence,
        recorded_at=clock.now(),
        recorded_by=by,
        source_agency_id=by.agency_id,
        author_role=by.display_role[:100],
        event_type=event_type,
        whole_household=whole_household,
        what_happened=what_happened.strip(),
        impact=impact,
        impact_detail=impact_detail.strip(),
        action_taken=action_taken.strip(),
        significance=significance,
        hospital=hospital.strip(),
        reason_given=reason_given.strip(),
        appointment=appointment,
        external_reference=external_reference.strip(),
        **{f"neglect_{form}": True for form in forms},
    )
    return entry, links


def correction_basis(entry: Entry, by: User) -> str | None:
    """Why `by` may correct `entry`, or None if they may not (docs/practice.md, "Corrections"): its author;
    the author's team manager or a senior manager of the author's agency; the case's lead professional.
    Everyone else may add another view instead. `entry` needs recorded_by__team and case loaded."""
    if entry.recorded_by_id == by.pk:
        return Amendment.Basis.AUTHOR
    team = entry.recorded_by.team
    if (team is not None and team.manager_id == by.pk) or (
        by.agency_id == entry.source_agency_id and by.can(Capability.Key.OVERSEE_AGENCY)
    ):
        return Amendment.Basis.MANAGER
    if entry.case.lead_professional_id == by.pk:
        return Amendment.Basis.LEAD
    return None


def _now_values(effective: EffectiveEntry, child_ids: Iterable) -> dict:
    """What an entry says now, in the terms of a correction."""
    return {
        "occurred_on": effective.occurred_on,
        "occurred_until": effective.occurred_until,
        "sequence": effective.sequence,
        "event_type": effective.event_type,
        "significance": effective.significance,
        "text": effective.what_happened,
        "neglect_forms": {form for form in NeglectForm.values if getattr(effective, f"neglect_{form}")},
        "children": set(child_ids),
    }


@transaction.atomic
def entry_correct(
    *,
    entry: Entry,
    by: User,
    based_on: str,
    text: str,
    reason: str = "",
    occurred_on: date,
    occurred_until: date | None = None,
    sequence: int | None = None,
    event_type: str,
    significance: str,
    neglect_forms: Iterable[str] = (),
    children: Iterable[Person],
) -> Amendment:
    """Correct an entry: a new Amendment row stating everything the entry says from now on. The entry,
    its children and every earlier correction stay as they were, readable.

    `based_on` is the id of the correction in force when the person opened the form ("" for none): if
    someone corrected the entry since, VersionConflict is raised and nothing is written. The author may
    correct without a reason; a manager or the lead professional must give one. Raises PermissionDenied
    for anyone else, ValidationError (keyed by argument) for bad values or when nothing changed.
    """
    ensure_open(entry.case_id)
    basis = correction_basis(entry, by)
    if basis is None:
        raise PermissionDenied("Only the author, their manager or the lead professional can correct this entry.")
    # Lock the entry (a read lock on an append-only row, never an update) so that two corrections
    # of it are decided one after the other.
    Entry.objects.select_for_update().filter(pk=entry.pk).first()
    effective = EffectiveEntry.objects.select_related("amendment").get(pk=entry.pk)
    if str(effective.amendment_id or "") != str(based_on or ""):
        raise VersionConflict(effective)
    if basis != Amendment.Basis.AUTHOR and not reason.strip():
        raise ValidationError({"reason": "Say why you are correcting another person's entry."})
    forms = _check_event(event_type, significance, neglect_forms, occurred_on, occurred_until)
    if not text.strip():
        raise ValidationError({"text": "Write the account as it should read."})
    people = list(children)
    household = _household_children(entry.case, people).values_list("person_id", flat=True)
    if not people or len(set(household)) != len({p.pk for p in people}):
        raise ValidationError({"children": "Choose at least one child of this household."})
    before = _now_values(
        effective, EffectiveEntryChild.objects.filter(entry_id=entry.pk).values_list("person_id", flat=True)
    )
    after = {
        "occurred_on": occurred_on,
        "occurred_until": occurred_until,
        "sequence": sequence if sequence is not None else effective.sequence,
        "event_type": event_type,
        "significance": significance,
        "text": text.strip(),
        "neglect_forms": forms,
        "children": {p.pk for p in people},
    }
    changed = sorted(key for key in after if after[key] != before[key])
    if not changed:
        raise ValidationError("Nothing was changed: correct at least one thing, or go back.")
    amendment = Amendment.objects.create(
        entry=entry,
        text=after["text"],
        reason=reason.strip(),
        amended_by=by,
        amended_by_agency_id=by.agency_id,
        amended_by_role=by.display_role[:100],
        amended_at=timezone.now(),
        basis=basis,
        occurred_on=occurred_on,
        occurred_until=occurred_until,
        sequence=after["sequence"],
        event_type=event_type,
        significance=significance,
        children_corrected=True,
        **{f"neglect_{form}": form in forms for form in NeglectForm.values},
    )
    AmendmentChild.objects.bulk_create(
        [AmendmentChild(amendment=amendment, person_id=pk) for pk in sorted(after["children"], key=str)]
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CHRONOLOGY_ENTRY_AMENDED,
        case=entry.case,
        target=entry,
        data={"amendment_id": str(amendment.pk), "basis": basis, "changed": changed},
    )
    return amendment


@transaction.atomic
def other_view_add(*, entry: Entry, by: User, text: str) -> OtherView:
    """Another agency's view of an entry, shown beside it: for those who may not correct it."""
    ensure_open(entry.case_id)
    if by.agency_id is None:
        raise ValidationError("Only staff of a partner agency can add a view to the chronology.")
    if not text.strip():
        raise ValidationError({"text": "Write your view of this entry."})
    view = OtherView.objects.create(
        entry=entry,
        text=text.strip(),
        written_by=by,
        agency_id=by.agency_id,
        role=by.display_role[:100],
        written_at=timezone.now(),
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CHRONOLOGY_OTHER_VIEW_ADDED,
        case=entry.case,
        target=entry,
        data={"other_view_id": str(view.pk)},
    )
    return view


@transaction.atomic
def same_event_link(*, case: Case, entries: list[Entry], by: User) -> list[SameEvent]:
    """Record that these entries (two or more, of this case) are one event with several sources. Each
    pair not linked already gets a row; nothing is merged or hidden."""
    ensure_open(case)
    ids = sorted({entry.pk for entry in entries}, key=str)
    if len(ids) < 2 or any(entry.case_id != case.pk for entry in entries):
        raise ValidationError("Choose two or more entries of this case.")
    existing = set(SameEvent.objects.filter(first__in=ids, second__in=ids).values_list("first_id", "second_id"))
    # A chain links them all: first-second, second-third... (the groups are the chains' components).
    wanted = list(zip(ids, ids[1:]))  # ids are sorted as text, the order the database compares UUIDs in
    rows = [
        SameEvent(first_id=a, second_id=b, linked_by=by, linked_at=timezone.now())
        for a, b in wanted
        if (a, b) not in existing
    ]
    SameEvent.objects.bulk_create(rows)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CHRONOLOGY_SAME_EVENT_LINKED,
        case=case,
        data={"entry_ids": [str(pk) for pk in ids]},
    )
    return rows


@transaction.atomic
def appointment_create(
    *,
    case: Case,
    by: User,
    child: Person,
    agency: Agency,
    kind: str,
    scheduled_on: date,
    scheduled_at: time | None = None,
    notes: str = "",
    external_reference: str = "",
    outcome: str = "",
) -> Appointment:
    """Book an appointment for a child of the household (nothing goes on the timeline until
    its outcome is known). An appointment of today or earlier may be added with its `outcome`, in the
    same transaction: the outcome row and its chronology entry are written as appointment_record_outcome
    writes them, with `notes` on the entry too."""
    ensure_open(case)
    if outcome and scheduled_on > timezone.localdate():
        raise ValidationError({"outcome": "This appointment is in the future: add what happened once it has."})
    if outcome == Appointment.Outcome.RESCHEDULED:
        raise ValidationError(
            {"outcome": "To rebook, add the appointment and record it as rescheduled with its new date."}
        )
    appointment = _new_appointment(
        case=case,
        by=by,
        child=child,
        agency=agency,
        kind=kind,
        scheduled_on=scheduled_on,
        scheduled_at=scheduled_at,
        notes=notes,
        external_reference=external_reference,
        household=_HouseholdQueries(case),
    )
    appointment.save()
    audit.record(
        actor=by,
        action=AuditEvent.Action.CHRONOLOGY_APPOINTMENT_CREATED,
        case=case,
        target=appointment,
        data=_appointment_audit_data(appointment),
    )
    if outcome:
        appointment_record_outcome(appointment=appointment, by=by, outcome=outcome, note=notes)
    return appointment


# What "Log a concern" offers for a missed appointment: the outcomes that mean the family did not come.
MISSED_APPOINTMENT_OUTCOMES = (
    Appointment.Outcome.WAS_NOT_BROUGHT,
    Appointment.Outcome.DID_NOT_ATTEND,
    Appointment.Outcome.CANCELLED_BY_FAMILY,
)


@transaction.atomic
def missed_appointment_record(
    *,
    case: Case,
    by: User,
    child: Person,
    kind: str,
    agency: Agency,
    scheduled_on: date,
    scheduled_at: time | None = None,
    outcome: str,
    note: str = "",
) -> Entry:
    """A missed appointment in one step ("Log a concern"): the appointment, its outcome row and the
    chronology entry, all or nothing. `outcome` is was not brought, did not attend or cancelled by the
    family. Returns the entry. Raises ValidationError keyed by argument name; audited by
    appointment_create and appointment_record_outcome."""
    ensure_open(case)
    if outcome not in MISSED_APPOINTMENT_OUTCOMES:
        raise ValidationError({"outcome": "Choose was not brought, did not attend or cancelled by the family."})
    if outcome in MISSED_OUTCOMES and scheduled_on > timezone.localdate():
        raise ValidationError(
            {"scheduled_on": "The appointment cannot have been missed yet: its date is in the future."}
        )
    if len(note) > AppointmentOutcome._meta.get_field("note").max_length:
        raise ValidationError({"note": "Keep this to 1,000 characters."})
    appointment = appointment_create(
        case=case, by=by, child=child, agency=agency, kind=kind, scheduled_on=scheduled_on, scheduled_at=scheduled_at
    )
    return appointment_record_outcome(appointment=appointment, by=by, outcome=outcome, note=note)


def _new_appointment(
    *,
    case: Case,
    by: User,
    child: Person,
    agency: Agency,
    kind: str,
    scheduled_on: date,
    scheduled_at: time | None,
    notes: str,
    external_reference: str,
    household,
) -> Appointment:
    """appointment_create's checks, and the unsaved appointment."""
    _check_choice(kind, Appointment.Kind, "kind", "Choose the type of appointment.")
    if not household.children_among([child]):
        raise ValidationError({"child": "Choose a child who lives in this household."})
    return Appointment(
        case=case,
        child=child,
        agency=agency,
        kind=kind,
        scheduled_on=scheduled_on,
        scheduled_at=scheduled_at,
        notes=notes.strip(),
        booked_by=by,
        external_reference=external_reference.strip(),
    )


def _appointment_audit_data(appointment: Appointment) -> dict:
    return {"kind": appointment.kind}


OUTCOME_WORDS = {
    Appointment.Outcome.ATTENDED: "{child} attended the {kind} appointment.",
    Appointment.Outcome.WAS_NOT_BROUGHT: "{child} was not brought to the {kind} appointment.",
    Appointment.Outcome.DID_NOT_ATTEND: "{child} did not attend the {kind} appointment.",
    Appointment.Outcome.CANCELLED_BY_FAMILY: "The family cancelled {child}'s {kind} appointment.",
    Appointment.Outcome.CANCELLED_BY_SERVICE: "The service cancelled {child}'s {kind} appointment.",
    Appointment.Outcome.RESCHEDULED: "{child}'s {kind} appointment was rescheduled.",
}


@transaction.atomic
def appointment_record_outcome(
    *,
    appointment: Appointment,
    by: User,
    outcome: str,
    note: str = "",
    rescheduled_on: date | None = None,
    external_reference: str = "",
) -> Entry:
    """Record what happened to an appointment, once, as an outcome row, and write it on the chronology.

    "Was not brought" is the words for a child (docs/practice.md, "Was not brought"). On a child protection
    case one missed appointment is significant; elsewhere it is a medium concern. Rescheduling
    with a new date books the new appointment too.
    """
    ensure_open(appointment.case_id)
    today = timezone.localdate()
    _outcome_check(appointment, outcome, rescheduled_on, today)
    new_appointment = None
    if outcome == Appointment.Outcome.RESCHEDULED and rescheduled_on:
        new_appointment = Appointment.objects.create(
            case=appointment.case,
            child=appointment.child,
            agency=appointment.agency,
            kind=appointment.kind,
            scheduled_on=rescheduled_on,
            notes=appointment.notes,
            booked_by=by,
        )
    # One outcome row that corrects nothing per appointment (a unique constraint): of two people
    # recording the outcome at once, one succeeds and the other is told.
    try:
        with transaction.atomic():
            recorded = AppointmentOutcome.objects.create(
                appointment=appointment,
                outcome=outcome,
                note=note.strip(),
                rescheduled_to=new_appointment,
                recorded_by=by,
                recorded_at=clock.now(),
            )
    except IntegrityError:
        raise ValidationError("The outcome of this appointment has already been recorded.") from None
    entry = entry_create(
        by=by,
        **_outcome_entry_values(
            appointment=appointment,
            outcome=outcome,
            note=note,
            rescheduled_on=rescheduled_on if new_appointment else None,
            today=today,
            external_reference=external_reference,
        ),
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.CHRONOLOGY_APPOINTMENT_OUTCOME_RECORDED,
        case=appointment.case,
        target=appointment,
        data=_outcome_audit_data(outcome, entry) | {"outcome_id": str(recorded.pk)},
    )
    return entry


def _outcome_check(appointment: Appointment, outcome: str, rescheduled_on: date | None, today: date) -> None:
    _check_choice(outcome, Appointment.Outcome, "outcome", "Choose what happened.")
    missed_or_met = outcome == Appointment.Outcome.ATTENDED or outcome in MISSED_OUTCOMES
    if missed_or_met and appointment.scheduled_on > today:
        raise ValidationError(
            {"outcome": "This appointment has not happened yet: record a cancellation or a new date instead."}
        )
    if outcome == Appointment.Outcome.RESCHEDULED and rescheduled_on and rescheduled_on < today:
        raise ValidationError({"rescheduled_on": "The new date cannot be in the past."})


def _outcome_entry_values(
    *,
    appointment: Appointment,
    outcome: str,
    note: str,
    rescheduled_on: date | None,
    today: date,
    external_reference: str,
) -> dict:
    """What entry_create is given for an appointment's outcome (`rescheduled_on`: the new date booked)."""
    wnb = outcome in MISSED_OUTCOMES  # a young person not attending is as significant as a child not brought
    if wnb:
        significance = "high" if appointment.case.level == Level.CHILD_PROTECTION else "medium"
    else:
        significance = "low"
    text = _outcome_text(appointment, outcome, note, rescheduled_on)
    return dict(
        case=appointment.case,
        event_type=EventType.APPOINTMENT,
        occurred_on=min(appointment.scheduled_on, today),
        occurred_at=appointment.scheduled_at,
        children=[appointment.child],
        what_happened=text,
        significance=significance,
        neglect_forms=[NeglectForm.MEDICAL] if wnb else [],
        impact=Entry.Impact.NEGATIVE if wnb else Entry.Impact.NOT_KNOWN,
        action_taken="",
        appointment=appointment,
        external_reference=external_reference,
    )


def _outcome_text(appointment: Appointment, outcome: str, note: str, rescheduled_on: date | None = None) -> str:
    """An outcome in the chronology's words, as its entry says it."""
    text = OUTCOME_WORDS[outcome].format(child=appointment.child.first_name, kind=appointment.get_kind_display())
    if rescheduled_on:
        text += f" New date: {in_words(rescheduled_on)}."
    if note.strip():
        text += f" {note.strip()}"
    return text


def _outcome_audit_data(outcome: str, entry: Entry) -> dict:
    return {"outcome": outcome, "entry_id": str(entry.pk)}


def outcome_entry(appointment: Appointment) -> Entry | None:
    """The chronology entry an appointment's outcome wrote (the first entry about the appointment), with
    what outcome_correction_basis needs loaded."""
    return (
        Entry.objects.filter(appointment=appointment)
        .select_related("recorded_by__team", "case")
        .order_by("recorded_at", "id")
        .first()
    )


def outcome_correction_basis(appointment: Appointment, by: User, entry: Entry | None = None) -> str | None:
    """Why `by` may correct an appointment's outcome, or None: the rule for entries (correction_basis)
    applied to the entry the outcome wrote, whose author is the person who recorded the outcome."""
    entry = entry or outcome_entry(appointment)
    return correction_basis(entry, by) if entry is not None else None


def outcome_correctable_ids(appointments: Iterable[Appointment], by: User) -> set:
    """Which of these appointments (with_outcome()) `by` may correct the outcome of, in one query."""
    recorded = [appointment.pk for appointment in appointments if getattr(appointment, "outcome", None)]
    entries = {}
    for entry in (
        Entry.objects.filter(appointment_id__in=recorded)
        .select_related("recorded_by__team", "case")
        .order_by("-recorded_at", "-id")  # the first entry of each appointment is the one kept
    ):
        entries[entry.appointment_id] = entry
    return {pk for pk, entry in entries.items() if correction_basis(entry, by) is not None}


CORRECTABLE_OUTCOMES = [choice for choice in Appointment.Outcome if choice != Appointment.Outcome.RESCHEDULED]


@transaction.atomic
def appointment_outcome_correct(
    *, appointment: Appointment, by: User, outcome: str, reason: str, based_on: str
) -> AppointmentOutcome:
    """Correct an appointment's outcome: a new row naming the one in force (`corrects`), with who, when
    and why; no row is ever changed. The outcome's chronology entry is corrected to say the new outcome,
    its other values kept, so the timeline, the child's page and the monitoring rule all follow.

    `based_on` is the id of the outcome row in force when the person opened the form: if someone
    corrected it since, VersionConflict is raised and nothing is written (two corrections at the same
    moment: the one-to-one `corrects` lets only one row name the same row). Who may correct: as for the
    outcome's entry (correction_basis). A reason is always needed. Raises PermissionDenied for anyone
    else and ValidationError (keyed by argument) for bad values.
    """
    ensure_open(appointment.case_id)
    entry = outcome_entry(appointment)
    basis = correction_basis(entry, by) if entry is not None else None
    if basis is None:
        raise PermissionDenied(
            "Only the person who recorded the outcome, their manager or the lead professional can correct it."
        )
    # A read lock on the (append-only) appointment: two corrections of its outcome are decided in turn.
    Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
    current = AppointmentOutcome.objects.current().filter(appointment=appointment).first()
    if current is None:
        raise ValidationError("No outcome has been recorded for this appointment yet: record it first.")
    if str(current.pk) != str(based_on or ""):
        raise VersionConflict(current)
    if outcome not in CORRECTABLE_OUTCOMES:
        raise ValidationError({"outcome": "Choose what happened."})
    if outcome == current.outcome:
        raise ValidationError({"outcome": "That is the outcome recorded now: choose what really happened."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the outcome needs correcting."})
    _outcome_check(appointment, outcome, None, timezone.localdate())
    try:
        with transaction.atomic():
            corrected = AppointmentOutcome.objects.create(
                appointment=appointment,
                outcome=outcome,
                note=current.note,
                recorded_by=by,
                recorded_at=timezone.now(),
                corrects=current,
                reason=reason.strip(),
            )
    except IntegrityError:
        raise VersionConflict(AppointmentOutcome.objects.current().filter(appointment=appointment).first()) from None
    _correct_outcome_entry(entry, appointment, outcome, current.note, reason, by)
    audit.record(
        actor=by,
        action=AuditEvent.Action.CHRONOLOGY_APPOINTMENT_OUTCOME_CORRECTED,
        case=appointment.case,
        target=appointment,
        data={
            "outcome_id": str(corrected.pk),
            "corrects_id": str(current.pk),
            "outcome": outcome,
            "was": current.outcome,
            "basis": basis,
            "entry_id": str(entry.pk),
        },
    )
    return corrected


def _correct_outcome_entry(entry: Entry, appointment: Appointment, outcome: str, note: str, reason: str, by: User):
    """Correct the outcome's entry to say the new outcome, keeping everything else it says now."""
    effective = EffectiveEntry.objects.get(pk=entry.pk)
    text = _outcome_text(appointment, outcome, note)
    if text == effective.what_happened:
        return  # the entry already says it (someone corrected its words before)
    children = Person.objects.filter(
        pk__in=list(EffectiveEntryChild.objects.filter(entry_id=entry.pk).values_list("person_id", flat=True))
    )
    entry_correct(
        entry=entry,
        by=by,
        based_on=str(effective.amendment_id or ""),
        text=text,
        reason=reason,
        occurred_on=effective.occurred_on,
        occurred_until=effective.occurred_until,
        sequence=effective.sequence,
        event_type=effective.event_type,
        significance=effective.significance,
        neglect_forms=[form for form in NeglectForm.values if getattr(effective, f"neglect_{form}")],
        children=children,
    )


@dataclass
class ImportReport:
    imported: list = field(default_factory=list)  # ImportRow
    skipped: list = field(default_factory=list)  # already imported before
    refused: list = field(default_factory=list)  # rows with problems

    @property
    def total(self) -> int:
        return len(self.imported) + len(self.skipped) + len(self.refused)


def _already_imported(case_id, agency_id: int, refs: list[str]) -> set[str]:
    """Which of these external references this agency has imported into this case before (entries or
    appointments). Only this case: another case's rows are not the importer's to know about."""
    found = set()
    for start in range(0, len(refs), 1000):
        chunk = refs[start : start + 1000]
        found.update(
            Entry.objects.filter(case_id=case_id, source_agency_id=agency_id, external_reference__in=chunk).values_list(
                "external_reference", flat=True
            )
        )
        found.update(
            Appointment.objects.filter(case_id=case_id, agency_id=agency_id, external_reference__in=chunk).values_list(
                "external_reference", flat=True
            )
        )
    return found


def _import_one(case: Case, by: User, row) -> None:
    values = dict(row.values)
    ref = row.external_reference
    if row.record_type == "appointment":
        appointment = appointment_create(
            case=case,
            by=by,
            child=values["children"][0],
            agency=by.agency,
            kind=values["kind"],
            scheduled_on=values["occurred_on"],
            scheduled_at=values["occurred_at"],
            notes=values["what_happened"][:500],
            external_reference=ref,
        )
        if values["outcome"]:
            appointment_record_outcome(
                appointment=appointment,
                by=by,
                outcome=values["outcome"],
                note=values["what_happened"],
                external_reference=ref,
            )
        return
    values.pop("kind", None)
    entry_create(case=case, by=by, external_reference=ref, **values)


@transaction.atomic
def import_rows(*, case: Case, by: User, rows: list) -> ImportReport:
    """Save the checked rows of a partner's CSV (chronology.imports.check_rows) into a case.

    Rows with problems are not saved; rows whose external reference this agency already
    imported into this case are skipped, so importing the same file twice adds nothing. Every good row is checked
    as the services check it (a row they refuse is reported, the others still go in), then the
    file's rows go in together: one INSERT per table, with the audit rows the services write.
    """
    ensure_open(case)
    if by.agency_id is None:
        raise ValidationError("Only staff of a partner agency can import into the chronology.")
    report = ImportReport()
    # One look-up for the whole file, not two queries a row (bench/README.md: import of 10,000 rows).
    done_before = _already_imported(case.pk, by.agency_id, [row.external_reference for row in rows if not row.problems])
    household = _HouseholdOnce(case)
    today = timezone.localdate()
    batch = _ImportBatch()
    for row in rows:
        if row.problems:
            report.refused.append(row)
        elif row.external_reference in done_before:
            report.skipped.append(row)
        else:
            try:
                batch.add(row, _import_one_unsaved(case, by, row, household, today))
            except ValidationError as error:
                row.problems.extend(error.messages)
                report.refused.append(row)
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:
        # Another upload of some of these references won the race: find them row by row (each in
        # its own savepoint); theirs are in, so they are skips.
        for row in batch.rows:
            try:
                with transaction.atomic():
                    _import_one(case, by, row)
            except ValidationError as error:
                row.problems.extend(error.messages)
                report.refused.append(row)
            except IntegrityError:
                report.skipped.append(row)
            else:
                report.imported.append(row)
    else:
        report.imported.extend(batch.rows)
    for found in (report.imported, report.skipped, report.refused):
        found.sort(key=lambda row: row.number)  # file order, as the report lists them
    audit.record(
        actor=by,
        action=AuditEvent.Action.CHRONOLOGY_IMPORT_COMPLETED,
        case=case,
        data={
            "imported": len(report.imported),
            "skipped": len(report.skipped),
            "refused": len(report.refused),
            "refused_rows": [row.number for row in report.refused],
        },
    )
    return report


@dataclass
class _ImportBatch:
    """The unsaved rows of one import file, saved with one INSERT per table."""

    rows: list = field(default_factory=list)  # ImportRow
    appointments: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    links: list = field(default_factory=list)
    events: list = field(default_factory=list)  # audit

    def add(self, row, objects: "_Unsaved") -> None:
        self.rows.append(row)
        self.appointments += objects.appointments
        self.outcomes += objects.outcomes
        self.entries += objects.entries
        self.links += objects.links
        self.events += objects.events

    def save(self) -> None:
        Appointment.objects.bulk_create(self.appointments, batch_size=1000)  # before the rows naming them
        AppointmentOutcome.objects.bulk_create(self.outcomes, batch_size=1000)
        Entry.objects.bulk_create(self.entries, batch_size=1000)
        EntryChild.objects.bulk_create(self.links, batch_size=2000)
        audit.record_many(self.events)


@dataclass
class _Unsaved:
    appointments: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    links: list = field(default_factory=list)
    events: list = field(default_factory=list)

    def entry(self, entry: Entry, links: list, by: User) -> None:
        self.entries.append(entry)
        self.links += _links(entry, links)
        self.events.append(
            audit.unsaved(
                actor=by,
                action=AuditEvent.Action.CHRONOLOGY_ENTRY_CREATED,
                case=entry.case,
                target=entry,
                data=_entry_audit_data(entry),
            )
        )


def _import_one_unsaved(case: Case, by: User, row, household: "_HouseholdOnce", today: date) -> _Unsaved:
    """What _import_one would write for a row, checked the same way, not yet written; the audit rows
    are those the services write, in the same order."""
    values = dict(row.values)
    ref = row.external_reference
    unsaved = _Unsaved()
    if row.record_type == "appointment":
        appointment = _new_appointment(
            case=case,
            by=by,
            child=values["children"][0],
            agency=by.agency,
            kind=values["kind"],
            scheduled_on=values["occurred_on"],
            scheduled_at=values["occurred_at"],
            notes=values["what_happened"][:500],
            external_reference=ref,
            household=household,
        )
        unsaved.appointments.append(appointment)
        unsaved.events.append(
            audit.unsaved(
                actor=by,
                action=AuditEvent.Action.CHRONOLOGY_APPOINTMENT_CREATED,
                case=case,
                target=appointment,
                data=_appointment_audit_data(appointment),
            )
        )
        if values["outcome"]:
            outcome = values["outcome"]
            _outcome_check(appointment, outcome, None, today)
            unsaved.outcomes.append(
                AppointmentOutcome(
                    appointment=appointment,
                    outcome=outcome,
                    note=values["what_happened"][:1000],
                    recorded_by=by,
                    recorded_at=timezone.now(),
                )
            )
            entry, links = _new_entry(
                by=by,
                household=household,
                **_outcome_entry_values(
                    appointment=appointment,
                    outcome=outcome,
                    note=values["what_happened"],
                    rescheduled_on=None,
                    today=today,
                    external_reference=ref,
                ),
            )
            unsaved.entry(entry, links, by)
            unsaved.events.append(
                audit.unsaved(
                    actor=by,
                    action=AuditEvent.Action.CHRONOLOGY_APPOINTMENT_OUTCOME_RECORDED,
                    case=case,
                    target=appointment,
                    data=_outcome_audit_data(outcome, entry),
                )
            )
        return unsaved
    values.pop("kind", None)
    entry, links = _new_entry(case=case, by=by, external_reference=ref, household=household, **values)
    unsaved.entry(entry, links, by)
    return unsaved
