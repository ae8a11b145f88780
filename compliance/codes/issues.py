"""The vocabulary of problems found in an identifier, shared by every code family.

A check collects *all* issues, not just the first, and every message names the 1-based
character position(s) and the rule broken, so a compliance officer can correct the code without
consulting the standard. Messages are the catalog's (compliance.messages, section ``code``), in
Chinese and English. Input is never normalised: a lower-case letter is reported ("use upper
case"), because the code a client sends is the code that is stored and reported.

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

from collections.abc import Iterable, Mapping

from msgspec import Struct

from compliance.messages import Message, t

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Battery codes and VINs both leave out these letters (they read as 1, 0 and 0): the key of
# the sentence that says so.
NEVER_USED = "code.never_used"


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


def place(start: int, end: int, label: str | None = None) -> Message:
    """Where in a code: ``position 9 (check digit)``; `label` is the key of the part's name."""
    at = (
        t("code.position", start=start)
        if start == end
        else t("code.positions", start=start, end=end)
    )
    return t("code.place_labelled", place=at, label=t(label)) if label else at


def issue_at(code: str, message: str, start: int, end: int | None = None) -> CodeIssue:
    return CodeIssue(code, message, (start, start if end is None else end))


def alphabet_issues(
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
    explained by ``forbidden_rule`` rather than the general alphabet rule. ``what``, the rules
    and the ``labels`` of positions are catalog keys (compliance.messages).
    """
    issues: list[CodeIssue] = []
    for index, char in enumerate(code):
        if char in allowed:
            continue
        position = index + 1
        where = place(position, position, (labels or {}).get(position))
        upper = char.upper()
        if char != upper and upper in allowed and char.isascii():
            issues.append(
                issue_at(
                    "LOWER_CASE_LETTER",
                    t("code.lower_case", where=where, char=char, upper=upper, what=t(what)),
                    position,
                )
            )
        elif forbidden_rule is not None and upper in UPPER and char.isascii():
            issues.append(
                issue_at(
                    "INVALID_CHARACTER",
                    t("code.not_allowed", where=where, char=char, rule=t(forbidden_rule)),
                    position,
                )
            )
        else:
            issues.append(
                issue_at(
                    "INVALID_CHARACTER",
                    t("code.not_allowed", where=where, char=char, rule=t(alphabet_rule)),
                    position,
                )
            )
    return issues
