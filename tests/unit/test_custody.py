"""Custody (docs/DOMAIN.md 4.1): who holds a battery after each event, who may record what about a
battery, vehicle or model, what of the record an event's reporter gets to see
(`as_seen_by`), and who may see what.

The whole-life stories check every event with `check_event` and fold it as the recording
service does, so they prove that the custody they show is reachable by accepted events.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
from msgspec.structs import replace

from compliance.custody import (
    as_seen_by,
    custodian_after,
    may_record_about_battery,
    may_record_about_vehicle,
    may_use_model,
    may_use_parent,
    sees_battery,
    sees_model,
    sees_vehicle,
)
from compliance.event_checks import check_event
from compliance.history import (
    apply_battery,
    apply_model,
    apply_vehicle,
    maker_of,
    produced_battery,
    second_life_battery,
    with_battery,
)
from compliance.lifecycle import (
    BATTERY_EVENTS,
    CERTIFICATION_EVENTS,
    MODEL_EVENTS,
    BatteryState,
    BatteryStatus,
    DisposalOrigin,
    EnterpriseFacts,
    EnterpriseKind,
    EventContext,
    EventKind,
    LifecycleEvent,
    ModelState,
    RemovalReason,
    VehicleState,
)
from compliance.network import PointType, ServicePoint
from tests.builders import (
    AUTOMAKER,
    BATTERY_MAKER,
    DISMANTLER,
    OTHER_AUTOMAKER,
    OTHER_BATTERY_MAKER,
    RECYCLER,
    TODAY,
    battery_code,
    event,
    uscc,
    vin,
)

# A recycler that re-codes batteries for second life under its own manufacturer code.
RECODER = EnterpriseFacts(RECYCLER.id, RECYCLER.kinds, frozenset({"R01"}))
OTHER_DISMANTLER = EnterpriseFacts(
    uscc("91320000MA1DM0001"), frozenset({EnterpriseKind.DISMANTLER})
)
DIRECTORY = {
    facts.id: facts
    for facts in (
        AUTOMAKER,
        OTHER_AUTOMAKER,
        BATTERY_MAKER,
        OTHER_BATTERY_MAKER,
        DISMANTLER,
        OTHER_DISMANTLER,
        RECODER,
    )
}
# The events whose counterparty is an enterprise on the platform (a direct sale's is a buyer).
ENTERPRISE_COUNTERPARTY = frozenset(
    {
        EventKind.BATTERY_SUPPLIED,
        EventKind.SERVICE_POINT_HANDED_OUT,
        EventKind.BATTERY_HANDED_OVER,
    }
)
# Events about a battery already on record.
ABOUT_A_BATTERY = sorted(BATTERY_EVENTS - {EventKind.BATTERY_PRODUCED})
PRODUCED = date(2026, 3, 2)


def point(point_id: str, operator: EnterpriseFacts, point_type: PointType) -> ServicePoint:
    return ServicePoint(
        id=point_id,
        operator=operator.id,
        point_type=point_type,
        name=f"{point_id} take-back point",
        region_code="440305",
        coverage_region="440300" if point_type is PointType.COLLECTION else "440000",
        address=None,
        active=True,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


class World:
    """The records of a few enterprises, changed only by events `check_event` accepts, folded as
    the recording service folds them. `trail` keeps, per battery code, the kind of each event
    that changed it and its status, custodian and responsible enterprise after it."""

    def __init__(self, *points: ServicePoint) -> None:
        self.models: dict[str, ModelState] = {}
        self.vehicles: dict[str, VehicleState] = {}
        self.batteries: dict[str, BatteryState] = {}
        self.points = {p.id: p for p in points}
        self.trail: dict[str, list[tuple[EventKind, BatteryStatus, str | None, str]]] = defaultdict(
            list
        )

    def record(
        self,
        kind: EventKind,
        on: date,
        actor: EnterpriseFacts,
        *,
        battery_codes: tuple[str, ...] = (),
        **fields: str | DisposalOrigin | None,
    ) -> None:
        e = replace(event(kind, on, actor, **fields), battery_codes=battery_codes)
        assert check_event(e, self.context(e, actor)) == ()
        self._apply(e, actor)

    def context(self, e: LifecycleEvent, actor: EnterpriseFacts) -> EventContext:
        code = e.battery_code
        owner = None
        if e.kind is EventKind.BATTERY_PRODUCED and code is not None:
            owner = next(
                (f.id for f in DIRECTORY.values() if code[:3] in f.manufacturer_codes), None
            )
        return EventContext(
            today=TODAY,
            actor=actor,
            model=self.models.get(e.model) if e.model else None,
            vehicle=self.vehicles.get(e.vin) if e.vin else None,
            battery=self.batteries.get(code) if code else None,
            parent=self.batteries.get(e.parent_code) if e.parent_code else None,
            new_battery=self.batteries.get(e.new_code) if e.new_code else None,
            service_point=self.points.get(e.service_point) if e.service_point else None,
            counterparty=(
                DIRECTORY.get(e.counterparty)
                if e.kind in ENTERPRISE_COUNTERPARTY and e.counterparty
                else None
            ),
            code_owner=owner,
        )

    def _put(self, kind: EventKind, battery: BatteryState) -> None:
        self.batteries[battery.code] = battery
        self.trail[battery.code].append(
            (kind, battery.status, battery.custodian, battery.responsible)
        )

    def _apply(self, e: LifecycleEvent, actor: EnterpriseFacts) -> None:
        if e.kind in MODEL_EVENTS:
            assert e.model is not None
            self.models[e.model] = apply_model(None, e)
            return
        if e.vin is not None and (
            e.kind in CERTIFICATION_EVENTS
            or e.kind in (EventKind.VEHICLE_REGISTERED, EventKind.VEHICLE_SCRAPPED)
        ):
            self.vehicles[e.vin] = apply_vehicle(self.vehicles.get(e.vin), e)
            for code in e.battery_codes:  # a scrapped vehicle's batteries taken in with it
                self._put(e.kind, apply_battery(self.batteries[code], e))
            return
        assert e.battery_code is not None
        if e.kind is EventKind.BATTERY_PRODUCED:
            self._put(e.kind, produced_battery(e, maker_of(e.battery_code, actor)))
            return
        before = self.batteries[e.battery_code]
        vehicle = None
        if e.kind in (EventKind.BATTERY_INSTALLED, EventKind.BATTERY_REMOVED) and e.vin:
            vehicle = self.vehicles[e.vin]
            self.vehicles[e.vin] = with_battery(vehicle, e)
        self._put(e.kind, apply_battery(before, e, vehicle.automaker if vehicle else None))
        if e.kind is EventKind.BATTERY_RECODED:
            self._put(e.kind, second_life_battery(before, e))


def vehicle_of(world: World, automaker: EnterpriseFacts, serial: int) -> str:
    """A domestic vehicle `automaker` has announced the model of and certified."""
    model = f"M-{automaker.id[-4:]}"
    if model not in world.models:
        world.record(EventKind.MODEL_ANNOUNCED, date(2026, 1, 5), automaker, model=model)
    world.record(
        EventKind.FACTORY_CERTIFICATE_ISSUED,
        date(2026, 4, 10),
        automaker,
        vin=vin(serial),
        model=model,
    )
    return vin(serial)


def a_battery(
    status: BatteryStatus = BatteryStatus.SUPPLIED,
    custodian: str | None = AUTOMAKER.id,
    responsible: str = BATTERY_MAKER.id,
    **changes: object,
) -> BatteryState:
    """BATTERY_MAKER's battery, by default supplied to and held by AUTOMAKER."""
    battery = BatteryState(
        code=battery_code(),
        manufacturer=BATTERY_MAKER.id,
        produced_on=PRODUCED,
        status=status,
        last_event_on=PRODUCED,
        responsible=responsible,
        custodian=custodian,
        supplied_to=AUTOMAKER.id,
    )
    return replace(battery, **changes)


