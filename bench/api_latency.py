"""Benchmark of a warm API request's CPU and latency: the README's query through the Lambda
handler against the very same DynamoDB calls made directly with boto3.

Owns the figures in docs/BENCHMARKS.md ("API latency"). Run with ``make bench`` or
``python -m bench.api_latency``.

What the handler adds on top of its DynamoDB calls is the price of the GraphQL layer: event
parsing, GraphQL parsing and validation, resolvers and DataLoaders, PynamoDB's conversion of
items into records, serialising the response, and the request's log line and metric. The
target is a warm request's CPU within 2x of the bare calls' CPU.

The handler is ``functions.api.handler``, called in this process with API Gateway HTTP API
(payload 2.0) events carrying signed dev tokens of an ``ENTERPRISE_ADMIN``, with the production
settings (``STAGE=prod``). The measured request is the README's example query exactly, with
its page raised to 50 (``readme_query``: the summary, and 50 open or overdue obligations with
their vehicles' batteries), and, smaller, one vehicle with its batteries. The data is one
automaker of bench/large_automaker.py with its SMALL history (10,000 obligations and their
vehicles and packs). The baseline issues the same calls with its own boto3 client: the same
Queries (index, key conditions, Limit, Select), one after another or two at a time as the
handler does, and the same BatchGets; it decodes only what the next call's keys need and what
the answer is checked against. Every run's requests are recorded on both sides with a botocore
``before-call`` hook and compared whole (keys of a BatchGet in any order): "same calls" says
whether they were identical in every run.

moto runs in a child process (a moto server on loopback), so that this process's CPU
(``time.process_time``, every thread) is the request's own: the handler's, or the baseline's,
including botocore's signing, HTTP and parsing. CPU spent between botocore's ``before-call`` and
``after-call`` events (signing, the HTTP exchange, parsing the answer) is reported as "in
calls". The two sides alternate request by request, which goes first flipping every round, so
that the machine's noise falls on both; the ratio is also taken run by run. DynamoDB's rules
check of the tests and the local stack (``local.dynamo_rules``) is not installed: a deployed
function has none. Then the handler is profiled (cProfile, its Queries run one after another so
that every call is on one thread) to say where its CPU goes.
"""

from __future__ import annotations

import cProfile
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import boto3

from bench.large_automaker import (
    AUTOMAKERS,
    SIZES,
    api_environment,
    handler_output_discarded,
    readme_query,
)

HISTORY = SIZES[0]  # obligations of the automaker the requests read
PAGE = 50
WARM_UP = 5
ITERATIONS = 30
VEHICLE_ITERATIONS = 60
PROFILED = 20  # handler runs under the profiler
RATIO_TARGET = 2.0
BATCH_GET_LIMIT = 100  # keys per BatchGetItem request, as DynamoDB allows
STATUS_INDEX = "by_responsible_status"
LOW, HIGH = "0", "~"  # compliance/store/reads.py: before and after every due key

VEHICLE_QUERY = "query ($vin: String!) { vehicle(vin: $vin) { vin batteries { code } } }"


# --- the calls each side makes -------------------------------------------------------------------


def canonical(operation: str, body: bytes | str | dict[str, Any]) -> str:
    """One request as compared between the sides: its whole JSON, a BatchGet's keys sorted."""
    request: dict[str, Any] = body if isinstance(body, dict) else json.loads(body or "{}")
    for spec in request.get("RequestItems", {}).values():
        if "Keys" in spec:
            spec["Keys"] = sorted(spec["Keys"], key=lambda k: json.dumps(k, sort_keys=True))
    return operation + " " + json.dumps(request, sort_keys=True)


