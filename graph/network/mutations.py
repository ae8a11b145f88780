"""The service network's mutation: create or update a take-back service point (enterprise
administrators). Sent without an id, a point is found by its operator, type, region and name,
so sending it again updates it instead of creating a second one."""

import uuid

import strawberry

from compliance.services import service_points as use_cases
from compliance.services.service_points import PointInput
from graph.mutations.common import answer, fields, id_errors, request_of, run, user_errors
from graph.network.inputs import ServicePointInput
from graph.network.types import ServicePointType
from graph.obligations.types import ObligationType
from graph.permissions import EnterpriseAdmin
from graph.types import Info, UserError


@strawberry.type
class ServicePointPayload:
    service_point: ServicePointType | None
    obligations: list[ObligationType] = strawberry.field(
        description="The coverage duties of its region that stand fulfilled."
    )
    reopened_obligations: list[ObligationType] = strawberry.field(
        description=(
            "The coverage duties of the region the point stopped covering (deactivated, or "
            "moved to another region or type) that are open again: no other active point of "
            "yours covers that region."
        )
    )
    user_errors: list[UserError]


def _refused(errors: list[UserError]) -> ServicePointPayload:
    return ServicePointPayload(
        service_point=None, obligations=[], reopened_obligations=[], user_errors=errors
    )


@strawberry.mutation(
    description=(
        "Create or update a take-back service point (enterprise administrators). An "
        "active point closes the coverage duty of the region it covers."
    ),
    permission_classes=[EnterpriseAdmin],
)
async def upsert_service_point(info: Info, input: ServicePointInput) -> ServicePointPayload:
    async def attempt() -> ServicePointPayload:
        request = await request_of(info, input=input)
        sent_id = None if input.id is None else str(input.id)
        if sent_id is not None and (
            invalid := id_errors(sent_id, "what.service_point_id_new", "input", "id")
        ):
            return _refused(invalid)
        sent = PointInput(
            name=input.name,
            point_type=input.point_type,
            region_code=input.region_code,
            address=input.address,
            active=input.active,
            id=str(input.id) if input.id is not None else None,
        )
        store = info.context.store
        saved = run(
            lambda: use_cases.upsert(
                store, request, sent, new_id=lambda: f"sp_{uuid.uuid4().hex[:20]}"
            )
        )
        if saved.violations or saved.point is None:
            return _refused(user_errors(saved.violations, fields()))
        return ServicePointPayload(
            service_point=ServicePointType.of(saved.point),
            obligations=[ObligationType.of(r) for r in saved.fulfilled],
            reopened_obligations=[ObligationType.of(r) for r in saved.reopened],
            user_errors=[],
        )

    return await answer(attempt, _refused)