def a_vehicle(scrapped_by: EnterpriseFacts | None = None) -> VehicleState:
    """AUTOMAKER's vehicle, scrapped by `scrapped_by` if given."""
    vehicle = VehicleState(
        vin=vin(90),
        automaker=AUTOMAKER.id,
        model="M1",
        imported=False,
        certified_on=date(2026, 4, 10),
        last_event_on=date(2026, 4, 10),
    )
    if scrapped_by is None:
        return vehicle
    return replace(vehicle, scrapped_on=date(2026, 6, 1), scrapped_by=scrapped_by.id)


# --- custody across a whole life ------------------------------------------------------------


class TestCustodyAcrossALife:
    def test_custody_follows_a_battery_from_its_maker_through_repair_to_second_life(
        self,
    ) -> None:
        # Given a battery maker's pack, an automaker's vehicle and the maker's storage point
        storage = point("SP-STORE", BATTERY_MAKER, PointType.STORAGE)
        world = World(storage)
        car = vehicle_of(world, AUTOMAKER, 1)
        code = battery_code()
        new_code = battery_code("R01", produced=date(2026, 10, 1))
        # When it lives a whole life, every event reported by the enterprise holding it
        world.record(EventKind.BATTERY_PRODUCED, PRODUCED, BATTERY_MAKER, battery_code=code)
        world.record(
            EventKind.BATTERY_SUPPLIED,
            date(2026, 3, 5),
            BATTERY_MAKER,
            battery_code=code,
            counterparty=AUTOMAKER.id,
        )
        world.record(
            EventKind.BATTERY_INSTALLED, date(2026, 4, 10), AUTOMAKER, battery_code=code, vin=car
        )
        world.record(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 4, 20),
            AUTOMAKER,
            vin=car,
            region_code="440305",
        )
        world.record(
            EventKind.BATTERY_REMOVED,
            date(2026, 5, 4),
            AUTOMAKER,
            battery_code=code,
            vin=car,
            reason=RemovalReason.REPAIR,
        )
        # (the maker takes it back for repair from the automaker it supplied)
        world.record(
            EventKind.REPAIR_RETURN_RECEIVED, date(2026, 5, 6), BATTERY_MAKER, battery_code=code
        )
        world.record(
            EventKind.BATTERY_SUPPLIED,
            date(2026, 5, 20),
            BATTERY_MAKER,
            battery_code=code,
            counterparty=AUTOMAKER.id,
        )
        world.record(
            EventKind.BATTERY_INSTALLED, date(2026, 5, 22), AUTOMAKER, battery_code=code, vin=car
        )
        world.record(
            EventKind.BATTERY_REMOVED,
            date(2026, 9, 1),
            AUTOMAKER,
            battery_code=code,
            vin=car,
            reason=RemovalReason.RETIREMENT,
        )
        # (retired, it goes back into its maker's take-back network and on to a recycler)
        world.record(
            EventKind.BATTERY_HANDED_OVER,
            date(2026, 9, 2),
            AUTOMAKER,
            battery_code=code,
            counterparty=BATTERY_MAKER.id,
        )
        world.record(
            EventKind.SERVICE_POINT_RECEIVED,
            date(2026, 9, 3),
            BATTERY_MAKER,
            battery_code=code,
            service_point=storage.id,
        )
        world.record(
            EventKind.SERVICE_POINT_HANDED_OUT,
            date(2026, 9, 10),
            BATTERY_MAKER,
            battery_code=code,
            service_point=storage.id,
            counterparty=RECODER.id,
        )
        world.record(
            EventKind.BATTERY_RECODED,
            date(2026, 10, 1),
            RECODER,
            battery_code=code,
            new_code=new_code,
        )
        # Then custody moves with each event, while responsibility moves only on installation
        maker, automaker, recycler = BATTERY_MAKER.id, AUTOMAKER.id, RECODER.id
        s, k = BatteryStatus, EventKind
        assert world.trail[code] == [
            (k.BATTERY_PRODUCED, s.REGISTERED, maker, maker),
            (k.BATTERY_SUPPLIED, s.SUPPLIED, automaker, maker),
            (k.BATTERY_INSTALLED, s.INSTALLED, automaker, automaker),
            (k.BATTERY_REMOVED, s.REMOVED, automaker, automaker),
            (k.REPAIR_RETURN_RECEIVED, s.IN_REPAIR, maker, automaker),
            (k.BATTERY_SUPPLIED, s.SUPPLIED, automaker, automaker),
            (k.BATTERY_INSTALLED, s.INSTALLED, automaker, automaker),
            (k.BATTERY_REMOVED, s.REMOVED, automaker, automaker),
            (k.BATTERY_HANDED_OVER, s.HANDED_OVER, maker, automaker),
            (k.SERVICE_POINT_RECEIVED, s.AT_SERVICE_POINT, maker, automaker),
            (k.SERVICE_POINT_HANDED_OUT, s.HANDED_OVER, recycler, automaker),
            (k.BATTERY_RECODED, s.RECODED, recycler, automaker),
        ]
        # And the second-life battery starts its own life with the re-coder
        assert world.trail[new_code] == [(k.BATTERY_RECODED, s.REGISTERED, recycler, recycler)]
        # And the original is seen by its maker, the automaker answering for it and the recycler
        original = world.batteries[code]
        assert [sees_battery(e.id, original) for e in DIRECTORY.values()] == [
            e.id in (maker, automaker, recycler) for e in DIRECTORY.values()
        ]

    def test_a_dismantler_holds_the_batteries_it_takes_in_with_a_scrapped_vehicle(self) -> None:
        # Given an automaker's vehicle carrying two of its own batteries, sold (a dismantler
        # takes in only a registered vehicle)
        world = World()
        car = vehicle_of(world, AUTOMAKER, 2)
        taken, left = battery_code("ZZ9"), battery_code("ZZ9")
        for code in (taken, left):
            world.record(EventKind.BATTERY_PRODUCED, PRODUCED, AUTOMAKER, battery_code=code)
            world.record(
                EventKind.BATTERY_INSTALLED,
                date(2026, 4, 10),
                AUTOMAKER,
                battery_code=code,
                vin=car,
            )
        world.record(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 4, 20),
            AUTOMAKER,
            vin=car,
            region_code="440305",
        )
        # When a dismantler takes the vehicle in with one of them, takes that one out, hands
        # it over to a recycler, and the recycler disposes of it
        world.record(
            EventKind.VEHICLE_SCRAPPED,
            date(2026, 8, 1),
            DISMANTLER,
            vin=car,
            battery_codes=(taken,),
        )
        world.record(
            EventKind.BATTERY_REMOVED,
            date(2026, 8, 2),
            DISMANTLER,
            battery_code=taken,
            vin=car,
            reason=RemovalReason.SCRAPPING,
        )
        world.record(
            EventKind.BATTERY_HANDED_OVER,
            date(2026, 8, 3),
            DISMANTLER,
            battery_code=taken,
            counterparty=RECYCLER.id,
        )
        world.record(EventKind.BATTERY_DISPOSED, date(2026, 9, 1), RECODER, battery_code=taken)
        # Then the dismantler held it from the scrapping until it handed it over, and the
        # automaker answered for it throughout
        s, k, a = BatteryStatus, EventKind, AUTOMAKER.id
        assert world.trail[taken][2:] == [
            (k.VEHICLE_SCRAPPED, s.INSTALLED, DISMANTLER.id, a),
            (k.BATTERY_REMOVED, s.REMOVED, DISMANTLER.id, a),
            (k.BATTERY_HANDED_OVER, s.HANDED_OVER, RECYCLER.id, a),
            (k.BATTERY_DISPOSED, s.DISPOSED, RECYCLER.id, a),
        ]
        # And the battery left behind is still the automaker's, installed in a vehicle that is
        # now incomplete
        assert world.trail[left][-1] == (k.BATTERY_INSTALLED, s.INSTALLED, a, a)
        scrapped = world.vehicles[car]
        assert scrapped.scrapped_by == DISMANTLER.id
        assert scrapped.missing_battery_codes == {left}
        # And the vehicle is the dismantler's to report on now, no longer its automaker's
        assert may_record_about_vehicle(DISMANTLER, EventKind.BATTERY_REMOVED, scrapped)
        assert not may_record_about_vehicle(AUTOMAKER, EventKind.BATTERY_REMOVED, scrapped)
        # When the automaker accounts for the battery left behind: its removal, then its
        # hand-over to the recycler
        world.record(
            EventKind.BATTERY_REMOVED,
            date(2026, 8, 5),
            AUTOMAKER,
            battery_code=left,
            vin=car,
            reason=RemovalReason.RETIREMENT,
        )
        world.record(
            EventKind.BATTERY_HANDED_OVER,
            date(2026, 8, 6),
            AUTOMAKER,
            battery_code=left,
            counterparty=RECYCLER.id,
        )
        # Then it held the battery until the hand-over, and the vehicle stays on record as
        # scrapped without it
        assert world.trail[left][-2:] == [
            (k.BATTERY_REMOVED, s.REMOVED, a, a),
            (k.BATTERY_HANDED_OVER, s.HANDED_OVER, RECYCLER.id, a),
        ]
        assert world.vehicles[car].battery_codes == frozenset()
        assert world.vehicles[car].missing_battery_codes == {left}

    @pytest.mark.parametrize(
        ("kind", "custodian"),
        [
            (EventKind.BATTERY_PRODUCED, "actor"),
            (EventKind.BATTERY_SUPPLIED, "counterparty"),
            (EventKind.BATTERY_INSTALLED, "actor"),
            (EventKind.BATTERY_SOLD_DIRECTLY, None),
            (EventKind.BATTERY_REMOVED, "actor"),
            (EventKind.REPAIR_RETURN_RECEIVED, "actor"),
            (EventKind.BATTERY_DISPOSED, "actor"),
            (EventKind.SERVICE_POINT_RECEIVED, "actor"),
            (EventKind.SERVICE_POINT_HANDED_OUT, "counterparty"),
            (EventKind.BATTERY_HANDED_OVER, "counterparty"),
            (EventKind.VEHICLE_SCRAPPED, "actor"),
            (EventKind.BATTERY_RECODED, "actor"),
        ],
    )
    def test_the_custodian_after_each_kind_of_event(
        self, kind: EventKind, custodian: str | None
    ) -> None:
        # Given an event of `kind` reported by AUTOMAKER naming RECYCLER as its counterparty
        e = event(kind, PRODUCED, AUTOMAKER, battery_code=battery_code(), counterparty=RECYCLER.id)
        # Then the battery is held by the reporter (the point's operator, the dismantler...),
        # by the enterprise it went to, or, once sold to a buyer off the platform, by no one
        expected = {"actor": AUTOMAKER.id, "counterparty": RECYCLER.id, None: None}[custodian]
        assert custodian_after(e) == expected


