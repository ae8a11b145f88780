"""Reads: key lookups, BatchGets and Queries on keys or indexes. There is no Scan here.

Batch readers return a dict keyed by the requested keys, with missing keys absent, so callers
(the GraphQL loaders) can re-order results to their keys and map misses to None.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError
from msgspec import Struct
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError
from pynamodb.models import Model

from compliance.enterprises import Enterprise
from compliance.errors import StoreError, StoreRejectedError, StoreUnavailableError
from compliance.lifecycle import BatteryState, EventRecord, ModelState, VehicleState
from compliance.network import ServicePoint
from compliance.obligations import ObligationRecord
from compliance.rules import ObligationStatus, SubjectKind
from compliance.store.models import (
    BatteryItem,
    CalendarYearItem,
    EnterpriseItem,
    EventItem,
    ModelItem,
    ObligationItem,
    ServicePointItem,
    VehicleItem,
)
from compliance.store.records import (
    ALL_PARTITION,
    battery_from_item,
    due_key,
    enterprise_from_item,
    event_from_item,
    model_from_item,
    obligation_from_item,
    service_point_from_item,
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


def service_points_of(operator: str) -> list[ServicePoint]:
    with translated_errors():
        return [service_point_from_item(i) for i in ServicePointItem.by_operator.query(operator)]


def calendar_loads(calendar: str = "CN") -> list[CalendarYearItem]:
    with translated_errors():
        return list(CalendarYearItem.query(calendar, consistent_read=True))


# --- obligation pages -----------------------------------------------------------------------


class ObligationScope(Struct, frozen=True):
    """Which index partition a page reads: one enterprise's, one subject's, or everyone's."""

    responsible: str | None = None
    subject: tuple[SubjectKind, str] | None = None

    def query(self, **kwargs: Any) -> Any:
        if self.responsible is not None:
            return ObligationItem.by_responsible_due.query(self.responsible, **kwargs)
        if self.subject is not None:
            kind, subject_id = self.subject
            return ObligationItem.by_subject_due.query(subject_key(kind, subject_id), **kwargs)
        return ObligationItem.by_due.query(ALL_PARTITION, **kwargs)

    def key_of(self, record: ObligationRecord) -> dict[str, dict[str, str]]:
        """The LastEvaluatedKey DynamoDB would return after `record` in this index."""
        o = record.obligation
        key = {
            "id": {"S": o.id},
            "due_key": {"S": due_key(o.deadline.due_date if o.deadline else None, o.id)},
        }
        if self.responsible is not None:
            key["responsible"] = {"S": o.responsible_enterprise}
        elif self.subject is not None:
            key["subject_key"] = {"S": subject_key(o.subject_kind, o.subject_id)}
        else:
            key["due_partition"] = {"S": ALL_PARTITION}
        return key


class ObligationFilter(Struct, frozen=True):
    statuses: frozenset[ObligationStatus] = frozenset()
    rule_ids: frozenset[str] = frozenset()
    due_on_or_after: date | None = None
    due_on_or_before: date | None = None

    def canonical(self) -> str:
        """The filter as the same text in every process, for what a cursor is bound to. A
        frozenset's order (and so its repr) follows string hashing, which differs from process
        to process: a cursor bound to a repr would be refused by another Lambda instance."""
        return json.dumps(
            [
                sorted(status.value for status in self.statuses),
                sorted(self.rule_ids),
                self.due_on_or_after.isoformat() if self.due_on_or_after else None,
                self.due_on_or_before.isoformat() if self.due_on_or_before else None,
            ]
        )


class ObligationPage(Struct, frozen=True):
    records: list[ObligationRecord]
    next_key: dict[str, dict[str, str]] | None  # where the next page starts, None at the end


def obligation_page(
    scope: ObligationScope,
    *,
    first: int,
    after: dict[str, dict[str, str]] | None,
    where: ObligationFilter,
    today: date,
) -> ObligationPage:
    """Up to `first` obligations in due-date order (standing duties last).

    Without status or rule filters this is exactly one Query: it asks for one item more than
    the page, which tells whether another page exists without a second round trip.
    """
    kwargs: dict[str, Any] = {
        "range_key_condition": _due_range(where),
        "filter_condition": _filters(where, today),
        "limit": first + 1,
        "page_size": first + 1,
        "last_evaluated_key": after,
    }
    with translated_errors():
        records = [obligation_from_item(i) for i in scope.query(**kwargs)]
    next_key = scope.key_of(records[first - 1]) if len(records) > first else None
    return ObligationPage(records[:first], next_key)


def _due_range(where: ObligationFilter) -> Any:
    low = where.due_on_or_after.isoformat() if where.due_on_or_after else None
    # Keys are `<date>#<id>`: `~` sorts after `#`, so `<date>~` is past every key of that day.
    high = f"{where.due_on_or_before.isoformat()}~" if where.due_on_or_before else None
    key = ObligationItem.due_key
    if low and high:
        return key.between(low, high)
    if low:
        return key >= low
    if high:
        return key <= high
    return None


def _filters(where: ObligationFilter, today: date) -> Any:
    conditions = []
    if where.rule_ids:
        conditions.append(ObligationItem.rule_id.is_in(*sorted(where.rule_ids)))
    if where.statuses:
        conditions.append(_status_condition(where.statuses, today))
    combined = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined


def _status_condition(statuses: frozenset[ObligationStatus], today: date) -> Any:
    """Stored status plus the clock: an open obligation past its due day reads as OVERDUE even
    before the daily sweep has written that down."""
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
    done = [s.value for s in statuses if s not in (ObligationStatus.OPEN, ObligationStatus.OVERDUE)]
    if done:
        parts.append(stored.is_in(*done))
    combined = parts[0]
    for part in parts[1:]:
        combined = combined | part
    return combined


class ObligationSummary(Struct, frozen=True):
    counts: dict[ObligationStatus, int]
    provisional: int  # open obligations whose deadline is still provisional
    next_due: str | None  # id of the open obligation due soonest, today or later


def obligation_summary(responsible: str, today: date) -> ObligationSummary:
    """Counts by status as of `today`, in one paginated Query over the enterprise's partition
    that fetches only the attributes the counts need."""
    counts = dict.fromkeys(ObligationStatus, 0)
    provisional = 0
    next_due: tuple[str, str] | None = None
    open_values = {ObligationStatus.OPEN.value, ObligationStatus.OVERDUE.value}
    attributes = ["id", "status", "due_date", "provisional", "fulfilled_on"]
    with translated_errors():
        for item in ObligationItem.by_responsible_due.query(
            responsible, attributes_to_get=attributes
        ):
            due = item.due_date
            if item.status in open_values:
                overdue = due is not None and due < today.isoformat()
                counts[ObligationStatus.OVERDUE if overdue else ObligationStatus.OPEN] += 1
                provisional += bool(item.provisional)
                if due is not None and not overdue and (next_due is None or due < next_due[0]):
                    next_due = (due, item.id)
            else:
                counts[ObligationStatus(item.status)] += 1
    return ObligationSummary(counts, provisional, next_due[1] if next_due else None)
