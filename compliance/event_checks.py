"""Which events are impossible, and why, in words a compliance officer can act on.

`check_event` first lets custody take out of the context every record the reporter may not
touch (`compliance.custody.as_seen_by`): another enterprise's battery, vehicle, model or service
point then reads exactly as one that does not exist, and no sentence here can name its owner,
its dates, or the vehicle it is in. Pure: the caller passes the states, the reporter and today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from compliance.calendar import FIRST_SUPPORTED_DAY
from compliance.codes import CodeIssue, InvalidCode, check_vin, decode_battery_code
from compliance.custody import as_seen_by
from compliance.lifecycle import (
    ACTOR,
    CERTIFICATION_EVENTS,
    FINAL_STATUSES,
    MODEL_EVENTS,
    UTILIZER_KINDS,
    VEHICLE_EVENTS,
    BatteryState,
    BatteryStatus,
    DisposalOrigin,
    EnterpriseKind,
    EventContext,
    EventKind,
    LifecycleEvent,
    VehicleState,
    Violation,
)
from compliance.regions import check_region_code, prefecture_of

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
    EventKind.BATTERY_REMOVED: ("battery_code", "vin", "reason"),
    EventKind.REPAIR_RETURN_RECEIVED: ("battery_code",),
    # Origin is required of makers and automakers; recyclers dispose of waste without one.
    EventKind.BATTERY_DISPOSED: ("battery_code",),
    EventKind.SERVICE_POINT_RECEIVED: ("battery_code", "service_point"),
    EventKind.SERVICE_POINT_HANDED_OUT: ("battery_code", "service_point", "counterparty"),
    EventKind.BATTERY_HANDED_OVER: ("battery_code", "counterparty"),
    EventKind.VEHICLE_SCRAPPED: ("vin",),
    EventKind.BATTERY_RECODED: ("battery_code", "new_code"),
    EventKind.WAREHOUSE_ENTRY: ("battery_code",),
    EventKind.WAREHOUSE_EXIT: ("battery_code",),
}

# Who may receive a battery handed over: recyclers, and the take-back networks of battery makers
# and vehicle makers (the 2025 Interim Measures; docs/DOMAIN.md 1.3).
RECIPIENT_KINDS = UTILIZER_KINDS | {
    EnterpriseKind.BATTERY_MAKER,
    EnterpriseKind.AUTOMAKER,
    EnterpriseKind.IMPORTER,
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
    ctx = as_seen_by(ctx, event)
    found = _date_issues(event, ctx.today)
    if event.vin is not None and event.kind in VEHICLE_EVENTS:
        # Where the VIN names the vehicle the event is about; elsewhere it must name a
        # vehicle on record, which a malformed VIN cannot.
        found.extend(_code_issues("vin", check_vin(event.vin), "VIN"))
    if event.kind is EventKind.VEHICLE_SCRAPPED:
        return tuple(_check_scrap(event, ctx, found))
    if event.kind in MODEL_EVENTS:
        found.extend(_check_model_event(event, ctx))
    elif event.kind in CERTIFICATION_EVENTS:
        found.extend(_check_certification(event, ctx))
    elif event.kind is EventKind.VEHICLE_REGISTERED:
        found.extend(_check_registration(event, ctx))
    elif event.kind is EventKind.BATTERY_PRODUCED:
        found.extend(_check_production(event, ctx))
    else:
        found.extend(_check_battery_event(event, ctx))
    return tuple(found)


def _date_issues(event: LifecycleEvent, today: date) -> list[Violation]:
    found: list[Violation] = []
    if event.occurred_on > today:
        found.append(
            Violation(
                "FUTURE_DATE",
                "occurred_on",
                f"{event.occurred_on.isoformat()} is after today ({today.isoformat()}, China "
                "time); events can only be reported once they have happened.",
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
    return found


def _code_issues(field_name: str, issues: Iterable[CodeIssue], what: str) -> list[Violation]:
    code = "INVALID_" + what.upper().replace(" ", "_")
    return [Violation(code, field_name, issue.message) for issue in issues]


# --- what "not there" reads like --------------------------------------------------------------
# One sentence each, true both for a record that does not exist and for one the reporter may not
# touch; it names nothing but the key the reporter sent.


def unknown_battery(code: str, field_name: str = "battery_code") -> Violation:
    return Violation(
        "UNKNOWN_BATTERY",
        field_name,
        f"There is no battery {code} that your enterprise holds or answers for. Check the code: "
        "a battery is registered by its maker first, and after that only the enterprise holding "
        "it, or answering for it, can record what happens to it.",
    )


def unknown_vehicle(vin: str) -> Violation:
    return Violation(
        "UNKNOWN_VEHICLE",
        "vin",
        f"There is no vehicle {vin} that your enterprise can report on. Check the VIN: a vehicle "
        "is on record from its factory certificate or customs clearance, and only its automaker "
        "(or, once it is scrapped, the dismantler that took it in) reports on it.",
    )


def unknown_model(model: str, imported: bool) -> Violation:
    approval = "CCC certificate" if imported else "MIIT announcement"
    return Violation(
        "UNKNOWN_MODEL",
        "model",
        f"Your enterprise has no model {model} with a {approval} on record; record the model "
        "before its vehicles.",
    )


def unknown_service_point(point_id: str) -> Violation:
    return Violation(
        "UNKNOWN_SERVICE_POINT",
        "service_point",
        f"Your enterprise operates no service point {point_id}.",
    )


# --- models and vehicles --------------------------------------------------------------------


def _not_a_vehicle_maker(ctx: EventContext, doing: str) -> list[Violation]:
    if ctx.actor.makes_vehicles:
        return []
    return [
        Violation(
            "NOT_AN_AUTOMAKER",
            ACTOR,
            f"Your enterprise is not registered as an automaker or importer, so it cannot {doing}.",
        )
    ]


def _check_model_event(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    found = _not_a_vehicle_maker(ctx, "announce or certify vehicle models")
    if ctx.model is not None:
        found.append(
            Violation(
                "ALREADY_ANNOUNCED",
                "model",
                f"Model {event.model} is on record already; a model code names one model.",
            )
        )
    return found


def _check_certification(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    imported = event.kind is EventKind.CUSTOMS_CLEARED
    found = _not_a_vehicle_maker(ctx, "certify vehicles")
    if ctx.vehicle is not None:
        found.append(
            Violation(
                "ALREADY_CERTIFIED",
                "vin",
                f"Vehicle {event.vin} is on record already; a VIN names one vehicle.",
            )
        )
    model = ctx.model
    assert event.model is not None  # required field
    if model is None:
        found.append(unknown_model(event.model, imported))
        return found
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


def _check_registration(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    vehicle = ctx.vehicle
    assert event.vin is not None
    assert event.region_code is not None
    if vehicle is None:
        return [unknown_vehicle(event.vin)]
    found = _scrapped(vehicle, "registered")
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
    elif event.occurred_on < vehicle.last_event_on:
        found.append(_out_of_order("vehicle", vehicle.vin, vehicle.last_event_on, event))
    found.extend(_registration_region_issues(event.region_code))
    return found


def _scrapped(vehicle: VehicleState, cannot: str) -> list[Violation]:
    """For whoever may see a scrapped vehicle (its automaker, its dismantler)."""
    if vehicle.scrapped_on is None:
        return []
    return [
        Violation(
            "VEHICLE_SCRAPPED",
            "vin",
            f"Vehicle {vehicle.vin} was scrapped on {vehicle.scrapped_on.isoformat()}; it "
            f"cannot {cannot} any more.",
        )
    ]


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


def _check_scrap(
    event: LifecycleEvent, ctx: EventContext, found: list[Violation]
) -> list[Violation]:
    """A dismantler takes a vehicle in, naming the batteries that came with it.

    Until the scrap is accepted the vehicle is not the dismantler's to see, so no refusal may
    depend on it: everything that can be checked without it (`found`: the date, the VIN's form,
    the dismantler itself) is said first and alone; then a VIN that names no vehicle, one taken
    in by another dismantler, one never registered (still in its automaker's stock), a battery
    listed that is not in it, and a date before its latest event all get the one same answer. A
    dismantler probing VINs, codes or dates learns nothing it would not learn by taking the
    vehicle in, which it does under its own name.
    """
    assert event.vin is not None
    if EnterpriseKind.DISMANTLER not in ctx.actor.kinds:
        found.append(
            Violation(
                "NOT_A_DISMANTLER",
                ACTOR,
                "Your enterprise is not registered as a scrap-vehicle dismantler, so it cannot "
                "record a vehicle's scrapping.",
            )
        )
    if found:
        return found
    vehicle = ctx.vehicle
    if vehicle is not None and vehicle.scrapped_on is not None:
        # Taken in by this dismantler already: custody hides any other dismantler's vehicle.
        return [
            Violation(
                "ALREADY_SCRAPPED",
                "vin",
                f"Your enterprise recorded vehicle {vehicle.vin} as scrapped on "
                f"{vehicle.scrapped_on.isoformat()} already.",
            )
        ]
    if (
        vehicle is None
        or vehicle.registered_on is None  # still in its automaker's stock: its to scrap
        or event.occurred_on < vehicle.last_event_on
        or not set(event.battery_codes) <= vehicle.battery_codes
    ):
        return [unknown_scrap(event.vin)]
    return []


def unknown_scrap(vin: str) -> Violation:
    return Violation(
        "UNKNOWN_VEHICLE",
        "vin",
        f"There is no vehicle {vin} on record that your enterprise can take in as given. Check "
        "the VIN, the date of the scrap-vehicle recycling certificate (a vehicle is scrapped "
        "after its last recorded event), and the batteries listed (only those installed in it "
        "that came with it).",
    )


# --- batteries ------------------------------------------------------------------------------


def _check_production(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    code = event.battery_code
    assert code is not None
    found: list[Violation] = []
    actor = ctx.actor
    if EnterpriseKind.BATTERY_MAKER not in actor.kinds and not actor.makes_vehicles:
        found.append(
            Violation(
                "NOT_A_BATTERY_MAKER",
                ACTOR,
                "Your enterprise is registered neither as a battery maker nor as a vehicle maker, "
                "so it cannot register batteries.",
            )
        )
    report = decode_battery_code(code, strict=False, today=ctx.today)
    found.extend(_code_issues("battery_code", report.errors, "battery code"))
    code_issues = _manufacturer_code_issues(code, ctx) if report.valid else []
    found.extend(code_issues)
    # Only a code the reporter could register itself is said to be taken: for any other, that
    # it is on record would be news about another enterprise's battery.
    if ctx.battery is not None and report.valid and not code_issues and not _found_actor(found):
        found.append(
            Violation(
                "ALREADY_REGISTERED",
                "battery_code",
                f"Battery {code} is on record already; a code names one battery.",
            )
        )
    produced = report.battery.production_date if report.battery else None
    if produced is not None and event.occurred_on != produced:
        found.append(
            Violation(
                "PRODUCTION_DATE_MISMATCH",
                "occurred_on",
                f"The production date given, {event.occurred_on.isoformat()}, is not the one the "
                f"code carries in positions 15-17 ({produced.isoformat()}); leave it out to use "
                "the code's, or correct it.",
            )
        )
    if event.parent_code is not None:
        found.extend(_parent_issues(event, ctx))
    return found


def _found_actor(found: list[Violation]) -> bool:
    return any(v.field == ACTOR for v in found)


def _manufacturer_code_issues(code: str, ctx: EventContext) -> list[Violation]:
    """A battery maker registers the codes of its own manufacturer codes. A vehicle maker may
    register a battery whose manufacturer code no enterprise on the platform holds: its maker
    is not on the platform, and the vehicle maker holds and answers for it."""
    actor = ctx.actor
    maker_code = code[:3]
    if maker_code in actor.manufacturer_codes:
        return []
    if actor.makes_vehicles and ctx.code_owner is None:
        return []
    if actor.makes_vehicles:
        message = (
            f"Manufacturer code {maker_code} (positions 1-3) belongs to a battery maker on the "
            "platform: it registers its batteries and supplies them to you "
            "(supplyBatteries); then they are yours to install."
        )
    else:
        assigned = ", ".join(sorted(actor.manufacturer_codes)) or "none"
        message = (
            f"Manufacturer code {maker_code} (positions 1-3) is not assigned to your enterprise "
            f"(assigned: {assigned}); a maker can only register its own codes."
        )
    return [Violation("MANUFACTURER_CODE_NOT_ASSIGNED", "battery_code", message)]


_LEVEL = {"P": 3, "M": 2, "C": 1}
_LEVEL_NAME = {"P": "pack", "M": "module", "C": "cell"}


def _parent_issues(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    parent_code = event.parent_code
    assert parent_code is not None
    assert event.battery_code is not None
    parent = ctx.parent
    if parent is not None and parent.status in FINAL_STATUSES:
        return [
            Violation(
                "PARENT_FINAL",
                "parent_code",
                f"Pack or module {parent_code} was {parent.status.lower()} on "
                f"{parent.last_event_on.isoformat()}; nothing can be registered into it.",
            )
        ]
    if parent is None:
        return [
            Violation(
                "UNKNOWN_PARENT",
                "parent_code",
                f"There is no pack or module {parent_code} of yours in your stock; register it "
                "before (or in the same request as, and listed before) its parts.",
            )
        ]
    child_type, parent_type = event.battery_code[3:4], parent_code[3:4]
    if child_type in _LEVEL and parent_type in _LEVEL and _LEVEL[parent_type] <= _LEVEL[child_type]:
        return [
            Violation(
                "PARENT_LEVEL",
                "parent_code",
                f"A {_LEVEL_NAME[child_type]} can only belong to a higher level (pack above "
                f"module above cell); {parent_code} is a {_LEVEL_NAME[parent_type]}.",
            )
        ]
    return []


def _check_battery_event(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    battery = ctx.battery
    assert event.battery_code is not None
    if battery is None:
        return [unknown_battery(event.battery_code)]
    if battery.status in FINAL_STATUSES:
        how = {
            BatteryStatus.RECODED: f"re-coded as {battery.recoded_as}",
            BatteryStatus.UTILIZED: "handed out as utilization products",
        }.get(battery.status, "disposed of")
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


def _check_supply(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_maker(battery, ctx, "supplies it to automakers")
    if battery.status not in (BatteryStatus.REGISTERED, BatteryStatus.IN_REPAIR):
        found.append(_wrong_status(battery, "supplied to an automaker"))
    automaker = ctx.counterparty
    if automaker is None:
        found.append(_unknown_enterprise(event.counterparty))
    elif automaker.id == ctx.actor.id:
        found.append(
            Violation(
                "SAME_ENTERPRISE",
                "counterparty",
                "A battery is supplied to another enterprise; to install your own batteries in "
                "your vehicles, list them in the vehicle's certificate.",
            )
        )
    elif not automaker.makes_vehicles:
        found.append(
            Violation(
                "NOT_AN_AUTOMAKER",
                "counterparty",
                f"Enterprise {automaker.id} is not registered as an automaker or importer; "
                "batteries are supplied to vehicle makers.",
            )
        )
    return found


def _check_install(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found: list[Violation] = []
    vehicle = ctx.vehicle
    if battery.status is BatteryStatus.INSTALLED:
        where = "this vehicle" if battery.vin == event.vin else "a vehicle"
        found.append(
            Violation(
                "ALREADY_INSTALLED",
                "battery_code",
                f"Battery {battery.code} is installed in {where} already; record its removal "
                "before installing it elsewhere.",
            )
        )
    elif battery.status not in (
        BatteryStatus.REGISTERED,
        BatteryStatus.SUPPLIED,
        BatteryStatus.REMOVED,
    ):
        found.append(_wrong_status(battery, "installed in a vehicle"))
    assert event.vin is not None
    if vehicle is None:
        found.append(unknown_vehicle(event.vin))
    elif vehicle.scrapped_on is not None:
        found.extend(_scrapped(vehicle, "have batteries installed"))
    elif event.occurred_on < vehicle.certified_on:
        found.append(
            Violation(
                "BEFORE_CERTIFICATE",
                "occurred_on",
                f"{event.occurred_on.isoformat()} is before vehicle {vehicle.vin} was certified "
                f"({vehicle.certified_on.isoformat()}).",
            )
        )
    return found


def _check_direct_sale(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_maker(battery, ctx, "sells it directly")
    if not (event.counterparty or "").strip():
        found.append(
            Violation("REQUIRED", "counterparty", "Give the buyer's name (lessor or operator).")
        )
    found.extend(_not_while_installed(battery, "sold directly"))
    if battery.status is BatteryStatus.SOLD_DIRECTLY:
        found.append(_wrong_status(battery, "sold directly again"))
    assert event.region_code is not None
    found.extend(_code_issues("region_code", check_region_code(event.region_code), "region"))
    return found


def _check_removal(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    assert event.vin is not None
    if ctx.vehicle is None:
        return [unknown_vehicle(event.vin)]
    if battery.status is not BatteryStatus.INSTALLED or battery.vin != event.vin:
        return [
            Violation(
                "NOT_INSTALLED",
                "battery_code",
                f"Battery {battery.code} is not installed in vehicle {event.vin} "
                f"(its status is {battery.status}).",
            )
        ]
    return []


def _check_repair_return(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_maker(battery, ctx, "takes it back for repair")
    found.extend(_not_while_installed(battery, "received for repair"))
    found.extend(_not_at_service_point(battery, "received for repair"))
    if battery.status in (BatteryStatus.IN_REPAIR, BatteryStatus.REGISTERED):
        where = "in repair" if battery.status is BatteryStatus.IN_REPAIR else "in your stock"
        found.append(
            Violation(
                "INVALID_STATE",
                "battery_code",
                f"Battery {battery.code} is {where} already; a repair return is recorded when it "
                "comes back to you from the automaker or buyer holding it.",
            )
        )
    return found


def _check_disposal(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_while_installed(battery, "disposed of")
    origin = event.origin
    if origin is None and not ctx.actor.kinds & UTILIZER_KINDS:
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
            DisposalOrigin.REPAIR: "the battery's maker",
            DisposalOrigin.INSTALLATION: "an automaker or importer",
        }.get(origin, "the battery's maker or an automaker")
        found.append(
            Violation(
                "ORIGIN_NOT_APPLICABLE",
                "origin",
                f"Batteries of origin {origin} can only be disposed of by {who}.",
            )
        )
    return found


def _check_point_receipt(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_while_installed(battery, "received at a service point")
    if battery.status is BatteryStatus.AT_SERVICE_POINT:
        found.append(_wrong_status(battery, "received at a service point again"))
    assert event.service_point is not None
    point = ctx.service_point
    if point is None:
        found.append(unknown_service_point(event.service_point))
    elif not point.active:
        found.append(
            Violation(
                "INACTIVE_SERVICE_POINT",
                "service_point",
                f"Service point {point.id} ({point.name}) is inactive; reactivate it "
                "(upsertServicePoint) before it takes in batteries.",
            )
        )
    return found


def _check_hand_out(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    assert event.service_point is not None
    point = ctx.service_point
    if point is None:
        return [unknown_service_point(event.service_point)]
    found: list[Violation] = []
    if battery.status is not BatteryStatus.AT_SERVICE_POINT or battery.service_point != point.id:
        found.append(
            Violation(
                "NOT_AT_SERVICE_POINT",
                "battery_code",
                f"Battery {battery.code} is not at service point {point.id}; record its receipt "
                "there (receiveAtServicePoint) first.",
            )
        )
    found.extend(_recipient_issues(event, ctx))
    return found


def _check_hand_over(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_while_installed(battery, "handed over")
    found.extend(_not_at_service_point(battery, "handed over"))
    found.extend(_recipient_issues(event, ctx))
    return found


def _recipient_issues(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    recipient = ctx.counterparty
    if recipient is None:
        return [_unknown_enterprise(event.counterparty)]
    if recipient.id == ctx.actor.id:
        return [
            Violation(
                "SAME_ENTERPRISE",
                "counterparty",
                "A hand-over passes a battery to another enterprise; your enterprise holds it "
                "already.",
            )
        ]
    if not recipient.kinds & RECIPIENT_KINDS:
        return [
            Violation(
                "RECIPIENT_NOT_ALLOWED",
                "counterparty",
                f"Enterprise {recipient.id} cannot take waste batteries: they go to a recycler "
                "(comprehensive-utilization enterprise) or to a battery maker's or vehicle "
                "maker's take-back network.",
            )
        ]
    return []


def _check_recode(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    new_code = event.new_code
    assert new_code is not None
    found = _not_while_installed(battery, "re-coded")
    report = decode_battery_code(new_code, strict=False, today=ctx.today)
    found.extend(_code_issues("new_code", report.errors, "battery code"))
    produced = report.battery.production_date if report.battery else None
    if produced is not None and produced != event.occurred_on:
        found.append(
            Violation(
                "PRODUCTION_DATE_MISMATCH",
                "new_code",
                f"A second-life code is dated the day of the re-coding, "
                f"{event.occurred_on.isoformat()}; {new_code} carries {produced.isoformat()} "
                "in its date positions.",
            )
        )
    if new_code == battery.code:
        found.append(
            Violation("SAME_CODE", "new_code", "A second-life code must differ from the original.")
        )
    elif report.valid and new_code[:3] not in ctx.actor.manufacturer_codes:
        assigned = ", ".join(sorted(ctx.actor.manufacturer_codes)) or "none"
        found.append(
            Violation(
                "MANUFACTURER_CODE_NOT_ASSIGNED",
                "new_code",
                f"A second-life code carries the re-coding enterprise's own manufacturer code; "
                f"{new_code[:3]} (positions 1-3) is not assigned to yours (assigned: {assigned}).",
            )
        )
    elif ctx.new_battery is not None:
        found.append(
            Violation(
                "ALREADY_REGISTERED",
                "new_code",
                f"Battery {new_code} is on record already; a code names one battery.",
            )
        )
    return found


def _not_a_utilizer(ctx: EventContext, doing: str) -> list[Violation]:
    if ctx.actor.kinds & UTILIZER_KINDS:
        return []
    return [
        Violation(
            "NOT_A_UTILIZER",
            "battery_code",
            f"Only a comprehensive-utilization enterprise (COMPREHENSIVE_UTILIZER) {doing}; "
            "your enterprise is not registered as one.",
        )
    ]


def _check_warehouse_entry(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_a_utilizer(ctx, "takes waste batteries into its warehouse")
    found.extend(_not_while_installed(battery, "taken into a warehouse"))
    found.extend(_not_at_service_point(battery, "taken into a warehouse"))
    if battery.status is BatteryStatus.IN_UTILIZATION:
        found.append(_wrong_status(battery, "taken into the warehouse again"))
    return found


def _check_warehouse_exit(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_a_utilizer(ctx, "hands out utilization products")
    if battery.status is not BatteryStatus.IN_UTILIZATION:
        found.append(
            Violation(
                "NOT_IN_WAREHOUSE",
                "battery_code",
                f"Battery {battery.code} is not in your warehouse: record its warehouse entry "
                "(recordWarehouseEntry) before handing out what was made of it.",
            )
        )
    return found


_BATTERY_CHECKS: dict[
    EventKind, Callable[[LifecycleEvent, BatteryState, EventContext], list[Violation]]
] = {
    EventKind.BATTERY_SUPPLIED: _check_supply,
    EventKind.BATTERY_INSTALLED: _check_install,
    EventKind.BATTERY_SOLD_DIRECTLY: _check_direct_sale,
    EventKind.BATTERY_REMOVED: _check_removal,
    EventKind.REPAIR_RETURN_RECEIVED: _check_repair_return,
    EventKind.BATTERY_DISPOSED: _check_disposal,
    EventKind.SERVICE_POINT_RECEIVED: _check_point_receipt,
    EventKind.SERVICE_POINT_HANDED_OUT: _check_hand_out,
    EventKind.BATTERY_HANDED_OVER: _check_hand_over,
    EventKind.BATTERY_RECODED: _check_recode,
    EventKind.WAREHOUSE_ENTRY: _check_warehouse_entry,
    EventKind.WAREHOUSE_EXIT: _check_warehouse_exit,
}


def _must_be_maker(battery: BatteryState, ctx: EventContext, does: str) -> list[Violation]:
    if battery.manufacturer == ctx.actor.id:
        return []
    return [
        Violation(
            "NOT_MANUFACTURER",
            "battery_code",
            f"Only a battery's maker {does}; your enterprise did not make battery {battery.code}.",
        )
    ]


def _not_while_installed(battery: BatteryState, action: str) -> list[Violation]:
    if battery.status is not BatteryStatus.INSTALLED:
        return []
    return [
        Violation(
            "INSTALLED_IN_VEHICLE",
            "battery_code",
            f"Battery {battery.code} is installed in a vehicle; its removal must be recorded "
            f"first (removeBatteries, by whoever holds the vehicle) before it is {action}.",
        )
    ]


def _not_at_service_point(battery: BatteryState, action: str) -> list[Violation]:
    if battery.status is not BatteryStatus.AT_SERVICE_POINT:
        return []
    return [
        Violation(
            "AT_SERVICE_POINT",
            "battery_code",
            f"Battery {battery.code} is at a service point; it leaves a point by a hand-over "
            f"from the point (handOverBatteries with its servicePointId) before it is {action}.",
        )
    ]


def _wrong_status(battery: BatteryState, action: str) -> Violation:
    return Violation(
        "INVALID_STATE",
        "battery_code",
        f"Battery {battery.code} cannot be {action}: its status is {battery.status}.",
    )


def _unknown_enterprise(enterprise_id: str | None) -> Violation:
    return Violation(
        "UNKNOWN_ENTERPRISE",
        "counterparty",
        f"There is no enterprise {enterprise_id} on the platform; check the USCC, or ask the "
        "platform to onboard it.",
    )


def _out_of_order(what: str, key: str, last: date, event: LifecycleEvent) -> Violation:
    return Violation(
        "OUT_OF_ORDER",
        "occurred_on",
        f"{event.occurred_on.isoformat()} is before the {what} {key}'s latest recorded event "
        f"({last.isoformat()}{', a battery going in or out counting' if what == 'vehicle' else ''}"
        "); events must be reported in the order they happened.",
    )
