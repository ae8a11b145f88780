"""The working-day calendar in force: the shipped data plus years loaded after deployment.

A year loaded through the API (a new State Council notice, or a correction) is stored with
the calendar version it produced; the calendar is rebuilt by applying the stored years in
that order on top of the shipped data, so every process computes the same version.

Every caller reads the stored loads (one Query), so a year loaded by another process counts at
once: a deadline is never computed from a calendar this process happens to remember. What is
remembered is the build: the same stored loads, key and content, give the same calendar, so a
process that has built it reuses it and applies only loads it has not seen. Stored loads that
differ from the ones it built on in any way (a table restored or re-created) are applied again
from the shipped data.
"""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.transactions import TransactWrite

from compliance.calendar import WorkingDayCalendar, YearSchedule, default_calendar
from compliance.messages import t
from compliance.store.models import CalendarYearItem
from compliance.store.reads import calendar_loads
from compliance.store.rescheduling import progress_items
from compliance.store.transactions import commit

CALENDAR = "CN"


def _schedule(item: CalendarYearItem) -> YearSchedule:
    return YearSchedule(
        year=int(item.year or 0),
        holidays=frozenset(date.fromisoformat(d) for d in item.holidays or ()),
        makeup_workdays=frozenset(date.fromisoformat(d) for d in item.makeup_workdays or ()),
        source=item.source or "",
        announced_on=date.fromisoformat(item.announced_on) if item.announced_on else None,
    )


# The last calendar this process built, with the loads it applied (key and schedule), in order.
_Loads = tuple[tuple[str, YearSchedule], ...]
_built: tuple[_Loads, WorkingDayCalendar] | None = None


def current_calendar() -> WorkingDayCalendar:
    """The calendar in force now (one Query)."""
    global _built
    loads = sorted(
        (i for i in calendar_loads(CALENDAR) if i.sk.startswith("LOAD#")),
        key=lambda i: int(i.calendar_version or 0),
    )
    stored: _Loads = tuple((item.sk, _schedule(item)) for item in loads)
    applied, calendar = _built if _built is not None else ((), default_calendar())
    if stored[: len(applied)] != applied:  # not what was built on: start again from the data
        applied, calendar = (), default_calendar()
    for _, schedule in stored[len(applied) :]:
        calendar = calendar.with_year(schedule)
    _built = stored, calendar
    return calendar


def same_as_loaded(calendar: WorkingDayCalendar, schedule: YearSchedule) -> bool:
    loaded = calendar.schedule(schedule.year)
    return loaded is not None and (
        loaded.holidays == schedule.holidays
        and loaded.makeup_workdays == schedule.makeup_workdays
        and loaded.source == schedule.source
    )


def store_load(
    before: WorkingDayCalendar, schedule: YearSchedule, now: datetime, loaded_by: str
) -> WorkingDayCalendar:
    """Record `schedule` as the next calendar version, with the progress of the rescheduling it
    needs (compliance/store/rescheduling.py), which the caller queues. Two loads racing for the
    same version cannot both succeed: the second gets ConflictError and can retry on the new
    calendar."""
    after = before.with_year(schedule)
    item = CalendarYearItem(
        calendar=CALENDAR,
        sk=f"LOAD#{after.version:06d}",
        year=schedule.year,
        holidays={d.isoformat() for d in schedule.holidays} or None,
        makeup_workdays={d.isoformat() for d in schedule.makeup_workdays} or None,
        source=schedule.source,
        announced_on=schedule.announced_on.isoformat() if schedule.announced_on else None,
        calendar_version=after.version,
        loaded_at=now,
        loaded_by=loaded_by,
    )

    def build(tx: TransactWrite) -> None:
        # New items, version None: saved only if this version is not taken yet.
        tx.save(item)
        for progress in progress_items(after.version, schedule.year, now):
            tx.save(progress)

    commit(build, conflict=t("store.calendar_conflict"))
    return after
