"""List pages: one enterprise's vehicles, batteries, vehicle models and service points, and
every enterprise, each page read with a number of items bounded by the page, never by how many
records the enterprise or the country has.

A page is one index partition read in key order (the enterprises list: the Enterprises table
in storage order, the only list without an index). Without a filter that is one Query asking
for one item more than the page. A filter the key cannot express is a FilterExpression on
non-key attributes, and DynamoDB's Limit counts the items it evaluates before filtering, so a
filtered page evaluates at most `READ_BUDGET` items: pages of growing Limit until the page is
full, the partition ends or the budget is spent. A page cut short by the budget is partial: it
holds what matched (possibly nothing) and the key where the next one starts.

Every page is scoped by the partition it reads, so it holds only records of the enterprise it
names; the callers decide whom that enterprise may be.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any, Generic, TypeVar

from msgspec import Struct
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from compliance.enterprises import Enterprise
from compliance.lifecycle import (
    BatteryState,
    BatteryStatus,
    EnterpriseKind,
    ModelState,
    VehicleState,
)
from compliance.network import PointType, ServicePoint
from compliance.store import reads
from compliance.store.models import (
    BatteryItem,
    EnterpriseItem,
    ModelItem,
    ServicePointItem,
    VehicleItem,
)
from compliance.store.reads import translated_errors
from compliance.store.records import (
    battery_from_item,
    enterprise_from_item,
    model_from_item,
    service_point_from_item,
    vehicle_from_item,
)

# Items a filtered page may evaluate: at about 0.5 KB a stored record, at most about 60 read
# capacity units and a few hundred kilobytes from DynamoDB per request, however rare the
# matches; at least a whole page of the largest size (200) plus the item that shows more.
READ_BUDGET = 1000

# How much larger each filtered round is than the one before: each round is a round trip, and
# reading up to four times what a page turned out to need costs less than another one.
GROWTH = 4


def _rounds(first: int) -> int:
    """The calls a filtered page of `first` makes at most: rounds growing by GROWTH from
    `first` + 1 until the budget is spent."""
    budget, read, limit, rounds = max(READ_BUDGET, first + 1), 0, first + 1, 0
    while read < budget:
        read += min(limit, budget - read)
        limit *= GROWTH
        rounds += 1
    return rounds


# The most calls any list page makes (a page of one, filtered on what matches nothing).
MAX_ROUNDS = _rounds(1)

Key = dict[str, dict[str, Any]]  # an item's key in the index read, as DynamoDB writes it
_T = TypeVar("_T")
_M = TypeVar("_M", bound=Model)


class ListPage(Struct, Generic[_T], frozen=True):
    """Records in index order, each with the key a page starting after it would start from."""

    records: list[_T]
    keys: list[Key]
    next_key: Key | None  # where the next page starts; None: the list ends here
    evaluated: int  # items DynamoDB evaluated for this page (before any filter)


def read_page(
    results: ResultIterator[_M],
    convert: Callable[[_M], _T],
    model: type[_M],
    *,
    first: int,
    filtered: bool,
) -> ListPage[_T]:
    """Up to `first` records from a Query or Scan that has not started yet.

    Unfiltered, the read stops at `first` + 1 items (the one more says a next page exists).
    Filtered, each round asks for `GROWTH` times the items of the one before (starting at
    `first` + 1), within READ_BUDGET in all: a loose filter stops as soon as the page is full,
    a selective one spends the budget in a few calls (6 for a page of one, 3 for the default
    50, 2 for the largest).
    """
    budget = max(READ_BUDGET, first + 1) if filtered else first + 1
    pages = results.page_iter
    found: list[dict[str, Any]] = []
    next_key: Key | None
    limit = first + 1
    while True:
        pages.page_size = min(limit, budget - pages.total_scanned_count)
        with translated_errors():
            page = next(pages)
        found.extend(page.get("Items", ()))
        last_key = pages.last_evaluated_key
        if len(found) > first:
            found, next_key = found[:first], _key(found[first - 1], pages.key_names)
            break
        if last_key is None or pages.total_scanned_count >= budget:
            # The end, or a partial page: the budget is spent, or DynamoDB stopped at 1 MB.
            next_key = _key(last_key, last_key) if last_key is not None else None
            break
        limit *= GROWTH
    names = tuple(pages.key_names)
    return ListPage(
        records=[convert(model.from_raw_data(raw)) for raw in found],
        keys=[_key(raw, names) for raw in found],
        next_key=next_key,
        evaluated=pages.total_scanned_count,
    )


def _key(raw: dict[str, Any], names: Any) -> Key:
    # Sorted: the same position gives the same cursor whichever call it came from.
    return {name: raw[name] for name in sorted(names)}


def _nothing() -> ListPage[Any]:
    return ListPage(records=[], keys=[], next_key=None, evaluated=0)


def _all(conditions: list[Any]) -> Any:
    combined = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined


def _any(conditions: list[Any]) -> Any:
    combined = None
    for condition in conditions:
        combined = condition if combined is None else combined | condition
    return combined


def _dates(attribute: Any, on_or_after: date | None, on_or_before: date | None) -> list[Any]:
    """ISO dates sort as text, so a date range is a string range on the stored attribute."""
    conditions: list[Any] = []
    if on_or_after is not None:
        conditions.append(attribute >= on_or_after.isoformat())
    if on_or_before is not None:
        conditions.append(attribute <= on_or_before.isoformat())
    return conditions


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- vehicles -------------------------------------------------------------------------------


class VehicleRelation(StrEnum):
    """How the enterprise a vehicles list is for relates to the vehicles (docs/DOMAIN.md 4.1)."""

    MADE = "MADE"  # its automaker (or importer)
    SCRAPPED = "SCRAPPED"  # the dismantler that took it in


class VehicleStatus(StrEnum):
    """Where a vehicle is in its life, from what its record holds."""

    CERTIFIED = "CERTIFIED"  # factory certificate or customs clearance, not yet registered
    REGISTERED = "REGISTERED"
    SCRAPPED = "SCRAPPED"


class VehicleWhere(Struct, frozen=True):
    model: str | None = None
    statuses: frozenset[VehicleStatus] = frozenset()
    region_prefix: str | None = None  # registration region: the digits a division's codes share
    certified_on_or_after: date | None = None
    certified_on_or_before: date | None = None
    registered_on_or_after: date | None = None
    registered_on_or_before: date | None = None

    def canonical(self) -> str:
        """The same text in every process (a frozenset's order is not), for cursor binding."""
        return json.dumps(
            [
                self.model,
                sorted(self.statuses),
                self.region_prefix,
                _iso(self.certified_on_or_after),
                _iso(self.certified_on_or_before),
                _iso(self.registered_on_or_after),
                _iso(self.registered_on_or_before),
            ]
        )


def _vehicle_status(status: VehicleStatus) -> Any:
    registered, scrapped = VehicleItem.registered_on, VehicleItem.scrapped_on
    if status is VehicleStatus.SCRAPPED:
        return scrapped.exists()
    if status is VehicleStatus.REGISTERED:
        return registered.exists() & scrapped.does_not_exist()
    return registered.does_not_exist() & scrapped.does_not_exist()


def _vehicle_filters(where: VehicleWhere, *, by_model: bool) -> list[Any]:
    item = VehicleItem
    conditions: list[Any] = []
    if where.model is not None and not by_model:
        conditions.append(item.model == where.model)
    if where.statuses:
        conditions.append(_any([_vehicle_status(s) for s in sorted(where.statuses)]))
    if where.region_prefix:
        conditions.append(item.region_code.startswith(where.region_prefix))
    conditions += _dates(
        item.certified_on, where.certified_on_or_after, where.certified_on_or_before
    )
    conditions += _dates(
        item.registered_on, where.registered_on_or_after, where.registered_on_or_before
    )
    return conditions


def vehicle_page(
    enterprise: str,
    relation: VehicleRelation,
    where: VehicleWhere,
    *,
    first: int,
    after: Key | None,
) -> ListPage[VehicleState]:
    """The vehicles `enterprise` made (by VIN; of one model: that model's partition) or took in
    for scrapping."""
    if not reads.storable(enterprise):
        # No enterprise has such an id, and DynamoDB would refuse it as a key.
        return _nothing()
    if relation is VehicleRelation.SCRAPPED:
        conditions = _vehicle_filters(where, by_model=False)
        results = VehicleItem.by_dismantler.query(
            enterprise, filter_condition=_all(conditions), last_evaluated_key=after
        )
        filtered = bool(conditions)
    elif where.model is not None:
        # A model's vehicles are all its owner's (only the owner may certify vehicles of it);
        # a model of another enterprise, or none, lists nothing, as an unknown model does,
        # without reading that model's vehicles.
        model = reads.models([where.model]).get(where.model)
        if model is None or model.owner != enterprise:
            return _nothing()
        conditions = [VehicleItem.automaker == enterprise, *_vehicle_filters(where, by_model=True)]
        results = VehicleItem.by_model.query(
            where.model, filter_condition=_all(conditions), last_evaluated_key=after
        )
        filtered = True
    else:
        conditions = _vehicle_filters(where, by_model=False)
        results = VehicleItem.by_automaker.query(
            enterprise, filter_condition=_all(conditions), last_evaluated_key=after
        )
        filtered = bool(conditions)
    return read_page(results, vehicle_from_item, VehicleItem, first=first, filtered=filtered)


# --- batteries ------------------------------------------------------------------------------


class BatteryRelation(StrEnum):
    """How the enterprise a batteries list is for relates to the batteries (docs/DOMAIN.md 1.1,
    4.1). The automaker of the vehicle a battery is in answers for it, so RESPONSIBLE covers
    those."""

    MADE = "MADE"  # its manufacturer
    RESPONSIBLE = "RESPONSIBLE"  # the enterprise answering for its take-back
    HELD = "HELD"  # its custodian


class BatteryWhere(Struct, frozen=True):
    statuses: frozenset[BatteryStatus] = frozenset()
    produced_on_or_after: date | None = None
    produced_on_or_before: date | None = None

    def canonical(self) -> str:
        return json.dumps(
            [
                sorted(self.statuses),
                _iso(self.produced_on_or_after),
                _iso(self.produced_on_or_before),
            ]
        )


_BATTERY_INDEXES = {
    BatteryRelation.MADE: BatteryItem.by_manufacturer,
    BatteryRelation.RESPONSIBLE: BatteryItem.by_responsible,
    BatteryRelation.HELD: BatteryItem.by_custodian,
}


def battery_page(
    enterprise: str,
    relation: BatteryRelation,
    where: BatteryWhere,
    *,
    first: int,
    after: Key | None,
) -> ListPage[BatteryState]:
    """The batteries `enterprise` made, answers for or holds, by code."""
    if not reads.storable(enterprise):
        return _nothing()
    item = BatteryItem
    conditions: list[Any] = []
    if where.statuses:
        conditions.append(item.status.is_in(*sorted(s.value for s in where.statuses)))
    conditions += _dates(item.produced_on, where.produced_on_or_after, where.produced_on_or_before)
    results = _BATTERY_INDEXES[relation].query(
        enterprise, filter_condition=_all(conditions), last_evaluated_key=after
    )
    return read_page(
        results, battery_from_item, BatteryItem, first=first, filtered=bool(conditions)
    )


# --- vehicle models -------------------------------------------------------------------------


class ModelWhere(Struct, frozen=True):
    imported: bool | None = None
    approved_on_or_after: date | None = None
    approved_on_or_before: date | None = None

    def canonical(self) -> str:
        return json.dumps(
            [self.imported, _iso(self.approved_on_or_after), _iso(self.approved_on_or_before)]
        )


def model_page(
    enterprise: str, where: ModelWhere, *, first: int, after: Key | None
) -> ListPage[ModelState]:
    """The vehicle models `enterprise` owns, by code."""
    if not reads.storable(enterprise):
        return _nothing()
    conditions: list[Any] = []
    if where.imported is not None:
        conditions.append(ModelItem.imported == where.imported)
    conditions += _dates(
        ModelItem.approved_on, where.approved_on_or_after, where.approved_on_or_before
    )
    results = ModelItem.by_owner.query(
        enterprise, filter_condition=_all(conditions), last_evaluated_key=after
    )
    return read_page(results, model_from_item, ModelItem, first=first, filtered=bool(conditions))


# --- service points -------------------------------------------------------------------------


class ServicePointWhere(Struct, frozen=True):
    point_type: PointType | None = None
    # Location: the digits every code of a division shares (2 a province, 4 a prefecture).
    region_prefix: str | None = None
    active: bool | None = None

    def canonical(self) -> str:
        return json.dumps([self.point_type, self.region_prefix, self.active])


def service_point_page(
    enterprise: str, where: ServicePointWhere, *, first: int, after: Key | None
) -> ListPage[ServicePoint]:
    """The service points `enterprise` operates, by type, then the region they cover.

    The sort key is `<type>#<coverage region>#<id>`, and a point covers a region of the
    province it stands in, so a type, and a type with a province, are key ranges; a finer
    location and the active flag are filters.
    """
    if not reads.storable(enterprise):
        return _nothing()
    item = ServicePointItem
    key_range = None
    prefix = where.region_prefix
    if where.point_type is not None:
        key_prefix = f"{where.point_type.value}#"
        if prefix:
            key_prefix += prefix[:2]
            prefix = prefix if len(prefix) > 2 else None  # the key range says it all
        key_range = item.type_region.startswith(key_prefix)
    conditions: list[Any] = []
    if prefix:
        conditions.append(item.region_code.startswith(prefix))
    if where.active is not None:
        conditions.append(item.active == where.active)
    results = item.by_operator.query(
        enterprise,
        range_key_condition=key_range,
        filter_condition=_all(conditions),
        last_evaluated_key=after,
    )
    return read_page(
        results, service_point_from_item, ServicePointItem, first=first, filtered=bool(conditions)
    )


# --- enterprises ----------------------------------------------------------------------------


class EnterpriseWhere(Struct, frozen=True):
    kind: EnterpriseKind | None = None
    province_code: str | None = None

    def canonical(self) -> str:
        return json.dumps([self.kind, self.province_code])

    def matches(self, enterprise: Enterprise) -> bool:
        return (self.kind is None or self.kind in enterprise.kinds) and (
            self.province_code is None or enterprise.province_code == self.province_code
        )


def enterprise_page(
    where: EnterpriseWhere, *, first: int, after: Key | None
) -> ListPage[Enterprise]:
    """Every enterprise on the platform, in storage order: a Scan of the Enterprises table, a few
    thousand rows nationally and no partition to query. Manufacturer-code claims share the
    table and are filtered out (they have no kinds), so every page is a filtered one."""
    item = EnterpriseItem
    conditions: list[Any] = [item.kinds.exists()]
    if where.kind is not None:
        conditions.append(item.kinds.contains(where.kind.value))
    if where.province_code is not None:
        conditions.append(item.province_code == where.province_code)
    results = item.scan(filter_condition=_all(conditions), last_evaluated_key=after)
    return read_page(results, enterprise_from_item, EnterpriseItem, first=first, filtered=True)
