"""Lifecycle events of models, vehicles and batteries: their vocabulary, the state each history
folds into, who is responsible for a battery, and which events are impossible.

Events are append-only facts reported by enterprises (DOMAIN.md section 4). This module decides,
before anything is stored, whether an event can have happened given what is already known, and
says why not in words a compliance officer can act on. It is pure: the caller passes the current
states, the acting enterprise and `today`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from msgspec import Struct
from msgspec.structs import replace

from compliance.calendar import FIRST_SUPPORTED_DAY
from compliance.codes import (
    CodeIssue,
    InvalidCode,
    check_vin,
    decode_battery_code,
    manufacturer_code_of,
)
from compliance.regions import check_region_code, prefecture_of


class EnterpriseKind(StrEnum):
    AUTOMAKER = "AUTOMAKER"
    IMPORTER = "IMPORTER"
    BATTERY_MAKER = "BATTERY_MAKER"
    DISMANTLER = "DISMANTLER"
    RECYCLER = "RECYCLER"
    LESSOR = "LESSOR"


# Importers carry the automaker's duties for the vehicles they bring in (DOMAIN.md 1.1).
VEHICLE_MAKER_KINDS = frozenset({EnterpriseKind.AUTOMAKER, EnterpriseKind.IMPORTER})


class DisposalOrigin(StrEnum):
    RESEARCH = "RESEARCH"
    PRODUCTION = "PRODUCTION"
    INSTALLATION = "INSTALLATION"
    REPAIR = "REPAIR"


class PointType(StrEnum):
    COLLECTION = "COLLECTION"  # 收集型, an automaker's duty per prefecture
    STORAGE = "STORAGE"  # 集中贮存型, a battery maker's duty per province


class EventKind(StrEnum):
    MODEL_ANNOUNCED = "MODEL_ANNOUNCED"  # MIIT vehicle public announcement (公告), domestic model
    MODEL_CCC_CERTIFIED = "MODEL_CCC_CERTIFIED"  # CCC certificate, imported model
    BATTERY_PRODUCED = "BATTERY_PRODUCED"  # coded and registered by its maker
    BATTERY_SUPPLIED = "BATTERY_SUPPLIED"  # to an automaker
    BATTERY_INSTALLED = "BATTERY_INSTALLED"
    FACTORY_CERTIFICATE_ISSUED = "FACTORY_CERTIFICATE_ISSUED"  # domestic vehicle
    CUSTOMS_CLEARED = "CUSTOMS_CLEARED"  # imported vehicle
    VEHICLE_REGISTERED = "VEHICLE_REGISTERED"
    BATTERY_SOLD_DIRECTLY = "BATTERY_SOLD_DIRECTLY"  # to a lessor or operator
    BATTERY_REMOVED = "BATTERY_REMOVED"  # replaced or taken out of its vehicle
    REPAIR_RETURN_RECEIVED = "REPAIR_RETURN_RECEIVED"
    BATTERY_DISPOSED = "BATTERY_DISPOSED"
    SERVICE_POINT_RECEIVED = "SERVICE_POINT_RECEIVED"
    SERVICE_POINT_HANDED_OUT = "SERVICE_POINT_HANDED_OUT"
    VEHICLE_SCRAPPED = "VEHICLE_SCRAPPED"
    BATTERY_RECODED = "BATTERY_RECODED"  # re-coded for second life; the new code links back


MODEL_EVENTS = frozenset({EventKind.MODEL_ANNOUNCED, EventKind.MODEL_CCC_CERTIFIED})
VEHICLE_EVENTS = frozenset(
    {
        EventKind.FACTORY_CERTIFICATE_ISSUED,
        EventKind.CUSTOMS_CLEARED,
        EventKind.VEHICLE_REGISTERED,
        EventKind.VEHICLE_SCRAPPED,
    }
)
BATTERY_EVENTS = frozenset(EventKind) - MODEL_EVENTS - VEHICLE_EVENTS


class BatteryStatus(StrEnum):
    REGISTERED = "REGISTERED"
    SUPPLIED = "SUPPLIED"
    INSTALLED = "INSTALLED"
    REMOVED = "REMOVED"
    SOLD_DIRECTLY = "SOLD_DIRECTLY"
    IN_REPAIR = "IN_REPAIR"
    AT_SERVICE_POINT = "AT_SERVICE_POINT"
    DISPOSED = "DISPOSED"
    RECODED = "RECODED"


# A battery in one of these states has left the chain for good: nothing more can happen to it.
FINAL_STATUSES = frozenset({BatteryStatus.DISPOSED, BatteryStatus.RECODED})


class LifecycleEvent(Struct, frozen=True):
    """One reported fact. Which optional fields an event needs depends on its kind."""

    id: str
    kind: EventKind
    occurred_on: date
    actor: str  # USCC of the enterprise that reports the event
    battery_code: str | None = None
    vin: str | None = None
    model: str | None = None
    region_code: str | None = None  # registration region, direct-sale province
    counterparty: str | None = None  # automaker supplied, buyer, or service point id
    origin: DisposalOrigin | None = None
    new_code: str | None = None  # second-life code, for BATTERY_RECODED


class EnterpriseFacts(Struct, frozen=True):
    id: str
    kinds: frozenset[EnterpriseKind]
    manufacturer_codes: frozenset[str] = frozenset()

    @property
    def makes_vehicles(self) -> bool:
        return bool(self.kinds & VEHICLE_MAKER_KINDS)


class ModelState(Struct, frozen=True):
    code: str
    owner: str
    imported: bool
    approved_on: date  # announcement (domestic) or CCC certificate (imported)


class VehicleState(Struct, frozen=True):
    vin: str
    automaker: str
    model: str
    imported: bool
    certified_on: date  # factory certificate (domestic) or customs clearance (imported)
    last_event_on: date
    registered_on: date | None = None
    region_code: str | None = None
    scrapped_on: date | None = None
    battery_codes: frozenset[str] = frozenset()  # batteries installed in it now


class BatteryState(Struct, frozen=True):
    code: str
    manufacturer: str
    produced_on: date
    status: BatteryStatus
    last_event_on: date
    responsible: str
    vin: str | None = None  # the vehicle it is installed in (or was last removed from)
    supplied_to: str | None = None
    service_point: str | None = None
    original_code: str | None = None  # for a second-life code, the code it replaced
    recoded_as: str | None = None
    vehicle_automaker: str | None = None  # the automaker of the vehicle it is installed in now
    parent_code: str | None = None  # the pack or module it belongs to
    child_codes: frozenset[str] = frozenset()


# The `field` of a violation that no field of the event causes: the acting enterprise itself
# may not do this (a battery maker announcing a vehicle model, an automaker producing packs).
ACTOR = "actor"


class Violation(Struct, frozen=True):
    """Why an event cannot be accepted: a stable code, the event field at fault (or ACTOR), a
    sentence."""

    code: str
    field: str
    message: str


class EventContext(Struct, frozen=True):
    """What is known when an event arrives: today's date, the reporter and current states."""

    today: date
    actor: EnterpriseFacts
    model: ModelState | None = None
    vehicle: VehicleState | None = None
    battery: BatteryState | None = None


