"""GB/T 34014 battery codes: layout, strict and lenient readings, the decoding tables."""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.codes import (
    BatteryCode,
    CodeIssue,
    InvalidCode,
    ProductType,
    battery_code_tables,
    decode_battery_code,
    manufacturer_code_of,
    parse_battery_code,
    production_date_code,
)

TODAY = date(2026, 6, 1)
PUBLISHED_EXAMPLE = "X12MCPM27KLPCLX2M2382320"
LETTERS_IN_SERIAL = "03UPE01000011C85A00FTY45"
# A code built for these tests: maker 001, pack, LFP, spec 01, traceability ABCDEFG,
# produced 2020-02-27 (A, 2, U), serial 0000001.
VALID = "001PB01ABCDEFGA2U0000001"
SECOND_LIFE = "001PB01A2U0000001RP"

ALPHANUMERIC = string.digits + string.ascii_uppercase


def codes_of(issues: Iterable[CodeIssue]) -> list[str]:
    return [issue.code for issue in issues]


def with_char(code: str, position: int, char: str) -> str:
    return code[: position - 1] + char + code[position:]


# --------------------------------------------------------------------------- DOMAIN test vectors


def test_published_example_decodes_field_by_field_in_the_strict_reading() -> None:
    # Given the published example and a day on which its production date has passed
    # When it is decoded strictly
    report = decode_battery_code(PUBLISHED_EXAMPLE, strict=True, today=date(2040, 2, 21))
    # Then it is valid and every field reads as the layout says
    assert report.valid
    assert report.errors == ()
    assert report.battery == BatteryCode(
        code=PUBLISHED_EXAMPLE,
        manufacturer_code="X12",
        product_type=ProductType.MODULE,
        battery_type="C",
        battery_type_name_en="lithium manganese oxide",
        battery_type_name_zh="锰酸锂电池",
        spec_code="PM",
        traceability_code="27KLPCL",
        production_date=date(2040, 2, 21),
        serial="2382320",
        second_life=False,
        warnings=(),
    )


@pytest.mark.parametrize("strict", [True, False])
def test_published_example_is_rejected_only_for_its_future_date_before_2040(strict: bool) -> None:
    # Given the published example, whose year letter X reads as 2040 in our year table
    # When it is decoded today, in either reading
    report = decode_battery_code(PUBLISHED_EXAMPLE, strict=strict, today=TODAY)
    # Then its layout passes and the one error is the date after today
    assert not report.valid
    assert codes_of(report.errors) == ["FUTURE_DATE"]
    assert report.errors[0].positions == (15, 17)
    assert report.errors[0].message == (
        "positions 15-17 (production date): 'X2M' reads as 2040-02-21, which is after today "
        "(2026-06-01); a battery cannot have been produced in the future"
    )


def test_code_with_letters_in_its_serial_is_rejected_by_the_strict_reading() -> None:
    # Given a real-world code whose serial has letters
    # When it is decoded strictly
    report = decode_battery_code(LETTERS_IN_SERIAL, strict=True, today=TODAY)
    # Then it is rejected, and the message names the serial field and the letters' positions
    assert not report.valid
    assert report.battery is None
    assert codes_of(report.errors) == ["NON_DIGIT_SERIAL"]
    assert report.errors[0].positions == (18, 24)
    assert report.errors[0].message.startswith(
        "positions 18-24 (serial number): '00FTY45' has letters at positions 20, 21, 22;"
    )


def test_code_with_letters_in_its_serial_is_accepted_by_the_lenient_reading_with_a_warning() -> (
    None
):
    # Given the same code
    # When it is decoded leniently
    report = decode_battery_code(LETTERS_IN_SERIAL, strict=False, today=TODAY)
    # Then it is valid, fully decoded, and the serial is reported as a warning
    assert report.valid
    assert report.errors == ()
    assert codes_of(report.warnings) == ["NON_DIGIT_SERIAL"]
    battery = report.battery
    assert battery is not None
    assert battery.manufacturer_code == "03U"
    assert battery.product_type is ProductType.PACK
    assert battery.battery_type == "E"
    assert battery.battery_type_name_zh == "三元材料电池"
    assert battery.spec_code == "01"
    assert battery.traceability_code == "000011C"
    assert battery.production_date == date(2018, 5, 10)
    assert battery.serial == "00FTY45"
    assert battery.warnings == report.warnings


# --------------------------------------------------------------------------- layout errors


