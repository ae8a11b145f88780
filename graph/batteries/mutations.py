"""The batteries' mutations: registration, supply, installation and removal, direct sale,
repair returns, intake at and hand-over from service points, disposal and second-life re-coding.

Enterprise users and partner systems with `events:write` record them (`EventRecorder`). Each
translates its input into one use case (`compliance.services.events`) and the outcome into a
payload. Which batteries the caller may record about is custody's rule: a battery it neither
holds nor answers for gets exactly the answer an unknown code gets.
"""

from collections.abc import Callable

import strawberry

from compliance.services import events as use_cases
from compliance.services.events import NewBattery
from compliance.services.outcome import Recorded, Request
from graph.batteries.inputs import (
    DisposeBatteriesInput,
    HandOverBatteriesInput,
    InstallBatteriesInput,
    ReceiveAtServicePointInput,
    ReceiveRepairReturnInput,
    RecodeBatteryInput,
    RegisterBatteriesInput,
    RemoveBatteriesInput,
    SellBatteryDirectlyInput,
    SupplyBatteriesInput,
    WarehouseEntryInput,
    WarehouseExitInput,
)
from graph.batteries.types import BatteryType
from graph.events.types import LifecycleEventType
from graph.mutations.common import (
    FieldPath,
    events_of,
    fields,
    obligations_of,
    recorded_answer,
    visible_batteries,
    visible_battery,
    visible_vehicle,
)
from graph.obligations.types import ObligationType
from graph.permissions import EventRecorder
from graph.types import Info, UserError
from graph.vehicles.types import VehicleType


@strawberry.type
class RegisterBatteriesPayload:
    registered: list[BatteryType]
    events: list[LifecycleEventType]
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class BatteriesPayload:
    batteries: list[BatteryType] = strawberry.field(
        description=(
            "The batteries as the caller may see them after the change: one it no longer "
            "holds or answers for (handed over, say) is left out."
        )
    )
    vehicle: VehicleType | None = strawberry.field(
        description="The vehicle they went into or came out of, if any."
    )
    events: list[LifecycleEventType] = strawberry.field(description="What was recorded.")
    obligations: list[ObligationType] = strawberry.field(description="The duties it created.")
    user_errors: list[UserError]


@strawberry.type
class BatteryPayload:
    battery: BatteryType | None
    events: list[LifecycleEventType]
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class DisposeBatteriesPayload:
    disposed: list[BatteryType]
    events: list[LifecycleEventType]
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class RecodeBatteryPayload:
    battery: BatteryType | None = strawberry.field(description="The code it had, now RECODED.")
    second_life: BatteryType | None = strawberry.field(description="Its new, second-life code.")
    events: list[LifecycleEventType]
    obligations: list[ObligationType]
    user_errors: list[UserError]


# Where each list mutation's violations point: the list of codes, item by item.
_CODES = {"battery_code": "codes"}


def _codes_path(dates: str, **names: str) -> FieldPath:
    return fields(
        {"occurred_on": dates, **_CODES, **names}, items="codes", whole_item={"battery_code"}
    )


async def _batteries(
    info: Info,
    run_case: Callable[[Request], Recorded],
    path: FieldPath,
    input: SupplyBatteriesInput
    | InstallBatteriesInput
    | RemoveBatteriesInput
    | DisposeBatteriesInput
    | WarehouseEntryInput
    | WarehouseExitInput
    | ReceiveAtServicePointInput
    | HandOverBatteriesInput,
    vin: str | None = None,
) -> BatteriesPayload:
    def refused(errors: list[UserError]) -> BatteriesPayload:
        return BatteriesPayload(
            batteries=[], vehicle=None, events=[], obligations=[], user_errors=errors
        )

    def payload(recorded: Recorded) -> BatteriesPayload:
        return BatteriesPayload(
            batteries=visible_batteries(info, [recorded.batteries.get(c) for c in input.codes]),
            vehicle=visible_vehicle(info, recorded, vin) if vin else None,
            events=events_of(recorded),
            obligations=obligations_of(recorded),
            user_errors=[],
        )

    return await recorded_answer(info, run_case, path, payload, refused, input=input)


async def _battery(
    info: Info,
    input: SellBatteryDirectlyInput | ReceiveRepairReturnInput,
    run_case: Callable[[Request], Recorded],
    path: FieldPath,
) -> BatteryPayload:
    def refused(errors: list[UserError]) -> BatteryPayload:
        return BatteryPayload(battery=None, events=[], obligations=[], user_errors=errors)

    def payload(recorded: Recorded) -> BatteryPayload:
        return BatteryPayload(
            battery=visible_battery(info, recorded.batteries.get(input.code)),
            events=events_of(recorded),
            obligations=obligations_of(recorded),
            user_errors=[],
        )

    return await recorded_answer(info, run_case, path, payload, refused, input=input)