# --- responsibility -------------------------------------------------------------------------


def responsible_after(
    state: BatteryState | None, event: LifecycleEvent, vehicle_automaker: str | None
) -> str:
    """Who answers for the battery's take-back once `event` has happened (DOMAIN.md 1.1).

    Installed in a vehicle: that vehicle's automaker. Sold directly to the market: the battery's
    manufacturer. Neither yet: the manufacturer, who still holds it. Removal, repair and
    service-point moves leave responsibility where it was.
    """
    if event.kind is EventKind.BATTERY_PRODUCED or state is None:
        return event.actor
    if event.kind is EventKind.BATTERY_INSTALLED:
        return vehicle_automaker or event.actor
    if event.kind is EventKind.BATTERY_SOLD_DIRECTLY:
        return state.manufacturer
    return state.responsible


# --- folding histories into states ----------------------------------------------------------


def apply_model(state: ModelState | None, event: LifecycleEvent) -> ModelState:
    if event.kind not in MODEL_EVENTS or event.model is None:
        raise ValueError(f"{event.kind} is not a model event")
    return ModelState(
        code=event.model,
        owner=event.actor,
        imported=event.kind is EventKind.MODEL_CCC_CERTIFIED,
        approved_on=event.occurred_on,
    )


def apply_vehicle(
    state: VehicleState | None, event: LifecycleEvent, model: ModelState | None = None
) -> VehicleState:
    if event.vin is None:
        raise ValueError(f"{event.kind} event {event.id} has no VIN")
    if event.kind in (EventKind.FACTORY_CERTIFICATE_ISSUED, EventKind.CUSTOMS_CLEARED):
        if event.model is None:
            raise ValueError(f"{event.kind} event {event.id} has no model")
        return VehicleState(
            vin=event.vin,
            automaker=event.actor,
            model=event.model,
            imported=event.kind is EventKind.CUSTOMS_CLEARED,
            certified_on=event.occurred_on,
            last_event_on=event.occurred_on,
        )
    if state is None:
        raise ValueError(f"{event.kind} event {event.id} needs a certified vehicle")
    if event.kind is EventKind.VEHICLE_REGISTERED:
        return replace(
            state,
            registered_on=event.occurred_on,
            region_code=event.region_code,
            last_event_on=event.occurred_on,
        )
    if event.kind is EventKind.VEHICLE_SCRAPPED:
        return replace(state, scrapped_on=event.occurred_on, last_event_on=event.occurred_on)
    raise ValueError(f"{event.kind} is not a vehicle event")


