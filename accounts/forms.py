"""Forms for two-factor sign-in."""

from django import forms


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code", max_length=20, strip=True,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class ConfirmDeviceForm(forms.Form):
    token = forms.RegexField(
        label="Code from the app", regex=r"^\s*\d{6}\s*$", max_length=12,
        error_messages={"invalid": "Enter the 6-digit code your app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
