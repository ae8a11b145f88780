"""Where exports are kept and how one is produced: their records (the Exports table), their
files (the exports bucket), the export queue, and the run of one export, page by page through
the obligations list.

A record is keyed by its owner (the enterprise of the caller who asked, or a regulator's own
`REGULATOR#<subject>`) and its id (`ex_` and 24 random hex digits). Every read names the
caller's owner, so another owner's export is not "forbidden" but simply not there: the same
GetItem that finds nothing for an id no one issued. Records expire with their files (TTL).

An export holds what `obligations(filter:)` shows its caller, read with the same store function
(`reads.obligation_page`) page after page: each page reads at most a bounded number of items,
whatever the enterprise or the country has, and nothing is ever scanned. Rows are written to a
file on local disk as each page comes (compliance/exports.py), then the file is uploaded.
"""

from __future__ import annotations

import heapq
import logging
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import msgspec
from botocore.exceptions import BotoCoreError, ClientError
from msgspec import Struct
from msgspec.structs import replace

from compliance import clients
from compliance.errors import StoreUnavailableError
from compliance.exports import (
    CONTENT_TYPES,
    FILE_DAYS,
    MAX_ROWS,
    URL_SECONDS,
    Cell,
    ExportFormat,
    ExportStatus,
    Page,
    Written,
    cells,
    file_name,
    open_sheet,
    write_rows,
)
from compliance.obligations import ObligationRecord
from compliance.rule_timeline import RuleSetTimeline
from compliance.rules import ObligationStatus
from compliance.store import reads, summaries
from compliance.store.models import ExportItem
from compliance.store.reads import translated_errors

_log = logging.getLogger(__name__)

# Obligations a page: each Query of the list reads at most PAGE_SIZE + 2 items (fewer where
# DynamoDB's 1 MB a Query, about 900 obligations, comes first), so a million rows take about a
# thousand pages; a page's rows are the most the function holds in memory at once.
PAGE_SIZE = 1000
# Runs of one export: a failure is tried again once, after RETRY_SECONDS; then it is FAILED.
MAX_ATTEMPTS = 2
RETRY_SECONDS = 30
EXPORT_ID = re.compile(r"ex_[0-9a-f]{24}")
FILE_PREFIX = "exports/"

# Why an export FAILED, kept on its record as a catalog key and said in the language of whoever
# polls it (graph/exports/types.py).
NOT_QUEUED = "export.not_queued"
WRITE_FAILED = "export.write_failed"


class ExportNotQueuedError(StoreUnavailableError):
    """The export's record is written (FAILED) but its work could not be queued."""


# --- the record -----------------------------------------------------------------------------


class ExportQuery(Struct, frozen=True):
    """The list an export holds: `obligations(filter:)` for its caller, on the day it asked."""

    scope: reads.ObligationScope | None  # None: another enterprise's list, which reads as empty
    where: reads.ObligationFilter
    today: date


class ExportRecord(Struct, frozen=True):
    owner: str
    id: str
    status: ExportStatus
    format: ExportFormat
    query: ExportQuery
    created_at: datetime
    created_by: str
    attempts: int = 0
    finished_at: datetime | None = None
    row_count: int | None = None
    truncated: bool = False
    object_key: str | None = None
    error: str | None = None

    @property
    def available_until(self) -> datetime | None:
        """Until when the file is kept: the bucket deletes it FILE_DAYS after it was written
        (at the next midnight UTC after that, so never earlier)."""
        return self.finished_at + timedelta(days=FILE_DAYS) if self.finished_at else None


def _record(item: ExportItem) -> ExportRecord:
    return ExportRecord(
        owner=item.owner,
        id=item.id,
        status=ExportStatus(item.status),
        format=ExportFormat(item.format),
        query=msgspec.json.decode(item.listing, type=ExportQuery),
        created_at=item.created_at,
        created_by=item.created_by,
        attempts=int(item.attempts or 0),
        finished_at=item.finished_at,
        row_count=None if item.row_count is None else int(item.row_count),
        truncated=bool(item.truncated),
        object_key=item.object_key,
        error=item.error,
    )


