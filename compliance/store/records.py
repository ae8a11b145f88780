"""What the store returns and accepts: plain records, and their mapping to and from items.

Readers never see PynamoDB items; writers build items only through the functions here, so the
shape of a stored record is decided in one place.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from compliance.calendar import Deadline
from compliance.enterprises import Contact, Enterprise
from compliance.lifecycle import (
    BatteryState,
    BatteryStatus,
    DisposalOrigin,
    EnterpriseKind,
    EventKind,
    EventRecord,
    LifecycleEvent,
    ModelState,
    RemovalReason,
    VehicleState,
    subjects_of,
)
from compliance.network import PointType, ServicePoint
from compliance.obligations import ObligationRecord, RescheduleEntry
from compliance.rules import Obligation, ObligationStatus, Period, SubjectKind
from compliance.store.models import (
    STANDING_DUE,
    BatteryItem,
    ContactMap,
    EnterpriseItem,
    EventItem,
    ModelItem,
    ObligationItem,
    ServicePointItem,
    VehicleItem,
)

# Obligations still to be acted on carry this in the sparse `open_partition` index key.
OPEN_PARTITION = "OPEN"
# Every obligation is in the regulator's due-date index under this one partition.
ALL_PARTITION = "ALL"


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- enterprises ----------------------------------------------------------------------------


def enterprise_from_item(item: EnterpriseItem) -> Enterprise:
    return Enterprise(
        id=item.pk,
        name=item.name,
        kinds=frozenset(EnterpriseKind(k) for k in item.kinds or ()),
        manufacturer_codes=frozenset(item.manufacturer_codes or ()),
        province_code=item.province_code,
        contacts=tuple(Contact(c.email, c.language) for c in item.contacts or ()),
        created_at=item.created_at,
        updated_at=item.updated_at,
        updated_by=item.updated_by,
    )


def enterprise_item(enterprise: Enterprise, version: int | None = None) -> EnterpriseItem:
    item = EnterpriseItem(
        pk=enterprise.id,
        name=enterprise.name,
        kinds={k.value for k in enterprise.kinds},
        manufacturer_codes=set(enterprise.manufacturer_codes) or None,
        province_code=enterprise.province_code,
        contacts=[ContactMap(email=c.email, language=c.language) for c in enterprise.contacts],
        created_at=enterprise.created_at,
        updated_at=enterprise.updated_at,
        updated_by=enterprise.updated_by,
    )
    if version is not None:
        item.version = version
    return item


# --- models, vehicles, batteries ------------------------------------------------------------


def model_from_item(item: ModelItem) -> ModelState:
    return ModelState(
        code=item.code,
        owner=item.owner,
        imported=item.imported,
        approved_on=date.fromisoformat(item.approved_on),
        history=int(item.history),
    )


def model_item(state: ModelState, version: int | None = None) -> ModelItem:
    item = ModelItem(
        code=state.code,
        owner=state.owner,
        imported=state.imported,
        approved_on=state.approved_on.isoformat(),
        history=state.history,
    )
    if version is not None:
        item.version = version
    return item


def vehicle_from_item(item: VehicleItem) -> VehicleState:
    return VehicleState(
        vin=item.vin,
        automaker=item.automaker,
        model=item.model,
        imported=item.imported,
        certified_on=date.fromisoformat(item.certified_on),
        last_event_on=date.fromisoformat(item.last_event_on),
        registered_on=_d(item.registered_on),
        region_code=item.region_code,
        scrapped_on=_d(item.scrapped_on),
        scrapped_by=item.scrapped_by,
        battery_codes=frozenset(item.battery_codes or ()),
        missing_battery_codes=frozenset(item.missing_battery_codes or ()),
        history=int(item.history),
    )


def vehicle_item(state: VehicleState, version: int | None = None) -> VehicleItem:
    item = VehicleItem(
        vin=state.vin,
        automaker=state.automaker,
        model=state.model,
        imported=state.imported,
        certified_on=state.certified_on.isoformat(),
        last_event_on=state.last_event_on.isoformat(),
        registered_on=_iso(state.registered_on),
        region_code=state.region_code,
        scrapped_on=_iso(state.scrapped_on),
        scrapped_by=state.scrapped_by,
        battery_codes=set(state.battery_codes) or None,
        missing_battery_codes=set(state.missing_battery_codes) or None,
        history=state.history,
    )
    if version is not None:
        item.version = version
    return item


def battery_from_item(item: BatteryItem) -> BatteryState:
    return BatteryState(
        code=item.code,
        manufacturer=item.manufacturer,
        produced_on=date.fromisoformat(item.produced_on),
        status=BatteryStatus(item.status),
        last_event_on=date.fromisoformat(item.last_event_on),
        responsible=item.responsible,
        custodian=item.custodian,
        vin=item.vin,
        supplied_to=item.supplied_to,
        service_point=item.service_point,
        original_code=item.original_code,
        recoded_as=item.recoded_as,
        vehicle_automaker=item.vehicle_automaker,
        parent_code=item.parent_code,
        child_codes=frozenset(item.child_codes or ()),
        history=int(item.history),
    )


def battery_item(state: BatteryState, version: int | None = None) -> BatteryItem:
    item = BatteryItem(
        code=state.code,
        manufacturer=state.manufacturer,
        produced_on=state.produced_on.isoformat(),
        status=state.status.value,
        last_event_on=state.last_event_on.isoformat(),
        responsible=state.responsible,
        custodian=state.custodian,
        vin=state.vin,
        vehicle_automaker=state.vehicle_automaker,
        supplied_to=state.supplied_to,
        service_point=state.service_point,
        original_code=state.original_code,
        recoded_as=state.recoded_as,
        parent_code=state.parent_code,
        child_codes=set(state.child_codes) or None,
        history=state.history,
    )
    if version is not None:
        item.version = version
    return item


# --- events ---------------------------------------------------------------------------------


_SUBJECT_PREFIX = {"battery": "B#", "vehicle": "V#", "model": "M#"}


def event_subjects(event: LifecycleEvent) -> tuple[str, ...]:
    """The partition keys of the histories an event belongs to (`subjects_of`), first the one
    its id's place is counted in."""
    return tuple(_SUBJECT_PREFIX[kind] + key for kind, key in subjects_of(event))


