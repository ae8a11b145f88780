"""What the store returns and accepts: plain records, and their mapping to and from items.

Readers never see PynamoDB items; writers build items only through the functions here, so the
shape of a stored record is decided in one place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from pynamodb.attributes import Attribute, ListAttribute
from pynamodb.constants import NULL
from pynamodb.models import Model

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
from compliance.network import POINT_TYPE_OF_RULE, PointType, ServicePoint
from compliance.obligations import ObligationRecord, RescheduleEntry
from compliance.rules import Obligation, ObligationStatus, Period, SubjectKind
from compliance.store.models import (
    STANDING_DUE,
    BatteryItem,
    ContactMap,
    EnterpriseItem,
    EventItem,
    ModelItem,
    NetworkRowItem,
    ObligationItem,
    ServicePointItem,
    VehicleItem,
)

# How many partitions the nation's due-date indexes (`by_due`, `open_by_due`) are written
# over. One index partition takes about 1,000 writes a second; the country's obligations arrive
# at a few hundred a second at peak, in bursts from large disposals. A regulator's page reads
# every shard (AWS's write-sharding pattern with calculated suffixes), so more shards cost
# reads: four leave room for four times today's peak.
NATIONAL_SHARDS = 4


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
        battery_swap=bool(item.battery_swap),
        history=int(item.history),
    )


def model_item(state: ModelState, version: int | None = None) -> ModelItem:
    item = ModelItem(
        code=state.code,
        owner=state.owner,
        imported=state.imported,
        approved_on=state.approved_on.isoformat(),
        battery_swap=state.battery_swap or None,
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
        arrived_without_battery=bool(item.arrived_without_battery),
        battery_swap=bool(item.battery_swap),
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
        arrived_without_battery=state.arrived_without_battery or None,
        battery_swap=state.battery_swap or None,
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
        battery_swap=event.battery_swap or None,
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
            battery_swap=bool(item.battery_swap),
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
    return f"{responsible}#{_shard(obligation_id, REMIND_SHARDS)}"


def remind_sk(remind_on: date, obligation_id: str) -> str:
    return f"{remind_on.isoformat()}#{obligation_id}"


def _shard(key: str, shards: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % shards


def all_partition(obligation_id: str) -> str:
    """The obligation's partition of the national due-date index."""
    return f"ALL#{_shard(obligation_id, NATIONAL_SHARDS)}"


def open_partition(status: ObligationStatus, obligation_id: str) -> str | None:
    """Its partition of the sparse national open index, by stored status (OPEN or OVERDUE);
    None once closed (it leaves the index)."""
    if status not in (ObligationStatus.OPEN, ObligationStatus.OVERDUE):
        return None
    return f"{status.value}#{_shard(obligation_id, NATIONAL_SHARDS)}"


def status_key(status: ObligationStatus, due_date: date | None, obligation_id: str) -> str:
    """Its place in its enterprise's `by_responsible_status` index."""
    return f"{status.value}#{due_key(due_date, obligation_id)}"


def coverage_of(rule_id: str, responsible: str) -> str | None:
    """Its key in the sparse `by_coverage` index: its enterprise, for a coverage duty only."""
    return responsible if rule_id in POINT_TYPE_OF_RULE else None


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
        status_key=status_key(
            ObligationStatus.OPEN, deadline.due_date if deadline else None, obligation.id
        ),
        due_partition=all_partition(obligation.id),
        open_partition=open_partition(ObligationStatus.OPEN, obligation.id),
        remind_pk=remind_pk(obligation.responsible_enterprise, obligation.id),
        remind_sk=remind_sk(remind_on, obligation.id),
        coverage_of=coverage_of(obligation.rule_id, obligation.responsible_enterprise),
        status=ObligationStatus.OPEN.value,
        vin=obligation.vin,
        battery_code=obligation.battery_code,
        model=obligation.model,
        created_at=now,
        updated_at=now,
    )


def obligation_from_item(item: ObligationItem) -> ObligationRecord:
    # The item's stored values directly: what each attribute's descriptor would return, without
    # a descriptor call per field.
    return _obligation_record(item.attribute_values)


def obligation_from_raw(raw: Mapping[str, dict[str, Any]]) -> ObligationRecord:
    """An obligation straight from the item as DynamoDB returns it (an entry of a Query's or a
    BatchGet's items): the record `obligation_from_item(ObligationItem.from_raw_data(raw))`
    gives, without building the PynamoDB item, which costs several times the record (it sets
    every default twice and copies the reschedule entries' attribute template, even for an
    empty list)."""
    return _obligation_record(_stored_values(ObligationItem, raw))


