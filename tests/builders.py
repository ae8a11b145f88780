"""Test data builders: enterprises, codes and events that are valid unless a test says otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count
from typing import Any

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


def obligation_item(
    oid: str,
    responsible: str,
    subject: str,
    due: date | None,
    *,
    fulfilled: bool = False,
    calendar_version: int | None = None,
    arose_on: date = date(2026, 9, 1),
) -> Any:
    """An unsaved sales-upload ObligationItem for a vehicle `subject`, stored straight into the
    table (no event behind it): 10 working days when `due` is given, standing otherwise, its
    first reminder set as if it arose on `arose_on`. A fulfilled one is out of the sparse open
    and reminder indexes, as fulfilment leaves it."""
    from compliance.calendar import default_calendar
    from compliance.reminder_schedule import first_reminder_on
    from compliance.rules import ObligationStatus
    from compliance.store.models import ObligationItem  # the store reads its settings on import
    from compliance.store.records import (
        all_partition,
        open_partition,
        remind_pk,
        remind_sk,
        status_key,
    )

    created = datetime(2026, 9, 1, tzinfo=UTC)
    status = ObligationStatus.FULFILLED if fulfilled else ObligationStatus.OPEN
    return ObligationItem(
        id=oid,
        rule_id="SALES_TRACE_UPLOAD",
        rule_set_id="CN-MIIT-2023-DRAFT",
        rule_set_version="2023-12-15.1",
        responsible=responsible,
        responsible_role="AUTOMAKER",
        subject_kind="vehicle",
        subject_id=subject,
        subject_key=f"vehicle#{subject}",
        trigger_event_id=f"ev_{oid}",
        trigger_kind="VEHICLE_REGISTERED",
        trigger_date="2026-09-01",
        period="10WD" if due else "STANDING",
        due_date=due.isoformat() if due else None,
        calendar_version=calendar_version,
        due_key=f"{due.isoformat() if due else '9999-12-31'}#{oid}",
        status_key=status_key(status, due, oid),
        due_partition=all_partition(oid),
        open_partition=open_partition(status, oid),
        remind_pk=None if fulfilled else remind_pk(responsible, oid),
        remind_sk=None
        if fulfilled
        else remind_sk(first_reminder_on(due, arose_on, default_calendar()), oid),
        status=status.value,
        created_at=created,
        updated_at=created,
    )