def _expiry(at: datetime) -> datetime:
    # A day after the file's own end, so that a poll in between says EXPIRED rather than null.
    return at + timedelta(days=FILE_DAYS + 1)


def get(owner: str, export_id: str, *, consistent: bool = False) -> ExportRecord | None:
    """`owner`'s export `export_id`, or None: not issued, expired, or another owner's (the same
    read that finds nothing). An id that no export could have is not looked up."""
    if not EXPORT_ID.fullmatch(export_id) or not reads.storable(owner):
        return None
    with translated_errors():
        try:
            item = ExportItem.get(owner, export_id, consistent_read=consistent)
        except ExportItem.DoesNotExist:
            return None
    return _record(item)


# --- asking for one -------------------------------------------------------------------------


def known_count(query: ExportQuery) -> int | None:
    """How many obligations the export will hold, where the stored counts say it (a status
    filter alone, for an enterprise or the nation: compliance/store/summaries.py), without
    reading the list; None where only reading it would tell."""
    scope = query.scope
    if scope is None:
        return 0
    if scope.subject is not None or query.where != reads.ObligationFilter(
        statuses=query.where.statuses
    ):
        return None
    summary = summaries.obligation_summary(scope.responsible, query.today)
    wanted = query.where.statuses or frozenset(ObligationStatus)
    return sum(summary.counts[status] for status in wanted)


def start(
    owner: str,
    query: ExportQuery,
    export_format: ExportFormat,
    *,
    by: str,
    now: datetime,
    queue_url: str,
) -> ExportRecord:
    """Record a new export (QUEUED) and put its work on the export queue. When the queue cannot
    take it, the record is marked FAILED and ExportNotQueuedError raised: nothing will come of
    it, and asking again is safe."""
    export_id = f"ex_{secrets.token_hex(12)}"
    item = ExportItem(
        owner=owner,
        id=export_id,
        status=ExportStatus.QUEUED.value,
        format=export_format.value,
        listing=msgspec.json.encode(query).decode(),
        created_at=now,
        created_by=by,
        attempts=0,
        expires_at=_expiry(now),
    )
    with translated_errors():
        item.save(condition=ExportItem.id.does_not_exist())
    try:
        enqueue(queue_url, owner, export_id)
    except ExportNotQueuedError:
        _finish(item, ExportStatus.FAILED, now, error=NOT_QUEUED)
        raise
    return _record(item)


class Task(Struct, frozen=True):
    """An export queue message: which export to produce (its record says the rest)."""

    owner: str
    id: str


def enqueue(queue_url: str, owner: str, export_id: str, *, delay: int = 0) -> None:
    body = msgspec.json.encode(Task(owner=owner, id=export_id)).decode()
    try:
        clients.client("sqs").send_message(QueueUrl=queue_url, MessageBody=body, DelaySeconds=delay)
    except (ClientError, BotoCoreError) as error:
        raise ExportNotQueuedError(f"queueing export {export_id} failed: {error}") from error


# --- polling --------------------------------------------------------------------------------


class ExportView(Struct, frozen=True):
    """An export as a poll shows it: its status now, and a fresh download URL when READY."""

    record: ExportRecord
    status: ExportStatus
    url: str | None = None
    url_expires_at: datetime | None = None


def view(record: ExportRecord, *, bucket: str | None, now: datetime) -> ExportView:
    """READY with a URL signed now for URL_SECONDS while the file is there; EXPIRED once it is
    gone (past its days, or deleted)."""
    if record.status is not ExportStatus.READY:
        return ExportView(record, record.status)
    until = record.available_until
    if bucket is None or record.object_key is None or (until is not None and now >= until):
        return ExportView(record, ExportStatus.EXPIRED)
    s3 = clients.client("s3")
    try:
        s3.head_object(Bucket=bucket, Key=record.object_key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return ExportView(record, ExportStatus.EXPIRED)
        raise StoreUnavailableError(f"reading export {record.id}: {error}") from error
    except BotoCoreError as error:
        raise StoreUnavailableError(f"reading export {record.id}: {error}") from error
    url = s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": record.object_key},
        ExpiresIn=URL_SECONDS,
    )
    return ExportView(record, ExportStatus.READY, url, now + timedelta(seconds=URL_SECONDS))


