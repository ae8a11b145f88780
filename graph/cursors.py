"""Opaque, tamper-evident pagination cursors over DynamoDB's LastEvaluatedKey.

A cursor is the key where the next page starts, bound to the query it came from (who asked,
which list, which filter) and signed with HMAC-SHA256. A changed, forged or reused-elsewhere
cursor is refused with a clear message instead of silently reading something else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from compliance.messages import t
from graph.errors import BadUserInput

_SIGNATURE_BYTES = 16


def encode_cursor(key: dict[str, Any], binding: str, secret: bytes) -> str:
    payload = json.dumps({"k": key, "b": _digest(binding)}, separators=(",", ":")).encode()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")


def decode_cursor(cursor: str, binding: str, secret: bytes) -> dict[str, Any]:
    invalid = BadUserInput(t("query.bad_cursor"), field="after")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        raise invalid from None
    signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    if not hmac.compare_digest(signature, expected):
        raise invalid
    data = json.loads(payload)
    if data.get("b") != _digest(binding) or not isinstance(data.get("k"), dict):
        raise invalid
    key: dict[str, Any] = data["k"]
    return key


def page_size(first: int | None, default: int, maximum: int) -> int:
    """The page a field taking `first` reads: as asked, or `default` when null; refused outside
    1 to `maximum`, saying the bounds."""
    size = default if first is None else first
    if not 1 <= size <= maximum:
        raise BadUserInput(t("query.first_out_of_range", maximum=maximum, size=size), field="first")
    return size


def _digest(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()[:16]
