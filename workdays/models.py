"""Local closure days: days the partnership's offices are closed (not bank holidays), kept by administrators.

The calendar (workdays/calendar.py) reads them; they are not working days.
"""

from django.db import models


class ClosureDay(models.Model):
    """A day the partnership's offices are closed (not a bank holiday): not a working day."""

    day = models.DateField(unique=True)
    description = models.CharField(max_length=100, help_text="For example 'Council office closure'.")

    class Meta:
        db_table = "cases_closureday"  # the table kept its name when the model left cases
        ordering = ["day"]
        verbose_name = "local closure day"

    def __str__(self) -> str:
        return f"{self.day:%d %b %Y}: {self.description}"
