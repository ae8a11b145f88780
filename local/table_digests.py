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
import os
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends


def table_digests(parameters: dict[str, str]) -> dict[str, Any]:
    """``{"tables": {name: {"items": count, "sha256": digest}}}`` for every table, the digest
    over each item's attributes in DynamoDB JSON, in a fixed order. Takes no parameters."""
    if parameters:
        raise ValueError(f"/_local/tables takes no parameters; got {sorted(parameters)}")
    region = os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1")
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
    tables: dict[str, Any] = {}
    for name, table in sorted(backend.tables.items()):
        items = sorted(json.dumps(item.to_json(), sort_keys=True) for item in table.all_items())
        digest = hashlib.sha256("\n".join(items).encode()).hexdigest()
        tables[name] = {"items": len(items), "sha256": digest}
    return {"tables": tables}
