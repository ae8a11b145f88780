"""GraphQL output types. Each wraps a domain record and resolves its relations through the
request's DataLoaders, showing a related object only to those allowed to see it.

The graph modules evaluate their annotations as they run (no ``from __future__ import
annotations``) and quote only forward references: Strawberry turns every string annotation back
into a type, and doing that for all of them was about a third of the schema's import time,
which every cold start pays."""

from datetime import date, datetime

import strawberry
from strawberry import Private

from compliance import regions
from compliance.codes import BatteryCode, BatteryCodeReport, CodeIssue, decode_battery_code
from compliance.enterprises import Enterprise
from compliance.lifecycle import (
    BatteryState,
    BatteryStatus,
    DisposalOrigin,
    EnterpriseKind,
    EventKind,
    EventRecord,
    ModelState,
    RemovalReason,
    VehicleState,
)
from compliance.network import PointType, ServicePoint
from compliance.obligations import ObligationRecord
from compliance.rules import ObligationStatus, Rule, SubjectKind, status_on
from compliance.store import summaries
from compliance.store.coverage import CoverageRow, RowPoints
from graph.context import GraphContext, Principal, Role
from graph.cursors import page_size
from graph.loaders import MAX_CHILDREN, SubjectObligations
from graph.permissions import (
    can_see_battery,
    can_see_enterprise,
    can_see_model,
    can_see_obligation,
    can_see_vehicle,
    require_principal,
)

Info = strawberry.Info[GraphContext, None]

EnterpriseKindType = strawberry.enum(EnterpriseKind, name="EnterpriseKind")
ObligationStatusType = strawberry.enum(ObligationStatus, name="ObligationStatus")
DisposalOriginType = strawberry.enum(DisposalOrigin, name="DisposalOrigin")
ServicePointTypeType = strawberry.enum(PointType, name="ServicePointType")
BatteryStatusType = strawberry.enum(BatteryStatus, name="BatteryStatus")
EventKindType = strawberry.enum(EventKind, name="EventKind")
SubjectKindType = strawberry.enum(SubjectKind, name="SubjectKind")
RegionLevelType = strawberry.enum(regions.RegionLevel, name="RegionLevel")
RemovalReasonType = strawberry.enum(RemovalReason, name="RemovalReason")


@strawberry.type(description="An expected business failure; nothing was written.")
class UserError:
    field: list[str] = strawberry.field(
        description=(
            "Path to the input at fault, from the argument down, e.g. "
            '["input", "batteries", "3", "code"]; ["input"] when no single value is, e.g. the '
            "caller's enterprise is not of a kind that may make this change."
        )
    )
    code: str = strawberry.field(description="Stable machine-readable code.")
    message: str


@strawberry.type(description="A GB/T 2260 administrative division.")
class Region:
    code: str
    name: str
    level: RegionLevelType  # type: ignore[valid-type]

    @staticmethod
    def of(code: str | None) -> "Region | None":
        region = regions.lookup(code) if code else None
        return Region(code=region.code, name=region.name, level=region.level) if region else None


@strawberry.type
class Contact:
    email: str
    language: str = strawberry.field(description="BCP 47 language tag: zh-CN or en.")


