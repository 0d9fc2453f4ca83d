"""Request ids, session limits, the two-factor requirement, cache headers for signed-in pages and the
masking of every POST in error reports."""

import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from accounts.logging import request_id_var

SESSION_STARTED_KEY = "signed_in_at"


class RequestIdMiddleware:
    """Gives each request an id for the logs and the X-Request-ID response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        token = request_id_var.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response


class AbsoluteSessionLimitMiddleware:
    """Ends a session 12 hours after sign-in however active it is (the idle limit is the cookie age)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None or time.time() - started > settings.SESSION_ABSOLUTE_LIMIT_SECONDS:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SensitivePostMiddleware:
    """Every POST's values are masked in error reports (docs/security.md, R26): the portal's forms carry
    passwords, codes or what is known about a child, so no form is safe to show. One rule for every view
    instead of a `sensitive_post_parameters` decorator on each (a new form cannot forget it). A view may
    still name its own fields with Django's decorator (its sign-in and password views do)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            request.sensitive_post_parameters = "__ALL__"
        return self.get_response(request)


class NoStoreMiddleware:
    """Signed-in pages hold case data: browsers and proxies must not keep copies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


# Pages a signed-in person may reach before completing the second factor.
MFA_EXEMPT_URL_NAMES = ("mfa_setup", "mfa_verify", "logout")


class MfaRequiredMiddleware:
    """When MFA is required, a password-only session reaches nothing but enrolment and verification."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if settings.MFA_REQUIRED and user.is_authenticated and not user.is_verified():
            exempt = {reverse(name) for name in MFA_EXEMPT_URL_NAMES}
            if request.path not in exempt and not request.path.startswith(settings.STATIC_URL):
                from django_otp import user_has_device

                target = "mfa_verify" if user_has_device(user) else "mfa_setup"
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
