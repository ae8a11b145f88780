"""Every Query field and every mutation costs the same DynamoDB calls, and reads the same number
of items, for a large automaker with a short history and with a twenty times longer one.

Two worlds are stored straight into moto's tables with the store's own record functions (going
through the API would take hours at this size), identical but for the large automaker's
history: its vehicles, their packs and duties, its models and their duties, its service points
and coverage duties all grow with the size; the other enterprises (a battery maker, another
automaker, a dismantler, a recycler and a few more) are the same in both. The seeded counter
rows hold the seeded counts; writes through the API keep them as they would on AWS. Dates are
counted from today (China time), as the API's clock is: the sweep is taken to have run, so
only a fixed handful of open duties are past due and not yet marked overdue. Seeded vehicles
and packs have no events (a history is one subject's and does not grow with the enterprise);
the records the chain creates have theirs.

In each world the same script runs, in the same order: first the reads of the seeded history,
then a chain of mutations on records the chain itself creates (the same codes and VINs in both
worlds, so that every write is a first attempt), with reads of those records between them. Each
measured request is counted by botocore hooks on the client every model shares: DynamoDB calls
by operation, and items read (a Query's or Scan's ScannedCount, the items a GetItem or
BatchGetItem returned). Both counts must be equal at the two sizes. A request whose cost grows
with the history is marked as an expected failure that names what grows.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from graphql import introspection_from_schema
from pynamodb.models import Model

from compliance.calendar import CHINA_TZ, default_calendar
from compliance.codes import production_date_code
from compliance.enterprises import Contact, Enterprise
from compliance.lifecycle import (
    BatteryState,
    BatteryStatus,
    EnterpriseKind,
    EventKind,
    ModelState,
    VehicleState,
)
from compliance.network import POINT_TYPE_OF_RULE, PointType, ServicePoint, natural_key
from compliance.regions import prefectures
from compliance.reminder_schedule import first_reminder_on
from compliance.rules import Obligation, ObligationStatus, Period, SubjectKind, load_rule_set
from compliance.store.counts import ENTERPRISE_SHARDS, NATION, NATIONAL_SHARDS, counter_id
from compliance.store.models import (
    BatteryItem,
    ManufacturerCodeClaim,
    ModelItem,
    ObligationCountsItem,
    ObligationItem,
    ServicePointItem,
    ServicePointKeyClaim,
    VehicleItem,
)
from compliance.store.records import (
    battery_item,
    enterprise_item,
    model_item,
    network_rows,
    obligation_item,
    open_partition,
    service_point_from_item,
    service_point_item,
    status_key,
    vehicle_item,
)
from graph.node import global_id
from graph.schema import build_schema
from local.aws import local_aws
from local.calls import bearer_header
from local.queues import create_queues
from tests.api import gql
from tests.builders import (
    AUTOMAKER_ID,
    BATTERY_MAKER_ID,
    DISMANTLER,
    OTHER_AUTOMAKER_ID,
    OTHER_BATTERY_MAKER_ID,
    RECYCLER,
    battery_code,
    uscc,
    vin,
)

# Obligations of the large automaker's dated history (two per vehicle) in the two worlds; its
# models, service points and coverage duties grow in proportion.
SIZES = (1_000, 20_000)

TODAY = datetime.now(CHINA_TZ).date()
SEEDED_AT = datetime.now(UTC).replace(microsecond=0)
CALENDAR = default_calendar()
RULE_SET = load_rule_set()


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# --- who is in both worlds ------------------------------------------------------------------

AUTOMAKER = AUTOMAKER_ID  # the large automaker whose history grows
MAKER = BATTERY_MAKER_ID  # makes the large automaker's packs (code X12)
OTHER_AUTOMAKER = OTHER_AUTOMAKER_ID  # a small automaker, the same in both worlds
OTHER_MAKER = OTHER_BATTERY_MAKER_ID  # makes the small automaker's packs (code 03U)
DISMANTLER_ID = DISMANTLER.id
RECYCLER_ID = RECYCLER.id
RECYCLER_CODE = "R7G"
BYSTANDERS = [uscc(f"91330000MA1BY000{n}") for n in range(6)]  # recyclers with no records
NEWCOMER = uscc("91110000MA1NW0001")  # onboarded by the chain

REGULATOR = bearer_header("REGULATOR")
PLATFORM = bearer_header("PLATFORM_ADMIN")
AUTO_USER = bearer_header("ENTERPRISE_USER", AUTOMAKER)
AUTO_ADMIN = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER)
MAKER_USER = bearer_header("ENTERPRISE_USER", MAKER)
MAKER_ADMIN = bearer_header("ENTERPRISE_ADMIN", MAKER)
DISMANTLER_ADMIN = bearer_header("ENTERPRISE_ADMIN", DISMANTLER_ID)
DISMANTLER_USER = bearer_header("ENTERPRISE_USER", DISMANTLER_ID)
RECYCLER_ADMIN = bearer_header("ENTERPRISE_ADMIN", RECYCLER_ID)

# --- the large automaker's history, by size ---------------------------------------------------

VEHICLE_MODEL = "FZ0000BEV"  # every seeded vehicle's model (announced before all of them)
IMPORTED_MODEL = "FZ9900PHV"  # an imported model with no vehicles yet
PACKS_PRODUCED = day(-450)
HOME_PREFECTURE = "350100"  # Fuzhou: the automaker's first collection point, in both worlds
HOME_COUNTY = "350102"
REGISTRATION_COUNTIES = ("350102", "350203", "350104", "350105")  # all in Fujian
# Prefectures other than home, in code order: the first is an open coverage gap that the chain
# closes with a new point, the second a waived gap; the rest hold points, then further gaps.
_OTHER_PREFECTURES = [r.code for r in prefectures() if r.code != HOME_PREFECTURE]
GAP_CLOSED_BY_CHAIN, WAIVED_GAP = _OTHER_PREFECTURES[0], _OTHER_PREFECTURES[1]
UNMARKED, MOVED_LATER = range(5), range(5, 7)  # vehicles whose sales duty the sweep left as is
FULFILLED_BY_CHAIN, WAIVED_BY_CHAIN = 10, 11  # vehicles whose open sales duty the chain closes


def vehicles_of(size: int) -> int:
    return size // 2


def models_of(size: int) -> int:
    return max(20, size // 50)


def points_of(size: int) -> int:
    return max(12, size // 100)


def gaps_of(size: int) -> int:
    return max(5, size // 400)


# --- records the chain creates (the same in both worlds) --------------------------------------

FRESH_PRODUCED = day(-40)
FRESH_PACKS = [battery_code("X12", produced=FRESH_PRODUCED, serial=9_000_001 + n) for n in range(7)]
CELLS = [f"X12CB010000001{production_date_code(FRESH_PRODUCED)}{9_100_001 + n:07d}" for n in (0, 1)]
SECOND_LIFE = f"{RECYCLER_CODE}PB01{production_date_code(day(-10))}9000002RP"
FRESH_MODEL = "FZ9001BEV"
DOMESTIC_VIN, IMPORTED_VIN = vin(9_000_001), vin(9_000_002)
SEEDED_VIN = vin(7)


# --- building records -------------------------------------------------------------------------


def _enterprise(
    eid: str, name: str, *kinds: EnterpriseKind, codes: tuple[str, ...] = (), province: str = ""
) -> Model:
    contacts = (Contact(f"trace@{eid.lower()}.example.cn", "zh-CN"),)
    return enterprise_item(
        Enterprise(
            id=eid,
            name=name,
            kinds=frozenset(kinds),
            manufacturer_codes=frozenset(codes),
            province_code=province or None,
            contacts=contacts,
            created_at=SEEDED_AT,
        ),
        version=1,
    )


def _point(
    pid: str, operator: str, point_type: PointType, region: str, coverage: str
) -> list[Model]:
    point = ServicePoint(
        id=pid,
        operator=operator,
        point_type=point_type,
        name=f"Point {pid[-4:]}",
        region_code=region,
        coverage_region=coverage,
        address=None,
        active=True,
        updated_at=SEEDED_AT,
        updated_by="seed",
    )
    key = natural_key(operator, point_type, region, point.name)
    return [
        service_point_item(point, version=1),
        ServicePointKeyClaim(id=f"KEY#{key}", point_id=pid),
    ]


def _duty(
    rule_id: str,
    responsible: str,
    kind: SubjectKind,
    subject: str,
    trigger: EventKind,
    on: date,
    period: str,
    *,
    vehicle: str | None = None,
    model: str | None = None,
) -> Obligation:
    oid = "ob_" + hashlib.sha256(f"{rule_id}|{responsible}|{subject}".encode()).hexdigest()[:24]
    parsed = Period.parse(period)
    return Obligation(
        id=oid,
        rule_id=rule_id,
        rule_set_id=RULE_SET.id,
        rule_set_version=RULE_SET.version,
        responsible_enterprise=responsible,
        responsible_role="AUTOMAKER",
        subject_kind=kind,
        subject_id=subject,
        trigger_event_id=f"ev_{oid[3:]}",
        trigger_kind=trigger,
        trigger_date=on,
        period=parsed,
        deadline=parsed.deadline(on, CALENDAR),
        vin=vehicle,
        model=model,
    )


_CLOSED = frozenset(
    {ObligationStatus.FULFILLED, ObligationStatus.FULFILLED_LATE, ObligationStatus.WAIVED}
)


@dataclass
class Ledger:
    """The obligation items of a world, and the counts its counter rows must hold."""

    items: list[Model] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(
        self, duty: Obligation, status: ObligationStatus, closed_on: date | None = None
    ) -> None:
        deadline = duty.deadline
        due = deadline.due_date if deadline else None
        item = obligation_item(duty, SEEDED_AT, first_reminder_on(due, duty.trigger_date, CALENDAR))
        item.version = 1
        item.status = status.value
        item.status_key = status_key(status, due, duty.id)
        item.open_partition = open_partition(status, duty.id)
        if status in _CLOSED:
            item.remind_pk = item.remind_sk = None
            item.closed_by, item.closed_at = "seed", SEEDED_AT
            if status is ObligationStatus.WAIVED:
                item.waived_reason = "Not applicable"
            else:
                item.fulfilled_on = (closed_on or duty.trigger_date).isoformat()
                item.platform_receipt = f"NP-{duty.id[3:11]}"
        self.items.append(item)
        for who in (duty.responsible_enterprise, NATION):
            counts = self.counts.setdefault(who, Counter())
            counts[status.value.lower()] += 1
            if status not in _CLOSED and deadline is not None and deadline.provisional:
                counts["provisional"] += 1
            if status not in _CLOSED and duty.rule_id in POINT_TYPE_OF_RULE:
                counts["coverage_open"] += 1

    def counters(self) -> list[Model]:
        rows: list[Model] = []
        for who, counts in sorted(self.counts.items()):
            shards = NATIONAL_SHARDS if who == NATION else ENTERPRISE_SHARDS
            for shard in range(shards):
                row = ObligationCountsItem(counter_id(who, shard))
                for name in ("open", "overdue", "fulfilled", "fulfilled_late", "waived"):
                    setattr(row, name, counts[name] if shard == 0 else 0)
                row.provisional = counts["provisional"] if shard == 0 else 0
                row.coverage_open = counts["coverage_open"] if shard == 0 else 0
                rows.append(row)
        return rows


def _enterprises() -> list[Model]:
    return [
        _enterprise(AUTOMAKER, "Large Motors", EnterpriseKind.AUTOMAKER, province="350000"),
        _enterprise(OTHER_AUTOMAKER, "Small Motors", EnterpriseKind.AUTOMAKER, province="440000"),
        _enterprise(
            MAKER, "Cells", EnterpriseKind.BATTERY_MAKER, codes=("X12",), province="350000"
        ),
        _enterprise(OTHER_MAKER, "Other Cells", EnterpriseKind.BATTERY_MAKER, codes=("03U",)),
        _enterprise(DISMANTLER_ID, "Dismantling", EnterpriseKind.DISMANTLER, province="350000"),
        _enterprise(RECYCLER_ID, "Recycling", EnterpriseKind.RECYCLER, codes=(RECYCLER_CODE,)),
        *(
            _enterprise(eid, f"Bystander {n}", EnterpriseKind.RECYCLER, province="330000")
            for n, eid in enumerate(BYSTANDERS)
        ),
        ManufacturerCodeClaim(pk="MFR#X12", owner=MAKER),
        ManufacturerCodeClaim(pk="MFR#03U", owner=OTHER_MAKER),
        ManufacturerCodeClaim(pk=f"MFR#{RECYCLER_CODE}", owner=RECYCLER_ID),
    ]


def _large_automaker(size: int, ledger: Ledger) -> list[Model]:
    """The history that grows: vehicles with one pack and two duties each, models with two
    duties each, collection points with their fulfilled coverage duties, and open gaps."""
    items: list[Model] = []
    count = vehicles_of(size)
    for i in range(count):
        number = vin(i)
        certified = day(-420 + (i * 200) // count)
        if i in UNMARKED:  # past due, not yet marked by the sweep
            registered, sales = day(-30), ObligationStatus.OPEN
        elif i in MOVED_LATER:  # marked overdue, then a calendar load moved the deadline
            registered, sales = day(-3), ObligationStatus.OVERDUE
        elif i % 5 in (0, 1):  # due in the next two weeks
            registered, sales = day(-8 + i % 8), ObligationStatus.OPEN
        else:
            registered, sales = day(-200 + (i * 170) // count), ObligationStatus.OVERDUE
        pack = battery_code("X12", produced=PACKS_PRODUCED, serial=i + 1)
        items.append(
            vehicle_item(
                VehicleState(
                    vin=number,
                    automaker=AUTOMAKER,
                    model=VEHICLE_MODEL,
                    imported=False,
                    certified_on=certified,
                    last_event_on=registered,
                    registered_on=registered,
                    region_code=REGISTRATION_COUNTIES[i % len(REGISTRATION_COUNTIES)],
                    battery_codes=frozenset({pack}),
                    history=2,
                ),
                version=1,
            )
        )
        items.append(
            battery_item(
                BatteryState(
                    code=pack,
                    manufacturer=MAKER,
                    produced_on=PACKS_PRODUCED,
                    status=BatteryStatus.INSTALLED,
                    last_event_on=certified,
                    responsible=AUTOMAKER,
                    custodian=AUTOMAKER,
                    vin=number,
                    supplied_to=AUTOMAKER,
                    vehicle_automaker=AUTOMAKER,
                    history=3,
                ),
                version=1,
            )
        )
        production = _duty(
            "PRODUCTION_TRACE_UPLOAD",
            AUTOMAKER,
            SubjectKind.VEHICLE,
            number,
            EventKind.FACTORY_CERTIFICATE_ISSUED,
            certified,
            "10WD",
            vehicle=number,
        )
        closed = (
            ObligationStatus.FULFILLED,
            ObligationStatus.FULFILLED,
            ObligationStatus.FULFILLED_LATE,
            ObligationStatus.WAIVED,
        )[i % 4]
        assert production.deadline is not None
        late = closed is ObligationStatus.FULFILLED_LATE
        ledger.add(production, closed, production.deadline.due_date + timedelta(3 if late else -1))
        ledger.add(
            _duty(
                "SALES_TRACE_UPLOAD",
                AUTOMAKER,
                SubjectKind.VEHICLE,
                number,
                EventKind.VEHICLE_REGISTERED,
                registered,
                "10WD",
                vehicle=number,
            ),
            sales,
        )
    models = [(VEHICLE_MODEL, day(-500), False), (IMPORTED_MODEL, day(-150), True)]
    models += [(f"FZ{k:04d}BEV", day(-150), False) for k in range(1, models_of(size) - 1)]
    for k, (code, approved, imported) in enumerate(models):
        items.append(model_item(ModelState(code, AUTOMAKER, imported, approved), version=1))
        trigger = EventKind.MODEL_CCC_CERTIFIED if imported else EventKind.MODEL_ANNOUNCED
        tech = _duty(
            "TECH_INFO_SUBMISSION",
            AUTOMAKER,
            SubjectKind.MODEL,
            code,
            trigger,
            approved,
            "6M",
            model=code,
        )
        ledger.add(
            tech,
            ObligationStatus.FULFILLED if k % 3 == 0 else ObligationStatus.OPEN,
            approved + timedelta(30),
        )
        info = _duty(
            "DISMANTLER_DISASSEMBLY_INFO",
            AUTOMAKER,
            SubjectKind.MODEL,
            code,
            trigger,
            approved,
            "STANDING",
            model=code,
        )
        ledger.add(
            info,
            ObligationStatus.FULFILLED if k % 2 == 0 else ObligationStatus.OPEN,
            approved + timedelta(60),
        )
    covered = [HOME_PREFECTURE, *_OTHER_PREFECTURES[2 : 2 + points_of(size) - 1]]
    gaps = [GAP_CLOSED_BY_CHAIN]
    gaps += _OTHER_PREFECTURES[1 + points_of(size) : points_of(size) + gaps_of(size)]
    for n, prefecture in enumerate(covered):
        items += _point(f"sp_a{n:019d}", AUTOMAKER, PointType.COLLECTION, prefecture, prefecture)
    for prefecture, status in [
        *((p, ObligationStatus.FULFILLED) for p in covered),
        *((p, ObligationStatus.OPEN) for p in gaps),
        (WAIVED_GAP, ObligationStatus.WAIVED),
    ]:
        duty = _duty(
            "COLLECTION_POINT_COVERAGE",
            AUTOMAKER,
            SubjectKind.PREFECTURE,
            prefecture,
            EventKind.VEHICLE_REGISTERED,
            day(-100),
            "STANDING",
        )
        ledger.add(duty, status, day(-90))
    return items


def _everyone_else(ledger: Ledger) -> list[Model]:
    """What does not grow: the battery maker's stock and points, and a small automaker whose
    history is later than the large one's (so that the nation's first pages are the same)."""
    items: list[Model] = []
    for n in range(30):
        items.append(
            battery_item(
                BatteryState(
                    code=battery_code("X12", produced=day(-60), serial=8_000_001 + n),
                    manufacturer=MAKER,
                    produced_on=day(-60),
                    status=BatteryStatus.REGISTERED,
                    last_event_on=day(-60),
                    responsible=MAKER,
                    custodian=MAKER,
                ),
                version=1,
            )
        )
    for n, region in enumerate(("320100", "350100", "440100")):
        items += _point(f"sp_m{n:019d}", MAKER, PointType.STORAGE, region, region[:2] + "0000")
        items += _point(f"sp_o{n:019d}", OTHER_AUTOMAKER, PointType.COLLECTION, region, region)
    items.append(model_item(ModelState("OT0001BEV", OTHER_AUTOMAKER, False, day(-300)), version=1))
    for j in range(40):
        number, scrapped = vin(5_000_000 + j), j < 5
        pack = battery_code("03U", produced=day(-200), serial=j + 1)
        keeper = DISMANTLER_ID if scrapped else OTHER_AUTOMAKER
        items.append(
            vehicle_item(
                VehicleState(
                    vin=number,
                    automaker=OTHER_AUTOMAKER,
                    model="OT0001BEV",
                    imported=False,
                    certified_on=day(-100),
                    last_event_on=day(-20) if scrapped else day(-60),
                    registered_on=day(-60),
                    region_code="440305",
                    scrapped_on=day(-20) if scrapped else None,
                    scrapped_by=DISMANTLER_ID if scrapped else None,
                    battery_codes=frozenset({pack}),
                    history=3 if scrapped else 2,
                ),
                version=1,
            )
        )
        items.append(
            battery_item(
                BatteryState(
                    code=pack,
                    manufacturer=OTHER_MAKER,
                    produced_on=day(-200),
                    status=BatteryStatus.INSTALLED,
                    last_event_on=day(-100),
                    responsible=OTHER_AUTOMAKER,
                    custodian=keeper,
                    vin=number,
                    supplied_to=OTHER_AUTOMAKER,
                    vehicle_automaker=OTHER_AUTOMAKER,
                ),
                version=1,
            )
        )
        for rule, trigger, on, status in (
            (
                "PRODUCTION_TRACE_UPLOAD",
                EventKind.FACTORY_CERTIFICATE_ISSUED,
                day(-100),
                ObligationStatus.FULFILLED,
            ),
            (
                "SALES_TRACE_UPLOAD",
                EventKind.VEHICLE_REGISTERED,
                day(-60),
                ObligationStatus.OVERDUE,
            ),
        ):
            duty = _duty(
                rule,
                OTHER_AUTOMAKER,
                SubjectKind.VEHICLE,
                number,
                trigger,
                on,
                "10WD",
                vehicle=number,
            )
            ledger.add(duty, status, on + timedelta(5))
    return items


@dataclass(frozen=True)
class Seeded:
    """What one world holds, and the ids the script reads."""

    size: int
    history: Mapping[str, int]  # the large automaker's records, by kind
    fulfilled_by_chain: str
    waived_by_chain: str
    seeded_obligation: str


def seed(size: int) -> Seeded:
    """Store a world straight into the tables (25 items a BatchWriteItem)."""
    ledger = Ledger()
    items = [*_enterprises(), *_large_automaker(size, ledger), *_everyone_else(ledger)]
    items += ledger.items + ledger.counters()
    items += network_rows(
        service_point_from_item(item) for item in items if isinstance(item, ServicePointItem)
    )
    by_model: dict[type[Model], list[Model]] = {}
    for item in items:
        by_model.setdefault(type(item), []).append(item)
    for model, group in by_model.items():
        with model.batch_write() as batch:
            for item in group:
                batch.save(item)
    owners = {
        "obligations": (ObligationItem, "responsible"),
        "vehicles": (VehicleItem, "automaker"),
        "batteries": (BatteryItem, "responsible"),
        "models": (ModelItem, "owner"),
        "service points": (ServicePointItem, "operator"),
    }
    history = {
        kind: sum(1 for item in by_model[model] if getattr(item, owner) == AUTOMAKER)
        for kind, (model, owner) in owners.items()
    }

    def sales_duty(i: int) -> str:
        return _duty(
            "SALES_TRACE_UPLOAD",
            AUTOMAKER,
            SubjectKind.VEHICLE,
            vin(i),
            EventKind.VEHICLE_REGISTERED,
            TODAY,
            "10WD",
        ).id

    return Seeded(
        size=size,
        history=history,
        fulfilled_by_chain=sales_duty(FULFILLED_BY_CHAIN),
        waived_by_chain=sales_duty(WAIVED_BY_CHAIN),
        seeded_obligation=sales_duty(12),
    )


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    """DynamoDB calls by operation, and the items they read."""

    calls: Mapping[str, int]
    items_read: int

    def __str__(self) -> str:
        calls = ", ".join(f"{name} {n}" for name, n in sorted(self.calls.items()))
        return f"{calls or 'no calls'}; {self.items_read} items read"


class Meter:
    """Counts the DynamoDB calls of the client every model shares, from whichever thread makes
    them (pages and loaders read on threads of their own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._items = 0

    def before(self, model: Any, **_: Any) -> None:
        with self._lock:
            self._calls[model.name] += 1

    def after(self, parsed: Mapping[str, Any], model: Any, **_: Any) -> None:
        read = _items_read(model.name, parsed)
        with self._lock:
            self._items += read

    def take(self) -> Cost:
        with self._lock:
            cost = Cost(dict(self._calls), self._items)
            self._calls, self._items = Counter(), 0
        return cost


def _items_read(operation: str, parsed: Mapping[str, Any]) -> int:
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", 0))
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation == "BatchGetItem":
        return sum(len(found) for found in (parsed.get("Responses") or {}).values())
    if operation == "TransactGetItems":
        return sum(1 for found in parsed.get("Responses") or () if found.get("Item"))
    return 0


# --- the script: the same requests, in the same order, in both worlds -------------------------

Notes = dict[str, Any]  # what earlier requests of a world answered (a cursor, a key id)
Variables = Callable[[Seeded, Notes], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    """One request. A measured step is a case; the others prepare what the next ones act on."""

    field: str  # `Query.<field>` or `Mutation.<field>`
    variant: str
    document: str
    auth: str
    variables: Variables | None = None
    measured: bool = True
    keep: Callable[[Any, Notes], None] | None = None

    @property
    def case(self) -> str:
        return f"{self.field}-{self.variant}"


def _fixed(**values: Any) -> Variables:
    return lambda _seeded, _notes: values


def _read(field: str, variant: str, document: str, auth: str, **values: Any) -> Step:
    if document in (PAGE, COUNTED_PAGE):
        # Pages of ten: the short history fills every key range a page reads as the long one does.
        values.setdefault("first", 10)
    return Step(f"Query.{field}", variant, document, auth, _fixed(**values) if values else None)


def _mutation(input_type: str, name: str, selection: str) -> str:
    return (
        f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {selection} "
        "userErrors { field code message } } }"
    )


def _write(
    name: str,
    input_type: str,
    selection: str,
    auth: str,
    value: dict[str, Any] | Callable[[Seeded, Notes], dict[str, Any]],
    *,
    variant: str = "first-attempt",
    measured: bool = True,
    keep: Callable[[Any, Notes], None] | None = None,
) -> Step:
    def variables(seeded: Seeded, notes: Notes) -> dict[str, Any]:
        return {"input": value(seeded, notes) if callable(value) else value}

    document = _mutation(input_type, name, selection)
    return Step(f"Mutation.{name}", variant, document, auth, variables, measured, keep)


PAGE = """query ($filter: ObligationFilter, $first: Int, $after: String) {
  obligations(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id ruleId status dueDate triggerDate } }
    pageInfo { hasNextPage endCursor } } }"""
COUNTED_PAGE = """query ($filter: ObligationFilter, $first: Int) {
  obligations(filter: $filter, first: $first) { totalCount nodes { id status } } }"""
PAGE_WITH_RELATIONS = """query { obligations(first: 10) { edges { node {
    id status dueDate rule { nameEn } responsibleEnterprise { name }
    vehicle { vin model { code } batteries { code status manufacturer { name } } } } } } }"""
SUMMARY = """query ($id: ID) { complianceSummary(enterpriseId: $id) {
    enterpriseId open overdue fulfilled fulfilledLate waived provisional
    nextDue { id dueDate } } }"""
COVERAGE = """{ serviceCoverage(first: 10) { enterpriseId gaps
    regions { regionCode pointType covered pointCount activePointCount
      servicePoints(first: 3) { id active } openObligation { id } waivedObligation { id } }
    pageInfo { hasNextPage endCursor } } }"""
VEHICLE = """query ($vin: String!) { vehicle(vin: $vin) {
    vin modelCode certifiedOn registeredOn region { name } scrappedOn scrappedIncomplete
    model { code approvedOn } automaker { name } scrappedBy { name }
    batteries { code status }
    events { kind occurredOn actorId }
    obligations { id ruleId status dueDate } } }"""
BATTERY = """query ($code: String!) { battery(code: $code) {
    code status producedOn decoded { productType }
    manufacturer { name } responsibleEnterprise { id } custodian { id }
    vehicle { vin } children { code status }
    events { kind occurredOn }
    obligations { id ruleId status } } }"""
VEHICLES = """query ($relation: VehicleRelation!, $filter: VehicleFilter, $first: Int) {
  vehicles(relation: $relation, filter: $filter, first: $first) {
    edges { node { vin registeredOn batteries { code } obligations { id status }
    events { kind } } } pageInfo { hasNextPage endCursor } } }"""
BATTERIES = """query ($relation: BatteryRelation!, $filter: BatteryFilter, $first: Int) {
  batteries(relation: $relation, filter: $filter, first: $first) {
    nodes { code status producedOn vehicle { vin } } pageInfo { hasNextPage } } }"""
MODELS = """query ($filter: VehicleModelFilter) { models(filter: $filter, first: 10) {
    nodes { code imported approvedOn owner { name } } pageInfo { hasNextPage } } }"""
POINTS = """query ($filter: ServicePointFilter) { servicePoints(filter: $filter, first: 10) {
    nodes { id name pointType coverageRegion { code } active } pageInfo { hasNextPage } } }"""
ENTERPRISES = """query ($filter: EnterpriseFilter) { enterprises(filter: $filter, first: 10) {
    nodes { id name kinds province { code } } pageInfo { hasNextPage } } }"""
OBLIGATION = """query ($id: ID!) { obligation(id: $id) {
    id ruleId status dueDate rule { nameEn } responsibleEnterprise { name }
    vehicle { vin batteries { code } } } }"""

RECORDED = "events { kind occurredOn } obligations { id ruleId dueDate }"
BATTERIES_PAYLOAD = f"batteries {{ code status custodian {{ id }} }} {RECORDED}"
VEHICLE_PAYLOAD = f"vehicle {{ vin registeredOn scrappedOn batteries {{ code }} }} {RECORDED}"
OBLIGATION_PAYLOAD = "obligation { id status fulfilledOn waivedReason closedBy }"
BULK_PAYLOAD = "applied refused results { index userErrors { code } } obligations { id }"
KEY_PAYLOAD = "key { id status scopes enterprise { id } } secret"


def _window(low: int, high: int) -> dict[str, str]:
    return {"dueOnOrAfter": day(low).isoformat(), "dueOnOrBefore": day(high).isoformat()}


def _keep_cursor(result: Any, notes: Notes) -> None:
    notes["cursor"] = result["data"]["obligations"]["pageInfo"]["endCursor"]


def _keep_version(result: Any, notes: Notes) -> None:
    notes["version"] = result["data"]["loadCalendarYear"]["calendar"]["version"]


def _keep_key(result: Any, notes: Notes) -> None:
    notes["key"] = result["data"]["createPartnerKey"]["key"]["id"]


def _keep_export(result: Any, notes: Notes) -> None:
    notes["export"] = result["data"]["exportObligations"]["export"]["id"]


# Before anything is written through the API: every read of the seeded history, as the roles
# that make it (an enterprise's own people, a regulator, the platform).
READS_OF_THE_HISTORY: list[Step] = [
    _read("me", "with-its-enterprise", "{ me { subject role enterprise { id name } } }", AUTO_USER),
    _read(
        "decodeBatteryCode",
        "a-pack-code",
        """query ($code: String!) { decodeBatteryCode(code: $code) {
        valid fields { productType productionDate } errors { code } } }""",
        AUTO_USER,
        code=FRESH_PACKS[0],
    ),
    _read(
        "enterprise",
        "its-own",
        "query ($id: ID!) { enterprise(id: $id) { id name kinds contacts { email } } }",
        AUTO_USER,
        id=AUTOMAKER,
    ),
    _read(
        "enterprise",
        "any-to-a-regulator",
        "query ($id: ID!) { enterprise(id: $id) { id name province { name } } }",
        REGULATOR,
        id=OTHER_AUTOMAKER,
    ),
    Step(
        "Query.obligation",
        "with-its-vehicle",
        OBLIGATION,
        AUTO_USER,
        lambda seeded, _: {"id": seeded.seeded_obligation},
    ),
    _read("vehicle", "a-seeded-one", VEHICLE, AUTO_USER, vin=SEEDED_VIN),
    _read(
        "battery",
        "a-seeded-pack",
        BATTERY,
        AUTO_USER,
        code=battery_code("X12", produced=PACKS_PRODUCED, serial=8),
    ),
    _read("obligations", "a-page-with-relations", PAGE_WITH_RELATIONS, AUTO_USER),
    Step(
        "Query.obligations",
        "first-page",
        PAGE,
        AUTO_USER,
        _fixed(first=20),
        measured=False,
        keep=_keep_cursor,
    ),
    Step(
        "Query.obligations",
        "the-next-page",
        PAGE,
        AUTO_USER,
        lambda _, notes: {"first": 20, "after": notes["cursor"]},
    ),
    _read("obligations", "counted", COUNTED_PAGE, AUTO_USER),
    _read("obligations", "open-by-the-clock", PAGE, AUTO_USER, filter={"status": ["OPEN"]}),
    _read("obligations", "overdue-by-the-clock", PAGE, AUTO_USER, filter={"status": ["OVERDUE"]}),
    _read(
        "obligations",
        "closed-late",
        PAGE,
        AUTO_USER,
        filter={"status": ["FULFILLED_LATE", "WAIVED"]},
    ),
    _read(
        "obligations",
        "one-rule-within-the-read-budget",
        PAGE,
        AUTO_USER,
        filter={"ruleId": ["SALES_TRACE_UPLOAD"]},
    ),
    _read(
        "obligations",
        "triggered-in-a-window",
        PAGE,
        AUTO_USER,
        filter={"triggeredOnOrAfter": day(-300).isoformat()},
    ),
    _read("obligations", "due-in-a-window", PAGE, AUTO_USER, filter=_window(-300, -250)),
    _read("obligations", "one-vehicle", PAGE, AUTO_USER, filter={"vin": SEEDED_VIN}),
    _read("obligations", "one-model", PAGE, AUTO_USER, filter={"modelCode": VEHICLE_MODEL}),
    _read(
        "obligations",
        "one-regions-coverage",
        PAGE,
        AUTO_USER,
        filter={"regionCode": GAP_CLOSED_BY_CHAIN},
    ),
    _read("obligations", "the-nations", PAGE, REGULATOR),
    _read(
        "obligations",
        "the-nations-overdue-counted",
        COUNTED_PAGE,
        REGULATOR,
        filter={"status": ["OVERDUE"]},
    ),
    _read("obligations", "the-nations-open", PAGE, REGULATOR, filter={"status": ["OPEN"]}),
    _read(
        "obligations", "the-nations-fulfilled", PAGE, REGULATOR, filter={"status": ["FULFILLED"]}
    ),
    _read(
        "obligations",
        "one-enterprises-overdue-to-a-regulator",
        PAGE,
        REGULATOR,
        filter={"enterpriseId": AUTOMAKER, "status": ["OVERDUE"]},
    ),
    _read("complianceSummary", "its-own", SUMMARY, AUTO_USER),
    _read("complianceSummary", "the-nations", SUMMARY, REGULATOR),
    _read("complianceSummary", "one-enterprise-to-a-regulator", SUMMARY, REGULATOR, id=AUTOMAKER),
    _read("serviceCoverage", "its-own", COVERAGE, AUTO_USER),
    _read("vehicles", "made-with-nested-lists", VEHICLES, AUTO_USER, relation="MADE", first=10),
    _read(
        "vehicles",
        "of-one-model-registered",
        VEHICLES,
        AUTO_USER,
        relation="MADE",
        first=10,
        filter={"model": VEHICLE_MODEL, "status": ["REGISTERED"]},
    ),
    _read(
        "vehicles",
        "registered-in-a-province",
        VEHICLES,
        AUTO_USER,
        relation="MADE",
        first=10,
        filter={"regionCode": "350000", "certifiedOnOrAfter": day(-500).isoformat()},
    ),
    _read(
        "vehicles",
        "one-enterprises-to-a-regulator",
        VEHICLES,
        REGULATOR,
        relation="MADE",
        first=10,
        filter={"enterpriseId": AUTOMAKER},
    ),
    _read("vehicles", "scrapped-by-a-dismantler", VEHICLES, DISMANTLER_USER, relation="SCRAPPED"),
    _read("batteries", "made", BATTERIES, MAKER_USER, relation="MADE", first=10),
    _read(
        "batteries",
        "answered-for-installed",
        BATTERIES,
        AUTO_USER,
        relation="RESPONSIBLE",
        first=10,
        filter={"status": ["INSTALLED"]},
    ),
    _read("batteries", "held", BATTERIES, AUTO_USER, relation="HELD", first=10),
    _read(
        "batteries",
        "made-in-a-window-to-a-regulator",
        BATTERIES,
        REGULATOR,
        relation="MADE",
        first=10,
        filter={"enterpriseId": MAKER, "producedOnOrBefore": PACKS_PRODUCED.isoformat()},
    ),
    _read("models", "its-own", MODELS, AUTO_USER),
    _read("models", "domestic", MODELS, AUTO_USER, filter={"imported": False}),
    _read(
        "models",
        "one-enterprises-to-a-regulator",
        MODELS,
        REGULATOR,
        filter={"enterpriseId": AUTOMAKER},
    ),
    _read("servicePoints", "its-own", POINTS, AUTO_USER),
    _read("servicePoints", "of-one-type", POINTS, AUTO_USER, filter={"pointType": "COLLECTION"}),
    _read("servicePoints", "active", POINTS, AUTO_USER, filter={"active": True}),
    _read(
        "servicePoints",
        "one-enterprises-to-a-regulator",
        POINTS,
        REGULATOR,
        filter={"enterpriseId": AUTOMAKER},
    ),
    _read("enterprises", "the-platforms", ENTERPRISES, REGULATOR),
    _read("enterprises", "automakers", ENTERPRISES, PLATFORM, filter={"kind": "AUTOMAKER"}),
    _read("enterprises", "its-own", ENTERPRISES, AUTO_USER),
    _read(
        "workingDay",
        "a-statutory-holiday",
        """query ($date: Date!) { workingDay(date: $date) {
        date workingDay restReason makeUpWorkday announced provisional calendarVersion } }""",
        AUTO_USER,
        date="2026-10-01",
    ),
    _read(
        "restDays",
        "over-national-day",
        "query ($from: Date!, $to: Date!) { restDays(from: $from, to: $to) }",
        AUTO_USER,
        **{"from": "2026-09-26", "to": "2026-10-11"},
    ),
    _read(
        "deadline",
        "ten-working-days",
        """query ($trigger: Date!, $period: String!) { deadline(trigger: $trigger,
        period: $period) { dueDate dueAt provisional calendarVersion } }""",
        AUTO_USER,
        trigger="2026-09-24",
        period="10WD",
    ),
    _read(
        "ruleSets",
        "of-the-deployment",
        """{ ruleSets { id version titleEn publishedOn inForceFrom
        rules { id period confidence } } }""",
        AUTO_USER,
    ),
    # The feed is empty here (no stream is read in this module); tests/integration/
    # test_changes.py measures a page at two lengths of feed.
    _read(
        "changes",
        "a-page-of-the-feed",
        """{ changes(first: 10) { edges { node { sequence kind obligation { id status } } }
        pageInfo { hasNextPage endCursor } } }""",
        AUTO_USER,
    ),
    _read("changesCursor", "where-the-feed-ends", "{ changesCursor }", AUTO_USER),
    _read(
        "node",
        "a-seeded-vehicle",
        "query ($id: ID!) { node(id: $id) { id ... on Vehicle { vin batteries { id code } } } }",
        AUTO_USER,
        id=global_id("Vehicle", SEEDED_VIN),
    ),
    Step(
        "Query.nodes",
        "one-of-each-type",
        "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
        AUTO_ADMIN,
        lambda seeded, _: {
            "ids": [
                AUTOMAKER,
                global_id("VehicleModel", VEHICLE_MODEL),
                global_id("Vehicle", SEEDED_VIN),
                global_id("Battery", battery_code("X12", produced=PACKS_PRODUCED, serial=8)),
                seeded.seeded_obligation,
                f"sp_a{0:019d}",  # the automaker's home point
                "zzzzzzzzzzzz",  # no partner key is seeded: one is looked for and not found
            ]
        },
    ),
]

# The life of fresh records, each step on what the steps before made: an enterprise onboarded
# and one updated; packs (one with two cells) registered and supplied, a domestic and an
# imported vehicle certified with them and registered, packs removed, reinstalled, returned for
# repair, sold, disposed of, taken in at a point, handed to a recycler and re-coded, the new
# code taken into its warehouse and out, a vehicle scrapped; then a point, two seeded duties
# closed, a partner key issued and revoked, and a calendar year loaded. When each happened:
_ON = {
    name: day(offset).isoformat()
    for name, offset in {
        "supplied": -38,
        "announced": -37,
        "certified": -36,
        "registered": -30,
        "removed": -25,
        "installed": -24,
        "returned": -22,
        "sold": -20,
        "retired": -18,
        "received": -17,
        "handed": -15,
        "recoded": -10,
        "scrapped": -5,
    }.items()
}
HOME_POINT = f"sp_a{0:019d}"  # the large automaker's point in Fuzhou, seeded in both worlds

THE_CHAIN: list[Step] = [
    _write(
        "registerEnterprise",
        "RegisterEnterpriseInput",
        "enterprise { id name kinds }",
        PLATFORM,
        {"id": NEWCOMER, "name": "Newcomer Recycling", "kinds": ["RECYCLER"]},
    ),
    _write(
        "updateEnterprise",
        "UpdateEnterpriseInput",
        "enterprise { id contacts { email } updatedBy }",
        AUTO_ADMIN,
        {"id": AUTOMAKER, "contacts": [{"email": "hegui@motors.example.cn", "language": "zh-CN"}]},
    ),
    _write(
        "registerBatteries",
        "RegisterBatteriesInput",
        f"registered {{ code status producedOn }} {RECORDED}",
        MAKER_ADMIN,
        {
            "batteries": [{"code": code} for code in FRESH_PACKS]
            + [{"code": code, "parentCode": FRESH_PACKS[0]} for code in CELLS]
        },
    ),
    _write(
        "supplyBatteries",
        "SupplyBatteriesInput",
        BATTERIES_PAYLOAD,
        MAKER_ADMIN,
        {"codes": FRESH_PACKS[:5], "automakerId": AUTOMAKER, "suppliedOn": _ON["supplied"]},
    ),
    _write(
        "announceModel",
        "AnnounceModelInput",
        f"model {{ code approvedOn owner {{ id }} }} {RECORDED}",
        AUTO_ADMIN,
        {"model": FRESH_MODEL, "announcedOn": _ON["announced"]},
    ),
    _write(
        "issueFactoryCertificate",
        "IssueFactoryCertificateInput",
        VEHICLE_PAYLOAD,
        AUTO_ADMIN,
        {
            "vin": DOMESTIC_VIN,
            "model": FRESH_MODEL,
            "issuedOn": _ON["certified"],
            "batteryCodes": [FRESH_PACKS[0]],
        },
    ),
    # Each bulk mutation measured with one item its single mutation has just recorded: the
    # bulk path's own reads, answered as the retry it is.
    _write(
        "issueFactoryCertificates",
        "IssueFactoryCertificatesInput",
        BULK_PAYLOAD,
        AUTO_ADMIN,
        {
            "items": [
                {
                    "vin": DOMESTIC_VIN,
                    "model": FRESH_MODEL,
                    "issuedOn": _ON["certified"],
                    "batteryCodes": [FRESH_PACKS[0]],
                }
            ]
        },
        variant="an-item-sent-again",
    ),
    _write(
        "clearCustoms",
        "ClearCustomsInput",
        VEHICLE_PAYLOAD,
        AUTO_ADMIN,
        {
            "vin": IMPORTED_VIN,
            "model": IMPORTED_MODEL,
            "clearedOn": _ON["certified"],
            "batteryCodes": [FRESH_PACKS[1]],
        },
    ),
    _write(
        "clearCustomsBatch",
        "ClearCustomsBatchInput",
        BULK_PAYLOAD,
        AUTO_ADMIN,
        {
            "items": [
                {
                    "vin": IMPORTED_VIN,
                    "model": IMPORTED_MODEL,
                    "clearedOn": _ON["certified"],
                    "batteryCodes": [FRESH_PACKS[1]],
                }
            ]
        },
        variant="an-item-sent-again",
    ),
    _write(
        "registerVehicle",
        "RegisterVehicleInput",
        VEHICLE_PAYLOAD,
        AUTO_ADMIN,
        {"vin": DOMESTIC_VIN, "registeredOn": _ON["registered"], "regionCode": HOME_COUNTY},
    ),
    _write(
        "registerVehicle",
        "RegisterVehicleInput",
        VEHICLE_PAYLOAD,
        AUTO_ADMIN,
        {"vin": IMPORTED_VIN, "registeredOn": _ON["registered"], "regionCode": HOME_COUNTY},
        measured=False,
    ),
    _write(
        "registerVehicles",
        "RegisterVehiclesInput",
        BULK_PAYLOAD,
        AUTO_ADMIN,
        {
            "items": [
                {"vin": v, "registeredOn": _ON["registered"], "regionCode": HOME_COUNTY}
                for v in (DOMESTIC_VIN, IMPORTED_VIN)
            ]
        },
        variant="items-sent-again",
    ),
    _write(
        "removeBatteries",
        "RemoveBatteriesInput",
        f"vehicle {{ vin batteries {{ code }} }} {BATTERIES_PAYLOAD}",
        AUTO_ADMIN,
        {
            "vin": DOMESTIC_VIN,
            "codes": [FRESH_PACKS[0]],
            "removedOn": _ON["removed"],
            "reason": "REPAIR",
        },
    ),
    _write(
        "installBatteries",
        "InstallBatteriesInput",
        f"vehicle {{ vin batteries {{ code }} }} {BATTERIES_PAYLOAD}",
        AUTO_ADMIN,
        {"vin": DOMESTIC_VIN, "codes": [FRESH_PACKS[2]], "installedOn": _ON["installed"]},
    ),
    _write(
        "receiveRepairReturn",
        "ReceiveRepairReturnInput",
        f"battery {{ code status }} {RECORDED}",
        MAKER_ADMIN,
        {"code": FRESH_PACKS[0], "receivedOn": _ON["returned"]},
    ),
    _write(
        "sellBatteryDirectly",
        "SellBatteryDirectlyInput",
        f"battery {{ code status }} {RECORDED}",
        MAKER_ADMIN,
        {
            "code": FRESH_PACKS[5],
            "soldOn": _ON["sold"],
            "buyer": "Swap Co",
            "provinceCode": "320000",
        },
    ),
    _write(
        "disposeBatteries",
        "DisposeBatteriesInput",
        f"disposed {{ code status }} {RECORDED}",
        MAKER_ADMIN,
        {"codes": [FRESH_PACKS[6]], "disposedOn": _ON["sold"], "origin": "PRODUCTION"},
    ),
    _write(
        "removeBatteries",
        "RemoveBatteriesInput",
        BATTERIES_PAYLOAD,
        AUTO_ADMIN,
        {
            "vin": IMPORTED_VIN,
            "codes": [FRESH_PACKS[1]],
            "removedOn": _ON["retired"],
            "reason": "RETIREMENT",
        },
        measured=False,
    ),
    _write(
        "receiveAtServicePoint",
        "ReceiveAtServicePointInput",
        BATTERIES_PAYLOAD,
        AUTO_ADMIN,
        {"servicePointId": HOME_POINT, "codes": [FRESH_PACKS[1]], "receivedOn": _ON["received"]},
    ),
    _write(
        "handOverBatteries",
        "HandOverBatteriesInput",
        BATTERIES_PAYLOAD,
        AUTO_ADMIN,
        {
            "servicePointId": HOME_POINT,
            "codes": [FRESH_PACKS[1]],
            "handedOverOn": _ON["handed"],
            "recipientId": RECYCLER_ID,
        },
    ),
    _write(
        "recodeBattery",
        "RecodeBatteryInput",
        f"battery {{ code status }} secondLife {{ code originalCode }} {RECORDED}",
        RECYCLER_ADMIN,
        {"code": FRESH_PACKS[1], "newCode": SECOND_LIFE, "recodedOn": _ON["recoded"]},
    ),
    _write(
        "recordWarehouseEntry",
        "WarehouseEntryInput",
        BATTERIES_PAYLOAD,
        RECYCLER_ADMIN,
        {"codes": [SECOND_LIFE], "enteredOn": _ON["recoded"]},
    ),
    _write(
        "recordWarehouseExit",
        "WarehouseExitInput",
        BATTERIES_PAYLOAD,
        RECYCLER_ADMIN,
        {"codes": [SECOND_LIFE], "exitedOn": _ON["scrapped"]},
    ),
    _write(
        "scrapVehicle",
        "ScrapVehicleInput",
        f"vehicle {{ vin scrappedOn scrappedBy {{ id }} scrappedIncomplete }} {RECORDED}",
        DISMANTLER_ADMIN,
        {"vin": DOMESTIC_VIN, "scrappedOn": _ON["scrapped"], "batteryCodes": [FRESH_PACKS[2]]},
    ),
    _read("vehicle", "one-the-chain-made-and-scrapped", VEHICLE, AUTO_USER, vin=DOMESTIC_VIN),
    _read("battery", "a-pack-with-cells-back-for-repair", BATTERY, MAKER_USER, code=FRESH_PACKS[0]),
    _write(
        "upsertServicePoint",
        "ServicePointInput",
        "servicePoint { id coverageRegion { code } } obligations { id status } "
        "reopenedObligations { id }",
        AUTO_ADMIN,
        {"name": "New point", "pointType": "COLLECTION", "regionCode": GAP_CLOSED_BY_CHAIN},
    ),
    _write(
        "fulfillObligation",
        "FulfillObligationInput",
        OBLIGATION_PAYLOAD,
        AUTO_ADMIN,
        lambda seeded, _: {
            "id": seeded.fulfilled_by_chain,
            "fulfilledOn": TODAY.isoformat(),
            "platformReceipt": "NP-2026-000001",
        },
    ),
    _write(
        "fulfillObligations",
        "FulfillObligationsInput",
        BULK_PAYLOAD,
        AUTO_ADMIN,
        lambda seeded, _: {
            "items": [
                {
                    "id": seeded.fulfilled_by_chain,
                    "fulfilledOn": TODAY.isoformat(),
                    "platformReceipt": "NP-2026-000001",
                }
            ]
        },
        variant="an-item-sent-again",
    ),
    _write(
        "waiveObligation",
        "WaiveObligationInput",
        OBLIGATION_PAYLOAD,
        AUTO_ADMIN,
        lambda seeded, _: {"id": seeded.waived_by_chain, "reason": "Exported before sale"},
    ),
    _write(
        "createPartnerKey",
        "CreatePartnerKeyInput",
        KEY_PAYLOAD,
        AUTO_ADMIN,
        {"enterpriseId": AUTOMAKER, "name": "ERP", "scopes": ["read"]},
        keep=_keep_key,
    ),
    _read(
        "partnerKeys",
        "its-own",
        """query ($id: ID!) { partnerKeys(enterpriseId: $id) { id name status scopes } }""",
        AUTO_ADMIN,
        id=AUTOMAKER,
    ),
    _write(
        "revokePartnerKey",
        "RevokePartnerKeyInput",
        KEY_PAYLOAD,
        AUTO_ADMIN,
        lambda _, notes: {"id": notes["key"]},
    ),
    _write(
        "loadCalendarYear",
        "LoadCalendarYearInput",
        "calendar { version announcedYears } rescheduling { version year status partitions }",
        PLATFORM,
        {
            "year": TODAY.year + 2,
            "holidays": [],
            "makeUpWorkdays": [],
            "source": "State Council notice (test)",
        },
        keep=_keep_version,
    ),
    Step(
        "Query.calendarRescheduling",
        "of-the-load",
        """query ($version: Int!) { calendarRescheduling(version: $version) {
        version year status partitions partitionsDone examined moved confirmed } }""",
        REGULATOR,
        lambda _, notes: {"version": notes["version"]},
    ),
    # Asking for an export counts the list (the stored counts) and records it; the file is
    # the export function's work (tests/integration/test_exports.py measures its reads).
    _write(
        "exportObligations",
        "ExportObligationsInput",
        "export { id status }",
        AUTO_USER,
        {"filter": {"status": ["OPEN", "OVERDUE"]}, "format": "CSV"},
        keep=_keep_export,
    ),
    Step(
        "Query.export",
        "still-queued",
        "query ($id: ID!) { export(id: $id) { id status rowCount url } }",
        AUTO_USER,
        lambda _, notes: {"id": notes["export"]},
    ),
]

SCRIPT = READS_OF_THE_HISTORY + THE_CHAIN


# --- running the script in both worlds --------------------------------------------------------


class UnansweredError(Exception):
    """A measured request was refused or failed: its cost says nothing."""


@dataclass(frozen=True)
class Measured:
    seeded: Seeded
    costs: Mapping[str, Cost | UnansweredError]
    # What the answer reported as its estimate (`extensions.cost.requested`), by case.
    estimates: Mapping[str, int]


def _checked(step: Step, result: Any) -> None:
    """The request did what it was sent for: no errors; a mutation changed what it named."""
    assert "errors" not in result, result
    if step.field.startswith("Mutation."):
        name = step.field.removeprefix("Mutation.")
        assert result["data"][name]["userErrors"] == [], result


@contextmanager
def _reminder_queue() -> Iterator[None]:
    """The template's queues in moto, the reminder queue named where the API looks for it (a
    calendar load queues its rescheduling there)."""
    urls = create_queues(boto3.client("sqs"))
    previous = os.environ.get("REMINDER_QUEUE_URL")
    os.environ["REMINDER_QUEUE_URL"] = urls["ReminderQueue"]
    os.environ["EXPORT_QUEUE_URL"] = urls["ExportQueue"]  # exportObligations queues its work
    try:
        yield
    finally:
        os.environ.pop("EXPORT_QUEUE_URL", None)
        if previous is None:
            os.environ.pop("REMINDER_QUEUE_URL", None)
        else:
            os.environ["REMINDER_QUEUE_URL"] = previous


def run_script(size: int) -> Measured:
    """Seed a world of `size` and run the script in it, measuring each measured step."""
    costs: dict[str, Cost | UnansweredError] = {}
    estimates: dict[str, int] = {}
    with local_aws(), _reminder_queue():
        seeded = seed(size)
        meter = Meter()
        events = ObligationItem._get_connection().connection.client.meta.events
        events.register("before-call.dynamodb", meter.before)
        events.register("after-call.dynamodb", meter.after)
        notes: Notes = {}
        try:
            for step in SCRIPT:
                variables = step.variables(seeded, notes) if step.variables else None
                meter.take()
                result = gql(step.document, variables, auth=step.auth)
                cost = meter.take()
                try:
                    _checked(step, result)
                except AssertionError as failure:
                    if not step.measured:
                        raise
                    costs[step.case] = UnansweredError(f"{step.case}: {failure}")
                    continue
                if step.keep is not None:
                    step.keep(result, notes)
                if step.measured:
                    costs[step.case] = cost
                    estimates[step.case] = int(result["extensions"]["cost"]["requested"])
        finally:
            events.unregister("before-call.dynamodb", meter.before)
            events.unregister("after-call.dynamodb", meter.after)
    return Measured(seeded, costs, estimates)


@pytest.fixture(scope="module")
def worlds() -> tuple[Measured, Measured]:
    """Given the script run in a world with a short history and in one with a long one."""
    global TODAY, SEEDED_AT  # what the worlds are dated from, read as they are seeded
    # The API reads the clock, and the worlds are dated from TODAY: both runs must see one day.
    # If midnight (China time) passes while they run, they run again on the new day (the
    # production dates fixed at import stay long enough ago on either day).
    for _ in range(2):
        TODAY = datetime.now(CHINA_TZ).date()
        SEEDED_AT = datetime.now(UTC).replace(microsecond=0)
        small, large = (run_script(size) for size in SIZES)
        if datetime.now(CHINA_TZ).date() == TODAY:
            return small, large
    raise AssertionError("midnight (China time) passed twice while the worlds ran")


def _cases(prefix: str = "") -> list[Any]:
    cases = []
    for step in SCRIPT:
        if not step.measured or not step.case.startswith(prefix):
            continue
        cases.append(pytest.param(step.case, id=step.case))
    return cases


# --- the tests --------------------------------------------------------------------------------


def test_the_long_history_is_about_twenty_times_the_short_one(
    worlds: tuple[Measured, Measured],
) -> None:
    # Given the two worlds,
    small, large = worlds
    # Then the large automaker has twice as many dated duties as vehicles, as many as the size,
    for world in worlds:
        assert world.seeded.history["vehicles"] * 2 == world.seeded.size
        assert world.seeded.history["obligations"] > world.seeded.size
    # and of every kind of record at least sixteen times more in the long history,
    for kind, count in small.seeded.history.items():
        assert large.seeded.history[kind] >= 16 * count, kind
    # and every measured request was answered in both.
    assert set(small.costs) == set(large.costs) == {s.case for s in SCRIPT if s.measured}


@pytest.mark.parametrize("case", _cases())
def test_a_request_makes_the_same_calls_and_reads_the_same_items_however_long_the_history(
    worlds: tuple[Measured, Measured], case: str
) -> None:
    # Given the same request, sent at the same point of the same script in both worlds,
    small, large = (world.costs[case] for world in worlds)
    for cost in (small, large):
        if isinstance(cost, UnansweredError):
            raise cost
    # Then its DynamoDB calls, by operation, and the items they read are the same.
    assert large == small, f"{SIZES[0]:,}: {small}; {SIZES[1]:,}: {large}"


def test_every_query_field_and_mutation_of_the_schema_has_a_measured_request() -> None:
    # Given the schema's root fields, as introspection reports them,
    schema: Any = introspection_from_schema(build_schema(introspection=True)._schema)["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    root = {
        f"{kind}.{f['name']}" for kind in ("Query", "Mutation") for f in types[kind]["fields"] or ()
    }
    # When the script's measured requests are listed by the field they ask for,
    measured = {step.field for step in SCRIPT if step.measured}
    # Then every Query field and every mutation is measured (even those that read nothing: zero
    # calls must stay zero), and nothing measured is missing from the schema.
    assert not root - measured, f"no measured request for {sorted(root - measured)}"
    assert not measured - root, f"not in the schema: {sorted(measured - root)}"


@pytest.mark.parametrize("case", _cases("Query."))
def test_the_estimate_a_query_reports_bounds_the_calls_it_made(
    worlds: tuple[Measured, Measured], case: str
) -> None:
    # Given the same query in both worlds, Then the cost it reported before running is at
    # least the DynamoDB calls it made: the query cost limit refuses on an upper bound.
    for world in worlds:
        cost = world.costs[case]
        assert not isinstance(cost, UnansweredError), cost
        made = sum(cost.calls.values())
        assert world.estimates[case] >= made, f"estimated {world.estimates[case]}, made {cost}"
