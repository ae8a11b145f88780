"""Benchmark of the daily sweep and of digest rendering, against a moto server on loopback.

Owns the figures in docs/BENCHMARKS.md ("Daily sweep"). Run with ``make bench``.

1. Sweep cost independent of table size. The obligations table holds 2,000 obligations open and
   due inside the horizon of the sweep of 2026-10-12 (due 2026-09-01..2026-10-19, the horizon's
   last day) for four enterprises with six contacts, and filler outside the horizon: fulfilled
   (out of the sparse ``open_by_due`` index), open but due after the horizon, and standing
   (due key ``9999-12-31``). The sweep (``compliance.reminding.sweep``, with the real SQS
   enqueue) runs 3 times on a table of 10,000 obligations, then on the same table grown to
   100,000 with more filler. Targets: the same items read at both sizes, at most 1.1 read per
   obligation in the horizon, and a sweep time ratio under 1.3x. moto runs with the fixes of
   ``local/moto_fixes.py``, as the local stack does: without them moto sizes every item of
   the index partition on every Query page, and the Query's time grows with the table where
   DynamoDB's does not. Seeding takes most of the run: moto stores an item in 1-2 ms whatever
   the table size.
2. Where a sweep's time goes, on the 10,000-item table: the Query, the overdue marking, the
   enterprises' BatchGet, job creation + enqueue, and the sweep's own Python. During the
   measured runs each store call the sweep makes is wrapped with a timer (a ``perf_counter``
   pair per call), and so are moto's handling of each request (``BaseResponse._dispatch``:
   parse, act, serialize) and its evaluation of a Query (``Table.query``). moto's server is a
   thread of this process serving one request at a time while the sweep waits for it, so its
   time is split exactly by the phase that made the request: what remains ("client") is this
   process's own work (the sweep, PynamoDB, botocore, the HTTP exchange on loopback). The AWS
   calls are counted with a botocore ``before-call`` hook.
3. ``compliance.mail.render_digest`` on digests of 1, 10 and 50 items, in both languages.

Between runs everything a sweep changes is put back: the obligations it marked OVERDUE are
written again as OPEN (version 1), the reminder jobs are deleted and the queue is drained
(counting the messages: each run must have queued one per job).
"""

from __future__ import annotations

import gc
import hashlib
import math
import os
import platform
import resource
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import boto3
from msgspec.structs import replace

from compliance.calendar import Deadline, WorkingDayCalendar
from compliance.codes import production_date_code, uscc_check_character, vin_check_digit
from compliance.delivery import mime_message
from compliance.lifecycle import EnterpriseKind, EventKind
from compliance.mail import Digest, DigestItem, render_digest
from compliance.reminders import DEFAULT_POLICY, DIGEST_ITEMS_MAX, horizon_end, stage_on
from compliance.rules import Obligation, ObligationStatus, Period, SubjectKind, load_rule_set
from local.aws import start_aws
from local.queues import create_queues
from local.tables import create_tables

if TYPE_CHECKING:
    from compliance.reminding import SweepReport
    from compliance.store.models import ObligationItem

P = ParamSpec("P")
R = TypeVar("R")

SWEEP_DAY = date(2026, 10, 12)  # a Monday, the first full working week after National Day
NOW = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)  # 09:00 China time, when the schedule fires
FIRST_DUE = date(2026, 9, 1)
IN_HORIZON = 2_000
SIZES = (10_000, 100_000)
RUNS = 3
RATIO_TARGET = 1.3
READ_TARGET = 1.1
RENDER_SIZES = ((1, 100), (10, 25), (50, 6))  # items per digest, renders per batch
RENDER_BATCHES = 3
RULE_SET_ID = "CN-MIIT-2023-DRAFT"
LINK = "https://compliance.example.cn/obligations/{id}"
SENDER = "reminders@example.cn"

FUZHOU = "91350100M000100Y43"
SHENZHEN = "91440300192317458F"
NINGDE = "91350900587527783P"
SHANGHAI = "91310000MA1FL0000" + uscc_check_character("91310000MA1FL0000")


@dataclass(frozen=True)
class BenchEnterprise:
    id: str
    name: str
    kind: str  # AUTOMAKER or BATTERY_MAKER
    code: str  # VIN WMI of an automaker, manufacturer code of a battery maker
    contacts: tuple[tuple[str, str], ...]  # (email, language)
    share: int  # tenths of the obligations in the horizon


