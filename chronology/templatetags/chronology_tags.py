"""Template filters for the chronology: event dates as precise as they are known, and lookups."""

from django import template
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def event_date(entry) -> str:
    """'3 Mar 2026', 'Mar 2026' (month only), 'about 3 Mar 2026', or a period '3 Mar – 9 Apr 2026'."""
    if entry.date_precision == "month":
        text = date_format(entry.occurred_on, "M Y")
    else:
        text = date_format(entry.occurred_on, "j M Y")
        if entry.date_precision == "approximate":
            text = f"about {text}"
    if entry.occurred_until:
        text += " to " + date_format(entry.occurred_until, "j M Y")
    if entry.occurred_at:
        text += f", {entry.occurred_at:%H:%M}"
    return text


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None
