"""Custody through the use cases (docs/DOMAIN.md 4.1, `compliance.custody`): the enterprise that
holds a battery, vehicle, model or service point, or answers for it, records what happens to it;
to any other enterprise the record is one that does not exist. Such a request is answered with
exactly the refusals a never-registered key gets (the same code, field and index, the same
sentence with the key swapped) and changes nothing stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest

from compliance.errors import ConflictError
from compliance.lifecycle import (
    BatteryStatus,
    DisposalOrigin,
    EnterpriseFacts,
    RemovalReason,
)
from compliance.network import PointType
from compliance.services import events
from compliance.services import obligations as obligation_use_cases
from compliance.services import service_points as point_use_cases
from compliance.services.events import NewBattery
from compliance.services.outcome import Recorded
from tests.builders import (
    AUTOMAKER,
    BATTERY_MAKER,
    DISMANTLER,
    OTHER_AUTOMAKER,
    OTHER_BATTERY_MAKER,
)
from tests.memory_store import MemoryStore
from tests.unit.use_case_world import (
    DISMANTLED,
    LESSOR,
    NOT_ONBOARDED,
    ON,
    OTHER_DISMANTLER,
    OTHER_RECYCLER,
    PROVINCE,
    RECYCLER,
    REGION,
    REGISTERED,
    REMOVED,
    World,
    accepted,
    answered_as_absent,
    codes_of,
    described,
    name_of,
)


def ids(enterprises: list[EnterpriseFacts]) -> list[str]:
    return [name_of(e) for e in enterprises]


def held_by(world: World, code: str) -> tuple[BatteryStatus, str | None]:
    battery = world.battery(code)
    return battery.status, battery.custodian


class TestSupply:
    def test_the_maker_holding_a_battery_supplies_it_and_the_automaker_then_holds_it(
        self,
    ) -> None:
        # Given a battery its maker has registered
        world = World()
        [code] = world.produce(BATTERY_MAKER)

        # When the maker supplies it to an automaker
        accepted(
            events.supply_batteries(
                world.store, world.request(BATTERY_MAKER), [code], AUTOMAKER.id, ON
            )
        )

        # Then the automaker holds it, and the maker still answers for it
        battery = world.battery(code)
        assert battery.status is BatteryStatus.SUPPLIED
        assert (battery.custodian, battery.responsible, battery.supplied_to) == (
            AUTOMAKER.id,
            BATTERY_MAKER.id,
            AUTOMAKER.id,
        )

    @pytest.mark.parametrize(
        "stranger",
        [OTHER_BATTERY_MAKER, AUTOMAKER, RECYCLER],
        ids=ids([OTHER_BATTERY_MAKER, AUTOMAKER, RECYCLER]),
    )
    def test_an_enterprise_not_holding_the_battery_is_answered_as_if_it_did_not_exist(
        self, stranger: EnterpriseFacts
    ) -> None:
        # Given a battery in its maker's stock
        world = World()
        [code] = world.produce(BATTERY_MAKER)

        # When another enterprise supplies it, and supplies a code never registered
        answer = answered_as_absent(
            world,
            lambda c: events.supply_batteries(
                world.store, world.request(stranger), [c], OTHER_AUTOMAKER.id, ON
            ),
            [code],
            [world.code()],
        )

        # Then both are the same unknown battery, and nothing is stored
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_the_maker_no_longer_supplies_what_it_supplied_to_an_automaker(self) -> None:
        # Given a battery its maker supplied to an automaker
        world = World()
        [code] = world.supplied(AUTOMAKER)

        # When the maker supplies it again, to another automaker
        answer = answered_as_absent(
            world,
            lambda c: events.supply_batteries(
                world.store, world.request(BATTERY_MAKER), [c], OTHER_AUTOMAKER.id, ON
            ),
            [code],
            [world.code()],
        )

        # Then it is not the maker's to supply: the same answer as an unknown code
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]


class TestInstall:
    def test_an_automaker_installs_a_battery_supplied_to_it_in_its_own_vehicle(self) -> None:
        # Given a vehicle of the automaker, and a battery supplied to it afterwards
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)
        [spare] = world.supplied(AUTOMAKER)

        # When the automaker installs the battery in the vehicle
        recorded = accepted(
            events.install_batteries(world.store, world.request(AUTOMAKER), vin, [spare], ON)
        )

        # Then the battery is in the vehicle, and the automaker holds it and answers for it
        battery = world.battery(spare)
        assert (battery.status, battery.vin) == (BatteryStatus.INSTALLED, vin)
        assert (battery.custodian, battery.responsible) == (AUTOMAKER.id, AUTOMAKER.id)
        assert spare in world.vehicle(vin).battery_codes
        assert recorded.vehicles[vin].battery_codes == world.vehicle(vin).battery_codes

    def test_a_makers_stock_never_supplied_to_the_automaker_is_answered_as_absent(self) -> None:
        # Given a vehicle of the automaker, and a battery still in its maker's stock
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)
        [stock] = world.produce(BATTERY_MAKER)

        # When the automaker installs that battery
        answer = answered_as_absent(
            world,
            lambda c: events.install_batteries(world.store, world.request(AUTOMAKER), vin, [c], ON),
            [stock],
            [world.code()],
        )

        # Then it reads as an unknown battery
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_a_battery_supplied_to_another_automaker_is_answered_as_absent(self) -> None:
        # Given a vehicle of the automaker, and a battery supplied to another automaker
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)
        [theirs] = world.supplied(OTHER_AUTOMAKER)

        # When the automaker installs the other automaker's battery
        answer = answered_as_absent(
            world,
            lambda c: events.install_batteries(world.store, world.request(AUTOMAKER), vin, [c], ON),
            [theirs],
            [world.code()],
        )

        # Then it reads as an unknown battery
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_another_automakers_vehicle_is_answered_as_absent(self) -> None:
        # Given a vehicle of the automaker, and a battery supplied to another automaker
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)
        [theirs] = world.supplied(OTHER_AUTOMAKER)

        # When the other automaker installs its battery in the automaker's vehicle
        answer = answered_as_absent(
            world,
            lambda v: events.install_batteries(
                world.store, world.request(OTHER_AUTOMAKER), v, [theirs], ON
            ),
            [vin],
            [world.vin()],
        )

        # Then the vehicle reads as an unknown one
        assert codes_of(answer) == ["UNKNOWN_VEHICLE"]

    def test_a_certificate_listing_a_battery_not_supplied_to_the_automaker_is_answered_as_absent(
        self,
    ) -> None:
        # Given a model of the automaker, one battery supplied to it and one to another automaker
        world = World()
        model = world.announce(AUTOMAKER)
        [ours] = world.supplied(AUTOMAKER)
        [theirs] = world.supplied(OTHER_AUTOMAKER)
        new_vin = world.vin()

        # When the automaker certifies a vehicle listing both batteries
        answer = answered_as_absent(
            world,
            lambda c: events.certify_vehicle(
                world.store,
                world.request(AUTOMAKER),
                new_vin,
                model,
                ON,
                [ours, c],
                imported=False,
            ),
            [theirs],
            [world.code()],
        )

        # Then the other automaker's battery (item 2, index 1 + 1) reads as an unknown one
        assert [(a[0], a[2]) for a in answer] == [("UNKNOWN_BATTERY", 2)]


class TestRemoval:
    def test_the_vehicles_automaker_removes_a_battery_and_keeps_holding_it(self) -> None:
        # Given a vehicle of the automaker with one battery
        world = World()
        vin, [code] = world.vehicle_with(AUTOMAKER)

        # When the automaker removes it
        accepted(
            events.remove_batteries(
                world.store, world.request(AUTOMAKER), vin, [code], ON, RemovalReason.REPAIR
            )
        )

        # Then the automaker holds it and still answers for it; the vehicle is without it
        battery = world.battery(code)
        assert battery.status is BatteryStatus.REMOVED
        assert (battery.custodian, battery.responsible) == (AUTOMAKER.id, AUTOMAKER.id)
        assert code not in world.vehicle(vin).battery_codes

    def test_the_dismantler_that_scrapped_the_vehicle_removes_its_batteries(self) -> None:
        # Given a sold vehicle a dismantler took in with its battery
        world = World()
        vin, [code] = world.sold(AUTOMAKER)
        world.scrap(vin, [code], DISMANTLER)

        # When the dismantler takes the battery out
        accepted(
            events.remove_batteries(
                world.store, world.request(DISMANTLER), vin, [code], ON, RemovalReason.SCRAPPING
            )
        )

        # Then the dismantler holds it; the automaker still answers for it
        battery = world.battery(code)
        assert battery.status is BatteryStatus.REMOVED
        assert (battery.custodian, battery.responsible) == (DISMANTLER.id, AUTOMAKER.id)

    @pytest.mark.parametrize(
        "stranger",
        [OTHER_AUTOMAKER, DISMANTLER, BATTERY_MAKER],
        ids=ids([OTHER_AUTOMAKER, DISMANTLER, BATTERY_MAKER]),
    )
    def test_an_enterprise_without_the_vehicle_is_answered_as_absent(
        self, stranger: EnterpriseFacts
    ) -> None:
        # Given a vehicle of the automaker, in service (no dismantler has taken it in)
        world = World()
        vin, [code] = world.vehicle_with(AUTOMAKER)

        # When another enterprise removes its battery
        answer = answered_as_absent(
            world,
            lambda v, c: events.remove_batteries(
                world.store, world.request(stranger), v, [c], ON, RemovalReason.REPLACEMENT
            ),
            [vin, code],
            [world.vin(), world.code()],
        )

        # Then vehicle and battery read as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    @pytest.mark.parametrize(
        "stranger", [AUTOMAKER, OTHER_DISMANTLER], ids=ids([AUTOMAKER, OTHER_DISMANTLER])
    )
    def test_once_scrapped_only_the_dismantler_that_took_it_in_removes(
        self, stranger: EnterpriseFacts
    ) -> None:
        # Given a sold vehicle a dismantler took in with its battery
        world = World()
        vin, [code] = world.sold(AUTOMAKER)
        world.scrap(vin, [code], DISMANTLER)

        # When its automaker, or another dismantler, removes the battery
        answer = answered_as_absent(
            world,
            lambda v, c: events.remove_batteries(
                world.store, world.request(stranger), v, [c], ON, RemovalReason.SCRAPPING
            ),
            [vin, code],
            [world.vin(), world.code()],
        )

        # Then vehicle and battery read as unknown to them
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_the_automaker_removing_its_battery_from_another_automakers_vehicle_reads_as_absent(
        self,
    ) -> None:
        # Given a battery the automaker removed and holds, and another automaker's vehicle
        world = World()
        _, code = world.removed(AUTOMAKER)
        their_vin, _ = world.vehicle_with(OTHER_AUTOMAKER)

        # When the automaker "removes" its battery from the other automaker's vehicle
        answer = answered_as_absent(
            world,
            lambda v: events.remove_batteries(
                world.store, world.request(AUTOMAKER), v, [code], ON, RemovalReason.REPAIR
            ),
            [their_vin],
            [world.vin()],
        )

        # Then the vehicle reads as unknown
        assert codes_of(answer) == ["UNKNOWN_VEHICLE"]


class TestRepairReturn:
    def test_the_maker_takes_back_a_battery_removed_by_the_automaker_holding_it(self) -> None:
        # Given a battery the automaker took out of its vehicle for repair
        world = World()
        _, code = world.removed(AUTOMAKER)

        # When its maker receives it back
        recorded = accepted(
            events.receive_repair_return(world.store, world.request(BATTERY_MAKER), code, ON)
        )

        # Then the maker holds it, the automaker still answers for it, and the maker owes
        # the warehouse-entry upload
        battery = world.battery(code)
        assert battery.status is BatteryStatus.IN_REPAIR
        assert (battery.custodian, battery.responsible) == (BATTERY_MAKER.id, AUTOMAKER.id)
        assert [
            (o.obligation.rule_id, o.obligation.responsible_enterprise)
            for o in recorded.obligations
        ] == [("REPAIR_RETURN_WAREHOUSE_ENTRY", BATTERY_MAKER.id)]

    def test_the_maker_takes_back_a_battery_supplied_but_not_yet_installed(self) -> None:
        # Given a battery supplied to an automaker, not installed
        world = World()
        [code] = world.supplied(AUTOMAKER)

        # When its maker receives it back for repair
        accepted(events.receive_repair_return(world.store, world.request(BATTERY_MAKER), code, ON))

        # Then the maker holds it again
        assert world.battery(code).custodian == BATTERY_MAKER.id

    def test_the_maker_takes_back_a_battery_it_sold_directly(self) -> None:
        # Given a battery its maker sold directly to a buyer off the platform
        world = World()
        [code] = world.produce(BATTERY_MAKER)
        accepted(
            events.sell_directly(
                world.store,
                world.request(BATTERY_MAKER),
                code,
                date(2026, 5, 1),
                "Swap Station Co",
                PROVINCE,
            )
        )
        assert world.battery(code).custodian is None  # held off the platform

        # When the maker, which answers for it, receives it back for repair
        accepted(events.receive_repair_return(world.store, world.request(BATTERY_MAKER), code, ON))

        # Then the maker holds it
        assert world.battery(code).custodian == BATTERY_MAKER.id

    def test_the_maker_is_answered_as_absent_for_its_battery_at_a_recycler(self) -> None:
        # Given a battery of the maker that its automaker handed over to a recycler
        world = World()
        code = world.at_recycler(RECYCLER)

        # When the maker receives it back for repair
        answer = answered_as_absent(
            world,
            lambda c: events.receive_repair_return(
                world.store, world.request(BATTERY_MAKER), c, ON
            ),
            [code],
            [world.code()],
        )

        # Then it reads as unknown: the recycler holds it, outside the maker's chain
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_the_maker_is_answered_as_absent_for_its_battery_at_a_dismantler(self) -> None:
        # Given a battery of the maker in a sold vehicle a dismantler took in
        world = World()
        vin, [code] = world.sold(AUTOMAKER)
        world.scrap(vin, [code], DISMANTLER)
        world.remove(vin, [code], DISMANTLER, DISMANTLED, RemovalReason.SCRAPPING)

        # When the maker receives it back for repair
        answer = answered_as_absent(
            world,
            lambda c: events.receive_repair_return(
                world.store, world.request(BATTERY_MAKER), c, ON
            ),
            [code],
            [world.code()],
        )

        # Then it reads as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_another_maker_is_answered_as_absent(self) -> None:
        # Given a battery the automaker removed and holds
        world = World()
        _, code = world.removed(AUTOMAKER)

        # When a maker that did not make it receives it for repair
        answer = answered_as_absent(
            world,
            lambda c: events.receive_repair_return(
                world.store, world.request(OTHER_BATTERY_MAKER), c, ON
            ),
            [code],
            [world.code()],
        )

        # Then it reads as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]


class TestServicePointReceipt:
    def test_the_operator_receives_a_battery_it_holds_at_its_collection_point(self) -> None:
        # Given a battery the automaker removed, and a collection point of the automaker
        world = World()
        _, code = world.removed(AUTOMAKER)
        point = world.service_point(AUTOMAKER)

        # When the automaker receives the battery at its point
        accepted(
            events.receive_at_service_point(
                world.store, world.request(AUTOMAKER), point, [code], ON
            )
        )

        # Then the battery is at the point, held by the automaker
        battery = world.battery(code)
        assert (battery.status, battery.service_point) == (BatteryStatus.AT_SERVICE_POINT, point)
        assert (battery.custodian, battery.responsible) == (AUTOMAKER.id, AUTOMAKER.id)

    def test_a_maker_receives_its_own_stock_at_its_storage_point(self) -> None:
        # Given a battery in its maker's stock, and a storage point of the maker
        world = World()
        [code] = world.produce(BATTERY_MAKER)
        point = world.service_point(BATTERY_MAKER, PointType.STORAGE)

        # When the maker receives the battery at its point
        accepted(
            events.receive_at_service_point(
                world.store, world.request(BATTERY_MAKER), point, [code], ON
            )
        )

        # Then it is there, held by the maker
        battery = world.battery(code)
        assert (battery.status, battery.custodian) == (
            BatteryStatus.AT_SERVICE_POINT,
            BATTERY_MAKER.id,
        )

    def test_a_point_of_another_operator_is_answered_as_absent(self) -> None:
        # Given a battery the automaker holds, and a collection point of another automaker
        world = World()
        _, code = world.removed(AUTOMAKER)
        their_point = world.service_point(OTHER_AUTOMAKER)

        # When the automaker receives its battery at the other automaker's point
        answer = answered_as_absent(
            world,
            lambda p: events.receive_at_service_point(
                world.store, world.request(AUTOMAKER), p, [code], ON
            ),
            [their_point],
            [world.point_id()],
        )

        # Then the point reads as one that does not exist
        assert codes_of(answer) == ["UNKNOWN_SERVICE_POINT"]

    def test_a_battery_the_operator_does_not_hold_is_answered_as_absent(self) -> None:
        # Given a battery the automaker holds, and a point of another automaker
        world = World()
        _, code = world.removed(AUTOMAKER)
        their_point = world.service_point(OTHER_AUTOMAKER)

        # When the other automaker receives that battery at its own point
        answer = answered_as_absent(
            world,
            lambda c: events.receive_at_service_point(
                world.store, world.request(OTHER_AUTOMAKER), their_point, [c], ON
            ),
            [code],
            [world.code()],
        )

        # Then the battery reads as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_an_inactive_point_takes_in_nothing(self) -> None:
        # Given a battery the automaker holds, and an inactive point of its own
        world = World()
        _, code = world.removed(AUTOMAKER)
        point = world.service_point(AUTOMAKER, active=False)
        before = world.store.snapshot()

        # When the automaker receives the battery there
        recorded = events.receive_at_service_point(
            world.store, world.request(AUTOMAKER), point, [code], ON
        )

        # Then it is refused, and nothing is stored
        assert codes_of(described(recorded)) == ["INACTIVE_SERVICE_POINT"]
        assert world.store.snapshot() == before


class TestHandOver:
    def test_out_of_a_point_the_recipient_holds_the_battery_from_then_on(self) -> None:
        # Given a battery at the automaker's collection point
        world = World()
        _, code = world.removed(AUTOMAKER)
        point = world.service_point(AUTOMAKER)
        world.receive_at(point, [code], AUTOMAKER)

        # When the automaker hands it out of the point to a recycler
        accepted(
            events.hand_over(world.store, world.request(AUTOMAKER), point, [code], ON, RECYCLER.id)
        )

        # Then the recycler holds it; the automaker still answers for it
        battery = world.battery(code)
        assert (battery.status, battery.service_point) == (BatteryStatus.HANDED_OVER, None)
        assert (battery.custodian, battery.responsible) == (RECYCLER.id, AUTOMAKER.id)

    def test_after_handing_it_over_the_former_holder_is_answered_as_absent(self) -> None:
        # Given a battery the automaker handed over to a recycler
        world = World()
        code = world.at_recycler(RECYCLER)

        # When the automaker hands it over again, to another recycler
        answer = answered_as_absent(
            world,
            lambda c: events.hand_over(
                world.store, world.request(AUTOMAKER), None, [c], ON, OTHER_RECYCLER.id
            ),
            [code],
            [world.code()],
        )

        # Then the battery reads as unknown to it
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_a_dismantler_hands_over_from_its_yard_without_a_point(self) -> None:
        # Given a battery a dismantler took out of a sold vehicle it scrapped
        world = World()
        vin, [code] = world.sold(AUTOMAKER)
        world.scrap(vin, [code], DISMANTLER)
        world.remove(vin, [code], DISMANTLER, DISMANTLED, RemovalReason.SCRAPPING)

        # When the dismantler hands it to a recycler
        accepted(
            events.hand_over(world.store, world.request(DISMANTLER), None, [code], ON, RECYCLER.id)
        )

        # Then the recycler holds it
        assert world.battery(code).custodian == RECYCLER.id

    def test_an_empty_point_id_names_a_point_that_does_not_exist_not_elsewhere(self) -> None:
        # Given a battery the automaker took out of its vehicle and holds, at no point
        world = World()
        _, code = world.removed(AUTOMAKER)
        before = world.store.snapshot()

        # When the automaker hands it over out of the point "", and out of a point id that
        # names nothing
        def out_of(point: str | None) -> Recorded:
            return events.hand_over(
                world.store, world.request(AUTOMAKER), point, [code], ON, RECYCLER.id
            )

        empty, ghost = out_of(""), world.point_id()
        on_ghost = out_of(ghost)

        # Then both are refused alike, as a point the automaker does not operate, and nothing
        # is stored
        assert codes_of(described(empty)) == ["UNKNOWN_SERVICE_POINT"]
        assert described(empty) == described(on_ghost, {ghost: ""})
        assert world.store.snapshot() == before
        # And without a point (from elsewhere) the same hand-over is accepted
        accepted(out_of(None))
        assert world.battery(code).custodian == RECYCLER.id

    def test_a_battery_at_a_point_is_handed_out_of_that_point_only(self) -> None:
        # Given a battery at the automaker's point, and a second point of the automaker
        world = World()
        _, code = world.removed(AUTOMAKER)
        point = world.service_point(AUTOMAKER)
        other_point = world.service_point(AUTOMAKER, region="350103")
        world.receive_at(point, [code], AUTOMAKER)
        before = world.store.snapshot()

        # When the automaker hands it over from no point, or out of its other point
        from_nowhere = events.hand_over(
            world.store, world.request(AUTOMAKER), None, [code], ON, RECYCLER.id
        )
        from_elsewhere = events.hand_over(
            world.store, world.request(AUTOMAKER), other_point, [code], ON, RECYCLER.id
        )

        # Then each is refused with where the battery is, and nothing is stored
        assert codes_of(described(from_nowhere)) == ["AT_SERVICE_POINT"]
        assert codes_of(described(from_elsewhere)) == ["NOT_AT_SERVICE_POINT"]
        assert world.store.snapshot() == before

    @pytest.mark.parametrize(
        "recipient",
        [RECYCLER, BATTERY_MAKER, OTHER_AUTOMAKER],
        ids=ids([RECYCLER, BATTERY_MAKER, OTHER_AUTOMAKER]),
    )
    def test_recyclers_and_the_take_back_networks_of_makers_receive_batteries(
        self, recipient: EnterpriseFacts
    ) -> None:
        # Given a battery the automaker holds
        world = World()
        _, code = world.removed(AUTOMAKER)

        # When it hands the battery to a recycler, a battery maker or a vehicle maker
        accepted(
            events.hand_over(world.store, world.request(AUTOMAKER), None, [code], ON, recipient.id)
        )

        # Then the recipient holds it
        assert world.battery(code).custodian == recipient.id

    @pytest.mark.parametrize(
        ("recipient", "refusal"),
        [
            (DISMANTLER, "RECIPIENT_NOT_ALLOWED"),
            (LESSOR, "RECIPIENT_NOT_ALLOWED"),
            (NOT_ONBOARDED, "UNKNOWN_ENTERPRISE"),
            (AUTOMAKER, "SAME_ENTERPRISE"),
        ],
        ids=["dismantler", "lessor", "not_onboarded", "itself"],
    )
    def test_other_recipients_are_refused(self, recipient: EnterpriseFacts, refusal: str) -> None:
        # Given a battery the automaker holds
        world = World()
        _, code = world.removed(AUTOMAKER)
        before = world.store.snapshot()

        # When it hands the battery to a dismantler, a lessor, an enterprise not on the
        # platform, or itself
        recorded = events.hand_over(
            world.store, world.request(AUTOMAKER), None, [code], ON, recipient.id
        )

        # Then it is refused naming the recipient, and nothing is stored
        assert [(a[0], a[1]) for a in described(recorded)] == [(refusal, "counterparty")]
        assert world.store.snapshot() == before

    @pytest.mark.parametrize(
        "stranger",
        [OTHER_AUTOMAKER, RECYCLER, BATTERY_MAKER],
        ids=ids([OTHER_AUTOMAKER, RECYCLER, BATTERY_MAKER]),
    )
    def test_an_enterprise_not_holding_the_battery_is_answered_as_absent(
        self, stranger: EnterpriseFacts
    ) -> None:
        # Given a battery the automaker holds
        world = World()
        _, code = world.removed(AUTOMAKER)

        # When another enterprise hands it over
        answer = answered_as_absent(
            world,
            lambda c: events.hand_over(
                world.store, world.request(stranger), None, [c], ON, OTHER_RECYCLER.id
            ),
            [code],
            [world.code()],
        )

        # Then it reads as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_handing_out_of_another_operators_point_is_answered_as_absent(self) -> None:
        # Given a battery at the automaker's point
        world = World()
        _, code = world.removed(AUTOMAKER)
        point = world.service_point(AUTOMAKER)
        world.receive_at(point, [code], AUTOMAKER)
        their_point = world.service_point(OTHER_AUTOMAKER)

        # When another automaker hands it out of its own point, or of the automaker's point
        own_point = answered_as_absent(
            world,
            lambda c: events.hand_over(
                world.store, world.request(OTHER_AUTOMAKER), their_point, [c], ON, RECYCLER.id
            ),
            [code],
            [world.code()],
        )
        their_point_answer = answered_as_absent(
            world,
            lambda c, p: events.hand_over(
                world.store, world.request(OTHER_AUTOMAKER), p, [c], ON, RECYCLER.id
            ),
            [code, point],
            [world.code(), world.point_id()],
        )

        # Then battery and point read as unknown
        assert codes_of(own_point) == ["UNKNOWN_BATTERY"]
        assert codes_of(their_point_answer) == ["UNKNOWN_BATTERY"]


class TestScrap:
    @pytest.mark.parametrize(
        "dismantler", [DISMANTLER, OTHER_DISMANTLER], ids=ids([DISMANTLER, OTHER_DISMANTLER])
    )
    @pytest.mark.parametrize(
        "automaker", [AUTOMAKER, OTHER_AUTOMAKER], ids=ids([AUTOMAKER, OTHER_AUTOMAKER])
    )
    def test_any_dismantler_takes_in_any_sold_vehicle_not_yet_scrapped_with_its_batteries(
        self, dismantler: EnterpriseFacts, automaker: EnterpriseFacts
    ) -> None:
        # Given a sold (registered) vehicle with two batteries
        world = World()
        vin, codes = world.sold(automaker, n=2)

        # When a dismantler takes it in, naming both batteries
        recorded = accepted(
            events.scrap_vehicle(world.store, world.request(dismantler), vin, ON, codes)
        )

        # Then the vehicle is the dismantler's, complete; the dismantler holds the batteries,
        # still in the vehicle, and the automaker still answers for them
        vehicle = world.vehicle(vin)
        assert (vehicle.scrapped_by, vehicle.scrapped_on) == (dismantler.id, ON)
        assert not vehicle.scrapped_incomplete
        for code in codes:
            battery = world.battery(code)
            assert battery.status is BatteryStatus.INSTALLED
            assert (battery.custodian, battery.responsible) == (dismantler.id, automaker.id)
        assert set(recorded.batteries) == set(codes)

    @pytest.mark.parametrize(
        "dismantler", [DISMANTLER, OTHER_DISMANTLER], ids=ids([DISMANTLER, OTHER_DISMANTLER])
    )
    def test_a_vehicle_never_registered_reads_as_an_unknown_vehicle(
        self, dismantler: EnterpriseFacts
    ) -> None:
        # Given a vehicle certified with its battery and never registered: still in its
        # automaker's stock
        world = World()
        vin, codes = world.vehicle_with(AUTOMAKER)

        # When a dismantler takes it in with its battery
        answer = answered_as_absent(
            world,
            lambda v: events.scrap_vehicle(world.store, world.request(dismantler), v, ON, codes),
            [vin],
            [world.vin()],
        )

        # Then it learns nothing of the vehicle, not even that it is unsold: the answer is the
        # unknown VIN's
        assert [(a[0], a[1]) for a in answer] == [("UNKNOWN_VEHICLE", "vin")]
        assert "regist" not in answer[0][3]
        # And once its automaker has registered it, the same scrap is taken in
        world.register_vehicle(vin, AUTOMAKER)
        accepted(events.scrap_vehicle(world.store, world.request(dismantler), vin, ON, codes))
        assert world.vehicle(vin).scrapped_by == dismantler.id

    def test_a_vehicle_taken_in_without_some_of_its_batteries_is_incomplete(self) -> None:
        # Given a sold vehicle with two batteries
        world = World()
        vin, [came, missing] = world.sold(AUTOMAKER, n=2)

        # When a dismantler takes it in with only one of them
        accepted(events.scrap_vehicle(world.store, world.request(DISMANTLER), vin, ON, [came]))

        # Then the vehicle is incomplete, missing the other; only the one that came is the
        # dismantler's
        vehicle = world.vehicle(vin)
        assert vehicle.scrapped_incomplete
        assert vehicle.missing_battery_codes == {missing}
        assert world.battery(came).custodian == DISMANTLER.id
        assert world.battery(missing).custodian == AUTOMAKER.id

    def test_a_scrap_listing_a_battery_not_in_the_vehicle_reads_as_an_unknown_vehicle(
        self,
    ) -> None:
        # Given a sold vehicle with one battery, and another battery of the same automaker
        world = World()
        vin, [inside] = world.sold(AUTOMAKER)
        [elsewhere] = world.supplied(AUTOMAKER)

        # When a dismantler takes the vehicle in naming both
        answer = answered_as_absent(
            world,
            lambda v: events.scrap_vehicle(
                world.store, world.request(DISMANTLER), v, ON, [inside, elsewhere]
            ),
            [vin],
            [world.vin()],
        )

        # Then it learns nothing of what is in the vehicle: the answer is the unknown VIN's
        assert [(a[0], a[1]) for a in answer] == [("UNKNOWN_VEHICLE", "vin")]

    def test_a_scrap_dated_before_the_vehicles_last_event_reads_as_an_unknown_vehicle(
        self,
    ) -> None:
        # Given a vehicle registered on 2026-04-20
        world = World()
        vin, codes = world.sold(AUTOMAKER)
        assert world.vehicle(vin).registered_on == REGISTERED

        # When a dismantler records taking it in on 2026-04-19
        answer = answered_as_absent(
            world,
            lambda v: events.scrap_vehicle(
                world.store, world.request(DISMANTLER), v, date(2026, 4, 19), codes
            ),
            [vin],
            [world.vin()],
        )

        # Then it learns no date of the vehicle: the answer is the unknown VIN's
        assert codes_of(answer) == ["UNKNOWN_VEHICLE"]
        assert "2026-04-20" not in answer[0][3]

    @pytest.mark.parametrize("change", ["installed", "removed"])
    def test_a_scrap_dated_before_a_battery_went_in_or_came_out_reads_as_an_unknown_vehicle(
        self, change: str
    ) -> None:
        # Given a vehicle registered on 2026-04-20, into which its automaker installed a spare
        # battery, or out of which it took its battery, on 2026-05-04
        world = World()
        vin, [code] = world.sold(AUTOMAKER)
        if change == "installed":
            [spare] = world.supplied(AUTOMAKER)
            accepted(
                events.install_batteries(
                    world.store, world.request(AUTOMAKER), vin, [spare], REMOVED
                )
            )
            inside = [code, spare]
        else:
            world.remove(vin, [code], AUTOMAKER, REMOVED)
            inside = []

        # When a dismantler records taking it in on 2026-05-01, after its registration but
        # before that battery went in or came out
        answer = answered_as_absent(
            world,
            lambda v: events.scrap_vehicle(
                world.store, world.request(DISMANTLER), v, date(2026, 5, 1), inside
            ),
            [vin],
            [world.vin()],
        )

        # Then it is refused as for an unknown VIN, naming no date of the vehicle's
        assert codes_of(answer) == ["UNKNOWN_VEHICLE"]
        assert "2026-05-04" not in answer[0][3]
        # And dated that day, it is taken in
        accepted(events.scrap_vehicle(world.store, world.request(DISMANTLER), vin, REMOVED, inside))
        assert world.vehicle(vin).scrapped_on == REMOVED

    def test_a_scrapped_vehicle_is_answered_as_absent_to_another_dismantler(self) -> None:
        # Given a sold vehicle a dismantler took in
        world = World()
        vin, codes = world.sold(AUTOMAKER)
        world.scrap(vin, codes, DISMANTLER)

        # When another dismantler takes it in too
        answer = answered_as_absent(
            world,
            lambda v: events.scrap_vehicle(world.store, world.request(OTHER_DISMANTLER), v, ON, []),
            [vin],
            [world.vin()],
        )

        # Then it reads as an unknown vehicle
        assert codes_of(answer) == ["UNKNOWN_VEHICLE"]

    def test_the_dismantler_that_took_it_in_is_told_it_did_already(self) -> None:
        # Given a sold vehicle a dismantler took in
        world = World()
        vin, codes = world.sold(AUTOMAKER)
        world.scrap(vin, codes, DISMANTLER)
        before = world.store.snapshot()

        # When the same dismantler scraps it again, on another day
        recorded = events.scrap_vehicle(world.store, world.request(DISMANTLER), vin, ON, [])

        # Then it is refused as scrapped already, and nothing is stored
        assert codes_of(described(recorded)) == ["ALREADY_SCRAPPED"]
        assert world.store.snapshot() == before

    def test_only_a_dismantler_scraps_a_vehicle_even_its_own_automaker_is_refused(self) -> None:
        # Given a sold vehicle of the automaker
        world = World()
        vin, codes = world.sold(AUTOMAKER)

        # When the automaker records its scrapping
        answer = answered_as_absent(
            world,
            lambda v: events.scrap_vehicle(world.store, world.request(AUTOMAKER), v, ON, codes),
            [vin],
            [world.vin()],
        )

        # Then it is told it is not a dismantler, as for any VIN
        assert [(a[0], a[1]) for a in answer] == [("NOT_A_DISMANTLER", "actor")]

    def test_the_automaker_removes_a_battery_that_did_not_come_with_its_scrapped_vehicle(
        self,
    ) -> None:
        # Given a sold vehicle a dismantler took in without one of its two batteries
        world = World()
        vin, [came, missing] = world.sold(AUTOMAKER, n=2)
        world.scrap(vin, [came], DISMANTLER)

        # When the automaker, which still holds the missing battery, records its removal
        accepted(
            events.remove_batteries(
                world.store,
                world.request(AUTOMAKER),
                vin,
                [missing],
                ON,
                RemovalReason.RETIREMENT,
            )
        )

        # Then the automaker holds it out of the vehicle; that the vehicle was scrapped without
        # it stays on record, as evidence
        assert held_by(world, missing) == (BatteryStatus.REMOVED, AUTOMAKER.id)
        vehicle = world.vehicle(vin)
        assert missing not in vehicle.battery_codes
        assert vehicle.missing_battery_codes == {missing}

    @pytest.mark.parametrize(
        "stranger", [DISMANTLER, OTHER_AUTOMAKER], ids=ids([DISMANTLER, OTHER_AUTOMAKER])
    )
    def test_a_battery_that_did_not_come_with_the_vehicle_reads_as_absent_to_others(
        self, stranger: EnterpriseFacts
    ) -> None:
        # Given a sold vehicle a dismantler took in without one of its two batteries
        world = World()
        vin, [came, missing] = world.sold(AUTOMAKER, n=2)
        world.scrap(vin, [came], DISMANTLER)

        # When the dismantler (which does not hold it) or another automaker removes it
        answer = answered_as_absent(
            world,
            lambda v, c: events.remove_batteries(
                world.store, world.request(stranger), v, [c], ON, RemovalReason.SCRAPPING
            ),
            [vin, missing],
            [world.vin(), world.code()],
        )

        # Then it reads as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_the_automaker_cannot_take_out_a_battery_that_came_with_the_vehicle(self) -> None:
        # Given a sold vehicle a dismantler took in with its battery
        world = World()
        vin, [came] = world.sold(AUTOMAKER)
        world.scrap(vin, [came], DISMANTLER)

        # When the automaker records removing that battery
        answer = answered_as_absent(
            world,
            lambda v, c: events.remove_batteries(
                world.store, world.request(AUTOMAKER), v, [c], ON, RemovalReason.RETIREMENT
            ),
            [vin, came],
            [world.vin(), world.code()],
        )

        # Then it reads as unknown: the dismantler holds it
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]


class TestAfterScrapping:
    def test_the_dismantler_of_a_scrapped_vehicle_cannot_register_it_again(self) -> None:
        # Given a sold vehicle that a dismantler took in (a vehicle never registered it cannot
        # take in: TestScrap)
        world = World()
        vin, codes = world.sold(AUTOMAKER)
        world.scrap(vin, codes, DISMANTLER)
        before = world.store.snapshot()

        # When the dismantler registers it (which would give the automaker sales duties again)
        recorded = events.register_vehicle(world.store, world.request(DISMANTLER), vin, ON, REGION)

        # Then it is refused as scrapped, and no duty of the automaker's arises
        assert "VEHICLE_SCRAPPED" in codes_of(described(recorded))
        assert world.store.snapshot() == before

    def test_nothing_is_installed_in_a_scrapped_vehicle(self) -> None:
        # Given a battery the dismantler took out of a sold vehicle it scrapped
        world = World()
        vin, [code] = world.sold(AUTOMAKER)
        world.scrap(vin, [code], DISMANTLER)
        world.remove(vin, [code], DISMANTLER, DISMANTLED, RemovalReason.SCRAPPING)
        before = world.store.snapshot()

        # When the dismantler installs it in the scrapped vehicle again
        recorded = events.install_batteries(world.store, world.request(DISMANTLER), vin, [code], ON)

        # Then it is refused, and nothing is stored
        assert not recorded.ok
        assert world.store.snapshot() == before


class TestRecode:
    def test_a_recycler_holding_a_battery_recodes_it_under_its_own_code(self) -> None:
        # Given a battery a recycler holds
        world = World()
        code = world.at_recycler(RECYCLER)
        new_code = world.code("R7G", ON)

        # When the recycler re-codes it under its own manufacturer code
        accepted(events.recode_battery(world.store, world.request(RECYCLER), code, new_code, ON))

        # Then the old code is closed, and the recycler makes, holds and answers for the new one,
        # which links back
        old, new = world.battery(code), world.battery(new_code)
        assert (old.status, old.recoded_as) == (BatteryStatus.RECODED, new_code)
        assert (new.manufacturer, new.custodian, new.responsible) == (RECYCLER.id,) * 3
        assert (new.status, new.original_code, new.produced_on) == (
            BatteryStatus.REGISTERED,
            code,
            ON,
        )

    def test_a_code_not_assigned_to_the_recycler_is_refused_naming_its_own(self) -> None:
        # Given a battery a recycler holds
        world = World()
        code = world.at_recycler(RECYCLER)
        before = world.store.snapshot()

        # When the recycler re-codes it under a battery maker's manufacturer code
        recorded = events.recode_battery(
            world.store, world.request(RECYCLER), code, world.code("X12", ON), ON
        )

        # Then it is refused, naming the codes assigned to the recycler, and nothing is stored
        [answer] = described(recorded)
        assert answer[:2] == ("MANUFACTURER_CODE_NOT_ASSIGNED", "new_code")
        assert "(assigned: R7G)" in answer[3]
        assert world.store.snapshot() == before

    @pytest.mark.parametrize(
        "stranger",
        [OTHER_RECYCLER, AUTOMAKER, BATTERY_MAKER],
        ids=ids([OTHER_RECYCLER, AUTOMAKER, BATTERY_MAKER]),
    )
    def test_an_enterprise_not_holding_it_is_answered_as_absent(
        self, stranger: EnterpriseFacts
    ) -> None:
        # Given a battery a recycler holds (handed over by the automaker; made by the maker)
        world = World()
        code = world.at_recycler(RECYCLER)
        new_code = world.code(min(stranger.manufacturer_codes, default="R8G"), ON)

        # When another recycler, the automaker or the maker re-codes it
        answer = answered_as_absent(
            world,
            lambda c: events.recode_battery(world.store, world.request(stranger), c, new_code, ON),
            [code],
            [world.code()],
        )

        # Then it reads as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]


class TestDisposal:
    @pytest.mark.parametrize(
        ("story", "holder", "origin", "rule"),
        [
            ("stock", BATTERY_MAKER, DisposalOrigin.PRODUCTION, "BATTERY_MAKER_RETIREMENT_UPLOAD"),
            ("stock", BATTERY_MAKER, DisposalOrigin.RESEARCH, "BATTERY_MAKER_RETIREMENT_UPLOAD"),
            ("in_repair", BATTERY_MAKER, DisposalOrigin.REPAIR, "BATTERY_MAKER_RETIREMENT_UPLOAD"),
            ("supplied", AUTOMAKER, DisposalOrigin.INSTALLATION, "AUTOMAKER_RETIREMENT_UPLOAD"),
            ("supplied", AUTOMAKER, DisposalOrigin.PRODUCTION, "AUTOMAKER_RETIREMENT_UPLOAD"),
            ("at_recycler", RECYCLER, None, None),
        ],
        ids=[
            "maker-production",
            "maker-research",
            "maker-repair",
            "automaker-installation",
            "automaker-production",
            "recycler-final",
        ],
    )
    def test_the_holder_disposes_with_a_fitting_origin_and_owes_its_upload(
        self,
        story: str,
        holder: EnterpriseFacts,
        origin: DisposalOrigin | None,
        rule: str | None,
    ) -> None:
        # Given a battery the holder holds: in stock, back for repair, supplied, at a recycler
        world = World()
        code = self._held(world, story)

        # When the holder disposes of it with an origin that fits it
        recorded = accepted(
            events.dispose_batteries(world.store, world.request(holder), [code], ON, origin)
        )

        # Then it is disposed of, and the holder owes its retirement upload within 10 working
        # days (a recycler's final disposal owes nothing here)
        assert world.battery(code).status is BatteryStatus.DISPOSED
        owed = [
            (o.obligation.rule_id, o.obligation.responsible_enterprise)
            for o in recorded.obligations
        ]
        assert owed == ([(rule, holder.id)] if rule else [])

    @pytest.mark.parametrize(
        ("story", "holder", "origin", "refusal"),
        [
            ("supplied", AUTOMAKER, DisposalOrigin.REPAIR, "ORIGIN_NOT_APPLICABLE"),
            ("at_recycler", RECYCLER, DisposalOrigin.PRODUCTION, "ORIGIN_NOT_APPLICABLE"),
            ("stock", BATTERY_MAKER, DisposalOrigin.INSTALLATION, "ORIGIN_NOT_APPLICABLE"),
            ("stock", BATTERY_MAKER, None, "MISSING_FIELD"),
            ("supplied", AUTOMAKER, None, "MISSING_FIELD"),
        ],
        ids=[
            "automaker-repair",
            "recycler-production",
            "maker-installation",
            "maker-without-origin",
            "automaker-without-origin",
        ],
    )
    def test_an_origin_that_does_not_fit_the_holder_is_refused(
        self,
        story: str,
        holder: EnterpriseFacts,
        origin: DisposalOrigin | None,
        refusal: str,
    ) -> None:
        # Given a battery the holder holds
        world = World()
        code = self._held(world, story)
        before = world.store.snapshot()

        # When the holder disposes of it with an origin that is not its own to give
        recorded = events.dispose_batteries(world.store, world.request(holder), [code], ON, origin)

        # Then it is refused on the origin, and nothing is stored
        assert [(a[0], a[1]) for a in described(recorded)] == [(refusal, "origin")]
        assert world.store.snapshot() == before

    @pytest.mark.parametrize(
        "stranger",
        [OTHER_BATTERY_MAKER, AUTOMAKER, RECYCLER],
        ids=ids([OTHER_BATTERY_MAKER, AUTOMAKER, RECYCLER]),
    )
    def test_an_enterprise_not_holding_it_is_answered_as_absent(
        self, stranger: EnterpriseFacts
    ) -> None:
        # Given a battery in its maker's stock
        world = World()
        [code] = world.produce(BATTERY_MAKER)

        # When another enterprise disposes of it
        answer = answered_as_absent(
            world,
            lambda c: events.dispose_batteries(
                world.store, world.request(stranger), [c], ON, DisposalOrigin.PRODUCTION
            ),
            [code],
            [world.code()],
        )

        # Then it reads as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_the_maker_no_longer_disposes_of_what_it_supplied(self) -> None:
        # Given a battery its maker supplied to an automaker
        world = World()
        [code] = world.supplied(AUTOMAKER)

        # When the maker disposes of it
        answer = answered_as_absent(
            world,
            lambda c: events.dispose_batteries(
                world.store, world.request(BATTERY_MAKER), [c], ON, DisposalOrigin.PRODUCTION
            ),
            [code],
            [world.code()],
        )

        # Then it reads as unknown to the maker
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    @staticmethod
    def _held(world: World, story: str) -> str:
        if story == "stock":
            return world.produce(BATTERY_MAKER)[0]
        if story == "in_repair":
            _, code = world.removed(AUTOMAKER)
            accepted(
                events.receive_repair_return(
                    world.store, world.request(BATTERY_MAKER), code, date(2026, 5, 20)
                )
            )
            return code
        if story == "supplied":
            return world.supplied(AUTOMAKER)[0]
        assert story == "at_recycler"
        return world.at_recycler(RECYCLER)


class TestModels:
    def test_the_owner_certifies_vehicles_of_its_model(self) -> None:
        # Given a model the automaker announced, and a battery supplied to it
        world = World()
        model = world.announce(AUTOMAKER)
        [code] = world.supplied(AUTOMAKER)
        new_vin = world.vin()

        # When the automaker certifies a vehicle of that model
        accepted(
            events.certify_vehicle(
                world.store, world.request(AUTOMAKER), new_vin, model, ON, [code], imported=False
            )
        )

        # Then the vehicle is the automaker's, of that model, with the battery in it
        vehicle = world.vehicle(new_vin)
        assert (vehicle.automaker, vehicle.model, vehicle.battery_codes) == (
            AUTOMAKER.id,
            model,
            frozenset({code}),
        )

    def test_another_automakers_model_is_answered_as_absent(self) -> None:
        # Given a model of the automaker, and a battery supplied to another automaker
        world = World()
        model = world.announce(AUTOMAKER)
        [theirs] = world.supplied(OTHER_AUTOMAKER)
        new_vin = world.vin()

        # When the other automaker certifies a vehicle of the automaker's model
        answer = answered_as_absent(
            world,
            lambda m: events.certify_vehicle(
                world.store,
                world.request(OTHER_AUTOMAKER),
                new_vin,
                m,
                ON,
                [theirs],
                imported=False,
            ),
            [model],
            [world.model_code()],
        )

        # Then the model reads as one it does not have
        assert [(a[0], a[2]) for a in answer] == [("UNKNOWN_MODEL", 0)]

    def test_a_model_code_on_record_is_taken_without_saying_whose_or_since_when(self) -> None:
        # Given a model the automaker announced
        world = World()
        model = world.announce(AUTOMAKER)
        before = world.store.snapshot()

        # When another automaker announces a model under the same code
        recorded = events.announce_model(
            world.store, world.request(OTHER_AUTOMAKER), model, ON, imported=False
        )

        # Then it is told only that the code is taken: no owner, no date
        [(code, _, _, message)] = described(recorded)
        assert code == "ALREADY_ANNOUNCED"
        assert AUTOMAKER.id not in message
        assert "2026-" not in message
        assert world.store.snapshot() == before


class TestVehicleRegistration:
    def test_the_automaker_registers_its_vehicle(self) -> None:
        # Given a vehicle of the automaker
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)

        # When the automaker registers it
        accepted(events.register_vehicle(world.store, world.request(AUTOMAKER), vin, ON, REGION))

        # Then it is registered there
        vehicle = world.vehicle(vin)
        assert (vehicle.registered_on, vehicle.region_code) == (ON, REGION)

    @pytest.mark.parametrize(
        "stranger",
        [OTHER_AUTOMAKER, DISMANTLER, BATTERY_MAKER],
        ids=ids([OTHER_AUTOMAKER, DISMANTLER, BATTERY_MAKER]),
    )
    def test_an_enterprise_other_than_its_automaker_is_answered_as_absent(
        self, stranger: EnterpriseFacts
    ) -> None:
        # Given a vehicle of the automaker
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)

        # When another enterprise registers it
        answer = answered_as_absent(
            world,
            lambda v: events.register_vehicle(world.store, world.request(stranger), v, ON, REGION),
            [vin],
            [world.vin()],
        )

        # Then it reads as an unknown vehicle
        assert codes_of(answer) == ["UNKNOWN_VEHICLE"]


class TestBatteriesOfMakersNotOnThePlatform:
    def test_a_vehicle_maker_registers_them_and_holds_and_answers_for_them(self) -> None:
        # Given a manufacturer code no enterprise on the platform holds
        world = World()
        code = world.code("ZZ9")

        # When an automaker registers a battery under it, and certifies a vehicle with it
        accepted(
            events.register_batteries(world.store, world.request(AUTOMAKER), [NewBattery(code)])
        )
        vin = world.certify([code], AUTOMAKER)

        # Then the battery has no maker on the platform; the automaker held it, answers for it
        # and installed it
        battery = world.battery(code)
        assert battery.manufacturer is None
        assert (battery.custodian, battery.responsible, battery.vin) == (
            AUTOMAKER.id,
            AUTOMAKER.id,
            vin,
        )

    def test_another_enterprise_is_answered_as_absent_for_such_a_battery(self) -> None:
        # Given a battery of a maker not on the platform, registered by an automaker
        world = World()
        code = world.code("ZZ9")
        accepted(
            events.register_batteries(world.store, world.request(AUTOMAKER), [NewBattery(code)])
        )

        # When another automaker disposes of it
        answer = answered_as_absent(
            world,
            lambda c: events.dispose_batteries(
                world.store, world.request(OTHER_AUTOMAKER), [c], ON, DisposalOrigin.PRODUCTION
            ),
            [code],
            [world.code("ZZ9")],
        )

        # Then it reads as unknown
        assert codes_of(answer) == ["UNKNOWN_BATTERY"]

    def test_a_code_held_by_a_maker_on_the_platform_cannot_be_taken_that_way(self) -> None:
        # Given the battery maker holds manufacturer code X12
        world = World()
        before = world.store.snapshot()

        # When an automaker registers a battery under X12
        recorded = events.register_batteries(
            world.store, world.request(AUTOMAKER), [NewBattery(world.code("X12"))]
        )

        # Then it is refused, pointing it to supply from that maker; nothing is stored
        [(code, field, index, message)] = described(recorded)
        assert (code, field, index) == ("MANUFACTURER_CODE_NOT_ASSIGNED", "battery_code", 0)
        assert "supplyBatteries" in message
        assert BATTERY_MAKER.id not in message
        assert world.store.snapshot() == before

    @pytest.mark.parametrize("maker_code", ["X12", "ZZ9"])
    def test_a_battery_maker_registers_only_codes_assigned_to_it(self, maker_code: str) -> None:
        # Given a battery maker holding manufacturer code 03U
        world = World()
        before = world.store.snapshot()

        # When it registers a battery under another maker's code, or an unassigned one
        recorded = events.register_batteries(
            world.store, world.request(OTHER_BATTERY_MAKER), [NewBattery(world.code(maker_code))]
        )

        # Then it is refused, naming its own codes; nothing is stored
        [(code, _, _, message)] = described(recorded)
        assert code == "MANUFACTURER_CODE_NOT_ASSIGNED"
        assert "(assigned: 03U)" in message
        assert world.store.snapshot() == before

    @pytest.mark.parametrize("enterprise", [DISMANTLER, LESSOR], ids=ids([DISMANTLER, LESSOR]))
    def test_an_enterprise_that_makes_neither_batteries_nor_vehicles_registers_none(
        self, enterprise: EnterpriseFacts
    ) -> None:
        # Given an enterprise that makes neither batteries nor vehicles
        world = World()
        before = world.store.snapshot()

        # When it registers a battery of a maker not on the platform
        recorded = events.register_batteries(
            world.store, world.request(enterprise), [NewBattery(world.code("ZZ9"))]
        )

        # Then it is refused first of all as not a maker, and nothing is stored
        assert described(recorded)[0][:2] == ("NOT_A_BATTERY_MAKER", "actor")
        assert world.store.snapshot() == before

    def test_a_code_claimed_while_the_request_was_in_flight_writes_nothing(self) -> None:
        # Given a store whose read of code owners comes before a maker claims code X12
        class ClaimedAfterTheRead(MemoryStore):
            def code_owners(self, codes: Iterable[str]) -> dict[str, str]:
                return {}

        world = World(store=ClaimedAfterTheRead())
        before = world.store.snapshot()

        # When an automaker registers an X12 battery as one of a maker not on the platform
        # Then the write finds the code claimed and nothing is stored
        with pytest.raises(ConflictError):
            events.register_batteries(
                world.store, world.request(AUTOMAKER), [NewBattery(world.code("X12"))]
            )
        assert world.store.snapshot() == before


class TestObligationsAndPoints:
    def test_another_enterprises_obligation_is_answered_as_absent(self) -> None:
        # Given an obligation of the automaker (its vehicle's production upload)
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)
        [duty] = [o for o in world.obligations() if o.obligation.vin == vin]

        # When another automaker fulfils or waives it
        fulfilled = answered_as_absent(
            world,
            lambda oid: obligation_use_cases.fulfil(
                world.store, world.request(OTHER_AUTOMAKER), oid, ON, "RCPT-1"
            ),
            [duty.id],
            ["ob_000000000000000000000000"],
        )
        waived = answered_as_absent(
            world,
            lambda oid: obligation_use_cases.waive(
                world.store, world.request(OTHER_AUTOMAKER), oid, "Not ours to report at all."
            ),
            [duty.id],
            ["ob_000000000000000000000000"],
        )

        # Then it reads as an obligation that does not exist
        assert codes_of(fulfilled) == codes_of(waived) == ["NOT_FOUND"]

    def test_another_operators_service_point_is_answered_as_absent(self) -> None:
        # Given a collection point of the automaker
        world = World()
        point = world.service_point(AUTOMAKER)

        # When another automaker saves a point under that id
        answer = answered_as_absent(
            world,
            lambda p: point_use_cases.upsert(
                world.store,
                world.request(OTHER_AUTOMAKER),
                point_use_cases.PointInput("Taken over", PointType.COLLECTION, REGION, id=p),
                world.point_id,
            ),
            [point],
            [world.point_id()],
        )

        # Then it reads as a point it does not operate
        assert [(a[0], a[1]) for a in answer] == [("UNKNOWN_SERVICE_POINT", "id")]
