"""Forms for GCP2: start, the details page, one page per area, completion and correction.

Forms validate; gcp2.services saves. Grades are optional while drafting; completing checks them all.
"""

from django import forms
from django.utils import timezone

from cases.models import Case, HouseholdMember, Person
from common.forms import DateField, VersionedForm
from gcp2.structure import GRADE_CHOICES, Area

TEXT_LIMIT = 10_000


def _text(label: str, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _grade(label: str) -> forms.TypedChoiceField:
    # Radios rather than a drop-down: each grade's meaning is read out with it.
    return forms.TypedChoiceField(
        label=label, choices=GRADE_CHOICES, coerce=int, empty_value=None, required=False, widget=forms.RadioSelect
    )


class StartForm(forms.Form):
    child = forms.ModelChoiceField(
        label="Which child is this GCP2 for?",
        queryset=Person.objects.none(),
        empty_label=None,
        help_text="Each child has their own GCP2, even when siblings share visits.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = Person.objects.filter(
            households__case=case,
            households__relationship=HouseholdMember.Relationship.CHILD,
            households__left_on__isnull=True,
        ).order_by("date_of_birth", "first_name")


class DetailsForm(VersionedForm):
    observation_started_on = DateField(label="Observation started", required=False)
    observation_ended_on = DateField(label="Observation ended", required=False)
    visits = forms.IntegerField(
        label="Number of visits",
        min_value=1,
        max_value=100,
        required=False,
        help_text="Announced and unannounced visits in the window; agencies may share them.",
    )
    strengths = _text("Strengths", rows=4, help_text="What is going well in the care of this child.")
    child_views = _text(
        "The child's own views",
        rows=4,
        help_text="In the child's words where you can, or what you observed for a young child.",
    )
    field_order = ["observation_started_on", "observation_ended_on", "visits", "strengths", "child_views", "version"]

    def clean(self):
        data = super().clean()
        start, end, today = data.get("observation_started_on"), data.get("observation_ended_on"), timezone.localdate()
        for name in ("observation_started_on", "observation_ended_on"):
            if data.get(name) and data[name] > today:
                self.add_error(name, "This date cannot be in the future.")
        if start and end and end < start:
            self.add_error("observation_ended_on", "The observation cannot end before it started.")
        return data


class AreaForm(VersionedForm):
    """One area: a grade and the evidence for each sub-area, then the assessor's judgement for the
    area with a short rationale. The area grade is never filled in from the sub-areas."""

    def __init__(self, *args, area: Area, **kwargs):
        super().__init__(*args, **kwargs)
        self.area = area
        for sub in area.sub_areas:
            self.fields[f"grade_{sub.code}"] = _grade(f"{sub.label}: grade")
            self.fields[f"evidence_{sub.code}"] = _text(f"{sub.label}: evidence seen")
        self.fields["area_grade"] = _grade(f"Area {area.label}: your judgement")
        self.fields["rationale"] = _text(f"Area {area.label}: why this grade", rows=2)

    def sub_area_fields(self):
        """(sub-area, grade field, evidence field) for the template, in the GCP2's order."""
        return [(sub, self[f"grade_{sub.code}"], self[f"evidence_{sub.code}"]) for sub in self.area.sub_areas]

    def sub_area_data(self) -> dict[str, tuple[int | None, str]]:
        data = self.cleaned_data
        return {sub.code: (data[f"grade_{sub.code}"], data[f"evidence_{sub.code}"]) for sub in self.area.sub_areas}


class CompleteForm(VersionedForm):
    pass


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="What needs correcting, and why?",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The completed assessment stays readable, marked as replaced by the correction.",
    )
