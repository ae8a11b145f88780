"""What a use case costs is bounded by what it is asked, never by what is on record: it reads
each table a fixed number of times (`MemoryStore.reads` counts the reads of each table), the
same whether the store holds ten other batteries or a thousand, and the same for a batch of
one as for a batch of a thousand."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from compliance.lifecycle import DisposalOrigin
from compliance.network import PointType
from compliance.services import events
from compliance.services.events import MAX_BATCH, MAX_VEHICLE_BATTERIES, NewBattery
from tests.builders import AUTOMAKER, BATTERY_MAKER, OTHER_BATTERY_MAKER
from tests.unit.use_case_world import (
    ON,
    RECYCLER,
    SCENARIOS,
    Scenario,
    World,
    described,
)


@pytest.fixture(scope="module")
def crowd() -> dict[str, dict[str, tuple[Any, int]]]:
    """A thousand batteries of another maker, registered through the use case (half of them
    supplied to the automaker), with their obligations: rows to put into any world's store."""
    world = World()
    codes = world.produce(OTHER_BATTERY_MAKER, n=MAX_BATCH)
    world.supply(codes[::2], AUTOMAKER, OTHER_BATTERY_MAKER)
    tables = world.store.tables
    return {name: dict(tables[name]) for name in ("battery", "obligation")}


def crowded(world: World, crowd: dict[str, dict[str, tuple[Any, int]]], n: int) -> None:
    """Put the first `n` batteries of the crowd (and the obligations) into `world`."""
    rows = list(crowd["battery"].items())[:n]
    assert not set(world.store.tables["battery"]) & {code for code, _ in rows}
    world.store.tables["battery"].update(rows)
    world.store.tables["obligation"].update(crowd["obligation"])


def reads_of(world: World, scenario: Scenario, crowd_rows: Any, others: int) -> Counter[str]:
    actor, send = scenario(world)
    crowded(world, crowd_rows, others)
    world.store.reads.clear()
    outcome = send(world.request(actor))
    assert described(outcome) == []
    return Counter(world.store.reads)


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_a_use_case_reads_as_often_with_ten_or_a_thousand_other_batteries_on_record(
    scenario: Scenario, crowd: dict[str, dict[str, tuple[Any, int]]]
) -> None:
    # Given two worlds telling the same story, one with 10 other batteries on record and one
    # with 1,000
    # When the same request is sent in each
    few = reads_of(World(), scenario, crowd, 10)
    many = reads_of(World(), scenario, crowd, 1000)

    # Then each table is read as often in both, and no table more than twice
    assert few == many
    assert few, "the use case read nothing"
    assert max(few.values()) <= 2, few


def test_supplying_a_thousand_batteries_reads_as_often_as_supplying_one() -> None:
    # Given a maker with one battery in stock, and another with a thousand
    one, thousand = World(), World()
    [single] = one.produce(BATTERY_MAKER)
    batch = thousand.produce(BATTERY_MAKER, n=MAX_BATCH)
    one.store.reads.clear()
    thousand.store.reads.clear()

    # When each supplies all it has to the automaker
    events.supply_batteries(one.store, one.request(BATTERY_MAKER), [single], AUTOMAKER.id, ON)
    events.supply_batteries(
        thousand.store, thousand.request(BATTERY_MAKER), batch, AUTOMAKER.id, ON
    )

    # Then both read each table as often, and every battery was supplied
    assert one.store.reads == thousand.store.reads
    assert {thousand.battery(c).custodian for c in batch} == {AUTOMAKER.id}


def test_registering_and_disposing_of_a_thousand_batteries_reads_as_often_as_one() -> None:
    # Given two makers' worlds
    one, thousand = World(), World()
    single = [one.code()]
    batch = [thousand.code() for _ in range(MAX_BATCH)]

    # When one registers and disposes of one battery, the other of a thousand
    reads = []
    for world, codes in ((one, single), (thousand, batch)):
        world.store.reads.clear()
        events.register_batteries(
            world.store, world.request(BATTERY_MAKER), [NewBattery(c) for c in codes]
        )
        events.dispose_batteries(
            world.store, world.request(BATTERY_MAKER), codes, ON, DisposalOrigin.PRODUCTION
        )
        reads.append(Counter(world.store.reads))

    # Then both read each table as often, and a thousand retirement uploads are owed
    assert reads[0] == reads[1]
    assert len(thousand.obligations()) == MAX_BATCH


def test_certifying_a_vehicle_with_the_most_batteries_reads_as_often_as_with_one() -> None:
    # Given an automaker with one battery, and one with as many as a vehicle may list
    one, full = World(), World()
    one_model, full_model = one.announce(AUTOMAKER), full.announce(AUTOMAKER)
    single = one.supplied(AUTOMAKER)
    most = full.supplied(AUTOMAKER, n=MAX_VEHICLE_BATTERIES)

    # When each certifies a vehicle with its batteries, takes them out, receives them at its
    # collection point and hands them out to a recycler
    reads = []
    for world, model, codes in ((one, one_model, single), (full, full_model, most)):
        world.store.reads.clear()
        vin = world.vin()
        events.certify_vehicle(
            world.store, world.request(AUTOMAKER), vin, model, ON, codes, imported=False
        )
        world.remove(vin, codes, AUTOMAKER, ON)
        point = world.service_point(AUTOMAKER, PointType.COLLECTION)
        world.receive_at(point, codes, AUTOMAKER, ON)
        world.hand_over(codes, AUTOMAKER, RECYCLER, point, ON)
        reads.append(Counter(world.store.reads))

    # Then both read each table as often
    assert reads[0] == reads[1]
    assert {full.battery(c).custodian for c in most} == {RECYCLER.id}
