"""The vehicles' root query fields: `vehicle`, `vehicles` and `models`."""

import strawberry

from compliance.codes import as_marked
from compliance.store import lists
from graph.lists import (
    BOUNDED,
    ListRequest,
    check_dates,
    empty,
    region_prefix,
    requested_enterprise,
)
from graph.permissions import Reader, can_see_model, can_see_vehicle
from graph.types import Info
from graph.vehicles.inputs import VehicleFilter, VehicleModelFilter
from graph.vehicles.types import (
    VehicleConnection,
    VehicleEdge,
    VehicleModelConnection,
    VehicleModelEdge,
    VehicleModelType,
    VehicleType,
    load_vehicle,
)


@strawberry.field(
    description=(
        "A vehicle by VIN. Looked up in upper case without surrounding spaces, as VINs are "
        "marked: `lfzce4cb6p0000024 ` finds LFZCE4CB6P0000024."
    ),
    permission_classes=[Reader],
)
async def vehicle(info: Info, vin: str) -> VehicleType | None:
    return await load_vehicle(info, as_marked(vin))


@strawberry.field(
    description=f"An enterprise's vehicles by VIN. {BOUNDED}", permission_classes=[Reader]
)
def vehicles(
    info: Info,
    relation: lists.VehicleRelation = lists.VehicleRelation.MADE,
    filter: VehicleFilter | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> VehicleConnection:
    request = ListRequest(info, "vehicles", first, after)
    where = _vehicle_where(filter)
    enterprise = request.enterprise(requested_enterprise(filter))
    if enterprise is None:
        return empty(VehicleConnection)
    after_key = request.start(enterprise, relation, where.canonical())
    page = lists.vehicle_page(enterprise, relation, where, first=request.first, after=after_key)
    return request.connection(
        page,
        lambda state: can_see_vehicle(request.principal, state),
        VehicleType.of,
        VehicleEdge,
        VehicleConnection,
    )


@strawberry.field(
    description=f"An enterprise's vehicle models by code. {BOUNDED}", permission_classes=[Reader]
)
def models(
    info: Info,
    filter: VehicleModelFilter | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> VehicleModelConnection:
    request = ListRequest(info, "models", first, after)
    where = _model_where(filter)
    enterprise = request.enterprise(requested_enterprise(filter))
    if enterprise is None:
        return empty(VehicleModelConnection)
    after_key = request.start(enterprise, where.canonical())
    page = lists.model_page(enterprise, where, first=request.first, after=after_key)
    return request.connection(
        page,
        lambda state: can_see_model(request.principal, state),
        VehicleModelType.of,
        VehicleModelEdge,
        VehicleModelConnection,
    )


def _vehicle_where(filter: VehicleFilter | None) -> lists.VehicleWhere:
    if filter is None:
        return lists.VehicleWhere()
    check_dates(filter.certified_on_or_after, filter.certified_on_or_before, "certified")
    check_dates(filter.registered_on_or_after, filter.registered_on_or_before, "registered")
    return lists.VehicleWhere(
        model=filter.model or None,
        statuses=frozenset(filter.status or ()),
        region_prefix=region_prefix(filter.region_code),
        certified_on_or_after=filter.certified_on_or_after,
        certified_on_or_before=filter.certified_on_or_before,
        registered_on_or_after=filter.registered_on_or_after,
        registered_on_or_before=filter.registered_on_or_before,
    )


def _model_where(filter: VehicleModelFilter | None) -> lists.ModelWhere:
    if filter is None:
        return lists.ModelWhere()
    check_dates(filter.approved_on_or_after, filter.approved_on_or_before, "approved")
    return lists.ModelWhere(
        imported=filter.imported,
        approved_on_or_after=filter.approved_on_or_after,
        approved_on_or_before=filter.approved_on_or_before,
    )
