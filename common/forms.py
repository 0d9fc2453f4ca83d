"""Form building blocks every app uses: the safe date field, the one-time token, the version seen.

Dates are typed as day, month and year in three boxes (the GOV.UK date input pattern), never in a native
date picker: Chromium's picker read "01/12/2026" typed by a UK user as 12 January 2026 and saved it
without a word. The field reads the date back in words ("Tuesday 1 December 2026") as it is typed and
when the form is shown again, refuses what cannot be right (before 1900, in the future for something that
has happened) and asks for a second look at a date more than a year ago (docs/practice.md, "Dates").
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import timezone

from .dates import in_words, with_weekday

EARLIEST_YEAR = 1900
OLD_AFTER_DAYS = 365  # A date further back than this is asked about once before it is saved.


@dataclass(frozen=True)
class DateParts:
    """What was typed in the three boxes, as typed, and whether an old date was confirmed."""

    day: str = ""
    month: str = ""
    year: str = ""
    confirmed: bool = False

    @property
    def empty(self) -> bool:
        return not (self.day or self.month or self.year)


class DateWidget(forms.MultiWidget):
    """Day, month and year boxes in a fieldset, the date read back in words under them, and, once a date
    more than a year ago has been questioned, a box to tick to say it is right."""

    template_name = "common/widgets/date.html"
    use_fieldset = True

    def __init__(self, attrs=None):
        def box(size: int, part: str) -> forms.TextInput:
            return forms.TextInput(attrs={"inputmode": "numeric", "maxlength": size, "class": f"date-input-{part}"})

        super().__init__({"day": box(2, "day"), "month": box(2, "month"), "year": box(4, "year")}, attrs)
        self.ask_to_confirm = False  # set on this form's copy of the widget when an old date is questioned

    def decompress(self, value):
        if isinstance(value, DateParts):
            return [value.day, value.month, value.year]
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value:
            parsed = parse_single(value)
            if parsed:
                return [str(parsed.day), str(parsed.month), str(parsed.year)]
        return ["", "", ""]

    def value_from_datadict(self, data, files, name):
        parts = [data.get(f"{name}{suffix}", "") for suffix in self.widgets_names]
        if not any(parts) and data.get(name):
            # One value under the field's own name: an ISO date from a script, a test or an old link.
            return data.get(name)
        day, month, year = (str(part).strip() for part in parts)
        return DateParts(day, month, year, confirmed=bool(data.get(f"{name}_confirmed")))

    def value_omitted_from_data(self, data, files, name):
        return name not in data and all(f"{name}{suffix}" not in data for suffix in self.widgets_names)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = value if isinstance(value, date) else to_date_or_none(value)
        confirmed = isinstance(value, DateParts) and value.confirmed
        context["widget"].update(
            in_words=with_weekday(shown) if shown else "",
            ask_to_confirm=self.ask_to_confirm or confirmed,
            confirmed=confirmed,
            confirmed_name=f"{name}_confirmed",
            first_id=context["widget"]["subwidgets"][0]["attrs"].get("id", ""),
        )
        labels = ("Day", "Month", "Year")
        for subwidget, label in zip(context["widget"]["subwidgets"], labels, strict=True):
            subwidget["label"] = label
        return context

    def id_for_label(self, id_):
        # The error summary's link for this field goes to the day box, where correcting it starts; the
        # group is named by its legend and each box by its own label.
        return f"{id_}_0" if id_ else id_


def parse_single(text: str) -> date | None:
    """A date given as one value: ISO (2026-12-01) or day first (1/12/2026, 1-12-2026)."""
    text = text.strip()
    for separator in ("-", "/"):
        pieces = text.split(separator)
        if len(pieces) == 3 and all(piece.isdigit() for piece in pieces):
            if len(pieces[0]) == 4:
                year, month, day = pieces
            else:
                day, month, year = pieces
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                return None
    return None


def to_date_or_none(value) -> date | None:
    try:
        return DateField().to_python(value)
    except forms.ValidationError:
        return None


class DateField(forms.Field):
    """A date typed as day, month and year.

    `past=True` for something that has happened: a date after today is refused. `ask_if_old=True` asks once
    about a date more than a year ago (the person ticks "Yes, the date is right" and saves again); only a
    changed date is asked about, so a form showing an old date already saved saves without the question.
    """

    widget = DateWidget
    default_error_messages = {
        "required": "Enter the date.",
        "incomplete": "The date must include a {missing}.",
        "invalid": "Enter a real date, for example 27 3 2026.",
        "year": "The year must have 4 numbers, for example 2026.",
        "too_early": "The date must be in 1900 or later.",
        "future": "The date must be today or in the past (today is {today}).",
    }

    def __init__(self, *, past: bool = False, ask_if_old: bool = False, **kwargs):
        self.past = past
        self.ask_if_old = ask_if_old
        super().__init__(**kwargs)

    def to_python(self, value) -> date | None:
        if value in self.empty_values or (isinstance(value, DateParts) and value.empty):
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            parsed = parse_single(value)
            if parsed is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return parsed
        value = DateParts(value.day.strip(), value.month.strip(), value.year.strip(), value.confirmed)
        missing = [
            name for name, part in zip(("day", "month", "year"), (value.day, value.month, value.year)) if not part
        ]
        if missing:
            raise forms.ValidationError(
                self.error_messages["incomplete"].format(missing=" and ".join(missing)), code="incomplete"
            )
        if not (value.day.isdigit() and value.month.isdigit() and value.year.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(value.year) != 4:
            raise forms.ValidationError(self.error_messages["year"], code="year")
        try:
            return date(int(value.year), int(value.month), int(value.day))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if value.year < EARLIEST_YEAR:
            raise forms.ValidationError(self.error_messages["too_early"], code="too_early")
        today = timezone.localdate()
        if self.past and value > today:
            raise forms.ValidationError(self.error_messages["future"].format(today=in_words(today)), code="future")

    def is_questionable(self, value: date | None, typed) -> bool:
        """Whether to ask about this date before saving it: old, and not yet confirmed."""
        # Only a date typed into the boxes is questioned: one ISO value posted under the field's name
        # comes from a script or a test, which means what it sends.
        if not self.ask_if_old or value is None or not isinstance(typed, DateParts) or typed.confirmed:
            return False
        return value < timezone.localdate() - timedelta(days=OLD_AFTER_DAYS)


class PortalForm(forms.Form):
    """The portal's base form: after the usual checks, asks once about any changed date more than a year
    ago. The question is an error on the field, so nothing is saved until the date is confirmed."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        for name in self.changed_data:
            field = self.fields[name]
            if not isinstance(field, DateField) or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if field.is_questionable(value, self[name].data):
                field.widget.ask_to_confirm = True
                self.add_error(
                    name,
                    forms.ValidationError(
                        f"{with_weekday(value)} is more than a year ago. If that is right, tick "
                        "“Yes, the date is right” and save again.",
                        code="old",
                    ),
                )


class OnceOnlyForm(PortalForm):
    """Carries a one-time token so that posting the same form twice saves it once.

    Every page renders the token; a post without one (not from our pages) is simply not protected.
    """

    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)

    def values(self) -> dict:
        """What the person entered, for the service: the cleaned data without the token."""
        return {name: value for name, value in self.cleaned_data.items() if name != "submission_token"}


class VersionedForm(PortalForm):
    """Carries the version the user saw, so a stale save is refused instead of overwriting."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