_STATUS_AFTER = {
    EventKind.BATTERY_PRODUCED: BatteryStatus.REGISTERED,
    EventKind.BATTERY_SUPPLIED: BatteryStatus.SUPPLIED,
    EventKind.BATTERY_INSTALLED: BatteryStatus.INSTALLED,
    EventKind.BATTERY_REMOVED: BatteryStatus.REMOVED,
    EventKind.BATTERY_SOLD_DIRECTLY: BatteryStatus.SOLD_DIRECTLY,
    EventKind.REPAIR_RETURN_RECEIVED: BatteryStatus.IN_REPAIR,
    EventKind.SERVICE_POINT_RECEIVED: BatteryStatus.AT_SERVICE_POINT,
    EventKind.SERVICE_POINT_HANDED_OUT: BatteryStatus.REMOVED,
    EventKind.BATTERY_DISPOSED: BatteryStatus.DISPOSED,
    EventKind.BATTERY_RECODED: BatteryStatus.RECODED,
}


def apply_battery(
    state: BatteryState | None, event: LifecycleEvent, vehicle_automaker: str | None = None
) -> BatteryState:
    """The battery's state after `event`; `vehicle_automaker` is needed for installations."""
    if event.kind not in _STATUS_AFTER or event.battery_code is None:
        raise ValueError(f"{event.kind} is not a battery event")
    responsible = responsible_after(state, event, vehicle_automaker)
    status = _STATUS_AFTER[event.kind]
    if state is None:
        if event.kind is not EventKind.BATTERY_PRODUCED:
            raise ValueError(f"battery {event.battery_code} must be produced before {event.kind}")
        return BatteryState(
            code=event.battery_code,
            manufacturer=event.actor,
            produced_on=event.occurred_on,
            status=status,
            last_event_on=event.occurred_on,
            responsible=responsible,
        )
    changes: dict[str, object] = {
        "status": status,
        "last_event_on": event.occurred_on,
        "responsible": responsible,
    }
    if event.kind is EventKind.BATTERY_SUPPLIED:
        changes["supplied_to"] = event.counterparty
    elif event.kind is EventKind.BATTERY_INSTALLED:
        changes["vin"] = event.vin
        changes["vehicle_automaker"] = vehicle_automaker
    elif event.kind is EventKind.BATTERY_REMOVED:
        changes["vehicle_automaker"] = None
    elif event.kind is EventKind.SERVICE_POINT_RECEIVED:
        changes["service_point"] = event.counterparty
    elif event.kind is EventKind.SERVICE_POINT_HANDED_OUT:
        changes["service_point"] = None
    elif event.kind is EventKind.BATTERY_RECODED:
        changes["recoded_as"] = event.new_code
    return replace(state, **changes)


