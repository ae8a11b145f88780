"""The `LifecycleEvent` type: an event's facts as plain fields; what only its reporter and
regulators may see is resolved for the caller."""

from datetime import date, datetime

import strawberry
from strawberry import Private

from compliance.lifecycle import DisposalOrigin, EventKind, EventRecord, RemovalReason
from graph.permissions import require_principal
from graph.types import Info, RegionType


@strawberry.type(name="LifecycleEvent")
class LifecycleEventType:
    record: Private[EventRecord]
    id: strawberry.ID
    kind: EventKind
    occurred_on: date
    recorded_at: datetime
    actor_id: strawberry.ID
    region: RegionType | None

    def _reported_by_caller(self, info: Info) -> bool:
        """Whether the caller may see the event's private details: its reporter and regulators."""
        principal = require_principal(info.context)
        return principal.sees_everything or principal.enterprise_id == self.record.event.actor

    def _counterparty(self, info: Info) -> str | None:
        event = self.record.event
        if event.kind is EventKind.BATTERY_SOLD_DIRECTLY and not self._reported_by_caller(info):
            return None
        return event.counterparty

    # Fields resolved for the caller are declared in the schema's order among the plain ones.
    counterparty: str | None = strawberry.field(
        resolver=_counterparty,
        description=(
            "USCC of the automaker supplied or of the enterprise a battery was handed to; for a "
            "direct sale, the buyer's name, shown only to the seller and regulators."
        ),
    )
    service_point_id: strawberry.ID | None = strawberry.field(
        description="The service point received at or handed out of."
    )
    reason: RemovalReason | None = strawberry.field(
        description="Why a battery was removed from its vehicle."
    )
    parent_code: str | None = strawberry.field(
        description="For a battery registered as part of a pack or module."
    )

    def _battery_codes(self, info: Info) -> list[str]:
        return list(self.record.event.battery_codes) if self._reported_by_caller(info) else []

    battery_codes: list[str] = strawberry.field(
        resolver=_battery_codes,
        description=(
            "For a scrapping: the batteries that came with the vehicle. Shown to the reporting "
            "enterprise and regulators: other makers' packs may be among them."
        ),
    )

    def _recorded_by(self, info: Info) -> str | None:
        return self.record.recorded_by if self._reported_by_caller(info) else None

    recorded_by: str | None = strawberry.field(
        resolver=_recorded_by,
        description=(
            "Who recorded it: a person's subject, or partner-key:<id> for a partner system. "
            "Shown to the reporting enterprise and regulators; null for anyone else."
        ),
    )
    origin: DisposalOrigin | None
    vin: str | None
    battery_code: str | None
    new_code: str | None

    @classmethod
    def of(cls, record: EventRecord) -> "LifecycleEventType":
        event = record.event
        point = event.service_point
        return cls(
            record=record,
            id=strawberry.ID(event.id),
            kind=event.kind,
            occurred_on=event.occurred_on,
            recorded_at=record.recorded_at,
            actor_id=strawberry.ID(event.actor),
            region=RegionType.of(event.region_code),
            service_point_id=strawberry.ID(point) if point else None,
            reason=event.reason,
            parent_code=event.parent_code,
            origin=event.origin,
            vin=event.vin,
            battery_code=event.battery_code,
            new_code=event.new_code,
        )
