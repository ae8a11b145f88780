"""Identifier validation: GB/T 34014 battery codes, VINs and Unified Social Credit Codes (pure).

This module owns the reading of the three identifiers the product is given by clients, and the
vocabulary of problems found in them (`CodeIssue`). Every check collects *all* issues, not just
the first, and every message names the 1-based character position(s) and the rule broken, so a
compliance officer can correct the code without consulting the standard. Input is never
normalised: a lower-case letter is reported ("use upper case"), because the code a client sends
is the code that is stored and reported.

Battery code (GB/T 34014-2017), 24 characters of digits and upper-case Latin letters [C]:

    pos   1-3 manufacturer code      4 product type (P/M/C)     5 battery type (A-G, Z)
          6-7 specification code  8-14 traceability code       15 production year
           16 production month      17 production day       18-24 serial number

The letter tables (product and battery types, year, month and day codes) are data, read once
from ``compliance/data/battery_code_tables.json``; each entry carries its confidence tag
(C confirmed, S one secondary source, A working assumption).

Second-life (cascade-use) reading, 19 characters [S]. The standard says a re-coded cascade-use
product is coded again by the same rules, without the traceability code; one public model reads
such a code as 19 characters "ending in R + product type". We read it as [A for the positions]:

    pos   1-3 manufacturer code      4 product type             5 battery type
          6-7 specification code  8-10 production year, month, day
        11-17 serial number         18 'R' (second-life marker) 19 product type, repeated

which is the 24-character layout without positions 8-14, followed by the two-character suffix.
Position 19 must repeat position 4 (a code cannot name two product types).

Strict and lenient readings (`decode_battery_code(strict=...)`):

- Errors in both readings: wrong length, a character outside 0-9/A-Z (lower case included),
  unknown product type, unknown battery type, a missing 'R' marker in the 19-character
  reading, and a production date after ``today``. A date in the future is never a tolerable
  deviation: it is the "event dated in the future" that the lifecycle rules reject, and a
  maker cannot have printed it yet.
- Errors in strict, warnings in lenient: a serial with letters, a year/month/day character that
  the tables do not decode, letters that decode to no calendar date (e.g. 30 February), and a
  19th character that differs from the 4th. Real codes with such deviations exist [S] and our
  date tables are partly [S]/[A], so the lenient reading accepts the code and leaves
  ``production_date`` as ``None`` when it cannot be decoded.

VIN (ISO 3779, check digit mandatory in China by GB 16735) [C]: 17 characters, no I, O or Q;
position 9 is the weighted-sum-mod-11 check digit. The check digit detects every change of one
character to a character with a different transliterated value; it cannot detect a change
between characters with the same value (e.g. ``A``, ``J`` and ``1`` are all worth 1).

USCC (GB 32100-2015) [C]: 18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY``; position 18 is
the mod-31 check character, which detects every single-character change. Positions 1-2
(registration authority and entity type) and 3-8 (division code of the registering authority)
are not checked beyond the alphabet: we have no primary source for the complete current
authority/type table, and the division code is the one in force at registration, which may
since have been abolished.

Issue codes (``CodeIssue.code``), stable for machine use:

- ``INVALID_LENGTH``          wrong number of characters (whole code; positions None)
- ``INVALID_CHARACTER``       a character outside the identifier's alphabet
- ``LOWER_CASE_LETTER``       a lower-case letter whose upper-case form would be allowed
- ``UNKNOWN_PRODUCT_TYPE``    battery code position 4 (or 19) is not P, M or C
- ``UNKNOWN_BATTERY_TYPE``    battery code position 5 is not in the battery-type table
- ``UNKNOWN_YEAR``            the production-year character is not in the year table
- ``UNKNOWN_MONTH``           the production-month character is not 1-9, A, B, C
- ``UNKNOWN_DAY``             the production-day character is not in the day table
- ``IMPOSSIBLE_DATE``         year, month and day decode but form no calendar date
- ``FUTURE_DATE``             the production date (or its year or month) is after today
- ``NON_DIGIT_SERIAL``        the serial number contains letters
- ``MISSING_SECOND_LIFE_MARKER``  position 18 of a 19-character code is not 'R'
- ``PRODUCT_TYPE_MISMATCH``   position 19 of a 19-character code differs from position 4
- ``CHECK_DIGIT_MISMATCH``    VIN position 9 differs from the computed check digit
- ``CHECK_CHARACTER_MISMATCH``  USCC position 18 differs from the computed check character
- ``UNKNOWN_REGION``, ``NO_SINGLE_PREFECTURE``  raised by `compliance.regions`, which reuses
  `CodeIssue` and `InvalidCode`
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from msgspec import Struct

__all__ = [
    "BatteryCode",
    "BatteryCodeReport",
    "BatteryCodeTables",
    "CodeIssue",
    "CodeTableEntry",
    "InvalidCode",
    "ProductType",
    "battery_code_tables",
    "check_uscc",
    "check_vin",
    "decode_battery_code",
    "manufacturer_code_of",
    "parse_battery_code",
    "production_date_code",
    "uscc_check_character",
    "vin_check_digit",
]


# --------------------------------------------------------------------------- issues


class CodeIssue(Struct, frozen=True):
    """One problem found in an identifier.

    ``positions`` is the 1-based inclusive character range the issue is about, or ``None`` when
    it concerns the whole code (such as its length).
    """

    code: str
    message: str
    positions: tuple[int, int] | None


class InvalidCode(ValueError):  # noqa: N818 - the name reads as the domain says it
    """An identifier was rejected; ``issues`` holds every problem found, not just the first."""

    issues: tuple[CodeIssue, ...]

    def __init__(self, issues: Iterable[CodeIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(issue.message for issue in self.issues) or "invalid code")


def _where(start: int, end: int, label: str | None = None) -> str:
    place = f"position {start}" if start == end else f"positions {start}-{end}"
    return f"{place} ({label})" if label else place


def _issue(code: str, message: str, start: int, end: int | None = None) -> CodeIssue:
    return CodeIssue(code, message, (start, start if end is None else end))


_DIGITS = "0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _alphabet_issues(
    code: str,
    allowed: str,
    *,
    what: str,
    alphabet_rule: str,
    forbidden_rule: str | None = None,
    labels: Mapping[int, str] | None = None,
) -> list[CodeIssue]:
    """One issue per character outside ``allowed``.

    A lower-case letter whose upper-case form is allowed gets its own code and a "use upper
    case" message; an upper-case letter the identifier forbids (VIN I/O/Q, USCC I/O/S/V/Z) is
    explained by ``forbidden_rule`` rather than the general alphabet rule.
    """
    issues: list[CodeIssue] = []
    for index, char in enumerate(code):
        if char in allowed:
            continue
        position = index + 1
        where = _where(position, position, (labels or {}).get(position))
        upper = char.upper()
        if char != upper and upper in allowed and char.isascii():
            issues.append(
                _issue(
                    "LOWER_CASE_LETTER",
                    f"{where}: {char!r} is a lower-case letter; use upper case ({upper!r}): "
                    f"{what} must be sent exactly as marked, in upper case",
                    position,
                )
            )
        elif forbidden_rule is not None and upper in _UPPER and char.isascii():
            issues.append(
                _issue(
                    "INVALID_CHARACTER",
                    f"{where}: {char!r} is not allowed; {forbidden_rule}",
                    position,
                )
            )
        else:
            issues.append(
                _issue(
                    "INVALID_CHARACTER",
                    f"{where}: {char!r} is not allowed; {alphabet_rule}",
                    position,
                )
            )
    return issues


# --------------------------------------------------------------------------- battery-code tables


class ProductType(StrEnum):
    """GB/T 34014 product type, position 4 of a battery code."""

    PACK = "P"
    MODULE = "M"
    CELL = "C"


class CodeTableEntry(Struct, frozen=True):
    """A row of the product-type or battery-type table, with its confidence tag."""

    letter: str
    name_en: str
    name_zh: str
    confidence: str


class BatteryCodeTables(Struct, frozen=True):
    """The decoding tables of ``battery_code_tables.json``, validated on load."""

    source: str
    version: str
    product_types: Mapping[str, CodeTableEntry]
    battery_types: Mapping[str, CodeTableEntry]
    years: Mapping[str, int]
    year_confidence: Mapping[str, str]
    months: Mapping[str, int]
    days: Mapping[str, int]

    def year_range(self) -> str:
        """How the year table reads, for messages: ``7 (2017) to Y (2041)``."""
        first = min(self.years, key=self.years.__getitem__)
        last = max(self.years, key=self.years.__getitem__)
        return f"{first} ({self.years[first]}) to {last} ({self.years[last]})"


_TABLES_RESOURCE = ("data", "battery_code_tables.json")
_CONFIDENCE_TAGS = frozenset({"C", "S", "A"})


def _entries(raw: Any, section: str) -> dict[str, CodeTableEntry]:
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"battery code tables: {section!r} must be a non-empty object")
    entries: dict[str, CodeTableEntry] = {}
    for letter, row in raw.items():
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("name_en"), str)
            or not isinstance(row.get("name_zh"), str)
            or row.get("confidence") not in _CONFIDENCE_TAGS
        ):
            raise ValueError(
                f"battery code tables: {section}[{letter!r}] needs name_en, name_zh and a "
                "confidence of C, S or A"
            )
        entries[letter] = CodeTableEntry(letter, row["name_en"], row["name_zh"], row["confidence"])
    return entries


def _numbers(raw: Any, section: str, low: int, high: int) -> dict[str, int]:
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"battery code tables: {section!r} must be a non-empty object")
    numbers: dict[str, int] = {}
    for char, value in raw.items():
        if not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"battery code tables: {section}[{char!r}] must be {low}..{high}")
        numbers[char] = value
    if sorted(numbers.values()) != list(range(low, high + 1)):
        raise ValueError(f"battery code tables: {section} must map onto {low}..{high} exactly once")
    return numbers


def _single_characters(tables: BatteryCodeTables) -> None:
    allowed = frozenset(_DIGITS + _UPPER)
    for section, keys in (
        ("product_types", tables.product_types),
        ("battery_types", tables.battery_types),
        ("production_years", tables.years),
        ("production_months", tables.months),
        ("production_days", tables.days),
    ):
        for key in keys:
            if len(key) != 1 or key not in allowed:
                raise ValueError(
                    f"battery code tables: {section} key {key!r} is not one digit or "
                    "upper-case letter"
                )


@cache
def battery_code_tables() -> BatteryCodeTables:
    """The battery-code decoding tables, loaded from the data file once per process."""
    text = resources.files("compliance").joinpath(*_TABLES_RESOURCE).read_text(encoding="utf-8")
    raw = json.loads(text)
    years_raw = raw.get("production_years")
    if not isinstance(years_raw, dict) or not years_raw:
        raise ValueError("battery code tables: 'production_years' must be a non-empty object")
    years: dict[str, int] = {}
    year_confidence: dict[str, str] = {}
    for char, row in years_raw.items():
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("year"), int)
            or row.get("confidence") not in _CONFIDENCE_TAGS
        ):
            raise ValueError(
                f"battery code tables: production_years[{char!r}] needs year, confidence"
            )
        years[char] = row["year"]
        year_confidence[char] = row["confidence"]
    first_year = min(years.values())
    tables = BatteryCodeTables(
        source=str(raw["source"]),
        version=str(raw["version"]),
        product_types=_entries(raw.get("product_types"), "product_types"),
        battery_types=_entries(raw.get("battery_types"), "battery_types"),
        years=_numbers(years, "production_years", first_year, max(years.values())),
        year_confidence=year_confidence,
        months=_numbers(raw["production_months"]["codes"], "production_months", 1, 12),
        days=_numbers(raw["production_days"]["codes"], "production_days", 1, 31),
    )
    _single_characters(tables)
    if set(tables.product_types) != {member.value for member in ProductType}:
        raise ValueError("battery code tables: product_types must be exactly P, M and C")
    return tables


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


# --------------------------------------------------------------------------- battery codes


class BatteryCode(Struct, frozen=True):
    """A battery code that passed validation in the reading it was decoded with."""

    code: str
    manufacturer_code: str
    product_type: ProductType
    battery_type: str
    battery_type_name_en: str
    battery_type_name_zh: str
    spec_code: str
    traceability_code: str | None
    production_date: date | None
    serial: str
    second_life: bool
    warnings: tuple[CodeIssue, ...]


class BatteryCodeReport(Struct, frozen=True):
    """Everything `decode_battery_code` found: the decoded battery when valid, and all issues."""

    code: str
    strict: bool
    valid: bool
    battery: BatteryCode | None
    errors: tuple[CodeIssue, ...]
    warnings: tuple[CodeIssue, ...]


class _Field(Struct, frozen=True):
    label: str
    start: int  # 1-based, inclusive
    end: int

    def read(self, code: str) -> str:
        return code[self.start - 1 : self.end]


class _Layout(Struct, frozen=True):
    length: int
    manufacturer: _Field
    product_type: _Field
    battery_type: _Field
    spec: _Field
    traceability: _Field | None
    year: _Field
    month: _Field
    day: _Field
    serial: _Field
    marker: _Field | None
    product_type_repeat: _Field | None

    def fields(self) -> tuple[_Field, ...]:
        candidates = (
            self.manufacturer,
            self.product_type,
            self.battery_type,
            self.spec,
            self.traceability,
            self.year,
            self.month,
            self.day,
            self.serial,
            self.marker,
            self.product_type_repeat,
        )
        return tuple(field for field in candidates if field is not None)

    def label_at(self, position: int) -> str:
        for field in self.fields():
            if field.start <= position <= field.end:
                return field.label
        raise AssertionError(f"layout does not cover position {position}")


_STANDARD = _Layout(
    length=24,
    manufacturer=_Field("manufacturer code", 1, 3),
    product_type=_Field("product type", 4, 4),
    battery_type=_Field("battery type", 5, 5),
    spec=_Field("specification code", 6, 7),
    traceability=_Field("traceability code", 8, 14),
    year=_Field("production year", 15, 15),
    month=_Field("production month", 16, 16),
    day=_Field("production day", 17, 17),
    serial=_Field("serial number", 18, 24),
    marker=None,
    product_type_repeat=None,
)

_SECOND_LIFE = _Layout(
    length=19,
    manufacturer=_Field("manufacturer code", 1, 3),
    product_type=_Field("product type", 4, 4),
    battery_type=_Field("battery type", 5, 5),
    spec=_Field("specification code", 6, 7),
    traceability=None,
    year=_Field("production year", 8, 8),
    month=_Field("production month", 9, 9),
    day=_Field("production day", 10, 10),
    serial=_Field("serial number", 11, 17),
    marker=_Field("second-life marker", 18, 18),
    product_type_repeat=_Field("repeated product type", 19, 19),
)

_LAYOUTS = {layout.length: layout for layout in (_STANDARD, _SECOND_LIFE)}
_SECOND_LIFE_MARKER = "R"
_BATTERY_ALPHABET = _DIGITS + _UPPER
_NEVER_USED = "letters I, O and Q are never used"


class _Findings:
    """Issues sorted into errors and warnings as they are found, by the reading's strictness."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.errors: list[CodeIssue] = []
        self.warnings: list[CodeIssue] = []

    def error(self, issue: CodeIssue) -> None:
        self.errors.append(issue)

    def strict_only(self, issue: CodeIssue) -> None:
        """An issue that rejects the code in the strict reading and is tolerated in the lenient."""
        (self.errors if self.strict else self.warnings).append(issue)


