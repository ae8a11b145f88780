"""The local stack as a child process, for the end-to-end tests and the load test (bench/soak.py).

This module owns starting ``python -m local.run`` from another program, waiting until it is
ready, and stopping it. ``started()`` runs it on a free loopback port, without the settings
that would point it at another DynamoDB or at real AWS, reads its output as it comes, and
waits (at most START_TIMEOUT_SECONDS) until it has printed ``ready in`` and then
``demo data: loaded``. A stack that does not get there is killed, and ``StackError`` says which
line was missing, how the process exited and everything it printed. Leaving the ``with`` block
stops the stack with SIGINT (Ctrl-C), as a person at the terminal would; ``LocalStack.stop()``
does it earlier, for a caller that holds the stack to a clean exit. Each stack starts clean
(``FRESH=1``) with a data folder of its own (``LOCAL_DATA_DIR``, a temporary folder removed
afterwards): it neither restores nor overwrites the snapshot of ``make run``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
READY = "ready in"
DEMO_LOADED = "demo data: loaded"
DEMO_FAILED = "demo data: failed"
# Settings that would point the stack at another DynamoDB or at real AWS.
_ELSEWHERE = ("LOCAL_USE_REAL_AWS", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE")


class StackError(Exception):
    """The stack did not become ready, or did not stop when asked; the message quotes its output."""


@dataclass
class Output:
    """Every line the stack prints (stdout and stderr), read as it comes so no pipe fills up."""

    lines: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    closed: bool = False

    def follow(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def line_with(self, fragment: str, deadline: float, refused: str) -> str | None:
        """The first line containing ``fragment``; None once ``refused`` is printed, the
        output ends, or ``deadline`` (monotonic) passes."""
        with self.changed:
            while True:
                for line in self.lines:
                    if fragment in line:
                        return line
                    if refused in line:
                        return None
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    return None
                self.changed.wait(remaining)

    def text(self) -> str:
        with self.changed:
            return "\n".join(self.lines)


@dataclass(frozen=True)
class LocalStack:
    """A started stack: where it serves, what it prints, and its line saying the demo data is in."""

    url: str
    output: Output
    demo_line: str
    process: subprocess.Popen[str]
    ready_seconds: float  # from starting the process to its "ready in" line
    loaded_seconds: float  # from starting the process to its "demo data: loaded" line

    def stop(self) -> int:
        """SIGINT, then the stack's exit status; StackError (the stack killed) if it has not
        exited within STOP_TIMEOUT_SECONDS."""
        status = _interrupt(self.process)
        if status is None:
            raise StackError(
                f"the stack did not stop within {STOP_TIMEOUT_SECONDS:.0f} s of SIGINT:\n"
                f"{self.output.text()}"
            )
        return status


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def started() -> Iterator[LocalStack]:
    """``python -m local.run`` on a free port, its demo data loaded; stopped with SIGINT on
    leaving the block (killed if it has not exited within STOP_TIMEOUT_SECONDS) unless
    ``LocalStack.stop()`` already has. StackError if it is not ready in START_TIMEOUT_SECONDS."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="nev-local-data-") as data_dir:
        spawned = time.monotonic()
        process = _spawn(port, data_dir)
        yield from _serve(process, port, spawned)


def _serve(process: subprocess.Popen[str], port: int, spawned: float) -> Iterator[LocalStack]:
    output = Output()
    threading.Thread(target=output.follow, args=(process,), daemon=True).start()
    deadline = spawned + START_TIMEOUT_SECONDS
    try:
        _printed(READY, process, output, deadline)
        ready = time.monotonic()
        demo_line = _printed(DEMO_LOADED, process, output, deadline)
        loaded = time.monotonic()
    except BaseException:
        _kill(process)  # not ready: there is no clean stop to wait for
        raise
    try:
        yield LocalStack(
            url=f"http://127.0.0.1:{port}",
            output=output,
            demo_line=demo_line,
            process=process,
            ready_seconds=ready - spawned,
            loaded_seconds=loaded - spawned,
        )
    finally:
        if process.poll() is None:
            _interrupt(process)


def _spawn(port: int, data_dir: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "local.run"],
        cwd=ROOT,
        env=_environment(port, data_dir),
        # A group of its own: Ctrl-C reaches the program that started the stack only, which
        # stops its own work before the stack (in the terminal's group, the stack would stop
        # under it).
        process_group=0,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )


def _environment(port: int, data_dir: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in _ELSEWHERE}
    environment["PORT"] = str(port)
    environment["FRESH"] = "1"
    environment["LOCAL_DATA_DIR"] = data_dir
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _printed(fragment: str, process: subprocess.Popen[str], output: Output, deadline: float) -> str:
    line = output.line_with(fragment, deadline, refused=DEMO_FAILED)
    if line is None:
        raise StackError(
            f"python -m local.run did not print {fragment!r} within "
            f"{START_TIMEOUT_SECONDS:.0f} s (exit status {process.poll()}); "
            f"it printed:\n{output.text()}"
        )
    return line


def _interrupt(process: subprocess.Popen[str]) -> int | None:
    """SIGINT, as Ctrl-C at the terminal, and the exit status; None (the process killed) if it
    has not exited within STOP_TIMEOUT_SECONDS."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        _kill(process)
        return None


def _kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
