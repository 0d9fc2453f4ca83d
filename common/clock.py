"""The time the portal records things at.

`now()` is `timezone.now()`, except inside `replaying(at)`, which the demo's seeding uses to write a
synthetic history as it would have been recorded (each entry a few days after its event) rather than all at
the moment of seeding: otherwise every demo entry would be marked "recorded late". Only code can replay; no
request, form or import can choose the time a record was made.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_replayed: ContextVar[datetime | None] = ContextVar("replayed_time", default=None)


def now() -> datetime:
    return _replayed.get() or timezone.now()


@contextmanager
def replaying(at: datetime) -> Iterator[None]:
    token = _replayed.set(at)
    try:
        yield
    finally:
        _replayed.reset(token)
