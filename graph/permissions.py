"""Who may see and do what (the role table in the README, "The API"), decided from the principal
alone.

Another enterprise's object is reported as not found, never as forbidden: its existence is
itself information. Roles that may not call an operation at all get FORBIDDEN.
"""

from __future__ import annotations

from compliance.custody import sees_battery, sees_model, sees_vehicle
from compliance.enterprises import Enterprise
from compliance.lifecycle import BatteryState, ModelState, VehicleState
from compliance.network import ServicePoint
from compliance.obligations import ObligationRecord
from graph.context import (
    ENTERPRISE_ROLES,
    SCOPE_READ,
    GraphContext,
    Principal,
    Role,
)
from graph.errors import Forbidden, Unauthenticated


def require_principal(context: GraphContext) -> Principal:
    if context.principal is None:
        raise Unauthenticated("Sign in first: send a token as 'Authorization: Bearer <token>'.")
    return context.principal


def require_reader(context: GraphContext) -> Principal:
    """Anyone signed in may read what they may see; a partner needs the `read` scope."""
    principal = require_principal(context)
    if principal.role is Role.PARTNER and SCOPE_READ not in principal.scopes:
        raise Forbidden("This partner credential lacks the 'read' scope.")
    return principal


def require_enterprise_writer(context: GraphContext, scope: str, *, admin: bool = False) -> str:
    """The enterprise a write acts for: the caller's own, from its token, and nothing else."""
    principal = require_principal(context)
    allowed = {Role.ENTERPRISE_ADMIN} if admin else ENTERPRISE_ROLES
    if principal.role not in allowed or principal.enterprise_id is None:
        who = "an enterprise administrator" if admin else "an enterprise user or partner system"
        raise Forbidden(f"Only {who} can do this; this token's role is {principal.role.value}.")
    if principal.role is Role.PARTNER and scope not in principal.scopes:
        raise Forbidden(f"This partner credential lacks the '{scope}' scope.")
    return principal.enterprise_id


def require_role(context: GraphContext, *roles: Role) -> Principal:
    principal = require_principal(context)
    if principal.role not in roles:
        names = ", ".join(r.value for r in roles)
        raise Forbidden(f"Only {names} can do this; this token's role is {principal.role.value}.")
    return principal


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


class Scope:
    """Which enterprise's records a list or report covers."""

    def __init__(self, enterprise_id: str | None, *, visible: bool = True) -> None:
        self.enterprise_id = enterprise_id  # None: every enterprise (regulators only)
        self.visible = visible  # False: another enterprise's, which reads as empty


def enterprise_scope(principal: Principal, requested: str | None) -> Scope:
    if principal.sees_everything:
        return Scope(requested)
    if principal.enterprise_id is None:
        raise Forbidden(f"A {principal.role.value} token belongs to no enterprise.")
    if requested is not None and requested != principal.enterprise_id:
        # Another enterprise's data reads as empty, exactly as if it had none.
        return Scope(requested, visible=False)
    return Scope(principal.enterprise_id)
