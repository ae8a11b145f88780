"""The DynamoDB rules guard (local/dynamo_rules.py): every request DynamoDB refuses and moto
accepts is refused here too, with DynamoDB's code and the rule it breaks; and such a refusal
reaches a client as INTERNAL (a defect), never as "retry shortly"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from compliance.store import reads
from compliance.store.models import ObligationItem
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql, onboard
from tests.builders import AUTOMAKER_ID

OBLIGATIONS = "nev-local-ObligationsTable"
ENTERPRISES = "nev-local-EnterprisesTable"


@pytest.fixture
def client() -> Iterator[Any]:
    with local_aws():
        yield boto3.client("dynamodb")


def _refused(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**params)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    return str(raised.value.response["Error"]["Message"])


def test_a_query_filter_on_the_indexs_sort_key_is_refused(client: Any) -> None:
    message = _refused(
        client.query,
        TableName=OBLIGATIONS,
        IndexName="open_by_due",
        KeyConditionExpression="#p = :p",
        FilterExpression="#k >= :t",
        ExpressionAttributeNames={"#p": "open_partition", "#k": "due_key"},
        ExpressionAttributeValues={":p": {"S": "OPEN"}, ":t": {"S": "2026-10-01"}},
    )
    assert "Primary key attribute: due_key" in message


def test_a_query_filter_on_other_attributes_passes(client: Any) -> None:
    answer = client.query(
        TableName=OBLIGATIONS,
        IndexName="open_by_due",
        KeyConditionExpression="#p = :p",
        FilterExpression="#d >= :t",
        ExpressionAttributeNames={"#p": "open_partition", "#d": "due_date"},
        ExpressionAttributeValues={":p": {"S": "OPEN"}, ":t": {"S": "2026-10-01"}},
    )
    assert answer["Items"] == []


def test_a_key_range_whose_lower_bound_is_above_its_upper_is_refused(client: Any) -> None:
    # When a Query asks for the due keys between 2026-10-02 and 2026-10-01
    message = _refused(
        client.query,
        TableName=OBLIGATIONS,
        IndexName="by_due",
        KeyConditionExpression="#p = :p AND #k BETWEEN :a AND :b",
        ExpressionAttributeNames={"#p": "due_partition", "#k": "due_key"},
        ExpressionAttributeValues={
            ":p": {"S": "ALL#0"},
            ":a": {"S": "2026-10-02"},
            ":b": {"S": "2026-10-01"},
        },
    )
    # Then it is refused as DynamoDB refuses it
    assert "BETWEEN operator requires upper bound" in message


def test_unused_expression_names_and_values_are_refused(client: Any) -> None:
    names = _refused(
        client.get_item,
        TableName=ENTERPRISES,
        Key={"pk": {"S": "X"}},
        ProjectionExpression="#a",
        ExpressionAttributeNames={"#a": "name", "#b": "kinds"},
    )
    assert "ExpressionAttributeNames unused" in names
    assert "#b" in names
    values = _refused(
        client.update_item,
        TableName=ENTERPRISES,
        Key={"pk": {"S": "X"}},
        UpdateExpression="SET #a = :a",
        ExpressionAttributeNames={"#a": "name"},
        ExpressionAttributeValues={":a": {"S": "n"}, ":b": {"S": "unused"}},
    )
    assert "ExpressionAttributeValues unused" in values
    assert ":b" in values


def test_batches_over_their_limits_are_refused(client: Any) -> None:
    keys = [{"pk": {"S": f"K{n}"}} for n in range(101)]
    assert "BatchGetItem" in _refused(
        client.batch_get_item, RequestItems={ENTERPRISES: {"Keys": keys}}
    )
    puts = [{"PutRequest": {"Item": {"pk": {"S": f"K{n}"}}}} for n in range(26)]
    assert "25" in _refused(client.batch_write_item, RequestItems={ENTERPRISES: puts})
    items = [
        {"Put": {"TableName": ENTERPRISES, "Item": {"pk": {"S": f"K{n}"}}}} for n in range(101)
    ]
    assert "100" in _refused(client.transact_write_items, TransactItems=items)


def test_an_item_over_400_kb_is_refused(client: Any) -> None:
    item = {"pk": {"S": "BIG"}, "blob": {"S": "x" * (400 * 1024)}}
    assert "maximum allowed size" in _refused(client.put_item, TableName=ENTERPRISES, Item=item)


def test_empty_and_oversized_keys_are_refused(client: Any) -> None:
    assert "empty string" in _refused(client.get_item, TableName=ENTERPRISES, Key={"pk": {"S": ""}})
    too_long = {"pk": {"S": "K" * 2049}}
    assert "2048" in _refused(client.get_item, TableName=ENTERPRISES, Key=too_long)
    index_key = {"id": {"S": "ob_1"}, "remind_pk": {"S": ""}}
    assert "remind_pk" in _refused(client.put_item, TableName=OBLIGATIONS, Item=index_key)


def test_a_request_dynamodb_refuses_reaches_the_client_as_internal_not_retry_shortly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an automaker, and a defect that filters a Query on its index's sort key,
    with local_aws():
        onboard(AUTOMAKER_ID, "Motors", ["AUTOMAKER"])

        def key_filter(*_: Any) -> Any:
            return ObligationItem.status_key >= "OPEN#"

        monkeypatch.setattr(reads, "_filter_condition", key_filter)
        # When the README's list query runs,
        answer = gql(
            "{ obligations(first: 10, filter: {status: [OPEN]}) { edges { node { id } } } }",
            auth=bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID),
        )
    # Then the client is told INTERNAL (with a request id to report), not to retry.
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert "retry" not in error["message"].lower()