def second_life_battery(original: BatteryState, event: LifecycleEvent) -> BatteryState:
    """The new battery a BATTERY_RECODED event creates: registered by the re-coder, linked back."""
    if event.kind is not EventKind.BATTERY_RECODED or event.new_code is None:
        raise ValueError(
            "only a BATTERY_RECODED event with a new code creates a second-life battery"
        )
    return BatteryState(
        code=event.new_code,
        manufacturer=event.actor,
        produced_on=event.occurred_on,
        status=BatteryStatus.REGISTERED,
        last_event_on=event.occurred_on,
        responsible=event.actor,
        original_code=original.code,
    )


# --- validation -----------------------------------------------------------------------------

_REQUIRED_FIELDS: dict[EventKind, tuple[str, ...]] = {
    EventKind.MODEL_ANNOUNCED: ("model",),
    EventKind.MODEL_CCC_CERTIFIED: ("model",),
    EventKind.BATTERY_PRODUCED: ("battery_code",),
    EventKind.BATTERY_SUPPLIED: ("battery_code", "counterparty"),
    EventKind.BATTERY_INSTALLED: ("battery_code", "vin"),
    EventKind.FACTORY_CERTIFICATE_ISSUED: ("vin", "model"),
    EventKind.CUSTOMS_CLEARED: ("vin", "model"),
    EventKind.VEHICLE_REGISTERED: ("vin", "region_code"),
    EventKind.BATTERY_SOLD_DIRECTLY: ("battery_code", "region_code", "counterparty"),
    EventKind.BATTERY_REMOVED: ("battery_code",),
    EventKind.REPAIR_RETURN_RECEIVED: ("battery_code",),
    # Origin is required of makers and automakers; recyclers dispose of waste without one.
    EventKind.BATTERY_DISPOSED: ("battery_code",),
    EventKind.SERVICE_POINT_RECEIVED: ("battery_code", "counterparty"),
    EventKind.SERVICE_POINT_HANDED_OUT: ("battery_code", "counterparty"),
    EventKind.VEHICLE_SCRAPPED: ("vin",),
    EventKind.BATTERY_RECODED: ("battery_code", "new_code"),
}


def check_event(event: LifecycleEvent, ctx: EventContext) -> tuple[Violation, ...]:
    """Every reason `event` cannot be accepted given `ctx`; empty when it can.

    The checks are independent where they can be, so a caller sees all problems at once.
    """
    missing = [name for name in _REQUIRED_FIELDS[event.kind] if getattr(event, name) is None]
    if missing:
        return tuple(
            Violation("MISSING_FIELD", name, f"A {event.kind} event needs {name}.")
            for name in missing
        )
    found: list[Violation] = []
    if event.occurred_on > ctx.today:
        found.append(
            Violation(
                "FUTURE_DATE",
                "occurred_on",
                f"{event.occurred_on.isoformat()} is after today ({ctx.today.isoformat()}, "
                "China time); events can only be reported once they have happened.",
            )
        )
    if event.occurred_on < FIRST_SUPPORTED_DAY:
        found.append(
            Violation(
                "BEFORE_SUPPORTED_SPAN",
                "occurred_on",
                f"{event.occurred_on.isoformat()} is before {FIRST_SUPPORTED_DAY.isoformat()}, "
                "the first day with working-day data, so no deadline could be computed from it; "
                "check the date.",
            )
        )
    if event.vin is not None and event.kind in VEHICLE_EVENTS:
        # Where the VIN names the vehicle the event is about; elsewhere it must name a
        # vehicle on record, which a malformed VIN cannot.
        found.extend(_code_issues("vin", check_vin(event.vin), "VIN"))
    if event.kind in MODEL_EVENTS:
        found.extend(_check_model_event(event, ctx))
    elif event.kind in VEHICLE_EVENTS:
        found.extend(_check_vehicle_event(event, ctx))
    else:
        found.extend(_check_battery_event(event, ctx))
    return tuple(found)


