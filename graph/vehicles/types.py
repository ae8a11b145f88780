"""The `Vehicle` and `VehicleModel` types, their connections, and how a related vehicle or
model is loaded: only one the caller may see.

An obligation refers to its vehicle from a module that imports this one; the field here that
points the other way (`obligations`) names its type lazily and imports its loader as it runs."""

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import Private

from compliance.lifecycle import ModelState, VehicleState
from compliance.rules import SubjectKind
from graph.batteries.types import BatteryType, load_batteries
from graph.enterprises.types import EnterpriseType, load_enterprise
from graph.events.types import LifecycleEventType
from graph.node import VEHICLE, VEHICLE_MODEL, Node, global_id
from graph.permissions import can_see_model, can_see_vehicle, require_principal
from graph.types import Connection, Edge, Info, RegionType

if TYPE_CHECKING:
    from graph.obligations.types import ObligationType

Obligation = Annotated["ObligationType", strawberry.lazy("graph.obligations.types")]


@strawberry.type(name="VehicleModel")
class VehicleModelType(Node):
    state: Private[ModelState]
    code: str
    imported: bool
    approved_on: date = strawberry.field(
        description="MIIT announcement (domestic) or CCC certificate (imported)."
    )
    battery_swap: bool = strawberry.field(
        description="A battery-swap model: exempt from scrapping vehicle and battery together."
    )

    @classmethod
    def of(cls, state: ModelState) -> "VehicleModelType":
        return cls(
            id=global_id(VEHICLE_MODEL, state.code),
            state=state,
            code=state.code,
            imported=state.imported,
            approved_on=state.approved_on,
            battery_swap=state.battery_swap,
        )

    @strawberry.field
    async def owner(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.owner)


@strawberry.type(name="Vehicle")
class VehicleType(Node):
    state: Private[VehicleState]
    vin: str
    model_code: str

    async def _model(self, info: Info) -> VehicleModelType | None:
        return await load_model(info, self.model_code)

    # Fields resolved from the request are declared in the schema's order among the plain ones.
    model: VehicleModelType | None = strawberry.field(resolver=_model)

    async def _automaker(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.automaker)

    automaker: EnterpriseType | None = strawberry.field(resolver=_automaker)
    imported: bool
    certified_on: date = strawberry.field(
        description="Factory certificate (domestic) or customs clearance date."
    )
    registered_on: date | None
    region: RegionType | None
    scrapped_on: date | None

    async def _scrapped_by(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.scrapped_by)

    scrapped_by: EnterpriseType | None = strawberry.field(
        resolver=_scrapped_by, description="The dismantler that took it in for scrapping."
    )
    scrapped_incomplete: bool = strawberry.field(
        description=(
            "True when it was scrapped without all its traction batteries (车电一体: a vehicle "
            "scrapped without its batteries is incomplete): installed ones did not come with "
            "it, or none came at all (removed and not reinstalled, or never recorded). Never "
            "for a battery-swap model, which is exempt."
        )
    )
    missing_battery_codes: list[str] = strawberry.field(
        description="Installed batteries that did not come with it for scrapping."
    )

    @classmethod
    def of(cls, state: VehicleState) -> "VehicleType":
        return cls(
            id=global_id(VEHICLE, state.vin),
            state=state,
            vin=state.vin,
            model_code=state.model,
            imported=state.imported,
            certified_on=state.certified_on,
            registered_on=state.registered_on,
            region=RegionType.of(state.region_code),
            scrapped_on=state.scrapped_on,
            scrapped_incomplete=state.scrapped_incomplete,
            missing_battery_codes=sorted(state.missing_battery_codes),
        )

    @strawberry.field(description="The batteries installed in it now.")
    async def batteries(self, info: Info) -> list[BatteryType]:
        return await load_batteries(info, sorted(self.state.battery_codes))

    @strawberry.field
    async def obligations(self, info: Info) -> list[Obligation]:
        # Imported as it runs: graph.obligations.types imports this module.
        from graph.obligations.types import subject_obligations

        return await subject_obligations(info, SubjectKind.VEHICLE, self.vin)

    @strawberry.field(description="Every recorded event, oldest first.")
    async def events(self, info: Info) -> list[LifecycleEventType]:
        history = await info.context.loaders.history.load(f"V#{self.vin}")
        return [LifecycleEventType.of(r) for r in history]


async def load_vehicle(info: Info, vin: str | None) -> VehicleType | None:
    if not vin:
        return None
    state = await info.context.loaders.vehicle.load(vin)
    principal = require_principal(info.context)
    return VehicleType.of(state) if state and can_see_vehicle(principal, state) else None


async def load_model(info: Info, code: str | None) -> VehicleModelType | None:
    if not code:
        return None
    state = await info.context.loaders.model.load(code)
    principal = require_principal(info.context)
    return VehicleModelType.of(state) if state and can_see_model(principal, state) else None


VehicleEdge = Edge[VehicleType]
VehicleConnection = Connection[VehicleType]


VehicleModelEdge = Edge[VehicleModelType]
VehicleModelConnection = Connection[VehicleModelType]
