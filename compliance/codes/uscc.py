"""Unified Social Credit Codes: their shape and check character.

USCC (GB 32100-2015) [C]: 18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY``; position 18 is
the mod-31 check character, which detects every single-character change. Positions 1-2
(registration authority and entity type) and 3-8 (division code of the registering authority)
are not checked beyond the alphabet: we have no primary source for the complete current
authority/type table, and the division code is the one in force at registration, which may
since have been abolished.
"""

from __future__ import annotations

from collections.abc import Mapping

from compliance.codes.issues import (
    CodeIssue,
    InvalidCode,
    alphabet_issues,
    issue_at,
    place,
)
from compliance.messages import t

_USCC_LENGTH = 18
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES: Mapping[str, int] = {char: value for value, char in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_ALPHABET_RULE = "code.uscc_alphabet"
_CHECK_CHARACTER = "code.label.check_character"


def _uscc_shape_issues(code: str, length: int) -> list[CodeIssue]:
    issues: list[CodeIssue] = []
    if len(code) != length:
        key = "code.uscc_length" if length == _USCC_LENGTH else "code.uscc_head_length"
        issues.append(CodeIssue("INVALID_LENGTH", t(key, length=len(code), expected=length), None))
    issues.extend(
        alphabet_issues(
            code,
            _USCC_ALPHABET,
            what="code.what_usccs",
            alphabet_rule=_USCC_ALPHABET_RULE,
            forbidden_rule=_USCC_ALPHABET_RULE,
            labels={_USCC_LENGTH: _CHECK_CHARACTER} if length == _USCC_LENGTH else None,
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
            issue_at(
                "CHECK_CHARACTER_MISMATCH",
                t(
                    "code.uscc_check_character",
                    where=place(_USCC_LENGTH, _USCC_LENGTH, _CHECK_CHARACTER),
                    found=code[-1],
                    expected=expected,
                ),
                _USCC_LENGTH,
            )
        )
    return tuple(issues)
