"""DynamoDB's request rules that moto does not enforce, enforced on every DynamoDB call made in
this process while the local stack or the tests run (never on AWS, where DynamoDB itself does).

moto accepts requests that DynamoDB refuses with a ValidationException; code that passes only
on moto fails in production. `install()` wraps botocore's client call so that such a request is
refused here first, with DynamoDB's own error code and the rule it breaks (from the DynamoDB
developer guide and API reference):

- a Query or Scan FilterExpression naming a key attribute of the table or index read (Query);
- ExpressionAttributeNames or ExpressionAttributeValues that no expression uses;
- TransactWriteItems / TransactGetItems with more than 100 items; BatchGetItem with more than
  100 keys; BatchWriteItem with more than 25 requests;
- an item larger than 400 KB (PutItem, BatchWriteItem, TransactWriteItems Put);
- a key attribute that is an empty string or binary, a partition key over 2,048 bytes or a sort
  key over 1,024 bytes.

Key schemas come from template.yaml, the one place tables are declared.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from local.tables import table_definitions

ITEM_LIMIT = 400 * 1024
PARTITION_KEY_LIMIT = 2048
SORT_KEY_LIMIT = 1024
TRANSACTION_LIMIT = 100
BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25

_lock = threading.Lock()
_installed: dict[str, Any] = {}
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
_EXPRESSIONS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
    "ConditionExpression",
    "UpdateExpression",
)


class DynamoRuleError(ClientError):  # type: ignore[misc]
    """What DynamoDB answers: a ValidationException naming the rule."""

    def __init__(self, operation: str, message: str) -> None:
        super().__init__({"Error": {"Code": "ValidationException", "Message": message}}, operation)


# --- key schemas --------------------------------------------------------------------------


@cache
def _schemas() -> dict[str, dict[str, tuple[str, ...]]]:
    """Logical table id -> {"" (the table) or index name -> its key attribute names}."""
    schemas: dict[str, dict[str, tuple[str, ...]]] = {}
    for logical_id, definition in table_definitions().items():
        keys = {"": _keys(definition["KeySchema"])}
        for index in definition.get("GlobalSecondaryIndexes", []):
            keys[index["IndexName"]] = _keys(index["KeySchema"])
        schemas[logical_id] = keys
    return schemas


def _keys(schema: Iterable[Mapping[str, str]]) -> tuple[str, ...]:
    ordered = sorted(schema, key=lambda k: 0 if k["KeyType"] == "HASH" else 1)
    return tuple(k["AttributeName"] for k in ordered)


def _table(name: str) -> dict[str, tuple[str, ...]] | None:
    matches = [logical for logical in _schemas() if name.endswith(logical)]
    return _schemas()[max(matches, key=len)] if matches else None


# --- the rules ----------------------------------------------------------------------------


def check(operation: str, params: Mapping[str, Any]) -> str | None:
    """What DynamoDB would refuse in this request, or None."""
    rules = (
        _filter_on_keys,
        _between_order,
        _unused_placeholders,
        _sizes_of_batches,
        _items_and_keys,
    )
    for rule in rules:
        if (broken := rule(operation, params)) is not None:
            return broken
    return None


def _filter_on_keys(operation: str, params: Mapping[str, Any]) -> str | None:
    if operation != "Query" or "FilterExpression" not in params:
        return None
    table = _table(str(params.get("TableName", "")))
    if table is None:
        return None
    keys = table.get(str(params.get("IndexName", "")), ())
    names = params.get("ExpressionAttributeNames", {})
    used = {names.get(token, token) for token in _tokens(params["FilterExpression"])}
    if clash := sorted(used & set(keys)):
        return (
            "Filter Expression can only contain non-primary key attributes: "
            f"Primary key attribute: {clash[0]}"
        )
    return None


_BETWEEN = re.compile(r"BETWEEN\s+(:\w+)\s+AND\s+(:\w+)", re.IGNORECASE)


def _between_order(operation: str, params: Mapping[str, Any]) -> str | None:
    """A key range whose lower bound is above its upper bound is refused (moto answers with
    nothing). Strings compare by their UTF-8 bytes, as DynamoDB orders them."""
    if operation != "Query":
        return None
    values = params.get("ExpressionAttributeValues", {})
    for low, high in _BETWEEN.findall(str(params.get("KeyConditionExpression", ""))):
        a, b = values.get(low, {}).get("S"), values.get(high, {}).get("S")
        if a is not None and b is not None and a.encode() > b.encode():
            return (
                "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to "
                f"be greater than or equal to lower bound; lower bound operand: AttributeValue: "
                f"{{S:{a}}}, upper bound operand: AttributeValue: {{S:{b}}}"
            )
    return None


def _tokens(expression: str) -> set[str]:
    return set(_PLACEHOLDER.findall(expression)) | set(re.findall(r"\b[A-Za-z_]\w*\b", expression))


def _unused_placeholders(operation: str, params: Mapping[str, Any]) -> str | None:
    for request in _expression_requests(operation, params):
        text = " ".join(str(request[key]) for key in _EXPRESSIONS if key in request)
        present = set(_PLACEHOLDER.findall(text))
        for kind, key in (
            ("Names", "ExpressionAttributeNames"),
            ("Values", "ExpressionAttributeValues"),
        ):
            if unused := sorted(set(request.get(key, {})) - present):
                return (
                    f"Value provided in ExpressionAttribute{kind} unused in expressions: "
                    f"keys: {{{', '.join(unused)}}}"
                )
    return None


def _expression_requests(operation: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if operation == "TransactWriteItems":
        return [next(iter(item.values())) for item in params.get("TransactItems", [])]
    return [params]


def _sizes_of_batches(operation: str, params: Mapping[str, Any]) -> str | None:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        count = len(params.get("TransactItems", []))
        if count > TRANSACTION_LIMIT:
            return (
                "1 validation error detected: Value at 'transactItems' failed to satisfy "
                f"constraint: Member must have length less than or equal to {TRANSACTION_LIMIT}"
                f" ({count} given)"
            )
    if operation == "BatchGetItem":
        count = sum(len(r.get("Keys", [])) for r in params.get("RequestItems", {}).values())
        if count > BATCH_GET_LIMIT:
            return f"Too many items requested for the BatchGetItem call ({count} keys; at most 100)"
    if operation == "BatchWriteItem":
        count = sum(len(r) for r in params.get("RequestItems", {}).values())
        if count > BATCH_WRITE_LIMIT:
            return (
                "1 validation error detected: Value at 'requestItems' failed to satisfy "
                f"constraint: Map value must satisfy constraint: Member must have length less "
                f"than or equal to {BATCH_WRITE_LIMIT} ({count} given)"
            )
    return None


def _items_and_keys(operation: str, params: Mapping[str, Any]) -> str | None:
    for table_name, item, is_key in _written(operation, params):
        table = _table(table_name)
        if not is_key and _item_size(item) > ITEM_LIMIT:
            return "Item size has exceeded the maximum allowed size"
        if table is None:
            continue
        for index, keys in table.items():
            for position, name in enumerate(keys):
                if name not in item:
                    continue
                value = next(iter(item[name].values()))
                size = len(value.encode() if isinstance(value, str) else value)
                where = "table" if not index else f"index {index}"
                if size == 0 and isinstance(value, str | bytes):
                    return (
                        "One or more parameter values are not valid. The AttributeValue for a "
                        f"key attribute cannot contain an empty string value. Key: {name} "
                        f"({where})"
                    )
                limit = PARTITION_KEY_LIMIT if position == 0 else SORT_KEY_LIMIT
                if size > limit:
                    return (
                        f"One or more parameter values were invalid: Size of "
                        f"{'hashkey' if position == 0 else 'rangekey'} has exceeded the maximum "
                        f"size limit of {limit} bytes (key {name}, {where})"
                    )
    return None


def _written(
    operation: str, params: Mapping[str, Any]
) -> list[tuple[str, Mapping[str, Any], bool]]:
    """(table, item or key, whether it is only a key) of every item a request writes or names."""
    out: list[tuple[str, Mapping[str, Any], bool]] = []
    if operation == "PutItem":
        out.append((params["TableName"], params["Item"], False))
    elif operation in ("GetItem", "DeleteItem", "UpdateItem"):
        out.append((params["TableName"], params["Key"], True))
    elif operation == "BatchWriteItem":
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    out.append((table, request["PutRequest"]["Item"], False))
                else:
                    out.append((table, request["DeleteRequest"]["Key"], True))
    elif operation == "BatchGetItem":
        for table, request in params.get("RequestItems", {}).items():
            out += [(table, key, True) for key in request.get("Keys", [])]
    elif operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            kind, request = next(iter(entry.items()))
            if kind == "Put":
                out.append((request["TableName"], request["Item"], False))
            else:
                out.append((request["TableName"], request["Key"], True))
    return out


def _item_size(item: Mapping[str, Any]) -> int:
    """DynamoDB's item size, closely enough: names and values as UTF-8, numbers as text."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind in ("S", "N"):
        return len(str(inner).encode())
    if kind == "B":
        return len(inner)
    if kind in ("SS", "NS"):
        return sum(len(str(v).encode()) for v in inner)
    if kind == "BS":
        return sum(len(v) for v in inner)
    if kind == "M":
        return 3 + _item_size(inner)
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in inner)
    return len(json.dumps(inner))  # BOOL, NULL


# --- installing ---------------------------------------------------------------------------


def install() -> None:
    """Check every DynamoDB call of every botocore client in this process (idempotent)."""
    with _lock:
        if "call" in _installed:
            return
        original = BaseClient._make_api_call

        def guarded(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
            if self.meta.service_model.service_name == "dynamodb":
                broken = check(operation_name, api_params)
                if broken is not None:
                    raise DynamoRuleError(operation_name, broken)
            return original(self, operation_name, api_params)

        _installed["call"] = original
        BaseClient._make_api_call = guarded
