"""The manager's reallocation form: a leaver's open cases, each with its new lead (or one lead for all)."""

from django import forms

from accounts.models import User
from cases.models import Case


class LeaverForm(forms.Form):
    """Step one: whose caseload moves. Only workers whose cases the manager may move are offered."""

    leaver = forms.ModelChoiceField(
        label="Whose cases are moving?",
        queryset=User.objects.none(),
        empty_label="Choose a worker",
        help_text="Workers in your team (a senior manager: your agency) who lead open cases.",
    )

    def __init__(self, *args, leavers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leaver"].queryset = leavers.order_by("last_name", "first_name")
        self.fields["leaver"].label_from_instance = lambda user: f"{user.get_full_name()} ({user.led_open} open)"


class ReallocateForm(forms.Form):
    """Step two: a new lead for every case, chosen per case or once for all. Each case's field is named by
    its reference (not an id that says nothing), with the version the manager saw beside it. The people
    offered are read once and shared by every case's list, so the page costs the same for 2 cases or 200."""

    all_to = forms.TypedChoiceField(
        label="New lead for all their cases",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Used for every case below that has no lead of its own chosen.",
    )
    keep_previous_on_team = forms.BooleanField(
        label="Keep them on each case team as a core group member",
        required=False,
        help_text="Leave this unticked when they are leaving: their membership ends, and stays in the history.",
    )

    def __init__(self, *args, cases: list[Case], leads, leaver: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases, self.leaver = cases, leaver
        people = list(
            leads.exclude(pk=leaver.pk).select_related("agency", "team").order_by("last_name", "first_name", "pk")
        )
        self.people = {person.pk: person for person in people}
        choices = [(person.pk, f"{person.get_full_name()} – {person.display_role}") for person in people]
        self.fields["all_to"].choices = [("", "Choose a new lead"), *choices]
        for case in cases:
            self.fields[self.lead_field(case)] = forms.TypedChoiceField(
                label=f"New lead for {case.reference}",
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "The one for all"), *choices],
            )
            self.fields[self.version_field(case)] = forms.IntegerField(widget=forms.HiddenInput, initial=case.version)

    @staticmethod
    def lead_field(case: Case) -> str:
        return f"lead_{case.reference}"

    @staticmethod
    def version_field(case: Case) -> str:
        return f"version_{case.reference}"

    def rows(self):
        """(case, its lead field, its version field) for the template's table."""
        return [(case, self[self.lead_field(case)], self[self.version_field(case)]) for case in self.cases]

    def clean(self):
        data = super().clean()
        missing = [case.reference for case in self.cases if not (data.get(self.lead_field(case)) or data.get("all_to"))]
        if missing:
            raise forms.ValidationError(
                "Choose a new lead for every case: one for all, or one for each of " + ", ".join(missing) + "."
            )
        return data

    def moves(self) -> list[tuple[Case, int, User]]:
        data = self.cleaned_data
        return [
            (case, data[self.version_field(case)], self.people[data.get(self.lead_field(case)) or data["all_to"]])
            for case in self.cases
        ]
