"""The vehicles' mutations: a model's announcement or CCC certificate, a vehicle's factory
certificate or customs clearance (with the batteries installed), registration and scrapping.

Enterprise users and partner systems with `events:write` record them (`EventRecorder`). A
vehicle or model the caller may not report on gets exactly the answer an unknown one gets.
"""

from collections.abc import Callable
from datetime import date

import strawberry

from compliance.lifecycle import Violation
from compliance.services import events as use_cases
from compliance.services.outcome import Recorded, Request
from graph.events.types import LifecycleEventType
from graph.mutations.common import (
    FieldPath,
    events_of,
    fields,
    id_errors,
    obligations_of,
    recorded_answer,
    visible_model,
    visible_vehicle,
)
from graph.obligations.types import ObligationType
from graph.permissions import EventRecorder
from graph.types import Info, UserError
from graph.vehicles.inputs import (
    AnnounceModelInput,
    ClearCustomsInput,
    IssueFactoryCertificateInput,
    RegisterVehicleInput,
    ScrapVehicleInput,
)
from graph.vehicles.types import VehicleModelType, VehicleType


@strawberry.type
class ModelPayload:
    model: VehicleModelType | None
    events: list[LifecycleEventType]
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class VehiclePayload:
    vehicle: VehicleType | None
    events: list[LifecycleEventType]
    obligations: list[ObligationType]
    user_errors: list[UserError]


async def _vehicle(
    info: Info,
    input: IssueFactoryCertificateInput
    | ClearCustomsInput
    | RegisterVehicleInput
    | ScrapVehicleInput,
    run_case: Callable[[Request], Recorded],
    path: FieldPath,
) -> VehiclePayload:
    def refused(errors: list[UserError]) -> VehiclePayload:
        return VehiclePayload(vehicle=None, events=[], obligations=[], user_errors=errors)

    def payload(recorded: Recorded) -> VehiclePayload:
        return VehiclePayload(
            vehicle=visible_vehicle(info, recorded, input.vin),
            events=events_of(recorded),
            obligations=obligations_of(recorded),
            user_errors=[],
        )

    return await recorded_answer(info, run_case, path, payload, refused, input=input)


def certificate_path(date_field: str) -> FieldPath:
    """Index 0 is the vehicle; index i+1 is batteryCodes[i]."""
    names = fields({"occurred_on": date_field})

    def path(violation: Violation, index: int | None) -> list[str]:
        if violation.field == "battery_code" and index is not None and index > 0:
            return ["input", "batteryCodes", str(index - 1)]
        return names(violation, None)

    return path


async def _certify(
    info: Info,
    input: IssueFactoryCertificateInput | ClearCustomsInput,
    on: date,
    *,
    imported: bool,
    date_field: str,
) -> VehiclePayload:
    store = info.context.store
    return await _vehicle(
        info,
        input,
        lambda request: use_cases.certify_vehicle(
            store,
            request,
            input.vin,
            input.model.strip(),
            on,
            input.battery_codes,
            imported=imported,
        ),
        certificate_path(date_field),
    )


@strawberry.mutation(
    description="Record a model's MIIT announcement or CCC certificate.",
    permission_classes=[EventRecorder],
)
async def announce_model(info: Info, input: AnnounceModelInput) -> ModelPayload:
    path = fields({"occurred_on": "announcedOn"})

    def refused(errors: list[UserError]) -> ModelPayload:
        return ModelPayload(model=None, events=[], obligations=[], user_errors=errors)

    def payload(recorded: Recorded) -> ModelPayload:
        return ModelPayload(
            model=visible_model(info, recorded, input.model.strip()),
            events=events_of(recorded),
            obligations=obligations_of(recorded),
            user_errors=[],
        )

    store = info.context.store
    return await recorded_answer(
        info,
        lambda request: use_cases.announce_model(
            store,
            request,
            input.model.strip(),
            input.announced_on,
            imported=input.imported,
            battery_swap=input.battery_swap,
        ),
        path,
        payload,
        refused,
        input=input,
        invalid=lambda: id_errors(input.model, "what.model_code", "input", "model"),
    )


@strawberry.mutation(
    description=(
        "Record a domestic vehicle's factory certificate, with the batteries installed in "
        "it: batteries your enterprise holds (supplied to it, or its own)."
    ),
    permission_classes=[EventRecorder],
)
async def issue_factory_certificate(
    info: Info, input: IssueFactoryCertificateInput
) -> VehiclePayload:
    return await _certify(
        info,
        input,
        input.issued_on,
        imported=False,
        date_field="issuedOn",
    )


@strawberry.mutation(
    description="Record an imported vehicle's customs clearance, with its batteries.",
    permission_classes=[EventRecorder],
)
async def clear_customs(info: Info, input: ClearCustomsInput) -> VehiclePayload:
    return await _certify(
        info,
        input,
        input.cleared_on,
        imported=True,
        date_field="clearedOn",
    )


@strawberry.mutation(
    description="Record a vehicle's registration (licensing) and region.",
    permission_classes=[EventRecorder],
)
async def register_vehicle(info: Info, input: RegisterVehicleInput) -> VehiclePayload:
    store = info.context.store
    return await _vehicle(
        info,
        input,
        lambda request: use_cases.register_vehicle(
            store, request, input.vin, input.registered_on, input.region_code
        ),
        fields({"occurred_on": "registeredOn"}),
    )


@strawberry.mutation(
    description=(
        "Take a vehicle in for scrapping (dismantlers), with the batteries that came with "
        "it; the dismantler holds the vehicle and those batteries from then on. A vehicle "
        "whose installed batteries did not come is recorded as scrapped incomplete."
    ),
    permission_classes=[EventRecorder],
)
async def scrap_vehicle(info: Info, input: ScrapVehicleInput) -> VehiclePayload:
    store = info.context.store
    return await _vehicle(
        info,
        input,
        lambda request: use_cases.scrap_vehicle(
            store, request, input.vin, input.scrapped_on, input.battery_codes
        ),
        fields({"occurred_on": "scrappedOn"}),
    )
