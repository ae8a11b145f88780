"""The change feed's GraphQL types: a change, its edge and its page."""

from datetime import date, datetime

import strawberry

from compliance.changes import Change, ChangeKind
from compliance.lifecycle import EventKind
from compliance.rules import ObligationStatus
from graph.obligations.types import ObligationType
from graph.permissions import can_see_obligation, require_principal
from graph.types import Connection, Edge, Info

strawberry.enum(ChangeKind, description="What happened; see the README's change feed section.")


@strawberry.type(
    name="Change",
    description=(
        "One change in your enterprise's feed: an event recorded by it or handed to it, or a "
        "change of one of its obligations. The fields are as they were when it changed; "
        "`obligation` reads the obligation as it is now."
    ),
)
class ChangeType:
    change_id: str = strawberry.field(
        description="The same on every delivery of this change, here and on the changes bus."
    )
    sequence: int = strawberry.field(description="Its place in your feed: 1, 2, 3, ...")
    kind: ChangeKind
    at: datetime = strawberry.field(description="When it was written (UTC).")
    obligation_id: str | None
    status: ObligationStatus | None = strawberry.field(
        description="The obligation's stored status after the change."
    )
    due_date: date | None = strawberry.field(description="Null for a standing duty.")
    rule_id: str | None
    stage: str | None = strawberry.field(
        description="OBLIGATION_DUE_SOON: the reminder stage, `T-<days>` before or `DUE`."
    )
    event_id: str | None
    event_kind: EventKind | None
    occurred_on: date | None
    vin: str | None
    battery_code: str | None
    model_code: str | None
    region_code: str | None

    @strawberry.field(description="The obligation as it is now (null for an event).")
    async def obligation(self, info: Info) -> ObligationType | None:
        if self.obligation_id is None:
            return None
        record = await info.context.loaders.obligation.load(self.obligation_id)
        if record is None or not can_see_obligation(require_principal(info.context), record):
            return None
        return ObligationType.of(record)

    @staticmethod
    def of(sequence: int, change: Change) -> "ChangeType":
        return ChangeType(
            change_id=change.change_id,
            sequence=sequence,
            kind=change.kind,
            at=change.at,
            obligation_id=change.obligation_id,
            status=ObligationStatus(change.status) if change.status else None,
            due_date=date.fromisoformat(change.due_date) if change.due_date else None,
            rule_id=change.rule_id,
            stage=change.stage,
            event_id=change.event_id,
            event_kind=EventKind(change.event_kind) if change.event_kind else None,
            occurred_on=date.fromisoformat(change.occurred_on) if change.occurred_on else None,
            vin=change.vin,
            battery_code=change.battery_code,
            model_code=change.model,
            region_code=change.region_code,
        )


ChangeEdge = Edge[ChangeType]
ChangeConnection = Connection[ChangeType]
