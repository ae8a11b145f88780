"""GraphQL over HTTP: turn one HTTP request into one GraphQL execution and an HTTP response.

GET serves queries (and GraphiQL where enabled); POST with a JSON body serves everything.
A request that is not a well-formed GraphQL request gets 400 with a message that says what is
wrong; a mutation over GET gets 405; a body of another type 415; a body over 1 MB 413. This
module owns those answers; Strawberry owns the request data, the execution and the result's
shape (`GraphQLRequestData`, `Schema.execute`, `process_result`). It is not a subclass of
Strawberry's HTTP view, whose every answering hook would be overridden, plus a request adapter
and WebSocket stubs it requires: about 110 more lines, and 9 ms more of every cold start.
Independent of Lambda: functions/api.py adapts API Gateway events to this.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationType, get_operation_ast, parse
from msgspec import Struct, field
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result

from compliance.store.dynamo import DynamoStore
from graph.context import GraphContext, Principal
from graph.graphiql import ASSET_PREFIX, graphiql_asset, graphiql_page
from graph.loaders import new_loaders
from graph.schema import MAX_TOKENS, build_schema
from graph.settings import Settings

MAX_BODY_BYTES = 1_000_000
# A document that cannot be parsed, fails validation, or is larger or costlier than the API
# runs never ran: that is a bad request.
_NEVER_RAN = frozenset(
    {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_LARGE", "QUERY_TOO_COSTLY"}
)
_JSON = "application/json"
_GRAPHQL_JSON = "application/graphql-response+json"
_HTML = "text/html; charset=utf-8"
_CODES = {
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}  # anything else: BAD_REQUEST


class HttpRequest(Struct, frozen=True):
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    request_id: str = ""


class HttpResponse(Struct, frozen=True):
    status: int
    body: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


class Execution(Struct):
    """What the caller logs about a request: which operation, and how it ended."""

    operation_name: str | None = None
    operation_type: str | None = None
    error_codes: list[str] = field(default_factory=list)


class _Refusal(Exception):  # noqa: N818 - control flow inside this module only
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def handle(
    request: HttpRequest,
    principal: Principal | None,
    settings: Settings,
    now: datetime,
    execution: Execution | None = None,
) -> HttpResponse:
    execution = execution if execution is not None else Execution()
    method = request.method.upper()
    page = _page(request, method, settings)
    if page is not None:
        return page
    try:
        graphql_request = _read(request, method)
        # Never None: _read refuses a request without a query.
        document = _parse(graphql_request.query or "")
        if isinstance(document, GraphQLError):
            parse_failed = {**document.formatted, "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}
            return _answer({"errors": [parse_failed]}, request)
        _check_operation(document, graphql_request, method, execution)
    except _Refusal as refusal:
        return _message(refusal.status, str(refusal), refusal.headers)
    result = asyncio.run(_execute(graphql_request, principal, settings, now, request.request_id))
    payload = process_result(result)
    execution.error_codes = [_code(error) for error in payload.get("errors") or ()]
    return _answer(payload, request)


def _page(request: HttpRequest, method: str, settings: Settings) -> HttpResponse | None:
    """What a request for anything but a GraphQL operation gets: GraphiQL and its assets, or
    404 off the endpoint. None: a GraphQL request."""
    path = request.path.rstrip("/")
    if method == "GET" and request.path.startswith(ASSET_PREFIX) and settings.graphiql:
        asset = graphiql_asset(request.path.removeprefix(ASSET_PREFIX))
        if asset is not None:
            body, content_type = asset
            return HttpResponse(200, body, content_type, {"cache-control": "public, max-age=86400"})
    wants_graphiql = method == "GET" and (
        path == "/graphiql"
        or (path == "/graphql" and _wants_html(request) and "query" not in request.query)
    )
    if wants_graphiql:
        if not settings.graphiql:
            return _message(404, "GraphiQL is not enabled on this stage.")
        return HttpResponse(200, graphiql_page(endpoint="/graphql").encode(), _HTML)
    if path != "/graphql":
        return _message(404, "Not found: the GraphQL endpoint is /graphql.")
    return None


def _check_operation(
    document: DocumentNode,
    graphql_request: GraphQLRequestData,
    method: str,
    execution: Execution,
) -> None:
    """The operation the request runs, named in `execution`; a refusal when there is none to
    choose, or it is a mutation sent with GET."""
    operation = get_operation_ast(document, graphql_request.operation_name)
    if operation is None:
        raise _Refusal(
            400,
            "operationName does not name an operation in the document"
            if graphql_request.operation_name
            else "The document has several operations; say which with operationName.",
        )
    execution.operation_name = operation.name.value if operation.name else None
    execution.operation_type = operation.operation.value
    if method == "GET" and operation.operation is not OperationType.QUERY:
        raise _Refusal(405, "Mutations are sent with POST, not GET.", {"allow": "POST"})


async def _execute(
    graphql_request: GraphQLRequestData,
    principal: Principal | None,
    settings: Settings,
    now: datetime,
    request_id: str,
) -> Any:
    # Loaders are made here, inside this request's event loop, and die with it.
    context = GraphContext(
        principal=principal,
        now=now,
        settings=settings,
        loaders=new_loaders(),
        store=DynamoStore(),
        request_id=request_id,
    )
    schema = build_schema(introspection=settings.introspection)
    return await schema.execute(
        graphql_request.query,
        variable_values=graphql_request.variables,
        context_value=context,
        operation_name=graphql_request.operation_name,
    )


def _read(request: HttpRequest, method: str) -> GraphQLRequestData:
    if method == "GET":
        params: Mapping[str, Any] = request.query
        variables: Any = params.get("variables")
        if isinstance(variables, str) and variables:
            variables = _json(variables.encode(), "'variables' parameter")
    elif method == "POST":
        params = _post_body(request)
        variables = params.get("variables")
    else:
        raise _Refusal(405, f"{method} is not supported; use GET or POST.", {"allow": "GET, POST"})
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise _Refusal(400, "'query' is missing: send the GraphQL document as a string.")
    if variables is not None and not isinstance(variables, dict):
        raise _Refusal(400, "'variables' must be a JSON object.")
    name = params.get("operationName")
    if name is not None and not isinstance(name, str):
        raise _Refusal(400, "'operationName' must be a string.")
    return GraphQLRequestData(query, variables, name or None, extensions=None)


def _post_body(request: HttpRequest) -> Mapping[str, Any]:
    """The JSON object a POST carries; a refusal for anything else."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _JSON:
        raise _Refusal(
            415, f"Send the request as {_JSON}; got {content_type or 'no content type'}."
        )
    if len(request.body) > MAX_BODY_BYTES:
        raise _Refusal(413, f"The body is over {MAX_BODY_BYTES:,} bytes.")
    parsed = _json(request.body, "body")
    if isinstance(parsed, list):
        raise _Refusal(400, "Batched requests (a JSON array) are not supported; send one.")
    if not isinstance(parsed, dict):
        raise _Refusal(400, "The body must be a JSON object with a 'query'.")
    return parsed


