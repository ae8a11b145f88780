"""Regenerate the China working-day data file from its sources.

Owns the derivation of ``compliance/data/calendar/cn-workdays.json``:

- announced years (every year ``chinesecalendar`` covers) from the State Council notices as
  published in ``chinesecalendar``, plus the corrections listed in ``CORRECTIONS``, each backed
  by the notice it comes from;
- estimated years (the year after the last announced one up to ``LAST_ESTIMATED_YEAR``) from
  the rule-based statutory holidays of ``holidays`` (China), which has no make-up days for them.

The output is deterministic (no timestamps), so a test can regenerate it in memory and compare
it with the committed file. Run with ``make seed-calendar``; ``--check`` compares without
writing and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Final, Literal

import chinese_calendar
from chinese_calendar import constants as chinese_calendar_data
from holidays import country_holidays

from compliance.calendar import DEFAULT_CALENDAR_PATH

LAST_ESTIMATED_YEAR: Final = 2060
DATA_FORMAT_VERSION: Final = 1


@dataclass(frozen=True)
class Correction:
    """A day on which the primary notice and ``chinesecalendar`` disagree."""

    day: date
    status: Literal["holiday", "makeup_workday"]
    reason: str


# The notice for 2006 (国办发明电〔2005〕35号, 2005-12-16) moved the weekend of 2005-12-31 and
# 2006-01-01 to 2006-01-02/03 and made Saturday 2005-12-31 a working day. chinesecalendar files
# only the 2006 side of that swap; `holidays` and the notice agree on it.
CORRECTIONS: Final[tuple[Correction, ...]] = (
    Correction(
        day=date(2005, 12, 31),
        status="makeup_workday",
        reason=(
            "2005-12-31 (Saturday) is a make-up working day per the notice for 2006 "
            "(国办发明电〔2005〕35号), which chinesecalendar {chinesecalendar} omits"
        ),
    ),
)


def chinesecalendar_version() -> str:
    return version("chinesecalendar")


def holidays_version() -> str:
    return version("holidays")


def announced_years() -> range:
    """Every year chinesecalendar has a notice for."""
    years = {d.year for d in chinese_calendar_data.holidays}
    return range(min(years), max(years) + 1)


def estimated_years() -> range:
    return range(announced_years().stop, LAST_ESTIMATED_YEAR + 1)


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def announced_entry(year: int) -> dict[str, object]:
    """A year as chinesecalendar has it, with the corrections for that year applied."""
    rest_weekdays = set()
    makeup_weekends = set()
    for d in _days_of(year):
        working = chinese_calendar.is_workday(d)
        if d.weekday() < 5 and not working:
            rest_weekdays.add(d)
        elif d.weekday() >= 5 and working:
            makeup_weekends.add(d)
    source = (
        f"State Council General Office holiday notice for {year}, as published in "
        f"chinesecalendar {chinesecalendar_version()}"
    )
    for correction in CORRECTIONS:
        if correction.day.year != year:
            continue
        if correction.status == "makeup_workday":
            rest_weekdays.discard(correction.day)
            makeup_weekends.add(correction.day)
        else:
            makeup_weekends.discard(correction.day)
            rest_weekdays.add(correction.day)
        source += "; " + correction.reason.format(chinesecalendar=chinesecalendar_version())
    return {
        "holidays": [d.isoformat() for d in sorted(rest_weekdays)],
        "makeup_workdays": [d.isoformat() for d in sorted(makeup_weekends)],
        "source": source,
        "announced_on": None,
    }


def estimated_entry(year: int) -> dict[str, object]:
    """A year's Monday-Friday statutory holidays as `holidays` estimates them."""
    china = country_holidays("CN", years=year)
    rest_weekdays = sorted(d for d in china if d.year == year and d.weekday() < 5)
    return {
        "holidays": [d.isoformat() for d in rest_weekdays],
        "source": (
            f"rule-based estimate (holidays {holidays_version()}, China, statutory holidays per "
            f"State Council Order No. 795), no make-up days"
        ),
    }


def build_document() -> dict[str, object]:
    return {
        "calendar": "CN",
        "version": DATA_FORMAT_VERSION,
        "timezone": "Asia/Shanghai",
        "generated_by": (
            f"tools/seed_calendar.py from chinesecalendar {chinesecalendar_version()} and "
            f"holidays {holidays_version()}"
        ),
        "announced": {str(year): announced_entry(year) for year in announced_years()},
        "estimated": {str(year): estimated_entry(year) for year in estimated_years()},
    }


def render_document(document: dict[str, object]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.seed_calendar", description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_CALENDAR_PATH)
    parser.add_argument(
        "--check", action="store_true", help="compare with the file instead of writing it"
    )
    args = parser.parse_args(argv)
    output: Path = args.output
    rendered = render_document(build_document())
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != rendered:
            print(f"{output} differs from its sources; run `make seed-calendar`", file=sys.stderr)
            return 1
        print(f"{output} matches its sources")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(rendered, encoding="utf-8")
    first, last = announced_years(), estimated_years()
    print(
        f"wrote {output}: announced {first.start}-{first.stop - 1}, "
        f"estimated {last.start}-{last.stop - 1}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
