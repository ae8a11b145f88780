"""The obligations' input types: the `obligations` list's filter, fulfilment and waiver."""

from datetime import date

import strawberry

from compliance.rules import ObligationStatus


@strawberry.input(name="ObligationFilter")
class ObligationFilterInput:
    status: list[ObligationStatus] | None = None
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
class FulfillObligationInput:
    id: strawberry.ID
    fulfilled_on: date
    platform_receipt: str | None = None


@strawberry.input
class WaiveObligationInput:
    id: strawberry.ID
    reason: str
