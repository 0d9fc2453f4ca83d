"""Celery tasks: thin wrappers that call the monitoring sweep and the notification sender.

Every task is safe to run twice at once and to re-run after a crash (see cases/monitoring.py and
cases/notifications.py for why).
"""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from accounts.models import User

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def sweep() -> dict:
    from . import monitoring  # imported here: the worker imports tasks before Django apps are ready

    result = monitoring.sweep()
    log.info("Sweep: %s raised, %s resolved, %s still open", result.raised, result.resolved, result.still_open)
    try:
        send_notifications.delay()
    except OperationalError:
        # Broker down: the flags are safe in the database; the next scheduled drain sends them.
        log.warning("Broker unavailable after sweep; notifications wait for the next drain")
    return {"raised": result.raised, "resolved": result.resolved, "still_open": result.still_open}


@shared_task(acks_late=True)
def send_notifications() -> int:
    from .notifications import send_due

    return send_due(User.NotificationPreference.IMMEDIATE)


@shared_task(acks_late=True)
def send_daily_digests() -> int:
    from .notifications import send_due

    return send_due(User.NotificationPreference.DAILY)


@shared_task(acks_late=True)
def advance_escalations() -> dict:
    """Unacknowledged flags and long plans escalate; unanswered stages move up; then notify."""
    from .escalations import run_ladder

    result = run_ladder()
    try:
        send_notifications.delay()
    except OperationalError:
        log.warning("Broker unavailable after the escalation run; notifications wait for the next drain")
    return result
