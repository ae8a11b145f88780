"""Use case: create or update a take-back service point, close the coverage duty of the region
it covers, and open that duty again when the region loses its last active point.

A point is one record however often it is sent: without an id, its natural key (operator,
type, region, name) finds the point sent before, which is updated, not created again. Only its
operator may change a point; to anyone else it does not exist.
"""

from __future__ import annotations

from collections.abc import Callable

from msgspec import Struct
from msgspec.structs import replace

from compliance.lifecycle import Violation
from compliance.messages import t
from compliance.network import (
    PointType,
    ServicePoint,
    coverage_region,
    natural_key,
    point_violations,
)
from compliance.obligations import (
    FULFILLED_STATUSES,
    ObligationRecord,
    coverage_lost,
    covered_by_point,
)
from compliance.reminder_schedule import first_reminder_on
from compliance.services.outcome import Request
from compliance.services.store import (
    ClaimPointKey,
    CloseObligation,
    PutServicePoint,
    ReleasePointKey,
    ReopenObligation,
    Store,
    Stored,
    Unit,
    Write,
)


class PointInput(Struct, frozen=True):
    name: str
    point_type: PointType
    region_code: str
    address: str | None = None
    active: bool = True
    id: str | None = None  # None: find the point by its natural key, or create it


class Saved(Struct, frozen=True):
    point: ServicePoint | None
    # The coverage duties of its region that stand fulfilled (by this point or an earlier one).
    fulfilled: tuple[ObligationRecord, ...] = ()
    # The coverage duties open again because this change left their region without a point.
    reopened: tuple[ObligationRecord, ...] = ()
    violations: tuple[Violation, ...] = ()


def upsert(store: Store, request: Request, sent: PointInput, new_id: Callable[[], str]) -> Saved:
    operator = request.actor.id
    name, address = sent.name.strip(), (sent.address or "").strip() or None
    found = point_violations(name, sent.point_type, sent.region_code, address, request.actor.kinds)
    if found:
        return Saved(None, violations=tuple(found))
    key = natural_key(operator, sent.point_type, sent.region_code, name)
    holder = store.point_with_key(key)
    point_id = sent.id or holder
    existing = store.service_points([point_id]).get(point_id) if point_id else None
    if existing is not None and existing.value.operator != operator:
        existing = None  # another operator's point: to this one it does not exist
    refused = _identity_violation(sent.id, existing is not None, holder, point_id)
    if refused is not None:
        return Saved(None, violations=(refused,))
    point = ServicePoint(
        id=point_id or new_id(),
        operator=operator,
        point_type=sent.point_type,
        name=name,
        region_code=sent.region_code,
        coverage_region=coverage_region(sent.point_type, sent.region_code),
        address=address,
        active=sent.active,
        updated_at=request.now,
        updated_by=request.by,
    )
    duties = store.coverage_duties(operator, point.point_type, point.coverage_region)
    change = _point_writes(store, request, point, existing)
    point, writes = change.point, change.writes
    if change.old_key != key:
        if change.old_key is not None:
            writes.append(ReleasePointKey(change.old_key, point.id))
        writes.append(ClaimPointKey(key, point.id))
    closing = [_closed(d, request) for d in duties if d.is_open] if point.active else []
    writes.extend(closing)
    if writes:
        store.commit([Unit(tuple(writes))])
    return Saved(point, _fulfilled(duties, closing), tuple(map(_as_written, change.reopening)))


def _closed(duty: ObligationRecord, request: Request) -> CloseObligation:
    closed = covered_by_point(duty, request.today, request.now, request.by)
    return CloseObligation(closed, duty.version, duty.stored_status)


def _as_written(write: CloseObligation | ReopenObligation) -> ObligationRecord:
    """A duty as stored once written: the version a retry would read."""
    return replace(write.record, version=write.version + 1)


def _fulfilled(
    duties: list[ObligationRecord], closing: list[CloseObligation]
) -> tuple[ObligationRecord, ...]:
    """The region's coverage duties that stand fulfilled: closed now, or before."""
    closed = {w.record.id: _as_written(w) for w in closing}
    return tuple(
        closed.get(d.id, d)
        for d in duties
        if d.id in closed or d.stored_status in FULFILLED_STATUSES
    )


def _identity_violation(
    sent_id: str | None, exists: bool, holder: str | None, point_id: str | None
) -> Violation | None:
    """Why the point sent cannot be the one it names: an id the operator does not run, or a
    type, region and name another of its points holds."""
    if sent_id is not None and not exists:
        return Violation(
            "UNKNOWN_SERVICE_POINT",
            "id",
            t("network.unknown_point", id=sent_id),
        )
    if holder is not None and point_id is not None and holder != point_id:
        return Violation(
            "DUPLICATE",
            "name",
            t("network.duplicate_point", id=holder),
        )
    return None


class _PointChange(Struct):
    point: ServicePoint  # as it will be stored (as it is, when sent again unchanged)
    writes: list[Write]
    reopening: list[ReopenObligation]
    old_key: str | None  # the natural key it held before


def _point_writes(
    store: Store, request: Request, point: ServicePoint, existing: Stored[ServicePoint] | None
) -> _PointChange:
    """The point's own write, and the coverage duties its leaving a region opens again."""
    if existing is None:
        return _PointChange(point, [PutServicePoint(point, None)], [], None)
    before = existing.value
    if not _changed(before, point):
        # The same point sent again: as it is, nothing to write for it.
        return _PointChange(before, [], [], _key_of(before))
    others = _others_active(store, before, point)
    reopening = _reopened(store, request, before) if others is False else []
    writes: list[Write] = [PutServicePoint(point, existing.version, before, others), *reopening]
    return _PointChange(point, writes, reopening, _key_of(before))


def _others_active(store: Store, before: ServicePoint, after: ServicePoint) -> bool | None:
    """For a point that stops covering its region (deactivated, or moved to another region or
    type): whether other active points of its operator still cover the region, as its network
    row says. None when the point does not leave its region's active points."""
    region = (before.point_type, before.coverage_region)
    if not before.active or (after.active and (after.point_type, after.coverage_region) == region):
        return None
    return store.active_points(before.operator, *region) > 1


def _reopened(store: Store, request: Request, before: ServicePoint) -> list[ReopenObligation]:
    """The region's fulfilled coverage duties, open again: it lost its last active point."""
    remind_on = first_reminder_on(None, request.today, store.calendar())
    return [
        ReopenObligation(
            coverage_lost(duty, request.now), duty.version, remind_on, duty.stored_status
        )
        for duty in store.coverage_duties(
            before.operator, before.point_type, before.coverage_region
        )
        if duty.stored_status in FULFILLED_STATUSES
    ]


def _key_of(point: ServicePoint) -> str:
    return natural_key(point.operator, point.point_type, point.region_code, point.name)


_COMPARED = ("point_type", "name", "region_code", "coverage_region", "address", "active")


def _changed(before: ServicePoint, after: ServicePoint) -> bool:
    return any(getattr(before, f) != getattr(after, f) for f in _COMPARED)
