"""China working-day calendar and deadline arithmetic.

Owns which China civil dates are working days and how a trigger date becomes a deadline:

- announced years follow the State Council General Office's annual holiday notice (statutory
  holidays on Monday-Friday become rest days, make-up weekends become working days);
- years not yet announced use a rule-based estimate of the statutory holidays (no make-up
  days), and years with no estimate use weekends only; a deadline that depends on any such
  day is *provisional* and must be recomputed once the year is announced;
- the versioned data file beside this module (``data/calendar/cn-workdays.json``), regenerated
  by ``tools/seed_calendar.py``, and the validated loading of a newly announced year.

Everything here is pure: dates come in as arguments, the clock is never read. The calendar is
immutable; loading a year returns a new calendar with the next version number, so every
deadline can record the calendar version that produced it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from calendar import monthrange
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Annotated, Final, Literal, NoReturn

from msgspec import Meta, Raw, Struct

from compliance.data_files import DataFileError, decode_json, keyed
from compliance.messages import Message, t

__all__ = [
    "CHINA_TZ",
    "DEFAULT_CALENDAR_PATH",
    "FIRST_SUPPORTED_DAY",
    "LAST_SUPPORTED_DAY",
    "CalendarError",
    "Deadline",
    "EstimatedYear",
    "WorkingDayCalendar",
    "YearSchedule",
    "default_calendar",
    "end_of_day",
    "load_calendar",
]

# China Standard Time has been UTC+8 all year, without daylight saving, since 1992, so over the
# supported span a fixed offset is the same zone as Asia/Shanghai in the tz database (a unit
# test compares the two). It spares every cold start loading the tz database.
CHINA_TZ: Final = timezone(timedelta(hours=8), "CST")

# The span starts with the first year of announced data: an answer before it would be a guess
# about the past, which is worse than a clear error. It ends far enough out for any deadline
# the rules produce (the longest periods are months, not decades).
FIRST_SUPPORTED_DAY: Final = date(2004, 1, 1)
LAST_SUPPORTED_DAY: Final = date(2099, 12, 31)

DEFAULT_CALENDAR_PATH: Final = Path(__file__).parent / "data" / "calendar" / "cn-workdays.json"

# A deadline is the end of its day; millisecond precision is what clients and DynamoDB keep.
_END_OF_DAY: Final = time(23, 59, 59, 999000)
# How a message names each weekday, Monday first (catalog keys, compliance.messages).
_WEEKDAY_NAMES: Final = (
    "calendar.weekday.monday",
    "calendar.weekday.tuesday",
    "calendar.weekday.wednesday",
    "calendar.weekday.thursday",
    "calendar.weekday.friday",
    "calendar.weekday.saturday",
    "calendar.weekday.sunday",
)


def end_of_day(d: date) -> datetime:
    """The last instant of the China civil date ``d`` (23:59:59.999, Asia/Shanghai)."""
    return datetime.combine(d, _END_OF_DAY, tzinfo=CHINA_TZ)


class CalendarError(ValueError):
    """A calendar schedule that cannot be loaded, or a date the calendar cannot answer for.

    ``field`` names the part of a year's schedule at fault (``year``, ``holidays``,
    ``makeup_workdays``, ``source`` or ``announced_on``) when the error is about one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@contextmanager
def _concerning(field: str) -> Iterator[None]:
    """Errors raised inside name ``field`` as the part of the schedule at fault."""
    try:
        yield
    except CalendarError as error:
        if error.field is None:
            error.field = field
        raise


class YearSchedule(Struct, frozen=True):
    """One year's working-day schedule as announced by the State Council.

    ``holidays`` lists the Monday-Friday rest days only (rest days on a weekend change
    nothing); ``makeup_workdays`` lists the weekend days declared working days. Both hold only
    dates of ``year``: a notice that moves a day in the previous year is loaded as a correction
    of that year.
    """

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    source: str
    announced_on: date | None = None


class EstimatedYear(Struct, frozen=True):
    """A rule-based estimate of a year's Monday-Friday statutory holidays (no make-up days)."""

    year: int
    holidays: frozenset[date]
    source: str


class Deadline(Struct, frozen=True):
    """A computed deadline: its day, and what it was computed from.

    ``provisional`` is True when any day the computation depended on lies in a year whose
    schedule is not announced; such a deadline changes when that year is loaded.
    """

    due_date: date
    provisional: bool
    calendar_version: int

    @property
    def due_at(self) -> datetime:
        return end_of_day(self.due_date)


