"""Recording lifecycle events: validate against stored state, derive obligations, write at once.

One call takes the events of one request. It loads the states they touch (one BatchGet per
kind of record), checks every event in order against the state the previous ones leave, and
either rejects the request with every reason (writing nothing) or writes each event together
with the state it changes and the obligations it creates in one TransactWrite.

Retries have exactly one effect: event ids are derived from the event's content, so an event
already recorded is recognised and reported as it was, not recorded twice; obligation ids are
derived from the duty, so a duty that already exists is not created again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from compliance.calendar import WorkingDayCalendar
from compliance.codes import ProductType, decode_battery_code
from compliance.lifecycle import (
    BatteryState,
    EnterpriseFacts,
    EventContext,
    EventKind,
    LifecycleEvent,
    ModelState,
    PointType,
    VehicleState,
    Violation,
    apply_battery,
    apply_model,
    apply_vehicle,
    check_event,
    second_life_battery,
)
from compliance.rules import Obligation, RuleSet, TriggerFacts, obligations_for
from compliance.store.errors import TooLargeError
from compliance.store.models import BatteryItem, EventItem, ModelItem, ObligationItem, VehicleItem
from compliance.store.reads import service_points_of, translated_errors
from compliance.store.records import (
    ObligationRecord,
    battery_from_item,
    battery_item,
    event_item,
    event_subjects,
    model_from_item,
    model_item,
    obligation_from_item,
    obligation_item,
    vehicle_from_item,
    vehicle_item,
)
from compliance.store.transactions import commit

# DynamoDB's limit on the actions of one TransactWriteItems call.
MAX_TRANSACTION_ITEMS = 100
# Events whose obligations depend on the responsible enterprise's service points.
_COVERAGE_EVENTS = frozenset({EventKind.VEHICLE_REGISTERED, EventKind.BATTERY_SOLD_DIRECTLY})
_LEVEL = {ProductType.PACK: 3, ProductType.MODULE: 2, ProductType.CELL: 1}


def event_id(kind: EventKind, actor: str, occurred_on: date, **fields: object) -> str:
    """A content-derived event id: the same report made twice has the same id."""
    canonical = json.dumps(
        {"kind": kind.value, "actor": actor, "on": occurred_on.isoformat(), **fields},
        sort_keys=True,
        default=str,
    )
    return "ev_" + hashlib.sha256(canonical.encode()).hexdigest()[:24]


def new_event(kind: EventKind, actor: str, occurred_on: date, **fields: Any) -> LifecycleEvent:
    return LifecycleEvent(
        id=event_id(kind, actor, occurred_on, **fields),
        kind=kind,
        occurred_on=occurred_on,
        actor=actor,
        **fields,
    )


class Rejection(Struct, frozen=True):
    """One reason a request was refused; `index` is the input item it concerns, if any."""

    violation: Violation
    index: int | None = None


class Recorded(Struct, frozen=True):
    """The outcome of a request: what it changed and created (or, on a retry, had already)."""

    events: tuple[LifecycleEvent, ...] = ()
    obligations: tuple[ObligationRecord, ...] = ()
    batteries: Mapping[str, BatteryState] = field(default_factory=dict)
    vehicles: Mapping[str, VehicleState] = field(default_factory=dict)
    models: Mapping[str, ModelState] = field(default_factory=dict)
    rejections: tuple[Rejection, ...] = ()
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejections


class _Pending(Struct):
    """An event that passed validation, with what it writes."""

    event: LifecycleEvent
    position: int  # in the request's list of events
    index: int | None  # the input item it came from
    touched: list[tuple[str, str]] = field(default_factory=list)  # ("battery", code) ...
    obligations: list[Obligation] = field(default_factory=list)


class Ledger(Struct):
    """Records events for one request, at `now`, under a rule set and calendar."""

    rule_set: RuleSet
    calendar: WorkingDayCalendar
    now: datetime
    today: date
    recorded_by: str | None = None

    def record(
        self,
        actor: EnterpriseFacts,
        events: Sequence[LifecycleEvent],
        *,
        indexes: Sequence[int | None] | None = None,
        atomic: bool = True,
        groups: Sequence[Sequence[int]] | None = None,
        parents: Mapping[str, str] | None = None,
    ) -> Recorded:
        """Validate and write `events` (reported by `actor`) in order.

        `indexes` maps each event to the input item it came from, for error paths. With
        `atomic`, all events are one transaction (they describe one change, such as a vehicle
        and its batteries); otherwise each event is written with its own state changes, packed
        into as few transactions as DynamoDB allows. `groups` (positions in `events`) says
        which events must be written together when neither extreme fits, as when loading many
        vehicles with their batteries at once. `parents` gives, for batteries being registered,
        the pack or module they belong to.
        """
        indexes = list(indexes) if indexes is not None else [None] * len(events)
        parents = parents or {}
        with translated_errors():
            already = self._recorded_events(events)
            batteries = self._load(BatteryItem, "code", self._battery_keys(events, parents))
            # A removal changes the vehicle the battery is in, which the event does not name.
            vehicle_keys = {e.vin for e in events if e.vin} | {
                b.vin for b in batteries.values() if b.vin and b.status == "INSTALLED"
            }
            vehicles = self._load(VehicleItem, "vin", vehicle_keys)
            models = self._load(ModelItem, "code", {e.model for e in events if e.model})
        state = _State(batteries, vehicles, models)

        pending: list[_Pending] = []
        rejections: list[Rejection] = []
        refused: set[tuple[str, str]] = set()  # (field, key) of records refused so far
        replayed: list[LifecycleEvent] = []
        for position, (event, index) in enumerate(zip(events, indexes, strict=True)):
            if event.id in already:
                replayed.append(event)
                continue
            found = check_event(event, self._context(actor, event, state))
            found += self._parent_violations(actor, event, parents, state)
            # A record refused earlier in this request is missing for the events that follow
            # it; saying so again for each of them would only bury the real reason.
            violations = tuple(v for v in found if not _follows_refusal(v, event, refused))
            if found:
                # Refused, whether or not it is said: the request writes nothing, and an event
                # that failed its checks must never be applied, even in memory.
                rejections.extend(Rejection(v, index) for v in violations)
                refused |= {
                    (name, key)
                    for name in ("vin", "battery_code", "model")
                    if (key := getattr(event, name))
                }
                continue
            pending.append(self._apply(event, position, index, parents, state))
        if rejections:
            return Recorded(rejections=tuple(rejections))

        with translated_errors():
            self._derive_obligations(actor, pending, state)
            replayed_obligations = self._obligations_of(already, replayed)
        if groups is None:
            groups = [range(len(events))] if atomic else [[i] for i in range(len(events))]
        created = self._write(pending, state, groups, pack=not atomic)
        touched_batteries = {k for p in pending for kind, k in p.touched if kind == "battery"}
        touched_vehicles = {k for p in pending for kind, k in p.touched if kind == "vehicle"}
        return Recorded(
            events=tuple(events),
            obligations=tuple(created) + tuple(replayed_obligations),
            batteries={
                code: battery_from_item(state.batteries[code])
                for code in touched_batteries | {e.battery_code for e in replayed if e.battery_code}
                if code in state.batteries
            },
            vehicles={
                vin: vehicle_from_item(state.vehicles[vin])
                for vin in touched_vehicles | {e.vin for e in replayed if e.vin}
                if vin in state.vehicles
            },
            models={
                code: model_from_item(item)
                for code, item in state.models.items()
                if any(e.model == code for e in events)
            },
            replayed=bool(replayed) and not pending,
        )

    # --- loading ----------------------------------------------------------------------------

    @staticmethod
    def _battery_keys(events: Iterable[LifecycleEvent], parents: Mapping[str, str]) -> set[str]:
        keys = {e.battery_code for e in events if e.battery_code}
        keys |= {e.new_code for e in events if e.new_code}
        return keys | set(parents.values())

    @staticmethod
    def _load(model: type[Model], key: str, keys: Iterable[str | None]) -> dict[str, Any]:
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        return {getattr(item, key): item for item in model.batch_get(wanted, consistent_read=True)}

    @staticmethod
    def _recorded_events(events: Sequence[LifecycleEvent]) -> dict[str, EventItem]:
        keys = [
            (subject, f"{e.occurred_on.isoformat()}#{e.id}")
            for e in events
            for subject in event_subjects(e)
        ]
        if not keys:
            return {}
        return {item.id: item for item in EventItem.batch_get(keys, consistent_read=True)}

    def _obligations_of(
        self, already: Mapping[str, EventItem], replayed: Sequence[LifecycleEvent]
    ) -> list[ObligationRecord]:
        ids = [oid for e in replayed for oid in sorted(already[e.id].obligation_ids or ())]
        if not ids:
            return []
        found = {i.id: i for i in ObligationItem.batch_get(sorted(set(ids)), consistent_read=True)}
        return [obligation_from_item(found[oid]) for oid in ids if oid in found]

    # --- validation and state ---------------------------------------------------------------

    def _context(
        self, actor: EnterpriseFacts, event: LifecycleEvent, state: _State
    ) -> EventContext:
        battery = state.battery(event.battery_code)
        vin = event.vin or (
            battery.vin if battery and event.kind is EventKind.BATTERY_REMOVED else None
        )
        return EventContext(
            today=self.today,
            actor=actor,
            model=state.model(event.model),
            vehicle=state.vehicle(vin),
            battery=battery,
        )

    @staticmethod
    def _parent_violations(
        actor: EnterpriseFacts,
        event: LifecycleEvent,
        parents: Mapping[str, str],
        state: _State,
    ) -> tuple[Violation, ...]:
        child_code = event.battery_code
        if event.kind is not EventKind.BATTERY_PRODUCED or child_code not in parents:
            return ()
        assert child_code is not None
        parent_code = parents[child_code]
        parent = state.battery(parent_code)
        if parent is None:
            return (
                Violation(
                    "UNKNOWN_PARENT",
                    "parent_code",
                    f"Parent {parent_code} is not registered; register the pack or module "
                    "before (or in the same request as, and listed before) its parts.",
                ),
            )
        if parent.manufacturer != actor.id:
            return (
                Violation(
                    "NOT_MANUFACTURER",
                    "parent_code",
                    f"Parent {parent_code} belongs to enterprise {parent.manufacturer}.",
                ),
            )
        child_type = decode_battery_code(child_code, strict=False, today=event.occurred_on)
        parent_type = decode_battery_code(parent_code, strict=False, today=parent.produced_on)
        if child_type.battery and parent_type.battery:
            child_level = _LEVEL[child_type.battery.product_type]
            parent_level = _LEVEL[parent_type.battery.product_type]
            if parent_level <= child_level:
                return (
                    Violation(
                        "PARENT_LEVEL",
                        "parent_code",
                        f"A {child_type.battery.product_type.name.lower()} can only belong to a "
                        f"higher level (pack above module above cell); {parent_code} is a "
                        f"{parent_type.battery.product_type.name.lower()}.",
                    ),
                )
        return ()

    def _apply(
        self,
        event: LifecycleEvent,
        position: int,
        index: int | None,
        parents: Mapping[str, str],
        state: _State,
    ) -> _Pending:
        pending = _Pending(event, position, index)
        if event.kind in (EventKind.MODEL_ANNOUNCED, EventKind.MODEL_CCC_CERTIFIED):
            assert event.model is not None
            state.put_model(apply_model(None, event))
            pending.touched.append(("model", event.model))
        elif event.battery_code is None:
            assert event.vin is not None
            model = state.model(event.model)
            state.put_vehicle(apply_vehicle(state.vehicle(event.vin), event, model))
            pending.touched.append(("vehicle", event.vin))
        else:
            self._apply_battery_event(event, parents, state, pending)
        return pending

    @staticmethod
    def _apply_battery_event(
        event: LifecycleEvent, parents: Mapping[str, str], state: _State, pending: _Pending
    ) -> None:
        code = event.battery_code
        assert code is not None
        before = state.battery(code)
        vehicle = state.vehicle(event.vin or (before.vin if before else None))
        after = apply_battery(before, event, vehicle.automaker if vehicle else None)
        if event.kind is EventKind.BATTERY_PRODUCED and code in parents:
            parent = state.battery(parents[code])
            assert parent is not None  # checked by _parent_violations
            after = replace(after, parent_code=parent.code)
            state.put_battery(replace(parent, child_codes=parent.child_codes | {code}))
            pending.touched.append(("battery", parent.code))
        state.put_battery(after)
        pending.touched.append(("battery", code))
        if event.kind is EventKind.BATTERY_INSTALLED and vehicle is not None:
            state.put_vehicle(replace(vehicle, battery_codes=vehicle.battery_codes | {code}))
            pending.touched.append(("vehicle", vehicle.vin))
        elif event.kind is EventKind.BATTERY_REMOVED and vehicle is not None:
            state.put_vehicle(replace(vehicle, battery_codes=vehicle.battery_codes - {code}))
            pending.touched.append(("vehicle", vehicle.vin))
        elif event.kind is EventKind.BATTERY_RECODED and before is not None:
            second = second_life_battery(before, event)
            state.put_battery(second)
            pending.touched.append(("battery", second.code))

    # --- obligations ------------------------------------------------------------------------

    def _derive_obligations(
        self, actor: EnterpriseFacts, pending: Sequence[_Pending], state: _State
    ) -> None:
        covered: frozenset[tuple[PointType, str]] = frozenset()
        if any(p.event.kind in _COVERAGE_EVENTS for p in pending):
            covered = frozenset(
                (point.point_type, point.coverage_region)
                for point in service_points_of(actor.id)
                if point.active
            )
        seen: set[str] = set()
        for p in pending:
            event = p.event
            battery = state.battery(event.battery_code)
            facts = TriggerFacts(
                actor=actor,
                model=state.model(event.model),
                vehicle=state.vehicle(event.vin or (battery.vin if battery else None)),
                battery=battery,
                covered=covered,
                # Existing duties are filtered out below, so every supply may propose one.
                first_supply=True,
            )
            for obligation in obligations_for(event, facts, self.rule_set, self.calendar):
                if obligation.id not in seen:
                    seen.add(obligation.id)
                    p.obligations.append(obligation)
        if seen:
            existing = {i.id for i in ObligationItem.batch_get(sorted(seen), consistent_read=True)}
            for p in pending:
                p.obligations = [o for o in p.obligations if o.id not in existing]

    # --- writing ----------------------------------------------------------------------------

    def _write(
        self,
        pending: Sequence[_Pending],
        state: _State,
        positions: Sequence[Sequence[int]],
        *,
        pack: bool,
    ) -> list[ObligationRecord]:
        by_position = {p.position: p for p in pending}
        groups = [[by_position[i] for i in group if i in by_position] for group in positions]
        transactions: list[list[_Pending]] = []
        for group in filter(None, groups):
            size = self._actions(group)
            if size > MAX_TRANSACTION_ITEMS:
                raise TooLargeError(
                    f"one change would write {size} items; the limit is {MAX_TRANSACTION_ITEMS}"
                )
            current = transactions[-1] if transactions else None
            if (
                current is not None
                and pack
                and self._actions(current + group) <= MAX_TRANSACTION_ITEMS
                and not (self._keys(current) & self._keys(group))
            ):
                current.extend(group)
            else:
                transactions.append(list(group))
        created: list[ObligationRecord] = []
        for transaction in transactions:
            created.extend(self._commit(transaction, state))
        return created

    @staticmethod
    def _keys(group: Sequence[_Pending]) -> set[tuple[str, str]]:
        return {key for p in group for key in p.touched}

    def _actions(self, group: Sequence[_Pending]) -> int:
        events = sum(len(event_subjects(p.event)) for p in group)
        return events + len(self._keys(group)) + sum(len(p.obligations) for p in group)

    def _commit(self, group: Sequence[_Pending], state: _State) -> list[ObligationRecord]:
        obligation_items = [obligation_item(o, self.now) for p in group for o in p.obligations]
        token = hashlib.sha256("|".join(p.event.id for p in group).encode()).hexdigest()[:36]

        def build(tx: TransactWrite) -> None:
            for p in group:
                for subject in event_subjects(p.event):
                    item = event_item(p.event, subject, self.now, self.recorded_by)
                    item.obligation_ids = {o.id for o in p.obligations} or None
                    tx.save(item, condition=EventItem.subject.does_not_exist())
            for kind, key in sorted(self._keys(group)):
                tx.save(state.item(kind, key))
            for obligation in obligation_items:
                tx.save(obligation)

        commit(
            build,
            token=token,
            conflict="Another request changed the same records at the same time; nothing of "
            "this change was written. Read them again and retry.",
        )
        return [obligation_from_item(item) for item in obligation_items]


_MISSING_BECAUSE_REFUSED = {
    "UNKNOWN_VEHICLE": "vin",
    "NOT_CERTIFIED": "vin",
    "UNKNOWN_BATTERY": "battery_code",
    "UNKNOWN_MODEL": "model",
}


def _follows_refusal(
    violation: Violation, event: LifecycleEvent, refused: set[tuple[str, str]]
) -> bool:
    field_name = _MISSING_BECAUSE_REFUSED.get(violation.code)
    key = getattr(event, field_name, None) if field_name else None
    return key is not None and (field_name, key) in refused


class _State:
    """The items a request touches, updated in memory as its events are applied.

    Items keep the version they were read with, so each save is conditional on nobody else
    having changed the record since; new records save only if they do not exist yet.
    """

    def __init__(
        self,
        batteries: dict[str, BatteryItem],
        vehicles: dict[str, VehicleItem],
        models: dict[str, ModelItem],
    ) -> None:
        self.batteries = batteries
        self.vehicles = vehicles
        self.models = models

    def battery(self, code: str | None) -> BatteryState | None:
        item = self.batteries.get(code) if code else None
        return battery_from_item(item) if item else None

    def vehicle(self, vin: str | None) -> VehicleState | None:
        item = self.vehicles.get(vin) if vin else None
        return vehicle_from_item(item) if item else None

    def model(self, code: str | None) -> ModelState | None:
        item = self.models.get(code) if code else None
        return model_from_item(item) if item else None

    def put_battery(self, battery: BatteryState) -> None:
        old = self.batteries.get(battery.code)
        self.batteries[battery.code] = battery_item(battery, old.version if old else None)

    def put_vehicle(self, vehicle: VehicleState) -> None:
        old = self.vehicles.get(vehicle.vin)
        self.vehicles[vehicle.vin] = vehicle_item(vehicle, old.version if old else None)

    def put_model(self, model: ModelState) -> None:
        self.models[model.code] = model_item(model)

    def item(self, kind: str, key: str) -> Model:
        if kind == "battery":
            return self.batteries[key]
        if kind == "vehicle":
            return self.vehicles[key]
        return self.models[key]
