"""The tables' digests the local stack serves (local/table_digests.py): the bad-input catalog
over HTTP relies on them to see any change, so they must change with any attribute of any item
and with nothing else."""

from __future__ import annotations

import os
from typing import Any

import pytest

from local.aws import local_aws
from local.table_digests import table_digests

REGION = os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1")


def digest_of(table: str) -> dict[str, Any]:
    found: dict[str, Any] = table_digests({}, REGION)["tables"][table]
    return found


def test_a_digest_changes_with_an_attribute_changed_in_place_and_not_otherwise() -> None:
    with local_aws() as client:
        table = os.environ["ENTERPRISES_TABLE"]
        # Given two items in the enterprises table,
        key = {"pk": {"S": "91350100M000100Y43"}}
        client.put_item(TableName=table, Item=key | {"name": {"S": "Fuzhou NEV Motors"}})
        client.put_item(TableName=table, Item={"pk": {"S": "X"}, "name": {"S": "Other"}})
        first = digest_of(table)
        # When nothing changes, Then the digest is the same;
        assert digest_of(table) == first
        assert first["items"] == 2
        # When one attribute changes in place, Then the count is the same and the digest not,
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #n = :n",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":n": {"S": "Fuzhou NEV Motors Ltd"}},
        )
        changed = digest_of(table)
        assert changed["items"] == 2
        assert changed["sha256"] != first["sha256"]
        # and changing it back gives the first digest again, even deleted and written anew
        # (so that moto now holds it after the other item).
        client.delete_item(TableName=table, Key=key)
        client.put_item(TableName=table, Item=key | {"name": {"S": "Fuzhou NEV Motors"}})
        assert digest_of(table) == first


def test_every_table_of_the_template_has_a_digest() -> None:
    with local_aws() as client:
        # Given the template's tables, When their digests are asked for,
        tables = table_digests({}, REGION)["tables"]
        # Then there is one for each table, empty ones included.
        assert sorted(tables) == sorted(client.list_tables()["TableNames"])
        assert all(t["items"] == 0 for t in tables.values())


def test_parameters_are_refused_by_name() -> None:
    with local_aws(), pytest.raises(ValueError, match=r"takes no parameters; got \['table'\]"):
        table_digests({"table": "x"}, REGION)
