"""Working-day calendar and deadline arithmetic (compliance.calendar), on the shipped data."""

import ast
import json
import re
import sys
import tomllib
from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from compliance.calendar import (
    CHINA_TZ,
    DEFAULT_CALENDAR_PATH,
    FIRST_SUPPORTED_DAY,
    LAST_SUPPORTED_DAY,
    CalendarError,
    Deadline,
    EstimatedYear,
    WorkingDayCalendar,
    YearSchedule,
    default_calendar,
    end_of_day,
    load_calendar,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CALENDAR = default_calendar()
LAST_ANNOUNCED_YEAR = 2026
LAST_ESTIMATED_YEAR = 2060


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def days(*isos: str) -> frozenset[date]:
    return frozenset(d(iso) for iso in isos)


# A made-up 2027 notice, shaped like a real one, used to exercise loading a new year (the
# shipped data has no 2027 notice).
HYPOTHETICAL_2027 = YearSchedule(
    year=2027,
    holidays=days(
        "2027-01-01",
        "2027-02-05",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-02-11",
        "2027-02-12",
        "2027-10-01",
        "2027-10-04",
        "2027-10-05",
        "2027-10-06",
        "2027-10-07",
    ),
    makeup_workdays=days("2027-02-20", "2027-09-26", "2027-10-09"),
    source="hypothetical notice for 2027 (test data)",
)
WITH_2027 = CALENDAR.with_year(HYPOTHETICAL_2027)


def clamped_month_target(start: date, months: int) -> date:
    """Same day-of-month ``months`` later, clamped to the month's end (reference for tests)."""
    year = start.year + (start.month - 1 + months) // 12
    month = (start.month - 1 + months) % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def dates_between(first: date, last: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=first, max_value=last)


announced_dates = dates_between(FIRST_SUPPORTED_DAY, date(LAST_ANNOUNCED_YEAR, 12, 31))
trigger_dates = dates_between(FIRST_SUPPORTED_DAY, date(2095, 12, 31))
periods = st.integers(min_value=1, max_value=60)


# --- docs/DOMAIN.md section 2 test vectors ---------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "expected_due"),
    [
        pytest.param("2026-02-12", "2026-03-04", id="across-spring-festival-2026"),
        pytest.param("2026-04-30", "2026-05-18", id="across-labour-day-2026"),
        pytest.param("2025-09-26", "2025-10-16", id="across-national-day-2025"),
        pytest.param("2026-09-24", "2026-10-15", id="across-mid-autumn-and-national-day-2026"),
        pytest.param("2025-12-31", "2026-01-15", id="across-the-year-end"),
        pytest.param("2026-02-14", "2026-03-06", id="trigger-on-a-make-up-saturday"),
        pytest.param("2026-01-01", "2026-01-15", id="trigger-on-a-holiday"),
    ],
)
def test_ten_working_days_after_a_trigger_match_the_domain_test_vectors(
    trigger: str, expected_due: str
) -> None:
    # Given the shipped calendar, When 10 working days are added to the trigger date,
    deadline = CALENDAR.add_working_days(d(trigger), 10)
    # Then the due date is the documented one, computed from announced data only.
    assert deadline.due_date == d(expected_due)
    assert deadline.provisional is False
    assert deadline.calendar_version == CALENDAR.version


@pytest.mark.parametrize(
    "makeup_day",
    ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
)
def test_2026_make_up_weekend_days_are_working_days(makeup_day: str) -> None:
    # Given a weekend day the 2026 notice declares a working day, Then it is one.
    assert d(makeup_day).weekday() >= 5
    assert CALENDAR.is_working_day(d(makeup_day)) is True


def test_national_day_week_2026_is_rest_and_the_day_after_is_a_working_day() -> None:
    # Given the 2026 National Day holiday, When each day of 10-01..10-08 is checked,
    rest = [CALENDAR.is_working_day(date(2026, 10, day)) for day in range(1, 8)]
    # Then 10-01..07 are rest days and 10-08 is a working day.
    assert rest == [False] * 7
    assert CALENDAR.is_working_day(d("2026-10-08")) is True


def test_a_trigger_on_a_working_day_does_not_count_itself() -> None:
    # Given Monday 2026-03-02, a working day, When 1 working day is added,
    deadline = CALENDAR.add_working_days(d("2026-03-02"), 1)
    # Then the deadline is the next working day, not the trigger day.
    assert deadline.due_date == d("2026-03-03")