@pytest.mark.parametrize("strict", [True, False])
def test_lower_case_letters_are_rejected_with_a_request_for_upper_case(strict: bool) -> None:
    # Given a valid code sent in lower case
    code = VALID.lower()
    # When it is decoded in either reading
    report = decode_battery_code(code, strict=strict, today=TODAY)
    # Then every letter is reported at its position, asking for upper case, and nothing is
    # silently upper-cased
    letter_positions = [i for i, char in enumerate(code, start=1) if char.isalpha()]
    assert not report.valid
    assert report.battery is None
    assert codes_of(report.errors) == ["LOWER_CASE_LETTER"] * len(letter_positions)
    assert [issue.positions for issue in report.errors] == [(p, p) for p in letter_positions]
    assert "position 4 (product type): 'p' is a lower-case letter; use upper case ('P')" in (
        report.errors[0].message
    )


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("code", ["", VALID[:-1], VALID + "0", VALID[:19] + "0", "0" * 40])
def test_a_code_of_any_length_but_24_or_19_is_rejected_in_both_readings(
    code: str, strict: bool
) -> None:
    # Given a code with the wrong number of characters
    # When it is decoded
    report = decode_battery_code(code, strict=strict, today=TODAY)
    # Then the length is the (whole-code) error
    assert codes_of(report.errors) == ["INVALID_LENGTH"]
    assert report.errors[0].positions is None
    assert f"the code has {len(code)} characters; a battery code has 24" in report.errors[0].message


def test_characters_outside_the_alphabet_are_reported_at_their_positions_and_fields() -> None:
    # Given a code with a hyphen in the specification code and a space in the serial
    code = with_char(with_char(VALID, 7, "-"), 20, " ")
    # When it is decoded
    report = decode_battery_code(code, today=TODAY)
    # Then each character is reported where it is, with the field it breaks, and the serial is
    # not reported a second time for the same character
    assert codes_of(report.errors) == ["INVALID_CHARACTER", "INVALID_CHARACTER"]
    assert [issue.positions for issue in report.errors] == [(7, 7), (20, 20)]
    assert report.errors[0].message == (
        "position 7 (specification code): '-' is not allowed; a battery code contains only "
        "digits 0-9 and upper-case letters A-Z"
    )
    assert report.errors[1].message.startswith("position 20 (serial number): ' ' is not allowed")


@pytest.mark.parametrize("strict", [True, False])
def test_unknown_product_and_battery_types_are_errors_in_both_readings(strict: bool) -> None:
    # Given a code with X as product type and H as battery type
    code = with_char(with_char(VALID, 4, "X"), 5, "H")
    # When it is decoded
    report = decode_battery_code(code, strict=strict, today=TODAY)
    # Then both are reported, each at its position with the allowed values
    assert codes_of(report.errors) == ["UNKNOWN_PRODUCT_TYPE", "UNKNOWN_BATTERY_TYPE"]
    assert report.errors[0].message == (
        "position 4 (product type): 'X' is not a product type; use P (pack), M (module), C (cell)"
    )
    assert report.errors[1].message == (
        "position 5 (battery type): 'H' is not a battery type; use one of A, B, C, D, E, F, G or Z"
    )


def test_every_issue_in_a_code_is_reported_not_just_the_first() -> None:
    # Given a code with a bad product type, a bad battery type, an unknown month and letters in
    # its serial
    code = "001XH01ABCDEFGA0U00000AB"
    # When it is decoded strictly
    report = decode_battery_code(code, today=TODAY)
    # Then all four are reported, in position order
    assert codes_of(report.errors) == [
        "UNKNOWN_PRODUCT_TYPE",
        "UNKNOWN_BATTERY_TYPE",
        "UNKNOWN_MONTH",
        "NON_DIGIT_SERIAL",
    ]
    with pytest.raises(InvalidCode) as raised:
        parse_battery_code(code, today=TODAY)
    assert raised.value.issues == report.errors


# --------------------------------------------------------------------------- production date


def test_year_letter_i_is_rejected_because_i_o_and_q_are_never_used() -> None:
    # Given a code whose year character is I
    # When it is decoded strictly
    report = decode_battery_code(with_char(VALID, 15, "I"), today=TODAY)
    # Then the message names the position, the field and the rule
    assert codes_of(report.errors) == ["UNKNOWN_YEAR"]
    assert report.errors[0].message == (
        "position 15 (production year): 'I' is not a year letter; letters I, O and Q are never used"
    )


