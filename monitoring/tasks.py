"""Celery tasks: thin wrappers that call the monitoring sweep, the escalation ladder and the outbox sender.

Every task is safe to run twice at once and to re-run after a crash (see monitoring/rules.py and
notifications/services.py for why). Each keeps the name it was registered under when it lived in
cases/tasks.py, so work already queued, and the beat schedule, still find it.
"""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from accounts.models import User
from common.leases import lease
from common.periodic import recorded

log = logging.getLogger(__name__)


def _stand_down(name: str) -> dict:
    log.info("%s: another live run holds the lease; this delivery stands down", name)
    return {"stood_down": name}


@shared_task(name="cases.tasks.sweep", acks_late=True)
def sweep() -> dict:
    from . import rules  # imported here: the worker imports tasks before Django apps are ready

    with lease("sweep") as held:
        if not held:
            return _stand_down("sweep")
        with recorded("cases.tasks.sweep"):
            result = rules.sweep()
    log.info("Sweep: %s raised, %s resolved, %s still open", result.raised, result.resolved, result.still_open)
    try:
        send_notifications.delay()
    except OperationalError:
        # Broker down: the flags are safe in the database; the next scheduled drain sends them.
        log.warning("Broker unavailable after sweep; notifications wait for the next drain")
    return {"raised": result.raised, "resolved": result.resolved, "still_open": result.still_open}


@shared_task(name="cases.tasks.send_notifications", acks_late=True)
def send_notifications() -> int:
    from .outbox import send_due

    # No lease: the outbox claims each row with its own lease (notifications/services.py), so two drains
    # at once share the work instead of doubling it.
    with recorded("cases.tasks.send_notifications"):
        return send_due(User.NotificationPreference.IMMEDIATE)


@shared_task(name="cases.tasks.send_daily_digests", acks_late=True)
def send_daily_digests() -> int:
    from .outbox import send_due

    with recorded("cases.tasks.send_daily_digests"):
        return send_due(User.NotificationPreference.DAILY)


@shared_task(name="cases.tasks.advance_escalations", acks_late=True)
def advance_escalations() -> dict:
    """Unacknowledged flags and long plans escalate; unanswered stages move up; then notify."""
    from .escalations import run_ladder

    with lease("advance-escalations") as held:
        if not held:
            return _stand_down("advance-escalations")
        with recorded("cases.tasks.advance_escalations"):
            result = run_ladder()
    try:
        send_notifications.delay()
    except OperationalError:
        log.warning("Broker unavailable after the escalation run; notifications wait for the next drain")
    return result