@strawberry.type(name="Enterprise")
class EnterpriseType:
    record: Private[Enterprise]

    @strawberry.field(description="Unified Social Credit Code (GB 32100).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.id)

    @strawberry.field
    def name(self) -> str:
        return self.record.name

    @strawberry.field
    def kinds(self) -> list[EnterpriseKindType]:  # type: ignore[valid-type]
        return sorted(self.record.kinds, key=lambda k: k.value)

    @strawberry.field(description="GB/T 34014 manufacturer codes assigned to a battery maker.")
    def manufacturer_codes(self) -> list[str]:
        return sorted(self.record.manufacturer_codes)

    @strawberry.field
    def province(self) -> Region | None:
        return Region.of(self.record.province_code)

    @strawberry.field(
        description=(
            "Reminder recipients: shown to the enterprise itself, regulators and platform "
            "administrators; empty for anyone else."
        )
    )
    def contacts(self, info: Info) -> list[Contact]:
        principal = require_principal(info.context)
        if not can_see_enterprise(principal, self.record):
            return []
        return [Contact(email=c.email, language=c.language) for c in self.record.contacts]

    @strawberry.field(description="When it was last updated; null if never. Shown as contacts.")
    def updated_at(self, info: Info) -> datetime | None:
        principal = require_principal(info.context)
        return self.record.updated_at if can_see_enterprise(principal, self.record) else None

    @strawberry.field(
        description="Who last updated it (a person's subject); shown as contacts are."
    )
    def updated_by(self, info: Info) -> str | None:
        principal = require_principal(info.context)
        return self.record.updated_by if can_see_enterprise(principal, self.record) else None


async def load_enterprise(info: Info, enterprise_id: str | None) -> EnterpriseType | None:
    """A related enterprise: its public identity (USCC, name, kinds) is shown wherever it is
    referenced from a record the caller may see; private fields guard themselves."""
    if not enterprise_id:
        return None
    record = await info.context.loaders.enterprise.load(enterprise_id)
    return EnterpriseType(record=record) if record else None


@strawberry.type(name="VehicleModel")
class VehicleModelType:
    state: Private[ModelState]

    @strawberry.field
    def code(self) -> str:
        return self.state.code

    @strawberry.field
    def imported(self) -> bool:
        return self.state.imported

    @strawberry.field(description="MIIT announcement (domestic) or CCC certificate (imported).")
    def approved_on(self) -> date:
        return self.state.approved_on

    @strawberry.field
    async def owner(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.owner)


def _reported_by_caller(info: Info, record: EventRecord) -> bool:
    """Whether the caller may see an event's private details: its reporter and regulators."""
    principal = require_principal(info.context)
    return principal.sees_everything or principal.enterprise_id == record.event.actor


@strawberry.type(name="LifecycleEvent")
class LifecycleEventType:
    record: Private[EventRecord]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.event.id)

    @strawberry.field
    def kind(self) -> EventKindType:  # type: ignore[valid-type]
        return self.record.event.kind

    @strawberry.field
    def occurred_on(self) -> date:
        return self.record.event.occurred_on

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.record.recorded_at

    @strawberry.field
    def actor_id(self) -> strawberry.ID:
        return strawberry.ID(self.record.event.actor)

    @strawberry.field
    def region(self) -> Region | None:
        return Region.of(self.record.event.region_code)

    @strawberry.field(
        description=(
            "USCC of the automaker supplied or of the enterprise a battery was handed to; for a "
            "direct sale, the buyer's name, shown only to the seller and regulators."
        )
    )
    def counterparty(self, info: Info) -> str | None:
        event = self.record.event
        if event.kind is EventKind.BATTERY_SOLD_DIRECTLY and not _reported_by_caller(
            info, self.record
        ):
            return None
        return event.counterparty

    @strawberry.field(description="The service point received at or handed out of.")
    def service_point_id(self) -> strawberry.ID | None:
        point = self.record.event.service_point
        return strawberry.ID(point) if point else None

    @strawberry.field(description="Why a battery was removed from its vehicle.")
    def reason(self) -> RemovalReasonType | None:  # type: ignore[valid-type]
        return self.record.event.reason

    @strawberry.field(description="For a battery registered as part of a pack or module.")
    def parent_code(self) -> str | None:
        return self.record.event.parent_code

    @strawberry.field(
        description=(
            "For a scrapping: the batteries that came with the vehicle. Shown to the reporting "
            "enterprise and regulators: other makers' packs may be among them."
        )
    )
    def battery_codes(self, info: Info) -> list[str]:
        if not _reported_by_caller(info, self.record):
            return []
        return list(self.record.event.battery_codes)

    @strawberry.field(
        description=(
            "Who recorded it: a person's subject, or partner-key:<id> for a partner system. "
            "Shown to the reporting enterprise and regulators; null for anyone else."
        )
    )
    def recorded_by(self, info: Info) -> str | None:
        return self.record.recorded_by if _reported_by_caller(info, self.record) else None

    @strawberry.field
    def origin(self) -> DisposalOriginType | None:  # type: ignore[valid-type]
        return self.record.event.origin

    @strawberry.field
    def vin(self) -> str | None:
        return self.record.event.vin

    @strawberry.field
    def battery_code(self) -> str | None:
        return self.record.event.battery_code

    @strawberry.field
    def new_code(self) -> str | None:
        return self.record.event.new_code


