"""The `ServicePoint` type, the coverage report (`CoverageReport`, `CoverageRegion`), and the
service points connection."""

from datetime import datetime

import strawberry
from strawberry import Private

from compliance.network import PointType, ServicePoint
from compliance.rules import ObligationStatus
from compliance.store.coverage import CoverageRow, RowPoints
from graph.cursors import page_size
from graph.node import Node
from graph.obligations.types import ObligationType
from graph.types import Connection, Edge, Info, PageInfo, RegionType

# The most points one region of a coverage report lists; `servicePoints` lists them all.
MAX_POINTS_PER_REGION = 100


@strawberry.type(name="ServicePoint")
class ServicePointType(Node):
    id: strawberry.ID = strawberry.field(description="`sp_…`; also its global id (`node`).")
    name: str
    point_type: PointType
    region: RegionType | None
    coverage_region: RegionType | None = strawberry.field(
        description="The prefecture (collection) or province (storage) it covers."
    )
    address: str | None
    active: bool
    operator_id: strawberry.ID
    updated_at: datetime
    updated_by: str | None = strawberry.field(
        description="Who last saved it: a person's subject or partner-key:<id>."
    )

    @staticmethod
    def of(point: ServicePoint) -> "ServicePointType":
        return ServicePointType(
            id=strawberry.ID(point.id),
            name=point.name,
            point_type=point.point_type,
            region=RegionType.of(point.region_code),
            coverage_region=RegionType.of(point.coverage_region),
            address=point.address,
            active=point.active,
            operator_id=strawberry.ID(point.operator),
            updated_at=point.updated_at,
            updated_by=point.updated_by,
        )


@strawberry.type
class CoverageRegion:
    operator: Private[str]
    row: Private[CoverageRow]
    region: RegionType | None
    region_code: str
    point_type: PointType
    covered: bool = strawberry.field(
        description="Whether an active point of this type covers the region."
    )
    point_count: int = strawberry.field(
        description="The enterprise's points of this type for the region."
    )
    active_point_count: int = strawberry.field(description="Of those, the active ones.")

    @staticmethod
    def of(operator: str, row: CoverageRow) -> "CoverageRegion":
        return CoverageRegion(
            operator=operator,
            row=row,
            region=RegionType.of(row.region),
            region_code=row.region,
            point_type=row.point_type,
            covered=row.active > 0,
            point_count=row.points,
            active_point_count=row.active,
        )

    @strawberry.field(
        description=(
            "The first `first` of those points (at most "
            f"{MAX_POINTS_PER_REGION}; pointCount says how many there are). "
            "Query.servicePoints lists them all, a page at a time."
        )
    )
    async def service_points(self, info: Info, first: int = 20) -> list[ServicePointType]:
        first = page_size(first, 20, MAX_POINTS_PER_REGION)
        if self.row.points == 0:
            return []
        row = self.row
        key = RowPoints(self.operator, row.point_type, row.region, row.points, first)
        points = await info.context.loaders.row_points.load(key)
        return [ServicePointType.of(point) for point in points]

    @strawberry.field(description="The region's coverage duty, while open or overdue.")
    def open_obligation(self) -> ObligationType | None:
        return next((ObligationType.of(d) for d in self.row.duties if d.is_open), None)

    @strawberry.field(
        description=(
            "A coverage duty waived for this region, with its reason: the region is neither "
            "covered nor counted as a gap."
        )
    )
    def waived_obligation(self) -> ObligationType | None:
        return next(
            (
                ObligationType.of(d)
                for d in self.row.duties
                if d.stored_status is ObligationStatus.WAIVED
            ),
            None,
        )


@strawberry.type(
    description=(
        "An enterprise's service network, a page of regions at a time (by point type, then "
        "region): each region where it runs a point or has a coverage duty."
    )
)
class CoverageReport:
    enterprise_id: strawberry.ID | None
    regions: list[CoverageRegion]
    gaps: int = strawberry.field(
        description="Regions whose coverage duty is open or overdue, over the whole network."
    )
    page_info: PageInfo


ServicePointEdge = Edge[ServicePointType]
ServicePointConnection = Connection[ServicePointType]