def _obligation_record(values: Mapping[str, Any]) -> ObligationRecord:
    get: Callable[[str], Any] = values.get
    deadline = None
    due_date = get("due_date")
    if due_date is not None:
        deadline = Deadline(
            due_date=date.fromisoformat(due_date),
            provisional=bool(get("provisional")),
            calendar_version=int(get("calendar_version") or 0),
        )
    obligation = Obligation(
        id=get("id"),
        rule_id=get("rule_id"),
        rule_set_id=get("rule_set_id"),
        rule_set_version=get("rule_set_version"),
        responsible_enterprise=get("responsible"),
        responsible_role=get("responsible_role"),
        subject_kind=SubjectKind(get("subject_kind")),
        subject_id=get("subject_id"),
        trigger_event_id=get("trigger_event_id"),
        trigger_kind=EventKind(get("trigger_kind")),
        trigger_date=date.fromisoformat(get("trigger_date")),
        period=Period.parse(get("period")),
        deadline=deadline,
        vin=get("vin"),
        battery_code=get("battery_code"),
        model=get("model"),
    )
    return ObligationRecord(
        obligation=obligation,
        stored_status=ObligationStatus(get("status")),
        fulfilled_on=_d(get("fulfilled_on")),
        platform_receipt=get("platform_receipt"),
        waived_reason=get("waived_reason"),
        reschedules=tuple(
            RescheduleEntry(
                before=date.fromisoformat(r.before),
                after=date.fromisoformat(r.after),
                calendar_version=int(r.calendar_version),
                at=r.at,
                rule_set=r.rule_set,
            )
            for r in get("reschedules") or ()
        ),
        created_at=get("created_at"),
        updated_at=get("updated_at"),
        version=int(get("version") or 0),
        closed_by=get("closed_by"),
        closed_at=get("closed_at"),
    )


# Per model, what PynamoDB's deserialisation goes through for each attribute: its name, the
# attribute, its default, and whether it is a list (an empty one is the empty list PynamoDB's
# `ListAttribute.deserialize` returns, without instantiating the element type).
_Plan = tuple[tuple[str, str, Attribute[Any], Any, bool], ...]
_plans: dict[type[Model], _Plan] = {}


def _stored_values(model: type[Model], raw: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The attribute values `model.from_raw_data(raw)` would hold, by attribute name, through the
    same deserialisers: a stored NULL or an absent attribute reads as its default."""
    plan = _plans.get(model)
    if plan is None:
        plan = _plans[model] = tuple(
            (name, attr.attr_name, attr, attr.default, isinstance(attr, ListAttribute))
            for name, attr in model.get_attributes().items()
        )
    values: dict[str, Any] = {}
    for name, stored_name, attr, default, is_list in plan:
        stored = raw.get(stored_name)
        if stored and NULL not in stored:
            value = attr.get_value(stored)
            values[name] = [] if is_list and not value else attr.deserialize(value)
        else:
            value = default() if callable(default) else default
            if value is not None:
                values[name] = value
    return values


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
        in_network=True,
    )
    if version is not None:
        item.version = version
    return item


def network_key(point_type: PointType, region: str) -> str:
    """A coverage row's place among its operator's rows: by point type, then region. The
    coverage duty of the same row sorts in the same order (PREFECTURE/COLLECTION before
    PROVINCE/STORAGE), so a page of rows and a page of duties line up."""
    return f"{point_type.value}#{region}"


def network_row_id(operator: str, point_type: PointType, region: str) -> str:
    return f"ROW#{operator}#{network_key(point_type, region)}"


class RowChange(NamedTuple):
    """What a point's write adds to one of its operator's network rows."""

    operator: str
    point_type: PointType
    region: str
    points: int
    active: int

    @property
    def row_id(self) -> str:
        return network_row_id(self.operator, self.point_type, self.region)


def row_changes(before: ServicePoint | None, after: ServicePoint | None) -> list[RowChange]:
    """How a point's write (`before` None: created; `after` None: counted out) changes the rows
    that count it: out of the row it was in, into the row it is in; rows left unchanged (a
    renamed point, say) left out."""
    summed: dict[tuple[str, PointType, str], list[int]] = {}
    for point, sign in ((before, -1), (after, 1)):
        if point is None:
            continue
        key = (point.operator, point.point_type, point.coverage_region)
        counts = summed.setdefault(key, [0, 0])
        counts[0] += sign
        counts[1] += sign * int(point.active)
    return [
        RowChange(operator, point_type, region, points, active)
        for (operator, point_type, region), (points, active) in sorted(summed.items())
        if points or active
    ]


def network_row_actions(change: RowChange) -> list[Any]:
    """The update that adds `change` to its row, creating the row when it is the first."""
    return [
        NetworkRowItem.network_of.set(change.operator),
        NetworkRowItem.network_key.set(network_key(change.point_type, change.region)),
        NetworkRowItem.points.add(change.points),
        NetworkRowItem.active.add(change.active),
    ]


def network_rows(points: Iterable[ServicePoint]) -> list[NetworkRowItem]:
    """The rows that count `points` (all of some operators' points), as items to store with
    them: for loading a network written at once, as the benchmarks and tests do."""
    rows: dict[str, NetworkRowItem] = {}
    for point in points:
        (change,) = row_changes(None, point)
        row = rows.setdefault(
            change.row_id,
            NetworkRowItem(
                change.row_id,
                network_of=change.operator,
                network_key=network_key(change.point_type, change.region),
                points=0,
                active=0,
            ),
        )
        row.points += change.points
        row.active += change.active
    return list(rows.values())