@strawberry.type
class CodeIssueType:
    code: str
    message: str
    positions: list[int] | None = strawberry.field(
        description="First and last character position (1-based) the issue concerns."
    )

    @staticmethod
    def of(issue: CodeIssue) -> "CodeIssueType":
        return CodeIssueType(
            code=issue.code,
            message=issue.message,
            positions=list(issue.positions) if issue.positions else None,
        )


@strawberry.type(name="DecodedBatteryCode", description="A GB/T 34014 code's fields.")
class DecodedBatteryCode:
    decoded: Private[BatteryCode]

    @strawberry.field
    def manufacturer_code(self) -> str:
        return self.decoded.manufacturer_code

    @strawberry.field(description="PACK, MODULE or CELL.")
    def product_type(self) -> str:
        return self.decoded.product_type.name

    @strawberry.field
    def battery_type(self) -> str:
        return self.decoded.battery_type

    @strawberry.field
    def battery_type_name_en(self) -> str:
        return self.decoded.battery_type_name_en

    @strawberry.field
    def battery_type_name_zh(self) -> str:
        return self.decoded.battery_type_name_zh

    @strawberry.field
    def spec_code(self) -> str:
        return self.decoded.spec_code

    @strawberry.field
    def traceability_code(self) -> str | None:
        return self.decoded.traceability_code

    @strawberry.field
    def production_date(self) -> date | None:
        return self.decoded.production_date

    @strawberry.field
    def serial(self) -> str:
        return self.decoded.serial

    @strawberry.field(description="The 19-character second-life (cascade-use) reading.")
    def second_life(self) -> bool:
        return self.decoded.second_life


@strawberry.type(name="BatteryCodeReport")
class BatteryCodeReportType:
    report: Private[BatteryCodeReport]

    @strawberry.field
    def code(self) -> str:
        return self.report.code

    @strawberry.field
    def strict(self) -> bool:
        return self.report.strict

    @strawberry.field
    def valid(self) -> bool:
        return self.report.valid

    @strawberry.field
    def fields(self) -> DecodedBatteryCode | None:
        return DecodedBatteryCode(decoded=self.report.battery) if self.report.battery else None

    @strawberry.field
    def errors(self) -> list[CodeIssueType]:
        return [CodeIssueType.of(i) for i in self.report.errors]

    @strawberry.field
    def warnings(self) -> list[CodeIssueType]:
        return [CodeIssueType.of(i) for i in self.report.warnings]


