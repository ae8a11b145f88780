"""What every table of the embedded moto holds, as one digest per table.

The local stack serves this as ``POST /_local/tables`` when DynamoDB is its own moto (not when
``AWS_ENDPOINT_URL_DYNAMODB`` or real AWS is set): a client that must prove a request changed
nothing (the bad-input catalog over HTTP) compares the digests before and after it. The items
are read from moto's backend in this process, in a few milliseconds, where a Scan over HTTP of
the demo data takes seconds, and moto deep-copies every item it scans.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends


def table_digests(parameters: dict[str, str], region: str) -> dict[str, Any]:
    """``{"tables": {name: {"items": count, "sha256": digest}}}`` for every table in `region`,
    the digest over each item's attributes in DynamoDB JSON, in a fixed order. Takes no
    parameters."""
    if parameters:
        raise ValueError(f"/_local/tables takes no parameters; got {sorted(parameters)}")
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
    tables: dict[str, Any] = {}
    for name, table in sorted(backend.tables.items()):
        items = sorted(json.dumps(item.to_json(), sort_keys=True) for item in table.all_items())
        digest = hashlib.sha256("\n".join(items).encode()).hexdigest()
        tables[name] = {"items": len(items), "sha256": digest}
    return {"tables": tables}


def not_embedded(parameters: dict[str, str]) -> dict[str, Any]:
    """The answer where DynamoDB is not the stack's own moto: its items are not in this process."""
    raise ValueError(
        "/_local/tables reads the embedded moto's tables, and DynamoDB is elsewhere here "
        "(AWS_ENDPOINT_URL_DYNAMODB or LOCAL_USE_REAL_AWS=1 is set); compare with a Scan instead."
    )
