"""Authentication backends: lockout (django-axes, tiered limits) and Django's model backend,
which here loads the user's agency, team, capabilities and most senior role with the user, in one query
(every page header shows the agency; the access policy reads the capabilities)."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum

from accounts.models import User


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        user = User.objects.with_roles_loaded().select_related("agency", "team").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class TieredLockoutHandler(AxesDatabaseHandler):
    """Gives each lockout parameter its own limit (settings.PORTAL_LOCKOUT_LIMITS), so that one
    address gets a higher ceiling than one username: an office behind one NAT address keeps working.

    django-axes compares a single failure count with a single limit, so the count reported here is
    rescaled: it reaches AXES_FAILURE_LIMIT exactly when some parameter reaches its own limit.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        base = settings.AXES_FAILURE_LIMIT
        worst = 0
        attempts_list = self.get_user_attempts(request, credentials)
        for attempts, limit in zip(attempts_list, settings.PORTAL_LOCKOUT_LIMITS, strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            worst = max(worst, base if failures >= limit else failures * base // limit)
        return worst