@strawberry.type(name="Battery")
class BatteryType:
    state: Private[BatteryState]

    @strawberry.field
    def code(self) -> str:
        return self.state.code

    @strawberry.field(description="The code's decoded fields (lenient reading).")
    def decoded(self, info: Info) -> DecodedBatteryCode | None:
        report = decode_battery_code(self.state.code, strict=False, today=info.context.today)
        return DecodedBatteryCode(decoded=report.battery) if report.battery else None

    @strawberry.field
    def status(self) -> BatteryStatusType:  # type: ignore[valid-type]
        return self.state.status

    @strawberry.field(description="Registration date.")
    def produced_on(self) -> date:
        return self.state.produced_on

    @strawberry.field(
        description="Its maker; null when its maker is not on the platform (a vehicle maker "
        "registered it)."
    )
    async def manufacturer(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.manufacturer)

    @strawberry.field(description="Who answers for its take-back now (derived from its history).")
    async def responsible_enterprise(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.responsible)

    @strawberry.field(
        description=(
            "Who holds it now: only this enterprise, or the one answering for it, records what "
            "happens to it next. Null while a buyer off the platform holds it (a direct sale)."
        )
    )
    async def custodian(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.custodian)

    @strawberry.field(description="The vehicle it is installed in.")
    async def vehicle(self, info: Info) -> "VehicleType | None":
        if self.state.status is not BatteryStatus.INSTALLED:
            return None
        return await load_vehicle(info, self.state.vin)

    @strawberry.field
    async def parent(self, info: Info) -> "BatteryType | None":
        return await load_battery(info, self.state.parent_code)

    @strawberry.field(
        description=(
            "Its parts registered with it as their parent (a pack's modules or cells, a "
            f"module's cells) that you may see, in code order, at most {MAX_CHILDREN:,}. They "
            "are read from an index: a part registered a moment ago may take a second to "
            "appear."
        )
    )
    async def children(self, info: Info) -> "list[BatteryType]":
        principal = require_principal(info.context)
        parts = await info.context.loaders.children.load(self.state.code)
        return [BatteryType(state=s) for s in parts if can_see_battery(principal, s)]

    @strawberry.field(description="For a second-life code, the code it replaced.")
    def original_code(self) -> str | None:
        return self.state.original_code

    @strawberry.field
    def recoded_as(self) -> str | None:
        return self.state.recoded_as

    @strawberry.field(description="Every recorded event, oldest first.")
    async def events(self, info: Info) -> list[LifecycleEventType]:
        history = await info.context.loaders.history.load(f"B#{self.state.code}")
        return [LifecycleEventType(record=r) for r in history]

    @strawberry.field
    async def obligations(self, info: Info) -> "list[ObligationType]":
        return await subject_obligations(info, SubjectKind.BATTERY, self.state.code)


async def load_battery(info: Info, code: str | None) -> BatteryType | None:
    if not code:
        return None
    state = await info.context.loaders.battery.load(code)
    principal = require_principal(info.context)
    return BatteryType(state=state) if state and can_see_battery(principal, state) else None


async def load_batteries(info: Info, codes: list[str]) -> list[BatteryType]:
    principal = require_principal(info.context)
    states = await info.context.loaders.battery.load_many(codes)
    return [BatteryType(state=s) for s in states if s and can_see_battery(principal, s)]


@strawberry.type(name="Vehicle")
class VehicleType:
    state: Private[VehicleState]

    @strawberry.field
    def vin(self) -> str:
        return self.state.vin

    @strawberry.field
    def model_code(self) -> str:
        return self.state.model

    @strawberry.field
    async def model(self, info: Info) -> VehicleModelType | None:
        state = await info.context.loaders.model.load(self.state.model)
        principal = require_principal(info.context)
        return VehicleModelType(state=state) if state and can_see_model(principal, state) else None

    @strawberry.field
    async def automaker(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.automaker)

    @strawberry.field
    def imported(self) -> bool:
        return self.state.imported

    @strawberry.field(description="Factory certificate (domestic) or customs clearance date.")
    def certified_on(self) -> date:
        return self.state.certified_on

    @strawberry.field
    def registered_on(self) -> date | None:
        return self.state.registered_on

    @strawberry.field
    def region(self) -> Region | None:
        return Region.of(self.state.region_code)

    @strawberry.field
    def scrapped_on(self) -> date | None:
        return self.state.scrapped_on

    @strawberry.field(description="The dismantler that took it in for scrapping.")
    async def scrapped_by(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.state.scrapped_by)

    @strawberry.field(
        description=(
            "True when it was scrapped without all its traction batteries (车电一体: a vehicle "
            "scrapped without its batteries is incomplete)."
        )
    )
    def scrapped_incomplete(self) -> bool:
        return self.state.scrapped_incomplete

    @strawberry.field(description="Installed batteries that did not come with it for scrapping.")
    def missing_battery_codes(self) -> list[str]:
        return sorted(self.state.missing_battery_codes)

    @strawberry.field(description="The batteries installed in it now.")
    async def batteries(self, info: Info) -> list[BatteryType]:
        return await load_batteries(info, sorted(self.state.battery_codes))

    @strawberry.field
    async def obligations(self, info: Info) -> "list[ObligationType]":
        return await subject_obligations(info, SubjectKind.VEHICLE, self.state.vin)

    @strawberry.field(description="Every recorded event, oldest first.")
    async def events(self, info: Info) -> list[LifecycleEventType]:
        history = await info.context.loaders.history.load(f"V#{self.state.vin}")
        return [LifecycleEventType(record=r) for r in history]