# --- producing one (the export function) ----------------------------------------------------


class Produced(Struct, frozen=True):
    """What one delivery of an export's message came to, for the function's log and metrics."""

    export_id: str
    outcome: str  # "written", "retry", "failed", "nothing" (done already, or no such export)
    rows: int = 0
    truncated: bool = False
    pages: int = 0
    queries: int = 0
    evaluated: int = 0
    bytes: int = 0


class _Progress:
    """What the pages of one export read so far."""

    def __init__(self) -> None:
        self.pages = 0
        self.queries = 0
        self.evaluated = 0
        self.names: dict[str, str] = {}  # enterprise id -> name, each enterprise read once


def _listed(
    scope: reads.ObligationScope,
    where: reads.ObligationFilter,
    today: date,
    first: int,
    progress: _Progress,
) -> Iterator[tuple[str, ObligationRecord]]:
    """One list, page after page of `reads.obligation_page`: each record with its position."""
    after: str | None = None
    while True:
        page = reads.obligation_page(scope, first=first, after=after, where=where, today=today)
        progress.pages += 1
        progress.queries += page.queries
        progress.evaluated += page.evaluated
        yield from zip(page.positions, page.records, strict=True)
        if page.next_after is None:
            return
        after = page.next_after


def listed(query: ExportQuery, progress: _Progress, first: int) -> Iterator[ObligationRecord]:
    """What `obligations(filter:)` lists for the export's caller, in its order (due date, then
    id; standing duties last).

    An enterprise's list is read as one list per status asked for (all five when none is),
    merged by position. The list itself merges the same key ranges page by page, but each of its
    pages reads `first` + 2 items of every range to return `first`: a whole list would read
    about five items a row. Read apart, each range is read once; the merge of lists that each
    run in position order, with no position in two of them, is the list's own order. The
    nation's list and a subject's are read as the list reads them.
    """
    scope = query.scope
    if scope is None:
        return
    if scope.responsible is None or scope.subject is not None:
        wheres = [query.where]
    else:
        statuses = sorted(query.where.statuses or ObligationStatus)
        wheres = [replace(query.where, statuses=frozenset({status})) for status in statuses]
    lists = [_listed(scope, where, query.today, first, progress) for where in wheres]
    for _, record in heapq.merge(*lists, key=lambda listed: listed[0]):
        yield record


def obligation_pages(
    query: ExportQuery, rules: RuleSetTimeline, progress: _Progress, *, first: int = PAGE_SIZE
) -> Iterator[Page]:
    """The export's rows, `first` at a time, in the list's order, with the names of their
    enterprises (one BatchGet for those not read before)."""
    records = listed(query, progress, first)
    carried: list[ObligationRecord] = []
    while True:
        # One record past the page, to know whether the list goes on.
        batch = carried + list(islice(records, first + 1 - len(carried)))
        batch, carried = batch[:first], batch[first:]
        unknown = {r.obligation.responsible_enterprise for r in batch} - progress.names.keys()
        if unknown:
            found = reads.enterprises(unknown)
            progress.names.update({eid: found[eid].name if eid in found else "" for eid in unknown})
        rows: list[list[Cell]] = [
            cells(record, today=query.today, rules=rules, names=progress.names) for record in batch
        ]
        yield Page(rows=rows, more=bool(carried))
        if not carried:
            return