def _json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _Refusal(400, f"The {what} is not valid JSON: {error}.") from None


@lru_cache(maxsize=512)
def _parse(query: str) -> DocumentNode | GraphQLError:
    try:
        # The schema's own token limit, applied here first, so that a document over it is a
        # request error (400 GRAPHQL_PARSE_FAILED) like any other that cannot be parsed.
        return parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return error


def _wants_html(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _response_type(request: HttpRequest) -> str:
    return _GRAPHQL_JSON if _GRAPHQL_JSON in request.headers.get("accept", "") else _JSON


def _code(error: Any) -> str:
    return str((error.get("extensions") or {}).get("code"))


def _answer(payload: GraphQLHTTPResponse, request: HttpRequest) -> HttpResponse:
    """The result of a document: 200, or 400 without `data` when it never ran."""
    errors = payload.get("errors") or ()
    if payload.get("data") is None and errors and all(_code(e) in _NEVER_RAN for e in errors):
        refused = {key: value for key, value in payload.items() if key != "data"}
        return HttpResponse(400, _dump(refused), _response_type(request))
    return HttpResponse(200, _dump(payload), _response_type(request))


def _message(status: int, message: str, headers: Mapping[str, str] | None = None) -> HttpResponse:
    code = _CODES.get(status, "BAD_REQUEST")
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return HttpResponse(status, _dump(body), _JSON, headers or {})


def _dump(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
