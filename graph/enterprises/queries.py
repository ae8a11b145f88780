"""The enterprises' root query fields: `me`, `enterprise` and `enterprises`."""

from collections.abc import Sequence

import strawberry

from compliance import regions
from compliance.enterprises import Enterprise
from compliance.messages import t
from compliance.store import lists
from graph.context import Principal, Role
from graph.enterprises.inputs import EnterpriseFilter
from graph.enterprises.types import (
    EnterpriseConnection,
    EnterpriseEdge,
    EnterpriseType,
    PrincipalType,
)
from graph.errors import BadUserInput
from graph.lists import ListRequest
from graph.permissions import Reader, can_see_enterprise, require_principal
from graph.types import Info

# Who may list every enterprise: those who may see any (graph.permissions.can_see_enterprise).
_SEE_EVERY_ENTERPRISE = frozenset({Role.REGULATOR, Role.PLATFORM_ADMIN})


@strawberry.field(description="Who the token says the caller is.", permission_classes=[Reader])
def me(info: Info) -> PrincipalType:
    return PrincipalType.of(require_principal(info.context))


@strawberry.field(
    description="An enterprise by USCC: one's own (regulators: any).", permission_classes=[Reader]
)
async def enterprise(info: Info, id: strawberry.ID) -> EnterpriseType | None:
    record = await info.context.loaders.enterprise.load(str(id))
    if record is None or not can_see_enterprise(require_principal(info.context), record):
        return None
    return EnterpriseType.of(record)


@strawberry.field(
    description=(
        "Enterprises on the platform (regulators and platform administrators; anyone else: "
        "only their own), in storage order, not sorted. Every page reads at most "
        f"{lists.READ_BUDGET:,} stored rows and may hold fewer than `first` nodes, even "
        "none, with hasNextPage true; continue from pageInfo.endCursor. `first` is at "
        "most 200."
    ),
    permission_classes=[Reader],
)
async def enterprises(
    info: Info,
    filter: EnterpriseFilter | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> EnterpriseConnection:
    request = ListRequest(info, "enterprises", first, after)
    where = _where(filter)
    after_key = request.start(where.canonical())
    principal = request.principal
    if principal.role in _SEE_EVERY_ENTERPRISE:
        page = lists.enterprise_page(where, first=request.first, after=after_key)
    else:
        page = await _own_enterprise(info, principal, where, after_key)
    return request.connection(
        page,
        lambda record: can_see_enterprise(principal, record),
        EnterpriseType.of,
        EnterpriseEdge,
        EnterpriseConnection,
    )


def _where(filter: EnterpriseFilter | None) -> lists.EnterpriseWhere:
    if filter is None:
        return lists.EnterpriseWhere()
    province = filter.province_code
    if province is not None:
        region = regions.lookup(province)
        if region is None or region.level is not regions.RegionLevel.PROVINCE:
            raise BadUserInput(t("query.not_a_province", code=province), field="filter")
    return lists.EnterpriseWhere(kind=filter.kind, province_code=province)


async def _own_enterprise(
    info: Info, principal: Principal, where: lists.EnterpriseWhere, after: lists.Key | None
) -> lists.ListPage[Enterprise]:
    """An enterprise role's list of enterprises: its own, if it matches (a page of one)."""
    own = principal.enterprise_id
    record = await info.context.loaders.enterprise.load(own) if own and after is None else None
    records: Sequence[Enterprise] = [record] if record and where.matches(record) else []
    return lists.ListPage(
        records=list(records),
        keys=[{"pk": {"S": r.id}} for r in records],
        next_key=None,
        evaluated=len(records),
    )