def _decode_date_part(
    char: str, field: _Field, table: Mapping[str, int], *, issue_code: str, rule: str, noun: str
) -> tuple[int | None, CodeIssue | None]:
    if char in table:
        return table[char], None
    reason = _NEVER_USED if char in "IOQ" else rule
    where = _where(field.start, field.end, field.label)
    return None, _issue(issue_code, f"{where}: {char!r} is not a {noun}; {reason}", field.start)


def _production_date(
    code: str, layout: _Layout, tables: BatteryCodeTables, today: date, findings: _Findings
) -> date | None:
    year, year_issue = _decode_date_part(
        layout.year.read(code),
        layout.year,
        tables.years,
        issue_code="UNKNOWN_YEAR",
        rule=f"years are coded {tables.year_range()}",
        noun="year letter",
    )
    month, month_issue = _decode_date_part(
        layout.month.read(code),
        layout.month,
        tables.months,
        issue_code="UNKNOWN_MONTH",
        rule="months are coded 1-9, A (10), B (11), C (12)",
        noun="month code",
    )
    day, day_issue = _decode_date_part(
        layout.day.read(code),
        layout.day,
        tables.days,
        issue_code="UNKNOWN_DAY",
        rule="days are coded 1-9, then A (10) to Y (31) skipping I, O and Q",
        noun="day code",
    )
    for issue in (year_issue, month_issue, day_issue):
        if issue is not None:
            findings.strict_only(issue)

    date_where = _where(layout.year.start, layout.day.end, "production date")
    date_chars = code[layout.year.start - 1 : layout.day.end]
    produced: date | None = None
    if year is not None and month is not None and day is not None:
        try:
            produced = date(year, month, day)
        except ValueError:
            findings.strict_only(
                _issue(
                    "IMPOSSIBLE_DATE",
                    f"{date_where}: {date_chars!r} reads as year {year}, month {month}, day {day}, "
                    "which is not a calendar date",
                    layout.year.start,
                    layout.day.end,
                )
            )

    # A future date is judged on as much of the date as decodes: a year after this one is
    # already impossible even when the month or day character is unreadable.
    if produced is not None:
        if produced > today:
            findings.error(
                _issue(
                    "FUTURE_DATE",
                    f"{date_where}: {date_chars!r} reads as {produced.isoformat()}, which is "
                    f"after today ({today.isoformat()}); a battery cannot have been produced "
                    "in the future",
                    layout.year.start,
                    layout.day.end,
                )
            )
            return None
    elif year is not None and month is not None and (year, month) > (today.year, today.month):
        findings.error(
            _issue(
                "FUTURE_DATE",
                f"{_where(layout.year.start, layout.month.end, 'production year and month')}: "
                f"reads as {year}-{month:02d}, which is after today ({today.isoformat()}); "
                "a battery cannot have been produced in the future",
                layout.year.start,
                layout.month.end,
            )
        )
    elif year is not None and year > today.year:
        findings.error(
            _issue(
                "FUTURE_DATE",
                f"{_where(layout.year.start, layout.year.end, layout.year.label)}: "
                f"reads as {year}, which is after today ({today.isoformat()}); "
                "a battery cannot have been produced in the future",
                layout.year.start,
            )
        )
    return produced


