"""The API Lambda: an API Gateway HTTP API (payload 2.0) event in, an HTTP response out.

It reads the event through Powertools' data class, the principal from what API Gateway's
authorizer verified (a person's JWT claims, or the partner-key context of the Lambda
authorizer), hands the request to graph.http, and logs one structured line per request with its
id and operation.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

# Imported for its SnapStart hooks: Lambda runs only hooks the handler's module imports.
import functions.snapshot  # noqa: F401
from graph import replay
from graph.context import (
    Principal,
    language_for,
    principal_from_claims,
    principal_from_lambda_context,
)
from graph.http import Execution, HttpRequest, HttpResponse, handle
from graph.settings import settings_from_environment

logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: LambdaContext) -> dict[str, Any]:
    started = datetime.now(UTC)
    principal = _principal(event)
    # The body as bytes: Powertools' decoded_body is text, and a binary body must reach
    # graph.http (which answers it 415), not fail to decode here.
    body = event.body or ""
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode()
    request = HttpRequest(
        method=event.request_context.http.method,
        path=event.raw_path,
        headers=event.headers,  # lower-case names, whatever the client sent
        query=event.query_string_parameters,
        body=raw,
        request_id=event.request_context.request_id,
    )
    execution = Execution()

    def run() -> HttpResponse:
        return handle(request, principal, settings_from_environment(), started, execution)

    key = request.headers.get(replay.HEADER)
    if key is not None and request.method.upper() == "POST" and principal is not None:
        caller = f"{principal.enterprise_id}/{principal.subject}"
        language = language_for(principal, request.headers.get("accept-language"))
        response = replay.once(key, caller, raw, run, language)
    else:
        response = run()
    _log(response, execution, principal, started)
    text = response.content_type.startswith(("application/", "text/"))
    return {
        "statusCode": response.status,
        "headers": {"content-type": response.content_type, **response.headers},
        "body": response.body.decode() if text else base64.b64encode(response.body).decode(),
        "isBase64Encoded": not text,
    }


def _principal(event: APIGatewayProxyEventV2) -> Principal | None:
    authorizer = event.request_context.authorizer
    if "lambda" in authorizer:
        # The partner API: its Lambda authorizer checked an API key (functions/authorizer.py).
        return principal_from_lambda_context(authorizer.get_lambda)
    return principal_from_claims(authorizer.jwt_claim, authorizer.jwt_scopes)


def _log(
    response: HttpResponse, execution: Execution, principal: Principal | None, started: datetime
) -> None:
    elapsed_ms = (datetime.now(UTC) - started).total_seconds() * 1000
    logger.info(
        "graphql request",
        extra={
            "status": response.status,
            "operation": execution.operation_name,
            "operation_type": execution.operation_type,
            "error_codes": execution.error_codes,
            "role": principal.role.value if principal else None,
            "enterprise": principal.enterprise_id if principal else None,
            "elapsed_ms": round(elapsed_ms, 1),
        },
    )
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    if response.status >= 500 or "INTERNAL" in execution.error_codes:
        metrics.add_metric(name="InternalErrors", unit=MetricUnit.Count, value=1)
