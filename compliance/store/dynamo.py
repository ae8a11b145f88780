"""The use cases' Store on DynamoDB: strongly consistent reads of the records a request touches,
and each unit of writes as one TransactWriteItems.

Every read is a key lookup, a BatchGet, or a Query on one key of an index, bounded by what the
request names (the regions it registers in, the codes it lists), never by how much an
enterprise has on record. Versions are PynamoDB's version attributes: a record is written only
if it is still at the version read, or still absent when new; a new record starts at version 1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import singledispatch
from typing import Any, TypeVar

from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from compliance.calendar import WorkingDayCalendar
from compliance.enterprises import Enterprise
from compliance.errors import (
    ConflictError,
    PartlyWrittenError,
    StoreUnavailableError,
    TooLargeError,
)
from compliance.lifecycle import BatteryState, LifecycleEvent, ModelState, VehicleState
from compliance.messages import t
from compliance.network import COVERAGE_RULES, POINT_TYPE_OF_RULE, PointType, ServicePoint
from compliance.obligations import ObligationRecord
from compliance.rules import ObligationStatus, SubjectKind
from compliance.services.store import (
    BatteryUnchanged,
    ClaimManufacturerCode,
    ClaimPointKey,
    CloseObligation,
    CodeUnclaimed,
    NewObligation,
    OnRecord,
    PutBattery,
    PutEnterprise,
    PutEvent,
    PutModel,
    PutServicePoint,
    PutVehicle,
    ReleasePointKey,
    ReopenObligation,
    Stored,
    Unit,
    Write,
)
from compliance.store.calendars import current_calendar
from compliance.store.counts import StatusChange, add_to_transaction, counter_items
from compliance.store.models import (
    BatteryItem,
    EnterpriseItem,
    EventItem,
    ManufacturerCodeClaim,
    ModelItem,
    NetworkRowItem,
    ObligationItem,
    ServicePointItem,
    ServicePointKeyClaim,
    VehicleItem,
)
from compliance.store.reads import names_a_record, storable, translated_errors
from compliance.store.records import (
    battery_from_item,
    battery_item,
    enterprise_from_item,
    enterprise_item,
    event_from_item,
    event_item,
    event_subjects,
    model_from_item,
    model_item,
    network_row_actions,
    network_row_id,
    obligation_from_item,
    obligation_item,
    open_partition,
    remind_pk,
    remind_sk,
    row_changes,
    service_point_from_item,
    service_point_item,
    status_key,
    subject_key,
    vehicle_from_item,
    vehicle_item,
)
from compliance.store.transactions import commit

# DynamoDB's limit on the actions of one TransactWriteItems call.
MAX_TRANSACTION_ITEMS = 100
_CONFLICT = "store.conflict"  # what a lost race is told (compliance.messages)
_M = TypeVar("_M", bound=Model)
_T = TypeVar("_T")
_ItemKey = tuple[str, str, str]  # table, hash key, range key


def _consistent(
    model: type[_M],
    keys: Iterable[str],
    key_of: Callable[[_M], str],
    convert: Callable[[_M], _T],
    *,
    claims_share_table: bool = False,
) -> dict[str, Stored[_T]]:
    named = names_a_record if claims_share_table else storable
    wanted = sorted({k for k in keys if named(k)})
    if not wanted:
        return {}
    with translated_errors():
        return {
            key_of(item): Stored(convert(item), int(getattr(item, "version", 0) or 0))
            for item in model.batch_get(wanted, consistent_read=True)
        }


class DynamoStore:
    """The Store protocol (`compliance.services.store`) on the tables of `template.yaml`."""

    def calendar(self) -> WorkingDayCalendar:
        return current_calendar()

    def enterprises(self, ids: Iterable[str]) -> dict[str, Stored[Enterprise]]:
        return _consistent(
            EnterpriseItem, ids, lambda i: i.pk, enterprise_from_item, claims_share_table=True
        )

    def code_owners(self, codes: Iterable[str]) -> dict[str, str]:
        keys = sorted({f"MFR#{c}" for c in codes if c and storable(c)})
        if not keys:
            return {}
        with translated_errors():
            claims = ManufacturerCodeClaim.batch_get(keys, consistent_read=True)
            return {claim.pk.removeprefix("MFR#"): claim.owner for claim in claims}

    def batteries(self, codes: Iterable[str]) -> dict[str, Stored[BatteryState]]:
        return _consistent(BatteryItem, codes, lambda i: i.code, battery_from_item)

    def children(self, parent_code: str, limit: int) -> list[BatteryState]:
        # One Query of the sparse `by_parent` index (only parts have a parent), in code order;
        # `limit` items are well under a 1 MB page, so it is one call.
        if not storable(parent_code) or limit < 1:
            return []
        with translated_errors():
            return [
                battery_from_item(item)
                for item in BatteryItem.by_parent.query(parent_code, limit=limit)
            ]

    def vehicles(self, vins: Iterable[str]) -> dict[str, Stored[VehicleState]]:
        return _consistent(VehicleItem, vins, lambda i: i.vin, vehicle_from_item)

    def models(self, codes: Iterable[str]) -> dict[str, Stored[ModelState]]:
        return _consistent(ModelItem, codes, lambda i: i.code, model_from_item)

    def recorded(self, events: Sequence[LifecycleEvent]) -> dict[str, OnRecord]:
        keys = sorted(
            {
                (subject, f"{e.occurred_on.isoformat()}#{e.id}")
                for e in events
                for subject in event_subjects(e)[:1]
                if storable(subject)
            }
        )
        if not keys:
            return {}
        with translated_errors():
            return {
                item.id: OnRecord(event_from_item(item), frozenset(item.obligation_ids or ()))
                for item in EventItem.batch_get(keys, consistent_read=True)
            }

    def obligations(self, ids: Iterable[str]) -> dict[str, ObligationRecord]:
        return {
            key: stored.value
            for key, stored in _consistent(
                ObligationItem, ids, lambda i: i.id, obligation_from_item
            ).items()
        }

    def service_points(self, ids: Iterable[str]) -> dict[str, Stored[ServicePoint]]:
        return _consistent(
            ServicePointItem, ids, lambda i: i.id, service_point_from_item, claims_share_table=True
        )

    def point_with_key(self, key: str) -> str | None:
        with translated_errors():
            try:
                claim = ServicePointKeyClaim.get(f"KEY#{key}", consistent_read=True)
            except ServicePointKeyClaim.DoesNotExist:
                return None
        return claim.point_id

    def covered(
        self, operator: str, regions: Iterable[tuple[PointType, str]]
    ) -> frozenset[tuple[PointType, str]]:
        wanted = sorted(set(regions))
        ids = {network_row_id(operator, *region): region for region in wanted}
        with translated_errors():
            rows = NetworkRowItem.batch_get(list(ids), consistent_read=True)
            return frozenset(ids[row.id] for row in rows if (row.active or 0) > 0)

    def active_points(self, operator: str, point_type: PointType, region: str) -> int:
        with translated_errors():
            try:
                row = NetworkRowItem.get(
                    network_row_id(operator, point_type, region), consistent_read=True
                )
            except NetworkRowItem.DoesNotExist:
                return 0
        return int(row.active or 0)

    def coverage_duties(
        self, responsible: str, point_type: PointType, region: str
    ) -> list[ObligationRecord]:
        kind = (
            SubjectKind.PREFECTURE if point_type is PointType.COLLECTION else SubjectKind.PROVINCE
        )
        with translated_errors():
            return [
                obligation_from_item(item)
                for item in ObligationItem.by_coverage.query(
                    responsible,
                    range_key_condition=ObligationItem.subject_key == subject_key(kind, region),
                    filter_condition=ObligationItem.rule_id == COVERAGE_RULES[point_type],
                )
            ]

    def commit(self, units: Sequence[Unit], *, pack: bool = False) -> None:
        transactions: list[list[Unit]] = []
        for unit in units:
            size = _size([unit])
            if size > MAX_TRANSACTION_ITEMS:
                raise TooLargeError(t("store.too_large", size=size, limit=MAX_TRANSACTION_ITEMS))
            current = transactions[-1] if transactions else None
            if (
                pack
                and current is not None
                and _size([*current, unit]) <= MAX_TRANSACTION_ITEMS
                and _may_share(current, unit)
            ):
                current.append(unit)
            else:
                transactions.append([unit])
        for done, transaction in enumerate(transactions):
            try:
                _write(transaction)
            except (ConflictError, StoreUnavailableError) as error:
                if done == 0:
                    raise  # nothing was written: the answer says so
                raise PartlyWrittenError(done, len(transactions), error) from error


def _subjects(write: Write) -> list[_ItemKey]:
    """The items a write touches, so that no transaction touches one twice."""
    if isinstance(write, PutEvent):
        event = write.record.event
        seq = f"{event.occurred_on.isoformat()}#{event.id}"
        return [("event", subject, seq) for subject in event_subjects(event)]
    if isinstance(write, PutBattery):
        return [("battery", write.state.code, "")]
    if isinstance(write, BatteryUnchanged):
        return [("battery", write.code, "")]
    if isinstance(write, PutVehicle):
        return [("vehicle", write.state.vin, "")]
    if isinstance(write, PutModel):
        return [("model", write.state.code, "")]
    if isinstance(write, NewObligation):
        return [("obligation", write.obligation.id, "")]
    if isinstance(write, CloseObligation | ReopenObligation):
        return [("obligation", write.record.id, "")]
    if isinstance(write, PutServicePoint):
        rows = row_changes(write.before, write.point)
        return [("point", write.point.id, ""), *(("point", row.row_id, "") for row in rows)]
    if isinstance(write, ClaimPointKey | ReleasePointKey):
        return [("point", f"KEY#{write.key}", "")]
    if isinstance(write, PutEnterprise):
        return [("enterprise", write.enterprise.id, "")]
    return [("enterprise", f"MFR#{write.code}", "")]


def _item_keys(unit: Unit) -> set[_ItemKey]:
    """The items a unit writes. A condition that a manufacturer code is unclaimed, or that a
    battery is unchanged, is not a write: units that share it may share a transaction, which
    checks it once."""
    return {
        key
        for write in unit.writes
        if not isinstance(write, CodeUnclaimed | BatteryUnchanged)
        for key in _subjects(write)
    }


def _unchanged(units: Sequence[Unit]) -> dict[_ItemKey, int]:
    """The batteries `units` require unchanged, with the version each must be at."""
    return {
        ("battery", w.code, ""): w.version
        for u in units
        for w in u.writes
        if isinstance(w, BatteryUnchanged)
    }


def _may_share(current: Sequence[Unit], unit: Unit) -> bool:
    """Whether `unit` may join the transaction of `current`: DynamoDB takes one action per item
    in a transaction, so the unit writes nothing they write or require unchanged, and each
    battery it requires unchanged is required at the same version, or written by them to
    exactly that version (the parent registered just before its parts: the transaction then
    implies the condition, which is left out)."""
    written = set().union(*map(_item_keys, current))
    writes = _item_keys(unit)
    required = _unchanged(current)
    if writes & (written | required.keys()):
        return False
    left_at = {
        ("battery", w.state.code, ""): (w.version or 0) + 1
        for u in current
        for w in u.writes
        if isinstance(w, PutBattery)
    }
    return all(
        left_at.get(key, required.get(key, version)) == version
        for key, version in _unchanged([unit]).items()
    )


def _size(units: Sequence[Unit]) -> int:
    """The actions of one transaction of `units`: one per item written, one per code checked,
    one per battery required unchanged and not written, one per counter item the obligations'
    status changes add to."""
    written = set().union(*map(_item_keys, units))
    checked = {w.code for u in units for w in u.writes if isinstance(w, CodeUnclaimed)}
    unchanged = _unchanged(units).keys() - written
    counted = counter_items(_status_changes(units))
    return len(written) + len(checked) + len(unchanged) + counted


def _status_changes(units: Sequence[Unit]) -> list[StatusChange]:
    """How the writes of `units` change the obligation counts (compliance/store/counts.py)."""
    changes = []
    for unit in units:
        for write in unit.writes:
            if isinstance(write, NewObligation):
                deadline = write.obligation.deadline
                changes.append(
                    StatusChange(
                        write.obligation.responsible_enterprise,
                        None,
                        ObligationStatus.OPEN,
                        bool(deadline and deadline.provisional),
                        coverage=write.obligation.rule_id in POINT_TYPE_OF_RULE,
                    )
                )
            elif isinstance(write, CloseObligation | ReopenObligation):
                record = write.record
                deadline = record.obligation.deadline
                changes.append(
                    StatusChange(
                        record.obligation.responsible_enterprise,
                        write.was,
                        record.stored_status,
                        bool(deadline and deadline.provisional),
                        coverage=record.obligation.rule_id in POINT_TYPE_OF_RULE,
                    )
                )
    return changes


def _write(units: Sequence[Unit]) -> None:
    records = [w.record for u in units for w in u.writes if isinstance(w, PutEvent)]
    # The same request's transaction, retried by botocore after a timeout, is done once by
    # DynamoDB. Another request (even with the same events) has its own recording time, and so
    # its own token: DynamoDB would refuse the same token with other content.
    token = (
        hashlib.sha256(
            "|".join(
                f"{r.event.id}@{r.recorded_at.isoformat()}@{r.recorded_by}" for r in records
            ).encode()
        ).hexdigest()[:36]
        if records
        else None
    )
    checked: set[_ItemKey] = set()
    written = set().union(*map(_item_keys, units))

    changes = _status_changes(units)
    # The counter shards follow from the transaction's content, so that botocore's retry of
    # this very request sends the same transaction (DynamoDB refuses a token with other items).
    seed = token or "|".join(sorted(key for unit in units for key in map(str, _item_keys(unit))))

    def build(tx: TransactWrite) -> None:
        checked.clear()
        for unit in units:
            for write in unit.writes:
                # A condition is checked once; a battery the transaction writes is not checked
                # at all: DynamoDB takes one action per item, and _may_share let the unit in only
                # if that write leaves the battery at the version required.
                if isinstance(write, CodeUnclaimed | BatteryUnchanged):
                    key = _subjects(write)[0]
                    implied = isinstance(write, BatteryUnchanged) and key in written
                    if key in checked or implied:
                        continue
                    checked.add(key)
                _add(write, tx)
        add_to_transaction(tx, changes, seed)

    commit(build, token=token, conflict=t(_CONFLICT))


@singledispatch
def _add(write: Write, tx: TransactWrite) -> None:
    """Add one write's actions to `tx`."""
    raise TypeError(f"no transaction action for {type(write).__name__}")