# --- who may record what --------------------------------------------------------------------


class TestWhoMayRecordAboutABattery:
    @pytest.mark.parametrize("kind", ABOUT_A_BATTERY)
    def test_the_enterprise_holding_a_battery_may_record_any_event_about_it(
        self, kind: EventKind
    ) -> None:
        # Given a battery AUTOMAKER holds but BATTERY_MAKER still answers for
        battery = a_battery()
        # Then AUTOMAKER may record any kind of event about it
        assert may_record_about_battery(AUTOMAKER.id, kind, battery)

    @pytest.mark.parametrize("kind", ABOUT_A_BATTERY)
    @pytest.mark.parametrize(
        "stranger", [OTHER_AUTOMAKER, OTHER_BATTERY_MAKER, DISMANTLER, RECYCLER]
    )
    def test_an_enterprise_neither_holding_nor_answering_for_a_battery_may_record_nothing(
        self, kind: EventKind, stranger: EnterpriseFacts
    ) -> None:
        # Given a battery held by AUTOMAKER, When another enterprise reports about it,
        # Then it may not
        assert not may_record_about_battery(stranger.id, kind, a_battery())

    @pytest.mark.parametrize("kind", ABOUT_A_BATTERY)
    def test_the_enterprise_answering_for_a_battery_another_holds_may_not_record_about_it(
        self, kind: EventKind
    ) -> None:
        # Given a battery AUTOMAKER answers for, handed over to a recycler
        battery = a_battery(BatteryStatus.HANDED_OVER, RECYCLER.id, AUTOMAKER.id)
        # Then the recycler records what happens to it, not AUTOMAKER
        assert may_record_about_battery(RECYCLER.id, kind, battery)
        assert not may_record_about_battery(AUTOMAKER.id, kind, battery)

    @pytest.mark.parametrize("kind", ABOUT_A_BATTERY)
    def test_while_a_buyer_off_the_platform_holds_a_battery_its_answerer_records(
        self, kind: EventKind
    ) -> None:
        # Given a battery its maker sold directly to a lessor (no custodian on the platform)
        battery = a_battery(BatteryStatus.SOLD_DIRECTLY, None, BATTERY_MAKER.id)
        # Then the maker, who answers for it, records about it; the automaker once supplied
        # does not
        assert may_record_about_battery(BATTERY_MAKER.id, kind, battery)
        assert not may_record_about_battery(AUTOMAKER.id, kind, battery)

    @pytest.mark.parametrize(
        "battery",
        [
            a_battery(BatteryStatus.SUPPLIED, AUTOMAKER.id, BATTERY_MAKER.id),
            a_battery(BatteryStatus.REMOVED, AUTOMAKER.id, AUTOMAKER.id),
            a_battery(
                BatteryStatus.REMOVED, OTHER_AUTOMAKER.id, OTHER_AUTOMAKER.id, supplied_to=None
            ),
        ],
        ids=["from-the-automaker-supplied", "from-the-automaker-answering", "answering-only"],
    )
    def test_a_maker_takes_its_battery_back_for_repair_from_the_automaker_in_its_chain(
        self, battery: BatteryState
    ) -> None:
        # Given a battery held by the automaker it was supplied to or that answers for it,
        # Then its maker may receive it back for repair, and record nothing else about it
        assert may_record_about_battery(BATTERY_MAKER.id, EventKind.REPAIR_RETURN_RECEIVED, battery)
        assert not any(
            may_record_about_battery(BATTERY_MAKER.id, kind, battery)
            for kind in ABOUT_A_BATTERY
            if kind is not EventKind.REPAIR_RETURN_RECEIVED
        )

    @pytest.mark.parametrize("holder", [RECYCLER, DISMANTLER, OTHER_BATTERY_MAKER])
    def test_a_maker_cannot_take_back_a_battery_a_recycler_dismantler_or_other_network_holds(
        self, holder: EnterpriseFacts
    ) -> None:
        # Given AUTOMAKER's battery, held by a recycler, a dismantler or another maker's point
        battery = a_battery(BatteryStatus.HANDED_OVER, holder.id, AUTOMAKER.id)
        # Then its maker cannot record a repair return of it
        assert not may_record_about_battery(
            BATTERY_MAKER.id, EventKind.REPAIR_RETURN_RECEIVED, battery
        )

    def test_only_its_own_maker_takes_a_battery_back_for_repair(self) -> None:
        # Given a battery supplied to AUTOMAKER, When another maker receives it "for repair",
        # Then it may not
        assert not may_record_about_battery(
            OTHER_BATTERY_MAKER.id, EventKind.REPAIR_RETURN_RECEIVED, a_battery()
        )


