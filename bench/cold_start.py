"""Benchmark of the API function's cold start against bare imports of its libraries.

Owns the figures in docs/BENCHMARKS.md ("Cold start"). Run with ``make bench``.

A Lambda cold start runs the handler module's imports and whatever it builds before the first
request; that time is added to the first request of every new execution environment. Here a
fresh Python process imports ``functions.api``, reads the settings
(``graph.settings.settings_from_environment()``, production stage, cursor key given directly
so no SSM call) and builds the schema (``graph.schema.build_schema(introspection=False)``),
timed with ``perf_counter`` inside the process. The baseline is a fresh process importing only
the libraries the function stands on: ``strawberry``, ``pynamodb.models``, ``boto3`` and
``aws_lambda_powertools.event_handler``. They run back to back, 25 rounds, each round's
function run paired with its baseline run; the target is the function within 1.25x of the
baseline.

Beside them runs the floor (bench/strawberry_floor.py): a fresh process importing the baseline's
libraries and building this same schema (graph/schema.graphql) declared as plain Strawberry types,
with its fields, arguments and descriptions and nothing else. It is the least any Strawberry
project serving this schema pays; the function's distance from it is the project's own cost, and
the floor's ratio to the baseline says whether the target can be met with this schema at all.
Each round runs the three back to back, in an order that rotates.

The ratio is the median of the 25 pairs' ratios. On a shared machine the same process takes
anywhere from 450 to 950 ms as the host's load comes and goes, over seconds; the two runs of a
pair see nearly the same machine, so their ratio cancels most of it, where a ratio of the two
sides' medians can set a slow stretch of one against a fast stretch of the other. The ratio of
the medians and of the fastest runs (the least disturbed) are printed beside it.

Both sides run with compiled bytecode for every module, kept in a private cache
(``PYTHONPYCACHEPREFIX``) filled by one discarded run of each, so the figures do not depend on
whether this checkout has ``__pycache__`` directories. What a start costs when the project's
own modules have no bytecode (Lambda's code directory is read-only, so a package shipped
without ``.pyc`` files compiles them at every start) is printed separately: the time to
compile those modules. So is what the first request adds on top: PynamoDB builds its botocore
client on the first DynamoDB call, not at import.

Where the time goes: ``python -X importtime`` runs of both processes (median of 3 per module)
give the function's 10 largest imports by cumulative time, and the modules only the function
imports (the baseline's process never loads them), by package and the 10 largest by their own
import time: what there is to trim.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.strawberry_floor import write_floor
from local.environment import API_FUNCTION, function_env

PAIRS = 25
IMPORTTIME_RUNS = 3
COMPILE_RUNS = 5
CLIENT_RUNS = 5
TOP = 10
RATIO_TARGET = 1.25
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Any AWS call at import would go here and fail at once: a cold start must not make one.
CLOSED_ENDPOINT = "http://127.0.0.1:9"

FUNCTION_SCRIPT = """
import json, time
started = time.perf_counter()
import functions.api
imported = time.perf_counter()
from graph.settings import settings_from_environment
settings_from_environment()
configured = time.perf_counter()
from graph.schema import build_schema
build_schema(introspection=False)
built = time.perf_counter()
phases = {
    "total": (built - started) * 1000,
    "import": (imported - started) * 1000,
    "settings": (configured - imported) * 1000,
    "schema": (built - configured) * 1000,
}
import os
if os.environ.get("BENCH_FIRST_CLIENT"):
    from compliance.store.models import ObligationItem
    ObligationItem._get_connection().connection.client
    phases["client"] = (time.perf_counter() - built) * 1000
print(json.dumps(phases))
"""

BASELINE_SCRIPT = """
import json, time
started = time.perf_counter()
import strawberry, pynamodb.models, boto3, aws_lambda_powertools.event_handler
print(json.dumps({"total": (time.perf_counter() - started) * 1000}))
"""

# The baseline, then the schema as plain Strawberry types (a module written by
# bench/strawberry_floor.py into the directory given as its first argument).
FLOOR_SCRIPT = """
import json, sys, time
started = time.perf_counter()
import strawberry, pynamodb.models, boto3, aws_lambda_powertools.event_handler
imported = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import strawberry_floor_schema
built = time.perf_counter()
print(json.dumps({
    "total": (built - started) * 1000,
    "schema": (built - imported) * 1000,
}))
"""


def child_environment(cache: Path) -> dict[str, str]:
    """The API function's production environment, in a process of its own, with its bytecode
    read from and written to ``cache``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTHON", "POWERTOOLS_"))
    }
    env |= function_env(API_FUNCTION, parameters={"Stage": "prod"})
    env |= {
        "CURSOR_SECRET": "benchmark-cursor-key",
        "API_KEY_PEPPER": "benchmark-pepper-of-at-least-32-characters",
        "AWS_REGION": "ap-southeast-1",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": CLOSED_ENDPOINT,
        "PYTHONPYCACHEPREFIX": str(cache),
    }
    return env


