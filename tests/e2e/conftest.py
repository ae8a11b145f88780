"""End-to-end tests run the local stack (``python -m local.run``) as its own process and talk to
it over loopback HTTP, as a frontend or partner system would.

The stack starts once per session on a free port and is stopped with SIGINT (Ctrl-C) at the
end, which must be a clean exit. Sockets are allowed here: the unit tests' guard replaces
``socket.socket`` for the rest of the session once it has run, so the real one is put back
before the stack is reached.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_socket import enable_socket

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
READY = "ready in"
DEMO_LOADED = "demo data: loaded"
DEMO_FAILED = "demo data: failed"
# Settings that would point the stack at another DynamoDB or at real AWS.
_ELSEWHERE = ("LOCAL_USE_REAL_AWS", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE")


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
    url: str
    output: Output
    demo_line: str


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _environment(port: int) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in _ELSEWHERE}
    environment["PORT"] = str(port)
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """Given the local stack started with its demo data loaded."""
    enable_socket()  # session fixtures start before the module's autouse fixture below
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.run"],
        cwd=ROOT,
        env=_environment(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    output = Output()
    threading.Thread(target=output.follow, args=(process,), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    demo_line = None
    try:
        for fragment in (READY, DEMO_LOADED):
            demo_line = output.line_with(fragment, deadline, refused=DEMO_FAILED)
            if demo_line is None:
                pytest.fail(
                    f"python -m local.run did not print {fragment!r} within "
                    f"{START_TIMEOUT_SECONDS:.0f} s (exit status {process.poll()}); "
                    f"it printed:\n{output.text()}"
                )
    except BaseException:
        _kill(process)
        raise
    assert demo_line is not None
    yield LocalStack(url=f"http://127.0.0.1:{port}", output=output, demo_line=demo_line)

    # Then Ctrl-C stops it cleanly.
    process.send_signal(signal.SIGINT)
    try:
        status = process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        _kill(process)
        pytest.fail(
            f"the stack did not stop within {STOP_TIMEOUT_SECONDS:.0f} s of SIGINT:\n"
            f"{output.text()}"
        )
    assert status == 0, f"the stack exited with {status} on SIGINT:\n{output.text()}"


@pytest.fixture(scope="session")
def base_url(local_stack: LocalStack) -> str:
    return local_stack.url


@pytest.fixture(autouse=True, scope="module")
def _sockets_allowed() -> None:
    enable_socket()