class TestWhoMayRecordAboutAVehicleModelOrParent:
    @pytest.mark.parametrize(
        "kind",
        [EventKind.VEHICLE_REGISTERED, EventKind.BATTERY_INSTALLED, EventKind.BATTERY_REMOVED],
    )
    def test_a_vehicle_is_its_automakers_to_report_on_until_it_is_scrapped(
        self, kind: EventKind
    ) -> None:
        # Given AUTOMAKER's vehicle in use
        vehicle = a_vehicle()
        # Then only AUTOMAKER reports on it: not another automaker, not a dismantler
        assert may_record_about_vehicle(AUTOMAKER, kind, vehicle)
        assert not may_record_about_vehicle(OTHER_AUTOMAKER, kind, vehicle)
        assert not may_record_about_vehicle(DISMANTLER, kind, vehicle)

    def test_any_dismantler_may_take_in_a_vehicle_no_one_has_scrapped(self) -> None:
        # Given a vehicle in use, When dismantlers or its automaker report its scrapping
        vehicle = a_vehicle()
        scrapping = EventKind.VEHICLE_SCRAPPED
        # Then every dismantler may, and its automaker may not (it is not a dismantler)
        assert may_record_about_vehicle(DISMANTLER, scrapping, vehicle)
        assert may_record_about_vehicle(OTHER_DISMANTLER, scrapping, vehicle)
        assert not may_record_about_vehicle(AUTOMAKER, scrapping, vehicle)

    @pytest.mark.parametrize(
        "kind",
        [EventKind.VEHICLE_SCRAPPED, EventKind.BATTERY_REMOVED, EventKind.VEHICLE_REGISTERED],
    )
    def test_a_scrapped_vehicle_is_its_dismantlers_alone(self, kind: EventKind) -> None:
        # Given a vehicle DISMANTLER took in
        vehicle = a_vehicle(scrapped_by=DISMANTLER)
        # Then DISMANTLER reports on it, and neither its automaker nor another dismantler
        assert may_record_about_vehicle(DISMANTLER, kind, vehicle)
        assert not may_record_about_vehicle(AUTOMAKER, kind, vehicle)
        assert not may_record_about_vehicle(OTHER_DISMANTLER, kind, vehicle)

    def test_an_automaker_still_removes_a_battery_missing_from_its_scrapped_vehicle(
        self,
    ) -> None:
        # Given AUTOMAKER's vehicle, scrapped by DISMANTLER without battery `left`
        left, taken = battery_code(), battery_code()
        vehicle = replace(
            a_vehicle(scrapped_by=DISMANTLER),
            battery_codes=frozenset({left, taken}),
            missing_battery_codes=frozenset({left}),
        )
        removal = EventKind.BATTERY_REMOVED
        # Then AUTOMAKER may record the removal of that battery, and nothing else about the
        # vehicle: not the battery the dismantler took in, not another event
        assert may_record_about_vehicle(AUTOMAKER, removal, vehicle, left)
        assert not may_record_about_vehicle(AUTOMAKER, removal, vehicle, taken)
        assert not may_record_about_vehicle(AUTOMAKER, removal, vehicle)
        assert not may_record_about_vehicle(AUTOMAKER, EventKind.VEHICLE_REGISTERED, vehicle, left)
        assert not may_record_about_vehicle(AUTOMAKER, EventKind.BATTERY_INSTALLED, vehicle, left)
        # And no other automaker may
        assert not may_record_about_vehicle(OTHER_AUTOMAKER, removal, vehicle, left)

    def test_a_model_is_used_by_its_owner_only(self) -> None:
        # Given AUTOMAKER's model, Then only AUTOMAKER certifies vehicles of it
        model = ModelState("M1", AUTOMAKER.id, imported=False, approved_on=date(2026, 1, 5))
        assert may_use_model(AUTOMAKER.id, model)
        assert not may_use_model(OTHER_AUTOMAKER.id, model)

    def test_parts_are_registered_into_a_pack_their_maker_still_holds(self) -> None:
        # Given BATTERY_MAKER's pack in its stock, the same pack supplied away, and a pack
        # an automaker registered for a maker off the platform
        in_stock = a_battery(BatteryStatus.REGISTERED, BATTERY_MAKER.id)
        supplied = a_battery(BatteryStatus.SUPPLIED, AUTOMAKER.id)
        unclaimed = a_battery(BatteryStatus.REGISTERED, AUTOMAKER.id, manufacturer=None)
        # Then only its maker, and only while it holds it, registers parts into it
        assert may_use_parent(BATTERY_MAKER.id, in_stock)
        assert not may_use_parent(OTHER_BATTERY_MAKER.id, in_stock)
        assert not may_use_parent(BATTERY_MAKER.id, supplied)
        assert not may_use_parent(AUTOMAKER.id, supplied)
        assert not may_use_parent(AUTOMAKER.id, unclaimed)


