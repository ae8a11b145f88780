"""Packs, modules and cells through the use cases: a part names its pack or module when it is
registered, and its parent is not written for it, however many parts it has. The rules about
parents stay: a parent is on record and in its maker's own stock, not disposed of or re-coded,
and of a higher level; and a part is written only if its parent is still as the checks read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from compliance.errors import ConflictError
from compliance.lifecycle import BatteryStatus, DisposalOrigin, EnterpriseFacts
from compliance.services import events
from compliance.services.events import NewBattery
from compliance.services.outcome import Recorded
from compliance.services.store import Unit
from tests.builders import AUTOMAKER, BATTERY_MAKER, OTHER_BATTERY_MAKER
from tests.memory_store import MemoryStore
from tests.unit.use_case_world import (
    ON,
    SUPPLIED,
    World,
    accepted,
    answered_as_absent,
    described,
    part_of,
)


def register_parts(
    world: World, pack: str, parts: Sequence[str], maker: EnterpriseFacts = BATTERY_MAKER
) -> Recorded:
    request = world.request(maker)
    return events.register_batteries(world.store, request, [NewBattery(p, pack) for p in parts])


def cells(world: World, n: int) -> list[str]:
    return [part_of(world.code()) for _ in range(n)]


class TestParentsAreNotWritten:
    def test_registering_99_cells_into_a_pack_leaves_the_pack_as_it_was(self) -> None:
        # Given a pack its maker registered
        world = World()
        [pack] = world.produce(BATTERY_MAKER)
        before = world.store.tables["battery"][pack]

        # When the maker registers 99 cells into it, in one request
        parts = cells(world, 99)
        accepted(register_parts(world, pack, parts))

        # Then the pack is stored as it was, at the same version, and each cell names it
        assert world.store.tables["battery"][pack] == before
        assert {world.battery(c).parent_code for c in parts} == {pack}

    def test_a_pack_and_its_cells_in_one_request_write_the_pack_once(self) -> None:
        # When a maker registers a pack and, after it in the same request, two of its cells
        world = World()
        pack = world.code()
        parts = cells(world, 2)
        accepted(
            events.register_batteries(
                world.store,
                world.request(BATTERY_MAKER),
                [NewBattery(pack), *(NewBattery(c, pack) for c in parts)],
            )
        )

        # Then the pack is stored once (version 1), and the cells name it
        assert world.store.tables["battery"][pack][1] == 1
        assert [world.battery(c).parent_code for c in parts] == [pack, pack]

    def test_a_packs_parts_are_found_by_their_parent_in_code_order(self) -> None:
        # Given a pack with three modules, registered out of code order, and a module with a cell
        world = World()
        [pack] = world.produce(BATTERY_MAKER)
        modules = [part_of(world.code(), "M") for _ in range(3)]
        accepted(register_parts(world, pack, list(reversed(modules))))
        [cell] = cells(world, 1)
        accepted(register_parts(world, modules[0], [cell]))

        # Then the store lists the pack's modules in code order, the module's cell, and nothing
        # for the cell; a limit keeps the first ones
        store = world.store
        assert [b.code for b in store.children(pack, 1000)] == sorted(modules)
        assert [b.code for b in store.children(modules[0], 1000)] == [cell]
        assert store.children(cell, 1000) == []
        assert [b.code for b in store.children(pack, 2)] == sorted(modules)[:2]

    def test_a_retried_registration_of_parts_answers_only_with_the_parts(self) -> None:
        # Given a pack, When its maker registers a cell into it, and sends the request again
        world = World()
        [pack] = world.produce(BATTERY_MAKER)
        [cell] = cells(world, 1)
        first = accepted(register_parts(world, pack, [cell]))
        again = accepted(register_parts(world, pack, [cell]))

        # Then both answers hold the cell and not the pack, which the request did not change
        assert set(first.batteries) == set(again.batteries) == {cell}


class TestPackCustody:
    def test_supplying_a_pack_moves_the_pack_alone(self) -> None:
        # Given a pack with two cells, When its maker supplies the pack to an automaker
        world = World()
        [pack] = world.produce(BATTERY_MAKER)
        parts = cells(world, 2)
        accepted(register_parts(world, pack, parts))
        stored_cells = {c: world.store.tables["battery"][c] for c in parts}
        world.supply([pack], AUTOMAKER, BATTERY_MAKER, SUPPLIED)

        # Then the automaker holds the pack; the cells are recorded on their own: still in the
        # maker's stock, unchanged, and still naming the pack
        assert world.battery(pack).custodian == AUTOMAKER.id
        assert {c: world.store.tables["battery"][c] for c in parts} == stored_cells
        assert {world.battery(c).custodian for c in parts} == {BATTERY_MAKER.id}


class TestParentRules:
    def test_a_part_of_another_makers_pack_is_answered_as_for_a_pack_not_on_record(
        self,
    ) -> None:
        # Given a pack of one maker, and a code no pack is on record under
        world = World()
        [pack] = world.produce(BATTERY_MAKER)
        ghost = world.code()
        [cell] = cells(world, 1)
        cell = "03U" + cell[3:]  # another maker's own cell

        # When another maker registers its cell into either, Then both are refused alike,
        # as a parent not in its stock, and nothing is stored
        answer = answered_as_absent(
            world,
            lambda parent: register_parts(world, parent, [cell], OTHER_BATTERY_MAKER),
            [pack],
            [ghost],
        )
        assert [(code, field) for code, field, *_ in answer] == [("UNKNOWN_PARENT", "parent_code")]

    def test_a_part_of_a_pack_its_maker_supplied_away_is_answered_as_for_no_pack(self) -> None:
        # Given a pack its maker supplied to an automaker, and a code no pack is on record under
        world = World()
        [pack] = world.supplied(AUTOMAKER)
        ghost = world.code()
        [cell] = cells(world, 1)

        # When the maker registers a cell into either, Then both are refused alike
        answer = answered_as_absent(
            world, lambda parent: register_parts(world, parent, [cell]), [pack], [ghost]
        )
        assert [a[0] for a in answer] == ["UNKNOWN_PARENT"]

    def test_nothing_is_registered_into_a_disposed_pack(self) -> None:
        # Given a pack its maker disposed of
        world = World()
        [pack] = world.produce(BATTERY_MAKER)
        accepted(
            events.dispose_batteries(
                world.store,
                world.request(BATTERY_MAKER),
                [pack],
                date(2026, 3, 3),
                DisposalOrigin.PRODUCTION,
            )
        )
        before = world.store.snapshot()

        # When the maker registers a cell into it, Then it is refused and nothing is stored
        recorded = register_parts(world, pack, cells(world, 1))
        assert [(a[0], a[1]) for a in described(recorded)] == [("PARENT_FINAL", "parent_code")]
        assert world.store.snapshot() == before


class _PackChangesMeanwhile(MemoryStore):
    """A store on which the maker supplies `pack` away between the next request's reads and
    its writes: what a concurrent request does."""

    world: World
    pack = ""

    def commit(self, units: Sequence[Unit], *, pack: bool = False) -> None:
        if self.pack:
            moved, self.pack = self.pack, ""
            self.world.supply([moved], AUTOMAKER, BATTERY_MAKER, ON)
        super().commit(units, pack=pack)


def test_a_part_is_not_written_when_its_pack_changed_after_it_was_read() -> None:
    # Given a pack its maker holds, on a store where the maker supplies it away while a request
    # registering two cells into it is between its reads and its writes
    store = _PackChangesMeanwhile()
    world = store.world = World(store=store)
    [pack] = world.produce(BATTERY_MAKER)
    parts = cells(world, 2)
    store.pack = pack

    # When the request is written, Then nothing of it is: the pack is not as its checks read it
    with pytest.raises(ConflictError):
        register_parts(world, pack, parts)
    assert not set(parts) & set(store.tables["battery"])
    assert world.battery(pack).status is BatteryStatus.SUPPLIED

    # And sent again, it is refused: the pack is no longer in the maker's stock
    assert [a[0] for a in described(register_parts(world, pack, parts))] == [
        "UNKNOWN_PARENT",
        "UNKNOWN_PARENT",
    ]
