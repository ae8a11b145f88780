"""Storage for reminders: the enterprises a sweep visits, each enterprise's reminders due on a
day (the sparse `by_remind` index), the batch that freezes them, the schedule moved forward,
and each contact's digest job.

A batch is what one enterprise is reminded of on one sweep day: written once (a conditional
put of its header, after its entries), so that a redelivered or concurrent task finds the same
list, and every contact's digest lists the same obligations. A job is one contact's digest of
one batch; its id derives from the batch and the address, and its status moves PENDING ->
ENQUEUED -> SENDING -> SENT (or EMPTY when nothing was left to say) with conditional writes,
which is what makes each digest go out once.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from msgspec import Struct
from pynamodb.transactions import TransactWrite

from compliance.calendar import WorkingDayCalendar
from compliance.errors import ConflictError, StoreUnavailableError
from compliance.obligations import ObligationRecord
from compliance.reminder_schedule import first_reminder_on
from compliance.rules import ObligationStatus
from compliance.store.counts import StatusChange, add_to_transaction
from compliance.store.models import (
    EnterpriseItem,
    ObligationItem,
    ReminderBatchItem,
    ReminderJobItem,
)
from compliance.store.reads import conditionally, translated_errors
from compliance.store.records import (
    NATIONAL_SHARDS,
    REMIND_SHARDS,
    obligation_from_item,
    open_partition,
    remind_pk,
    remind_sk,
    status_key,
)
from compliance.store.transactions import CONFLICT_RETRIES, commit

# Batches and jobs are kept for a quarter: long enough to answer "was I reminded?".
RETENTION = timedelta(days=90)
# How long one worker may hold a job while sending before another may take it over.
SEND_LEASE = timedelta(minutes=5)
# The most bytes of entries one row holds: DynamoDB refuses an item over 400 KB, and an entry's
# length varies with its ids and stage (about 100-115 bytes), so rows are cut by size.
ROW_BYTES = 300_000
# Concurrent writes when moving a large enterprise's schedule forward.
WRITERS = 16


# --- the enterprises a sweep visits ------------------------------------------------------------


def enterprise_ids() -> Iterator[str]:
    """The id of every enterprise (one Scan of the enterprises table's keys; its other rows,
    the manufacturer-code claims, carry no name)."""
    with translated_errors():
        for item in EnterpriseItem.scan(
            filter_condition=EnterpriseItem.name.exists(), attributes_to_get=["pk"]
        ):
            yield item.pk


# --- the reminders due ----------------------------------------------------------------------


class Due(Struct, frozen=True):
    records: list[ObligationRecord]
    remind_keys: dict[str, str]  # obligation id -> its `remind_sk` as read
    items_read: int


def due_for(enterprise: str, day: date) -> Due:
    """The enterprise's open obligations whose next reminder is due on or before `day`: one
    Query per shard of the sparse `by_remind` index (reading nothing else), then the items
    themselves read consistently. An index answers eventually: right after a gather moved an
    obligation forward, or a fulfilment closed it, the index may still show it due, and only the
    item says otherwise."""
    bound = f"{day.isoformat()}~"
    candidates: list[str] = []
    with translated_errors():
        for shard in range(REMIND_SHARDS):
            for item in ObligationItem.by_remind.query(
                f"{enterprise}#{shard}",
                range_key_condition=ObligationItem.remind_sk <= bound,
            ):
                candidates.append(item.id)
        records: list[ObligationRecord] = []
        keys: dict[str, str] = {}
        for item in ObligationItem.batch_get(sorted(set(candidates)), consistent_read=True):
            if item.remind_sk and item.responsible == enterprise and item.remind_sk <= bound:
                records.append(obligation_from_item(item))
                keys[item.id] = str(item.remind_sk)
    records.sort(key=lambda record: keys[record.id])
    return Due(records, keys, len(candidates))


# --- batches ----------------------------------------------------------------------------------


class Entry(Struct, frozen=True):
    """One obligation in a batch: the stage it is reminded of, and how its schedule moves."""

    obligation_id: str
    stage: str  # the stage key (compliance.reminder_schedule.Stage.key)
    sent_key: str  # what the obligation's stage history records
    read_key: str  # its `remind_sk` when the batch was made: the condition for moving it
    next_on: date  # its next reminder
    overdue: bool  # the sweep day is past its due day while it is stored OPEN
    # Its due date when the batch was made ("" for a standing duty): also a condition for moving
    # it, since a calendar load can move the due date and leave the next reminder date as it was.
    due: str = ""

    def line(self) -> str:
        flag = "1" if self.overdue else "0"
        fields = (self.obligation_id, self.stage, self.sent_key, self.read_key)
        return "\t".join((*fields, str(self.next_on), flag, self.due))

    @classmethod
    def parse(cls, line: str) -> Entry:
        oid, stage, sent_key, read_key, next_on, flag, due = line.split("\t")
        return cls(oid, stage, sent_key, read_key, date.fromisoformat(next_on), flag == "1", due)


class Batch(Struct, frozen=True):
    id: str
    sweep_date: date
    enterprise: str
    round: int
    entries: tuple[Entry, ...]
    status: str  # OPEN CLOSED


def batch_id(day: date, enterprise: str, round_: int) -> str:
    key = f"{day.isoformat()}\x1f{enterprise}\x1f{round_}"
    return "rb_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def batch_status(day: date, enterprise: str, round_: int) -> str | None:
    """The status of round `round_` of the enterprise's batch for `day` (None: not made)."""
    with translated_errors():
        try:
            header = ReminderBatchItem.get(
                batch_id(day, enterprise, round_),
                consistent_read=True,
                attributes_to_get=["job", "status"],
            )
        except ReminderBatchItem.DoesNotExist:
            return None
    return str(header.status)


