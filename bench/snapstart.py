"""Benchmark of the API function with Lambda SnapStart: what its snapshot holds, and what a
restore still has to do, against a cold start.

Owns the figures in docs/BENCHMARKS.md ("SnapStart"). Run with ``make bench``.

Three kinds of fresh process, run in rounds back to back (the order rotates from round to
round), each answering its first request through ``functions.api.handler`` against a moto
server on loopback loaded with the local stack's demo data (production settings, the cursor key
given directly):

- **cold start**: import ``functions.api``, then the first request. A cold start without
  SnapStart pays both.
- **restore**: import ``functions.api``, run the before-snapshot hooks as Lambda's runtime does
  (``functions/snapshot.py``: ``prime``), describe what the process now holds (the snapshot),
  run the after-restore hooks (``renew``), then the first request. A restore pays only the last
  two: the import and the priming happen once per published version.
- **restore, no priming requests**: the same with the priming's GraphQL requests left out, to
  show what they buy the first request.

Each then sends its request again (a warm repeat, for scale). The first request is not one of
the documents the priming ran, so its parsing and validation are paid as for any document a
client sends first. Each phase is timed inside the process with ``perf_counter`` (wall) and
``process_time`` (the process's own CPU). moto answers in this process, not the child's, and
far slower than DynamoDB: the CPU figures leave it out, the wall figures do not. What Lambda
itself spends resuming a snapshot (loading the memory, the runtime's restore) is not modelled.

The figure the first caller feels is the import plus the first request (cold start) against the
after-restore hook plus the first request (restore), compared round by round (the median of the
rounds' ratios), as bench/cold_start.py compares its pairs: the runs of one round see nearly the
same machine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from bench.cold_start import Run, child_environment, interpreter_version, run_child

ROUNDS = 15
AUTOMAKER = "91350100M000100Y43"
DEMO_TODAY = date(2026, 11, 26)

CHILD_SCRIPT = """
import json, os, sys, threading, time

marks = {}
def mark(name):
    marks[name] = (time.perf_counter() * 1000, time.process_time() * 1000)

mark("start")
import functions.api
mark("imported")
modules = {"imported": len(sys.modules)}

QUERY = '''{ obligations(first: 50) { edges { node { id ruleId dueDate status
    responsibleEnterprise { name } vehicle { vin batteries { code } } } } } }'''
def event():
    return {
        "version": "2.0", "routeKey": "POST /graphql", "rawPath": "/graphql",
        "rawQueryString": "", "headers": {"content-type": "application/json"},
        "requestContext": {
            "requestId": "bench", "http": {"method": "POST", "path": "/graphql"},
            "authorizer": {"jwt": {"claims": {"sub": "bench", "role": "ENTERPRISE_ADMIN",
                                              "enterprise_id": os.environ["BENCH_ENTERPRISE"]},
                                   "scopes": None}}},
        "body": json.dumps({"query": QUERY}), "isBase64Encoded": False,
    }
class Context:
    aws_request_id = "bench"; function_name = "api"; memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:api"

def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

