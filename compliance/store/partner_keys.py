"""Partner API keys in DynamoDB: issuing within the limit of active keys, revoking, looking a key
up for the authorizer, and listing an enterprise's keys.

The table holds each key under its key id and, under `ENT#<USCC>`, the enterprise's count of
active keys. Issuing and revoking change both in one transaction; the condition on the count
(`active_keys < limit`) keeps two concurrent issues from making one key too many.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from botocore.exceptions import BotoCoreError
from msgspec import Struct
from msgspec.structs import replace
from pynamodb.exceptions import PynamoDBException, UpdateError
from pynamodb.transactions import TransactWrite

from compliance.errors import ConflictError, StoreError
from compliance.messages import t
from compliance.partner_keys import (
    LAST_USED_RESOLUTION,
    KeyStatus,
    PartnerKey,
    is_key_id,
    parse_key,
    verify,
)
from compliance.store.models import PartnerKeyItem
from compliance.store.reads import storable, translated_errors
from compliance.store.transactions import commit

LIST_LIMIT = 100


class TooManyActiveKeysError(StoreError):
    """The enterprise already has as many active keys as it may; nothing was written."""


class Verdict(Struct, frozen=True):
    """What the authorizer decides about a presented key, and why (for its log, not the caller).

    `key` is the key when it is allowed. `use_recorded` is False when recording the use failed;
    the key is allowed anyway, since bookkeeping must not lock a partner out.
    """

    key: PartnerKey | None
    reason: str
    key_id: str | None = None
    use_recorded: bool = True


def _counter_pk(enterprise_id: str) -> str:
    return f"ENT#{enterprise_id}"


def _from_item(item: PartnerKeyItem) -> PartnerKey:
    if item.enterprise is None or item.created_at is None:
        # A damaged row, not an outage: retrying would not help, so it is not "unavailable".
        raise StoreError(f"Partner key row {item.pk} lacks its enterprise or creation time")
    return PartnerKey(
        id=item.pk,
        enterprise_id=item.enterprise,
        name=item.name or "",
        description=item.description,
        scopes=frozenset(item.scopes or ()),
        status=KeyStatus(item.status),
        secret_hash=item.secret_hash or "",
        created_at=item.created_at,
        created_by=item.created_by or "",
        last_used_at=item.last_used_at,
        revoked_at=item.revoked_at,
        revoked_by=item.revoked_by,
    )


def _to_item(key: PartnerKey) -> PartnerKeyItem:
    return PartnerKeyItem(
        pk=key.id,
        enterprise=key.enterprise_id,
        name=key.name,
        description=key.description,
        scopes=set(key.scopes),
        status=key.status.value,
        secret_hash=key.secret_hash,
        created_at=key.created_at,
        created_by=key.created_by,
    )


def get(key_id: str) -> PartnerKey | None:
    # Consistent: a key used right after it was issued must be found, or the authorizer's
    # refusal would be cached by API Gateway for the whole TTL.
    with translated_errors():
        try:
            item = PartnerKeyItem.get(key_id, consistent_read=True)
        except PartnerKeyItem.DoesNotExist:
            return None
    return _from_item(item) if item.enterprise is not None else None


def by_ids(key_ids: Iterable[str]) -> dict[str, PartnerKey]:
    """Keys by id, read together (one BatchGet for up to 100); an id that names no key is
    absent. Only key ids are asked for, so no counter row is ever read as a key."""
    wanted = sorted({key_id for key_id in key_ids if is_key_id(key_id)})
    if not wanted:
        return {}
    with translated_errors():
        items = list(PartnerKeyItem.batch_get(wanted, consistent_read=True))
    return {item.pk: _from_item(item) for item in items if item.enterprise is not None}


def active_count(enterprise_id: str) -> int:
    with translated_errors():
        try:
            counter = PartnerKeyItem.get(_counter_pk(enterprise_id), consistent_read=True)
        except PartnerKeyItem.DoesNotExist:
            return 0
    return int(counter.active_keys or 0)


def create(key: PartnerKey, *, limit: int) -> None:
    """Store a new active key if its enterprise has fewer than `limit` active keys.

    Raises TooManyActiveKeysError when it has `limit` already, ConflictError when the key id is
    taken (a new id may be drawn and the call repeated); either way nothing was written.
    """
    counter = PartnerKeyItem(pk=_counter_pk(key.enterprise_id))

    def build(tx: TransactWrite) -> None:
        tx.update(
            counter,
            actions=[PartnerKeyItem.active_keys.add(1)],
            condition=PartnerKeyItem.active_keys.does_not_exist()
            | (PartnerKeyItem.active_keys < limit),
        )
        tx.save(_to_item(key), condition=PartnerKeyItem.pk.does_not_exist())

    try:
        commit(build, conflict=t("store.key_id_taken", id=key.id))
    except ConflictError:
        # The transaction does not say which condition failed; the count does.
        if active_count(key.enterprise_id) >= limit:
            raise TooManyActiveKeysError(
                f"Enterprise {key.enterprise_id} already has {limit} active partner keys."
            ) from None
        raise


def revoke(key: PartnerKey, *, by: str, now: datetime) -> PartnerKey:
    """Revoke an active key and release its place in the count, in one transaction.

    A key someone else revoked meanwhile comes back revoked, as asked; a retried request has one
    effect. Raises ConflictError only when the key changed in another way.
    """

    def build(tx: TransactWrite) -> None:
        tx.update(
            PartnerKeyItem(pk=key.id),
            actions=[
                PartnerKeyItem.status.set(KeyStatus.REVOKED.value),
                PartnerKeyItem.revoked_at.set(now),
                PartnerKeyItem.revoked_by.set(by),
            ],
            condition=PartnerKeyItem.status == KeyStatus.ACTIVE.value,
        )
        tx.update(
            PartnerKeyItem(pk=_counter_pk(key.enterprise_id)),
            actions=[PartnerKeyItem.active_keys.add(-1)],
            condition=PartnerKeyItem.active_keys > 0,
        )

    try:
        commit(build, conflict=t("store.key_changed", id=key.id))
    except ConflictError:
        current = get(key.id)
        if current is not None and not current.active:
            return current
        raise
    return replace(key, status=KeyStatus.REVOKED, revoked_at=now, revoked_by=by)


def for_enterprise(enterprise_id: str, *, limit: int = LIST_LIMIT) -> list[PartnerKey]:
    """An enterprise's keys, newest first (revoked ones too: they explain past writes)."""
    if not storable(enterprise_id):
        return []
    with translated_errors():
        items = PartnerKeyItem.by_enterprise.query(
            enterprise_id, scan_index_forward=False, limit=limit
        )
        return [_from_item(item) for item in items]


