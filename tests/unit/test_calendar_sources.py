"""The shipped calendar data against its sources: chinesecalendar, holidays and the seed tool.

These are the only calendar tests that import the source libraries (development dependencies).
"""

from collections.abc import Iterator
from datetime import date, timedelta

import chinese_calendar
import pytest
from holidays import country_holidays
from hypothesis import given
from hypothesis import strategies as st

from compliance.calendar import DEFAULT_CALENDAR_PATH, FIRST_SUPPORTED_DAY, default_calendar
from tools.seed_calendar import (
    CORRECTIONS,
    Correction,
    announced_years,
    build_document,
    estimated_years,
    render_document,
)

CALENDAR = default_calendar()
ANNOUNCED = announced_years()
ESTIMATED = estimated_years()
HOLIDAYS_CN = country_holidays("CN", years=range(ANNOUNCED.start, ESTIMATED.stop))


def every_day(first_year: int, last_year: int) -> Iterator[date]:
    day, last = date(first_year, 1, 1), date(last_year, 12, 31)
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_the_shipped_data_announces_exactly_the_years_chinesecalendar_covers() -> None:
    # Given chinesecalendar 1.11.0, Then its years 2004-2026 are the announced ones, and the
    # first estimated year is the first one it cannot answer for.
    assert range(2004, 2027) == ANNOUNCED
    assert CALENDAR.announced_years() == frozenset(ANNOUNCED)
    assert ESTIMATED.start == 2027
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(ESTIMATED.start, 1, 1))


def test_every_announced_day_matches_chinesecalendar_except_the_documented_corrections() -> None:
    # Given every day 2004-01-01..2026-12-31, When ours and chinesecalendar's answers differ,
    differing = {
        day
        for day in every_day(ANNOUNCED.start, ANNOUNCED.stop - 1)
        if CALENDAR.is_working_day(day) != chinese_calendar.is_workday(day)
    }
    # Then they differ exactly on the corrections the seed tool documents.
    assert differing == {correction.day for correction in CORRECTIONS}


@pytest.mark.parametrize("correction", CORRECTIONS, ids=lambda c: c.day.isoformat())
def test_each_correction_follows_its_notice_and_holidays_agrees_with_it(
    correction: Correction,
) -> None:
    working = correction.status == "makeup_workday"
    # Given a day where chinesecalendar departs from the notice, Then ours follows the notice,
    assert CALENDAR.is_working_day(correction.day) is working
    # holidays agrees with the notice, and chinesecalendar still departs from it (once it is
    # fixed upstream this fails, and the correction can go).
    assert HOLIDAYS_CN.is_working_day(correction.day) is working
    assert chinese_calendar.is_workday(correction.day) is not working


def test_every_announced_day_matches_holidays_which_has_make_up_days_for_all_of_them() -> None:
    # Given holidays 0.109, which lists make-up days for every announced year,
    years_with_make_up_days = {d.year for d in HOLIDAYS_CN.weekend_workdays}
    assert set(ANNOUNCED) <= years_with_make_up_days
    # When every day 2004-01-01..2026-12-31 is compared, Then none differs.
    differing = [
        day
        for day in every_day(ANNOUNCED.start, ANNOUNCED.stop - 1)
        if CALENDAR.is_working_day(day) != HOLIDAYS_CN.is_working_day(day)
    ]
    assert differing == []


def test_estimated_years_are_exactly_the_holidays_rule_based_estimate() -> None:
    # Given 2027-2060, for which holidays has no make-up days,
    assert not {d for d in HOLIDAYS_CN.weekend_workdays if d.year >= ESTIMATED.start}
    # When every day is compared, Then ours equals holidays' estimate.
    differing = [
        day
        for day in every_day(ESTIMATED.start, ESTIMATED.stop - 1)
        if CALENDAR.is_working_day(day) != HOLIDAYS_CN.is_working_day(day)
    ]
    assert differing == []


def test_a_holiday_trigger_does_not_count_the_rest_day_like_find_workday_does() -> None:
    # Given 2026-01-01, a holiday (the docs/DOMAIN.md trap),
    trigger = date(2026, 1, 1)
    ours = CALENDAR.add_working_days(trigger, 10).due_date
    # When 10 working days are added, Then ours matches holidays' get_nth_working_day,
    assert ours == HOLIDAYS_CN.get_nth_working_day(trigger, 10) == date(2026, 1, 15)
    # while chinesecalendar's find_workday rolls the rest day forward first and lands a
    # working day late.
    assert chinese_calendar.find_workday(10, trigger) == date(2026, 1, 16)
    assert ours != chinese_calendar.find_workday(10, trigger)


@given(
    # Up to 30 working days from the end of October stays inside the last estimated year;
    # later triggers would reach a year that `holidays` estimates and our data does not.
    start=st.dates(min_value=FIRST_SUPPORTED_DAY, max_value=date(ESTIMATED.stop - 1, 10, 31)),
    n=st.integers(min_value=1, max_value=30),
)
def test_working_day_deadlines_match_holidays_get_nth_working_day(start: date, n: int) -> None:
    assert CALENDAR.add_working_days(start, n).due_date == HOLIDAYS_CN.get_nth_working_day(start, n)


def test_the_shipped_data_file_is_exactly_what_the_seed_tool_generates() -> None:
    # Given the sources as installed, When the data is regenerated in memory,
    regenerated = render_document(build_document())
    # Then it equals the committed file byte for byte (`make seed-calendar` rewrites it).
    assert regenerated == DEFAULT_CALENDAR_PATH.read_text(encoding="utf-8")