def decode_battery_code(code: str, *, strict: bool = True, today: date) -> BatteryCodeReport:
    """Read ``code`` as a GB/T 34014 battery code and report everything found; never raises.

    ``strict`` selects the reading (see the module docstring); ``today`` is the date against
    which a production date in the future is rejected.
    """
    findings = _Findings(strict)
    layout = _LAYOUTS.get(len(code))
    if layout is None:
        findings.error(
            CodeIssue(
                "INVALID_LENGTH",
                f"the code has {len(code)} characters; a battery code has 24 "
                "(or 19 for a re-coded second-life product)",
                None,
            )
        )
    labels = {p: layout.label_at(p) for p in range(1, layout.length + 1)} if layout else None
    bad_chars = _alphabet_issues(
        code,
        _BATTERY_ALPHABET,
        what="battery codes",
        alphabet_rule="a battery code contains only digits 0-9 and upper-case letters A-Z",
        labels=labels,
    )
    for issue in bad_chars:
        findings.error(issue)
    if layout is None:
        return _report(code, findings, None)

    # A field holding a character already reported is not judged again: one mistake, one issue.
    reading = _Reading(
        code,
        layout,
        battery_code_tables(),
        findings,
        frozenset(issue.positions[0] for issue in bad_chars if issue.positions),
    )
    _check_types(reading)
    _check_marker(reading)
    _check_repeat(reading)
    produced: date | None = None
    if reading.clean(layout.year) and reading.clean(layout.month) and reading.clean(layout.day):
        produced = _production_date(code, layout, reading.tables, today, findings)
    _check_serial(reading, strict)
    if findings.errors:
        return _report(code, findings, None)
    return _report(code, findings, _decoded(reading, produced))