@strawberry.mutation(
    description=(
        "Register coded batteries, up to 1000: a battery maker its own codes, or a vehicle "
        "maker the batteries of a maker not on the platform. Without producedOn, a "
        "battery's production date is the one its code carries."
    ),
    permission_classes=[EventRecorder],
)
async def register_batteries(info: Info, input: RegisterBatteriesInput) -> RegisterBatteriesPayload:
    path = fields(
        {"battery_code": "code", "occurred_on": "producedOn"},
        items="batteries",
        per_item={"battery_code", "parent_code", "occurred_on"},
    )

    store = info.context.store

    def refused(errors: list[UserError]) -> RegisterBatteriesPayload:
        return RegisterBatteriesPayload(
            registered=[], events=[], obligations=[], user_errors=errors
        )

    def payload(recorded: Recorded) -> RegisterBatteriesPayload:
        return RegisterBatteriesPayload(
            registered=visible_batteries(
                info, [recorded.batteries.get(b.code) for b in input.batteries]
            ),
            events=events_of(recorded),
            obligations=obligations_of(recorded),
            user_errors=[],
        )

    def register(request: Request) -> Recorded:
        # Built only once the caller and the input's size are accepted.
        items = [NewBattery(b.code, b.parent_code, b.produced_on) for b in input.batteries]
        return use_cases.register_batteries(store, request, items)

    return await recorded_answer(
        info,
        register,
        path,
        payload,
        refused,
        input=input,
    )


@strawberry.mutation(
    description=(
        "Supply batteries your enterprise holds to an automaker (battery makers), which "
        "holds them from then on. The first supply of a battery specification to an "
        "automaker creates the duty to give it the disassembly information."
    ),
    permission_classes=[EventRecorder],
)
async def supply_batteries(info: Info, input: SupplyBatteriesInput) -> BatteriesPayload:
    store = info.context.store
    return await _batteries(
        info,
        lambda request: use_cases.supply_batteries(
            store, request, input.codes, str(input.automaker_id), input.supplied_on
        ),
        _codes_path("suppliedOn", counterparty="automakerId"),
        input,
    )


@strawberry.mutation(
    description=(
        "Install batteries your enterprise holds in a vehicle of its own: a replacement, or "
        "a battery back from repair (new vehicles list theirs in the certificate)."
    ),
    permission_classes=[EventRecorder],
)
async def install_batteries(info: Info, input: InstallBatteriesInput) -> BatteriesPayload:
    store = info.context.store
    return await _batteries(
        info,
        lambda request: use_cases.install_batteries(
            store, request, input.vin, input.codes, input.installed_on
        ),
        _codes_path("installedOn"),
        input,
        vin=input.vin,
    )


@strawberry.mutation(
    description=(
        "Remove batteries from a vehicle: by its automaker, or by the dismantler that took "
        "it in. The enterprise removing them holds them from then on."
    ),
    permission_classes=[EventRecorder],
)
async def remove_batteries(info: Info, input: RemoveBatteriesInput) -> BatteriesPayload:
    store = info.context.store
    return await _batteries(
        info,
        lambda request: use_cases.remove_batteries(
            store, request, input.vin, input.codes, input.removed_on, input.reason
        ),
        _codes_path("removedOn"),
        input,
        vin=input.vin,
    )


@strawberry.mutation(
    description="Record a direct sale to a lessor or operator (its maker).",
    permission_classes=[EventRecorder],
)
async def sell_battery_directly(info: Info, input: SellBatteryDirectlyInput) -> BatteryPayload:
    store = info.context.store
    return await _battery(
        info,
        input,
        lambda request: use_cases.sell_directly(
            store,
            request,
            input.code,
            input.sold_on,
            input.buyer.strip(),
            input.province_code,
        ),
        fields(
            {
                "battery_code": "code",
                "occurred_on": "soldOn",
                "region_code": "provinceCode",
                "counterparty": "buyer",
            }
        ),
    )


@strawberry.mutation(
    description=(
        "Record a battery's return to its maker for repair (the maker), from the automaker "
        "holding it or answering for it, or from a direct-sale buyer."
    ),
    permission_classes=[EventRecorder],
)
async def receive_repair_return(info: Info, input: ReceiveRepairReturnInput) -> BatteryPayload:
    store = info.context.store
    return await _battery(
        info,
        input,
        lambda request: use_cases.receive_repair_return(
            store, request, input.code, input.received_on
        ),
        fields({"battery_code": "code", "occurred_on": "receivedOn"}),
    )


