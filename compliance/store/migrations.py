"""Upgrades of records written by an earlier version: obligations' keys in the indexes they
were not yet in and their place in the counts; service points' place in their network rows.

An obligation written before the status-ordered and sharded indexes has no `status_key`, its
national partitions are unsharded (`ALL`, `OPEN`), and no counter counts it. Each is upgraded
with one transaction: its keys, conditional on still having no `status_key` and on its status
as read, and one count for it; so a run that stops halfway can be run again, and a second run
changes nothing. Run it with writes paused (see the README): an obligation closed between the
deployment and its upgrade would otherwise be counted out before it was ever counted in.

A service point written before network rows existed has no `in_network` flag: one transaction
sets it, conditional on the point being as read, and adds the point to its row.
"""

from __future__ import annotations

from datetime import date

from pynamodb.transactions import TransactWrite

from compliance.errors import ConflictError
from compliance.network import POINT_TYPE_OF_RULE
from compliance.rules import ObligationStatus
from compliance.store.counts import StatusChange, add_to_transaction
from compliance.store.models import NetworkRowItem, ObligationItem, ServicePointItem
from compliance.store.reads import translated_errors
from compliance.store.records import (
    all_partition,
    coverage_of,
    network_row_actions,
    open_partition,
    row_changes,
    service_point_from_item,
    status_key,
)
from compliance.store.transactions import commit


def index_obligations() -> int:
    """Give every obligation stored without them its index keys and its count; returns how
    many it upgraded. One Scan of the table (a one-off upgrade, not a request path)."""
    upgraded = 0
    not_yet = ObligationItem.id.startswith("ob_") & ObligationItem.status_key.does_not_exist()
    with translated_errors():
        items = list(ObligationItem.scan(not_yet))
    for item in items:
        upgraded += _upgrade(item)
    return upgraded


def _upgrade(item: ObligationItem) -> bool:
    status = ObligationStatus(item.status)
    due = date.fromisoformat(item.due_date) if item.due_date else None
    actions = [
        ObligationItem.status_key.set(status_key(status, due, item.id)),
        ObligationItem.due_partition.set(all_partition(item.id)),
    ]
    if (coverage := coverage_of(item.rule_id, item.responsible)) is not None:
        actions.append(ObligationItem.coverage_of.set(coverage))
    partition = open_partition(status, item.id)
    actions.append(
        ObligationItem.open_partition.set(partition)
        if partition
        else ObligationItem.open_partition.remove()
    )
    condition = ObligationItem.status_key.does_not_exist() & (ObligationItem.status == item.status)
    change = StatusChange(
        item.responsible,
        None,
        status,
        provisional=bool(item.provisional),
        coverage=item.rule_id in POINT_TYPE_OF_RULE,
    )

    def build(tx: TransactWrite) -> None:
        tx.update(
            ObligationItem(item.id, version=0),
            actions=list(actions),
            condition=condition,
            add_version_condition=False,
        )
        add_to_transaction(tx, [change], f"upgrade|{item.id}")

    try:
        commit(build, conflict="changed since it was read")
    except ConflictError:
        return False  # upgraded meanwhile, or its status changed: the next run takes it
    return True


def count_points() -> int:
    """Count every service point stored without `in_network` in its network row; returns how
    many it counted. One Scan of the points table (a one-off upgrade, not a request path)."""
    counted = 0
    not_yet = ServicePointItem.type_region.exists() & ServicePointItem.in_network.does_not_exist()
    with translated_errors():
        items = list(ServicePointItem.scan(not_yet))
    for item in items:
        counted += _count_point(item)
    return counted


def _count_point(item: ServicePointItem) -> bool:
    point = service_point_from_item(item)

    def build(tx: TransactWrite) -> None:
        tx.update(
            item,
            actions=[ServicePointItem.in_network.set(True)],
            condition=ServicePointItem.in_network.does_not_exist(),
        )
        for row in row_changes(None, point):
            tx.update(NetworkRowItem(row.row_id), actions=network_row_actions(row))

    try:
        commit(build, conflict="changed since it was read")
    except ConflictError:
        return False  # counted meanwhile, or changed: the next run takes it
    return True
