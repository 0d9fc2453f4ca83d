"""Forms for cases, households, teams and access grants. Forms validate; services save."""

from django import forms
from django.utils import timezone

from accounts.forms import StaffChoiceField
from accounts.models import User
from cases import services as case_services
from cases.census import FACTOR_CHOICES
from cases.models import (
    UNBORN_UPN_REASONS,
    Case,
    CaseMember,
    CaseOpening,
    CaseReopening,
    Disability,
    Ethnicity,
    HouseholdAddress,
    HouseholdMember,
    Level,
    Person,
    PersonCorrection,
    PersonMerge,
    UPNUnknown,
    disabilities_problem,
)
from common.dates import in_words
from common.forms import DateField, OnceOnlyForm, PortalForm, VersionedForm
from common.nhs import normalise_nhs_number, validate_nhs_number
from common.upn import normalise_upn, validate_upn


class _PersonalNumberField(forms.CharField):
    """An optional identifier of a person, normalised as typed and checked by its validator. Never
    autocompleted by the browser (it is personal data). Subclasses name the defaults and the normaliser."""

    defaults: dict = {}
    extra_attrs: dict = {}

    def __init__(self, **kwargs):
        for key, value in {"required": False, **self.defaults}.items():
            kwargs.setdefault(key, value)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", **self.extra_attrs})

    def to_python(self, value):
        return self.normalise(super().to_python(value))


class NHSNumberField(_PersonalNumberField):
    """An optional NHS number: spaces and hyphens allowed as typed, the check digit checked."""

    default_validators = [validate_nhs_number]
    normalise = staticmethod(normalise_nhs_number)
    defaults = {
        "label": "NHS number (optional)",
        "max_length": 14,
        "help_text": "10 digits, for example from a letter from the GP or the red book.",
    }
    extra_attrs = {"inputmode": "numeric"}


def refuse_before_birth(form, field: str, children) -> None:
    """Put an error on `field` for each child born after its date (or due more than 9 months after it)."""
    day = form.cleaned_data.get(field)
    if day is None or field in form.errors:
        return
    for child in children:
        if reason := child.too_early_for(day):
            form.add_error(field, reason)


