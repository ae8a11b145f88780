"""Folding events into states: what each accepted event does to a model, a vehicle or a
battery. Custody and responsibility move as `compliance.custody` says. Pure."""

from __future__ import annotations

from msgspec.structs import replace

from compliance.custody import custodian_after, responsible_after
from compliance.lifecycle import (
    CERTIFICATION_EVENTS,
    MODEL_EVENTS,
    BatteryState,
    BatteryStatus,
    EnterpriseFacts,
    EventKind,
    LifecycleEvent,
    ModelState,
    VehicleState,
)


def apply_model(state: ModelState | None, event: LifecycleEvent) -> ModelState:
    if event.kind not in MODEL_EVENTS or event.model is None:
        raise ValueError(f"{event.kind} is not a model event")
    return ModelState(
        code=event.model,
        owner=event.actor,
        imported=event.kind is EventKind.MODEL_CCC_CERTIFIED,
        approved_on=event.occurred_on,
        battery_swap=event.battery_swap,
    )


def apply_vehicle(
    state: VehicleState | None, event: LifecycleEvent, *, battery_swap: bool = False
) -> VehicleState:
    """The vehicle after a vehicle event; ``battery_swap`` is its model's, read at
    certification."""
    if event.vin is None:
        raise ValueError(f"{event.kind} event {event.id} has no VIN")
    if event.kind in CERTIFICATION_EVENTS:
        if event.model is None:
            raise ValueError(f"{event.kind} event {event.id} has no model")
        return VehicleState(
            vin=event.vin,
            automaker=event.actor,
            model=event.model,
            imported=event.kind is EventKind.CUSTOMS_CLEARED,
            certified_on=event.occurred_on,
            battery_swap=battery_swap,
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
            history=state.history + 1,
        )
    if event.kind is EventKind.VEHICLE_SCRAPPED:
        return replace(
            state,
            scrapped_on=event.occurred_on,
            scrapped_by=event.actor,
            missing_battery_codes=state.battery_codes - set(event.battery_codes),
            arrived_without_battery=not event.battery_codes,
            last_event_on=event.occurred_on,
            history=state.history + 1,
        )
    raise ValueError(f"{event.kind} is not a vehicle event")


def with_battery(vehicle: VehicleState, event: LifecycleEvent) -> VehicleState:
    """The vehicle after a battery event that puts a battery into it or takes one out."""
    code = event.battery_code
    if code is None:
        raise ValueError(f"{event.kind} event {event.id} has no battery code")
    # Its latest date moves with them, so that nothing can be dated before a battery went in or
    # came out (a scrapping, a registration); its history does not: they are the battery's events.
    latest = max(vehicle.last_event_on, event.occurred_on)
    if event.kind is EventKind.BATTERY_INSTALLED:
        return replace(vehicle, battery_codes=vehicle.battery_codes | {code}, last_event_on=latest)
    if event.kind is EventKind.BATTERY_REMOVED:
        # A battery missing at scrapping stays missing: that is evidence, whatever came after.
        return replace(vehicle, battery_codes=vehicle.battery_codes - {code}, last_event_on=latest)
    raise ValueError(f"{event.kind} neither installs nor removes a battery")


def maker_of(code: str, actor: EnterpriseFacts) -> str | None:
    """The maker on the platform of a battery `actor` registers: itself when the code carries
    one of its manufacturer codes; otherwise its maker is not on the platform (None)."""
    return actor.id if code[:3] in actor.manufacturer_codes else None


def produced_battery(event: LifecycleEvent, maker: str | None) -> BatteryState:
    """A battery just registered; its registrant holds it and answers for it."""
    if event.kind is not EventKind.BATTERY_PRODUCED or event.battery_code is None:
        raise ValueError(f"{event.kind} does not register a battery")
    return BatteryState(
        code=event.battery_code,
        manufacturer=maker,
        produced_on=event.occurred_on,
        status=BatteryStatus.REGISTERED,
        last_event_on=event.occurred_on,
        responsible=event.actor,
        custodian=event.actor,
        parent_code=event.parent_code,
    )


_STATUS_AFTER = {
    EventKind.BATTERY_SUPPLIED: BatteryStatus.SUPPLIED,
    EventKind.BATTERY_INSTALLED: BatteryStatus.INSTALLED,
    EventKind.BATTERY_REMOVED: BatteryStatus.REMOVED,
    EventKind.BATTERY_SOLD_DIRECTLY: BatteryStatus.SOLD_DIRECTLY,
    EventKind.REPAIR_RETURN_RECEIVED: BatteryStatus.IN_REPAIR,
    EventKind.SERVICE_POINT_RECEIVED: BatteryStatus.AT_SERVICE_POINT,
    EventKind.SERVICE_POINT_HANDED_OUT: BatteryStatus.HANDED_OVER,
    EventKind.BATTERY_HANDED_OVER: BatteryStatus.HANDED_OVER,
    EventKind.BATTERY_DISPOSED: BatteryStatus.DISPOSED,
    EventKind.BATTERY_RECODED: BatteryStatus.RECODED,
    EventKind.WAREHOUSE_ENTRY: BatteryStatus.IN_UTILIZATION,
    EventKind.WAREHOUSE_EXIT: BatteryStatus.UTILIZED,
}


def apply_battery(
    state: BatteryState, event: LifecycleEvent, vehicle_automaker: str | None = None
) -> BatteryState:
    """The battery's state after `event`; `vehicle_automaker` is needed for installations."""
    if event.kind is EventKind.VEHICLE_SCRAPPED:
        # Taken in with its vehicle: the dismantler holds it; it is still in the vehicle.
        return replace(
            state,
            custodian=event.actor,
            last_event_on=event.occurred_on,
            history=state.history + 1,
        )
    if event.kind not in _STATUS_AFTER:
        raise ValueError(f"{event.kind} is not an event about an existing battery")
    changes: dict[str, object] = {
        "status": _STATUS_AFTER[event.kind],
        "last_event_on": event.occurred_on,
        "responsible": responsible_after(state, event, vehicle_automaker),
        "custodian": custodian_after(event),
        "history": state.history + 1,
    }
    if event.kind is EventKind.BATTERY_SUPPLIED:
        changes["supplied_to"] = event.counterparty
    elif event.kind is EventKind.BATTERY_INSTALLED:
        changes["vin"] = event.vin
        changes["vehicle_automaker"] = vehicle_automaker
    elif event.kind is EventKind.BATTERY_REMOVED:
        changes["vehicle_automaker"] = None
    elif event.kind is EventKind.SERVICE_POINT_RECEIVED:
        changes["service_point"] = event.service_point
    elif event.kind is EventKind.SERVICE_POINT_HANDED_OUT:
        changes["service_point"] = None
    elif event.kind is EventKind.BATTERY_RECODED:
        changes["recoded_as"] = event.new_code
    return replace(state, **changes)


def second_life_battery(original: BatteryState, event: LifecycleEvent) -> BatteryState:
    """The new battery a BATTERY_RECODED event creates: registered by the re-coder, who makes,
    holds and answers for it, linked back to the code it replaces."""
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
        custodian=event.actor,
        original_code=original.code,
        history=0,  # the re-coding is in the history of the code it replaces
    )
