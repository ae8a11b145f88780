"""The API Gateway HTTP API emulator: routes, JWT authorizer, CORS, limits, and the Lambda call.

It listens on 127.0.0.1, matches a request to a route as the HTTP API does, verifies a bearer
token as the JWT authorizer does, builds the payload 2.0 event and calls the API handler with a
Lambda context, then maps the handler's answer back to HTTP. What the service answers itself
(no route 404, bad token 401, too large 413, CORS preflight) is answered here with the
service's own bodies, and the handler is not called.

The partner API (its own HTTP API in the template, behind a Lambda authorizer on the
``x-api-key`` header) is served under ``/partner``: the authorizer function is called with a
real authorizer event and its simple response decides, as API Gateway does (401 without the
header, 403 when refused, 500 when the authorizer fails). Answers are not cached here, so a
revoked key is refused at once, where API Gateway may accept it until its cache TTL ends.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from local.authorizer import Unauthorized, authorizer_context
from local.calls import FunctionSettings, function_settings
from local.events import (
    ACCOUNT_ID,
    API_ID,
    STAGE,
    HttpRequest,
    HttpResponse,
    http_event,
    http_response,
    json_response,
)

log = logging.getLogger("local.gateway")

Handler = Callable[[dict[str, Any], Any], Any]

DEFAULT_HANDLER = "functions.api.handler"
DEFAULT_AUTHORIZER = "functions.authorizer.handler"
CONTROL_PREFIX = "/_local/"
Control = Callable[[dict[str, str]], dict[str, Any]]
MAX_BODY_BYTES = 10 * 1024 * 1024  # the HTTP API payload limit
DISCARD_LIMIT_BYTES = 64 * 1024 * 1024
CORS_METHODS = "GET,POST,OPTIONS"
CORS_HEADERS = "authorization,content-type"
CORS_MAX_AGE = "600"


@dataclass(frozen=True)
class Route:
    """``METHOD /path``; a path ending in ``{proxy+}`` matches any non-empty rest."""

    method: str
    path: str
    # Routes behind the JWT authorizer refuse a request without a token, as API Gateway does.
    authorized: bool = True

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when the route takes ``method path``; None when it does not."""
        if method != self.method:
            return None
        prefix, greedy, _ = self.path.partition("{proxy+}")
        if not greedy:
            return {} if path == self.path else None
        rest = path.removeprefix(prefix)
        return {"proxy": rest} if path.startswith(prefix) and rest else None


# The routes of the API's HTTP API; the GraphiQL assets go to the same function as the API.
ROUTES = (
    Route("GET", "/graphql"),
    Route("POST", "/graphql"),
    Route("GET", "/graphiql", authorized=False),
    Route("GET", "/graphiql/{proxy+}", authorized=False),
)

# The partner API's routes. Deployed, that API has its own domain and sends the function the
# paths below; here it is mounted under PARTNER_PREFIX, which is taken off before routing.
PARTNER_PREFIX = "/partner"
PARTNER_ROUTES = (Route("GET", "/graphql"), Route("POST", "/graphql"))
API_KEY_HEADER = "x-api-key"  # the partner authorizer's identity source


def _match(
    routes: Iterable[Route], request: HttpRequest
) -> tuple[Route, dict[str, str]] | HttpResponse:
    """The route that takes the request and its path parameters, or API Gateway's refusal:
    404 when no route does, 413 when the body is over the payload limit."""
    for route in routes:
        path_parameters = route.match(request.method, request.raw_path)
        if path_parameters is not None:
            break
    else:
        return json_response(404, {"message": "Not Found"})
    if len(request.body) > MAX_BODY_BYTES:
        return json_response(413, {"message": "Request Entity Too Large"})
    return route, path_parameters


def _load(dotted: str) -> Handler:
    module, _, name = dotted.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module), name)
    return handler


