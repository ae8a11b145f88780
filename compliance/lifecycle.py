"""The vocabulary of a battery's life: enterprises as the rules see them, lifecycle events, the
states models, vehicles and batteries are in, and the reasons an event is refused.

Events are append-only facts reported by enterprises (docs/DOMAIN.md section 4). What each
event does to a state is in `compliance.history`, who may report it in `compliance.custody`, and
whether it can have happened in `compliance.event_checks`. Everything here is a plain value.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    # Only for annotations: the network module builds on this vocabulary.
    from compliance.network import ServicePoint


class EnterpriseKind(StrEnum):
    AUTOMAKER = "AUTOMAKER"
    IMPORTER = "IMPORTER"
    BATTERY_MAKER = "BATTERY_MAKER"
    DISMANTLER = "DISMANTLER"
    # A comprehensive-utilization enterprise (综合利用企业, the 2025 Interim Measures): it takes
    # in waste batteries and hands out what it makes of them.
    COMPREHENSIVE_UTILIZER = "COMPREHENSIVE_UTILIZER"
    RECYCLER = "RECYCLER"  # the earlier rules' name for the same enterprises; treated alike
    LESSOR = "LESSOR"


UTILIZER_KINDS = frozenset({EnterpriseKind.COMPREHENSIVE_UTILIZER, EnterpriseKind.RECYCLER})
# Importers carry the automaker's duties for the vehicles they bring in (docs/DOMAIN.md 1.1).
VEHICLE_MAKER_KINDS = frozenset({EnterpriseKind.AUTOMAKER, EnterpriseKind.IMPORTER})


class DisposalOrigin(StrEnum):
    RESEARCH = "RESEARCH"
    PRODUCTION = "PRODUCTION"
    INSTALLATION = "INSTALLATION"
    REPAIR = "REPAIR"


class RemovalReason(StrEnum):
    REPAIR = "REPAIR"  # taken out to be repaired, by its maker or a repairer
    REPLACEMENT = "REPLACEMENT"  # replaced by another battery
    RETIREMENT = "RETIREMENT"  # at the end of its life in vehicles
    SCRAPPING = "SCRAPPING"  # taken out of a scrapped vehicle by its dismantler


class EventKind(StrEnum):
    MODEL_ANNOUNCED = "MODEL_ANNOUNCED"  # MIIT vehicle public announcement (公告), domestic model
    MODEL_CCC_CERTIFIED = "MODEL_CCC_CERTIFIED"  # CCC certificate, imported model
    BATTERY_PRODUCED = "BATTERY_PRODUCED"  # coded and registered
    BATTERY_SUPPLIED = "BATTERY_SUPPLIED"  # by its maker to an automaker
    BATTERY_INSTALLED = "BATTERY_INSTALLED"
    FACTORY_CERTIFICATE_ISSUED = "FACTORY_CERTIFICATE_ISSUED"  # domestic vehicle
    CUSTOMS_CLEARED = "CUSTOMS_CLEARED"  # imported vehicle
    VEHICLE_REGISTERED = "VEHICLE_REGISTERED"
    BATTERY_SOLD_DIRECTLY = "BATTERY_SOLD_DIRECTLY"  # to a lessor or operator
    BATTERY_REMOVED = "BATTERY_REMOVED"  # replaced or taken out of its vehicle
    REPAIR_RETURN_RECEIVED = "REPAIR_RETURN_RECEIVED"
    BATTERY_DISPOSED = "BATTERY_DISPOSED"
    SERVICE_POINT_RECEIVED = "SERVICE_POINT_RECEIVED"
    SERVICE_POINT_HANDED_OUT = "SERVICE_POINT_HANDED_OUT"  # out of a point, to an enterprise
    BATTERY_HANDED_OVER = "BATTERY_HANDED_OVER"  # to an enterprise, not out of a service point
    VEHICLE_SCRAPPED = "VEHICLE_SCRAPPED"  # taken in by a dismantler, with the batteries it had
    BATTERY_RECODED = "BATTERY_RECODED"  # re-coded for second life; the new code links back
    # A comprehensive-utilization enterprise takes waste batteries it received into its
    # warehouse (入库), and hands out what it made of them (出库).
    WAREHOUSE_ENTRY = "WAREHOUSE_ENTRY"
    WAREHOUSE_EXIT = "WAREHOUSE_EXIT"


MODEL_EVENTS = frozenset({EventKind.MODEL_ANNOUNCED, EventKind.MODEL_CCC_CERTIFIED})
CERTIFICATION_EVENTS = frozenset({EventKind.FACTORY_CERTIFICATE_ISSUED, EventKind.CUSTOMS_CLEARED})
VEHICLE_EVENTS = CERTIFICATION_EVENTS | {EventKind.VEHICLE_REGISTERED, EventKind.VEHICLE_SCRAPPED}
BATTERY_EVENTS = frozenset(EventKind) - MODEL_EVENTS - VEHICLE_EVENTS
# Events that put a new record on file; every other event is about a record already there.
CREATION_EVENTS = MODEL_EVENTS | CERTIFICATION_EVENTS | {EventKind.BATTERY_PRODUCED}


class BatteryStatus(StrEnum):
    REGISTERED = "REGISTERED"
    SUPPLIED = "SUPPLIED"
    INSTALLED = "INSTALLED"
    REMOVED = "REMOVED"
    SOLD_DIRECTLY = "SOLD_DIRECTLY"
    IN_REPAIR = "IN_REPAIR"
    AT_SERVICE_POINT = "AT_SERVICE_POINT"
    HANDED_OVER = "HANDED_OVER"
    DISPOSED = "DISPOSED"
    RECODED = "RECODED"
    IN_UTILIZATION = "IN_UTILIZATION"  # in a comprehensive-utilization enterprise's warehouse
    UTILIZED = "UTILIZED"  # handed out by it as utilization products


# A battery in one of these states has left the chain for good: nothing more can happen to it.
FINAL_STATUSES = frozenset({BatteryStatus.DISPOSED, BatteryStatus.RECODED, BatteryStatus.UTILIZED})


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
    # The automaker supplied (BATTERY_SUPPLIED), the buyer's name (BATTERY_SOLD_DIRECTLY), or the
    # enterprise the battery is handed to (SERVICE_POINT_HANDED_OUT, BATTERY_HANDED_OVER).
    counterparty: str | None = None
    origin: DisposalOrigin | None = None
    new_code: str | None = None  # second-life code, for BATTERY_RECODED
    service_point: str | None = None  # the point received at or handed out of
    reason: RemovalReason | None = None  # why a battery was removed
    parent_code: str | None = None  # BATTERY_PRODUCED: the pack or module it belongs to
    # VEHICLE_SCRAPPED: the batteries the dismantler took in with the vehicle.
    battery_codes: tuple[str, ...] = ()
    # MODEL_ANNOUNCED, MODEL_CCC_CERTIFIED: a battery-swap model (换电车型), whose vehicles are
    # exempt from being scrapped together with their batteries.
    battery_swap: bool = False


def subjects_of(event: LifecycleEvent) -> tuple[tuple[str, str], ...]:
    """The histories an event belongs to, as (`battery` | `vehicle` | `model`, key), the one
    it is first of all part of first: a scrapping is in its vehicle's history and in that of
    each battery that came with it; any other event in its battery's, vehicle's or model's."""
    if event.kind is EventKind.VEHICLE_SCRAPPED:
        return (("vehicle", event.vin or ""), *(("battery", c) for c in event.battery_codes))
    if event.battery_code is not None:
        return (("battery", event.battery_code),)
    if event.vin is not None:
        return (("vehicle", event.vin),)
    return (("model", event.model or ""),)


