"""The `Export` type, its format and status enums, and the input and payload of
`exportObligations`."""

from datetime import datetime

import strawberry

from compliance.exports import MAX_ROWS, ExportFormat, ExportStatus
from compliance.messages import t
from compliance.store.exports import MAX_ATTEMPTS, ExportView
from graph.obligations.inputs import ObligationFilterInput
from graph.obligations.types import ObligationType
from graph.types import Info, UserError, said

strawberry.enum(ExportFormat, name="ExportFormat")
strawberry.enum(ExportStatus, name="ExportStatus")


@strawberry.input
class ExportObligationsInput:
    filter: ObligationFilterInput | None = strawberry.field(
        default=None, description="The same filter as `obligations`; none: the whole list."
    )
    format: ExportFormat = strawberry.field(
        default=ExportFormat.XLSX,
        description="XLSX (Excel, WPS) or CSV (UTF-8 with a byte-order mark).",
    )


@strawberry.type(
    name="Export",
    description=(
        "A file of the `obligations` list: QUEUED, then RUNNING, then READY with a download "
        "URL (or FAILED with why); EXPIRED once its file is deleted, 7 days after it was "
        "written. Poll `export(id)`."
    ),
)
class ExportType:
    id: strawberry.ID
    status: ExportStatus
    format: ExportFormat
    row_count: int | None = strawberry.field(
        description="Obligations in the file, once READY (its header and note not counted)."
    )
    truncated: bool = strawberry.field(
        description=(
            f"The list holds more than the file: at most {MAX_ROWS:,} rows (or what the time "
            "limit allowed); the file's last line says so. Narrow the filter."
        )
    )
    url: str | None = strawberry.field(
        description="While READY: a download URL signed for this answer, valid 15 minutes; "
        "poll again for a fresh one."
    )
    expires_at: datetime | None = strawberry.field(description="When `url` stops working.")
    available_until: datetime | None = strawberry.field(
        description="When the file is deleted (7 days after it was written)."
    )
    failure: strawberry.Private[str | None]  # a catalog key (compliance/store/exports.py)
    created_at: datetime
    finished_at: datetime | None = strawberry.field(description="When it was written, or failed.")

    @strawberry.field(description="Why it FAILED, and what to do.")
    def error(self, info: Info) -> str | None:
        if self.failure is None:
            return None
        return said(info, t(self.failure, attempts=MAX_ATTEMPTS))

    @classmethod
    def of(cls, view: ExportView) -> "ExportType":
        record = view.record
        return cls(
            id=strawberry.ID(record.id),
            status=view.status,
            format=record.format,
            row_count=record.row_count,
            truncated=record.truncated,
            url=view.url,
            expires_at=view.url_expires_at,
            available_until=record.available_until,
            failure=record.error,
            created_at=record.created_at,
            finished_at=record.finished_at,
        )


@strawberry.type
class ExportPayload:
    export: ExportType | None
    user_errors: list[UserError]
    # Every payload says which obligations it created, so clients read payloads alike.
    obligations: list[ObligationType] = strawberry.field(
        default_factory=list, description="The obligations this created: an export creates none."
    )