@pytest.mark.parametrize(
    ("position", "char", "issue", "rule"),
    [
        (15, "Z", "UNKNOWN_YEAR", "years are coded 7 (2017) to Y (2041)"),
        (15, "6", "UNKNOWN_YEAR", "years are coded 7 (2017) to Y (2041)"),
        (15, "0", "UNKNOWN_YEAR", "years are coded 7 (2017) to Y (2041)"),
        (15, "O", "UNKNOWN_YEAR", "letters I, O and Q are never used"),
        (16, "0", "UNKNOWN_MONTH", "months are coded 1-9, A (10), B (11), C (12)"),
        (16, "D", "UNKNOWN_MONTH", "months are coded 1-9, A (10), B (11), C (12)"),
        (16, "Q", "UNKNOWN_MONTH", "letters I, O and Q are never used"),
        (17, "0", "UNKNOWN_DAY", "days are coded 1-9, then A (10) to Y (31) skipping I, O and Q"),
        (17, "Z", "UNKNOWN_DAY", "days are coded 1-9, then A (10) to Y (31) skipping I, O and Q"),
        (17, "Q", "UNKNOWN_DAY", "letters I, O and Q are never used"),
    ],
)
def test_undecodable_date_characters_are_strict_errors_and_lenient_warnings(
    position: int, char: str, issue: str, rule: str
) -> None:
    # Given a code whose year, month or day character is not in the tables
    code = with_char(VALID, position, char)
    # When it is decoded strictly and leniently
    strict = decode_battery_code(code, strict=True, today=TODAY)
    lenient = decode_battery_code(code, strict=False, today=TODAY)
    # Then the strict reading rejects it, naming the position and the rule
    assert codes_of(strict.errors) == [issue]
    assert strict.errors[0].positions == (position, position)
    assert strict.errors[0].message.startswith(f"position {position} (production ")
    assert strict.errors[0].message.endswith(rule)
    # And the lenient reading accepts it with the same issue as a warning and no date
    assert lenient.valid
    assert codes_of(lenient.warnings) == [issue]
    assert lenient.battery is not None
    assert lenient.battery.production_date is None


@pytest.mark.parametrize(
    ("date_chars", "reads_as"), [("92W", "2019, month 2, day 29"), ("84Y", "2018, month 4, day 31")]
)
def test_letters_that_form_no_calendar_date_are_strict_errors_and_lenient_warnings(
    date_chars: str, reads_as: str
) -> None:
    # Given a code whose date letters decode to 29 February 2019 or 31 April 2018
    code = VALID[:14] + date_chars + VALID[17:]
    # When it is decoded strictly and leniently
    strict = decode_battery_code(code, strict=True, today=TODAY)
    lenient = decode_battery_code(code, strict=False, today=TODAY)
    # Then strictly it is an impossible date over positions 15-17; leniently a warning
    assert codes_of(strict.errors) == ["IMPOSSIBLE_DATE"]
    assert strict.errors[0].positions == (15, 17)
    assert f"reads as year {reads_as}, which is not a calendar date" in strict.errors[0].message
    assert lenient.valid
    assert codes_of(lenient.warnings) == ["IMPOSSIBLE_DATE"]
    assert lenient.battery is not None
    assert lenient.battery.production_date is None


def test_29_february_of_a_leap_year_is_a_real_date() -> None:
    # Given a code dated A 2 W (2020-02-29)
    # When it is parsed strictly
    battery = parse_battery_code(VALID[:14] + "A2W" + VALID[17:], today=TODAY)
    # Then the date is 29 February 2020
    assert battery.production_date == date(2020, 2, 29)


def test_a_code_produced_today_is_accepted_and_one_produced_tomorrow_is_not() -> None:
    # Given a code dated 2026-06-01 and that day or the day before as today
    code = VALID[:14] + production_date_code(TODAY) + VALID[17:]
    # When it is decoded on each day
    on_the_day = decode_battery_code(code, today=TODAY)
    the_day_before = decode_battery_code(code, today=TODAY - timedelta(days=1))
    # Then it is valid on the day and a future date the day before
    assert on_the_day.valid
    assert codes_of(the_day_before.errors) == ["FUTURE_DATE"]


