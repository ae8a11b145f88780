"""The partner keys' mutations: `createPartnerKey` and `revokePartnerKey` (key managers)."""

import strawberry

from compliance.errors import ConflictError
from compliance.messages import message_of, t
from compliance.partner_keys import (
    MAX_ACTIVE_KEYS,
    IssuedKey,
    KeyStatus,
    PartnerKey,
    check_scopes,
    is_key_id,
    issue_key,
    key_hash,
)
from compliance.store import partner_keys as key_store
from graph.context import Principal
from graph.limits import (
    PARTNER_KEY_DESCRIPTION_MAX_LENGTH,
    PARTNER_KEY_NAME_MAX_LENGTH,
    input_errors,
)
from graph.obligations.types import ObligationType
from graph.partner_keys.inputs import CreatePartnerKeyInput, RevokePartnerKeyInput
from graph.partner_keys.types import PartnerKeyType
from graph.permissions import KeyManager, manages_keys_of, require_principal
from graph.types import Info, UserError


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
        key=PartnerKeyType.of(key), secret=secret, obligations=[], user_errors=[]
    )


def _input_errors(info: Info, input: CreatePartnerKeyInput) -> list[UserError]:
    """The name and description (a blank name counts as none; their wording is the one
    clients have long been shown), then the input's other limits; the scopes are looked into
    only when they are within theirs."""
    errors: list[UserError] = []
    name = input.name.strip()
    if not name:
        errors.append(_error("REQUIRED", t("partner_key.name_required"), "input", "name"))
    elif len(name) > PARTNER_KEY_NAME_MAX_LENGTH:
        message = t(
            "partner_key.too_long",
            what=t("what.name"),
            length=len(name),
            limit=PARTNER_KEY_NAME_MAX_LENGTH,
        )
        errors.append(_error("TOO_LONG", message, "input", "name"))
    if (
        input.description is not None
        and len(input.description) > PARTNER_KEY_DESCRIPTION_MAX_LENGTH
    ):
        message = t(
            "partner_key.too_long",
            what=t("what.description"),
            length=len(input.description),
            limit=PARTNER_KEY_DESCRIPTION_MAX_LENGTH,
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
        secret_hash=key_hash(issued.api_key, info.context.settings.pepper),
        created_at=info.context.now,
        created_by=principal.subject,
    )
    return issued, key


@strawberry.mutation(
    description="Issue an API key for a partner system acting for one enterprise (platform "
    f"or that enterprise's administrators); at most {MAX_ACTIVE_KEYS} active keys per "
    "enterprise. The key is in this response only.",
    permission_classes=[KeyManager],
)
async def create_partner_key(info: Info, input: CreatePartnerKeyInput) -> PartnerKeyPayload:
    principal = require_principal(info.context)
    enterprise_id = str(input.enterprise_id)
    errors = _input_errors(info, input)
    if any(e.code in ("TOO_LONG", "TOO_MANY_ITEMS") for e in errors):
        return _refused(errors)  # refused before any enterprise is looked up
    # Another enterprise is not looked up at all: whether it exists is not the caller's.
    enterprise = (
        await info.context.loaders.enterprise.load(enterprise_id)
        if manages_keys_of(principal, enterprise_id)
        else None
    )
    if enterprise is None:
        errors.insert(
            0,
            _error(
                "NOT_FOUND",
                t("partner_key.enterprise_not_found", id=enterprise_id),
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
                    t("partner_key.too_many", id=enterprise_id, limit=MAX_ACTIVE_KEYS),
                    "input",
                    "enterpriseId",
                )
            ]
        )
    except ConflictError as error:
        return _refused([_error("CONFLICT", message_of(error))])
    return _done(key, secret=issued.api_key)


@strawberry.mutation(
    description="Revoke a partner key (platform or the key's enterprise's administrators). "
    "API Gateway may keep accepting it for up to its authorizer cache TTL.",
    permission_classes=[KeyManager],
)
def revoke_partner_key(info: Info, input: RevokePartnerKeyInput) -> PartnerKeyPayload:
    principal = require_principal(info.context)
    if over := input_errors(info, input):
        return _refused(over)
    key_id = str(input.id)
    key = key_store.get(key_id) if is_key_id(key_id) else None
    if key is None or not manages_keys_of(principal, key.enterprise_id):
        return _refused([_error("NOT_FOUND", t("partner_key.not_found", id=key_id), "input", "id")])
    if not key.active:
        return _done(key)  # revoked already: a retried request has one effect
    try:
        revoked = key_store.revoke(key, by=principal.subject, now=info.context.now)
    except ConflictError as error:
        return _refused([_error("CONFLICT", message_of(error))])
    return _done(revoked)
