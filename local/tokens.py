"""Development tokens: HS256 JWTs the local gateway accepts in place of a real identity provider.

The claims are those the API reads from API Gateway's JWT authorizer: ``sub``, ``role``,
``enterprise_id`` (the USCC the principal acts for) and ``scope``. Issuer, audience and secret
are fixed for local use; ``LOCAL_JWT_SECRET`` changes the secret for both minting and checking.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import jwt

from compliance.codes import check_uscc

ISSUER = "nev-local"
AUDIENCE = "nev-compliance"
ALGORITHM = "HS256"
SECRET_VARIABLE = "LOCAL_JWT_SECRET"
# Long enough for HS256 (RFC 7518 section 3.2 asks for at least 256 bits); local use only.
DEFAULT_SECRET = "nev-local-development-secret-never-used-in-aws"

ROLES = ("PLATFORM_ADMIN", "REGULATOR", "ENTERPRISE_ADMIN", "ENTERPRISE_USER", "PARTNER")
ROLES_OF_AN_ENTERPRISE = frozenset({"ENTERPRISE_ADMIN", "ENTERPRISE_USER", "PARTNER"})


class TokenRequestError(ValueError):
    """The token asked for would not describe a principal the API can have."""


def dev_secret() -> str:
    """The secret local tokens are signed and checked with."""
    return os.environ.get(SECRET_VARIABLE) or DEFAULT_SECRET


def _check(role: str, enterprise_id: str | None, scopes: Sequence[str] | None, ttl: int) -> None:
    if role not in ROLES:
        raise TokenRequestError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if enterprise_id is None and role in ROLES_OF_AN_ENTERPRISE:
        raise TokenRequestError(
            f"role {role} acts for one enterprise: give its USCC (--enterprise, ENTERPRISE=)"
        )
    if enterprise_id is not None:
        issues = check_uscc(enterprise_id)
        if issues:
            # An enterprise id that is not a USCC can never match an enterprise.
            reasons = "; ".join(issue.message for issue in issues)
            raise TokenRequestError(f"enterprise {enterprise_id!r} is not a valid USCC: {reasons}")
    for scope in scopes or ():
        if not scope or any(char.isspace() for char in scope):
            raise TokenRequestError(f"scope {scope!r} must be one word (scopes are space-joined)")
    if ttl <= 0:
        raise TokenRequestError(f"ttl_hours must be positive, not {ttl}")


def mint_token(
    role: str,
    enterprise_id: str | None = None,
    *,
    subject: str | None = None,
    scopes: list[str] | None = None,
    ttl_hours: int = 12,
    secret: str | None = None,
    now: datetime | None = None,
) -> str:
    """A signed token for ``role`` (acting for ``enterprise_id``), valid ``ttl_hours`` from ``now``.

    ``subject`` defaults to a readable id built from role and enterprise. Raises
    ``TokenRequestError`` with the reason when role, enterprise or scopes do not fit together.
    """
    _check(role, enterprise_id, scopes, ttl_hours)
    issued = (now or datetime.now(UTC)).astimezone(UTC)
    sub = subject or f"local|{role.lower()}" + (f"|{enterprise_id}" if enterprise_id else "")
    claims: dict[str, object] = {"sub": sub, "role": role}
    if enterprise_id is not None:
        claims["enterprise_id"] = enterprise_id
    if scopes is not None:
        claims["scope"] = " ".join(scopes)
    claims |= {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(hours=ttl_hours)).timestamp()),
    }
    return jwt.encode(claims, secret or dev_secret(), algorithm=ALGORITHM)


def verify_token(token: str, *, secret: str | None = None) -> dict[str, object]:
    """The claims of ``token`` once signature, issuer, audience and expiry hold.

    Raises ``jwt.InvalidTokenError`` (with PyJWT's reason) otherwise.
    """
    claims: dict[str, object] = jwt.decode(
        token,
        secret or dev_secret(),
        algorithms=[ALGORITHM],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iss", "aud"]},
    )
    return claims
