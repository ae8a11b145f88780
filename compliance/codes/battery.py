"""GB/T 34014 battery codes: their layouts, and decoding one in a strict or lenient reading.

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

The letter tables are data: see `compliance.codes.battery_tables`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

from msgspec import Struct

from compliance.codes.battery_tables import BatteryCodeTables, ProductType, battery_code_tables
from compliance.codes.issues import (
    DIGITS,
    NEVER_USED,
    UPPER,
    CodeIssue,
    InvalidCode,
    alphabet_issues,
    issue_at,
    place,
)


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
_BATTERY_ALPHABET = DIGITS + UPPER


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
    reason = NEVER_USED if char in "IOQ" else rule
    where = place(field.start, field.end, field.label)
    return None, issue_at(issue_code, f"{where}: {char!r} is not a {noun}; {reason}", field.start)


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

    date_where = place(layout.year.start, layout.day.end, "production date")
    date_chars = code[layout.year.start - 1 : layout.day.end]
    produced: date | None = None
    if year is not None and month is not None and day is not None:
        try:
            produced = date(year, month, day)
        except ValueError:
            findings.strict_only(
                issue_at(
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
                issue_at(
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
            issue_at(
                "FUTURE_DATE",
                f"{place(layout.year.start, layout.month.end, 'production year and month')}: "
                f"reads as {year}-{month:02d}, which is after today ({today.isoformat()}); "
                "a battery cannot have been produced in the future",
                layout.year.start,
                layout.month.end,
            )
        )
    elif year is not None and year > today.year:
        findings.error(
            issue_at(
                "FUTURE_DATE",
                f"{place(layout.year.start, layout.year.end, layout.year.label)}: "
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
    bad_chars = alphabet_issues(
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
                issue_at(
                    "UNKNOWN_PRODUCT_TYPE",
                    f"{place(field.start, field.end, field.label)}: {field.read(code)!r} is not "
                    f"a product type; use {product_rule}",
                    field.start,
                )
            )
    battery_char = layout.battery_type.read(code)
    if r.clean(layout.battery_type) and battery_char not in tables.battery_types:
        letters = sorted(tables.battery_types)
        r.findings.error(
            issue_at(
                "UNKNOWN_BATTERY_TYPE",
                f"{place(layout.battery_type.start, layout.battery_type.end, 'battery type')}: "
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
            issue_at(
                "MISSING_SECOND_LIFE_MARKER",
                f"{place(marker_field.start, marker_field.end, marker_field.label)}: "
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
            issue_at(
                "PRODUCT_TYPE_MISMATCH",
                f"{place(repeat.start, repeat.end, repeat.label)}: {repeated!r} differs "
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
        issue_at(
            "NON_DIGIT_SERIAL",
            f"{place(field.start, field.end, 'serial number')}: {serial!r} "
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
    issues = alphabet_issues(
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
