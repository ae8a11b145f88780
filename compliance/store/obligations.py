"""Deadlines moved by a calendar load, a bounded set of obligations at a time: each open
obligation the load changes is rescheduled, with the move recorded on it, its next reminder set
from the new due date, and its change to the counts.

The moves of up to GROUP obligations are one transaction, each conditional on the version it was
read at, together with their change to the counts and to whatever progress the caller counts
them on: a move is counted if and only if it was written. An obligation changed since it was
read (a fulfilment, the sweep, another worker that moved it first) is read again and, if the
load still changes it, moved then; one closed in the meantime keeps its deadline.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from msgspec import Struct
from pynamodb.transactions import TransactWrite

from compliance.calendar import WorkingDayCalendar
from compliance.errors import ConflictError
from compliance.reminder_schedule import first_reminder_on
from compliance.rule_timeline import Retiming
from compliance.rules import ObligationStatus, Reschedule, RuleSet, reschedule
from compliance.store.counts import StatusChange, add_to_transaction
from compliance.store.models import ObligationItem, RescheduleMap
from compliance.store.reads import translated_errors
from compliance.store.records import (
    due_key,
    obligation_from_item,
    remind_pk,
    remind_sk,
    status_key,
)
from compliance.store.transactions import commit

# Obligations moved in one transaction. With a counter item per enterprise (at most one per
# obligation), the nation's and the caller's progress item, a group writes at most 82 of the
# 100 items DynamoDB allows; a page of 200 is five transactions instead of two hundred, and
# the shared counters meet five times less often.
GROUP = 40
# Rounds of reading again what changed since it was read before the page is given up (the
# queue brings it back): each round re-reads only the groups that met a change.
ATTEMPTS = 3
_OPEN = (ObligationStatus.OPEN.value, ObligationStatus.OVERDUE.value)
_CONFLICT = (
    "Obligations kept changing while a calendar load rescheduled them (read again {attempts} "
    "times); nothing more was written for them. Their page is tried again."
)

# Adds a group's numbers of moved and confirmed deadlines to the caller's progress, in the
# transaction that writes them.
CountMoves = Callable[[TransactWrite, int, int], None]


class Moves(Struct):
    moved: int = 0  # due date changed
    confirmed: int = 0  # same due date, no longer provisional
    conflicts: int = 0  # groups that met a change and were read again


def reschedule_items(
    items: Iterable[ObligationItem],
    calendar: WorkingDayCalendar,
    *,
    year: int,
    now: datetime,
    count: CountMoves | None = None,
) -> Moves:
    """Move the deadlines of `items` that loading `year` into `calendar` changes (the pure
    `compliance.rules.reschedule` decides which), GROUP to a transaction. Closed items are left
    alone. Raises ConflictError when obligations still changed under it after ATTEMPTS reads:
    what was written stands and is counted; calling again moves the rest."""
    current = {item.id: item for item in items if item.status in _OPEN}
    moves = Moves()
    for _ in range(ATTEMPTS):
        records = (obligation_from_item(item).obligation for item in current.values())
        changes = reschedule(records, calendar, year=year)
        changed: list[str] = []
        for start in range(0, len(changes), GROUP):
            group = changes[start : start + GROUP]
            try:
                _write(group, current, calendar, now, count)
            except ConflictError:
                changed += [c.obligation_id for c in group]
                moves.conflicts += 1
                continue
            moves.moved += sum(1 for c in group if c.changes_date)
            moves.confirmed += sum(1 for c in group if not c.changes_date)
        if not changed:
            return moves
        with translated_errors():
            fresh = ObligationItem.batch_get(changed, consistent_read=True)
            current = {item.id: item for item in fresh if item.status in _OPEN}
    raise ConflictError(_CONFLICT.format(attempts=ATTEMPTS))


def retime_items(
    items: Iterable[ObligationItem],
    changes: Sequence[Retiming],
    calendar: WorkingDayCalendar,
    now: datetime,
) -> Moves:
    """Move the deadlines of `items` to the rule sets a new timeline gives them (`changes`,
    from `compliance.rule_timeline.retimings`; only those that `move`), GROUP to a transaction,
    each recorded on its obligation with the rule set it follows since. A group whose
    obligations changed since they were read is left (counted in `conflicts`): running the
    change again moves what is left."""
    current = {item.id: item for item in items if item.status in _OPEN}
    movable = [c for c in changes if c.moves and c.obligation_id in current]
    moves = Moves()
    for start in range(0, len(movable), GROUP):
        group = movable[start : start + GROUP]
        reschedules = [
            Reschedule(c.obligation_id, c.before, c.after)
            for c in group
            if c.before is not None and c.after is not None
        ]
        rule_sets = {c.obligation_id: c.rule_set for c in group}
        try:
            _write(reschedules, current, calendar, now, None, rule_sets)
        except ConflictError:
            moves.conflicts += 1
            continue
        moves.moved += sum(1 for c in reschedules if c.changes_date)
        moves.confirmed += sum(1 for c in reschedules if not c.changes_date)
    return moves


def _write(
    group: Sequence[Reschedule],
    items: dict[str, ObligationItem],
    calendar: WorkingDayCalendar,
    now: datetime,
    count: CountMoves | None,
    rule_sets: Mapping[str, RuleSet | None] | None = None,
) -> None:
    """One transaction: every move of `group` if none of its obligations changed since read."""
    attempts = itertools.count()
    seed = ",".join(f"{c.obligation_id}:{items[c.obligation_id].version}" for c in group)
    moved = sum(1 for c in group if c.changes_date)

    def build(tx: TransactWrite) -> None:
        changes: list[StatusChange] = []
        for change in group:
            item = items[change.obligation_id]
            rule_set = (rule_sets or {}).get(change.obligation_id)
            tx.update(
                ObligationItem(item.id, version=item.version),
                actions=_actions(item, change, calendar, now, rule_set),
            )
            status = ObligationStatus(item.status)
            changes.append(
                StatusChange(
                    item.responsible,
                    status,
                    status,
                    provisional=change.after.provisional,
                    provisional_before=change.before.provisional,
                )
            )
        # A retry after meeting another transaction on a counter moves to another shard.
        add_to_transaction(tx, changes, seed, next(attempts))
        if count is not None:
            count(tx, moved, len(group) - moved)

    commit(build, conflict="An obligation changed since it was read; nothing was written.")


def _actions(
    item: ObligationItem,
    change: Reschedule,
    calendar: WorkingDayCalendar,
    now: datetime,
    rule_set: RuleSet | None = None,
) -> list[Any]:
    """The writes that move `item` as `change` says, the move recorded on it; with `rule_set`,
    the obligation follows that rule set from now on (a change of the timeline)."""
    entry = RescheduleMap(
        before=change.before.due_date.isoformat(),
        after=change.after.due_date.isoformat(),
        calendar_version=change.after.calendar_version,
        at=now,
        rule_set=f"{rule_set.id}@{rule_set.version}" if rule_set else None,
    )
    actions: list[Any] = [
        ObligationItem.due_date.set(change.after.due_date.isoformat()),
        ObligationItem.provisional.set(change.after.provisional),
        ObligationItem.calendar_version.set(change.after.calendar_version),
        ObligationItem.due_key.set(due_key(change.after.due_date, item.id)),
        ObligationItem.status_key.set(
            status_key(ObligationStatus(item.status), change.after.due_date, item.id)
        ),
        ObligationItem.reschedules.set((ObligationItem.reschedules | []).append([entry])),
        ObligationItem.updated_at.set(now),
    ]
    if rule_set is not None:
        rule = rule_set.rule(item.rule_id)
        actions += [
            ObligationItem.rule_set_id.set(rule_set.id),
            ObligationItem.rule_set_version.set(rule_set.version),
            ObligationItem.period.set(str(rule.period)),
        ]
    if change.changes_date:
        # A moved due date starts a fresh reminder schedule (counted from the event, as when
        # the duty arose: a stage already reached is due at the next sweep). A deadline only
        # confirmed (no longer provisional) keeps its schedule, so no stage goes out twice.
        first = first_reminder_on(
            change.after.due_date, date.fromisoformat(item.trigger_date), calendar
        )
        actions += [
            ObligationItem.remind_pk.set(remind_pk(item.responsible, item.id)),
            ObligationItem.remind_sk.set(remind_sk(first, item.id)),
        ]
    return actions
