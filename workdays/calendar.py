"""The working-day calendar: Monday to Friday minus England and Wales bank holidays and local closure days.

Counting convention (docs/practice.md, "Working days"): the start date is day 0 and **day 1 is the first working
day after it**, whatever day the start is. "Within N working days" means on or before day N. So
`add_working_days(Thu 24 Dec 2026, 1)` is Tue 29 Dec 2026 (25 Dec, the weekend and the substitute
Boxing Day on 28 Dec are skipped), and `working_days_between(start, add_working_days(start, n)) == n`.
The CIN census validator counts the start as day 1, one day earlier: reports must say which they use.

Months are calendar months clamped to the month's end (31 Jan + 1 month = 28/29 Feb); a month-based
date that falls on a non-working day moves BACK to the previous working day, so it is never late.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.core.cache import cache

from common.dates import months_later, uk  # noqa: F401  (re-exported: the calendar's callers use them)

# Bank holidays in England and Wales, including one-off days and substitute ("observed") days.
HOLIDAY_COUNTRY, HOLIDAY_SUBDIVISION = "GB", "ENG"
# How long a process trusts its copy of the local closure days. Saving or deleting one in the admin
# clears this process's copy at once; other processes (worker, other web workers) see it within this.
CLOSURES_CACHE_SECONDS = 300
CLOSURES_CACHE_KEY = "cases:workdays:closures"


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year))


class WorkingCalendar:
    """Working days with a fixed set of local closure days (for example a council's office closure)."""

    def __init__(self, closures: Iterable[date] = ()):
        self.closures = frozenset(closures)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in bank_holidays(day.year) and day not in self.closures

    def add_working_days(self, start: date, n: int) -> date:
        """Day n counting the first working day after `start` as day 1. n = 0 gives `start` itself."""
        if n < 0:
            raise ValueError("n must be 0 or more; count back with working_days_between")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def subtract_working_days(self, start: date, n: int) -> date:
        """The mirror of add_working_days: the day n working days before `start`, where day 1 is the first
        working day before it. Anything dated before the result is more than n working days before `start`."""
        if n < 0:
            raise ValueError("n must be 0 or more; count forward with add_working_days")
        day = start
        while n:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        # Weekdays by arithmetic, then minus the holidays and closures that fall on one: dashboards
        # ask this for deadlines years overdue, so a day-by-day walk would cost thousands of steps.
        weeks, rest = divmod((end - start).days, 7)
        weekdays = 5 * weeks + sum(1 for offset in range(1, rest + 1) if (start + timedelta(days=offset)).weekday() < 5)
        days_off = set(self.closures)
        for year in range(start.year, end.year + 1):
            days_off |= bank_holidays(year)
        return weekdays - sum(1 for day in days_off if start < day <= end and day.weekday() < 5)

    def previous_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, otherwise the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_months(self, start: date, months: int) -> date:
        """Calendar months, clamped to the month's end, then moved back to a working day."""
        return self.previous_working_day(months_later(start, months))


def local_closures(*, fresh: bool = False) -> frozenset[date]:
    """Local closure days an administrator added. `fresh` reads the database, bypassing the cache."""
    from workdays.models import ClosureDay  # the calendar itself must import without Django's models

    closures = None if fresh else cache.get(CLOSURES_CACHE_KEY)
    if closures is None:
        closures = frozenset(ClosureDay.objects.values_list("day", flat=True))
        cache.set(CLOSURES_CACHE_KEY, closures, CLOSURES_CACHE_SECONDS)
    return closures


def forget_local_closures() -> None:
    cache.delete(CLOSURES_CACHE_KEY)


def working_calendar(*, fresh: bool = False) -> WorkingCalendar:
    """The calendar with today's local closure days. Services that store a date pass fresh=True."""
    return WorkingCalendar(local_closures(fresh=fresh))


def add_working_days(start: date, n: int, *, cal: WorkingCalendar | None = None) -> date:
    """Day n after `start`, where day 1 is the first working day after `start` (see module docstring)."""
    return (cal or working_calendar()).add_working_days(start, n)


def subtract_working_days(start: date, n: int, *, cal: WorkingCalendar | None = None) -> date:
    """Day n before `start`, where day 1 is the first working day before `start` (see module docstring)."""
    return (cal or working_calendar()).subtract_working_days(start, n)


def working_days_between(start: date, end: date, *, cal: WorkingCalendar | None = None) -> int:
    """How many working days after `start`, up to and including `end` (negative if `end` is earlier)."""
    return (cal or working_calendar()).working_days_between(start, end)


def add_months(start: date, months: int, *, cal: WorkingCalendar | None = None) -> date:
    return (cal or working_calendar()).add_months(start, months)
