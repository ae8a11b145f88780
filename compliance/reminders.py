"""When to remind whom of an obligation: the reminder schedule (DOMAIN.md section 5) as data.

Stages of one obligation: 5 working days before its due day, 1 working day before, on the due
day, the first day it is overdue, then once a week while it stays overdue. The stage an
obligation is in on a date is a pure function of its due date, that date and the calendar; a
reminder is due when the obligation's current stage has not been sent yet. Sweeping late (a
missed day) therefore sends the latest stage only, never a backlog of stale ones, and a due date
moved by a calendar load simply puts the obligation in another stage.
"""

from __future__ import annotations

from datetime import date

from msgspec import Struct

from compliance.calendar import WorkingDayCalendar


class ReminderPolicy(Struct, frozen=True):
    """An enterprise's schedule; the default is DOMAIN.md section 5."""

    working_days_before: tuple[int, ...] = (5, 1)
    on_due_day: bool = True
    overdue_every_days: int = 7

    def __post_init__(self) -> None:
        if any(n < 1 for n in self.working_days_before):
            raise ValueError("reminders before the due day need at least 1 working day")
        if self.overdue_every_days < 1:
            raise ValueError("overdue reminders need a period of at least 1 day")


DEFAULT_POLICY = ReminderPolicy()

# The most obligations one digest lists. A job is one DynamoDB item (400 KB at most) and one
# email; an enterprise with thousands of deadlines in a week gets several digests ("part 2 of
# 3") rather than none, and each stays readable.
DIGEST_ITEMS_MAX = 200


class Stage(Struct, frozen=True):
    """A reminder stage: `key` is stable (recorded as sent), `kind` is what the email says."""

    key: str
    kind: str  # "BEFORE", "DUE", "OVERDUE"
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


def horizon_end(today: date, calendar: WorkingDayCalendar, policy: ReminderPolicy) -> date:
    """The last due date a sweep on `today` must look at: the day `max(working_days_before)`
    working days ahead. Everything due later is not yet in any stage."""
    furthest = max(policy.working_days_before, default=0)
    return calendar.add_working_days(today, furthest).due_date if furthest else today
