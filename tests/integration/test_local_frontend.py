"""The local stack as a frontend developer meets it: CORS as deployed, data kept across restarts,
one console line per request, and a 401 that says how to get a token (local/run.py,
local/persistence.py, local/console.py, local/gateway.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import botocore.session
import pytest
from aws_lambda_powertools import Logger

from local import persistence
from local.aws import LocalAws, start_aws
from local.console import (
    Note,
    RequestLineFormatter,
    RequestNotes,
    ThreadRoutedStdout,
    request_line,
    route_function_logs,
    take_note,
)
from local.environment import parameter_default
from local.gateway import Gateway, start_gateway
from local.run import UNAUTHORIZED_HINT, LocalData, cors_origins
from local.tables import DEFAULT_PREFIX, create_tables, table_definitions
from local.tokens import DEFAULT_SECRET
from tests.integration.test_local_gateway import FakeFunction, call

FRONTEND = "http://localhost:5173"
PREFLIGHT = {
    "Origin": FRONTEND,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


@pytest.fixture(scope="module")
def function() -> FakeFunction:
    return FakeFunction()


@pytest.fixture(autouse=True)
def _fresh_function(function: FakeFunction) -> None:
    function.events.clear()


@pytest.fixture(scope="module")
def local_gateway(function: FakeFunction) -> Iterator[Gateway]:
    """The gateway as local.run starts it with no CORS setting in the environment."""
    with mock.patch.dict(os.environ, clear=False):
        os.environ.pop("CORS_ALLOW_ORIGINS", None)
        origins = cors_origins()
    started = start_gateway(
        function,
        port=0,
        secret=DEFAULT_SECRET,
        cors_origins=origins,
        unauthorized_hint=UNAUTHORIZED_HINT,
    )
    yield started
    started.stop()


# --------------------------------------------------------------------------- CORS


def test_without_cors_setting_the_local_origins_are_the_templates_default() -> None:
    # Given no CORS_ALLOW_ORIGINS, Then the origins are template.yaml's CorsAllowOrigins default
    assert cors_origins({}) == [FRONTEND] == [parameter_default("CorsAllowOrigins")]
    # And CORS_ALLOW_ORIGINS overrides it (set and empty: no origin at all)
    assert cors_origins({"CORS_ALLOW_ORIGINS": "https://a.example, https://b.example"}) == [
        "https://a.example",
        "https://b.example",
    ]
    assert cors_origins({"CORS_ALLOW_ORIGINS": ""}) == []


def test_a_browser_preflight_and_post_from_the_vite_dev_server_succeed_by_default(
    local_gateway: Gateway, function: FakeFunction
) -> None:
    # Given the local gateway without CORS configuration
    # When a browser on http://localhost:5173 sends its preflight
    preflight = call(local_gateway, "OPTIONS", "/graphql", headers=PREFLIGHT, anonymous=True)
    # Then the gateway allows the origin, POST and both headers, without calling the function
    assert preflight.status == 204
    assert preflight.header("access-control-allow-origin") == FRONTEND
    assert "POST" in (preflight.header("access-control-allow-methods") or "").split(",")
    allowed_headers = (preflight.header("access-control-allow-headers") or "").split(",")
    assert {"authorization", "content-type"} <= set(allowed_headers)
    assert function.events == []
    # And the POST that follows is answered with the origin allowed
    post = call(
        local_gateway,
        "POST",
        "/graphql",
        headers={"Origin": FRONTEND, "Content-Type": "application/json"},
        body=b'{"query":"{ me { role } }"}',
    )
    assert post.status == 200
    assert post.header("access-control-allow-origin") == FRONTEND


def test_another_origin_gets_no_permission_by_default(local_gateway: Gateway) -> None:
    # Given the local gateway without CORS configuration, and a page on another origin
    other = {**PREFLIGHT, "Origin": "http://localhost:3001"}
    # When it sends a preflight and a POST
    preflight = call(local_gateway, "OPTIONS", "/graphql", headers=other, anonymous=True)
    post = call(local_gateway, "POST", "/graphql", headers={"Origin": other["Origin"]}, body=b"{}")
    # Then neither answer allows it
    assert preflight.header("access-control-allow-origin") is None
    assert preflight.header("access-control-allow-methods") is None
    assert post.header("access-control-allow-origin") is None


# --------------------------------------------------------------------------- the 401


def test_a_request_without_a_token_gets_a_401_saying_how_to_get_one(
    local_gateway: Gateway, function: FakeFunction
) -> None:
    # Given the local gateway, and GraphiQL sending a query without an Authorization header
    reply = call(local_gateway, "POST", "/graphql", body=b"{}", anonymous=True)
    # Then the answer is still API Gateway's 401 with its message, before the function
    assert reply.status == 401
    body = reply.json()
    assert body["message"] == "Unauthorized"
    assert function.events == []
    # And a hint names the token command and the header to send it in
    assert "make token ROLE=ENTERPRISE_ADMIN ENTERPRISE=<USCC>" in body["hint"]
    assert "Authorization: Bearer <token>" in body["hint"]
    assert body == {"message": "Unauthorized", "hint": UNAUTHORIZED_HINT}


def test_a_refused_token_gets_the_hint_and_the_challenge(local_gateway: Gateway) -> None:
    # Given an expired or garbled token
    reply = call(
        local_gateway, "POST", "/graphql", headers={"Authorization": "Bearer x"}, body=b"{}"
    )
    # Then the 401 keeps its challenge and carries the hint too
    assert reply.status == 401
    assert reply.json() == {"message": "Unauthorized", "hint": UNAUTHORIZED_HINT}
    assert (reply.header("www-authenticate") or "").startswith('Bearer error="invalid_token"')


# --------------------------------------------------------------------------- console lines


def test_a_request_line_has_time_status_operation_time_taken_and_error_codes() -> None:
    at = datetime(2026, 10, 12, 9, 30, 5, tzinfo=UTC)
    # Given the API function's note of an operation that failed with two codes
    note = Note("Obligations", ("FORBIDDEN", "NOT_FOUND"))
    # Then the line names the operation and the codes
    line = request_line("POST", "/graphql", 200, 35.4, note, at)
    assert line == "09:30:05 200 POST Obligations 35 ms  FORBIDDEN,NOT_FOUND"
    # And without a note (the gateway answered alone) it names the path
    assert request_line("POST", "/graphql", 401, 0.2, None, at) == "09:30:05 401 POST /graphql 0 ms"


def test_the_gateways_record_is_printed_with_the_functions_operation() -> None:
    # Given the API function's "graphql request" record in this thread
    notes = RequestNotes()
    notes.emit(
        logging.makeLogRecord(
            {"msg": "graphql request", "operation": "Me", "error_codes": ["UNAUTHENTICATED"]}
        )
    )
    # When the gateway logs its line for the same request
    record = logging.makeLogRecord(
        {"msg": "POST /graphql 200 12 ms", "method": "POST", "path": "/graphql", "status": 200}
    )
    record.elapsed_ms = 12.0
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(RequestLineFormatter("%(message)s"))
    handler.emit(record)
    handler.emit(record)
    # Then one short line carries both; the next request's line does not reuse the note
    first, second = out.getvalue().splitlines()
    assert first.endswith(" 200 POST Me 12 ms  UNAUTHENTICATED"), first
    assert second.endswith(" 200 POST /graphql 12 ms"), second
    assert len(first) < 80


# --------------------------------------------------------------------------- persistence


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    with mock.patch.dict(os.environ, clear=False):
        for name in ("AWS_ENDPOINT_URL_DYNAMODB", "LOCAL_USE_REAL_AWS"):
            os.environ.pop(name, None)
        handle = start_aws()
        yield handle
        handle.stop()


def _dynamodb() -> Any:
    return botocore.session.get_session().create_client("dynamodb")


_VALUES = {"S": lambda n: {"S": f"key-{n}"}, "N": lambda n: {"N": str(n)}}


def _item(definition: dict[str, Any], n: int) -> dict[str, Any]:
    """An item with every declared key attribute, a binary, a map and a list."""
    item: dict[str, Any] = {
        attribute["AttributeName"]: _VALUES.get(
            attribute["AttributeType"], lambda n: {"B": f"b{n}".encode()}
        )(n)
        for attribute in definition["AttributeDefinitions"]
    }
    item["payload"] = {
        "M": {"raw": {"B": bytes([n % 256, 0, 255])}, "tags": {"L": [{"S": "a"}, {"N": "1"}]}}
    }
    item["codes"] = {"BS": [b"x", bytes([n % 256])]}
    return item


def _scan_all(client: Any, tables: dict[str, str]) -> dict[str, list[Any]]:
    return {
        logical_id: sorted(
            (
                item
                for page in client.get_paginator("scan").paginate(TableName=name)
                for item in page["Items"]
            ),
            key=repr,
        )
        for logical_id, name in tables.items()
    }


def _tables(prefix: str) -> dict[str, str]:
    create_tables(_dynamodb(), prefix, environ={})
    return {logical_id: f"{prefix}{logical_id}" for logical_id in table_definitions()}


def test_a_snapshot_written_on_stop_is_restored_on_the_next_start(
    aws: LocalAws, tmp_path: Path
) -> None:
    client = _dynamodb()
    # Given a stack's tables holding items of every table (more than one batch in one table)
    before = _tables("run-1-")
    definitions = table_definitions()
    for index, (logical_id, name) in enumerate(sorted(before.items())):
        count = 60 if index == 0 else 2
        for n in range(count):
            client.put_item(TableName=name, Item=_item(definitions[logical_id], n))
    # When it stops (snapshot written) and the next start restores into its empty tables
    path = tmp_path / "data" / persistence.SNAPSHOT_FILE
    written = persistence.write_snapshot(client, before, path)
    after = _tables("run-2-")
    restored, dropped = persistence.restore_snapshot(client, after, path)
    # Then the items are equal, binary values included, and no temporary file is left
    assert restored == written == 60 + 2 * (len(before) - 1)
    assert dropped == []
    assert _scan_all(client, after) == _scan_all(client, before)
    assert [p.name for p in path.parent.iterdir()] == [persistence.SNAPSHOT_FILE]


def test_fresh_ignores_the_snapshot_and_a_broken_one_stops_the_start(
    aws: LocalAws, tmp_path: Path
) -> None:
    client = _dynamodb()
    create_tables(client, DEFAULT_PREFIX, environ={})
    snapshot = tmp_path / persistence.SNAPSHOT_FILE
    persistence.write_snapshot(client, {}, snapshot)
    # Given a snapshot on disk, When the stack starts with FRESH=1
    # Then it restores nothing (the demo data loads), and saves over the snapshot on stop
    assert persistence.fresh({"FRESH": "1"})
    assert LocalData(client, tmp_path, fresh=True).restore() is None
    # And without FRESH it restores the snapshot
    assert not persistence.fresh({})
    assert LocalData(client, tmp_path, fresh=False).restore() == 0
    # And a snapshot that cannot be read is refused, not silently replaced
    snapshot.write_text("{not json", encoding="utf-8")
    with pytest.raises(persistence.SnapshotError):
        LocalData(client, tmp_path, fresh=False).restore()


def test_data_still_loading_is_not_saved_over_the_last_snapshot(
    aws: LocalAws, tmp_path: Path
) -> None:
    # Given a stack stopped while its demo data is still loading
    data = LocalData(_dynamodb(), tmp_path, fresh=True)
    data.settled = lambda: False
    # When it saves on stop, Then no snapshot is written (the previous one would be kept)
    data.save()
    assert not (tmp_path / persistence.SNAPSHOT_FILE).exists()


def test_function_logs_and_prints_go_to_the_log_file_and_the_note_is_kept(tmp_path: Path) -> None:
    # Given a Powertools logger routed to a log file, as local.run does for the functions
    service = f"console-test-{os.getpid()}"
    log = (tmp_path / "stack.log").open("w", encoding="utf-8")
    logs = route_function_logs(log, service)
    logging.getLogger(service).setLevel(logging.INFO)  # the tests set WARNING for the functions
    try:
        function_logger = Logger(service=service)

        def handler(event: dict[str, Any], context: Any) -> str:
            function_logger.info("graphql request", extra={"operation": "Me", "error_codes": []})
            print('{"_aws": "a metric"}')
            return "answer"

        # When a quiet handler runs
        assert logs.quiet(handler)({}, None) == "answer"
        note = take_note()
    finally:
        logs.close()
    # Then its JSON record and what it printed are in the file, and its note is kept
    written = (tmp_path / "stack.log").read_text(encoding="utf-8").splitlines()
    assert json.loads(written[0])["message"] == "graphql request"
    assert written[1] == '{"_aws": "a metric"}'
    assert note == Note("Me", ())
    # And stdout is the console's again
    assert not isinstance(sys.stdout, ThreadRoutedStdout)
