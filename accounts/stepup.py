"""Step-up: pages that need a recent full sign-in (password, then the second factor when the person has
one), and what every export shares: that sign-in, an hourly limit and one watermark (docs/security.md,
R15 and R22).

The time of the last full sign-in is kept in the session. Signing in, the two-factor step and the
"Confirm it's you" page set it; nothing else does, so a session that has only been kept alive by
clicking around goes stale after `STEP_UP_SECONDS`.
"""

import time
from datetime import UTC, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_otp import user_has_device

from audit import services as audit
from audit.models import AuditEvent
from common.dates import in_words

FULL_SIGN_IN_KEY = "full_sign_in_at"

# The audit rows that are exports: the hourly limit counts these, so there is no second counter to
# drift from the trail. Rows of refused exports have outcome "denied" and are not counted.
EXPORT_ACTIONS = (
    AuditEvent.Action.CHRONOLOGY_EXPORTED,
    AuditEvent.Action.CASELOAD_EXPORTED,
    AuditEvent.Action.CENSUS_RETURN_EXPORTED,
    AuditEvent.Action.GCP2_ASSESSMENT_PRINTED,
    AuditEvent.Action.GCP2_COMPARISON_PRINTED,
)


def mark_full_sign_in(request) -> None:
    request.session[FULL_SIGN_IN_KEY] = time.time()


def password_is_full_sign_in(request, user) -> None:
    """After the password step: someone with no second factor has now fully signed in; someone with
    one has not until their code is accepted (the two-factor views call `mark_full_sign_in`)."""
    if user_has_device(user):
        request.session.pop(FULL_SIGN_IN_KEY, None)
    else:
        mark_full_sign_in(request)


def signed_in_recently(request) -> bool:
    at = request.session.get(FULL_SIGN_IN_KEY)
    return at is not None and 0 <= time.time() - at <= settings.STEP_UP_SECONDS


def confirm_url(request) -> str:
    return f"{reverse('confirm_identity')}?{urlencode({'next': request.get_full_path()})}"


def recent_sign_in_required(view):
    """The view runs only for a session fully signed in within `STEP_UP_SECONDS`; otherwise the person
    is sent to "Confirm it's you", which brings them back here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not signed_in_recently(request):
            return redirect(confirm_url(request))
        return view(request, *args, **kwargs)

    return wrapper


def exports_in_last_hour(user) -> list:
    """When this person's exports of the last hour were made, oldest first."""
    since = timezone.now() - timedelta(hours=1)
    return list(
        AuditEvent.objects.filter(actor=user, action__in=EXPORT_ACTIONS, outcome=AuditEvent.Outcome.OK, at__gte=since)
        .order_by("at")
        .values_list("at", flat=True)
    )


def export_view(view):
    """Every export: a recent full sign-in, then at most `EXPORTS_PER_HOUR` per person per hour.
    Put it inside the access check (`case_view`), so that the case is checked first."""

    @recent_sign_in_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        recent = exports_in_last_hour(request.user)
        if len(recent) >= settings.EXPORTS_PER_HOUR:
            # The oldest export in the window is the first to drop out of it.
            again_at = timezone.localtime(recent[-settings.EXPORTS_PER_HOUR] + timedelta(hours=1))
            case = kwargs.get("case") or next((a for a in args if hasattr(a, "reference")), None)
            audit.record(
                actor=request.user,
                action=AuditEvent.Action.ACCESS_REFUSED_EXPORT_LIMIT,
                case=case,
                request=request,
                outcome=AuditEvent.Outcome.DENIED,
                data={"path": request.path, "limit": settings.EXPORTS_PER_HOUR},
                using=settings.AUDIT_DB_ALIAS,
            )
            response = render(
                request,
                "accounts/export_limit.html",
                {"limit": settings.EXPORTS_PER_HOUR, "again_at": again_at},
                status=429,
            )
            response["Retry-After"] = str(max(1, int((again_at - timezone.now()).total_seconds())))
            return response
        return view(request, *args, **kwargs)

    return wrapper


def watermark(user, export_id, at=None) -> str:
    """What every export says about itself, on each PDF page and the first line of each CSV: who
    (name and agency), when in UTC, and its export ID (the id of its audit row)."""
    at = (at or timezone.now()).astimezone(UTC)  # read once: the date and the time are of one moment
    agency = user.agency.name if user.agency_id else "no agency"
    return (
        f"OFFICIAL-SENSITIVE. Exported by {user.get_full_name() or user.username} ({agency}) "
        f"at {in_words(at)} {at:%H:%M} UTC, export {export_id}. Do not copy or forward."
    )
