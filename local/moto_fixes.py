"""Two fixes to moto 5.2.5's DynamoDB that keep its answers and remove costs DynamoDB does not
have. Used by the local stack, the tests and the benchmarks, never on AWS.

Transactions: moto backs up a table before a transaction by deep-copying it once for every item of
the transaction that touches it, so a 100-item transaction copies the table 100 times and
transactions slow down as tables grow (seconds each with a few thousand items). This keeps
moto's behaviour, rollback included, but journals only the items the transaction names (a copy
of each as it was) and puts those back when the transaction is cancelled, instead of copying
whole tables. A cancelled transaction's stream records are cut from the stream, as DynamoDB's
stream never holds them.

Queries on an index: moto takes every item of the table as a candidate, sorts them all by
key, and works out each candidate's size (serializing it) before it checks the range key
condition, so a Query that returns 2,000 items of a 100,000-item table sorts and sizes all
100,000 and slows as the table grows. DynamoDB reads only the key range. Here the candidates
are narrowed to the items of the queried partition whose range key meets the condition before
moto sorts them; moto then runs unchanged on them (it checks both again), so items, order,
pages and counts are the same, except that paging may end one empty page sooner, and the 1 MB
page limit counts only items in the key range, as DynamoDB's does. Selecting the candidates is
still one pass over the table, but a cheap one.
"""

from __future__ import annotations

import copy
import inspect
import threading
from typing import Any

from moto.dynamodb.comparisons import get_comparison_func
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_lock = threading.Lock()
_original = DynamoDBBackend.transact_write_items
_original_query = Table.query
_original_all_items = Table.all_items
_QUERY_SIGNATURE = inspect.signature(_original_query)
# The candidate filter of the Query running on this thread (moto's server answers each request
# on a thread of its own, so concurrent requests never see each other's filter).
_candidates = threading.local()


def _no_copy(table: Any) -> Any:
    """What moto's backup of a table before a transaction becomes: the table itself. Its
    "restore" after a cancelled transaction then changes nothing, and the items the transaction
    touched are put back from the journal instead (_transact_write_items)."""

    def itself(memo: dict[int, Any]) -> Any:
        return table

    return itself


def _journal(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[Any]:
    """(table, hash key, range key, a copy of the item before) for each item a transaction
    names; an operation whose key cannot be read is left out (moto refuses it before writing)."""
    entries = []
    for transact_item in transact_items:
        try:
            op_type, op = next(iter(transact_item.items()))
            table = self.tables[op["TableName"]]
            key = op["Item"] if op_type == "Put" else op["Key"]
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, StopIteration, TypeError, AttributeError):
            continue
        before = table.get_item(hash_value, range_value)
        entries.append((table, hash_value, range_value, copy.deepcopy(before)))
    return entries


def _undo(entries: list[Any]) -> None:
    for table, hash_value, range_value, before in reversed(entries):
        if range_value is None:
            if before is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = before
        elif before is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items.setdefault(hash_value, {})[range_value] = before


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    with _lock:
        tables = list(self.tables.values())
        streams = [(t.stream_shard, len(t.stream_shard.items)) for t in tables if t.stream_shard]
        entries = _journal(self, transact_items)
        for table in tables:
            table.__deepcopy__ = _no_copy(table)  # type: ignore[attr-defined]
        try:
            _original(self, transact_items)
        except Exception:
            # Cancelled: what it wrote is put back, and the stream must not tell of writes that
            # did not happen.
            _undo(entries)
            for shard, length in streams:
                del shard.items[length:]
            raise
        finally:
            for table in tables:
                table.__dict__.pop("__deepcopy__", None)


def _all_items(self: Table) -> list[Any]:
    keep = getattr(_candidates, "keep", None)
    if keep is None:
        return _original_all_items(self)
    # moto's own all_items, with the filter applied before its sort rather than after: moto
    # sorts every item of the table by key (slow comparisons), which is the cost that grows.
    items: list[Any] = []
    for hash_set in self.items.values():
        members = hash_set.values() if self.range_key_attr else (hash_set,)
        items.extend(item for item in members if keep(item))
    return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)


def _query(self: Table, *args: Any, **kwargs: Any) -> Any:
    call = _QUERY_SIGNATURE.bind(self, *args, **kwargs).arguments
    index_name, comparison = call.get("index_name"), call.get("range_comparison")
    keys = _index_keys(self, index_name) if index_name and comparison else None
    if keys is None:
        return _original_query(self, *args, **kwargs)
    hash_names, range_name = keys
    conditions = call.get("range_key_conditions")
    attribute = conditions[-1][0] if conditions else range_name
    partition = [(name, value) for name, value in call.get("hash_key_conditions") or []]
    if not partition and call.get("hash_key") is not None and len(hash_names) == 1:
        partition = [(hash_names[0], call["hash_key"])]
    if attribute is None or not partition:
        return _original_query(self, *args, **kwargs)
    test = get_comparison_func(str(comparison))
    bounds = [value.cast_value for value in call["range_objs"]]

    def keep(item: Any) -> bool:
        for name, expected in partition:
            found = item.attrs.get(name)
            if found is None or found.type != expected.type or found.value != expected.value:
                return False
        value = item.attrs.get(attribute)
        if not value:
            return False
        # Strings (the due keys) compare as they are; moto's cast_value would return the same.
        return bool(test(value.value if value.type == "S" else value.cast_value, *bounds))

    _candidates.keep = keep
    try:
        return _original_query(self, *args, **kwargs)
    finally:
        _candidates.keep = None


def _index_keys(table: Table, index_name: str) -> tuple[list[str], str | None] | None:
    """The index's partition key attributes and its single range key attribute, if any."""
    for index in table.all_indexes():
        if index.name == index_name:
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
            return hashes, ranges[0] if len(ranges) == 1 else None
    return None


def apply() -> None:
    """Idempotent: patch moto's DynamoDB backend in this process."""
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    Table.query = _query  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]
