"""Changing obligations: fulfilment, waiver, and deadlines moved by a calendar load.

Every change is a versioned write: two people fulfilling the same obligation at once, or a
fulfilment racing the sweep, end with one winner and a ConflictError for the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from botocore.exceptions import BotoCoreError
from msgspec import Struct
from pynamodb.exceptions import PynamoDBException, UpdateError

from compliance.calendar import WorkingDayCalendar
from compliance.lifecycle import PointType, Violation
from compliance.rules import ObligationStatus, Reschedule, reschedule, status_on
from compliance.store.errors import ConflictError, StoreUnavailableError
from compliance.store.models import ObligationItem, RescheduleMap
from compliance.store.reads import translated_errors
from compliance.store.records import (
    OPEN_PARTITION,
    OPEN_STATUSES,
    ObligationRecord,
    due_key,
    obligation_from_item,
)

_CONFLICT = (
    "This obligation was changed by someone else at the same time; nothing was written. "
    "Read it again and retry."
)


class Change(Struct, frozen=True):
    record: ObligationRecord | None
    violations: tuple[Violation, ...] = ()


def _load(obligation_id: str, responsible: str) -> ObligationItem | None:
    with translated_errors():
        try:
            item = ObligationItem.get(obligation_id, consistent_read=True)
        except ObligationItem.DoesNotExist:
            return None
    return item if item.responsible == responsible else None


def _not_found(obligation_id: str) -> Change:
    return Change(
        None, (Violation("NOT_FOUND", "id", f"There is no obligation {obligation_id} of yours."),)
    )


def _closed(item: ObligationItem) -> Violation | None:
    if item.status in {s.value for s in OPEN_STATUSES}:
        return None
    return Violation(
        "ALREADY_CLOSED",
        "id",
        f"Obligation {item.id} is already {item.status.lower().replace('_', ' ')}.",
    )


def _save(item: ObligationItem, actions: list[object]) -> None:
    """Apply `actions` if nobody changed the item since it was read (its version), and take
    the stored result back into `item`. One item needs no transaction."""
    try:
        item.update(actions=actions)  # type: ignore[arg-type]
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise ConflictError(_CONFLICT) from error
        raise StoreUnavailableError(f"DynamoDB update failed: {error}") from error
    except (PynamoDBException, BotoCoreError) as error:
        raise StoreUnavailableError(f"DynamoDB request failed: {error}") from error


def fulfil(
    obligation_id: str,
    responsible: str,
    fulfilled_on: date,
    receipt: str | None,
    *,
    today: date,
    now: datetime,
) -> Change:
    item = _load(obligation_id, responsible)
    if item is None:
        return _not_found(obligation_id)
    record = obligation_from_item(item)
    violations = [v for v in (_closed(item),) if v]
    if fulfilled_on > today:
        violations.append(
            Violation(
                "FUTURE_DATE",
                "fulfilled_on",
                f"{fulfilled_on.isoformat()} is after today ({today.isoformat()}, China time).",
            )
        )
    if fulfilled_on < record.obligation.trigger_date:
        violations.append(
            Violation(
                "BEFORE_TRIGGER",
                "fulfilled_on",
                f"{fulfilled_on.isoformat()} is before the obligation arose "
                f"({record.obligation.trigger_date.isoformat()}).",
            )
        )
    if record.obligation.deadline is not None and not (receipt or "").strip():
        violations.append(
            Violation(
                "RECEIPT_REQUIRED",
                "platform_receipt",
                "A report to the national platform is fulfilled with the platform's receipt "
                "reference; enter the reference the platform gave.",
            )
        )
    if violations:
        return Change(record, tuple(violations))
    status = status_on(record.obligation.deadline, today, fulfilled_on=fulfilled_on)
    _save(
        item,
        [
            ObligationItem.status.set(status.value),
            ObligationItem.fulfilled_on.set(fulfilled_on.isoformat()),
            ObligationItem.platform_receipt.set((receipt or "").strip())
            if (receipt or "").strip()
            else ObligationItem.platform_receipt.remove(),
            ObligationItem.open_partition.remove(),
            ObligationItem.updated_at.set(now),
        ],
    )
    return Change(obligation_from_item(item))


def waive(obligation_id: str, responsible: str, reason: str, *, now: datetime) -> Change:
    item = _load(obligation_id, responsible)
    if item is None:
        return _not_found(obligation_id)
    violations = [v for v in (_closed(item),) if v]
    if len(reason.strip()) < 10:
        violations.append(
            Violation(
                "REASON_REQUIRED",
                "reason",
                "Say why the duty does not apply (at least 10 characters); the reason is kept "
                "as evidence.",
            )
        )
    if violations:
        return Change(obligation_from_item(item), tuple(violations))
    _save(
        item,
        [
            ObligationItem.status.set(ObligationStatus.WAIVED.value),
            ObligationItem.waived_reason.set(reason.strip()),
            ObligationItem.open_partition.remove(),
            ObligationItem.updated_at.set(now),
        ],
    )
    return Change(obligation_from_item(item))


def coverage_fulfilment_actions(item: ObligationItem, on: date, now: datetime) -> list[object]:
    """A standing coverage duty is fulfilled the day a service point covers its region."""
    return [
        ObligationItem.status.set(ObligationStatus.FULFILLED.value),
        ObligationItem.fulfilled_on.set(on.isoformat()),
        ObligationItem.open_partition.remove(),
        ObligationItem.updated_at.set(now),
    ]


def open_coverage_duties(
    responsible: str, point_type: PointType, region: str
) -> list[ObligationItem]:
    rule = (
        "COLLECTION_POINT_COVERAGE"
        if point_type is PointType.COLLECTION
        else ("STORAGE_POINT_COVERAGE")
    )
    kind = "prefecture" if point_type is PointType.COLLECTION else "province"
    with translated_errors():
        return [
            item
            for item in ObligationItem.by_subject_due.query(
                f"{kind}#{region}",
                filter_condition=(ObligationItem.responsible == responsible)
                & (ObligationItem.rule_id == rule)
                & ObligationItem.open_partition.exists(),
            )
        ]


def apply_calendar(
    calendar: WorkingDayCalendar, year: int, *, now: datetime
) -> tuple[Reschedule, ...]:
    """Move every open deadline that loading `year` changes, recording the move on each.

    Reads the open obligations due from that year on (the sparse open index, from the first day
    of `year`), so closed duties and earlier deadlines are never read.
    """
    with translated_errors():
        items = {
            item.id: item
            for item in ObligationItem.open_by_due.query(
                OPEN_PARTITION,
                range_key_condition=ObligationItem.due_key >= f"{year}-01-01",
                filter_condition=ObligationItem.trigger_date <= f"{year}-12-31",
            )
        }
    records: Iterable[ObligationRecord] = (obligation_from_item(i) for i in items.values())
    changes = reschedule((r.obligation for r in records), calendar, year=year)
    for change in changes:
        item = items[change.obligation_id]
        entry = RescheduleMap(
            before=change.before.due_date.isoformat(),
            after=change.after.due_date.isoformat(),
            calendar_version=change.after.calendar_version,
            at=now,
        )
        _save(
            item,
            [
                ObligationItem.due_date.set(change.after.due_date.isoformat()),
                ObligationItem.provisional.set(change.after.provisional),
                ObligationItem.calendar_version.set(change.after.calendar_version),
                ObligationItem.due_key.set(due_key(change.after.due_date, item.id)),
                ObligationItem.reschedules.set((ObligationItem.reschedules | []).append([entry])),
                ObligationItem.updated_at.set(now),
            ],
        )
    return changes
