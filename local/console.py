"""What the local stack prints while it serves: one short line per request; the functions' JSON
logs go to a file.

The functions log with Powertools (one JSON record of about 1 KB per request, as CloudWatch
gets it) and print their metrics (EMF) to stdout. Locally both go to ``.local-data/stack.log``
(``route_function_logs``), and the console gets one line per request from the gateway
(``RequestLineFormatter``), such as ``10:15:02 200 POST Obligations 35 ms`` or
``10:15:03 401 POST /graphql 0 ms``: the time, the status, the method, the GraphQL operation's
name (else the path), the time taken, and the error codes when there are any. The operation and
the codes are the API function's own ("graphql request" record), taken by ``RequestNotes`` in
the thread that called the function, which is the thread that then writes the gateway's line.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from aws_lambda_powertools import Logger

REQUEST_RECORD = "graphql request"  # the message functions/api.py logs once per request
_notes = threading.local()


@dataclass(frozen=True)
class Note:
    """What the API function said about the request this thread is serving."""

    operation: str | None
    error_codes: tuple[str, ...]


class RequestNotes(logging.Handler):
    """Keeps the last "graphql request" record of each thread for the gateway's line."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg != REQUEST_RECORD:
            return
        operation = getattr(record, "operation", None)
        codes = getattr(record, "error_codes", None) or ()
        _notes.last = Note(str(operation) if operation else None, tuple(map(str, codes)))


def take_note() -> Note | None:
    """The note of this thread's request, once (the next request starts without it)."""
    note: Note | None = getattr(_notes, "last", None)
    _notes.last = None
    return note


def request_line(
    method: str, path: str, status: int, elapsed_ms: float, note: Note | None, at: datetime
) -> str:
    """``HH:MM:SS status METHOD operation-or-path N ms [codes]``."""
    target = note.operation if note is not None and note.operation else path
    line = f"{at:%H:%M:%S} {status} {method} {target} {elapsed_ms:.0f} ms"
    if note is not None and note.error_codes:
        line += f"  {','.join(note.error_codes)}"
    return line


class RequestLineFormatter(logging.Formatter):
    """The gateway's request records as ``request_line``; its other records (a failed handler
    and its traceback) as they are."""

    def format(self, record: logging.LogRecord) -> str:
        status = getattr(record, "status", None)
        if not isinstance(status, int):
            return super().format(record)
        return request_line(
            getattr(record, "method", "?"),
            getattr(record, "path", "?"),
            status,
            float(getattr(record, "elapsed_ms", 0.0)),
            take_note(),
            datetime.fromtimestamp(record.created, tz=UTC).astimezone(),
        )


class ThreadRoutedStdout(io.TextIOBase):
    """``sys.stdout`` that writes to another stream in the threads that ask for it (``to``), so
    that what a function prints (its metrics) lands in the log file and the rest (the banner,
    the demo line) stays on the console."""

    def __init__(self, default: IO[str]) -> None:
        super().__init__()
        self.default = default
        self._target = threading.local()

    def _stream(self) -> IO[str]:
        target: IO[str] | None = getattr(self._target, "stream", None)
        return target if target is not None else self.default

    def write(self, text: str) -> int:
        return self._stream().write(text)

    def flush(self) -> None:
        self._stream().flush()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.default, "encoding", "utf-8"))

    def isatty(self) -> bool:
        return self.default.isatty()

    def fileno(self) -> int:
        return self.default.fileno()

    @contextmanager
    def to(self, stream: IO[str]) -> Iterator[None]:
        previous = getattr(self._target, "stream", None)
        self._target.stream = stream
        try:
            yield
        finally:
            self._target.stream = previous


Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class FunctionLogs:
    """The functions' logs routed to ``log``: ``quiet(handler)`` also sends what the handler
    prints there."""

    log: IO[str]
    stdout: ThreadRoutedStdout
    handler: logging.StreamHandler[Any] | None = None  # the Powertools handler writing to log
    previous: IO[str] | None = None  # where it wrote before

    def quiet(self, handler: Handler) -> Handler:
        def invoke(event: dict[str, Any], context: Any) -> Any:
            with self.stdout.to(self.log):
                return handler(event, context)

        return invoke

    def close(self) -> None:
        """Everything back to the console (a thread still running may log), the file closed."""
        if sys.stdout is self.stdout:
            sys.stdout = self.stdout.default
        if self.handler is not None and self.previous is not None:
            self.handler.setStream(self.previous)
        self.log.close()


def route_function_logs(log: IO[str], service: str) -> FunctionLogs:
    """The Powertools logger of ``service`` (every function's: they share the service name)
    writing its JSON records to ``log``, with ``RequestNotes`` listening; ``sys.stdout`` made a
    ``ThreadRoutedStdout`` for ``FunctionLogs.quiet``."""
    Logger(service=service)  # configures the service's logger, or finds it configured
    python_logger = logging.getLogger(service)
    handler = getattr(python_logger, "powertools_handler", None)
    previous = handler.setStream(log) if isinstance(handler, logging.StreamHandler) else None
    if not any(isinstance(h, RequestNotes) for h in python_logger.handlers):
        python_logger.addHandler(RequestNotes())
    stdout = sys.stdout if isinstance(sys.stdout, ThreadRoutedStdout) else None
    if stdout is None:
        stdout = ThreadRoutedStdout(sys.stdout)
        sys.stdout = stdout
    if not isinstance(handler, logging.StreamHandler):
        return FunctionLogs(log, stdout)
    return FunctionLogs(log, stdout, handler, previous or stdout.default)


def console_request_lines(stream: IO[str]) -> logging.Handler:
    """The gateway's records on ``stream`` as request lines (and not also through the root
    logger's handler)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RequestLineFormatter("%(message)s"))
    gateway_log = logging.getLogger("local.gateway")
    gateway_log.addHandler(handler)
    gateway_log.propagate = False
    return handler
