"""The take-back service network: service points, what each covers, who may operate which type,
and the natural key that makes a point one record however often it is sent.

Collection points (收集型) are an automaker's duty per prefecture-level region; concentrated
storage points (集中贮存型) a battery maker's per province (docs/DOMAIN.md 1.3). Pure: no storage.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime
from enum import StrEnum

from msgspec import Struct

from compliance.codes import InvalidCode
from compliance.lifecycle import EnterpriseKind, Violation
from compliance.messages import t, too_long
from compliance.regions import check_region_code, prefecture_of, province_of


class PointType(StrEnum):
    COLLECTION = "COLLECTION"  # 收集型, an automaker's duty per prefecture
    STORAGE = "STORAGE"  # 集中贮存型, a battery maker's duty per province


# The coverage duty each point type fulfils (rule ids shared by the rule sets).
COVERAGE_RULES = {
    PointType.COLLECTION: "COLLECTION_POINT_COVERAGE",
    PointType.STORAGE: "STORAGE_POINT_COVERAGE",
}
POINT_TYPE_OF_RULE = {rule: point_type for point_type, rule in COVERAGE_RULES.items()}
# Whose take-back network each type belongs to (docs/DOMAIN.md 1.3).
OPERATOR_KINDS = {
    PointType.COLLECTION: frozenset({EnterpriseKind.AUTOMAKER, EnterpriseKind.IMPORTER}),
    PointType.STORAGE: frozenset({EnterpriseKind.BATTERY_MAKER}),
}
# How a message calls a point of each type (catalog keys).
TYPE_NAMES = {
    PointType.COLLECTION: "network.kind.collection",
    PointType.STORAGE: "network.kind.storage",
}
NAME_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 500


class ServicePoint(Struct, frozen=True):
    id: str
    operator: str
    point_type: PointType
    name: str
    region_code: str
    coverage_region: str  # prefecture for collection points, province for storage points
    address: str | None
    active: bool
    updated_at: datetime
    updated_by: str | None = None


def coverage_region(point_type: PointType, region_code: str) -> str:
    """The region a point of `point_type` at `region_code` covers: its prefecture-level region
    (collection) or its province (storage). Raises InvalidCode for a code that has neither."""
    if point_type is PointType.COLLECTION:
        return prefecture_of(region_code).code
    return province_of(region_code).code


def _normalised(text: str) -> str:
    # Full-width and half-width forms, case and runs of spaces are how the same name is typed
    # differently on two systems; none of them makes it another point.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def natural_key(operator: str, point_type: PointType, region_code: str, name: str) -> str:
    """What makes two service points the same point: operator, type, region and name. A point
    sent again without its id is found by this key and updated, never created twice."""
    parts = [operator, point_type.value, region_code, _normalised(name)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def point_violations(
    name: str,
    point_type: PointType,
    region_code: str,
    address: str | None,
    operator_kinds: frozenset[EnterpriseKind],
) -> list[Violation]:
    """Every reason a service point cannot be saved as given."""
    found: list[Violation] = []
    if not name.strip():
        found.append(Violation("REQUIRED", "name", t("network.name_required")))
    for field_name, what, text, limit in (
        ("name", "what.name", name, NAME_MAX_LENGTH),
        ("address", "what.address", address or "", ADDRESS_MAX_LENGTH),
    ):
        if len(text) > limit:
            found.append(Violation("TOO_LONG", field_name, too_long(what, len(text), limit)))
    issues = check_region_code(region_code)
    found += [Violation("INVALID_REGION", "region_code", i.message) for i in issues]
    if not issues:
        try:
            coverage_region(point_type, region_code)
        except InvalidCode as error:
            found += [Violation("INVALID_REGION", "region_code", i.message) for i in error.issues]
    if not operator_kinds & OPERATOR_KINDS[point_type]:
        key = (
            "network.collection_points_of_automakers"
            if point_type is PointType.COLLECTION
            else "network.storage_points_of_battery_makers"
        )
        found.append(Violation("WRONG_POINT_TYPE", "point_type", t(key)))
    return found
