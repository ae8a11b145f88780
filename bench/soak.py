"""Load test of the local stack: concurrent clients asking a realistic mix for a fixed time.

``python -m bench.soak [--seconds 60] [--clients 16] [--url URL]`` (``make soak``). Without
``--url`` it starts the local stack itself (``python -m local.run`` on a free port, through
``local.stack`` as the end-to-end tests do), waits for the demo data and stops the stack at the
end. With ``--url`` it uses a stack already running on 127.0.0.1 (``make run``); the writes
below then stay in that stack's data.

Each client is a thread with its own ``requests.Session`` (one kept-alive connection) and
tokens of its own: an automaker's user, the user of that automaker's battery supplier, and a
regulator. The run's requests follow one cycle of 100 slots, the operations spread over it by
weight (smooth weighted round-robin): whichever client is ready next takes the next slot, so
every 100 requests of the run are exactly this mix, and each operation comes within the first
14 requests:

=====================  ======  ==========================================================
operation              weight  request
=====================  ======  ==========================================================
obligations                20  the automaker's first page of 50, with vehicle and batteries
complianceSummary          14  the automaker's or the battery maker's counts
vehicle                    16  one of the automaker's vehicles by VIN
battery                    14  one of the battery maker's packs by code
serviceCoverage             8  the automaker's coverage report
regulatorObligations       10  a regulator's open and overdue duties of one enterprise
decodeBatteryCode          10  a pack's code, one in four mistyped (expected invalid)
registerBatteries           5  one fresh code by the battery maker (unique per client)
fulfillObligation           3  one of the automaker's open vehicle duties, none shared
=====================  ======  ==========================================================

The VINs, pack codes and open duties are read through the API before the clock starts (not
counted). The clients of one automaker take its open duties from one shared queue, so none is
fulfilled twice; once the queue is empty, that slot registers a battery instead.

An error is anything a correct client would not expect: a status other than 200, a transport
failure, GraphQL ``errors``, non-empty ``userErrors``, or an answer that does not match the
question (a known VIN not found, another enterprise's duty, a mistyped code read as valid).
The script prints requests, statuses, errors and latencies (p50/p90/p99 as the client measured
them, the wait for the instance included) per operation and overall, and exits 1 if there was
any error (or no request at all). When it has the stack's output (a stack it started, or the
end-to-end session's), it also reads the handler's log line of each request: the handler's own
time per operation (``hdl``) and how much of the run the one instance was busy.

The gateway runs the handler under a lock, one invocation at a time as in one Lambda execution
environment, so the throughput is that of a single instance and the latencies grow with the
number of clients waiting for it. DynamoDB is moto, in Python, far slower than DynamoDB
(docs/BENCHMARKS.md, "API latency"); the figures show how the stack holds up under concurrency,
not what AWS would serve.

Traffic goes to 127.0.0.1 only (any other ``--url`` is refused, and proxy settings are
ignored); the run stops by itself after ``--seconds`` (at most 600) or ``MAX_REQUESTS``
requests, whichever comes first.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import secrets
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import FrameType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from compliance.codes import production_date_code
from local.demo import ENTERPRISES, SUPPLIER
from local.stack import Output, StackError, started
from local.tokens import mint_token

CHINA = ZoneInfo("Asia/Shanghai")
LOOPBACK = "127.0.0.1"
DEFAULT_SECONDS = 60.0
DEFAULT_CLIENTS = 16
MAX_SECONDS = 600.0
MAX_CLIENTS = 64
MAX_REQUESTS = 100_000  # over all clients; far above what one instance serves in MAX_SECONDS
REQUEST_TIMEOUT_SECONDS = 30.0
PAGE = 50
SETUP_PAGE = 200
SETUP_MAX_PAGES = 20
ERROR_SAMPLES = 20
# Serial numbers of the fresh codes: client n uses n * SERIAL_BLOCK + 0, 1, 2, ...
SERIAL_BLOCK = 100_000
# GB/T 34014 characters; the letters I, O and Q are never used.
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
# The gateway's line per request; the rest of the stack's output is worth showing on failure.
REQUEST_LINE = re.compile(r"^[A-Z]+ /\S* \d{3} \d+ ms$")

OBLIGATIONS_PAGE = """
query SoakObligationsPage($first: Int!) {
  obligations(first: $first) {
    edges { node { id ruleId status dueDate dueAt provisional
                   responsibleEnterprise { id }
                   vehicle { vin batteries { code } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SETUP_OBLIGATIONS = """
query SoakSetUp($first: Int!, $after: String) {
  obligations(first: $first, after: $after) {
    edges { node { id status subjectKind triggerDate vehicle { vin batteries { code } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SUMMARY = """
query SoakSummary {
  complianceSummary { enterpriseId open overdue fulfilled fulfilledLate provisional
                      nextDue { ruleId dueDate } }
}"""
VEHICLE = """
query SoakVehicle($vin: String!) {
  vehicle(vin: $vin) { vin modelCode certifiedOn automaker { id } batteries { code status } }
}"""
BATTERY = """
query SoakBattery($code: String!) {
  battery(code: $code) { code status producedOn manufacturer { id }
                         responsibleEnterprise { id } vehicle { vin } }
}"""
COVERAGE = """
query SoakCoverage {
  serviceCoverage { enterpriseId gaps
                    regions { regionCode pointType covered openObligation { id dueDate } } }
}"""
REGULATOR_OBLIGATIONS = """
query SoakEnterpriseDuties($filter: ObligationFilter!, $first: Int!) {
  obligations(filter: $filter, first: $first) {
    edges { node { id ruleId status dueDate responsibleEnterprise { id } } }
    pageInfo { hasNextPage }
  }
}"""
DECODE = """
query SoakDecode($code: String!) {
  decodeBatteryCode(code: $code) { code valid fields { manufacturerCode productionDate serial }
                                   errors { code } }
}"""
REGISTER = """
mutation SoakRegister($input: RegisterBatteriesInput!) {
  registerBatteries(input: $input) {
    registered { code status }
    userErrors { field code message }
  }
}"""
FULFIL = """
mutation SoakFulfil($input: FulfillObligationInput!) {
  fulfillObligation(input: $input) {
    obligation { id status fulfilledOn }
    userErrors { field code message }
  }
}"""

# The operation each document is counted as, by its GraphQL operation name (the handler logs it).
COUNTED_AS = {
    "SoakObligationsPage": "obligations",
    "SoakSummary": "complianceSummary",
    "SoakVehicle": "vehicle",
    "SoakBattery": "battery",
    "SoakCoverage": "serviceCoverage",
    "SoakEnterpriseDuties": "regulatorObligations",
    "SoakDecode": "decodeBatteryCode",
    "SoakRegister": "registerBatteries",
    "SoakFulfil": "fulfillObligation",
}
HANDLER_LOG = "graphql request"
LOG_WAIT_SECONDS = 2.0

Json = dict[str, Any]


class UnexpectedAnswerError(Exception):
    """An answer a correct client would not expect; ``kind`` is what it is counted as."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


class SetUpError(Exception):
    """The stack did not have the demo data the mix needs."""


# --------------------------------------------------------------------------- what is asked


@dataclass(frozen=True)
class Duty:
    id: str
    trigger_date: date


@dataclass(frozen=True)
class Tenant:
    """An automaker and its battery supplier, with what the demo gave them."""

    automaker: str
    battery_maker: str
    manufacturer_code: str
    vins: tuple[str, ...]
    packs: tuple[str, ...]
    open_duties: tuple[Duty, ...]


@dataclass(frozen=True)
class World:
    """What the clients ask about, read through the API before the clock starts."""

    tenants: tuple[Tenant, ...]
    enterprises: tuple[str, ...]
    today: date  # China date, for producedOn and fulfilledOn
    run_mark: str  # 6 characters of the fresh codes' traceability field, new every run


@dataclass(frozen=True)
class Operation:
    name: str
    weight: int


OPERATIONS: tuple[Operation, ...] = (
    Operation("obligations", 20),
    Operation("complianceSummary", 14),
    Operation("vehicle", 16),
    Operation("battery", 14),
    Operation("serviceCoverage", 8),
    Operation("regulatorObligations", 10),
    Operation("decodeBatteryCode", 10),
    Operation("registerBatteries", 5),
    Operation("fulfillObligation", 3),
)


def schedule(operations: Sequence[Operation]) -> list[str]:
    """One cycle of the mix, each operation as often as its weight and spread evenly (smooth
    weighted round-robin): the heaviest is never far away, the lightest comes in turn."""
    total = sum(op.weight for op in operations)
    current = dict.fromkeys((op.name for op in operations), 0)
    cycle = []
    for _ in range(total):
        for op in operations:
            current[op.name] += op.weight
        chosen = max(operations, key=lambda op: current[op.name])
        current[chosen.name] -= total
        cycle.append(chosen.name)
    return cycle


# --------------------------------------------------------------------------- what is counted


@dataclass
class Tally:
    """What one operation met: latencies (seconds, as the client saw them), statuses, errors by
    kind with a few samples, and the handler's own times (ms, from its log, when it is known)."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    handler_ms: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.statuses += other.statuses
        self.errors += other.errors
        self.samples += other.samples[: max(0, ERROR_SAMPLES - len(self.samples))]
        self.handler_ms += other.handler_ms


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (the smallest value at or above ``p`` per cent of them)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def milliseconds(value: float) -> str:
    """A table cell: whole milliseconds, or '-' when there is nothing to show."""
    return f"{'-' if math.isnan(value) else f'{value:.0f}':>9}"


@dataclass
class SoakReport:
    url: str
    clients: int
    seconds: float  # asked for
    elapsed: float  # from the first request to the last answer
    tallies: dict[str, Tally]
    setup_seconds: float = 0.0  # reading the demo's vehicles, packs and duties, before the clock
    interrupted: bool = False
    stack_notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.tallies.values():
            total.add(tally)
        return total

    @property
    def requests(self) -> int:
        return self.total.requests

    @property
    def error_count(self) -> int:
        return self.total.error_count

    def requests_by_operation(self) -> dict[str, int]:
        return {name: tally.requests for name, tally in self.tallies.items()}

    def render(self) -> str:
        lines = [
            f"soak: {self.clients} clients for {self.seconds:g} s against {self.url}"
            + (f"; INTERRUPTED after {self.elapsed:.1f} s" if self.interrupted else ""),
            "one handler invocation at a time (the gateway's lock, like one Lambda execution "
            "environment): throughput is one instance's; latencies include the wait for it",
            "",
            f"{'operation':<22}{'requests':>9}{'errors':>7}{'req/s':>8}"
            f"{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'hdl p50':>9}{'hdl p90':>9}",
        ]
        rows = [*self.tallies.items(), ("all", self.total)]
        for name, tally in rows:
            ms = [s * 1000 for s in tally.latencies]
            lines.append(
                f"{name:<22}{tally.requests:>9}{tally.error_count:>7}"
                f"{tally.requests / self.elapsed if self.elapsed else 0.0:>8.1f}"
                f"{milliseconds(percentile(ms, 50))}{milliseconds(percentile(ms, 90))}"
                f"{milliseconds(percentile(ms, 99))}{milliseconds(max(ms, default=math.nan))}"
                f"{milliseconds(percentile(tally.handler_ms, 50))}"
                f"{milliseconds(percentile(tally.handler_ms, 90))}"
            )
        total = self.total
        if total.handler_ms:
            busy = sum(total.handler_ms) / 1000
            lines += [
                "p50..max: as the client saw it, the wait for the instance included; hdl: the "
                "handler's own time (elapsed_ms of its log line)",
                f"handler busy {busy:.1f} s of the {self.elapsed:.1f} s "
                f"({busy / self.elapsed:.0%}); {len(total.handler_ms)} log lines read",
            ]
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(total.statuses.items()))
        lines += [
            "",
            f"set-up {self.setup_seconds:.1f} s (not counted); run {self.elapsed:.1f} s, "
            "the answers in flight at the end included; "
            f"throughput {total.requests / self.elapsed if self.elapsed else 0.0:.1f} req/s",
            f"HTTP statuses: {statuses or 'none'}",
            f"errors: {total.error_count}"
            + (
                f" ({', '.join(f'{k}: {n}' for k, n in total.errors.most_common())})"
                if total.errors
                else ""
            ),
        ]
        lines += [f"  {sample}" for sample in total.samples]
        if total.errors and self.stack_notes:
            lines += ["the stack said during the run (besides its request lines):"]
            lines += [f"  {note}" for note in self.stack_notes[-30:]]
        return "\n".join(lines)


# --------------------------------------------------------------------------- one client


def new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: loopback only
    return session


def post(session: requests.Session, url: str, token: str, query: str, variables: Json) -> Json:
    """The ``data`` of a GraphQL answer; UnexpectedAnswerError on anything but a clean 200."""
    response = session.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    if response.status_code != 200:
        raise UnexpectedAnswerError(f"HTTP {response.status_code}", response.text[:200])
    try:
        body = response.json()
    except requests.JSONDecodeError as error:
        raise UnexpectedAnswerError("not JSON", response.text[:200]) from error
    if not isinstance(body, dict):
        raise UnexpectedAnswerError("not a GraphQL response", str(body)[:200])
    if body.get("errors"):
        messages = "; ".join(str(e.get("message")) for e in body["errors"])
        raise UnexpectedAnswerError("GraphQL errors", messages[:300])
    data = body.get("data")
    if not isinstance(data, dict):
        raise UnexpectedAnswerError("no data", str(body)[:200])
    return data


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise UnexpectedAnswerError("wrong answer", message)


def no_user_errors(payload: Json) -> None:
    errors = payload.get("userErrors") or []
    if errors:
        raise UnexpectedAnswerError("userErrors", str(errors)[:300])


def fresh_code(tenant: Tenant, world: World, serial: int) -> str:
    """A GB/T 34014 pack code no one has registered: the run's mark and a serial of the client."""
    return (
        f"{tenant.manufacturer_code}PB01S{world.run_mark}"
        f"{production_date_code(world.today)}{serial:07d}"
    )


def mistype(code: str) -> str:
    """The code with its production month made impossible ('O' is never used)."""
    return code[:15] + "O" + code[16:]


class Client:
    """One simulated user: a session and three tokens."""

    def __init__(self, index: int, url: str, world: World, duties: deque[Duty]) -> None:
        self.index = index
        self.url = url
        self.world = world
        self.tenant = world.tenants[index % len(world.tenants)]
        self.rng = random.Random(index)
        self.session = new_session()
        subject = f"soak|client-{index}"
        self.automaker_token = mint_token(
            "ENTERPRISE_USER", self.tenant.automaker, subject=f"{subject}|automaker"
        )
        self.maker_token = mint_token(
            "ENTERPRISE_USER", self.tenant.battery_maker, subject=f"{subject}|battery-maker"
        )
        self.regulator_token = mint_token("REGULATOR", subject=f"{subject}|regulator")
        self.duties = duties  # the tenant's open duties, shared by its clients
        self.serial = index * SERIAL_BLOCK
        self.tallies: dict[str, Tally] = {}

    # Each operation: the request, and what a correct answer looks like. Returns the name it
    # is counted under (fulfillObligation sends a registration once the duties run out).

    def obligations(self) -> str:
        data = post(self.session, self.url, self.automaker_token, OBLIGATIONS_PAGE, {"first": PAGE})
        edges = data["obligations"]["edges"]
        expect(0 < len(edges) <= PAGE, f"obligations: {len(edges)} edges")
        others = {e["node"]["responsibleEnterprise"]["id"] for e in edges} - {self.tenant.automaker}
        expect(not others, f"obligations: another enterprise's duties {others}")
        return "obligations"

    def compliance_summary(self) -> str:
        enterprise, token = self.rng.choice(
            [
                (self.tenant.automaker, self.automaker_token),
                (self.tenant.battery_maker, self.maker_token),
            ]
        )
        summary = post(self.session, self.url, token, SUMMARY, {})["complianceSummary"]
        expect(summary["enterpriseId"] == enterprise, f"summary of {summary['enterpriseId']}")
        expect(min(summary["open"], summary["overdue"]) >= 0, f"summary: {summary}")
        return "complianceSummary"

    def vehicle(self) -> str:
        vin = self.rng.choice(self.tenant.vins)
        found = post(self.session, self.url, self.automaker_token, VEHICLE, {"vin": vin})
        vehicle = found["vehicle"]
        expect(vehicle is not None and vehicle["vin"] == vin, f"vehicle {vin}: {vehicle}")
        return "vehicle"

    def battery(self) -> str:
        code = self.rng.choice(self.tenant.packs)
        found = post(self.session, self.url, self.maker_token, BATTERY, {"code": code})
        battery = found["battery"]
        expect(battery is not None and battery["code"] == code, f"battery {code}: {battery}")
        return "battery"

    def service_coverage(self) -> str:
        report = post(self.session, self.url, self.automaker_token, COVERAGE, {})
        coverage = report["serviceCoverage"]
        expect(coverage["enterpriseId"] == self.tenant.automaker, f"coverage: {coverage}")
        expect(bool(coverage["regions"]), "coverage: no regions")
        return "serviceCoverage"

    def regulator_obligations(self) -> str:
        enterprise = self.rng.choice(self.world.enterprises)
        variables = {
            "filter": {"enterpriseId": enterprise, "status": ["OPEN", "OVERDUE"]},
            "first": PAGE,
        }
        data = post(self.session, self.url, self.regulator_token, REGULATOR_OBLIGATIONS, variables)
        edges = data["obligations"]["edges"]
        wrong = [
            e["node"]
            for e in edges
            if e["node"]["responsibleEnterprise"]["id"] != enterprise
            or e["node"]["status"] not in ("OPEN", "OVERDUE")
        ]
        expect(not wrong, f"regulator filter on {enterprise}: {wrong[:2]}")
        return "regulatorObligations"

    def decode_battery_code(self) -> str:
        code = self.rng.choice(self.tenant.packs)
        valid = self.rng.random() >= 0.25
        if not valid:
            code = mistype(code)
        found = post(self.session, self.url, self.maker_token, DECODE, {"code": code})
        report = found["decodeBatteryCode"]
        expect(report["valid"] is valid, f"decode {code}: valid={report['valid']}")
        return "decodeBatteryCode"

    def register_batteries(self) -> str:
        code = fresh_code(self.tenant, self.world, self.serial)
        self.serial += 1
        variables = {
            "input": {"batteries": [{"code": code, "producedOn": self.world.today.isoformat()}]}
        }
        payload = post(self.session, self.url, self.maker_token, REGISTER, variables)
        payload = payload["registerBatteries"]
        no_user_errors(payload)
        expect([b["code"] for b in payload["registered"]] == [code], f"registered: {payload}")
        return "registerBatteries"

    def fulfill_obligation(self) -> str:
        try:
            duty = self.duties.popleft()  # atomic: two clients never get the same duty
        except IndexError:
            return self.register_batteries()
        variables = {
            "input": {
                "id": duty.id,
                "fulfilledOn": max(duty.trigger_date, self.world.today).isoformat(),
                "platformReceipt": f"SOAK-{self.world.run_mark}-{duty.id[-12:]}",
            }
        }
        payload = post(self.session, self.url, self.automaker_token, FULFIL, variables)
        payload = payload["fulfillObligation"]
        no_user_errors(payload)
        obligation = payload["obligation"] or {}
        expect(
            obligation.get("id") == duty.id
            and obligation.get("status") in ("FULFILLED", "FULFILLED_LATE"),
            f"fulfilled: {obligation}",
        )
        return "fulfillObligation"

    def run(self, stop: threading.Event, mix: Mix) -> None:
        operations: dict[str, Callable[[], str]] = {
            "obligations": self.obligations,
            "complianceSummary": self.compliance_summary,
            "vehicle": self.vehicle,
            "battery": self.battery,
            "serviceCoverage": self.service_coverage,
            "regulatorObligations": self.regulator_obligations,
            "decodeBatteryCode": self.decode_battery_code,
            "registerBatteries": self.register_batteries,
            "fulfillObligation": self.fulfill_obligation,
        }
        while not stop.is_set() and (name := mix.take()) is not None:
            started = time.perf_counter()
            counted = name
            status = "200"
            try:
                counted = operations[name]()
            except UnexpectedAnswerError as error:
                status = (
                    error.kind.removeprefix("HTTP ") if error.kind.startswith("HTTP ") else "200"
                )
                self._error(counted, error.kind, f"{name}: {error}")
            except requests.RequestException as error:
                status = type(error).__name__  # no HTTP status: refused, reset, timed out
                self._error(counted, status, f"{name}: {error!r}"[:300])
            except (KeyError, TypeError, ValueError) as error:
                # A body of another shape than the query asked for.
                self._error(counted, "malformed answer", f"{name}: {error!r}"[:300])
            tally = self.tallies.setdefault(counted, Tally())
            tally.latencies.append(time.perf_counter() - started)
            tally.statuses[status] += 1
        self.session.close()

    def _error(self, name: str, kind: str, sample: str) -> None:
        tally = self.tallies.setdefault(name, Tally())
        tally.errors[kind] += 1
        if len(tally.samples) < ERROR_SAMPLES:
            tally.samples.append(sample)


class Mix:
    """The run's requests in order: request n of the run, whichever client sends it, is slot
    n of the cycle; None once ``limit`` requests were handed out."""

    def __init__(self, cycle: Sequence[str], limit: int) -> None:
        self._cycle = tuple(cycle)
        self._next = 0
        self._limit = limit
        self._lock = threading.Lock()

    def take(self) -> str | None:
        with self._lock:
            if self._next >= self._limit:
                return None
            self._next += 1
            return self._cycle[(self._next - 1) % len(self._cycle)]


# --------------------------------------------------------------------------- set-up


def all_obligations(session: requests.Session, url: str, token: str) -> list[Json]:
    """The caller's obligations, following the pages (at most SETUP_MAX_PAGES of them)."""
    nodes: list[Json] = []
    after: str | None = None
    for _ in range(SETUP_MAX_PAGES):
        variables: Json = {"first": SETUP_PAGE, "after": after}
        page = post(session, url, token, SETUP_OBLIGATIONS, variables)["obligations"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return nodes


def discover(url: str) -> World:
    """The demo's vehicles, packs and open vehicle duties, as each automaker sees them."""
    manufacturer_codes = {e["id"]: e.get("manufacturerCodes", []) for e in ENTERPRISES}
    tenants = []
    session = new_session()
    try:
        for automaker, maker in SUPPLIER.items():
            token = mint_token("ENTERPRISE_USER", automaker, subject="soak|set-up")
            nodes = all_obligations(session, url, token)
            vehicles = {n["vehicle"]["vin"]: n["vehicle"] for n in nodes if n["vehicle"]}
            packs = sorted({b["code"] for v in vehicles.values() for b in v["batteries"]})
            duties = [
                Duty(n["id"], date.fromisoformat(n["triggerDate"]))
                for n in nodes
                if n["status"] in ("OPEN", "OVERDUE") and n["subjectKind"] == "VEHICLE"
            ]
            if not vehicles or not packs or not manufacturer_codes.get(maker):
                raise SetUpError(
                    f"{automaker} has {len(vehicles)} vehicles and {len(packs)} packs: "
                    "is the demo data loaded (local/demo.py)?"
                )
            tenants.append(
                Tenant(
                    automaker=automaker,
                    battery_maker=maker,
                    manufacturer_code=manufacturer_codes[maker][0],
                    vins=tuple(sorted(vehicles)),
                    packs=tuple(packs),
                    open_duties=tuple(duties),
                )
            )
    finally:
        session.close()
    return World(
        tenants=tuple(tenants),
        enterprises=tuple(str(e["id"]) for e in ENTERPRISES),
        today=datetime.now(CHINA).date(),
        run_mark="".join(secrets.choice(CODE_ALPHABET) for _ in range(6)),
    )


def make_clients(url: str, world: World, count: int) -> list[Client]:
    """``count`` clients taking the tenants in turn; each tenant's open duties in one queue."""
    queues = {t.automaker: deque(t.open_duties) for t in world.tenants}
    tenants = world.tenants
    return [
        Client(i, url, world, queues[tenants[i % len(tenants)].automaker]) for i in range(count)
    ]


# --------------------------------------------------------------------------- the run


def run_soak(
    url: str,
    *,
    seconds: float,
    clients: int,
    max_requests: int = MAX_REQUESTS,
    stack: Output | None = None,
) -> SoakReport:
    """``clients`` concurrent clients against ``url`` for ``seconds``; the report of what they
    met. ``stack`` (its output) is quoted in the report when something went wrong."""
    check_loopback(url)
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"seconds must be in (0, {MAX_SECONDS:g}], not {seconds}")
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be in [1, {MAX_CLIENTS}], not {clients}")
    setting_up = time.perf_counter()
    world = discover(url)
    setup_seconds = time.perf_counter() - setting_up
    team = make_clients(url, world, clients)
    stop = threading.Event()
    mix = Mix(schedule(OPERATIONS), max_requests)
    threads = [
        threading.Thread(target=c.run, args=(stop, mix), name=f"soak-{c.index}", daemon=True)
        for c in team
    ]
    since = len(stack.lines) if stack else 0
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    interrupted = False
    try:
        stop.wait(seconds)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: stop early, still report
        interrupted = True
    finally:
        stop.set()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT_SECONDS + 5)
    elapsed = time.perf_counter() - started
    tallies: dict[str, Tally] = {op.name: Tally() for op in OPERATIONS}
    for client in team:
        for name, tally in client.tallies.items():
            tallies.setdefault(name, Tally()).add(tally)
    notes: list[str] = []
    if stack is not None:
        answered = sum(t.statuses["200"] for t in tallies.values())
        for name, times in handler_times(stack, since, answered).items():
            tallies.setdefault(name, Tally()).handler_ms += times
        with stack.changed:
            notes = [line for line in stack.lines[since:] if worth_showing(line)]
    return SoakReport(
        url=url,
        clients=clients,
        seconds=seconds,
        elapsed=elapsed,
        tallies=tallies,
        setup_seconds=setup_seconds,
        interrupted=interrupted,
        stack_notes=notes,
    )


def handler_times(stack: Output, since: int, expected: int) -> dict[str, list[float]]:
    """The handler's own time (ms) per operation, from its log lines after line ``since``;
    waits up to LOG_WAIT_SECONDS for ``expected`` of them (the output is read by a thread)."""
    deadline = time.monotonic() + LOG_WAIT_SECONDS
    while True:
        with stack.changed:
            lines = stack.lines[since:]
        times: dict[str, list[float]] = {}
        for line in lines:
            if not line.startswith("{") or HANDLER_LOG not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            name = COUNTED_AS.get(str(record.get("operation")))
            elapsed = record.get("elapsed_ms")
            if record.get("message") == HANDLER_LOG and name and isinstance(elapsed, int | float):
                times.setdefault(name, []).append(float(elapsed))
        if sum(map(len, times.values())) >= expected or time.monotonic() >= deadline:
            return times
        time.sleep(0.1)


def worth_showing(line: str) -> bool:
    """A line of the stack's output other than its record of a request that went well."""
    if REQUEST_LINE.match(line):
        return False
    if line.startswith("{"):  # structured logs and metrics: warnings and errors only
        return any(f'"level":"{level}"' in line for level in ("WARNING", "ERROR", "CRITICAL"))
    return True


def check_loopback(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK or parts.path not in ("", "/"):
        raise ValueError(f"the URL must be http://{LOOPBACK}:PORT (the local stack), not {url!r}")


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description="Load test of the local stack."
    )
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="default 60")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="default 16")
    parser.add_argument(
        "--url",
        help=f"a running stack, http://{LOOPBACK}:PORT; without it one is started for the run",
    )
    parsed = parser.parse_args(argv)
    try:
        if parsed.url:
            check_loopback(parsed.url)
        if not 0 < parsed.seconds <= MAX_SECONDS:
            raise ValueError(f"--seconds must be in (0, {MAX_SECONDS:g}]")
        if not 1 <= parsed.clients <= MAX_CLIENTS:
            raise ValueError(f"--clients must be in [1, {MAX_CLIENTS}]")
    except ValueError as error:
        parser.error(str(error))
    return parsed


def interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as Ctrl-C: the clients stop, the stack is stopped, the report printed."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    options = arguments(argv)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        if options.url:
            report = run_soak(
                options.url.rstrip("/"), seconds=options.seconds, clients=options.clients
            )
        else:
            print("starting the local stack (python -m local.run) ...", flush=True)
            with started() as stack:
                print(f"stack ready at {stack.url}; soaking for {options.seconds:g} s", flush=True)
                report = run_soak(
                    stack.url, seconds=options.seconds, clients=options.clients, stack=stack.output
                )
    except (StackError, SetUpError, UnexpectedAnswerError, requests.RequestException) as error:
        # The stack did not start, or the reads before the clock failed.
        print(f"soak: cannot start: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("soak: interrupted before the run", file=sys.stderr)
        return 130
    print(report.render())
    if report.interrupted:
        return 130
    return 1 if report.error_count or not report.requests else 0


if __name__ == "__main__":
    raise SystemExit(main())
