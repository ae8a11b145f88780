"""Benchmark of the daily reminders: the coordinator sweep, an enterprise's gather and each
contact's digest, on moto in this process (``local.aws.local_aws``: DynamoDB, SQS and SES).

Owns the figures in docs/BENCHMARKS.md ("Daily sweep and reminders"). Run with ``make bench`` or
``python -m bench.sweep`` (about 2.5 minutes).

1. A gather costs what is due, not what is open. One enterprise and the sweep of Monday
   2026-12-28: R obligations whose next reminder is that day (overdue, due today, due within 5
   working days, standing duties whose week begins) and O open ones whose next reminder is later
   (due later, overdue with their weekly reminder on another day, standing ones of next week),
   plus O/4 closed. (R, O) = (1,000, 2,000), (1,000, 20,000), then (4,000, 20,000), the table
   growing between them; ``gather`` runs on each, its changes undone between runs. Beside it, on
   the same table, the previous design's read: one Query of the sparse ``open_by_due`` index
   (partition OPEN, due key up to the 5th working day ahead), which reads every open dated
   obligation due by then, overdue ones included.
2. The coordinator: ``sweep`` over 2,000 enterprises, enqueueing on SQS.
3. The digests: the last gather's two contacts' jobs (zh-CN and en) delivered through SES, each
   twice (as a redelivered message would be); a digest of 36,000 items built directly (no
   DynamoDB) and rendered in both languages, with its MIME message; and the batch that freezes a
   day of 36,000 reminders, stored as gather stores it.

CPU is ``time.process_time`` (every thread: gather moves the schedule on 16). moto answers in
this process, so the CPU spent inside its request handling (thread CPU in
``BotocoreStubber.process_request``) is reported apart; the rest ("own") is the product's code,
PynamoDB and botocore: what a Lambda would spend. Calls are counted with a botocore
``before-call`` hook. Before each measurement the heap is collected and frozen, so that the
garbage collector does not walk moto's tables, which a Lambda does not hold.
"""

from __future__ import annotations

import gc
import hashlib
import os
import platform
import statistics
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from bench.moto_clock import MotoClock
from compliance.calendar import Deadline, default_calendar
from compliance.codes import uscc_check_character, vin_check_digit
from compliance.mail import Digest, DigestItem, render_digest
from compliance.reminder_schedule import first_reminder_on, next_reminder_on, stage_for
from compliance.rule_timeline import single
from compliance.rules import Obligation, ObligationStatus, load_rule_set

T = TypeVar("T")
STARTED = time.perf_counter()

SWEEP_DAY = date(2026, 12, 28)  # a Monday and a working day: standing duties' week begins
NOW = datetime(2026, 12, 28, 1, 0, tzinfo=UTC)  # 09:00 in China, when the schedule fires
ENTERPRISE = "91350100M000100Y43"
NAME = "福州新能源汽车有限公司 Fuzhou NEV Motors"
CONTACTS = (("compliance@fuzhou.example.cn", "zh-CN"), ("trace@fuzhou.example.cn", "en"))
SENDER = "reminders@example.cn"
LINK = "https://compliance.example.cn/obligations/{id}"
DATED = ("SALES_TRACE_UPLOAD", "PRODUCTION_TRACE_UPLOAD", "AUTOMAKER_RETIREMENT_UPLOAD")
PREFECTURES = ("350100", "350200", "440300", "440100", "330100", "320500", "510100", "420100")
# (R due, O open not due, gather runs), the table growing from one to the next. The previous
# design's read is measured at the first R only (on moto it takes 12 s at O = 20,000).
CONFIGS = ((1_000, 2_000, 3), (1_000, 20_000, 3), (4_000, 20_000, 2))
ENTERPRISES = 2_000
BIG = 36_000
RENDERS = 3
LAMBDA_MB = 1024  # Lambda gives a function CPU in proportion to memory: 1 vCPU at 1,769 MB
LAMBDA_VCPU = LAMBDA_MB / 1769


# --- the obligations ----------------------------------------------------------------------------


