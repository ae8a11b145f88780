"""The `Enterprise`, `Contact` and `Principal` types, the enterprises connection, and how a
related enterprise is loaded."""

from datetime import datetime

import strawberry
from strawberry import Private

from compliance.enterprises import Enterprise
from compliance.lifecycle import EnterpriseKind
from graph.context import Principal, Role
from graph.node import Node
from graph.permissions import can_see_enterprise, require_principal
from graph.types import Connection, Edge, Info, RegionType


@strawberry.type(name="Contact")
class ContactType:
    email: str
    language: str = strawberry.field(description="BCP 47 language tag: zh-CN or en.")


@strawberry.type(name="Enterprise")
class EnterpriseType(Node):
    record: Private[Enterprise]
    id: strawberry.ID = strawberry.field(
        description="Unified Social Credit Code (GB 32100); also its global id (`node`)."
    )
    name: str
    kinds: list[EnterpriseKind]
    manufacturer_codes: list[str] = strawberry.field(
        description="GB/T 34014 manufacturer codes assigned to a battery maker."
    )
    province: RegionType | None

    @classmethod
    def of(cls, record: Enterprise) -> "EnterpriseType":
        return cls(
            record=record,
            id=strawberry.ID(record.id),
            name=record.name,
            kinds=sorted(record.kinds, key=lambda kind: kind.value),
            manufacturer_codes=sorted(record.manufacturer_codes),
            province=RegionType.of(record.province_code),
        )

    def _shown(self, info: Info) -> bool:
        return can_see_enterprise(require_principal(info.context), self.record)

    @strawberry.field(
        description=(
            "Reminder recipients: shown to the enterprise itself, regulators and platform "
            "administrators; empty for anyone else."
        )
    )
    def contacts(self, info: Info) -> list[ContactType]:
        if not self._shown(info):
            return []
        return [ContactType(email=c.email, language=c.language) for c in self.record.contacts]

    @strawberry.field(description="When it was last updated; null if never. Shown as contacts.")
    def updated_at(self, info: Info) -> datetime | None:
        return self.record.updated_at if self._shown(info) else None

    @strawberry.field(
        description="Who last updated it (a person's subject); shown as contacts are."
    )
    def updated_by(self, info: Info) -> str | None:
        return self.record.updated_by if self._shown(info) else None


async def load_enterprise(info: Info, enterprise_id: str | None) -> EnterpriseType | None:
    """A related enterprise: its public identity (USCC, name, kinds) is shown wherever it is
    referenced from a record the caller may see; private fields guard themselves."""
    if not enterprise_id:
        return None
    record = await info.context.loaders.enterprise.load(enterprise_id)
    return EnterpriseType.of(record) if record else None


@strawberry.type(name="Principal")
class PrincipalType:
    subject: str
    role: Role
    enterprise_id: strawberry.ID | None
    scopes: list[str]

    @classmethod
    def of(cls, principal: Principal) -> "PrincipalType":
        eid = principal.enterprise_id
        return cls(
            subject=principal.subject,
            role=principal.role,
            enterprise_id=strawberry.ID(eid) if eid else None,
            scopes=sorted(principal.scopes),
        )

    @strawberry.field
    async def enterprise(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.enterprise_id)


EnterpriseEdge = Edge[EnterpriseType]
EnterpriseConnection = Connection[EnterpriseType]
