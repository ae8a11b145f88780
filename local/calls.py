"""Calling the project's Lambda handlers in this process as AWS would.

Owns the Lambda runtime's context object (``LambdaContext``, made from a function's settings
in template.yaml, ``function_settings``) and API Gateway HTTP API requests to the API function:
payload 2.0 events carrying a signed dev token that the local authorizer has verified, and the
handler's HTTP response decoded. The local gateway and sweeper take their functions' contexts
from here; the benchmarks, tools and tests also their events and calls.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from local.authorizer import authorizer_context
from local.aws import REGION
from local.environment import API_FUNCTION
from local.events import HttpRequest, http_event
from local.tables import DEFAULT_PREFIX, FUNCTION_TYPE
from local.template import load_template, resources_of_type
from local.tokens import mint_token


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that handlers and Powertools read."""

    aws_request_id: str
    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    deadline: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class FunctionSettings:
    """A function as template.yaml declares it (``function_settings``), for its context."""

    name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    region: str = REGION
    account_id: str = "123456789012"

    def context(self) -> LambdaContext:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"
        return LambdaContext(
            aws_request_id=str(uuid.uuid4()),
            function_name=self.name,
            memory_limit_in_mb=self.memory_limit_in_mb,
            invoked_function_arn=arn,
            deadline=time.monotonic() + self.timeout_seconds,
            log_group_name=f"/aws/lambda/{self.name}",
        )


@cache
def function_settings(logical_id: str = API_FUNCTION, region: str = REGION) -> FunctionSettings:
    """Memory and timeout of the function `logical_id` as template.yaml sets them (its own
    properties, else the template's Globals, else Lambda's defaults), named as the local stack
    names resources."""
    template = load_template()
    shared = (template.get("Globals") or {}).get("Function") or {}
    functions = resources_of_type(template, FUNCTION_TYPE)
    if logical_id not in functions:
        raise KeyError(
            f"template.yaml declares no function {logical_id}; it has {sorted(functions)}"
        )
    own = functions[logical_id].get("Properties") or {}
    return FunctionSettings(
        name=f"{DEFAULT_PREFIX}{logical_id}",
        memory_limit_in_mb=int(own.get("MemorySize", shared.get("MemorySize", 128))),
        timeout_seconds=int(own.get("Timeout", shared.get("Timeout", 3))),
        region=region,
    )


def bearer_header(role: str, enterprise: str | None = None, scopes: list[str] | None = None) -> str:
    """The Authorization header of a signed dev token (local/tokens.py) for `role`."""
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
    language: str | None = "en",
) -> dict[str, Any]:
    """A POST (or `method`) of `query` to /graphql as API Gateway hands it to the function. It
    asks for English answers (`Accept-Language`) unless `language` says otherwise; None sends
    no such header, as a client without a preference does."""
    headers = [("host", "api.test"), ("accept", accept), ("user-agent", "tests")]
    if language is not None:
        headers.append(("accept-language", language))
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
    """The API function's answer to `event`, called in this process: status and decoded body."""
    from functions.api import handler  # reads its settings when imported: only once they are set

    response = handler(event, function_settings().context())
    body = response["body"]
    try:
        return response["statusCode"], json.loads(body)
    except json.JSONDecodeError:
        return response["statusCode"], body
