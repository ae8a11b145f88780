"""Recording lifecycle events: check them against what is on record, derive the obligations
they create, and write each event with the states it changes and its obligations at once.

One call takes the events of one request. It reads the records they touch once, checks every
event in order against the states the previous ones leave (custody first: see
`compliance.event_checks`), and either refuses the request with every reason, writing nothing,
or hands the store one unit per change.

Retries have exactly one effect: an event's id is derived from its content and its place in
its subject's history, so a request sent again finds its events at the end of those histories
and is answered as it was, not recorded twice; obligation ids are
derived from the duty, so a duty that exists already is not created again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from compliance.event_checks import check_event
from compliance.history import (
    apply_battery,
    apply_model,
    apply_vehicle,
    maker_of,
    produced_battery,
    second_life_battery,
    with_battery,
)
from compliance.lifecycle import (
    CERTIFICATION_EVENTS,
    MODEL_EVENTS,
    BatteryState,
    EnterpriseFacts,
    EventContext,
    EventKind,
    EventRecord,
    LifecycleEvent,
    ModelState,
    VehicleState,
    Violation,
    subjects_of,
)
from compliance.network import ServicePoint, coverage_region
from compliance.obligations import ObligationRecord, new_record
from compliance.reminder_schedule import first_reminder_on
from compliance.rules import Obligation, TriggerFacts, obligations_for
from compliance.services.outcome import Recorded, Refusal, Request
from compliance.services.store import (
    BatteryUnchanged,
    CodeUnclaimed,
    NewObligation,
    OnRecord,
    PutBattery,
    PutEvent,
    PutModel,
    PutVehicle,
    Store,
    Stored,
    Unit,
    Write,
)

# Events whose counterparty is an enterprise on the platform (for a direct sale it is the
# buyer's name, who is not).
_ENTERPRISE_COUNTERPARTY = frozenset(
    {
        EventKind.BATTERY_SUPPLIED,
        EventKind.SERVICE_POINT_HANDED_OUT,
        EventKind.BATTERY_HANDED_OVER,
    }
)


def event_id(kind: EventKind, actor: str, occurred_on: date, **fields: object) -> str:
    """What an event says, as an id: the same report made twice has the same one. Its final id
    adds its place in its subject's history (`placed_id`)."""
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


class _Pending(Struct):
    """An event that passed its checks, what it changes and the obligations it creates."""

    event: LifecycleEvent
    position: int
    touched: dict[tuple[str, str], Any] = field(default_factory=dict)  # key -> state after it
    # Records its checks read and its write relies on without changing (a part's parent).
    relies_on: set[tuple[str, str]] = field(default_factory=set)
    obligations: list[Obligation] = field(default_factory=list)
    remind_on: dict[str, date] = field(default_factory=dict)  # obligation id -> first reminder
    unclaimed_code: str | None = None  # a battery registered for a maker not on the platform


def record(
    store: Store,
    request: Request,
    events: Sequence[LifecycleEvent],
    *,
    indexes: Sequence[int | None] | None = None,
    groups: Sequence[Sequence[int]] | None = None,
    check_only: bool = False,
) -> Recorded:
    """Check and write `events`, reported by `request.actor`, in order.

    `indexes` maps each event to the input item it came from, for the refusals. `groups`
    (positions in `events`) are the changes written all or nothing; by default the whole
    request is one. Groups that touch different records may share a write. With `check_only`,
    only the refusals are worked out and nothing is written.
    """
    indexes = list(indexes) if indexes is not None else [None] * len(events)
    state = _State.load(store, request.actor, events)
    # Each event takes its place in its subject's history; the same report at the place before
    # (the subject's latest event) is this request sent again.
    placed = [state.placed(e) for e in events]
    already = store.recorded([retry for _, retry in placed if retry is not None])

    checked = _check_all(request, state, placed, indexes, already)
    if checked.refusals or check_only:
        return Recorded(refusals=tuple(checked.refusals))
    pending, replayed = checked.pending, checked.replayed

    _derive_obligations(store, request, pending, state)
    replayed_obligations = _obligations_of(store, already, replayed)
    units = _units(request, pending, state, groups or [range(len(events))])
    store.commit(units, pack=len(units) > 1)
    touched = _touched(pending, replayed)
    written = {p.event.id: EventRecord(p.event, request.now, request.by) for p in pending}
    return Recorded(
        events=tuple(written.get(i) or already[i].record for i in checked.answered),
        obligations=tuple(o for p in pending for o in _as_records(p, request.now))
        + tuple(replayed_obligations),
        batteries=state.current("battery", touched),
        vehicles=state.current("vehicle", touched),
        models=state.current("model", touched),
    )


