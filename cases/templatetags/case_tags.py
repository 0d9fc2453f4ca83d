"""Template filters for case pages: ages as practitioners say them."""

from datetime import date

from django import template

register = template.Library()


@register.filter
def age_label(person, on: date) -> str:
    return person.age_label(on)
