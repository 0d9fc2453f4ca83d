"""Account-level views: sign-in (Django's view behind the sign-in throttle), two-factor sign-in and
"Confirm it's you" (step-up). Sign-out and passwords use Django's own views with our templates. Every POST
is masked in error reports by `accounts.middleware.SensitivePostMiddleware`."""

import base64
import functools

import segno
from axes.helpers import get_client_ip_address
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services, stepup
from accounts.backends import sign_in_delay
from accounts.forms import ConfirmDeviceForm, ConfirmItsYouForm, SignInForm, TokenForm
from audit import services as audit
from audit.models import AuditEvent

SETUP_KEY = "mfa_setup_key"  # the secret being enrolled, until a code confirms it


def sign_in_throttled(view):
    """Wraps a sign-in view: when the username or the address is past its ceiling of failures, the
    try is refused for a few seconds before any password is checked (docs/security.md, R10). The
    refusal is not counted as a failure, so waiting always ends it. Used by the portal's sign-in (also
    behind the home page) and the admin site's."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            wait = sign_in_delay(
                username=request.POST.get("username", ""),
                ip_address=get_client_ip_address(request),
                now=timezone.now(),
            )
            if wait:
                audit.record(
                    actor=None,
                    action=AuditEvent.Action.AUTH_LOGIN_SLOWED,
                    request=request,
                    outcome=AuditEvent.Outcome.DENIED,
                    data={"retry_after_seconds": wait},
                )
                response = render(request, "registration/slowed.html", {"seconds": wait}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return wrapped


sign_in = login_not_required(
    never_cache(
        require_http_methods(["GET", "HEAD", "POST"])(
            sign_in_throttled(auth_views.LoginView.as_view(authentication_form=SignInForm))
        )
    )
)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app. Someone already enrolled must verify before replacing it, so a
    stolen password alone can never swap the second factor, and must have signed in fully within the
    last few minutes (step-up).

    The new secret is kept in the session until the first code confirms it: a GET writes nothing to
    the database (R16), and the device row is created only by the confirming POST."""
    if user_has_device(request.user):
        if not request.user.is_verified():
            return redirect(f"{reverse('mfa_verify')}?next={reverse('mfa_setup')}")
        if not stepup.signed_in_recently(request):
            return redirect(stepup.confirm_url(request))
    form = ConfirmDeviceForm(request.POST or None)
    key = request.session.get(SETUP_KEY)
    status = 200
    if request.method == "POST" and key:
        if form.is_valid():
            codes = services.totp_device_confirm(
                user=request.user, key=key, token=form.cleaned_data["token"].strip(), request=request
            )
            if codes is not None:
                del request.session[SETUP_KEY]
                otp_login(request, TOTPDevice.objects.get(user=request.user, confirmed=True))
                stepup.mark_full_sign_in(request)
                return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": _safe_next(request)})
            form.add_error("token", "That code did not match. Check the time on your phone and try the newest code.")
        status = 400
    elif request.method == "POST" or not key:
        # A POST without a secret in the session (it expired) starts again with a new one.
        key = services.totp_new_key()
        request.session[SETUP_KEY] = key
    device = services.totp_device_unsaved(user=request.user, key=key)
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, title="QR code for your authenticator app")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/mfa_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret, "next": _safe_next(request)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a single-use backup code."""
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            token = form.cleaned_data["token"].replace(" ", "")
            device = match_token(request.user, token) if token.isdigit() else None
            if device is None and services.backup_code_use(user=request.user, code=token, request=request):
                device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
            if device is not None:
                otp_login(request, device)
                stepup.mark_full_sign_in(request)
                audit.record(actor=request.user, action=AuditEvent.Action.AUTH_MFA_VERIFIED, request=request)
                return redirect(_safe_next(request))
            audit.record(
                actor=request.user, action=AuditEvent.Action.AUTH_MFA_FAILED, request=request, outcome="failed"
            )
            form.add_error("token", "That code did not work. Try the newest code from your app.")
        return render(request, "accounts/mfa_verify.html", {"form": form, "next": _safe_next(request)}, status=400)
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _safe_next(request)})


@require_http_methods(["POST"])
@stepup.recent_sign_in_required
def mfa_backup_codes(request: HttpRequest) -> HttpResponse:
    """Replace the backup codes (only from a session that passed two-factor sign-in)."""
    if not request.user.is_verified():
        return redirect(f"{reverse('mfa_verify')}?next={reverse('home')}")
    codes = services.backup_codes_replace(user=request.user, request=request)
    return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": reverse("home")})


@require_http_methods(["GET", "POST"])
def confirm_identity(request: HttpRequest) -> HttpResponse:
    """ "Confirm it's you": the password, then the current code if the person has an authenticator,
    before an export or a change to the second factor. Wrong answers count towards the sign-in lockout
    (the password goes through `authenticate`, the code through django-otp's throttling)."""
    needs_code = user_has_device(request.user)
    form = ConfirmItsYouForm(request.POST or None, needs_code=needs_code)
    context = {"form": form, "next": _safe_next(request)}
    if request.method != "POST":
        return render(request, "accounts/confirm_identity.html", context)
    if form.is_valid():
        user = authenticate(request, username=request.user.get_username(), password=form.cleaned_data["password"])
        if user is None or user.pk != request.user.pk:
            form.add_error("password", "That password is not right.")
        elif needs_code and match_token(request.user, form.cleaned_data["token"].strip()) is None:
            form.add_error("token", "That code did not work. Try the newest code from your app.")
        else:
            stepup.mark_full_sign_in(request)
            audit.record(actor=request.user, action=AuditEvent.Action.AUTH_STEP_UP_CONFIRMED, request=request)
            return redirect(context["next"])
        audit.record(
            actor=request.user, action=AuditEvent.Action.AUTH_STEP_UP_FAILED, request=request, outcome="failed"
        )
    return render(request, "accounts/confirm_identity.html", context, status=400)
