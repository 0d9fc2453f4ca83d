"""Working days for the demo's meetings: conferences, reviews and supervision are not held at weekends or on
bank holidays (the census's rule 8875 refuses an initial conference at a weekend)."""

from datetime import date

from workdays.calendar import WorkingCalendar

# Bank holidays only: the demo adds no local closure days.
CALENDAR = WorkingCalendar()


def on_or_after(day: date) -> date:
    """`day` when it is a working day, otherwise the next one."""
    return day if CALENDAR.is_working_day(day) else CALENDAR.add_working_days(day, 1)


def on_or_before(day: date, *, not_before: date | None = None) -> date:
    """`day` when it is a working day, otherwise the one before; the next one instead if that would be before
    `not_before`."""
    earlier = CALENDAR.previous_working_day(day)
    if not_before is not None and earlier < not_before:
        return on_or_after(not_before)
    return earlier


def working_days_before(day: date, n: int, *, not_before: date | None = None) -> date:
    """The working day `n` working days before `day` (`day` itself, or the one before it, for 0), and not
    before `not_before`."""
    earlier = CALENDAR.subtract_working_days(on_or_before(day), n)
    if not_before is not None and earlier < not_before:
        return on_or_after(not_before)
    return earlier