def test_a_deadline_is_the_last_instant_of_its_china_civil_day() -> None:
    # Given a deadline due 2026-03-04, When its instant is read,
    due_at = CALENDAR.add_working_days(d("2026-02-12"), 10).due_at
    # Then it is 23:59:59.999 in China time, which is 15:59:59.999 UTC the same day.
    assert due_at == end_of_day(d("2026-03-04"))
    assert due_at.tzinfo is CHINA_TZ
    assert due_at.utcoffset() == timedelta(hours=8)
    assert due_at.astimezone(UTC) == datetime(2026, 3, 4, 15, 59, 59, 999000, tzinfo=UTC)


def test_china_time_is_asia_shanghai_on_every_day_the_calendar_supports() -> None:
    # Given the tz database's Asia/Shanghai zone,
    shanghai = ZoneInfo("Asia/Shanghai")
    day = FIRST_SUPPORTED_DAY
    # When China time and that zone are compared at noon on every supported day,
    while day <= LAST_SUPPORTED_DAY:
        noon = datetime.combine(day, time(12))
        # Then their offsets agree (no daylight saving since 1992).
        assert (
            noon.replace(tzinfo=CHINA_TZ).utcoffset() == noon.replace(tzinfo=shanghai).utcoffset()
        ), day
        day += timedelta(days=1)


def test_the_runtime_calendar_imports_only_what_the_lambda_artifact_ships() -> None:
    # Given compliance/calendar.py, which ships in the Lambda artifact without the calendar
    # source libraries (chinesecalendar, holidays: development dependencies only),
    module = Path(sys.modules[CalendarError.__module__].__file__ or "")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.partition(".")[0])
    # When its imports are compared with the standard library and the runtime dependencies,
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {
        normalised(re.split(r"[=<>~!\[ ]", pin)[0]) for pin in pyproject["project"]["dependencies"]
    }
    distributions = packages_distributions()
    third_party = imported - sys.stdlib_module_names - {"__future__", "compliance"}
    # Then each third-party import belongs to a runtime dependency.
    assert "datetime" in imported
    assert {
        name
        for name in third_party
        if not {normalised(d) for d in distributions.get(name, ())} & runtime
    } == set()


