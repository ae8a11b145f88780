"""API Gateway's JWT authorizer, emulated: verify the bearer token, hand the handler its claims.

API Gateway passes claims to Lambda as strings: numbers and booleans in their JSON spelling,
arrays as ``[a b c]`` (Go's formatting, which the service uses), and the ``scope`` claim split
into ``requestContext.authorizer.jwt.scopes``. The handler therefore parses claims exactly as
it must in AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt

from local.tokens import verify_token


class Unauthorized(Exception):  # noqa: N818 - named for the HTTP answer it becomes
    """The request carries a token the authorizer refuses; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def claim_string(value: object) -> str:
    """One claim value as API Gateway hands it to Lambda."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(claim_string(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{claim_string(v)}" for k, v in sorted(value.items())) + "]"
    if value is None:
        return "null"
    return str(value)


def _scopes(claims: Mapping[str, object]) -> list[str] | None:
    scope = claims.get("scope", claims.get("scp"))
    if isinstance(scope, str):
        return scope.split()
    if isinstance(scope, list):
        return [str(item) for item in scope]
    return None


def authorizer_context(
    authorization: str | None, *, secret: str | None = None
) -> dict[str, Any] | None:
    """``requestContext.authorizer`` for a request's Authorization header; None without one.

    Raises ``Unauthorized`` when the header is there but its token does not verify.
    """
    if authorization is None or not authorization.strip():
        return None
    token = authorization.strip()
    scheme, _, rest = token.partition(" ")
    # The identity source is the header; a "Bearer " prefix is optional, as in API Gateway.
    if scheme.lower() == "bearer":
        token = rest.strip()
    try:
        claims = verify_token(token, secret=secret)
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized("the token has expired") from error
    except jwt.InvalidTokenError as error:
        raise Unauthorized(str(error) or type(error).__name__) from error
    return {
        "jwt": {
            "claims": {name: claim_string(value) for name, value in claims.items()},
            "scopes": _scopes(claims),
        }
    }