class WorkingDayCalendar:
    """An immutable China working-day calendar over the supported span.

    Construction precomputes the sorted ordinals of every working day in the span, so each
    deadline is one binary search rather than a walk over days.
    """

    __slots__ = ("_announced", "_estimated", "_unannounced_before", "_version", "_workdays")

    _announced: dict[int, YearSchedule]
    _estimated: dict[int, EstimatedYear]
    _version: int
    _workdays: array[int]
    # _unannounced_before[i] counts the years before (first supported year + i) that are not
    # announced, so "is any year in [a, b] unannounced" is one subtraction.
    _unannounced_before: tuple[int, ...]

    def __init__(
        self,
        announced: Iterable[YearSchedule],
        estimated: Iterable[EstimatedYear] = (),
        *,
        version: int = 1,
    ) -> None:
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise CalendarError(f"calendar version must be a positive integer, got {version!r}")
        announced_by_year: dict[int, YearSchedule] = {}
        for schedule in announced:
            where = ("calendar.where.announced", schedule.year)
            _validate_schedule(schedule, where)
            if schedule.year in announced_by_year:
                raise CalendarError(f"{_at(where)}: the year is given twice")
            announced_by_year[schedule.year] = schedule
        estimated_by_year: dict[int, EstimatedYear] = {}
        for estimate in estimated:
            where = ("calendar.where.estimated", estimate.year)
            _validate_estimate(estimate, where)
            if estimate.year in estimated_by_year:
                raise CalendarError(f"{_at(where)}: the year is given twice")
            estimated_by_year[estimate.year] = estimate
        object.__setattr__(self, "_announced", announced_by_year)
        object.__setattr__(self, "_estimated", estimated_by_year)
        object.__setattr__(self, "_version", version)
        object.__setattr__(
            self, "_workdays", _working_day_ordinals(announced_by_year, estimated_by_year)
        )
        object.__setattr__(self, "_unannounced_before", _unannounced_counts(announced_by_year))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"WorkingDayCalendar is immutable; cannot set {name!r}")

    def __repr__(self) -> str:
        years = sorted(self._announced)
        span = f"{years[0]}..{years[-1]}" if years else "none"
        return f"WorkingDayCalendar(version={self._version}, announced={span})"

    @property
    def version(self) -> int:
        return self._version

    def announced_years(self) -> frozenset[int]:
        return frozenset(self._announced)

    def schedule(self, year: int) -> YearSchedule | None:
        """The announced schedule of ``year``, or None while it is not announced."""
        return self._announced.get(year)

    def is_announced(self, year: int) -> bool:
        return year in self._announced

    def is_working_day(self, d: date) -> bool:
        ordinal = _ordinal_in_span(d, "calendar.what.date")
        index = bisect_left(self._workdays, ordinal)
        return index < len(self._workdays) and self._workdays[index] == ordinal

    def add_working_days(self, start: date, n: int) -> Deadline:
        """The ``n``-th working day strictly after ``start`` ("within n working days after").

        The start day never counts, whether or not it is a working day (Civil Code art. 201).
        """
        if n < 1:
            raise CalendarError(f"a period of working days must be at least 1, got {n}")
        ordinal = _ordinal_in_span(start, _START)
        index = bisect_right(self._workdays, ordinal) + n - 1
        if index >= len(self._workdays):
            raise CalendarError(
                t(
                    "calendar.working_day_beyond" if n == 1 else "calendar.working_days_beyond",
                    n=n,
                    start=start.isoformat(),
                    last=LAST_SUPPORTED_DAY.isoformat(),
                )
            )
        due = date.fromordinal(self._workdays[index])
        # The answer depends on the status of every day in (start, due].
        first_year = start.year + 1 if (start.month, start.day) == (12, 31) else start.year
        return self._deadline(first_year, due)

    def add_months(self, start: date, n: int) -> Deadline:
        """The same day-of-month ``n`` months after ``start`` ("within n months after").

        A day-of-month the target month lacks is clamped to its last day; a rest day rolls
        forward to the next working day (Civil Code art. 202-203).
        """
        if n < 1:
            raise CalendarError(f"a period of months must be at least 1, got {n}")
        _ordinal_in_span(start, _START)
        year, month_index = divmod(start.year * 12 + start.month - 1 + n, 12)
        if year > LAST_SUPPORTED_DAY.year:
            raise CalendarError(
                t(
                    "calendar.months_beyond",
                    n=n,
                    start=start.isoformat(),
                    last=LAST_SUPPORTED_DAY.isoformat(),
                )
            )
        month = month_index + 1
        target = date(year, month, min(start.day, monthrange(year, month)[1]))
        index = bisect_left(self._workdays, target.toordinal())
        if index >= len(self._workdays):
            raise CalendarError(
                t(
                    "calendar.months_no_working_day",
                    n=n,
                    start=start.isoformat(),
                    target=target.isoformat(),
                    last=LAST_SUPPORTED_DAY.isoformat(),
                )
            )
        due = date.fromordinal(self._workdays[index])
        # The month arithmetic needs no calendar; only the days from the target to the
        # (rolled-forward) due date were consulted.
        return self._deadline(target.year, due)

    def add_days(self, start: date, n: int) -> Deadline:
        """The ``n``-th day after ``start`` ("within n days", N 日内), counted as the Civil Code
        counts: the start day does not count (art. 201), and a last day that is a rest day
        (a weekend that is not a make-up working day, or a holiday) moves to the next working
        day (art. 203)."""
        if n < 1:
            raise CalendarError(f"a period of days must be at least 1, got {n}")
        _ordinal_in_span(start, _START)
        if n > LAST_SUPPORTED_DAY.toordinal() - start.toordinal():
            raise CalendarError(
                t(
                    "calendar.days_beyond",
                    n=n,
                    start=start.isoformat(),
                    last=LAST_SUPPORTED_DAY.isoformat(),
                )
            )
        target = start + timedelta(days=n)
        index = bisect_left(self._workdays, target.toordinal())
        if index >= len(self._workdays):
            raise CalendarError(
                t(
                    "calendar.days_no_working_day",
                    n=n,
                    start=start.isoformat(),
                    target=target.isoformat(),
                    last=LAST_SUPPORTED_DAY.isoformat(),
                )
            )
        # Counting the days needs no calendar; only the days from the last one to the
        # (rolled-forward) due date were consulted.
        return self._deadline(target.year, date.fromordinal(self._workdays[index]))

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days in (start, end]; the negative mirror when end < start.

        Reads as "working days left" from today to a due date, and as "overdue by" (negative)
        once the due date has passed.
        """
        start_ordinal = _ordinal_in_span(start, _START)
        end_ordinal = _ordinal_in_span(end, _END)
        if end_ordinal >= start_ordinal:
            return bisect_right(self._workdays, end_ordinal) - bisect_right(
                self._workdays, start_ordinal
            )
        return -(
            bisect_right(self._workdays, start_ordinal) - bisect_right(self._workdays, end_ordinal)
        )

    def first_day_within(self, end: date, n: int) -> date:
        """The earliest date from which at most ``n`` working days remain until ``end``: the
        first day on which ``working_days_between(day, end) <= n`` (the day a "n working days
        left" reminder stage begins)."""
        if n < 0:
            raise CalendarError(f"a count of working days cannot be negative, got {n}")
        end_ordinal = _ordinal_in_span(end, _END)
        index = bisect_right(self._workdays, end_ordinal) - n - 1
        if index < 0:
            return FIRST_SUPPORTED_DAY
        return date.fromordinal(self._workdays[index])

    def with_year(self, schedule: YearSchedule) -> WorkingDayCalendar:
        """A new calendar with ``schedule`` loaded (a newly announced year or a correction).

        The schedule is validated first; the new calendar's version is this one's plus one.
        """
        _validate_schedule(schedule, ("calendar.where.schedule", schedule.year))
        announced = dict(self._announced)
        announced[schedule.year] = schedule
        return WorkingDayCalendar(
            announced.values(), self._estimated.values(), version=self._version + 1
        )

    def _deadline(self, first_year: int, due: date) -> Deadline:
        """A deadline due on ``due`` that depended on days from ``first_year`` onwards."""
        counts = self._unannounced_before
        offset = FIRST_SUPPORTED_DAY.year
        provisional = counts[due.year - offset + 1] > counts[first_year - offset]
        return Deadline(due_date=due, provisional=provisional, calendar_version=self._version)


# How a message names the days a computation starts and ends on (catalog keys).
_START: Final = "calendar.what.start_date"
_END: Final = "calendar.what.end_date"


def _ordinal_in_span(d: date, what: str) -> int:
    """`d`'s ordinal; `what` is the catalog key of how a refusal names it."""
    if not isinstance(d, date):
        raise CalendarError(f"{t(what)} must be a date, got {type(d).__name__}")
    if isinstance(d, datetime):
        # A datetime's civil date depends on its time zone; callers convert to China time first.
        raise CalendarError(
            f"{t(what)} must be a China civil date, not a datetime ({d.isoformat()})"
        )
    if not FIRST_SUPPORTED_DAY <= d <= LAST_SUPPORTED_DAY:
        raise CalendarError(
            t(
                "calendar.outside_span",
                what=t(what),
                day=d.isoformat(),
                first=FIRST_SUPPORTED_DAY.isoformat(),
                last=LAST_SUPPORTED_DAY.isoformat(),
            )
        )
    return d.toordinal()


def _working_day_ordinals(
    announced: Mapping[int, YearSchedule], estimated: Mapping[int, EstimatedYear]
) -> array[int]:
    first = FIRST_SUPPORTED_DAY.toordinal()
    last = LAST_SUPPORTED_DAY.toordinal()
    days: set[int] = set()
    for weekday in range(5):
        # Ordinal 1 (0001-01-01) is a Monday, so an ordinal's weekday is (ordinal - 1) % 7.
        offset = (weekday - (first - 1)) % 7
        days.update(range(first + offset, last + 1, 7))
    for estimate in estimated.values():
        if estimate.year not in announced:
            days.difference_update(d.toordinal() for d in estimate.holidays)
    for schedule in announced.values():
        days.difference_update(d.toordinal() for d in schedule.holidays)
        days.update(d.toordinal() for d in schedule.makeup_workdays)
    return array("i", sorted(days))


def _unannounced_counts(announced: Mapping[int, YearSchedule]) -> tuple[int, ...]:
    counts = [0]
    for year in range(FIRST_SUPPORTED_DAY.year, LAST_SUPPORTED_DAY.year + 1):
        counts.append(counts[-1] + (year not in announced))
    return tuple(counts)


# Where in a calendar a problem is: the catalog key of the kind of schedule, and its year. It is
# said (`_at`) only when there is a problem to say, so that loading a calendar reads no catalog.
_Where = tuple[str, object]


def _at(where: _Where) -> Message:
    key, year = where
    return t(key, year=year)


def _check_year(year: object, where: _Where) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise CalendarError(f"{_at(where)}: year must be an integer, got {year!r}")
    if not FIRST_SUPPORTED_DAY.year <= year <= LAST_SUPPORTED_DAY.year:
        raise CalendarError(
            t(
                "calendar.year_outside_span",
                where=_at(where),
                year=year,
                first=FIRST_SUPPORTED_DAY.year,
                last=LAST_SUPPORTED_DAY.year,
            )
        )
    return year


def _check_days(days: object, year: int, field: str, where: _Where) -> frozenset[date]:
    if not isinstance(days, frozenset):
        raise CalendarError(f"{_at(where)}: {field} must be a frozenset of dates")
    for d in days:
        if not isinstance(d, date) or isinstance(d, datetime):
            raise CalendarError(f"{_at(where)}: {field}: {d!r} is not a date")
    for d in sorted(days):
        if d.year != year:
            raise CalendarError(
                t(
                    "calendar.not_in_year",
                    where=_at(where),
                    field=field,
                    day=d.isoformat(),
                    year=year,
                )
            )
    return days


def _check_source(source: object, where: _Where) -> None:
    if not isinstance(source, str) or not source.strip():
        raise CalendarError(t("calendar.source_empty", where=_at(where)))


def _check_weekday_holidays(holidays: frozenset[date], where: _Where) -> None:
    for d in sorted(holidays):
        if d.weekday() >= 5:
            raise CalendarError(
                t(
                    "calendar.weekend_holiday",
                    where=_at(where),
                    day=d.isoformat(),
                    weekday=t(_WEEKDAY_NAMES[d.weekday()]),
                )
            )


def _validate_schedule(schedule: YearSchedule, where: _Where) -> None:
    with _concerning("year"):
        year = _check_year(schedule.year, where)
    with _concerning("holidays"):
        holidays = _check_days(schedule.holidays, year, "holidays", where)
    with _concerning("makeup_workdays"):
        makeup = _check_days(schedule.makeup_workdays, year, "makeup_workdays", where)
    both = sorted(holidays & makeup)
    if both:
        raise CalendarError(
            t("calendar.holiday_and_workday", where=_at(where), day=both[0].isoformat()),
            "makeup_workdays",
        )
    with _concerning("holidays"):
        _check_weekday_holidays(holidays, where)
    for d in sorted(makeup):
        if d.weekday() < 5:
            raise CalendarError(
                t(
                    "calendar.weekday_workday",
                    where=_at(where),
                    day=d.isoformat(),
                    weekday=t(_WEEKDAY_NAMES[d.weekday()]),
                ),
                "makeup_workdays",
            )
    with _concerning("source"):
        _check_source(schedule.source, where)
    announced_on = schedule.announced_on
    if announced_on is not None and (
        not isinstance(announced_on, date) or isinstance(announced_on, datetime)
    ):
        raise CalendarError(
            f"{_at(where)}: announced_on must be a date or None, got {announced_on!r}",
            "announced_on",
        )


def _validate_estimate(estimate: EstimatedYear, where: _Where) -> None:
    year = _check_year(estimate.year, where)
    _check_weekday_holidays(_check_days(estimate.holidays, year, "holidays", where), where)
    _check_source(estimate.source, where)


# --- the data file -----------------------------------------------------------------------

_YearKey = Annotated[str, Meta(pattern=r"^[0-9]{4}$")]


class AnnouncedEntry(Struct, frozen=True, forbid_unknown_fields=True):
    """One announced year in the data file: the notice's Monday-Friday holidays and make-up
    weekend days, the notice it comes from, and the day it was published when known."""

    holidays: list[date]
    makeup_workdays: list[date]
    source: str
    announced_on: date | None


class EstimatedEntry(Struct, frozen=True, forbid_unknown_fields=True):
    """One year not yet announced: its estimated Monday-Friday statutory holidays."""

    holidays: list[date]
    source: str


class CalendarFile(Struct, frozen=True, forbid_unknown_fields=True):
    """``cn-workdays.json`` as ``tools/seed_calendar.py`` writes it. Years are keys of four
    digits; each entry is decoded on its own (`compliance.data_files.keyed`) so that an error
    names its year."""

    calendar: Literal["CN"]
    version: Annotated[int, Meta(ge=1)]
    timezone: Literal["Asia/Shanghai"]
    generated_by: str
    announced: dict[_YearKey, Raw]  # AnnouncedEntry by year
    estimated: dict[_YearKey, Raw]  # EstimatedEntry by year


@cache
def default_calendar() -> WorkingDayCalendar:
    """The calendar shipped with the code, loaded once per process."""
    return load_calendar(DEFAULT_CALENDAR_PATH)


def load_calendar(path: Path) -> WorkingDayCalendar:
    """Load and validate a calendar data file (the format ``tools/seed_calendar.py`` writes)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read calendar data ({exc.strerror or exc})") from exc
    try:
        document = decode_json(data, CalendarFile, where=str(path))
        announced = keyed(document.announced, AnnouncedEntry, where=str(path), path="$.announced")
        estimated = keyed(document.estimated, EstimatedEntry, where=str(path), path="$.estimated")
    except DataFileError as exc:
        raise CalendarError(str(exc)) from None
    return _calendar_from_file(document.version, announced, estimated, str(path))


def _calendar_from_file(
    version: int,
    announced: Mapping[str, AnnouncedEntry],
    estimated: Mapping[str, EstimatedEntry],
    where: str,
) -> WorkingDayCalendar:
    """The calendar the file's entries describe, after the checks its schema cannot make."""
    schedules = [
        YearSchedule(
            year=int(year),
            holidays=_unique(entry.holidays, f"{where}: announced {year}: holidays"),
            makeup_workdays=_unique(
                entry.makeup_workdays, f"{where}: announced {year}: makeup_workdays"
            ),
            source=entry.source,
            announced_on=entry.announced_on,
        )
        for year, entry in announced.items()
    ]
    both = sorted(set(announced) & set(estimated))
    if both:
        raise CalendarError(
            f"{where}: estimated {both[0]}: the year is also announced; keep one of the two"
        )
    estimates = [
        EstimatedYear(
            year=int(year),
            holidays=_unique(entry.holidays, f"{where}: estimated {year}: holidays"),
            source=entry.source,
        )
        for year, entry in estimated.items()
    ]
    try:
        return WorkingDayCalendar(schedules, estimates, version=version)
    except CalendarError as exc:
        raise CalendarError(f"{where}: {exc}") from exc


def _unique(days: list[date], where: str) -> frozenset[date]:
    seen: set[date] = set()
    for d in days:
        if d in seen:
            raise CalendarError(f"{where}: {d.isoformat()} is listed twice")
        seen.add(d)
    return frozenset(days)
