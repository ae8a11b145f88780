"""The bulk mutations: `issueFactoryCertificates`, `clearCustomsBatch` and `registerVehicles`
(enterprise users, and partner systems with `events:write`) and `fulfillObligations` (with
`obligations:write`), the same callers as their single mutations.

Each item is its single mutation's use case with that mutation's field paths, pointed into the
list, and its payload as that mutation shows it (a vehicle the caller may no longer see is
null). graph/bulk/items.py runs the items.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, Protocol, TypeVar

import strawberry

from compliance.services import events as event_cases
from compliance.services import obligations as obligation_cases
from compliance.services.outcome import Recorded, Request
from compliance.services.store import Store
from graph.bulk.inputs import (
    ClearCustomsBatchInput,
    FulfillObligationsInput,
    IssueFactoryCertificatesInput,
    RegisterVehiclesInput,
)
from graph.bulk.items import Bulk, ItemResult, path_within, retried, within
from graph.bulk.types import (
    BulkObligationPayload,
    BulkVehiclePayload,
    ObligationResult,
    VehicleResult,
)
from graph.limits import MAX_BULK_ITEMS
from graph.mutations.common import (
    FieldPath,
    events_of,
    fields,
    id_errors,
    obligations_of,
    refusal_errors,
    run,
    visible_vehicle,
)
from graph.obligations.inputs import FulfillObligationInput
from graph.obligations.mutations import closed_payload as fulfilment_payload
from graph.obligations.types import ObligationType
from graph.permissions import EventRecorder, ObligationCloser
from graph.types import Info
from graph.vehicles.inputs import (
    ClearCustomsInput,
    IssueFactoryCertificateInput,
    RegisterVehicleInput,
)
from graph.vehicles.mutations import certificate_path

_BULK = (
    f" Up to {MAX_BULK_ITEMS} items a call, each checked and applied on its own as `{{single}}` "
    "would do it and answered at its index: a refused item does not stop the others. Sent "
    "again, each item is answered as before and nothing is recorded twice."
)


class _VehicleItem(Protocol):
    @property
    def vin(self) -> str: ...


_V = TypeVar("_V", bound=_VehicleItem)


class _Answered(ItemResult, Protocol):
    obligations: list[ObligationType]


def _totals(results: Sequence[_Answered]) -> dict[str, Any]:
    """What a payload says of all its items: how many were applied and refused, and every
    item's obligations."""
    refused = sum(1 for result in results if result.user_errors)
    return {
        "applied": len(results) - refused,
        "refused": refused,
        "obligations": [o for result in results for o in result.obligations],
    }


async def _vehicles(
    info: Info,
    input: object,
    items: Sequence[_V],
    case: Callable[[Store, Request, _V], Recorded],
    path: FieldPath,
    keys: Callable[[_V], Iterable[str]],
) -> BulkVehiclePayload:
    """Each item recorded by `case` (its single mutation's use case), refused at `path`."""

    def apply(store: Store, request: Request, index: int, item: _V) -> VehicleResult:
        recorded = run(lambda: retried(lambda: case(store, request, item)))
        if not recorded.ok:
            errors = refusal_errors(recorded.refusals, path_within(index, path))
            return VehicleResult.refused(index, errors)
        return VehicleResult(
            index=index,
            vehicle=visible_vehicle(info, recorded, item.vin),
            events=events_of(recorded),
            obligations=obligations_of(recorded),
            user_errors=[],
        )

    bulk = Bulk(keys, apply, VehicleResult.refused)
    results, errors = await bulk.run(info, input, items)
    return BulkVehiclePayload(results=results, user_errors=errors, **_totals(results))


def _certified(item: IssueFactoryCertificateInput | ClearCustomsInput) -> list[str]:
    """The records a certificate names: its vehicle and the batteries installed in it."""
    return [f"V#{item.vin}", *(f"B#{code}" for code in item.battery_codes)]


def _certify(
    store: Store,
    request: Request,
    item: IssueFactoryCertificateInput | ClearCustomsInput,
    on: date,
    *,
    imported: bool,
) -> Recorded:
    """One certificate or clearance, as its single mutation records it."""
    return event_cases.certify_vehicle(
        store, request, item.vin, item.model.strip(), on, item.battery_codes, imported=imported
    )


@strawberry.mutation(
    description="Record domestic vehicles' factory certificates, each with its batteries."
    + _BULK.format(single="issueFactoryCertificate"),
    permission_classes=[EventRecorder],
)
async def issue_factory_certificates(
    info: Info, input: IssueFactoryCertificatesInput
) -> BulkVehiclePayload:
    def case(store: Store, request: Request, item: IssueFactoryCertificateInput) -> Recorded:
        return _certify(store, request, item, item.issued_on, imported=False)

    return await _vehicles(info, input, input.items, case, certificate_path("issuedOn"), _certified)


@strawberry.mutation(
    description="Record imported vehicles' customs clearances, each with its batteries."
    + _BULK.format(single="clearCustoms"),
    permission_classes=[EventRecorder],
)
async def clear_customs_batch(info: Info, input: ClearCustomsBatchInput) -> BulkVehiclePayload:
    def case(store: Store, request: Request, item: ClearCustomsInput) -> Recorded:
        return _certify(store, request, item, item.cleared_on, imported=True)

    return await _vehicles(
        info, input, input.items, case, certificate_path("clearedOn"), _certified
    )


@strawberry.mutation(
    description="Record vehicles' registrations (licensing) and regions."
    + _BULK.format(single="registerVehicle"),
    permission_classes=[EventRecorder],
)
async def register_vehicles(info: Info, input: RegisterVehiclesInput) -> BulkVehiclePayload:
    def case(store: Store, request: Request, item: RegisterVehicleInput) -> Recorded:
        return event_cases.register_vehicle(
            store, request, item.vin, item.registered_on, item.region_code
        )

    return await _vehicles(
        info,
        input,
        input.items,
        case,
        fields({"occurred_on": "registeredOn"}),
        lambda item: [f"V#{item.vin}"],
    )


def _fulfil(
    store: Store, request: Request, index: int, item: FulfillObligationInput
) -> ObligationResult:
    """`fulfillObligation` for one item: its checks, its use case, its payload."""
    if invalid := id_errors(str(item.id), "what.obligation_id", "input", "id"):
        return ObligationResult.refused(index, within(index, invalid))
    closed = run(
        lambda: retried(
            lambda: obligation_cases.fulfil(
                store, request, str(item.id), item.fulfilled_on, item.platform_receipt
            )
        )
    )
    answer = fulfilment_payload(closed)
    return ObligationResult(
        index=index,
        obligation=answer.obligation,
        obligations=answer.obligations,
        user_errors=within(index, answer.user_errors),
    )


@strawberry.mutation(
    description="Mark obligations done, each with the national platform's receipt."
    + _BULK.format(single="fulfillObligation"),
    permission_classes=[ObligationCloser],
)
async def fulfill_obligations(info: Info, input: FulfillObligationsInput) -> BulkObligationPayload:
    bulk = Bulk(lambda item: [f"O#{item.id}"], _fulfil, ObligationResult.refused)
    results, errors = await bulk.run(info, input, input.items)
    return BulkObligationPayload(results=results, user_errors=errors, **_totals(results))
