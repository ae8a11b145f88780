"""Custody as a property of every world (docs/DOMAIN.md 4.1): in a world built only through the use
cases, with several enterprises of each kind and batteries passing between them, a request
about a record by an enterprise that has had no part in it changes nothing stored and is
answered exactly as the same request about a key nothing is on record under (its messages read
with the key swapped). Records are batteries, vehicles, models, service points and obligations;
the requests are every use case that names one."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

from compliance.lifecycle import (
    FINAL_STATUSES,
    BatteryState,
    BatteryStatus,
    DisposalOrigin,
    EnterpriseFacts,
    EnterpriseKind,
    RemovalReason,
    VehicleState,
)
from compliance.network import PointType
from compliance.services import events
from compliance.services import obligations as obligation_use_cases
from compliance.services.events import NewBattery
from compliance.services.outcome import Recorded
from tests.unit.use_case_world import (
    ANNOUNCED,
    AUTOMAKERS,
    BATTERY_MAKERS,
    DISMANTLERS,
    EVERYONE,
    NOT_ONBOARDED,
    OTHER_REGION,
    PROVINCE,
    RECYCLERS,
    REGION,
    SUPPLIED,
    TODAY,
    Outcome,
    World,
    answered_as_absent,
    own_code,
)

FIRST_STEP = date(2026, 3, 3)  # the day after every battery's production date (2026-03-02)
BY_ID = {e.id: e for e in EVERYONE}
REGIONS = (REGION, "350103", OTHER_REGION)
STEPS = (
    "produce",
    "produce_unclaimed",
    "supply",
    "certify",
    "register",
    "install",
    "remove",
    "repair",
    "receive",
    "hand_over",
    "scrap",
    "dispose",
    "recode",
    "sell",
)


# --- building a world -----------------------------------------------------------------------


class Town:
    """A world with a model and a vehicle for each automaker (its battery from a maker each)
    and a service point for each automaker and battery maker, grown one random step at a
    time."""

    def __init__(self) -> None:
        self.world = World()
        self.models = {a.id: self.world.announce(a, ANNOUNCED) for a in AUTOMAKERS}
        self.points = {a.id: self.world.service_point(a, PointType.COLLECTION) for a in AUTOMAKERS}
        self.points |= {
            m.id: self.world.service_point(m, PointType.STORAGE) for m in BATTERY_MAKERS
        }
        for automaker, maker in zip(AUTOMAKERS, BATTERY_MAKERS, strict=True):
            codes = self.world.produce(maker)
            self.world.supply(codes, automaker, maker, SUPPLIED)
            self.world.certify(codes, automaker, self.models[automaker.id], SUPPLIED)
        self.accepted = 0

    def batteries(self, wanted: Callable[[BatteryState], bool]) -> list[BatteryState]:
        found = [state for state, _ in self.world.store.tables["battery"].values()]
        return sorted((b for b in found if wanted(b)), key=lambda b: b.code)

    def vehicles(self, wanted: Callable[[VehicleState], bool]) -> list[VehicleState]:
        found = [state for state, _ in self.world.store.tables["vehicle"].values()]
        return sorted((v for v in found if wanted(v)), key=lambda v: v.vin)

    def step(self, name: str, seed: int, on: date) -> None:
        """Try one step of kind `name`, its choices made by `seed`; a refusal changes nothing."""
        rng = random.Random(seed)
        outcome = getattr(self, f"_{name}")(rng, on)
        if isinstance(outcome, Recorded) and outcome.ok:
            self.accepted += 1

    def _produce(self, rng: random.Random, on: date) -> Recorded:
        maker = rng.choice(BATTERY_MAKERS)
        codes = [self.world.code(own_code(maker)) for _ in range(rng.randint(1, 3))]
        return events.register_batteries(
            self.world.store, self.world.request(maker), [NewBattery(c) for c in codes]
        )

    def _produce_unclaimed(self, rng: random.Random, on: date) -> Recorded:
        automaker = rng.choice(AUTOMAKERS)
        return events.register_batteries(
            self.world.store, self.world.request(automaker), [NewBattery(self.world.code("ZZ9"))]
        )

    def _supply(self, rng: random.Random, on: date) -> Recorded | None:
        held = self.batteries(
            lambda b: (
                b.status in (BatteryStatus.REGISTERED, BatteryStatus.IN_REPAIR)
                and b.manufacturer is not None
                and b.custodian == b.manufacturer
            )
        )
        if not held:
            return None
        battery = rng.choice(held)
        return events.supply_batteries(
            self.world.store,
            self.world.request(BY_ID[battery.manufacturer or ""]),
            [battery.code],
            rng.choice(AUTOMAKERS).id,
            on,
        )

    def _certify(self, rng: random.Random, on: date) -> Recorded | None:
        automaker = rng.choice(AUTOMAKERS)
        held = self.batteries(
            lambda b: (
                b.custodian == automaker.id
                and b.status in (BatteryStatus.SUPPLIED, BatteryStatus.REGISTERED)
            )
        )
        if not held:
            return None
        codes = [b.code for b in rng.sample(held, min(len(held), rng.randint(1, 2)))]
        return events.certify_vehicle(
            self.world.store,
            self.world.request(automaker),
            self.world.vin(),
            self.models[automaker.id],
            on,
            codes,
            imported=False,
        )

    def _register(self, rng: random.Random, on: date) -> Recorded | None:
        unsold = self.vehicles(lambda v: v.registered_on is None and v.scrapped_by is None)
        if not unsold:
            return None
        vehicle = rng.choice(unsold)
        return events.register_vehicle(
            self.world.store,
            self.world.request(BY_ID[vehicle.automaker]),
            vehicle.vin,
            on,
            rng.choice(REGIONS),
        )

    def _install(self, rng: random.Random, on: date) -> Recorded | None:
        spare = self.batteries(
            lambda b: (
                b.custodian in {a.id for a in AUTOMAKERS}
                and b.status
                in (BatteryStatus.SUPPLIED, BatteryStatus.REMOVED, BatteryStatus.REGISTERED)
            )
        )
        if not spare:
            return None
        battery = rng.choice(spare)
        own = self.vehicles(lambda v: v.automaker == battery.custodian and v.scrapped_by is None)
        if not own:
            return None
        return events.install_batteries(
            self.world.store,
            self.world.request(BY_ID[battery.custodian or ""]),
            rng.choice(own).vin,
            [battery.code],
            on,
        )

    def _remove(self, rng: random.Random, on: date) -> Recorded | None:
        installed = self.batteries(lambda b: b.status is BatteryStatus.INSTALLED)
        if not installed:
            return None
        battery = rng.choice(installed)
        holder = BY_ID[battery.custodian or ""]
        reason = (
            RemovalReason.SCRAPPING
            if EnterpriseKind.DISMANTLER in holder.kinds
            else rng.choice([RemovalReason.REPAIR, RemovalReason.REPLACEMENT])
        )
        return events.remove_batteries(
            self.world.store,
            self.world.request(holder),
            battery.vin or "",
            [battery.code],
            on,
            reason,
        )

    def _repair(self, rng: random.Random, on: date) -> Recorded | None:
        returnable = self.batteries(
            lambda b: (
                b.manufacturer is not None
                and b.status in (BatteryStatus.REMOVED, BatteryStatus.SUPPLIED)
                and b.custodian in (b.responsible, b.supplied_to)
            )
        )
        if not returnable:
            return None
        battery = rng.choice(returnable)
        return events.receive_repair_return(
            self.world.store,
            self.world.request(BY_ID[battery.manufacturer or ""]),
            battery.code,
            on,
        )

    def _movable(self) -> list[BatteryState]:
        return self.batteries(
            lambda b: (
                b.custodian is not None
                and b.status not in FINAL_STATUSES
                and b.status is not BatteryStatus.INSTALLED
            )
        )

    def _receive(self, rng: random.Random, on: date) -> Recorded | None:
        candidates = [
            b
            for b in self._movable()
            if b.custodian in self.points and b.status is not BatteryStatus.AT_SERVICE_POINT
        ]
        if not candidates:
            return None
        battery = rng.choice(candidates)
        holder = battery.custodian or ""
        return events.receive_at_service_point(
            self.world.store,
            self.world.request(BY_ID[holder]),
            self.points[holder],
            [battery.code],
            on,
        )

    def _hand_over(self, rng: random.Random, on: date) -> Recorded | None:
        candidates = self._movable()
        if not candidates:
            return None
        battery = rng.choice(candidates)
        holder = BY_ID[battery.custodian or ""]
        recipients = [e for e in (*RECYCLERS, *BATTERY_MAKERS, *AUTOMAKERS) if e != holder]
        return events.hand_over(
            self.world.store,
            self.world.request(holder),
            battery.service_point,
            [battery.code],
            on,
            rng.choice(recipients).id,
        )

    def _scrap(self, rng: random.Random, on: date) -> Recorded | None:
        # A dismantler takes in a sold vehicle; an unsold one is still its automaker's stock.
        in_use = self.vehicles(lambda v: v.registered_on is not None and v.scrapped_by is None)
        if not in_use:
            return None
        vehicle = rng.choice(in_use)
        inside = sorted(vehicle.battery_codes)
        came = rng.sample(inside, rng.randint(0, len(inside)))
        return events.scrap_vehicle(
            self.world.store, self.world.request(rng.choice(DISMANTLERS)), vehicle.vin, on, came
        )

    def _dispose(self, rng: random.Random, on: date) -> Recorded | None:
        candidates = [b for b in self._movable() if BY_ID[b.custodian or ""] not in DISMANTLERS]
        if not candidates:
            return None
        battery = rng.choice(candidates)
        holder = BY_ID[battery.custodian or ""]
        if holder in RECYCLERS:
            origin = None
        elif holder.id == battery.manufacturer:
            origin = rng.choice([DisposalOrigin.PRODUCTION, DisposalOrigin.RESEARCH])
        else:
            origin = DisposalOrigin.INSTALLATION
        return events.dispose_batteries(
            self.world.store, self.world.request(holder), [battery.code], on, origin
        )

    def _recode(self, rng: random.Random, on: date) -> Recorded | None:
        candidates = [b for b in self._movable() if BY_ID[b.custodian or ""] in RECYCLERS]
        if not candidates:
            return None
        battery = rng.choice(candidates)
        recycler = BY_ID[battery.custodian or ""]
        return events.recode_battery(
            self.world.store,
            self.world.request(recycler),
            battery.code,
            self.world.code(own_code(recycler), on),
            on,
        )

    def _sell(self, rng: random.Random, on: date) -> Recorded | None:
        stock = self.batteries(
            lambda b: (
                b.manufacturer is not None
                and b.custodian == b.manufacturer
                and b.status in (BatteryStatus.REGISTERED, BatteryStatus.IN_REPAIR)
            )
        )
        if not stock:
            return None
        battery = rng.choice(stock)
        return events.sell_directly(
            self.world.store,
            self.world.request(BY_ID[battery.manufacturer or ""]),
            battery.code,
            on,
            "Swap Station Co",
            rng.choice([PROVINCE, "440000"]),
        )


# --- who has had a part in a record ---------------------------------------------------------


def involved_in_battery(town: Town, code: str) -> set[str | None]:
    """Every enterprise with a part in a battery: its maker, holders, those answering for it,
    every enterprise in an event about it, and the automaker and dismantler of its vehicle."""
    battery = town.world.battery(code)
    found: set[str | None] = {
        battery.manufacturer,
        battery.responsible,
        battery.custodian,
        battery.supplied_to,
        battery.vehicle_automaker,
    }
    for on_record in town.world.store.events.values():
        event = on_record.record.event
        if code in (event.battery_code, event.new_code, *event.battery_codes):
            found |= {event.actor, event.counterparty}
    if battery.vin is not None:
        found |= involved_in_vehicle(town, battery.vin)
    return found


def involved_in_vehicle(town: Town, vin: str) -> set[str | None]:
    """Its automaker, every enterprise in an event about it, its dismantler; and while it is
    sold and no one has scrapped it, every dismantler (any may take it in: that is their
    licence). An unsold vehicle is its automaker's stock: a dismantler has no part in it."""
    vehicle = town.world.vehicle(vin)
    found: set[str | None] = {vehicle.automaker, vehicle.scrapped_by}
    for on_record in town.world.store.events.values():
        if on_record.record.event.vin == vin:
            found.add(on_record.record.event.actor)
    if vehicle.registered_on is not None and vehicle.scrapped_by is None:
        found |= {d.id for d in DISMANTLERS}
    return found


