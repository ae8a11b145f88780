"""The API Gateway emulator over real loopback HTTP, in front of a fake function that echoes.

What the handler receives must be what API Gateway sends (payload 2.0, JWT authorizer claims as
strings), and what the gateway answers by itself (401, 404, 413, CORS) must not reach it.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest

from local.gateway import MAX_BODY_BYTES, Gateway, start_gateway
from local.tokens import AUDIENCE, DEFAULT_SECRET, ISSUER, mint_token

USCC = "91350100M000100Y43"
ALLOWED_ORIGIN = "https://app.example.cn"


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name]
        return ", ".join(values) if values else None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeFunction:
    """Records every invocation; answers with the event it got unless told otherwise."""

    events: list[dict[str, Any]] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)
    answer: Callable[[dict[str, Any]], Any] | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        self.contexts.append(context)
        if self.answer is not None:
            return self.answer(event)
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": json.dumps(event),
        }


def call(
    gateway: Gateway,
    method: str,
    target: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    anonymous: bool = False,
) -> Reply:
    address = urlsplit(gateway.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    # Routes behind the JWT authorizer need a token; tests about tokens pass their own.
    given = headers or {}
    if not anonymous and not any(name.lower() == "authorization" for name in given):
        given = {**bearer(mint_token("REGULATOR")), **given}
    headers = given
    try:
        connection.request(method, target, body=body or None, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed(claims: dict[str, Any], secret: str = DEFAULT_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def valid_claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": "user-1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return claims | overrides


@pytest.fixture(scope="module")
def function() -> FakeFunction:
    return FakeFunction()


@pytest.fixture(scope="module")
def gateway(function: FakeFunction) -> Iterator[Gateway]:
    started = start_gateway(function, port=0, secret=DEFAULT_SECRET)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def cors_gateway(function: FakeFunction) -> Iterator[Gateway]:
    started = start_gateway(function, port=0, secret=DEFAULT_SECRET, cors_origins=[ALLOWED_ORIGIN])
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _fresh_function(function: FakeFunction) -> None:
    function.events.clear()
    function.contexts.clear()
    function.answer = None


# --------------------------------------------------------------------------- authorizer


def test_valid_token_claims_arrive_as_strings_the_way_api_gateway_flattens_them(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given a valid token with a list claim, a number, a boolean and two scopes
    claims = valid_claims(
        role="PARTNER",
        enterprise_id=USCC,
        groups=["a", "b"],
        level=3,
        active=True,
        scope="events:write obligations:read",
    )
    # When it calls the API
    reply = call(gateway, "POST", "/graphql", headers=bearer(signed(claims)), body=b"{}")
    # Then the handler sees every claim as a string, lists as "[a b]", and the scopes as a list
    assert reply.status == 200
    authorizer = function.events[0]["requestContext"]["authorizer"]["jwt"]
    assert authorizer["claims"] == {
        "sub": "user-1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": str(claims["iat"]),
        "exp": str(claims["exp"]),
        "role": "PARTNER",
        "enterprise_id": USCC,
        "groups": "[a b]",
        "level": "3",
        "active": "true",
        "scope": "events:write obligations:read",
    }
    assert authorizer["scopes"] == ["events:write", "obligations:read"]


def test_token_without_scope_gives_null_scopes(gateway: Gateway, function: FakeFunction) -> None:
    # Given a regulator's token from the token command, which has no scope claim
    token = mint_token("REGULATOR", secret=DEFAULT_SECRET)
    # When it calls the API
    call(gateway, "GET", "/graphql?query=%7Bme%7Brole%7D%7D", headers=bearer(token))
    # Then scopes is null and the role claim is there
    authorizer = function.events[0]["requestContext"]["authorizer"]["jwt"]
    assert authorizer["scopes"] is None
    assert authorizer["claims"]["role"] == "REGULATOR"


def test_token_without_bearer_prefix_is_accepted(gateway: Gateway, function: FakeFunction) -> None:
    # Given the bare token as the Authorization header (API Gateway accepts both forms)
    token = mint_token("REGULATOR", secret=DEFAULT_SECRET)
    # When it calls the API
    reply = call(gateway, "POST", "/graphql", headers={"Authorization": token}, body=b"{}")
    # Then the handler is called with the claims
    assert reply.status == 200
    assert function.events[0]["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]


@pytest.mark.parametrize(
    ("case", "token"),
    [
        ("expired", signed(valid_claims(exp=int(datetime.now(UTC).timestamp()) - 60))),
        ("wrong audience", signed(valid_claims(aud="someone-else"))),
        ("wrong issuer", signed(valid_claims(iss="https://issuer.example.cn"))),
        ("wrong secret", signed(valid_claims(), secret="not-the-dev-secret-but-32-bytes-long")),
        ("no expiry", signed({k: v for k, v in valid_claims().items() if k != "exp"})),
        ("not a JWT", "not-a-token"),
        ("empty bearer", ""),
    ],
)
def test_refused_token_gets_401_without_calling_the_handler(
    gateway: Gateway, function: FakeFunction, case: str, token: str
) -> None:
    # Given a token the authorizer must refuse
    # When it calls the API
    reply = call(gateway, "POST", "/graphql", headers=bearer(token), body=b"{}")
    # Then API Gateway's own 401 comes back, with a reason in the challenge, and no invocation
    assert reply.status == 401, case
    assert reply.body == b'{"message":"Unauthorized"}'
    assert (reply.header("www-authenticate") or "").startswith('Bearer error="invalid_token"')
    assert function.events == []


def test_a_request_without_a_token_is_refused_by_the_jwt_authorizer(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given a request with no Authorization header to a route behind the JWT authorizer
    reply = call(gateway, "POST", "/graphql", body=b"{}", anonymous=True)
    # Then the gateway answers 401 itself, as API Gateway does, and the function is not called
    assert reply.status == 401
    assert json.loads(reply.body) == {"message": "Unauthorized"}
    assert function.events == []


def test_graphiql_loads_without_a_token_and_without_an_authorizer(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given the GraphiQL route, which has no authorizer,
    reply = call(gateway, "GET", "/graphiql")
    # Then the function is called with no authorizer in the event
    assert reply.status == 200
    assert "authorizer" not in function.events[0]["requestContext"]


# --------------------------------------------------------------------------- the event


def test_post_event_has_the_payload_v2_shape(gateway: Gateway, function: FakeFunction) -> None:
    # Given a JSON POST with a query string, repeated headers and cookies
    body = json.dumps({"query": "{ me { role } }"}).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "integration-test",
        "X-Trace": "one",
        "Cookie": "theme=dark; lang=zh-CN",
    }
    # When it is sent
    call(gateway, "POST", "/graphql?a=1&a=2&b=", headers=headers, body=body)
    # Then the handler gets a payload 2.0 event as API Gateway builds it
    event = function.events[0]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /graphql"
    assert event["rawPath"] == "/graphql"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["cookies"] == ["theme=dark", "lang=zh-CN"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-trace"] == "one"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["headers"]["x-amzn-trace-id"].startswith("Root=1-")
    assert all(name == name.lower() for name in event["headers"])
    assert event["body"] == body.decode()
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/graphql",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "integration-test",
    }
    assert context["routeKey"] == "POST /graphql"
    assert context["stage"] == "$default"
    assert context["accountId"].isdigit()
    assert context["apiId"]
    assert context["domainName"].startswith("127.0.0.1:")
    assert abs(context["timeEpoch"] / 1000 - datetime.now(UTC).timestamp()) < 60
    assert datetime.strptime(context["time"], "%d/%b/%Y:%H:%M:%S %z")


def test_repeated_headers_are_joined_with_commas(gateway: Gateway, function: FakeFunction) -> None:
    # Given a request that repeats a header
    address = urlsplit(gateway.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    connection.putrequest("GET", "/graphql")
    connection.putheader("X-Forwarded-Client", "a")
    connection.putheader("x-forwarded-client", "b")
    connection.putheader("Authorization", f"Bearer {mint_token('REGULATOR')}")
    connection.endheaders()
    connection.getresponse().read()
    connection.close()
    # Then the event has one lower-cased header with both values
    assert function.events[0]["headers"]["x-forwarded-client"] == "a,b"


def test_get_without_body_or_query_leaves_them_out(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given a bare GET
    call(gateway, "GET", "/graphql", headers={"Accept": "text/html"})
    # Then, as in API Gateway, there is no body, no query parameters and no cookies
    event = function.events[0]
    assert event["routeKey"] == "GET /graphql"
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False
    assert not {"body", "queryStringParameters", "cookies"} & set(event)


def test_binary_body_is_base64_encoded(gateway: Gateway, function: FakeFunction) -> None:
    # Given a body that is not text
    payload = bytes(range(256))
    # When it is posted
    call(
        gateway,
        "POST",
        "/graphql",
        headers={"Content-Type": "application/octet-stream"},
        body=payload,
    )
    # Then the event carries it base64-encoded and says so
    event = function.events[0]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_request_ids_are_unique_and_reach_the_context(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given two identical requests
    first = call(gateway, "POST", "/graphql", body=b"{}")
    second = call(gateway, "POST", "/graphql", body=b"{}")
    # Then each has its own request id, echoed in the apigw-requestid header
    ids = [event["requestContext"]["requestId"] for event in function.events]
    assert len(set(ids)) == 2
    assert [first.header("apigw-requestid"), second.header("apigw-requestid")] == ids
    # And the handler gets a Lambda context with its own invocation id and time left
    context = function.contexts[0]
    assert context.aws_request_id != function.contexts[1].aws_request_id
    assert context.function_name
    assert context.memory_limit_in_mb == 1024
    assert context.invoked_function_arn.startswith("arn:aws:lambda:")
    assert 0 < context.get_remaining_time_in_millis() <= 29_000


def test_graphiql_assets_route_to_the_function_with_the_proxy_parameter(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given a GraphiQL asset request
    reply = call(gateway, "GET", "/graphiql/graphiql.min.js")
    # Then the function gets it through the greedy route, with the file name as parameter
    assert reply.status == 200
    event = function.events[0]
    assert event["routeKey"] == "GET /graphiql/{proxy+}"
    assert event["pathParameters"] == {"proxy": "graphiql.min.js"}


# --------------------------------------------------------------------------- the answer


def test_handler_status_headers_cookies_and_binary_body_map_back_to_http(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given a function answering 201 with headers, cookies and a base64 body
    function.answer = lambda event: {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png", "X-Result": "made"},
        "multiValueHeaders": {"x-many": ["1", "2"]},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": base64.b64encode(b"\x89PNG\r\n").decode(),
        "isBase64Encoded": True,
    }
    # When it is called
    reply = call(gateway, "GET", "/graphql")
    # Then the HTTP answer carries all of it, each cookie its own Set-Cookie header
    assert reply.status == 201
    assert reply.header("content-type") == "image/png"
    assert reply.header("x-result") == "made"
    assert [v for k, v in reply.headers if k.lower() == "x-many"] == ["1", "2"]
    assert [v for k, v in reply.headers if k.lower() == "set-cookie"] == [
        "a=1; Path=/",
        "b=2; HttpOnly",
    ]
    assert reply.body == b"\x89PNG\r\n"


def test_answer_without_status_code_is_a_200_json_body(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given a function returning a bare dict
    function.answer = lambda event: {"data": {"ok": True}}
    # Then API Gateway's inference applies: 200, JSON, the dict as body
    reply = call(gateway, "GET", "/graphql")
    assert reply.status == 200
    assert reply.header("content-type") == "application/json"
    assert reply.json() == {"data": {"ok": True}}


def test_failing_handler_is_a_500_internal_server_error(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given a function that raises
    def fail(event: dict[str, Any]) -> Any:
        raise RuntimeError("boom")

    function.answer = fail
    # Then the client sees API Gateway's 500, not the exception
    reply = call(gateway, "POST", "/graphql", body=b"{}")
    assert reply.status == 500
    assert reply.json() == {"message": "Internal Server Error"}
    assert b"boom" not in reply.body


# --------------------------------------------------------------------------- the gateway itself


@pytest.mark.parametrize(
    ("method", "target"),
    [("GET", "/"), ("GET", "/graphql/"), ("PUT", "/graphql"), ("GET", "/graphiql/"), ("GET", "/x")],
)
def test_unrouted_requests_get_404_without_calling_the_handler(
    gateway: Gateway, function: FakeFunction, method: str, target: str
) -> None:
    # Given a method and path no route takes
    # When it is requested
    reply = call(gateway, method, target)
    # Then API Gateway's own 404 comes back and the function is not invoked
    assert reply.status == 404
    assert reply.body == b'{"message":"Not Found"}'
    assert function.events == []


def test_body_over_10_mb_gets_413_without_calling_the_handler(
    gateway: Gateway, function: FakeFunction
) -> None:
    # Given a body one byte over the HTTP API limit
    body = b"x" * (MAX_BODY_BYTES + 1)
    # When it is posted
    reply = call(gateway, "POST", "/graphql", headers={"Content-Type": "text/plain"}, body=body)
    # Then the gateway refuses it
    assert reply.status == 413
    assert function.events == []


def test_without_cors_configuration_preflight_is_not_routed(gateway: Gateway) -> None:
    # Given a gateway without CORS configuration
    # When a browser sends a preflight
    # Then no route takes OPTIONS, and nothing allows the origin
    reply = call(
        gateway,
        "OPTIONS",
        "/graphql",
        headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert reply.status == 404
    assert reply.header("access-control-allow-origin") is None


def test_preflight_from_an_allowed_origin_is_answered_with_permission(
    cors_gateway: Gateway, function: FakeFunction
) -> None:
    # Given CORS configured for one origin, and a preflight from it
    reply = call(
        cors_gateway,
        "OPTIONS",
        "/graphql",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    # Then the gateway answers it itself, allowing the origin, methods and headers
    assert reply.status == 204
    assert reply.header("access-control-allow-origin") == ALLOWED_ORIGIN
    assert "POST" in (reply.header("access-control-allow-methods") or "")
    assert "authorization" in (reply.header("access-control-allow-headers") or "")
    assert function.events == []


def test_preflight_from_another_origin_gets_no_permission(cors_gateway: Gateway) -> None:
    # Given CORS configured for one origin, and a preflight from another
    # Then the answer grants nothing, so the browser blocks the request
    reply = call(
        cors_gateway,
        "OPTIONS",
        "/graphql",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert reply.header("access-control-allow-origin") is None
    assert reply.header("access-control-allow-methods") is None


def test_cors_header_is_added_to_answers_for_allowed_origins_only(cors_gateway: Gateway) -> None:
    # Given requests from the allowed origin and from another one
    allowed = call(cors_gateway, "POST", "/graphql", headers={"Origin": ALLOWED_ORIGIN}, body=b"{}")
    other = call(
        cors_gateway, "POST", "/graphql", headers={"Origin": "https://x.example"}, body=b"{}"
    )
    # Then only the allowed origin's answer says so
    assert allowed.header("access-control-allow-origin") == ALLOWED_ORIGIN
    assert other.header("access-control-allow-origin") is None
    assert other.status == allowed.status == 200
