"""Take-back service points, and the coverage duties they fulfil."""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.transactions import TransactWrite

from compliance.store.models import ServicePointItem
from compliance.store.obligations import coverage_fulfilment_actions, open_coverage_duties
from compliance.store.reads import translated_errors
from compliance.store.records import (
    ObligationRecord,
    ServicePoint,
    obligation_from_item,
    service_point_from_item,
    service_point_item,
)
from compliance.store.transactions import commit


def get(point_id: str) -> tuple[ServicePoint, int] | None:
    with translated_errors():
        try:
            item = ServicePointItem.get(point_id, consistent_read=True)
        except ServicePointItem.DoesNotExist:
            return None
    return service_point_from_item(item), int(item.version or 0)


def upsert(
    point: ServicePoint, version: int | None, *, today: date, now: datetime
) -> list[ObligationRecord]:
    """Save the point (conditional on `version`, the one read; None for a new point) and, when
    it is active, fulfil the open coverage duty of its region in the same transaction."""
    duties = (
        open_coverage_duties(point.operator, point.point_type, point.coverage_region)
        if point.active
        else []
    )

    def build(tx: TransactWrite) -> None:
        tx.save(service_point_item(point, version))
        for duty in duties:
            tx.update(duty, actions=coverage_fulfilment_actions(duty, today, now))  # type: ignore[arg-type]

    commit(build, conflict=f"Service point {point.id} was changed at the same time; retry.")
    with translated_errors():
        for duty in duties:
            duty.refresh(consistent_read=True)
    return [obligation_from_item(d) for d in duties]
