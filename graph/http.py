"""GraphQL over HTTP: turn one HTTP request into one GraphQL execution and an HTTP response.

GET serves queries (and GraphiQL where enabled); POST with a JSON body serves everything.
A request that is not a well-formed GraphQL request gets 400 with a message that says what is
wrong; a mutation over GET gets 405; a body of another type 415; a body over 1 MB 413. Every
answer is in the language the request chose (graph/context.py `language_for`), which its
``Content-Language`` header names. This module owns those answers; Strawberry owns the request
data, the execution and the result's shape (`GraphQLRequestData`, `Schema.execute`,
`process_result`). It is not a subclass of Strawberry's HTTP view, whose every answering hook
would be overridden, plus a request adapter and WebSocket stubs it requires: about 110 more
lines, and 9 ms more of every cold start. Independent of Lambda: functions/api.py adapts API
Gateway events to this.
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

from compliance.messages import Message, render, t
from compliance.store.dynamo import DynamoStore
from graph.context import GraphContext, Principal, Role, language_for
from graph.documents import is_registered, named_id, registered
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
    def __init__(
        self,
        status: int,
        message: Message,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.code = code


def handle(
    request: HttpRequest,
    principal: Principal | None,
    settings: Settings,
    now: datetime,
    execution: Execution | None = None,
) -> HttpResponse:
    execution = execution if execution is not None else Execution()
    method = request.method.upper()
    language = language_for(principal, request.headers.get("accept-language"))
    page = _page(request, method, settings, language)
    if page is not None:
        return page
    try:
        graphql_request = _read(request, method, settings, principal)
        # Never None: _read refuses a request without a query.
        document = _parse(graphql_request.query or "")
        if isinstance(document, GraphQLError):
            parse_failed = {**document.formatted, "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}
            return _answer({"errors": [parse_failed]}, request, language)
        _check_operation(document, graphql_request, method, execution)
    except _Refusal as refusal:
        return _message(
            refusal.status, refusal.message, language, refusal.headers, code=refusal.code
        )
    context = _Request(principal, settings, now, request.request_id, language)
    result = asyncio.run(_execute(graphql_request, context))
    payload = process_result(result)
    execution.error_codes = [_code(error) for error in payload.get("errors") or ()]
    return _answer(payload, request, language)


def _page(
    request: HttpRequest, method: str, settings: Settings, language: str
) -> HttpResponse | None:
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
            return _message(404, t("http.graphiql_disabled"), language)
        return HttpResponse(200, graphiql_page(endpoint="/graphql").encode(), _HTML)
    if path != "/graphql":
        return _message(404, t("http.not_found"), language)
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
            t(
                "http.unknown_operation"
                if graphql_request.operation_name
                else "http.several_operations"
            ),
        )
    execution.operation_name = operation.name.value if operation.name else None
    execution.operation_type = operation.operation.value
    if method == "GET" and operation.operation is not OperationType.QUERY:
        raise _Refusal(405, t("http.mutation_over_get"), {"allow": "POST"})


class _Request(Struct, frozen=True):
    """What the context of one execution is made from."""

    principal: Principal | None
    settings: Settings
    now: datetime
    request_id: str
    language: str


async def _execute(graphql_request: GraphQLRequestData, request: _Request) -> Any:
    # Loaders are made here, inside this request's event loop, and die with it.
    settings = request.settings
    context = GraphContext(
        principal=request.principal,
        now=request.now,
        settings=settings,
        loaders=new_loaders(),
        store=DynamoStore(),
        request_id=request.request_id,
        language=request.language,
    )
    schema = build_schema(introspection=settings.introspection)
    return await schema.execute(
        graphql_request.query,
        variable_values=graphql_request.variables,
        context_value=context,
        operation_name=graphql_request.operation_name,
    )


def _read(
    request: HttpRequest, method: str, settings: Settings, principal: Principal | None
) -> GraphQLRequestData:
    if method == "GET":
        params: Mapping[str, Any] = request.query
        variables: Any = params.get("variables")
        if isinstance(variables, str) and variables:
            variables = _json(variables.encode(), "http.what.variables")
    elif method == "POST":
        params = _post_body(request)
        variables = params.get("variables")
    else:
        raise _Refusal(405, t("http.method_not_allowed", method=method), {"allow": "GET, POST"})
    query = _document(params, settings, principal)
    if variables is not None and not isinstance(variables, dict):
        raise _Refusal(400, t("http.variables_not_object"))
    name = params.get("operationName")
    if name is not None and not isinstance(name, str):
        raise _Refusal(400, t("http.operation_name_not_string"))
    return GraphQLRequestData(query, variables, name or None, extensions=None)


def _document(params: Mapping[str, Any], settings: Settings, principal: Principal | None) -> str:
    """The document's text: sent as it is, or named by a registered document's id
    (graph/documents.py); where only registered documents are accepted from people, one of
    those."""
    query, identifier = params.get("query"), named_id(params)
    if identifier is not None:
        text = registered(settings.documents, identifier)
        if text is None:
            # Apollo's clients know this code: they send the text next.
            raise _Refusal(
                400, t("documents.not_found", id=identifier), code="PERSISTED_QUERY_NOT_FOUND"
            )
        if isinstance(query, str) and query and query != text:
            raise _Refusal(400, t("documents.mismatch", id=identifier))
        return text
    if not isinstance(query, str) or not query.strip():
        raise _Refusal(400, t("http.query_missing"))
    person = principal is None or principal.role is not Role.PARTNER
    if settings.documents_only and person and not is_registered(settings.documents, query):
        raise _Refusal(400, t("documents.required"), code="TRUSTED_DOCUMENT_REQUIRED")
    return query


def _post_body(request: HttpRequest) -> Mapping[str, Any]:
    """The JSON object a POST carries; a refusal for anything else."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _JSON:
        got = content_type or t("http.no_content_type")
        raise _Refusal(415, t("http.unsupported_media_type", expected=_JSON, got=got))
    if len(request.body) > MAX_BODY_BYTES:
        raise _Refusal(413, t("http.body_too_large", limit=MAX_BODY_BYTES))
    parsed = _json(request.body, "http.what.body")
    if isinstance(parsed, list):
        raise _Refusal(400, t("http.batched"))
    if not isinstance(parsed, dict):
        raise _Refusal(400, t("http.body_not_object"))
    return parsed


def _json(raw: bytes, what: str) -> Any:
    """`raw` parsed; a refusal naming `what` (a catalog key) when it is not JSON."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _Refusal(400, t("http.invalid_json", what=t(what), error=str(error))) from None


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


def _answer(payload: GraphQLHTTPResponse, request: HttpRequest, language: str) -> HttpResponse:
    """The result of a document: 200, or 400 without `data` when it never ran."""
    errors = payload.get("errors") or ()
    said_in = {"content-language": language}
    if payload.get("data") is None and errors and all(_code(e) in _NEVER_RAN for e in errors):
        refused = {key: value for key, value in payload.items() if key != "data"}
        return HttpResponse(400, _dump(refused), _response_type(request), said_in)
    return HttpResponse(200, _dump(payload), _response_type(request), said_in)


def _message(
    status: int,
    message: Message,
    language: str,
    headers: Mapping[str, str] | None = None,
    *,
    code: str | None = None,
) -> HttpResponse:
    code = code or _CODES.get(status, "BAD_REQUEST")
    body = {"errors": [{"message": render(message, language), "extensions": {"code": code}}]}
    return HttpResponse(
        status, _dump(body), _JSON, {**(headers or {}), "content-language": language}
    )


def _dump(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
