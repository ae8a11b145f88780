"""The API function's SnapStart hooks (functions/snapshot.py): registered when the handler's
module loads; the priming leaves the schema built, the caches warm and the clients made, with
no network connection opened; each restore draws new random numbers and signs with the
restored environment's credentials.

Here rather than in the unit tests because a GraphQL request runs in an asyncio event loop,
which opens a Unix socket pair; the priming test refuses every other socket itself.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import snapshot_restore_py  # type: ignore[import-untyped]
from botocore.awsrequest import AWSResponse
from pytest_socket import disable_socket, enable_socket
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

import functions.api  # noqa: F401 - registers the hooks, as Lambda's runtime imports it
from compliance.calendar import default_calendar
from compliance.codes import battery_code_tables
from compliance.store.models import EnterpriseItem, ObligationItem, share_one_connection
from functions import snapshot
from graph import http, replay, schema
from graph.settings import settings_from_environment

# The strawberry extensions' LRU caches, shared by every schema that asks for this size
# (graph/schema.py); typed by strawberry as plain callables.
PARSED: Any = _get_parse_cache(512)
VALIDATED: Any = _get_validate_cache(512)


def _dynamodb() -> Any:
    return ObligationItem._get_connection().connection.client


class _Body:
    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.payload


class _Recorder:
    """Answers a client's requests itself and keeps each request's Authorization header."""

    def __init__(self, payload: bytes = b"{}") -> None:
        self.payload = payload
        self.authorizations: list[str] = []

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        header = request.headers["Authorization"]
        self.authorizations.append(header.decode() if isinstance(header, bytes) else header)
        headers = {"content-type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _Body(self.payload))


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    """A recorder on PynamoDB's shared client, registered after anything already there."""
    found = _Recorder(b'{"Item": {"pk": {"S": "recorded"}, "name": {"S": "recorded"}}}')
    events = _dynamodb().meta.events
    events.register("before-send.dynamodb", found, unique_id="test-recorder")
    yield found
    events.unregister("before-send.dynamodb", unique_id="test-recorder")


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    # Hooks and credentials set here must not follow other tests' clients, nor theirs these.
    share_one_connection()
    replay._persistence.cache_clear()
    yield
    share_one_connection()
    replay._persistence.cache_clear()


def test_hooks_are_registered_when_the_handlers_module_loads() -> None:
    # Given functions.api imported (above), Then the runtime's registry holds both hooks.
    assert (snapshot.prime, (), {}) in snapshot_restore_py.get_before_snapshot()
    assert (snapshot.renew, (), {}) in snapshot_restore_py.get_after_restore()


def test_priming_builds_the_schema_and_warms_the_caches() -> None:
    # Given empty caches
    schema.build_schema.cache_clear()
    http._parse.cache_clear()
    PARSED.cache_clear()
    VALIDATED.cache_clear()
    # When the runtime primes the function, with network sockets refused
    disable_socket(allow_unix_socket=True)
    try:
        snapshot.prime()
    finally:
        enable_socket()
    # Then what the first request needs is built and kept
    documents = len(snapshot.PRIMING_DOCUMENTS)
    introspection = settings_from_environment().introspection
    assert schema.build_schema.cache_info().currsize == 1
    assert isinstance(schema.build_schema(introspection=introspection), schema.Schema)
    assert http._parse.cache_info().currsize == documents
    assert PARSED.cache_info().currsize == documents
    assert VALIDATED.cache_info().currsize == documents
    assert default_calendar.cache_info().currsize == 1
    assert battery_code_tables.cache_info().currsize == 1
    assert ObligationItem._get_connection().connection._client is not None
    assert replay._persistence.cache_info().currsize == 1


def test_priming_documents_are_parsed_once_and_answered_from_the_caches_after() -> None:
    snapshot.prime()
    before = http._parse.cache_info().hits
    for document in snapshot.PRIMING_DOCUMENTS:
        http._parse(document)
    assert http._parse.cache_info().hits == before + len(snapshot.PRIMING_DOCUMENTS)


def test_priming_leaves_no_stand_in_for_dynamodb(recorder: _Recorder) -> None:
    # Given the priming done, When the store reads an item afterwards, Then the request goes
    # past the priming's empty answers (here to the recorder, in production to DynamoDB).
    snapshot.prime()
    assert EnterpriseItem.get("recorded").name == "recorded"


def test_empty_answers_stand_in_only_while_open(recorder: _Recorder) -> None:
    with snapshot._empty_answers(_dynamodb()):
        with pytest.raises(EnterpriseItem.DoesNotExist):  # DynamoDB's "no such item"
            EnterpriseItem.get("anything")
        assert list(ObligationItem.scan()) == []
    assert EnterpriseItem.get("anything").name == "recorded"


def test_each_restore_draws_its_own_random_numbers() -> None:
    snapshot.prime()
    taken = random.getstate()  # what every environment resumes with
    # Without the hook, two environments restored from one snapshot draw the same numbers.
    unrenewed = []
    for _ in range(2):
        random.setstate(taken)
        unrenewed.append([random.random() for _ in range(4)])
    assert unrenewed[0] == unrenewed[1]
    # With it, each draws its own.
    renewed = []
    for _ in range(2):
        random.setstate(taken)
        snapshot.renew()
        renewed.append([random.random() for _ in range(4)])
    assert renewed[0] != renewed[1]


def test_a_restore_signs_with_the_restored_environments_credentials(
    monkeypatch: pytest.MonkeyPatch, recorder: _Recorder
) -> None:
    # Given clients made before the snapshot, with the credentials of that moment
    snapshot.prime()
    client = _dynamodb()
    idempotency_client = replay._persistence().client
    EnterpriseItem.get("recorded")
    assert "Credential=testing/" in recorder.authorizations[-1]
    # When the environment is restored with credentials of its own
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "RESTOREDKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "restored-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "restored-token")
    snapshot.renew()
    # Then the same clients (not rebuilt) sign with them
    assert _dynamodb() is client
    EnterpriseItem.get("recorded")
    assert "Credential=RESTOREDKEY/" in recorder.authorizations[-1]
    signed = replay._persistence().client._request_signer._credentials
    assert signed.get_frozen_credentials().access_key == "RESTOREDKEY"
    assert replay._persistence().client is idempotency_client


def test_a_restore_without_credentials_starts_the_connections_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    snapshot.prime()
    before = ObligationItem._get_connection()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    # No other source either: no files, no instance metadata.
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    snapshot.renew()
    assert ObligationItem._get_connection() is not before
    assert ObligationItem._get_connection().connection._client is None
