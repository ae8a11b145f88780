"""The daily sweep and the delivery of its digests: what functions/sweep.py and
functions/remind.py run.

Sweep (once a day, for a given China date): queue one gather task per enterprise. It reads no
obligation; the work fans out through the reminder queue.

Gather (per enterprise and day): read the enterprise's obligations whose next reminder is due
(the sparse `by_remind` index, nothing else), freeze them with their stages in a batch, move
each one's schedule forward (recording the stage on it, turning it OVERDUE the day after its
due day), then queue one digest job per contact. A redelivered or repeated task finds its batch
and finishes it; a re-run of the day later adds a round for what arose since, and nothing twice.

Deliver (per contact job): take the job, read its batch's obligations as they are now, drop
those fulfilled or waived since, render the digest in the contact's language, send it, and close
the job. A job already sent is never sent again, however often the queue delivers it; every
contact has a job of their own, so each is reminded of each stage once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from msgspec import Struct

from compliance.calendar import WorkingDayCalendar
from compliance.enterprises import Enterprise
from compliance.errors import ConflictError, StoreUnavailableError
from compliance.mail import Digest, DigestItem, RenderedEmail, render_digest
from compliance.obligations import ObligationRecord
from compliance.reminder_schedule import next_reminder_on, stage_for
from compliance.rule_timeline import RuleSetTimeline
from compliance.rules import ObligationStatus
from compliance.store import reads
from compliance.store import reminders as store
from compliance.store.reminders import Entry
from compliance.store.rescheduling import Page, page_of

Enqueue = Callable[[Sequence[dict[str, Any]]], None]
Send = Callable[[str, RenderedEmail, datetime], str]
# Pauses between tries of recording a sent digest (seconds); the last try follows the last one.
RECORD_PAUSES = (0.2, 1.0, 3.0)

# --- the queue's messages ---------------------------------------------------------------------


class Gather(Struct, frozen=True):
    day: date
    enterprise: str


class DeliverJob(Struct, frozen=True):
    job: str


def gather_message(day: date, enterprise: str) -> dict[str, Any]:
    return {"gather": {"day": day.isoformat(), "enterprise": enterprise}}


def job_message(job: str) -> dict[str, Any]:
    return {"job": job}


class UnknownJobError(ValueError):
    """The message names no reminder task: it cannot ever succeed (it goes to the dead-letter
    queue)."""


def task_of(body: str) -> Gather | DeliverJob | Page:
    """The task a queue message carries, or UnknownJobError saying what is wrong with it. The
    queue also carries the pages of a calendar load's rescheduling (`reschedule`,
    compliance/store/rescheduling.py)."""
    try:
        message = json.loads(body)
    except json.JSONDecodeError:
        message = None
    if isinstance(message, dict):
        job = message.get("job")
        if isinstance(job, str) and job:
            return DeliverJob(job)
        if "reschedule" in message and (page := page_of(message["reschedule"])) is not None:
            return page
        task = message.get("gather")
        if isinstance(task, dict):
            enterprise, day = task.get("enterprise"), task.get("day")
            if isinstance(enterprise, str) and enterprise and isinstance(day, str):
                try:
                    return Gather(date.fromisoformat(day), enterprise)
                except ValueError:
                    pass
    raise UnknownJobError(f"the message names no reminder task: {body[:200]!r}")


# --- sweep ----------------------------------------------------------------------------------


class SweepReport(Struct):
    sweep_date: date
    enterprises_queued: int = 0


def sweep(today: date, *, enqueue: Enqueue) -> SweepReport:
    """Queue the day's gather task of every enterprise, ten to a queue call."""
    report = SweepReport(sweep_date=today)
    pending: list[dict[str, Any]] = []
    for enterprise in store.enterprise_ids():
        pending.append(gather_message(today, enterprise))
        if len(pending) == 10:
            enqueue(pending)
            report.enterprises_queued += len(pending)
            pending = []
    if pending:
        enqueue(pending)
        report.enterprises_queued += len(pending)
    return report


# --- gather ---------------------------------------------------------------------------------


