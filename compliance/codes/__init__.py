"""Identifier validation, by code family (pure): GB/T 34014 battery codes (`battery`, with the
letter tables in `battery_tables`), VINs (`vin`) and Unified Social Credit Codes (`uscc`), and
the problems found in any of them (`issues`), and how one is read for a lookup (`lookup`).

This package's names are its public face; callers import them from here.
"""

from compliance.codes.battery import (
    BatteryCode,
    BatteryCodeReport,
    decode_battery_code,
    manufacturer_code_of,
    parse_battery_code,
)
from compliance.codes.battery_tables import (
    BatteryCodeTables,
    CodeTableEntry,
    CodeTablesError,
    ProductType,
    battery_code_tables,
    parse_code_tables,
    production_date_code,
)
from compliance.codes.issues import CodeIssue, InvalidCode
from compliance.codes.lookup import as_marked
from compliance.codes.uscc import check_uscc, uscc_check_character
from compliance.codes.vin import check_vin, vin_check_digit

__all__ = [
    "BatteryCode",
    "BatteryCodeReport",
    "BatteryCodeTables",
    "CodeIssue",
    "CodeTableEntry",
    "CodeTablesError",
    "InvalidCode",
    "ProductType",
    "as_marked",
    "battery_code_tables",
    "check_uscc",
    "check_vin",
    "decode_battery_code",
    "manufacturer_code_of",
    "parse_battery_code",
    "parse_code_tables",
    "production_date_code",
    "uscc_check_character",
    "vin_check_digit",
]
