"""Deadlines moved by a calendar load: every open obligation the load changes is rescheduled,
with the move recorded on it and its next reminder set from the new due date.

Every move is a versioned write: a move racing a fulfilment or the sweep ends with one winner
and a ConflictError for the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from compliance.calendar import WorkingDayCalendar
from compliance.errors import ConflictError
from compliance.obligations import ObligationRecord
from compliance.reminders import first_reminder_on
from compliance.rules import Reschedule, reschedule
from compliance.store.models import ObligationItem, RescheduleMap
from compliance.store.reads import conditionally, translated_errors
from compliance.store.records import (
    OPEN_PARTITION,
    due_key,
    obligation_from_item,
    remind_pk,
    remind_sk,
)

_CONFLICT = (
    "This obligation was changed by someone else at the same time; nothing was written. "
    "Read it again and retry."
)


def _save(item: ObligationItem, actions: list[object]) -> None:
    """Apply `actions` if nobody changed the item since it was read (its version), and take
    the stored result back into `item`. One item needs no transaction."""
    if not conditionally(lambda: item.update(actions=actions)):  # type: ignore[arg-type]
        raise ConflictError(_CONFLICT)


def apply_calendar(
    calendar: WorkingDayCalendar, year: int, *, now: datetime
) -> tuple[Reschedule, ...]:
    """Move every open deadline that loading `year` changes, recording the move on each.

    Reads the open obligations due from that year on (the sparse open index, from the first day
    of `year`), so closed duties and earlier deadlines are never read.
    """
    with translated_errors():
        items = {
            item.id: item
            for item in ObligationItem.open_by_due.query(
                OPEN_PARTITION,
                range_key_condition=ObligationItem.due_key >= f"{year}-01-01",
                filter_condition=ObligationItem.trigger_date <= f"{year}-12-31",
            )
        }
    records: Iterable[ObligationRecord] = (obligation_from_item(i) for i in items.values())
    changes = reschedule((r.obligation for r in records), calendar, year=year)
    for change in changes:
        item = items[change.obligation_id]
        entry = RescheduleMap(
            before=change.before.due_date.isoformat(),
            after=change.after.due_date.isoformat(),
            calendar_version=change.after.calendar_version,
            at=now,
        )
        actions: list[object] = [
            ObligationItem.due_date.set(change.after.due_date.isoformat()),
            ObligationItem.provisional.set(change.after.provisional),
            ObligationItem.calendar_version.set(change.after.calendar_version),
            ObligationItem.due_key.set(due_key(change.after.due_date, item.id)),
            ObligationItem.reschedules.set((ObligationItem.reschedules | []).append([entry])),
            ObligationItem.updated_at.set(now),
        ]
        if change.after.due_date != change.before.due_date:
            # A moved due date starts a fresh reminder schedule (counted from the event, as
            # when the duty arose: a stage already reached is due at the next sweep). A
            # deadline only confirmed (no longer provisional) keeps its schedule, so no stage
            # goes out twice.
            first = first_reminder_on(
                change.after.due_date, date.fromisoformat(item.trigger_date), calendar
            )
            actions += [
                ObligationItem.remind_pk.set(remind_pk(item.responsible, item.id)),
                ObligationItem.remind_sk.set(remind_sk(first, item.id)),
            ]
        _save(item, actions)
    return changes