def event_item(
    event: LifecycleEvent, subject: str, recorded_at: datetime, recorded_by: str | None
) -> EventItem:
    return EventItem(
        subject=subject,
        seq=f"{event.occurred_on.isoformat()}#{event.id}",
        id=event.id,
        kind=event.kind.value,
        occurred_on=event.occurred_on.isoformat(),
        actor=event.actor,
        battery_code=event.battery_code,
        vin=event.vin,
        model=event.model,
        region_code=event.region_code,
        counterparty=event.counterparty,
        origin=event.origin.value if event.origin else None,
        new_code=event.new_code,
        service_point=event.service_point,
        reason=event.reason.value if event.reason else None,
        parent_code=event.parent_code,
        battery_codes=list(event.battery_codes) or None,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
    )


def event_from_item(item: EventItem) -> EventRecord:
    return EventRecord(
        event=LifecycleEvent(
            id=item.id,
            kind=EventKind(item.kind),
            occurred_on=date.fromisoformat(item.occurred_on),
            actor=item.actor,
            battery_code=item.battery_code,
            vin=item.vin,
            model=item.model,
            region_code=item.region_code,
            counterparty=item.counterparty,
            origin=DisposalOrigin(item.origin) if item.origin else None,
            new_code=item.new_code,
            service_point=item.service_point,
            reason=RemovalReason(item.reason) if item.reason else None,
            parent_code=item.parent_code,
            battery_codes=tuple(item.battery_codes or ()),
        ),
        recorded_at=item.recorded_at,
        recorded_by=item.recorded_by,
    )


# --- obligations ----------------------------------------------------------------------------


def due_key(due_date: date | None, obligation_id: str) -> str:
    return f"{due_date.isoformat() if due_date else STANDING_DUE}#{obligation_id}"


# How many index partitions one enterprise's reminder schedule is spread over (`by_remind`):
# a large automaker's burst of new duties then has four partitions' write capacity, and the
# sweep reads four small ranges per enterprise and day.
REMIND_SHARDS = 4


def remind_pk(responsible: str, obligation_id: str) -> str:
    shard = int(hashlib.sha256(obligation_id.encode()).hexdigest()[:8], 16) % REMIND_SHARDS
    return f"{responsible}#{shard}"


