"""How a client's identifier is read for a lookup: as codes are marked, in upper case, without
surrounding spaces.

Only for finding a record. A code that is recorded is never normalised (the code a client sends
is the code stored and reported, and a lower-case letter is reported as a problem), but a
search for `lfzce4cb6p0000024 ` need not silently find nothing.
"""

from __future__ import annotations


def as_marked(identifier: str) -> str:
    return identifier.strip().upper()
