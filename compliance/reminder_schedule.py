"""When to remind of an obligation: the reminder schedule (docs/DOMAIN.md section 5) as data.

Stages of a dated obligation: 5 working days before its due day, 1 working day before, on the
due day, the first day it is overdue, then once a week while it stays overdue. A standing duty
(no due date, e.g. a prefecture without a collection point) is reminded once a week while it is
open, on the first working day of the week. The stage an obligation is in on a date is a pure
function of its due date, that date and the calendar.

Each open obligation also carries the date its next stage begins (`first_reminder_on` when it
arises, `next_reminder_on` once a stage went out). The sweep reads only obligations whose date
has come, so its cost follows the reminders due, not the obligations open; sweeping late (a
missed day) sends the latest stage only, never a backlog of stale ones, and a due date moved by
a calendar load simply sets a new date.
"""

from __future__ import annotations

from datetime import date, timedelta

from msgspec import Struct

from compliance.calendar import WorkingDayCalendar


class ReminderPolicy(Struct, frozen=True):
    """An enterprise's schedule; the default is docs/DOMAIN.md section 5."""

    working_days_before: tuple[int, ...] = (5, 1)
    on_due_day: bool = True
    overdue_every_days: int = 7

    def __post_init__(self) -> None:
        if any(n < 1 for n in self.working_days_before):
            raise ValueError("reminders before the due day need at least 1 working day")
        if self.overdue_every_days < 1:
            raise ValueError("overdue reminders need a period of at least 1 day")


DEFAULT_POLICY = ReminderPolicy()


class Stage(Struct, frozen=True):
    """A reminder stage: `key` is stable (recorded as sent), `kind` is what the email says."""

    key: str
    kind: str  # "BEFORE", "DUE", "OVERDUE", or "STANDING" for a duty without a due date
    working_days_left: int  # > 0 before the due day, 0 on it, < 0 overdue (working days late)
    days_overdue: int = 0  # calendar days past the due day


def stage_on(
    due: date,
    today: date,
    calendar: WorkingDayCalendar,
    policy: ReminderPolicy = DEFAULT_POLICY,
) -> Stage | None:
    """The stage an obligation due on `due` is in on `today`, or None when no reminder applies
    yet (further away than the earliest reminder)."""
    if today > due:
        days = (today - due).days
        period = (days - 1) // policy.overdue_every_days
        late = -calendar.working_days_between(due, today)
        return Stage(f"OVERDUE+{period}", "OVERDUE", min(late, -1), days)
    if today == due:
        return Stage("DUE", "DUE", 0) if policy.on_due_day else None
    left = calendar.working_days_between(today, due)
    # The tightest threshold reached: with (5, 1), 1 working day left is T-1, 2 to 5 is T-5.
    reached = [n for n in sorted(policy.working_days_before) if left <= n]
    if not reached:
        return None
    return Stage(f"T-{reached[0]}", "BEFORE", left)


def first_working_day_of_week(day: date, calendar: WorkingDayCalendar) -> date | None:
    """The first working day of the Monday-to-Sunday week holding `day` (None for a week of
    holidays, such as Spring Festival's)."""
    monday = day - timedelta(days=day.weekday())
    for offset in range(7):
        candidate = monday + timedelta(days=offset)
        if calendar.is_working_day(candidate):
            return candidate
    return None


def _standing_day_from(day: date, calendar: WorkingDayCalendar) -> date:
    """The first week-opening working day on or after `day`."""
    week = day - timedelta(days=day.weekday())
    while True:
        first = first_working_day_of_week(week, calendar)
        if first is not None and first >= day:
            return first
        week += timedelta(days=7)


def standing_stage(today: date, calendar: WorkingDayCalendar) -> Stage:
    """The weekly stage of a standing duty on `today`, keyed by the week it belongs to."""
    year, week, _ = today.isocalendar()
    return Stage(f"WEEK:{year}-W{week:02d}", "STANDING", 0)


def stage_for(
    due: date | None,
    today: date,
    calendar: WorkingDayCalendar,
    policy: ReminderPolicy = DEFAULT_POLICY,
) -> Stage | None:
    """The stage of an obligation due on `due` (None: a standing duty) on `today`."""
    if due is None:
        return standing_stage(today, calendar)
    return stage_on(due, today, calendar, policy)


def next_reminder_on(
    due: date | None,
    after: date,
    calendar: WorkingDayCalendar,
    policy: ReminderPolicy = DEFAULT_POLICY,
) -> date:
    """The first day after `after` on which the obligation enters another stage: the day its
    next reminder is due. Every stage of `stage_on` begins on such a day; none is skipped."""
    if due is None:
        return _standing_day_from(after + timedelta(days=1), calendar)
    if after >= due:
        days = (after - due).days
        if days == 0:
            return due + timedelta(days=1)
        period = (days - 1) // policy.overdue_every_days
        return due + timedelta(days=1 + policy.overdue_every_days * (period + 1))
    starts = [calendar.first_day_within(due, n) for n in policy.working_days_before]
    starts.append(due if policy.on_due_day else due + timedelta(days=1))
    return min(start for start in starts if start > after)


def first_reminder_on(
    due: date | None,
    today: date,
    calendar: WorkingDayCalendar,
    policy: ReminderPolicy = DEFAULT_POLICY,
) -> date:
    """The day an obligation arising (or rescheduled) on `today` is first reminded of: today
    when it is already in a stage, else the day its first stage begins. A standing duty waits
    for the first working day of a week."""
    if due is None:
        return _standing_day_from(today, calendar)
    if stage_on(due, today, calendar, policy) is not None:
        return today
    return next_reminder_on(due, today, calendar, policy)