async def load_vehicle(info: Info, vin: str | None) -> VehicleType | None:
    if not vin:
        return None
    state = await info.context.loaders.vehicle.load(vin)
    principal = require_principal(info.context)
    return VehicleType(state=state) if state and can_see_vehicle(principal, state) else None


@strawberry.type(name="Rule", description="A rule of a rule set, as the data file states it.")
class RuleType:
    rule: Private[Rule]

    @strawberry.field
    def id(self) -> str:
        return self.rule.id

    @strawberry.field
    def name_zh(self) -> str:
        return self.rule.name_zh

    @strawberry.field
    def name_en(self) -> str:
        return self.rule.name_en

    @strawberry.field(description="'10WD' (working days), '6M' (months) or 'STANDING'.")
    def period(self) -> str:
        return str(self.rule.period)

    @strawberry.field
    def source(self) -> str:
        return self.rule.source

    @strawberry.field(description="C confirmed, S one secondary source, A assumption.")
    def confidence(self) -> str:
        return self.rule.confidence


@strawberry.type
class Reschedule:
    before: date
    after: date
    calendar_version: int
    at: datetime


@strawberry.type(name="Obligation")
class ObligationType:
    record: Private[ObligationRecord]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.id)

    @strawberry.field
    def rule_id(self) -> str:
        return self.record.obligation.rule_id

    @strawberry.field(description="The rule set that produced it.")
    def rule_set(self) -> str:
        return self.record.obligation.rule_set_id

    @strawberry.field
    def rule_set_version(self) -> str:
        return self.record.obligation.rule_set_version

    @strawberry.field(description="The rule as it reads in the deployed rule set, if it has it.")
    def rule(self, info: Info) -> RuleType | None:
        rule_set = info.context.settings.rule_set
        if rule_set.id != self.record.obligation.rule_set_id:
            return None
        rule = rule_set.find(self.record.obligation.rule_id)
        return RuleType(rule=rule) if rule else None

    @strawberry.field(
        description="Status today (China time): OPEN turns OVERDUE after the due day."
    )
    def status(self, info: Info) -> ObligationStatusType:  # type: ignore[valid-type]
        if self.record.stored_status is ObligationStatus.WAIVED:
            return ObligationStatus.WAIVED
        return status_on(
            self.record.obligation.deadline,
            info.context.today,
            fulfilled_on=self.record.fulfilled_on,
        )

    @strawberry.field
    async def responsible_enterprise(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.record.obligation.responsible_enterprise)

    @strawberry.field(description="The kind of enterprise the duty is addressed to.")
    def responsible_role(self) -> str:
        return self.record.obligation.responsible_role

    @strawberry.field
    def subject_kind(self) -> SubjectKindType:  # type: ignore[valid-type]
        return self.record.obligation.subject_kind

    @strawberry.field(description="The VIN, battery code, model code or region code concerned.")
    def subject_id(self) -> str:
        return self.record.obligation.subject_id

    @strawberry.field
    async def vehicle(self, info: Info) -> VehicleType | None:
        return await load_vehicle(info, self.record.obligation.vin)

    @strawberry.field
    async def battery(self, info: Info) -> BatteryType | None:
        return await load_battery(info, self.record.obligation.battery_code)

    @strawberry.field
    def model_code(self) -> str | None:
        return self.record.obligation.model

    @strawberry.field
    def trigger_kind(self) -> EventKindType:  # type: ignore[valid-type]
        return self.record.obligation.trigger_kind

    @strawberry.field
    def trigger_date(self) -> date:
        return self.record.obligation.trigger_date

    @strawberry.field(description="Null for a standing duty.")
    def due_date(self) -> date | None:
        deadline = self.record.obligation.deadline
        return deadline.due_date if deadline else None

    @strawberry.field(description="End of the due day, China time (23:59:59.999+08:00).")
    def due_at(self) -> datetime | None:
        deadline = self.record.obligation.deadline
        return deadline.due_at if deadline else None

    @strawberry.field(description="True while the deadline depends on an unannounced year.")
    def provisional(self) -> bool:
        deadline = self.record.obligation.deadline
        return deadline.provisional if deadline else False

    @strawberry.field
    def calendar_version(self) -> int | None:
        deadline = self.record.obligation.deadline
        return deadline.calendar_version if deadline else None

    @strawberry.field
    def fulfilled_on(self) -> date | None:
        return self.record.fulfilled_on

    @strawberry.field(description="The national platform's receipt reference.")
    def platform_receipt(self) -> str | None:
        return self.record.platform_receipt

    @strawberry.field
    def waived_reason(self) -> str | None:
        return self.record.waived_reason

    @strawberry.field(
        description=(
            "Who fulfilled or waived it: a person's subject, or partner-key:<id> for a partner "
            "system (for a coverage duty, whoever saved the service point that covered it)."
        )
    )
    def closed_by(self) -> str | None:
        return self.record.closed_by

    @strawberry.field(description="When it was fulfilled or waived.")
    def closed_at(self) -> datetime | None:
        return self.record.closed_at

    @strawberry.field(description="How a calendar load moved its deadline, oldest first.")
    def reschedules(self) -> list[Reschedule]:
        return [
            Reschedule(before=r.before, after=r.after, calendar_version=r.calendar_version, at=r.at)
            for r in self.record.reschedules
        ]