class _Reading(NamedTuple):
    """One code read against one layout: what the field checks share."""

    code: str
    layout: _Layout
    tables: BatteryCodeTables
    findings: _Findings
    bad_positions: frozenset[int]  # characters reported already

    def clean(self, field: _Field | None) -> bool:
        """Whether `field` is there and holds no character reported already."""
        return field is not None and not any(
            field.start <= position <= field.end for position in self.bad_positions
        )


def _check_types(r: _Reading) -> None:
    """The product type (and its repeat in a second-life code) and the battery type."""
    code, layout, tables = r.code, r.layout, r.tables
    product_rule = ", ".join(
        f"{letter} ({entry.name_en})" for letter, entry in tables.product_types.items()
    )
    for field in (layout.product_type, layout.product_type_repeat):
        if field is not None and r.clean(field) and field.read(code) not in tables.product_types:
            r.findings.error(
                _issue(
                    "UNKNOWN_PRODUCT_TYPE",
                    f"{_where(field.start, field.end, field.label)}: {field.read(code)!r} is not "
                    f"a product type; use {product_rule}",
                    field.start,
                )
            )
    battery_char = layout.battery_type.read(code)
    if r.clean(layout.battery_type) and battery_char not in tables.battery_types:
        letters = sorted(tables.battery_types)
        r.findings.error(
            _issue(
                "UNKNOWN_BATTERY_TYPE",
                f"{_where(layout.battery_type.start, layout.battery_type.end, 'battery type')}: "
                f"{battery_char!r} is not a battery type; use one of "
                f"{', '.join(letters[:-1])} or {letters[-1]}",
                layout.battery_type.start,
            )
        )