class _Checked(Struct):
    """The events of a request after their checks."""

    pending: list[_Pending] = field(default_factory=list)  # passed, applied in memory
    refusals: list[Refusal] = field(default_factory=list)
    replayed: list[LifecycleEvent] = field(default_factory=list)  # on record already: a retry
    answered: list[str] = field(default_factory=list)  # the id each event has, or had


def _check_all(
    request: Request,
    state: _State,
    placed: Sequence[tuple[LifecycleEvent, LifecycleEvent | None]],
    indexes: Sequence[int | None],
    already: Mapping[str, OnRecord],
) -> _Checked:
    """Check each event in order, applying those that pass to `state` in memory."""
    checked = _Checked()
    refused_keys: set[tuple[str, str]] = set()
    for position, ((event, retry), index) in enumerate(zip(placed, indexes, strict=True)):
        if retry is not None and retry.id in already:
            checked.replayed.append(retry)
            checked.answered.append(retry.id)
            continue
        checked.answered.append(event.id)
        found = check_event(event, state.context(request, event))
        if not found:
            checked.pending.append(state.apply(request.actor, event, position))
            continue
        # Refused, whether or not each reason is said: the request writes nothing, and an
        # event that failed its checks is never applied, even in memory. A record refused
        # earlier is missing for the events after it; saying so again would only bury the
        # real reason.
        checked.refusals.extend(
            Refusal(v, index) for v in found if not _follows_refusal(v, event, refused_keys)
        )
        refused_keys |= {
            (name, key)
            for name in ("vin", "battery_code", "model")
            if (key := getattr(event, name))
        }
    return checked


def _touched(
    pending: Sequence[_Pending], replayed: Sequence[LifecycleEvent]
) -> set[tuple[str, str]]:
    """The records the request's events changed, or changed when first sent."""
    touched = {key for p in pending for key in p.touched}
    for e in replayed:
        codes = {e.battery_code, e.new_code, *e.battery_codes} - {None}
        touched |= {("battery", code) for code in codes if code}
        touched |= {("vehicle", e.vin)} if e.vin else set()
        touched |= {("model", e.model)} if e.model and e.kind in MODEL_EVENTS else set()
    return touched


_MISSING_BECAUSE_REFUSED = {
    "UNKNOWN_VEHICLE": "vin",
    "UNKNOWN_BATTERY": "battery_code",
    "UNKNOWN_MODEL": "model",
}


def _follows_refusal(
    violation: Violation, event: LifecycleEvent, refused_keys: set[tuple[str, str]]
) -> bool:
    field_name = _MISSING_BECAUSE_REFUSED.get(violation.code)
    key = getattr(event, field_name, None) if field_name else None
    return key is not None and (field_name, key) in refused_keys


def _obligations_of(
    store: Store, already: Mapping[str, OnRecord], replayed: Sequence[LifecycleEvent]
) -> list[ObligationRecord]:
    ids = [oid for e in replayed for oid in sorted(already[e.id].obligation_ids)]
    if not ids:
        return []
    found = store.obligations(ids)
    return [found[oid] for oid in dict.fromkeys(ids) if oid in found]


def _as_records(pending: _Pending, now: datetime) -> list[ObligationRecord]:
    return [new_record(o, now) for o in pending.obligations]


# --- obligations ----------------------------------------------------------------------------


def _derive_obligations(
    store: Store, request: Request, pending: Sequence[_Pending], state: _State
) -> None:
    # The regions whose coverage a rule asks about (a `coverage_gap` condition) for these
    # events: the rule set says which, and only they are read.
    wanted = {
        (condition.coverage_gap, coverage_region(condition.coverage_gap, p.event.region_code))
        for p in pending
        if p.event.region_code
        for rule in request.rules.rules_for(p.event.kind, p.event.occurred_on)
        for condition in rule.when
        if condition.coverage_gap is not None
    }
    covered = store.covered(request.actor.id, wanted) if wanted else frozenset()
    calendar = store.calendar() if pending else None
    seen: set[str] = set()
    for p in pending:
        event = p.event
        battery = state.battery(event.battery_code)
        facts = TriggerFacts(
            actor=request.actor,
            model=state.model(event.model),
            vehicle=state.vehicle(event.vin),
            battery=battery,
            covered=covered,
            # Existing duties are left out below, so every supply may propose one.
            first_supply=True,
        )
        assert calendar is not None
        rule_set = request.rules.on(event.occurred_on)
        if rule_set is None:
            continue  # before the first rule set of the timeline: no duty arises
        for obligation in obligations_for(event, facts, rule_set, calendar):
            if obligation.id not in seen:
                seen.add(obligation.id)
                p.obligations.append(obligation)
    if seen:
        existing = set(store.obligations(sorted(seen)))
        for p in pending:
            p.obligations = [o for o in p.obligations if o.id not in existing]
            assert calendar is not None
            # Counted from the event's date: a duty reported late is already in a stage, so
            # its first reminder date has passed and the next sweep takes it up.
            p.remind_on = {
                o.id: first_reminder_on(
                    o.deadline.due_date if o.deadline else None, o.trigger_date, calendar
                )
                for o in p.obligations
            }