class TestWhatTheReporterSees:
    def test_every_record_of_another_enterprise_is_taken_out(self) -> None:
        # Given OTHER_AUTOMAKER's model, vehicle, battery and collection point, another
        # maker's pack, and AUTOMAKER installing that battery in that vehicle
        ctx = EventContext(
            today=TODAY,
            actor=AUTOMAKER,
            model=ModelState("M1", OTHER_AUTOMAKER.id, imported=False, approved_on=PRODUCED),
            vehicle=replace(a_vehicle(), automaker=OTHER_AUTOMAKER.id),
            battery=a_battery(custodian=OTHER_AUTOMAKER.id),
            parent=a_battery(BatteryStatus.REGISTERED, BATTERY_MAKER.id),
            new_battery=a_battery(),
            service_point=point("SP-1", OTHER_AUTOMAKER, PointType.COLLECTION),
            counterparty=RECYCLER,
            code_owner=BATTERY_MAKER.id,
        )
        e = event(EventKind.BATTERY_INSTALLED, TODAY, AUTOMAKER)
        # When custody decides what AUTOMAKER may touch
        seen = as_seen_by(ctx, e)
        # Then none of those records is left, and the rest of the context is unchanged
        assert seen == replace(
            ctx, model=None, vehicle=None, battery=None, parent=None, service_point=None
        )

    def test_the_reporters_own_records_stay_in(self) -> None:
        # Given AUTOMAKER's model, vehicle, the battery it holds, and its collection point
        ctx = EventContext(
            today=TODAY,
            actor=AUTOMAKER,
            model=ModelState("M1", AUTOMAKER.id, imported=False, approved_on=PRODUCED),
            vehicle=a_vehicle(),
            battery=a_battery(),
            service_point=point("SP-1", AUTOMAKER, PointType.COLLECTION),
        )
        # When it installs the battery, Then it sees all of them
        assert as_seen_by(ctx, event(EventKind.BATTERY_INSTALLED, TODAY, AUTOMAKER)) == ctx

    @pytest.mark.parametrize(
        ("kind", "record"),
        [
            (EventKind.MODEL_ANNOUNCED, "model"),
            (EventKind.MODEL_CCC_CERTIFIED, "model"),
            (EventKind.FACTORY_CERTIFICATE_ISSUED, "vehicle"),
            (EventKind.CUSTOMS_CLEARED, "vehicle"),
            (EventKind.BATTERY_PRODUCED, "battery"),
        ],
    )
    def test_the_record_an_event_would_create_stays_in_so_a_taken_key_is_refused(
        self, kind: EventKind, record: str
    ) -> None:
        # Given another enterprise's model, vehicle and battery under the keys sent
        ctx = EventContext(
            today=TODAY,
            actor=BATTERY_MAKER,
            model=ModelState("M1", OTHER_AUTOMAKER.id, imported=False, approved_on=PRODUCED),
            vehicle=replace(a_vehicle(), automaker=OTHER_AUTOMAKER.id),
            battery=a_battery(custodian=OTHER_AUTOMAKER.id),
        )
        # When BATTERY_MAKER reports the event that would create one of them
        seen = as_seen_by(ctx, event(kind, TODAY, BATTERY_MAKER))
        # Then that record stays (the key is taken) and the others go
        kept = {name: getattr(seen, name) is not None for name in ("model", "vehicle", "battery")}
        assert kept == {name: name == record for name in kept}