@_add.register
def _(write: PutEvent, tx: TransactWrite) -> None:
    record = write.record
    for subject in event_subjects(record.event):
        item = event_item(record.event, subject, record.recorded_at, record.recorded_by)
        item.obligation_ids = set(write.obligation_ids) or None
        tx.save(item, condition=EventItem.subject.does_not_exist())


@_add.register
def _(write: PutBattery, tx: TransactWrite) -> None:
    tx.save(battery_item(write.state, write.version))


@_add.register
def _(write: PutVehicle, tx: TransactWrite) -> None:
    tx.save(vehicle_item(write.state, write.version))


@_add.register
def _(write: PutModel, tx: TransactWrite) -> None:
    tx.save(model_item(write.state, write.version))


@_add.register
def _(write: NewObligation, tx: TransactWrite) -> None:
    tx.save(obligation_item(write.obligation, write.created_at, write.remind_on))


@_add.register
def _(write: CloseObligation, tx: TransactWrite) -> None:
    tx.update(
        ObligationItem(write.record.id, version=write.version),
        actions=_closing_actions(write.record),
    )


@_add.register
def _(write: ReopenObligation, tx: TransactWrite) -> None:
    tx.update(
        ObligationItem(write.record.id, version=write.version), actions=_reopening_actions(write)
    )


