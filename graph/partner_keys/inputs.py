"""The partner keys' input types: a key to create, and one to revoke."""

import strawberry

from compliance.partner_keys import SCOPES


@strawberry.input
class CreatePartnerKeyInput:
    enterprise_id: strawberry.ID = strawberry.field(
        description="The enterprise (USCC) the partner system acts for."
    )
    name: str = strawberry.field(description="Which system uses the key, e.g. its vendor.")
    scopes: list[str] = strawberry.field(description=f"Any of {', '.join(SCOPES)}.")
    description: str | None = None


@strawberry.input
class RevokePartnerKeyInput:
    id: strawberry.ID
