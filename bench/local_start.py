"""Benchmark of ``make run``'s start: how long until the local stack answers, and until its demo
data is in. Owns the figures in docs/BENCHMARKS.md ("Local stack start"). Run with
``make bench`` or ``python -m bench.local_start``.

Each run starts ``python -m local.run`` as ``make run`` does once the venv exists (through
``local.stack.started``, on a free port), and times from starting the process, interpreter
start and imports included, to its ``ready in`` line (the gateway serves /graphql: the target
is 5 s) and to its ``demo data: loaded`` line; then stops it with SIGINT, as Ctrl-C does. The
first run fills the OS file cache and is reported apart.
"""

from __future__ import annotations

import platform
import statistics

from local.stack import started

RUNS = 5
READY_TARGET_SECONDS = 5.0


def one_start() -> tuple[float, float]:
    with started() as stack:
        timings = stack.ready_seconds, stack.loaded_seconds
        status = stack.stop()
    if status != 0:
        raise SystemExit(f"local_start: the stack exited with status {status} on SIGINT")
    return timings


def main() -> None:
    print("Local stack start: python -m local.run, from starting the process to its lines")
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print()
    first_ready, first_loaded = one_start()
    print(f"first run (cold caches): ready {first_ready:.1f} s, demo data {first_loaded:.1f} s")
    ready, loaded = [], []
    for _ in range(RUNS):
        r, d = one_start()
        ready.append(r)
        loaded.append(d)
    verdict = "met" if max(ready) <= READY_TARGET_SECONDS else "MISSED"
    print(
        f"{RUNS} runs: ready median {statistics.median(ready):.1f} s "
        f"({min(ready):.1f}-{max(ready):.1f}); target within {READY_TARGET_SECONDS:.0f} s in "
        f"every run: {verdict}"
    )
    print(
        f"         demo data loaded median {statistics.median(loaded):.1f} s "
        f"({min(loaded):.1f}-{max(loaded):.1f})"
    )


if __name__ == "__main__":
    main()