# --- who may see what -----------------------------------------------------------------------


class TestWhoMaySeeWhat:
    def test_a_battery_is_seen_by_its_maker_answerer_vehicle_automaker_and_holder(self) -> None:
        # Given a battery made by BATTERY_MAKER, answered for by AUTOMAKER, in a vehicle of
        # OTHER_AUTOMAKER and held by DISMANTLER (four different enterprises)
        battery = a_battery(
            BatteryStatus.INSTALLED,
            DISMANTLER.id,
            AUTOMAKER.id,
            vehicle_automaker=OTHER_AUTOMAKER.id,
        )
        # Then exactly those four see it
        seers = {e.id for e in DIRECTORY.values() if sees_battery(e.id, battery)}
        assert seers == {BATTERY_MAKER.id, AUTOMAKER.id, OTHER_AUTOMAKER.id, DISMANTLER.id}

    def test_the_automaker_once_supplied_no_longer_sees_a_battery_sold_directly(self) -> None:
        # Given a battery its maker took back and sold directly to a buyer off the platform
        battery = a_battery(BatteryStatus.SOLD_DIRECTLY, None, BATTERY_MAKER.id)
        # Then only its maker sees it, not the automaker it was once supplied to
        seers = {e.id for e in DIRECTORY.values() if sees_battery(e.id, battery)}
        assert seers == {BATTERY_MAKER.id}

    def test_a_vehicle_is_seen_by_its_automaker_and_the_dismantler_that_took_it_in(
        self,
    ) -> None:
        # Given a vehicle in use and the same vehicle scrapped by DISMANTLER
        in_use, scrapped = a_vehicle(), a_vehicle(scrapped_by=DISMANTLER)
        # Then its automaker always sees it, and DISMANTLER only once it took it in
        assert {e.id for e in DIRECTORY.values() if sees_vehicle(e.id, in_use)} == {AUTOMAKER.id}
        assert {e.id for e in DIRECTORY.values() if sees_vehicle(e.id, scrapped)} == {
            AUTOMAKER.id,
            DISMANTLER.id,
        }

    def test_a_model_is_seen_by_its_owner_only(self) -> None:
        # Given AUTOMAKER's model, Then no one else sees it
        model = ModelState("M1", AUTOMAKER.id, imported=False, approved_on=PRODUCED)
        assert {e.id for e in DIRECTORY.values() if sees_model(e.id, model)} == {AUTOMAKER.id}