def get_batch(identifier: str) -> Batch | None:
    """A batch with its entries (None: no such batch)."""
    with translated_errors():
        try:
            header = ReminderBatchItem.get(identifier, consistent_read=True)
        except ReminderBatchItem.DoesNotExist:
            return None
        return _batch(header)


def _batch(header: ReminderBatchItem) -> Batch:
    chunks = [f"{header.rows}#{n}" for n in range(int(header.chunks or 0))]
    rows = {row.job: row for row in ReminderBatchItem.batch_get(chunks, consistent_read=True)}
    if len(rows) != len(chunks):
        raise StoreUnavailableError(f"reminder batch {header.job} is missing entry rows")
    entries = tuple(
        Entry.parse(line)
        for key in chunks
        for line in (rows[key].entries or "").split("\n")
        if line
    )
    return Batch(
        id=header.job,
        sweep_date=date.fromisoformat(str(header.sweep_date)),
        enterprise=str(header.enterprise),
        round=int(header.round or 1),
        entries=entries,
        status=str(header.status),
    )


def entry_rows(entries: list[Entry]) -> list[str]:
    """The entries as the text of their rows, one entry per line, each row at most ROW_BYTES."""
    rows: list[str] = []
    lines: list[str] = []
    size = 0
    for entry in entries:
        line = entry.line()
        length = len(line.encode()) + 1
        if lines and size + length > ROW_BYTES:
            rows.append("\n".join(lines))
            lines, size = [], 0
        lines.append(line)
        size += length
    if lines:
        rows.append("\n".join(lines))
    return rows


def create_batch(
    day: date, enterprise: str, round_: int, entries: list[Entry], now: datetime
) -> Batch:
    """Store a new batch, or return the one a concurrent task stored first. Its entry rows are
    written first under a name of their own, so a writer that loses the race leaves only rows
    nobody reads (they expire) and never changes the winner's list."""
    identifier = batch_id(day, enterprise, round_)
    prefix = f"{identifier}#{uuid.uuid4().hex[:12]}"
    chunks = entry_rows(entries)
    expires = now + RETENTION
    with translated_errors(), ReminderBatchItem.batch_write() as writer:
        for n, chunk in enumerate(chunks):
            writer.save(
                ReminderBatchItem(
                    job=f"{prefix}#{n}",
                    entries=chunk,
                    expires_at=expires,
                )
            )
    header = ReminderBatchItem(
        job=identifier,
        sweep_date=day.isoformat(),
        enterprise=enterprise,
        round=round_,
        rows=prefix,
        chunks=len(chunks),
        status="OPEN",
        created_at=now,
        expires_at=expires,
    )
    if conditionally(lambda: header.save(condition=ReminderBatchItem.job.does_not_exist())):
        return Batch(identifier, day, enterprise, round_, tuple(entries), "OPEN")
    stored = get_batch(identifier)
    if stored is None:
        raise StoreUnavailableError(f"batch {identifier} exists and cannot be read")
    return stored


def close_batch(identifier: str) -> None:
    """Every entry's schedule moved and every contact's job queued: nothing left to redo."""
    with translated_errors():
        ReminderBatchItem(job=identifier).update(
            actions=[ReminderBatchItem.status.set("CLOSED")],
            condition=ReminderBatchItem.job.exists(),
        )


# --- moving the schedule forward ----------------------------------------------------------------


