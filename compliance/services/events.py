"""Use cases that record lifecycle events, one function each: what a request means in events,
and which of them are written together. The checks, custody and obligations are the same for
all of them (`compliance.services.recording`).

A violation's `field` names the event field at fault; its index is the item of the request's
list it concerns. Lists name each code once and are capped, so a request's cost is bounded by
what it asks, never by what is on record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

from msgspec import Struct

from compliance.codes import check_vin, decode_battery_code
from compliance.lifecycle import DisposalOrigin, EventKind, RemovalReason, Violation
from compliance.messages import listing, t
from compliance.services.outcome import Recorded, Refusal, Request, refused
from compliance.services.recording import new_event, record
from compliance.services.store import Store

MAX_BATCH = 1000  # batteries registered, supplied, disposed ... in one request
MAX_VEHICLE_BATTERIES = 24  # traction batteries listed for one vehicle


class NewBattery(Struct, frozen=True):
    code: str
    parent_code: str | None = None
    produced_on: date | None = None


def list_violations(
    items: Sequence[str], limit: int, field_name: str, what: str = "what.code"
) -> list[Violation]:
    """A list of codes: at least one, at most `limit`, each once. `field_name` is the event
    field the list is made of; `what` is the catalog key of how the message calls one of its
    items ("what.code")."""
    if not items:
        return [Violation("EMPTY", field_name, t("list.empty", what=t(what)))]
    if len(items) > limit:
        said = t(
            "limit.too_many",
            size=len(items),
            limit=limit,
            per=t("limit.per.request"),
            advice=t("limit.advice.split"),
        )
        return [Violation("TOO_MANY_ITEMS", field_name, said)]
    repeated = sorted(item for item, n in Counter(items).items() if n > 1)
    if repeated:
        key = "list.repeated_more" if len(repeated) > 10 else "list.repeated"
        return [Violation("DUPLICATE", field_name, t(key, items=listing(repeated[:10])))]
    return []


def register_batteries(store: Store, request: Request, items: Sequence[NewBattery]) -> Recorded:
    """A maker registers the batteries it coded (or a vehicle maker, those of a maker not on
    the platform). Without a production date, a battery's is the one its code carries."""
    if found := list_violations([b.code for b in items], MAX_BATCH, "batteries", "what.battery"):
        return refused(*found)
    events, indexes, undated = [], [], []
    for index, item in enumerate(items):
        produced = item.produced_on or _code_date(item.code, request.today)
        if (
            produced is None
            and decode_battery_code(item.code, strict=False, today=request.today).valid
        ):
            # A code that reads but carries no date it can be told by: the date must be given.
            undated.append(
                Refusal(
                    Violation(
                        "REQUIRED", "occurred_on", t("event.production_date_unread", code=item.code)
                    ),
                    index,
                )
            )
            continue
        # A code that does not read at all is refused by the checks, whatever the date.
        events.append(
            new_event(
                EventKind.BATTERY_PRODUCED,
                request.actor.id,
                produced or request.today,
                battery_code=item.code,
                **({"parent_code": item.parent_code} if item.parent_code else {}),
            )
        )
        indexes.append(index)
    if undated:
        checked = record(store, request, events, indexes=indexes, check_only=True)
        return Recorded(refusals=tuple(sorted((*undated, *checked.refusals), key=_by_index)))
    return record(store, request, events, indexes=indexes, groups=_each(events))


def _by_index(refusal: Refusal) -> int:
    return refusal.index if refusal.index is not None else -1


def _code_date(code: str, today: date) -> date | None:
    report = decode_battery_code(code, strict=False, today=today)
    return report.battery.production_date if report.battery else None


def supply_batteries(
    store: Store, request: Request, codes: Sequence[str], automaker: str, supplied_on: date
) -> Recorded:
    """A maker supplies batteries it holds to an automaker, which then holds them."""
    return _each_battery(
        store, request, codes, EventKind.BATTERY_SUPPLIED, supplied_on, {"counterparty": automaker}
    )


