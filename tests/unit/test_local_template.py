"""Reading template.yaml for the local stack: short tags, tables, function environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.environment import function_env
from local.tables import table_definitions, table_env
from local.template import load_template

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Globals:
  Function:
    Environment:
      Variables:
        STAGE: !Ref Stage
        THINGS_TABLE: !Ref ThingsTable
        QUEUE_URL: !GetAtt Queue.QueueUrl
Resources:
  ThingsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: owner, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
      GlobalSecondaryIndexes:
        - IndexName: by_owner
          KeySchema:
            - {AttributeName: owner, KeyType: HASH}
          Projection: {ProjectionType: KEYS_ONLY}
          ContributorInsightsSpecification: {Enabled: true}
      SSESpecification: {SSEEnabled: true}
      DeletionProtectionEnabled: true
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          GRAPHIQL: !If [IsProd, "false", "true"]
          VERBOSE: !If [NotProd, "yes", "no"]
          BUCKET: !Sub "${AWS::StackName}-bucket"
          LIMIT: 25
"""


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


def test_short_tags_read_as_cloudformation_reads_them(template: Path) -> None:
    # Given a template written with short-form intrinsic functions
    # When it is loaded
    loaded = load_template(template)
    # Then each tag is the long form
    variables = loaded["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["STAGE"] == {"Ref": "Stage"}
    assert variables["QUEUE_URL"] == {"Fn::GetAtt": ["Queue", "QueueUrl"]}
    assert loaded["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert loaded["Conditions"]["NotProd"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    assert loaded["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["BUCKET"] == {
        "Fn::Sub": "${AWS::StackName}-bucket"
    }


def test_table_definition_keeps_what_create_table_takes_and_drops_the_rest(
    template: Path,
) -> None:
    # Given a table with SSE, deletion protection and index contributor insights
    # When its CreateTable arguments are derived
    definitions = table_definitions(template)
    # Then keys, attributes, billing and indexes are kept, deployment-only settings are not
    assert definitions == {
        "ThingsTable": {
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "owner", "AttributeType": "S"},
            ],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by_owner",
                    "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
        }
    }


def test_table_variables_name_the_prefixed_tables(template: Path) -> None:
    # Given a variable set to !Ref of a table, and others that are not tables
    # Then only the table variable is mapped, to the prefixed logical id
    assert table_env("dev-", template) == {"THINGS_TABLE": "dev-ThingsTable"}


def test_function_env_resolves_parameters_conditions_and_tables(template: Path) -> None:
    # Given the function's variables with parameter defaults (Stage=dev)
    # When they are resolved for the local stack
    env = function_env("Fn", "local-", template_path=template)
    # Then refs and conditions are resolved, and values only a deployment has are left out
    assert env == {
        "STAGE": "dev",
        "THINGS_TABLE": "local-ThingsTable",
        "GRAPHIQL": "true",
        "VERBOSE": "yes",
        "LIMIT": "25",
    }


def test_function_env_follows_a_given_parameter(template: Path) -> None:
    # Given Stage=prod
    env = function_env("Fn", template_path=template, parameters={"Stage": "prod"})
    # Then the conditions turn with it
    assert (env["STAGE"], env["GRAPHIQL"], env["VERBOSE"]) == ("prod", "false", "no")


def test_function_env_of_an_unknown_function_is_an_error(template: Path) -> None:
    # Given a function the template does not declare
    # Then asking for its environment names it
    with pytest.raises(KeyError, match="no function 'Missing'"):
        function_env("Missing", template_path=template)


def test_project_template_gives_the_api_its_tables_and_graphiql_in_dev() -> None:
    # Given the project's own template.yaml
    # When the API function's environment is resolved with its defaults
    env = function_env()
    # Then every table variable names a nev-local- table, and GraphiQL is on (Stage=dev)
    tables = table_env()
    assert tables
    assert {name: env[name] for name in tables} == tables
    assert all(value.startswith("nev-local-") for value in tables.values())
    assert env["GRAPHIQL"] == "true"
    assert set(table_definitions()) == {
        value.removeprefix("nev-local-") for value in tables.values()
    }