def remind_sk(remind_on: date, obligation_id: str) -> str:
    return f"{remind_on.isoformat()}#{obligation_id}"


def subject_key(kind: SubjectKind, subject_id: str) -> str:
    return f"{kind.value}#{subject_id}"


def obligation_item(obligation: Obligation, now: datetime, remind_on: date) -> ObligationItem:
    deadline = obligation.deadline
    return ObligationItem(
        id=obligation.id,
        rule_id=obligation.rule_id,
        rule_set_id=obligation.rule_set_id,
        rule_set_version=obligation.rule_set_version,
        responsible=obligation.responsible_enterprise,
        responsible_role=obligation.responsible_role,
        subject_kind=obligation.subject_kind.value,
        subject_id=obligation.subject_id,
        subject_key=subject_key(obligation.subject_kind, obligation.subject_id),
        trigger_event_id=obligation.trigger_event_id,
        trigger_kind=obligation.trigger_kind.value,
        trigger_date=obligation.trigger_date.isoformat(),
        period=str(obligation.period),
        due_date=_iso(deadline.due_date) if deadline else None,
        provisional=deadline.provisional if deadline else False,
        calendar_version=deadline.calendar_version if deadline else None,
        due_key=due_key(deadline.due_date if deadline else None, obligation.id),
        due_partition=ALL_PARTITION,
        open_partition=OPEN_PARTITION,
        remind_pk=remind_pk(obligation.responsible_enterprise, obligation.id),
        remind_sk=remind_sk(remind_on, obligation.id),
        status=ObligationStatus.OPEN.value,
        vin=obligation.vin,
        battery_code=obligation.battery_code,
        model=obligation.model,
        created_at=now,
        updated_at=now,
    )


def obligation_from_item(item: ObligationItem) -> ObligationRecord:
    deadline = None
    if item.due_date is not None:
        deadline = Deadline(
            due_date=date.fromisoformat(item.due_date),
            provisional=bool(item.provisional),
            calendar_version=int(item.calendar_version or 0),
        )
    obligation = Obligation(
        id=item.id,
        rule_id=item.rule_id,
        rule_set_id=item.rule_set_id,
        rule_set_version=item.rule_set_version,
        responsible_enterprise=item.responsible,
        responsible_role=item.responsible_role,
        subject_kind=SubjectKind(item.subject_kind),
        subject_id=item.subject_id,
        trigger_event_id=item.trigger_event_id,
        trigger_kind=EventKind(item.trigger_kind),
        trigger_date=date.fromisoformat(item.trigger_date),
        period=Period.parse(item.period),
        deadline=deadline,
        vin=item.vin,
        battery_code=item.battery_code,
        model=item.model,
    )
    return ObligationRecord(
        obligation=obligation,
        stored_status=ObligationStatus(item.status),
        fulfilled_on=_d(item.fulfilled_on),
        platform_receipt=item.platform_receipt,
        waived_reason=item.waived_reason,
        reschedules=tuple(
            RescheduleEntry(
                before=date.fromisoformat(r.before),
                after=date.fromisoformat(r.after),
                calendar_version=int(r.calendar_version),
                at=r.at,
            )
            for r in item.reschedules or ()
        ),
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
        closed_by=item.closed_by,
        closed_at=item.closed_at,
    )


# --- service points -------------------------------------------------------------------------


def service_point_from_item(item: ServicePointItem) -> ServicePoint:
    return ServicePoint(
        id=item.id,
        operator=item.operator,
        point_type=PointType(item.point_type),
        name=item.name,
        region_code=item.region_code,
        coverage_region=item.coverage_region,
        address=item.address,
        active=item.active,
        updated_at=item.updated_at,
        updated_by=item.updated_by,
    )


def service_point_item(point: ServicePoint, version: int | None = None) -> ServicePointItem:
    item = ServicePointItem(
        id=point.id,
        operator=point.operator,
        type_region=f"{point.point_type.value}#{point.coverage_region}#{point.id}",
        point_type=point.point_type.value,
        name=point.name,
        region_code=point.region_code,
        coverage_region=point.coverage_region,
        address=point.address,
        active=point.active,
        updated_at=point.updated_at,
        updated_by=point.updated_by,
    )
    if version is not None:
        item.version = version
    return item
