"""Forms for signing in: username and password, then two-factor codes."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import User


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class ConfirmDeviceForm(forms.Form):
    token = forms.RegexField(
        label="Code from the app",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": "Enter the 6-digit code your app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ConfirmItsYouForm(forms.Form):
    """Step-up: the password again, and the current code when the person has an authenticator."""

    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": "Enter the 6-digit code your app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, needs_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["token"]


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the username's length enforced before anything else sees it.

    Django sets the length only as an HTML attribute here; an over-long username would otherwise
    reach the lockout records (255 characters) and fail there.
    """

    def clean_username(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > User._meta.get_field("username").max_length:
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )
        return username


class StaffChoiceField(forms.ModelChoiceField):
    """Active staff of partner agencies, shown as 'Name – job, agency'."""

    def __init__(self, **kwargs):
        super().__init__(queryset=User.objects.none(), **kwargs)

    def limit_to(self, queryset) -> None:
        self.queryset = (
            queryset.filter(is_active=True, agency__isnull=False)
            .select_related("agency")
            .order_by("last_name", "first_name")
        )

    def label_from_instance(self, user: User) -> str:
        return f"{user.get_full_name()} – {user.display_role}, {user.agency.name}"
