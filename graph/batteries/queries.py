"""The batteries' root query fields: `battery`, `decodeBatteryCode` and `batteries`."""

import strawberry

from compliance.codes import as_marked, decode_battery_code
from compliance.store import lists
from graph.batteries.inputs import BatteryFilter
from graph.batteries.types import (
    BatteryCodeReportType,
    BatteryConnection,
    BatteryEdge,
    BatteryType,
    load_battery,
)
from graph.lists import BOUNDED, ListRequest, check_dates, empty, requested_enterprise
from graph.permissions import Reader, can_see_battery
from graph.types import Info


@strawberry.field(
    description=(
        "A battery by its GB/T 34014 code, looked up in upper case without surrounding spaces, "
        "as codes are marked."
    ),
    permission_classes=[Reader],
)
async def battery(info: Info, code: str) -> BatteryType | None:
    return await load_battery(info, as_marked(code))


@strawberry.field(
    description="Decode a GB/T 34014 code without storing anything.", permission_classes=[Reader]
)
def decode_code(info: Info, code: str, strict: bool = True) -> BatteryCodeReportType:
    return BatteryCodeReportType.of(
        decode_battery_code(code, strict=strict, today=info.context.today)
    )


@strawberry.field(
    description=f"Batteries by code, by the enterprise's relation to them. {BOUNDED}",
    permission_classes=[Reader],
)
def batteries(
    info: Info,
    relation: lists.BatteryRelation,
    filter: BatteryFilter | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> BatteryConnection:
    request = ListRequest(info, "batteries", first, after)
    where = _where(filter)
    enterprise = request.enterprise(requested_enterprise(filter))
    if enterprise is None:
        return empty(BatteryConnection)
    after_key = request.start(enterprise, relation, where.canonical())
    page = lists.battery_page(enterprise, relation, where, first=request.first, after=after_key)
    return request.connection(
        page,
        lambda state: can_see_battery(request.principal, state),
        BatteryType.of,
        BatteryEdge,
        BatteryConnection,
    )


def _where(filter: BatteryFilter | None) -> lists.BatteryWhere:
    if filter is None:
        return lists.BatteryWhere()
    check_dates(filter.produced_on_or_after, filter.produced_on_or_before, "produced")
    return lists.BatteryWhere(
        statuses=frozenset(filter.status or ()),
        produced_on_or_after=filter.produced_on_or_after,
        produced_on_or_before=filter.produced_on_or_before,
    )