held = {}
if os.environ["BENCH_MODE"] == "snapstart":
    from snapshot_restore_py import get_after_restore, get_before_snapshot
    if os.environ.get("BENCH_PRIMING_REQUESTS") == "0":
        import functions.snapshot
        functions.snapshot.PRIMING_DOCUMENTS = ()
    before = get_before_snapshot()
    while before:  # as Lambda's runtime runs them: the last registered first
        func, args, kwargs = before.pop()
        func(*args, **kwargs)
    mark("primed")
    modules["primed"] = len(sys.modules)
    from compliance.calendar import default_calendar
    from compliance.codes import battery_code_tables
    from compliance.store.models import ObligationItem
    from graph import http, replay, schema, settings
    from strawberry.extensions.parser_cache import _get_parse_cache
    from strawberry.extensions.validation_cache import _get_validate_cache
    held = {
        "modules": len(sys.modules),
        "rss_mb": round(rss_mb(), 1),
        "threads": threading.active_count(),
        "schemas": schema.build_schema.cache_info().currsize,
        "settings": settings.settings_from_environment.cache_info().currsize,
        "parsed_documents": _get_parse_cache(512).cache_info().currsize,
        "validated_documents": _get_validate_cache(512).cache_info().currsize,
        "http_parsed_documents": http._parse.cache_info().currsize,
        "data_files": default_calendar.cache_info().currsize
        + battery_code_tables.cache_info().currsize,
        "dynamodb_client": ObligationItem._get_connection().connection._client is not None,
        "idempotency_client": replay._persistence.cache_info().currsize,
    }
    for func, args, kwargs in get_after_restore():
        func(*args, **kwargs)
    mark("restored")
loaded = set(sys.modules)
first = functions.api.handler(event(), Context())
mark("first")
modules["first_imports"] = sorted(set(sys.modules) - loaded)
assert first["statusCode"] == 200 and '"errors"' not in first["body"], first
second = functions.api.handler(event(), Context())
mark("second")
assert json.loads(second["body"])["data"] == json.loads(first["body"])["data"]
print(json.dumps({"marks": marks, "modules": modules, "held": held, "rss_mb": round(rss_mb(), 1)}))
"""


def phases(run: Run) -> dict[str, float]:
    """Wall and CPU milliseconds of each phase of one child."""
    data: Any = run.phases
    marks: dict[str, list[float]] = data["marks"]
    order = [
        name
        for name in ("start", "imported", "primed", "restored", "first", "second")
        if name in marks
    ]
    out: dict[str, float] = {}
    for before, after in itertools.pairwise(order):
        out[f"{after}_wall"] = marks[after][0] - marks[before][0]
        out[f"{after}_cpu"] = marks[after][1] - marks[before][1]
    return out


def felt(run: Run, kind: str) -> float:
    """What the first request's caller waits for in this process: a cold start's import and
    first request; a restore's after-restore hook and first request."""
    p = phases(run)
    if "restored_wall" in p:
        return p[f"restored_{kind}"] + p[f"first_{kind}"]
    return p[f"imported_{kind}"] + p[f"first_{kind}"]


def _median(runs: list[Run], key: str) -> float:
    return statistics.median(phases(r)[key] for r in runs)


def _cell(runs: list[Run], key: str) -> str:
    """The median of one phase over `runs`, with its range."""
    values = [phases(r)[key] for r in runs]
    return f"{statistics.median(values):7.1f} ({min(values):.0f}-{max(values):.0f})"


# The three kinds of child: environment variables and column heading.
KINDS = (
    ({"BENCH_MODE": "cold"}, "cold start"),
    ({"BENCH_MODE": "snapstart"}, "restore"),
    ({"BENCH_MODE": "snapstart", "BENCH_PRIMING_REQUESTS": "0"}, "restore, no priming requests"),
)
ROWS = (
    ("import functions.api", "imported"),
    ("before-snapshot hook", "primed"),
    ("after-restore hook", "restored"),
    ("first request", "first"),
    ("warm repeat of it", "second"),
)