def _check_marker(r: _Reading) -> None:
    """A 19-character code's second-life marker."""
    marker_field = r.layout.marker
    if marker_field is None or not r.clean(marker_field):
        return
    marker = marker_field.read(r.code)
    if marker != _SECOND_LIFE_MARKER:
        r.findings.error(
            _issue(
                "MISSING_SECOND_LIFE_MARKER",
                f"{_where(marker_field.start, marker_field.end, marker_field.label)}: "
                f"{marker!r} found; a 19-character code is a re-coded second-life product "
                f"and has {_SECOND_LIFE_MARKER!r} here (a battery code otherwise has 24 "
                "characters)",
                marker_field.start,
            )
        )


def _check_repeat(r: _Reading) -> None:
    """A second-life code names its product type twice; both must agree."""
    code, layout, types = r.code, r.layout, r.tables.product_types
    repeat = layout.product_type_repeat
    if repeat is None or not (r.clean(repeat) and r.clean(layout.product_type)):
        return
    product_char, repeated = layout.product_type.read(code), repeat.read(code)
    if repeated in types and product_char in types and repeated != product_char:
        r.findings.strict_only(
            _issue(
                "PRODUCT_TYPE_MISMATCH",
                f"{_where(repeat.start, repeat.end, repeat.label)}: {repeated!r} differs "
                f"from position {layout.product_type.start} ({product_char!r}); both name the "
                "product type of the re-coded product and must agree",
                repeat.start,
            )
        )


