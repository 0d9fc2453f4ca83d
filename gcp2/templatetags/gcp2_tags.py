"""Template tags for GCP2: grade badges, change markers and the case page's GCP2 summary."""

from django import template
from django.utils import timezone

from gcp2 import selectors
from gcp2.structure import GRADES, grade_word

register = template.Library()

CHANGE_TEXT = {selectors.BETTER: "Better", selectors.SAME: "Same", selectors.WORSE: "Worse"}


@register.inclusion_tag("gcp2/_grade.html")
def grade(value):
    """A grade with its word, never colour alone; a title gives our one-line meaning."""
    return {"grade": value, "word": grade_word(value), "meaning": GRADES[value][1] if value in GRADES else ""}


@register.inclusion_tag("gcp2/_change.html")
def change(value):
    return {"change": value, "text": CHANGE_TEXT.get(value, "")}


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("gcp2/_case_summary.html")
def gcp2_case_summary(case):
    """The GCP2 lines on the case page: when the next repeat is due and who has no GCP2 yet."""
    due_on, unassessed = selectors.repeat_due(case)
    return {"case": case, "repeat_due_on": due_on, "unassessed": unassessed, "today": timezone.localdate()}


@register.filter(name="grade_word")
def grade_word_filter(value) -> str:
    return grade_word(value)
