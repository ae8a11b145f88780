"""The `Battery` type, a code's decoding (`DecodedBatteryCode`, `BatteryCodeReport`), the
batteries connection, and how related batteries are loaded: only those the caller may see.

A vehicle refers back to its batteries, and an obligation to its battery, from modules that
import this one; the fields here that point the other way (`vehicle`, `obligations`) name their
type lazily and import its loader as they run."""

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import Private

from compliance.codes import BatteryCode, BatteryCodeReport, CodeIssue, decode_battery_code
from compliance.lifecycle import BatteryState, BatteryStatus
from compliance.rules import SubjectKind
from graph.enterprises.types import EnterpriseType, load_enterprise
from graph.events.types import LifecycleEventType
from graph.loaders import MAX_CHILDREN
from graph.node import BATTERY, Node, global_id
from graph.permissions import can_see_battery, require_principal
from graph.types import Connection, Edge, Info, said

if TYPE_CHECKING:
    from graph.obligations.types import ObligationType
    from graph.vehicles.types import VehicleType

Vehicle = Annotated["VehicleType", strawberry.lazy("graph.vehicles.types")]
Obligation = Annotated["ObligationType", strawberry.lazy("graph.obligations.types")]


@strawberry.type
class CodeIssueType:
    issue: Private[CodeIssue]
    code: str

    def _message(self, info: Info) -> str:
        return said(info, self.issue.message)  # a catalog message, in the request's language

    message: str = strawberry.field(resolver=_message)
    positions: list[int] | None = strawberry.field(
        description="First and last character position (1-based) the issue concerns."
    )

    @staticmethod
    def of(issue: CodeIssue) -> "CodeIssueType":
        return CodeIssueType(
            issue=issue,
            code=issue.code,
            positions=list(issue.positions) if issue.positions else None,
        )


@strawberry.type(name="DecodedBatteryCode", description="A GB/T 34014 code's fields.")
class DecodedBatteryCode:
    manufacturer_code: str
    product_type: str = strawberry.field(description="PACK, MODULE or CELL.")
    battery_type: str
    battery_type_name_en: str
    battery_type_name_zh: str
    spec_code: str
    traceability_code: str | None
    production_date: date | None
    serial: str
    second_life: bool = strawberry.field(
        description="The 19-character second-life (cascade-use) reading."
    )

    @staticmethod
    def of(decoded: BatteryCode) -> "DecodedBatteryCode":
        return DecodedBatteryCode(
            manufacturer_code=decoded.manufacturer_code,
            product_type=decoded.product_type.name,
            battery_type=decoded.battery_type,
            battery_type_name_en=decoded.battery_type_name_en,
            battery_type_name_zh=decoded.battery_type_name_zh,
            spec_code=decoded.spec_code,
            traceability_code=decoded.traceability_code,
            production_date=decoded.production_date,
            serial=decoded.serial,
            second_life=decoded.second_life,
        )


@strawberry.type(name="BatteryCodeReport")
class BatteryCodeReportType:
    code: str
    strict: bool
    valid: bool
    fields: DecodedBatteryCode | None
    errors: list[CodeIssueType]
    warnings: list[CodeIssueType]

    @staticmethod
    def of(report: BatteryCodeReport) -> "BatteryCodeReportType":
        return BatteryCodeReportType(
            code=report.code,
            strict=report.strict,
            valid=report.valid,
            fields=DecodedBatteryCode.of(report.battery) if report.battery else None,
            errors=[CodeIssueType.of(i) for i in report.errors],
            warnings=[CodeIssueType.of(i) for i in report.warnings],
        )


