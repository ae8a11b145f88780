"""``python -m local.run`` (``make run``): the whole stack on this machine until Ctrl-C.

Starts moto, creates the tables of template.yaml, gives the API function the environment the
template declares, loads demo data when ``local/demo.py`` provides ``load(today)``, and serves
the API through the gateway emulator on ``PORT`` (3000). Once the gateway listens, it records
its port, URL and process id in ``.local-stack.json`` (so that ``make sweep`` finds it from any
shell) unless another running stack already has; a clean stop removes it. Ctrl-C or SIGTERM
stops the gateway and moto and exits with status 0.

Reminder emails link each obligation to GraphiQL on this stack, its query filled in
(``obligation_link_template``): there is no web app on this machine. The reminder queue's
messages are delivered to the remind function as they arrive (``local/queues.py``), as Lambda's
event source does on AWS: a calendar load's rescheduling finishes on its own. So are the export
queue's to the export function: an export's file goes to moto's S3 (``local/buckets.py``), and
the URL ``export(id)`` answers downloads from this machine.

The tables are kept across restarts (``local/persistence.py``): written to
``.local-data/tables.json`` on stop, restored on the next start instead of the demo data;
``FRESH=1`` starts with the demo data (and replaces the snapshot on stop). The functions' JSON
logs go to ``.local-data/stack.log``; the console gets one line per request
(``local/console.py``). A request without a token gets API Gateway's 401 with a hint saying how
to get one.

Environment: ``PORT``; ``CORS_ALLOW_ORIGINS`` (comma-separated; the template's
``CorsAllowOrigins`` default, http://localhost:5173, when unset); ``FRESH=1``;
``LOCAL_DATA_DIR`` (instead of ``.local-data``); ``LOCAL_JWT_SECRET``;
``AWS_ENDPOINT_URL_DYNAMODB`` to use another DynamoDB (DynamoDB Local, a shared moto), or
``LOCAL_USE_REAL_AWS=1`` to use real DynamoDB with the credentials of the shell.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from compliance import clients
from local import persistence, sweeper
from local.aws import LocalAws, start_aws
from local.buckets import create_buckets
from local.bus import BUS_FILE, BusTap, create_buses
from local.calls import function_settings
from local.console import FunctionLogs, console_request_lines, route_function_logs
from local.environment import API_FUNCTION, function_env, parameter_default
from local.gateway import DEFAULT_HANDLER, Control, Gateway, Handler, start_gateway
from local.queues import EXPORT_FUNCTION, ReminderQueuePoller, create_queues
from local.streams import (
    CHANGES_FUNCTION,
    StreamPoller,
    StreamReader,
    invoke_changes,
    streamed_tables,
    streams_client,
)
from local.table_digests import not_embedded, table_digests
from local.tables import DEFAULT_PREFIX, create_tables, table_definitions

CHINA = ZoneInfo("Asia/Shanghai")
DEMO_MODULE = "local.demo"
DEFAULT_PORT = 3000
CORS_PARAMETER = "CorsAllowOrigins"  # the template's parameter behind the HTTP API's AllowOrigins
# Added to the JWT authorizer's 401 body on this machine (API Gateway sends the message alone).
UNAUTHORIZED_HINT = (
    "No valid token. Get a dev token with `make token ROLE=ENTERPRISE_ADMIN ENTERPRISE=<USCC>` "
    "(the demo enterprises' USCCs are listed where `make run` started; ROLE=REGULATOR needs no "
    "ENTERPRISE) and send it as the header `Authorization: Bearer <token>`; in GraphiQL, open "
    "/graphiql?token=<token> to have the header filled in."
)
# What a reminder's link opens: the obligation with what a reader needs to act on it. The id
# goes where OBLIGATION_ID_SLOT is.
OBLIGATION_ID_SLOT = "\x00id\x00"
OBLIGATION_QUERY = f"""query Obligation {{
  obligation(id: "{OBLIGATION_ID_SLOT}") {{
    id status dueDate dueAt provisional
    rule {{ id nameZh nameEn period source }}
    subjectKind subjectId triggerKind triggerDate
    responsibleEnterprise {{ id name }}
  }}
}}
"""


def obligation_link_template(base_url: str) -> str:
    """``APP_OBLIGATION_URL`` for this stack: GraphiQL with OBLIGATION_QUERY filled in, as a
    ``str.format`` template whose only field is ``{id}``.

    The query is URL-encoded around the id (every brace in it becomes %7B or %7D, so none is
    left for ``format`` to read), and the id goes in as it is: obligation ids are ``ob_`` and
    hex digits, which a URL carries unchanged.
    """
    before, _, after = OBLIGATION_QUERY.partition(OBLIGATION_ID_SLOT)
    base = base_url.rstrip("/").replace("{", "{{").replace("}", "}}")
    return f"{base}/graphiql?query={quote(before, safe='')}{{id}}{quote(after, safe='')}"


def write_stack_state(url: str, port: int, path: Path = sweeper.STATE_FILE) -> bool:
    """Records this process as the running stack for ``make sweep``; False (nothing written)
    when the file already names another process that is still running."""
    current = sweeper.read_stack_state(path)
    if current is not None and current.pid != os.getpid() and sweeper.process_alive(current.pid):
        return False
    state = {
        "port": port,
        "url": url,
        "pid": os.getpid(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    partial_file = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    partial_file.replace(path)  # atomic: a reader sees the old file or the whole new one
    return True


def remove_stack_state(path: Path = sweeper.STATE_FILE) -> None:
    """Removes the state file if it is this process's own."""
    current = sweeper.read_stack_state(path)
    if current is not None and current.pid == os.getpid():
        path.unlink(missing_ok=True)


