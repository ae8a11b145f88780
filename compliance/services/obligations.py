"""Use cases that close obligations: fulfilment with the national platform's receipt, and
waiver with a reason. Only the enterprise responsible for an obligation may close it; to anyone
else it does not exist. The rules of closing are in `compliance.obligations`."""

from __future__ import annotations

from datetime import date

from msgspec import Struct
from msgspec.structs import replace

from compliance import obligations
from compliance.lifecycle import Violation
from compliance.messages import t
from compliance.network import POINT_TYPE_OF_RULE
from compliance.obligations import Closing, ObligationRecord
from compliance.services.outcome import Request
from compliance.services.store import CloseObligation, Store, Unit


class Closed(Struct, frozen=True):
    record: ObligationRecord | None
    violations: tuple[Violation, ...] = ()


def _own(store: Store, request: Request, obligation_id: str) -> ObligationRecord | None:
    record = store.obligations([obligation_id]).get(obligation_id)
    if record is None or record.obligation.responsible_enterprise != request.actor.id:
        return None
    return record


def _not_found(obligation_id: str) -> Closed:
    return Closed(
        None,
        (Violation("NOT_FOUND", "id", t("obligation.not_found", id=obligation_id)),),
    )


def _commit(store: Store, read: ObligationRecord, closing: Closing) -> Closed:
    if closing.violations:
        return Closed(None, closing.violations)
    if not closing.changed:  # the same closing sent again: the same answer, nothing written
        return Closed(closing.record)
    store.commit([Unit((CloseObligation(closing.record, read.version, read.stored_status),))])
    return Closed(replace(closing.record, version=read.version + 1))


def fulfil(
    store: Store, request: Request, obligation_id: str, fulfilled_on: date, receipt: str | None
) -> Closed:
    record = _own(store, request, obligation_id)
    if record is None:
        return _not_found(obligation_id)
    obligation = record.obligation
    point_type = POINT_TYPE_OF_RULE.get(obligation.rule_id)
    region = (point_type, obligation.subject_id) if point_type else None
    covered = region is not None and region in store.covered(request.actor.id, [region])
    closing = obligations.fulfil(
        record,
        fulfilled_on,
        receipt,
        covered=covered,
        today=request.today,
        now=request.now,
        by=request.by,
    )
    return _commit(store, record, closing)


def waive(store: Store, request: Request, obligation_id: str, reason: str) -> Closed:
    record = _own(store, request, obligation_id)
    if record is None:
        return _not_found(obligation_id)
    return _commit(store, record, obligations.waive(record, reason, now=request.now, by=request.by))
