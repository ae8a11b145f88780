"""What goes into an enterprise's change feed: the changes a stored record's write means, and
for whom.

A partner keeping an ERP in sync asks "what changed for my enterprise since my last poll"
(`changes` in the API). The feed is built from the tables' streams (functions/changes.py):
each new event and each obligation write is turned here into zero or more `Change`s, each for
one enterprise. This module is pure: it reads the item images as plain values and decides.

Who learns of what is custody's rule, not a new one: an event goes to the enterprise that
recorded it and, when it hands the battery to another enterprise on the platform (supply, hand
over), to that enterprise, which holds the battery from then on and sees it anyway; an
obligation's changes go to the enterprise responsible for it. Nothing else, so a feed never
tells an enterprise of another's records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from msgspec import Struct

from compliance.lifecycle import EventKind
from compliance.rules import ObligationStatus

Image = Mapping[str, Any]


class ChangeKind(StrEnum):
    EVENT_RECORDED = "EVENT_RECORDED"
    OBLIGATION_CREATED = "OBLIGATION_CREATED"
    OBLIGATION_DUE_SOON = "OBLIGATION_DUE_SOON"  # a reminder before or on the due day went out
    OBLIGATION_OVERDUE = "OBLIGATION_OVERDUE"
    OBLIGATION_FULFILLED = "OBLIGATION_FULFILLED"
    OBLIGATION_WAIVED = "OBLIGATION_WAIVED"
    OBLIGATION_REOPENED = "OBLIGATION_REOPENED"  # a coverage duty open again
    OBLIGATION_RESCHEDULED = "OBLIGATION_RESCHEDULED"  # a calendar or rule change moved it


# What also goes out on the changes bus (EventBridge): what a partner acts on at once.
PUBLISHED = frozenset(
    {
        ChangeKind.OBLIGATION_CREATED,
        ChangeKind.OBLIGATION_DUE_SOON,
        ChangeKind.OBLIGATION_OVERDUE,
        ChangeKind.OBLIGATION_FULFILLED,
        ChangeKind.OBLIGATION_WAIVED,
    }
)

# Events that put the battery in another enterprise's hands: that enterprise learns of them.
_HANDED_TO_COUNTERPARTY = frozenset(
    {EventKind.BATTERY_SUPPLIED, EventKind.BATTERY_HANDED_OVER, EventKind.SERVICE_POINT_HANDED_OUT}
)
_CLOSINGS = {
    ObligationStatus.FULFILLED: ChangeKind.OBLIGATION_FULFILLED,
    ObligationStatus.FULFILLED_LATE: ChangeKind.OBLIGATION_FULFILLED,
    ObligationStatus.WAIVED: ChangeKind.OBLIGATION_WAIVED,
}
_OPEN = frozenset({ObligationStatus.OPEN, ObligationStatus.OVERDUE})
OBLIGATION_ID_PREFIX = "ob_"


class Change(Struct, frozen=True):
    """One change in one enterprise's feed. `source` names what it comes from, the same however
    often the stream delivers it (an event id; an obligation id with its version and kind), so
    that a redelivered record adds nothing. `at` is when the change was written."""

    enterprise: str
    kind: ChangeKind
    source: str
    at: datetime
    obligation_id: str | None = None
    status: str | None = None
    due_date: str | None = None  # None: a standing duty
    rule_id: str | None = None
    stage: str | None = None  # the reminder stage of OBLIGATION_DUE_SOON (`T-5`, `DUE`)
    event_id: str | None = None
    event_kind: str | None = None
    occurred_on: str | None = None
    vin: str | None = None
    battery_code: str | None = None
    model: str | None = None
    region_code: str | None = None

    @property
    def change_id(self) -> str:
        """Stable across redeliveries: what consumers of the bus deduplicate on."""
        digest = hashlib.sha256(f"{self.enterprise}\n{self.source}".encode()).hexdigest()
        return f"ch_{digest[:24]}"


def event_changes(new: Image, at: datetime) -> list[Change]:
    """An event written to a subject's history: one change for each enterprise that learns of
    it. An event about several subjects is written once per subject; `source` (its id) makes
    them one change."""
    kind = EventKind(new["kind"])
    audience = [new["actor"]]
    counterparty = new.get("counterparty")
    if kind in _HANDED_TO_COUNTERPARTY and counterparty and counterparty != new["actor"]:
        audience.append(counterparty)
    return [
        Change(
            enterprise=enterprise,
            kind=ChangeKind.EVENT_RECORDED,
            source=f"EV#{new['id']}",
            at=at,
            event_id=new["id"],
            event_kind=kind.value,
            occurred_on=new.get("occurred_on"),
            vin=new.get("vin"),
            battery_code=new.get("battery_code"),
            model=new.get("model"),
            region_code=new.get("region_code"),
        )
        for enterprise in audience
    ]


def obligation_changes(old: Image | None, new: Image | None, at: datetime) -> list[Change]:
    """An obligation written (or a count shard, which is not a change of anyone's)."""
    if new is None or not str(new.get("id", "")).startswith(OBLIGATION_ID_PREFIX):
        return []
    return [_obligation_change(new, kind, stage, at) for kind, stage in _what_changed(old, new)]


def _what_changed(old: Image | None, new: Image) -> Iterator[tuple[ChangeKind, str | None]]:
    if old is None:
        yield ChangeKind.OBLIGATION_CREATED, None
        return
    before, after = ObligationStatus(old["status"]), ObligationStatus(new["status"])
    if after in _CLOSINGS and before not in _CLOSINGS:
        yield _CLOSINGS[after], None
    elif after is ObligationStatus.OVERDUE and before is ObligationStatus.OPEN:
        yield ChangeKind.OBLIGATION_OVERDUE, None
    elif after in _OPEN and before in _CLOSINGS:
        yield ChangeKind.OBLIGATION_REOPENED, None
    if old.get("due_date") != new.get("due_date") and after in _OPEN:
        yield ChangeKind.OBLIGATION_RESCHEDULED, None
    for stage in sorted(_new_stages(old, new)):
        yield ChangeKind.OBLIGATION_DUE_SOON, stage


def _new_stages(old: Image, new: Image) -> set[str]:
    """Reminder stages recorded by this write, before or on the due day (`<due>:T-5`,
    `<due>:DUE`); overdue and weekly stages are not "due soon"."""
    added = set(new.get("reminders_sent") or ()) - set(old.get("reminders_sent") or ())
    stages = {key.rpartition(":")[2] for key in added}
    return {stage for stage in stages if stage == "DUE" or stage.startswith("T-")}


def _obligation_change(new: Image, kind: ChangeKind, stage: str | None, at: datetime) -> Change:
    version = new.get("version", 0)
    return Change(
        enterprise=new["responsible"],
        kind=kind,
        source=f"OB#{new['id']}#{version}#{kind.value}#{stage or ''}",
        at=at,
        obligation_id=new["id"],
        status=new["status"],
        due_date=new.get("due_date"),
        rule_id=new.get("rule_id"),
        stage=stage,
        vin=new.get("vin"),
        battery_code=new.get("battery_code"),
        model=new.get("model"),
    )
