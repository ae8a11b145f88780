"""The local stack's AWS: moto started by local.aws, and template.yaml's tables in it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import botocore.session
import pytest

from local.aws import REGION, LocalAws, start_aws
from local.tables import create_tables, table_definitions, table_env


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    # The process environment is what start_aws changes; it is restored when the module ends.
    with mock.patch.dict(os.environ, clear=False):
        for name in ("AWS_ENDPOINT_URL_DYNAMODB", "LOCAL_USE_REAL_AWS"):
            os.environ.pop(name, None)
        handle = start_aws()
        yield handle
        handle.stop()


def dynamodb() -> Any:
    # No endpoint, region or credentials given: they come from the environment start_aws set.
    return botocore.session.get_session().create_client("dynamodb")


def _indexes(description: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        index["IndexName"]: (index["KeySchema"], index["Projection"])
        for index in description.get("GlobalSecondaryIndexes", [])
    }


def test_clients_without_an_endpoint_reach_moto(aws: LocalAws) -> None:
    # Given moto started by local.aws
    # When a client is created from the environment alone
    client = dynamodb()
    # Then it talks to moto, in the stack's region, with dummy credentials
    assert client.meta.endpoint_url == aws.endpoint
    assert aws.endpoint.startswith("http://127.0.0.1:")
    assert client.meta.region_name == REGION == aws.region
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert client.list_tables()["TableNames"] is not None


def test_every_template_table_is_created_with_its_keys_and_indexes_twice_without_error(
    aws: LocalAws,
) -> None:
    # Given the tables template.yaml declares, and a prefix of this run
    definitions = table_definitions()
    prefix = f"it-{uuid.uuid4().hex[:8]}-"
    client = dynamodb()
    with mock.patch.dict(os.environ):
        # When they are created twice
        create_tables(client, prefix)
        env = create_tables(client, prefix)
        # Then the variables naming them are set in the environment
        assert env == table_env(prefix)
        assert {name: os.environ[name] for name in env} == env
    # And each table exists with the template's keys, attribute types, billing and indexes
    assert {"EnterprisesTable", "ObligationsTable", "CalendarsTable"} <= set(definitions)
    for logical_id, definition in definitions.items():
        table = client.describe_table(TableName=f"{prefix}{logical_id}")["Table"]
        assert table["TableStatus"] == "ACTIVE"
        assert table["KeySchema"] == definition["KeySchema"]
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(
            definition["AttributeDefinitions"], key=str
        )
        assert table["BillingModeSummary"]["BillingMode"] == definition["BillingMode"]
        assert _indexes(table) == {
            index["IndexName"]: (index["KeySchema"], index["Projection"])
            for index in definition.get("GlobalSecondaryIndexes", [])
        }


def test_obligations_table_has_its_due_date_and_reminder_indexes(aws: LocalAws) -> None:
    # Given the tables created under another prefix
    prefix = f"it-{uuid.uuid4().hex[:8]}-"
    client = dynamodb()
    with mock.patch.dict(os.environ):
        env = create_tables(client, prefix)
    # Then the obligations table, found through its variable, has the indexes the lists, the
    # calendar loads and the sweep need
    table = client.describe_table(TableName=env["OBLIGATIONS_TABLE"])["Table"]
    assert set(_indexes(table)) == {
        "by_responsible_status",
        "by_subject_due",
        "by_due",
        "open_by_due",
        "by_remind",
        "by_coverage",
    }


def test_an_existing_table_is_left_as_it_is(aws: LocalAws) -> None:
    # Given a table created by the stack, holding an item
    prefix = f"it-{uuid.uuid4().hex[:8]}-"
    client = dynamodb()
    with mock.patch.dict(os.environ):
        env = create_tables(client, prefix)
        client.put_item(TableName=env["ENTERPRISES_TABLE"], Item={"pk": {"S": "kept"}})
        # When the tables are created again
        create_tables(client, prefix)
    # Then the item is still there
    item = client.get_item(TableName=env["ENTERPRISES_TABLE"], Key={"pk": {"S": "kept"}})
    assert item["Item"]["pk"] == {"S": "kept"}


# --------------------------------------------------------------------------- choosing endpoints


def test_given_dynamodb_endpoint_is_kept_and_stop_restores_the_environment() -> None:
    # Given an environment that names its own DynamoDB endpoint and has a profile
    environ = {"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000", "AWS_PROFILE": "work"}
    # When the local AWS starts with it
    handle = start_aws(environ)
    try:
        # Then DynamoDB stays where it was; everything else goes to moto with dummy credentials
        assert handle.dynamodb_endpoint == "http://127.0.0.1:8000"
        assert environ["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:8000"
        assert environ["AWS_ENDPOINT_URL"] == handle.endpoint
        assert environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert "AWS_PROFILE" not in environ
    finally:
        handle.stop()
    # And stopping puts the environment back as it was
    assert environ == {"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000", "AWS_PROFILE": "work"}


def test_real_aws_keeps_credentials_and_sends_only_dynamodb_to_aws() -> None:
    # Given real credentials and LOCAL_USE_REAL_AWS=1
    environ = {
        "LOCAL_USE_REAL_AWS": "1",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_REGION": "cn-northwest-1",
    }
    handle = start_aws(environ)
    try:
        # Then the credentials are untouched, DynamoDB is the region's real endpoint,
        # and the other services (mail, queues) still go to moto
        assert environ["AWS_ACCESS_KEY_ID"] == "AKIAEXAMPLE"
        assert handle.region == "cn-northwest-1"
        assert handle.dynamodb_endpoint == "https://dynamodb.cn-northwest-1.amazonaws.com.cn"
        assert environ["AWS_ENDPOINT_URL"] == handle.endpoint
    finally:
        handle.stop()
    assert "AWS_ENDPOINT_URL" not in environ
