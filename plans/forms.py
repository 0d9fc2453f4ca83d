"""Forms for plans, outcomes, actions, meetings and supervision. Forms validate; plan_services save."""

from django import forms
from django.utils import timezone
from django.utils.html import format_html

from accounts.forms import StaffChoiceField
from accounts.models import Agency, User
from cases.census import FACTOR_CHOICES, ClosureReason, PrimaryNeed, ReferralSource
from cases.models import Case, ChildEpisode, Level
from common.dates import in_words
from common.forms import DateField, OnceOnlyForm, PortalForm, VersionedForm
from common.glossary import explained
from plans.children import plan_children_choices
from plans.models import REVIEW_KINDS, AbuseCategory, Action, ChildPlan, MeetingKind, OutcomeRating, Plan
from workdays import calendar as workdays

TEXT = {"rows": 2}


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of plan", choices=Level.choices)
    started_on = DateField(label="Plan starts", initial=timezone.localdate, ask_if_old=True)

    def clean(self):
        data = super().clean()
        started = data.get("started_on")
        if started and started > timezone.localdate():
            self.add_error("started_on", "Record a plan once it has started.")
        return data


class ChildChoiceField(forms.ModelMultipleChoiceField):
    """Children by their open episode of need, labelled with their name."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, episode):
        return f"{episode.child.first_name} {episode.child.last_name}"


class PlanCreateForm(OnceOnlyForm, PlanForm):
    """A new plan, posted once however often the button is pressed. A child in need or child protection plan
    names its children; a child protection plan the category its initial conference chose for them."""

    category = forms.ChoiceField(
        label="Child protection category",
        required=False,
        choices=[("", "Not a child protection plan"), *AbuseCategory.choices],
        help_text="For a child protection plan only: the category the initial conference decided. Each child's "
        "category can change later, at a review conference, from their own record.",
    )
    children = ChildChoiceField(
        label="Which children is the plan for?",
        queryset=ChildEpisode.objects.none(),
        required=False,
        help_text="For a child in need or child protection plan: the children it covers. An early help plan is "
        "the family's.",
    )
    field_order = ["kind", "category", "children", "started_on"]

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        choices = plan_children_choices(case)
        self.fields["children"].queryset = choices
        self.fields["children"].initial = [e.pk for e in choices]
        if case.level == Level.EARLY_HELP:
            del self.fields["children"], self.fields["category"]

    def clean(self):
        data = super().clean()
        kind, category = data.get("kind"), data.get("category")
        if kind == Level.CHILD_PROTECTION and not category:
            self.add_error("category", "A child protection plan needs its category, for example neglect.")
        if kind and kind != Level.CHILD_PROTECTION and category:
            self.add_error("category", "Only a child protection plan has a category.")
        if kind and kind != Level.EARLY_HELP and "children" in self.fields and not data.get("children"):
            self.add_error("children", "Choose the children this plan is for.")
        return data

    def values(self) -> dict:
        values = super().values()
        values.setdefault("category", "")
        values["children"] = list(values.get("children") or []) if values["kind"] != Level.EARLY_HELP else []
        return values


class PlanEditForm(VersionedForm, PlanForm):
    ended_on = DateField(label="Plan ended (leave empty while the plan is current)", required=False)
    field_order = ["kind", "started_on", "ended_on", "version"]

    def clean(self):
        data = super().clean()
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and ended <= started:
            self.add_error("ended_on", "A plan ends after the day it starts: it cannot end before it or on that day.")
        if ended and ended > timezone.localdate():
            self.add_error("ended_on", "A plan's end is recorded once it has ended.")
        return data


class OutcomeForm(forms.Form):
    outcome_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    what_must_change = forms.CharField(
        label="What must change for the child",
        max_length=2000,
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Say what must change."},
        help_text="In plain words the family will understand, for example 'Amy is at school every day, on time'.",
    )
    by_when = DateField(label="By when", error_messages={"required": "Say by when this must change."})
    how_we_will_know = forms.CharField(
        label="How everyone will know",
        max_length=2000,
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Say how everyone will know it has changed."},
    )


class BaseOutcomeFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not [f for f in self.forms if f.has_changed() or f.initial]:
            raise forms.ValidationError(
                "A plan needs at least one outcome: what must change, by when, and how everyone will know."
            )

    def outcomes(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data and (f.has_changed() or f.initial)]


def outcome_formset(data=None, *, plan: Plan | None = None, extra: int = 2):
    initial = (
        [
            {
                "outcome_id": o.pk,
                "what_must_change": o.what_must_change,
                "by_when": o.by_when,
                "how_we_will_know": o.how_we_will_know,
            }
            for o in plan.outcomes.all()
        ]
        if plan
        else []
    )
    formset_class = forms.formset_factory(
        OutcomeForm, formset=BaseOutcomeFormSet, extra=extra, max_num=30, validate_max=True
    )
    return formset_class(data, initial=initial, prefix="outcomes")


class OutcomeAddForm(OnceOnlyForm, VersionedForm, OutcomeForm):
    """One new outcome of the current plan, with the plan's version as the person saw it."""

    outcome_id = None  # always a new outcome
    field_order = ["what_must_change", "by_when", "how_we_will_know"]

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean(self):
        data = super().clean()
        by_when = data.get("by_when")
        if by_when and by_when < self.plan.started_on:
            self.add_error(
                "by_when",
                f"The plan starts on {workdays.uk(self.plan.started_on)}: an outcome cannot be due before that.",
            )
        return data


