"""Lambda SnapStart for the API function: what its snapshot holds, and what each restore renews.

With SnapStart (template.yaml, ApiFunction), Lambda initialises the function once per published
version, snapshots the initialised execution environment and resumes every new environment of
that version from the snapshot: a restore skips the imports and everything below. Two runtime
hooks, registered when functions/api.py imports this module (Lambda ignores hooks in modules the
handler does not import):

- ``prime``, before the snapshot, does what a cold start otherwise leaves to the first request:
  the settings (rule set, cursor key), the schema, the shipped calendar, region and battery-code
  tables, the message catalog, PynamoDB's shared botocore client and the idempotency layer's,
  and whole requests through the GraphQL layer, so that every module they import is imported and
  the parser and validation caches hold those documents. Their DynamoDB calls are answered
  inside this process (``_empty_answers``): nothing is read or written, no connection is opened,
  yet botocore serialises, signs, resolves the endpoint and parses a response once.
- ``renew``, after each restore, renews what must not be shared by every environment resumed
  from one snapshot (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html):
  the ``random`` module's state, and the AWS credentials the clients captured at snapshot time.

``uuid.uuid4`` and ``secrets`` (partner keys, service point ids) read /dev/urandom on every
call, which the same page names as keeping its randomness across restores; nothing here keeps
an id or a secret of its own made at initialisation. The cursor key is read (from SSM in
production) before the snapshot and is the same in every environment of a version: rotating it
takes a new version, that is a deployment.
"""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import snapshot_restore_py  # type: ignore[import-untyped]
from botocore.awsrequest import AWSResponse

from compliance.calendar import default_calendar
from compliance.codes import battery_code_tables
from compliance.messages import LANGUAGES, catalog
from compliance.regions import provinces
from compliance.store.models import ObligationItem, share_one_connection
from graph import replay
from graph.context import Principal, Role
from graph.http import HttpRequest, handle
from graph.schema import build_schema
from graph.settings import settings_from_environment

logger = logging.getLogger(__name__)

# Requests run before the snapshot: the README's question (summary, a status-filtered page,
# nested vehicles and packs), a vehicle with its history and duties, and the caller's identity.
# Any document's first run imports graphql-core's validation rules and execution machinery;
# these documents also stay in the parser and validation caches.
PRIMING_ENTERPRISE = "91350100M000100Y43"
PRIMING_DOCUMENTS = (
    """{
  complianceSummary { open overdue fulfilled fulfilledLate provisional nextDue { ruleId dueDate } }
  obligations(first: 10, filter: {status: [OPEN, OVERDUE]}) {
    edges { node { ruleId subjectId triggerDate dueDate dueAt provisional status
                   vehicle { vin batteries { code } } } }
    pageInfo { hasNextPage endCursor }
  }
}""",
    """query ($vin: String!) {
  vehicle(vin: $vin) { vin batteries { code } events { kind } obligations { ruleId status } }
}""",
    "{ me { role enterpriseId } }",
)
PRIMING_VARIABLES: Mapping[str, Any] = {"vin": "LSVAU2180N2000001"}
PRIMING_PRINCIPAL = Principal(
    subject="snapshot-priming", role=Role.ENTERPRISE_ADMIN, enterprise_id=PRIMING_ENTERPRISE
)


class _Body:
    """A response body botocore reads as it reads one from the network."""

    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._payload


def _empty_answer(operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """What DynamoDB answers `operation` when nothing matches."""
    if operation in ("Query", "Scan"):
        return {"Items": [], "Count": 0, "ScannedCount": 0}
    if operation == "BatchGetItem":
        tables = request.get("RequestItems", {})
        return {"Responses": {table: [] for table in tables}, "UnprocessedKeys": {}}
    if operation == "TransactGetItems":
        return {"Responses": [{} for _ in request.get("TransactItems", ())]}
    return {}  # GetItem: no Item


def _answer_inside(request: Any, **_: Any) -> AWSResponse:
    # botocore's before-send event: a handler that returns a response stands in for the network.
    target = request.headers.get("X-Amz-Target") or b""
    operation = (target.decode() if isinstance(target, bytes) else target).rpartition(".")[2]
    body = json.loads(request.body or b"{}")
    payload = json.dumps(_empty_answer(operation, body)).encode()
    headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "priming"}
    return AWSResponse(request.url, 200, headers, _Body(payload))