class Moved(Struct, frozen=True):
    moved: int = 0
    marked_overdue: int = 0
    skipped: int = 0  # closed, rescheduled or already moved since the batch was made


def move_forward(
    entries: Iterable[Entry], now: datetime, *, enterprise: str, schedule: bool = True
) -> Moved:
    """Record each entry's stage on its obligation (of `enterprise`) and set its next reminder,
    turning it OVERDUE where due; each write only if the obligation's schedule and due date are
    still as the batch read them, so a repeat changes nothing and a fulfilment or a calendar
    load since wins. With `schedule` False (nobody to remind) only the OVERDUE transitions are
    written."""
    if not schedule:
        entries = [entry for entry in entries if entry.overdue]
    connection = ObligationItem._get_connection()
    connection.connection.client  # noqa: B018 - build the shared client before the threads use it
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        outcomes = list(
            pool.map(lambda e: _move_one(connection, e, now, schedule, enterprise), entries)
        )
    return Moved(
        moved=sum(1 for o in outcomes if o is not None),
        marked_overdue=sum(1 for o in outcomes if o),
        skipped=sum(1 for o in outcomes if o is None),
    )


def _move_one(
    connection: Any, entry: Entry, now: datetime, schedule: bool, enterprise: str
) -> bool | None:
    """True: moved and marked overdue; False: moved; None: left alone."""
    item = ObligationItem
    actions: list[Any] = [
        item.remind_sk.set(remind_sk(entry.next_on, entry.obligation_id)),
        item.reminders_sent.add({entry.sent_key}),
    ]
    condition = item.remind_sk == entry.read_key
    condition &= (item.due_date == entry.due) if entry.due else item.due_date.does_not_exist()
    if not schedule:
        # Only the change of status: the schedule stays where it is (nobody was reminded).
        actions = []
    if entry.overdue:
        # A change of status is a change of the duty: it moves the version (and so races a
        # fulfilment read before it, which then reads again), its time, its place in the
        # status-ordered indexes, and the counts, in one transaction.
        due = date.fromisoformat(entry.due) if entry.due else None
        overdue = ObligationStatus.OVERDUE
        actions += [
            item.status.set(overdue.value),
            item.status_key.set(status_key(overdue, due, entry.obligation_id)),
            item.open_partition.set(str(open_partition(overdue, entry.obligation_id))),
            item.updated_at.set(now),
        ]
        condition &= item.status == ObligationStatus.OPEN.value
        change = StatusChange(enterprise, ObligationStatus.OPEN, overdue, provisional=False)
        attempts = iter(range(CONFLICT_RETRIES + 1))

        def build(tx: TransactWrite) -> None:
            # The version moves without being a condition (the batch read no version; the
            # schedule, due date and status conditions are what must still hold).
            tx.update(
                ObligationItem(entry.obligation_id, version=0),
                actions=list(actions),
                condition=condition,
                add_version_condition=False,
            )
            # Another shard on each retry: the gather's writers share the enterprise's counts.
            add_to_transaction(tx, [change], entry.obligation_id, next(attempts))

        try:
            commit(build, conflict="changed since the batch read it")
        except ConflictError:
            return None
        return True
    if not conditionally(
        lambda: connection.update_item(entry.obligation_id, actions=actions, condition=condition)
    ):
        return None
    return entry.overdue


# --- jobs: one contact's digest of one batch ------------------------------------------------


def job_id(batch: str, email: str) -> str:
    key = f"{batch}\x1f{email.lower()}"
    return "rj_" + hashlib.sha256(key.encode()).hexdigest()[:24]


class Job(Struct, frozen=True):
    id: str
    batch: str
    sweep_date: date
    enterprise: str
    email: str
    language: str
    status: str
    attempts: int
    message_id: str | None
    items: int | None = None


def _job(item: ReminderJobItem) -> Job:
    return Job(
        id=item.job,
        batch=item.batch,
        sweep_date=date.fromisoformat(item.sweep_date),
        enterprise=item.enterprise,
        email=item.email,
        language=item.language,
        status=item.status,
        attempts=int(item.attempts or 0),
        message_id=item.message_id,
        items=int(item.items) if item.items is not None else None,
    )


def create_job(job: Job, now: datetime) -> Job:
    """Store a new PENDING job; if it exists already, return the stored one instead."""
    item = ReminderJobItem(
        job=job.id,
        batch=job.batch,
        sweep_date=job.sweep_date.isoformat(),
        enterprise=job.enterprise,
        email=job.email,
        language=job.language,
        status="PENDING",
        attempts=0,
        created_at=now,
        updated_at=now,
        expires_at=now + RETENTION,
    )
    if conditionally(item.save):  # a new item: saved only if no job has this id yet
        return _job(item)
    existing = get_job(job.id)
    if existing is None:
        raise StoreUnavailableError(f"job {job.id} exists and cannot be read")
    return existing


