"""Races on one obligation end with exactly one winner: two fulfilments at once, and a
fulfilment against the sweep's overdue transition. The loser is told CONFLICT (or, for the
sweep, steps aside) and nothing of its change is written."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from compliance.calendar import default_calendar
from compliance.codes import production_date_code
from compliance.lifecycle import EnterpriseFacts, EnterpriseKind
from compliance.obligations import ObligationRecord
from compliance.rule_timeline import single
from compliance.rules import load_rule_set
from compliance.services import obligations as obligation_cases
from compliance.services.outcome import Request
from compliance.services.reminders import entry_for
from compliance.store import dynamo, reads
from compliance.store import reminders as reminder_store
from compliance.store.dynamo import DynamoStore
from compliance.store.models import ObligationItem
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql, onboard, onboard_battery_maker, supply
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, vin

AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
MAKER = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)
PACK = f"X12PB010000001{production_date_code(date(2026, 9, 1))}0000001"
FULFIL = """mutation ($id: ID!, $on: Date!, $receipt: String!) {
  fulfillObligation(input: {id: $id, fulfilledOn: $on, platformReceipt: $receipt}) {
    obligation { status platformReceipt } userErrors { code message } } }"""


def mark_overdue(seen: ObligationRecord) -> bool:
    """What the gather of 2026-10-16 writes for an obligation it read as `seen`: its schedule
    moved and OVERDUE, if nobody changed it since. True when it wrote."""
    read_key = str(ObligationItem.get(seen.id, consistent_read=True).remind_sk or "")
    entry = entry_for(seen, read_key, date(2026, 10, 16), default_calendar())
    assert entry.overdue
    moved = reminder_store.move_forward([entry], datetime.now(UTC), enterprise=AUTOMAKER_ID)
    return moved.marked_overdue == 1


@pytest.fixture
def upload() -> Iterator[str]:
    """Given a production upload due 2026-10-15 for a vehicle certified 2026-09-24."""
    with local_aws():
        onboard_battery_maker(BATTERY_MAKER_ID)
        onboard(AUTOMAKER_ID, "Motors", ["AUTOMAKER"])
        gql(
            f"""mutation {{ registerBatteries(input: {{batteries: [{{code: "{PACK}",
            producedOn: "2026-09-01"}}]}}) {{ userErrors {{ code }} }} }}""",
            auth=MAKER,
        )
        supply([PACK], BATTERY_MAKER_ID, AUTOMAKER_ID, "2026-09-02")
        gql(
            """mutation { announceModel(input: {model: "M1", announcedOn: "2026-09-01"}) {
            userErrors { code } } }""",
            auth=AUTO,
        )
        result = gql(
            f"""mutation {{ issueFactoryCertificate(input: {{vin: "{vin(1)}", model: "M1",
            issuedOn: "2026-09-24", batteryCodes: ["{PACK}"]}}) {{ obligations {{ id }} }} }}""",
            auth=AUTO,
        )
        [obligation] = result["data"]["issueFactoryCertificate"]["obligations"]
        yield obligation["id"]


def _both_read_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make two requests read the obligation before either writes: the real interleaving of
    two people pressing the button at the same moment."""
    barrier = threading.Barrier(2, timeout=10)
    real = DynamoStore.obligations

    def load_then_wait(store: DynamoStore, ids: Any) -> Any:
        found = real(store, ids)
        barrier.wait()
        return found

    monkeypatch.setattr(DynamoStore, "obligations", load_then_wait)
    # DynamoDB checks a condition and writes an item atomically; moto, serving two threads of
    # one process, does not. Serialising the two writes gives the tables DynamoDB's guarantee
    # while both requests still decide from the same stale read.
    atomic = threading.Lock()
    real_write = dynamo._write

    def write_atomically(units: Any) -> None:
        with atomic:
            real_write(units)

    monkeypatch.setattr(dynamo, "_write", write_atomically)


def test_two_fulfilments_at_once_have_one_winner_and_one_conflict(
    upload: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two fulfilments of the same obligation that both read it before either writes,
    _both_read_first(monkeypatch)
    results: list[Any] = [None, None]

    def fulfil(slot: int) -> None:
        results[slot] = gql(
            FULFIL, {"id": upload, "on": "2026-10-14", "receipt": f"TR-{slot}"}, auth=AUTO
        )["data"]["fulfillObligation"]

    threads = [threading.Thread(target=fulfil, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Then exactly one succeeded and the other was told CONFLICT,
    outcomes = sorted("won" if r["obligation"] else r["userErrors"][0]["code"] for r in results)
    assert outcomes == ["CONFLICT", "won"]
    # and the stored receipt is the winner's.
    winner = next(r for r in results if r["obligation"])
    stored = reads.obligations([upload])[upload]
    assert stored.platform_receipt == winner["obligation"]["platformReceipt"]


def test_the_sweep_steps_aside_when_a_fulfilment_wins_the_race(upload: str) -> None:
    # Given the sweep read the obligation as open, When it is fulfilled before the sweep
    # writes OVERDUE,
    seen_by_sweep = reads.obligations([upload])[upload]
    automaker = EnterpriseFacts(AUTOMAKER_ID, frozenset({EnterpriseKind.AUTOMAKER}))
    request = Request(
        automaker, "tester", datetime.now(UTC), date(2026, 10, 16), single(load_rule_set())
    )
    closed = obligation_cases.fulfil(DynamoStore(), request, upload, date(2026, 10, 16), "TR-LATE")
    assert closed.violations == ()
    # Then the sweep's conditional write loses and the fulfilment stands.
    assert mark_overdue(seen_by_sweep) is False
    assert reads.obligations([upload])[upload].stored_status.value == "FULFILLED_LATE"


def test_a_fulfilment_read_before_the_overdue_transition_gets_a_conflict(
    upload: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a fulfilment that read the obligation, When the sweep marks it OVERDUE first,
    real = DynamoStore.obligations

    def load_then_sweep(store: DynamoStore, ids: Any) -> Any:
        found = real(store, ids)
        for obligation_id in found:
            assert mark_overdue(reads.obligations([obligation_id])[obligation_id])
        return found

    monkeypatch.setattr(DynamoStore, "obligations", load_then_sweep)
    result = gql(FULFIL, {"id": upload, "on": "2026-10-16", "receipt": "TR-9"}, auth=AUTO)["data"][
        "fulfillObligation"
    ]
    # Then the fulfilment is told CONFLICT, nothing of it is written, and a retry succeeds.
    assert [e["code"] for e in result["userErrors"]] == ["CONFLICT"]
    assert reads.obligations([upload])[upload].stored_status.value == "OVERDUE"
    monkeypatch.setattr(DynamoStore, "obligations", real)
    retried = gql(FULFIL, {"id": upload, "on": "2026-10-16", "receipt": "TR-9"}, auth=AUTO)
    assert retried["data"]["fulfillObligation"]["obligation"]["status"] == "FULFILLED_LATE"
