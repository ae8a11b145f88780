"""API Gateway HTTP API payload format 2.0: an HTTP request as a Lambda event, and back.

``http_event`` builds the event API Gateway would send for a request; ``http_response`` turns
what the handler returns into status, headers and body following the service's rules (a dict
without ``statusCode`` is a 200 JSON body; a missing content type is ``application/json``).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT_ID = "123456789012"
API_ID = "local"
STAGE = "$default"

_TEXT_SUBTYPES = frozenset({"json", "javascript", "xml", "x-www-form-urlencoded", "graphql"})


@dataclass(frozen=True)
class HttpRequest:
    """A request as it arrived: raw path and query, headers in order (repeats allowed)."""

    method: str
    raw_path: str
    raw_query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """The header ``name`` (any case), repeats comma-joined; None when absent."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class HttpResponse:
    """What goes back on the wire; headers may repeat (``set-cookie``)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def is_text(content_type: str | None) -> bool:
    """Whether API Gateway passes a body of ``content_type`` as text rather than base64."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    if kind == "text":
        return True
    return kind == "application" and (
        subtype in _TEXT_SUBTYPES or subtype.endswith(("+json", "+xml"))
    )


def _headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _query_parameters(raw_query: str) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def trace_id(now: datetime) -> str:
    """An X-Ray trace id, ``Root=1-<epoch hex>-<96 random bits>``, as API Gateway adds it."""
    return f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}"


def http_event(
    request: HttpRequest,
    *,
    route_key: str,
    request_id: str,
    now: datetime,
    path_parameters: Mapping[str, str] | None = None,
    authorizer: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload 2.0 event for ``request`` matched to ``route_key`` at ``now`` (aware)."""
    headers = _headers(request.headers)
    cookie_header = headers.pop("cookie", None)
    host = headers.get("host", "localhost")
    host_name, _, port = host.partition(":")
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-forwarded-port", port or "80")
    headers.setdefault("x-forwarded-proto", "http")
    headers["x-amzn-trace-id"] = trace_id(now)

    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": host,
        "domainPrefix": host_name.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": STAGE,
        "time": now.strftime("%d/%b/%Y:%H:%M:%S %z"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    # API Gateway leaves out what the request does not have, rather than sending empty values.
    if cookie_header:
        event["cookies"] = [part.strip() for part in cookie_header.split(";") if part.strip()]
    event["headers"] = headers
    if request.raw_query:
        event["queryStringParameters"] = _query_parameters(request.raw_query)
    event["requestContext"] = context
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if request.body:
        text = _text(request.body, headers.get("content-type"))
        event["body"] = text if text is not None else base64.b64encode(request.body).decode()
        event["isBase64Encoded"] = text is None
    else:
        event["isBase64Encoded"] = False
    return event


def _text(body: bytes, content_type: str | None) -> str | None:
    if not is_text(content_type):
        return None
    try:
        return body.decode()
    except UnicodeDecodeError:
        return None


def json_response(status: int, payload: Any) -> HttpResponse:
    """A JSON answer from the gateway itself (404, 401, 413...), as API Gateway words them."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return HttpResponse(status, (("content-type", "application/json"),), body)


def http_response(result: Any) -> HttpResponse:
    """The HTTP response for a handler's return value, by the payload 2.0 rules.

    Raises ``ValueError`` when the value is not a response API Gateway could map (it answers
    500 then).
    """
    if not (isinstance(result, Mapping) and "statusCode" in result):
        # A bare value: API Gateway serialises it as the JSON body of a 200.
        return json_response(200, result)
    status = result["statusCode"]
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"statusCode {status!r} is not an HTTP status")
    headers: list[tuple[str, str]] = [
        (str(name).lower(), str(value)) for name, value in (result.get("headers") or {}).items()
    ]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name).lower(), str(value)) for value in values]
    headers += [("set-cookie", str(cookie)) for cookie in result.get("cookies") or ()]
    if not any(name == "content-type" for name, _ in headers):
        headers.append(("content-type", "application/json"))
    body = result.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raise ValueError(f"body must be a string, not {type(body).__name__}")
    elif result.get("isBase64Encoded"):
        raw = base64.b64decode(body, validate=True)
    else:
        raw = body.encode()
    return HttpResponse(status, tuple(headers), raw)