@pytest.mark.parametrize(
    ("date_chars", "positions", "issues_when_lenient"),
    [
        ("H0U", (15, 15), ["UNKNOWN_MONTH"]),  # 2027, month unreadable
        ("G7Z", (15, 16), ["UNKNOWN_DAY"]),  # July 2026, day unreadable
    ],
)
def test_a_future_date_is_an_error_even_leniently_and_judged_on_what_decodes(
    date_chars: str, positions: tuple[int, int], issues_when_lenient: list[str]
) -> None:
    # Given a code whose decodable part of the date is already after 2026-06-01
    code = VALID[:14] + date_chars + VALID[17:]
    # When it is decoded leniently
    report = decode_battery_code(code, strict=False, today=TODAY)
    # Then it is rejected for the future date, and the unreadable character is a warning
    assert not report.valid
    assert codes_of(report.errors) == ["FUTURE_DATE"]
    assert report.errors[0].positions == positions
    assert codes_of(report.warnings) == issues_when_lenient


# --------------------------------------------------------------------------- second-life reading


def test_19_character_second_life_code_decodes_without_a_traceability_code() -> None:
    # Given a re-coded second-life pack code: 001 P B 01, date A2U, serial 0000001, then R P
    # When it is parsed strictly
    battery = parse_battery_code(SECOND_LIFE, today=TODAY)
    # Then it reads as a second-life code with the 24-character fields minus traceability
    assert battery.second_life
    assert battery.traceability_code is None
    assert battery.manufacturer_code == "001"
    assert battery.product_type is ProductType.PACK
    assert battery.battery_type == "B"
    assert battery.spec_code == "01"
    assert battery.production_date == date(2020, 2, 27)
    assert battery.serial == "0000001"


@pytest.mark.parametrize("strict", [True, False])
def test_19_character_code_without_the_r_marker_is_rejected(strict: bool) -> None:
    # Given a 19-character code whose 18th character is not R
    # When it is decoded
    report = decode_battery_code(with_char(SECOND_LIFE, 18, "X"), strict=strict, today=TODAY)
    # Then the marker is the error, at position 18
    assert codes_of(report.errors) == ["MISSING_SECOND_LIFE_MARKER"]
    assert report.errors[0].message.startswith("position 18 (second-life marker): 'X' found;")


def test_19_character_code_naming_two_product_types_is_strict_error_lenient_warning() -> None:
    # Given a 19-character code with P at position 4 and M at position 19
    code = with_char(SECOND_LIFE, 19, "M")
    # When it is decoded strictly and leniently
    strict = decode_battery_code(code, strict=True, today=TODAY)
    lenient = decode_battery_code(code, strict=False, today=TODAY)
    # Then strictly the mismatch rejects it; leniently position 4 is the product type
    assert codes_of(strict.errors) == ["PRODUCT_TYPE_MISMATCH"]
    assert strict.errors[0].message.startswith(
        "position 19 (repeated product type): 'M' differs from position 4 ('P')"
    )
    assert lenient.battery is not None
    assert lenient.battery.product_type is ProductType.PACK
    assert codes_of(lenient.warnings) == ["PRODUCT_TYPE_MISMATCH"]


def test_19_character_code_reports_date_issues_at_positions_8_to_10() -> None:
    # Given a second-life code whose day character is 0
    # When it is decoded strictly
    report = decode_battery_code(with_char(SECOND_LIFE, 10, "0"), today=TODAY)
    # Then the day is reported at position 10
    assert codes_of(report.errors) == ["UNKNOWN_DAY"]
    assert report.errors[0].message.startswith("position 10 (production day): '0'")


# --------------------------------------------------------------------------- properties

tables = battery_code_tables()
alphanumeric = st.sampled_from(ALPHANUMERIC)


@st.composite
def battery_fields(draw: st.DrawFn) -> dict[str, object]:
    year_range = sorted(tables.years.values())
    return {
        "manufacturer_code": draw(st.text(alphanumeric, min_size=3, max_size=3)),
        "product_type": draw(st.sampled_from(sorted(tables.product_types))),
        "battery_type": draw(st.sampled_from(sorted(tables.battery_types))),
        "spec_code": draw(st.text(alphanumeric, min_size=2, max_size=2)),
        "traceability_code": draw(st.text(alphanumeric, min_size=7, max_size=7)),
        "production_date": draw(st.dates(date(year_range[0], 1, 1), TODAY)),
        "serial": draw(st.text(st.sampled_from(string.digits), min_size=7, max_size=7)),
    }