class Gateway:
    """One HTTP API in front of one handler; ``start()`` serves it on a background thread."""

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        port: int = 3000,
        routes: Sequence[Route] = ROUTES,
        cors_origins: Sequence[str] = (),
        secret: str | None = None,
        function: FunctionSettings | None = None,
        controls: Mapping[str, Control] | None = None,
        authorizer: Handler | None = None,
        unauthorized_hint: str | None = None,
    ) -> None:
        self._handler = handler
        self._authorizer = authorizer
        # Local-only commands (POST /_local/<name>), such as running the daily sweep now; they
        # exist on this emulator only, never in the deployed API.
        self.controls = dict(controls or {})
        self.routes = tuple(routes)
        self.cors_origins = tuple(origin.strip() for origin in cors_origins if origin.strip())
        self.secret = secret
        # Local only: a "hint" next to "message" in the JWT authorizer's 401 bodies, saying how
        # to get a token (API Gateway's body is {"message":"Unauthorized"} alone).
        self.unauthorized_hint = unauthorized_hint
        self.function = function or function_settings()
        # One invocation at a time, as in one Lambda execution environment: module-level state
        # in the handler is never shared between concurrent requests in AWS either.
        self._invocation = threading.Lock()
        # The authorizer is a function of its own, with its own execution environment.
        self._authorizing = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _RequestHandler)
        self._server.daemon_threads = True
        self._server.gateway = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def handler(self) -> Handler:
        # Imported on first use, after the environment (table names, endpoints) is in place.
        if self._handler is None:
            self._handler = _load(DEFAULT_HANDLER)
        return self._handler

    @property
    def authorizer(self) -> Handler:
        """The partner API's Lambda authorizer, imported on first use like the handler."""
        if self._authorizer is None:
            self._authorizer = _load(DEFAULT_AUTHORIZER)
        return self._authorizer

    def start(self) -> Gateway:
        # A short poll interval makes stop() quick; the loop is idle otherwise.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="local-gateway", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # --- one request ------------------------------------------------------------------------

    def respond(self, request: HttpRequest) -> HttpResponse:
        """The answer API Gateway (and behind it the function) gives ``request``."""
        origin = request.header("origin")
        control = self.controls.get(request.raw_path.removeprefix(CONTROL_PREFIX))
        if request.raw_path.startswith(CONTROL_PREFIX) and control and request.method == "POST":
            return self._control(control, request)
        if request.method == "OPTIONS" and self.cors_origins and origin:
            return self._preflight(origin)
        response = self._route(request)
        allowed = self._allowed_origin(origin)
        if allowed is None:
            return response
        # API Gateway's CORS headers replace whatever the integration sent.
        headers = [(k, v) for k, v in response.headers if not k.startswith("access-control-")]
        headers += [("access-control-allow-origin", allowed), ("vary", "origin")]
        return HttpResponse(response.status, tuple(headers), response.body)

    def _control(self, control: Control, request: HttpRequest) -> HttpResponse:
        parameters = dict(parse_qsl(request.raw_query))
        try:
            with self._invocation:
                return json_response(200, control(parameters))
        except ValueError as error:
            return json_response(400, {"message": str(error)})

    def _route(self, request: HttpRequest) -> HttpResponse:
        if request.raw_path.startswith(f"{PARTNER_PREFIX}/"):
            return self._partner_route(request)
        found = _match(self.routes, request)
        if isinstance(found, HttpResponse):
            return found
        route, path_parameters = found
        if route.authorized and not (request.header("authorization") or "").strip():
            return self._unauthorized()
        try:
            authorizer = (
                authorizer_context(request.header("authorization"), secret=self.secret)
                if route.authorized
                else None
            )
        except Unauthorized as refusal:
            response = self._unauthorized()
            reason = refusal.reason.replace('"', "'")
            challenge = f'Bearer error="invalid_token" error_description="{reason}"'
            return HttpResponse(
                401, (*response.headers, ("www-authenticate", challenge)), response.body
            )
        event = http_event(
            request,
            route_key=route.key,
            request_id=str(uuid.uuid4()),
            now=datetime.now(UTC),
            path_parameters=path_parameters,
            authorizer=authorizer,
        )
        return self._invoke(event)

    def _unauthorized(self) -> HttpResponse:
        """The JWT authorizer's 401, with the local hint when there is one."""
        body = {"message": "Unauthorized"}
        if self.unauthorized_hint:
            body["hint"] = self.unauthorized_hint
        return json_response(401, body)

    def _partner_route(self, request: HttpRequest) -> HttpResponse:
        """A partner API request: its Lambda authorizer decides, then the function is called."""
        request = replace(request, raw_path=request.raw_path.removeprefix(PARTNER_PREFIX))
        found = _match(PARTNER_ROUTES, request)
        if isinstance(found, HttpResponse):
            return found
        route, path_parameters = found
        api_key = (request.header(API_KEY_HEADER) or "").strip()
        if not api_key:
            # An empty identity source: API Gateway refuses without calling the authorizer.
            return json_response(401, {"message": "Unauthorized"})
        now = datetime.now(UTC)
        request_id = str(uuid.uuid4())
        event = authorizer_event(
            request,
            route_key=route.key,
            request_id=request_id,
            now=now,
            path_parameters=path_parameters,
            identity=[api_key],
            region=self.function.region,
        )
        allowed = self._authorize(event)
        if isinstance(allowed, HttpResponse):
            return allowed
        return self._invoke(
            http_event(
                request,
                route_key=route.key,
                request_id=request_id,
                now=now,
                path_parameters=path_parameters,
                authorizer={"lambda": allowed},
            )
        )

    def _authorize(self, event: dict[str, Any]) -> dict[str, Any] | HttpResponse:
        """The context a simple response allows the request with, or API Gateway's refusal."""
        # Memory and timeout as the template gives the authorizer; the region is the API's.
        function = function_settings("PartnerAuthorizerFunction", self.function.region)
        try:
            with self._authorizing:
                result = self.authorizer(event, function.context())
        except Exception:
            log.error("the partner authorizer failed\n%s", traceback.format_exc())
            return json_response(500, {"message": "Internal Server Error"})
        if not isinstance(result, Mapping) or not isinstance(result.get("isAuthorized"), bool):
            log.error("the partner authorizer answered no simple response: %r", result)
            return json_response(500, {"message": "Internal Server Error"})
        if not result["isAuthorized"]:
            return json_response(403, {"message": "Forbidden"})
        return dict(result.get("context") or {})

    def _invoke(self, event: dict[str, Any]) -> HttpResponse:
        request_id = event["requestContext"]["requestId"]
        try:
            with self._invocation:
                result = self.handler(event, self.function.context())
            response = http_response(result)
        except Exception:
            # What API Gateway answers when the integration fails; the cause is in the log.
            log.error("request %s: the handler failed\n%s", request_id, traceback.format_exc())
            response = json_response(500, {"message": "Internal Server Error"})
        headers = (*response.headers, ("apigw-requestid", request_id))
        return HttpResponse(response.status, headers, response.body)

    def _allowed_origin(self, origin: str | None) -> str | None:
        if not origin or not self.cors_origins:
            return None
        if "*" in self.cors_origins:
            return "*"
        return origin if origin in self.cors_origins else None

    def _preflight(self, origin: str) -> HttpResponse:
        allowed = self._allowed_origin(origin)
        if allowed is None:
            # Answered, but without permission: the browser then refuses the real request.
            return HttpResponse(204, (), b"")
        headers = (
            ("access-control-allow-origin", allowed),
            ("access-control-allow-methods", CORS_METHODS),
            ("access-control-allow-headers", CORS_HEADERS),
            ("access-control-max-age", CORS_MAX_AGE),
            ("vary", "origin"),
        )
        return HttpResponse(204, headers, b"")


