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
from compliance.network import COVERAGE_RULES, PointType, ServicePoint
from compliance.obligations import ObligationRecord
from compliance.rules import SubjectKind
from compliance.services.store import (
    ClaimManufacturerCode,
    ClaimPointKey,
    CloseObligation,
    CodeUnclaimed,
    NewObligation,
    OnRecord,
    PointUnchanged,
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
from compliance.store.models import (
    BatteryItem,
    EnterpriseItem,
    EventItem,
    ManufacturerCodeClaim,
    ModelItem,
    ObligationItem,
    ServicePointItem,
    ServicePointKeyClaim,
    VehicleItem,
)
from compliance.store.reads import names_a_record, storable, translated_errors
from compliance.store.records import (
    OPEN_PARTITION,
    battery_from_item,
    battery_item,
    enterprise_from_item,
    enterprise_item,
    event_from_item,
    event_item,
    event_subjects,
    model_from_item,
    model_item,
    obligation_from_item,
    obligation_item,
    remind_pk,
    remind_sk,
    service_point_from_item,
    service_point_item,
    subject_key,
    vehicle_from_item,
    vehicle_item,
)
from compliance.store.transactions import commit

# DynamoDB's limit on the actions of one TransactWriteItems call.
MAX_TRANSACTION_ITEMS = 100
_CONFLICT = (
    "Another request changed the same records at the same time; nothing of this change was "
    "written. Read them again and retry."
)
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
        found = set()
        with translated_errors():
            for point_type, region in sorted(set(regions)):
                points = ServicePointItem.by_operator.query(
                    operator,
                    range_key_condition=ServicePointItem.type_region.startswith(
                        f"{point_type.value}#{region}#"
                    ),
                )
                if any(point.active for point in points):
                    found.add((point_type, region))
        return frozenset(found)

    def covering_points(self, operator: str, point_type: PointType, region: str) -> dict[str, int]:
        with translated_errors():
            return {
                point.id: int(point.version or 0)
                for point in ServicePointItem.by_operator.query(
                    operator,
                    range_key_condition=ServicePointItem.type_region.startswith(
                        f"{point_type.value}#{region}#"
                    ),
                    consistent_read=False,
                )
                if point.active
            }

    def coverage_duties(
        self, responsible: str, point_type: PointType, region: str
    ) -> list[ObligationRecord]:
        kind = (
            SubjectKind.PREFECTURE if point_type is PointType.COLLECTION else SubjectKind.PROVINCE
        )
        with translated_errors():
            return [
                obligation_from_item(item)
                for item in ObligationItem.by_subject_due.query(
                    subject_key(kind, region),
                    filter_condition=(ObligationItem.responsible == responsible)
                    & (ObligationItem.rule_id == COVERAGE_RULES[point_type]),
                )
            ]

    def commit(self, units: Sequence[Unit], *, pack: bool = False) -> None:
        transactions: list[list[Unit]] = []
        for unit in units:
            size = _size([unit])
            if size > MAX_TRANSACTION_ITEMS:
                raise TooLargeError(
                    f"one change would write {size} items; the limit is {MAX_TRANSACTION_ITEMS}"
                )
            current = transactions[-1] if transactions else None
            if (
                pack
                and current is not None
                and _size([*current, unit]) <= MAX_TRANSACTION_ITEMS
                and not set().union(*map(_item_keys, current)) & _item_keys(unit)
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
    if isinstance(write, PutVehicle):
        return [("vehicle", write.state.vin, "")]
    if isinstance(write, PutModel):
        return [("model", write.state.code, "")]
    if isinstance(write, NewObligation):
        return [("obligation", write.obligation.id, "")]
    if isinstance(write, CloseObligation | ReopenObligation):
        return [("obligation", write.record.id, "")]
    if isinstance(write, PointUnchanged):
        return [("point", write.point_id, "")]
    if isinstance(write, PutServicePoint):
        return [("point", write.point.id, "")]
    if isinstance(write, ClaimPointKey | ReleasePointKey):
        return [("point", f"KEY#{write.key}", "")]
    if isinstance(write, PutEnterprise):
        return [("enterprise", write.enterprise.id, "")]
    return [("enterprise", f"MFR#{write.code}", "")]


def _item_keys(unit: Unit) -> set[_ItemKey]:
    """The items a unit writes. A condition that a manufacturer code is unclaimed is not a
    write: units that share it may share a transaction, which checks it once."""
    return {
        key
        for write in unit.writes
        if not isinstance(write, CodeUnclaimed)
        for key in _subjects(write)
    }


def _size(units: Sequence[Unit]) -> int:
    """The actions of one transaction of `units`: one per item written, one per code checked."""
    checked = {w.code for u in units for w in u.writes if isinstance(w, CodeUnclaimed)}
    return sum(len(_item_keys(u)) for u in units) + len(checked)


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
    checked: set[str] = set()

    def build(tx: TransactWrite) -> None:
        for unit in units:
            for write in unit.writes:
                if isinstance(write, CodeUnclaimed):
                    if write.code in checked:
                        continue
                    checked.add(write.code)
                _add(tx, write)

    commit(build, token=token, conflict=_CONFLICT)


def _add(tx: TransactWrite, write: Write) -> None:
    if isinstance(write, PutEvent):
        record = write.record
        for subject in event_subjects(record.event):
            item = event_item(record.event, subject, record.recorded_at, record.recorded_by)
            item.obligation_ids = set(write.obligation_ids) or None
            tx.save(item, condition=EventItem.subject.does_not_exist())
    elif isinstance(write, PutBattery):
        tx.save(battery_item(write.state, write.version))
    elif isinstance(write, PutVehicle):
        tx.save(vehicle_item(write.state, write.version))
    elif isinstance(write, PutModel):
        tx.save(model_item(write.state, write.version))
    elif isinstance(write, NewObligation):
        tx.save(obligation_item(write.obligation, write.created_at, write.remind_on))
    elif isinstance(write, CloseObligation):
        tx.update(
            ObligationItem(write.record.id, version=write.version),
            actions=_closing_actions(write.record),
        )
    elif isinstance(write, ReopenObligation):
        tx.update(
            ObligationItem(write.record.id, version=write.version),
            actions=_reopening_actions(write),
        )
    elif isinstance(write, PutServicePoint):
        tx.save(service_point_item(write.point, write.version))
    elif isinstance(write, PointUnchanged):
        tx.condition_check(
            ServicePointItem,
            write.point_id,
            condition=(ServicePointItem.version == write.version) & ServicePointItem.active,
        )
    elif isinstance(write, ClaimPointKey):
        claim = ServicePointKeyClaim(f"KEY#{write.key}", point_id=write.point_id)
        tx.save(claim, condition=ServicePointKeyClaim.id.does_not_exist())
    elif isinstance(write, ReleasePointKey):
        tx.delete(
            ServicePointKeyClaim(f"KEY#{write.key}"),
            condition=ServicePointKeyClaim.point_id == write.point_id,
        )
    elif isinstance(write, PutEnterprise):
        tx.save(enterprise_item(write.enterprise, write.version))
    elif isinstance(write, ClaimManufacturerCode):
        code_claim = ManufacturerCodeClaim(pk=f"MFR#{write.code}", owner=write.owner)
        tx.save(code_claim, condition=ManufacturerCodeClaim.pk.does_not_exist())
    else:
        assert isinstance(write, CodeUnclaimed)
        tx.condition_check(
            ManufacturerCodeClaim,
            f"MFR#{write.code}",
            condition=ManufacturerCodeClaim.pk.does_not_exist(),
        )


def _reopening_actions(write: ReopenObligation) -> list[Any]:
    """Open again, back in the open index and the reminder schedule; the closing's fields go."""
    item, record = ObligationItem, write.record
    return [
        item.status.set(record.stored_status.value),
        item.fulfilled_on.remove(),
        item.platform_receipt.remove(),
        item.closed_by.remove(),
        item.closed_at.remove(),
        item.open_partition.set(OPEN_PARTITION),
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
        item.open_partition.remove(),
        item.remind_pk.remove(),
        item.remind_sk.remove(),
        item.updated_at.set(record.updated_at),
    ]