class Gathered(Struct):
    sweep_date: date
    enterprise: str
    items_read: int = 0
    reminders_due: int = 0
    marked_overdue: int = 0
    jobs_enqueued: int = 0
    rounds: int = 0
    without_contacts: bool = False


def gather(
    day: date,
    enterprise: str,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    enqueue: Enqueue,
) -> Gathered:
    report = Gathered(sweep_date=day, enterprise=enterprise)
    round_ = 1
    while (status := store.batch_status(day, enterprise, round_)) is not None:
        if status != "CLOSED":  # an earlier attempt stopped part way: finish it first
            batch = store.get_batch(store.batch_id(day, enterprise, round_))
            assert batch is not None
            _apply(batch, now, enqueue, report)
        round_ += 1
    due = store.due_for(enterprise, day)
    report.items_read = due.items_read
    entries = [
        entry_for(record, due.remind_keys[record.id], day, calendar) for record in due.records
    ]
    if not entries:
        return report
    known = reads.enterprise(enterprise)
    if known is None or not known.contacts:
        # Nobody to remind: the schedule stays where it is, so the first contact added hears
        # of every stage due from then on (the metric and its alarm say who has none). Only
        # the day's OVERDUE transitions are written.
        report.without_contacts = True
        report.reminders_due = sum(1 for entry in entries if entry.stage)
        moved = store.move_forward(entries, now, enterprise=enterprise, schedule=False)
        report.marked_overdue += moved.marked_overdue
        return report
    batch = store.create_batch(day, enterprise, round_, entries, now)
    _apply(batch, now, enqueue, report, known)
    return report


def entry_for(record: ObligationRecord, read_key: str, day: date, cal: WorkingDayCalendar) -> Entry:
    """What the gather of `day` does with an obligation it read (its `remind_sk` as
    `read_key`): the stage it reminds of, and where the schedule moves."""
    deadline = record.obligation.deadline
    due = deadline.due_date if deadline else None
    stage = stage_for(due, day, cal)
    if stage is None:
        # Its date came before its first stage (a schedule set under another policy): it is
        # only moved to where its first stage begins.
        following = next_reminder_on(due, day, cal)
        return Entry(record.id, "", "", read_key, following, False, _iso(due))
    return Entry(
        obligation_id=record.id,
        stage=stage.key,
        sent_key=f"{due.isoformat()}:{stage.key}" if due else stage.key,
        read_key=read_key,
        next_on=next_reminder_on(due, day, cal),
        overdue=due is not None and due < day and record.stored_status is ObligationStatus.OPEN,
        due=_iso(due),
    )


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _apply(
    batch: store.Batch,
    now: datetime,
    enqueue: Enqueue,
    report: Gathered,
    enterprise: Enterprise | None = None,
) -> None:
    """Move the batch's obligations forward and queue each contact's job; then close it. Every
    step may be repeated: the moves are conditional and the jobs have fixed ids."""
    moved = store.move_forward(batch.entries, now, enterprise=batch.enterprise)
    report.marked_overdue += moved.marked_overdue
    report.rounds += 1
    reminded = sum(1 for entry in batch.entries if entry.stage)
    report.reminders_due += reminded
    enterprise = enterprise or reads.enterprise(batch.enterprise)
    contacts = enterprise.contacts if enterprise else ()
    if reminded and not contacts:
        report.without_contacts = True
    messages: list[dict[str, Any]] = []
    created: list[str] = []
    seen: set[str] = set()
    for contact in contacts if reminded else ():
        if contact.email.lower() in seen:
            continue
        seen.add(contact.email.lower())
        job = store.create_job(
            store.Job(
                id=store.job_id(batch.id, contact.email),
                batch=batch.id,
                sweep_date=batch.sweep_date,
                enterprise=batch.enterprise,
                email=contact.email,
                language=contact.language,
                status="PENDING",
                attempts=0,
                message_id=None,
            ),
            now,
        )
        if job.status == "PENDING":
            messages.append(job_message(job.id))
            created.append(job.id)
    if messages:
        enqueue(messages)
        for identifier in created:
            store.mark_enqueued(identifier, now)
        report.jobs_enqueued += len(created)
    store.close_batch(batch.id)


# --- deliver --------------------------------------------------------------------------------