class _RequestHandler(BaseHTTPRequestHandler):
    """Reads one request off the socket, asks the gateway, writes the answer."""

    protocol_version = "HTTP/1.1"
    server_version = "nev-local-gateway"

    def _handle(self) -> None:
        started = time.perf_counter()
        gateway: Gateway = self.server.gateway  # type: ignore[attr-defined]
        response = self._read_and_respond(gateway)
        self._write(response)
        elapsed = (time.perf_counter() - started) * 1000
        path = self.path.split("?", 1)[0]
        # The fields too, for a formatter of its own (local/console.py's request lines).
        fields = {"method": self.command, "path": path, "status": response.status}
        log.info(
            "%s %s %d %.0f ms",
            self.command,
            path,
            response.status,
            elapsed,
            extra={**fields, "elapsed_ms": elapsed},
        )

    def _read_and_respond(self, gateway: Gateway) -> HttpResponse:
        if self.headers.get("transfer-encoding"):
            # Bodies come with a length (browsers, curl, requests do so); chunks are not read.
            self.close_connection = True
            return json_response(411, {"message": "Length Required"})
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            # Read what was sent (within reason) so the client gets the 413 and not a reset.
            self._discard(min(length, DISCARD_LIMIT_BYTES))
            self.close_connection = True
            return json_response(413, {"message": "Request Entity Too Large"})
        body = self.rfile.read(length) if length else b""
        raw_path, _, raw_query = self.path.partition("?")
        request = HttpRequest(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=tuple(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        return gateway.respond(request)

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                return
            length -= len(chunk)

    def _write(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    # http.server dispatches on do_<METHOD>; every method goes through the route table.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        # One line per request is logged by _handle; the base class would log a second.
        pass


def authorizer_event(
    request: HttpRequest,
    *,
    route_key: str,
    request_id: str,
    now: datetime,
    path_parameters: Mapping[str, str] | None,
    identity: list[str],
    region: str,
) -> dict[str, Any]:
    """The payload 2.0 event an HTTP API Lambda authorizer receives: the request without its
    body, the route's ARN and the identity source values."""
    request_event = http_event(
        request,
        route_key=route_key,
        request_id=request_id,
        now=now,
        path_parameters=path_parameters,
    )
    request_event.pop("body", None)
    request_event.pop("isBase64Encoded", None)
    method, _, path = route_key.partition(" ")
    route_arn = f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{API_ID}/{STAGE}/{method}{path}"
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": identity,
        **{k: v for k, v in request_event.items() if k != "version"},
    }


def start_gateway(
    handler: Handler | None = None,
    *,
    port: int = 3000,
    cors_origins: Sequence[str] = (),
    secret: str | None = None,
    function: FunctionSettings | None = None,
    controls: Mapping[str, Control] | None = None,
    unauthorized_hint: str | None = None,
) -> Gateway:
    """A gateway serving on 127.0.0.1:``port`` (0 for any free port) on a background thread."""
    return Gateway(
        handler,
        port=port,
        cors_origins=cors_origins,
        secret=secret,
        function=function,
        controls=controls,
        unauthorized_hint=unauthorized_hint,
    ).start()