@dataclass
class Run:
    phases: dict[str, float]
    wall_ms: float
    stderr: str


def run_child(
    python: str, script: str, env: Mapping[str, str], *options: str, args: Iterable[str] = ()
) -> Run:
    started = time.perf_counter()
    done = subprocess.run(
        [python, *options, "-c", script, *args],
        cwd=PROJECT_ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    return Run(json.loads(lines[-1]) if lines else {}, wall_ms, done.stderr)


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    def median(self, phase: str) -> float:
        return statistics.median(r.phases[phase] for r in self.runs)

    def fastest(self, phase: str) -> float:
        return min(r.phases[phase] for r in self.runs)

    def spread(self, phase: str) -> tuple[float, float]:
        values = [r.phases[phase] for r in self.runs]
        return min(values), max(values)

    def wall(self) -> float:
        return statistics.median(r.wall_ms for r in self.runs)


# --- python -X importtime --------------------------------------------------------------------


@dataclass
class Module:
    name: str
    self_us: int
    cumulative_us: int
    children: list[Module] = field(default_factory=list)


def parse_importtime(stderr: str) -> list[Module]:
    """The import tree: ``-X importtime`` prints each module after the modules it imported,
    indented two spaces per level."""
    pending: dict[int, list[Module]] = defaultdict(list)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        module = Module(name.strip(), int(self_us), int(cumulative_us))
        module.children = pending.pop(depth + 1, [])
        pending[depth].append(module)
    return pending[0]


def walk(modules: Iterable[Module]) -> Iterable[Module]:
    for module in modules:
        yield module
        yield from walk(module.children)


def median_by_name(trees: list[list[Module]], value: str) -> dict[str, float]:
    samples: dict[str, list[int]] = defaultdict(list)
    for tree in trees:
        for module in walk(tree):
            samples[module.name].append(getattr(module, value))
    return {name: statistics.median(v) for name, v in samples.items()}


def report_imports(python: str, env: Mapping[str, str]) -> None:
    function_trees, baseline_trees = [], []
    for _ in range(IMPORTTIME_RUNS):
        function_trees.append(
            parse_importtime(run_child(python, FUNCTION_SCRIPT, env, "-X", "importtime").stderr)
        )
        baseline_trees.append(
            parse_importtime(run_child(python, BASELINE_SCRIPT, env, "-X", "importtime").stderr)
        )
    cumulative = median_by_name(function_trees, "cumulative_us")
    own = median_by_name(function_trees, "self_us")
    known = {m.name for tree in baseline_trees for m in walk(tree)}
    print(
        f"python -X importtime, the function's process, median of {IMPORTTIME_RUNS} runs "
        "(importtime itself slows imports down)"
    )
    print(f"  top {TOP} by cumulative time:")
    for name, us in sorted(cumulative.items(), key=lambda item: -item[1])[:TOP]:
        print(f"    {us / 1000:7.1f} ms  {name}")
    only_function = {name: us for name, us in own.items() if name not in known}
    print(
        f"  imported only by the function: {len(only_function)} modules, "
        f"{sum(only_function.values()) / 1000:.1f} ms of their own import time"
    )
    by_package: dict[str, float] = defaultdict(float)
    for name, us in only_function.items():
        by_package[name.split(".")[0]] += us
    packages = sorted(by_package.items(), key=lambda item: -item[1])
    print("    by package: " + ", ".join(f"{p} {us / 1000:.1f} ms" for p, us in packages))
    print(f"    top {TOP} by their own time:")
    for name, us in sorted(only_function.items(), key=lambda item: -item[1])[:TOP]:
        print(f"    {us / 1000:7.1f} ms  {name}")
    sources = [p for p in (project_source(name) for name in cumulative) if p is not None]
    compile_ms = statistics.median(compile_time_ms(python, sources) for _ in range(COMPILE_RUNS))
    print(
        f"  compiling the {len(sources)} project modules it imports from source: "
        f"{compile_ms:.0f} ms (median of {COMPILE_RUNS}); every start pays this when they ship "
        "without .pyc files (Lambda cannot write __pycache__ next to its code)"
    )


def project_source(module: str) -> Path | None:
    """The file of one of the project's own modules; None for a library's."""
    base = PROJECT_ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


COMPILE_SCRIPT = """
import sys, time
texts = [(open(path, "rb").read(), path) for path in sys.argv[1:]]
started = time.perf_counter()
for text, name in texts:
    compile(text, name, "exec", dont_inherit=True)
print((time.perf_counter() - started) * 1000)
"""


def compile_time_ms(python: str, sources: Iterable[Path]) -> float:
    """Compiling `sources` to bytecode, by the interpreter at `python` (each version's compiler
    is its own)."""
    done = subprocess.run(
        [python, "-c", COMPILE_SCRIPT, *map(str, sources)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def interpreter_version(python: str) -> str:
    done = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def compare(python: str) -> None:
    """One whole comparison, both sides run by the interpreter at `python`."""
    print(f"python {interpreter_version(python)} ({python}) on {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache_dir:
        compiled = child_environment(Path(cache_dir))
        floor_dir = Path(cache_dir) / "floor"
        floor_dir.mkdir()
        write_floor(floor_dir)
        scripts = [
            (FUNCTION_SCRIPT, ()),
            (BASELINE_SCRIPT, ()),
            (FLOOR_SCRIPT, (str(floor_dir),)),
        ]
        # Fill the bytecode cache (and the OS file cache) for each; not measured.
        for script, args in scripts:
            run_child(python, script, compiled, args=args)

        function, baseline, floor = Series(), Series(), Series()
        triple = list(zip((function, baseline, floor), scripts, strict=True))
        for i in range(PAIRS):
            # Rotate which goes first, second and third.
            for series, (script, args) in triple[i % 3 :] + triple[: i % 3]:
                series.runs.append(run_child(python, script, compiled, args=args))

        ratio = statistics.median(
            f.phases["total"] / b.phases["total"]
            for f, b in zip(function.runs, baseline.runs, strict=True)
        )
        verdict = "met" if ratio <= RATIO_TARGET else "MISSED"
        low, high = function.spread("total")
        print(f"{PAIRS} rounds, back to back; times inside the process (perf_counter)")
        print(
            f"  function  median {function.median('total'):6.0f} ms  ({low:.0f}-{high:.0f})"
            f"   import {function.median('import'):.0f} ms, "
            f"settings {function.median('settings'):.1f} ms, "
            f"schema {function.median('schema'):.0f} ms"
        )
        low, high = baseline.spread("total")
        print(f"  baseline  median {baseline.median('total'):6.0f} ms  ({low:.0f}-{high:.0f})")
        print(
            f"  function / baseline, median of the pairs: {ratio:.2f}x "
            f"(target within {RATIO_TARGET}x: {verdict})"
        )
        print(
            f"  ratio of the medians {function.median('total') / baseline.median('total'):.2f}x, "
            f"of the fastest runs {function.fastest('total') / baseline.fastest('total'):.2f}x; "
            f"the function adds {function.median('total') - baseline.median('total'):.0f} ms "
            f"(medians), {function.fastest('total') - baseline.fastest('total'):.0f} ms (fastest)"
        )
        low, high = floor.spread("total")
        floor_ratio = statistics.median(
            f.phases["total"] / b.phases["total"]
            for f, b in zip(floor.runs, baseline.runs, strict=True)
        )
        print(
            f"  floor     median {floor.median('total'):6.0f} ms  ({low:.0f}-{high:.0f})"
            f"   the baseline, then this schema as plain Strawberry types: "
            f"{floor.median('schema'):.0f} ms"
        )
        print(
            f"  floor / baseline, median of the pairs: {floor_ratio:.2f}x: the least any "
            f"Strawberry project serving this schema scores; the function adds "
            f"{function.median('total') - floor.median('total'):.0f} ms to it (medians)"
        )
        print(
            f"  whole process, interpreter start included (wall clock): function "
            f"{function.wall():.0f} ms, baseline {baseline.wall():.0f} ms"
        )
        with_client = compiled | {"BENCH_FIRST_CLIENT": "1"}
        clients = Series(
            [run_child(python, FUNCTION_SCRIPT, with_client) for _ in range(CLIENT_RUNS)]
        )
        print(
            f"  not in the comparison: PynamoDB builds its botocore client on the first "
            f"DynamoDB call, {clients.median('client'):.0f} ms (median of {CLIENT_RUNS}), "
            "paid by the first request"
        )
        print()
        report_imports(python, compiled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python",
        action="append",
        help="an interpreter to run both sides with (repeatable; default: this one). The "
        "Lambda runtime is Python 3.13: `make bench` adds that venv's interpreter when it exists",
    )
    pythons = parser.parse_args().python or [sys.executable]
    print("Cold start: a fresh process importing functions.api, reading the settings and")
    print("building the schema, against one importing only the libraries it stands on")
    for python in pythons:
        print()
        compare(python)


if __name__ == "__main__":
    main()
