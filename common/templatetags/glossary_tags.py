"""`{% term "gcp2" %}`: a term where a page first uses it, explained in visible text that links to its
glossary entry: "<abbr>GCP2</abbr> (Graded Care Profile 2)". Not a title attribute alone: phones never
show hover text. The words come from common/glossary.py."""

from django import template
from django.utils.safestring import SafeString

from common.glossary import explained

register = template.Library()


@register.simple_tag
def term(key: str, text: str = "") -> SafeString:
    """`{% term "drift" %}`, or `{% term "drift" "drift flags" %}` to show other words (see `explained`)."""
    return explained(key, text)
