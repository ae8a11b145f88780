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
from compliance.messages import Message, listing, t
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
            Violation("MISSING_FIELD", name, t("event.missing_field", kind=event.kind, field=name))
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
                t(
                    "event.future_date",
                    occurred=event.occurred_on.isoformat(),
                    today=today.isoformat(),
                ),
            )
        )
    if event.occurred_on < FIRST_SUPPORTED_DAY:
        found.append(
            Violation(
                "BEFORE_SUPPORTED_SPAN",
                "occurred_on",
                t(
                    "event.before_supported_span",
                    occurred=event.occurred_on.isoformat(),
                    first=FIRST_SUPPORTED_DAY.isoformat(),
                ),
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
    return Violation("UNKNOWN_BATTERY", field_name, t("event.unknown_battery", code=code))


def unknown_vehicle(vin: str) -> Violation:
    return Violation("UNKNOWN_VEHICLE", "vin", t("event.unknown_vehicle", vin=vin))


def unknown_model(model: str, imported: bool) -> Violation:
    approval = t("event.approval.ccc" if imported else "event.approval.miit")
    return Violation(
        "UNKNOWN_MODEL", "model", t("event.unknown_model", model=model, approval=approval)
    )


def unknown_service_point(point_id: str) -> Violation:
    return Violation(
        "UNKNOWN_SERVICE_POINT", "service_point", t("event.unknown_service_point", id=point_id)
    )


# --- models and vehicles --------------------------------------------------------------------


def _not_a_vehicle_maker(ctx: EventContext, doing: Message) -> list[Violation]:
    if ctx.actor.makes_vehicles:
        return []
    return [Violation("NOT_AN_AUTOMAKER", ACTOR, t("event.not_an_automaker", doing=doing))]


def _check_model_event(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    found = _not_a_vehicle_maker(ctx, t("event.doing.announce_models"))
    if ctx.model is not None:
        found.append(
            Violation("ALREADY_ANNOUNCED", "model", t("event.model_on_record", model=event.model))
        )
    return found


def _check_certification(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    imported = event.kind is EventKind.CUSTOMS_CLEARED
    found = _not_a_vehicle_maker(ctx, t("event.doing.certify_vehicles"))
    if ctx.vehicle is not None:
        found.append(
            Violation("ALREADY_CERTIFIED", "vin", t("event.vehicle_on_record", vin=event.vin))
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
                t(
                    "event.imported_model" if model.imported else "event.domestic_model",
                    model=model.code,
                ),
            )
        )
    if event.occurred_on < model.approved_on:
        found.append(
            Violation(
                "BEFORE_MODEL_APPROVAL",
                "occurred_on",
                t(
                    "event.before_model_approval",
                    occurred=event.occurred_on.isoformat(),
                    model=model.code,
                    approved=model.approved_on.isoformat(),
                ),
            )
        )
    return found


def _check_registration(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    vehicle = ctx.vehicle
    assert event.vin is not None
    assert event.region_code is not None
    if vehicle is None:
        return [unknown_vehicle(event.vin)]
    found = _scrapped(vehicle, t("event.cannot.be_registered"))
    if vehicle.registered_on is not None:
        found.append(
            Violation(
                "ALREADY_REGISTERED",
                "vin",
                t(
                    "event.vehicle_registered_already",
                    vin=vehicle.vin,
                    registered=vehicle.registered_on.isoformat(),
                ),
            )
        )
    if event.occurred_on < vehicle.certified_on:
        found.append(
            Violation(
                "BEFORE_CERTIFICATE",
                "occurred_on",
                t(
                    "event.registration_before_certificate",
                    occurred=event.occurred_on.isoformat(),
                    certified=vehicle.certified_on.isoformat(),
                ),
            )
        )
    elif event.occurred_on < vehicle.last_event_on:
        found.append(_out_of_order("vehicle", vehicle.vin, vehicle.last_event_on, event))
    found.extend(_registration_region_issues(event.region_code))
    return found


def _scrapped(vehicle: VehicleState, cannot: Message) -> list[Violation]:
    """For whoever may see a scrapped vehicle (its automaker, its dismantler)."""
    if vehicle.scrapped_on is None:
        return []
    said = t(
        "event.vehicle_scrapped",
        vin=vehicle.vin,
        scrapped=vehicle.scrapped_on.isoformat(),
        cannot=cannot,
    )
    return [Violation("VEHICLE_SCRAPPED", "vin", said)]


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
        found.append(Violation("NOT_A_DISMANTLER", ACTOR, t("event.not_a_dismantler")))
    if found:
        return found
    vehicle = ctx.vehicle
    if vehicle is not None and vehicle.scrapped_on is not None:
        # Taken in by this dismantler already: custody hides any other dismantler's vehicle.
        return [
            Violation(
                "ALREADY_SCRAPPED",
                "vin",
                t(
                    "event.scrapped_already",
                    vin=vehicle.vin,
                    scrapped=vehicle.scrapped_on.isoformat(),
                ),
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
    return Violation("UNKNOWN_VEHICLE", "vin", t("event.unknown_scrap", vin=vin))


# --- batteries ------------------------------------------------------------------------------


def _check_production(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    code = event.battery_code
    assert code is not None
    found: list[Violation] = []
    actor = ctx.actor
    if EnterpriseKind.BATTERY_MAKER not in actor.kinds and not actor.makes_vehicles:
        found.append(Violation("NOT_A_BATTERY_MAKER", ACTOR, t("event.not_a_battery_maker")))
    report = decode_battery_code(code, strict=False, today=ctx.today)
    found.extend(_code_issues("battery_code", report.errors, "battery code"))
    code_issues = _manufacturer_code_issues(code, ctx) if report.valid else []
    found.extend(code_issues)
    # Only a code the reporter could register itself is said to be taken: for any other, that
    # it is on record would be news about another enterprise's battery.
    if ctx.battery is not None and report.valid and not code_issues and not _found_actor(found):
        found.append(
            Violation("ALREADY_REGISTERED", "battery_code", t("event.battery_on_record", code=code))
        )
    produced = report.battery.production_date if report.battery else None
    if produced is not None and event.occurred_on != produced:
        found.append(
            Violation(
                "PRODUCTION_DATE_MISMATCH",
                "occurred_on",
                t(
                    "event.production_date_mismatch",
                    given=event.occurred_on.isoformat(),
                    carried=produced.isoformat(),
                ),
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
        message = t("event.manufacturer_code_of_a_maker", code=maker_code)
    else:
        message = t(
            "event.manufacturer_code_not_assigned",
            code=maker_code,
            assigned=_assigned(actor.manufacturer_codes),
        )
    return [Violation("MANUFACTURER_CODE_NOT_ASSIGNED", "battery_code", message)]


def _assigned(codes: frozenset[str]) -> Message:
    return listing(sorted(codes)) if codes else t("event.none")


_LEVEL = {"P": 3, "M": 2, "C": 1}
_LEVEL_NAME = {"P": "event.level.pack", "M": "event.level.module", "C": "event.level.cell"}
# How a battery in a final status ended, as a pack's or module's parent code is refused.
_ENDED = {
    BatteryStatus.DISPOSED: "event.ended.disposed",
    BatteryStatus.RECODED: "event.ended.recoded",
    BatteryStatus.UTILIZED: "event.ended.utilized",
}


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
                t(
                    "event.parent_final",
                    code=parent_code,
                    ended=t(_ENDED[parent.status]),
                    on=parent.last_event_on.isoformat(),
                ),
            )
        ]
    if parent is None:
        return [
            Violation("UNKNOWN_PARENT", "parent_code", t("event.unknown_parent", code=parent_code))
        ]
    child_type, parent_type = event.battery_code[3:4], parent_code[3:4]
    if child_type in _LEVEL and parent_type in _LEVEL and _LEVEL[parent_type] <= _LEVEL[child_type]:
        return [
            Violation(
                "PARENT_LEVEL",
                "parent_code",
                t(
                    "event.parent_level",
                    child=t(_LEVEL_NAME[child_type]),
                    code=parent_code,
                    parent=t(_LEVEL_NAME[parent_type]),
                ),
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
            BatteryStatus.RECODED: t("event.how.recoded", code=battery.recoded_as),
            BatteryStatus.UTILIZED: t("event.how.utilized"),
        }.get(battery.status) or t("event.how.disposed")
        return [
            Violation(
                f"BATTERY_{battery.status}",
                "battery_code",
                t(
                    "event.battery_final",
                    code=battery.code,
                    how=how,
                    on=battery.last_event_on.isoformat(),
                ),
            )
        ]
    found: list[Violation] = []
    if event.occurred_on < battery.produced_on:
        found.append(
            Violation(
                "BEFORE_PRODUCTION",
                "occurred_on",
                t(
                    "event.before_production",
                    occurred=event.occurred_on.isoformat(),
                    code=battery.code,
                    produced=battery.produced_on.isoformat(),
                ),
            )
        )
    elif event.occurred_on < battery.last_event_on:
        found.append(_out_of_order("battery", battery.code, battery.last_event_on, event))
    found.extend(_BATTERY_CHECKS[event.kind](event, battery, ctx))
    return found


def _check_supply(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_maker(battery, ctx, "event.does.supply")
    if battery.status not in (BatteryStatus.REGISTERED, BatteryStatus.IN_REPAIR):
        found.append(_wrong_status(battery, "event.action.supplied_to_automaker"))
    automaker = ctx.counterparty
    if automaker is None:
        found.append(_unknown_enterprise(event.counterparty))
    elif automaker.id == ctx.actor.id:
        found.append(Violation("SAME_ENTERPRISE", "counterparty", t("event.supplied_to_self")))
    elif not automaker.makes_vehicles:
        found.append(
            Violation(
                "NOT_AN_AUTOMAKER",
                "counterparty",
                t("event.supplied_to_non_automaker", id=automaker.id),
            )
        )
    return found


def _check_install(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found: list[Violation] = []
    vehicle = ctx.vehicle
    if battery.status is BatteryStatus.INSTALLED:
        key = "event.installed_here" if battery.vin == event.vin else "event.installed_elsewhere"
        found.append(Violation("ALREADY_INSTALLED", "battery_code", t(key, code=battery.code)))
    elif battery.status not in (
        BatteryStatus.REGISTERED,
        BatteryStatus.SUPPLIED,
        BatteryStatus.REMOVED,
    ):
        found.append(_wrong_status(battery, "event.action.installed_in_vehicle"))
    assert event.vin is not None
    if vehicle is None:
        found.append(unknown_vehicle(event.vin))
    elif vehicle.scrapped_on is not None:
        found.extend(_scrapped(vehicle, t("event.cannot.have_batteries_installed")))
    elif event.occurred_on < vehicle.certified_on:
        found.append(
            Violation(
                "BEFORE_CERTIFICATE",
                "occurred_on",
                t(
                    "event.installed_before_certificate",
                    occurred=event.occurred_on.isoformat(),
                    vin=vehicle.vin,
                    certified=vehicle.certified_on.isoformat(),
                ),
            )
        )
    return found


def _check_direct_sale(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_maker(battery, ctx, "event.does.sell")
    if not (event.counterparty or "").strip():
        found.append(Violation("REQUIRED", "counterparty", t("event.buyer_required")))
    found.extend(_not_while_installed(battery, "event.action.sold_directly"))
    if battery.status is BatteryStatus.SOLD_DIRECTLY:
        found.append(_wrong_status(battery, "event.action.sold_directly_again"))
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
                t("event.not_installed", code=battery.code, vin=event.vin, status=battery.status),
            )
        ]
    return []


def _check_repair_return(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _must_be_maker(battery, ctx, "event.does.repair")
    found.extend(_not_while_installed(battery, "event.action.received_for_repair"))
    found.extend(_not_at_service_point(battery, "event.action.received_for_repair"))
    if battery.status in (BatteryStatus.IN_REPAIR, BatteryStatus.REGISTERED):
        key = (
            "event.in_repair_already"
            if battery.status is BatteryStatus.IN_REPAIR
            else "event.in_stock_already"
        )
        found.append(Violation("INVALID_STATE", "battery_code", t(key, code=battery.code)))
    return found


def _check_disposal(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_while_installed(battery, "event.action.disposed_of")
    origin = event.origin
    if origin is None and not ctx.actor.kinds & UTILIZER_KINDS:
        found.append(Violation("MISSING_FIELD", "origin", t("event.origin_required")))
    is_maker = ctx.actor.id == battery.manufacturer
    allowed = {
        DisposalOrigin.REPAIR: is_maker,
        DisposalOrigin.INSTALLATION: ctx.actor.makes_vehicles,
        DisposalOrigin.RESEARCH: is_maker or ctx.actor.makes_vehicles,
        DisposalOrigin.PRODUCTION: is_maker or ctx.actor.makes_vehicles,
    }
    if origin is not None and not allowed[origin]:
        who = {
            DisposalOrigin.REPAIR: "event.who.maker",
            DisposalOrigin.INSTALLATION: "event.who.automaker",
        }.get(origin, "event.who.maker_or_automaker")
        found.append(
            Violation(
                "ORIGIN_NOT_APPLICABLE",
                "origin",
                t("event.origin_not_applicable", origin=origin, who=t(who)),
            )
        )
    return found


def _check_point_receipt(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_while_installed(battery, "event.action.received_at_point")
    if battery.status is BatteryStatus.AT_SERVICE_POINT:
        found.append(_wrong_status(battery, "event.action.received_at_point_again"))
    assert event.service_point is not None
    point = ctx.service_point
    if point is None:
        found.append(unknown_service_point(event.service_point))
    elif not point.active:
        found.append(
            Violation(
                "INACTIVE_SERVICE_POINT",
                "service_point",
                t("event.inactive_service_point", id=point.id, name=point.name),
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
                t("event.not_at_service_point", code=battery.code, point=point.id),
            )
        )
    found.extend(_recipient_issues(event, ctx))
    return found


def _check_hand_over(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_while_installed(battery, "event.action.handed_over")
    found.extend(_not_at_service_point(battery, "event.action.handed_over"))
    found.extend(_recipient_issues(event, ctx))
    return found


def _recipient_issues(event: LifecycleEvent, ctx: EventContext) -> list[Violation]:
    recipient = ctx.counterparty
    if recipient is None:
        return [_unknown_enterprise(event.counterparty)]
    if recipient.id == ctx.actor.id:
        return [Violation("SAME_ENTERPRISE", "counterparty", t("event.handed_to_self"))]
    if not recipient.kinds & RECIPIENT_KINDS:
        return [
            Violation(
                "RECIPIENT_NOT_ALLOWED",
                "counterparty",
                t("event.recipient_not_allowed", id=recipient.id),
            )
        ]
    return []


def _check_recode(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    new_code = event.new_code
    assert new_code is not None
    found = _not_while_installed(battery, "event.action.recoded")
    report = decode_battery_code(new_code, strict=False, today=ctx.today)
    found.extend(_code_issues("new_code", report.errors, "battery code"))
    produced = report.battery.production_date if report.battery else None
    if produced is not None and produced != event.occurred_on:
        found.append(
            Violation(
                "PRODUCTION_DATE_MISMATCH",
                "new_code",
                t(
                    "event.second_life_date_mismatch",
                    occurred=event.occurred_on.isoformat(),
                    code=new_code,
                    produced=produced.isoformat(),
                ),
            )
        )
    if new_code == battery.code:
        found.append(Violation("SAME_CODE", "new_code", t("event.same_code")))
    elif report.valid and new_code[:3] not in ctx.actor.manufacturer_codes:
        found.append(
            Violation(
                "MANUFACTURER_CODE_NOT_ASSIGNED",
                "new_code",
                t(
                    "event.second_life_code_not_assigned",
                    prefix=new_code[:3],
                    assigned=_assigned(ctx.actor.manufacturer_codes),
                ),
            )
        )
    elif ctx.new_battery is not None:
        found.append(
            Violation("ALREADY_REGISTERED", "new_code", t("event.battery_on_record", code=new_code))
        )
    return found


def _not_a_utilizer(ctx: EventContext, doing: str) -> list[Violation]:
    if ctx.actor.kinds & UTILIZER_KINDS:
        return []
    return [Violation("NOT_A_UTILIZER", "battery_code", t("event.not_a_utilizer", doing=t(doing)))]


def _check_warehouse_entry(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_a_utilizer(ctx, "event.does.warehouse_entry")
    found.extend(_not_while_installed(battery, "event.action.taken_into_warehouse"))
    found.extend(_not_at_service_point(battery, "event.action.taken_into_warehouse"))
    if battery.status is BatteryStatus.IN_UTILIZATION:
        found.append(_wrong_status(battery, "event.action.taken_into_warehouse_again"))
    return found


def _check_warehouse_exit(
    event: LifecycleEvent, battery: BatteryState, ctx: EventContext
) -> list[Violation]:
    found = _not_a_utilizer(ctx, "event.does.warehouse_exit")
    if battery.status is not BatteryStatus.IN_UTILIZATION:
        found.append(
            Violation(
                "NOT_IN_WAREHOUSE", "battery_code", t("event.not_in_warehouse", code=battery.code)
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


# The phrases below (`does`, `action`) are catalog keys: "event.does.supply" says what only a
# maker does, "event.action.handed_over" what is done to a battery.


def _must_be_maker(battery: BatteryState, ctx: EventContext, does: str) -> list[Violation]:
    if battery.manufacturer == ctx.actor.id:
        return []
    said = t("event.not_manufacturer", does=t(does), code=battery.code)
    return [Violation("NOT_MANUFACTURER", "battery_code", said)]


def _not_while_installed(battery: BatteryState, action: str) -> list[Violation]:
    if battery.status is not BatteryStatus.INSTALLED:
        return []
    said = t("event.installed_in_vehicle", code=battery.code, action=t(action))
    return [Violation("INSTALLED_IN_VEHICLE", "battery_code", said)]


def _not_at_service_point(battery: BatteryState, action: str) -> list[Violation]:
    if battery.status is not BatteryStatus.AT_SERVICE_POINT:
        return []
    said = t("event.at_service_point", code=battery.code, action=t(action))
    return [Violation("AT_SERVICE_POINT", "battery_code", said)]


def _wrong_status(battery: BatteryState, action: str) -> Violation:
    return Violation(
        "INVALID_STATE",
        "battery_code",
        t("event.wrong_status", code=battery.code, action=t(action), status=battery.status),
    )


def _unknown_enterprise(enterprise_id: str | None) -> Violation:
    return Violation(
        "UNKNOWN_ENTERPRISE", "counterparty", t("event.unknown_enterprise", id=enterprise_id)
    )


def _out_of_order(what: str, key: str, last: date, event: LifecycleEvent) -> Violation:
    return Violation(
        "OUT_OF_ORDER",
        "occurred_on",
        t(
            "event.out_of_order_vehicle" if what == "vehicle" else "event.out_of_order_battery",
            occurred=event.occurred_on.isoformat(),
            key=key,
            last=last.isoformat(),
        ),
    )
