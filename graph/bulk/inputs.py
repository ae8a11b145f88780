"""The bulk mutations' input types: a list of the very inputs the single mutations take, so a
partner system builds an item exactly as it builds a single request."""

import strawberry

from graph.limits import MAX_BULK_ITEMS
from graph.obligations.inputs import FulfillObligationInput
from graph.vehicles.inputs import (
    ClearCustomsInput,
    IssueFactoryCertificateInput,
    RegisterVehicleInput,
)

_ITEMS = (
    f"At most {MAX_BULK_ITEMS} items, each checked and applied on its own and answered at its "
    "index in `results`."
)


@strawberry.input
class IssueFactoryCertificatesInput:
    items: list[IssueFactoryCertificateInput] = strawberry.field(description=_ITEMS)


@strawberry.input
class ClearCustomsBatchInput:
    items: list[ClearCustomsInput] = strawberry.field(description=_ITEMS)


@strawberry.input
class RegisterVehiclesInput:
    items: list[RegisterVehicleInput] = strawberry.field(description=_ITEMS)


@strawberry.input
class FulfillObligationsInput:
    items: list[FulfillObligationInput] = strawberry.field(description=_ITEMS)
