"""The bulk mutations' payloads: one result per item, in input order, each what the single
mutation's payload says about that item; and how many items were applied and refused."""

import strawberry

from graph.events.types import LifecycleEventType
from graph.obligations.types import ObligationType
from graph.types import UserError
from graph.vehicles.types import VehicleType

_INDEX = "The item's position in `input.items`, from 0."
_ITEM_ERRORS = (
    "Why this item was refused (nothing of it was written); empty when it was applied, or was "
    'on record already. Paths point into the list: `["input", "items", "3", "vin"]`.'
)
_RESULTS = "One result per item, in the order of `input.items`."
_APPLIED = "Items recorded by this call, or found on record already (a retry): no userErrors."
_REFUSED = "Items with userErrors, of which nothing was written."
_ALL_OBLIGATIONS = "Every item's `obligations`, in the order of the items."
_CALL_ERRORS = (
    "Why the call as a whole was refused before any item ran (too many items): then `results` "
    "is empty and nothing was written."
)


@strawberry.type(description="One item of a bulk vehicle mutation, as the single one answers it.")
class VehicleResult:
    index: int = strawberry.field(description=_INDEX)
    vehicle: VehicleType | None
    events: list[LifecycleEventType]
    obligations: list[ObligationType]
    user_errors: list[UserError] = strawberry.field(description=_ITEM_ERRORS)

    @classmethod
    def refused(cls, index: int, errors: list[UserError]) -> "VehicleResult":
        return cls(index=index, vehicle=None, events=[], obligations=[], user_errors=errors)


@strawberry.type(description="One item of `fulfillObligations`, as `fulfillObligation` answers it.")
class ObligationResult:
    index: int = strawberry.field(description=_INDEX)
    obligation: ObligationType | None
    obligations: list[ObligationType]
    user_errors: list[UserError] = strawberry.field(description=_ITEM_ERRORS)

    @classmethod
    def refused(cls, index: int, errors: list[UserError]) -> "ObligationResult":
        return cls(index=index, obligation=None, obligations=[], user_errors=errors)


@strawberry.type
class BulkVehiclePayload:
    results: list[VehicleResult] = strawberry.field(description=_RESULTS)
    applied: int = strawberry.field(description=_APPLIED)
    refused: int = strawberry.field(description=_REFUSED)
    obligations: list[ObligationType] = strawberry.field(description=_ALL_OBLIGATIONS)
    user_errors: list[UserError] = strawberry.field(description=_CALL_ERRORS)


@strawberry.type
class BulkObligationPayload:
    results: list[ObligationResult] = strawberry.field(description=_RESULTS)
    applied: int = strawberry.field(description=_APPLIED)
    refused: int = strawberry.field(description=_REFUSED)
    obligations: list[ObligationType] = strawberry.field(description=_ALL_OBLIGATIONS)
    user_errors: list[UserError] = strawberry.field(description=_CALL_ERRORS)
