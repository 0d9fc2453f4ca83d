"""Template tag for due dates: the status from cases.deadlines, shown as a coloured badge with words."""

from datetime import date

from django import template
from django.utils.html import format_html

from cases.deadlines import due_status

register = template.Library()


@register.simple_tag
def due_badge(due_on: date | None, today: date, done: bool = False) -> str:
    status = due_status(due_on, today, done=done)
    return format_html('<span class="badge text-bg-{}">{}</span>', status.colour, status.label)