# --- requests about a record, by an enterprise with no part in it ----------------------------

Send = Callable[[str], Outcome]


def battery_requests(
    town: Town, stranger: EnterpriseFacts, on: date, data: st.DataObject
) -> dict[str, Send]:
    world, store = town.world, town.world.store
    request = world.request(stranger)
    vins = [*sorted(world.store.tables["vehicle"]), world.vin()]
    points = sorted(town.points.values())
    vin = data.draw(st.sampled_from(vins), label="vin")
    point = data.draw(st.sampled_from(points), label="point")
    recipient = data.draw(st.sampled_from([*EVERYONE, NOT_ONBOARDED]), label="recipient").id
    origin = data.draw(st.sampled_from([None, *DisposalOrigin]), label="origin")
    new_code = world.code(data.draw(st.sampled_from(["R7G", "R8G", "X12", "03U"])), on)
    model = town.models.get(stranger.id) or data.draw(st.sampled_from(sorted(town.models.values())))
    automaker = data.draw(st.sampled_from(AUTOMAKERS), label="automaker").id
    new_vin = world.vin()
    return {
        "supply": lambda c: events.supply_batteries(store, request, [c], automaker, on),
        "install": lambda c: events.install_batteries(store, request, vin, [c], on),
        "remove": lambda c: events.remove_batteries(
            store, request, vin, [c], on, RemovalReason.REPAIR
        ),
        "sell": lambda c: events.sell_directly(store, request, c, on, "Lease Co", PROVINCE),
        "repair": lambda c: events.receive_repair_return(store, request, c, on),
        "dispose": lambda c: events.dispose_batteries(store, request, [c], on, origin),
        "receive": lambda c: events.receive_at_service_point(store, request, point, [c], on),
        "hand_over": lambda c: events.hand_over(store, request, None, [c], on, recipient),
        "hand_out": lambda c: events.hand_over(store, request, point, [c], on, recipient),
        "recode": lambda c: events.recode_battery(store, request, c, new_code, on),
        "certify": lambda c: events.certify_vehicle(
            store, request, new_vin, model, on, [c], imported=False
        ),
    }


