"""Reads: key lookups, BatchGets and Queries on keys or indexes. There is no Scan here.

Batch readers return a dict keyed by the requested keys, with missing keys absent, so callers
(the GraphQL loaders) can re-order results to their keys and map misses to None.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError
from msgspec import Struct
from msgspec.structs import replace
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError
from pynamodb.models import Model

from compliance.enterprises import Enterprise
from compliance.errors import StoreError, StoreRejectedError, StoreUnavailableError
from compliance.lifecycle import BatteryState, EventRecord, ModelState, VehicleState
from compliance.obligations import ObligationRecord
from compliance.rules import ObligationStatus, SubjectKind
from compliance.store.models import (
    BatteryItem,
    CalendarYearItem,
    EnterpriseItem,
    EventItem,
    ModelItem,
    ObligationItem,
    VehicleItem,
)
from compliance.store.records import (
    NATIONAL_SHARDS,
    battery_from_item,
    enterprise_from_item,
    event_from_item,
    model_from_item,
    obligation_from_item,
    obligation_from_raw,
    subject_key,
    vehicle_from_item,
)

_M = TypeVar("_M", bound=Model)
_T = TypeVar("_T")
MAX_KEY_BYTES = 1024  # DynamoDB's limit for a sort key (a partition key may have 2,048)


def names_a_record(key: str) -> bool:
    """Whether `key` can name an enterprise or a service point: claim rows (`MFR#<code>`,
    `KEY#<key>`) share their tables, and no enterprise or point id has a '#'."""
    return storable(key) and "#" not in key


def storable(key: str) -> bool:
    """Whether ``key`` can name a stored item. DynamoDB refuses a whole request for an empty or
    oversized key, so reads leave such keys out: they read as absent, not as an outage."""
    return bool(key) and len(key.encode()) <= MAX_KEY_BYTES


def store_failure(error: Exception, what: str = "DynamoDB request failed") -> StoreError:
    """The domain error for an AWS failure: StoreRejectedError when DynamoDB refused the request
    as invalid (retrying cannot help), StoreUnavailableError otherwise."""
    cause: BaseException | None = error
    while cause is not None:
        response = getattr(cause, "response", None)
        if isinstance(response, dict) and (
            response.get("Error", {}).get("Code") == "ValidationException"
        ):
            return StoreRejectedError(f"DynamoDB refused the request: {cause}")
        if getattr(cause, "cause_response_code", None) == "ValidationException":
            return StoreRejectedError(f"DynamoDB refused the request: {error}")
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return StoreUnavailableError(f"{what}: {error}")


def conditionally(write: Callable[[], object]) -> bool:
    """Run one conditional write: True when it was written, False when its condition failed
    (someone else changed the item first); any other failure leaves as store_failure."""
    try:
        write()
    except (PutError, UpdateError) as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise store_failure(error) from error
    except (PynamoDBException, BotoCoreError) as error:
        raise store_failure(error) from error
    return True


@contextmanager
def translated_errors() -> Iterator[None]:
    """AWS failures leave the store as domain errors (store_failure), not botocore or PynamoDB
    types."""
    try:
        yield
    except (PynamoDBException, BotoCoreError) as error:
        raise store_failure(error) from error


def _batch(
    model: type[_M], keys: Iterable[str], key_of: Callable[[_M], str], convert: Callable[[_M], _T]
) -> dict[str, _T]:
    wanted = list(dict.fromkeys(k for k in keys if storable(k)))
    if not wanted:
        return {}
    with translated_errors():
        return {key_of(item): convert(item) for item in model.batch_get(wanted)}


def enterprises(ids: Iterable[str]) -> dict[str, Enterprise]:
    return _batch(EnterpriseItem, filter(names_a_record, ids), lambda i: i.pk, enterprise_from_item)


def enterprise(enterprise_id: str) -> Enterprise | None:
    return enterprises([enterprise_id]).get(enterprise_id)


def models(codes: Iterable[str]) -> dict[str, ModelState]:
    return _batch(ModelItem, codes, lambda i: i.code, model_from_item)


def vehicles(vins: Iterable[str]) -> dict[str, VehicleState]:
    return _batch(VehicleItem, vins, lambda i: i.vin, vehicle_from_item)


def batteries(codes: Iterable[str]) -> dict[str, BatteryState]:
    return _batch(BatteryItem, codes, lambda i: i.code, battery_from_item)


def obligations(ids: Iterable[str]) -> dict[str, ObligationRecord]:
    return _batch(ObligationItem, ids, lambda i: i.id, obligation_from_item)


def history(subject: str) -> list[EventRecord]:
    """A battery's (`B#code`), vehicle's (`V#vin`) or model's (`M#code`) events, oldest first."""
    with translated_errors():
        return [event_from_item(item) for item in EventItem.query(subject)]


