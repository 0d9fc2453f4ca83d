"""Forms for acknowledging a flag and for raising, answering and moving up an escalation."""

from django import forms

from common.forms import OnceOnlyForm


class FlagAcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What will you do about this?", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EscalationRaiseForm(OnceOnlyForm):
    concern = forms.CharField(
        label="What is stuck, and what do you want to happen?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: 'Three reviews without progress on the home conditions; I want a legal "
        "planning meeting considered.' Families may read this: keep it factual.",
    )


class EscalationRespondForm(OnceOnlyForm):
    text = forms.CharField(label="Your response", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    resolve = forms.BooleanField(label="This resolves the escalation", required=False)
    outcome = forms.CharField(
        label="How was it resolved? (when resolving)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EscalationMoveUpForm(OnceOnlyForm):
    reason = forms.CharField(
        label="Why does it need to go to the next stage now?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: 'The answer did not say who will do what by when.' It is written into the "
        "chronology. Families may read this: keep it factual.",
    )