def vehicle_requests(
    town: Town, stranger: EnterpriseFacts, on: date, data: st.DataObject
) -> dict[str, Send]:
    world, store = town.world, town.world.store
    request = world.request(stranger)
    code = data.draw(st.sampled_from([*sorted(store.tables["battery"]), world.code()]))
    region = data.draw(st.sampled_from(REGIONS), label="region")
    return {
        "register": lambda v: events.register_vehicle(store, request, v, on, region),
        "install": lambda v: events.install_batteries(store, request, v, [code], on),
        "remove": lambda v: events.remove_batteries(
            store, request, v, [code], on, RemovalReason.RETIREMENT
        ),
        "scrap": lambda v: events.scrap_vehicle(store, request, v, on, [code]),
    }


def model_requests(
    town: Town, stranger: EnterpriseFacts, on: date, data: st.DataObject
) -> dict[str, Send]:
    world, store = town.world, town.world.store
    code = data.draw(st.sampled_from([*sorted(store.tables["battery"]), world.code()]))
    new_vin = world.vin()
    return {
        "certify": lambda m: events.certify_vehicle(
            store, world.request(stranger), new_vin, m, on, [code], imported=False
        ),
        "certify_imported": lambda m: events.certify_vehicle(
            store, world.request(stranger), new_vin, m, on, [code], imported=True
        ),
    }


