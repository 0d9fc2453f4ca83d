"""Account-level views: sign-in (Django's view behind the sign-in throttle) and two-factor sign-in.
Sign-out and passwords use Django's own views with our templates."""

import base64
import functools

import segno
from axes.helpers import get_client_ip_address
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

from accounts import services
from accounts.backends import sign_in_delay
from accounts.forms import ConfirmDeviceForm, SignInForm, TokenForm
from audit import services as audit
from audit.models import AuditEvent

SETUP_DEVICE_KEY = "mfa_setup_device_id"


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
    stolen password alone can never swap the second factor."""
    if user_has_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('mfa_verify')}?next={reverse('mfa_setup')}")
    form = ConfirmDeviceForm(request.POST or None)
    device = None
    device_id = request.session.get(SETUP_DEVICE_KEY)
    if device_id:
        device = TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first()
    if request.method == "POST" and device is not None:
        if form.is_valid():
            codes = services.totp_device_confirm(
                user=request.user, device=device, token=form.cleaned_data["token"].strip(), request=request
            )
            if codes is not None:
                del request.session[SETUP_DEVICE_KEY]
                otp_login(request, device)
                return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": _safe_next(request)})
            form.add_error("token", "That code did not match. Check the time on your phone and try the newest code.")
        status = 400
    else:
        device = services.totp_device_start(user=request.user)
        request.session[SETUP_DEVICE_KEY] = device.pk
        status = 200
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
                audit.record(actor=request.user, action=AuditEvent.Action.AUTH_MFA_VERIFIED, request=request)
                return redirect(_safe_next(request))
            audit.record(
                actor=request.user, action=AuditEvent.Action.AUTH_MFA_FAILED, request=request, outcome="failed"
            )
            form.add_error("token", "That code did not work. Try the newest code from your app.")
        return render(request, "accounts/mfa_verify.html", {"form": form, "next": _safe_next(request)}, status=400)
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _safe_next(request)})


@require_http_methods(["POST"])
def mfa_backup_codes(request: HttpRequest) -> HttpResponse:
    """Replace the backup codes (only from a session that passed two-factor sign-in)."""
    if not request.user.is_verified():
        return redirect(f"{reverse('mfa_verify')}?next={reverse('home')}")
    codes = services.backup_codes_replace(user=request.user, request=request)
    return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": reverse("home")})
