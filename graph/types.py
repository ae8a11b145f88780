"""What every feature's GraphQL types share: the resolvers' `Info`, `UserError`, a list's page
(`Connection`, `Edge`, `PageInfo`), `Region`, and the domain's enums as the schema names them.
Each feature's own types are in its package (graph/<feature>/types.py).

The graph modules evaluate their annotations as they run (no ``from __future__ import
annotations``) and quote only forward references: Strawberry turns every string annotation back
into a type, and doing that for all of them was about a third of the schema's import time,
which every cold start pays."""

from typing import Generic, TypeVar

import strawberry

from compliance import regions
from compliance.lifecycle import (
    BatteryStatus,
    DisposalOrigin,
    EnterpriseKind,
    EventKind,
    RemovalReason,
)
from compliance.messages import render
from compliance.network import PointType
from compliance.rules import ObligationStatus, SubjectKind
from graph.context import GraphContext

Info = strawberry.Info[GraphContext, None]

# The domain's enums, registered once, here, under the names the schema gives them; annotations
# then use the domain classes themselves (Strawberry marks the class it registers).
strawberry.enum(EnterpriseKind, name="EnterpriseKind")
strawberry.enum(ObligationStatus, name="ObligationStatus")
strawberry.enum(DisposalOrigin, name="DisposalOrigin")
strawberry.enum(PointType, name="ServicePointType")
strawberry.enum(BatteryStatus, name="BatteryStatus")
strawberry.enum(EventKind, name="EventKind")
strawberry.enum(SubjectKind, name="SubjectKind")
strawberry.enum(regions.RegionLevel, name="RegionLevel")
strawberry.enum(RemovalReason, name="RemovalReason")


@strawberry.type(description="An expected business failure; nothing was written.")
class UserError:
    field: list[str] = strawberry.field(
        description=(
            "Path to the input at fault, from the argument down, e.g. "
            '["input", "batteries", "3", "code"]; ["input"] when no single value is, e.g. the '
            "caller's enterprise is not of a kind that may make this change."
        )
    )
    code: str = strawberry.field(description="Stable machine-readable code.")
    # A catalog message (compliance.messages), said in the request's language as it is sent.
    message: strawberry.Private[str]

    @strawberry.field(
        name="message",
        description="What is wrong and how to put it right, in the language the request asked "
        "for (Accept-Language: zh-CN or en).",
    )
    def rendered_message(self, info: Info) -> str:
        return said(info, self.message)


def said(info: Info, message: str) -> str:
    """`message` in the language of the request `info` belongs to."""
    return render(message, info.context.language)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


NodeT = TypeVar("NodeT")


@strawberry.type
class Edge(Generic[NodeT]):
    """A record of a list's page with the cursor to continue after it; named after the
    record's type (`VehicleEdge`)."""

    node: NodeT
    cursor: str


@strawberry.type
class Connection(Generic[NodeT]):
    """A page of a list (Relay's connection), one shape for every list; named after its
    records' type (`VehicleConnection`). A feature names its own: `Connection[VehicleType]`."""

    edges: list[Edge[NodeT]]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


@strawberry.type(name="Region", description="A GB/T 2260 administrative division.")
class RegionType:
    code: str
    name: str
    level: regions.RegionLevel

    @staticmethod
    def of(code: str | None) -> "RegionType | None":
        region = regions.lookup(code) if code else None
        return (
            RegionType(code=region.code, name=region.name, level=region.level) if region else None
        )
