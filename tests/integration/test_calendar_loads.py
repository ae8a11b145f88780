"""The calendar in force (compliance/store/calendars.py): every call reads the stored loads, so
a year loaded elsewhere counts at once, and a process rebuilds only what it has not built; a
load is stored with the progress of the rescheduling it queues, kept apart from the loads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from compliance.calendar import WorkingDayCalendar, YearSchedule, default_calendar
from compliance.store import rescheduling
from compliance.store.calendars import current_calendar, store_load
from compliance.store.reads import calendar_loads
from local.aws import local_aws

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def year_2027(*holidays: str, source: str = "test notice 2027") -> YearSchedule:
    return YearSchedule(
        year=2027,
        holidays=frozenset(date.fromisoformat(d) for d in holidays),
        makeup_workdays=frozenset(),
        source=source,
        announced_on=date(2026, 11, 1),
    )


def built_on_a_2027_load_with_1_march_a_holiday() -> None:
    """In a store of its own, since gone: this process builds the calendar on a stored load."""
    with local_aws():
        store_load(current_calendar(), year_2027("2027-01-01", "2027-03-01"), NOW, "admin")
        assert not current_calendar().is_working_day(date(2027, 3, 1))


def same_working_days(one: WorkingDayCalendar, other: WorkingDayCalendar, year: int) -> bool:
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
    return [one.is_working_day(d) for d in days] == [other.is_working_day(d) for d in days]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The years each `with_year` call applied, in this test."""
    applied: list[int] = []
    original = WorkingDayCalendar.with_year

    def counted(self: WorkingDayCalendar, schedule: YearSchedule) -> WorkingDayCalendar:
        applied.append(schedule.year)
        return original(self, schedule)

    monkeypatch.setattr(WorkingDayCalendar, "with_year", counted)
    return applied


def test_the_calendar_is_built_once_for_the_same_stored_loads(builds: list[int]) -> None:
    with local_aws():
        # Given two loads of 2027 stored (a notice, then a correction),
        first = store_load(current_calendar(), year_2027("2027-01-01"), NOW, "admin")
        store_load(first, year_2027("2027-01-01", "2027-03-01", source="correction"), NOW, "admin")
        builds.clear()
        # When the calendar in force is asked for twice,
        once, twice = current_calendar(), current_calendar()
        # Then it applied both loads the first time, nothing the second, and is the same calendar.
        assert builds == [2027, 2027]
        assert twice is once
        assert once.version == default_calendar().version + 2
        assert not once.is_working_day(date(2027, 3, 1))


def test_a_year_loaded_by_another_process_counts_at_once_and_alone_is_applied(
    builds: list[int],
) -> None:
    with local_aws():
        # Given this process built the calendar on one stored load,
        before = store_load(current_calendar(), year_2027("2027-01-01"), NOW, "admin")
        assert current_calendar().version == before.version
        # When another process stores a correction (the store written directly, not through
        # this process's calendar),
        store_load(before, year_2027("2027-01-01", "2027-03-01", source="correction"), NOW, "ops")
        builds.clear()
        now_in_force = current_calendar()
        # Then the next read sees it, applying only the new load,
        assert builds == [2027]
        assert now_in_force.version == before.version + 1
        assert not now_in_force.is_working_day(date(2027, 3, 1))
        # and the calendar equals one built from nothing, day for day.
        from_nothing = (
            default_calendar()
            .with_year(year_2027("2027-01-01"))
            .with_year(year_2027("2027-01-01", "2027-03-01", source="correction"))
        )
        assert now_in_force.version == from_nothing.version
        assert now_in_force.schedule(2027) == from_nothing.schedule(2027)
        assert same_working_days(now_in_force, from_nothing, 2027)


def test_stored_loads_that_differ_from_the_built_ones_are_applied_from_the_shipped_data(
    builds: list[int],
) -> None:
    # Given a calendar built on a stored load of 2027,
    built_on_a_2027_load_with_1_march_a_holiday()
    # When the calendar in force is read from a store without that load (emptied tables),
    with local_aws():
        builds.clear()
        shipped = current_calendar()
    # Then it is the shipped data's, with nothing applied.
    assert builds == []
    assert shipped.version == default_calendar().version
    assert shipped.is_working_day(date(2027, 3, 1))


def test_another_load_stored_under_a_key_already_built_on_is_applied_from_the_shipped_data(
    builds: list[int],
) -> None:
    # Given a calendar built on a stored load of 2027 with 1 March a holiday,
    built_on_a_2027_load_with_1_march_a_holiday()
    # When the store (re-created) holds another 2027 under the same key, without that holiday,
    with local_aws():
        store_load(default_calendar(), year_2027("2027-01-01", source="restored"), NOW, "ops")
        builds.clear()
        in_force = current_calendar()
    # Then the calendar is built again from the shipped data with what is stored now.
    assert builds == [2027]
    assert in_force.is_working_day(date(2027, 3, 1))
    assert in_force.schedule(2027) == year_2027("2027-01-01", source="restored")


def test_a_stored_load_carries_its_queued_rescheduling_and_the_calendar_reads_only_loads() -> None:
    with local_aws():
        # When a load of 2027 is stored,
        after = store_load(current_calendar(), year_2027("2027-01-01"), NOW, "admin")
        # Then the rescheduling it needs is recorded with it, queued, at every partition's
        # first page,
        progress = rescheduling.summary(after.version)
        assert progress is not None
        assert (progress.year, progress.status) == (2027, rescheduling.ReschedulingStatus.QUEUED)
        assert progress.partitions == len(rescheduling.PARTITIONS)
        assert progress.queued_at == NOW
        # and the calendar in force reads the loads alone, not that progress.
        assert [item.sk for item in calendar_loads()] == [f"LOAD#{after.version:06d}"]