def compare(python: str, env: dict[str, str], rounds: int) -> None:
    print(f"python {interpreter_version(python)} ({python}) on {platform.machine()}")
    series: list[list[Run]] = [[] for _ in KINDS]
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache_dir:
        child_env = child_environment(Path(cache_dir)) | env
        # Fill the bytecode cache (and the OS file cache); not measured.
        run_child(python, CHILD_SCRIPT, child_env | KINDS[1][0])
        for i in range(rounds):
            for k in range(len(KINDS)):  # the order rotates from round to round
                kind = (i + k) % len(KINDS)
                series[kind].append(run_child(python, CHILD_SCRIPT, child_env | KINDS[kind][0]))
    cold, restore, bare = series

    print(f"{rounds} rounds of the three, back to back; ms inside the process, median (range)")
    print(f"  {'':30s}" + "".join(f"{heading:>30s}" for _, heading in KINDS))
    for label, key in ROWS:
        for unit in ("wall", "cpu"):
            cells = [
                _cell(runs, f"{key}_{unit}") if f"{key}_{unit}" in phases(runs[0]) else "-"
                for runs in series
            ]
            print(f"  {label + ', ' + unit:30s}" + "".join(f"{cell:>30s}" for cell in cells))
    print("  (import and before-snapshot hook: once per published version, in the snapshot)")
    for unit in ("wall", "cpu"):
        ratios = [felt(r, unit) / felt(c, unit) for c, r in zip(cold, restore, strict=True)]
        print(
            f"  first caller waits ({unit}): cold start "
            f"{statistics.median(felt(r, unit) for r in cold):.0f} ms (import + first request), "
            f"restore {statistics.median(felt(r, unit) for r in restore):.0f} ms (after-restore "
            f"hook + first request); restore / cold, median of the rounds: "
            f"{statistics.median(ratios):.2f}x"
        )
    print(
        "  the priming requests save the first request "
        f"{_median(bare, 'first_cpu') - _median(restore, 'first_cpu'):.0f} ms of CPU; it is "
        f"{_median(restore, 'first_cpu') - _median(restore, 'second_cpu'):.0f} ms above its "
        "warm repeat"
    )
    last_cold: Any = cold[-1].phases
    last: Any = restore[-1].phases
    held, modules = last["held"], last["modules"]
    print()
    print("What the snapshot holds (the last restore run, after the before-snapshot hook):")
    print(
        f"  {held['modules']} modules ({modules['primed'] - modules['imported']} imported by "
        f"the priming), {held['rss_mb']} MB resident, {held['threads']} threads"
    )
    print(
        f"  schemas built {held['schemas']}, settings {held['settings']}, data files "
        f"{held['data_files']}; documents parsed {held['parsed_documents']} (graph.http "
        f"{held['http_parsed_documents']}), validated {held['validated_documents']}"
    )
    print(
        f"  botocore clients: PynamoDB's shared client {held['dynamodb_client']}, the "
        f"idempotency layer's {bool(held['idempotency_client'])}"
    )
    print("What the first request still imports:")
    for heading, imports in (
        ("cold start", last_cold["modules"]["first_imports"]),
        ("restore", modules["first_imports"]),
    ):
        print(f"  {heading}: {len(imports)} modules {', '.join(imports[:8])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python",
        action="append",
        help="an interpreter to run the children with (repeatable; default: this one). The "
        "Lambda runtime is Python 3.13: `make bench` passes that venv's interpreter",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()

    import boto3

    from local.aws import start_aws
    from local.environment import API_FUNCTION, function_env
    from local.tables import create_tables

    aws = start_aws()
    try:
        os.environ.update(function_env(API_FUNCTION, parameters={"Stage": "prod"}))
        os.environ["CURSOR_SECRET"] = "benchmark-cursor-key"
        os.environ["API_KEY_PEPPER"] = "benchmark-pepper-of-at-least-32-characters"
        create_tables(boto3.client("dynamodb"))
        # The store reads table names and region when imported: only now that they are set.
        from local.demo import load

        demo = load(DEMO_TODAY)
        print("SnapStart: a cold start against a restore from the API function's snapshot")
        print(f"moto server at {aws.endpoint}; local demo data as of {DEMO_TODAY}: {demo}")
        env: dict[str, Any] = {"AWS_ENDPOINT_URL": aws.endpoint, "BENCH_ENTERPRISE": AUTOMAKER}
        for python in args.python or [sys.executable]:
            print()
            compare(python, env, args.rounds)
    finally:
        aws.stop()


if __name__ == "__main__":
    main()
