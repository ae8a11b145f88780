"""The partner keys' root query field: `partnerKeys`."""

import strawberry

from compliance.store import partner_keys as key_store
from graph.partner_keys.types import PartnerKeyType
from graph.permissions import KeyManager, manages_keys_of, require_principal
from graph.types import Info


@strawberry.field(
    description="An enterprise's partner keys, newest first (platform or that enterprise's "
    "administrators; another enterprise's read as none).",
    permission_classes=[KeyManager],
)
def partner_keys(info: Info, enterprise_id: strawberry.ID) -> list[PartnerKeyType]:
    if not manages_keys_of(require_principal(info.context), str(enterprise_id)):
        return []
    keys = key_store.for_enterprise(str(enterprise_id))
    return [PartnerKeyType.of(key) for key in keys]