def point_requests(
    town: Town, stranger: EnterpriseFacts, on: date, data: st.DataObject
) -> dict[str, Send]:
    world, store = town.world, town.world.store
    request = world.request(stranger)
    code = data.draw(st.sampled_from([*sorted(store.tables["battery"]), world.code()]))
    recipient = data.draw(st.sampled_from(EVERYONE)).id
    return {
        "receive": lambda p: events.receive_at_service_point(store, request, p, [code], on),
        "hand_out": lambda p: events.hand_over(store, request, p, [code], on, recipient),
    }


def obligation_requests(
    town: Town, stranger: EnterpriseFacts, on: date, data: st.DataObject
) -> dict[str, Send]:
    store, request = town.world.store, town.world.request(stranger)
    return {
        "fulfil": lambda o: obligation_use_cases.fulfil(store, request, o, on, "RCPT-9"),
        "waive": lambda o: obligation_use_cases.waive(
            store, request, o, "It does not apply to this one."
        ),
    }


KINDS = ("battery", "vehicle", "model", "point", "obligation")


@pytest.mark.parametrize("kind", KINDS)
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(STEPS), st.integers(0, 2**32)), min_size=20, max_size=60
    ),
    data=st.data(),
)
def test_a_request_about_a_record_by_an_enterprise_with_no_part_in_it_reads_as_absent(
    kind: str, plan: list[tuple[str, int]], data: st.DataObject
) -> None:
    # Given a world grown by random steps, each on its own day
    town = Town()
    for day, (step, seed) in enumerate(plan):
        town.step(step, seed, FIRST_STEP + timedelta(days=day))
    world = town.world
    note(f"{town.accepted} of {len(plan)} steps accepted")
    event("steps accepted", town.accepted // 10 * 10)

    # And a record of it of the kind, an enterprise with no part in it, and a never-used key of
    # that kind
    tables = world.store.tables
    kinds = {
        "battery": (sorted(tables["battery"]), world.code),
        "vehicle": (sorted(tables["vehicle"]), world.vin),
        "model": (sorted(tables["model"]), world.model_code),
        "point": (sorted(tables["point"]), world.point_id),
        "obligation": (sorted(tables["obligation"]), lambda: "ob_" + "0" * 24),
    }
    keys, ghost_key = kinds[kind]
    key = data.draw(st.sampled_from(keys), label="record")
    if kind == "battery":
        involved = involved_in_battery(town, key)
    elif kind == "vehicle":
        involved = involved_in_vehicle(town, key)
    elif kind == "model":
        involved = {world.model(key).owner}
    elif kind == "point":
        involved = {world.point(key).operator}
    else:
        involved = {world.obligation(key).obligation.responsible_enterprise}
    strangers = [e for e in EVERYONE if e.id not in involved]
    assume(strangers)
    stranger = data.draw(st.sampled_from(strangers), label="stranger")
    on = data.draw(
        st.dates(min_value=date(2026, 1, 1), max_value=TODAY + timedelta(days=3)), label="on"
    )
    requests = {
        "battery": battery_requests,
        "vehicle": vehicle_requests,
        "model": model_requests,
        "point": point_requests,
        "obligation": obligation_requests,
    }[kind](town, stranger, on, data)
    ghost = ghost_key()

    for use_case, send in sorted(requests.items()):
        note(f"use case: {use_case}")
        # When the stranger sends each request about the record, and about the ghost key
        # Then nothing is stored, and the answers are the same but for the key
        answered_as_absent(world, send, [key], [ghost])
