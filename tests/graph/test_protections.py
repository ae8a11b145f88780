"""The schema's protections, proved through the GraphQL-over-HTTP layer without storage:
depth, alias and token limits, introspection only in development, masked internal errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from msgspec.structs import replace

from graph.context import Principal, Role
from graph.http import HttpRequest, handle
from graph.schema import MAX_ALIASES, MAX_DEPTH
from graph.settings import Settings, settings_from_environment

REGULATOR = Principal(subject="reg-1", role=Role.REGULATOR)
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def post(
    query: str, settings: Settings | None = None, principal: Principal | None = REGULATOR
) -> tuple[int, Any]:
    request = HttpRequest(
        method="POST",
        path="/graphql",
        headers={"content-type": "application/json"},
        body=json.dumps({"query": query}).encode(),
        request_id="req-1",
    )
    response = handle(request, principal, settings or settings_from_environment(), NOW)
    return response.status, response.json()


def codes(payload: Any) -> list[str]:
    return [e["extensions"]["code"] for e in payload.get("errors", [])]


def test_a_query_deeper_than_the_limit_is_refused_before_it_runs() -> None:
    # Given a query nested 20 levels deep through battery parents,
    nested = "code " + "parent { " * 19 + "code" + " }" * 19
    status, payload = post(f'{{ battery(code: "X") {{ {nested} }} }}')
    # Then it is refused as a whole, naming the limit.
    assert status == 400
    assert f"exceeds maximum operation depth of {MAX_DEPTH}" in payload["errors"][0]["message"]


def test_more_aliases_than_the_limit_are_refused() -> None:
    aliases = " ".join(f"a{i}: me {{ role }}" for i in range(100))
    status, payload = post(f"{{ {aliases} }}")
    assert status == 400
    assert str(MAX_ALIASES) in payload["errors"][0]["message"]


def test_a_document_of_ten_thousand_tokens_is_refused() -> None:
    fields = " ".join("role" for _ in range(10_000))
    status, payload = post(f"{{ me {{ {fields} }} }}")
    assert status == 400
    assert "token" in payload["errors"][0]["message"].lower()


@pytest.mark.parametrize(("introspection", "allowed"), [(True, True), (False, False)])
def test_introspection_is_available_only_where_enabled(introspection: bool, allowed: bool) -> None:
    settings = replace(settings_from_environment(), introspection=introspection)
    status, payload = post("{ __schema { queryType { name } } }", settings)
    if allowed:
        assert payload["data"]["__schema"]["queryType"]["name"] == "Query"
    else:
        assert status == 400
        assert "introspection" in payload["errors"][0]["message"].lower()


def test_an_unexpected_failure_is_masked_with_a_code_and_request_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a resolver that fails in an unforeseen way,
    import graph.batteries.queries

    def boom(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret table name nev-prod-Obligations in the message")

    monkeypatch.setattr(graph.batteries.queries, "decode_battery_code", boom)
    status, payload = post('{ decodeBatteryCode(code: "X") { valid } }')
    # Then the client sees a stable code and the request id, not the internals.
    [error] = payload["errors"]
    assert status == 200
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "req-1"}
    assert "secret" not in json.dumps(payload)


def test_every_error_carries_a_code() -> None:
    _, payload = post("{ me { role } }", principal=None)
    assert codes(payload) == ["UNAUTHENTICATED"]
    load_year = """mutation { loadCalendarYear(input: {
        year: 2027, holidays: [], makeUpWorkdays: [], source: "x"}) { calendar { version } } }"""
    _, payload = post(load_year)
    assert codes(payload) == ["FORBIDDEN"]  # a regulator writes nothing