def cors_origins(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The origins the gateway allows: ``CORS_ALLOW_ORIGINS`` (comma-separated; set and empty
    allows none) when set, else the template's ``CorsAllowOrigins`` default, as deployed."""
    given = environ.get("CORS_ALLOW_ORIGINS")
    if given is None:
        given = parameter_default(CORS_PARAMETER) or ""
    return [origin.strip() for origin in given.split(",") if origin.strip()]


def _seed_cursor_secret() -> None:
    """Put a fresh signing key where the API function reads it (moto's SSM, per run)."""
    name = os.environ.get("CURSOR_SECRET_PARAMETER")
    if name:
        clients.client("ssm").put_parameter(
            Name=name, Value=secrets.token_urlsafe(32), Type="SecureString", Overwrite=True
        )


def _controls(aws: LocalAws, poller: ReminderQueuePoller | None = None) -> dict[str, Control]:
    """The local-only commands (POST /_local/<name>): the daily sweep (holding the reminder
    queue, so that the sweep delivers and writes out every message of its run), and the tables'
    digests where DynamoDB is the embedded moto (its items are read in this process)."""

    def sweep(parameters: dict[str, str]) -> dict[str, Any]:
        if poller is None:
            return sweeper.run(parameters)
        with poller.exclusive():
            return sweeper.run(parameters)

    return {
        "sweep": sweep,
        "tables": partial(table_digests, region=aws.region)
        if aws.dynamodb_embedded
        else not_embedded,
    }


def _demo_loader() -> Callable[[date], Any] | None:
    if importlib.util.find_spec(DEMO_MODULE) is None:
        return None
    load = getattr(importlib.import_module(DEMO_MODULE), "load", None)
    return load if callable(load) else None


def _api_handler() -> Handler | None:
    """The API handler, imported now so that a broken module fails the start, not a request."""
    module, _, name = DEFAULT_HANDLER.rpartition(".")
    try:
        handler: Handler = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as missing:
        if missing.name not in ("functions", module):
            raise
        return None
    return handler


def _reminder_poller(wrap: Callable[[Handler], Handler]) -> ReminderQueuePoller | None:
    """The reminder queue's event source, started, when the remind function is there to take
    its messages (what the API queues, such as a calendar load's rescheduling, is then done a
    moment later, as on AWS)."""
    try:
        from functions.remind import handler
    except ModuleNotFoundError as missing:
        if missing.name not in ("functions", "functions.remind"):
            raise
        return None
    queue = os.environ["REMINDER_QUEUE_URL"]
    return ReminderQueuePoller(clients.client("sqs"), queue, wrap(handler)).start()


def _export_poller(wrap: Callable[[Handler], Handler]) -> ReminderQueuePoller:
    """The export queue's event source, started: what exportObligations queues is written a
    moment later, as on AWS, and `export(id)` answers a URL of moto's that downloads here."""
    from functions.export import handler

    queue = os.environ["EXPORT_QUEUE_URL"]
    exports = ReminderQueuePoller(
        clients.client("sqs"), queue, wrap(handler), EXPORT_FUNCTION, "exports"
    )
    return exports.start()


def _stream_poller(wrap: Callable[[Handler], Handler], *, from_start: bool) -> StreamPoller:
    """The tables' streams' event source for the changes function, started."""
    reader = StreamReader(
        clients.client("dynamodb"),
        streams_client(),
        streamed_tables(),
        from_start=from_start,
    )
    return StreamPoller(reader, wrap(invoke_changes)).start()


def _record_state(gateway: Gateway) -> bool:
    port = int(gateway.url.rsplit(":", 1)[1])
    try:
        return write_stack_state(gateway.url, port)
    except OSError as error:  # a read-only checkout must not stop the stack
        print(f"run: cannot write {sweeper.STATE_FILE.name} ({error})", file=sys.stderr)
        return False


def _banner(
    gateway: Gateway,
    aws: LocalAws,
    demo: str,
    api_ready: bool,
    seconds: float,
    recorded: bool = True,
    extra: tuple[str, ...] = (),
) -> str:
    graphql = f"{gateway.url}/graphql"
    port = gateway.url.rsplit(":", 1)[1]
    sweep = "make sweep TODAY=2026-10-12"
    if not recorded:  # another stack owns the state file: make sweep must be told the port
        sweep = f"make sweep PORT={port} TODAY=2026-10-12"
    lines = [
        f"GraphQL   {graphql}  (POST JSON; GET for queries)",
        f"GraphiQL  {gateway.url}/graphiql  (in a browser; ?token=<token> fills the header)",
        f"moto      {aws.endpoint}  (region {aws.region}; DynamoDB at {aws.dynamodb_endpoint})",
        f"demo data {demo}",
        *extra,
        f"sweep     {sweep}   (emails land in outbox/<date>/run-<n>-<time>/)",
        "tokens    make -s token ROLE=REGULATOR",
        "          make -s token ENTERPRISE=<USCC> ROLE=ENTERPRISE_ADMIN",
        f"          {gateway.url}/graphiql?token=$(make -s token ROLE=REGULATOR)",
        *_demo_enterprises(),
    ]
    if not api_ready:
        lines.append(f"warning   {DEFAULT_HANDLER} does not exist yet: API requests answer 500")
    lines.append(f"ready in {seconds:.1f} s; Ctrl-C stops")
    return "\n".join(lines)


def _demo_enterprises() -> list[str]:
    """The demo's enterprises, so that a first token can be made without reading code."""
    if importlib.util.find_spec(DEMO_MODULE) is None:
        return []
    enterprises = getattr(importlib.import_module(DEMO_MODULE), "ENTERPRISES", [])
    lines = [f"demo      {DEMO_MODULE.replace('.', '/')}.py, enterprises:"]
    lines += [f"          {e['id']}  {', '.join(e['kinds']):<20} {e['name']}" for e in enterprises]
    return lines


def _load_in_background(load: Callable[[date], Any], today: date) -> threading.Thread:
    """Serve at once; the demo data arrives a few seconds later and says so."""

    def run() -> None:
        try:
            outcome = load(today)
        except Exception as error:  # a broken demo must not take the stack down
            print(f"demo data: failed: {error!r}", file=sys.stderr, flush=True)
            return
        print(f"demo data: loaded: {outcome}", flush=True)

    thread = threading.Thread(target=run, name="demo-data", daemon=True)
    thread.start()
    return thread


def _stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, installed first so that a stop during start is clean."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return stop


class LocalData:
    """The tables kept across restarts: restored on start (unless ``FRESH=1``), saved on stop."""

    def __init__(self, client: Any, directory: Path, fresh: bool) -> None:
        self.client = client
        self.path = directory / persistence.SNAPSHOT_FILE
        self.fresh = fresh
        self.tables = {
            logical_id: f"{DEFAULT_PREFIX}{logical_id}" for logical_id in table_definitions()
        }
        # Whether the tables hold a whole data set to save: restored, or the demo load done.
        self.settled: Callable[[], bool] = lambda: False

    def restore(self) -> int | None:
        """The number of items restored; None when there is nothing to restore (no snapshot,
        or FRESH=1). SnapshotError when the snapshot cannot be read back."""
        if self.fresh or not self.path.exists():
            return None
        count, dropped = persistence.restore_snapshot(self.client, self.tables, self.path)
        if dropped:
            print(f"run: tables no longer in the template, not restored: {', '.join(dropped)}")
        self.settled = lambda: True
        return count

    def after(self, demo: threading.Thread | None) -> None:
        """The data is whole once ``demo`` (the demo data's load, if any) has finished."""
        self.settled = (lambda: not demo.is_alive()) if demo is not None else (lambda: True)

    def save(self) -> None:
        shown = persistence.shown(self.path)
        if not self.settled():
            print(f"not saved: the data was still loading ({shown} left as it was)", flush=True)
            return
        try:
            count = persistence.write_snapshot(self.client, self.tables, self.path)
        except (OSError, ClientError) as error:
            print(f"run: cannot write {shown} ({error})", file=sys.stderr, flush=True)
            return
        print(f"saved {count} items to {shown} (restored on the next start)", flush=True)


def _function_logs() -> FunctionLogs | None:
    """The functions' JSON logs to .local-data/stack.log (rewritten at each start); None (they
    stay on stdout) where the folder cannot be written."""
    path = persistence.data_dir() / persistence.LOG_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log = path.open("w", encoding="utf-8", buffering=1)
    except OSError as error:
        print(f"run: cannot write {path} ({error}); logs stay here", file=sys.stderr)
        return None
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")
    return route_function_logs(log, service)


def _data_lines(data: LocalData | None, logs: FunctionLogs | None) -> tuple[str, ...]:
    lines = []
    if data is not None and data.fresh:
        shown = persistence.shown(data.path)
        lines.append(f"data      FRESH=1: started clean; {shown} is replaced on stop")
    elif data is not None:
        lines.append(
            f"data      kept in {persistence.shown(data.path)} on stop, restored on start "
            "(FRESH=1 starts clean)"
        )
    bus = persistence.shown(persistence.data_dir() / BUS_FILE)
    lines.append(f"bus       {bus}: what a rule on the changes bus receives")
    if logs is not None:
        shown = persistence.shown(Path(logs.log.name))
        lines.append(f"logs      {shown} (the functions' JSON logs); one line per request below")
    return tuple(lines)


def _start_data(data: LocalData | None) -> tuple[str, threading.Thread | None]:
    """The banner's demo data text, after restoring the snapshot or starting the demo load."""
    restored = data.restore() if data is not None else None
    if data is not None and restored is not None:
        shown = persistence.shown(data.path)
        return f"not loaded: restored {restored} items from {shown} (FRESH=1 starts clean)", None
    load = _demo_loader()
    if load is None:
        return "none (local/demo.py provides no load(today))", None
    today = datetime.now(CHINA).date()
    demo = f"loading in the background ({DEMO_MODULE}.load({today.isoformat()})); "
    demo += "a line below says when it is in"
    return demo, _load_in_background(load, today)


def main() -> int:
    started = time.perf_counter()
    stop = _stop_on_signals()
    # The gateway's request lines; libraries (botocore, moto) only when something is wrong.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("local").setLevel(logging.INFO)
    port = int(os.environ.get("PORT") or DEFAULT_PORT)

    aws = start_aws()
    gateway: Gateway | None = None
    poller: ReminderQueuePoller | None = None
    exports: ReminderQueuePoller | None = None
    streams: StreamPoller | None = None
    tap: BusTap | None = None
    logs: FunctionLogs | None = None
    data: LocalData | None = None
    try:
        # Explicit settings in the shell win over the template's defaults; table names do not.
        create_tables(clients.client("dynamodb"))
        queues = create_queues(clients.client("sqs"))
        buses = create_buses(clients.client("events"))
        buckets = create_buckets(clients.client("s3"))
        refs = {**queues, **buses, **buckets}
        # One process plays every function: each one's template environment, API first.
        functions = (API_FUNCTION, "SweepFunction", "RemindFunction", CHANGES_FUNCTION)
        for function in (*functions, EXPORT_FUNCTION):
            for name, value in function_env(function, refs=refs).items():
                os.environ.setdefault(name, value)
        clients.client("sesv2").create_email_identity(EmailIdentity=os.environ["SES_SENDER"])
        _seed_cursor_secret()
        logs = _function_logs()
        console_request_lines(sys.stderr)

        def quiet(handler: Handler) -> Handler:
            return logs.quiet(handler) if logs is not None else handler

        handler = _api_handler()
        poller = _reminder_poller(quiet)
        exports = _export_poller(quiet)
        try:
            gateway = start_gateway(
                quiet(handler) if handler is not None else None,
                port=port,
                cors_origins=cors_origins(),
                function=function_settings(API_FUNCTION, aws.region),
                controls=_controls(aws, poller),
                unauthorized_hint=UNAUTHORIZED_HINT,
            )
            # Reminder links open GraphiQL locally (there is no web app on this machine).
            os.environ.setdefault("APP_OBLIGATION_URL", obligation_link_template(gateway.url))
            # `make sweep TODAY=<a later day>` plays the calendar forward on demo data; on AWS
            # the sweep refuses a day after today.
            os.environ.setdefault("ALLOW_FUTURE_SWEEPS", "1")
        except OSError as error:
            print(f"run: cannot listen on 127.0.0.1:{port} ({error}); set PORT", file=sys.stderr)
            return 1
        recorded = _record_state(gateway)
        if aws.dynamodb_embedded:  # another DynamoDB keeps its items itself
            data = LocalData(
                clients.client("dynamodb"), persistence.data_dir(), persistence.fresh()
            )
        try:
            demo, loading = _start_data(data)
        except persistence.SnapshotError as error:
            print(
                f"run: cannot restore the tables ({error}); FRESH=1 starts clean with the demo "
                "data (and replaces the snapshot on stop)",
                file=sys.stderr,
            )
            data = None  # a snapshot not read back is not overwritten
            return 1
        if data is not None and loading is not None:
            data.after(loading)
        # Restored items are not news; the demo data's writes are.
        streams = _stream_poller(quiet, from_start=loading is not None)
        tap = BusTap(
            clients.client("events"),
            clients.client("sqs"),
            buses,
            persistence.data_dir() / BUS_FILE,
        )
        tap.start()
        seconds = time.perf_counter() - started
        extra = _data_lines(data, logs)
        print(
            _banner(gateway, aws, demo, handler is not None, seconds, recorded, extra), flush=True
        )
        while not stop.wait(0.5):
            pass
        print("stopping", flush=True)
        return 0
    finally:
        if gateway is not None:
            remove_stack_state()
            gateway.stop()
        if poller is not None:
            poller.stop()
        if exports is not None:
            exports.stop()
        if streams is not None:
            streams.stop()
        if tap is not None:
            tap.stop()
        if data is not None:
            data.save()
        if logs is not None:
            logs.close()
        aws.stop()


if __name__ == "__main__":
    raise SystemExit(main())
