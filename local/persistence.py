"""The local stack's tables kept across restarts: a snapshot written on stop, restored on start.

``make run`` scans every table of template.yaml when it stops and writes the items (DynamoDB
JSON, binary values in base64) to ``.local-data/tables.json``: a temporary file renamed over the
old one, so a stop cut short leaves the previous snapshot whole. The next start writes them back
with BatchWriteItem instead of loading the demo data; ``FRESH=1`` starts with the demo data and
replaces the snapshot on stop. ``LOCAL_DATA_DIR`` moves the folder (the end-to-end tests give
each stack one of its own). Only the embedded moto is snapshotted: another DynamoDB keeps its
items itself.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT / ".local-data"
SNAPSHOT_FILE = "tables.json"
LOG_FILE = "stack.log"
FORMAT = 1
BATCH = 25  # BatchWriteItem's limit
MAX_ROUNDS = 50  # of unprocessed items before giving up on a batch


class SnapshotError(Exception):
    """A snapshot that cannot be read back (not JSON, another format, a refused item)."""


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the snapshot and the log file go: ``LOCAL_DATA_DIR``, else ``.local-data/``."""
    return Path(environ.get("LOCAL_DATA_DIR") or DEFAULT_DATA_DIR)


def fresh(environ: Mapping[str, str] = os.environ) -> bool:
    """``FRESH=1``: start clean (the demo data), whatever snapshot there is."""
    return environ.get("FRESH", "").strip().lower() in ("1", "true", "yes")


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it is under it (for the banner)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _binary(value: dict[str, Any], convert: Any) -> dict[str, Any]:
    """One attribute value with its binary parts converted (``convert`` on bytes or base64)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {kind: convert(inner)}
    if kind == "BS":
        return {kind: [convert(part) for part in inner]}
    if kind == "M":
        return {kind: {key: _binary(item, convert) for key, item in inner.items()}}
    if kind == "L":
        return {kind: [_binary(item, convert) for item in inner]}
    return value


def _encoded(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: _binary(value, lambda raw: base64.b64encode(raw).decode("ascii"))
        for name, value in item.items()
    }


def _decoded(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _binary(value, base64.b64decode) for name, value in item.items()}


def _scan(client: Any, table: str) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page.get("Items", [])


def write_snapshot(client: Any, tables: Mapping[str, str], path: Path) -> int:
    """Every item of ``tables`` (logical id -> table name) written to ``path`` atomically; the
    number of items. ``client`` is a botocore DynamoDB client."""
    items = {
        logical_id: [_encoded(item) for item in _scan(client, name)]
        for logical_id, name in sorted(tables.items())
    }
    snapshot = {
        "format": FORMAT,
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": items,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with partial.open("w", encoding="utf-8") as out:
            json.dump(snapshot, out, ensure_ascii=False, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)  # a reader sees the old snapshot or the whole new one
    finally:
        partial.unlink(missing_ok=True)
    return sum(len(table) for table in items.values())


def read_snapshot(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Logical id -> items (as BatchWriteItem takes them) of the snapshot at ``path``."""
    try:
        snapshot = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SnapshotError(f"{path}: {error}") from error
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT:
        raise SnapshotError(f"{path}: not a format-{FORMAT} snapshot of the local tables")
    tables = snapshot.get("tables")
    if not isinstance(tables, dict):
        raise SnapshotError(f"{path}: no tables")
    return {logical_id: [_decoded(item) for item in items] for logical_id, items in tables.items()}


def _write_batch(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    requests: MutableMapping[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in items]}
    for _ in range(MAX_ROUNDS):
        unprocessed = client.batch_write_item(RequestItems=requests).get("UnprocessedItems")
        if not unprocessed:
            return
        requests = unprocessed
    raise SnapshotError(f"{table}: items left unprocessed after {MAX_ROUNDS} rounds")


def restore_snapshot(client: Any, tables: Mapping[str, str], path: Path) -> tuple[int, list[str]]:
    """The snapshot at ``path`` written into ``tables`` (logical id -> table name): the number
    of items, and the snapshot's tables the template no longer has (left out)."""
    snapshot = read_snapshot(path)
    restored = 0
    for logical_id, items in snapshot.items():
        if logical_id not in tables:
            continue
        for start in range(0, len(items), BATCH):
            _write_batch(client, tables[logical_id], items[start : start + BATCH])
        restored += len(items)
    return restored, sorted(set(snapshot) - set(tables))