@_add.register
def _(write: BatteryUnchanged, tx: TransactWrite) -> None:
    tx.condition_check(BatteryItem, write.code, condition=BatteryItem.version == write.version)


@_add.register
def _(write: PutServicePoint, tx: TransactWrite) -> None:
    tx.save(service_point_item(write.point, write.version))
    before = write.before
    left = (
        network_row_id(before.operator, before.point_type, before.coverage_region)
        if before is not None
        else None
    )
    for row in row_changes(before, write.point):
        condition = None
        if row.row_id == left and write.others_active is not None:
            # As the use case read the row: other active points left, or this one the last.
            active = NetworkRowItem.active
            condition = active >= 2 if write.others_active else active <= 1
        tx.update(NetworkRowItem(row.row_id), actions=network_row_actions(row), condition=condition)


@_add.register
def _(write: ClaimPointKey, tx: TransactWrite) -> None:
    claim = ServicePointKeyClaim(f"KEY#{write.key}", point_id=write.point_id)
    tx.save(claim, condition=ServicePointKeyClaim.id.does_not_exist())


@_add.register
def _(write: ReleasePointKey, tx: TransactWrite) -> None:
    tx.delete(
        ServicePointKeyClaim(f"KEY#{write.key}"),
        condition=ServicePointKeyClaim.point_id == write.point_id,
    )