class World:
    """The calendar, the rule set and the obligations of the benchmark's enterprise."""

    def __init__(self) -> None:
        self.cal = cal = default_calendar()
        self.rules = load_rule_set("CN-MIIT-2023-DRAFT", "")

        def working(first: date, last: date) -> list[date]:
            days = (first + timedelta(days=n) for n in range((last - first).days + 1))
            return [d for d in days if cal.is_working_day(d)]

        self.horizon = cal.add_working_days(SWEEP_DAY, 5).due_date  # the last day of T-5
        self.past = working(SWEEP_DAY - timedelta(days=200), SWEEP_DAY - timedelta(days=1))
        self.ahead = working(SWEEP_DAY + timedelta(days=1), self.horizon)
        self.later = working(self.horizon + timedelta(days=10), date(2027, 6, 30))

    def obligation(self, kind: str, n: int, due: date | None) -> Obligation:
        oid = "ob_" + hashlib.sha256(f"{kind}\x1f{n}".encode()).hexdigest()[:24]
        rule = self.rules.rule(DATED[n % 3] if due else "COLLECTION_POINT_COVERAGE")
        subject = PREFECTURES[n % len(PREFECTURES)]
        if rule.subject.value == "vehicle":
            body = f"LFZCE4CB0P{n % 10_000_000:07d}"
            subject = body[:8] + vin_check_digit(body) + body[9:]
        elif rule.subject.value == "battery":
            subject = f"X12PB0100000001G32{n % 10_000_000:07d}"
        return Obligation(
            id=oid,
            rule_id=rule.id,
            rule_set_id=self.rules.id,
            rule_set_version=self.rules.version,
            responsible_enterprise=ENTERPRISE,
            responsible_role="AUTOMAKER",
            subject_kind=rule.subject,
            subject_id=subject,
            trigger_event_id="ev_" + oid[3:],
            trigger_kind=min(rule.triggers),
            trigger_date=due - timedelta(days=14) if due else SWEEP_DAY - timedelta(days=n % 90),
            period=rule.period,
            deadline=Deadline(due, not self.cal.is_announced(due.year), 1) if due else None,
            vin=subject if rule.subject.value == "vehicle" else None,
            battery_code=subject if rule.subject.value == "battery" else None,
        )

    def due(self, n: int) -> Obligation:
        """The n-th reminder due on the sweep day. Of 360: 300 overdue, 10 due today, 47 due
        within 5 working days, 3 standing (at 36,000: 30,000, 1,000, 4,700 and 300)."""
        slot = n % 360
        if slot < 300:
            return self.obligation("due", n, self.past[n * 7919 % len(self.past)])
        if slot < 357:
            return self.obligation(
                "due", n, SWEEP_DAY if slot < 310 else self.ahead[n % len(self.ahead)]
            )
        return self.obligation("due", n, None)

    def due_items(self, first: int, stop: int) -> Iterator[Any]:
        for n in range(first, stop):
            obligation = self.due(n)
            due = obligation.deadline.due_date if obligation.deadline else None
            # Overdue ones are stored OVERDUE, 1 in 8 still OPEN (the gather marks them).
            overdue = due is not None and due < SWEEP_DAY and n % 8 != 1
            yield stored(obligation, SWEEP_DAY, "OVERDUE" if overdue else "OPEN")

    def other_items(self, first: int, stop: int) -> Iterator[Any]:
        """Open obligations not due on the sweep day (of 10: 5 due later, 3 overdue with their
        weekly reminder on another day, 2 standing), and after every 4 of them a closed one."""
        for n in range(first, stop):
            if n % 10 < 5:
                later = self.obligation("open", n, self.later[n % len(self.later)])
                assert later.deadline is not None
                remind_on = first_reminder_on(later.deadline.due_date, SWEEP_DAY, self.cal)
                yield stored(later, remind_on, "OPEN")
            else:
                due = self.past[n * 31 % len(self.past)] if n % 10 < 8 else None
                remind_on = next_reminder_on(due, SWEEP_DAY, self.cal)
                yield stored(
                    self.obligation("open", n, due), remind_on, "OVERDUE" if due else "OPEN"
                )
            if n % 4 == 3:
                closed = self.obligation("closed", n, self.past[n % len(self.past)])
                yield stored(closed, None, "FULFILLED")

    def digest_item(self, obligation: Obligation) -> DigestItem:
        """As compliance.services.reminders builds it for a contact's digest."""
        due = obligation.deadline.due_date if obligation.deadline else None
        stage = stage_for(due, SWEEP_DAY, self.cal)
        assert stage is not None
        rule = self.rules.rule(obligation.rule_id)
        return DigestItem(
            obligation_id=obligation.id,
            rule_id=obligation.rule_id,
            rule_name_zh=rule.name_zh,
            rule_name_en=rule.name_en,
            subject_kind=obligation.subject_kind.value,
            subject_id=obligation.subject_id,
            trigger_date=obligation.trigger_date,
            due_date=due,
            provisional=bool(obligation.deadline and obligation.deadline.provisional),
            due_on_makeup_workday=due is not None
            and due.weekday() >= 5
            and self.cal.is_working_day(due),
            stage=stage,
            link=LINK.format(id=obligation.id),
        )


