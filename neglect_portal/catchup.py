"""Periodic work that an outage made beat skip is run as soon as a worker can reach the broker again.

Beat sends each tick once; a tick that falls while Redis is down is dropped, and the sweep or the drain
would wait for its next slot (15 minutes, an hour, a day). Instead:

- ``CatchUpStep`` is a step of the worker's consumer, which Celery starts when the worker first connects
  and again every time it reconnects after losing the broker. It enqueues each job in
  ``PERIODIC_CATCH_UP`` whose last completion (common/periodic.py) is older than its interval.
- ``RecordingScheduler`` is beat's scheduler, touching the "beat" row at most once a minute, so that
  ``/healthz/status`` can say when beat was last seen.

Several workers reconnecting at once may each enqueue the same job: every periodic job is safe to run
twice, and the long ones hold a lease (common/leases.py). Project plumbing: it needs the Celery app.
"""

import logging
import time

from celery import bootsteps
from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import DatabaseError, close_old_connections

log = logging.getLogger(__name__)


def enqueue_overdue(app) -> list[str]:
    """Send each periodic job not completed within its interval; return the task names sent."""
    from common.periodic import overdue

    names = overdue(settings.PERIODIC_CATCH_UP)
    for name in names:
        app.send_task(name)
    if names:
        log.info("Catch-up after (re)connecting: %s", ", ".join(names))
    return names


class CatchUpStep(bootsteps.StartStopStep):
    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, consumer) -> None:
        try:
            close_old_connections()  # a reconnect after an outage may find a dead database connection
            enqueue_overdue(consumer.app)
        except DatabaseError:
            # The database is down too: the next reconnect, or beat's next tick, does it.
            log.warning("Catch-up skipped: the database did not answer")


class RecordingScheduler(PersistentScheduler):
    TOUCH_EVERY_SECONDS = 60
    _last_touch = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_touch >= self.TOUCH_EVERY_SECONDS:
            from common.periodic import BEAT, touch

            try:
                close_old_connections()
                touch(BEAT)
                self._last_touch = now
            except DatabaseError:
                log.warning("Beat could not record its tick: the database did not answer")
        return super().tick(*args, **kwargs)
