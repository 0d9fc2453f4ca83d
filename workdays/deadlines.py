"""The one rule for "due soon / due today / overdue", used for every dated thing (meetings, plan
outcomes and actions, supervision) on the case page and, later, dashboards and monitoring jobs."""

from dataclasses import dataclass
from datetime import date

from workdays import calendar as workdays

DUE_SOON_WORKING_DAYS = 5


@dataclass(frozen=True)
class DueStatus:
    key: str  # stable, for code and tests: done, no_date, overdue, due_today, due_soon, not_due
    label: str  # words shown beside the colour, so colour is never the only signal
    colour: str  # Bootstrap contextual colour for a badge: text-bg-<colour>

    @property
    def is_overdue(self) -> bool:
        return self.key == "overdue"

    @property
    def short(self) -> str:
        """The badge's words where the sentence beside it says how late or how soon (`due_words`)."""
        return SHORT_LABELS.get(self.key, self.label)


SHORT_LABELS = {"overdue": "Overdue", "due_today": "Due today", "due_soon": "Due soon", "not_due": "Not yet due"}


def _working_days(n: int) -> str:
    return f"{n} working day{'' if n == 1 else 's'}"


def due_words(due_on: date, today: date, *, cal: workdays.WorkingCalendar | None = None) -> str:
    """When a dated thing is due, in words and working days: "overdue since 30 Oct 2025 (275 working days)",
    "due today, 3 Dec 2026", "due 10 Dec 2026 (in 5 working days)". Working days because the timescales
    a manager is held to are counted in them (docs/practice.md, "Working days")."""
    if due_on < today:
        late = workdays.working_days_between(due_on, today, cal=cal)
        # Due on a weekend or holiday just gone: late, though no working day has passed yet.
        return f"overdue since {workdays.uk(due_on)} ({_working_days(late) if late else 'less than a working day'})"
    if due_on == today:
        return f"due today, {workdays.uk(due_on)}"
    ahead = workdays.working_days_between(today, due_on, cal=cal)
    return f"due {workdays.uk(due_on)} ({'in ' + _working_days(ahead) if ahead else 'in less than a working day'})"


def due_status(
    due_on: date | None,
    today: date,
    done: bool = False,
    soon_wd: int = DUE_SOON_WORKING_DAYS,
    *,
    cal: workdays.WorkingCalendar | None = None,
) -> DueStatus:
    """How urgent a dated thing is today. "Due soon" is within `soon_wd` working days."""
    if done:
        return DueStatus("done", "Done", "success")
    if due_on is None:
        return DueStatus("no_date", "No date set", "secondary")
    if due_on < today:
        late = workdays.working_days_between(due_on, today, cal=cal)
        if late == 0:  # due on a weekend or holiday just gone: late, though no working day has passed
            return DueStatus("overdue", "Overdue", "danger")
        return DueStatus("overdue", f"Overdue by {late} working day{'s' if late != 1 else ''}", "danger")
    if due_on == today:
        return DueStatus("due_today", "Due today", "warning")
    if workdays.working_days_between(today, due_on, cal=cal) <= soon_wd:
        return DueStatus("due_soon", "Due soon", "info")
    return DueStatus("not_due", "Not yet due", "light")