def normalised(distribution: str) -> str:
    """A distribution's name as packaging compares them (PEP 503): Jinja2 is jinja2."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


# --- months ---------------------------------------------------------------------------------


def test_six_months_from_a_month_end_clamps_and_rolls_forward_provisionally() -> None:
    # Given 2026-08-31, whose day-of-month February lacks,
    deadline = CALENDAR.add_months(d("2026-08-31"), 6)
    # When 6 months are added, Then the target clamps to Sunday 2027-02-28 and rolls forward
    # to Monday 2027-03-01; 2027 is not announced, so the deadline is provisional.
    assert d("2027-02-28").weekday() == 6
    assert deadline.due_date == d("2027-03-01")
    assert deadline.provisional is True


def test_months_rolling_forward_over_an_announced_holiday_land_on_the_next_working_day() -> None:
    # Given 2026-04-01, When 6 months are added, Then the target 2026-10-01 (National Day)
    # rolls forward over the holiday week to Thursday 2026-10-08, from announced data.
    deadline = CALENDAR.add_months(d("2026-04-01"), 6)
    assert deadline == Deadline(
        due_date=d("2026-10-08"), provisional=False, calendar_version=CALENDAR.version
    )


def test_months_rolling_forward_over_spring_festival_skip_every_rest_day() -> None:
    # Given 2025-10-15, When 4 months are added, Then Sunday 2026-02-15 begins the Spring
    # Festival rest (02-15..23), and the deadline is Tuesday 2026-02-24.
    deadline = CALENDAR.add_months(d("2025-10-15"), 4)
    assert deadline.due_date == d("2026-02-24")
    assert deadline.provisional is False


def test_months_landing_on_a_make_up_saturday_do_not_roll_forward() -> None:
    # Given 2025-11-14, When 3 months are added, Then Saturday 2026-02-14 is a make-up
    # working day and is itself the deadline.
    assert CALENDAR.add_months(d("2025-11-14"), 3).due_date == d("2026-02-14")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param("2026-01-31", 1, "2026-02-28", id="to-a-make-up-saturday-no-roll"),
        pytest.param("2027-12-31", 2, "2028-02-29", id="leap-february-tuesday"),
        pytest.param("2026-03-31", 1, "2026-04-30", id="thirty-day-month-thursday"),
        pytest.param("2026-07-31", 3, "2026-11-02", id="saturday-month-end-rolls-to-monday"),
    ],
)
def test_months_clamp_to_the_last_day_of_a_shorter_month(
    start: str, months: int, expected: str
) -> None:
    # Given a day-of-month the target month lacks, When months are added, Then the target is
    # that month's last day, rolled forward only when it is a rest day.
    assert CALENDAR.add_months(d(start), months).due_date == d(expected)


# --- working days between -------------------------------------------------------------------


def test_working_days_between_counts_the_half_open_range_and_mirrors_when_reversed() -> None:
    # Given a trigger and its 10-working-day deadline,
    start, due = d("2026-02-12"), d("2026-03-04")
    # Then (start, due] holds 10 working days, the mirror is -10, and an empty range is 0.
    assert CALENDAR.working_days_between(start, due) == 10
    assert CALENDAR.working_days_between(due, start) == -10
    assert CALENDAR.working_days_between(start, start) == 0
    # And a range of rest days only (the Spring Festival week) holds none.
    assert CALENDAR.working_days_between(d("2026-02-14"), d("2026-02-23")) == 0


# --- provisional and loading a year ---------------------------------------------------------


def test_a_deadline_reaching_an_unannounced_year_is_provisional_and_uses_the_estimate() -> None:
    # Given Thursday 2026-12-24, When 10 working days are added, Then the count crosses into
    # 2027, skips its estimated New Year's Day (Friday 2027-01-01) and is provisional.
    deadline = CALENDAR.add_working_days(d("2026-12-24"), 10)
    assert CALENDAR.is_working_day(d("2027-01-01")) is False
    assert deadline.due_date == d("2027-01-08")
    assert deadline.provisional is True


def test_loading_a_newly_announced_year_settles_its_deadlines_and_bumps_the_version() -> None:
    # Given a provisional month deadline whose estimate rolls over the estimated Spring
    # Festival rest of 2027,
    before = CALENDAR.add_months(d("2026-08-08"), 6)
    assert before == Deadline(d("2027-02-11"), provisional=True, calendar_version=1)
    # When the 2027 notice is loaded,
    loaded = CALENDAR.with_year(HYPOTHETICAL_2027)
    # Then the same computation uses the notice, is no longer provisional, and records the
    # new calendar version; the original calendar is unchanged.
    after = loaded.add_months(d("2026-08-08"), 6)
    assert after == Deadline(d("2027-02-15"), provisional=False, calendar_version=2)
    assert loaded.is_announced(2027) is True
    assert loaded.schedule(2027) == HYPOTHETICAL_2027
    assert loaded.announced_years() == CALENDAR.announced_years() | {2027}
    assert CALENDAR.is_announced(2027) is False
    assert CALENDAR.add_months(d("2026-08-08"), 6) == before
    # And a make-up day of the notice is now a working day.
    assert loaded.is_working_day(d("2027-02-20")) is True
    assert CALENDAR.is_working_day(d("2027-02-20")) is False


def test_a_correction_of_an_announced_year_changes_its_deadlines_and_bumps_the_version() -> None:
    # Given the 2026 schedule, When a correction declares Friday 2026-02-13 a rest day too,
    original = CALENDAR.schedule(2026)
    assert original is not None
    corrected = CALENDAR.with_year(
        YearSchedule(
            year=2026,
            holidays=original.holidays | {d("2026-02-13")},
            makeup_workdays=original.makeup_workdays,
            source="correction (test data)",
        )
    )
    # Then the deadline from 2026-02-12 moves one working day later, under version 2.
    assert corrected.version == CALENDAR.version + 1
    assert corrected.add_working_days(d("2026-02-12"), 10) == Deadline(
        d("2026-03-05"), provisional=False, calendar_version=2
    )


def test_provisional_depends_only_on_the_days_a_deadline_consulted() -> None:
    # Given a calendar where only 2027 is announced (2026 is weekends only),
    only_2027 = WorkingDayCalendar([HYPOTHETICAL_2027])
    # When counting working days from 2026-12-31, Then only 2027 days are consulted: final.
    assert only_2027.add_working_days(d("2026-12-31"), 5).provisional is False
    # But from 2026-12-30 the count consults 2026-12-31 too: provisional.
    assert only_2027.add_working_days(d("2026-12-30"), 5).provisional is True
    # And a month deadline consults only its target and the roll-forward days, so 8 months
    # from 2026-06-15 (Monday 2027-02-15, a working day) is final despite its 2026 start.
    assert only_2027.add_months(d("2026-06-15"), 8) == Deadline(
        d("2027-02-15"), provisional=False, calendar_version=1
    )


def test_the_calendar_is_immutable() -> None:
    # Given the shipped calendar, When an attribute is set, Then it is refused.
    with pytest.raises(AttributeError, match="immutable"):
        CALENDAR.version = 99  # type: ignore[misc]
    assert CALENDAR.version == 1


def test_the_default_calendar_is_loaded_once_from_the_shipped_data() -> None:
    # Given two calls, Then they share one calendar whose announced years are 2004-2026.
    assert default_calendar() is CALENDAR
    assert CALENDAR.announced_years() == frozenset(range(2004, LAST_ANNOUNCED_YEAR + 1))


def test_years_beyond_the_estimates_use_weekends_only() -> None:
    # Given 2061, which has neither a notice nor an estimate, Then New Year's Day (a Saturday
    # in 2061, so take Monday 2061-01-03) is a working day and weekends are rest days.
    assert CALENDAR.is_working_day(d("2061-01-03")) is True
    assert CALENDAR.is_working_day(d("2061-01-01")) is False
    # And the estimates reach 2060: its New Year's Day, a Thursday, is a rest day.
    assert d("2060-01-01").weekday() == 3
    assert CALENDAR.is_working_day(d("2060-01-01")) is False


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: CALENDAR.add_working_days(LAST_SUPPORTED_DAY, 1),
            r"1 working day after 2099-12-31 falls after the last supported day 2099-12-31",
            id="working-days-past-the-span",
        ),
        pytest.param(
            lambda: CALENDAR.add_months(d("2099-06-15"), 12),
            r"12 months after 2099-06-15 falls after the last supported day",
            id="months-past-the-span",
        ),
        pytest.param(
            lambda: CALENDAR.is_working_day(d("2003-12-31")),
            r"date 2003-12-31 is outside the supported span 2004-01-01..2099-12-31",
            id="date-before-the-span",
        ),
        pytest.param(
            lambda: CALENDAR.working_days_between(d("2026-01-01"), d("2100-01-01")),
            r"end date 2100-01-01 is outside the supported span",
            id="range-end-past-the-span",
        ),
        pytest.param(
            lambda: CALENDAR.add_working_days(d("2026-01-01"), 0),
            r"a period of working days must be at least 1, got 0",
            id="zero-working-days",
        ),
        pytest.param(
            lambda: CALENDAR.add_months(d("2026-01-01"), -1),
            r"a period of months must be at least 1, got -1",
            id="negative-months",
        ),
        pytest.param(
            lambda: CALENDAR.add_working_days(datetime(2026, 1, 1, 12, tzinfo=CHINA_TZ), 1),
            r"must be a China civil date, not a datetime",
            id="datetime-instead-of-date",
        ),
    ],
)
def test_questions_the_calendar_cannot_answer_raise_a_calendar_error(
    call: Any, message: str
) -> None:
    # Given a question outside what the calendar supports, Then it says what and why.
    with pytest.raises(CalendarError, match=message):
        call()


def schedule_2027(**changes: Any) -> YearSchedule:
    fields: dict[str, Any] = {
        "year": 2027,
        "holidays": HYPOTHETICAL_2027.holidays,
        "makeup_workdays": HYPOTHETICAL_2027.makeup_workdays,
        "source": HYPOTHETICAL_2027.source,
    }
    fields.update(changes)
    return YearSchedule(**fields)


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        pytest.param(
            schedule_2027(year=2100, holidays=frozenset(), makeup_workdays=frozenset()),
            r"schedule for 2100: year 2100 is outside the supported span 2004..2099",
            id="year-outside-the-span",
        ),
        pytest.param(
            schedule_2027(holidays=HYPOTHETICAL_2027.holidays | {d("2026-12-31")}),
            r"schedule for 2027: holidays: 2026-12-31 is not in 2027",
            id="date-of-another-year",
        ),
        pytest.param(
            schedule_2027(makeup_workdays=days("2027-02-20", "2027-02-08")),
            r"schedule for 2027: 2027-02-08 is listed both as a holiday and as a make-up",
            id="holiday-and-make-up-day-at-once",
        ),
        pytest.param(
            schedule_2027(makeup_workdays=days("2027-03-03")),
            r"makeup_workdays: 2027-03-03 is a Wednesday; a make-up working day must be a "
            r"Saturday or Sunday",
            id="make-up-day-on-a-weekday",
        ),
        pytest.param(
            schedule_2027(holidays=days("2027-02-06")),
            r"holidays: 2027-02-06 is a Saturday; weekend rest days are implied",
            id="holiday-on-a-weekend",
        ),
        pytest.param(
            schedule_2027(source="  "),
            r"schedule for 2027: source is empty",
            id="no-source",
        ),
        pytest.param(
            schedule_2027(holidays={d("2027-01-01")}),
            r"holidays must be a frozenset of dates",
            id="mutable-set",
        ),
    ],
)
def test_loading_an_invalid_year_schedule_is_rejected_with_the_reason(
    schedule: YearSchedule, message: str
) -> None:
    # Given a schedule with one defect, When it is loaded, Then the load fails naming it,
    with pytest.raises(CalendarError, match=message):
        CALENDAR.with_year(schedule)
    # and the calendar in use is unchanged.
    assert CALENDAR.version == 1
    assert CALENDAR.is_announced(2027) is False


def shipped_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEFAULT_CALENDAR_PATH.read_text(encoding="utf-8"))
    return document


def write_document(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_loading_the_shipped_file_from_another_path_gives_the_same_calendar(
    tmp_path: Path,
) -> None:
    # Given a copy of the shipped data, When it is loaded, Then it answers like the default.
    copy = load_calendar(write_document(tmp_path, shipped_document()))
    assert copy.version == CALENDAR.version
    assert copy.announced_years() == CALENDAR.announced_years()
    assert copy.add_working_days(d("2026-12-24"), 10) == CALENDAR.add_working_days(
        d("2026-12-24"), 10
    )


def _set(path: tuple[str, ...], value: Any) -> Any:
    def mutate(document: dict[str, Any]) -> None:
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(
            _set(("calendar",), "JP"), r"Invalid enum value 'JP' - at `\$.calendar`", id="calendar"
        ),
        pytest.param(
            _set(("timezone",), "UTC"), r"Invalid enum value 'UTC' - at `\$.timezone`", id="tz"
        ),
        pytest.param(
            _set(("version",), 0),
            r"Expected `int` >= 1 - at `\$.version` \(found 0\)",
            id="version",
        ),
        pytest.param(
            _set(("announced", "2026", "holidays"), ["2026-13-01"]),
            r"Invalid RFC3339 encoded date - at `\$.announced\['2026'\].holidays\[0\]` "
            r"\(found '2026-13-01'\)",
            id="impossible-date",
        ),
        pytest.param(
            _set(("announced", "2026", "holidays"), ["20260101"]),
            r"Invalid RFC3339 encoded date - at `\$.announced\['2026'\].holidays\[0\]` "
            r"\(found '20260101'\)",
            id="not-iso",
        ),
        pytest.param(
            _set(("announced", "2026", "makeup_workdays"), ["2026-01-04", "2026-01-04"]),
            r"announced 2026: makeup_workdays: 2026-01-04 is listed twice",
            id="duplicate",
        ),
        pytest.param(
            _set(("announced", "2026", "holidays"), ["2026-01-03"]),
            r"announced schedule for 2026: holidays: 2026-01-03 is a Saturday",
            id="weekend-holiday",
        ),
        pytest.param(
            _set(("estimated", "2026"), {"holidays": [], "source": "x"}),
            r"estimated 2026: the year is also announced",
            id="announced-and-estimated",
        ),
        pytest.param(
            _set(("estimated", "2030", "source"), None),
            r"Expected `str`, got `null` - at `\$.estimated\['2030'\].source`",
            id="missing-source",
        ),
        pytest.param(
            _set(("announced", "26"), {}),
            r"Expected `str` matching regex .* - at a key of `\$.announced`",
            id="bad-year-key",
        ),
    ],
)
def test_loading_a_damaged_calendar_file_is_rejected_naming_the_place_and_the_reason(
    tmp_path: Path, mutate: Any, message: str
) -> None:
    # Given the shipped data with one defect, When it is loaded, Then the error names the
    # file, the entry and the reason.
    document = shipped_document()
    mutate(document)
    path = write_document(tmp_path, document)
    with pytest.raises(CalendarError, match=message) as raised:
        load_calendar(path)
    assert str(path) in str(raised.value)


def test_loading_a_file_that_is_not_json_or_is_missing_is_rejected(tmp_path: Path) -> None:
    # Given a truncated file and a missing one, When they are loaded, Then both fail clearly.
    broken = tmp_path / "broken.json"
    broken.write_text('{"calendar": "CN",', encoding="utf-8")
    with pytest.raises(
        CalendarError, match=r"broken.json: not valid JSON \(Input data was truncated\)"
    ):
        load_calendar(broken)
    with pytest.raises(CalendarError, match=r"missing.json: cannot read calendar data"):
        load_calendar(tmp_path / "missing.json")


def test_a_calendar_built_without_data_is_weekends_only_and_entirely_provisional() -> None:
    # Given a calendar with no announced and no estimated years,
    bare = WorkingDayCalendar([], [EstimatedYear(2030, frozenset(), "none (test data)")])
    # When 10 working days are added to Friday 2026-01-02, Then only weekends are skipped.
    deadline = bare.add_working_days(d("2026-01-02"), 10)
    assert deadline == Deadline(d("2026-01-16"), provisional=True, calendar_version=1)


# --- properties -----------------------------------------------------------------------------


@given(start=trigger_dates, n=periods)
def test_a_deadline_is_the_nth_working_day_strictly_after_its_trigger(start: date, n: int) -> None:
    # Given any trigger in the span, When n working days are added,
    deadline = CALENDAR.add_working_days(start, n)
    # Then it is after the trigger, is a working day, and exactly n working days lie in
    # (trigger, due] while n - 1 lie before it.
    assert deadline.due_date > start
    assert CALENDAR.is_working_day(deadline.due_date)
    assert CALENDAR.working_days_between(start, deadline.due_date) == n
    assert CALENDAR.working_days_between(start, deadline.due_date - timedelta(days=1)) == n - 1


@given(first=trigger_dates, second=trigger_dates, n=periods)
def test_later_triggers_never_give_earlier_deadlines(first: date, second: date, n: int) -> None:
    # Given two triggers, When both get the same period, Then the later one is not due earlier.
    early, late = sorted((first, second))
    assert (
        CALENDAR.add_working_days(early, n).due_date <= CALENDAR.add_working_days(late, n).due_date
    )


@given(start=dates_between(FIRST_SUPPORTED_DAY, date(2060, 10, 31)), n=periods)
def test_a_deadline_is_provisional_exactly_when_it_reaches_an_unannounced_year(
    start: date, n: int
) -> None:
    # Given announced years 2004-2026 and a trigger on or after 2004-01-01,
    deadline = CALENDAR.add_working_days(start, n)
    # Then a deadline entirely within announced years is final, one reaching 2027+ is not.
    assert deadline.provisional is (deadline.due_date.year > LAST_ANNOUNCED_YEAR)


@given(start=dates_between(date(2026, 12, 1), date(2027, 10, 31)), n=st.integers(1, 20))
def test_loading_a_year_settles_every_deadline_that_was_provisional_on_it(
    start: date, n: int
) -> None:
    # Given a deadline due in 2027 once the 2027 notice is loaded,
    before = CALENDAR.add_working_days(start, n)
    after = WITH_2027.add_working_days(start, n)
    assume(after.due_date.year == 2027)
    # Then before the load it was provisional, and after it it is final under the next version.
    assert before.provisional is True
    assert after.provisional is False
    assert after.calendar_version == before.calendar_version + 1


@given(start=trigger_dates, n=st.integers(min_value=1, max_value=48))
def test_a_month_deadline_is_the_first_working_day_on_or_after_the_clamped_target(
    start: date, n: int
) -> None:
    # Given any trigger, When n months are added,
    target = clamped_month_target(start, n)
    due = CALENDAR.add_months(start, n).due_date
    # Then the deadline is a working day on or after the clamped target,
    assert due >= target
    assert CALENDAR.is_working_day(due)
    # and no working day lies in [target, due).
    assert CALENDAR.working_days_between(target - timedelta(days=1), due) == 1


@given(a=trigger_dates, b=trigger_dates, c=trigger_dates)
def test_working_days_between_is_antisymmetric_and_additive(a: date, b: date, c: date) -> None:
    # Given any three days, Then counts mirror when reversed and add up over adjacent ranges.
    assert CALENDAR.working_days_between(a, b) == -CALENDAR.working_days_between(b, a)
    assert CALENDAR.working_days_between(a, b) + CALENDAR.working_days_between(
        b, c
    ) == CALENDAR.working_days_between(a, c)


@given(day=announced_dates)
def test_announced_days_follow_their_schedule(day: date) -> None:
    # Given a day of an announced year, Then it works exactly when it is a make-up day or a
    # weekday that is not a holiday of that year's schedule.
    schedule = CALENDAR.schedule(day.year)
    assert schedule is not None
    expected = day in schedule.makeup_workdays or (
        day.weekday() < 5 and day not in schedule.holidays
    )
    assert CALENDAR.is_working_day(day) is expected


@given(day=dates_between(date(LAST_ESTIMATED_YEAR + 1, 1, 1), LAST_SUPPORTED_DAY))
def test_days_after_the_estimates_are_working_days_exactly_on_weekdays(day: date) -> None:
    # Given a day after 2060 (no notice, no estimate), Then only weekends are rest days.
    assert CALENDAR.is_working_day(day) is (day.weekday() < 5)


# --- calendar-day periods (N 日内, Civil Code arts. 201-203) --------------------------------


@pytest.mark.parametrize(
    ("trigger", "due"),
    [
        pytest.param("2026-06-07", "2026-06-29", id="20th-day-a-saturday-moves-to-monday"),
        pytest.param("2026-06-08", "2026-06-29", id="20th-day-a-sunday-moves-to-monday"),
        pytest.param("2026-09-20", "2026-10-10", id="20th-day-a-make-up-saturday-stays"),
        pytest.param("2026-01-28", "2026-02-24", id="20th-day-in-spring-festival-moves-past-it"),
        pytest.param("2026-09-12", "2026-10-08", id="20th-day-in-national-day-moves-past-it"),
        pytest.param("2026-03-12", "2026-04-01", id="20th-day-a-working-day-stays"),
    ],
)
def test_twenty_days_end_on_the_twentieth_day_or_the_next_working_day(
    trigger: str, due: str
) -> None:
    # Given a trigger whose 20th day after it is the case named, When 20 days are added,
    deadline = CALENDAR.add_days(d(trigger), 20)
    # Then the start day does not count, and a last day that is a rest day moves forward.
    assert deadline == Deadline(d(due), provisional=False, calendar_version=CALENDAR.version)


def test_thirty_days_reaching_an_unannounced_year_are_provisional() -> None:
    # Given a receipt on 2026-12-20, When 30 days are added, Then 2027-01-19 is due, provisional
    # until the 2027 notice is loaded.
    deadline = CALENDAR.add_days(d("2026-12-20"), 30)
    assert (deadline.due_date, deadline.provisional) == (d("2027-01-19"), True)


def test_a_period_of_zero_days_is_refused() -> None:
    with pytest.raises(CalendarError, match="a period of days must be at least 1, got 0"):
        CALENDAR.add_days(d("2026-01-01"), 0)


@given(start=trigger_dates, n=st.integers(min_value=1, max_value=365))
def test_a_day_deadline_is_the_first_working_day_on_or_after_the_nth_day(
    start: date, n: int
) -> None:
    # Given any trigger, When n days are added,
    target = start + timedelta(days=n)
    due = CALENDAR.add_days(start, n).due_date
    # Then the deadline is strictly after the trigger, a working day, on or after the n-th day,
    assert due > start
    assert due >= target
    assert CALENDAR.is_working_day(due)
    # and no working day lies in [n-th day, due).
    assert CALENDAR.working_days_between(target - timedelta(days=1), due) == 1


@given(first=trigger_dates, second=trigger_dates, n=st.integers(min_value=1, max_value=365))
def test_later_triggers_never_give_earlier_day_deadlines(first: date, second: date, n: int) -> None:
    early, late = sorted((first, second))
    assert CALENDAR.add_days(early, n).due_date <= CALENDAR.add_days(late, n).due_date


@given(start=dates_between(FIRST_SUPPORTED_DAY, date(2060, 10, 31)), n=st.integers(1, 60))
def test_a_day_deadline_is_provisional_exactly_when_it_ends_in_an_unannounced_year(
    start: date, n: int
) -> None:
    deadline = CALENDAR.add_days(start, n)
    assert deadline.provisional is (deadline.due_date.year > LAST_ANNOUNCED_YEAR)
