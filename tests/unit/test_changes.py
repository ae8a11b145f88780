"""Which changes a stored write means, and for whom (compliance/changes.py): pure decisions on
item images as the tables' streams carry them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from compliance.changes import ChangeKind, event_changes, obligation_changes
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, OTHER_AUTOMAKER_ID

AT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def obligation(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "ob_1",
        "responsible": AUTOMAKER_ID,
        "status": "OPEN",
        "due_date": "2026-12-15",
        "rule_id": "PRODUCTION_TRACE_UPLOAD",
        "version": 1,
    }
    return {**base, **fields}


def kinds(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[ChangeKind, Any]]:
    return [(c.kind, c.stage) for c in obligation_changes(old, new, AT)]


def test_a_new_obligation_is_created_for_its_responsible_enterprise_only() -> None:
    # Given an obligation written for the first time, when its changes are derived,
    [change] = obligation_changes(None, obligation(), AT)
    # then it is one creation, for the enterprise responsible.
    assert (change.kind, change.enterprise, change.obligation_id) == (
        ChangeKind.OBLIGATION_CREATED,
        AUTOMAKER_ID,
        "ob_1",
    )


def test_each_status_change_is_named_once() -> None:
    # Given an open duty, when it is marked overdue, fulfilled late, waived or reopened,
    opened = obligation()
    overdue = obligation(status="OVERDUE", version=2)
    late = obligation(status="FULFILLED_LATE", version=3)
    waived = obligation(status="WAIVED", version=2)
    reopened = obligation(status="OPEN", version=3)
    # then each write is the one change it means.
    assert kinds(opened, overdue) == [(ChangeKind.OBLIGATION_OVERDUE, None)]
    assert kinds(overdue, late) == [(ChangeKind.OBLIGATION_FULFILLED, None)]
    assert kinds(opened, waived) == [(ChangeKind.OBLIGATION_WAIVED, None)]
    assert kinds(waived, reopened) == [(ChangeKind.OBLIGATION_REOPENED, None)]


def test_a_moved_deadline_is_a_rescheduling_and_an_overdue_duty_moved_later_too() -> None:
    # Given an open duty, when a calendar load moves its due date,
    moved = obligation(due_date="2026-12-16", version=2)
    # then it is rescheduled; a closed duty's date does not move anyone's plans.
    assert kinds(obligation(), moved) == [(ChangeKind.OBLIGATION_RESCHEDULED, None)]
    done = obligation(status="FULFILLED", version=2)
    assert kinds(done, {**done, "due_date": "2026-12-16", "version": 3}) == []


def test_reminders_before_or_on_the_due_day_are_due_soon_and_others_are_not() -> None:
    # Given reminder stages recorded by the sweep,
    before = obligation(reminders_sent={"2026-12-15:T-5"})
    after = obligation(
        reminders_sent={"2026-12-15:T-5", "2026-12-15:T-1", "2026-12-15:DUE"}, version=2
    )
    weekly = obligation(reminders_sent={"WEEK:2026-W49"}, version=2)
    late = obligation(reminders_sent={"2026-12-15:OVERDUE+1"}, version=2)
    # then each new stage before or on the due day is one "due soon"; weekly and overdue
    # reminders are not.
    assert kinds(before, after) == [
        (ChangeKind.OBLIGATION_DUE_SOON, "DUE"),
        (ChangeKind.OBLIGATION_DUE_SOON, "T-1"),
    ]
    assert kinds(obligation(), weekly) == []
    assert kinds(obligation(), late) == []


def test_count_shards_and_unchanged_writes_are_no_change() -> None:
    # Given a counter shard written in the same table, and a write changing nothing we report,
    shard = {"id": f"COUNT#{AUTOMAKER_ID}#3", "open": 4}
    # then neither is a change.
    assert obligation_changes(None, shard, AT) == []
    assert kinds(obligation(), obligation(version=2)) == []


def test_an_event_reaches_its_recorder_and_the_enterprise_it_hands_the_battery_to() -> None:
    # Given a supply to an automaker and a repair return naming the automaker it came from,
    supply = {
        "id": "ev_1",
        "kind": "BATTERY_SUPPLIED",
        "actor": BATTERY_MAKER_ID,
        "counterparty": AUTOMAKER_ID,
        "battery_code": "X12PB0100000011234567",
    }
    repair = {**supply, "id": "ev_2", "kind": "REPAIR_RETURN_RECEIVED"}
    # then the supply reaches both (the automaker holds the battery from then on); the return
    # reaches the maker only: the automaker no longer holds it.
    assert [c.enterprise for c in event_changes(supply, AT)] == [BATTERY_MAKER_ID, AUTOMAKER_ID]
    assert [c.enterprise for c in event_changes(repair, AT)] == [BATTERY_MAKER_ID]
    assert OTHER_AUTOMAKER_ID not in {c.enterprise for c in event_changes(supply, AT)}


def test_a_change_has_the_same_id_however_often_it_is_delivered() -> None:
    # Given the same write derived twice (a redelivered stream record),
    first = obligation_changes(None, obligation(), AT)
    again = obligation_changes(None, obligation(), datetime(2026, 12, 4, tzinfo=UTC))
    # then its change id is the same; another enterprise's change of the same source is not.
    assert [c.change_id for c in first] == [c.change_id for c in again]
    theirs = obligation_changes(None, obligation(responsible=OTHER_AUTOMAKER_ID), AT)
    assert theirs[0].change_id != first[0].change_id
