"""The vehicles' input types: one per mutation, and the `vehicles` and `models` lists'
relation and filters; the exact names frontends and partner systems code against."""

from datetime import date

import strawberry

from compliance.store import lists
from graph.lists import ENTERPRISE

strawberry.enum(
    lists.VehicleRelation,
    name="VehicleRelation",
    description="MADE: vehicles the enterprise made or imported. SCRAPPED: vehicles it took in "
    "for scrapping (a dismantler).",
)
strawberry.enum(
    lists.VehicleStatus,
    name="VehicleStatus",
    description="CERTIFIED: factory certificate or customs clearance, not registered yet. "
    "REGISTERED: registered, in use. SCRAPPED: taken in by a dismantler.",
)


@strawberry.input
class VehicleFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description=ENTERPRISE)
    model: str | None = strawberry.field(
        default=None, description="A model code (read from the model's own index)."
    )
    status: list[lists.VehicleStatus] | None = None
    region_code: str | None = strawberry.field(
        default=None,
        description="GB/T 2260 code of any level: vehicles registered within that division.",
    )
    certified_on_or_after: date | None = None
    certified_on_or_before: date | None = None
    registered_on_or_after: date | None = None
    registered_on_or_before: date | None = None


@strawberry.input
class VehicleModelFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description=ENTERPRISE)
    imported: bool | None = None
    approved_on_or_after: date | None = None
    approved_on_or_before: date | None = None


@strawberry.input
class AnnounceModelInput:
    model: str = strawberry.field(description="The model's code.")
    announced_on: date = strawberry.field(
        description="MIIT announcement date, or CCC certificate date for an imported model."
    )
    imported: bool = False
    battery_swap: bool = strawberry.field(
        default=False,
        description=(
            "A battery-swap model (换电车型): its vehicles are exempt from being scrapped "
            "together with their batteries."
        ),
    )


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
