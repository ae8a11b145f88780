"""Who may call what, and who may see which record (the role table in the README, "The API").

Who may call a root field is declared on it with a `RootPermission` class, checked from the
principal alone before its resolver runs. Roles that may not call an operation at all get
FORBIDDEN; no principal at all, UNAUTHENTICATED. Which records the caller then sees is decided
record by record (`can_see_*`, `enterprise_scope`): another enterprise's object is reported as
not found, never as forbidden, since its existence is itself information.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from compliance.custody import sees_battery, sees_model, sees_vehicle
from compliance.enterprises import Enterprise
from compliance.lifecycle import BatteryState, ModelState, VehicleState
from compliance.messages import listing, phrase, t
from compliance.network import ServicePoint
from compliance.obligations import ObligationRecord
from graph.context import (
    ENTERPRISE_ROLES,
    SCOPE_EVENTS,
    SCOPE_OBLIGATIONS,
    SCOPE_READ,
    GraphContext,
    Principal,
    Role,
)
from graph.errors import Forbidden, Unauthenticated
from graph.types import Info


def require_principal(context: GraphContext) -> Principal:
    if context.principal is None:
        raise Unauthenticated(t("permission.sign_in"))
    return context.principal


# --- who may call a root field --------------------------------------------------------------


class RootPermission(BasePermission):
    """The roles that may call a root field, and the scope a partner needs for it.

    Declared on root fields only (`permission_classes`): a field of an object type would be
    checked once per object a list holds. A refusal names the caller's role, so it is raised
    here, where the principal is known, rather than from a fixed `message`; it is one of
    graph/errors.py's client errors, which the schema's error masking passes on with its code.
    """

    roles: ClassVar[frozenset[Role]]
    partner_scope: ClassVar[str | None] = None  # what a PARTNER needs, when among `roles`
    # How a refusal names `roles` (a catalog key); None: by their names.
    who: ClassVar[str | None] = None
    for_an_enterprise: ClassVar[bool] = False  # the caller acts for its enterprise: it needs one

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        refusal = self.refusal(require_principal(info.context))
        if refusal is not None:
            raise Forbidden(refusal)
        return True

    def refusal(self, principal: Principal) -> str | None:
        if principal.role not in self.roles or (
            self.for_an_enterprise and principal.enterprise_id is None
        ):
            who = (
                phrase(self.who)
                if self.who
                else t(
                    "permission.roles",
                    roles=listing([role.value for role in Role if role in self.roles]),
                )
            )
            return t("permission.only", who=who, role=principal.role.value)
        if principal.role is Role.PARTNER and self.partner_scope not in principal.scopes:
            return t("permission.scope_missing", scope=self.partner_scope)
        return None


class Reader(RootPermission):
    """Anyone signed in may read what they may see; a partner needs the `read` scope."""

    roles = frozenset(Role)
    partner_scope = SCOPE_READ


class EventRecorder(RootPermission):
    """An enterprise records its own events; a partner system needs `events:write`."""

    roles = ENTERPRISE_ROLES
    partner_scope = SCOPE_EVENTS
    who = "permission.who.enterprise_user"
    for_an_enterprise = True


class ObligationCloser(RootPermission):
    """An enterprise fulfils its own obligations; a partner system needs `obligations:write`."""

    roles = ENTERPRISE_ROLES
    partner_scope = SCOPE_OBLIGATIONS
    who = "permission.who.enterprise_user"
    for_an_enterprise = True


class FeedReader(RootPermission):
    """An enterprise's change feed, for its own principals; a partner system needs `read`.
    Regulators and the platform belong to no enterprise and have no feed."""

    roles = ENTERPRISE_ROLES
    partner_scope = SCOPE_READ
    who = "permission.who.enterprise_user"
    for_an_enterprise = True


class EnterpriseAdmin(RootPermission):
    """An enterprise administrator, for its own enterprise (waivers, service points)."""

    roles = frozenset({Role.ENTERPRISE_ADMIN})
    who = "permission.who.enterprise_admin"
    for_an_enterprise = True


class PlatformAdmin(RootPermission):
    roles = frozenset({Role.PLATFORM_ADMIN})


class Administrator(RootPermission):
    """The platform for any enterprise, an enterprise administrator for its own."""

    roles = frozenset({Role.PLATFORM_ADMIN, Role.ENTERPRISE_ADMIN})


class KeyManager(Administrator):
    """Administrators manage partner keys; a partner key never does, whatever its scopes: a
    leaked key must not be able to mint or keep alive its successors."""

    def refusal(self, principal: Principal) -> str | None:
        if principal.role is Role.PARTNER:
            return t("permission.partner_manages_keys")
        return super().refusal(principal)


class Overseer(RootPermission):
    """The platform and regulators: how the platform's own work is going."""

    roles = frozenset({Role.PLATFORM_ADMIN, Role.REGULATOR})


# --- which records the caller sees ----------------------------------------------------------


def _own(principal: Principal, *enterprise_ids: str | None) -> bool:
    return principal.enterprise_id is not None and principal.enterprise_id in enterprise_ids


def can_see_enterprise(principal: Principal, enterprise: Enterprise) -> bool:
    return principal.role in (Role.REGULATOR, Role.PLATFORM_ADMIN) or _own(principal, enterprise.id)


# Which enterprise sees which record is custody's rule (compliance.custody); here it meets the
# principal: regulators see everything, and a principal of no enterprise sees nothing more.


def can_see_vehicle(principal: Principal, vehicle: VehicleState) -> bool:
    eid = principal.enterprise_id
    return principal.sees_everything or (eid is not None and sees_vehicle(eid, vehicle))


def can_see_model(principal: Principal, model: ModelState) -> bool:
    eid = principal.enterprise_id
    return principal.sees_everything or (eid is not None and sees_model(eid, model))


def can_see_battery(principal: Principal, battery: BatteryState) -> bool:
    eid = principal.enterprise_id
    return principal.sees_everything or (eid is not None and sees_battery(eid, battery))


def can_see_obligation(principal: Principal, record: ObligationRecord) -> bool:
    return principal.sees_everything or _own(principal, record.obligation.responsible_enterprise)


def can_see_service_point(principal: Principal, point: ServicePoint) -> bool:
    return principal.sees_everything or _own(principal, point.operator)


def manages_keys_of(principal: Principal, enterprise_id: str) -> bool:
    """Whose partner keys a key manager sees: any enterprise's for the platform, else its own's;
    another enterprise's read as not found."""
    return principal.role is Role.PLATFORM_ADMIN or principal.enterprise_id == enterprise_id


class Scope:
    """Which enterprise's records a list or report covers."""

    def __init__(self, enterprise_id: str | None, *, visible: bool = True) -> None:
        self.enterprise_id = enterprise_id  # None: every enterprise (regulators only)
        self.visible = visible  # False: another enterprise's, which reads as empty


def enterprise_scope(principal: Principal, requested: str | None) -> Scope:
    if principal.sees_everything:
        return Scope(requested)
    if principal.enterprise_id is None:
        raise Forbidden(t("permission.no_enterprise", role=principal.role.value))
    if requested is not None and requested != principal.enterprise_id:
        # Another enterprise's data reads as empty, exactly as if it had none.
        return Scope(requested, visible=False)
    return Scope(principal.enterprise_id)
