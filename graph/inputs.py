"""GraphQL input types: the exact names frontends and partner systems code against."""

from datetime import date

import strawberry

from graph.types import (
    DisposalOriginType,
    EnterpriseKindType,
    ObligationStatusType,
    RemovalReasonType,
    ServicePointTypeType,
)


@strawberry.input
class ObligationFilter:
    status: list[ObligationStatusType] | None = None  # type: ignore[valid-type]
    rule_id: list[str] | None = None
    due_on_or_before: date | None = None
    due_on_or_after: date | None = None
    triggered_on_or_after: date | None = strawberry.field(
        default=None, description="Only duties whose triggering event happened on or after it."
    )
    triggered_on_or_before: date | None = strawberry.field(
        default=None, description="Only duties whose triggering event happened on or before it."
    )
    vin: str | None = strawberry.field(
        default=None, description="Only the duties about this vehicle (at most one subject)."
    )
    battery_code: str | None = strawberry.field(
        default=None, description="Only the duties about this battery (at most one subject)."
    )
    model_code: str | None = strawberry.field(
        default=None,
        description="Only the duties about this vehicle model itself (at most one subject).",
    )
    region_code: str | None = strawberry.field(
        default=None,
        description=(
            "Only the coverage duties of this region: a prefecture (`350100`) or a province "
            "(`350000`) (at most one subject)."
        ),
    )
    enterprise_id: strawberry.ID | None = strawberry.field(
        default=None, description="Regulators: one enterprise. Others: only their own."
    )


@strawberry.input
class ContactInput:
    email: str
    language: str = strawberry.field(description="BCP 47 language tag: zh-CN or en.")


@strawberry.input
class RegisterEnterpriseInput:
    id: strawberry.ID = strawberry.field(description="Unified Social Credit Code (18 chars).")
    name: str
    kinds: list[EnterpriseKindType]  # type: ignore[valid-type]
    manufacturer_codes: list[str] | None = None
    province_code: str | None = None
    contacts: list[ContactInput] | None = None


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
class UpdateEnterpriseInput:
    id: strawberry.ID = strawberry.field(description="The enterprise's USCC.")
    name: str | None = strawberry.field(default=None, description="Left as it is if omitted.")
    contacts: list[ContactInput] | None = strawberry.field(
        default=None,
        description="Reminder recipients; replaces the whole list. Left as it is if omitted.",
    )
    province_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 province code. Left as it is if omitted."
    )


@strawberry.input
class SupplyBatteriesInput:
    codes: list[str] = strawberry.field(description="Batteries your enterprise holds; up to 1000.")
    automaker_id: strawberry.ID = strawberry.field(description="USCC of the automaker supplied.")
    supplied_on: date


@strawberry.input
class AnnounceModelInput:
    model: str = strawberry.field(description="The model's code.")
    announced_on: date = strawberry.field(
        description="MIIT announcement date, or CCC certificate date for an imported model."
    )
    imported: bool = False


@strawberry.input
class IssueFactoryCertificateInput:
    vin: str
    model: str
    issued_on: date
    battery_codes: list[str]


@strawberry.input
class ClearCustomsInput:
    vin: str
    model: str
    cleared_on: date
    battery_codes: list[str]


@strawberry.input
class RegisterVehicleInput:
    vin: str
    registered_on: date
    region_code: str = strawberry.field(description="GB/T 2260 code of a prefecture or county.")


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
    reason: RemovalReasonType  # type: ignore[valid-type]


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
    origin: DisposalOriginType | None = None  # type: ignore[valid-type]


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
class ScrapVehicleInput:
    vin: str
    scrapped_on: date = strawberry.field(
        description="The date of the scrap-vehicle recycling certificate."
    )
    battery_codes: list[str] = strawberry.field(
        default_factory=list,
        description=(
            "The traction batteries that came with the vehicle. An installed battery not "
            "listed is recorded as missing: the vehicle was scrapped incomplete."
        ),
    )


@strawberry.input
class RecodeBatteryInput:
    code: str = strawberry.field(description="A battery your enterprise holds.")
    new_code: str = strawberry.field(
        description="Its second-life code, under one of your enterprise's manufacturer codes."
    )
    recoded_on: date


@strawberry.input
class FulfillObligationInput:
    id: strawberry.ID
    fulfilled_on: date
    platform_receipt: str | None = None


@strawberry.input
class WaiveObligationInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class ServicePointInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit to create a point; give it to update one."
    )
    name: str
    point_type: ServicePointTypeType  # type: ignore[valid-type]
    region_code: str
    address: str | None = None
    active: bool = True


@strawberry.input
class LoadCalendarYearInput:
    year: int
    holidays: list[date] = strawberry.field(description="Rest days falling Monday-Friday.")
    make_up_workdays: list[date] = strawberry.field(description="Weekend days declared working.")
    source: str = strawberry.field(description="The State Council notice, e.g. its number.")
    announced_on: date | None = None
