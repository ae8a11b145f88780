"""The exports' root query field, `export`: one export as its owner may see it, with a fresh
download URL while its file is there."""

import strawberry

from compliance.store import exports
from graph.context import Principal
from graph.exports.types import ExportType
from graph.permissions import Reader, require_principal
from graph.types import Info

# The exports bucket, as template.yaml names it for the API function (the export function
# reads the same variable: functions/settings.py).


def owner_of(principal: Principal) -> str:
    """Whose exports the caller asks for and reads: its enterprise's (any of its people or
    partner systems), or, for a caller of no enterprise (a regulator), its own. No USCC holds
    '#', so the two never meet."""
    return principal.enterprise_id or f"{principal.role.value}#{principal.subject}"


@strawberry.field(
    description=(
        "An export of yours, by the id exportObligations answered; null for any other id "
        "(another enterprise's is not there). Poll it until READY: each answer signs a new "
        "15-minute download URL."
    ),
    permission_classes=[Reader],
)
def export(info: Info, id: strawberry.ID) -> ExportType | None:
    principal = require_principal(info.context)
    # Consistent: a poll right after the mutation finds what it wrote.
    record = exports.get(owner_of(principal), str(id), consistent=True)
    if record is None:
        return None
    bucket = info.context.settings.exports_bucket
    return ExportType.of(exports.view(record, bucket=bucket, now=info.context.now))
