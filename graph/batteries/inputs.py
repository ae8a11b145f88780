"""The batteries' input types: one per mutation, and the `batteries` list's relation and filter;
the exact names frontends and partner systems code against."""

from datetime import date

import strawberry

from compliance.lifecycle import BatteryStatus, DisposalOrigin, RemovalReason
from compliance.store import lists
from graph.lists import ENTERPRISE

strawberry.enum(
    lists.BatteryRelation,
    name="BatteryRelation",
    description="MADE: batteries the enterprise manufactured. RESPONSIBLE: batteries it answers "
    "for (an automaker: among them those in its vehicles). HELD: batteries it holds now.",
)


@strawberry.input
class BatteryFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description=ENTERPRISE)
    status: list[BatteryStatus] | None = None
    produced_on_or_after: date | None = None
    produced_on_or_before: date | None = None


@strawberry.input
class BatteryRegistrationInput:
    code: str
    parent_code: str | None = strawberry.field(
        default=None, description="The pack or module it belongs to."
    )
    produced_on: date | None = strawberry.field(
        default=None,
        description=(
            "When it was produced and coded. Leave it out to use the date its code carries "
            "(positions 15-17); a date that differs from the code's is refused."
        ),
    )


@strawberry.input
class RegisterBatteriesInput:
    batteries: list[BatteryRegistrationInput] = strawberry.field(description="Up to 1000.")


@strawberry.input
class SupplyBatteriesInput:
    codes: list[str] = strawberry.field(description="Batteries your enterprise holds; up to 1000.")
    automaker_id: strawberry.ID = strawberry.field(description="USCC of the automaker supplied.")
    supplied_on: date


@strawberry.input
class InstallBatteriesInput:
    vin: str = strawberry.field(description="A vehicle of your enterprise's.")
    codes: list[str] = strawberry.field(
        description="Batteries your enterprise holds (supplied to it, or removed by it)."
    )
    installed_on: date


@strawberry.input
class RemoveBatteriesInput:
    vin: str = strawberry.field(
        description="A vehicle of your enterprise's, or one it took in for scrapping."
    )
    codes: list[str] = strawberry.field(description="Batteries installed in that vehicle.")
    removed_on: date
    reason: RemovalReason


@strawberry.input
class SellBatteryDirectlyInput:
    code: str
    sold_on: date
    buyer: str
    province_code: str


@strawberry.input
class ReceiveRepairReturnInput:
    code: str
    received_on: date


@strawberry.input
class DisposeBatteriesInput:
    codes: list[str]
    disposed_on: date
    origin: DisposalOrigin | None = None


@strawberry.input
class WarehouseEntryInput:
    codes: list[str] = strawberry.field(
        description="Waste batteries your enterprise holds (handed over to it)."
    )
    entered_on: date = strawberry.field(description="The day they entered the warehouse.")


@strawberry.input
class WarehouseExitInput:
    codes: list[str] = strawberry.field(description="Batteries in your enterprise's warehouse.")
    exited_on: date = strawberry.field(description="The day what was made of them was handed out.")


@strawberry.input
class ReceiveAtServicePointInput:
    service_point_id: strawberry.ID = strawberry.field(description="A point your enterprise runs.")
    codes: list[str] = strawberry.field(
        description="Batteries your enterprise holds or answers for."
    )
    received_on: date


@strawberry.input
class HandOverBatteriesInput:
    service_point_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "The point of yours the batteries leave. Leave it out when they leave from "
            "elsewhere (a dismantler's yard, an automaker's workshop)."
        ),
    )
    codes: list[str]
    handed_over_on: date
    recipient_id: strawberry.ID = strawberry.field(
        description="USCC of the recycler, or of the battery or vehicle maker whose take-back "
        "network receives them; it holds them from then on."
    )


@strawberry.input
class RecodeBatteryInput:
    code: str = strawberry.field(description="A battery your enterprise holds.")
    new_code: str = strawberry.field(
        description="Its second-life code, under one of your enterprise's manufacturer codes."
    )
    recoded_on: date
