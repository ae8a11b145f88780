"""Run the daily sweep and send its reminders on the local stack, as AWS would.

`run(today)` invokes functions/sweep.py with the event EventBridge Scheduler sends, then plays
the SQS event source: it receives the queued jobs and invokes functions/remind.py with real SQS
batch events, deleting the messages the function reports as done. Every email SES accepted is
written to a folder of its own for that run, ``outbox/<date>/run-<nnn>-<HHMMSS>/`` (git-ignored),
as ``.eml`` (the exact message), ``.html`` (its HTML part) and each attachment under its own
(sanitised) file name, so that a person can open them.

`main()` (``make sweep TODAY=2026-10-12``) checks the day first, finds the running stack
(``--port``, then ``$PORT``, then the state file ``make run`` writes, then port 3000) and asks it
to sweep.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import boto3

from compliance.calendar import CHINA_TZ
from local.calls import function_settings

ROOT = Path(__file__).resolve().parent.parent
OUTBOX = ROOT / "outbox"
# Written by `make run` (local/run.py) once its gateway listens, removed when it stops cleanly.
STATE_FILE = ROOT / ".local-stack.json"
DEFAULT_PORT = 3000
ACCOUNT = "123456789012"
EXAMPLE_DAY = "2026-10-12"
SWEEP_TIMEOUT_SECONDS = 300
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_RUN_FOLDER = re.compile(r"run-(\d+)-")


def schedule_event(today: date) -> dict[str, Any]:
    """What the ScheduleV2 target receives: the schedule's Input, here naming the day."""
    return {"today": today.isoformat()}


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event source batch as Lambda's poller builds it."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1"),
            }
            for m in messages
        ]
    }


def _sent_messages() -> list[Any]:
    from moto.ses.models import ses_backends

    region = os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1")
    return list(ses_backends[ACCOUNT][region].sent_messages)


