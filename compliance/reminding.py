"""The daily sweep and the delivery of its digests: what functions/sweep.py and
functions/remind.py run.

Sweep (once a day, for a given China date): read the open obligations inside the reminder
horizon, move those past their due day to OVERDUE, and make each enterprise contact's digest
jobs (numbered parts of at most DIGEST_ITEMS_MAX obligations) for the obligations whose current
reminder stage has not been sent; enqueue each job.

Deliver (per queued job): take the job, re-read its obligations, drop those fulfilled or waived
since the sweep (or whose stage went out meanwhile), render the digest in the contact's
language, send it, record the stages as sent, and close the job. A job already sent is never
sent again, however often the queue delivers it.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime

from msgspec import Struct, field

from compliance import reminders
from compliance.calendar import WorkingDayCalendar
from compliance.enterprises import Contact
from compliance.errors import ConflictError
from compliance.mail import Digest, DigestItem, render_digest
from compliance.obligations import ObligationRecord
from compliance.reminders import DEFAULT_POLICY, Stage, horizon_end, stage_on
from compliance.rules import ObligationStatus, RuleSet, load_rule_set
from compliance.store import reads
from compliance.store import reminders as store

OPEN = {ObligationStatus.OPEN, ObligationStatus.OVERDUE}


def stage_key(record: ObligationRecord, stage: Stage) -> str:
    return f"{_due(record).isoformat()}:{stage.key}"


class SweepReport(Struct):
    sweep_date: date
    horizon_end: date
    items_read: int = 0
    marked_overdue: int = 0
    reminders_due: int = 0
    jobs_enqueued: int = 0
    jobs_already_done: int = 0
    enterprises_without_contacts: list[str] = field(default_factory=list)


def sweep(
    today: date,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    enqueue: Callable[[str], None],
) -> SweepReport:
    end = horizon_end(today, calendar, DEFAULT_POLICY)
    report = SweepReport(sweep_date=today, horizon_end=end)
    found = store.open_due_by(end)
    report.items_read = found.items_read
    due: dict[str, list[tuple[ObligationRecord, str]]] = defaultdict(list)
    for record in found.records:
        deadline = record.obligation.deadline
        if deadline is None:
            continue
        if deadline.due_date < today and record.stored_status is ObligationStatus.OPEN:
            report.marked_overdue += store.mark_overdue(record, now)
        stage = stage_on(deadline.due_date, today, calendar)
        if stage is None or stage_key(record, stage) in found.sent[record.id]:
            continue
        due[record.obligation.responsible_enterprise].append((record, stage.key))
        report.reminders_due += 1
    enterprises = reads.enterprises(due)
    jobs = _Jobs(today, now, enqueue, report)
    for enterprise_id, entries in sorted(due.items()):
        enterprise = enterprises.get(enterprise_id)
        if enterprise is None or not enterprise.contacts:
            report.enterprises_without_contacts.append(enterprise_id)
            continue
        ordered = sorted(entries, key=lambda entry: (_due(entry[0]), entry[0].id))
        for contact in enterprise.contacts:
            jobs.cover(enterprise_id, contact, ordered)
    return report


class _Jobs(Struct):
    """The reminder jobs of one sweep: its day and clock, the queue and the report they share."""

    today: date
    now: datetime
    enqueue: Callable[[str], None]
    report: SweepReport

    def cover(
        self, enterprise_id: str, contact: Contact, entries: list[tuple[ObligationRecord, str]]
    ) -> None:
        """Put every one of a contact's reminders of the day (earliest deadline first) in one
        of its numbered digests, at most DIGEST_ITEMS_MAX each. A re-run of the day finds the
        parts it made before, whatever they hold (the list may have grown or shrunk since), and
        puts only what none of them holds in new parts after them: no obligation is in two."""
        remaining, number = entries, 1
        while remaining:
            size = reminders.DIGEST_ITEMS_MAX
            parts = number - 1 + -(-len(remaining) // size)
            held = self.make(enterprise_id, contact, remaining[:size], number, parts)
            remaining = [entry for entry in remaining if entry[0].id not in held]
            number += 1

    def make(
        self,
        enterprise_id: str,
        contact: Contact,
        entries: list[tuple[ObligationRecord, str]],
        part: int,
        parts: int,
    ) -> set[str]:
        """Store part `part` of `parts`, or find the one a run of the same day made, and
        enqueue it if it is new; the ids of the obligations the stored job holds."""
        job = store.create_job(
            store.Job(
                id=store.job_id(self.today, enterprise_id, contact.email, part),
                sweep_date=self.today,
                enterprise=enterprise_id,
                email=contact.email,
                language=contact.language,
                items=tuple((record.id, stage) for record, stage in entries),
                status="PENDING",
                attempts=0,
                message_id=None,
                part=part,
                parts=parts,
            ),
            self.now,
        )
        if job.status != "PENDING":
            self.report.jobs_already_done += 1
        else:
            self.enqueue(job.id)
            store.mark_enqueued(job.id, self.now)
            self.report.jobs_enqueued += 1
        return {obligation_id for obligation_id, _ in job.items}


def _due(record: ObligationRecord) -> date:
    deadline = record.obligation.deadline
    assert deadline is not None  # only dated obligations are in the horizon
    return deadline.due_date


class Delivery(Struct, frozen=True):
    job_id: str
    outcome: str  # SENT, EMPTY, ALREADY_DONE
    message_id: str | None = None
    obligations: int = 0


class UnknownJobError(ValueError):
    """The message names no job: it cannot ever succeed (it goes to the dead-letter queue)."""


def deliver(
    job_id: str,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    send: Callable[[str, str, str, str], str],
    rule_set: RuleSet | None = None,
) -> Delivery:
    job = store.get_job(job_id)
    if job is None:
        raise UnknownJobError(f"no reminder job {job_id!r}")
    rules = rule_set or _rule_set()
    if job.status in ("SENT", "EMPTY"):
        return _already_done(job, now, calendar, rules)
    try:
        store.claim(job_id, now)
    except ConflictError:
        latest = store.get_job(job_id)
        if latest is not None and latest.status in ("SENT", "EMPTY"):
            return _already_done(latest, now, calendar, rules)
        raise  # another worker holds it: let the queue try again later
    try:
        digest, keys = _digest(job, calendar, rules)
        if not digest.items:
            store.finish(job_id, now, None)
            return Delivery(job_id, "EMPTY")
        rendered = render_digest(digest)
        message_id = send(job.email, rendered.subject, rendered.text, rendered.html)
    except Exception:
        store.release(job_id, now)
        raise
    # The job is closed first, in one write, because it is what stops a redelivered message
    # from sending again: between SES accepting the email and this write, a crash is the one
    # way a contact can get a digest twice. The stages recorded next keep later sweeps from
    # reminding of these obligations at the same stage; if they fail half-way, the message is
    # redelivered and _already_done records the rest.
    store.finish(job_id, now, message_id)
    _record_stages(keys, now)
    return Delivery(job_id, "SENT", message_id, len(digest.items))


def _already_done(
    job: store.Job, now: datetime, calendar: WorkingDayCalendar, rule_set: RuleSet
) -> Delivery:
    """A job already closed sends nothing. A sent one records again the stages of what it
    listed that are still unrecorded (a delivery that stopped between closing the job and
    recording them): recording is idempotent, and without it a later day's sweep would remind
    of those obligations at a stage already sent."""
    if job.status == "SENT":
        _, unrecorded = _digest(job, calendar, rule_set)
        _record_stages(unrecorded, now)
    return Delivery(job.id, "ALREADY_DONE", job.message_id)


def _record_stages(keys: list[tuple[str, str]], now: datetime) -> None:
    for obligation_id, key in keys:
        store.record_sent(obligation_id, [key], now)


def _rule_set() -> RuleSet:
    return load_rule_set(
        os.environ.get("RULE_SET_ID", "CN-MIIT-2023-DRAFT"),
        os.environ.get("RULE_PERIOD_OVERRIDES", ""),
    )


def _digest(
    job: store.Job, calendar: WorkingDayCalendar, rule_set: RuleSet
) -> tuple[Digest, list[tuple[str, str]]]:
    """The job's obligations as they are now (consistent reads): only those still open whose
    stage on the sweep day has not been sent by an earlier digest."""
    current, sent = store.current([oid for oid, _ in job.items])
    enterprise = reads.enterprise(job.enterprise)
    link = os.environ.get("APP_OBLIGATION_URL", "https://compliance.example.cn/obligations/{id}")
    items: list[DigestItem] = []
    keys: list[tuple[str, str]] = []
    for obligation_id, _ in job.items:
        record = current.get(obligation_id)
        if record is None or record.stored_status not in OPEN or record.fulfilled_on is not None:
            continue
        deadline = record.obligation.deadline
        if deadline is None:
            continue
        # The due date may have moved since the sweep (a calendar load): the stage follows it.
        stage = stage_on(deadline.due_date, job.sweep_date, calendar)
        if stage is None:
            continue
        key = stage_key(record, stage)
        if key in sent.get(obligation_id, frozenset()):
            continue
        rule = rule_set.find(record.obligation.rule_id)
        items.append(
            DigestItem(
                obligation_id=obligation_id,
                rule_id=record.obligation.rule_id,
                rule_name_zh=rule.name_zh if rule else record.obligation.rule_id,
                rule_name_en=rule.name_en if rule else record.obligation.rule_id,
                subject_kind=record.obligation.subject_kind.value,
                subject_id=record.obligation.subject_id,
                due_date=deadline.due_date,
                provisional=deadline.provisional,
                stage=stage,
                link=link.format(id=obligation_id),
            )
        )
        keys.append((obligation_id, key))
    digest = Digest(
        enterprise_id=job.enterprise,
        enterprise_name=enterprise.name if enterprise else job.enterprise,
        recipient=job.email,
        language=job.language,
        sweep_date=job.sweep_date,
        items=tuple(items),
        part=job.part,
        parts=job.parts,
    )
    return digest, keys
