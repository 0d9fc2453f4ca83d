"""Local timescales (admin-edited, seeded with the statutory defaults) and local closure days.

A timescale is read when a meeting is scheduled and its result is stored on the meeting, so a later
change applies only to meetings scheduled after it.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models

from .. import workdays


class ClosureDay(models.Model):
    """A day the partnership's offices are closed (not a bank holiday): not a working day."""

    day = models.DateField(unique=True)
    description = models.CharField(max_length=100, help_text="For example 'Council office closure'.")

    class Meta:
        ordering = ["day"]
        verbose_name = "local closure day"

    def __str__(self) -> str:
        return f"{self.day:%d %b %Y}: {self.description}"


class Timescale(models.Model):
    class Key(models.TextChoices):
        INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"
        FIRST_REVIEW_CONFERENCE = "first_review_conference", "First review child protection conference"
        REVIEW_CONFERENCE = "review_conference", "Later review child protection conferences"
        FIRST_CORE_GROUP = "first_core_group", "First core group"
        CORE_GROUP = "core_group", "Later core groups"
        ASSESSMENT = "assessment", "Assessment"
        CIN_REVIEW = "cin_review", "Child-in-need reviews"
        EARLY_HELP_REVIEW = "early_help_review", "Early-help reviews"
        CP_VISIT = "cp_visit", "Child protection visits"
        CIN_VISIT = "cin_visit", "Child-in-need visits"
        SUPERVISION = "supervision", "Case supervision"
        CLOSING_REVIEW = "closing_review", "Closing review before closure or transfer"

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", "working days"
        MONTHS = "months", "calendar months"

    class Source(models.TextChoices):
        STATUTORY = "statutory", "Statutory (Working Together 2023)"
        LOCAL = "local", "Local"

    key = models.CharField(max_length=40, choices=Key.choices, unique=True, editable=False)
    amount = models.PositiveSmallIntegerField(
        help_text="How many working days or calendar months. A change applies to meetings scheduled after it: "
                  "meetings already scheduled keep their date.")
    unit = models.CharField(max_length=20, choices=Unit.choices)
    counted_from = models.CharField(max_length=200, help_text="What the time is counted from.")
    source = models.CharField(max_length=20, choices=Source.choices, editable=False,
                              help_text="Where the default came from.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.describe()}"

    def describe(self) -> str:
        unit = self.get_unit_display()
        if self.amount == 1:
            unit = unit.removesuffix("s")
        return f"{self.amount} {unit}"

    def clean(self) -> None:
        if self.amount < 1:
            raise ValidationError({"amount": "A timescale must be at least 1."})
        if self.key == self.Key.CLOSING_REVIEW and self.unit != self.Unit.WORKING_DAYS:
            raise ValidationError({"unit": "The closing-review window is counted in working days."})

    def due_from(self, start: date, *, cal: "workdays.WorkingCalendar") -> tuple[date, str]:
        """The due date counted from `start`, and how it was worked out, in words for the screen."""
        basis = f"{self.describe()} after {workdays.uk(start)}"
        if self.unit == self.Unit.WORKING_DAYS:
            return cal.add_working_days(start, self.amount), basis
        nominal = workdays.months_later(start, self.amount)
        due = cal.previous_working_day(nominal)
        if due != nominal:
            basis += f" ({workdays.uk(nominal)} is not a working day, so the working day before)"
        return due, basis
