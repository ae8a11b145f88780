"""Who is asking, when, and in which language: the principal from verified claims, the
language of the answer, and the per-request context.

The principal comes only from the token API Gateway verified; no argument can change whose
data a request sees. The context is built inside the event loop of each request, so its
DataLoaders batch within that request and never leak data between requests.

Messages are said in the language the request's ``Accept-Language`` header asks for (Chinese or
English); without one, people read Chinese and partner systems, whose logs and integrators work
in English, read English (`language_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry
from msgspec import Struct, field

from compliance.calendar import CHINA_TZ
from compliance.messages import CHINESE, ENGLISH, negotiate

if TYPE_CHECKING:
    from compliance.services.store import Store
    from graph.loaders import Loaders
    from graph.settings import Settings


@strawberry.enum(description="What a caller may do; see the README for each role's rights.")
class Role(Enum):
    PLATFORM_ADMIN = "PLATFORM_ADMIN"
    REGULATOR = "REGULATOR"
    ENTERPRISE_ADMIN = "ENTERPRISE_ADMIN"
    ENTERPRISE_USER = "ENTERPRISE_USER"
    PARTNER = "PARTNER"


ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_USER, Role.PARTNER})

# Scopes a partner system's credentials may carry.
SCOPE_READ = "read"
SCOPE_EVENTS = "events:write"
SCOPE_OBLIGATIONS = "obligations:write"


class Principal(Struct, frozen=True):
    subject: str
    role: Role
    enterprise_id: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def sees_everything(self) -> bool:
        return self.role is Role.REGULATOR


class GraphContext(Struct):
    """Everything a resolver may use for one request."""

    principal: Principal | None
    now: datetime
    settings: Settings
    loaders: Loaders
    store: Store  # what the use cases read and write through
    request_id: str = ""
    log_fields: dict[str, str] = field(default_factory=dict)
    # What messages are said in (compliance.messages); graph/http.py sets it from the request.
    language: str = ENGLISH

    @property
    def today(self) -> date:
        """Today's China civil date: deadlines and 'not in the future' checks use it."""
        return self.now.astimezone(CHINA_TZ).date()


def language_for(principal: Principal | None, accept_language: str | None) -> str:
    """The language of the answer: what ``Accept-Language`` asks for, else Chinese for a person
    (and for a request that names nobody yet, as a browser's does) and English for a partner
    system."""
    default = ENGLISH if principal is not None and principal.role is Role.PARTNER else CHINESE
    return negotiate(accept_language, default)


def _claim_list(value: str | None) -> frozenset[str]:
    """API Gateway flattens a list claim to one string like `[a b]`; accept that, a plain
    space-separated OAuth scope string, or commas."""
    if not value:
        return frozenset()
    return frozenset(value.strip().strip("[]").replace(",", " ").split())


def principal_from_claims(
    claims: dict[str, str] | None, scopes: list[str] | None = None
) -> Principal | None:
    """The principal of a request whose token API Gateway verified, from its claims.

    A token without a known role or subject, or an enterprise role without an enterprise,
    identifies nobody: the request is treated as unauthenticated.
    """
    if not claims:
        return None
    subject = claims.get("sub")
    try:
        role = Role(claims.get("role", ""))
    except ValueError:
        return None
    enterprise_id = claims.get("enterprise_id") or None
    if not subject or (role in ENTERPRISE_ROLES and enterprise_id is None):
        return None
    granted = _claim_list(claims.get("scope")) | frozenset(scopes or ())
    return Principal(subject=subject, role=role, enterprise_id=enterprise_id, scopes=granted)


def principal_from_lambda_context(context: Mapping[str, object] | None) -> Principal | None:
    """The principal of a request the partner API's Lambda authorizer allowed, from its context.

    That authorizer verifies partner keys and nothing else, so only a PARTNER principal is taken
    from it: no stored key can make its holder an administrator or a regulator.
    """
    if not context:
        return None
    subject = str(context.get("sub") or "")
    enterprise_id = str(context.get("enterprise_id") or "") or None
    if context.get("role") != Role.PARTNER.value or not subject or enterprise_id is None:
        return None
    scopes = context.get("scopes")
    return Principal(
        subject=subject,
        role=Role.PARTNER,
        enterprise_id=enterprise_id,
        scopes=_claim_list(scopes if isinstance(scopes, str) else None),
    )