class ActionForm(OnceOnlyForm):
    outcome = forms.ModelChoiceField(label="For which outcome", queryset=None)
    description = forms.CharField(label="What will be done", max_length=2000, widget=forms.Textarea(attrs=TEXT))
    owner_user = StaffChoiceField(label="Owner (person on the case team)", required=False)
    owner_agency = forms.ModelChoiceField(
        label="Owner (agency)", required=False, queryset=Agency.objects.filter(is_active=True)
    )
    due_on = DateField(label="Due by")

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["outcome"].queryset = plan.outcomes.all()
        self.fields["outcome"].label_from_instance = lambda o: f"{o.number}. {o.what_must_change[:80]}"
        team = plan.case.members.current().values("user_id")
        self.fields["owner_user"].limit_to(User.objects.filter(pk__in=team))

    def clean(self):
        data = super().clean()
        if not data.get("owner_user") and not data.get("owner_agency"):
            self.add_error("owner_user", "Every action needs an owner: a person, an agency or both.")
        due = data.get("due_on")
        if due and due < self.plan.started_on:
            self.add_error(
                "due_on",
                f"The plan starts on {workdays.uk(self.plan.started_on)}: an action cannot be due before that.",
            )
        return data


class ActionStatusForm(OnceOnlyForm):
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices)


TEAM_MEETING_KINDS = [c for c in MeetingKind.choices if c[0] != MeetingKind.SUPERVISION]


class MeetingScheduleForm(OnceOnlyForm):
    kind = forms.ChoiceField(label="Meeting", choices=TEAM_MEETING_KINDS)
    due_on = DateField(label="Due by")

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < self.case.opened_on:
            raise forms.ValidationError("A meeting cannot be due before the case opened.")
        return due_on


class AgencyChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, agency: Agency) -> str:
        return f"{agency.name} ({agency.get_kind_display().lower()})"


class HeldOnForm(OnceOnlyForm):
    held_on = DateField(label="Held on", initial=timezone.localdate, ask_if_old=True)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError("A meeting cannot be recorded as held in the future. Schedule it instead.")
        if held_on < self.case.opened_on:
            raise forms.ValidationError(
                f"The case opened on {workdays.uk(self.case.opened_on)}: record meetings from then on."
            )
        return held_on


