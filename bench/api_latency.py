"""Benchmark of warm API latency: requests through the Lambda handler against the same DynamoDB
calls made directly with boto3, both against a moto server on loopback.

Owns the figures in docs/BENCHMARKS.md ("API latency"). Run with ``make bench``.

What the handler adds on top of its DynamoDB calls is the price of the GraphQL layer: event
parsing, GraphQL parsing and validation, the DataLoaders, PynamoDB's conversion of items into
records, serialising the response and the request's log line and metric. The target is a
warm request within 2x of the bare calls it makes.

The handler is ``functions.api.handler``, called in this process with API Gateway HTTP API
(payload 2.0) events carrying signed dev tokens, built as the tests build them, and with the
production settings (``STAGE=prod``: no GraphiQL, no introspection). The data is the local
stack's demo data, loaded through the store. The handler's DynamoDB calls are recorded with a
botocore ``before-call`` hook on PynamoDB's shared client; the baseline issues exactly those
calls (checked: same operations, tables, index, limit and keys) with its own boto3 client and
decodes only the attributes it needs for the next call's keys. Both sides run in one process,
alternating request by request, so machine noise falls on both.

moto answers from Python in a thread of this process and is far slower than DynamoDB (its
Query on an index sorts the whole table's items on every call, and its server closes the
connection after every response), so the ratio understates what the handler adds against
real DynamoDB; the time each side spends outside its DynamoDB calls is printed too, because
that part does not depend on moto.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import boto3

from local.aws import start_aws
from local.environment import API_FUNCTION, function_env
from local.tables import create_tables

AUTOMAKER = "91350100M000100Y43"
DEMO_TODAY = date(2026, 11, 26)
PAGE = 50
WARM_UP = 5
OBLIGATION_ITERATIONS = 30
VEHICLE_ITERATIONS = 100
RATIO_TARGET = 2.0
BATCH_GET_LIMIT = 100  # keys per BatchGetItem request, as DynamoDB allows

OBLIGATIONS_QUERY = f"""{{ obligations(first: {PAGE}) {{ edges {{ node {{
    id ruleId dueDate status responsibleEnterprise {{ name }}
    vehicle {{ vin batteries {{ code }} }} }} }} }} }}"""
VEHICLE_QUERY = "query ($vin: String!) { vehicle(vin: $vin) { vin batteries { code } } }"

# One DynamoDB call as compared between the two sides: operation, table, index, limit and the
# sorted keys it asked for.
CallSignature = tuple[str, str, str, int, tuple[str, ...]]


@dataclass
class CallLog:
    """The DynamoDB calls one client made, and the time spent inside them.

    ``before-call`` and ``after-call`` bracket the HTTP round trip and the parsing of the
    response; what a request spends outside them is its own work.
    """

    raw: list[tuple[str, Any]] = field(default_factory=list)
    seconds_inside: float = 0.0
    _started: float = 0.0

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-call.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    def reset(self) -> None:
        self.raw = []
        self.seconds_inside = 0.0

    def calls(self) -> tuple[CallSignature, ...]:
        """The calls since ``reset``, decoded after the fact (not inside the timed request)."""
        return tuple(sorted(s for name, body in self.raw for s in signatures(name, body)))

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.raw.append((model.name, params["body"]))
        self._started = time.perf_counter()

    def _after(self, **_: Any) -> None:
        self.seconds_inside += time.perf_counter() - self._started


def signatures(operation: str, body: bytes | str | dict[str, Any]) -> list[CallSignature]:
    """What identifies a call: a BatchGetItem is one signature per table it reads."""
    request: dict[str, Any] = body if isinstance(body, dict) else json.loads(body or "{}")
    if operation == "BatchGetItem":
        return [
            (
                operation,
                table,
                "",
                0,
                tuple(sorted(json.dumps(k, sort_keys=True) for k in spec["Keys"])),
            )
            for table, spec in sorted(request["RequestItems"].items())
        ]
    values = request.get("ExpressionAttributeValues", {})
    keys = tuple(sorted(json.dumps(v, sort_keys=True) for v in values.values()))
    return [
        (
            operation,
            request.get("TableName", ""),
            request.get("IndexName", ""),
            request.get("Limit", 0),
            keys,
        )
    ]


def short(signature: CallSignature) -> str:
    operation, table, index, limit, keys = signature
    where = table.removeprefix("nev-local-")
    if index:
        where += f".{index}"
    if operation == "BatchGetItem":
        return f"{operation} {where} ({len(keys)} key{'s' if len(keys) != 1 else ''})"
    return f"{operation} {where} (Limit {limit})"


@dataclass
class Side:
    """One side of a comparison: a request and what each run of it cost."""

    name: str
    run: Callable[[], Any]
    log: CallLog
    prepare: Callable[[], None] = lambda: None
    ms: list[float] = field(default_factory=list)
    ms_outside: list[float] = field(default_factory=list)
    calls: Counter[tuple[CallSignature, ...]] = field(default_factory=Counter)

    def once(self, record: bool) -> Any:
        self.prepare()
        self.log.reset()
        started = time.perf_counter()
        answer = self.run()
        elapsed = time.perf_counter() - started
        if record:
            self.ms.append(elapsed * 1000)
            self.ms_outside.append((elapsed - self.log.seconds_inside) * 1000)
            self.calls[self.log.calls()] += 1
        return answer


def percentiles(ms: Sequence[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return cuts[49], cuts[89], cuts[98]


@contextmanager
def handler_output_discarded() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null: the handler's log line and metric per request.

    Writing them stays part of what is measured, as it is on Lambda; only the lines go.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def compare(first: Side, second: Side, iterations: int) -> tuple[Any, Any]:
    """Warm both sides up, then alternate them (which goes first flips every round).

    Returns one more answer of each, untimed, for checking that they agree.
    """
    with handler_output_discarded():
        for _ in range(WARM_UP):
            first.once(record=False)
            second.once(record=False)
        for i in range(iterations):
            order = (first, second) if i % 2 == 0 else (second, first)
            for side in order:
                side.once(record=True)
        return first.once(record=False), second.once(record=False)


def report(title: str, handler: Side, baseline: Side, iterations: int, agreement: str) -> None:
    print(f"{title}: {iterations} runs each, alternating, after {WARM_UP} warm-up runs")
    for side in (handler, baseline):
        p50, p90, p99 = percentiles(side.ms)
        outside = statistics.median(side.ms_outside)
        print(
            f"  {side.name:<8} p50 {p50:7.1f} ms  p90 {p90:7.1f} ms  p99 {p99:7.1f} ms"
            f"   outside DynamoDB calls: median {outside:6.1f} ms"
        )
    ratios = [h / b for h, b in zip(percentiles(handler.ms), percentiles(baseline.ms), strict=True)]
    verdict = "met" if ratios[0] <= RATIO_TARGET else "MISSED"
    print(
        f"  handler / baseline: p50 {ratios[0]:.2f}x, p90 {ratios[1]:.2f}x, p99 {ratios[2]:.2f}x"
        f" (target p50 within {RATIO_TARGET:.0f}x: {verdict}); handler adds "
        f"{percentiles(handler.ms)[0] - percentiles(baseline.ms)[0]:.1f} ms at p50"
    )
    for side in (handler, baseline):
        shapes = list(side.calls)
        counted = Counter(signature[0] for signature in shapes[0]) if shapes else Counter()
        summary = ", ".join(f"{op} {n}" for op, n in sorted(counted.items(), reverse=True))
        steady = "every run" if len(shapes) == 1 else f"{len(shapes)} different call sets"
        print(f"  {side.name:<8} calls per request: {summary} ({steady})")
    handler_calls = set(handler.calls)
    same = handler_calls == set(baseline.calls) and len(handler_calls) == 1
    print(f"  same calls on both sides: {'yes' if same else 'NO'}")
    for signature in sorted(next(iter(handler_calls)), key=lambda s: (s[0] != "Query", s[1])):
        print(f"    {short(signature)}")
    print(f"  {agreement}")
    print()


def batch_get(client: Any, table: str, key: str, values: Sequence[str]) -> list[dict[str, Any]]:
    """BatchGetItem as PynamoDB issues it: up to 100 keys a request, unprocessed keys again."""
    items: list[dict[str, Any]] = []
    for start in range(0, len(values), BATCH_GET_LIMIT):
        request: dict[str, Any] = {
            table: {"Keys": [{key: {"S": v}} for v in values[start : start + BATCH_GET_LIMIT]]}
        }
        while request:
            answer = client.batch_get_item(RequestItems=request, ReturnConsumedCapacity="TOTAL")
            items.extend(answer["Responses"].get(table, []))
            request = answer.get("UnprocessedKeys") or {}
    return items


@dataclass(frozen=True)
class Tables:
    enterprises: str
    vehicles: str
    batteries: str
    obligations: str


def baseline_obligations(client: Any, tables: Tables, responsible: str) -> dict[str, Any]:
    """The handler's calls for the obligations page: one Query, then one BatchGet per type."""
    page = client.query(
        TableName=tables.obligations,
        IndexName="by_responsible_due",
        KeyConditionExpression="#0 = :0",
        ExpressionAttributeNames={"#0": "responsible"},
        ExpressionAttributeValues={":0": {"S": responsible}},
        Limit=PAGE + 1,
        ReturnConsumedCapacity="TOTAL",
    )
    items = page["Items"][:PAGE]
    enterprises = batch_get(
        client,
        tables.enterprises,
        "pk",
        list(dict.fromkeys(i["responsible"]["S"] for i in items)),
    )
    vins = list(dict.fromkeys(i["vin"]["S"] for i in items if "vin" in i))
    vehicles = batch_get(client, tables.vehicles, "vin", vins)
    codes = list(
        dict.fromkeys(c for v in vehicles for c in sorted(v.get("battery_codes", {}).get("SS", [])))
    )
    batteries = batch_get(client, tables.batteries, "code", codes)
    return {
        "ids": [i["id"]["S"] for i in items],
        "vins": {v["vin"]["S"] for v in vehicles},
        "codes": {b["code"]["S"] for b in batteries},
        "enterprises": len(enterprises),
    }


