"""The enterprises' mutations: `registerEnterprise` and `updateEnterprise`."""

import strawberry

from compliance.enterprises import Contact, Enterprise
from compliance.services import enterprises as use_cases
from compliance.services.enterprises import Saved
from graph.context import Role
from graph.enterprises.inputs import RegisterEnterpriseInput, UpdateEnterpriseInput
from graph.enterprises.types import EnterpriseType
from graph.limits import input_errors
from graph.mutations.common import Failed, fields, id_errors, run, user_errors
from graph.obligations.types import ObligationType
from graph.permissions import Administrator, PlatformAdmin, require_principal
from graph.types import Info, UserError


@strawberry.type
class EnterprisePayload:
    enterprise: EnterpriseType | None
    obligations: list[ObligationType]
    user_errors: list[UserError]


def _payload(saved: Saved) -> EnterprisePayload:
    if saved.violations or saved.enterprise is None:
        return EnterprisePayload(
            enterprise=None, obligations=[], user_errors=user_errors(saved.violations, fields())
        )
    return EnterprisePayload(
        enterprise=EnterpriseType.of(saved.enterprise), obligations=[], user_errors=[]
    )


def _refused(errors: list[UserError]) -> EnterprisePayload:
    return EnterprisePayload(enterprise=None, obligations=[], user_errors=errors)


@strawberry.mutation(
    description=(
        "Onboard an enterprise (platform administrators). Sent again unchanged, it answers "
        "the same; an enterprise on record already is changed with updateEnterprise."
    ),
    permission_classes=[PlatformAdmin],
)
def register_enterprise(info: Info, input: RegisterEnterpriseInput) -> EnterprisePayload:
    if over := input_errors(info, input):
        return _refused(over)
    enterprise = Enterprise(
        id=str(input.id),
        name=input.name.strip(),
        kinds=frozenset(input.kinds),
        manufacturer_codes=frozenset(input.manufacturer_codes or []),
        province_code=input.province_code,
        contacts=tuple(Contact(c.email, c.language) for c in input.contacts or []),
        created_at=info.context.now,
    )
    store = info.context.store
    try:
        return _payload(run(lambda: use_cases.register(store, enterprise)))
    except Failed as failure:
        return _refused(failure.user_errors)


@strawberry.mutation(
    description=(
        "Change an enterprise's name, province or reminder contacts (the platform, or the "
        "enterprise's own administrators). What is left out stays as it is; contacts "
        "replace the whole list, and take part in the next reminder sweep."
    ),
    permission_classes=[Administrator],
)
def update_enterprise(info: Info, input: UpdateEnterpriseInput) -> EnterprisePayload:
    principal = require_principal(info.context)
    caller = None if principal.role is Role.PLATFORM_ADMIN else principal.enterprise_id
    if invalid := input_errors(info, input) or id_errors(
        str(input.id), "what.enterprise_id", "input", "id"
    ):
        return _refused(invalid)
    contacts = (
        [Contact(c.email, c.language) for c in input.contacts]
        if input.contacts is not None
        else None
    )
    store = info.context.store
    try:
        saved = run(
            lambda: use_cases.update(
                store,
                str(input.id),
                caller_enterprise=caller,
                by=principal.subject,
                now=info.context.now,
                name=input.name,
                province_code=input.province_code,
                contacts=contacts,
            )
        )
    except Failed as failure:
        return _refused(failure.user_errors)
    return _payload(saved)
