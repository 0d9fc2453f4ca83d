"""Authentication backends and sign-in throttling: django-axes locks a (username, address) pair,
`sign_in_delay` slows the wider per-username and per-address ceilings, and Django's model backend
here loads the user's agency, team, capabilities and most senior role with the user, in one query
(every page header shows the agency; the access policy reads the capabilities)."""

import math
from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Max, Q, Sum

from accounts.models import User


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        user = User.objects.with_roles_loaded().select_related("agency", "team").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def sign_in_delay(*, username: str, ip_address: str | None, now: datetime) -> int:
    """Seconds this sign-in try must wait, 0 if none (docs/security.md, R10).

    Only the (username, address) pair is ever locked (django-axes, AXES_LOCKOUT_PARAMETERS), so that
    nobody elsewhere can lock a colleague out. Past a higher ceiling of failures for one username
    (from any address) or from one address (for any username) each further try must wait a short,
    doubling number of seconds after the last failure, capped at LOGIN_SLOW_MAX_SECONDS: distributed
    guessing and password spraying become slow, and the real user waits seconds, never the cool-off.
    The answer is the same whether or not the username exists: only sign-in failures are counted.

    The per-username ceiling does not slow an address this username has recently signed in from: an
    attacker elsewhere cannot even slow the real user at their usual desk.
    """
    # PostgreSQL cannot compare a string holding NUL; the sign-in form refuses such a username anyway.
    username = username.replace("\x00", "")
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
    ceilings = [(Q(ip_address=ip_address), settings.LOGIN_SLOW_AFTER_PER_ADDRESS)]
    known_address = AccessLog.objects.filter(
        username=username,
        ip_address=ip_address,
        attempt_time__gte=now - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS),
    ).exists()
    if not known_address:
        ceilings.append((Q(username=username), settings.LOGIN_SLOW_AFTER_PER_USERNAME))
    wait = 0
    for matching, ceiling in ceilings:
        failures = recent.filter(matching).aggregate(total=Sum("failures_since_start"), last=Max("attempt_time"))
        over = (failures["total"] or 0) - ceiling
        if over < 0:
            continue
        gap = min(2**over, settings.LOGIN_SLOW_MAX_SECONDS)
        remaining = gap - (now - failures["last"]).total_seconds()
        wait = max(wait, math.ceil(remaining))
    return wait
