"""Custody and responsibility: who holds a battery, who answers for it, who may record what
happens to a battery, vehicle or model, and who may see each (docs/DOMAIN.md 1.1 and 4.1).

This is the one home of these rules. Everything that accepts an event or shows a record asks
here; a record the asker may not touch is, for it, a record that does not exist, so a refusal
can never tell it that the record is there, whose it is, or when anything happened to it.
Pure: states in, answers out.
"""

from __future__ import annotations

from msgspec.structs import replace

from compliance.lifecycle import (
    CERTIFICATION_EVENTS,
    MODEL_EVENTS,
    BatteryState,
    EnterpriseFacts,
    EnterpriseKind,
    EventContext,
    EventKind,
    LifecycleEvent,
    ModelState,
    VehicleState,
)

# --- who answers for a battery, and who holds it --------------------------------------------


def responsible_after(
    state: BatteryState | None, event: LifecycleEvent, vehicle_automaker: str | None
) -> str:
    """Who answers for the battery's take-back once `event` has happened (docs/DOMAIN.md 1.1).

    Installed in a vehicle: that vehicle's automaker. Sold directly to the market: the battery's
    manufacturer. Neither yet: whoever registered it (its maker, or the vehicle maker that
    brought in a battery whose maker is not on the platform). Removal, repair, service points
    and hand-overs leave responsibility where it was.
    """
    if event.kind is EventKind.BATTERY_PRODUCED or state is None:
        return event.actor
    if event.kind is EventKind.BATTERY_INSTALLED:
        return vehicle_automaker or event.actor
    if event.kind is EventKind.BATTERY_SOLD_DIRECTLY and state.manufacturer is not None:
        return state.manufacturer
    return state.responsible


def custodian_after(event: LifecycleEvent) -> str | None:
    """Who holds the battery once `event` has happened (docs/DOMAIN.md 4.1): the maker until it
    supplies or sells it; the automaker supplied, and while the battery is in its vehicle; the
    operator of the service point that received it; the enterprise it was handed to; the
    dismantler that took in its vehicle. A direct-sale buyer is not on the platform: None."""
    if event.kind is EventKind.BATTERY_SUPPLIED:
        return event.counterparty
    if event.kind is EventKind.BATTERY_SOLD_DIRECTLY:
        return None
    if event.kind in (EventKind.SERVICE_POINT_HANDED_OUT, EventKind.BATTERY_HANDED_OVER):
        return event.counterparty
    return event.actor


# --- who may record what --------------------------------------------------------------------


def may_record_about_battery(actor: str, kind: EventKind, battery: BatteryState) -> bool:
    """Whether `actor` may report an event of `kind` about `battery` as it is now.

    The enterprise holding the battery may; while a buyer off the platform holds it, the
    enterprise answering for it may. A maker may also take its battery back for repair from
    whoever holds it in the maker's own chain: the automaker it was supplied to, or the one
    answering for it (never from a service point of another, a recycler or a dismantler).
    """
    if battery.custodian == actor:
        return True
    if battery.custodian is None and battery.responsible == actor:
        return True
    return (
        kind is EventKind.REPAIR_RETURN_RECEIVED
        and battery.manufacturer == actor
        and battery.custodian in (battery.responsible, battery.supplied_to)
    )


def may_record_about_vehicle(
    actor: EnterpriseFacts, kind: EventKind, vehicle: VehicleState, battery_code: str | None = None
) -> bool:
    """A vehicle is its automaker's until a dismantler takes it in, and that dismantler's after.
    Any dismantler may try to take in a vehicle no one has scrapped (its licence's purpose; the
    checks accept only a registered one, and answer any other as a VIN not on record). A
    battery that did not come with the vehicle to the dismantler stays its automaker's to account
    for: the automaker may still record its removal."""
    if vehicle.scrapped_by is not None:
        missing = (
            kind is EventKind.BATTERY_REMOVED
            and battery_code in vehicle.missing_battery_codes
            and vehicle.automaker == actor.id
        )
        return vehicle.scrapped_by == actor.id or missing
    if kind is EventKind.VEHICLE_SCRAPPED:
        return EnterpriseKind.DISMANTLER in actor.kinds
    return vehicle.automaker == actor.id


def may_use_model(actor: str, model: ModelState) -> bool:
    return model.owner == actor


def may_use_parent(actor: str, parent: BatteryState) -> bool:
    """Parts are registered into a pack or module that their own maker still holds."""
    return parent.manufacturer == actor and parent.custodian == actor


def as_seen_by(ctx: EventContext, event: LifecycleEvent) -> EventContext:
    """The context with every record the reporter may not touch taken out, so that the checks
    see exactly what they would see if that record did not exist.

    The record an event creates stays in, so that a second one is refused; the checks then say
    only that the key is taken, never by whom or since when.
    """
    actor = ctx.actor
    model = ctx.model
    if model is not None and event.kind not in MODEL_EVENTS:
        model = model if may_use_model(actor.id, model) else None
    vehicle = ctx.vehicle
    if vehicle is not None and event.kind not in CERTIFICATION_EVENTS:
        may = may_record_about_vehicle(actor, event.kind, vehicle, event.battery_code)
        vehicle = vehicle if may else None
    battery = ctx.battery
    if battery is not None and event.kind is not EventKind.BATTERY_PRODUCED:
        battery = battery if may_record_about_battery(actor.id, event.kind, battery) else None
    parent = ctx.parent if ctx.parent and may_use_parent(actor.id, ctx.parent) else None
    point = ctx.service_point
    point = point if point is not None and point.operator == actor.id else None
    return replace(
        ctx, model=model, vehicle=vehicle, battery=battery, parent=parent, service_point=point
    )


# --- who may see what -----------------------------------------------------------------------


def sees_battery(enterprise: str, battery: BatteryState) -> bool:
    """Its maker, the enterprise answering for it, the automaker of the vehicle it is in, and
    the enterprise holding it."""
    return enterprise in (
        battery.manufacturer,
        battery.responsible,
        battery.vehicle_automaker,
        battery.custodian,
    )


def sees_vehicle(enterprise: str, vehicle: VehicleState) -> bool:
    """Its automaker, and the dismantler that took it in."""
    return enterprise in (vehicle.automaker, vehicle.scrapped_by)


def sees_model(enterprise: str, model: ModelState) -> bool:
    return enterprise == model.owner
