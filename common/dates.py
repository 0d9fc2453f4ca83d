"""Dates in words, the one way the portal writes a date in sentences, messages and emails.

Pages show "1 December 2026" in running text and messages, and may shorten the month in tables
("1 Dec 2026"), as the GOV.UK style guide does; never "01/12/2026", which a reader may take either way
round. Templates use the `date` filter with "j F Y" (text) or "j M Y" (tables) for the same result.
"""

import calendar
from datetime import date


def in_words(day: date) -> str:
    """'1 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def with_weekday(day: date) -> str:
    """'Tuesday 1 December 2026': how a date field reads back the date chosen."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def uk(day: date) -> str:
    """'1 Dec 2026': the short form, for tables and compact lines."""
    return f"{day.day} {day:%b %Y}"


def months_later(start: date, months: int) -> date:
    """The same day `months` calendar months later (earlier when negative), clamped to the month's end."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
