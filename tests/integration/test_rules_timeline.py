"""Changing a deployment's rule-set timeline (`make rules-timeline`): the open obligations it
would change are listed and nothing is written; on request the duties the new rule set has are
moved, each move recorded with its rule set; a duty it has not is left for a person."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from compliance.store.models import ObligationItem
from local.aws import local_aws
from tests.api import table_snapshot
from tests.builders import AUTOMAKER_ID, obligation_item, vin
from tools import retime_rules

IN_FORCE = "CN-TRACE-2018@2018-08-01,CN-2025-INTERIM@2026-04-01"


def stored(oid: str, rule_id: str, trigger: str, due: str, kind: str) -> ObligationItem:
    """An open obligation of the 2023 draft (the default rule set), 10 working days."""
    item: ObligationItem = obligation_item(
        oid, AUTOMAKER_ID, vin(int(oid[-1])), date.fromisoformat(due), arose_on=date(2026, 3, 1)
    )
    item.rule_id, item.trigger_date, item.trigger_kind = rule_id, trigger, kind
    return item


@pytest.fixture
def world() -> Any:
    """Given a deployment that followed the 2023 draft on every date, with an automaker's
    production upload triggered on 2026-03-31 (due 2026-04-15) and a sales upload triggered on
    2026-05-04 (due 2026-05-18)."""
    with local_aws() as client:
        stored(
            "ob_1",
            "PRODUCTION_TRACE_UPLOAD",
            "2026-03-31",
            "2026-04-15",
            "FACTORY_CERTIFICATE_ISSUED",
        ).save()
        stored(
            "ob_2", "SALES_TRACE_UPLOAD", "2026-05-04", "2026-05-18", "VEHICLE_REGISTERED"
        ).save()
        yield client


def run(capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert retime_rules.main(["--timeline", IN_FORCE, *flags]) == 0
    return capsys.readouterr().out


def test_the_plan_lists_what_the_law_in_force_changes_and_writes_nothing(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table_snapshot(world)
    # When the timeline of the law in force is planned
    out = run(capsys)
    # Then the March duty moves to the 2018 provisions' 15 working days (due 2026-04-22), the
    # May sales upload does not arise under the 2025 measures and is left for a person,
    assert "MOVES               ob_1  PRODUCTION_TRACE_UPLOAD" in out
    assert "CN-MIIT-2023-DRAFT@2023-12-15.1 -> CN-TRACE-2018@" in out
    assert "due 2026-04-15 -> 2026-04-22" in out
    assert "NO_LONGER_ARISES    ob_2  SALES_TRACE_UPLOAD" in out
    assert "2 open obligations change under" in out
    # and nothing is written.
    assert "nothing written" in out
    assert table_snapshot(world) == before


def test_applying_moves_the_duty_records_why_and_a_second_run_finds_it_done(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the change is applied
    out = run(capsys, "--apply")
    assert "applied: 1 moved" in out
    # Then the March duty follows the 2018 provisions, due 2026-04-22, the move recorded on it
    moved = ObligationItem.get("ob_1", consistent_read=True)
    assert (moved.rule_set_id, moved.period, moved.due_date) == (
        "CN-TRACE-2018",
        "15WD",
        "2026-04-22",
    )
    [entry] = moved.reschedules
    assert (entry.before, entry.after, entry.rule_set) == (
        "2026-04-15",
        "2026-04-22",
        f"CN-TRACE-2018@{moved.rule_set_version}",
    )
    assert moved.due_key == "2026-04-22#ob_1"
    # and the sales upload is as it was, still open.
    left = ObligationItem.get("ob_2", consistent_read=True)
    assert (left.rule_set_id, left.due_date, left.status) == (
        "CN-MIIT-2023-DRAFT",
        "2026-05-18",
        "OPEN",
    )
    # When it is run again, only the duty left for a person is listed, and nothing changes.
    before = table_snapshot(world)
    again = run(capsys, "--apply")
    assert "1 open obligation changes under" in again
    assert "applied: 0 moved" in again
    assert table_snapshot(world) == before
