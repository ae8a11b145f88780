"""The battery-code letter tables file: its schema refuses what it does not describe, naming
the place; what a schema cannot say (each number once, exactly P/M/C) is refused too."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from compliance.codes import CodeTablesError, battery_code_tables, parse_code_tables


def shipped() -> dict[str, Any]:
    text = resources.files("compliance").joinpath("data", "battery_code_tables.json").read_text()
    document: dict[str, Any] = json.loads(text)
    return document


def test_the_shipped_tables_decode_with_a_confidence_for_every_entry() -> None:
    # Given the shipped file, When it is loaded, Then every letter carries C, S or A
    tables = battery_code_tables()
    entries = [*tables.product_types.values(), *tables.battery_types.values()]
    assert {entry.confidence for entry in entries} <= {"C", "S", "A"}
    assert set(tables.year_confidence) == set(tables.years)
    assert set(tables.year_confidence.values()) <= {"C", "S", "A"}
    # and the months and days read as a calendar does.
    assert sorted(tables.months.values()) == list(range(1, 13))
    assert sorted(tables.days.values()) == list(range(1, 32))


def _broken(path: tuple[str, ...], value: Any) -> bytes:
    document = shipped()
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        pytest.param(
            ("battery_types", "B", "confidence"),
            "likely",
            r"Invalid enum value 'likely' - at `\$.battery_types\['B'\].confidence`",
            id="confidence-outside-C-S-A",
        ),
        pytest.param(
            ("battery_types", "B", "colour"),
            "blue",
            r"Object contains unknown field `colour` - at `\$.battery_types\['B'\]`",
            id="unknown-field",
        ),
        pytest.param(
            ("battery_types", "b"),
            {"name_zh": "x", "name_en": "x", "confidence": "A"},
            r"Expected `str` matching regex .* - at a key of `\$.battery_types`",
            id="lower-case-letter",
        ),
        pytest.param(
            ("product_types", "X"),
            {"name_zh": "x", "name_en": "x", "confidence": "A"},
            r"Invalid enum value 'X' - at a key of `\$.product_types`",
            id="fourth-product-type",
        ),
        pytest.param(
            ("production_months", "codes", "D"),
            12,
            r"production_months must map onto 1..12 exactly once",
            id="month-used-twice",
        ),
        pytest.param(
            ("product_types",),
            {"P": {"name_zh": "电池包", "name_en": "pack", "confidence": "C"}},
            r"product_types must be exactly P, M and C",
            id="product-type-missing",
        ),
    ],
)
def test_a_damaged_tables_file_is_refused_naming_the_place_and_the_reason(
    path: tuple[str, ...], value: Any, message: str
) -> None:
    # Given the shipped tables with one defect, When they are read, Then the error says where
    with pytest.raises(CodeTablesError, match=message) as raised:
        parse_code_tables(_broken(path, value))
    assert str(raised.value).startswith("battery code tables: ")