@strawberry.mutation(
    description="Record the disposal of old or waste batteries your enterprise holds.",
    permission_classes=[EventRecorder],
)
async def dispose_batteries(info: Info, input: DisposeBatteriesInput) -> DisposeBatteriesPayload:
    store = info.context.store
    payload = await _batteries(
        info,
        lambda request: use_cases.dispose_batteries(
            store, request, input.codes, input.disposed_on, input.origin
        ),
        _codes_path("disposedOn"),
        input,
    )
    return DisposeBatteriesPayload(
        disposed=payload.batteries,
        events=payload.events,
        obligations=payload.obligations,
        user_errors=payload.user_errors,
    )


@strawberry.mutation(
    description=(
        "A comprehensive-utilization enterprise takes waste batteries it holds into its "
        "warehouse (入库); under the 2025 Interim Measures it reports the entry within 30 days."
    ),
    permission_classes=[EventRecorder],
)
async def record_warehouse_entry(info: Info, input: WarehouseEntryInput) -> BatteriesPayload:
    store = info.context.store
    return await _batteries(
        info,
        lambda request: use_cases.warehouse_entry(store, request, input.codes, input.entered_on),
        _codes_path("enteredOn"),
        input,
    )


@strawberry.mutation(
    description=(
        "A comprehensive-utilization enterprise hands out what it made of batteries in its "
        "warehouse (出库); their life ends here. Reported within 30 days under the 2025 "
        "Interim Measures."
    ),
    permission_classes=[EventRecorder],
)
async def record_warehouse_exit(info: Info, input: WarehouseExitInput) -> BatteriesPayload:
    store = info.context.store
    return await _batteries(
        info,
        lambda request: use_cases.warehouse_exit(store, request, input.codes, input.exited_on),
        _codes_path("exitedOn"),
        input,
    )


@strawberry.mutation(
    description=(
        "Take batteries in at a service point your enterprise runs: batteries it holds or "
        "answers for (handed to it, removed by it, or sold directly by it)."
    ),
    permission_classes=[EventRecorder],
)
async def receive_at_service_point(
    info: Info, input: ReceiveAtServicePointInput
) -> BatteriesPayload:
    store = info.context.store
    return await _batteries(
        info,
        lambda request: use_cases.receive_at_service_point(
            store, request, str(input.service_point_id), input.codes, input.received_on
        ),
        _codes_path("receivedOn", service_point="servicePointId"),
        input,
    )


@strawberry.mutation(
    description=(
        "Hand batteries your enterprise holds to a recycler, or to a battery or vehicle "
        "maker's take-back network, out of one of your service points or from elsewhere. "
        "The recipient holds them from then on; they leave your view unless you answer for "
        "them or made them."
    ),
    permission_classes=[EventRecorder],
)
async def hand_over_batteries(info: Info, input: HandOverBatteriesInput) -> BatteriesPayload:
    store = info.context.store
    point = str(input.service_point_id) if input.service_point_id is not None else None
    return await _batteries(
        info,
        lambda request: use_cases.hand_over(
            store, request, point, input.codes, input.handed_over_on, str(input.recipient_id)
        ),
        _codes_path("handedOverOn", service_point="servicePointId", counterparty="recipientId"),
        input,
    )


@strawberry.mutation(
    description=(
        "Re-code a battery your enterprise holds for second life; the new code links back "
        "to the old one, which can have nothing more happen to it."
    ),
    permission_classes=[EventRecorder],
)
async def recode_battery(info: Info, input: RecodeBatteryInput) -> RecodeBatteryPayload:
    store = info.context.store
    path = fields({"battery_code": "code", "occurred_on": "recodedOn"})

    def refused(errors: list[UserError]) -> RecodeBatteryPayload:
        return RecodeBatteryPayload(
            battery=None, second_life=None, events=[], obligations=[], user_errors=errors
        )

    def payload(recorded: Recorded) -> RecodeBatteryPayload:
        return RecodeBatteryPayload(
            battery=visible_battery(info, recorded.batteries.get(input.code)),
            second_life=visible_battery(info, recorded.batteries.get(input.new_code)),
            events=events_of(recorded),
            obligations=obligations_of(recorded),
            user_errors=[],
        )

    return await recorded_answer(
        info,
        lambda request: use_cases.recode_battery(
            store, request, input.code, input.new_code, input.recoded_on
        ),
        path,
        payload,
        refused,
        input=input,
    )