@strawberry.type(name="Battery")
class BatteryType(Node):
    state: Private[BatteryState]
    code: str

    def _decoded(self, info: Info) -> DecodedBatteryCode | None:
        report = decode_battery_code(self.code, strict=False, today=info.context.today)
        return DecodedBatteryCode.of(report.battery) if report.battery else None

    # Fields resolved from the request are declared in the schema's order among the plain ones.
    decoded: DecodedBatteryCode | None = strawberry.field(
        resolver=_decoded, description="The code's decoded fields (lenient reading)."
    )
    status: BatteryStatus
    produced_on: date = strawberry.field(description="Registration date.")

    async def _manufacturer(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.manufacturer)

    manufacturer: EnterpriseType | None = strawberry.field(
        resolver=_manufacturer,
        description="Its maker; null when its maker is not on the platform (a vehicle maker "
        "registered it).",
    )

    async def _responsible_enterprise(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.responsible)

    responsible_enterprise: EnterpriseType | None = strawberry.field(
        resolver=_responsible_enterprise,
        description="Who answers for its take-back now (derived from its history).",
    )

    async def _custodian(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.custodian)

    custodian: EnterpriseType | None = strawberry.field(
        resolver=_custodian,
        description=(
            "Who holds it now: only this enterprise, or the one answering for it, records what "
            "happens to it next. Null while a buyer off the platform holds it (a direct sale)."
        ),
    )

    async def _vehicle(self, info: Info) -> "VehicleType | None":
        # Imported as it runs: graph.vehicles.types imports this module.
        from graph.vehicles.types import load_vehicle

        if self.status is not BatteryStatus.INSTALLED:
            return None
        return await load_vehicle(info, self.state.vin)

    vehicle: Vehicle | None = strawberry.field(
        resolver=_vehicle, description="The vehicle it is installed in."
    )

    async def _parent(self, info: Info) -> "BatteryType | None":
        return await load_battery(info, self.state.parent_code)

    parent: "BatteryType | None" = strawberry.field(resolver=_parent)

    async def _children(self, info: Info) -> "list[BatteryType]":
        principal = require_principal(info.context)
        parts = await info.context.loaders.children.load(self.code)
        return [BatteryType.of(s) for s in parts if can_see_battery(principal, s)]

    children: "list[BatteryType]" = strawberry.field(
        resolver=_children,
        description=(
            "Its parts registered with it as their parent (a pack's modules or cells, a "
            f"module's cells) that you may see, in code order, at most {MAX_CHILDREN:,}. They "
            "are read from an index: a part registered a moment ago may take a second to "
            "appear."
        ),
    )
    original_code: str | None = strawberry.field(
        description="For a second-life code, the code it replaced."
    )
    recoded_as: str | None

    @classmethod
    def of(cls, state: BatteryState) -> "BatteryType":
        return cls(
            id=global_id(BATTERY, state.code),
            state=state,
            code=state.code,
            status=state.status,
            produced_on=state.produced_on,
            original_code=state.original_code,
            recoded_as=state.recoded_as,
        )

    @strawberry.field(description="Every recorded event, oldest first.")
    async def events(self, info: Info) -> list[LifecycleEventType]:
        history = await info.context.loaders.history.load(f"B#{self.code}")
        return [LifecycleEventType.of(r) for r in history]

    @strawberry.field
    async def obligations(self, info: Info) -> list[Obligation]:
        # Imported as it runs: graph.obligations.types imports this module.
        from graph.obligations.types import subject_obligations

        return await subject_obligations(info, SubjectKind.BATTERY, self.code)


async def load_battery(info: Info, code: str | None) -> BatteryType | None:
    if not code:
        return None
    state = await info.context.loaders.battery.load(code)
    principal = require_principal(info.context)
    return BatteryType.of(state) if state and can_see_battery(principal, state) else None


async def load_batteries(info: Info, codes: list[str]) -> list[BatteryType]:
    principal = require_principal(info.context)
    states = await info.context.loaders.battery.load_many(codes)
    return [BatteryType.of(s) for s in states if s and can_see_battery(principal, s)]


BatteryEdge = Edge[BatteryType]
BatteryConnection = Connection[BatteryType]