def _code_issues(field_name: str, issues: Iterable[CodeIssue], what: str) -> list[Violation]:
    code = "INVALID_" + what.upper().replace(" ", "_")
    return [Violation(code, field_name, issue.message) for issue in issues]


def _check_model_event(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    found: list[Violation] = []
    if not ctx.actor.makes_vehicles:
        found.append(
            Violation(
                "NOT_AN_AUTOMAKER",
                ACTOR,
                f"Enterprise {ctx.actor.id} is not registered as an automaker or importer, so it "
                "cannot announce or certify vehicle models.",
            )
        )
    if ctx.model is not None:
        found.append(
            Violation(
                "ALREADY_ANNOUNCED",
                "model",
                f"Model {event.model} was already announced or certified on "
                f"{ctx.model.approved_on.isoformat()}.",
            )
        )
    return found


def _check_vehicle_event(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    if event.kind in (EventKind.FACTORY_CERTIFICATE_ISSUED, EventKind.CUSTOMS_CLEARED):
        return _check_certification(event, ctx)
    vehicle = ctx.vehicle
    if vehicle is None:
        what = "registered" if event.kind is EventKind.VEHICLE_REGISTERED else "scrapped"
        return [
            Violation(
                "NOT_CERTIFIED",
                "vin",
                f"Vehicle {event.vin} has no factory certificate or customs clearance on record; "
                f"a vehicle cannot be {what} before it is certified.",
            )
        ]
    found: list[Violation] = []
    if vehicle.scrapped_on is not None:
        found.append(
            Violation(
                "VEHICLE_SCRAPPED",
                "vin",
                f"Vehicle {vehicle.vin} was scrapped on {vehicle.scrapped_on.isoformat()}.",
            )
        )
    if event.occurred_on < vehicle.certified_on and event.kind is EventKind.VEHICLE_REGISTERED:
        pass  # reported below, more precisely, as BEFORE_CERTIFICATE
    elif event.occurred_on < vehicle.last_event_on:
        found.append(_out_of_order("vehicle", vehicle.vin, vehicle.last_event_on, event))
    if event.kind is EventKind.VEHICLE_REGISTERED:
        if ctx.actor.id != vehicle.automaker:
            found.append(_not_yours("vin", f"vehicle {vehicle.vin}", vehicle.automaker))
        if vehicle.registered_on is not None:
            found.append(
                Violation(
                    "ALREADY_REGISTERED",
                    "vin",
                    f"Vehicle {vehicle.vin} was already registered on "
                    f"{vehicle.registered_on.isoformat()}.",
                )
            )
        if event.occurred_on < vehicle.certified_on:
            found.append(
                Violation(
                    "BEFORE_CERTIFICATE",
                    "occurred_on",
                    f"Registration on {event.occurred_on.isoformat()} is before the vehicle's "
                    f"certificate or customs clearance on {vehicle.certified_on.isoformat()}.",
                )
            )
        assert event.region_code is not None  # required field, checked above
        found.extend(_registration_region_issues(event.region_code))
    return found


def _registration_region_issues(region_code: str) -> list[Violation]:
    issues = _code_issues("region_code", check_region_code(region_code), "region")
    if issues:
        return issues
    # Collection-point coverage is per prefecture, so a registration must say which one.
    try:
        prefecture_of(region_code)
    except InvalidCode as error:
        return _code_issues("region_code", error.issues, "region")
    return []


def _check_certification(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    imported = event.kind is EventKind.CUSTOMS_CLEARED
    found: list[Violation] = []
    if not ctx.actor.makes_vehicles:
        found.append(
            Violation(
                "NOT_AN_AUTOMAKER",
                ACTOR,
                f"Enterprise {ctx.actor.id} is not registered as an automaker or importer.",
            )
        )
    if ctx.vehicle is not None:
        found.append(
            Violation(
                "ALREADY_CERTIFIED",
                "vin",
                f"Vehicle {event.vin} already has a certificate or customs clearance dated "
                f"{ctx.vehicle.certified_on.isoformat()}.",
            )
        )
    model = ctx.model
    if model is None:
        approval = "CCC certificate" if imported else "MIIT announcement"
        found.append(
            Violation(
                "UNKNOWN_MODEL",
                "model",
                f"Model {event.model} has no {approval} on record; record it before its vehicles.",
            )
        )
        return found
    if model.owner != ctx.actor.id:
        found.append(_not_yours("model", f"model {model.code}", model.owner))
    if model.imported != imported:
        found.append(
            Violation(
                "WRONG_MODEL_ORIGIN",
                "model",
                f"Model {model.code} is {'an imported' if model.imported else 'a domestic'} model; "
                + (
                    "its vehicles are cleared through customs, not issued factory certificates."
                    if model.imported
                    else "its vehicles get factory certificates, not customs clearance."
                ),
            )
        )
    if event.occurred_on < model.approved_on:
        found.append(
            Violation(
                "BEFORE_MODEL_APPROVAL",
                "occurred_on",
                f"{event.occurred_on.isoformat()} is before model {model.code} was approved "
                f"({model.approved_on.isoformat()}).",
            )
        )
    return found


def _check_battery_event(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    if event.kind is EventKind.BATTERY_PRODUCED:
        return _check_production(event, ctx)
    battery = ctx.battery
    if battery is None:
        return [
            Violation(
                "UNKNOWN_BATTERY",
                "battery_code",
                f"Battery {event.battery_code} is not registered; its maker must register it "
                "before anything else can happen to it.",
            )
        ]
    if battery.status in FINAL_STATUSES:
        how = (
            f"re-coded as {battery.recoded_as}"
            if battery.status is BatteryStatus.RECODED
            else "disposed of"
        )
        return [
            Violation(
                f"BATTERY_{battery.status}",
                "battery_code",
                f"Battery {battery.code} was {how} on {battery.last_event_on.isoformat()}; "
                "nothing more can happen to it under this code.",
            )
        ]
    found: list[Violation] = []
    if event.occurred_on < battery.produced_on:
        found.append(
            Violation(
                "BEFORE_PRODUCTION",
                "occurred_on",
                f"{event.occurred_on.isoformat()} is before battery {battery.code} was produced "
                f"({battery.produced_on.isoformat()}).",
            )
        )
    elif event.occurred_on < battery.last_event_on:
        found.append(_out_of_order("battery", battery.code, battery.last_event_on, event))
    found.extend(_BATTERY_CHECKS[event.kind](event, battery, ctx))
    return found


def _check_production(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    assert event.battery_code is not None
    found: list[Violation] = []
    if EnterpriseKind.BATTERY_MAKER not in ctx.actor.kinds:
        found.append(
            Violation(
                "NOT_A_BATTERY_MAKER",
                ACTOR,
                f"Enterprise {ctx.actor.id} is not registered as a battery maker.",
            )
        )
    if ctx.battery is not None:
        found.append(
            Violation(
                "ALREADY_REGISTERED",
                "battery_code",
                f"Battery {event.battery_code} was already registered on "
                f"{ctx.battery.produced_on.isoformat()}.",
            )
        )
    report = decode_battery_code(event.battery_code, strict=False, today=ctx.today)
    found.extend(_code_issues("battery_code", report.errors, "battery code"))
    # Only a code that decodes has a manufacturer code; the others are reported above.
    maker_code = manufacturer_code_of(event.battery_code) if report.valid else None
    if maker_code is not None and maker_code not in ctx.actor.manufacturer_codes:
        assigned = ", ".join(sorted(ctx.actor.manufacturer_codes)) or "none"
        found.append(
            Violation(
                "MANUFACTURER_CODE_NOT_ASSIGNED",
                "battery_code",
                f"Manufacturer code {maker_code} (positions 1-3) is not assigned to enterprise "
                f"{ctx.actor.id} (assigned: {assigned}); a maker can only register its own codes.",
            )
        )
    produced = report.battery.production_date if report.battery else None
    if produced is not None and event.occurred_on < produced:
        found.append(
            Violation(
                "BEFORE_PRODUCTION",
                "occurred_on",
                f"Registration on {event.occurred_on.isoformat()} is before the production date "
                f"{produced.isoformat()} encoded in positions 15-17.",
            )
        )
    return found


def _check_supply(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_manufacturer(battery, ctx)
    if battery.status not in (BatteryStatus.REGISTERED, BatteryStatus.SUPPLIED):
        found.append(_wrong_status(battery, "supplied to an automaker"))
    return found


def _check_install(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found: list[Violation] = []
    vehicle = ctx.vehicle
    if battery.status is BatteryStatus.INSTALLED:
        found.append(
            Violation(
                "ALREADY_INSTALLED",
                "battery_code",
                f"Battery {battery.code} is installed in vehicle {battery.vin}; record its "
                "removal before installing it elsewhere.",
            )
        )
    elif battery.status not in (
        BatteryStatus.REGISTERED,
        BatteryStatus.SUPPLIED,
        BatteryStatus.REMOVED,
        BatteryStatus.IN_REPAIR,
    ):
        found.append(_wrong_status(battery, "installed in a vehicle"))
    if (
        battery.status is BatteryStatus.SUPPLIED
        and battery.supplied_to is not None
        and battery.supplied_to != ctx.actor.id
    ):
        found.append(
            Violation(
                "SUPPLIED_TO_ANOTHER",
                "battery_code",
                f"Battery {battery.code} was supplied to enterprise {battery.supplied_to}, not to "
                f"{ctx.actor.id}.",
            )
        )
    if vehicle is None:
        found.append(
            Violation(
                "UNKNOWN_VEHICLE",
                "vin",
                f"Vehicle {event.vin} has no factory certificate or customs clearance on record.",
            )
        )
    else:
        if vehicle.automaker != ctx.actor.id:
            found.append(_not_yours("vin", f"vehicle {vehicle.vin}", vehicle.automaker))
        if vehicle.scrapped_on is not None:
            found.append(
                Violation(
                    "VEHICLE_SCRAPPED",
                    "vin",
                    f"Vehicle {vehicle.vin} was scrapped on {vehicle.scrapped_on.isoformat()}.",
                )
            )
    return found


def _check_direct_sale(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_manufacturer(battery, ctx)
    found.extend(_not_while_installed(battery, "sold directly"))
    if battery.status is BatteryStatus.SOLD_DIRECTLY:
        found.append(_wrong_status(battery, "sold directly again"))
    assert event.region_code is not None
    found.extend(_code_issues("region_code", check_region_code(event.region_code), "region"))
    return found


def _check_removal(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    if battery.status is not BatteryStatus.INSTALLED:
        return [
            Violation(
                "NOT_INSTALLED",
                "battery_code",
                f"Battery {battery.code} is not installed in a vehicle (status {battery.status}).",
            )
        ]
    vehicle = ctx.vehicle
    may_remove = battery.responsible == ctx.actor.id or (
        EnterpriseKind.DISMANTLER in ctx.actor.kinds
        and vehicle is not None
        and vehicle.scrapped_on is not None
    )
    if not may_remove:
        return [
            Violation(
                "NOT_RESPONSIBLE",
                "battery_code",
                f"Only the vehicle's automaker ({battery.responsible}), or a dismantler once the "
                "vehicle is scrapped, can report this battery's removal.",
            )
        ]
    return []


def _check_repair_return(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_manufacturer(battery, ctx)
    found.extend(_not_while_installed(battery, "received for repair"))
    if battery.status is BatteryStatus.IN_REPAIR:
        found.append(_wrong_status(battery, "received for repair again"))
    return found


def _check_disposal(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_while_installed(battery, "disposed of")
    origin = event.origin
    if origin is None and EnterpriseKind.RECYCLER not in ctx.actor.kinds:
        found.append(
            Violation(
                "MISSING_FIELD",
                "origin",
                "A disposal needs its origin (RESEARCH, PRODUCTION, INSTALLATION or REPAIR) unless "
                "it is a recycler's final disposal.",
            )
        )
    is_maker = ctx.actor.id == battery.manufacturer
    allowed = {
        DisposalOrigin.REPAIR: is_maker,
        DisposalOrigin.INSTALLATION: ctx.actor.makes_vehicles,
        DisposalOrigin.RESEARCH: is_maker or ctx.actor.makes_vehicles,
        DisposalOrigin.PRODUCTION: is_maker or ctx.actor.makes_vehicles,
    }
    if origin is not None and not allowed[origin]:
        who = {
            DisposalOrigin.REPAIR: "the battery's manufacturer",
            DisposalOrigin.INSTALLATION: "an automaker or importer",
        }.get(origin, "the battery's manufacturer or an automaker")
        found.append(
            Violation(
                "ORIGIN_NOT_APPLICABLE",
                "origin",
                f"Batteries of origin {origin} can only be disposed of by {who}.",
            )
        )
    return found


def _check_service_point(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    if event.kind is EventKind.SERVICE_POINT_RECEIVED:
        found = _not_while_installed(battery, "received at a service point")
        if battery.status is BatteryStatus.AT_SERVICE_POINT:
            found.append(_wrong_status(battery, "received at a service point again"))
        return found
    if battery.status is not BatteryStatus.AT_SERVICE_POINT:
        return [_wrong_status(battery, "handed out of a service point")]
    if battery.service_point != event.counterparty:
        return [
            Violation(
                "WRONG_SERVICE_POINT",
                "counterparty",
                f"Battery {battery.code} is at service point {battery.service_point}, not "
                f"{event.counterparty}.",
            )
        ]
    return []


def _check_recode(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    assert event.new_code is not None
    found = _not_while_installed(battery, "re-coded")
    report = decode_battery_code(event.new_code, strict=False, today=ctx.today)
    found.extend(_code_issues("new_code", report.errors, "battery code"))
    if event.new_code == battery.code:
        found.append(
            Violation("SAME_CODE", "new_code", "A second-life code must differ from the original.")
        )
    return found


_BATTERY_CHECKS = {
    EventKind.BATTERY_SUPPLIED: _check_supply,
    EventKind.BATTERY_INSTALLED: _check_install,
    EventKind.BATTERY_SOLD_DIRECTLY: _check_direct_sale,
    EventKind.BATTERY_REMOVED: _check_removal,
    EventKind.REPAIR_RETURN_RECEIVED: _check_repair_return,
    EventKind.BATTERY_DISPOSED: _check_disposal,
    EventKind.SERVICE_POINT_RECEIVED: _check_service_point,
    EventKind.SERVICE_POINT_HANDED_OUT: _check_service_point,
    EventKind.BATTERY_RECODED: _check_recode,
}


def _must_be_manufacturer(battery: BatteryState, ctx: EventContext) -> list[Violation]:
    if battery.manufacturer == ctx.actor.id:
        return []
    return [
        Violation(
            "NOT_MANUFACTURER",
            "battery_code",
            f"Only the battery's manufacturer ({battery.manufacturer}) can report this event.",
        )
    ]


def _not_while_installed(battery: BatteryState, action: str) -> list[Violation]:
    if battery.status is not BatteryStatus.INSTALLED:
        return []
    return [
        Violation(
            "INSTALLED_IN_VEHICLE",
            "battery_code",
            f"Battery {battery.code} is installed in vehicle {battery.vin}; record its removal "
            f"before it is {action}.",
        )
    ]


def _wrong_status(battery: BatteryState, action: str) -> Violation:
    return Violation(
        "INVALID_STATE",
        "battery_code",
        f"Battery {battery.code} cannot be {action}: its status is {battery.status}.",
    )


def _not_yours(field_name: str, what: str, owner: str) -> Violation:
    return Violation(
        "NOT_OWNER",
        field_name,
        f"{what[0].upper()}{what[1:]} belongs to enterprise {owner}; only it can report this.",
    )


def _out_of_order(what: str, key: str, last: date, event: LifecycleEvent) -> Violation:
    return Violation(
        "OUT_OF_ORDER",
        "occurred_on",
        f"{event.occurred_on.isoformat()} is before the {what} {key}'s latest recorded event "
        f"({last.isoformat()}); events must be reported in the order they happened.",
    )
