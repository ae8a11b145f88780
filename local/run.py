"""``python -m local.run`` (``make run``): the whole stack on this machine until Ctrl-C.

Starts moto, creates the tables of template.yaml, gives the API function the environment the
template declares, loads demo data when ``local/demo.py`` provides ``load(today)``, and serves
the API through the gateway emulator on ``PORT`` (3000). Ctrl-C or SIGTERM stops the gateway
and moto and exits with status 0.

Environment: ``PORT``; ``CORS_ALLOW_ORIGINS`` (comma-separated); ``LOCAL_JWT_SECRET``;
``AWS_ENDPOINT_URL_DYNAMODB`` to use another DynamoDB (DynamoDB Local, a shared moto), or
``LOCAL_USE_REAL_AWS=1`` to use real DynamoDB with the credentials of the shell.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import botocore.session

from local import sweeper
from local.aws import LocalAws, start_aws
from local.calls import function_settings
from local.environment import API_FUNCTION, function_env
from local.gateway import DEFAULT_HANDLER, Control, Gateway, Handler, start_gateway
from local.queues import create_queues
from local.table_digests import not_embedded, table_digests
from local.tables import create_tables

CHINA = ZoneInfo("Asia/Shanghai")
DEMO_MODULE = "local.demo"
DEFAULT_PORT = 3000


def _client(service: str) -> Any:
    return botocore.session.get_session().create_client(service)


def _seed_cursor_secret() -> None:
    """Put a fresh signing key where the API function reads it (moto's SSM, per run)."""
    name = os.environ.get("CURSOR_SECRET_PARAMETER")
    if name:
        _client("ssm").put_parameter(
            Name=name, Value=secrets.token_urlsafe(32), Type="SecureString", Overwrite=True
        )


def _controls(aws: LocalAws) -> dict[str, Control]:
    """The local-only commands (POST /_local/<name>): the daily sweep, and the tables' digests
    where DynamoDB is the embedded moto (its items are read in this process)."""
    return {
        "sweep": sweeper.run,
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


def _banner(gateway: Gateway, aws: LocalAws, demo: str, api_ready: bool, seconds: float) -> str:
    graphql = f"{gateway.url}/graphql"
    lines = [
        f"GraphQL   {graphql}  (POST JSON; GET for queries)",
        f"GraphiQL  {gateway.url}/graphiql  (in a browser; ?token=<token> fills the header)",
        f"moto      {aws.endpoint}  (region {aws.region}; DynamoDB at {aws.dynamodb_endpoint})",
        f"demo data {demo}",
        "sweep     make sweep TODAY=2026-10-12   (reminder emails land in outbox/)",
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


def _load_in_background(load: Callable[[date], Any], today: date) -> None:
    """Serve at once; the demo data arrives a few seconds later and says so."""

    def run() -> None:
        try:
            outcome = load(today)
        except Exception as error:  # a broken demo must not take the stack down
            print(f"demo data: failed: {error!r}", file=sys.stderr, flush=True)
            return
        print(f"demo data: loaded: {outcome}", flush=True)

    threading.Thread(target=run, name="demo-data", daemon=True).start()


def _stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, installed first so that a stop during start is clean."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return stop


def main() -> int:
    started = time.perf_counter()
    stop = _stop_on_signals()
    # The gateway's request lines; libraries (botocore, moto) only when something is wrong.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("local").setLevel(logging.INFO)
    port = int(os.environ.get("PORT") or DEFAULT_PORT)
    origins = [o for o in os.environ.get("CORS_ALLOW_ORIGINS", "").split(",") if o.strip()]

    aws = start_aws()
    gateway: Gateway | None = None
    try:
        # Explicit settings in the shell win over the template's defaults; table names do not.
        create_tables(_client("dynamodb"))
        queues = create_queues(_client("sqs"))
        # One process plays every function: each one's template environment, API first.
        for function in (API_FUNCTION, "SweepFunction", "RemindFunction"):
            for name, value in function_env(function, refs=queues).items():
                os.environ.setdefault(name, value)
        _client("sesv2").create_email_identity(EmailIdentity=os.environ["SES_SENDER"])
        _seed_cursor_secret()

        handler = _api_handler()
        try:
            gateway = start_gateway(
                handler,
                port=port,
                cors_origins=origins,
                function=function_settings(API_FUNCTION, aws.region),
                controls=_controls(aws),
            )
            # Reminder links open GraphiQL locally (there is no web app on this machine).
            os.environ.setdefault("APP_OBLIGATION_URL", f"{gateway.url}/graphql#obligation={{id}}")
        except OSError as error:
            print(f"run: cannot listen on 127.0.0.1:{port} ({error}); set PORT", file=sys.stderr)
            return 1
        load = _demo_loader()
        demo = "none (local/demo.py provides no load(today))"
        if load is not None:
            today = datetime.now(CHINA).date()
            demo = f"loading in the background ({DEMO_MODULE}.load({today.isoformat()})); "
            demo += "a line below says when it is in"
            _load_in_background(load, today)
        seconds = time.perf_counter() - started
        print(_banner(gateway, aws, demo, handler is not None, seconds), flush=True)
        while not stop.wait(0.5):
            pass
        print("stopping", flush=True)
        return 0
    finally:
        if gateway is not None:
            gateway.stop()
        aws.stop()


if __name__ == "__main__":
    raise SystemExit(main())
