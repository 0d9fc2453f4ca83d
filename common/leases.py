"""A lease for a long background job, so that a run redelivered while the first is alive stands down.

``with lease("sweep") as held:`` takes the lease in one statement (insert, or take over a lease that has
expired), renews it from a small thread every third of its length while the run goes on, and gives it
up at the end. ``held`` is False when another live run holds it: the caller logs one line and returns,
because that run will finish the work. A worker killed mid-run stops renewing, so its lease lapses
within ``LEASE_SECONDS`` and the redelivered task (after the broker's visibility timeout, which is
longer) takes over.
"""

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .models import TaskLease

# Shorter than the visibility timeout (CELERY_VISIBILITY_TIMEOUT, 120 s), so that by the time a dead
# worker's task is handed out again its lease has lapsed.
LEASE_SECONDS = 60


def _take(name: str, holder: uuid.UUID, seconds: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        current = TaskLease.objects.select_for_update().filter(name=name).first()
        if current is None:
            _, created = TaskLease.objects.get_or_create(
                name=name, defaults={"holder": holder, "expires_at": now + timedelta(seconds=seconds)}
            )
            return created
        if current.expires_at > now:
            return False
        TaskLease.objects.filter(name=name).update(holder=holder, expires_at=now + timedelta(seconds=seconds))
        return True


def _renew_until(stop: threading.Event, name: str, holder: uuid.UUID, seconds: int) -> None:
    try:
        while not stop.wait(seconds / 3):
            try:
                TaskLease.objects.filter(name=name, holder=holder).update(
                    expires_at=timezone.now() + timedelta(seconds=seconds)
                )
            except DatabaseError:
                # A missed renewal at worst lets a second run start; every job is safe to run twice.
                connection.close()
    finally:
        connection.close()  # this thread's own connection


@contextmanager
def lease(name: str, seconds: int = LEASE_SECONDS) -> Iterator[bool]:
    holder = uuid.uuid4()
    if not _take(name, holder, seconds):
        yield False
        return
    stop = threading.Event()
    renewer = threading.Thread(target=_renew_until, args=(stop, name, holder, seconds), daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        TaskLease.objects.filter(name=name, holder=holder).delete()
