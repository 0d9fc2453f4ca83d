"""The referral form (the referral, any number of children, any number of adults), the partner check and
the decision. Every refusal is said in plain words beside its field; nothing is saved until all of it is
right (referrals/views.py)."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from accounts.models import Agency, Team
from chronology.forms import TimeInput
from chronology.models import NeglectForm
from common.forms import DateField, OnceOnlyForm, PortalForm
from common.nhs import is_valid_nhs_number

from .models import Decision, Referral, ReferralChild, ReferralChildProfessional
from .services import AdultDetails, ChildDetails
from .sources import SourceCode

EXPECTED_GRACE_DAYS = 31  # an expected date a little past is a baby due any day; more is a mistake
MAX_PEOPLE = 20


def _agencies():
    return Agency.objects.filter(is_active=True).order_by("name")


class ReferralForm(OnceOnlyForm):
    source = forms.ChoiceField(
        label="Referral source",
        choices=SourceCode.choices,
        help_text="Worked out from your agency and role. Change it if it is not right.",
    )
    address = forms.CharField(label="The children's address", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    postcode = forms.CharField(max_length=10, required=False)
    worries = forms.CharField(
        label="What are you worried about?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="In your own words: what you have seen or heard, when, and what the child said.",
    )
    neglect_forms = forms.MultipleChoiceField(
        label="Forms of neglect (tick any that apply)",
        choices=NeglectForm.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    signs_seen = forms.CharField(
        label="Signs you have seen (optional)",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example hunger, weight, school absence, missed health or dental care, clothes, hygiene.",
    )
    consent = forms.ChoiceField(
        label="Does the family know about this referral and agree to it?",
        choices=Referral.Consent.choices,
        widget=forms.RadioSelect,
        help_text="If the family refuses, or you have not asked, the referral still goes to the MASH: "
        "a refusal never stops a referral.",
    )
    consent_reason = forms.CharField(
        label="Why has the family not agreed, or not been asked?",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: asking would put the child at more risk.",
    )
    urgency = forms.ChoiceField(label="How urgent is it?", choices=Referral.Urgency.choices, widget=forms.RadioSelect)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent") and cleaned["consent"] != Referral.Consent.GIVEN:
            if not cleaned.get("consent_reason", "").strip():
                self.add_error("consent_reason", "Say why the family has not agreed or has not been asked.")
        return cleaned


class ChildForm(PortalForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(label="Surname", max_length=100)
    date_of_birth = DateField(past=True, required=False, label="Date of birth")
    expected_on = DateField(required=False, label="Or, for a baby not yet born, the expected date")
    nhs_number = forms.CharField(label="NHS number (if you know it)", max_length=14, required=False)
    sex = forms.ChoiceField(choices=[("", "Not known"), *ReferralChild.Sex.choices], required=False)
    school_agency = forms.ModelChoiceField(_agencies(), required=False, label="School or nursery (agency)")
    school_name = forms.CharField(max_length=200, required=False, label="School or nursery (name, if not listed)")
    gp_agency = forms.ModelChoiceField(_agencies(), required=False, label="GP practice (agency)")
    gp_name = forms.CharField(max_length=200, required=False, label="GP practice (name, if not listed)")
    health_agency = forms.ModelChoiceField(_agencies(), required=False, label="Health visitor or school nurse (agency)")
    health_name = forms.CharField(max_length=200, required=False, label="Health visitor or school nurse (name)")

    PROFESSIONALS = (
        (ReferralChildProfessional.Kind.SCHOOL, "school_agency", "school_name"),
        (ReferralChildProfessional.Kind.GP, "gp_agency", "gp_name"),
        (ReferralChildProfessional.Kind.HEALTH_VISITOR, "health_agency", "health_name"),
    )

    def clean_nhs_number(self):
        value = "".join(self.cleaned_data.get("nhs_number", "").split())
        if value and not is_valid_nhs_number(value):
            raise forms.ValidationError("Enter a real NHS number: 10 numbers, for example 943 476 5919.")
        return value

    def clean_expected_on(self):
        value = self.cleaned_data.get("expected_on")
        if value and value < timezone.localdate() - timedelta(days=EXPECTED_GRACE_DAYS):
            raise forms.ValidationError(
                "The expected date is more than a month ago: if the baby has been born, give the date of birth."
            )
        return value

    def clean(self):
        cleaned = super().clean()
        born, expected = cleaned.get("date_of_birth"), cleaned.get("expected_on")
        if "date_of_birth" in self.errors or "expected_on" in self.errors:
            return cleaned
        if born and expected:
            self.add_error("expected_on", "Give the date of birth or the expected date, not both.")
        elif not born and not expected:
            self.add_error("date_of_birth", "Enter the date of birth, or the expected date for a baby not yet born.")
        return cleaned

    def details(self) -> ChildDetails:
        data = self.cleaned_data
        return ChildDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data.get("date_of_birth"),
            expected_on=data.get("expected_on"),
            nhs_number=data.get("nhs_number", ""),
            sex=data.get("sex", ""),
            professionals=[
                (kind, data.get(agency), data.get(name, ""))
                for kind, agency, name in self.PROFESSIONALS
                if data.get(agency) or data.get(name)
            ],
        )


class AdultForm(PortalForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(label="Surname", max_length=100)
    date_of_birth = DateField(past=True, required=False, label="Date of birth (if known)")
    relationship = forms.CharField(
        label="Relationship to the children", max_length=100, help_text="For example mother, stepfather, grandmother."
    )

    def details(self) -> AdultDetails:
        data = self.cleaned_data
        return AdultDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            relationship=data["relationship"],
            date_of_birth=data.get("date_of_birth"),
        )


class BaseChildFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not [f for f in self.forms if f.has_changed()]:
            raise forms.ValidationError("Add at least one child: the referral is about them.")

    def filled(self) -> list:
        return [f for f in self.forms if f.has_changed() and f.cleaned_data]


class BaseAdultFormSet(forms.BaseFormSet):
    def filled(self) -> list:
        return [f for f in self.forms if f.has_changed() and f.cleaned_data]


ChildFormSet = forms.formset_factory(
    ChildForm, formset=BaseChildFormSet, extra=1, max_num=MAX_PEOPLE, validate_max=True, absolute_max=MAX_PEOPLE
)
AdultFormSet = forms.formset_factory(
    AdultForm, formset=BaseAdultFormSet, extra=1, max_num=MAX_PEOPLE, validate_max=True, absolute_max=MAX_PEOPLE
)


class PartnerCheckForm(OnceOnlyForm):
    agency = forms.ModelChoiceField(_agencies(), label="Agency asked")
    asked_on = DateField(past=True, label="Date asked")
    asked_time = forms.TimeField(label="Time asked (optional)", widget=TimeInput, required=False)
    answer = forms.CharField(
        label="What they said (leave empty if they have not answered yet)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def values(self) -> dict:
        data = self.cleaned_data
        asked_at = timezone.make_aware(datetime.combine(data["asked_on"], data.get("asked_time") or time(9, 0)))
        return {"agency": data["agency"], "asked_at": min(asked_at, timezone.now()), "answer": data["answer"]}


class DecisionForm(OnceOnlyForm):
    outcome = forms.ChoiceField(label="Decision", choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="Reasons", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    lead_agency = forms.ModelChoiceField(_agencies(), required=False, label="For early help: the lead agency")
    allocating_team = forms.ModelChoiceField(
        Team.objects.select_related("agency").order_by("name"),
        required=False,
        label="For an assessment or strategy discussion: the team that will allocate",
    )

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome in Decision.NEEDS_LEAD_AGENCY and not cleaned.get("lead_agency"):
            self.add_error("lead_agency", "Choose the agency that will lead the early help.")
        if outcome in Decision.NEEDS_TEAM and not cleaned.get("allocating_team"):
            self.add_error("allocating_team", "Choose the team that will allocate the social worker.")
        return cleaned


class LinkPersonForm(PortalForm):
    """The MASH links a child or adult of the referral ("child-0", "adult-1": their place on the referral,
    never a name) to a person already known."""

    row = forms.RegexField(regex=r"^(child|adult)-\d{1,2}$", widget=forms.HiddenInput)
    person = forms.UUIDField(widget=forms.HiddenInput)