def run(parameters: dict[str, str]) -> dict[str, Any]:
    """The control behind `POST /_local/sweep?today=YYYY-MM-DD` (and `make sweep`)."""
    from functions.remind import handler as remind
    from functions.sweep import handler as sweep

    raw = parameters.get("today") or china_today().isoformat()
    today = parse_day(raw, "today")  # ValueError: the gateway answers 400 with its message
    before = len(_sent_messages())
    report = sweep(schedule_event(today), function_settings("SweepFunction").context())
    sqs = boto3.client("sqs")
    url = os.environ["REMINDER_QUEUE_URL"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    failures: list[str] = []
    while True:
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = received.get("Messages", [])
        if not messages:
            break
        result = remind(sqs_event(messages, arn), function_settings("RemindFunction").context())
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        failures.extend(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        if failed and not done:
            break  # only failures left: they come back after the visibility timeout
    sent = _sent_messages()[before:]
    written = _write_outbox(today, sent)
    return {
        "sweep": report,
        "emails": len(sent),
        "failed_messages": failures,
        "outbox": str(written.folder),
        "files": [str(p) for p in written.files],
        "messages": [
            {"recipient": e.recipient, "subject": e.subject, "files": [str(p) for p in e.files]}
            for e in written.emails
        ],
    }


# --- the outbox ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenEmail:
    """One email as written to the outbox: who it went to, its subject, the files made of it."""

    recipient: str
    subject: str
    files: tuple[Path, ...]


@dataclass(frozen=True)
class OutboxRun:
    """The folder of one sweep run and the emails written into it."""

    folder: Path
    emails: tuple[WrittenEmail, ...]

    @property
    def files(self) -> list[Path]:
        return [path for written in self.emails for path in written.files]


def run_folder(today: date, *, outbox: Path = OUTBOX, now: datetime | None = None) -> Path:
    """A new, empty folder ``<outbox>/<today>/run-<nnn>-<HHMMSS>`` for one run: ``nnn`` counts
    the day's runs (so the names sort in the order the runs happened), ``HHMMSS`` is the local
    time the run wrote its emails."""
    day = outbox / today.isoformat()
    day.mkdir(parents=True, exist_ok=True)
    clock = (now or datetime.now(UTC).astimezone()).strftime("%H%M%S")
    numbers = [
        int(match[1])
        for child in day.iterdir()
        if child.is_dir() and (match := _RUN_FOLDER.match(child.name))
    ]
    number = max(numbers, default=0) + 1
    while True:
        folder = day / f"run-{number:03d}-{clock}"
        try:
            folder.mkdir()
        except FileExistsError:
            number += 1
            continue
        return folder


def _write_outbox(
    today: date, messages: Sequence[Any], *, outbox: Path = OUTBOX, now: datetime | None = None
) -> OutboxRun:
    """Writes each sent message (anything with ``raw_data`` and ``id``, as moto's SES keeps
    them) into a new run folder: ``<name>.eml``, ``<name>.html`` when it has an HTML body, and
    ``<name>--<attachment file name>`` for each attachment."""
    folder = run_folder(today, outbox=outbox, now=now)
    emails: list[WrittenEmail] = []
    for message in messages:
        raw = getattr(message, "raw_data", None)
        if raw is None:
            continue
        parsed = _parse(raw)
        text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")
        recipient = str(parsed.get("To", "unknown"))
        subject = str(parsed.get("Subject", ""))
        name = safe_file_name(f"{recipient}--{str(getattr(message, 'id', ''))[:12]}")
        eml = folder / f"{name}.eml"
        eml.write_text(text, encoding="utf-8")
        files = [eml]
        html = _html_part(parsed)
        if html is not None:
            page = folder / f"{name}.html"
            page.write_text(html, encoding="utf-8")
            files.append(page)
        files += _write_attachments(parsed, folder, name)
        emails.append(WrittenEmail(recipient, subject, tuple(files)))
    return OutboxRun(folder, tuple(emails))


def _parse(raw: str | bytes) -> EmailMessage:
    parsed = (
        email.message_from_string(raw, policy=email.policy.default)
        if isinstance(raw, str)
        else email.message_from_bytes(raw, policy=email.policy.default)
    )
    assert isinstance(parsed, EmailMessage)  # what the default policy builds
    return parsed


def _write_attachments(message: EmailMessage, folder: Path, name: str) -> list[Path]:
    written: list[Path] = []
    taken: set[str] = set()
    for index, part in enumerate(message.iter_attachments(), start=1):
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        filename = safe_file_name(part.get_filename() or "", fallback=f"attachment-{index}")
        stem, dot, suffix = filename.rpartition(".")
        unique, copy = filename, 1
        while unique in taken:  # two attachments of one email with the same name
            copy += 1
            unique = f"{stem}-{copy}{dot}{suffix}" if dot else f"{filename}-{copy}"
        taken.add(unique)
        path = folder / f"{name}--{unique}"
        path.write_bytes(payload)
        written.append(path)
    return written


def safe_file_name(name: str, *, fallback: str = "unnamed", limit: int = 120) -> str:
    """``name`` as one file name: its last path component only, every character but letters,
    digits and ``@ . _ + -`` replaced by ``_``, no leading dots (never hidden, never ``..``)."""
    last = re.split(r"[\\/]", name)[-1]
    cleaned = re.sub(r"[^\w@.+-]", "_", last).lstrip(".")[:limit]
    return cleaned if cleaned.strip("_") else fallback


def _html_part(message: Message) -> str | None:
    if isinstance(message, EmailMessage):
        body = message.get_body(preferencelist=("html",))
        if body is not None:
            content = body.get_content()
            return content if isinstance(content, str) else None
        return None
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8")
    return None


# --- finding the stack ---------------------------------------------------------------------


@dataclass(frozen=True)
class StackState:
    """What ``make run`` records about itself in STATE_FILE."""

    port: int
    url: str
    pid: int


def read_stack_state(path: Path = STATE_FILE) -> StackState | None:
    """The state file's content; None when there is none or it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        state = StackState(port=int(data["port"]), url=str(data["url"]), pid=int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without sending anything)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Target:
    """The port to ask, where it came from, and what the state file said (for messages)."""

    port: int
    source: str
    state: StackState | None = None
    state_alive: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class UsageError(Exception):
    """Bad input on the command line; nothing was sent."""


def resolve_target(
    port: int | None,
    environ: Mapping[str, str],
    state_file: Path = STATE_FILE,
    alive: Callable[[int], bool] = process_alive,
) -> Target:
    """``--port``, then ``$PORT``, then the state file when its process is alive, then 3000."""
    state = read_stack_state(state_file)
    state_alive = state is not None and alive(state.pid)
    if port is not None:
        return Target(port, "--port", state, state_alive)
    raw = (environ.get("PORT") or "").strip()
    if raw:
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise UsageError(f"PORT={raw} is not a port number; write it as e.g. PORT=3100")
        return Target(int(raw), "$PORT", state, state_alive)
    if state is not None and state_alive:
        return Target(state.port, state_file.name, state, state_alive)
    return Target(DEFAULT_PORT, "the default", state, state_alive)


def parse_day(raw: str, name: str = "TODAY") -> date:
    """``raw`` as a day the working-day calendar covers; ValueError saying what is wrong, with
    the value called ``name`` as the person typed it (``TODAY`` for ``make sweep``)."""
    from compliance.calendar import FIRST_SUPPORTED_DAY, LAST_SUPPORTED_DAY

    text = raw.strip()
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{name}={raw} is not a date; write it as YYYY-MM-DD, e.g. {name}={EXAMPLE_DAY}"
        ) from None
    if not FIRST_SUPPORTED_DAY <= day <= LAST_SUPPORTED_DAY:
        raise ValueError(
            f"{name}={raw} is outside the working-day calendar, which covers "
            f"{FIRST_SUPPORTED_DAY.isoformat()} to {LAST_SUPPORTED_DAY.isoformat()}"
        )
    return day


def china_today() -> date:
    return datetime.now(CHINA_TZ).date()


# --- asking the stack ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """The stack's HTTP answer: its status and JSON body (``{}`` when it was not JSON)."""

    status: int
    body: dict[str, Any]


class NoAnswerError(Exception):
    """No HTTP answer: nothing listens there (``refused``), or the connection was dropped or
    timed out before an answer came."""

    def __init__(self, reason: str, *, refused: bool) -> None:
        super().__init__(reason)
        self.refused = refused


def post(url: str, timeout: float = SWEEP_TIMEOUT_SECONDS) -> Answer:
    """POST ``url`` with an empty body; any HTTP status is an Answer, the rest is NoAnswerError."""
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, _json_object(response.read()))
    except urllib.error.HTTPError as error:
        return Answer(error.code, _json_object(error.read()))
    except urllib.error.URLError as error:
        refused = isinstance(error.reason, ConnectionRefusedError)
        raise NoAnswerError(str(error.reason), refused=refused) from error
    except TimeoutError:
        raise NoAnswerError(f"no answer within {timeout:.0f} s", refused=False) from None
    except (http.client.HTTPException, ConnectionError) as error:
        raise NoAnswerError(
            f"the connection closed without an answer: {error!r}", refused=False
        ) from error


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {"value": value}


def _not_running(target: Target, reason: str) -> str:
    lines = [
        f"sweep: nothing answers at {target.url} (port from {target.source}): {reason}",
        "sweep: `make run` starts the local stack; `PORT=3100 make run` on another port.",
    ]
    state = target.state
    if state is not None and target.state_alive and state.port != target.port:
        lines.append(
            f"sweep: {STATE_FILE.name} names a running stack on port {state.port}: "
            f"`make sweep PORT={state.port} TODAY=...` asks that one"
        )
    elif state is not None and not target.state_alive:
        lines.append(
            f"sweep: {STATE_FILE.name} names port {state.port}, but its process "
            f"{state.pid} has ended (the stack was not stopped cleanly)"
        )
    return "\n".join(lines)


def _value(value: Any) -> str:
    if isinstance(value, str | int | float | bool) or value is None:
        return str(value)
    if isinstance(value, list | tuple | set | dict) and len(value) > 5:
        return f"<{len(value)} items>"
    return json.dumps(value, ensure_ascii=False, default=str)


def summary(
    result: Mapping[str, Any], *, day: date | None = None, cwd: Path | None = None
) -> list[str]:
    """The lines `make sweep` prints for the control's answer: the sweep report's keys as they
    come, the run's folder, and one line per email (recipient, subject, files)."""
    report = result.get("sweep")
    report = report if isinstance(report, Mapping) else {"result": report}
    swept = report.get("sweep_date") or (day.isoformat() if day else "")
    figures = ", ".join(f"{k}={_value(v)}" for k, v in report.items() if k != "sweep_date")
    lines = [" ".join(filter(None, ["swept", str(swept)])) + (f": {figures}" if figures else "")]
    folder = Path(str(result.get("outbox", "")))
    count = result.get("emails", 0)
    emails = "1 email" if count == 1 else f"{count} emails"
    lines.append(f"sent {emails}; outbox: {_shown(folder, cwd)}/")
    messages = result.get("messages")
    if isinstance(messages, list):
        for message in messages:
            files = ", ".join(Path(str(p)).name for p in message.get("files", []))
            lines.append(f"  {message.get('recipient')}  {message.get('subject')!r}  {files}")
    else:
        lines += [f"  {_shown(Path(str(p)), cwd)}" for p in result.get("files", [])]
    failed = result.get("failed_messages") or []
    if failed:
        lines.append(f"{len(failed)} messages failed and will be retried")
    return lines


def _shown(path: Path, cwd: Path | None) -> str:
    try:
        return str(path.relative_to(cwd or Path.cwd()))
    except ValueError:
        return str(path)


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    state_file: Path = STATE_FILE,
    send: Callable[[str], Answer] = post,
) -> int:
    """`python -m local.sweeper --today 2026-10-12`: ask the running stack to sweep.

    Exit status 0 when it swept, 2 for bad input (here or refused by the stack), 1 when the
    stack is not there or failed."""
    import argparse
    import urllib.parse

    parser = argparse.ArgumentParser(prog="python -m local.sweeper")
    parser.add_argument("--today", help="the China date to sweep, YYYY-MM-DD (default: today)")
    parser.add_argument("--port", type=int, help="the stack's port (default: found, or 3000)")
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    try:
        day = parse_day(args.today) if args.today is not None else china_today()
        target = resolve_target(args.port, environ, state_file)
    except (ValueError, UsageError) as error:
        print(f"sweep: {error}")
        return 2
    query = urllib.parse.urlencode({"today": day.isoformat()})
    try:
        answer = send(f"{target.url}/_local/sweep?{query}")
    except NoAnswerError as error:
        if error.refused:
            print(_not_running(target, str(error)))
        else:
            print(
                f"sweep: {target.url} (port from {target.source}) gave no answer ({error}); "
                "if it is the stack, the `make run` terminal shows why"
            )
        return 1
    message = answer.body.get("message")
    if answer.status == 404:
        print(
            f"sweep: {target.url} (port from {target.source}) answered 404 to /_local/sweep: "
            "it is not the local stack of `make run`"
        )
        return 1
    if 400 <= answer.status < 500:
        print(f"sweep: the stack at {target.url} refused TODAY={day.isoformat()}: {message}")
        return 2
    if answer.status != 200 or "sweep" not in answer.body:
        print(
            f"sweep: the stack at {target.url} failed (HTTP {answer.status}"
            f"{': ' + str(message) if message else ''}); the `make run` terminal shows why"
        )
        return 1
    print("\n".join(summary(answer.body, day=day)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
