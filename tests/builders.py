"""Test data builders: enterprises, codes and events that are valid unless a test says otherwise."""

from __future__ import annotations

from datetime import date
from itertools import count

from compliance.codes import production_date_code, uscc_check_character, vin_check_digit
from compliance.lifecycle import (
    DisposalOrigin,
    EnterpriseFacts,
    EnterpriseKind,
    EventKind,
    LifecycleEvent,
)

TODAY = date(2026, 11, 26)

AUTOMAKER_ID = "91350100M000100Y43"
OTHER_AUTOMAKER_ID = "91440300192317458F"
BATTERY_MAKER_ID = "91350900587527783P"


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


OTHER_BATTERY_MAKER_ID = uscc("91310000MA1FL0000")

AUTOMAKER = EnterpriseFacts(AUTOMAKER_ID, frozenset({EnterpriseKind.AUTOMAKER}))
OTHER_AUTOMAKER = EnterpriseFacts(OTHER_AUTOMAKER_ID, frozenset({EnterpriseKind.AUTOMAKER}))
IMPORTER = EnterpriseFacts(OTHER_AUTOMAKER_ID, frozenset({EnterpriseKind.IMPORTER}))
BATTERY_MAKER = EnterpriseFacts(
    BATTERY_MAKER_ID, frozenset({EnterpriseKind.BATTERY_MAKER}), frozenset({"X12"})
)
OTHER_BATTERY_MAKER = EnterpriseFacts(
    OTHER_BATTERY_MAKER_ID, frozenset({EnterpriseKind.BATTERY_MAKER}), frozenset({"03U"})
)
# An enterprise that makes both vehicles and the batteries that go into them.
INTEGRATED_MAKER = EnterpriseFacts(
    AUTOMAKER_ID,
    frozenset({EnterpriseKind.AUTOMAKER, EnterpriseKind.BATTERY_MAKER}),
    frozenset({"Y01"}),
)
DISMANTLER = EnterpriseFacts(uscc("91320000MA1DM0000"), frozenset({EnterpriseKind.DISMANTLER}))
RECYCLER = EnterpriseFacts(uscc("91320000MA1RC0000"), frozenset({EnterpriseKind.RECYCLER}))

_serials = count(1)
_ids = count(1)


def battery_code(
    maker: str = "X12", produced: date = date(2026, 3, 2), serial: int | None = None
) -> str:
    """A strict-valid GB/T 34014 pack code: LFP pack, spec 01, traceability 0000001."""
    number = next(_serials) if serial is None else serial
    return f"{maker}PB010000001{production_date_code(produced)}{number:07d}"


def vin(serial: int) -> str:
    body = f"LGXCE4CB{0}P{serial:07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def event(
    kind: EventKind,
    occurred_on: date,
    actor: EnterpriseFacts,
    **fields: str | DisposalOrigin | None,
) -> LifecycleEvent:
    return LifecycleEvent(
        id=f"ev-{next(_ids)}",
        kind=kind,
        occurred_on=occurred_on,
        actor=actor.id,
        **fields,  # type: ignore[arg-type]
    )