@contextmanager
def _empty_answers(client: Any) -> Iterator[None]:
    """DynamoDB calls made through `client` meanwhile are answered here, as if nothing
    matched; the handler is removed afterwards, whatever happens."""
    events = client.meta.events
    events.register_first("before-send.dynamodb", _answer_inside, unique_id="snapshot-priming")
    try:
        yield
    finally:
        events.unregister("before-send.dynamodb", unique_id="snapshot-priming")


def prime() -> None:
    """Before the snapshot: build and load what the first request would, and run the priming
    requests against empty DynamoDB answers. A request that fails here fails the version's
    publication, before any user meets it."""
    started = time.perf_counter()
    settings = settings_from_environment()  # production: reads the cursor key from SSM
    if "aws_lambda_powertools.utilities.parameters" in sys.modules:
        # The SSM client, its connection and its credentials would otherwise sleep in the
        # snapshot; the settings are cached for the environment's life and never read SSM again.
        from aws_lambda_powertools.utilities.parameters import clear_caches

        clear_caches()  # type: ignore[no-untyped-call]
    build_schema(introspection=settings.introspection)
    default_calendar()
    battery_code_tables()
    provinces()
    for language in LANGUAGES:  # the message catalog, read by the first refusal otherwise
        catalog(language)
    # Requests with an Idempotency-Key go through Powertools' DynamoDB persistence layer: its
    # module and boto3 client are loaded here rather than by the first such request.
    replay._persistence()
    # A connection's first DNS lookup encodes the host name with the IDNA codec, a module of
    # its own; the priming opens no connection, so it is loaded here.
    "dynamodb".encode("idna")
    client = ObligationItem._get_connection().connection.client
    with _empty_answers(client):
        for document in PRIMING_DOCUMENTS:
            body = json.dumps({"query": document, "variables": dict(PRIMING_VARIABLES)})
            request = HttpRequest(
                method="POST",
                path="/graphql",
                headers={"content-type": "application/json"},
                body=body.encode(),
                request_id="snapshot-priming",
            )
            response = handle(request, PRIMING_PRINCIPAL, settings, datetime.now(UTC))
            answer = response.json()
            if response.status != 200 or answer.get("errors"):
                raise RuntimeError(f"priming request failed ({response.status}): {answer}")
    logger.info(
        "primed for the snapshot",
        extra={"elapsed_ms": round((time.perf_counter() - started) * 1000, 1)},
    )


def renew() -> None:
    """After each restore: new random state and the restored environment's credentials."""
    started = time.perf_counter()
    # From os.urandom: every environment resumed from one snapshot would otherwise draw the
    # same numbers (botocore's retry jitter among them).
    random.seed()
    renew_credentials()
    logger.info(
        "restored from the snapshot",
        extra={"elapsed_ms": round((time.perf_counter() - started) * 1000, 1)},
    )


def renew_credentials() -> None:
    """Give the botocore clients in the snapshot the credentials of the restored environment.

    A client resolves credentials once, when it is created: before the snapshot, here. Those
    are temporary credentials of the execution role, shared by every environment restored from
    the snapshot, which may be restored days after it was taken. AWS lists cached credentials
    among the state to renew after a restore
    (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-custom.html). A
    restored environment has credentials of its own in its environment variables; with
    SnapStart the runtime takes them from the container credentials endpoint
    (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN) rather than the
    AWS_ACCESS_KEY_ID variables, as AWS answers for Java on re:Post (QU1HDpHlmVRH2sWxa-5MCGKg,
    pointing to https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials).
    botocore refreshes credentials from that endpoint only as they near expiry, and never those
    it read from AWS_ACCESS_KEY_ID: so its chain is run again here, in the restored environment,
    whichever source it finds. The clients are kept: their models, endpoint rules and parsers do
    not depend on credentials, and building them is part of what the snapshot saves.
    """
    session = ObligationItem._get_connection().connection.session
    credentials = session.get_component("credential_provider").load_credentials()
    if credentials is None:
        # Nothing to sign with: start PynamoDB's connections again, as a cold start would.
        share_one_connection()
        return
    clients = [ObligationItem._get_connection().connection.client]
    if replay._persistence.cache_info().currsize:
        clients.append(replay._persistence().client)
    for client in clients:
        # botocore has no setter; the signer reads this attribute for every request, and
        # PynamoDB's Connection.client checks the same one to decide whether to rebuild.
        client._request_signer._credentials = credentials


# Registered when the module loads; Lambda runs them in this order around the snapshot.
snapshot_restore_py.register_before_snapshot(prime)
snapshot_restore_py.register_after_restore(renew)
