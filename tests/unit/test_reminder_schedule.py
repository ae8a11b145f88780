"""The reminder schedule: which stage an obligation is in on a day, and the date its next
reminder is due (what the sweep's index is keyed by). Properties over random due and sweep
dates prove that each stage goes out at most once, that following the reminder dates meets
every stage a day-by-day walk meets, and that overdue starts exactly the day after the due
day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.calendar import default_calendar
from compliance.reminder_schedule import (
    ReminderPolicy,
    first_reminder_on,
    first_working_day_of_week,
    next_reminder_on,
    stage_for,
    stage_on,
)

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


# --- the next reminder date (what the sweep's index is keyed by) -------------------------------

NEAR = st.integers(-40, 40)


def _key(due: date | None, day: date) -> str | None:
    stage = stage_for(due, day, CALENDAR)
    return stage.key if stage else None


@given(due=DAYS, offset=NEAR)
def test_the_next_reminder_is_the_first_day_whose_stage_differs(due: date, offset: int) -> None:
    # Given an obligation due on `due`, looked at on a day up to 40 days either side,
    after = due + timedelta(days=offset)
    # When its next reminder date is asked for,
    following = next_reminder_on(due, after, CALENDAR)
    # Then it is later, the stage changes on it, and no day before it changes the stage.
    assert following > after
    assert _key(due, following) is not None
    assert _key(due, following) != _key(due, after)
    day = after + timedelta(days=1)
    while day < following:
        assert _key(due, day) == _key(due, after), day
        day += timedelta(days=1)


@given(due=DAYS, offset=NEAR)
def test_the_first_reminder_is_today_in_a_stage_else_the_day_the_first_stage_begins(
    due: date, offset: int
) -> None:
    # Given an obligation arising `offset` days before its due day (negative: after it),
    today = due - timedelta(days=offset)
    # When its first reminder date is set,
    first = first_reminder_on(due, today, CALENDAR)
    # Then a stage applies on it, and on no day from today until then.
    assert first >= today
    assert _key(due, first) is not None
    day = today
    while day < first:
        assert _key(due, day) is None, day
        day += timedelta(days=1)


@given(due=DAYS, offset=st.integers(0, 30))
def test_following_the_schedule_sends_every_stage_once_in_order(due: date, offset: int) -> None:
    # Given an obligation arising `offset` days before its due day,
    today = due - timedelta(days=offset)
    end = due + timedelta(days=30)
    # When the sweep follows its reminder dates until a month after the due day,
    visited: list[str | None] = []
    day = first_reminder_on(due, today, CALENDAR)
    while day <= end:
        visited.append(_key(due, day))
        day = next_reminder_on(due, day, CALENDAR)
    # Then it meets exactly the distinct stages a day-by-day walk meets, in the same order.
    walked: list[str | None] = []
    day = today
    while day <= end:
        key = _key(due, day)
        if key is not None and (not walked or walked[-1] != key):
            walked.append(key)
        day += timedelta(days=1)
    assert visited == walked


def test_the_national_day_week_moves_t5_to_the_working_day_before_the_holidays() -> None:
    # Given an upload due Thursday 2026-10-15 (10-01..07 rest, Saturday 10-10 a make-up day),
    due = date(2026, 10, 15)
    # Then it arising on 2026-09-20 is first reminded 10-09 (T-5), then 10-14, 10-15, 10-16.
    first = first_reminder_on(due, date(2026, 9, 20), CALENDAR)
    second = next_reminder_on(due, first, CALENDAR)
    third = next_reminder_on(due, second, CALENDAR)
    fourth = next_reminder_on(due, third, CALENDAR)
    fifth = next_reminder_on(due, fourth, CALENDAR)
    assert (first, second, third, fourth, fifth) == (
        date(2026, 10, 9),
        date(2026, 10, 14),
        date(2026, 10, 15),
        date(2026, 10, 16),
        date(2026, 10, 23),
    )


@given(day=DAYS)
def test_a_standing_duty_is_reminded_on_the_first_working_day_of_each_week(day: date) -> None:
    # Given a standing duty (no due date) arising on `day`,
    first = first_reminder_on(None, day, CALENDAR)
    second = next_reminder_on(None, first, CALENDAR)
    # Then each reminder falls on the first working day of its week, weeks apart, never twice
    # in one week, and the first is the first such day from `day` on.
    for reminder in (first, second):
        assert reminder == first_working_day_of_week(reminder, CALENDAR)
    assert first >= day
    assert second.isocalendar()[:2] != first.isocalendar()[:2]
    assert (second - first).days >= 7 - first.weekday()
    assert _key(None, first) != _key(None, second)


def test_a_week_of_spring_festival_holidays_has_no_standing_reminder() -> None:
    # Given the 2026 Spring Festival week (Monday 02-16 to Sunday 02-22 all rest days),
    assert first_working_day_of_week(date(2026, 2, 18), CALENDAR) is None
    # When a standing duty's reminder follows the one of the week before,
    following = next_reminder_on(None, date(2026, 2, 9), CALENDAR)
    # Then it skips to the first working day after the holidays' week.
    assert following == first_working_day_of_week(date(2026, 2, 23), CALENDAR)
    assert following is not None
    assert following >= date(2026, 2, 23)


@given(end=DAYS, n=st.integers(0, 10))
def test_first_day_within_is_where_at_most_n_working_days_remain(end: date, n: int) -> None:
    # When the calendar is asked from which day at most n working days remain until `end`,
    start = CALENDAR.first_day_within(end, n)
    # Then from that day on at most n remain, and the day before more than n.
    assert CALENDAR.working_days_between(start, end) <= n
    assert CALENDAR.working_days_between(start - timedelta(days=1), end) > n