def short(call: str) -> str:
    operation, _, body = call.partition(" ")
    request = json.loads(body)
    if operation == "BatchGetItem":
        parts = [
            f"{table.removeprefix('nev-local-')} ({len(spec['Keys'])} "
            f"key{'s' if len(spec['Keys']) != 1 else ''})"
            for table, spec in request["RequestItems"].items()
        ]
        return f"{operation} {', '.join(parts)}"
    values = [
        v.get("S", v) for _, v in sorted(request.get("ExpressionAttributeValues", {}).items())
    ]
    where = request["TableName"].removeprefix("nev-local-")
    if "IndexName" in request:
        where += "." + request["IndexName"]
    extra = f"Limit {request['Limit']}" if "Limit" in request else ""
    if request.get("Select") == "COUNT":
        extra = "Select COUNT"
    return f"{operation} {where} {' .. '.join(map(str, values[1:]))} ({extra})"


@dataclass
class CallLog:
    """The DynamoDB calls one client made, and the CPU spent between botocore's ``before-call``
    and ``after-call`` events (signing, the HTTP exchange, parsing the answer), every thread."""

    raw: list[tuple[str, Any]] = field(default_factory=list)
    cpu_inside: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _started: threading.local = field(default_factory=threading.local)

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def reset(self) -> None:
        self.raw, self.cpu_inside = [], 0.0

    def calls(self) -> tuple[str, ...]:
        """The calls since ``reset``, made comparable after the fact (not inside the timing)."""
        return tuple(sorted(canonical(name, body) for name, body in self.raw))

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.raw.append((model.name, params["body"]))
        self._started.cpu = time.thread_time()

    def _after(self, **_: Any) -> None:
        spent = time.thread_time() - self._started.cpu
        with self._lock:
            self.cpu_inside += spent


@dataclass(frozen=True)
class Tables:
    enterprises: str
    vehicles: str
    batteries: str
    obligations: str


