"""Reading the product's data files (calendar, rule sets, code tables) against their schemas.

Each file's format is a msgspec schema (`Struct`s with ``forbid_unknown_fields``) beside the
code that uses it; this module owns how a file that does not follow its schema is reported: the
file, the place (``$.announced['2026'].holidays[0]``), the reason, and the value found there.
msgspec writes ``[...]`` for a value inside a mapping, which would hide the key a person must
look for (a year, a letter), so sections keyed by name are decoded entry by entry (`keyed`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")
K = TypeVar("K", bound=str)

_LOCATION = re.compile(r"^(?P<reason>.*?) - at `(?P<path>[^`]*)`(?: in `(?P<within>[^`]*)`)?$")
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]|\['([^']*)'\]")


class DataFileError(ValueError):
    """A data file does not follow its format; the message names the file, place and reason."""


def decode_json(data: bytes, schema: type[T], *, where: str) -> T:
    """``data`` (a JSON document) as ``schema``."""
    try:
        return msgspec.json.decode(data, type=schema)
    except msgspec.ValidationError as error:
        raise DataFileError(f"{where}: {_described(error, data, '$')}") from None
    except msgspec.DecodeError as error:
        raise DataFileError(f"{where}: not valid JSON ({error})") from None


def convert(value: object, schema: type[T], *, where: str, path: str = "$") -> T:
    """``value`` (already parsed, as from TOML) as ``schema``; errors placed under ``path``."""
    try:
        return msgspec.convert(value, schema)
    except msgspec.ValidationError as error:
        raise DataFileError(f"{where}: {_placed(str(error), value, path)}") from None


def keyed(
    section: Mapping[K, msgspec.Raw], schema: type[T], *, where: str, path: str
) -> dict[K, T]:
    """Each entry of a JSON section keyed by name, as ``schema``, errors naming the key."""
    entries: dict[K, T] = {}
    for key, raw in section.items():
        try:
            entries[key] = msgspec.json.decode(raw, type=schema)
        except msgspec.ValidationError as error:
            raise DataFileError(f"{where}: {_described(error, raw, f'{path}[{key!r}]')}") from None
    return entries


def _described(error: msgspec.ValidationError, data: bytes | msgspec.Raw, path: str) -> str:
    return _placed(str(error), msgspec.json.decode(data), path)


def _placed(message: str, document: object, path: str) -> str:
    """msgspec's ``reason - at `$.x``` with ``$`` replaced by ``path`` and the value found."""
    match = _LOCATION.match(message)
    if match is None:  # an error at the root names no place
        return f"{message} - at `{path}`"
    reason, at, within = match["reason"], match["path"], match["within"]
    if within is not None:  # a mapping's key is at fault: `key` in `$.section`
        return f"{reason} - at a key of `{path}{within[1:]}`"
    found = _value_at(document, at)
    # A scalar is worth showing; a whole table is not (an unknown field names itself), nor a
    # value the reason already names (an enum's).
    scalar = found is not _MISSING and not isinstance(found, dict | list)
    shown = f" (found {found!r})" if scalar and repr(found) not in reason else ""
    return f"{reason} - at `{path}{at[1:]}`{shown}"


_MISSING = object()


def _value_at(document: object, path: str) -> Any:
    node: Any = document
    for name, index, key in _STEP.findall(path):
        step: str | int = int(index) if index else (name or key)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return node
