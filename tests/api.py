"""Calling the API Lambda in tests exactly as API Gateway would: signed dev tokens verified by
the local authorizer, real payload 2.0 events, and the handler's HTTP response decoded."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import mock_aws

from local import moto_fixes
from local.authorizer import authorizer_context
from local.events import HttpRequest, http_event
from local.tables import create_tables
from local.tokens import mint_token


class Context:
    aws_request_id = "test-request"
    function_name = "api"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:api"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def token_claims(role: str, enterprise: str | None = None, scopes: list[str] | None = None) -> str:
    return "Bearer " + mint_token(role, enterprise, scopes=scopes)


def api_event(
    query: str | None = None,
    variables: dict[str, Any] | None = None,
    *,
    auth: str | None = None,
    method: str = "POST",
    body: bytes | None = None,
    content_type: str = "application/json",
    raw_query: str = "",
    accept: str = "application/json",
) -> dict[str, Any]:
    headers = [("host", "api.test"), ("accept", accept), ("user-agent", "tests")]
    if method == "POST":
        headers.append(("content-type", content_type))
        if body is None:
            body = json.dumps({"query": query, "variables": variables}).encode()
    if auth:
        headers.append(("authorization", auth))
    request = HttpRequest(
        method=method,
        raw_path="/graphql",
        raw_query=raw_query,
        headers=tuple(headers),
        body=body or b"",
        source_ip="127.0.0.1",
    )
    return http_event(
        request,
        route_key=f"{method} /graphql",
        request_id=str(uuid.uuid4()),
        now=datetime.now(UTC),
        authorizer=authorizer_context(auth),
    )


def invoke(event: dict[str, Any]) -> tuple[int, Any]:
    from functions.api import handler

    response = handler(event, Context())
    body = response["body"]
    try:
        return response["statusCode"], json.loads(body)
    except json.JSONDecodeError:
        return response["statusCode"], body


def gql(query: str, variables: dict[str, Any] | None = None, *, auth: str | None = None) -> Any:
    """POST one GraphQL request; return its JSON (status must be 200)."""
    status, payload = invoke(api_event(query, variables, auth=auth))
    assert status == 200, payload
    return payload


@contextmanager
def local_aws() -> Iterator[Any]:
    """In-process moto with every table of template.yaml created, as the local stack has."""
    moto_fixes.apply()
    with mock_aws():
        client = boto3.client("dynamodb")
        create_tables(client)
        from compliance.store.models import share_one_connection

        share_one_connection()  # a new mock needs a new client
        yield client


def table_snapshot(client: Any) -> dict[str, list[Any]]:
    """Every item of every table, for before/after comparisons in tests (Scan is fine here)."""
    snapshot = {}
    for name in sorted(client.list_tables()["TableNames"]):
        items = client.scan(TableName=name)["Items"]
        snapshot[name] = sorted(json.dumps(i, sort_keys=True) for i in items)
    return snapshot


_REGISTER_ENTERPRISE = """mutation ($input: RegisterEnterpriseInput!) {
    registerEnterprise(input: $input) { userErrors { code message } } }"""


def onboard(enterprise_id: str, name: str, kinds: list[str], **fields: Any) -> None:
    """Given: the platform onboards an enterprise (the test fails if it is refused)."""
    payload = {"id": enterprise_id, "name": name, "kinds": kinds, **fields}
    result = gql(_REGISTER_ENTERPRISE, {"input": payload}, auth=token_claims("PLATFORM_ADMIN"))
    assert result["data"]["registerEnterprise"]["userErrors"] == [], result


def onboard_battery_maker(enterprise_id: str, code: str = "X12") -> None:
    onboard(enterprise_id, "Cells", ["BATTERY_MAKER"], manufacturerCodes=[code])
