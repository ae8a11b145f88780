"""A request sent with an Idempotency-Key has one effect however often it is replayed, gets
the same answer each time, and the key cannot be reused for a different request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from graph import replay
from local.aws import local_aws
from local.calls import api_event, bearer_header, invoke
from tests.api import onboard_battery_maker, table_snapshot
from tests.builders import BATTERY_MAKER_ID

PARTNER = bearer_header("PARTNER", BATTERY_MAKER_ID, scopes=["read", "events:write"])
REGISTER = """mutation ($code: String!) { registerBatteries(input: {batteries: [
    {code: $code, producedOn: "2026-03-02"}]}) { registered { code } userErrors { code } } }"""


@pytest.fixture
def aws() -> Iterator[Any]:
    with local_aws() as client:
        replay._persistence.cache_clear()  # a new mock needs a new client
        onboard_battery_maker(BATTERY_MAKER_ID)
        yield client
        replay._persistence.cache_clear()


def send(code: str, key: str) -> tuple[int, Any]:
    event = api_event(REGISTER, {"code": code}, auth=PARTNER)
    event["headers"]["idempotency-key"] = key
    return invoke(event)


def test_a_partner_mutation_replayed_100_times_has_one_effect_and_one_answer(aws: Any) -> None:
    # Given a partner's registration sent with an idempotency key,
    key = "8e1c6d2a-4b7f-4e0a-9c1d-3f5a7b9d2e10"
    first = send("X12PB010000001G320000001", key)
    after_first = table_snapshot(aws)
    # When it is sent 99 more times,
    replays = [send("X12PB010000001G320000001", key) for _ in range(99)]
    # Then every answer is the first one, and no table changed after the first request (the
    # stored answer was written by it).
    assert first[0] == 200
    assert first[1]["data"]["registerBatteries"]["registered"] == [
        {"code": "X12PB010000001G320000001"}
    ]
    assert all(r == first for r in replays)
    assert table_snapshot(aws) == after_first


def test_reusing_a_key_for_a_different_request_is_refused(aws: Any) -> None:
    key = "0b7b8f3e-1f2a-4c3d-8e9f-a0b1c2d3e4f5"
    assert send("X12PB010000001G320000002", key)[0] == 200
    before = table_snapshot(aws)
    status, body = send("X12PB010000001G320000003", key)
    assert status == 422
    assert body["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert table_snapshot(aws) == before


def test_the_same_key_from_another_caller_is_another_request(aws: Any) -> None:
    # Keys are scoped to the caller: a different partner's identical key does not collide.
    key = "shared-key-0001"
    assert send("X12PB010000001G320000004", key)[0] == 200
    other = bearer_header("PARTNER", BATTERY_MAKER_ID, scopes=["read", "events:write"])
    event = api_event(REGISTER, {"code": "X12PB010000001G320000005"}, auth=other)
    event["headers"]["idempotency-key"] = key
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "another-partner-system"
    status, body = invoke(event)
    assert status == 200
    assert body["data"]["registerBatteries"]["registered"] == [{"code": "X12PB010000001G320000005"}]


def test_a_malformed_key_is_refused_with_the_rule(aws: Any) -> None:
    status, body = send("X12PB010000001G320000006", "no")
    assert status == 400
    assert "8 to 128" in json.dumps(body)