def produce(
    task: Task,
    *,
    bucket: str,
    queue_url: str,
    rules: RuleSetTimeline,
    clock: Callable[[], datetime],
    out_of_time: Callable[[], bool],
) -> Produced:
    """Write the export `task` names and mark it READY; a duplicate delivery of finished work
    does nothing. A failure is tried again once, RETRY_SECONDS later (queued anew, the record
    QUEUED); then the export is FAILED with what to do. What cannot be recorded raises, and the
    queue brings the message back."""
    record = get(task.owner, task.id, consistent=True)
    if record is None or record.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return Produced(task.id, "nothing")
    item = _item(record)
    if record.attempts >= MAX_ATTEMPTS:
        # The runs so far ended without a word (a crash, the function's time limit).
        _finish(item, ExportStatus.FAILED, clock(), error=WRITE_FAILED)
        return Produced(task.id, "failed")
    _start_run(item, clock())
    try:
        return _write_and_keep(record, item, bucket, rules, clock, out_of_time)
    except Exception:
        _log.exception("export %s failed on attempt %d", record.id, record.attempts + 1)
        if record.attempts + 1 < MAX_ATTEMPTS:
            _requeue(item)
            enqueue(queue_url, record.owner, record.id, delay=RETRY_SECONDS)
            return Produced(task.id, "retry")
        _finish(item, ExportStatus.FAILED, clock(), error=WRITE_FAILED)
        return Produced(task.id, "failed")


def _write_and_keep(
    record: ExportRecord,
    item: ExportItem,
    bucket: str,
    rules: RuleSetTimeline,
    clock: Callable[[], datetime],
    out_of_time: Callable[[], bool],
) -> Produced:
    progress = _Progress()
    query = record.query
    name = file_name(record.id, record.format, query.today)
    with tempfile.TemporaryDirectory(prefix="export-") as directory:
        path = Path(directory) / name
        sheet = open_sheet(path, record.format)
        pages = obligation_pages(query, rules, progress, first=PAGE_SIZE)
        written = write_rows(sheet, pages, max_rows=MAX_ROWS, out_of_time=out_of_time)
        size = path.stat().st_size
        key = f"{FILE_PREFIX}{record.id}.{record.format.value.lower()}"
        _upload(path, bucket, key, record.format, name)
    _finish(item, ExportStatus.READY, clock(), written=written, key=key, progress=progress)
    return Produced(
        record.id,
        "written",
        rows=written.rows,
        truncated=written.truncated,
        pages=progress.pages,
        queries=progress.queries,
        evaluated=progress.evaluated,
        bytes=size,
    )


def _upload(path: Path, bucket: str, key: str, export_format: ExportFormat, name: str) -> None:
    """The file, read from disk in parts (a multipart upload past 8 MB): memory stays flat."""
    clients.client("s3").upload_file(
        str(path),
        bucket,
        key,
        ExtraArgs={
            "ContentType": CONTENT_TYPES[export_format],
            "ContentDisposition": f'attachment; filename="{name}"',
        },
    )


def _item(record: ExportRecord) -> ExportItem:
    """The record's keys, for updates."""
    return ExportItem(owner=record.owner, id=record.id)


def _start_run(item: ExportItem, now: datetime) -> None:
    running = [ExportStatus.QUEUED.value, ExportStatus.RUNNING.value]
    with translated_errors():
        item.update(
            actions=[
                ExportItem.status.set(ExportStatus.RUNNING.value),
                ExportItem.started_at.set(now),
                ExportItem.attempts.add(1),
            ],
            condition=ExportItem.status.is_in(*running),
        )


def _requeue(item: ExportItem) -> None:
    with translated_errors():
        item.update(actions=[ExportItem.status.set(ExportStatus.QUEUED.value)])


def _finish(
    item: ExportItem,
    status: ExportStatus,
    now: datetime,
    *,
    error: str | None = None,
    written: Written | None = None,
    key: str | None = None,
    progress: _Progress | None = None,
) -> None:
    actions: list[Any] = [
        ExportItem.status.set(status.value),
        ExportItem.finished_at.set(now),
        ExportItem.expires_at.set(_expiry(now)),
    ]
    if error is not None:
        actions.append(ExportItem.error.set(error))
    if written is not None:
        actions += [
            ExportItem.row_count.set(written.rows),
            ExportItem.truncated.set(written.truncated),
        ]
    if key is not None:
        actions.append(ExportItem.object_key.set(key))
    if progress is not None:
        actions += [
            ExportItem.pages.set(progress.pages),
            ExportItem.evaluated.set(progress.evaluated),
        ]
    with translated_errors():
        item.update(actions=actions)
