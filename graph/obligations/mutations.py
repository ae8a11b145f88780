"""The obligations' mutations: `fulfillObligation` (enterprise users, and partner systems with
`obligations:write`) and `waiveObligation` (enterprise administrators)."""

import strawberry

from compliance.services import obligations as use_cases
from compliance.services.obligations import Closed
from graph.mutations.common import answer, fields, id_errors, request_of, run, user_errors
from graph.obligations.inputs import FulfillObligationInput, WaiveObligationInput
from graph.obligations.types import ObligationType
from graph.permissions import EnterpriseAdmin, ObligationCloser
from graph.types import Info, UserError


@strawberry.type
class ObligationPayload:
    obligation: ObligationType | None
    obligations: list[ObligationType]
    user_errors: list[UserError]


def _refused(errors: list[UserError]) -> ObligationPayload:
    return ObligationPayload(obligation=None, obligations=[], user_errors=errors)


def closed_payload(closed: Closed) -> ObligationPayload:
    if closed.violations or closed.record is None:
        return _refused(user_errors(closed.violations, fields()))
    node = ObligationType.of(closed.record)
    return ObligationPayload(obligation=node, obligations=[node], user_errors=[])


@strawberry.mutation(
    description=(
        "Mark an obligation done, with the national platform's receipt. Sent again with "
        "the same date and receipt, it answers the same; with others, CONFLICT."
    ),
    permission_classes=[ObligationCloser],
)
async def fulfill_obligation(info: Info, input: FulfillObligationInput) -> ObligationPayload:
    async def attempt() -> ObligationPayload:
        request = await request_of(info, input=input)
        if invalid := id_errors(str(input.id), "what.obligation_id", "input", "id"):
            return _refused(invalid)
        store = info.context.store
        return closed_payload(
            run(
                lambda: use_cases.fulfil(
                    store, request, str(input.id), input.fulfilled_on, input.platform_receipt
                )
            )
        )

    return await answer(attempt, _refused)


@strawberry.mutation(
    description=(
        "Waive an obligation that does not apply, with the reason (enterprise "
        "administrators). Sent again with the same reason, it answers the same."
    ),
    permission_classes=[EnterpriseAdmin],
)
async def waive_obligation(info: Info, input: WaiveObligationInput) -> ObligationPayload:
    async def attempt() -> ObligationPayload:
        request = await request_of(info, input=input)
        if invalid := id_errors(str(input.id), "what.obligation_id", "input", "id"):
            return _refused(invalid)
        store = info.context.store
        return closed_payload(
            run(lambda: use_cases.waive(store, request, str(input.id), input.reason))
        )

    return await answer(attempt, _refused)