def announce_model(
    store: Store,
    request: Request,
    model: str,
    approved_on: date,
    *,
    imported: bool,
    battery_swap: bool = False,
) -> Recorded:
    kind = EventKind.MODEL_CCC_CERTIFIED if imported else EventKind.MODEL_ANNOUNCED
    # Only a swap model says so: the event of any other keeps the id it always had.
    swap = {"battery_swap": True} if battery_swap else {}
    event = new_event(kind, request.actor.id, approved_on, model=model, **swap)
    return record(store, request, [event])


def certify_vehicle(
    store: Store,
    request: Request,
    vin: str,
    model: str,
    certified_on: date,
    battery_codes: Sequence[str],
    *,
    imported: bool,
) -> Recorded:
    """A factory certificate (or customs clearance) puts a vehicle on record with the batteries
    installed in it, all at once. Index 0 is the vehicle; index i+1 is battery_codes[i]."""
    if found := _vehicle_batteries(battery_codes):
        # Refused before anything is read; a malformed VIN is said at the same time.
        return refused(
            *found, *(Violation("INVALID_VIN", "vin", i.message) for i in check_vin(vin))
        )
    kind = EventKind.CUSTOMS_CLEARED if imported else EventKind.FACTORY_CERTIFICATE_ISSUED
    actor = request.actor.id
    events = [new_event(kind, actor, certified_on, vin=vin, model=model)]
    events += [
        new_event(EventKind.BATTERY_INSTALLED, actor, certified_on, vin=vin, battery_code=code)
        for code in battery_codes
    ]
    return record(store, request, events, indexes=list(range(len(events))))


def _vehicle_batteries(codes: Sequence[str]) -> list[Violation]:
    if not codes:
        return [Violation("REQUIRED", "battery_codes", t("event.vehicle_batteries_required"))]
    return list_violations(codes, MAX_VEHICLE_BATTERIES, "battery_codes")


def register_vehicle(
    store: Store, request: Request, vin: str, registered_on: date, region_code: str
) -> Recorded:
    event = new_event(
        EventKind.VEHICLE_REGISTERED,
        request.actor.id,
        registered_on,
        vin=vin,
        region_code=region_code,
    )
    return record(store, request, [event])


def install_batteries(
    store: Store, request: Request, vin: str, codes: Sequence[str], installed_on: date
) -> Recorded:
    """An automaker installs batteries it holds (a replacement, or one back from repair) in a
    vehicle of its own, all at once."""
    return _each_battery(
        store,
        request,
        codes,
        EventKind.BATTERY_INSTALLED,
        installed_on,
        {"vin": vin},
        one_change=True,
    )


def remove_batteries(
    store: Store,
    request: Request,
    vin: str,
    codes: Sequence[str],
    removed_on: date,
    reason: RemovalReason,
) -> Recorded:
    """The enterprise holding a vehicle (its automaker, or the dismantler that took it in)
    takes batteries out of it, all at once; it then holds them."""
    return _each_battery(
        store,
        request,
        codes,
        EventKind.BATTERY_REMOVED,
        removed_on,
        {"vin": vin, "reason": reason},
        one_change=True,
    )


def sell_directly(
    store: Store,
    request: Request,
    code: str,
    sold_on: date,
    buyer: str,
    province_code: str,
) -> Recorded:
    event = new_event(
        EventKind.BATTERY_SOLD_DIRECTLY,
        request.actor.id,
        sold_on,
        battery_code=code,
        region_code=province_code,
        counterparty=buyer,
    )
    return record(store, request, [event])


def receive_repair_return(store: Store, request: Request, code: str, received_on: date) -> Recorded:
    event = new_event(
        EventKind.REPAIR_RETURN_RECEIVED, request.actor.id, received_on, battery_code=code
    )
    return record(store, request, [event])


