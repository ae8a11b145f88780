"""Partner API keys in the GraphQL API: the `PartnerKey` type, `createPartnerKey` and
`revokePartnerKey` (on `PartnerKeyMutation`), and `partnerKeys` (on `PartnerKeyQuery`).

Platform administrators manage any enterprise's keys, enterprise administrators their own
enterprise's; another enterprise's keys read as not found. A partner key never manages keys,
whatever its scopes: a leaked key must not be able to mint or keep alive its successors. The
secret is in the payload of `createPartnerKey` only; nothing can read it again.
"""

from datetime import datetime

import strawberry
from strawberry import Private

from compliance.errors import ConflictError
from compliance.partner_keys import (
    LAST_USED_RESOLUTION,
    MAX_ACTIVE_KEYS,
    SCOPES,
    IssuedKey,
    KeyStatus,
    PartnerKey,
    check_scopes,
    configured_pepper,
    is_key_id,
    issue_key,
    key_hash,
)
from compliance.store import partner_keys as key_store
from graph.context import Principal, Role
from graph.errors import Forbidden
from graph.limits import (
    PARTNER_KEY_DESCRIPTION_MAX_LENGTH,
    PARTNER_KEY_NAME_MAX_LENGTH,
    input_errors,
)
from graph.permissions import require_principal, require_role
from graph.types import EnterpriseType, Info, ObligationType, UserError, load_enterprise

PartnerKeyStatusType = strawberry.enum(KeyStatus, name="PartnerKeyStatus")


