"""Form building blocks every app uses: the native date picker, the one-time token, the version seen."""

import uuid

from django import forms


class DateInput(forms.DateInput):
    """A native date picker: unambiguous to type, and read out properly by screen readers."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OnceOnlyForm(forms.Form):
    """Carries a one-time token so that posting the same form twice saves it once.

    Every page renders the token; a post without one (not from our pages) is simply not protected.
    """

    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)

    def values(self) -> dict:
        """What the person entered, for the service: the cleaned data without the token."""
        return {name: value for name, value in self.cleaned_data.items() if name != "submission_token"}


class VersionedForm(forms.Form):
    """Carries the version the user saw, so a stale save is refused instead of overwriting."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
