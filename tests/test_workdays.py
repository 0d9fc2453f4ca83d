"""The working-day calendar and the due-status rule: dates worked out by hand (docs/practice.md, "Working days"),
then properties that must hold for any start date and any number of working days."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import ClosureDayFactory
from workdays import calendar as workdays
from workdays.calendar import WorkingCalendar
from workdays.deadlines import due_status

CAL = WorkingCalendar()

# (start, working days to add, expected due date, why). Worked out by hand from the calendar:
# 25 Dec 2026 is a Friday, Boxing Day (Sat 26) is substituted on Mon 28 Dec 2026, 1 Jan 2027 is a Friday,
# Easter 2027 is Good Friday 26 Mar and Easter Monday 29 Mar, May bank holidays 2027 are 3 and 31 May.
ADD_WORKING_DAYS = [
    (date(2026, 12, 23), 1, date(2026, 12, 24), "an ordinary day before Christmas"),
    (date(2026, 12, 24), 1, date(2026, 12, 29), "skips 25 Dec, the weekend and the substitute 28 Dec"),
    (date(2026, 12, 26), 1, date(2026, 12, 29), "a non-working start still counts from the next working day"),
    (date(2026, 12, 31), 1, date(2027, 1, 4), "skips New Year's Day (Friday) and the weekend"),
    (date(2026, 12, 18), 15, date(2027, 1, 13), "ICPC: 15 WD across Christmas and New Year"),
    (date(2026, 12, 21), 10, date(2027, 1, 7), "first core group: 10 WD across Christmas"),
    (date(2026, 12, 1), 45, date(2027, 2, 5), "assessment: 45 WD"),
    (date(2027, 3, 25), 1, date(2027, 3, 30), "skips Good Friday, the weekend and Easter Monday"),
    (date(2027, 3, 22), 15, date(2027, 4, 14), "ICPC across Easter"),
    (date(2027, 3, 25), 10, date(2027, 4, 12), "core group across Easter"),
    (date(2026, 4, 2), 1, date(2026, 4, 7), "Easter 2026: Good Friday 3 Apr and Easter Monday 6 Apr"),
    (date(2026, 5, 1), 1, date(2026, 5, 5), "early May bank holiday 2026 (Mon 4 May)"),
    (date(2026, 5, 22), 1, date(2026, 5, 26), "spring bank holiday 2026 (Mon 25 May)"),
    (date(2027, 4, 30), 1, date(2027, 5, 4), "early May bank holiday 2027 (Mon 3 May)"),
    (date(2027, 5, 28), 1, date(2027, 6, 1), "spring bank holiday 2027 (Mon 31 May)"),
    (date(2027, 12, 23), 3, date(2027, 12, 30), "skips the substitutes on 27 and 28 Dec 2027"),
    (date(2022, 6, 1), 1, date(2022, 6, 6), "one-off days: Platinum Jubilee 2 and 3 Jun 2022"),
    (date(2022, 9, 16), 1, date(2022, 9, 20), "one-off day: the Queen's funeral, 19 Sep 2022"),
    (date(2026, 12, 24), 0, date(2026, 12, 24), "adding nothing is the start itself"),
]


@pytest.mark.parametrize("start, n, expected, why", ADD_WORKING_DAYS)
def test_add_working_days_known_dates(start, n, expected, why):
    assert CAL.add_working_days(start, n) == expected, why
    assert CAL.working_days_between(start, expected) == n, why


@pytest.mark.parametrize(
    "start, months, expected, why",
    [
        (date(2026, 12, 21), 3, date(2027, 3, 19), "RCPC: 21 Mar 2027 is a Sunday, so back to Friday 19 Mar"),
        (date(2026, 9, 29), 3, date(2026, 12, 29), "29 Dec 2026 is a working day"),
        (date(2026, 9, 28), 3, date(2026, 12, 24), "28 Dec 2026 is the Boxing Day substitute: back past Christmas"),
        (date(2026, 1, 31), 1, date(2026, 2, 27), "clamped to 28 Feb 2026 (a Saturday), then back to Friday"),
        (date(2027, 3, 19), 6, date(2027, 9, 17), "later RCPC: 19 Sep 2027 is a Sunday"),
        (date(2027, 11, 30), 3, date(2028, 2, 29), "clamped to 29 Feb in a leap year"),
    ],
)
def test_add_months_clamps_and_moves_back(start, months, expected, why):
    assert CAL.add_months(start, months) == expected, why


def test_counting_back_across_christmas():
    assert CAL.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4  # 29, 30, 31 Dec, 4 Jan
    assert CAL.working_days_between(date(2027, 1, 4), date(2026, 12, 24)) == -4
    assert CAL.working_days_between(date(2026, 12, 25), date(2026, 12, 28)) == 0


@pytest.mark.django_db
def test_local_closure_day_is_not_a_working_day():
    ClosureDayFactory(day=date(2027, 1, 4))
    workdays.forget_local_closures()
    assert workdays.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 5)
    assert workdays.working_days_between(date(2026, 12, 31), date(2027, 1, 5)) == 1
    workdays.forget_local_closures()


DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=DATES, n=st.integers(min_value=0, max_value=400))
def test_adding_then_counting_back_gives_n(start, n):
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@settings(max_examples=300, deadline=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=400))
def test_result_is_never_a_weekend_or_bank_holiday(start, n):
    due = CAL.add_working_days(start, n)
    assert due.weekday() < 5
    assert due not in workdays.bank_holidays(due.year)
    assert due > start


@settings(max_examples=300, deadline=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=200), data=st.data())
def test_adding_across_a_local_closure_day_skips_it(start, n, data):
    without = CAL.add_working_days(start, n)
    closed = CAL.add_working_days(start, data.draw(st.integers(min_value=1, max_value=n)))
    with_closure = WorkingCalendar([closed])
    due = with_closure.add_working_days(start, n)
    assert due == CAL.add_working_days(without, 1)  # one day later, because one day was lost
    assert due != closed and not with_closure.is_working_day(closed)
    assert with_closure.working_days_between(start, due) == n


@settings(max_examples=200, deadline=None)
@given(start=DATES, months=st.integers(min_value=1, max_value=24))
def test_month_due_dates_are_working_days_never_after_the_month_date(start, months):
    due = CAL.add_months(start, months)
    assert CAL.is_working_day(due)
    assert due <= workdays.months_later(start, months)


TODAY = date(2026, 12, 23)  # a Wednesday


@pytest.mark.parametrize(
    "due_on, done, key, label, colour",
    [
        (None, False, "no_date", "No date set", "secondary"),
        (date(2026, 12, 1), True, "done", "Done", "success"),
        (date(2026, 12, 22), False, "overdue", "Overdue by 1 working day", "danger"),
        (date(2026, 12, 18), False, "overdue", "Overdue by 3 working days", "danger"),
        (TODAY, False, "due_today", "Due today", "warning"),
        (date(2026, 12, 24), False, "due_soon", "Due soon", "info"),
        (date(2027, 1, 4), False, "due_soon", "Due soon", "info"),  # 24, 29, 30, 31 Dec, 4 Jan: 5 working days
        (date(2027, 1, 5), False, "not_due", "Not yet due", "light"),
    ],
)
def test_due_status(due_on, done, key, label, colour):
    status = due_status(due_on, TODAY, done=done, cal=CAL)
    assert (status.key, status.label, status.colour) == (key, label, colour)


def test_due_on_a_holiday_just_gone_is_overdue():
    status = due_status(date(2026, 12, 27), date(2026, 12, 28), cal=CAL)  # due Sunday, today a bank holiday
    assert status.key == "overdue" and status.label == "Overdue"


@settings(max_examples=300, deadline=None)
@given(start=DATES, end=DATES, closures=st.lists(DATES, max_size=5))
def test_counting_matches_walking_day_by_day(start, end, closures):
    """The arithmetic count agrees with the plain definition: working days after start, up to end."""
    cal = WorkingCalendar(closures)
    low, high = min(start, end), max(start, end)
    walked = sum(1 for offset in range(1, (high - low).days + 1) if cal.is_working_day(low + timedelta(days=offset)))
    assert cal.working_days_between(start, end) == (walked if end >= start else -walked)


@pytest.mark.parametrize("n", [0, 1, 5, 20, 40])
@pytest.mark.parametrize("start", [date(2026, 12, 29), date(2026, 12, 26), date(2027, 4, 5), date(2027, 6, 14)])
def test_subtract_working_days_mirrors_add_working_days(start, n):
    """One convention both ways (monitoring and escalations count back with it): the day n working days
    before a working day, counted forward again, is that day; and it is exactly n working days before."""
    cal = WorkingCalendar(frozenset())
    back = cal.subtract_working_days(start, n)
    if n == 0:
        assert back == start
        return
    assert cal.is_working_day(back)
    # Working days after `back` up to `start`: the n - 1 passed over, and `start` itself if it is one.
    assert cal.working_days_between(back, start) == n - 1 + cal.is_working_day(start)
    if cal.is_working_day(start):
        assert cal.add_working_days(back, n) == start