def _check_serial(r: _Reading, strict: bool) -> None:
    """Digits only, strictly; letters are tolerated by the lenient reading."""
    field = r.layout.serial
    serial = field.read(r.code)
    if not r.clean(field) or serial.isdigit():
        return
    letter_positions = [
        str(field.start + offset) for offset, char in enumerate(serial) if char.isalpha()
    ]
    tolerance = (
        "the strict reading allows digits only"
        if strict
        else "accepted by the lenient reading; the strict reading allows digits only"
    )
    r.findings.strict_only(
        _issue(
            "NON_DIGIT_SERIAL",
            f"{_where(field.start, field.end, 'serial number')}: {serial!r} "
            f"has letters at position{'s' if len(letter_positions) > 1 else ''} "
            f"{', '.join(letter_positions)}; {tolerance}",
            field.start,
            field.end,
        )
    )


def _decoded(r: _Reading, produced: date | None) -> BatteryCode:
    code, layout = r.code, r.layout
    battery_char = layout.battery_type.read(code)
    battery_type = r.tables.battery_types[battery_char]
    return BatteryCode(
        code=code,
        manufacturer_code=layout.manufacturer.read(code),
        product_type=ProductType(layout.product_type.read(code)),
        battery_type=battery_char,
        battery_type_name_en=battery_type.name_en,
        battery_type_name_zh=battery_type.name_zh,
        spec_code=layout.spec.read(code),
        traceability_code=layout.traceability.read(code) if layout.traceability else None,
        production_date=produced,
        serial=layout.serial.read(code),
        second_life=layout is _SECOND_LIFE,
        warnings=tuple(r.findings.warnings),
    )