def calendar_loads(calendar: str = "CN") -> list[CalendarYearItem]:
    with translated_errors():
        return list(CalendarYearItem.query(calendar, consistent_read=True))


# --- obligation pages -----------------------------------------------------------------------
#
# A page merges ordered streams: key ranges of index partitions, each in due-date order. An
# enterprise's status buckets (`by_responsible_status`), or the nation's shards (`by_due`,
# `open_by_due`), or one subject (`by_subject_due`). Each stream is read with one Query of at
# most a fixed number of items, so a page costs the same whatever the enterprise has on record;
# what a key range cannot say (rules, trigger dates, a status in a subject's or the nation's
# closed history) is a filter on those items only, and a page that runs out of its budget
# before filling says where to go on (`next_after`), possibly with fewer items than asked.

# Items one page may evaluate over all its streams when some condition is not in the key.
PAGE_BUDGET = 600
HIGH = "~"  # sorts after every due key (`<date>#<id>`, dates and `9999-12-31`)
# Sorts before every due key; not "": DynamoDB refuses an empty string in a key condition.
LOW = "0"
_BUCKETS = (
    ObligationStatus.OPEN,
    ObligationStatus.OVERDUE,
    ObligationStatus.FULFILLED,
    ObligationStatus.FULFILLED_LATE,
    ObligationStatus.WAIVED,
)
_CLOCK = frozenset({ObligationStatus.OPEN, ObligationStatus.OVERDUE})
_pool: ThreadPoolExecutor | None = None


class ObligationScope(Struct, frozen=True):
    """Whose obligations a page lists: one enterprise's, one subject's (an enterprise's
    share of it when both are given), or the nation's (neither)."""

    responsible: str | None = None
    subject: tuple[SubjectKind, str] | None = None


class ObligationFilter(Struct, frozen=True):
    statuses: frozenset[ObligationStatus] = frozenset()
    rule_ids: frozenset[str] = frozenset()
    due_on_or_after: date | None = None
    due_on_or_before: date | None = None
    triggered_on_or_after: date | None = None
    triggered_on_or_before: date | None = None

    def canonical(self) -> str:
        """The filter as the same text in every process, for what a cursor is bound to. A
        frozenset's order (and so its repr) follows string hashing, which differs from process
        to process: a cursor bound to a repr would be refused by another Lambda instance."""
        return json.dumps(
            [
                sorted(status.value for status in self.statuses),
                sorted(self.rule_ids),
                *(
                    day.isoformat() if day else None
                    for day in (
                        self.due_on_or_after,
                        self.due_on_or_before,
                        self.triggered_on_or_after,
                        self.triggered_on_or_before,
                    )
                ),
            ]
        )


class ObligationPage(Struct, frozen=True):
    records: list[ObligationRecord]
    positions: list[str]  # each record's place in due-date order (its due key)
    next_after: str | None  # where the next page starts (exclusive); None at the end
    queries: int = 0  # DynamoDB Queries made
    evaluated: int = 0  # items DynamoDB read for them


class Stream(Struct, frozen=True):
    """One index partition's key range `prefix + low` .. `prefix + high` (inclusive)."""

    index: Any
    hash_key: str
    key_attribute: str
    prefix: str
    low: str
    high: str