class Delivery(Struct, frozen=True):
    job_id: str
    outcome: str  # SENT, EMPTY, ALREADY_DONE
    message_id: str | None = None
    obligations: int = 0


def deliver(
    job_id: str,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    send: Send,
    rules: RuleSetTimeline,
    link_template: str,
) -> Delivery:
    """Send job ``job_id``'s digest once, its links made from ``link_template`` (``{id}``)."""
    job = store.get_job(job_id)
    if job is None:
        raise UnknownJobError(f"no reminder job {job_id!r}")
    if job.status in ("SENT", "EMPTY"):
        return Delivery(job.id, "ALREADY_DONE", job.message_id, job.items or 0)
    try:
        store.claim(job_id, now)
    except ConflictError:
        latest = store.get_job(job_id)
        if latest is not None and latest.status in ("SENT", "EMPTY"):
            return Delivery(latest.id, "ALREADY_DONE", latest.message_id, latest.items or 0)
        raise  # another worker holds it: let the queue try again later
    try:
        digest = _digest(job, calendar, rules, link_template)
        if not digest.items:
            store.finish(job_id, now, None, 0)
            return Delivery(job_id, "EMPTY")
        message_id = send(job.email, render_digest(digest), now)
    except Exception:
        store.release(job_id, now)
        raise
    _record_sent(job_id, now, message_id, len(digest.items))
    return Delivery(job_id, "SENT", message_id, len(digest.items))


def _record_sent(job_id: str, now: datetime, message_id: str, items: int) -> None:
    """Close a job whose email SES accepted. Giving it back to the queue now would send the
    email again, so a failing write is tried again here (with growing pauses) before giving up.
    Only if the process dies or DynamoDB stays unavailable through every try does the job's
    lease run out and the digest go out a second time: a contact may then get it twice, never
    not at all."""
    for pause in RECORD_PAUSES:
        try:
            store.finish(job_id, now, message_id, items)
            return
        except StoreUnavailableError:
            time.sleep(pause)
    store.finish(job_id, now, message_id, items)


def _digest(
    job: store.Job, calendar: WorkingDayCalendar, rules: RuleSetTimeline, link: str
) -> Digest:
    """The batch's obligations as they are now (consistent reads): those still open, at the
    stage their due date gives on the sweep day (a calendar load may have moved it)."""
    batch = store.get_batch(job.batch)
    entries = [entry for entry in batch.entries if entry.stage] if batch else []
    current = store.current([entry.obligation_id for entry in entries])
    enterprise = reads.enterprise(job.enterprise)
    items: list[DigestItem] = []
    for entry in entries:
        record = current.get(entry.obligation_id)
        if record is None or not record.is_open or record.fulfilled_on is not None:
            continue
        obligation = record.obligation
        due = obligation.deadline.due_date if obligation.deadline else None
        stage = stage_for(due, job.sweep_date, calendar)
        if stage is None:
            continue
        rule = rules.rule(obligation.rule_set_id, obligation.rule_id)
        items.append(
            DigestItem(
                obligation_id=record.id,
                rule_id=obligation.rule_id,
                rule_name_zh=rule.name_zh if rule else obligation.rule_id,
                rule_name_en=rule.name_en if rule else obligation.rule_id,
                subject_kind=obligation.subject_kind.value,
                subject_id=obligation.subject_id,
                trigger_date=obligation.trigger_date,
                due_date=due,
                provisional=bool(obligation.deadline and obligation.deadline.provisional),
                due_on_makeup_workday=due is not None
                and due.weekday() >= 5
                and calendar.is_working_day(due),
                stage=stage,
                link=link.format(id=record.id),
                confidence=rule.confidence if rule else "C",
            )
        )
    return Digest(
        enterprise_id=job.enterprise,
        enterprise_name=enterprise.name if enterprise else job.enterprise,
        recipient=job.email,
        language=job.language,
        sweep_date=job.sweep_date,
        items=tuple(items),
    )


__all__ = [
    "DeliverJob",
    "Delivery",
    "Gather",
    "Gathered",
    "SweepReport",
    "UnknownJobError",
    "deliver",
    "entry_for",
    "gather",
    "sweep",
    "task_of",
]