@given(battery_fields())
def test_a_code_composed_from_the_tables_parses_back_to_its_fields(
    fields: dict[str, object],
) -> None:
    # Given a code composed from table entries and a production date on or before today
    produced = fields["production_date"]
    assert isinstance(produced, date)
    code = "".join(
        [
            str(fields["manufacturer_code"]),
            str(fields["product_type"]),
            str(fields["battery_type"]),
            str(fields["spec_code"]),
            str(fields["traceability_code"]),
            production_date_code(produced),
            str(fields["serial"]),
        ]
    )
    # When it is parsed strictly
    battery = parse_battery_code(code, today=TODAY)
    # Then every field comes back, with no warnings
    assert battery.manufacturer_code == fields["manufacturer_code"]
    assert battery.product_type == fields["product_type"]
    assert battery.battery_type == fields["battery_type"]
    assert battery.battery_type_name_en == tables.battery_types[battery.battery_type].name_en
    assert battery.spec_code == fields["spec_code"]
    assert battery.traceability_code == fields["traceability_code"]
    assert battery.production_date == produced
    assert battery.serial == fields["serial"]
    assert not battery.second_life
    assert battery.warnings == ()


@given(
    position=st.integers(1, 24),
    char=st.characters(
        blacklist_characters=ALPHANUMERIC, blacklist_categories=["Cs"], max_codepoint=0x3000
    ),
    strict=st.booleans(),
)
def test_a_character_outside_the_alphabet_is_reported_at_its_position(
    position: int, char: str, strict: bool
) -> None:
    # Given a valid code with one character replaced by one outside 0-9 and A-Z
    code = with_char(VALID, position, char)
    # When it is decoded in either reading
    report = decode_battery_code(code, strict=strict, today=TODAY)
    # Then it is rejected with exactly one issue, naming that position
    assert not report.valid
    assert len(report.errors) == 1
    assert report.errors[0].positions == (position, position)
    assert report.errors[0].message.startswith(f"position {position} (")


@given(st.text(max_size=40), st.booleans())
def test_decoding_never_raises_and_valid_means_decoded(code: str, strict: bool) -> None:
    # Given any text
    # When it is decoded
    report = decode_battery_code(code, strict=strict, today=TODAY)
    # Then a report comes back whose verdict matches its contents
    assert report.valid == (report.errors == ())
    assert (report.battery is not None) == report.valid


# --------------------------------------------------------------------------- tables and helpers


def test_decoding_tables_hold_the_domain_reference_values() -> None:
    # Given the tables loaded from the data file
    # When they are read
    # Then they hold the values of the domain reference, section 3.1
    assert tables.source
    assert tables.version
    assert {k: tables.years[k] for k in "789AHJNPY"} == {
        "7": 2017,
        "8": 2018,
        "9": 2019,
        "A": 2020,
        "H": 2027,
        "J": 2028,
        "N": 2032,
        "P": 2033,
        "Y": 2041,
    }
    assert {k: tables.months[k] for k in "19ABC"} == {"1": 1, "9": 9, "A": 10, "B": 11, "C": 12}
    assert {k: tables.days[k] for k in "9AHJNPY"} == {
        "9": 9,
        "A": 10,
        "H": 17,
        "J": 18,
        "N": 22,
        "P": 23,
        "Y": 31,
    }
    for never_used in "IOQ":
        assert never_used not in tables.years
        assert never_used not in tables.days
    assert sorted(tables.battery_types) == ["A", "B", "C", "D", "E", "F", "G", "Z"]
    confirmed = {k for k, entry in tables.battery_types.items() if entry.confidence == "C"}
    assert confirmed == {"B", "E"}
    assert {k: v.name_en for k, v in tables.product_types.items()} == {
        "P": "pack",
        "M": "module",
        "C": "cell",
    }


def test_production_date_code_refuses_a_year_the_table_does_not_cover() -> None:
    # Given a year before the first year letter
    # When its date code is asked for
    # Then the refusal names the table's range
    with pytest.raises(ValueError, match=r"7 \(2017\) to Y \(2041\)"):
        production_date_code(date(2016, 12, 31))


def test_manufacturer_code_is_the_first_three_characters() -> None:
    # Given a battery code
    # When its manufacturer code is asked for
    # Then it is positions 1-3
    assert manufacturer_code_of(PUBLISHED_EXAMPLE) == "X12"
    assert manufacturer_code_of(LETTERS_IN_SERIAL) == "03U"


@pytest.mark.parametrize(
    ("code", "issue"), [("0x", "INVALID_LENGTH"), ("x12M", "LOWER_CASE_LETTER")]
)
def test_manufacturer_code_of_refuses_a_code_without_three_valid_leading_characters(
    code: str, issue: str
) -> None:
    # Given a code too short or starting with a lower-case letter
    # When its manufacturer code is asked for
    # Then it is refused with the reason
    with pytest.raises(InvalidCode) as raised:
        manufacturer_code_of(code)
    assert codes_of(raised.value.issues)[0] == issue
