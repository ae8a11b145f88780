"""Packs and their parts on DynamoDB (moto, with DynamoDB's request rules enforced): a part names
its pack or module, the parent item is never written for it, and `Battery.children` reads the
sparse `by_parent` index, a level of batteries in one round of concurrent Queries.

Transactions are counted with a botocore before-call hook, as tests/integration/
test_call_counts.py counts calls: each carries at most 100 actions, and a part's checks rely on
its parent being as read, so each transaction checks the parent once (a ConditionCheck, not a
write)."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest

from compliance.codes import production_date_code
from compliance.errors import ConflictError
from compliance.rule_timeline import single
from compliance.rules import load_rule_set
from compliance.services import events
from compliance.services.events import NewBattery
from compliance.services.outcome import Request
from compliance.services.store import Unit
from compliance.store.dynamo import DynamoStore
from compliance.store.models import BatteryItem
from graph import loaders
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql, onboard, onboard_battery_maker, supply, table_snapshot
from tests.builders import (
    AUTOMAKER_ID,
    BATTERY_MAKER,
    BATTERY_MAKER_ID,
    OTHER_AUTOMAKER_ID,
    OTHER_BATTERY_MAKER_ID,
    TODAY,
)

MAKER = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)
OTHER_MAKER = bearer_header("ENTERPRISE_ADMIN", OTHER_BATTERY_MAKER_ID)
AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
STRANGER = bearer_header("ENTERPRISE_ADMIN", OTHER_AUTOMAKER_ID)
REGULATOR = bearer_header("REGULATOR")
REGISTER = """mutation ($input: RegisterBatteriesInput!) { registerBatteries(input: $input) {
    registered { code } userErrors { field code message } } }"""
WITH_PARTS = """query ($code: String!) { battery(code: $code) {
    code status children { code parent { code } } } }"""
CELLS = 99
# A gate that is never opened lets its Queries go after this long: only a failing test waits.
GATE_PATIENCE_SECONDS = 30


def code(serial: int, level: str = "P", maker: str = "X12") -> str:
    return f"{maker}{level}B010000001{production_date_code(date(2026, 3, 2))}{serial:07d}"


def register(batteries: list[dict[str, str]], auth: str = MAKER) -> Any:
    return gql(REGISTER, {"input": {"batteries": batteries}}, auth=auth)["data"][
        "registerBatteries"
    ]


def registered(batteries: list[dict[str, str]]) -> None:
    assert register(batteries)["userErrors"] == []


def parts_of(pack: str, serials: range, level: str = "C") -> list[dict[str, str]]:
    return [{"code": code(n, level), "parentCode": pack} for n in serials]


def stored(client: Any, battery_code: str) -> Any:
    """The battery's item as DynamoDB holds it."""
    key = {"code": {"S": battery_code}}
    return client.get_item(TableName=BatteryItem.Meta.table_name, Key=key, ConsistentRead=True)[
        "Item"
    ]


def _events() -> Any:
    return BatteryItem._get_connection().connection.client.meta.events