class EventRecord(Struct, frozen=True):
    """An event as stored: who recorded it (a person's subject or `partner-key:<id>`) and when."""

    event: LifecycleEvent
    recorded_at: datetime
    recorded_by: str | None


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
    battery_swap: bool = False  # a battery-swap model (换电车型)
    history: int = 1  # events in its history (see recording: an event's id names its place)


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
    scrapped_by: str | None = None  # the dismantler that took it in
    battery_codes: frozenset[str] = frozenset()  # batteries installed in it now
    # Batteries installed in it that did not come with it to the dismantler: a vehicle scrapped
    # without them is incomplete (车电一体报废, the 2025 Interim Measures).
    missing_battery_codes: frozenset[str] = frozenset()
    # No battery came with it to the dismantler at all: its batteries were removed and not
    # reinstalled, or were never recorded.
    arrived_without_battery: bool = False
    battery_swap: bool = (
        False  # its model is a battery-swap model: exempt (copied at certification)
    )
    history: int = 1  # events in its history (certificate, registration, scrapping)

    @property
    def scrapped_incomplete(self) -> bool:
        """Scrapped without (all) its batteries, and not a battery-swap model."""
        if self.scrapped_on is None or self.battery_swap:
            return False
        return bool(self.missing_battery_codes) or self.arrived_without_battery


class BatteryState(Struct, frozen=True):
    code: str
    # The battery maker on the platform that made it; None when its maker is not on the
    # platform and a vehicle maker registered it (README, "Batteries from makers not on the
    # platform").
    manufacturer: str | None
    produced_on: date
    status: BatteryStatus
    last_event_on: date
    responsible: str  # who answers for its take-back (docs/DOMAIN.md 1.1)
    # Who holds it (docs/DOMAIN.md 4.1); None while a buyer off the platform holds it.
    custodian: str | None
    vin: str | None = None  # the vehicle it is installed in (or was last removed from)
    supplied_to: str | None = None
    service_point: str | None = None
    original_code: str | None = None  # for a second-life code, the code it replaced
    recoded_as: str | None = None
    vehicle_automaker: str | None = None  # the automaker of the vehicle it is installed in now
    # The pack or module it belongs to, set when it is registered and never changed. A parent
    # does not list its parts: they are found by this reference (the batteries table's
    # `by_parent` index), so registering a part leaves its parent as it was.
    parent_code: str | None = None
    history: int = 1  # events in its history


# The `field` of a violation that no field of the event causes: the acting enterprise itself
# may not do this (a battery maker announcing a vehicle model, an automaker producing packs).
ACTOR = "actor"


class Violation(Struct, frozen=True):
    """Why something cannot be accepted: a stable code, the field at fault (or ACTOR), a
    sentence (a catalog message, compliance.messages, said in the caller's language as it
    leaves the API). A sentence names only what the caller sent or may see: never another
    enterprise, nor a date or record of one."""

    code: str
    field: str
    message: str


class EventContext(Struct, frozen=True):
    """What is on record when an event arrives, as it is, before custody decides what of it the
    reporter may touch (`compliance.custody.as_seen_by`)."""

    today: date
    actor: EnterpriseFacts
    model: ModelState | None = None
    vehicle: VehicleState | None = None
    battery: BatteryState | None = None
    parent: BatteryState | None = None  # BATTERY_PRODUCED with a parent code
    new_battery: BatteryState | None = None  # BATTERY_RECODED: a battery under the new code
    service_point: ServicePoint | None = None
    counterparty: EnterpriseFacts | None = None  # the automaker supplied or the recipient
    # BATTERY_PRODUCED: the enterprise holding the code's manufacturer code, if any holds it.
    code_owner: str | None = None
