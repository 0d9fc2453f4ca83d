"""Template filters for the chronology: event dates as precise as they are known, and lookups."""

from django import template
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def event_date(entry) -> str:
    """'3 Mar 2026', 'Mar 2026' (month only), 'about 3 Mar 2026', or a period '3 Mar – 9 Apr 2026': the
    date the entry has now (a correction may have changed it), as exactly as it is known."""
    occurred_on, occurred_until = entry.effective.occurred_on, entry.effective.occurred_until
    if entry.date_precision == "month":
        text = date_format(occurred_on, "M Y")
    else:
        text = date_format(occurred_on, "j M Y")
        if entry.date_precision == "approximate":
            text = f"about {text}"
    if occurred_until:
        text += " to " + date_format(occurred_until, "j M Y")
    if entry.occurred_at:
        text += f", {entry.occurred_at:%H:%M}"
    return text


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def thousands(number) -> str:
    """3000 -> '3,000', as the import's progress is written ('3,000 of 5,000 rows checked')."""
    return f"{int(number):,}"
