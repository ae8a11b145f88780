"""The list fields (`ListQuery`): one enterprise's vehicles, batteries, vehicle models and
service points, and the enterprises on the platform, as Relay connections.

Each page reads a number of stored records bounded by its size (compliance/store/lists.py):
an index partition of the enterprise the list is for, never a count that grows with the
enterprise or the country. Enterprise roles list their own enterprise's records; regulators
name the enterprise. A list for another enterprise reads as empty, exactly as a list for an
enterprise that does not exist, and costs no read.
"""

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

import strawberry

from compliance import regions
from compliance.enterprises import Enterprise
from compliance.lifecycle import BatteryStatus, EnterpriseKind
from compliance.network import PointType
from compliance.store import lists
from graph.context import Principal, Role
from graph.cursors import decode_cursor, encode_cursor, page_size
from graph.errors import BadUserInput
from graph.permissions import (
    can_see_battery,
    can_see_enterprise,
    can_see_model,
    can_see_service_point,
    can_see_vehicle,
    enterprise_scope,
    require_reader,
)
from graph.types import (
    BatteryStatusType,
    BatteryType,
    EnterpriseKindType,
    EnterpriseType,
    Info,
    PageInfo,
    ServicePointType,
    ServicePointTypeType,
    VehicleModelType,
    VehicleType,
)

_T = TypeVar("_T")
_C = TypeVar("_C")  # a connection type

VehicleRelationType = strawberry.enum(
    lists.VehicleRelation,
    name="VehicleRelation",
    description="MADE: vehicles the enterprise made or imported. SCRAPPED: vehicles it took in "
    "for scrapping (a dismantler).",
)
VehicleStatusType = strawberry.enum(
    lists.VehicleStatus,
    name="VehicleStatus",
    description="CERTIFIED: factory certificate or customs clearance, not registered yet. "
    "REGISTERED: registered, in use. SCRAPPED: taken in by a dismantler.",
)
BatteryRelationType = strawberry.enum(
    lists.BatteryRelation,
    name="BatteryRelation",
    description="MADE: batteries the enterprise manufactured. RESPONSIBLE: batteries it answers "
    "for (an automaker: among them those in its vehicles). HELD: batteries it holds now.",
)

_BOUNDED = (
    f"`first` is at most 200. A filter other than the key's reads at most "
    f"{lists.READ_BUDGET:,} stored records per request: such a page may hold fewer than "
    "`first` nodes, even none, with hasNextPage true; continue from pageInfo.endCursor. No "
    "totalCount: counting would read the whole list."
)
_ENTERPRISE = "Regulators: the enterprise (required). Others: only their own."


# --- inputs ---------------------------------------------------------------------------------


@strawberry.input
class VehicleFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description=_ENTERPRISE)
    model: str | None = strawberry.field(
        default=None, description="A model code (read from the model's own index)."
    )
    status: list[VehicleStatusType] | None = None  # type: ignore[valid-type]
    region_code: str | None = strawberry.field(
        default=None,
        description="GB/T 2260 code of any level: vehicles registered within that division.",
    )
    certified_on_or_after: date | None = None
    certified_on_or_before: date | None = None
    registered_on_or_after: date | None = None
    registered_on_or_before: date | None = None


@strawberry.input
class BatteryFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description=_ENTERPRISE)
    status: list[BatteryStatusType] | None = None  # type: ignore[valid-type]
    produced_on_or_after: date | None = None
    produced_on_or_before: date | None = None


@strawberry.input
class VehicleModelFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description=_ENTERPRISE)
    imported: bool | None = None
    approved_on_or_after: date | None = None
    approved_on_or_before: date | None = None


@strawberry.input
class ServicePointFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description=_ENTERPRISE)
    point_type: ServicePointTypeType | None = None  # type: ignore[valid-type]
    region_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 code of any level: points located within it."
    )
    active: bool | None = None


@strawberry.input
class EnterpriseFilter:
    kind: EnterpriseKindType | None = None  # type: ignore[valid-type]
    province_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 province code."
    )


# --- connections ----------------------------------------------------------------------------


@strawberry.type
class VehicleEdge:
    node: VehicleType
    cursor: str


