"""When each periodic job last completed, so that ticks lost to a broker outage are caught up.

Each periodic task runs inside ``recorded(name)``, which writes the completion time when the run ends
without an error. ``overdue(intervals)`` names the jobs whose last completion is older than their
interval (or that never ran): neglect_portal/catchup.py runs them when a worker (re)connects. Beat
touches ``BEAT`` as it ticks, and ``/healthz/status`` reports all three ages.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

from .models import PeriodicRun

BEAT = "beat"


def touch(name: str) -> None:
    PeriodicRun.objects.update_or_create(name=name, defaults={"last_completed_at": timezone.now()})


@contextmanager
def recorded(name: str) -> Iterator[None]:
    yield
    touch(name)


def last_completed(name: str) -> datetime | None:
    return PeriodicRun.objects.filter(name=name).values_list("last_completed_at", flat=True).first()


def beat_last_seen() -> datetime | None:
    return last_completed(BEAT)


def overdue(intervals: dict[str, int]) -> list[str]:
    """The names in ``intervals`` (name: seconds) not completed within their interval."""
    done = dict(PeriodicRun.objects.filter(name__in=intervals).values_list("name", "last_completed_at"))
    now = timezone.now()
    return [
        name for name, seconds in intervals.items() if name not in done or done[name] < now - timedelta(seconds=seconds)
    ]
