"""Forms for the chronology: log a concern, a full entry, amendments, appointments, outcomes,
timeline filters and the partner import. Forms validate; chronology.services saves."""

from django import forms
from django.utils import timezone

from accounts.models import Agency
from cases.forms import refuse_before_birth
from cases.models import Case, HouseholdMember, Person
from chronology.models import MISSED_APPOINTMENT, Appointment, Entry, EventType, NeglectForm
from common.forms import DateField, OnceOnlyForm


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _household_children(case: Case):
    return Person.objects.filter(
        households__case=case,
        households__relationship=HouseholdMember.Relationship.CHILD,
        households__left_on__isnull=True,
    ).order_by("date_of_birth", "first_name")


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("This date is in the future. Record events once they have happened.")
    return value


# "Log a concern" offers a missed appointment in place of a bare "Appointment": an appointment logged
# without its outcome never counted as missed (issue #16). Appointments stay on the full entry form.
CONCERN_EVENT_TYPES = [
    *[(value, label) for value, label in EventType.choices if value != EventType.APPOINTMENT],
    (MISSED_APPOINTMENT, "Missed appointment (was not brought, did not attend, cancelled by the family)"),
]
MISSED_CHOICES = [
    (Appointment.Outcome.WAS_NOT_BROUGHT, "Was not brought (a child who depends on a carer to take them)"),
    (Appointment.Outcome.DID_NOT_ATTEND, Appointment.Outcome.DID_NOT_ATTEND.label),
    (Appointment.Outcome.CANCELLED_BY_FAMILY, Appointment.Outcome.CANCELLED_BY_FAMILY.label),
]
# The fields only a missed appointment uses, and those it does not (the outcome sets them).
MISSED_FIELDS = ("appointment_kind", "appointment_agency", "missed_outcome")
CONCERN_ONLY_FIELDS = ("impact", "impact_detail", "neglect_forms", "action_taken", "significance")


