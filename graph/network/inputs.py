"""The service network's input types: a point to save, and the `servicePoints` list's filter."""

import strawberry

from compliance.network import PointType
from graph.lists import ENTERPRISE


@strawberry.input
class ServicePointInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit to create a point; give it to update one."
    )
    name: str
    point_type: PointType
    region_code: str
    address: str | None = None
    active: bool = True


@strawberry.input
class ServicePointFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description=ENTERPRISE)
    point_type: PointType | None = None
    region_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 code of any level: points located within it."
    )
    active: bool | None = None
