"""The local stack's fixes to moto change its costs, never the items it answers with.

``local/moto_fixes.py`` narrows an index Query's candidates to the key range before moto sizes
them. These tests run the same Queries with moto as released and with the fix, on tables of
random items, and compare every page. Its transactions journal the items they name instead of
copying tables: a cancelled one must still leave items and stream as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

from local import moto_fixes

TABLE = "Items"
INDEX = "open_by_due"

# An item: whether it is in the sparse index (has the partition attribute), which partition,
# and its due key (a date-like string, "9999-12-31" for standing duties).
due_keys = st.sampled_from(
    [
        "2026-09-01",
        "2026-10-08",
        "2026-10-09",
        "2026-10-19",
        "2026-10-20",
        "2027-01-04",
        "9999-12-31",
    ]
)
items = st.lists(
    st.tuples(st.sampled_from([None, "OPEN", "OTHER"]), due_keys, st.integers(0, 3)),
    max_size=40,
)
conditions = st.sampled_from(
    [
        ("#d <= :a", {":a": {"S": "2026-10-19~"}}),
        ("#d < :a", {":a": {"S": "2026-10-09"}}),
        ("#d >= :a", {":a": {"S": "2026-10-09"}}),
        ("#d BETWEEN :a AND :b", {":a": {"S": "2026-10-08"}, ":b": {"S": "2026-10-20~"}}),
        ("begins_with(#d, :a)", {":a": {"S": "2026-10"}}),
    ]
)


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-1")
        yield client


def _create(client: Any, name: str) -> None:
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "open_partition", "AttributeType": "S"},
            {"AttributeName": "due_key", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": INDEX,
                "KeySchema": [
                    {"AttributeName": "open_partition", "KeyType": "HASH"},
                    {"AttributeName": "due_key", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def _pages(client: Any, condition: str, values: dict[str, Any], limit: int | None) -> list[Any]:
    pages, start = [], None
    while True:
        request: dict[str, Any] = {
            "TableName": TABLE,
            "IndexName": INDEX,
            "KeyConditionExpression": f"#p = :p AND {condition}",
            "ExpressionAttributeNames": {"#p": "open_partition", "#d": "due_key"},
            "ExpressionAttributeValues": {":p": {"S": "OPEN"}, **values},
        }
        if limit:
            request["Limit"] = limit
        if start:
            request["ExclusiveStartKey"] = start
        page = client.query(**request)
        pages.append((page["Items"], page["Count"], page["ScannedCount"]))
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=items, condition=conditions, limit=st.sampled_from([None, 1, 3, 7]))
def test_an_index_query_answers_the_same_pages_with_and_without_the_fix(
    dynamodb: Any,
    items: list[tuple[str | None, str, int]],
    condition: tuple[str, Any],
    limit: int | None,
) -> None:
    # Given a table of random items, some outside the sparse index, in several partitions,
    _create(dynamodb, TABLE)
    try:
        for n, (partition, due, extra) in enumerate(items):
            item: dict[str, Any] = {"id": {"S": f"o{n:03d}"}, "n": {"N": str(extra)}}
            if partition is not None:
                item |= {"open_partition": {"S": partition}, "due_key": {"S": f"{due}#{n:03d}"}}
            dynamodb.put_item(TableName=TABLE, Item=item)
        # When the same Query is paged through with moto as released and with the fix,
        expression, values = condition
        original = (Table.query, Table.all_items)
        fixed_query, fixed_all_items = moto_fixes._query, moto_fixes._all_items
        Table.query, Table.all_items = moto_fixes._original_query, moto_fixes._original_all_items  # type: ignore[method-assign]
        try:
            released = _pages(dynamodb, expression, values, limit)
            Table.query, Table.all_items = fixed_query, fixed_all_items  # type: ignore[method-assign]
            fixed = _pages(dynamodb, expression, values, limit)
        finally:
            Table.query, Table.all_items = original  # type: ignore[method-assign]
        # Then the same items come back in the same order, page for page, with the same counts;
        # only a last empty page may be missing (moto as released ends a page at its limit
        # when any candidate follows, even one outside the key range).
        assert [page for page in fixed if page[0]] == [page for page in released if page[0]]
        assert len(released) - len(fixed) in (0, 1)
    finally:
        dynamodb.delete_table(TableName=TABLE)


def test_an_index_query_no_longer_sizes_items_outside_its_key_range(dynamodb: Any) -> None:
    # Given 300 items of which 10 are in the queried partition and key range; the others are
    # later in the partition, in another partition, or out of the sparse index with a due key,
    moto_fixes.apply()
    _create(dynamodb, TABLE)
    try:
        for n in range(300):
            due = "2026-10-01" if n < 10 or n >= 200 else "2027-06-01"
            item = {"id": {"S": f"o{n:03d}"}, "due_key": {"S": f"{due}#{n:03d}"}}
            if n < 250:
                item["open_partition"] = {"S": "OPEN" if n < 200 else "CLOSED"}
            dynamodb.put_item(TableName=TABLE, Item=item)
        sized: set[str] = set()
        size = Item.size

        def counting_size(item: Item) -> int:
            sized.add(item.attrs["id"].value)
            return size(item)

        # When the sweep's kind of Query runs with the fix,
        Item.size = counting_size  # type: ignore[method-assign, assignment]
        try:
            [(found, count, _)] = _pages(dynamodb, "#d <= :a", {":a": {"S": "2026-10-19~"}}, None)
        finally:
            Item.size = size  # type: ignore[method-assign]
        # Then it returns the 10 and moto sizes only those, not the 290 outside the range.
        assert count == len(found) == 10
        assert sized == {item["id"]["S"] for item in found}
    finally:
        dynamodb.delete_table(TableName=TABLE)


def _rollback_table(dynamodb: Any, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def _everything(dynamodb: Any, name: str) -> list[Any]:
    return sorted(dynamodb.scan(TableName=name)["Items"], key=repr)


def _stream_length(name: str) -> int:
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends["123456789012"]["ap-southeast-1"].tables[name].stream_shard
    assert shard is not None
    return len(shard.items)


def test_a_cancelled_transaction_leaves_items_and_stream_as_they_were(dynamodb: Any) -> None:
    # Given a table with a stream and two items, with the fix applied,
    moto_fixes.apply()
    _rollback_table(dynamodb, "Rollback")
    for sk, n in (("a", "1"), ("b", "2")):
        dynamodb.put_item(
            TableName="Rollback", Item={"pk": {"S": "p"}, "sk": {"S": sk}, "n": {"N": n}}
        )
    before, records = _everything(dynamodb, "Rollback"), _stream_length("Rollback")
    key = {"pk": {"S": "p"}}
    # When a transaction that puts a new item, updates one and deletes the other is cancelled
    # by its last condition,
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "Rollback", "Item": {**key, "sk": {"S": "c"}}}},
                {
                    "Update": {
                        "TableName": "Rollback",
                        "Key": {**key, "sk": {"S": "a"}},
                        "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "9"}},
                    }
                },
                {"Delete": {"TableName": "Rollback", "Key": {**key, "sk": {"S": "b"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "Rollback",
                        "Key": {**key, "sk": {"S": "missing"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    # then every item is as it was, and the stream tells of none of its writes;
    assert _everything(dynamodb, "Rollback") == before
    assert _stream_length("Rollback") == records
    # and the same writes without the failing condition are all applied, and streamed.
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "Rollback", "Item": {**key, "sk": {"S": "c"}}}},
            {"Delete": {"TableName": "Rollback", "Key": {**key, "sk": {"S": "b"}}}},
        ]
    )
    assert [i["sk"]["S"] for i in _everything(dynamodb, "Rollback")] == ["a", "c"]
    assert _stream_length("Rollback") == records + 2
