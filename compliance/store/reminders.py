"""Storage for reminders: the sweep's read of open obligations, overdue transitions, digest jobs
and the record of which reminder stages were sent.

A job is one digest (or one numbered part of it) for one contact on one sweep day; its id is
derived from those and the part number, so a sweep that runs twice (or is re-run after an
interruption) finds the jobs it already made. The
job's status moves PENDING -> ENQUEUED -> SENDING -> SENT (or EMPTY when nothing was left to
say) with conditional writes, which is what makes each digest go out once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from botocore.exceptions import BotoCoreError
from msgspec import Struct
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError

from compliance.errors import ConflictError, StoreUnavailableError
from compliance.obligations import ObligationRecord
from compliance.rules import ObligationStatus
from compliance.store.models import JobItemMap, ObligationItem, ReminderJobItem
from compliance.store.reads import translated_errors
from compliance.store.records import OPEN_PARTITION, obligation_from_item

# Job records are kept for a quarter: long enough to answer "was I reminded?".
JOB_RETENTION = timedelta(days=90)
# How long one worker may hold a job while sending before another may take it over.
SEND_LEASE = timedelta(minutes=5)


class OpenInHorizon(Struct, frozen=True):
    records: list[ObligationRecord]
    sent: dict[str, frozenset[str]]  # obligation id -> reminder stages already sent
    items_read: int


def open_due_by(last_due: date) -> OpenInHorizon:
    """Every open or overdue obligation due on or before `last_due`: one Query on the sparse
    open index, so closed obligations and later deadlines are never read."""
    records: list[ObligationRecord] = []
    sent: dict[str, frozenset[str]] = {}
    with translated_errors():
        for item in ObligationItem.open_by_due.query(
            OPEN_PARTITION, range_key_condition=ObligationItem.due_key <= f"{last_due}~"
        ):
            records.append(obligation_from_item(item))
            sent[item.id] = frozenset(item.reminders_sent or ())
    return OpenInHorizon(records, sent, len(records))


def mark_overdue(record: ObligationRecord, now: datetime) -> bool:
    """OPEN -> OVERDUE, only if nobody changed the obligation since it was read. A lost race
    (a fulfilment, say) is not an error: the other change wins and the sweep moves on."""
    item = ObligationItem(id=record.id)
    item.version = record.version
    try:
        item.update(
            actions=[
                ObligationItem.status.set(ObligationStatus.OVERDUE.value),
                ObligationItem.updated_at.set(now),
            ],
            condition=ObligationItem.status == ObligationStatus.OPEN.value,
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise StoreUnavailableError(f"DynamoDB update failed: {error}") from error
    except (PynamoDBException, BotoCoreError) as error:
        raise StoreUnavailableError(f"DynamoDB request failed: {error}") from error
    return True


def record_sent(obligation_id: str, stage_keys: Iterable[str], now: datetime) -> None:
    """Add sent stages to an obligation. Adding to a set is idempotent, so this needs no
    version check; it also leaves the version alone (a model-level update would reset it),
    since which reminders went out is not part of the duty that fulfilments race over."""
    keys = set(stage_keys)
    if not keys:
        return
    with translated_errors():
        ObligationItem._get_connection().update_item(
            obligation_id,
            actions=[ObligationItem.reminders_sent.add(keys), ObligationItem.updated_at.set(now)],
            condition=ObligationItem.id.exists(),
        )


def job_id(sweep_date: date, enterprise: str, email: str, part: int = 1) -> str:
    """Part `part` of one contact's digest of one sweep day (part 1 keeps the id it had before
    digests came in parts)."""
    key = f"{sweep_date.isoformat()}\x1f{enterprise}\x1f{email.lower()}"
    if part != 1:
        key += f"\x1f{part}"
    return "rj_" + hashlib.sha256(key.encode()).hexdigest()[:24]


class Job(Struct, frozen=True):
    id: str
    sweep_date: date
    enterprise: str
    email: str
    language: str
    items: tuple[tuple[str, str], ...]  # (obligation id, stage key)
    status: str
    attempts: int
    message_id: str | None
    part: int = 1  # this digest's place among the contact's digests of the day
    parts: int = 1


def _job(item: ReminderJobItem) -> Job:
    return Job(
        id=item.job,
        sweep_date=date.fromisoformat(item.sweep_date),
        enterprise=item.enterprise,
        email=item.email,
        language=item.language,
        items=tuple((i.obligation_id, i.stage) for i in item.items),
        status=item.status,
        attempts=int(item.attempts or 0),
        message_id=item.message_id,
        part=int(item.part or 1),
        parts=int(item.parts or 1),
    )


def create_job(job: Job, now: datetime) -> Job:
    """Store a new PENDING job; if the sweep made it already, return the stored one instead."""
    item = ReminderJobItem(
        job=job.id,
        sweep_date=job.sweep_date.isoformat(),
        enterprise=job.enterprise,
        email=job.email,
        language=job.language,
        items=[JobItemMap(obligation_id=o, stage=s) for o, s in job.items],
        part=job.part,
        parts=job.parts,
        status="PENDING",
        attempts=0,
        created_at=now,
        updated_at=now,
        expires_at=now + JOB_RETENTION,
    )
    try:
        item.save()  # a new item: saved only if no job has this id yet
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise StoreUnavailableError(f"DynamoDB put failed: {error}") from error
        existing = get_job(job.id)
        if existing is None:
            raise StoreUnavailableError(f"job {job.id} exists and cannot be read") from error
        return existing
    except (PynamoDBException, BotoCoreError) as error:
        raise StoreUnavailableError(f"DynamoDB request failed: {error}") from error
    return _job(item)


def get_job(identifier: str) -> Job | None:
    with translated_errors():
        try:
            return _job(ReminderJobItem.get(identifier, consistent_read=True))
        except ReminderJobItem.DoesNotExist:
            return None


def _move(identifier: str, condition: object, actions: list[object], what: str) -> None:
    item = ReminderJobItem(job=identifier)
    try:
        item.update(
            actions=actions,  # type: ignore[arg-type]
            condition=condition,  # type: ignore[arg-type]
            add_version_condition=False,
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise ConflictError(f"job {identifier} could not be {what}") from error
        raise StoreUnavailableError(f"DynamoDB update failed: {error}") from error
    except (PynamoDBException, BotoCoreError) as error:
        raise StoreUnavailableError(f"DynamoDB request failed: {error}") from error


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


def finish(identifier: str, now: datetime, message_id: str | None) -> None:
    """SENT with the provider's message id, or EMPTY when nothing was left to remind of."""
    _move(
        identifier,
        ReminderJobItem.status == "SENDING",
        [
            ReminderJobItem.status.set("SENT" if message_id else "EMPTY"),
            ReminderJobItem.message_id.set(message_id)
            if message_id
            else ReminderJobItem.message_id.remove(),
            ReminderJobItem.updated_at.set(now),
        ],
        "finished",
    )


def current(
    obligation_ids: list[str],
) -> tuple[dict[str, ObligationRecord], dict[str, frozenset[str]]]:
    """The obligations as they are now (one consistent BatchGet), with their sent stages."""
    if not obligation_ids:
        return {}, {}
    records: dict[str, ObligationRecord] = {}
    sent: dict[str, frozenset[str]] = {}
    with translated_errors():
        for item in ObligationItem.batch_get(sorted(set(obligation_ids)), consistent_read=True):
            records[item.id] = obligation_from_item(item)
            sent[item.id] = frozenset(item.reminders_sent or ())
    return records, sent