class MeetingRecordForm(HeldOnForm):
    """A held meeting of one kind; reviews also rate progress on each outcome of the current plan."""

    attendees = forms.CharField(
        label="Who attended",
        max_length=4000,
        widget=forms.Textarea(attrs=TEXT),
        help_text="Names and roles, including the family and the child if they took part.",
    )
    invited_agencies = AgencyChoices(
        label="Agencies invited",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        queryset=Agency.objects.filter(is_active=True).order_by("kind", "name"),
        help_text="Invite health (health visitor, school nurse or GP) every time: reviews found them left out.",
    )
    decisions = forms.CharField(label="Decisions", max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    actions_agreed = forms.CharField(
        label="Actions agreed (add them to the plan with an owner and date)",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs=TEXT),
    )
    is_closing_review = forms.BooleanField(
        label="This is the closing review (before the case closes or transfers to another agency)", required=False
    )
    schedule_next = forms.BooleanField(label="Schedule the next meeting from this one", required=False, initial=True)

    def __init__(self, *args, case: Case, kind: str, plan: Plan | None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.kind = kind
        self.outcomes = list(plan.outcomes.all()) if plan and kind in REVIEW_KINDS else []
        if kind not in REVIEW_KINDS:
            del self.fields["is_closing_review"]
        for outcome in self.outcomes:
            self.fields[f"rating_{outcome.pk}"] = forms.ChoiceField(
                label=f"Progress on outcome {outcome.number}: {outcome.what_must_change}",
                choices=[("", "Choose"), *OutcomeRating.Rating.choices],
                error_messages={"required": "Rate progress on this outcome."},
            )
            self.fields[f"comment_{outcome.pk}"] = forms.CharField(
                label=f"What shows this, for outcome {outcome.number} (optional)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def ratings(self) -> dict[int, tuple[str, str]]:
        return {
            o.pk: (self.cleaned_data[f"rating_{o.pk}"], self.cleaned_data[f"comment_{o.pk}"]) for o in self.outcomes
        }


class SupervisionForm(HeldOnForm):
    reflections = forms.CharField(
        label="Reflections",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Step back from the case: what is life like for the child, what has really changed, is there drift?",
    )
    decisions = forms.CharField(label="Decisions", max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    actions_agreed = forms.CharField(
        label="Actions", required=False, max_length=10000, widget=forms.Textarea(attrs=TEXT)
    )


class CaseCloseForm(VersionedForm):
    """The day the case closes and, for each child with an open episode of need, why theirs closes. Early help
    is outside the census: its form asks for no reason."""

    closed_on = DateField(label="Date closed", initial=timezone.localdate, ask_if_old=True)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.episodes = list(case.episodes.open().select_related("child"))
        # A death is recorded from the child's own record, which asks what must follow it.
        choices = [("", "Choose a reason"), *[c for c in ClosureReason.choices if c[0] != ClosureReason.RC2]]
        for episode in self.episodes:
            field = forms.ChoiceField(label=f"Why {episode.child.first_name}'s episode of need closes", choices=choices)
            # Built per form, not at import: the glossary's address is only known once the URLs are loaded.
            field.help_text = format_html("Each reason starts with its {}.", explained("rc-codes", "RC code"))
            field.error_messages["required"] = f"Choose why {episode.child.first_name}'s episode closes."
            self.fields[f"reason_{episode.pk}"] = field

    def reasons(self) -> dict:
        return {episode.pk: self.cleaned_data.get(f"reason_{episode.pk}", "") for episode in self.episodes}

    def clean_closed_on(self):
        closed_on = self.cleaned_data["closed_on"]
        if closed_on > timezone.localdate():
            raise forms.ValidationError("A case cannot be closed on a future date.")
        if closed_on < self.case.opened_on:
            raise forms.ValidationError(
                f"The case opened on {in_words(self.case.opened_on)}; it cannot close before that."
            )
        return closed_on


class LeadChangeForm(VersionedForm):
    new_lead = StaffChoiceField(label="New lead professional")
    keep_previous_on_team = forms.BooleanField(
        label="Keep the previous lead on the team as a core group member", required=False, initial=True
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_lead"].limit_to(User.objects.exclude(pk=case.lead_professional_id))


# --- Each child's statutory record --------------------------------------------------------------------------


def _checkboxes(choices, label: str, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class EpisodeForm(VersionedForm):
    started_on = DateField(label="Referral date", help_text="The day the referral that began this episode came in.")
    referral_source = forms.ChoiceField(label="Who referred", choices=ReferralSource.choices)
    primary_need = forms.ChoiceField(
        label="Primary need", choices=PrimaryNeed.choices, help_text="The main reason the child needs services."
    )


class ChildAssessmentForm(OnceOnlyForm):
    started_on = DateField(label="Assessment started")
    authorised_on = DateField(label="Authorised on (leave empty while the assessment is under way)", required=False)
    factors = _checkboxes(
        FACTOR_CHOICES,
        "Factors identified at the end of the assessment",
        "Needed once the assessment is authorised. “No factors identified” stands alone.",
    )


class AssessmentAuthoriseForm(PortalForm):
    authorised_on = DateField(label="Authorised on", initial=timezone.localdate)
    factors = _checkboxes(FACTOR_CHOICES, "Factors identified at the end of the assessment")


class Section47Form(PortalForm):
    FINDINGS = [("", "Not decided yet: the enquiry is under way"), ("yes", "Yes"), ("no", "No")]

    # Only when changing an enquiry already recorded (VersionedForm's field, optional here).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    started_on = DateField(label="Enquiry started")
    conference_needed = forms.ChoiceField(
        label="Does the enquiry find an initial child protection conference is needed?",
        choices=FINDINGS,
        required=False,
    )
    conference_on = DateField(label="Date of the initial conference (if held)", required=False)

    def clean(self):
        data = super().clean()
        if data.get("conference_on") and data.get("conference_needed") != "yes":
            self.add_error("conference_on", "Give a conference date only when a conference is needed.")
        return data

    def values(self) -> dict:
        finding = self.cleaned_data.get("conference_needed")
        return {
            "started_on": self.cleaned_data["started_on"],
            "conference_needed": {"yes": True, "no": False}.get(finding),
            "conference_on": self.cleaned_data.get("conference_on"),
            "seen_version": self.cleaned_data.get("version"),
        }


class EpisodeCloseForm(VersionedForm):
    closed_on = DateField(label="Date the episode closed", initial=timezone.localdate)
    reason = forms.ChoiceField(
        label="Why it closed",
        choices=[("", "Choose a reason"), *[c for c in ClosureReason.choices if c[0] != ClosureReason.RC2]],
        error_messages={"required": "Choose why the episode closed."},
    )
    continue_as_early_help = forms.BooleanField(
        label="The family continues with early help",
        required=False,
        help_text="Only for the last child open on the case: the case then becomes an early help case, outside "
        "the census. Otherwise the last child's episode closes with the case.",
    )


class ChildDeathForm(VersionedForm):
    died_on = DateField(label="Date of death", error_messages={"required": "Give the date of death."})
    who_was_told = forms.CharField(
        label="Who has been told",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say who has been told: the police, the GP, the coroner's office…"},
        help_text="For example the police, the GP, the health visitor, the school, the coroner's office.",
    )


class ChildPlanEndForm(VersionedForm):
    ended_on = DateField(label="Date the child's plan ended", initial=timezone.localdate)
    reason = forms.ChoiceField(
        label="Why it ended",
        choices=[
            ("", "Choose a reason"),
            *[
                c
                for c in ChildPlan.EndReason.choices
                if c[0] not in (ChildPlan.EndReason.DIED, ChildPlan.EndReason.CASE_CLOSED)
            ],
        ],
        error_messages={"required": "Choose why the plan ended."},
    )


class CategoryChangeForm(VersionedForm):
    category = forms.ChoiceField(label="New category", choices=AbuseCategory.choices)
    changed_on = DateField(label="Changed on", initial=timezone.localdate, help_text="The day of the conference.")
    reason = forms.CharField(
        label="Why it changed",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the category changed, for example which conference decided."},
    )
