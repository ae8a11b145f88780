"""The exports' mutation, `exportObligations`: checks the caller and the filter as `obligations`
does, refuses a list known to be larger than a file holds, records the export and queues its
work. The file is written by the export function (functions/export.py); `export(id)` follows it.
"""

import strawberry

from compliance.exports import MAX_ROWS
from compliance.messages import message_of, t
from compliance.store import exports
from compliance.store.exports import ExportNotQueuedError, ExportQuery, ExportView
from compliance.store.reads import ObligationScope
from graph.errors import BadUserInput, Unavailable
from graph.exports.queries import owner_of
from graph.exports.types import ExportObligationsInput, ExportPayload, ExportType
from graph.limits import input_errors
from graph.mutations.common import error
from graph.obligations.queries import obligation_filter, obligation_subject
from graph.permissions import Reader, enterprise_scope, require_principal
from graph.types import Info, UserError


def _refused(errors: list[UserError]) -> ExportPayload:
    return ExportPayload(export=None, user_errors=errors)


def _query(info: Info, input: ExportObligationsInput) -> ExportQuery:
    """What the export holds: the list `obligations(filter:)` shows the caller today (another
    enterprise's list reads as empty, as one of an enterprise that does not exist)."""
    filter = input.filter
    where, subject = obligation_filter(filter), obligation_subject(filter)
    requested = filter.enterprise_id if filter and filter.enterprise_id else None
    scope = enterprise_scope(require_principal(info.context), str(requested) if requested else None)
    visible = ObligationScope(responsible=scope.enterprise_id, subject=subject)
    return ExportQuery(
        scope=visible if scope.visible else None, where=where, today=info.context.today
    )


@strawberry.mutation(
    description=(
        "Start writing the `obligations` list, as `filter` selects it for you, to a file (XLSX "
        f"by default, or CSV). Answers the export QUEUED; poll `export(id)` until it is READY "
        f"with its download URL. A list known to exceed {MAX_ROWS:,} rows is refused "
        "(TOO_MANY_ROWS); otherwise a longer list is cut there, with `truncated` and a note "
        "at the end of the file."
    ),
    permission_classes=[Reader],
)
def export_obligations(info: Info, input: ExportObligationsInput) -> ExportPayload:
    principal = require_principal(info.context)
    if over := input_errors(info, input):
        return _refused(over)
    try:
        query = _query(info, input)
    except BadUserInput as invalid:
        return _refused([error("INVALID_FILTER", message_of(invalid), "input", "filter")])
    count = exports.known_count(query)
    if count is not None and count > MAX_ROWS:
        message = t("export.too_many_rows", count=count, most=MAX_ROWS)
        return _refused([error("TOO_MANY_ROWS", message, "input", "filter")])
    queue_url = info.context.settings.export_queue_url
    if not queue_url:
        raise RuntimeError("EXPORT_QUEUE_URL is not set; template.yaml sets it for the API")
    try:
        record = exports.start(
            owner_of(principal),
            query,
            input.format,
            by=principal.subject,
            now=info.context.now,
            queue_url=queue_url,
        )
    except ExportNotQueuedError as failure:
        # Not an answer to keep for an Idempotency-Key: the same request sent again must run.
        raise Unavailable(t("export.not_queued_now")) from failure
    return ExportPayload(export=ExportType.of(ExportView(record, record.status)), user_errors=[])