class CaseCreateForm(OnceOnlyForm):
    level = forms.ChoiceField(label="Level of need", choices=Level.choices)
    opened_on = DateField(label="Date the case opened", initial=timezone.localdate, ask_if_old=True)
    reason = forms.CharField(
        label="Why open it at this level? (child in need or child protection)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=CaseOpening.REASON_MAX_LENGTH,
        required=False,
        help_text="Only team managers and senior managers open these by hand; the reason is kept with the case.",
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not case_services.is_manager(user):
            # A practitioner opens early help only; the rest comes through a referral to the MASH.
            del self.fields["reason"]
            self.fields["level"].help_text = (
                "You can open an early help case. For a child in need or child protection case, make a referral "
                "to the MASH or ask a team manager."
            )

    def clean_opened_on(self):
        opened_on = self.cleaned_data["opened_on"]
        if opened_on > timezone.localdate():
            raise forms.ValidationError("A case cannot open in the future.")
        return opened_on

    def clean(self):
        data = super().clean()
        level = data.get("level")
        if level and level != Level.EARLY_HELP:
            if not case_services.may_open_by_hand(self.user, level):
                self.add_error(
                    "level",
                    "Only a team manager or senior manager can open a child in need or child protection case. "
                    "Open an early help case, or make a referral to the MASH.",
                )
            elif not (data.get("reason") or "").strip():
                self.add_error("reason", "Say why the case is being opened at this level.")
        return data


class CaseEditForm(VersionedForm):
    level = forms.ChoiceField(label="Level of need", choices=Level.choices)
    opened_on = CaseCreateForm.base_fields["opened_on"]
    clean_opened_on = CaseCreateForm.clean_opened_on
    field_order = ["level", "opened_on", "version"]


class HouseholdMemberForm(OnceOnlyForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(label="Surname", max_length=100)
    relationship = forms.ChoiceField(label="Place in the household", choices=HouseholdMember.Relationship.choices)
    relationship_detail = forms.CharField(
        label="Relationship (optional)",
        max_length=100,
        required=False,
        help_text="For example 'mother of Amy', 'grandmother', 'mum's partner'.",
    )
    date_of_birth = DateField(label="Date of birth", required=False)
    is_unborn = forms.BooleanField(label="Unborn baby", required=False)
    expected_on = DateField(label="Expected date of birth (unborn baby only)", required=False)
    sex = forms.ChoiceField(label="Sex (optional)", choices=[("", "Not recorded"), *Person.Sex.choices], required=False)
    nhs_number = NHSNumberField()
    joined_on = DateField(label="Living in the household since", initial=timezone.localdate)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        dob, unborn, expected = data.get("date_of_birth"), data.get("is_unborn"), data.get("expected_on")
        is_child = data.get("relationship") == HouseholdMember.Relationship.CHILD
        if unborn:
            if not is_child:
                self.add_error("is_unborn", "Only a child can be recorded as an unborn baby.")
            if expected is None:
                self.add_error("expected_on", "Give the expected date of birth for an unborn baby.")
            if dob:
                self.add_error("date_of_birth", "An unborn baby has no date of birth yet.")
        else:
            if expected:
                self.add_error("expected_on", "Only an unborn baby has an expected date of birth.")
            if dob and dob > today:
                self.add_error(
                    "date_of_birth",
                    "A date of birth cannot be in the future. For a baby not yet born, tick 'Unborn baby'.",
                )
            if is_child and dob is None and "date_of_birth" not in self.errors:
                self.add_error("date_of_birth", "Give the child's date of birth.")
        joined = data.get("joined_on")
        if joined and joined > today:
            self.add_error("joined_on", "This date cannot be in the future.")
        elif joined and not self.errors.get("date_of_birth") and not self.errors.get("expected_on"):
            newcomer = Person(
                first_name=data.get("first_name") or "The child",
                is_unborn=bool(unborn),
                date_of_birth=dob,
                expected_on=expected,
            )
            if too_early := newcomer.too_early_for(joined):
                self.add_error("joined_on", too_early)
        return data


class CaseMemberAddForm(PortalForm):
    user = StaffChoiceField(label="Professional", help_text="Only active staff of partner agencies are listed.")
    role = forms.ChoiceField(
        label="Role on the case",
        choices=[c for c in CaseMember.Role.choices if c[0] != CaseMember.Role.LEAD],
    )
    started_on = DateField(label="On the team from", initial=timezone.localdate)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        current = case.members.current().values("user_id")
        self.fields["user"].limit_to(User.objects.exclude(pk__in=current))

    def clean_started_on(self):
        started_on = self.cleaned_data["started_on"]
        if started_on > timezone.localdate():
            raise forms.ValidationError("The start date cannot be in the future.")
        return started_on


class CaseMemberEndForm(PortalForm):
    ended_on = DateField(label="Left the team on", initial=timezone.localdate)

    def __init__(self, *args, member: CaseMember, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_ended_on(self):
        ended_on = self.cleaned_data["ended_on"]
        if ended_on < self.member.started_on:
            raise forms.ValidationError(
                f"They joined on {in_words(self.member.started_on)}; the end date cannot be before that."
            )
        if ended_on > timezone.localdate():
            raise forms.ValidationError("The end date cannot be in the future.")
        return ended_on


class AccessGrantForm(forms.Form):
    user = StaffChoiceField(label="Who needs access")
    reason = forms.CharField(
        label="Why do they need to see this case?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    hours = forms.IntegerField(label="For how many hours (1 to 24)", min_value=1, max_value=24, initial=8)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        current = case.members.current().values("user_id")
        self.fields["user"].limit_to(User.objects.exclude(pk__in=current))


class CaseFilterForm(forms.Form):
    reference = forms.CharField(label="Case reference", required=False, max_length=20)
    level = forms.ChoiceField(label="Level of need", choices=[("", "Any"), *Level.choices], required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("open", "Open"), ("closed", "Closed"), ("all", "Open and closed")]
    )
    mine = forms.BooleanField(label="Only cases I am on the team for", required=False)


class CaseReopenForm(VersionedForm):
    reason = forms.CharField(
        label="Why is the case being reopened?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=CaseReopening.REASON_MAX_LENGTH,
        help_text="The reason is kept with the case's history and shown on the case page.",
        error_messages={"required": "Say why the case is being reopened."},
    )
    field_order = ["reason", "version"]


class PersonSearchForm(PortalForm):
    """Who is being added: searched for first, so that a person already known is linked, not typed again."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(label="Surname", max_length=100)
    date_of_birth = DateField(label="Date of birth (optional)", required=False)
    month_only = forms.BooleanField(
        label="Only the month and year of birth are known (type any day, for example 1)", required=False
    )
    nhs_number = NHSNumberField()


class HouseholdLinkForm(OnceOnlyForm):
    """Link a person already known to this household."""

    person = forms.UUIDField(widget=forms.HiddenInput)
    relationship = HouseholdMemberForm.base_fields["relationship"]
    relationship_detail = HouseholdMemberForm.base_fields["relationship_detail"]
    joined_on = DateField(label="Living in the household since", initial=timezone.localdate)

    def clean_joined_on(self):
        joined_on = self.cleaned_data["joined_on"]
        if joined_on > timezone.localdate():
            raise forms.ValidationError("This date cannot be in the future.")
        return joined_on


class HouseholdLeaveForm(PortalForm):
    left_on = DateField(label="Left the household on", initial=timezone.localdate)
    left_to = forms.CharField(
        label="Where they went (optional)",
        max_length=200,
        required=False,
        help_text="For example 'to live with their father', 'foster care', 'not known'.",
    )

    def __init__(self, *args, member: HouseholdMember, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        if left_on < self.member.joined_on:
            raise forms.ValidationError(
                f"They joined on {in_words(self.member.joined_on)}; the date they left cannot be before that."
            )
        if left_on > timezone.localdate():
            raise forms.ValidationError("This date cannot be in the future.")
        return left_on


class PersonCorrectForm(PortalForm):
    """A person's details as they should read, and why. Only the fields that change are recorded."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(label="Surname", max_length=100)
    date_of_birth = DateField(label="Date of birth", required=False)
    sex = HouseholdMemberForm.base_fields["sex"]
    nhs_number = NHSNumberField()
    reason = forms.CharField(
        label="Why are the details being corrected?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=PersonCorrection.REASON_MAX_LENGTH,
        error_messages={"required": "Say why the details are being corrected."},
        help_text="The details before the correction are kept, with your name and this reason.",
    )

    def __init__(self, *args, person: Person, **kwargs):
        initial = {name: getattr(person, name) or "" for name in ("first_name", "last_name", "sex", "nhs_number")}
        initial["date_of_birth"] = person.date_of_birth
        super().__init__(*args, initial=initial, **kwargs)
        self.person = person
        if person.is_unborn:
            del self.fields["date_of_birth"]

    def clean_date_of_birth(self):
        dob = self.cleaned_data["date_of_birth"]
        if dob and dob > timezone.localdate():
            raise forms.ValidationError("A date of birth cannot be in the future.")
        return dob

    def changes(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "reason"}


class UPNField(_PersonalNumberField):
    """An optional unique pupil number, spaces allowed as typed, the check letter checked."""

    default_validators = [validate_upn]
    normalise = staticmethod(normalise_upn)
    defaults = {
        "label": "Unique pupil number (UPN)",
        "max_length": 20,
        "help_text": "13 characters, a letter then 12 digits, for example from the child's school.",
    }
    extra_attrs = {"spellcheck": "false"}


class CensusDetailsForm(PortalForm):
    """What the children in need census needs about a child. A detail entered for the first time needs no
    reason; changing one already recorded does (the old value is kept)."""

    ethnicity = forms.ChoiceField(label="Ethnicity", choices=[("", "Not recorded"), *Ethnicity.choices], required=False)
    disabilities = forms.MultipleChoiceField(
        label="Disabilities",
        choices=Disability.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Choose every one that applies, or “No disability” on its own.",
    )
    upn = UPNField()
    upn_unknown_reason = forms.ChoiceField(
        label="If the UPN is not known, why",
        choices=[("", "Not recorded"), *UPNUnknown.choices],
        required=False,
        help_text="Give the UPN or why it is not known, not both.",
    )
    reason = forms.CharField(
        label="Why are recorded details being changed?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=PersonCorrection.REASON_MAX_LENGTH,
        required=False,
        help_text="Only needed to change a detail already recorded: what it said before is kept, with your "
        "name and this reason.",
    )

    def __init__(self, *args, person: Person, **kwargs):
        initial = {name: getattr(person, name) for name in case_services.CENSUS_FIELDS}
        super().__init__(*args, initial=initial, **kwargs)
        self.person = person
        if person.is_unborn:
            # No UPN before school; the one reason that fits an unborn baby.
            del self.fields["upn"]
            self.fields["upn_unknown_reason"].choices = [
                ("", "Not recorded"),
                *((code, label) for code, label in UPNUnknown.choices if code in UNBORN_UPN_REASONS),
            ]
            self.fields["upn_unknown_reason"].help_text = "An unborn baby has no UPN yet."

    def clean_disabilities(self):
        codes = self.cleaned_data["disabilities"]
        if problem := disabilities_problem(codes):
            raise forms.ValidationError(problem)
        return [code for code in Disability.values if code in codes]  # the census's order, as stored

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("upn") and cleaned.get("upn_unknown_reason"):
            self.add_error(
                "upn_unknown_reason", "Give either the unique pupil number or why it is not known, not both."
            )
        changing = [
            name
            for name, value in self.changes().items()
            if getattr(self.person, name) not in (None, "", [])
            and (getattr(self.person, name) or None) != (value or None)
        ]
        if changing and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why recorded details are being changed.")
        return cleaned

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in case_services.CENSUS_FIELDS if name in self.cleaned_data}


class HouseholdAddressForm(OnceOnlyForm):
    line_1 = forms.CharField(label="Address line 1", max_length=200)
    line_2 = forms.CharField(label="Address line 2 (optional)", max_length=200, required=False)
    town = forms.CharField(label="Town or city (optional)", max_length=100, required=False)
    postcode = forms.CharField(max_length=10)
    from_on = DateField(label="Living here from", initial=timezone.localdate)
    is_main_home = forms.BooleanField(
        label="This is the household's main home",
        required=False,
        initial=True,
        help_text="A new main home ends the current one on the day the household moved.",
    )

    def clean_from_on(self):
        from_on = self.cleaned_data["from_on"]
        if from_on > timezone.localdate():
            raise forms.ValidationError("This date cannot be in the future.")
        return from_on


class HouseholdAddressEndForm(PortalForm):
    to_on = DateField(label="Lived here until", initial=timezone.localdate)

    def __init__(self, *args, address: HouseholdAddress, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def clean_to_on(self):
        to_on = self.cleaned_data["to_on"]
        if to_on < self.address.from_on:
            raise forms.ValidationError(
                f"The household moved in on {in_words(self.address.from_on)}; the end cannot be before that."
            )
        if to_on > timezone.localdate():
            raise forms.ValidationError("This date cannot be in the future.")
        return to_on


class SamePersonForm(PortalForm):
    """Mark a record of a person on the case and another record as the same person."""

    KEEP_CHOICES = [("this", "Keep this case's record"), ("other", "Keep the other record")]

    other = forms.ChoiceField(label="The other record of the same person", widget=forms.RadioSelect)
    keep = forms.ChoiceField(
        label="Which record stays the person's main record?",
        choices=KEEP_CHOICES,
        widget=forms.RadioSelect,
        initial="this",
        help_text="The other becomes an alias: its cases and chronology count as the same person's.",
    )
    reason = forms.CharField(
        label="How do you know they are the same person?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=PersonMerge.REASON_MAX_LENGTH,
        error_messages={"required": "Say how you know they are the same person."},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = [(str(c.person.pk), _candidate_label(c)) for c in candidates]


class UndoMergeForm(PortalForm):
    merge = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why are these not the same person?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=PersonMerge.REASON_MAX_LENGTH,
        error_messages={"required": "Say why the records are not the same person."},
    )


def _candidate_label(candidate) -> str:
    person = candidate.person
    born = f", born {in_words(person.date_of_birth)}" if person.date_of_birth else ""
    why = ", ".join(candidate.reasons)
    return f"{person.first_name} {person.last_name}{born} ({candidate.strength.lower()}: {why})"


class AllocationForm(OnceOnlyForm):
    lead_professional = forms.ModelChoiceField(
        label="Lead professional",
        queryset=User.objects.none(),
        help_text="The members of the team the case was opened for.",
        error_messages={"required": "Choose the lead professional.", "invalid_choice": "Choose someone from the team."},
    )
    on = DateField(label="Allocated on", initial=timezone.localdate)

    def __init__(self, *args, case: Case, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["lead_professional"].queryset = choices.order_by("last_name", "first_name")
        self.fields["lead_professional"].label_from_instance = lambda user: (
            f"{user.get_full_name()}{f' ({user.job_title})' if user.job_title else ''}"
        )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        if on < self.case.opened_on:
            raise forms.ValidationError(
                f"The case opened on {in_words(self.case.opened_on)}; it cannot be allocated before that."
            )
        return on


class AssessmentCompletedForm(OnceOnlyForm):
    completed_on = DateField(label="Assessment completed on", initial=timezone.localdate)
    factors = forms.MultipleChoiceField(
        label="Factors identified at the end of the assessment",
        choices=FACTOR_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Say what the assessment found: choose at least one factor."},
        help_text="Recorded on each child's assessment; a child's own record can hold different factors.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        if completed_on < self.case.opened_on:
            raise forms.ValidationError(
                f"The case opened on {in_words(self.case.opened_on)}; the assessment cannot be completed before that."
            )
        return completed_on


class BirthForm(PortalForm):
    born_on = DateField(label="Date of birth", error_messages={"required": "Give the date of birth."})
    # The census needs every born child's sex (rule 4180): asked here, when it is first known for certain.
    sex = forms.ChoiceField(
        label="Sex", choices=[("", "Choose")] + Person.Sex.choices, error_messages={"required": "Give the baby's sex."}
    )

    def clean_born_on(self):
        born_on = self.cleaned_data["born_on"]
        if born_on > timezone.localdate():
            raise forms.ValidationError("A date of birth cannot be in the future.")
        return born_on