ENTERPRISES = (
    BenchEnterprise(
        FUZHOU,
        "福州新能源汽车有限公司 Fuzhou NEV Motors",
        "AUTOMAKER",
        "LFZ",
        (("compliance@fuzhou-motors.example.cn", "zh-CN"), ("ops@fuzhou-motors.example.cn", "en")),
        4,
    ),
    BenchEnterprise(
        SHENZHEN,
        "深圳电动汽车股份有限公司 Shenzhen EV",
        "AUTOMAKER",
        "LSZ",
        (("trace@shenzhen-ev.example.cn", "en"),),
        3,
    ),
    BenchEnterprise(
        NINGDE,
        "宁德动力电池有限公司 Ningde Power Cells",
        "BATTERY_MAKER",
        "X12",
        (("battery-compliance@ningde-cells.example.cn", "zh-CN"),),
        2,
    ),
    BenchEnterprise(
        SHANGHAI,
        "上海储能科技有限公司 Shanghai Power Storage",
        "BATTERY_MAKER",
        "03U",
        (("ops@shanghai-power.example.cn", "en"), ("trace@shanghai-power.example.cn", "zh-CN")),
        1,
    ),
)
CONTACTS = sum(len(e.contacts) for e in ENTERPRISES)
# One job per contact and digest part (compliance.reminders.DIGEST_ITEMS_MAX obligations each).
JOBS = sum(
    len(e.contacts) * math.ceil(IN_HORIZON * e.share // 10 / DIGEST_ITEMS_MAX) for e in ENTERPRISES
)
# Each enterprise's slots in a cycle of ten obligations.
_OWNER_CYCLE = [e for e in ENTERPRISES for _ in range(e.share)]


@dataclass(frozen=True)
class RuleShape:
    subject: SubjectKind
    trigger: EventKind
    period: str


RULES = {
    "SALES_TRACE_UPLOAD": RuleShape(SubjectKind.VEHICLE, EventKind.VEHICLE_REGISTERED, "10WD"),
    "PRODUCTION_TRACE_UPLOAD": RuleShape(
        SubjectKind.VEHICLE, EventKind.FACTORY_CERTIFICATE_ISSUED, "10WD"
    ),
    "AUTOMAKER_RETIREMENT_UPLOAD": RuleShape(
        SubjectKind.BATTERY, EventKind.BATTERY_DISPOSED, "10WD"
    ),
    "TECH_INFO_SUBMISSION": RuleShape(SubjectKind.MODEL, EventKind.MODEL_ANNOUNCED, "6M"),
    "REPAIR_RETURN_WAREHOUSE_ENTRY": RuleShape(
        SubjectKind.BATTERY, EventKind.REPAIR_RETURN_RECEIVED, "10WD"
    ),
    "BATTERY_MAKER_RETIREMENT_UPLOAD": RuleShape(
        SubjectKind.BATTERY, EventKind.BATTERY_DISPOSED, "10WD"
    ),
    "COLLECTION_POINT_COVERAGE": RuleShape(
        SubjectKind.PREFECTURE, EventKind.VEHICLE_REGISTERED, "STANDING"
    ),
    "STORAGE_POINT_COVERAGE": RuleShape(
        SubjectKind.PROVINCE, EventKind.BATTERY_SOLD_DIRECTLY, "STANDING"
    ),
    "SUPPLIER_DISASSEMBLY_INFO": RuleShape(
        SubjectKind.BATTERY_SPEC, EventKind.BATTERY_SUPPLIED, "STANDING"
    ),
}
DATED_RULES = {
    "AUTOMAKER": (
        "SALES_TRACE_UPLOAD",
        "PRODUCTION_TRACE_UPLOAD",
        "SALES_TRACE_UPLOAD",
        "PRODUCTION_TRACE_UPLOAD",
        "AUTOMAKER_RETIREMENT_UPLOAD",
        "SALES_TRACE_UPLOAD",
        "PRODUCTION_TRACE_UPLOAD",
        "SALES_TRACE_UPLOAD",
        "PRODUCTION_TRACE_UPLOAD",
        "TECH_INFO_SUBMISSION",
    ),
    "BATTERY_MAKER": ("REPAIR_RETURN_WAREHOUSE_ENTRY", "BATTERY_MAKER_RETIREMENT_UPLOAD"),
}
STANDING_RULES = {
    "AUTOMAKER": ("COLLECTION_POINT_COVERAGE",),
    "BATTERY_MAKER": ("STORAGE_POINT_COVERAGE", "SUPPLIER_DISASSEMBLY_INFO"),
}
PREFECTURES = ("350102", "350203", "440305", "440106", "330106", "320505", "110105", "510107")
PROVINCES = ("350000", "440000", "330000", "320000", "110000", "510000")
MODELS = {FUZHOU: ("FZ7001BEV", "FZ7002BEV"), SHENZHEN: ("SZ6500BEV", "EQ5-IMPORT")}


# --- Generated obligations ----------------------------------------------------------------------


def obligation_id(n: int) -> str:
    """Shaped like the product's ids (a truncated SHA-256), so hash keys spread the same way."""
    return "ob_" + hashlib.sha256(f"sweep-bench\x1f{n}".encode()).hexdigest()[:24]


def _vin(wmi: str, serial: int) -> str:
    body = f"{wmi}CE4CB0P{serial % 10_000_000:07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _pack(maker: str, serial: int, produced: date) -> str:
    return f"{maker}PB01{serial % 10_000_000:07d}{production_date_code(produced)}{serial:07d}"


def _subject(rule_id: str, owner: BenchEnterprise, n: int, trigger: date) -> tuple[str, str]:
    """(subject id, attribute to set: vin, battery_code, model or nothing)."""
    kind = RULES[rule_id].subject
    if kind is SubjectKind.VEHICLE:
        return _vin(owner.code, n), "vin"
    if kind is SubjectKind.BATTERY:
        maker = owner.code if owner.kind == "BATTERY_MAKER" else "X12"
        return _pack(maker, n, trigger - timedelta(days=20)), "battery_code"
    if kind is SubjectKind.MODEL:
        return MODELS[owner.id][n % 2], "model"
    if kind is SubjectKind.PREFECTURE:
        return PREFECTURES[n % len(PREFECTURES)], ""
    if kind is SubjectKind.PROVINCE:
        return PROVINCES[n % len(PROVINCES)], ""
    return f"{owner.code}PB01/{FUZHOU if n % 2 else SHENZHEN}", ""


def make_obligation(n: int, owner: BenchEnterprise, rule_id: str, due: date | None) -> Obligation:
    shape = RULES[rule_id]
    period = Period.parse(shape.period)
    if due is None:
        trigger = FIRST_DUE - timedelta(days=n % 200)
    elif shape.period == "6M":
        trigger = due - timedelta(days=182)
    else:
        trigger = due - timedelta(days=14)  # 10 working days, outside holiday weeks
    subject_id, attribute = _subject(rule_id, owner, n, trigger)
    return Obligation(
        id=obligation_id(n),
        rule_id=rule_id,
        rule_set_id=RULE_SET_ID,
        rule_set_version="2023-12-15.1",
        responsible_enterprise=owner.id,
        responsible_role=owner.kind,
        subject_kind=shape.subject,
        subject_id=subject_id,
        trigger_event_id="ev_" + hashlib.sha256(f"event\x1f{n}".encode()).hexdigest()[:24],
        trigger_kind=shape.trigger,
        trigger_date=trigger,
        period=period,
        deadline=None
        if due is None
        else Deadline(due_date=due, provisional=due.year >= 2027, calendar_version=1),
        vin=subject_id if attribute == "vin" else None,
        battery_code=subject_id if attribute == "battery_code" else None,
        model=subject_id if attribute == "model" else None,
    )


def stored(
    obligation: Obligation,
    status: ObligationStatus,
    *,
    fulfilled_on: date | None = None,
    reminders_sent: set[str] | None = None,
) -> ObligationItem:
    """The item as the store writes it (records.obligation_item), then moved to `status`."""
    from compliance.store.records import obligation_item

    created = datetime.combine(obligation.trigger_date, datetime.min.time(), UTC)
    item = obligation_item(obligation, created)
    item.status = status.value
    if status not in (ObligationStatus.OPEN, ObligationStatus.OVERDUE):
        item.open_partition = None  # closed duties leave the sparse index, as fulfilment does
        item.fulfilled_on = fulfilled_on.isoformat() if fulfilled_on else None
        item.platform_receipt = f"TR-{obligation.id[3:15].upper()}"
    item.reminders_sent = reminders_sent or None
    item.version = 1
    return item


@dataclass
class InHorizon:
    items: list[ObligationItem]
    obligations: list[Obligation]
    newly_overdue: list[ObligationItem]  # stored OPEN, due before the sweep day


def in_horizon(calendar: WorkingDayCalendar) -> InHorizon:
    """2,000 obligations due on the working days 2026-09-01..2026-10-19. Of those due before the
    sweep day, one in eight is still stored OPEN, so this sweep marks it OVERDUE; the others are
    OVERDUE already, as earlier sweeps left them. None has its current stage sent yet."""
    last = horizon_end(SWEEP_DAY, calendar, DEFAULT_POLICY)
    days = [
        FIRST_DUE + timedelta(days=d)
        for d in range((last - FIRST_DUE).days + 1)
        if calendar.is_working_day(FIRST_DUE + timedelta(days=d))
    ]
    result = InHorizon([], [], [])
    for n in range(IN_HORIZON):
        owner = _OWNER_CYCLE[n % len(_OWNER_CYCLE)]
        rules = DATED_RULES[owner.kind]
        due = days[n % len(days)]
        obligation = make_obligation(n, owner, rules[(n // len(_OWNER_CYCLE)) % len(rules)], due)
        past = due < SWEEP_DAY
        status = ObligationStatus.OVERDUE if past and n % 8 != 1 else ObligationStatus.OPEN
        item = stored(obligation, status)
        result.items.append(item)
        result.obligations.append(obligation)
        if past and status is ObligationStatus.OPEN:
            result.newly_overdue.append(item)
    return result


def filler(start: int, stop: int, calendar: WorkingDayCalendar) -> Iterator[ObligationItem]:
    """Obligations a sweep on 2026-10-12 must not read: 6 in 10 fulfilled (due 2026-01..10),
    3 in 10 open but due after the horizon (2026-10-20..2027-04-30; 2027 ones provisional),
    1 in 10 standing."""
    past = _working_days(date(2026, 1, 5), date(2026, 10, 9), calendar)
    later = _working_days(date(2026, 10, 20), date(2027, 4, 30), calendar)
    for n in range(start, stop):
        owner = ENTERPRISES[n % len(ENTERPRISES)]
        kind = n % 10
        if kind < 6:
            rules = DATED_RULES[owner.kind]
            due = past[(n * 7) % len(past)]
            obligation = make_obligation(n, owner, rules[(n // 4) % len(rules)], due)
            late = n % 13 == 0
            yield stored(
                obligation,
                ObligationStatus.FULFILLED_LATE if late else ObligationStatus.FULFILLED,
                fulfilled_on=due + timedelta(days=3) if late else due - timedelta(days=n % 5),
                reminders_sent={f"{due}:T-5", f"{due}:T-1"} if n % 3 == 0 else None,
            )
        elif kind < 9:
            rules = DATED_RULES[owner.kind]
            due = later[(n * 7) % len(later)]
            obligation = make_obligation(n, owner, rules[(n // 4) % len(rules)], due)
            yield stored(obligation, ObligationStatus.OPEN)
        else:
            rules = STANDING_RULES[owner.kind]
            obligation = make_obligation(n, owner, rules[(n // 4) % len(rules)], None)
            yield stored(obligation, ObligationStatus.OPEN)


def _working_days(first: date, last: date, calendar: WorkingDayCalendar) -> list[date]:
    days = (first + timedelta(days=d) for d in range((last - first).days + 1))
    return [d for d in days if calendar.is_working_day(d)]


# --- Measuring a sweep ----------------------------------------------------------------------------


@dataclass
class Phases:
    """Where one sweep's time went: wall time in each wrapped store call (by phase), the part of
    it moto's server spent handling the requests, and moto's evaluation of the Query alone.

    The server runs in a thread of this process and handles one request at a time while the
    sweep waits for it, so its time is attributed to the phase that made the request.
    """

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    server: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    evaluation: float = 0.0
    current: str = "other"

    def timing(self, phase: str, function: Callable[P, R]) -> Callable[P, R]:
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            outer, self.current = self.current, phase
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - started
                self.current = outer

        return timed

    def serving(self, function: Callable[P, R]) -> Callable[P, R]:
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.server[self.current] += time.perf_counter() - started

        return timed

    def evaluating(self, function: Callable[P, R]) -> Callable[P, R]:
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.evaluation += time.perf_counter() - started

        return timed


@contextmanager
def instrumented(phases: Phases) -> Iterator[None]:
    """While inside the block: the store calls the sweep makes timed by phase, moto's handling
    of each request (``_dispatch``: parse, evaluate, serialize) and its evaluation of a Query
    (``Table.query``: walk every item, sort the index partition, compare keys, copy results)."""
    from moto.core.responses import BaseResponse
    from moto.dynamodb.models.table import Table

    from compliance.store import reads
    from compliance.store import reminders as job_store

    originals = [
        (owner, name, getattr(owner, name))
        for owner, name in (
            (job_store, "open_due_by"),
            (job_store, "mark_overdue"),
            (reads, "enterprises"),
            (job_store, "create_job"),
            (job_store, "mark_enqueued"),
            (BaseResponse, "_dispatch"),
            (Table, "query"),
        )
    ]
    try:
        job_store.open_due_by = phases.timing("query", job_store.open_due_by)
        job_store.mark_overdue = phases.timing("overdue", job_store.mark_overdue)
        reads.enterprises = phases.timing("enterprises", reads.enterprises)
        job_store.create_job = phases.timing("job put", job_store.create_job)
        job_store.mark_enqueued = phases.timing("job mark", job_store.mark_enqueued)
        BaseResponse._dispatch = phases.serving(BaseResponse._dispatch)  # type: ignore[method-assign]
        Table.query = phases.evaluating(Table.query)  # type: ignore[method-assign]
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


class CallCounter:
    """AWS calls by operation, counted by a botocore hook on the clients the sweep uses."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1


@dataclass(frozen=True)
class Run:
    report: SweepReport
    seconds: float
    phases: dict[str, float]  # wall time by phase
    server: dict[str, float]  # moto's time handling the requests of each phase
    evaluation: float  # moto evaluating the Query (inside server["query"])
    calls: dict[str, int]
    gc_pauses: float  # Python's cyclic collector, in this process (sweep and moto alike)


@contextmanager
def gc_paused_time(total: list[float]) -> Iterator[None]:
    """Adds to ``total[0]`` the time the cyclic garbage collector runs inside the block."""
    began: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began.append(time.perf_counter())
        elif began:
            total[0] += time.perf_counter() - began.pop()

    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)


def timed_sweep(calendar: WorkingDayCalendar, counter: CallCounter) -> Run:
    from compliance.delivery import enqueue_job
    from compliance.reminding import sweep

    phases = Phases()
    enqueue = phases.timing("enqueue", enqueue_job)
    counter.calls.clear()
    gc.collect()
    pauses = [0.0]
    with instrumented(phases), gc_paused_time(pauses):
        started = time.perf_counter()
        report = sweep(SWEEP_DAY, now=NOW, calendar=calendar, enqueue=enqueue)
        seconds = time.perf_counter() - started
    return Run(
        report,
        seconds,
        dict(phases.seconds),
        dict(phases.server),
        phases.evaluation,
        dict(counter.calls),
        pauses[0],
    )


def check(run: Run, expected_overdue: int) -> None:
    """Each run must do the whole job; a wrong count means the figures measure something else."""
    report = run.report
    got = (
        report.items_read,
        report.marked_overdue,
        report.reminders_due,
        report.jobs_enqueued,
        report.jobs_already_done,
        report.enterprises_without_contacts,
    )
    want: tuple[int, int, int, int, int, list[str]] = (
        IN_HORIZON,
        expected_overdue,
        IN_HORIZON,
        JOBS,
        0,
        [],
    )
    if got != want:
        raise SystemExit(f"unexpected sweep report {got}, expected {want}")


def seed(items: Iterable[ObligationItem]) -> tuple[int, float]:
    from compliance.store.models import ObligationItem

    started = time.perf_counter()
    count = 0
    with ObligationItem.batch_write() as batch:
        for item in items:
            batch.save(item)
            count += 1
    return count, time.perf_counter() - started


def drain(sqs: Any, url: str) -> int:
    received = 0
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return received
        received += len(messages)
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )


def reset(horizon: InHorizon, sqs: Any, url: str, enqueued: int) -> None:
    """Undo a sweep: marked obligations OPEN again (version 1), jobs deleted, queue drained."""
    from compliance.store.models import ReminderJobItem

    seed(horizon.newly_overdue)
    jobs = list(ReminderJobItem.scan())
    with ReminderJobItem.batch_write() as batch:
        for job in jobs:
            batch.delete(job)
    queued = drain(sqs, url)
    if queued != enqueued:
        raise SystemExit(f"the queue held {queued} messages, the sweep enqueued {enqueued}")


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, which also holds moto's tables."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    current = pages * resource.getpagesize() / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class SizeResult:
    size: int
    runs: list[Run]
    seed_seconds: float
    memory_mb: tuple[float, float]

    def median(self, phase: str | None = None) -> float:
        if phase is None:
            return statistics.median(r.seconds for r in self.runs)
        return statistics.median(self.phase(r, phase) for r in self.runs)

    @staticmethod
    def phase(run: Run, phase: str) -> float:
        if phase == "jobs":
            return sum(run.phases.get(p, 0.0) for p in JOB_PHASES)
        if phase == "python":
            return run.seconds - sum(run.phases.values())
        return run.phases.get(phase, 0.0)

    @staticmethod
    def server(run: Run, phase: str) -> float:
        if phase == "jobs":
            return sum(run.server.get(p, 0.0) for p in JOB_PHASES)
        if phase == "python":
            return run.server.get("other", 0.0)
        return run.server.get(phase, 0.0)


JOB_PHASES = ("job put", "enqueue", "job mark")


# --- Rendering -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderResult:
    items: int
    language: str
    per_batch: int
    ms_per_digest: list[float]
    stages: str
    size_kb: float


def digests(calendar: WorkingDayCalendar, obligations: Sequence[Obligation]) -> dict[int, Digest]:
    """Digests for Fuzhou's first contact as the sweep of 2026-10-12 would make them: items
    spread over its obligations in the horizon (overdue, due today and due soon together)."""
    rule_set = load_rule_set(RULE_SET_ID, "")
    names = {rule.id: (rule.name_zh, rule.name_en) for rule in rule_set.rules}
    own = sorted(
        (o for o in obligations if o.responsible_enterprise == FUZHOU),
        key=lambda o: (o.deadline.due_date if o.deadline else date.max, o.id),
    )
    result: dict[int, Digest] = {}
    for size, _ in RENDER_SIZES:
        step = len(own) / size
        chosen = [own[int(step * k + step / 2)] for k in range(size)]
        items = []
        for obligation in chosen:
            assert obligation.deadline is not None
            stage = stage_on(obligation.deadline.due_date, SWEEP_DAY, calendar)
            assert stage is not None
            name_zh, name_en = names[obligation.rule_id]
            items.append(
                DigestItem(
                    obligation_id=obligation.id,
                    rule_id=obligation.rule_id,
                    rule_name_zh=name_zh,
                    rule_name_en=name_en,
                    subject_kind=obligation.subject_kind.value,
                    subject_id=obligation.subject_id,
                    due_date=obligation.deadline.due_date,
                    provisional=obligation.deadline.provisional,
                    stage=stage,
                    link=LINK.format(id=obligation.id),
                )
            )
        result[size] = Digest(
            enterprise_id=FUZHOU,
            enterprise_name=ENTERPRISES[0].name,
            recipient=ENTERPRISES[0].contacts[0][0],
            language="zh-CN",
            sweep_date=SWEEP_DAY,
            items=tuple(items),
        )
    return result


def bench_rendering(
    calendar: WorkingDayCalendar, obligations: Sequence[Obligation]
) -> tuple[float, list[RenderResult]]:
    by_size = digests(calendar, obligations)
    started = time.perf_counter()
    render_digest(by_size[1])  # reads the templates and the catalogue: once per process
    first_ms = (time.perf_counter() - started) * 1000
    results = []
    for size, per_batch in RENDER_SIZES:
        for language in ("zh-CN", "en"):
            digest = replace(by_size[size], language=language)
            email = render_digest(digest)
            sent = mime_message(SENDER, digest.recipient, email.subject, email.text, email.html)
            size_kb = len(sent) / 1024
            times = []
            for _ in range(RENDER_BATCHES):
                started = time.perf_counter()
                for _ in range(per_batch):
                    render_digest(digest)
                times.append((time.perf_counter() - started) * 1000 / per_batch)
            kinds = Counter(item.stage.kind for item in digest.items)
            stages = ", ".join(f"{kinds[k]} {k.lower()}" for k in ("OVERDUE", "DUE", "BEFORE"))
            results.append(RenderResult(size, language, per_batch, times, stages, size_kb))
    return first_ms, results


# --- The run -------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    started = time.perf_counter()
    load = os.getloadavg()[0]
    aws = start_aws()
    try:
        create_tables(boto3.client("dynamodb"))
        sqs = boto3.client("sqs")
        url = create_queues(sqs)["ReminderQueue"]
        os.environ["REMINDER_QUEUE_URL"] = url
        results, horizon, calendar = measure_sweeps(sqs, url)
    finally:
        aws.stop()
    first_ms, renders = bench_rendering(calendar, horizon.obligations)
    print_results(results, horizon, first_ms, renders, time.perf_counter() - started, load)


def measure_sweeps(sqs: Any, url: str) -> tuple[list[SizeResult], InHorizon, WorkingDayCalendar]:
    from compliance import delivery
    from compliance.enterprises import Contact, Enterprise
    from compliance.services import enterprises as enterprise_cases
    from compliance.store.calendars import current_calendar
    from compliance.store.dynamo import DynamoStore
    from compliance.store.models import ObligationItem, share_one_connection

    share_one_connection()
    delivery._client.cache_clear()
    for e in ENTERPRISES:
        enterprise_cases.register(
            DynamoStore(),
            Enterprise(
                id=e.id,
                name=e.name,
                kinds=frozenset({EnterpriseKind(e.kind)}),
                manufacturer_codes=frozenset({e.code})
                if e.kind == "BATTERY_MAKER"
                else frozenset(),
                province_code=None,
                contacts=tuple(Contact(email, language) for email, language in e.contacts),
                created_at=NOW,
            ),
        )
    calendar = current_calendar()
    counter = CallCounter()
    counter.attach(ObligationItem._get_connection().connection.client)
    counter.attach(delivery._client("sqs"))

    horizon = in_horizon(calendar)
    results: list[SizeResult] = []
    seeded = 0
    for size in SIZES:
        print(f"seeding to {size:,} obligations ...", flush=True)
        count, seconds = seed(
            [*horizon.items, *filler(IN_HORIZON, size, calendar)]
            if seeded == 0
            else filler(seeded, size, calendar)
        )
        seeded += count
        assert seeded == size
        runs = []
        for n in range(RUNS):
            run = timed_sweep(calendar, counter)
            check(run, len(horizon.newly_overdue))
            runs.append(run)
            print(f"  run {n + 1}: {run.seconds:.2f} s", flush=True)
            reset(horizon, sqs, url, run.report.jobs_enqueued)
        results.append(SizeResult(size, runs, seconds, rss_mb()))
    return results, horizon, calendar


def print_results(
    results: list[SizeResult],
    horizon: InHorizon,
    first_ms: float,
    renders: list[RenderResult],
    total_seconds: float,
    load: float,
) -> None:
    small, large = results[0], results[-1]
    print()
    print(
        f"Daily sweep of {SWEEP_DAY} on moto (horizon to 2026-10-19): {IN_HORIZON:,} open "
        f"obligations due in the horizon, {len(horizon.newly_overdue):,} of them still OPEN "
        f"past their due day; {len(ENTERPRISES)} enterprises, {CONTACTS} contacts, {JOBS} digests"
    )
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"{os_cpu_count()} CPUs ({cpu_model()}); load average {load:.2f} when the run started"
    )
    print()
    print(f"1. Sweep cost against table size ({RUNS} runs at each size: median [range])")
    ratio = large.median() / small.median()
    reads = small.runs[0].report.items_read / IN_HORIZON
    same_reads = all(
        r.report.items_read == small.runs[0].report.items_read for s in results for r in s.runs
    )
    print(f"  {'':<40}" + "".join(f"{f'{r.size:,} obligations':>24}" for r in results) + "   ratio")
    seeded, cells = 0, []
    for result in results:
        cells.append(f"+{result.size - seeded:,} in {result.seed_seconds:.0f} s")
        seeded = result.size
    row("seeded with BatchWriteItem", cells)
    row("process RSS (moto's tables live in it)", [f"{r.memory_mb[0]:.0f} MB" for r in results])
    row(
        "items read",
        [f"{r.runs[0].report.items_read:,}" for r in results],
        "equal" if same_reads else "DIFFERENT",
    )
    row(
        "read per obligation in the horizon",
        [f"{r.runs[0].report.items_read / IN_HORIZON:.2f}" for r in results],
        f"target <= {READ_TARGET}: {'met' if reads <= READ_TARGET else 'MISSED'}",
    )
    row("Query pages", [str(r.runs[0].calls.get("Query", 0)) for r in results])
    row(
        "sweep",
        [spread([r.seconds for r in s.runs]) for s in results],
        f"{ratio:.2f}x (target < {RATIO_TARGET}x: {'met' if ratio < RATIO_TARGET else 'MISSED'})",
    )
    parts: list[tuple[str, Callable[[Run], float]]] = [
        ("  the Query", lambda r: SizeResult.phase(r, "query")),
        ("    moto handling it", lambda r: SizeResult.server(r, "query")),
        ("      of which evaluating it", lambda r: r.evaluation),
        ("  the rest of the sweep", lambda r: r.seconds - SizeResult.phase(r, "query")),
        ("sweep minus moto's handling of requests", lambda r: r.seconds - sum(r.server.values())),
        ("garbage collector pauses in the sweep", lambda r: r.gc_pauses),
    ]
    for label, part in parts:
        medians = [statistics.median(part(r) for r in s.runs) for s in results]
        row(
            label,
            [spread([part(r) for r in s.runs]) for s in results],
            f"{medians[-1] / medians[0]:.2f}x" if medians[0] else "",
        )
    same_calls = all(r.calls == small.runs[0].calls for s in results for r in s.runs)
    calls = ", ".join(f"{name} {n:,}" for name, n in sorted(small.runs[0].calls.items()))
    print(
        f"  AWS calls per sweep: {calls} "
        f"({'the same' if same_calls else 'NOT the same'} in all {len(results) * RUNS} runs)"
    )
    print()

    run = sorted(small.runs, key=lambda r: r.seconds)[len(small.runs) // 2]
    print(
        f"2. Sweep and enqueue {IN_HORIZON:,} due obligations, {small.size:,}-item table: the "
        f"median run of {RUNS}, where moto = its server handling the requests, client = the rest"
    )
    overdue = run.report.marked_overdue
    rows = [
        ("query", f"Query on open_by_due ({run.calls.get('Query', 0)} pages)", IN_HORIZON, "item"),
        ("overdue", f"overdue marking ({overdue:,} UpdateItem)", overdue, "call"),
        ("enterprises", "enterprises (1 BatchGetItem)", 1, "call"),
        ("jobs", f"job creation + enqueue ({JOBS} jobs)", JOBS, "job"),
        ("job put", "  create_job (PutItem of the job with its items)", JOBS, "job"),
        ("enqueue", "  enqueue (SQS SendMessage)", JOBS, "job"),
        ("job mark", "  mark_enqueued (UpdateItem)", JOBS, "job"),
        ("python", "the sweep's own Python (stages, grouping)", IN_HORIZON, "obligation"),
    ]
    print(f"  {'':<50} {'wall':>9} {'moto':>9} {'client':>9}   wall and client per unit")
    for phase, label, count, unit in rows:
        wall = SizeResult.phase(run, phase) * 1000
        moto = SizeResult.server(run, phase) * 1000
        print(
            f"  {label:<50} {wall:>6.0f} ms {moto:>6.0f} ms {wall - moto:>6.0f} ms"
            f"   {wall / count:.2f} and {(wall - moto) / count:.2f} ms/{unit}"
        )
    total, moto = run.seconds * 1000, sum(run.server.values()) * 1000
    print(f"  {'total':<50} {total:>6.0f} ms {moto:>6.0f} ms {total - moto:>6.0f} ms")
    print()

    print("3. render_digest (subject, text and HTML in both languages, contact's first)")
    print(f"  first render in the process (reads templates and catalogue): {first_ms:.0f} ms")
    print(
        f"  {'items':>5} {'language':<8} {'stages':<30} {'MIME':>8} {'ms/digest':>16} "
        f"{'renders/s':>9}"
    )
    for r in renders:
        ms = statistics.median(r.ms_per_digest)
        print(
            f"  {r.items:>5} {r.language:<8} {r.stages:<30} {r.size_kb:>5.0f} KB "
            f"{ms:>6.2f} [{min(r.ms_per_digest):.2f}-{max(r.ms_per_digest):.2f}] "
            f"{1000 / ms:>9,.0f}"
        )
    print(
        f"  ({RENDER_BATCHES} batches of {', '.join(str(r[1]) for r in RENDER_SIZES)} renders; "
        "rendering runs once per digest per contact, in the remind function, not in the sweep)"
    )
    print()
    print(f"whole run: {total_seconds:.0f} s")


def row(label: str, cells: Sequence[str], note: str = "") -> None:
    print(f"  {label:<40}" + "".join(f"{cell:>24}" for cell in cells) + f"   {note}".rstrip())


def spread(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.2f} s [{min(values):.2f}-{max(values):.2f}]"


def os_cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    main()