def stored(obligation: Obligation, remind_on: date | None, status: str) -> Any:
    """The item as the store writes it, then in `status`; None: closed, out of the sparse
    indexes as fulfilment leaves it."""
    from compliance.store.records import obligation_item

    item = obligation_item(obligation, NOW - timedelta(days=30), remind_on or SWEEP_DAY)
    item.status, item.version = status, 1
    if remind_on is None:
        item.open_partition = item.remind_pk = item.remind_sk = None
        item.fulfilled_on = obligation.trigger_date.isoformat()
    return item


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Measured(Generic[T]):
    value: T
    cpu: float  # seconds of CPU, every thread
    moto: float  # of which inside moto's request handling
    wall: float
    calls: Counter[str]

    @property
    def own(self) -> float:
        return self.cpu - self.moto


class Meter:
    """AWS calls by operation, and the CPU moto spends answering them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.clock = MotoClock()
        self.patch = self.clock.patch

    def attach(self, client: Any) -> None:
        def count(model: Any, **kwargs: Any) -> None:
            with self._lock:
                self.calls[model.name] += 1

        client.meta.events.register("before-call", count)

    def measure(self, action: Callable[[], T]) -> Measured[T]:
        gc.collect()
        gc.freeze()
        self.calls = Counter()
        self.clock.reset()
        wall, cpu = time.perf_counter(), time.process_time()
        value = action()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        gc.unfreeze()
        calls, self.calls = self.calls, Counter()  # later calls are not this measurement's
        return Measured(value, cpu, self.clock.seconds, wall, calls)


@dataclass
class Size:
    due: int
    open: int
    table: int  # items in the obligations table
    gathers: list[Measured[Any]] = field(default_factory=list)  # reminders.Gathered
    baseline: Measured[int] | None = None  # items the previous design's Query read


@dataclass
class Sent:
    language: str
    first: Measured[Any]  # reminders.Delivery
    again: Measured[Any]
    html: int
    attachment: int
    mime: int
    emails: int  # emails the contact received


@dataclass
class Big:
    renders: dict[str, list[float]] = field(default_factory=dict)  # CPU seconds per render
    mime: dict[str, float] = field(default_factory=dict)  # CPU seconds for the MIME message
    sizes: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # HTML, CSV, MIME
    peak: int = 0  # bytes Python held at most building, rendering and encoding one
    rows: int = 0  # the batch's entry rows
    largest: int = 0  # bytes of entries in its largest row
    outcome: str = ""  # "stored", or why DynamoDB refused the batch


# --- the run --------------------------------------------------------------------------------------


def main() -> None:
    os.environ.update(
        AWS_DEFAULT_REGION="ap-southeast-1",
        AWS_REGION="ap-southeast-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        SES_SENDER=SENDER,
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    load, world, big, meter = os.getloadavg()[0], World(), Big(), Meter()
    from bench.large_automaker import transactions_without_backups
    from local.aws import local_aws

    # The gather marks overdue duties in transactions; moto would copy the whole obligations
    # table for each (tens of thousands of items, 111 times a gather) to roll back a failure
    # none of them has.
    with meter.patch, local_aws(), transactions_without_backups():
        sizes, sent, swept = on_moto(world, meter, big)
    progress(f"rendering a digest of {BIG:,} items")
    render_big(world, big)
    report(sizes, sent, swept, big, load)


def progress(text: str) -> None:
    print(f"[{time.perf_counter() - STARTED:4.0f} s] {text}", file=sys.stderr, flush=True)


def on_moto(world: World, meter: Meter, big: Big) -> tuple[list[Size], list[Sent], Measured[Any]]:
    import boto3
    from moto.ses.models import ses_backends

    from compliance import clients, delivery
    from compliance.enterprises import Contact, Enterprise
    from compliance.lifecycle import EnterpriseKind
    from compliance.mail import RenderedEmail
    from compliance.services import reminders
    from compliance.store.models import EnterpriseItem, ObligationItem, ReminderBatchItem
    from compliance.store.records import NATIONAL_SHARDS, enterprise_item, obligation_from_item
    from functions.settings import DEFAULT_LINK
    from local.queues import create_queues

    clients.forget()
    os.environ["REMINDER_QUEUE_URL"] = create_queues(boto3.client("sqs"))["ReminderQueue"]
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)
    meter.attach(ObligationItem._get_connection().connection.client)
    meter.attach(clients.client("sqs"))
    meter.attach(clients.client("sesv2"))

    def enterprise(identifier: str, contacts: tuple[tuple[str, str], ...] = ()) -> Any:
        people = tuple(Contact(email, language) for email, language in contacts)
        kinds = frozenset({EnterpriseKind.AUTOMAKER})
        return enterprise_item(Enterprise(identifier, NAME, kinds, frozenset(), None, people, NOW))

    enterprise(ENTERPRISE, CONTACTS).save()

    def seed(items: Iterator[Any]) -> int:
        count = 0
        with ObligationItem.batch_write() as batch:
            for item in items:
                batch.save(item)
                count += 1
        return count

    def reset(due: int) -> None:
        """Undo a gather: its obligations as they were, its batch and jobs gone."""
        seed(world.due_items(0, due))
        rows = list(ReminderBatchItem.scan(attributes_to_get=["job"]))
        with ReminderBatchItem.batch_write() as batch:
            for row in rows:
                batch.delete(row)

    enqueued: list[dict[str, Any]] = []

    def gather() -> reminders.Gathered:
        enqueued.clear()
        cal = world.cal
        return reminders.gather(
            SWEEP_DAY, ENTERPRISE, now=NOW, calendar=cal, enqueue=enqueued.extend
        )

    def previous_read() -> int:
        condition = ObligationItem.due_key <= f"{world.horizon.isoformat()}~"
        read = 0
        for partition in (f"{s}#{n}" for s in ("OPEN", "OVERDUE") for n in range(NATIONAL_SHARDS)):
            for item in ObligationItem.open_by_due.query(partition, range_key_condition=condition):
                obligation_from_item(item)  # as the previous sweep did with every item it read
                read += 1
        return read

    sizes: list[Size] = []
    table, due_seeded, open_seeded = 0, 0, 0
    for due, others, runs in CONFIGS:
        progress(f"seeding R = {due:,}, O = {others:,}, then {runs} gathers")
        if due_seeded:
            reset(due_seeded)
        table += seed(world.due_items(due_seeded, due))
        table += seed(world.other_items(open_seeded, others))
        due_seeded, open_seeded = due, others
        size = Size(due, others, table)
        if due == CONFIGS[0][0]:
            size.baseline = meter.measure(previous_read)
        for run in range(runs):
            if run:
                reset(due)
            size.gathers.append(meter.measure(gather))
            assert size.gathers[-1].value.reminders_due == due, size.gathers[-1].value
        sizes.append(size)

    progress(f"delivering the {due_seeded:,}-reminder digests, each twice")
    from compliance.delivery import mime_message

    emails: list[tuple[str, RenderedEmail]] = []

    def send(recipient: str, email: RenderedEmail, now: datetime) -> str:
        emails.append((recipient, email))
        return delivery.send_email(SENDER, recipient, email, now)

    def deliver(job: str) -> Callable[[], reminders.Delivery]:
        return lambda: reminders.deliver(
            job,
            now=NOW,
            calendar=world.cal,
            send=send,
            rules=single(world.rules),
            link_template=DEFAULT_LINK,
        )

    sent: list[Sent] = []
    outbox = ses_backends["123456789012"]["ap-southeast-1"].sent_messages  # moto's account
    for job in [str(message["job"]) for message in enqueued]:
        first, again = meter.measure(deliver(job)), meter.measure(deliver(job))
        recipient, email = emails[-1]
        mime = len(mime_message(SENDER, recipient, email, sent_at=NOW))
        received = sum(1 for message in outbox if recipient in message.destinations)
        html, csv = len(email.html.encode()), len(email.attachments[0].data)
        sent.append(Sent(dict(CONTACTS)[recipient], first, again, html, csv, mime, received))

    progress(f"freezing a day of {BIG:,} reminders")
    freeze_big(world, big)
    progress(f"the sweep over {ENTERPRISES:,} enterprises (moto's SQS is slow)")
    with EnterpriseItem.batch_write() as batch:
        for n in range(ENTERPRISES - 1):
            body = f"91110000MA{n:07d}"
            batch.save(enterprise(body + uscc_check_character(body)))
    # One run: moto's SQS takes longer for every message already queued (a SendMessageBatch
    # takes 0.04 s on an empty queue, 0.17 s with 1,500 messages in it).
    boto3.client("sqs").purge_queue(QueueUrl=os.environ["REMINDER_QUEUE_URL"])
    enqueue = delivery.queue(os.environ["REMINDER_QUEUE_URL"])
    swept = meter.measure(lambda: reminders.sweep(SWEEP_DAY, enqueue=enqueue))
    return sizes, sent, swept


def freeze_big(world: World, big: Big) -> None:
    """Freeze a day of 36,000 reminders as gather does (the entries of reminders.entry_for,
    stored by store.reminders.create_batch); DynamoDB takes items of up to 400 KB."""
    from compliance.errors import StoreUnavailableError
    from compliance.obligations import ObligationRecord
    from compliance.services.reminders import entry_for
    from compliance.store import reminders as store
    from compliance.store.records import remind_sk

    entries = []
    for n in range(BIG):
        obligation = world.due(n)
        status = ObligationStatus.OVERDUE if n % 8 != 1 else ObligationStatus.OPEN
        record = ObligationRecord(obligation, status, None, None, None, (), NOW, NOW, 1)
        read_key = remind_sk(SWEEP_DAY, obligation.id)
        entries.append(entry_for(record, read_key, SWEEP_DAY, world.cal))
    rows = store.entry_rows(entries)
    big.rows = len(rows)
    big.largest = max(len(row.encode()) for row in rows)
    try:
        store.create_batch(SWEEP_DAY, "91110000MA9999999X", 1, entries, NOW)
        big.outcome = "stored"
    except StoreUnavailableError as error:
        big.outcome = "REFUSED: " + str(error).rpartition(": ")[2]


def render_big(world: World, big: Big) -> None:
    from compliance.delivery import mime_message

    items = tuple(world.digest_item(world.due(n)) for n in range(BIG))
    for recipient, language in CONTACTS:
        digest = Digest(ENTERPRISE, NAME, recipient, language, SWEEP_DAY, items)
        times = []
        for _ in range(RENDERS):
            gc.collect()
            started = time.process_time()
            email = render_digest(digest)
            times.append(time.process_time() - started)
        started = time.process_time()
        message = mime_message(SENDER, recipient, email, sent_at=NOW)
        big.mime[language] = time.process_time() - started
        big.renders[language] = times
        big.sizes[language] = (
            len(email.html.encode()),
            len(email.attachments[0].data),
            len(message),
        )
    del items, digest, email, message
    gc.collect()
    tracemalloc.start()
    items = tuple(world.digest_item(world.due(n)) for n in range(BIG))
    email = render_digest(Digest(ENTERPRISE, NAME, CONTACTS[0][0], "zh-CN", SWEEP_DAY, items))
    mime_message(SENDER, CONTACTS[0][0], email, sent_at=NOW)
    big.peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()


# --- the report -----------------------------------------------------------------------------------


def report(
    sizes: list[Size], sent: list[Sent], swept: Measured[Any], big: Big, load: float
) -> None:
    print(
        f"\nDaily reminders, sweep of Monday {SWEEP_DAY}, on moto in this process. Python "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} CPUs ({cpu_model()}), load average {load:.2f} at start."
    )
    print("CPU: process_time, every thread; own: CPU outside moto's handling of the requests.\n")
    print("1. gather of one enterprise (R reminders due, O open not due): median [range] of runs")
    row("", [f"R {s.due:,} / O {s.open:,}" for s in sizes])
    row("obligations table (items)", [f"{s.table:,}" for s in sizes])
    row("gather runs", [str(len(s.gathers)) for s in sizes])
    done = [s.gathers[0].value for s in sizes]
    row("items read", [f"{g.items_read:,}" for g in done])
    row(
        "reminders / marked OVERDUE / jobs",
        [f"{g.reminders_due:,} / {g.marked_overdue:,} / {g.jobs_enqueued}" for g in done],
    )
    row("CPU", [spread(s.gathers, lambda m: m.cpu) for s in sizes])
    row("  in moto", [spread(s.gathers, lambda m: m.moto) for s in sizes])
    row("  own", [spread(s.gathers, lambda m: m.own) for s in sizes])
    row("own CPU per reminder due", [f"{own(s.gathers) / s.due * 1e3:.2f} ms" for s in sizes])
    row("wall", [spread(s.gathers, lambda m: m.wall) for s in sizes])
    base = [s.baseline for s in sizes]
    row("previous design's read: items read", [f"{b.value:,}" if b else "-" for b in base])
    row("  its Query pages", [str(b.calls["Query"]) if b else "-" for b in base])
    row("  its CPU / own", [f"{b.cpu:.2f} s / {b.own:.2f} s" if b else "-" for b in base])
    print("  AWS calls per gather (the same in every run unless said):")
    for s in sizes:
        same = all(m.calls == s.gathers[0].calls for m in s.gathers)
        label = f"R {s.due:,} / O {s.open:,}"
        print(f"    {label:<20}{calls(s.gathers[0].calls)}" + ("" if same else " (VARIED)"))
    small, large, more = sizes
    equal = done[0].items_read == done[1].items_read
    equal &= small.gathers[0].calls == large.gathers[0].calls
    assert small.baseline is not None
    assert large.baseline is not None
    ratio = own(large.gathers) / own(small.gathers)
    print(
        f"  O x{large.open // small.open}: gather items read and calls "
        f"{'equal' if equal else 'DIFFERENT'}, own CPU {ratio:.2f}x; "
        f"previous read {large.baseline.value / small.baseline.value:.2f}x items"
    )
    print(
        f"  R x{more.due // large.due}: items read {done[2].items_read / done[1].items_read:.2f}x, "
        f"own CPU {own(more.gathers) / own(large.gathers):.2f}x\n"
    )
    print(f"2. sweep (the coordinator) over {ENTERPRISES:,} enterprises, one run")
    print(
        f"  {swept.value.enterprises_queued:,} gather tasks queued; calls {calls(swept.calls)}; "
        f"CPU {swept.cpu:.2f} s, own {swept.own:.2f} s, wall {swept.wall:.1f} s\n"
    )
    print(f"3. digests of the R {more.due:,} gather, each job delivered twice, end to end on moto")
    for d in sent:
        value, again = d.first.value, d.again.value
        print(
            f"  {d.language:<5} emails received {d.emails} ({value.outcome}, then "
            f"{again.outcome}); {value.obligations:,} items; HTML {d.html:,} B, "
            f"CSV {d.attachment:,} B, MIME {d.mime:,} B"
        )
        print(
            f"        deliver CPU {d.first.cpu:.2f} s, own {d.first.own:.2f} s "
            f"({d.first.own / value.obligations * 1e3:.2f} ms per item); "
            f"calls {calls(d.first.calls)}"
        )
    print(f"  a digest of {BIG:,} items built directly (no DynamoDB), rendered {RENDERS} times:")
    for language, times in big.renders.items():
        html, csv, mime = big.sizes[language]
        print(
            f"  {language:<5} render_digest {statistics.median(times):.2f} s CPU "
            f"[{min(times):.2f}-{max(times):.2f}]; HTML {html:,} B, CSV {csv:,} B, "
            f"MIME {mime:,} B (made in {big.mime[language]:.2f} s)"
        )
    print(
        f"  Python memory at the peak of building, rendering and encoding the zh-CN one "
        f"(tracemalloc): {big.peak / 2**20:.0f} MB"
    )
    print(
        f"  the batch of a {BIG:,}-reminder day, as gather makes it: {big.rows} rows, the largest "
        f"{big.largest:,} B of entries (DynamoDB's item limit 409,600 B): {big.outcome}\n"
    )
    gather = own(more.gathers) / more.due * BIG
    deliver = statistics.median(d.first.own / d.first.value.obligations for d in sent) * BIG
    print(
        f"4. extrapolated from R {more.due:,} to {BIG:,} (own CPU per item x {BIG:,}): gather "
        f"{gather:.0f} s, deliver {deliver:.0f} s per contact; on a {LAMBDA_MB} MB Lambda "
        f"({LAMBDA_VCPU:.2f} vCPU) about {gather / LAMBDA_VCPU:.0f} s and "
        f"{deliver / LAMBDA_VCPU:.0f} s, before DynamoDB's own time\n"
    )
    print(f"whole run: {time.perf_counter() - STARTED:.0f} s")


def own(runs: list[Measured[Any]]) -> float:
    return statistics.median(m.own for m in runs)


def spread(runs: list[Measured[Any]], part: Callable[[Measured[Any]], float]) -> str:
    values = [part(r) for r in runs]
    return f"{statistics.median(values):.2f} s [{min(values):.2f}-{max(values):.2f}]"


def calls(counter: Counter[str]) -> str:
    return ", ".join(f"{op} {n:,}" for op, n in sorted(counter.items()))


def row(label: str, cells: list[str]) -> None:
    print(f"  {label:<36}" + "".join(f"{cell:>22}" for cell in cells))


def cpu_model() -> str:
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
