"""The changes bus (Amazon EventBridge): what partners subscribe to with rules, one event per
obligation change they act on at once (created, due soon, overdue, fulfilled, waived).

Entries are sent ten to a call (PutEvents takes at most ten); an entry EventBridge
refuses is sent again, then the whole call fails so that the stream batch is retried. Delivery
is at least once, as EventBridge's own is: `detail.changeId` is the same on every delivery of
one change, and is what a consumer deduplicates on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from compliance import clients
from compliance.changes import Change
from compliance.delivery import DeliveryError

SOURCE = "nev.compliance"
ENTRIES_PER_CALL = 10
_ATTEMPTS = 3


def detail_type(change: Change) -> str:
    """`OBLIGATION_DUE_SOON` -> `ObligationDueSoon`: how EventBridge names kinds of event."""
    return "".join(word.title() for word in change.kind.value.split("_"))


def detail(change: Change) -> dict[str, Any]:
    """What a subscriber reads: the change's own fields, camelCase, without empty ones."""
    fields = {
        "changeId": change.change_id,
        "enterprise": change.enterprise,
        "kind": change.kind.value,
        "at": change.at.isoformat(),
        "obligationId": change.obligation_id,
        "status": change.status,
        "dueDate": change.due_date,
        "ruleId": change.rule_id,
        "stage": change.stage,
        "vin": change.vin,
        "batteryCode": change.battery_code,
        "modelCode": change.model,
    }
    return {name: value for name, value in fields.items() if value is not None}


def publish(bus: str, changes: Sequence[Change]) -> int:
    """Put each change on `bus`; how many were put."""
    for start in range(0, len(changes), ENTRIES_PER_CALL):
        entries = [
            {
                "Source": SOURCE,
                "DetailType": detail_type(change),
                "Detail": json.dumps(detail(change), ensure_ascii=False),
                "EventBusName": bus,
                "Time": change.at,
            }
            for change in changes[start : start + ENTRIES_PER_CALL]
        ]
        _put(entries)
    return len(changes)


def _put(entries: list[dict[str, Any]]) -> None:
    for _ in range(_ATTEMPTS):
        try:
            response = clients.client("events").put_events(Entries=entries)
        except (ClientError, BotoCoreError) as error:
            raise DeliveryError(f"publishing changes failed: {error}", retryable=True) from error
        results = response.get("Entries", [])
        entries = [
            entry for entry, result in zip(entries, results, strict=False) if "ErrorCode" in result
        ]
        if not entries:
            return
    raise DeliveryError(
        f"EventBridge refused {len(entries)} changes after {_ATTEMPTS} attempts", retryable=True
    )