class _Read(Struct, frozen=True):
    # (position, item as DynamoDB returns it) in order: only a page's items become records
    items: list[tuple[str, dict[str, Any]]]
    frontier: str | None  # the last position evaluated when the range has more; else None
    evaluated: int


def obligation_page(
    scope: ObligationScope,
    *,
    first: int,
    after: str | None,
    where: ObligationFilter,
    today: date,
) -> ObligationPage:
    """Up to `first` obligations after position `after`, in due-date order (standing duties
    last), reading at most `first + 2` items a stream, or the page budget when a condition is
    not in the key."""
    streams, filtered = _streams(scope, where, today)
    streams = [
        replace(s, low=max(s.low, after)) if after else s for s in streams if _nonempty(s, after)
    ]
    if not streams:
        return ObligationPage([], [], None)
    condition = _filter_condition(scope, where, today, filtered)
    limit = first + 2  # the cursor's own item, the page, and one to know another page exists
    if condition is not None:
        limit = max(limit, PAGE_BUDGET // len(streams))
    reads = run_streams(lambda stream: read_stream(stream, condition, limit), streams)
    frontiers = [r.frontier for r in reads if r.frontier is not None]
    frontier = min(frontiers) if frontiers else None
    found = sorted(
        (position, item)
        for r in reads
        for position, item in r.items
        if position != after and (frontier is None or position <= frontier)
    )
    page = found[:first]
    if len(found) > first:
        next_after: str | None = page[-1][0]
    else:
        next_after = frontier
    return ObligationPage(
        records=[obligation_from_raw(raw) for _, raw in page],
        positions=[position for position, _ in page],
        next_after=next_after,
        queries=len(reads),
        evaluated=sum(r.evaluated for r in reads),
    )


def _nonempty(stream: Stream, after: str | None) -> bool:
    return max(stream.low, after or "") <= stream.high


def _due_bounds(where: ObligationFilter) -> tuple[str, str]:
    low = where.due_on_or_after.isoformat() if where.due_on_or_after else LOW
    # Keys are `<date>#<id>`: `~` sorts after `#`, so `<date>~` is past every key of that day.
    high = f"{where.due_on_or_before.isoformat()}~" if where.due_on_or_before else HIGH
    return low, high


def _clock_ranges(wanted: frozenset[ObligationStatus], today: date) -> tuple[str, str] | None:
    """The due-key range of the stored OPEN and OVERDUE buckets that holds what the clock calls
    `wanted`: an open obligation past its due day reads as OVERDUE even before the sweep has
    written that down, and one rescheduled later reads as OPEN again."""
    clock = wanted & _CLOCK
    if clock == _CLOCK:
        return LOW, HIGH
    if ObligationStatus.OPEN in clock:
        return today.isoformat(), HIGH
    if ObligationStatus.OVERDUE in clock:
        return LOW, today.isoformat()  # `<today>` sorts before every key of today
    return None


def _streams(
    scope: ObligationScope, where: ObligationFilter, today: date
) -> tuple[list[Stream], bool]:
    """The key ranges a page reads, and whether the status is left to a filter."""
    low, high = _due_bounds(where)
    wanted = where.statuses or frozenset(_BUCKETS)
    index = ObligationItem
    if scope.subject is not None:
        # A subject has a handful of obligations: its one partition, statuses filtered.
        kind, subject_id = scope.subject
        stream = Stream(
            index.by_subject_due, subject_key(kind, subject_id), "due_key", "", low, high
        )
        return [stream], bool(where.statuses)
    if scope.responsible is not None:
        ranges: list[tuple[ObligationStatus, str, str]] = []
        clock = _clock_ranges(wanted, today)
        for bucket in _BUCKETS:
            if bucket in _CLOCK:
                if clock is not None:
                    ranges.append((bucket, *clock))
            elif bucket in wanted:
                ranges.append((bucket, LOW, HIGH))
        return [
            Stream(
                index.by_responsible_status,
                scope.responsible,
                "status_key",
                f"{bucket.value}#",
                max(low, r_low),
                min(high, r_high),
            )
            for bucket, r_low, r_high in ranges
        ], False
    shards = range(NATIONAL_SHARDS)
    if where.statuses and where.statuses <= _CLOCK:
        clock = _clock_ranges(wanted, today)
        assert clock is not None
        return [
            Stream(
                index.open_by_due,
                f"{bucket.value}#{shard}",
                "due_key",
                "",
                max(low, clock[0]),
                min(high, clock[1]),
            )
            for bucket in (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
            for shard in shards
        ], False
    return [
        Stream(index.by_due, f"ALL#{shard}", "due_key", "", low, high) for shard in shards
    ], bool(where.statuses)


def _filter_condition(
    scope: ObligationScope, where: ObligationFilter, today: date, statuses: bool
) -> Any:
    conditions: list[Any] = []
    if scope.subject is not None and scope.responsible is not None:
        conditions.append(ObligationItem.responsible == scope.responsible)
    if where.rule_ids:
        conditions.append(ObligationItem.rule_id.is_in(*sorted(where.rule_ids)))
    if where.triggered_on_or_after:
        conditions.append(ObligationItem.trigger_date >= where.triggered_on_or_after.isoformat())
    if where.triggered_on_or_before:
        conditions.append(ObligationItem.trigger_date <= where.triggered_on_or_before.isoformat())
    if statuses:
        conditions.append(_status_condition(where.statuses, today))
    combined = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined


def _status_condition(statuses: frozenset[ObligationStatus], today: date) -> Any:
    """Stored status plus the clock, as a filter (for the few reads whose key has no status)."""
    stored = ObligationItem.status
    due = ObligationItem.due_date
    open_stored = stored.is_in(ObligationStatus.OPEN.value, ObligationStatus.OVERDUE.value)
    parts = []
    if ObligationStatus.OPEN in statuses:
        # Not `due_key`: it is the sort key of every index this is read from, and DynamoDB
        # refuses key attributes in a FilterExpression. A standing duty has no due date.
        not_late = (due >= today.isoformat()) | due.does_not_exist()
        parts.append(open_stored & not_late)
    if ObligationStatus.OVERDUE in statuses:
        parts.append(open_stored & (due < today.isoformat()))
    done = [s.value for s in statuses if s not in _CLOCK]
    if done:
        parts.append(stored.is_in(*done))
    combined = parts[0]
    for part in parts[1:]:
        combined = combined | part
    return combined


def read_stream(stream: Stream, condition: Any, limit: int) -> _Read:
    """One Query: at most `limit` items of the stream's range, in order."""
    attribute = getattr(ObligationItem, stream.key_attribute)
    key_range = attribute.between(stream.prefix + stream.low, stream.prefix + stream.high)
    connection = ObligationItem._get_connection()
    with translated_errors():
        data = connection.query(
            stream.hash_key,
            range_key_condition=key_range,
            filter_condition=condition,
            index_name=stream.index.Meta.index_name,
            limit=limit,
        )
    raws: list[dict[str, Any]] = data.get("Items", [])
    last = data.get("LastEvaluatedKey")
    cut = len(stream.prefix)
    return _Read(
        items=[(raw[stream.key_attribute]["S"][cut:], raw) for raw in raws],
        frontier=last[stream.key_attribute]["S"][cut:] if last else None,
        evaluated=int(data.get("ScannedCount", len(raws))),
    )


def run_streams(read: Callable[[Stream], _T], streams: list[Stream]) -> list[_T]:
    """Each stream's Query, concurrently when there are several (one shared botocore client,
    which is thread-safe)."""
    global _pool
    if len(streams) == 1:
        return [read(streams[0])]
    if _pool is None:
        ObligationItem._get_connection().connection.client  # noqa: B018 - built before threads
        _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="obligation-page")
    # Each Query runs in a copy of the caller's context, so what the request keeps there (its
    # count of DynamoDB calls, graph/cost.py) sees these calls too.
    futures = [_pool.submit(contextvars.copy_context().run, read, s) for s in streams]
    return [future.result() for future in futures]