def _report(code: str, findings: _Findings, battery: BatteryCode | None) -> BatteryCodeReport:
    return BatteryCodeReport(
        code=code,
        strict=findings.strict,
        valid=not findings.errors,
        battery=battery,
        errors=tuple(findings.errors),
        warnings=tuple(findings.warnings),
    )


def parse_battery_code(code: str, *, strict: bool = True, today: date) -> BatteryCode:
    """The decoded battery code; raises `InvalidCode` carrying every error found."""
    report = decode_battery_code(code, strict=strict, today=today)
    if report.battery is None:
        raise InvalidCode(report.errors)
    return report.battery


def manufacturer_code_of(code: str) -> str:
    """The manufacturer code (positions 1-3) a battery maker must own to register ``code``.

    Raises `InvalidCode` when the code is shorter than 3 characters or its first three are not
    digits or upper-case letters.
    """
    head = code[:3]
    issues = _alphabet_issues(
        head,
        _BATTERY_ALPHABET,
        what="battery codes",
        alphabet_rule="a manufacturer code contains only digits 0-9 and upper-case letters A-Z",
        labels={1: "manufacturer code", 2: "manufacturer code", 3: "manufacturer code"},
    )
    if len(head) < 3:
        issues.insert(
            0,
            CodeIssue(
                "INVALID_LENGTH",
                f"the code has {len(code)} characters; a manufacturer code is its first 3",
                None,
            ),
        )
    if issues:
        raise InvalidCode(issues)
    return head


# --------------------------------------------------------------------------- VIN

