"""Vehicle identification numbers: their shape and check digit.

VIN (ISO 3779, check digit mandatory in China by GB 16735) [C]: 17 characters, no I, O or Q;
position 9 is the weighted-sum-mod-11 check digit. The check digit detects every change of one
character to a character with a different transliterated value; it cannot detect a change
between characters with the same value (e.g. ``A``, ``J`` and ``1`` are all worth 1).
"""

from __future__ import annotations

from collections.abc import Mapping

from compliance.codes.issues import (
    DIGITS,
    UPPER,
    CodeIssue,
    InvalidCode,
    alphabet_issues,
    issue_at,
    place,
)
from compliance.messages import t

_VIN_LENGTH = 17
_VIN_CHECK_POSITION = 9
_VIN_ALPHABET = "".join(char for char in DIGITS + UPPER if char not in "IOQ")
_VIN_VALUES: Mapping[str, int] = {
    **{digit: int(digit) for digit in DIGITS},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_CHECK_DIGIT = "code.label.check_digit"


def _vin_shape_issues(vin: str, *, skip: int | None = None) -> list[CodeIssue]:
    issues: list[CodeIssue] = []
    if len(vin) != _VIN_LENGTH:
        issues.append(
            CodeIssue(
                "INVALID_LENGTH",
                t("code.vin_length", length=len(vin), expected=_VIN_LENGTH),
                None,
            )
        )
    char_issues = alphabet_issues(
        vin,
        _VIN_ALPHABET,
        what="code.what_vins",
        alphabet_rule="code.vin_alphabet",
        forbidden_rule="code.vin_never_used",
        labels={_VIN_CHECK_POSITION: _CHECK_DIGIT},
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
            issue_at(
                "CHECK_DIGIT_MISMATCH",
                t(
                    "code.vin_check_digit",
                    where=place(_VIN_CHECK_POSITION, _VIN_CHECK_POSITION, _CHECK_DIGIT),
                    found=found,
                    expected=expected,
                ),
                _VIN_CHECK_POSITION,
            )
        )
    return tuple(issues)