def record_use(key: PartnerKey, now: datetime) -> bool:
    """Set the key's `last_used_at` to `now` unless a use was recorded recently.

    The condition keeps concurrent authorizer instances from each writing, and never writes to
    a key revoked meanwhile. True when the use is recorded or did not need to be.
    """
    if key.used_recently(now):
        return True
    stale = PartnerKeyItem.last_used_at.does_not_exist() | (
        PartnerKeyItem.last_used_at < now - LAST_USED_RESOLUTION
    )
    try:
        PartnerKeyItem(pk=key.id).update(
            actions=[PartnerKeyItem.last_used_at.set(now)],
            condition=(PartnerKeyItem.status == KeyStatus.ACTIVE.value) & stale,
        )
    except UpdateError as error:
        # Failed condition: another instance recorded this use, or the key was just revoked.
        return error.cause_response_code == "ConditionalCheckFailedException"
    except (PynamoDBException, BotoCoreError):
        return False
    return True


def authenticate(api_key: str | None, pepper: bytes, now: datetime) -> Verdict:
    """Whether `api_key` is an active key whose secret matches; records its use when due."""
    key_id = parse_key(api_key)
    if api_key is None or key_id is None:
        return Verdict(None, "malformed")
    key = get(key_id)
    if key is None:
        return Verdict(None, "unknown", key_id)
    if not verify(api_key, key.secret_hash, pepper):
        return Verdict(None, "mismatch", key_id)
    if not key.active:
        # Checked after the secret, so that only the key's holder learns it was revoked.
        return Verdict(None, "revoked", key_id)
    return Verdict(key, "allowed", key_id, use_recorded=record_use(key, now))
