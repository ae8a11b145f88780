"""VIN check digits (ISO 3779 / GB 16735) and Unified Social Credit Codes (GB 32100)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from compliance.codes import (
    CodeIssue,
    InvalidCode,
    check_uscc,
    check_vin,
    uscc_check_character,
    vin_check_digit,
)

VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
# Transliteration from the domain reference, section 3.2, written out independently of the code.
VIN_VALUE = dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
) | {d: int(d) for d in "0123456789"}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALID_VIN = "1M8GDM9AXKP042788"
VALID_USCCS = ["91350100M000100Y43", "91350900587527783P", "91440300192317458F"]


def codes_of(issues: Iterable[CodeIssue]) -> list[str]:
    return [issue.code for issue in issues]


def with_char(code: str, position: int, char: str) -> str:
    return code[: position - 1] + char + code[position:]


# --------------------------------------------------------------------------- VIN


def test_domain_example_vin_is_valid() -> None:
    # Given the VIN from the domain reference
    # When it is checked
    # Then there is no issue
    assert check_vin(VALID_VIN) == ()


@pytest.mark.parametrize("placeholder", ["X", "0", "*", "?"])
def test_vin_check_digit_ignores_whatever_stands_at_position_9(placeholder: str) -> None:
    # Given the example VIN with any character at position 9
    # When its check digit is computed
    # Then it is X
    assert vin_check_digit(with_char(VALID_VIN, 9, placeholder)) == "X"


def test_vin_with_a_wrong_check_digit_names_position_9_and_the_expected_digit() -> None:
    # Given the example VIN with 3 at position 9
    # When it is checked
    issues = check_vin(with_char(VALID_VIN, 9, "3"))
    # Then the one issue is the check digit, naming what was found and what was expected
    assert codes_of(issues) == ["CHECK_DIGIT_MISMATCH"]
    assert issues[0].positions == (9, 9)
    assert issues[0].message.startswith(
        "position 9 (check digit): found '3', but the other 16 characters give 'X'"
    )


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_vin_letters_i_o_q_are_rejected_with_the_reason(letter: str) -> None:
    # Given a VIN with I, O or Q at position 5
    # When it is checked
    issues = check_vin(with_char(VALID_VIN, 5, letter))
    # Then the letter is refused at its position, and no check digit is claimed
    assert codes_of(issues) == ["INVALID_CHARACTER"]
    assert issues[0].message == (
        f"position 5: {letter!r} is not allowed; letters I, O and Q are never used in a VIN"
    )


def test_vin_in_lower_case_is_rejected_with_a_request_for_upper_case() -> None:
    # Given the example VIN in lower case
    vin = VALID_VIN.lower()
    # When it is checked
    issues = check_vin(vin)
    # Then every letter is reported, asking for upper case
    letters = [i for i, char in enumerate(vin, start=1) if char.isalpha()]
    assert codes_of(issues) == ["LOWER_CASE_LETTER"] * len(letters)
    assert [issue.positions for issue in issues] == [(p, p) for p in letters]
    assert "use upper case ('M')" in issues[0].message


def test_vin_of_wrong_length_with_bad_characters_reports_all_issues() -> None:
    # Given a 16-character VIN with a hyphen at position 4 and O at position 12
    vin = "1M8-DM9AXKPO4278"
    # When it is checked
    issues = check_vin(vin)
    # Then the length and both characters are reported
    assert codes_of(issues) == ["INVALID_LENGTH", "INVALID_CHARACTER", "INVALID_CHARACTER"]
    assert issues[0].message == "the VIN has 16 characters; a VIN has 17"
    assert [issue.positions for issue in issues[1:]] == [(4, 4), (12, 12)]


def test_vin_check_digit_refuses_an_input_that_is_not_a_vin() -> None:
    # Given 16 characters
    # When a check digit is asked for
    # Then the refusal carries the length issue
    with pytest.raises(InvalidCode) as raised:
        vin_check_digit(VALID_VIN[:-1])
    assert codes_of(raised.value.issues) == ["INVALID_LENGTH"]


vin_bodies = st.text(st.sampled_from(VIN_ALPHABET), min_size=17, max_size=17)


@given(vin_bodies)
def test_any_vin_body_with_its_computed_check_digit_is_valid(body: str) -> None:
    # Given 17 characters of the VIN alphabet, with the computed check digit at position 9
    vin = with_char(body, 9, vin_check_digit(body))
    # When it is checked
    # Then it is valid
    assert check_vin(vin) == ()


@given(vin_bodies, st.integers(1, 17), st.sampled_from(VIN_ALPHABET))
def test_any_change_of_a_vin_character_to_one_of_different_value_is_rejected(
    body: str, position: int, replacement: str
) -> None:
    # Given a valid VIN, and a different character whose transliterated value differs (or any
    # other character at the check-digit position itself)
    vin = with_char(body, 9, vin_check_digit(body))
    original = vin[position - 1]
    assume(replacement != original)
    assume(position == 9 or VIN_VALUE[replacement] != VIN_VALUE[original])
    # When that one character is changed
    issues = check_vin(with_char(vin, position, replacement))
    # Then the check digit catches it
    assert codes_of(issues) == ["CHECK_DIGIT_MISMATCH"]


@pytest.mark.parametrize(("original", "replacement"), [("A", "J"), ("2", "K"), ("S", "B")])
def test_vin_check_digit_cannot_catch_a_change_between_characters_of_equal_value(
    original: str, replacement: str
) -> None:
    # Given a valid VIN with a character whose transliterated value is shared by another
    body = with_char(VALID_VIN, 5, original)
    vin = with_char(body, 9, vin_check_digit(body))
    # When it is changed to the other character of equal value
    # Then the VIN still validates: a limit of the ISO 3779 scheme, not of the checker
    assert VIN_VALUE[original] == VIN_VALUE[replacement]
    assert check_vin(with_char(vin, 5, replacement)) == ()


# --------------------------------------------------------------------------- USCC


@pytest.mark.parametrize("code", VALID_USCCS)
def test_domain_example_usccs_are_valid(code: str) -> None:
    # Given a USCC from the domain reference
    # When it is checked and its check character recomputed
    # Then it is valid and the check character is its last
    assert check_uscc(code) == ()
    assert uscc_check_character(code[:17]) == code[17]


def test_uscc_with_a_wrong_check_character_names_position_18_and_the_expected_one() -> None:
    # Given a valid USCC with G instead of F at position 18
    # When it is checked
    issues = check_uscc("91440300192317458G")
    # Then the one issue is the check character at position 18
    assert codes_of(issues) == ["CHECK_CHARACTER_MISMATCH"]
    assert issues[0].positions == (18, 18)
    assert issues[0].message.startswith(
        "position 18 (check character): found 'G', but the first 17 characters give 'F'"
    )


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_uscc_letters_outside_the_31_symbol_alphabet_are_rejected(letter: str) -> None:
    # Given a USCC with I, O, S, V or Z at position 10
    # When it is checked
    issues = check_uscc(with_char(VALID_USCCS[2], 10, letter))
    # Then the letter is refused at its position with the alphabet rule
    assert codes_of(issues) == ["INVALID_CHARACTER"]
    assert issues[0].positions == (10, 10)
    assert issues[0].message.startswith(f"position 10: {letter!r} is not allowed;")
    assert "(never I, O, S, V or Z)" in issues[0].message


def test_uscc_in_lower_case_is_rejected_with_a_request_for_upper_case() -> None:
    # Given a USCC with its letter in lower case
    # When it is checked
    issues = check_uscc(VALID_USCCS[1].lower())
    # Then the letter at position 18 is reported, asking for upper case
    assert codes_of(issues) == ["LOWER_CASE_LETTER"]
    assert issues[0].message.startswith("position 18 (check character): 'p' is a lower-case")


def test_uscc_of_wrong_length_is_rejected_as_a_whole() -> None:
    # Given a 17-character code
    # When it is checked, or its check character is asked for from 16 characters
    # Then the length is reported
    assert codes_of(check_uscc(VALID_USCCS[0][:17])) == ["INVALID_LENGTH"]
    with pytest.raises(InvalidCode):
        uscc_check_character(VALID_USCCS[0][:16])


uscc_bodies = st.text(st.sampled_from(USCC_ALPHABET), min_size=17, max_size=17)


@given(uscc_bodies)
def test_any_uscc_body_with_its_computed_check_character_is_valid(body: str) -> None:
    # Given 17 characters of the USCC alphabet and their computed check character
    # When the code is checked
    # Then it is valid
    assert check_uscc(body + uscc_check_character(body)) == ()


@given(uscc_bodies, st.integers(1, 18), st.sampled_from(USCC_ALPHABET))
def test_any_change_of_one_uscc_character_to_another_allowed_one_is_rejected(
    body: str, position: int, replacement: str
) -> None:
    # Given a valid USCC and a different allowed character
    code = body + uscc_check_character(body)
    assume(replacement != code[position - 1])
    # When one character is changed to it
    issues = check_uscc(with_char(code, position, replacement))
    # Then the check character catches it
    assert codes_of(issues) == ["CHECK_CHARACTER_MISMATCH"]