class Baseline:
    """The handler's DynamoDB calls, made with boto3 as PynamoDB makes them."""

    def __init__(self, client: Any, tables: Tables) -> None:
        self.client = client
        self.tables = tables
        # Two Queries at a time where the handler runs two (compliance/store/reads.py).
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="baseline")

    def batch_get(self, table: str, key: str, values: Sequence[str]) -> list[dict[str, Any]]:
        """BatchGetItem as PynamoDB issues it: up to 100 keys a request, unprocessed keys again."""
        items: list[dict[str, Any]] = []
        for start in range(0, len(values), BATCH_GET_LIMIT):
            keys = [{key: {"S": v}} for v in values[start : start + BATCH_GET_LIMIT]]
            request: dict[str, Any] = {table: {"Keys": keys}}
            while request:
                answer = self.client.batch_get_item(
                    RequestItems=request, ReturnConsumedCapacity="TOTAL"
                )
                items.extend(answer["Responses"].get(table, []))
                request = answer.get("UnprocessedKeys") or {}
        return items

    def status_range(
        self, responsible: str, low: str, high: str, *, limit: int | None = None
    ) -> dict[str, Any]:
        """One Query of an enterprise's status-ordered index between two sort keys; without a
        limit, a count (every page, as PynamoDB's ``count`` reads them)."""
        request: dict[str, Any] = {
            "TableName": self.tables.obligations,
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": "(#0 = :0 AND #1 BETWEEN :1 AND :2)",
            "ExpressionAttributeNames": {"#0": "responsible", "#1": "status_key"},
            "ExpressionAttributeValues": {
                ":0": {"S": responsible},
                ":1": {"S": low},
                ":2": {"S": high},
            },
            "ReturnConsumedCapacity": "TOTAL",
        }
        if limit is not None:
            return dict(self.client.query(Limit=limit, **request))
        count, start = 0, None
        while True:
            more: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = self.client.query(Select="COUNT", **request, **more)
            count += page["Count"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return {"Count": count}

    def readme(self, responsible: str, today: date) -> dict[str, Any]:
        """The README's query: the summary (counters, the clock's correction, the next due
        date and that obligation), then a page of open and overdue obligations (the stored OPEN
        and OVERDUE ranges, merged by due date) with their vehicles and those vehicles' packs."""
        day = today.isoformat()
        counters = self.batch_get(
            self.tables.obligations, "id", [f"COUNT#{responsible}#{n}" for n in range(8)]
        )
        stored = Counter[str]()
        for counter in counters:
            for name in ("open", "overdue", "fulfilled", "fulfilled_late", "provisional"):
                stored[name] += int(counter.get(name, {}).get("N", 0))
        unmarked = self.status_range(responsible, f"OPEN#{LOW}", f"OPEN#{day}")["Count"]
        moved = self.status_range(responsible, f"OVERDUE#{day}", f"OVERDUE#{HIGH}")["Count"]
        soonest = list(
            self.pool.map(
                lambda bucket: self.status_range(
                    responsible, f"{bucket}#{day}", f"{bucket}#9999-12-30~", limit=1
                ),
                ("OPEN", "OVERDUE"),
            )
        )
        positions = sorted(
            item["status_key"]["S"].split("#", 1)[1] for r in soonest for item in r["Items"]
        )
        next_due = None
        if positions:
            found = self.batch_get(self.tables.obligations, "id", [positions[0].split("#", 1)[1]])
            next_due = (found[0]["rule_id"]["S"], found[0]["due_date"]["S"]) if found else None

        limit = PAGE + 2  # the page, the item a cursor names, and one to know there is more
        ranges = list(
            self.pool.map(
                lambda bucket: self.status_range(
                    responsible, f"{bucket}#{LOW}", f"{bucket}#{HIGH}", limit=limit
                ),
                ("OPEN", "OVERDUE"),
            )
        )
        frontiers = [
            r["LastEvaluatedKey"]["status_key"]["S"].split("#", 1)[1]
            for r in ranges
            if r.get("LastEvaluatedKey")
        ]
        frontier = min(frontiers) if frontiers else None
        merged = sorted(
            (item["status_key"]["S"].split("#", 1)[1], item)
            for r in ranges
            for item in r["Items"]
            if frontier is None or item["status_key"]["S"].split("#", 1)[1] <= frontier
        )
        page = [item for _, item in merged[:PAGE]]
        more = len(merged) > PAGE or frontier is not None
        vins = list(dict.fromkeys(i["vin"]["S"] for i in page if "vin" in i))
        vehicles = self.batch_get(self.tables.vehicles, "vin", vins)
        by_vin = {v["vin"]["S"]: v for v in vehicles}
        codes = list(
            dict.fromkeys(
                code
                for vin in vins
                if vin in by_vin
                for code in sorted(by_vin[vin].get("battery_codes", {}).get("SS", []))
            )
        )
        batteries = self.batch_get(self.tables.batteries, "code", codes)
        late = unmarked - moved
        return {
            "summary": (
                stored["open"] - late,
                stored["overdue"] + late,
                stored["fulfilled"],
                stored["fulfilled_late"],
                stored["provisional"],
                next_due,
            ),
            "page": [(i["rule_id"]["S"], i["subject_id"]["S"], i["due_date"]["S"]) for i in page],
            "more": more,
            "vins": set(by_vin),
            "codes": {b["code"]["S"] for b in batteries},
        }

    def vehicle(self, vin: str) -> dict[str, Any]:
        vehicles = self.batch_get(self.tables.vehicles, "vin", [vin])
        codes = sorted(c for v in vehicles for c in v.get("battery_codes", {}).get("SS", []))
        batteries = self.batch_get(self.tables.batteries, "code", codes)
        return {"vin": vehicles[0]["vin"]["S"], "codes": {b["code"]["S"] for b in batteries}}


def readme_answer(data: dict[str, Any]) -> dict[str, Any]:
    """The handler's answer to the README query, in the baseline's terms."""
    summary = data["complianceSummary"]
    nodes = [edge["node"] for edge in data["obligations"]["edges"]]
    vehicles = [n["vehicle"] for n in nodes if n["vehicle"]]
    next_due = summary["nextDue"]
    return {
        "summary": (
            summary["open"],
            summary["overdue"],
            summary["fulfilled"],
            summary["fulfilledLate"],
            summary["provisional"],
            (next_due["ruleId"], next_due["dueDate"]) if next_due else None,
        ),
        "page": [(n["ruleId"], n["subjectId"], n["dueDate"]) for n in nodes],
        "more": data["obligations"]["pageInfo"]["hasNextPage"],
        "vins": {v["vin"] for v in vehicles},
        "codes": {b["code"] for v in vehicles for b in v["batteries"]},
    }


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Side:
    """One side of a comparison: a request, and what each run of it cost."""

    name: str
    run: Callable[[], Any]
    log: CallLog
    prepare: Callable[[], None] = lambda: None
    wall: list[float] = field(default_factory=list)  # ms
    cpu: list[float] = field(default_factory=list)  # ms, every thread of this process
    cpu_inside: list[float] = field(default_factory=list)  # ms of it inside DynamoDB calls
    calls: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def once(self, record: bool) -> Any:
        self.prepare()
        self.log.reset()
        started, cpu = time.perf_counter(), time.process_time()
        answer = self.run()
        cpu, elapsed = time.process_time() - cpu, time.perf_counter() - started
        if record:
            self.wall.append(elapsed * 1000)
            self.cpu.append(cpu * 1000)
            self.cpu_inside.append(self.log.cpu_inside * 1000)
            self.calls[self.log.calls()] += 1
        return answer


def compare(first: Side, second: Side, iterations: int) -> tuple[Any, Any]:
    """Warm both sides up, then alternate them (which goes first flips every round).

    Returns one more answer of each, untimed, for checking that they agree.
    """
    with handler_output_discarded():
        for _ in range(WARM_UP):
            first.once(record=False)
            second.once(record=False)
        for i in range(iterations):
            for side in (first, second) if i % 2 == 0 else (second, first):
                side.once(record=True)
        return first.once(record=False), second.once(record=False)


def quantile(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(title: str, handler: Side, baseline: Side, iterations: int, agreement: str) -> float:
    """Print one comparison; returns the handler / baseline CPU ratio (median of the runs')."""
    print(f"{title}: {iterations} runs each, alternating, after {WARM_UP} warm-up runs")
    print(
        f"  {'ms':<9}{'CPU median [p10-p90]':>24}{'in calls':>10}{'outside':>10}"
        f"{'wall p50':>10}{'wall p90':>10}"
    )
    for side in (handler, baseline):
        cpu = statistics.median(side.cpu)
        inside = statistics.median(side.cpu_inside)
        outside = statistics.median(c - i for c, i in zip(side.cpu, side.cpu_inside, strict=True))
        spread = f"[{quantile(side.cpu, 10):5.1f}-{quantile(side.cpu, 90):5.1f}]"
        print(
            f"  {side.name:<9}{cpu:>9.1f} {spread}"
            f"{inside:>10.1f}{outside:>10.1f}{quantile(side.wall, 50):>10.1f}"
            f"{quantile(side.wall, 90):>10.1f}"
        )
    pairs = [h / b for h, b in zip(handler.cpu, baseline.cpu, strict=True)]
    ratio = statistics.median(pairs)
    of_medians = statistics.median(handler.cpu) / statistics.median(baseline.cpu)
    verdict = "met" if ratio <= RATIO_TARGET else "MISSED"
    print(
        f"  handler / baseline CPU: {ratio:.2f}x (median of the {iterations} rounds' ratios, "
        f"p10-p90 {quantile(pairs, 10):.2f}-{quantile(pairs, 90):.2f}x; ratio of the medians "
        f"{of_medians:.2f}x); target within {RATIO_TARGET:.0f}x: {verdict}"
    )
    wall = quantile(handler.wall, 50) / quantile(baseline.wall, 50)
    print(f"  handler / baseline wall: {wall:.2f}x at p50 (moto's time included on both sides)")
    for side in (handler, baseline):
        shapes = list(side.calls)
        counted = Counter(call.split(" ", 1)[0] for call in shapes[0]) if shapes else Counter()
        summary = ", ".join(f"{op} {n}" for op, n in sorted(counted.items(), reverse=True))
        steady = "every run" if len(shapes) == 1 else f"{len(shapes)} different call sets"
        print(f"  {side.name:<9}calls per request: {summary} ({steady})")
    same = set(handler.calls) == set(baseline.calls) and len(handler.calls) == 1
    print(f"  same calls on both sides: {'yes' if same else 'NO'}")
    for call in sorted(next(iter(handler.calls)), key=lambda c: (not c.startswith("Query"), c)):
        print(f"    {short(call)}")
    if not same:
        for side in (handler, baseline):
            other = baseline if side is handler else handler
            extra = set().union(*side.calls) - set().union(*other.calls)
            for call in sorted(extra):
                print(f"    only {side.name}: {call[:300]}")
    print(f"  {agreement}")
    print()
    return ratio


# --- where the handler's CPU goes -----------------------------------------------------------------


def area(path: str) -> str:
    """What a profiled function's file belongs to."""
    root = str(Path(__file__).resolve().parent.parent) + "/"
    if "site-packages/" in path:
        package = path.split("site-packages/", 1)[1].split("/", 1)[0]
        return {
            "graphql": "graphql-core",
            "aws_lambda_powertools": "Powertools",
            "urllib3": "urllib3 (HTTP)",
        }.get(package, package.removesuffix(".py"))
    if path.startswith(root):
        return "project: " + path[len(root) :].split("/", 1)[0].removesuffix(".py")
    if path.startswith(("~", "<")):
        return "builtins"
    name = Path(path).parent.name if Path(path).name == "__init__.py" else Path(path).stem
    if "/lib/python3" in path:
        rest = path.split("/lib/python3", 1)[1].split("/", 2)
        name = rest[2].split("/", 1)[0].removesuffix(".py") if len(rest) > 2 else name
        return "stdlib " + name
    return "other"


def attribute(stats: pstats.Stats) -> tuple[Counter[str], float]:
    """Own time by area; a C function's own time goes to the areas of its callers (json's C
    scanner to botocore's parser, dict methods to whoever called them)."""
    shares: Counter[str] = Counter()
    total = 0.0
    for (path, _, _), (_, _, own, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += own
        place = area(path)
        if place != "builtins" or not callers:
            shares[place] += own
            continue
        called = sum(c[2] for c in callers.values()) or 1.0
        for (caller_path, _, _), timing in callers.items():
            shares[area(caller_path)] += own * timing[2] / called
    return shares, total


@contextmanager
def streams_one_after_another() -> Iterator[None]:
    """Run the store's concurrent Queries on the calling thread, where the profiler sees them."""
    from compliance.store import reads, summaries

    def serial(read: Callable[[Any], Any], streams: list[Any]) -> list[Any]:
        return [read(stream) for stream in streams]

    with (
        mock.patch.object(reads, "run_streams", serial),
        mock.patch.object(summaries, "run_streams", serial),
    ):
        yield


@dataclass
class Built:
    """PynamoDB items built from DynamoDB's answers (``from_raw_data``, ``batch_get``, the
    iterators of ``query``), and the CPU spent building them, every thread."""

    items: int = 0
    cpu: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def counting(self) -> Iterator[None]:
        from pynamodb.attributes import AttributeContainer

        build = AttributeContainer.__dict__["_instantiate"].__func__

        def timed(cls: Any, attribute_values: dict[str, Any]) -> Any:
            started = time.thread_time()
            try:
                return build(cls, attribute_values)
            finally:
                spent = time.thread_time() - started
                with self._lock:
                    self.items += 1
                    self.cpu += spent

        with mock.patch.object(AttributeContainer, "_instantiate", classmethod(timed)):
            yield


def breakdown(handler: Side, runs: int) -> None:
    """The handler's CPU in parts, measured (no profiler): in DynamoDB calls, building PynamoDB
    items, and the rest."""
    built = Built()
    cpu, inside, building, items = [], [], [], []
    with handler_output_discarded(), built.counting():
        for _ in range(runs):
            built.items, built.cpu = 0, 0.0
            handler.prepare()
            handler.log.reset()
            started = time.process_time()
            handler.run()
            cpu.append((time.process_time() - started) * 1000)
            inside.append(handler.log.cpu_inside * 1000)
            building.append(built.cpu * 1000)
            items.append(built.items)
    total, calls, pynamodb = (statistics.median(v) for v in (cpu, inside, building))
    rest = statistics.median(c - i - b for c, i, b in zip(cpu, inside, building, strict=True))
    print(
        f"The handler's CPU in parts, medians of {runs} more runs (ms): {total:.1f} in all; "
        f"{calls:.1f} in DynamoDB calls (botocore: signing, HTTP, parsing the answers); "
        f"{pynamodb:.1f} building {statistics.median(items):.0f} PynamoDB items from the answers; "
        f"{rest:.1f} the rest (GraphQL parsing, validation and execution, resolvers and "
        "DataLoaders, records, cursors, the response, the log line and metric)"
    )


def profile(handler: Side) -> None:
    # CPU of this thread, not wall time: waiting for moto's answers is no one's work here.
    profiler = cProfile.Profile(time.thread_time)
    with handler_output_discarded(), streams_one_after_another():
        for _ in range(PROFILED):
            handler.prepare()
            profiler.enable()
            handler.run()
            profiler.disable()
    stats = pstats.Stats(profiler)
    shares, total = attribute(stats)
    print(
        f"Where the handler's CPU goes: cProfile of {PROFILED} runs of the README query "
        "(Queries one after another, on one thread; the profiler slows Python code down, so "
        "shares, not times), own time by area, C functions counted to their callers:"
    )
    ranked = shares.most_common()
    shown = [(name, share) for name, share in ranked if share / total >= 0.01]
    rest = total - sum(share for _, share in shown)
    cells = [f"{name} {share / total:.0%}" for name, share in shown] + [
        f"the rest {rest / total:.0%}"
    ]
    for start in range(0, len(cells), 5):
        print("  " + "; ".join(cells[start : start + 5]))
    print("  functions with the most cumulative time (share of the total):")
    interesting = (
        "parse",
        "_handle_structure",
        "from_raw_data",
        "_instantiate",
        "_container_deserialize",
        "deserialize",
        "_set_defaults",
        "obligation_from_item",
        "vehicle_from_item",
        "battery_from_item",
        "execute",
        "validate",
        "parse_document",
        "complete_value",
        "_make_api_call",
        "_send",
        "_do_get_response",
        "urlopen",
        "handle",
        "encode_cursor",
        "dumps",
    )
    rows = []
    for (path, line, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name in interesting:
            rows.append((cumulative, f"{area(path)}: {name} ({Path(path).name}:{line})"))
    for cumulative, label in sorted(rows, reverse=True)[:18]:
        print(f"    {cumulative / total:5.1%}  {label}")
    print()


# --- the run --------------------------------------------------------------------------------------


def serve_moto() -> None:
    """The child process: moto's server on loopback with the automaker's tables seeded, until
    its standard input closes. Prints the endpoint on standard output."""
    import logging

    from moto.server import ThreadedMotoServer

    from bench.large_automaker import frozen_heap, quick_queries, seed_world
    from local import moto_fixes
    from local.tables import create_tables

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto_fixes.apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    create_tables(boto3.client("dynamodb", endpoint_url=endpoint))
    today = date.fromisoformat(sys.argv[2])
    with quick_queries():
        seed_world((HISTORY,), today)
        with frozen_heap():
            print(endpoint, flush=True)
            sys.stdin.read()
    server.stop()


@contextmanager
def moto_in_a_child(environment: dict[str, str], today: date) -> Iterator[str]:
    command = [sys.executable, "-m", "bench.api_latency", "--serve-moto", today.isoformat()]
    child = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment
    )
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().decode().strip()
        if not endpoint.startswith("http"):
            raise RuntimeError(f"moto's server did not start (exit code {child.poll()})")
        yield endpoint
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


def main() -> None:
    from compliance.calendar import CHINA_TZ
    from local.aws import DUMMY_CREDENTIALS

    environment = dict(os.environ) | api_environment() | DUMMY_CREDENTIALS
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
    ):
        environment.pop(name, None)
    today = datetime.now(CHINA_TZ).date()
    load = os.getloadavg()
    with moto_in_a_child(environment, today) as endpoint:
        os.environ.update(environment | {"AWS_ENDPOINT_URL": endpoint})
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_DYNAMODB"):
            os.environ.pop(name, None)
        run(endpoint, today, load)


def run(endpoint: str, today: date, load: tuple[float, float, float]) -> None:
    # The store reads table names and region when it is imported: only now that they are set.
    from compliance.store.models import ObligationItem
    from local.calls import api_event, bearer_header, invoke

    automaker = AUTOMAKERS[0]
    print("API latency and CPU, warm: the Lambda handler in this process against the same")
    print(
        f"DynamoDB calls made directly with boto3; moto's server in a child process at {endpoint}"
    )
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.system()}, "
        f"{len(os.sched_getaffinity(0))} CPUs; load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} at start"
    )
    print(
        f"data: {automaker.name} ({automaker.id}) with {HISTORY:,} obligations on record as of "
        f"{today} (bench/large_automaker.py)"
    )
    print()

    tables = Tables(
        enterprises=os.environ["ENTERPRISES_TABLE"],
        vehicles=os.environ["VEHICLES_TABLE"],
        batteries=os.environ["BATTERIES_TABLE"],
        obligations=os.environ["OBLIGATIONS_TABLE"],
    )
    handler_log, baseline_log = CallLog(), CallLog()
    handler_log.attach(ObligationItem._get_connection().connection.client)
    client = boto3.client("dynamodb")
    baseline_log.attach(client)
    baseline = Baseline(client, tables)
    auth = bearer_header("ENTERPRISE_ADMIN", automaker.id)

    # Events are built before each timed call: the authorizer's work is not the function's.
    pending: list[dict[str, Any]] = []

    def request(query: str, variables: dict[str, Any] | None = None) -> Callable[[], None]:
        return lambda: pending.append(api_event(query, variables, auth=auth))

    def call_handler() -> Any:
        status, payload = invoke(pending.pop())
        if status != 200 or payload.get("errors"):
            raise RuntimeError(f"handler answered {status}: {str(payload)[:1000]}")
        return payload["data"]

    document = readme_query(PAGE)
    handler = Side("handler", call_handler, handler_log, request(document))
    ours = Side("baseline", lambda: baseline.readme(automaker.id, today), baseline_log)
    answer, theirs = compare(handler, ours, ITERATIONS)
    mine = readme_answer(answer)
    agree = mine == theirs
    ratio = report(
        f"(a) the README's query with first: {PAGE} ({automaker.id}, ENTERPRISE_ADMIN)",
        handler,
        ours,
        ITERATIONS,
        f"same answer: {'yes' if agree else 'NO'} (summary {mine['summary'][:5]}; "
        f"{len(mine['page'])} obligations, {len(mine['vins'])} vehicles, "
        f"{len(mine['codes'])} batteries; hasNextPage {mine['more']})",
    )
    if not agree:
        print(f"  handler: {mine}\n  baseline: {theirs}\n")

    vin = sorted(mine["vins"])[0]
    vehicle = Side("handler", call_handler, handler_log, request(VEHICLE_QUERY, {"vin": vin}))
    bare = Side("baseline", lambda: baseline.vehicle(vin), baseline_log)
    answer, theirs = compare(vehicle, bare, VEHICLE_ITERATIONS)
    found = answer["vehicle"]
    agree = (
        found["vin"] == theirs["vin"] and {b["code"] for b in found["batteries"]} == theirs["codes"]
    )
    report(
        f"(b) vehicle(vin: {vin}) {{ vin batteries {{ code }} }}",
        vehicle,
        bare,
        VEHICLE_ITERATIONS,
        f"same answer: {'yes' if agree else 'NO'} ({len(found['batteries'])} batteries)",
    )
    breakdown(handler, PROFILED)
    profile(handler)
    after = os.getloadavg()
    print(
        f"README query: handler / baseline CPU {ratio:.2f}x, target within {RATIO_TARGET:.0f}x: "
        f"{'met' if ratio <= RATIO_TARGET else 'MISSED'}; load average {after[0]:.2f} at the end"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-moto"]:
        serve_moto()
    else:
        main()