_VIN_LENGTH = 17
_VIN_CHECK_POSITION = 9
_VIN_ALPHABET = "".join(char for char in _DIGITS + _UPPER if char not in "IOQ")
_VIN_VALUES: Mapping[str, int] = {
    **{digit: int(digit) for digit in _DIGITS},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def _vin_shape_issues(vin: str, *, skip: int | None = None) -> list[CodeIssue]:
    issues: list[CodeIssue] = []
    if len(vin) != _VIN_LENGTH:
        issues.append(
            CodeIssue(
                "INVALID_LENGTH",
                f"the VIN has {len(vin)} characters; a VIN has {_VIN_LENGTH}",
                None,
            )
        )
    char_issues = _alphabet_issues(
        vin,
        _VIN_ALPHABET,
        what="VINs",
        alphabet_rule="a VIN contains only digits and upper-case letters other than I, O and Q",
        forbidden_rule=f"{_NEVER_USED} in a VIN",
        labels={_VIN_CHECK_POSITION: "check digit"},
    )
    issues.extend(issue for issue in char_issues if skip is None or issue.positions != (skip, skip))
    return issues


def vin_check_digit(vin: str) -> str:
    """The check digit (``0``-``9`` or ``X``) position 9 of the 17-character ``vin`` must hold.

    Position 9 itself may hold any character: it carries weight 0. Raises `InvalidCode` when
    ``vin`` is not 17 characters of the VIN alphabet elsewhere.
    """
    issues = _vin_shape_issues(vin, skip=_VIN_CHECK_POSITION)
    if issues:
        raise InvalidCode(issues)
    total = sum(
        _VIN_VALUES[char] * weight
        for position, (char, weight) in enumerate(zip(vin, _VIN_WEIGHTS, strict=True), start=1)
        if position != _VIN_CHECK_POSITION
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def check_vin(vin: str) -> tuple[CodeIssue, ...]:
    """Every problem with ``vin`` (length, alphabet, check digit); ``()`` when it is valid."""
    issues = _vin_shape_issues(vin)
    if issues:
        return tuple(issues)
    expected = vin_check_digit(vin)
    found = vin[_VIN_CHECK_POSITION - 1]
    if found != expected:
        issues.append(
            _issue(
                "CHECK_DIGIT_MISMATCH",
                f"{_where(_VIN_CHECK_POSITION, _VIN_CHECK_POSITION, 'check digit')}: found "
                f"{found!r}, but the other 16 characters give {expected!r} (weighted sum mod 11, "
                "GB 16735); a character of the VIN is mistyped or the VIN is not genuine",
                _VIN_CHECK_POSITION,
            )
        )
    return tuple(issues)


# --------------------------------------------------------------------------- USCC

_USCC_LENGTH = 18
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES: Mapping[str, int] = {char: value for value, char in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_ALPHABET_RULE = (
    "a Unified Social Credit Code uses digits and the letters A-H, J-N, P-R, T, U, W-Y "
    "(never I, O, S, V or Z)"
)


def _uscc_shape_issues(code: str, length: int) -> list[CodeIssue]:
    issues: list[CodeIssue] = []
    if len(code) != length:
        noun = (
            "a Unified Social Credit Code has 18"
            if length == _USCC_LENGTH
            else (f"the part before the check character has {length}")
        )
        issues.append(
            CodeIssue("INVALID_LENGTH", f"the code has {len(code)} characters; {noun}", None)
        )
    issues.extend(
        _alphabet_issues(
            code,
            _USCC_ALPHABET,
            what="Unified Social Credit Codes",
            alphabet_rule=_USCC_ALPHABET_RULE,
            forbidden_rule=_USCC_ALPHABET_RULE,
            labels={_USCC_LENGTH: "check character"} if length == _USCC_LENGTH else None,
        )
    )
    return issues


def uscc_check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a USCC.

    Raises `InvalidCode` when ``first17`` is not 17 characters of the USCC alphabet.
    """
    issues = _uscc_shape_issues(first17, _USCC_LENGTH - 1)
    if issues:
        raise InvalidCode(issues)
    total = sum(
        _USCC_VALUES[char] * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(code: str) -> tuple[CodeIssue, ...]:
    """Every problem with the USCC ``code`` (length, alphabet, check character); ``()`` if valid."""
    issues = _uscc_shape_issues(code, _USCC_LENGTH)
    if issues:
        return tuple(issues)
    expected = uscc_check_character(code[:-1])
    if code[-1] != expected:
        issues.append(
            _issue(
                "CHECK_CHARACTER_MISMATCH",
                f"{_where(_USCC_LENGTH, _USCC_LENGTH, 'check character')}: found {code[-1]!r}, "
                f"but the first 17 characters give {expected!r} (weighted sum mod 31, "
                "GB 32100); a character of the code is mistyped or the code is not genuine",
                _USCC_LENGTH,
            )
        )
    return tuple(issues)
