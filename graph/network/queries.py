"""The service network's root query fields: `serviceCoverage` and `servicePoints`."""

import json

import strawberry

from compliance.messages import t
from compliance.store import counts, coverage, lists
from graph.cursors import decode_cursor, encode_cursor, page_size
from graph.errors import BadUserInput
from graph.lists import (
    BOUNDED,
    ListRequest,
    cursor_position,
    empty,
    region_prefix,
    requested_enterprise,
)
from graph.network.inputs import ServicePointFilter
from graph.network.types import (
    CoverageRegion,
    CoverageReport,
    ServicePointConnection,
    ServicePointEdge,
    ServicePointType,
)
from graph.permissions import Reader, can_see_service_point, enterprise_scope, require_principal
from graph.types import Info, PageInfo


@strawberry.field(
    description=(
        "Service-point coverage: each region where the enterprise runs a point or has a "
        "coverage duty, by point type, then region, a page at a time (`first` at most 200; "
        "continue from pageInfo.endCursor); `gaps` counts the whole network."
    ),
    permission_classes=[Reader],
)
def service_coverage(
    info: Info,
    enterprise_id: strawberry.ID | None = None,
    first: int | None = 100,
    after: str | None = None,
) -> CoverageReport:
    principal = require_principal(info.context)
    settings = info.context.settings
    first = page_size(first, 100, settings.max_page_size)
    scope = enterprise_scope(principal, str(enterprise_id) if enterprise_id else None)
    if not scope.visible or scope.enterprise_id is None:
        if scope.visible and scope.enterprise_id is None:
            raise BadUserInput(t("query.name_enterprise"), field="enterpriseId")
        return CoverageReport(
            enterprise_id=enterprise_id,
            regions=[],
            gaps=0,
            page_info=PageInfo(has_next_page=False, end_cursor=None),
        )
    operator = scope.enterprise_id
    binding = json.dumps(["serviceCoverage", principal.subject, operator])
    start = decode_cursor(after, binding, settings.cursor_key) if after else None
    page = coverage.coverage_page(
        operator, first=first, after=cursor_position(start) if start else None
    )
    gaps = counts.counts_of(operator).coverage_open
    end = (
        encode_cursor({"after": page.next_after}, binding, settings.cursor_key)
        if page.next_after
        else None
    )
    return CoverageReport(
        enterprise_id=strawberry.ID(operator),
        regions=[CoverageRegion.of(operator, row) for row in page.rows],
        gaps=gaps,
        page_info=PageInfo(has_next_page=page.next_after is not None, end_cursor=end),
    )


@strawberry.field(
    description=(
        f"The service points an enterprise operates, by type, then the region they cover. {BOUNDED}"
    ),
    permission_classes=[Reader],
)
def service_points(
    info: Info,
    filter: ServicePointFilter | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> ServicePointConnection:
    request = ListRequest(info, "servicePoints", first, after)
    where = _where(filter)
    enterprise = request.enterprise(requested_enterprise(filter))
    if enterprise is None:
        return empty(ServicePointConnection)
    after_key = request.start(enterprise, where.canonical())
    page = lists.service_point_page(enterprise, where, first=request.first, after=after_key)
    return request.connection(
        page,
        lambda point: can_see_service_point(request.principal, point),
        ServicePointType.of,
        ServicePointEdge,
        ServicePointConnection,
    )


def _where(filter: ServicePointFilter | None) -> lists.ServicePointWhere:
    if filter is None:
        return lists.ServicePointWhere()
    return lists.ServicePointWhere(
        point_type=filter.point_type,
        region_prefix=region_prefix(filter.region_code),
        active=filter.active,
    )