class ConcernForm(OnceOnlyForm):
    """The quick 'log a concern' form: the few things a practitioner knows straight away. With
    "Missed appointment" chosen it records the appointment and its outcome instead (the appointment
    fields are then needed, and the impact, forms of neglect and significance follow from the outcome)."""

    event_type = forms.ChoiceField(label="What kind of event", choices=CONCERN_EVENT_TYPES, initial=EventType.CONCERN)
    occurred_on = DateField(label="When did it happen?", initial=timezone.localdate, ask_if_old=True)
    children = forms.ModelMultipleChoiceField(
        label="Which children is it about?",
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    whole_household = forms.BooleanField(label="All the children in the household", required=False)
    appointment_kind = forms.ChoiceField(
        label="Type of appointment",
        choices=[("", "Choose the type"), *Appointment.Kind.choices],
        required=False,
        help_text="Only for a missed appointment.",
    )
    appointment_agency = forms.ModelChoiceField(
        label="With which agency",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="Choose the agency",
        help_text="Only for a missed appointment.",
    )
    missed_outcome = forms.ChoiceField(
        label="What happened to the appointment?",
        choices=MISSED_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text="Only for a missed appointment. Say “did not attend” only for a young person expected "
        "to come on their own.",
    )
    what_happened = forms.CharField(
        label="What happened?",
        max_length=5000,
        required=False,  # needed for everything but a missed appointment (clean)
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain words: what you saw or heard, and who said it. Families may read this. "
        "For a missed appointment, anything to add (optional).",
    )
    impact = forms.ChoiceField(
        label="Impact on the child",
        choices=Entry.Impact.choices,
        initial=Entry.Impact.NOT_KNOWN,
        widget=forms.RadioSelect,
    )
    impact_detail = forms.CharField(
        label="How did it affect the child? (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    neglect_forms = forms.MultipleChoiceField(
        label="Form of neglect, if any",
        choices=NeglectForm.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    action_taken = forms.CharField(
        label="What did you do? (optional)", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    significance = forms.ChoiceField(
        label="How significant is it?",
        choices=Entry.Significance.choices,
        initial=Entry.Significance.MEDIUM,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = _household_children(case)
        if self.is_bound and self.data.get("event_type") == MISSED_APPOINTMENT:
            for name in CONCERN_ONLY_FIELDS:  # the outcome decides them: not asked for (they may be hidden)
                self.fields[name].required = False

    def clean_occurred_on(self):
        return _not_future(self.cleaned_data["occurred_on"])

    @property
    def missed_appointment(self) -> bool:
        return self.cleaned_data.get("event_type") == MISSED_APPOINTMENT

    def clean(self):
        data = super().clean()
        about = self.fields["children"].queryset if data.get("whole_household") else data.get("children") or ()
        refuse_before_birth(self, "occurred_on", about)
        if self.missed_appointment:
            self._clean_missed_appointment(data)
            return data
        if not data.get("children") and not data.get("whole_household") and "children" not in self.errors:
            self.add_error("children", "Choose at least one child, or tick 'All the children in the household'.")
        if not data.get("what_happened", "").strip() and "what_happened" not in self.errors:
            self.add_error("what_happened", "Say what happened.")
        return data

    def _clean_missed_appointment(self, data) -> None:
        children = data.get("children")
        if "children" not in self.errors and (data.get("whole_household") or not children or len(children) != 1):
            self.add_error("children", "An appointment is for one child: choose the child whose appointment it was.")
        if not data.get("appointment_kind") and "appointment_kind" not in self.errors:
            self.add_error("appointment_kind", "Choose the type of appointment.")
        if not data.get("appointment_agency") and "appointment_agency" not in self.errors:
            self.add_error("appointment_agency", "Choose the agency the appointment was with.")
        if not data.get("missed_outcome") and "missed_outcome" not in self.errors:
            self.add_error("missed_outcome", "Choose was not brought, did not attend or cancelled by the family.")
        if len(data.get("what_happened", "")) > 1000:
            self.add_error("what_happened", "For a missed appointment keep this to 1,000 characters.")

    def missed_appointment_values(self) -> dict:
        """What missed_appointment_record is given (the date of the event is the appointment's date)."""
        data = self.cleaned_data
        return {
            "child": data["children"][0],
            "kind": data["appointment_kind"],
            "agency": data["appointment_agency"],
            "scheduled_on": data["occurred_on"],
            "outcome": data["missed_outcome"],
            "note": data["what_happened"],
        }

    def values(self) -> dict:
        """What entry_create is given: not the missed-appointment fields."""
        return {name: value for name, value in super().values().items() if name not in MISSED_FIELDS}


class EntryForm(ConcernForm):
    """Every field of an entry, for a considered record (periods, times, A&E details)."""

    # Every event type, "Appointment" included; a missed appointment is logged on "Log a concern".
    event_type = forms.ChoiceField(label="What kind of event", choices=EventType.choices, initial=EventType.CONCERN)
    appointment_kind = appointment_agency = missed_outcome = None

    date_precision = forms.ChoiceField(
        label="How exact is the date?", choices=Entry.Precision.choices, initial=Entry.Precision.EXACT
    )
    occurred_until = DateField(label="End date, if it was a period (optional)", required=False)
    occurred_at = forms.TimeField(label="Time (optional)", widget=TimeInput, required=False)
    sequence = forms.IntegerField(
        label="Order on the day (optional)",
        min_value=1,
        max_value=99,
        required=False,
        help_text="When several things happened that day with no time: 1 for the first, 2 for the next. "
        "Without it, same-day entries show in the order they were recorded.",
    )
    hospital = forms.CharField(label="Hospital (A&E attendances)", max_length=200, required=False)
    reason_given = forms.CharField(label="Reason given for the attendance", max_length=500, required=False)

    field_order = [
        "event_type",
        "occurred_on",
        "date_precision",
        "occurred_until",
        "occurred_at",
        "sequence",
        "children",
        "whole_household",
        "what_happened",
        "impact",
        "impact_detail",
        "neglect_forms",
        "action_taken",
        "significance",
        "hospital",
        "reason_given",
    ]

    def clean_occurred_until(self):
        return _not_future(self.cleaned_data["occurred_until"])

    def clean(self):
        data = super().clean()
        start, end = data.get("occurred_on"), data.get("occurred_until")
        if start and end and end < start:
            self.add_error("occurred_until", "The end of the period cannot be before its start.")
        if data.get("event_type") == EventType.AE_ATTENDANCE and not data.get("hospital", "").strip():
            self.add_error("hospital", "Give the hospital for an A&E attendance.")
        return data


def _every_household_child(case: Case):
    """Every child who is or was in the household: an entry may be about a child who has since left."""
    return Person.objects.filter(
        households__case=case, households__relationship=HouseholdMember.Relationship.CHILD
    ).order_by("date_of_birth", "first_name")


class CorrectionForm(OnceOnlyForm):
    """Correct an entry: every value it may be wrong about, filled in with what it says now."""

    based_on = forms.CharField(widget=forms.HiddenInput, required=False)
    occurred_on = DateField(label="Date of the event", ask_if_old=True)
    occurred_until = DateField(label="End date, if it was a period (optional)", required=False)
    sequence = forms.IntegerField(
        label="Order on the day (optional)",
        min_value=1,
        max_value=99,
        required=False,
        help_text="When several things happened that day with no time: 1 for the first, 2 for the next.",
    )
    children = forms.ModelMultipleChoiceField(
        label="Which children is it about?", queryset=Person.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    event_type = forms.ChoiceField(label="What kind of event", choices=EventType.choices)
    significance = forms.ChoiceField(label="How significant is it?", choices=Entry.Significance.choices)
    neglect_forms = forms.MultipleChoiceField(
        label="Form of neglect, if any",
        choices=NeglectForm.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    text = forms.CharField(
        label="What happened",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown in place of the original, which stays readable with the entry.",
    )
    reason = forms.CharField(
        label="Why does it need correcting?",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you correct someone else's entry.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = _every_household_child(case)

    def clean_occurred_on(self):
        return _not_future(self.cleaned_data["occurred_on"])

    def clean(self):
        data = super().clean()
        refuse_before_birth(self, "occurred_on", data.get("children") or ())
        start, end = data.get("occurred_on"), data.get("occurred_until")
        if start and end and end < start:
            self.add_error("occurred_until", "The end of the period cannot be before its start.")
        return data

    @staticmethod
    def initial_for(effective, children) -> dict:
        return {
            "based_on": str(effective.amendment_id or ""),
            "occurred_on": effective.occurred_on,
            "occurred_until": effective.occurred_until,
            "sequence": effective.sequence or None,
            "children": [child.pk for child in children],
            "event_type": effective.event_type,
            "significance": effective.significance,
            "neglect_forms": [form for form in NeglectForm.values if getattr(effective, f"neglect_{form}")],
            "text": effective.what_happened,
        }


class OtherViewForm(OnceOnlyForm):
    text = forms.CharField(
        label="Your view",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown beside the entry, with your name and agency. The entry itself stays as its author wrote it.",
    )


# What can be said of an appointment added after it happened ("rescheduled" needs its new date, on
# the outcome page).
PAST_OUTCOMES = [
    ("", "Nothing yet: it is still to come, or I will record it later"),
    *[(value, label) for value, label in Appointment.Outcome.choices if value != Appointment.Outcome.RESCHEDULED],
]


class AppointmentForm(OnceOnlyForm):
    child = forms.ModelChoiceField(label="Child", queryset=Person.objects.none())
    kind = forms.ChoiceField(label="Type of appointment", choices=Appointment.Kind.choices)
    agency = forms.ModelChoiceField(label="With which agency", queryset=Agency.objects.filter(is_active=True))
    scheduled_on = DateField(label="Date", ask_if_old=True)
    scheduled_at = forms.TimeField(label="Time (optional)", widget=TimeInput, required=False)
    notes = forms.CharField(label="Notes (optional)", max_length=500, required=False)
    outcome = forms.ChoiceField(
        label="What happened? (optional)",
        choices=PAST_OUTCOMES,
        required=False,
        initial="",
        widget=forms.RadioSelect,
        help_text="Only for an appointment of today or earlier: the outcome goes on the chronology with it.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = _household_children(case)

    def clean(self):
        data = super().clean()
        if data.get("child"):
            refuse_before_birth(self, "scheduled_on", [data["child"]])
        when = data.get("scheduled_on")
        if data.get("outcome") and when and when > timezone.localdate():
            self.add_error("outcome", "This appointment is in the future: record what happened once it has.")
        return data


class OutcomeCorrectionForm(OnceOnlyForm):
    """Correct an appointment's outcome: what really happened, and why the recorded one was wrong."""

    based_on = forms.CharField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="What really happened?",
        choices=[(v, label) for v, label in Appointment.Outcome.choices if v != Appointment.Outcome.RESCHEDULED],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Why does the outcome need correcting?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown with the correction, with your name and the date. The outcome first recorded stays readable.",
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="What happened?", choices=Appointment.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Anything to add (optional)", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    rescheduled_on = DateField(label="New date (if rescheduled)", required=False)

    def clean(self):
        data = super().clean()
        if data.get("rescheduled_on") and data.get("outcome") != Appointment.Outcome.RESCHEDULED:
            self.add_error("rescheduled_on", "Only give a new date when the appointment was rescheduled.")
        return data


class TimelineFilterForm(forms.Form):
    child = forms.ModelChoiceField(
        label="Child", queryset=Person.objects.none(), required=False, empty_label="All children"
    )
    agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.all(), required=False, empty_label="All agencies"
    )
    event_type = forms.ChoiceField(label="Type", choices=[("", "All types"), *EventType.choices], required=False)
    neglect_form = forms.ChoiceField(
        label="Form of neglect", choices=[("", "Any"), *NeglectForm.choices], required=False
    )
    significance = forms.ChoiceField(
        label="Significance", required=False, choices=[("", "Any"), *Entry.Significance.choices]
    )
    date_from = DateField(label="From", required=False)
    date_to = DateField(label="To", required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = Person.objects.filter(
            households__case=case,
            households__relationship=HouseholdMember.Relationship.CHILD,
        ).order_by("date_of_birth", "first_name")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file exported from your agency's system",
        help_text="Events, appointments with outcomes, or A&E attendances. See the column guide below.",
    )
