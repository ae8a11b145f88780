"""Benchmark of a large automaker's request paths: every request a compliance officer makes, at
two sizes of the enterprise's history, measured for DynamoDB calls, items read and the
handler's own CPU, none of which may grow with the history.

Owns the figures in docs/BENCHMARKS.md ("A large automaker's request paths"), and the synthetic
automaker history that the API latency benchmark (bench/api_latency.py) also reads. Run with
``make bench`` or ``python -m bench.large_automaker`` (about two minutes).

Two automakers share the tables, one with the smaller history and one with the larger
(``SIZES``: obligations besides the 64 about its models and regions that every one has), each
with its vehicles (two duties each: production and sales uploads), their packs, retired packs
(one retirement upload each), the events of all of them, vehicle models, coverage duties,
service points, and its obligation counters as the store keeps them. Statuses and due dates are
mixed as a busy automaker's would be, as of today: 5 % open (due within two weeks), 5 % overdue,
5 % waived, 12 % fulfilled late, the rest fulfilled, over two years. What is not history (models,
regions, service points, 60 uploads overdue for over half a year, 10 past due that the daily
sweep has not marked yet) is the same for both, so every request path should read the same at
both sizes. Items are built by the store's record functions and serialised by PynamoDB, then put
straight into moto's tables (``seeding``; a request per item would take minutes).

Each request path goes through ``functions.api.handler`` in this process as an
``ENTERPRISE_ADMIN`` of the automaker, the two automakers alternating run by run (which goes
first flips every round). Measured per request: DynamoDB calls (botocore's ``before-call`` on
PynamoDB's shared client), items read (``after-call``: ``ScannedCount`` of Queries and Scans,
items returned by gets), items written, and CPU: ``time.process_time`` of every thread minus the
CPU moto spends answering (thread CPU in ``BotocoreStubber.process_request``), which leaves the
handler's own work: GraphQL, the project's code, PynamoDB and botocore. The heap is frozen once
seeded (and again after each path's warm-up), so that the garbage collector does not walk moto's
tables, which a Lambda does not hold. DynamoDB's rules that moto does not enforce are checked on
every call (``local.dynamo_rules``); the check runs on the handler's threads, in its CPU.

moto is made to do less without changing an answer (``quick_queries``): a Query takes its
partition's items within its key range instead of going through the whole table, and one with a
Limit the first Limit + 1 of them in moto's own order; a transaction does not copy the tables it
writes for a rollback (``transactions_without_backups``), which none of this benchmark's needs.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import heapq
import inspect
import os
import platform
import statistics
import sys
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import cached_property
from types import SimpleNamespace
from typing import Any
from unittest import mock

from bench.moto_clock import MotoClock

STARTED = time.perf_counter()

# Obligations on record for the two automakers, besides the 64 every one of them has (models'
# and regions' duties): ten times apart, the larger about three working days of China's largest
# automaker (36,000 new duties a day), and both far past any page. Sized so that the benchmark
# runs in about two minutes; moto holds about 440,000 items for them.
SIZES = (10_000, 100_000)
RUNS = 9  # timed runs of each query path per size, after WARM_UP
MUTATION_RUNS = 5  # each closes another obligation; moto copies the table for every transaction
WARM_UP = 2
PAGE = 50
REGION = "ap-southeast-1"

MAKER = "91350900587527783P"  # 宁德 Ningde Cells, the packs' maker (as in the demo data)
MAKER_NAME = "宁德动力电池有限公司 Ningde Cells"
MODELS = 12  # vehicle models of each automaker
PREFECTURES = 40  # prefectures it sells in: 30 covered by its points, 8 open, 2 waived
COVERED, OPEN_GAPS = 30, 8
INACTIVE_POINTS = 2  # closed points left in two of the open prefectures
UNMARKED = 10  # production uploads due yesterday, still stored OPEN (the sweep runs later)
# Vehicles whose uploads have been overdue for over half a year: the oldest open duties, so the
# first page of open ones is the same at both sizes (other overdue ones are at most 181 days).
BACKLOG = 60
HISTORY_DAYS = 730
RULE_FILTER = "SALES_TRACE_UPLOAD"


@dataclass(frozen=True)
class Automaker:
    id: str
    name: str
    vin_body: str  # the VIN's first 10 characters, position 9 (check digit) as a placeholder
    serial_base: int  # battery serials start here, so no two automakers' packs share a code
    province: str


AUTOMAKERS = (
    Automaker(
        "91350100M000100Y43", "福州新能源汽车有限公司 Fuzhou NEV Motors", "LFZCE4CB0P", 0, "350000"
    ),
    Automaker(
        "91440300192317458F",
        "深圳电动汽车股份有限公司 Shenzhen EV",
        "LSZEV4CB0P",
        3_000_000,
        "440000",
    ),
)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- the automaker's history --------------------------------------------------------------------


class History:
    """One automaker's records as the store would hold them after `obligations` duties about its
    vehicles and retired packs (plus the fixed ones), as of `today` (China's civil date)."""

    def __init__(self, automaker: Automaker, obligations: int, today: date) -> None:
        from compliance.calendar import default_calendar
        from compliance.regions import prefectures
        from compliance.rules import load_rule_set

        self.automaker = automaker
        self.today = today
        self.vehicles = obligations // 10 * 4  # two duties each
        self.retired = obligations // 10 * 2  # one each
        self.rules = load_rule_set("CN-MIIT-2023-DRAFT", "")
        self.calendar = default_calendar()
        self.prefectures = [r.code for r in prefectures()[:PREFECTURES]]
        self.models = [f"{automaker.vin_body[:2]}{7001 + m}BEV" for m in range(MODELS)]
        self.now = datetime.combine(today, clock(1), tzinfo=UTC)

    # names -------------------------------------------------------------------------------------

    def vin(self, n: int) -> str:
        from compliance.codes import vin_check_digit

        body = f"{self.automaker.vin_body}{n:07d}"
        return body[:8] + vin_check_digit(body) + body[9:]

    def pack(self, n: int, produced_on: date) -> str:
        from compliance.codes import production_date_code

        serial = self.automaker.serial_base + n
        return f"X12PB010000001{production_date_code(produced_on)}{serial:07d}"

    def _id(self, prefix: str, *parts: object) -> str:
        return prefix + _hash("|".join(map(str, (self.automaker.id, *parts))))[:24]

    # statuses and dates ------------------------------------------------------------------------

    def _draw(self, oid: str) -> tuple[Any, date]:
        """A stored status and a due date for a dated duty, from its id."""
        from compliance.rules import ObligationStatus as S

        h = _hash(oid)
        bucket, spread = int(h[:8], 16) % 100, int(h[8:16], 16)
        today = self.today
        if bucket < 5:
            return S.OPEN, today + timedelta(days=spread % 14)
        if bucket < 10:
            return S.OVERDUE, today - timedelta(days=2 + spread % 180)
        if bucket < 15:
            return S.WAIVED, today - timedelta(days=1 + spread % HISTORY_DAYS)
        if bucket < 27:
            return S.FULFILLED_LATE, today - timedelta(days=1 + spread % HISTORY_DAYS)
        return S.FULFILLED, today + timedelta(days=13 - spread % (HISTORY_DAYS + 14))

    def _vehicle_duties(self, n: int) -> tuple[tuple[Any, date], tuple[Any, date]]:
        """Production and sales uploads' (status, due date), the production one first."""
        from compliance.rules import ObligationStatus as S

        if n < UNMARKED:
            return (S.OPEN, self.today - timedelta(days=1)), (S.OPEN, self.today + timedelta(n))
        if n < UNMARKED + BACKLOG:
            k = n - UNMARKED
            return (S.OVERDUE, self.today - timedelta(300 - k)), (
                S.OVERDUE,
                self.today - timedelta(240 - k),
            )
        first = self._draw(self._id("ob_", "P", n))
        second = self._draw(self._id("ob_", "S", n))
        return (first, second) if first[1] <= second[1] else (second, first)

    # records -----------------------------------------------------------------------------------

    def _obligation(
        self,
        oid: str,
        rule_id: str,
        subject: tuple[Any, str],
        trigger: tuple[Any, str, date],
        due: date | None,
        **about: str,
    ) -> Any:
        from compliance.calendar import Deadline
        from compliance.rules import Obligation

        rule = self.rules.rule(rule_id)
        kind, event_id, day = trigger
        return Obligation(
            id=oid,
            rule_id=rule.id,
            rule_set_id=self.rules.id,
            rule_set_version=self.rules.version,
            responsible_enterprise=self.automaker.id,
            responsible_role="AUTOMAKER",
            subject_kind=subject[0],
            subject_id=subject[1],
            trigger_event_id=event_id,
            trigger_kind=kind,
            trigger_date=day,
            period=rule.period,
            deadline=Deadline(due, False, 1) if due else None,
            **about,
        )

    def _stored(self, obligation: Any, status: Any) -> Any:
        """The obligation's item in `status`, as the store leaves it after that change."""
        from compliance.rules import ObligationStatus as S
        from compliance.store.records import obligation_item, open_partition, status_key

        deadline = obligation.deadline
        due = deadline.due_date if deadline else None
        created = datetime.combine(obligation.trigger_date, clock(2), tzinfo=UTC)
        item = obligation_item(obligation, created, max(self.today, due or self.today))
        item.status, item.version = status.value, 1
        item.status_key = status_key(status, due, obligation.id)
        item.open_partition = open_partition(status, obligation.id)
        if status in (S.OPEN, S.OVERDUE):
            return item
        item.remind_pk = item.remind_sk = None
        spread = int(_hash(obligation.id)[16:20], 16)
        closed = due or obligation.trigger_date + timedelta(days=30)
        if status is S.FULFILLED:
            closed -= timedelta(days=spread % 5)
        elif status is S.FULFILLED_LATE:
            closed = min(closed + timedelta(days=1 + spread % 30), self.today)
        if status is S.WAIVED:
            item.waived_reason = "Duplicate of a report made under the 2018 provisions"
        else:
            item.fulfilled_on = closed.isoformat()
            item.platform_receipt = f"TRC-{obligation.id[3:15].upper()}"
        item.closed_by = f"user:{self.automaker.id}:compliance"
        item.closed_at = datetime.combine(closed, clock(3), tzinfo=UTC)
        item.updated_at = item.closed_at
        return item

    def obligations(self) -> Iterator[tuple[Any, Any]]:
        """Every obligation item, with its stored status."""
        from compliance.lifecycle import EventKind as E
        from compliance.rules import ObligationStatus as S
        from compliance.rules import SubjectKind as K

        for n in range(self.vehicles):
            vin = self.vin(n)
            (p_status, p_due), (s_status, s_due) = self._vehicle_duties(n)
            for tag, rule, kind, status, due in (
                ("P", "PRODUCTION_TRACE_UPLOAD", E.FACTORY_CERTIFICATE_ISSUED, p_status, p_due),
                ("S", "SALES_TRACE_UPLOAD", E.VEHICLE_REGISTERED, s_status, s_due),
            ):
                trigger = (kind, self._id("ev_", tag, n), due - timedelta(days=14))
                oid = self._id("ob_", tag, n)
                duty = self._obligation(oid, rule, (K.VEHICLE, vin), trigger, due, vin=vin)
                yield self._stored(duty, status), status
        for n in range(self.retired):
            oid = self._id("ob_", "R", n)
            status, due = self._draw(oid)
            disposed = due - timedelta(days=14)
            code = self.pack(self.vehicles + n, disposed - timedelta(days=400))
            trigger = (E.BATTERY_DISPOSED, self._id("ev_", "R", n), disposed)
            duty = self._obligation(
                oid,
                "AUTOMAKER_RETIREMENT_UPLOAD",
                (K.BATTERY, code),
                trigger,
                due,
                battery_code=code,
            )
            yield self._stored(duty, status), status
        for m, model in enumerate(self.models):
            approved = self.model_approved(m)
            trigger = (E.MODEL_ANNOUNCED, self._id("ev_", "M", m), approved)
            due = self.calendar.add_months(approved, 6).due_date
            status = S.FULFILLED if due < self.today else S.OPEN
            duty = self._obligation(
                self._id("ob_", "T", m),
                "TECH_INFO_SUBMISSION",
                (K.MODEL, model),
                trigger,
                due,
                model=model,
            )
            yield self._stored(duty, status), status
            status = S.OPEN if m < 2 else S.FULFILLED
            duty = self._obligation(
                self._id("ob_", "D", m),
                "DISMANTLER_DISASSEMBLY_INFO",
                (K.MODEL, model),
                trigger,
                None,
                model=model,
            )
            yield self._stored(duty, status), status
        for p, prefecture in enumerate(self.prefectures):
            status = S.FULFILLED if p < COVERED else S.OPEN if p < COVERED + OPEN_GAPS else S.WAIVED
            trigger = (E.VEHICLE_REGISTERED, self._id("ev_", "C", p), self.today - timedelta(400))
            duty = self._obligation(
                self._id("ob_", "C", p),
                "COLLECTION_POINT_COVERAGE",
                (K.PREFECTURE, prefecture),
                trigger,
                None,
            )
            yield self._stored(duty, status), status

    def model_approved(self, m: int) -> date:
        return self.today - timedelta(days=420 - 30 * m)

    def vehicle_dates(self, n: int) -> tuple[date, date]:
        """Its factory certificate and registration: the triggers of its two uploads."""
        (_, production), (_, sales) = self._vehicle_duties(n)
        return production - timedelta(days=14), sales - timedelta(days=14)

    def items(self) -> Iterator[Any]:
        """Every item of this automaker but its obligations and counters."""
        from compliance.enterprises import Enterprise
        from compliance.lifecycle import (
            BatteryState,
            BatteryStatus,
            DisposalOrigin,
            EnterpriseKind,
            EventKind,
            LifecycleEvent,
            ModelState,
            VehicleState,
        )
        from compliance.network import PointType, ServicePoint
        from compliance.store import records

        maker = self.automaker.id
        yield records.enterprise_item(
            Enterprise(
                maker,
                self.automaker.name,
                frozenset({EnterpriseKind.AUTOMAKER}),
                frozenset(),
                self.automaker.province,
                (),
                self.now - timedelta(days=900),
            ),
            version=1,
        )

        def event(subject: str, **fields: Any) -> Any:
            recorded = datetime.combine(fields["occurred_on"], clock(4), tzinfo=UTC)
            return records.event_item(
                LifecycleEvent(**fields), subject, recorded, f"user:{fields['actor']}:ops"
            )

        for m, model in enumerate(self.models):
            approved = self.model_approved(m)
            yield records.model_item(ModelState(model, maker, False, approved), version=1)
            yield event(
                f"M#{model}",
                id=self._id("ev_", "M", m),
                kind=EventKind.MODEL_ANNOUNCED,
                occurred_on=approved,
                actor=maker,
                model=model,
            )
        for n in range(self.vehicles):
            vin, model = self.vin(n), self.models[n % MODELS]
            certified, registered = self.vehicle_dates(n)
            produced = certified - timedelta(days=30)
            code = self.pack(n, produced)
            region = self.prefectures[n % PREFECTURES]
            yield records.vehicle_item(
                VehicleState(
                    vin,
                    maker,
                    model,
                    False,
                    certified,
                    registered,
                    registered,
                    region,
                    battery_codes=frozenset({code}),
                    history=2,
                ),
                version=1,
            )
            yield records.battery_item(
                BatteryState(
                    code,
                    MAKER,
                    produced,
                    BatteryStatus.INSTALLED,
                    certified,
                    maker,
                    maker,
                    vin=vin,
                    supplied_to=maker,
                    vehicle_automaker=maker,
                    history=2,
                ),
                version=1,
            )
            yield event(
                f"V#{vin}",
                id=self._id("ev_", "P", n),
                kind=EventKind.FACTORY_CERTIFICATE_ISSUED,
                occurred_on=certified,
                actor=maker,
                vin=vin,
                model=model,
                battery_codes=(code,),
            )
            yield event(
                f"V#{vin}",
                id=self._id("ev_", "S", n),
                kind=EventKind.VEHICLE_REGISTERED,
                occurred_on=registered,
                actor=maker,
                vin=vin,
                region_code=region,
            )
            yield event(
                f"B#{code}",
                id=self._id("ev_", "B", n),
                kind=EventKind.BATTERY_PRODUCED,
                occurred_on=produced,
                actor=MAKER,
                battery_code=code,
            )
            yield event(
                f"B#{code}",
                id=self._id("ev_", "U", n),
                kind=EventKind.BATTERY_SUPPLIED,
                occurred_on=produced + timedelta(days=7),
                actor=MAKER,
                battery_code=code,
                counterparty=maker,
            )
        for n in range(self.retired):
            oid = self._id("ob_", "R", n)
            _, due = self._draw(oid)
            disposed = due - timedelta(days=14)
            produced = disposed - timedelta(days=400)
            code = self.pack(self.vehicles + n, produced)
            yield records.battery_item(
                BatteryState(
                    code,
                    MAKER,
                    produced,
                    BatteryStatus.DISPOSED,
                    disposed,
                    maker,
                    maker,
                    supplied_to=maker,
                    history=2,
                ),
                version=1,
            )
            yield event(
                f"B#{code}",
                id=self._id("ev_", "Q", n),
                kind=EventKind.BATTERY_PRODUCED,
                occurred_on=produced,
                actor=MAKER,
                battery_code=code,
            )
            yield event(
                f"B#{code}",
                id=self._id("ev_", "R", n),
                kind=EventKind.BATTERY_DISPOSED,
                occurred_on=disposed,
                actor=maker,
                battery_code=code,
                origin=DisposalOrigin.INSTALLATION,
            )
        points = []
        for p, prefecture in enumerate(self.prefectures):
            if p < COVERED + INACTIVE_POINTS:
                active = p < COVERED
                points.append(
                    ServicePoint(
                        self._id("sp_", p),
                        maker,
                        PointType.COLLECTION,
                        f"回收服务网点 {prefecture}",
                        prefecture,
                        prefecture,
                        f"{prefecture} 工业园区 {p} 号",
                        active,
                        self.now - timedelta(days=300),
                    )
                )
        for point in points:
            yield records.service_point_item(point, version=1)
        yield from records.network_rows(points)

    # what the requests name --------------------------------------------------------------------

    @cached_property
    def open_duties(self) -> list[str]:
        """Ids of stored-OPEN dated duties due today or later, the soonest first: what the
        fulfilment requests close, one a run."""
        from compliance.rules import ObligationStatus as S

        found = []
        for n in range(UNMARKED + BACKLOG, self.vehicles):
            for tag, (status, due) in zip("PS", self._vehicle_duties(n), strict=True):
                if status is S.OPEN and due >= self.today:
                    found.append((due, self._id("ob_", tag, n)))
            if len(found) >= 4 * MUTATION_RUNS + 8:
                break
        return [oid for _, oid in sorted(found)]

    @cached_property
    def retired_pack(self) -> str:
        _, due = self._draw(self._id("ob_", "R", 0))
        disposed = due - timedelta(days=14)
        return self.pack(self.vehicles, disposed - timedelta(days=400))


def counter_items(histories: list[tuple[History, Counter[Any]]]) -> Iterator[Any]:
    """The enterprises' and the nation's counters, as the transactions that recorded every
    status would have left them, spread over the shards."""
    from compliance.store.counts import ENTERPRISE_SHARDS, NATION, NATIONAL_SHARDS, counter_id
    from compliance.store.models import ObligationCountsItem

    names = {"OPEN": "open", "OVERDUE": "overdue", "FULFILLED": "fulfilled"}
    names |= {"FULFILLED_LATE": "fulfilled_late", "WAIVED": "waived"}
    nation: Counter[str] = Counter()
    for _, counts in histories:
        nation.update({status.value: n for status, n in counts.items()})
    everyone: list[tuple[str, dict[str, int], int]] = [
        (h.automaker.id, {s.value: n for s, n in c.items()}, ENTERPRISE_SHARDS)
        for h, c in histories
    ]
    for who, by_status, shards in [*everyone, (NATION, dict(nation), NATIONAL_SHARDS)]:
        for shard in range(shards):
            item = ObligationCountsItem(counter_id(who, shard), provisional=0)
            for status, n in by_status.items():
                setattr(item, names[status], n // shards + (1 if shard < n % shards else 0))
            yield item


# --- moto ------------------------------------------------------------------------------------


@contextmanager
def seeding() -> Iterator[Callable[[Any], None]]:
    """A function that puts a PynamoDB item straight into moto's table in this process, as
    moto's own PutItem stores it, without its checks (the items are built by the store's
    record functions, a few hundred bytes each) and without a request per item."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables

    def put(item: Any) -> None:
        table = tables[item.Meta.table_name]
        raw = item.serialize()
        hash_key = DynamoType(raw[table.hash_key_attr])
        if table.range_key_attr is None:
            table.items[hash_key] = Item(hash_key, None, raw)  # type: ignore[assignment]
        else:
            range_key = DynamoType(raw[table.range_key_attr])
            table.items[hash_key][range_key] = Item(hash_key, range_key, raw)

    # moto sums an item's attribute sizes again for every attribute it sets (30 sums for an
    # obligation); DynamoDB's 400 KB limit is checked on every request instead.
    with mock.patch.object(LimitedSizeDict, "__setitem__", dict.__setitem__):
        yield put
    _writes[0] += 1


_local = threading.local()
_writes = [0]  # moto writes seen: the partitions are grouped again after any of them


@contextmanager
def quick_queries() -> Iterator[None]:
    """Queries on moto that take only their partition's items, and a Limit's worth of them.

    moto answers a Query by going through every item of the table, and one on an index sorts
    every item of the partition before it applies the Limit: a large automaker's page would
    take seconds of moto's time. Here a table's items are grouped by the partition key of each
    index once (again after any write), a Query's candidates are its partition's items within
    its key range, and, for one with a Limit and no start key read forward, the first Limit + 1
    of them in moto's own sort order. moto then runs unchanged on those: the same items in the
    same order, the same ScannedCount and LastEvaluatedKey, and its 1 MB page limit counts the
    same items. Keys that are not strings are left to moto as before."""
    from moto.dynamodb.comparisons import get_comparison_func
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    query, all_items, sorted_items = DynamoDBBackend.query, Table.all_items, Table.sorted_items
    arguments = inspect.signature(query)
    groups: weakref.WeakKeyDictionary[Any, tuple[int, dict[str, dict[Any, list[Any]]]]]
    groups = weakref.WeakKeyDictionary()

    lock = threading.Lock()

    def partition(table: Any, index: str, names: tuple[str, ...], key: Any) -> list[Any]:
        with lock:
            written, by_index = groups.get(table, (-1, {}))
            if written != _writes[0]:
                by_index = {}
                groups[table] = (_writes[0], by_index)
            if index not in by_index:
                grouped: dict[Any, list[Any]] = {}
                for item in _every(table):
                    values = [item.attrs.get(name) for name in names]
                    if all(values):
                        key_of = tuple((v.type, v.value) for v in values)
                        grouped.setdefault(key_of, []).append(item)
                by_index[index] = grouped
            return by_index[index].get(key, [])

    def candidates(table: Any) -> list[Any]:
        wanted = getattr(_local, "query", None)
        if wanted is None:
            return all_items(table)
        index, names, key, attribute, test, bounds = wanted
        found = partition(table, index, names, key)
        if test is None:
            return list(found)
        kept = []
        for item in found:
            value = item.attrs.get(attribute)
            if value and test(value.value if value.type == "S" else value.cast_value, *bounds):
                kept.append(item)
        return kept

    def narrowed(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = arguments.bind(self, *args, **kwargs).arguments
        table = self.get_table(call["table_name"])
        _local.query = _what(table, call, get_comparison_func)
        forward = call.get("scan_index_forward") is not False
        plain = call.get("exclusive_start_key") is None and not call.get("filter_kwargs")
        limit = call.get("limit")
        indexed = bool(call.get("index_name"))
        _local.top = int(limit) + 1 if indexed and limit and forward and plain else None
        try:
            return query(self, *args, **kwargs)
        finally:
            _local.query = _local.top = None

    def first(self: Any, hash_attrs: Any, range_attrs: Any, items: list[Any]) -> list[Any]:
        top = getattr(_local, "top", None)
        if top is None or len(items) <= top:
            return sorted_items(self, hash_attrs, range_attrs, items)
        names = self._generate_attr_to_sort_by(hash_attrs, range_attrs)
        if any(item.attrs[name].type != "S" for item in items for name in names):
            return sorted_items(self, hash_attrs, range_attrs, items)
        return heapq.nsmallest(top, items, key=lambda x: tuple(x.attrs[n].value for n in names))

    def counted(write: Callable[..., Any]) -> Callable[..., Any]:
        def writing(*args: Any, **kwargs: Any) -> Any:
            _writes[0] += 1
            try:
                return write(*args, **kwargs)
            finally:
                _writes[0] += 1

        return writing

    writes = ("put_item", "update_item", "delete_item", "transact_write_items")
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(DynamoDBBackend, "query", narrowed))
        stack.enter_context(mock.patch.object(Table, "all_items", candidates))
        stack.enter_context(mock.patch.object(Table, "sorted_items", first))
        for name in writes:
            method = getattr(DynamoDBBackend, name)
            stack.enter_context(mock.patch.object(DynamoDBBackend, name, counted(method)))
        yield


@contextmanager
def transactions_without_backups() -> Iterator[None]:
    """moto copies every table a transaction writes, to roll back should any part fail: six
    seconds for 110,000 obligations. Every transaction this benchmark sends succeeds (a refused
    mutation stops it), so the tables are not copied; anything else moto copies still is."""
    import copy

    import moto.dynamodb.models as backend
    from moto.dynamodb.models.table import Table

    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    with mock.patch.object(backend, "copy", SimpleNamespace(deepcopy=deepcopy)):
        yield


def _every(table: Any) -> Iterator[Any]:
    for stored in table.items.values():
        if table.range_key_attr:
            yield from stored.values()
        else:
            yield stored


def _what(table: Any, call: dict[str, Any], comparison: Any) -> Any:
    """What a Query's candidates are: (index, partition key names, their values, range key
    attribute, its test and bounds); None where moto is left to find them itself."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    index_name = call.get("index_name")
    if index_name:
        index = next((i for i in table.all_indexes() if i.name == index_name), None)
        if index is None:
            return None
        names = tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        range_name = ranges[0] if len(ranges) == 1 else None
    else:
        names, range_name = (table.hash_key_attr,), table.range_key_attr
    given = dict(call.get("hash_key_conditions") or [])
    if not given and call.get("hash_key_dict") and len(names) == 1:
        given = {names[0]: call["hash_key_dict"]}
    if set(given) != set(names) or len(call.get("range_key_conditions") or []) > 1:
        return None
    key = tuple(next(iter(given[n].items())) for n in names)
    operator = call.get("range_comparison")
    if not operator:
        return index_name or "", names, key, None, None, ()
    if range_name is None:
        return None
    bounds = [DynamoType(value).cast_value for value in call.get("range_value_dicts") or []]
    return index_name or "", names, key, range_name, comparison(str(operator)), bounds


def seed_world(sizes: tuple[int, ...], today: date) -> list[History]:
    """Both automakers' histories, the packs' maker and the counters, in moto's tables."""
    from compliance.enterprises import Enterprise
    from compliance.lifecycle import EnterpriseKind
    from compliance.store.records import enterprise_item

    histories = [History(a, n, today) for a, n in zip(AUTOMAKERS[: len(sizes)], sizes, strict=True)]
    counted: list[tuple[History, Counter[Any]]] = []
    with seeding() as put:
        put(
            enterprise_item(
                Enterprise(
                    MAKER,
                    MAKER_NAME,
                    frozenset({EnterpriseKind.BATTERY_MAKER}),
                    frozenset({"X12"}),
                    "350000",
                    (),
                    histories[0].now - timedelta(days=1000),
                ),
                version=1,
            )
        )
        for history in histories:
            progress(f"seeding {history.automaker.name}: {sizes[histories.index(history)]:,}")
            counts: Counter[Any] = Counter()
            for item, status in history.obligations():
                put(item)
                counts[status] += 1
            for item in history.items():
                put(item)
            counted.append((history, counts))
        for item in counter_items(counted):
            put(item)
    return histories


def progress(text: str) -> None:
    print(f"[{time.perf_counter() - STARTED:4.0f} s] {text}", file=sys.stderr, flush=True)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep what the heap holds now (moto's tables, millions of objects a Lambda does not hold)
    out of the garbage collector's reach, so that a collection during a request costs what it
    would on Lambda."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def handler_output_discarded() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null: the handler's log line and metric per request.

    Writing them stays part of what is measured, as it is on Lambda; only the lines go.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def api_environment() -> dict[str, str]:
    """The API function's production environment, with the cursor key and the partner keys'
    pepper given directly (no SSM, no Secrets Manager)."""
    from local.environment import API_FUNCTION, function_env

    return function_env(API_FUNCTION, parameters={"Stage": "prod"}) | {
        "CURSOR_SECRET": "benchmark-cursor-key",
        "API_KEY_PEPPER": "benchmark-pepper-of-at-least-32-characters",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Sample:
    cpu: float  # seconds of CPU, every thread, moto's share taken out
    moto: float  # CPU moto spent answering
    wall: float
    calls: Counter[str]
    read: int
    written: int


class Meter:
    """DynamoDB calls, items read and written, and the CPU moto spends answering them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.read = self.written = 0
        self.clock = MotoClock()
        self.patch = self.clock.patch

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        written = _written(model.name, params.get("body"))
        with self._lock:
            self.calls[model.name] += 1
            self.written += written

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        read = items_read(model.name, parsed)
        with self._lock:
            self.read += read

    def measure(self, action: Callable[[], Any]) -> tuple[Any, Sample]:
        gc.collect()  # what earlier requests left; moto's tables are frozen (`frozen_heap`)
        self.calls, self.read, self.written = Counter(), 0, 0
        self.clock.reset()
        wall, cpu = time.perf_counter(), time.process_time()
        value = action()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        with self._lock:
            moto = self.clock.seconds
            sample = Sample(cpu - moto, moto, wall, self.calls, self.read, self.written)
            self.calls = Counter()  # later calls are not this request's
        return value, sample


def items_read(operation: str, parsed: dict[str, Any]) -> int:
    """Items DynamoDB read for one answer: evaluated by a Query or Scan (before any filter),
    returned by a get."""
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", 0))
    if operation == "BatchGetItem":
        return sum(len(items) for items in parsed.get("Responses", {}).values())
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation == "TransactGetItems":
        return sum(1 for response in parsed.get("Responses", ()) if response.get("Item"))
    return 0


def _written(operation: str, body: Any) -> int:
    import json

    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 1
    if operation not in ("BatchWriteItem", "TransactWriteItems"):
        return 0
    request = json.loads(body) if isinstance(body, bytes | str) else body or {}
    if operation == "BatchWriteItem":
        return sum(len(writes) for writes in request["RequestItems"].values())
    return sum(1 for action in request["TransactItems"] if "ConditionCheck" not in action)


# --- the request paths ---------------------------------------------------------------------------


def readme_query(first: int = PAGE) -> str:
    """The README's example query (its first GraphQL block), with the page raised to `first`."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"```graphql\n(.*?)```", text, re.DOTALL)
    if block is None or "obligations(first:" not in block.group(1):
        raise RuntimeError("README.md has no GraphQL example with an obligations list")
    return re.sub(r"obligations\(first: \d+", f"obligations(first: {first}", block.group(1))


@dataclass
class RequestPath:
    name: str
    document: str
    variables: Callable[[History, int], dict[str, Any] | None] = lambda h, run: None
    mutation: bool = False
    samples: dict[int, list[Sample]] = field(default_factory=dict)
    answers: dict[int, Any] = field(default_factory=dict)


def request_paths() -> list[RequestPath]:
    rule_page = (
        f'{{ obligations(first: {PAGE}, filter: {{ruleId: ["{RULE_FILTER}"]}}) {{ edges {{ node {{ '
        "id subjectId dueDate status } } pageInfo { hasNextPage endCursor } } }"
    )
    return [
        RequestPath(f"README query (first: {PAGE})", readme_query()),
        RequestPath(
            f"obligations(first: {PAGE}), unfiltered",
            f"{{ obligations(first: {PAGE}) {{ edges {{ node {{ id ruleId subjectId dueDate status "
            "} } pageInfo { hasNextPage endCursor } } }",
        ),
        RequestPath(f"obligations(first: {PAGE}) of one rule", rule_page),
        RequestPath(
            "complianceSummary",
            "{ complianceSummary { open overdue fulfilled fulfilledLate waived provisional "
            "nextDue { id ruleId dueDate } } }",
        ),
        RequestPath(
            "serviceCoverage",
            "{ serviceCoverage { gaps regions { regionCode pointType covered pointCount "
            "servicePoints { id name active } openObligation { id } waivedObligation { id } } "
            "pageInfo { hasNextPage endCursor } } }",
        ),
        RequestPath(
            "vehicle(vin) with events, obligations",
            "query ($vin: String!) { vehicle(vin: $vin) { vin modelCode certifiedOn registeredOn "
            "batteries { code status } events { kind occurredOn } "
            "obligations { id ruleId dueDate status } } }",
            lambda h, run: {"vin": h.vin(UNMARKED)},
        ),
        RequestPath(
            "battery(code) with events, obligations",
            "query ($code: String!) { battery(code: $code) { code status producedOn "
            "manufacturer { name } events { kind occurredOn } "
            "obligations { id ruleId dueDate status } } }",
            lambda h, run: {"code": h.retired_pack},
        ),
        RequestPath(
            f"vehicles(first: {PAGE})",
            f"{{ vehicles(first: {PAGE}) {{ edges {{ node {{ vin modelCode certifiedOn "
            "batteries { code } } } pageInfo { hasNextPage endCursor } } }",
        ),
        RequestPath(
            f"batteries(RESPONSIBLE, first: {PAGE})",
            f"{{ batteries(relation: RESPONSIBLE, first: {PAGE}) {{ edges {{ node {{ code status "
            "vehicle { vin } } } pageInfo { hasNextPage endCursor } } }",
        ),
        RequestPath(
            "fulfillObligation",
            "mutation ($input: FulfillObligationInput!) { fulfillObligation(input: $input) { "
            "obligation { id status fulfilledOn } userErrors { code message } } }",
            lambda h, run: {
                "input": {
                    "id": h.open_duties[run],
                    "fulfilledOn": h.today.isoformat(),
                    "platformReceipt": f"TRC-BENCH-{run}",
                }
            },
            mutation=True,
        ),
    ]


# --- the run -------------------------------------------------------------------------------------


def main() -> list[RequestPath]:
    """Seed, measure and print; returns what was measured."""
    os.environ.update(api_environment())
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
    ):
        os.environ.pop(name, None)
    load = os.getloadavg()[0]
    from compliance.calendar import CHINA_TZ
    from local.aws import local_aws

    today = datetime.now(CHINA_TZ).date()
    meter = Meter()
    with meter.patch, local_aws(), quick_queries(), transactions_without_backups():
        histories = seed_world(SIZES, today)
        with frozen_heap():
            paths = measure(histories, meter)
    report(paths, histories, load, today)
    return paths


def measure(histories: list[History], meter: Meter) -> list[RequestPath]:
    from compliance.store.models import ObligationItem
    from local.calls import api_event, bearer_header, invoke

    meter.attach(ObligationItem._get_connection().connection.client)
    tokens = [bearer_header("ENTERPRISE_ADMIN", h.automaker.id) for h in histories]
    paths = request_paths()

    def call(path: RequestPath, size: int, run: int) -> Sample:
        history = histories[size]
        event = api_event(path.document, path.variables(history, run), auth=tokens[size])
        (status, payload), sample = meter.measure(lambda: invoke(event))
        if status != 200 or payload.get("errors") or _user_errors(payload):
            raise RuntimeError(f"{path.name} answered {status}: {str(payload)[:2000]}")
        path.answers[size] = payload["data"]
        return sample

    with handler_output_discarded():
        for path in paths:
            progress(f"{path.name}")
            runs = MUTATION_RUNS if path.mutation else RUNS
            warm = 1 if path.mutation else WARM_UP
            for size in range(len(histories)):
                path.samples[size] = []
            for run in range(warm + runs):
                if run == warm:
                    # What moto built while warming up (its partitions) stays out of reach too.
                    gc.collect()
                    gc.freeze()
                # Alternate which automaker goes first, so that noise falls on both.
                order = range(len(histories)) if run % 2 == 0 else reversed(range(len(histories)))
                for size in order:
                    sample = call(path, size, run)
                    if run >= warm:
                        path.samples[size].append(sample)
    return paths


def _user_errors(payload: dict[str, Any]) -> list[Any]:
    data = payload.get("data") or {}
    return [
        e for value in data.values() if isinstance(value, dict) for e in value.get("userErrors", ())
    ]


# --- the report ----------------------------------------------------------------------------------


def report(paths: list[RequestPath], histories: list[History], load: float, today: date) -> None:
    from compliance.store.models import ObligationItem  # noqa: F401 - tables named by now

    small, large = SIZES
    print(
        f"\nA large automaker's request paths, as of {today} (China), on moto in this process. "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} CPUs, load average {load:.2f} at start."
    )
    for history, size in zip(histories, SIZES, strict=True):
        print(
            f"  {history.automaker.name}: {size + 2 * MODELS + PREFECTURES:,} obligations, "
            f"{history.vehicles:,} vehicles, {history.vehicles + history.retired:,} packs"
        )
    print(
        "CPU: the handler's own (process CPU of every thread, moto's answering taken out), "
        f"median [range] of {RUNS} runs ({MUTATION_RUNS} for the mutation), ms.\n"
    )
    header = f"  {'request path':<40}{'calls (each size)':<38}"
    header += (
        f"{'items read':>16}{'CPU ' + f'{small:,}':>22}{'CPU ' + f'{large:,}':>22}{'ratio':>8}"
    )
    print(header)
    flat = 0
    for path in paths:
        a, b = path.samples[0], path.samples[1]
        calls_a = {_calls(s.calls) for s in a}
        calls_b = {_calls(s.calls) for s in b}
        read_a = {s.read for s in a}
        read_b = {s.read for s in b}
        same = calls_a == calls_b and read_a == read_b and len(calls_a) == 1 and len(read_a) == 1
        flat += same
        calls = " / ".join(sorted(calls_a)) if calls_a == calls_b else f"{calls_a} vs {calls_b}"
        reads = f"{_one(read_a)} / {_one(read_b)}"
        ratio = statistics.median(s.cpu for s in b) / statistics.median(s.cpu for s in a)
        print(
            f"  {path.name:<40}{calls:<38}{reads:>16}{_spread(a):>22}{_spread(b):>22}"
            f"{ratio:>7.2f}x" + ("" if same else "  DIFFERENT")
        )
        if path.mutation:
            written = {s.written for s in a} | {s.written for s in b}
            print(f"  {'':<40}items written: {', '.join(map(str, sorted(written)))}")
    print(
        f"\n  calls and items read equal at both sizes: {flat} of {len(paths)} paths"
        + (" (all)" if flat == len(paths) else "")
    )
    total = [s.cpu for p in paths for s in p.samples[1]]
    print(
        f"  whole run: {time.perf_counter() - STARTED:.0f} s "
        f"({len(total)} timed requests at each size)"
    )


def _calls(counter: Counter[str]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(counter.items(), key=lambda c: c[0]))


def _one(values: set[int]) -> str:
    return (
        f"{next(iter(values)):,}"
        if len(values) == 1
        else "varied " + ",".join(map(str, sorted(values)))
    )


def _spread(samples: list[Sample]) -> str:
    ms = [s.cpu * 1000 for s in samples]
    return f"{statistics.median(ms):.1f} [{min(ms):.0f}-{max(ms):.0f}]"


if __name__ == "__main__":
    main()
