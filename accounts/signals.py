"""Audit receivers for sign-in events (framework events only; no business logic here)."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import stepup
from accounts.middleware import SESSION_STARTED_KEY
from audit import services as audit
from audit.models import AuditEvent


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs) -> None:
    request.session[SESSION_STARTED_KEY] = time.time()
    stepup.password_is_full_sign_in(request, user)
    audit.record(actor=user, action=AuditEvent.Action.AUTH_LOGIN, request=request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.record(actor=user, action=AuditEvent.Action.AUTH_LOGOUT, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The username typed is not stored: it may be a password typed in the wrong box.
    audit.record(actor=None, action=AuditEvent.Action.AUTH_LOGIN_FAILED, request=request, outcome="failed")


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    audit.record(actor=None, action=AuditEvent.Action.AUTH_LOCKED_OUT, request=request, outcome="denied")