async def subject_obligations(
    info: Info, kind: SubjectKind, subject_id: str
) -> list[ObligationType]:
    """A vehicle's or battery's obligations that the caller may see, in due-date order."""
    principal = require_principal(info.context)
    records = await info.context.loaders.subject_obligations.load(
        SubjectObligations(
            kind=kind,
            subject_id=subject_id,
            first=info.context.settings.max_page_size,
            today=info.context.today,
        )
    )
    return [ObligationType(record=r) for r in records if can_see_obligation(principal, r)]


@strawberry.type(name="ServicePoint")
class ServicePointType:
    point: Private[ServicePoint]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.point.id)

    @strawberry.field
    def name(self) -> str:
        return self.point.name

    @strawberry.field
    def point_type(self) -> ServicePointTypeType:  # type: ignore[valid-type]
        return self.point.point_type

    @strawberry.field
    def region(self) -> Region | None:
        return Region.of(self.point.region_code)

    @strawberry.field(description="The prefecture (collection) or province (storage) it covers.")
    def coverage_region(self) -> Region | None:
        return Region.of(self.point.coverage_region)

    @strawberry.field
    def address(self) -> str | None:
        return self.point.address

    @strawberry.field
    def active(self) -> bool:
        return self.point.active

    @strawberry.field
    def operator_id(self) -> strawberry.ID:
        return strawberry.ID(self.point.operator)

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.point.updated_at

    @strawberry.field(description="Who last saved it: a person's subject or partner-key:<id>.")
    def updated_by(self) -> str | None:
        return self.point.updated_by


@strawberry.type(name="Principal")
class PrincipalType:
    principal: Private[Principal]

    @strawberry.field
    def subject(self) -> str:
        return self.principal.subject

    @strawberry.field
    def role(self) -> Role:
        return self.principal.role

    @strawberry.field
    def enterprise_id(self) -> strawberry.ID | None:
        eid = self.principal.enterprise_id
        return strawberry.ID(eid) if eid else None

    @strawberry.field
    def scopes(self) -> list[str]:
        return sorted(self.principal.scopes)

    @strawberry.field
    async def enterprise(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.principal.enterprise_id)


