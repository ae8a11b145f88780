"""The `Obligation`, `Rule`, `RuleSet` and `Reschedule` types, the obligations connection, the
compliance summary, and a vehicle's or battery's obligations as the caller may see them."""

from datetime import date, datetime

import strawberry
from strawberry import Private

from compliance.lifecycle import EventKind
from compliance.obligations import ObligationRecord
from compliance.rule_timeline import InForce
from compliance.rules import ObligationStatus, Rule, SubjectKind, status_on
from compliance.store import summaries
from graph.batteries.types import BatteryType, load_battery
from graph.enterprises.types import EnterpriseType, load_enterprise
from graph.loaders import SubjectObligations
from graph.node import Node
from graph.permissions import can_see_obligation, require_principal
from graph.types import Connection, Edge, Info
from graph.vehicles.types import VehicleType, load_vehicle


@strawberry.type(name="Rule", description="A rule of a rule set, as the data file states it.")
class RuleType:
    id: str
    name_zh: str
    name_en: str
    period: str = strawberry.field(
        description=(
            "'10WD' (working days), '20D' (days, counted as the Civil Code counts: a last "
            "day that is a rest day moves to the next working day), '6M' (months) or 'STANDING'."
        )
    )
    source: str
    confidence: str = strawberry.field(
        description="C confirmed, S one secondary source, A assumption."
    )

    @staticmethod
    def of(rule: Rule) -> "RuleType":
        return RuleType(
            id=rule.id,
            name_zh=rule.name_zh,
            name_en=rule.name_en,
            period=str(rule.period),
            source=rule.source,
            confidence=rule.confidence,
        )


@strawberry.type(
    name="RuleSet",
    description="A rule set of the deployment's timeline, as its data file states it, and the "
    "first day it governs (until the next one's `inForceFrom`).",
)
class RuleSetType:
    id: str
    version: str
    title_zh: str
    title_en: str
    issuer: str
    published_on: date
    status: str
    source: str
    in_force_from: date = strawberry.field(
        description="Events from this day on fall under it, until the next rule set starts."
    )
    rules: list[RuleType]

    @staticmethod
    def of(in_force: InForce) -> "RuleSetType":
        rule_set = in_force.rule_set
        return RuleSetType(
            id=rule_set.id,
            version=rule_set.version,
            title_zh=rule_set.title_zh,
            title_en=rule_set.title_en,
            issuer=rule_set.issuer,
            published_on=rule_set.published_on,
            status=rule_set.status,
            source=rule_set.source,
            in_force_from=in_force.starts_on,
            rules=[RuleType.of(rule) for rule in rule_set.rules],
        )


@strawberry.type(name="Reschedule")
class RescheduleType:
    before: date
    after: date
    calendar_version: int
    at: datetime
    rule_set: str | None = strawberry.field(
        default=None,
        description=(
            "When a change of the deployment's rule-set timeline moved it (not a calendar "
            "load): the rule set it follows since, as id@version."
        ),
    )


@strawberry.type(name="Obligation")
class ObligationType(Node):
    record: Private[ObligationRecord]
    id: strawberry.ID = strawberry.field(description="`ob_…`; also its global id (`node`).")
    rule_id: str
    rule_set: str = strawberry.field(description="The rule set that produced it.")
    rule_set_version: str

    def _rule(self, info: Info) -> RuleType | None:
        rule = info.context.settings.rules.rule(self.rule_set, self.rule_id)
        return RuleType.of(rule) if rule else None

    # Fields resolved from the request are declared in the schema's order among the plain ones.
    rule: RuleType | None = strawberry.field(
        resolver=_rule, description="The rule as it reads in the deployed rule set, if it has it."
    )

    def _status(self, info: Info) -> ObligationStatus:
        if self.record.stored_status is ObligationStatus.WAIVED:
            return ObligationStatus.WAIVED
        return status_on(
            self.record.obligation.deadline, info.context.today, fulfilled_on=self.fulfilled_on
        )

    status: ObligationStatus = strawberry.field(
        resolver=_status,
        description="Status today (China time): OPEN turns OVERDUE after the due day.",
    )

    async def _responsible_enterprise(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.record.obligation.responsible_enterprise)

    responsible_enterprise: EnterpriseType | None = strawberry.field(
        resolver=_responsible_enterprise
    )
    responsible_role: str = strawberry.field(
        description="The kind of enterprise the duty is addressed to."
    )
    subject_kind: SubjectKind
    subject_id: str = strawberry.field(
        description="The VIN, battery code, model code or region code concerned."
    )

    async def _vehicle(self, info: Info) -> VehicleType | None:
        return await load_vehicle(info, self.record.obligation.vin)

    vehicle: VehicleType | None = strawberry.field(resolver=_vehicle)

    async def _battery(self, info: Info) -> BatteryType | None:
        return await load_battery(info, self.record.obligation.battery_code)

    battery: BatteryType | None = strawberry.field(resolver=_battery)
    model_code: str | None
    trigger_kind: EventKind
    trigger_date: date
    due_date: date | None = strawberry.field(description="Null for a standing duty.")
    due_at: datetime | None = strawberry.field(
        description="End of the due day, China time (23:59:59.999+08:00)."
    )
    provisional: bool = strawberry.field(
        description="True while the deadline depends on an unannounced year."
    )
    calendar_version: int | None
    fulfilled_on: date | None
    platform_receipt: str | None = strawberry.field(
        description="The national platform's receipt reference."
    )
    waived_reason: str | None
    closed_by: str | None = strawberry.field(
        description=(
            "Who fulfilled or waived it: a person's subject, or partner-key:<id> for a partner "
            "system (for a coverage duty, whoever saved the service point that covered it)."
        )
    )
    closed_at: datetime | None = strawberry.field(description="When it was fulfilled or waived.")
    reschedules: list[RescheduleType] = strawberry.field(
        description="How a calendar load moved its deadline, oldest first."
    )

    @classmethod
    def of(cls, record: ObligationRecord) -> "ObligationType":
        duty = record.obligation
        deadline = duty.deadline
        return cls(
            record=record,
            id=strawberry.ID(record.id),
            rule_id=duty.rule_id,
            rule_set=duty.rule_set_id,
            rule_set_version=duty.rule_set_version,
            responsible_role=duty.responsible_role,
            subject_kind=duty.subject_kind,
            subject_id=duty.subject_id,
            model_code=duty.model,
            trigger_kind=duty.trigger_kind,
            trigger_date=duty.trigger_date,
            due_date=deadline.due_date if deadline else None,
            due_at=deadline.due_at if deadline else None,
            provisional=deadline.provisional if deadline else False,
            calendar_version=deadline.calendar_version if deadline else None,
            fulfilled_on=record.fulfilled_on,
            platform_receipt=record.platform_receipt,
            waived_reason=record.waived_reason,
            closed_by=record.closed_by,
            closed_at=record.closed_at,
            reschedules=[
                RescheduleType(
                    before=r.before,
                    after=r.after,
                    calendar_version=r.calendar_version,
                    at=r.at,
                    rule_set=r.rule_set,
                )
                for r in record.reschedules
            ],
        )


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
    return [ObligationType.of(r) for r in records if can_see_obligation(principal, r)]


ObligationEdge = Edge[ObligationType]


@strawberry.type(name="ObligationConnection")
class ObligationConnection(Connection[ObligationType]):
    # How to count the whole list from maintained counters, when they can say it exactly: the
    # enterprise (None: the nation) and the statuses asked for (empty: all). None: they cannot.
    counted_as: Private[tuple[str | None, frozenset[ObligationStatus]] | None] = None

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
