"""Template tag for due dates: the status from workdays.deadlines, shown as a coloured badge with words."""

from datetime import date

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from workdays.deadlines import DueStatus, due_status

register = template.Library()


def _badge(status: DueStatus) -> str:
    return format_html('<span class="badge text-bg-{}">{}</span>', status.colour, status.label)


@register.simple_tag
def due_badge(due_on: date | None, today: date, done: bool = False) -> str:
    return _badge(due_status(due_on, today, done=done))


@register.simple_tag
def deadline_cell(deadline) -> str:
    """A dashboard row's next deadline: what is due, linked to it, a badge, and when in words and working days
    ("Review child protection conference · overdue since 30 Oct 2025 (275 working days)"), or "None".
    `deadline` has `what`, `url`, `status` (a DueStatus) and `words`. A tag rather than an included template:
    the caseload and the manager's view draw one on every row."""
    if deadline is None:
        # A constant with no data in it: safe as it stands.
        return mark_safe('<span class="text-muted">None</span>')  # nosec B308
    badge = format_html('<span class="badge text-bg-{}">{}</span>', deadline.status.colour, deadline.status.short)
    return format_html('{} <a href="{}">{}</a> · {}', badge, deadline.url, deadline.what, deadline.words)