@strawberry.type
class ObligationEdge:
    node: ObligationType
    cursor: str


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ObligationConnection:
    edges: list[ObligationEdge]
    page_info: PageInfo
    # How to count the whole list from maintained counters, when they can say it exactly: the
    # enterprise (None: the nation) and the statuses asked for (empty: all). None: they cannot.
    counted_as: Private[tuple[str | None, frozenset[ObligationStatus]] | None] = None

    @strawberry.field
    def nodes(self) -> list[ObligationType]:
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description=(
            "How many obligations the whole list holds, as of today, from maintained counts: "
            "given for a list filtered by status only (or not at all); null when other "
            "filters apply, since no counter can say that without reading the list."
        )
    )
    def total_count(self, info: Info) -> int | None:
        if self.counted_as is None:
            return None
        enterprise, statuses = self.counted_as
        summary = summaries.obligation_summary(enterprise, info.context.today)
        return sum(n for status, n in summary.counts.items() if not statuses or status in statuses)


# The most points one region of a coverage report lists; `servicePoints` lists them all.
MAX_POINTS_PER_REGION = 100


@strawberry.type
class CoverageRegion:
    operator: Private[str]
    row: Private[CoverageRow]

    @strawberry.field
    def region(self) -> Region | None:
        return Region.of(self.row.region)

    @strawberry.field
    def region_code(self) -> str:
        return self.row.region

    @strawberry.field
    def point_type(self) -> ServicePointTypeType:  # type: ignore[valid-type]
        return self.row.point_type

    @strawberry.field(description="Whether an active point of this type covers the region.")
    def covered(self) -> bool:
        return self.row.active > 0

    @strawberry.field(description="The enterprise's points of this type for the region.")
    def point_count(self) -> int:
        return self.row.points

    @strawberry.field(description="Of those, the active ones.")
    def active_point_count(self) -> int:
        return self.row.active

    @strawberry.field(
        description=(
            "The first `first` of those points (at most "
            f"{MAX_POINTS_PER_REGION}; pointCount says how many there are). "
            "Query.servicePoints lists them all, a page at a time."
        )
    )
    async def service_points(self, info: Info, first: int = 20) -> list[ServicePointType]:
        first = page_size(first, 20, MAX_POINTS_PER_REGION)
        if self.row.points == 0:
            return []
        row = self.row
        key = RowPoints(self.operator, row.point_type, row.region, row.points, first)
        points = await info.context.loaders.row_points.load(key)
        return [ServicePointType(point=point) for point in points]

    @strawberry.field(description="The region's coverage duty, while open or overdue.")
    def open_obligation(self) -> ObligationType | None:
        return next(
            (ObligationType(record=d) for d in self.row.duties if d.is_open),
            None,
        )

    @strawberry.field(
        description=(
            "A coverage duty waived for this region, with its reason: the region is neither "
            "covered nor counted as a gap."
        )
    )
    def waived_obligation(self) -> ObligationType | None:
        return next(
            (
                ObligationType(record=d)
                for d in self.row.duties
                if d.stored_status is ObligationStatus.WAIVED
            ),
            None,
        )


@strawberry.type(
    description=(
        "An enterprise's service network, a page of regions at a time (by point type, then "
        "region): each region where it runs a point or has a coverage duty."
    )
)
class CoverageReport:
    enterprise_id: strawberry.ID | None
    regions: list[CoverageRegion]
    gaps: int = strawberry.field(
        description="Regions whose coverage duty is open or overdue, over the whole network."
    )
    page_info: PageInfo


@strawberry.type
class ComplianceSummary:
    enterprise_id: strawberry.ID | None
    as_of: date
    open: int
    overdue: int
    fulfilled: int
    fulfilled_late: int
    waived: int
    provisional: int = strawberry.field(description="Open deadlines still provisional.")
    next_due: ObligationType | None = strawberry.field(description="The earliest open deadline.")
