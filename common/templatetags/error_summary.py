"""The error summary at the top of a refused form (the GOV.UK Design System pattern).

base.html shows it on every page: it finds the bound forms with errors among the page's context (and
one level into lists and tuples, where a page shows several forms), lists each problem as a link to its
field, and portal.js moves the focus to it so a screen reader announces it and the keyboard starts there.
"""

from django import template
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet

register = template.Library()


def _forms_in(value):
    if isinstance(value, BaseFormSet):
        yield value
    elif isinstance(value, BaseForm):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, BaseForm | BaseFormSet):
                yield item


def _problems(form: BaseForm):
    for error in form.non_field_errors():
        yield {"text": error, "anchor": ""}
    for bound in form:
        if bound.is_hidden:
            continue  # a hidden field's error (a stale version) is said at the top of the form
        for error in bound.errors:
            yield {"text": _with_label(str(bound.label), error), "anchor": bound.id_for_label or bound.auto_id}
    for name, errors in form.errors.items():
        if name != "__all__" and name in form.fields and form[name].is_hidden:
            for error in errors:
                yield {"text": error, "anchor": ""}


def _with_label(label: str, error: str) -> str:
    """'Date of birth: Enter the date.'; a label that is a question keeps its own mark."""
    label = label.strip()
    return f"{label} {error}" if label.endswith(("?", ".", ")")) else f"{label}: {error}"


@register.inclusion_tag("common/_error_summary.html", takes_context=True)
def error_summary(context):
    """Every problem on the page's refused forms, in the order the fields appear."""
    problems, seen = [], set()
    for value in context.flatten().values():
        for found in _forms_in(value):
            if id(found) in seen or not found.is_bound:
                continue
            seen.add(id(found))
            if isinstance(found, BaseFormSet):
                problems += [{"text": error, "anchor": ""} for error in found.non_form_errors()]
                for member in found.forms:
                    problems += list(_problems(member))
            else:
                problems += list(_problems(found))
    return {"problems": problems}