@contextmanager
def transactions() -> Iterator[list[list[tuple[str, Any]]]]:
    """Every TransactWriteItems call made meanwhile, as its list of (action, request)."""
    sent: list[list[tuple[str, Any]]] = []

    def hook(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems":
            body = json.loads(params["body"])
            sent.append([next(iter(item.items())) for item in body["TransactItems"]])

    _events().register("before-call.dynamodb", hook)
    try:
        yield sent
    finally:
        _events().unregister("before-call.dynamodb", hook)


def keys_put(sent: list[list[tuple[str, Any]]]) -> list[str]:
    """The battery codes the transactions put, once per Put."""
    return [
        request["Item"]["code"]["S"]
        for transaction in sent
        for action, request in transaction
        if action == "Put" and request["TableName"] == BatteryItem.Meta.table_name
    ]


@pytest.fixture
def makers() -> Iterator[Any]:
    """Given two battery makers (codes X12 and 03U) and two automakers onboarded."""
    with local_aws() as client:
        onboard_battery_maker(BATTERY_MAKER_ID, "X12")
        onboard_battery_maker(OTHER_BATTERY_MAKER_ID, "03U")
        onboard(AUTOMAKER_ID, "Motors", ["AUTOMAKER"])
        onboard(OTHER_AUTOMAKER_ID, "Other Motors", ["AUTOMAKER"])
        yield client


class TestWrites:
    def test_registering_99_cells_into_a_pack_leaves_the_pack_item_as_it_was(
        self, makers: Any
    ) -> None:
        # Given a pack its maker registered
        pack = code(1)
        registered([{"code": pack}])
        before = stored(makers, pack)

        # When the maker registers 99 cells into it in one request
        with transactions() as sent:
            registered(parts_of(pack, range(1, CELLS + 1)))

        # Then the pack's item is byte for byte as it was (version 1), and no Put wrote it
        assert stored(makers, pack) == before
        assert before["version"] == {"N": "1"}
        assert pack not in keys_put(sent)
        # And what was written is each cell and its registration event, in as few transactions
        # as DynamoDB's 100 actions allow; each checks the pack once, without writing it
        actions = [action for transaction in sent for action in transaction]
        assert sorted(keys_put(sent)) == sorted(code(n, "C") for n in range(1, CELLS + 1))
        assert sum(1 for name, _ in actions if name == "Put") == 2 * CELLS
        checks = [r["Key"]["code"]["S"] for t in sent for name, r in t if name == "ConditionCheck"]
        assert checks == [pack] * len(sent)
        assert len(sent) <= math.ceil(len(actions) / 100)
        assert all(len(transaction) <= 100 for transaction in sent)

    def test_a_pack_and_its_99_cells_in_one_request_write_the_pack_once(self, makers: Any) -> None:
        # When a maker registers a pack and its 99 cells in one request
        pack = code(1)
        with transactions() as sent:
            registered([{"code": pack}, *parts_of(pack, range(1, CELLS + 1))])

        # Then the pack is put once, and stays at version 1
        assert keys_put(sent).count(pack) == 1
        assert stored(makers, pack)["version"] == {"N": "1"}
        # And the 200 items (the pack, the cells and their events) take as few transactions
        # as the 100-action limit allows: the first, which writes the pack, needs no check of it
        actions = sum(len(transaction) for transaction in sent)
        assert len(sent) <= math.ceil(actions / 100)
        assert [name for name, _ in sent[0]].count("ConditionCheck") == 0

    def test_a_part_is_not_written_when_its_pack_changed_after_it_was_read(
        self, makers: Any
    ) -> None:
        # Given a pack its maker holds, and a request registering two cells into it whose
        # reads are done
        pack = code(1)
        registered([{"code": pack}])
        racing = _PackSuppliedMeanwhile(pack)
        request = Request(
            BATTERY_MAKER,
            "user",
            datetime(2026, 11, 26, 2, tzinfo=UTC),
            TODAY,
            single(load_rule_set()),
        )
        parts = [NewBattery(code(n, "C"), pack) for n in (1, 2)]

        # When the maker supplies the pack away before the request writes
        # Then nothing of the request is written
        with pytest.raises(ConflictError):
            events.register_batteries(racing, request, parts)
        assert stored(makers, pack)["status"] == {"S": "SUPPLIED"}
        found = DynamoStore().batteries([p.code for p in parts])
        assert found == {}

    def test_a_pack_stored_with_the_codes_of_its_parts_loads_and_sheds_them_when_next_written(
        self, makers: Any
    ) -> None:
        # Given a pack with a cell, stored as packs were when they listed their parts
        pack, cell = code(1), code(1, "C")
        registered([{"code": pack}, {"code": cell, "parentCode": pack}])
        item = stored(makers, pack)
        makers.put_item(
            TableName=BatteryItem.Meta.table_name, Item={**item, "child_codes": {"SS": [cell]}}
        )

        # When it is read, Then it loads, and lists its cell from the index
        result = gql(WITH_PARTS, {"code": pack}, auth=MAKER)["data"]["battery"]
        assert [c["code"] for c in result["children"]] == [cell]

        # And once it is written again (supplied), its item no longer carries the list
        supply([pack], BATTERY_MAKER_ID, AUTOMAKER_ID, "2026-03-05")
        assert "child_codes" not in stored(makers, pack)


class _PackSuppliedMeanwhile(DynamoStore):
    """DynamoDB, on which the maker supplies `pack` to the automaker between the next request's
    reads and its writes: what a concurrent request does."""

    def __init__(self, pack: str) -> None:
        self.pack = pack

    def commit(self, units: Sequence[Unit], *, pack: bool = False) -> None:
        if self.pack:
            supply([self.pack], BATTERY_MAKER_ID, AUTOMAKER_ID, "2026-03-05")
            self.pack = ""
        super().commit(units, pack=pack)


class TestRules:
    def test_a_cell_registered_under_another_makers_pack_is_refused_as_under_no_pack(
        self, makers: Any
    ) -> None:
        # Given a pack of one maker
        pack, ghost = code(1), code(2)
        registered([{"code": pack}])
        before = table_snapshot(makers)

        # When another maker registers its own cell into it, and into a pack not on record
        cell = code(1, "C", maker="03U")
        into_pack = register([{"code": cell, "parentCode": pack}], auth=OTHER_MAKER)
        into_ghost = register([{"code": cell, "parentCode": ghost}], auth=OTHER_MAKER)

        # Then both are refused alike, at the parent code, and nothing is stored
        [error] = into_pack["userErrors"]
        assert (error["code"], error["field"]) == (
            "UNKNOWN_PARENT",
            ["input", "batteries", "0", "parentCode"],
        )
        assert into_pack["userErrors"] == [
            {**e, "message": e["message"].replace(ghost, pack)} for e in into_ghost["userErrors"]
        ]
        assert into_pack["registered"] == into_ghost["registered"] == []
        assert table_snapshot(makers) == before


class TestChildren:
    def test_a_packs_parts_are_listed_in_code_order(self, makers: Any) -> None:
        # Given a pack whose modules were registered out of code order, each naming the pack
        pack = code(1)
        registered([{"code": pack}, *reversed(parts_of(pack, range(1, 6), "M"))])

        # When its maker reads the pack's children
        result = gql(WITH_PARTS, {"code": pack}, auth=MAKER)["data"]["battery"]

        # Then they are its modules, in code order, each naming the pack as its parent
        assert [c["code"] for c in result["children"]] == [code(n, "M") for n in range(1, 6)]
        assert {c["parent"]["code"] for c in result["children"]} == {pack}

    def test_a_pack_lists_at_most_the_documented_number_of_parts_the_first_in_code_order(
        self, makers: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a pack with four cells, and a maximum of three parts listed
        pack = code(1)
        registered([{"code": pack}, *reversed(parts_of(pack, range(1, 5)))])
        monkeypatch.setattr(loaders, "MAX_CHILDREN", 3)

        # When its maker reads its children, Then the first three in code order are listed
        result = gql(WITH_PARTS, {"code": pack}, auth=MAKER)["data"]["battery"]
        assert [c["code"] for c in result["children"]] == [code(n, "C") for n in (1, 2, 3)]

    def test_an_enterprise_with_no_part_in_a_pack_sees_what_it_sees_of_no_pack(
        self, makers: Any
    ) -> None:
        # Given a pack with cells, and a code no battery is on record under
        pack, ghost = code(1), code(2)
        registered([{"code": pack}, *parts_of(pack, range(1, 4))])

        # When an automaker with no part in the pack asks for it with its children, and for
        # the ghost
        seen = gql(WITH_PARTS, {"code": pack}, auth=STRANGER)
        nothing = gql(WITH_PARTS, {"code": ghost}, auth=STRANGER)

        # Then both answers are the same, and a regulator sees the pack with its cells
        assert seen["data"] == nothing["data"] == {"battery": None}
        assert seen.get("errors") == nothing.get("errors")
        overseen = gql(WITH_PARTS, {"code": pack}, auth=REGULATOR)["data"]["battery"]
        assert [c["code"] for c in overseen["children"]] == [code(n, "C") for n in range(1, 4)]

    def test_a_supplied_pack_lists_only_the_parts_its_new_holder_may_see(self, makers: Any) -> None:
        # Given a pack with cells, the pack supplied to an automaker (the cells stay in the
        # maker's stock: custody of a pack does not move its cells)
        pack = code(1)
        registered([{"code": pack}, *parts_of(pack, range(1, 3))])
        supply([pack], BATTERY_MAKER_ID, AUTOMAKER_ID, "2026-03-05")

        # When the automaker and the maker read the pack's children
        held = gql(WITH_PARTS, {"code": pack}, auth=AUTO)["data"]["battery"]
        made = gql(WITH_PARTS, {"code": pack}, auth=MAKER)["data"]["battery"]

        # Then the automaker sees the pack but none of the maker's cells; the maker sees both
        assert (held["status"], held["children"]) == ("SUPPLIED", [])
        assert [c["code"] for c in made["children"]] == [code(1, "C"), code(2, "C")]

    def test_the_children_of_a_level_of_packs_are_one_round_of_concurrent_queries(
        self, makers: Any
    ) -> None:
        # Given four packs with two cells each
        packs = [code(n) for n in range(1, 5)]
        for i, pack in enumerate(packs):
            registered([{"code": pack}, *parts_of(pack, range(10 * i + 1, 10 * i + 3))])
        query = "{ " + " ".join(
            f'p{i}: battery(code: "{pack}") {{ children {{ code }} }}'
            for i, pack in enumerate(packs)
        )
        query += " }"

        # When the maker reads the four packs with their children, every Query of the index
        # held until all four are under way
        gate = _Gate(opens_at=len(packs))
        _events().register("before-parameter-build.dynamodb", gate.before)
        _events().register("after-call.dynamodb", gate.after)
        try:
            result = gql(query, auth=MAKER)
        finally:
            _events().unregister("before-parameter-build.dynamodb", gate.before)
            _events().unregister("after-call.dynamodb", gate.after)

        # Then each pack's children were one Query, all four at once, and each pack lists its
        # own cells
        assert "errors" not in result
        assert (gate.queries, gate.most) == (len(packs), len(packs))
        for i in range(len(packs)):
            listed = [c["code"] for c in result["data"][f"p{i}"]["children"]]
            assert listed == [code(10 * i + 1, "C"), code(10 * i + 2, "C")]


class _Gate:
    """Holds each Query of the `by_parent` index until `opens_at` of them are under way, and
    records how many there were and the most under way at once."""

    def __init__(self, opens_at: int) -> None:
        self.opens_at = opens_at
        self.queries = 0
        self.under_way = 0
        self.most = 0
        self._changed = threading.Condition()
        self._mine = threading.local()

    def before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name != "Query" or params.get("IndexName") != "by_parent":
            return
        self._mine.held = True
        with self._changed:
            self.queries += 1
            self.under_way += 1
            self.most = max(self.most, self.under_way)
            self._changed.notify_all()
            self._changed.wait_for(
                lambda: self.most >= self.opens_at, timeout=GATE_PATIENCE_SECONDS
            )

    def after(self, **_: Any) -> None:
        if getattr(self._mine, "held", False):
            self._mine.held = False
            with self._changed:
                self.under_way -= 1
