"""Dates in words, the one way the portal writes a date in sentences, messages and emails.

Pages show "1 December 2026" in running text and messages, and may shorten the month in tables
("1 Dec 2026"), as the GOV.UK style guide does; never "01/12/2026", which a reader may take either way
round. Templates use the `date` filter with "j F Y" (text) or "j M Y" (tables) for the same result.
"""

from datetime import date


def in_words(day: date) -> str:
    """'1 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def with_weekday(day: date) -> str:
    """'Tuesday 1 December 2026': how a date field reads back the date chosen."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the last day of that month when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