@strawberry.type(name="PartnerKey", description="An API key a partner system acts with.")
class PartnerKeyType:
    record: Private[PartnerKey]

    @strawberry.field(description="The key's public id: the part after `nevk_` in the key.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.id)

    @strawberry.field(description="The enterprise the partner system acts for.")
    async def enterprise(self, info: Info) -> EnterpriseType | None:
        return await load_enterprise(info, self.record.enterprise_id)

    @strawberry.field
    def name(self) -> str:
        return self.record.name

    @strawberry.field
    def description(self) -> str | None:
        return self.record.description

    @strawberry.field(description=f"What the key may do: {', '.join(SCOPES)}.")
    def scopes(self) -> list[str]:
        return sorted(self.record.scopes)

    @strawberry.field
    def status(self) -> PartnerKeyStatusType:  # type: ignore[valid-type]
        return self.record.status

    @strawberry.field
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field(description="Who created it (the subject of their token).")
    def created_by(self) -> str:
        return self.record.created_by

    @strawberry.field(
        description=f"When it was last accepted, to within "
        f"{int(LAST_USED_RESOLUTION.total_seconds() // 60)} minutes; null if never."
    )
    def last_used_at(self) -> datetime | None:
        return self.record.last_used_at

    @strawberry.field
    def revoked_at(self) -> datetime | None:
        return self.record.revoked_at

    @strawberry.field
    def revoked_by(self) -> str | None:
        return self.record.revoked_by


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


@strawberry.type
class PartnerKeyPayload:
    key: PartnerKeyType | None
    secret: str | None = strawberry.field(
        description="The whole key, to send as the `x-api-key` header. Only createPartnerKey "
        "returns it, once: it is not stored and cannot be read again."
    )
    obligations: list[ObligationType]
    user_errors: list[UserError]


def _error(code: str, message: str, *path: str) -> UserError:
    return UserError(field=list(path), code=code, message=message)


def _refused(errors: list[UserError]) -> PartnerKeyPayload:
    return PartnerKeyPayload(key=None, secret=None, obligations=[], user_errors=errors)


def _done(key: PartnerKey, secret: str | None = None) -> PartnerKeyPayload:
    return PartnerKeyPayload(
        key=PartnerKeyType(record=key), secret=secret, obligations=[], user_errors=[]
    )


def _key_manager(info: Info) -> Principal:
    principal = require_principal(info.context)
    if principal.role is Role.PARTNER:
        raise Forbidden(
            "A partner credential cannot manage partner keys; an enterprise administrator can."
        )
    return require_role(info.context, Role.PLATFORM_ADMIN, Role.ENTERPRISE_ADMIN)


def _manages(principal: Principal, enterprise_id: str) -> bool:
    return principal.role is Role.PLATFORM_ADMIN or principal.enterprise_id == enterprise_id


def _input_errors(info: Info, input: CreatePartnerKeyInput) -> list[UserError]:
    """The name and description (a blank name counts as none; their wording is the one
    clients have long been shown), then the input's other limits; the scopes are looked into
    only when they are within theirs."""
    errors: list[UserError] = []
    name = input.name.strip()
    if not name:
        errors.append(_error("REQUIRED", "Name the partner system.", "input", "name"))
    elif len(name) > PARTNER_KEY_NAME_MAX_LENGTH:
        most = PARTNER_KEY_NAME_MAX_LENGTH
        message = f"The name has {len(name)} characters; at most {most} are accepted."
        errors.append(_error("TOO_LONG", message, "input", "name"))
    if (
        input.description is not None
        and len(input.description) > PARTNER_KEY_DESCRIPTION_MAX_LENGTH
    ):
        message = (
            f"The description has {len(input.description)} characters; "
            f"at most {PARTNER_KEY_DESCRIPTION_MAX_LENGTH} are accepted."
        )
        errors.append(_error("TOO_LONG", message, "input", "description"))
    checked = {("input", "name"), ("input", "description")}
    if over := [e for e in input_errors(info, input) if tuple(e.field) not in checked]:
        return errors + over
    for issue in check_scopes(input.scopes):
        path = ["input", "scopes"] + ([str(issue.index)] if issue.index is not None else [])
        errors.append(_error(issue.code, issue.message, *path))
    return errors


def _new_key(
    input: CreatePartnerKeyInput, principal: Principal, info: Info
) -> tuple[IssuedKey, PartnerKey]:
    issued = issue_key()
    key = PartnerKey(
        id=issued.key_id,
        enterprise_id=str(input.enterprise_id),
        name=input.name.strip(),
        description=(input.description or "").strip() or None,
        scopes=frozenset(input.scopes),
        status=KeyStatus.ACTIVE,
        secret_hash=key_hash(issued.api_key, configured_pepper()),
        created_at=info.context.now,
        created_by=principal.subject,
    )
    return issued, key


@strawberry.type
class PartnerKeyMutation:
    @strawberry.mutation(
        description="Issue an API key for a partner system acting for one enterprise (platform "
        f"or that enterprise's administrators); at most {MAX_ACTIVE_KEYS} active keys per "
        "enterprise. The key is in this response only."
    )
    async def create_partner_key(
        self, info: Info, input: CreatePartnerKeyInput
    ) -> PartnerKeyPayload:
        principal = _key_manager(info)
        enterprise_id = str(input.enterprise_id)
        errors = _input_errors(info, input)
        if any(e.code in ("TOO_LONG", "TOO_MANY_ITEMS") for e in errors):
            return _refused(errors)  # refused before any enterprise is looked up
        # Another enterprise is not looked up at all: whether it exists is not the caller's.
        enterprise = (
            await info.context.loaders.enterprise.load(enterprise_id)
            if _manages(principal, enterprise_id)
            else None
        )
        if enterprise is None:
            errors.insert(
                0,
                _error(
                    "NOT_FOUND",
                    f"There is no enterprise {enterprise_id} whose keys you manage.",
                    "input",
                    "enterpriseId",
                ),
            )
        if errors:
            return _refused(errors)
        issued, key = _new_key(input, principal, info)
        try:
            key_store.create(key, limit=MAX_ACTIVE_KEYS)
        except key_store.TooManyActiveKeysError:
            return _refused(
                [
                    _error(
                        "TOO_MANY_ACTIVE_KEYS",
                        f"Enterprise {enterprise_id} already has {MAX_ACTIVE_KEYS} active "
                        "partner keys; revoke one (revokePartnerKey) before creating another.",
                        "input",
                        "enterpriseId",
                    )
                ]
            )
        except ConflictError as error:
            return _refused([_error("CONFLICT", str(error))])
        return _done(key, secret=issued.api_key)

    @strawberry.mutation(
        description="Revoke a partner key (platform or the key's enterprise's administrators). "
        "API Gateway may keep accepting it for up to its authorizer cache TTL."
    )
    def revoke_partner_key(self, info: Info, input: RevokePartnerKeyInput) -> PartnerKeyPayload:
        principal = _key_manager(info)
        if over := input_errors(info, input):
            return _refused(over)
        key_id = str(input.id)
        key = key_store.get(key_id) if is_key_id(key_id) else None
        if key is None or not _manages(principal, key.enterprise_id):
            return _refused(
                [
                    _error(
                        "NOT_FOUND",
                        f"There is no partner key {key_id} whose enterprise you manage.",
                        "input",
                        "id",
                    )
                ]
            )
        if not key.active:
            return _done(key)  # revoked already: a retried request has one effect
        try:
            revoked = key_store.revoke(key, by=principal.subject, now=info.context.now)
        except ConflictError as error:
            return _refused([_error("CONFLICT", str(error))])
        return _done(revoked)


@strawberry.type
class PartnerKeyQuery:
    @strawberry.field(
        description="An enterprise's partner keys, newest first (platform or that enterprise's "
        "administrators; another enterprise's read as none)."
    )
    def partner_keys(self, info: Info, enterprise_id: strawberry.ID) -> list[PartnerKeyType]:
        principal = _key_manager(info)
        if not _manages(principal, str(enterprise_id)):
            return []
        keys = key_store.for_enterprise(str(enterprise_id))
        return [PartnerKeyType(record=key) for key in keys]
