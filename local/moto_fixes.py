"""Make moto's TransactWriteItems cost one table copy per table, not one per item.

moto 5.2.5 backs up a table before a transaction by deep-copying it once for every item of
the transaction that touches it, so a 100-item transaction copies the table 100 times and
transactions slow down as tables grow (seconds each with a few thousand items). This keeps
moto's behaviour, rollback included, and only makes repeated copies of the same table within
one transaction return the first copy. Used by the local stack and the tests, never on AWS.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_lock = threading.Lock()
_original = DynamoDBBackend.transact_write_items


def _copy_once(table: Any) -> Any:
    copies: list[Any] = []

    def deepcopy_once(memo: dict[int, Any]) -> Any:
        if not copies:
            del table.__deepcopy__  # copy the table itself, not through this hook
            try:
                copies.append(copy.deepcopy(table, memo))
            finally:
                table.__deepcopy__ = deepcopy_once
        return copies[0]

    return deepcopy_once


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    with _lock:
        tables = list(self.tables.values())
        for table in tables:
            table.__deepcopy__ = _copy_once(table)  # type: ignore[attr-defined]
        try:
            _original(self, transact_items)
        finally:
            for table in tables:
                table.__dict__.pop("__deepcopy__", None)


def apply() -> None:
    """Idempotent: patch moto's DynamoDB backend in this process."""
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