def baseline_vehicle(client: Any, tables: Tables, vin: str) -> dict[str, Any]:
    vehicles = batch_get(client, tables.vehicles, "vin", [vin])
    codes = sorted(c for v in vehicles for c in v.get("battery_codes", {}).get("SS", []))
    batteries = batch_get(client, tables.batteries, "code", codes)
    return {"vin": vehicles[0]["vin"]["S"], "codes": {b["code"]["S"] for b in batteries}}


def prepare_environment() -> None:
    """The API function's production environment, with the cursor key given directly (no SSM)."""
    os.environ.update(function_env(API_FUNCTION, parameters={"Stage": "prod"}))
    os.environ["CURSOR_SECRET"] = "benchmark-cursor-key"


def main() -> None:
    aws = start_aws()
    try:
        prepare_environment()
        create_tables(boto3.client("dynamodb"))
        run(aws.endpoint)
    finally:
        aws.stop()


def run(endpoint: str) -> None:
    # The store reads table names and region when it is imported: only now that they are set.
    from compliance.store.models import ObligationItem
    from local.calls import api_event, bearer_header, invoke
    from local.demo import load

    print("API latency, warm: the Lambda handler in-process against the same DynamoDB calls")
    print(f"made directly with boto3; moto server at {endpoint}")
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    demo = load(DEMO_TODAY)
    print(f"data: local demo data as of {DEMO_TODAY}: {demo}")
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
    auth = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER)

    # Events are built before each timed call: the authorizer's work is not the function's.
    pending: list[dict[str, Any]] = []

    def request(query: str, variables: dict[str, Any] | None = None) -> Callable[[], None]:
        return lambda: pending.append(api_event(query, variables, auth=auth))

    def call_handler() -> Any:
        status, payload = invoke(pending.pop())
        if status != 200 or payload.get("errors"):
            raise RuntimeError(f"handler answered {status}: {payload}")
        return payload["data"]

    handler = Side("handler", call_handler, handler_log, request(OBLIGATIONS_QUERY))
    baseline = Side(
        "baseline", lambda: baseline_obligations(client, tables, AUTOMAKER), baseline_log
    )
    answer, ours = compare(handler, baseline, OBLIGATION_ITERATIONS)
    edges = answer["obligations"]["edges"]
    nodes = [e["node"] for e in edges]
    vehicles = [n["vehicle"] for n in nodes if n["vehicle"]]
    answer_vins = {v["vin"] for v in vehicles}
    answer_codes = {b["code"] for v in vehicles for b in v["batteries"]}
    agree = (
        [n["id"] for n in nodes] == ours["ids"]
        and answer_vins == ours["vins"]
        and answer_codes == ours["codes"]
    )
    report(
        f"obligations(first: {PAGE}) with responsible enterprise, vehicle and its batteries "
        f"({AUTOMAKER}, ENTERPRISE_ADMIN)",
        handler,
        baseline,
        OBLIGATION_ITERATIONS,
        f"same answer: {'yes' if agree else 'NO'} ({len(nodes)} obligations, "
        f"{len(vehicles)} with a vehicle, {len(answer_vins)} distinct vehicles, "
        f"{len(answer_codes)} batteries)",
    )

    vin = sorted(answer_vins)[0]
    handler = Side("handler", call_handler, handler_log, request(VEHICLE_QUERY, {"vin": vin}))
    baseline = Side("baseline", lambda: baseline_vehicle(client, tables, vin), baseline_log)
    answer, ours = compare(handler, baseline, VEHICLE_ITERATIONS)
    answer = answer["vehicle"]
    agree = (
        answer["vin"] == ours["vin"] and {b["code"] for b in answer["batteries"]} == ours["codes"]
    )
    report(
        f"vehicle(vin: {vin}) {{ vin batteries {{ code }} }}",
        handler,
        baseline,
        VEHICLE_ITERATIONS,
        f"same answer: {'yes' if agree else 'NO'} ({len(answer['batteries'])} batteries)",
    )


if __name__ == "__main__":
    main()
