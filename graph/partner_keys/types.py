"""The `PartnerKey` type: a key's record as plain fields, and the enterprise it acts for."""

from datetime import datetime

import strawberry
from strawberry import Private

from compliance.partner_keys import LAST_USED_RESOLUTION, SCOPES, KeyStatus, PartnerKey
from graph.enterprises.types import EnterpriseType, load_enterprise
from graph.node import Node
from graph.types import Info

strawberry.enum(KeyStatus, name="PartnerKeyStatus")


@strawberry.type(name="PartnerKey", description="An API key a partner system acts with.")
class PartnerKeyType(Node):
    enterprise_id: Private[str]
    id: strawberry.ID = strawberry.field(
        description="The key's public id: the part after `nevk_` in the key; also its global "
        "id (`node`)."
    )

    async def _enterprise(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.enterprise_id)

    # The related enterprise is declared in the schema's order among the plain fields.
    enterprise: EnterpriseType | None = strawberry.field(
        resolver=_enterprise, description="The enterprise the partner system acts for."
    )
    name: str
    description: str | None
    scopes: list[str] = strawberry.field(description=f"What the key may do: {', '.join(SCOPES)}.")
    status: KeyStatus
    created_at: datetime
    created_by: str = strawberry.field(description="Who created it (the subject of their token).")
    last_used_at: datetime | None = strawberry.field(
        description=f"When it was last accepted, to within "
        f"{int(LAST_USED_RESOLUTION.total_seconds() // 60)} minutes; null if never."
    )
    revoked_at: datetime | None
    revoked_by: str | None

    @classmethod
    def of(cls, key: PartnerKey) -> "PartnerKeyType":
        return cls(
            enterprise_id=key.enterprise_id,
            id=strawberry.ID(key.id),
            name=key.name,
            description=key.description,
            scopes=sorted(key.scopes),
            status=key.status,
            created_at=key.created_at,
            created_by=key.created_by,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
            revoked_by=key.revoked_by,
        )
