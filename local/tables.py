"""The DynamoDB tables of template.yaml, created for the local stack, and the variables naming them.

template.yaml is the one place tables are declared; the local stack creates exactly those tables
(keys, attribute types, indexes, billing mode) under the name ``<prefix><LogicalId>``, and sets
the environment variables the functions read (``ENTERPRISES_TABLE: !Ref EnterprisesTable``) to
those names, as CloudFormation does on deployment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from local.template import TEMPLATE, load_template, resources_of_type

DEFAULT_PREFIX = "nev-local-"
TABLE_TYPE = "AWS::DynamoDB::Table"
FUNCTION_TYPE = "AWS::Serverless::Function"

# CloudFormation properties that CreateTable takes under the same name and shape. The others
# (point-in-time recovery, SSE, deletion protection, tags) do not change how the code reads and
# writes, and deletion protection would only stop a local reset.
_CREATE_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
    "TableClass",
)
_INDEX_PROPERTIES = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")


def _index(index: Mapping[str, Any]) -> dict[str, Any]:
    return {key: index[key] for key in _INDEX_PROPERTIES if key in index}


def table_definitions(template_path: Path | str = TEMPLATE) -> dict[str, dict[str, Any]]:
    """Logical id -> CreateTable keyword arguments (without ``TableName``) for every table."""
    definitions: dict[str, dict[str, Any]] = {}
    for logical_id, resource in resources_of_type(load_template(template_path), TABLE_TYPE).items():
        properties: dict[str, Any] = resource.get("Properties") or {}
        definition = {key: properties[key] for key in _CREATE_TABLE_PROPERTIES if key in properties}
        definition.setdefault("BillingMode", "PROVISIONED")
        if "StreamSpecification" in definition:
            # CloudFormation enables a stream by declaring its view; CreateTable asks for both.
            definition["StreamSpecification"] = {
                "StreamEnabled": True,
                **definition["StreamSpecification"],
            }
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if properties.get(kind):
                definition[kind] = [_index(index) for index in properties[kind]]
        definitions[logical_id] = definition
    return definitions


def _environment_variables(template: Mapping[str, Any]) -> dict[str, Any]:
    """Every function environment variable: the globals, then each function's own."""
    variables: dict[str, Any] = dict(
        ((template.get("Globals") or {}).get("Function") or {})
        .get("Environment", {})
        .get("Variables", {})
    )
    for function in resources_of_type(dict(template), FUNCTION_TYPE).values():
        own = ((function.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
        variables.update(own)
    return variables


def table_env(prefix: str = DEFAULT_PREFIX, template_path: Path | str = TEMPLATE) -> dict[str, str]:
    """Environment variable -> table name, for each variable whose value is ``!Ref <a table>``."""
    template = load_template(template_path)
    tables = resources_of_type(template, TABLE_TYPE)
    return {
        variable: f"{prefix}{value['Ref']}"
        for variable, value in _environment_variables(template).items()
        if isinstance(value, dict) and value.get("Ref") in tables
    }


def create_tables(
    client: Any,
    prefix: str = DEFAULT_PREFIX,
    *,
    template_path: Path | str = TEMPLATE,
    environ: MutableMapping[str, str] | None = None,
) -> dict[str, str]:
    """Create every table of the template (leaving existing ones alone); name them in ``environ``.

    ``client`` is a botocore DynamoDB client. Returns environment variable -> table name, after
    setting those variables in ``environ`` (the process environment unless given), so that
    code importing the store afterwards finds the tables.
    """
    names: list[str] = []
    for logical_id, definition in table_definitions(template_path).items():
        name = f"{prefix}{logical_id}"
        try:
            client.create_table(TableName=name, **definition)
        except ClientError as error:
            # Already there (a second run, or a shared endpoint): left exactly as it is.
            if error.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
        names.append(name)
    waiter = client.get_waiter("table_exists")
    for name in names:
        # Immediate on moto and DynamoDB Local; real DynamoDB takes a few seconds per table.
        waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    env = table_env(prefix, template_path)
    (os.environ if environ is None else environ).update(env)
    return env
