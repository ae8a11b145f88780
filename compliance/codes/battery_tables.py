"""The GB/T 34014 letter tables: the data file's format, its loading, and encoding a date.

The tables (product and battery types; production year, month and day codes) are data, read
once from ``compliance/data/battery_code_tables.json``; every entry carries its confidence tag
(C confirmed by a primary text or two sources, S one secondary source, A working assumption),
so a table can be corrected without a code change. The schema below (`TablesFile`) is the
file's format; what it cannot say (each number used exactly once, exactly the three product
types) is checked in `parse_code_tables`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from msgspec import Meta, Raw, Struct

from compliance.data_files import DataFileError, decode_json, keyed
from compliance.messages import Message, t

Confidence = Literal["C", "S", "A"]
# A table's key is one character of a code: a digit or an upper-case letter.
_Character = Annotated[str, Meta(pattern="^[0-9A-Z]$")]
_Text = Annotated[str, Meta(min_length=1)]

_TABLES_RESOURCE = ("data", "battery_code_tables.json")


class ProductType(StrEnum):
    """GB/T 34014 product type, position 4 of a battery code."""

    PACK = "P"
    MODULE = "M"
    CELL = "C"


class NamedRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A product type or battery type: its names and how sure the reading is."""

    name_zh: _Text
    name_en: _Text
    confidence: Confidence


class YearRow(Struct, frozen=True, forbid_unknown_fields=True):
    year: Annotated[int, Meta(ge=2000, le=2099)]
    confidence: Confidence


class NumberTable(Struct, frozen=True, forbid_unknown_fields=True):
    """Month or day codes: one confidence for the whole table."""

    confidence: Confidence
    codes: Annotated[dict[_Character, int], Meta(min_length=1)]


class TablesFile(Struct, frozen=True, forbid_unknown_fields=True):
    """``battery_code_tables.json`` as written."""

    source: _Text
    version: _Text
    confidence_legend: dict[Confidence, _Text]
    # Sections keyed by a code's character are decoded entry by entry, so an error names it.
    product_types: dict[ProductType, Raw]  # NamedRow each
    battery_types: Annotated[dict[_Character, Raw], Meta(min_length=1)]  # NamedRow each
    production_years: Annotated[dict[_Character, Raw], Meta(min_length=1)]  # YearRow each
    production_months: NumberTable
    production_days: NumberTable


class CodeTableEntry(Struct, frozen=True):
    """A row of the product-type or battery-type table, with its confidence tag."""

    letter: str
    name_en: str
    name_zh: str
    confidence: str


class BatteryCodeTables(Struct, frozen=True):
    """The decoding tables, as the battery-code reader looks them up."""

    source: str
    version: str
    product_types: Mapping[str, CodeTableEntry]
    battery_types: Mapping[str, CodeTableEntry]
    years: Mapping[str, int]
    year_confidence: Mapping[str, str]
    months: Mapping[str, int]
    days: Mapping[str, int]

    def year_range(self) -> Message:
        """How the year table reads, for messages: ``7 (2017) to Y (2041)``."""
        first = min(self.years, key=self.years.__getitem__)
        last = max(self.years, key=self.years.__getitem__)
        return t(
            "code.year_range",
            first=first,
            first_year=self.years[first],
            last=last,
            last_year=self.years[last],
        )


class CodeTablesError(ValueError):
    """The tables file does not follow its format; the message says where and why."""


@cache
def battery_code_tables() -> BatteryCodeTables:
    """The battery-code decoding tables, loaded from the data file once per process."""
    data = resources.files("compliance").joinpath(*_TABLES_RESOURCE).read_bytes()
    return parse_code_tables(data)


def parse_code_tables(data: bytes) -> BatteryCodeTables:
    """The tables in ``data`` (the JSON of ``battery_code_tables.json``), checked."""
    where = "battery code tables"
    try:
        raw = decode_json(data, TablesFile, where=where)
        product_types = keyed(raw.product_types, NamedRow, where=where, path="$.product_types")
        battery_types = keyed(raw.battery_types, NamedRow, where=where, path="$.battery_types")
        years = keyed(raw.production_years, YearRow, where=where, path="$.production_years")
    except DataFileError as error:
        raise CodeTablesError(str(error)) from None
    if set(product_types) != set(ProductType):
        raise CodeTablesError(f"{where}: product_types must be exactly P, M and C")
    numbers = {char: row.year for char, row in years.items()}
    return BatteryCodeTables(
        source=raw.source,
        version=raw.version,
        product_types=_entries({str(k): row for k, row in product_types.items()}),
        battery_types=_entries(battery_types),
        years=_onto(numbers, "production_years", min(numbers.values()), max(numbers.values())),
        year_confidence={char: row.confidence for char, row in years.items()},
        months=_onto(raw.production_months.codes, "production_months", 1, 12),
        days=_onto(raw.production_days.codes, "production_days", 1, 31),
    )


def _entries(rows: Mapping[str, NamedRow]) -> dict[str, CodeTableEntry]:
    return {
        str(letter): CodeTableEntry(str(letter), row.name_en, row.name_zh, row.confidence)
        for letter, row in rows.items()
    }


def _onto(numbers: Mapping[str, int], section: str, low: int, high: int) -> dict[str, int]:
    """``numbers`` when it maps onto low..high, each number once: a code reads as one date."""
    if sorted(numbers.values()) != list(range(low, high + 1)):
        raise CodeTablesError(
            f"battery code tables: {section} must map onto {low}..{high} exactly once"
        )
    return dict(numbers)


def production_date_code(day: date) -> str:
    """The three-character production-date code (year, month, day) for ``day``.

    Raises ``ValueError`` when the year table has no letter for the year.
    """
    tables = battery_code_tables()
    encode = {
        "year": {v: k for k, v in tables.years.items()},
        "month": {v: k for k, v in tables.months.items()},
        "day": {v: k for k, v in tables.days.items()},
    }
    if day.year not in encode["year"]:
        raise ValueError(f"the year table has no letter for {day.year} ({tables.year_range()})")
    return encode["year"][day.year] + encode["month"][day.month] + encode["day"][day.day]