def dispose_batteries(
    store: Store,
    request: Request,
    codes: Sequence[str],
    disposed_on: date,
    origin: DisposalOrigin | None,
) -> Recorded:
    fields = {"origin": origin} if origin else {}
    return _each_battery(store, request, codes, EventKind.BATTERY_DISPOSED, disposed_on, fields)


def warehouse_entry(
    store: Store, request: Request, codes: Sequence[str], entered_on: date
) -> Recorded:
    """A comprehensive-utilization enterprise takes waste batteries it holds into its
    warehouse (入库)."""
    return _each_battery(store, request, codes, EventKind.WAREHOUSE_ENTRY, entered_on, {})


def warehouse_exit(
    store: Store, request: Request, codes: Sequence[str], exited_on: date
) -> Recorded:
    """It hands out what it made of batteries in its warehouse (出库); their life ends here."""
    return _each_battery(store, request, codes, EventKind.WAREHOUSE_EXIT, exited_on, {})


def receive_at_service_point(
    store: Store, request: Request, point_id: str, codes: Sequence[str], received_on: date
) -> Recorded:
    """A service point's operator takes in batteries it holds or answers for."""
    return _each_battery(
        store,
        request,
        codes,
        EventKind.SERVICE_POINT_RECEIVED,
        received_on,
        {"service_point": point_id},
    )


def hand_over(
    store: Store,
    request: Request,
    point_id: str | None,
    codes: Sequence[str],
    handed_over_on: date,
    recipient: str,
) -> Recorded:
    """Batteries pass to another enterprise, which holds them from then on: out of a service
    point of the reporter's (`point_id`), or from wherever else it holds them (a dismantler's
    yard, an automaker's workshop)."""
    fields: dict[str, object] = {"counterparty": recipient}
    if point_id is not None:  # an empty id names no point: it is refused, not ignored
        kind, fields["service_point"] = EventKind.SERVICE_POINT_HANDED_OUT, point_id
    else:
        kind = EventKind.BATTERY_HANDED_OVER
    return _each_battery(store, request, codes, kind, handed_over_on, fields)


def _each_battery(
    store: Store,
    request: Request,
    codes: Sequence[str],
    kind: EventKind,
    on: date,
    fields: Mapping[str, object],
    *,
    one_change: bool = False,
) -> Recorded:
    """One event of `kind` per battery listed. Batteries in or out of one vehicle are one
    change (`one_change`); any others are written each on its own, as few writes as storage
    allows, so that a thousand of them need not fit one transaction."""
    limit = MAX_VEHICLE_BATTERIES if one_change else MAX_BATCH
    if found := list_violations(codes, limit, "battery_code"):
        return refused(*found)
    events = [new_event(kind, request.actor.id, on, battery_code=code, **fields) for code in codes]
    groups = None if one_change else _each(events)
    return record(store, request, events, indexes=list(range(len(codes))), groups=groups)


def scrap_vehicle(
    store: Store, request: Request, vin: str, scrapped_on: date, battery_codes: Sequence[str]
) -> Recorded:
    """A dismantler takes in a vehicle for scrapping with the batteries that came with it; a
    vehicle whose installed batteries did not come is recorded as incomplete."""
    if battery_codes and (
        found := list_violations(battery_codes, MAX_VEHICLE_BATTERIES, "battery_codes")
    ):
        return refused(*found)
    event = new_event(
        EventKind.VEHICLE_SCRAPPED,
        request.actor.id,
        scrapped_on,
        vin=vin,
        battery_codes=tuple(battery_codes),
    )
    return record(store, request, [event])


def recode_battery(
    store: Store, request: Request, code: str, new_code: str, recoded_on: date
) -> Recorded:
    """The enterprise holding a battery re-codes it for second life; the new code links back."""
    event = new_event(
        EventKind.BATTERY_RECODED,
        request.actor.id,
        recoded_on,
        battery_code=code,
        new_code=new_code,
    )
    return record(store, request, [event])


def _each(events: Sequence[object]) -> list[list[int]]:
    return [[i] for i in range(len(events))]