# --- writing --------------------------------------------------------------------------------


def _units(
    request: Request,
    pending: Sequence[_Pending],
    state: _State,
    groups: Sequence[Sequence[int]],
) -> list[Unit]:
    by_position = {p.position: p for p in pending}
    versions = dict(state.versions)  # advanced as each unit writes a record
    units = []
    for group in groups:
        members = [by_position[i] for i in group if i in by_position]
        if not members:
            continue
        writes: list[Write] = []
        last: dict[tuple[str, str], Any] = {}
        for p in members:
            writes.append(
                PutEvent(
                    EventRecord(p.event, request.now, request.by),
                    frozenset(o.id for o in p.obligations),
                )
            )
            last.update(p.touched)
        unclaimed = sorted({p.unclaimed_code for p in members if p.unclaimed_code})
        writes.extend(CodeUnclaimed(code) for code in unclaimed)
        # A parent the unit does not write must still be as the checks read it, or as an
        # earlier unit of the request left it.
        relied = sorted({key for p in members for key in p.relies_on} - set(last))
        writes.extend(BatteryUnchanged(code, versions[(kind, code)]) for kind, code in relied)
        for key in sorted(last):
            kind, _ = key
            version = versions.get(key)
            if kind == "battery":
                writes.append(PutBattery(last[key], version))
            elif kind == "vehicle":
                writes.append(PutVehicle(last[key], version))
            else:
                writes.append(PutModel(last[key], version))
            versions[key] = (version or 0) + 1
        writes.extend(
            NewObligation(o, request.now, p.remind_on[o.id]) for p in members for o in p.obligations
        )
        units.append(Unit(tuple(writes)))
    return units


