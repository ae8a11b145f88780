"""Benchmark of deadline arithmetic: the precomputed calendar against day-by-day baselines.

Owns the figures in docs/BENCHMARKS.md ("Deadline arithmetic"). Run with ``make bench``.

Targets: loading the calendar (a Lambda cold start pays it) under 50 ms; a deadline in a few
microseconds, so a sweep over every open obligation is not dominated by date arithmetic.
The baselines walk day by day with the source libraries (development dependencies) on a
sample of the same inputs, scaled to a rate; every baseline answer is checked against ours.
"""

from __future__ import annotations

import platform
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import chinese_calendar
from holidays import country_holidays

from compliance.calendar import (
    DEFAULT_CALENDAR_PATH,
    WorkingDayCalendar,
    YearSchedule,
    load_calendar,
)

CALLS = 100_000
BASELINE_SAMPLE = 10_000
PERIOD = 10
FIRST_TRIGGER = date(2020, 1, 1)
LAST_TRIGGER = date(2027, 12, 31)
# chinesecalendar answers only for the years it has notices for; its sample stays inside them.
LAST_CHINESECALENDAR_TRIGGER = date(2026, 11, 30)
LOAD_RUNS = 30
CONSTRUCTION_TARGET_MS = 50.0
SEED = 20260101


def random_triggers(count: int, first: date, last: date, rng: random.Random) -> list[date]:
    span = (last - first).days
    return [first + timedelta(days=rng.randint(0, span)) for _ in range(count)]


def chinesecalendar_nth_working_day(start: date, n: int) -> date:
    """The n-th working day strictly after ``start``, one day at a time."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            counted += 1
    return day


def rate(calls: int, seconds: float) -> float:
    return calls / seconds if seconds > 0 else float("inf")


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def load_times_ms(runs: int) -> list[float]:
    return [timed(lambda: load_calendar(DEFAULT_CALENDAR_PATH)) * 1000 for _ in range(runs)]


def main() -> None:
    rng = random.Random(SEED)
    print(f"Deadline arithmetic: {PERIOD} working days after a random trigger")
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print()

    loads = load_times_ms(LOAD_RUNS)
    calendar = load_calendar(DEFAULT_CALENDAR_PATH)
    schedule_2026 = calendar.schedule(2026)
    assert schedule_2026 is not None
    reload = YearSchedule(
        year=2026,
        holidays=schedule_2026.holidays,
        makeup_workdays=schedule_2026.makeup_workdays,
        source=schedule_2026.source,
    )
    with_year_ms = [timed(lambda: calendar.with_year(reload)) * 1000 for _ in range(LOAD_RUNS)]
    verdict = "met" if statistics.median(loads) < CONSTRUCTION_TARGET_MS else "MISSED"
    print(
        f"calendar load (read + parse + validate + precompute), {LOAD_RUNS} runs: "
        f"first {loads[0]:.1f} ms, median {statistics.median(loads):.1f} ms, "
        f"max {max(loads):.1f} ms "
        f"(target < {CONSTRUCTION_TARGET_MS:.0f} ms: {verdict})"
    )
    print(
        f"with_year (validate + rebuild), {LOAD_RUNS} runs: "
        f"median {statistics.median(with_year_ms):.1f} ms"
    )
    print()

    triggers = random_triggers(CALLS, FIRST_TRIGGER, LAST_TRIGGER, rng)
    ours = benchmark_ours(calendar, triggers)
    ours_rate = rate(CALLS, ours)
    print(
        f"ours      add_working_days  {CALLS:>7,} calls "
        f"({FIRST_TRIGGER}..{LAST_TRIGGER}): {ours:6.3f} s, {ours_rate:>12,.0f} calls/s"
    )

    sample = triggers[:BASELINE_SAMPLE]
    holidays_cn = country_holidays("CN", years=range(2019, 2030))
    holidays_cn.get_nth_working_day(sample[0], PERIOD)  # populate its years before timing
    holidays_seconds = timed(lambda: [holidays_cn.get_nth_working_day(d, PERIOD) for d in sample])
    report_baseline("holidays  get_nth_working_day", len(sample), holidays_seconds, ours_rate)
    agree = sum(
        calendar.add_working_days(d, PERIOD).due_date == holidays_cn.get_nth_working_day(d, PERIOD)
        for d in sample
    )
    print(f"          same answer as ours on {agree:,} of {len(sample):,} inputs")

    cc_sample = [d for d in sample if d <= LAST_CHINESECALENDAR_TRIGGER]
    cc_seconds = timed(lambda: [chinesecalendar_nth_working_day(d, PERIOD) for d in cc_sample])
    report_baseline("chinesecalendar is_workday loop", len(cc_sample), cc_seconds, ours_rate)
    agree = sum(
        calendar.add_working_days(d, PERIOD).due_date == chinesecalendar_nth_working_day(d, PERIOD)
        for d in cc_sample
    )
    print(f"          same answer as ours on {agree:,} of {len(cc_sample):,} inputs")
    print()

    other_operations: list[tuple[str, Callable[[date], object]]] = [
        ("add_months(D, 6)", lambda d: calendar.add_months(d, 6)),
        (
            "working_days_between(D, D + 45 days)",
            lambda d: calendar.working_days_between(d, d + timedelta(days=45)),
        ),
        ("is_working_day(D)", calendar.is_working_day),
    ]
    for label, operation in other_operations:
        seconds = time_each(operation, triggers)
        print(f"ours      {label:<38} {rate(CALLS, seconds):>12,.0f} calls/s")


def time_each(operation: Callable[[date], object], inputs: Sequence[date]) -> float:
    return timed(lambda: [operation(d) for d in inputs])


def benchmark_ours(calendar: WorkingDayCalendar, triggers: Sequence[date]) -> float:
    add = calendar.add_working_days
    return time_each(lambda d: add(d, PERIOD), triggers)


def report_baseline(label: str, calls: int, seconds: float, ours_rate: float) -> None:
    baseline_rate = rate(calls, seconds)
    print(
        f"baseline  {label:<32} {calls:>7,} calls (sample): {seconds:6.3f} s, "
        f"{baseline_rate:>12,.0f} calls/s -> ours is {ours_rate / baseline_rate:,.0f}x faster"
    )


if __name__ == "__main__":
    main()