def get_job(identifier: str) -> Job | None:
    if not identifier.startswith("rj_"):
        return None  # a batch row or anything else is not a job
    with translated_errors():
        try:
            return _job(ReminderJobItem.get(identifier, consistent_read=True))
        except ReminderJobItem.DoesNotExist:
            return None


def _move(identifier: str, condition: object, actions: list[object], what: str) -> None:
    item = ReminderJobItem(job=identifier)
    written = conditionally(
        lambda: item.update(
            actions=actions,  # type: ignore[arg-type]
            condition=condition,  # type: ignore[arg-type]
            add_version_condition=False,
        )
    )
    if not written:
        raise ConflictError(f"job {identifier} could not be {what}")


def mark_enqueued(identifier: str, now: datetime) -> None:
    _move(
        identifier,
        ReminderJobItem.status == "PENDING",
        [ReminderJobItem.status.set("ENQUEUED"), ReminderJobItem.updated_at.set(now)],
        "marked enqueued",
    )


def claim(identifier: str, now: datetime) -> None:
    """Take the job for sending. Fails (ConflictError) when it is sent, empty, or being sent by
    another worker whose lease has not run out."""
    waiting = ReminderJobItem.status.is_in("PENDING", "ENQUEUED")
    abandoned = (ReminderJobItem.status == "SENDING") & (ReminderJobItem.lease_until < now)
    _move(
        identifier,
        waiting | abandoned,
        [
            ReminderJobItem.status.set("SENDING"),
            ReminderJobItem.lease_until.set(now + SEND_LEASE),
            ReminderJobItem.attempts.add(1),
            ReminderJobItem.updated_at.set(now),
        ],
        "claimed",
    )


def release(identifier: str, now: datetime) -> None:
    """Give a job back after a failed send, so that the queue's retry can take it at once."""
    _move(
        identifier,
        ReminderJobItem.status == "SENDING",
        [ReminderJobItem.status.set("ENQUEUED"), ReminderJobItem.updated_at.set(now)],
        "released",
    )


def finish(identifier: str, now: datetime, message_id: str | None, items: int) -> None:
    """SENT with the provider's message id and how many obligations it listed, or EMPTY when
    nothing was left to remind of."""
    _move(
        identifier,
        ReminderJobItem.status == "SENDING",
        [
            ReminderJobItem.status.set("SENT" if message_id else "EMPTY"),
            ReminderJobItem.message_id.set(message_id)
            if message_id
            else ReminderJobItem.message_id.remove(),
            ReminderJobItem.items.set(items),
            ReminderJobItem.updated_at.set(now),
        ],
        "finished",
    )


def current(obligation_ids: list[str]) -> dict[str, ObligationRecord]:
    """The obligations as they are now (consistent BatchGets, a hundred keys each)."""
    if not obligation_ids:
        return {}
    with translated_errors():
        return {
            item.id: obligation_from_item(item)
            for item in ObligationItem.batch_get(sorted(set(obligation_ids)), consistent_read=True)
        }


# --- schedules of obligations stored before they had one ------------------------------------


def _open_items() -> Iterator[ObligationItem]:
    for status in (ObligationStatus.OPEN, ObligationStatus.OVERDUE):
        for shard in range(NATIONAL_SHARDS):
            yield from ObligationItem.open_by_due.query(f"{status.value}#{shard}")


def backfill_schedules(calendar: WorkingDayCalendar) -> int:
    """Give every open obligation without a next reminder date its first one (counted from its
    event, as a new one gets it), so that a table written before the reminder index existed
    is reminded of like any other. Reads the sparse open index once; writes only where the
    date is missing, and only if it is still missing (a re-run changes nothing). Returns how
    many it set."""
    connection = ObligationItem._get_connection()
    written = 0
    with translated_errors():
        for item in _open_items():
            if item.remind_sk:
                continue
            due = date.fromisoformat(item.due_date) if item.due_date else None
            first = first_reminder_on(due, date.fromisoformat(item.trigger_date), calendar)
            actions = [
                ObligationItem.remind_pk.set(remind_pk(item.responsible, item.id)),
                ObligationItem.remind_sk.set(remind_sk(first, item.id)),
            ]
            still_missing = (
                ObligationItem.remind_sk.does_not_exist() & ObligationItem.open_partition.exists()
            )
            write = partial(
                connection.update_item, item.id, actions=actions, condition=still_missing
            )
            written += conditionally(write)
    return written