class _State:
    """The records a request touches, as read and as its events change them in memory."""

    def __init__(
        self,
        records: Mapping[str, Mapping[str, Stored[Any]]],
        points: Mapping[str, ServicePoint],
        enterprises: Mapping[str, EnterpriseFacts],
        code_owners: Mapping[str, str],
    ) -> None:
        self.records: dict[tuple[str, str], Any] = {}
        self.versions: dict[tuple[str, str], int] = {}
        for kind, loaded in records.items():
            for key, stored in loaded.items():
                self.records[(kind, key)] = stored.value
                self.versions[(kind, key)] = stored.version
        self.points = points
        self.enterprises = enterprises
        self.code_owners = code_owners

    @classmethod
    def load(cls, store: Store, actor: EnterpriseFacts, events: Sequence[LifecycleEvent]) -> _State:
        codes: set[str] = set()
        for e in events:
            codes |= {c for c in (e.battery_code, e.new_code, e.parent_code) if c}
            codes |= set(e.battery_codes)
        foreign_codes = {
            e.battery_code[:3]
            for e in events
            if e.kind is EventKind.BATTERY_PRODUCED
            and e.battery_code
            and e.battery_code[:3] not in actor.manufacturer_codes
        }
        counterparties = {
            e.counterparty for e in events if e.kind in _ENTERPRISE_COUNTERPARTY and e.counterparty
        }
        points = store.service_points({e.service_point for e in events if e.service_point})
        return cls(
            {
                "battery": store.batteries(codes),
                "vehicle": store.vehicles({e.vin for e in events if e.vin}),
                "model": store.models({e.model for e in events if e.model}),
            },
            {key: stored.value for key, stored in points.items()},
            {key: stored.value.facts for key, stored in store.enterprises(counterparties).items()},
            store.code_owners(foreign_codes) if foreign_codes else {},
        )

    def placed(self, event: LifecycleEvent) -> tuple[LifecycleEvent, LifecycleEvent | None]:
        """`event` with the id of its place in its subject's history, and the same report at
        the place before, where sending it again would have put it (None for a new subject)."""
        subject = subjects_of(event)[0]
        record = self.records.get(subject)
        length = record.history if record is not None else 0
        here = replace(event, id=placed_id(event.id, length))
        before = replace(event, id=placed_id(event.id, length - 1)) if length else None
        return here, before

    def battery(self, code: str | None) -> BatteryState | None:
        return self.records.get(("battery", code)) if code else None

    def vehicle(self, vin: str | None) -> VehicleState | None:
        return self.records.get(("vehicle", vin)) if vin else None

    def model(self, code: str | None) -> ModelState | None:
        return self.records.get(("model", code)) if code else None

    def current(self, kind: str, keys: Iterable[tuple[str, str]]) -> dict[str, Any]:
        return {
            key: self.records[(k, key)] for k, key in keys if k == kind and (k, key) in self.records
        }

    def context(self, request: Request, event: LifecycleEvent) -> EventContext:
        code = event.battery_code
        owner_code = code[:3] if event.kind is EventKind.BATTERY_PRODUCED and code else None
        return EventContext(
            today=request.today,
            actor=request.actor,
            model=self.model(event.model),
            vehicle=self.vehicle(event.vin),
            battery=self.battery(code),
            parent=self.battery(event.parent_code),
            new_battery=self.battery(event.new_code),
            service_point=self.points.get(event.service_point) if event.service_point else None,
            counterparty=(
                self.enterprises.get(event.counterparty)
                if event.kind in _ENTERPRISE_COUNTERPARTY and event.counterparty
                else None
            ),
            code_owner=self.code_owners.get(owner_code) if owner_code else None,
        )

    def _put(self, pending: _Pending, kind: str, key: str, value: Any) -> None:
        self.records[(kind, key)] = value
        pending.touched[(kind, key)] = value

    def apply(self, actor: EnterpriseFacts, event: LifecycleEvent, position: int) -> _Pending:
        pending = _Pending(event, position)
        if event.kind in MODEL_EVENTS:
            assert event.model is not None
            self._put(pending, "model", event.model, apply_model(None, event))
        elif event.kind in CERTIFICATION_EVENTS or event.kind is EventKind.VEHICLE_REGISTERED:
            assert event.vin is not None
            model = self.model(event.model)
            swap = model is not None and model.battery_swap
            vehicle = apply_vehicle(self.vehicle(event.vin), event, battery_swap=swap)
            self._put(pending, "vehicle", event.vin, vehicle)
        elif event.kind is EventKind.VEHICLE_SCRAPPED:
            self._scrap(event, pending)
        elif event.kind is EventKind.BATTERY_PRODUCED:
            self._produce(actor, event, pending)
        else:
            self._battery_event(event, pending)
        return pending

    def _scrap(self, event: LifecycleEvent, pending: _Pending) -> None:
        assert event.vin is not None
        self._put(pending, "vehicle", event.vin, apply_vehicle(self.vehicle(event.vin), event))
        for code in event.battery_codes:
            battery = self.battery(code)
            assert battery is not None  # listed batteries are installed in it: checked
            self._put(pending, "battery", code, apply_battery(battery, event))

    def _produce(self, actor: EnterpriseFacts, event: LifecycleEvent, pending: _Pending) -> None:
        code = event.battery_code
        assert code is not None
        maker = maker_of(code, actor)
        if maker is None:
            pending.unclaimed_code = code[:3]
        self._put(pending, "battery", code, produced_battery(event, maker))
        if event.parent_code is not None:
            # The part names its parent; the parent is not written, however many parts it has.
            pending.relies_on.add(("battery", event.parent_code))

    def _battery_event(self, event: LifecycleEvent, pending: _Pending) -> None:
        code = event.battery_code
        assert code is not None
        before = self.battery(code)
        assert before is not None  # checked
        vehicle = self.vehicle(event.vin) if event.kind in _VEHICLE_CHANGING else None
        after = apply_battery(before, event, vehicle.automaker if vehicle else None)
        self._put(pending, "battery", code, after)
        if vehicle is not None:
            self._put(pending, "vehicle", vehicle.vin, with_battery(vehicle, event))
        if event.kind is EventKind.BATTERY_RECODED:
            second = second_life_battery(before, event)
            self._put(pending, "battery", second.code, second)


def placed_id(content_id: str, place: int) -> str:
    """An event's id: what it says (`event_id`) and where it stands in its subject's history,
    so the same report made again later (a battery supplied, returned and supplied again on one
    day) is a new event, while the same request sent again is recognised as a retry."""
    return "ev_" + hashlib.sha256(f"{content_id}@{place}".encode()).hexdigest()[:24]


_VEHICLE_CHANGING = frozenset({EventKind.BATTERY_INSTALLED, EventKind.BATTERY_REMOVED})