@_add.register
def _(write: PutEnterprise, tx: TransactWrite) -> None:
    tx.save(enterprise_item(write.enterprise, write.version))


@_add.register
def _(write: ClaimManufacturerCode, tx: TransactWrite) -> None:
    claim = ManufacturerCodeClaim(pk=f"MFR#{write.code}", owner=write.owner)
    tx.save(claim, condition=ManufacturerCodeClaim.pk.does_not_exist())


@_add.register
def _(write: CodeUnclaimed, tx: TransactWrite) -> None:
    tx.condition_check(
        ManufacturerCodeClaim,
        f"MFR#{write.code}",
        condition=ManufacturerCodeClaim.pk.does_not_exist(),
    )


def _due(record: ObligationRecord) -> date | None:
    deadline = record.obligation.deadline
    return deadline.due_date if deadline else None


def _reopening_actions(write: ReopenObligation) -> list[Any]:
    """Open again, back in the open index and the reminder schedule; the closing's fields go."""
    item, record = ObligationItem, write.record
    partition = open_partition(record.stored_status, record.id)
    assert partition is not None, "a reopened obligation is open"
    return [
        item.status.set(record.stored_status.value),
        item.fulfilled_on.remove(),
        item.platform_receipt.remove(),
        item.closed_by.remove(),
        item.closed_at.remove(),
        item.status_key.set(status_key(record.stored_status, _due(record), record.id)),
        item.open_partition.set(partition),
        item.remind_pk.set(remind_pk(record.obligation.responsible_enterprise, record.id)),
        item.remind_sk.set(remind_sk(write.remind_on, record.id)),
        item.updated_at.set(record.updated_at),
    ]


def _closing_actions(record: ObligationRecord) -> list[Any]:
    """Set what closing changed; the reminder stages and reschedules stay as stored."""
    item = ObligationItem
    receipt, reason = record.platform_receipt, record.waived_reason
    return [
        item.status.set(record.stored_status.value),
        item.fulfilled_on.set(record.fulfilled_on.isoformat())
        if record.fulfilled_on
        else item.fulfilled_on.remove(),
        item.platform_receipt.set(receipt) if receipt else item.platform_receipt.remove(),
        item.waived_reason.set(reason) if reason else item.waived_reason.remove(),
        item.closed_by.set(record.closed_by) if record.closed_by else item.closed_by.remove(),
        item.closed_at.set(record.closed_at) if record.closed_at else item.closed_at.remove(),
        item.status_key.set(status_key(record.stored_status, _due(record), record.id)),
        item.open_partition.remove(),
        item.remind_pk.remove(),
        item.remind_sk.remove(),
        item.updated_at.set(record.updated_at),
    ]
