"""A vehicle's or battery's events and obligations are one Query each, so a page of vehicles
asks for many: they go through the request's loaders, which read a whole level at once on a
few threads. The Queries are counted exactly, and their overlap is proved with a gate that
holds each one until as many are under way as the loaders should run together (if they ran
one after another, the first would wait alone and the test would fail)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from compliance.store.models import EventItem, ObligationItem
from graph.loaders import QUERY_CONCURRENCY
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import certify_fleet, gql
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID

AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
VEHICLES = 30
BARE = """query ($first: Int!) { obligations(first: $first) { edges { node {
    vehicle { vin } } } } }"""
NESTED = """query ($first: Int!) { obligations(first: $first) { edges { node {
    vehicle { vin events { kind } obligations { ruleId } } } } } }"""
# A gate that is never opened lets its Queries go after this long: only a failing test waits.
GATE_PATIENCE_SECONDS = 30


@pytest.fixture(scope="module")
def fleet() -> Iterator[Any]:
    """Given 30 certified vehicles of one automaker, with two packs each."""
    with local_aws() as client:
        certify_fleet(VEHICLES, BATTERY_MAKER_ID, AUTOMAKER_ID)
        yield client


def _events() -> Any:
    return ObligationItem._get_connection().connection.client.meta.events


def _is_nested(params: dict[str, Any]) -> bool:
    """A subject's history or its obligations: the Queries the nested fields make."""
    return (
        params.get("TableName") == EventItem.Meta.table_name
        or params.get("IndexName") == ObligationItem.by_subject_due.Meta.index_name
    )


def _counted(query: str, variables: dict[str, Any]) -> tuple[Any, Counter[str]]:
    calls: Counter[str] = Counter()

    def hook(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls[model.name] += 1
        if model.name == "Query" and _is_nested(params):
            calls["nested Query"] += 1

    _events().register("before-parameter-build.dynamodb", hook)
    try:
        return gql(query, variables, auth=AUTO), calls
    finally:
        _events().unregister("before-parameter-build.dynamodb", hook)


def _vins(result: Any) -> set[str]:
    edges = result["data"]["obligations"]["edges"]
    return {e["node"]["vehicle"]["vin"] for e in edges if e["node"]["vehicle"]}


class Gate:
    """Holds each nested Query until `opens_at` of them are under way, then lets all go, and
    records the most that were ever under way at once."""

    def __init__(self, opens_at: int) -> None:
        self.opens_at = opens_at
        self.open = False
        self.under_way = 0
        self.most = 0
        self.threads: set[int] = set()
        self._changed = threading.Condition()
        self._mine = threading.local()

    def before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name != "Query" or not _is_nested(params):
            return
        self._mine.held = True
        with self._changed:
            self.under_way += 1
            self.most = max(self.most, self.under_way)
            self.threads.add(threading.get_ident())
            if self.under_way >= self.opens_at:
                self.open = True
                self._changed.notify_all()
            self._changed.wait_for(lambda: self.open, timeout=GATE_PATIENCE_SECONDS)
            self.open = True  # a gate that timed out stays open: the test has failed already

    def after(self, **_: Any) -> None:
        if getattr(self._mine, "held", False):
            self._mine.held = False
            with self._changed:
                self.under_way -= 1


def _gated(query: str, variables: dict[str, Any], opens_at: int) -> tuple[Any, Gate]:
    gate = Gate(opens_at)
    _events().register("before-parameter-build.dynamodb", gate.before)
    _events().register("after-call.dynamodb", gate.after)
    try:
        return gql(query, variables, auth=AUTO), gate
    finally:
        _events().unregister("before-parameter-build.dynamodb", gate.before)
        _events().unregister("after-call.dynamodb", gate.after)


@pytest.mark.parametrize("first", [4, 12, 32])
def test_nested_events_and_obligations_are_one_query_per_vehicle_and_one_batch_get_a_level(
    fleet: Any, first: int
) -> None:
    # Given what a page of obligations with their vehicles costs by itself,
    _, bare = _counted(BARE, {"first": first})
    # When the automaker reads it with each vehicle's events and obligations,
    result, calls = _counted(NESTED, {"first": first})
    vehicles = _vins(result)
    assert vehicles
    edges = result["data"]["obligations"]["edges"]
    assert all(
        e["node"]["vehicle"]["events"] and e["node"]["vehicle"]["obligations"]
        for e in edges
        if e["node"]["vehicle"]
    )
    # Then each vehicle's history and obligations are one Query each, on top of the page, and
    # nothing else is read, however many vehicles the page holds.
    assert calls["nested Query"] == 2 * len(vehicles)
    assert calls["Query"] == bare["Query"] + 2 * len(vehicles)
    assert calls["BatchGetItem"] == bare["BatchGetItem"] == 1
    # And the response reports those calls.
    made = calls.total() - calls["nested Query"]
    assert result["extensions"]["cost"]["actual"] == made


@pytest.mark.parametrize("first", [4, 8, 32])
def test_a_levels_nested_queries_run_at_once_up_to_the_concurrency_cap(
    fleet: Any, first: int
) -> None:
    # Given a page whose vehicles need 2 Queries each (learned from the page itself),
    page = gql(BARE, {"first": first}, auth=AUTO)
    nested = 2 * len(_vins(page))
    expected = min(nested, QUERY_CONCURRENCY)
    # When it is read with every nested Query held until `expected` are under way,
    result, gate = _gated(NESTED, {"first": first}, opens_at=expected)
    # Then that many ran at once: a level's Queries all together when they fit the cap (one
    # round trip however many vehicles), else the cap's worth at a time, never more.
    assert "errors" not in result
    assert gate.most == expected
    assert len(gate.threads) >= expected
    assert _vins(result) == _vins(page)


def test_a_batterys_events_and_obligations_load_for_every_battery_of_the_page(
    fleet: Any,
) -> None:
    # When each vehicle's batteries are read with their events and obligations,
    query = """query ($first: Int!) { obligations(first: $first) { edges { node { vehicle {
        batteries { code events { kind } obligations { ruleId } } } } } } }"""
    result, calls = _counted(query, {"first": 10})
    batteries = [
        b
        for e in result["data"]["obligations"]["edges"]
        if e["node"]["vehicle"]
        for b in e["node"]["vehicle"]["batteries"]
    ]
    codes = {b["code"] for b in batteries}
    # Then each battery shows its history (registered, supplied, installed),
    assert batteries
    assert all(len(b["events"]) >= 3 for b in batteries)
    # for one Query per distinct battery and list, and one BatchGet per level.
    assert calls["nested Query"] == 2 * len(codes)
    assert calls["BatchGetItem"] == 2
