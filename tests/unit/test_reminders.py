"""The reminder schedule: which stage an obligation is in on a day, and the horizon a sweep
reads. Properties over random due, fulfilment and sweep dates prove that each stage goes out at
most once, nothing goes out after fulfilment or waiver, and overdue starts exactly the day
after the due day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.calendar import default_calendar
from compliance.reminders import DEFAULT_POLICY, ReminderPolicy, horizon_end, stage_on

CALENDAR = default_calendar()
DAYS = st.dates(date(2025, 1, 1), date(2026, 12, 1))


def test_the_stages_before_on_and_after_the_due_day() -> None:
    # Given an upload due Thursday 2026-10-15, after the National Day holidays (10-01..07 rest,
    # Saturday 10-10 a make-up working day),
    due = date(2026, 10, 15)
    keys = {
        day: (stage.key if (stage := stage_on(due, date(2026, *day), CALENDAR)) else None)
        for day in ((9, 30), (10, 8), (10, 9), (10, 14), (10, 15), (10, 16), (10, 22), (10, 23))
    }
    # Then: on 10-08 six working days are left (09, 10, 12, 13, 14, 15): no reminder yet;
    # T-5 from 10-09, T-1 on 10-14, DUE on the day, then OVERDUE once a week.
    assert keys == {
        (9, 30): None,
        (10, 8): None,
        (10, 9): "T-5",
        (10, 14): "T-1",
        (10, 15): "DUE",
        (10, 16): "OVERDUE+0",
        (10, 22): "OVERDUE+0",
        (10, 23): "OVERDUE+1",
    }


def test_a_make_up_saturday_counts_as_a_working_day_left() -> None:
    # On Friday 2026-10-09, 10-10 (make-up), 12, 13, 14 and 15 leave 5 working days.
    stage = stage_on(date(2026, 10, 15), date(2026, 10, 9), CALENDAR)
    assert stage is not None
    assert stage.working_days_left == 5


def test_the_horizon_is_the_furthest_reminder_ahead() -> None:
    # A sweep on 2026-09-29 must see what is due up to 5 working days later, across the
    # holidays: 09-30, 10-08, 10-09, 10-10 (make-up), 10-12.
    assert horizon_end(date(2026, 9, 29), CALENDAR, DEFAULT_POLICY) == date(2026, 10, 12)


def _sent_over(due: date, start: date, stop: date) -> list[str]:
    """The stages a daily sweep would send from `start` to `stop` (inclusive)."""
    sent: list[str] = []
    day = start
    while day <= stop:
        stage = stage_on(due, day, CALENDAR)
        if stage is not None and stage.key not in sent:
            sent.append(stage.key)
        day += timedelta(days=1)
    return sent


@given(due=DAYS, sweeps_from=st.integers(0, 40), closed_after=st.integers(-30, 60))
def test_each_stage_goes_out_at_most_once_and_in_order(
    due: date, sweeps_from: int, closed_after: int
) -> None:
    # Given daily sweeps from some day before the due day until the obligation is closed,
    start = due - timedelta(days=sweeps_from)
    closed = due + timedelta(days=closed_after)
    sent = _sent_over(due, start, closed - timedelta(days=1))
    # Then no stage repeats, and the stages appear in the schedule's order.
    assert len(sent) == len(set(sent))
    order = ["T-5", "T-1", "DUE"] + [f"OVERDUE+{n}" for n in range(100)]
    assert sent == sorted(sent, key=order.index)


@given(due=DAYS, offset=st.integers(-20, 20))
def test_overdue_begins_exactly_the_day_after_the_due_day(due: date, offset: int) -> None:
    day = due + timedelta(days=offset)
    stage = stage_on(due, day, CALENDAR)
    is_overdue = stage is not None and stage.kind == "OVERDUE"
    assert is_overdue == (offset >= 1)
    if offset >= 1:
        assert stage is not None
        assert stage.days_overdue == offset
        assert stage.working_days_left < 0


@given(due=DAYS)
def test_every_dated_obligation_gets_its_due_day_reminder(due: date) -> None:
    assert _sent_over(due, due - timedelta(days=30), due)[-1] == "DUE"


def test_a_custom_policy_is_validated() -> None:
    with pytest.raises(ValueError, match="at least 1 working day"):
        ReminderPolicy(working_days_before=(0,))
    with pytest.raises(ValueError, match="at least 1 day"):
        ReminderPolicy(overdue_every_days=0)
