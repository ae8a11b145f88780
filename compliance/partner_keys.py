"""Partner API keys: their format, how they are hashed and checked, the scopes they may carry.

A key reads `nevk_<key id>_<secret>`. The key id (12 characters) is public: it names the stored
record and appears in listings, so an administrator can tell which key a partner uses. The
secret is 32 random bytes, base64url, shown once when the key is created and never stored: the
store keeps an HMAC-SHA256 of the whole key under a server-side pepper, so neither a copy of the
table nor a backup lets anyone call the API or test guesses offline.

Everything here is pure: the pepper comes from the functions' settings (`pepper_from`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from msgspec import Struct

from compliance.messages import listing, t

KEY_PREFIX = "nevk_"
KEY_ID_LENGTH = 12
# Lower-case base32: 60 bits in 12 characters, readable aloud, and never the `_` separator.
KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
SECRET_BYTES = 32
SECRET_LENGTH = 43  # base64url of 32 bytes, unpadded
_SECRET_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

# Two, so that a partner can switch to a new key before the old one is revoked, and no more.
MAX_ACTIVE_KEYS = 2
# Scopes a key may carry; the same strings as the scopes of partner tokens.
SCOPES = ("read", "events:write", "obligations:write")
SUBJECT_PREFIX = "partner-key:"
# How stale `last_used_at` may get: recording every use would be a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=5)

PEPPER_VARIABLE = "API_KEY_PEPPER"
MIN_PEPPER_LENGTH = 32
# Used only outside production (the local stack and tests); production refuses to start
# without a configured pepper rather than hash keys with a public one.
DEV_PEPPER = "nev-local-api-key-pepper"


class KeyStatus(Enum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


class PartnerKey(Struct, frozen=True):
    """A stored key: who it acts for, what it may do, and its history. Never the secret."""

    id: str
    enterprise_id: str
    name: str
    scopes: frozenset[str]
    status: KeyStatus
    secret_hash: str
    created_at: datetime
    created_by: str
    description: str | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.status is KeyStatus.ACTIVE

    @property
    def subject(self) -> str:
        """The principal's subject for requests made with this key, as recorded on writes."""
        return f"{SUBJECT_PREFIX}{self.id}"

    def used_recently(self, now: datetime) -> bool:
        """Whether `last_used_at` is fresh enough that recording this use would add nothing."""
        return self.last_used_at is not None and now - self.last_used_at < LAST_USED_RESOLUTION

    def __repr__(self) -> str:
        return _repr_without(self, "secret_hash")

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return _fields_without(self, "secret_hash")


class IssuedKey(Struct, frozen=True):
    """A new key as it is handed out once; `api_key` is the whole key the partner sends."""

    key_id: str
    api_key: str

    def __repr__(self) -> str:
        return _repr_without(self, "api_key")

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return _fields_without(self, "api_key")


class ScopeIssue(Struct, frozen=True):
    """Why a list of scopes cannot be granted; `index` is the item at fault, if one is."""

    code: str
    message: str
    index: int | None = None


def _fields_without(value: Struct, secret: str) -> list[tuple[str, Any]]:
    return [(name, getattr(value, name)) for name in value.__struct_fields__ if name != secret]


def _repr_without(value: Struct, secret: str) -> str:
    """The repr (and rich's pretty print) of a key leaves its secret out, so a log line or
    traceback that shows the object does not carry it. Code that takes the secret does so by
    name (``key.api_key``) and only to hand it out once or to compare its hash."""
    shown = ", ".join(f"{name}={field!r}" for name, field in _fields_without(value, secret))
    return f"{type(value).__name__}({shown})"


def issue_key() -> IssuedKey:
    key_id = "".join(secrets.choice(KEY_ID_ALPHABET) for _ in range(KEY_ID_LENGTH))
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return IssuedKey(key_id=key_id, api_key=f"{KEY_PREFIX}{key_id}_{secret}")


def is_key_id(value: str) -> bool:
    """Whether `value` can be a key id (and so never names any other row of the key store)."""
    return len(value) == KEY_ID_LENGTH and all(c in KEY_ID_ALPHABET for c in value)


def parse_key(api_key: str | None) -> str | None:
    """The key id of a well-formed key; None for anything that cannot be a key.

    Refusing malformed keys here spares a read of the store for every junk header.
    """
    if not api_key or not api_key.startswith(KEY_PREFIX):
        return None
    key_id, separator, secret = api_key.removeprefix(KEY_PREFIX).partition("_")
    well_formed = (
        separator == "_"
        and is_key_id(key_id)
        and len(secret) == SECRET_LENGTH
        and all(c in _SECRET_ALPHABET for c in secret)
    )
    return key_id if well_formed else None


def key_hash(api_key: str, pepper: bytes) -> str:
    """HMAC-SHA256 of the whole key (id and secret) under the pepper, as hex.

    The id is inside the MAC, so a stored hash cannot be moved to another key's record.
    """
    return hmac.new(pepper, api_key.encode(), hashlib.sha256).hexdigest()


def verify(api_key: str, stored_hash: str, pepper: bytes) -> bool:
    # A constant-time comparison: the time taken says nothing about how much of a guess matched.
    return hmac.compare_digest(key_hash(api_key, pepper), stored_hash)


def check_scopes(scopes: Sequence[str]) -> list[ScopeIssue]:
    """Every reason `scopes` cannot be granted: none given, unknown or repeated scopes."""
    if not scopes:
        return [ScopeIssue("EMPTY", t("partner_key.scopes_required", scopes=listing(SCOPES)))]
    issues = [
        ScopeIssue(
            "UNKNOWN_SCOPE",
            t("partner_key.unknown_scope", scope=scope, scopes=listing(SCOPES)),
            index,
        )
        for index, scope in enumerate(scopes)
        if scope not in SCOPES
    ]
    seen: set[str] = set()
    for index, scope in enumerate(scopes):
        if scope in seen:
            issues.append(
                ScopeIssue("DUPLICATE", t("partner_key.duplicate_scope", scope=scope), index)
            )
        seen.add(scope)
    return issues


def scope_text(scopes: frozenset[str]) -> str:
    """Scopes as one space-separated string, the OAuth spelling partner tokens use too."""
    return " ".join(sorted(scopes))


def pepper_from(environ: Mapping[str, str]) -> bytes:
    """The pepper the environment configures; the dev value outside production only."""
    value = environ.get(PEPPER_VARIABLE, "")
    production = environ.get("STAGE", "dev") == "prod"
    if not value:
        if production:
            raise RuntimeError(f"No API key pepper: set {PEPPER_VARIABLE} in production")
        return DEV_PEPPER.encode()
    if production and len(value) < MIN_PEPPER_LENGTH:
        raise RuntimeError(
            f"{PEPPER_VARIABLE} is shorter than {MIN_PEPPER_LENGTH} characters; "
            "a short pepper does not protect stored key hashes"
        )
    return value.encode()