@strawberry.type
class VehicleConnection:
    edges: list[VehicleEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[VehicleType]:
        return [edge.node for edge in self.edges]


@strawberry.type
class BatteryEdge:
    node: BatteryType
    cursor: str


@strawberry.type
class BatteryConnection:
    edges: list[BatteryEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[BatteryType]:
        return [edge.node for edge in self.edges]


@strawberry.type
class VehicleModelEdge:
    node: VehicleModelType
    cursor: str


@strawberry.type
class VehicleModelConnection:
    edges: list[VehicleModelEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[VehicleModelType]:
        return [edge.node for edge in self.edges]


@strawberry.type
class ServicePointEdge:
    node: ServicePointType
    cursor: str


@strawberry.type
class ServicePointConnection:
    edges: list[ServicePointEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[ServicePointType]:
        return [edge.node for edge in self.edges]


@strawberry.type
class EnterpriseEdge:
    node: EnterpriseType
    cursor: str


@strawberry.type
class EnterpriseConnection:
    edges: list[EnterpriseEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[EnterpriseType]:
        return [edge.node for edge in self.edges]


# --- the fields -----------------------------------------------------------------------------


class _Request:
    """One list request: who asks, for which enterprise (None: another's, read as empty), and
    the cursor binding that ties its pages to exactly this list, caller and filter."""

    def __init__(self, info: Info, name: str, first: int | None, after: str | None) -> None:
        self.principal: Principal = require_reader(info.context)
        settings = info.context.settings
        self.first = page_size(first, 50, settings.max_page_size)
        self.name = name
        self.after = after
        self.secret = settings.cursor_key
        self.binding = ""

    def enterprise(self, requested: strawberry.ID | None) -> str | None:
        scope = enterprise_scope(self.principal, str(requested) if requested else None)
        if not scope.visible:
            return None
        if scope.enterprise_id is None:
            raise BadUserInput(
                "Name the enterprise: filter.enterpriseId is required for regulators.",
                field="filter",
            )
        return scope.enterprise_id

    def start(self, *binding: object) -> lists.Key | None:
        """Where the page starts: the `after` cursor's key, if it was issued for this very list
        (its name, the caller, and `binding`: the enterprise, relation and filter)."""
        self.binding = json.dumps([self.name, self.principal.subject, *binding])
        return decode_cursor(self.after, self.binding, self.secret) if self.after else None

    def connection(
        self,
        page: lists.ListPage[_T],
        visible: Callable[[_T], bool],
        node: Callable[[_T], Any],
        edge: Callable[..., Any],
        connection: Callable[..., _C],
    ) -> _C:
        edges = [
            edge(node=node(record), cursor=encode_cursor(key, self.binding, self.secret))
            for record, key in zip(page.records, page.keys, strict=True)
            if visible(record)
        ]
        # After a partial page the next one starts past its last node: the end cursor is where
        # reading stopped, so that continuing never evaluates the same items again.
        end = (
            encode_cursor(page.next_key, self.binding, self.secret)
            if page.next_key is not None
            else (edges[-1].cursor if edges else None)
        )
        return connection(
            edges=edges, page_info=PageInfo(has_next_page=page.next_key is not None, end_cursor=end)
        )


def _empty(connection: Callable[..., _C]) -> _C:
    return connection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))


def _dates(low: date | None, high: date | None, name: str) -> None:
    if low and high and low > high:
        raise BadUserInput(
            f"{name}OnOrAfter is later than {name}OnOrBefore: no date can satisfy both.",
            field="filter",
        )


def _region_prefix(code: str | None) -> str | None:
    """The digits every division within `code` shares: 2 a province (municipalities too), 4 a
    prefecture, all 6 a county."""
    if code is None:
        return None
    region = regions.lookup(code)
    if region is None:
        [issue, *_] = regions.check_region_code(code)
        raise BadUserInput(f"regionCode: {issue.message}.", field="filter")
    return {regions.RegionLevel.PROVINCE: code[:2], regions.RegionLevel.PREFECTURE: code[:4]}.get(
        region.level, code
    )


def _vehicle_where(filter: VehicleFilter | None) -> lists.VehicleWhere:
    if filter is None:
        return lists.VehicleWhere()
    _dates(filter.certified_on_or_after, filter.certified_on_or_before, "certified")
    _dates(filter.registered_on_or_after, filter.registered_on_or_before, "registered")
    return lists.VehicleWhere(
        model=filter.model or None,
        statuses=frozenset(lists.VehicleStatus(s) for s in filter.status or ()),
        region_prefix=_region_prefix(filter.region_code),
        certified_on_or_after=filter.certified_on_or_after,
        certified_on_or_before=filter.certified_on_or_before,
        registered_on_or_after=filter.registered_on_or_after,
        registered_on_or_before=filter.registered_on_or_before,
    )


def _battery_where(filter: BatteryFilter | None) -> lists.BatteryWhere:
    if filter is None:
        return lists.BatteryWhere()
    _dates(filter.produced_on_or_after, filter.produced_on_or_before, "produced")
    return lists.BatteryWhere(
        statuses=frozenset(BatteryStatus(s) for s in filter.status or ()),
        produced_on_or_after=filter.produced_on_or_after,
        produced_on_or_before=filter.produced_on_or_before,
    )


def _model_where(filter: VehicleModelFilter | None) -> lists.ModelWhere:
    if filter is None:
        return lists.ModelWhere()
    _dates(filter.approved_on_or_after, filter.approved_on_or_before, "approved")
    return lists.ModelWhere(
        imported=filter.imported,
        approved_on_or_after=filter.approved_on_or_after,
        approved_on_or_before=filter.approved_on_or_before,
    )


def _service_point_where(filter: ServicePointFilter | None) -> lists.ServicePointWhere:
    if filter is None:
        return lists.ServicePointWhere()
    return lists.ServicePointWhere(
        point_type=PointType(filter.point_type) if filter.point_type else None,
        region_prefix=_region_prefix(filter.region_code),
        active=filter.active,
    )


def _enterprise_where(filter: EnterpriseFilter | None) -> lists.EnterpriseWhere:
    if filter is None:
        return lists.EnterpriseWhere()
    province = filter.province_code
    if province is not None:
        region = regions.lookup(province)
        if region is None or region.level is not regions.RegionLevel.PROVINCE:
            raise BadUserInput(
                f"provinceCode {province!r} is not a GB/T 2260 province code.", field="filter"
            )
    return lists.EnterpriseWhere(
        kind=EnterpriseKind(filter.kind) if filter.kind else None, province_code=province
    )


def _requested(filter: Any) -> strawberry.ID | None:
    return filter.enterprise_id if filter is not None else None


# Who may list every enterprise: those who may see any (graph.permissions.can_see_enterprise).
_SEE_EVERY_ENTERPRISE = frozenset({Role.REGULATOR, Role.PLATFORM_ADMIN})


@strawberry.type
class ListQuery:
    @strawberry.field(description=f"An enterprise's vehicles by VIN. {_BOUNDED}")
    def vehicles(
        self,
        info: Info,
        relation: VehicleRelationType = lists.VehicleRelation.MADE,  # type: ignore[valid-type]
        filter: VehicleFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> VehicleConnection:
        request = _Request(info, "vehicles", first, after)
        where = _vehicle_where(filter)
        enterprise = request.enterprise(_requested(filter))
        if enterprise is None:
            return _empty(VehicleConnection)
        kind = lists.VehicleRelation(relation)
        after_key = request.start(enterprise, kind, where.canonical())
        page = lists.vehicle_page(enterprise, kind, where, first=request.first, after=after_key)
        return request.connection(
            page,
            lambda state: can_see_vehicle(request.principal, state),
            lambda state: VehicleType(state=state),
            VehicleEdge,
            VehicleConnection,
        )

    @strawberry.field(
        description=f"Batteries by code, by the enterprise's relation to them. {_BOUNDED}"
    )
    def batteries(
        self,
        info: Info,
        relation: BatteryRelationType,  # type: ignore[valid-type]
        filter: BatteryFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> BatteryConnection:
        request = _Request(info, "batteries", first, after)
        where = _battery_where(filter)
        enterprise = request.enterprise(_requested(filter))
        if enterprise is None:
            return _empty(BatteryConnection)
        kind = lists.BatteryRelation(relation)
        after_key = request.start(enterprise, kind, where.canonical())
        page = lists.battery_page(enterprise, kind, where, first=request.first, after=after_key)
        return request.connection(
            page,
            lambda state: can_see_battery(request.principal, state),
            lambda state: BatteryType(state=state),
            BatteryEdge,
            BatteryConnection,
        )

    @strawberry.field(description=f"An enterprise's vehicle models by code. {_BOUNDED}")
    def models(
        self,
        info: Info,
        filter: VehicleModelFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> VehicleModelConnection:
        request = _Request(info, "models", first, after)
        where = _model_where(filter)
        enterprise = request.enterprise(_requested(filter))
        if enterprise is None:
            return _empty(VehicleModelConnection)
        after_key = request.start(enterprise, where.canonical())
        page = lists.model_page(enterprise, where, first=request.first, after=after_key)
        return request.connection(
            page,
            lambda state: can_see_model(request.principal, state),
            lambda state: VehicleModelType(state=state),
            VehicleModelEdge,
            VehicleModelConnection,
        )

    @strawberry.field(
        description=(
            "The service points an enterprise operates, by type, then the region they cover. "
            f"{_BOUNDED}"
        )
    )
    def service_points(
        self,
        info: Info,
        filter: ServicePointFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> ServicePointConnection:
        request = _Request(info, "servicePoints", first, after)
        where = _service_point_where(filter)
        enterprise = request.enterprise(_requested(filter))
        if enterprise is None:
            return _empty(ServicePointConnection)
        after_key = request.start(enterprise, where.canonical())
        page = lists.service_point_page(enterprise, where, first=request.first, after=after_key)
        return request.connection(
            page,
            lambda point: can_see_service_point(request.principal, point),
            lambda point: ServicePointType(point=point),
            ServicePointEdge,
            ServicePointConnection,
        )

    @strawberry.field(
        description=(
            "Enterprises on the platform (regulators and platform administrators; anyone else: "
            "only their own), in storage order, not sorted. Every page reads at most "
            f"{lists.READ_BUDGET:,} stored rows and may hold fewer than `first` nodes, even "
            "none, with hasNextPage true; continue from pageInfo.endCursor. `first` is at "
            "most 200."
        )
    )
    async def enterprises(
        self,
        info: Info,
        filter: EnterpriseFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> EnterpriseConnection:
        request = _Request(info, "enterprises", first, after)
        where = _enterprise_where(filter)
        after_key = request.start(where.canonical())
        principal = request.principal
        if principal.role in _SEE_EVERY_ENTERPRISE:
            page = lists.enterprise_page(where, first=request.first, after=after_key)
        else:
            page = await _own_enterprise(info, principal, where, after_key)
        return request.connection(
            page,
            lambda record: can_see_enterprise(principal, record),
            lambda record: EnterpriseType(record=record),
            EnterpriseEdge,
            EnterpriseConnection,
        )


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
