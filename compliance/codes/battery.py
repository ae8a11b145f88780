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
from compliance.messages import Message, both, listing, t


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
    label: str  # the catalog key of its name
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
    manufacturer=_Field("code.label.manufacturer_code", 1, 3),
    product_type=_Field("code.label.product_type", 4, 4),
    battery_type=_Field("code.label.battery_type", 5, 5),
    spec=_Field("code.label.specification_code", 6, 7),
    traceability=_Field("code.label.traceability_code", 8, 14),
    year=_Field("code.label.production_year", 15, 15),
    month=_Field("code.label.production_month", 16, 16),
    day=_Field("code.label.production_day", 17, 17),
    serial=_Field("code.label.serial_number", 18, 24),
    marker=None,
    product_type_repeat=None,
)

_SECOND_LIFE = _Layout(
    length=19,
    manufacturer=_Field("code.label.manufacturer_code", 1, 3),
    product_type=_Field("code.label.product_type", 4, 4),
    battery_type=_Field("code.label.battery_type", 5, 5),
    spec=_Field("code.label.specification_code", 6, 7),
    traceability=None,
    year=_Field("code.label.production_year", 8, 8),
    month=_Field("code.label.production_month", 9, 9),
    day=_Field("code.label.production_day", 10, 10),
    serial=_Field("code.label.serial_number", 11, 17),
    marker=_Field("code.label.second_life_marker", 18, 18),
    product_type_repeat=_Field("code.label.repeated_product_type", 19, 19),
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
    char: str, field: _Field, table: Mapping[str, int], *, issue_code: str, rule: Message, noun: str
) -> tuple[int | None, CodeIssue | None]:
    if char in table:
        return table[char], None
    reason = t(NEVER_USED) if char in "IOQ" else rule
    where = place(field.start, field.end, field.label)
    message = t("code.not_a", where=where, char=char, noun=t(noun), reason=reason)
    return None, issue_at(issue_code, message, field.start)


def _production_date(
    code: str, layout: _Layout, tables: BatteryCodeTables, today: date, findings: _Findings
) -> date | None:
    year, year_issue = _decode_date_part(
        layout.year.read(code),
        layout.year,
        tables.years,
        issue_code="UNKNOWN_YEAR",
        rule=t("code.years_coded", range=tables.year_range()),
        noun="code.noun.year_letter",
    )
    month, month_issue = _decode_date_part(
        layout.month.read(code),
        layout.month,
        tables.months,
        issue_code="UNKNOWN_MONTH",
        rule=t("code.months_coded"),
        noun="code.noun.month_code",
    )
    day, day_issue = _decode_date_part(
        layout.day.read(code),
        layout.day,
        tables.days,
        issue_code="UNKNOWN_DAY",
        rule=t("code.days_coded"),
        noun="code.noun.day_code",
    )
    for issue in (year_issue, month_issue, day_issue):
        if issue is not None:
            findings.strict_only(issue)

    date_where = place(layout.year.start, layout.day.end, "code.label.production_date")
    date_chars = code[layout.year.start - 1 : layout.day.end]
    produced: date | None = None
    if year is not None and month is not None and day is not None:
        try:
            produced = date(year, month, day)
        except ValueError:
            findings.strict_only(
                issue_at(
                    "IMPOSSIBLE_DATE",
                    t(
                        "code.impossible_date",
                        where=date_where,
                        chars=date_chars,
                        year=year,
                        month=month,
                        day=day,
                    ),
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
                    t(
                        "code.future_date",
                        where=date_where,
                        chars=date_chars,
                        produced=produced.isoformat(),
                        today=today.isoformat(),
                    ),
                    layout.year.start,
                    layout.day.end,
                )
            )
            return None
    elif year is not None and month is not None and (year, month) > (today.year, today.month):
        findings.error(
            issue_at(
                "FUTURE_DATE",
                t(
                    "code.future_year_month",
                    where=place(
                        layout.year.start, layout.month.end, "code.label.production_year_month"
                    ),
                    year=year,
                    month=month,
                    today=today.isoformat(),
                ),
                layout.year.start,
                layout.month.end,
            )
        )
    elif year is not None and year > today.year:
        findings.error(
            issue_at(
                "FUTURE_DATE",
                t(
                    "code.future_year",
                    where=place(layout.year.start, layout.year.end, layout.year.label),
                    year=year,
                    today=today.isoformat(),
                ),
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
            CodeIssue("INVALID_LENGTH", t("code.battery_length", length=len(code)), None)
        )
    labels = {p: layout.label_at(p) for p in range(1, layout.length + 1)} if layout else None
    bad_chars = alphabet_issues(
        code,
        _BATTERY_ALPHABET,
        what="code.what_battery_codes",
        alphabet_rule="code.battery_alphabet",
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
    product_rule = listing(
        [
            t("code.letter_named", letter=letter, name=both(entry.name_en, entry.name_zh))
            for letter, entry in tables.product_types.items()
        ]
    )
    for field in (layout.product_type, layout.product_type_repeat):
        if field is not None and r.clean(field) and field.read(code) not in tables.product_types:
            r.findings.error(
                issue_at(
                    "UNKNOWN_PRODUCT_TYPE",
                    t(
                        "code.unknown_product_type",
                        where=place(field.start, field.end, field.label),
                        char=field.read(code),
                        rule=product_rule,
                    ),
                    field.start,
                )
            )
    battery_char = layout.battery_type.read(code)
    if r.clean(layout.battery_type) and battery_char not in tables.battery_types:
        letters = sorted(tables.battery_types)
        r.findings.error(
            issue_at(
                "UNKNOWN_BATTERY_TYPE",
                t(
                    "code.unknown_battery_type",
                    where=place(
                        layout.battery_type.start,
                        layout.battery_type.end,
                        "code.label.battery_type",
                    ),
                    char=battery_char,
                    letters=listing(letters[:-1]),
                    last=letters[-1],
                ),
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
                t(
                    "code.missing_second_life_marker",
                    where=place(marker_field.start, marker_field.end, marker_field.label),
                    marker=marker,
                    expected=_SECOND_LIFE_MARKER,
                ),
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
                t(
                    "code.product_type_mismatch",
                    where=place(repeat.start, repeat.end, repeat.label),
                    repeated=repeated,
                    position=layout.product_type.start,
                    product=product_char,
                ),
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
    tolerance = t("code.serial_strict" if strict else "code.serial_lenient")
    r.findings.strict_only(
        issue_at(
            "NON_DIGIT_SERIAL",
            t(
                "code.serial_letters" if len(letter_positions) > 1 else "code.serial_letter",
                where=place(field.start, field.end, "code.label.serial_number"),
                serial=serial,
                positions=listing(letter_positions),
                tolerance=tolerance,
            ),
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
        what="code.what_battery_codes",
        alphabet_rule="code.manufacturer_alphabet",
        labels=dict.fromkeys((1, 2, 3), "code.label.manufacturer_code"),
    )
    if len(head) < 3:
        issues.insert(
            0,
            CodeIssue("INVALID_LENGTH", t("code.manufacturer_length", length=len(code)), None),
        )
    if issues:
        raise InvalidCode(issues)
    return head
