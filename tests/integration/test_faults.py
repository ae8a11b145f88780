"""Faults of the services underneath have documented outcomes: DynamoDB throttling beyond the
client's retries is a SERVICE_UNAVAILABLE answer that says to retry (nothing half-written); a
transaction cancelled only because another was in flight on one of its items is sent again, and
one whose condition failed is a CONFLICT user error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from compliance.store.models import ObligationItem
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql, onboard_battery_maker, table_snapshot
from tests.builders import BATTERY_MAKER_ID

MAKER = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)


@pytest.fixture
def aws() -> Iterator[Any]:
    with local_aws() as client:
        onboard_battery_maker(BATTERY_MAKER_ID)
        yield client


def _failing(operation: str, code: str) -> Any:
    def hook(model: Any, **_: Any) -> None:
        if model.name == operation:
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)

    return hook


def _inject(operation: str, code: str) -> Any:
    events = ObligationItem._get_connection().connection.client.meta.events
    hook = _failing(operation, code)
    events.register("before-call.dynamodb", hook)
    return lambda: events.unregister("before-call.dynamodb", hook)


def test_throttled_reads_are_unavailable_with_a_retry_hint(aws: Any) -> None:
    # Given DynamoDB throttling every Query,
    remove = _inject("Query", "ProvisionedThroughputExceededException")
    try:
        result = gql("{ obligations(first: 5) { edges { node { id } } } }", auth=MAKER)
    finally:
        remove()
    # Then the caller gets a stable code and a message saying to retry, nothing internal.
    [error] = result["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "retry" in error["message"].lower()


def test_a_cancelled_transaction_writes_nothing_and_is_retryable(aws: Any) -> None:
    # Given every transaction cancelled by a concurrent one,
    before = table_snapshot(aws)
    remove = _inject("TransactWriteItems", "TransactionCanceledException")
    try:
        result = gql(
            """mutation { registerBatteries(input: {batteries: [{code: "X12PB010000001G320000001",
            producedOn: "2026-03-02"}]}) { registered { code } userErrors { code message } } }""",
            auth=MAKER,
        )
    finally:
        remove()
    payload = result.get("data", {}).get("registerBatteries") if result.get("data") else None
    # Then the request is refused as retryable and the tables are unchanged.
    codes = (
        [e["code"] for e in payload["userErrors"]]
        if payload
        else [e["extensions"]["code"] for e in result["errors"]]
    )
    assert codes in (["CONFLICT"], ["SERVICE_UNAVAILABLE"])
    assert table_snapshot(aws) == before


def _conflicting_once(reasons: list[str]) -> tuple[Any, list[int]]:
    """A hook that cancels the first TransactWriteItems as DynamoDB does when another
    transaction is in flight on one of its items (one reason per item), and counts the calls."""
    calls: list[int] = []

    def hook(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name != "TransactWriteItems":
            return
        items = len(json.loads(params["body"])["TransactItems"])
        calls.append(items)
        if len(calls) == 1:
            codes = [{"Code": reasons[0]}] + [{"Code": "None"}] * (items - 1)
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "injected"},
                    "CancellationReasons": codes,
                },
                "TransactWriteItems",
            )

    return hook, calls


@pytest.mark.parametrize(
    ("reason", "written"), [("TransactionConflict", True), ("ConditionalCheckFailed", False)]
)
def test_a_transaction_that_met_another_in_flight_is_sent_again_but_a_failed_condition_is_not(
    aws: Any, reason: str, written: bool
) -> None:
    # Given the first transaction cancelled because of `reason`
    hook, calls = _conflicting_once([reason])
    events = ObligationItem._get_connection().connection.client.meta.events
    events.register("before-call.dynamodb", hook)
    try:
        # When the battery maker registers a battery
        result = gql(
            """mutation { registerBatteries(input: {batteries: [{code: "X12PB010000001G320000002",
            producedOn: "2026-03-02"}]}) { registered { code } userErrors { code } } }""",
            auth=MAKER,
        )
    finally:
        events.unregister("before-call.dynamodb", hook)
    payload = result["data"]["registerBatteries"]
    # Then a transaction that only met another one in flight is sent again, the same, and
    # written once; one whose condition failed is a conflict for the caller, sent once
    if written:
        assert [r["code"] for r in payload["registered"]] == ["X12PB010000001G320000002"]
        assert len(calls) == 2
        assert calls[0] == calls[1]
    else:
        assert [e["code"] for e in payload["userErrors"]] == ["CONFLICT"]
        assert len(calls) == 1


def test_a_store_failing_below_a_nested_list_is_unavailable_not_internal(aws: Any) -> None:
    # Given the battery maker's battery, and DynamoDB throttling every Query (a battery's
    # events are read by a loader, a level below the field asked for)
    registered = gql(
        """mutation { registerBatteries(input: {batteries: [{code: "X12PB010000001G320000003",
        producedOn: "2026-03-02"}]}) { userErrors { code } } }""",
        auth=MAKER,
    )
    assert registered["data"]["registerBatteries"]["userErrors"] == []
    remove = _inject("Query", "ProvisionedThroughputExceededException")
    try:
        result = gql(
            '{ battery(code: "X12PB010000001G320000003") { code events { kind } } }', auth=MAKER
        )
    finally:
        remove()
    # Then the nested field fails as the store being unavailable, with nothing of the store's
    # own message, the same as a failure at the top
    [error] = result["errors"]
    assert error["path"] == ["battery", "events"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
    assert error["message"] == "Storage is unavailable; retry shortly."


def test_a_mutation_the_store_failed_says_nothing_was_written(aws: Any) -> None:
    # Given DynamoDB throttling every transaction beyond the client's retries
    before = table_snapshot(aws)
    remove = _inject("TransactWriteItems", "ProvisionedThroughputExceededException")
    try:
        result = gql(
            """mutation { registerBatteries(input: {batteries: [{code: "X12PB010000001G320000004",
            producedOn: "2026-03-02"}]}) { registered { code } userErrors { code } } }""",
            auth=MAKER,
        )
    finally:
        remove()
    # Then the answer says the store is unavailable and nothing was written, and nothing was
    [error] = result["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
    assert error["message"] == "Storage is unavailable; nothing was written. Retry shortly."
    assert table_snapshot(aws) == before
