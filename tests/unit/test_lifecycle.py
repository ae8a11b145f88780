"""A battery's, vehicle's and model's history: what each accepted event does to its state
(`compliance.history`), and who answers for a battery's take-back after it (docs/DOMAIN.md 1.1).

Who holds a battery and who may record what are in test_custody.py; which events are refused,
and why, in test_event_checks.py.
"""

from __future__ import annotations

from datetime import date

import pytest
from msgspec.structs import replace

from compliance.custody import responsible_after
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
    CREATION_EVENTS,
    MODEL_EVENTS,
    VEHICLE_EVENTS,
    BatteryState,
    BatteryStatus,
    DisposalOrigin,
    EnterpriseFacts,
    EventKind,
    LifecycleEvent,
    RemovalReason,
    VehicleState,
)
from tests.builders import (
    AUTOMAKER,
    BATTERY_MAKER,
    DISMANTLER,
    IMPORTER,
    INTEGRATED_MAKER,
    OTHER_AUTOMAKER,
    RECYCLER,
    battery_code,
    event,
    vin,
)

PRODUCED = date(2026, 3, 2)
SUPPLIED = date(2026, 3, 5)
CERTIFIED = date(2026, 4, 10)
REMOVED = date(2026, 6, 1)
LATER = date(2026, 7, 1)
# A recycler that re-codes batteries for second life under its own manufacturer code.
RECODER = EnterpriseFacts(RECYCLER.id, RECYCLER.kinds, frozenset({"R01"}))


def made(maker: EnterpriseFacts = BATTERY_MAKER, prefix: str = "X12") -> BatteryState:
    """A battery `maker` has just registered, as the recording service folds it."""
    code = battery_code(prefix)
    registration = event(EventKind.BATTERY_PRODUCED, PRODUCED, maker, battery_code=code)
    return produced_battery(registration, maker_of(code, maker))


def supplied(battery: BatteryState, to: EnterpriseFacts = AUTOMAKER) -> BatteryState:
    supply = event(
        EventKind.BATTERY_SUPPLIED,
        SUPPLIED,
        BATTERY_MAKER,
        battery_code=battery.code,
        counterparty=to.id,
    )
    return apply_battery(battery, supply)


def certified(serial: int = 1, automaker: EnterpriseFacts = AUTOMAKER) -> VehicleState:
    certificate = event(
        EventKind.FACTORY_CERTIFICATE_ISSUED, CERTIFIED, automaker, vin=vin(serial), model="M1"
    )
    return apply_vehicle(None, certificate)


def install(battery: BatteryState, vehicle: VehicleState) -> tuple[BatteryState, VehicleState]:
    installation = event(
        EventKind.BATTERY_INSTALLED,
        CERTIFIED,
        AUTOMAKER,
        battery_code=battery.code,
        vin=vehicle.vin,
    )
    return (
        apply_battery(battery, installation, vehicle_automaker=vehicle.automaker),
        with_battery(vehicle, installation),
    )


def removal(battery: BatteryState, vehicle: VehicleState, actor: EnterpriseFacts) -> LifecycleEvent:
    return event(
        EventKind.BATTERY_REMOVED,
        REMOVED,
        actor,
        battery_code=battery.code,
        vin=vehicle.vin,
        reason=RemovalReason.REPLACEMENT,
    )


def handed_over(battery: BatteryState, to: EnterpriseFacts = RECODER) -> BatteryState:
    hand_over = event(
        EventKind.BATTERY_HANDED_OVER,
        REMOVED,
        BATTERY_MAKER,
        battery_code=battery.code,
        counterparty=to.id,
    )
    return apply_battery(battery, hand_over)


def scrap(vehicle: VehicleState, taken_in: tuple[str, ...]) -> LifecycleEvent:
    return replace(
        event(EventKind.VEHICLE_SCRAPPED, REMOVED, DISMANTLER, vin=vehicle.vin),
        battery_codes=taken_in,
    )


class TestVocabulary:
    def test_every_event_kind_is_about_exactly_one_of_a_model_a_vehicle_or_a_battery(
        self,
    ) -> None:
        # Given the three families of events
        families = [MODEL_EVENTS, VEHICLE_EVENTS, BATTERY_EVENTS]
        # Then they do not overlap and together name every kind, the new hand-over included
        assert sum(len(f) for f in families) == len(EventKind)
        assert set().union(*families) == set(EventKind)
        assert EventKind.BATTERY_HANDED_OVER in BATTERY_EVENTS
        assert EventKind.VEHICLE_SCRAPPED in VEHICLE_EVENTS

    def test_only_models_certificates_and_battery_registrations_create_records(self) -> None:
        # Given the events that put a new record on file, Then they are exactly these
        assert MODEL_EVENTS | CERTIFICATION_EVENTS | {EventKind.BATTERY_PRODUCED} == CREATION_EVENTS

    def test_an_importer_makes_vehicles_and_a_battery_maker_does_not(self) -> None:
        # Given the enterprise kinds, Then importers carry the automaker's duties
        assert IMPORTER.makes_vehicles
        assert AUTOMAKER.makes_vehicles
        assert INTEGRATED_MAKER.makes_vehicles
        assert not BATTERY_MAKER.makes_vehicles
        assert not DISMANTLER.makes_vehicles


class TestModels:
    def test_an_announced_model_is_a_domestic_model_of_the_announcing_automaker(self) -> None:
        # When an automaker announces a model
        model = apply_model(
            None, event(EventKind.MODEL_ANNOUNCED, date(2026, 1, 5), AUTOMAKER, model="M1")
        )
        # Then it owns a domestic model approved on that day
        assert (model.code, model.owner, model.imported, model.approved_on) == (
            "M1",
            AUTOMAKER.id,
            False,
            date(2026, 1, 5),
        )

    def test_a_ccc_certified_model_is_imported(self) -> None:
        # When an importer records a CCC certificate, Then the model is an imported one
        model = apply_model(
            None, event(EventKind.MODEL_CCC_CERTIFIED, date(2026, 1, 5), IMPORTER, model="IMP1")
        )
        assert model.imported
        assert model.owner == IMPORTER.id

    def test_only_model_events_with_a_model_fold_into_a_model(self) -> None:
        # Given a vehicle event, or a model event without its model code, When folded into a
        # model, Then it is refused as a programming error
        with pytest.raises(ValueError, match="not a model event"):
            apply_model(None, event(EventKind.VEHICLE_REGISTERED, CERTIFIED, AUTOMAKER))
        with pytest.raises(ValueError, match="not a model event"):
            apply_model(None, event(EventKind.MODEL_ANNOUNCED, CERTIFIED, AUTOMAKER))


class TestVehicles:
    def test_a_factory_certificate_puts_a_domestic_vehicle_on_record(self) -> None:
        # When an automaker issues a factory certificate
        vehicle = certified(1)
        # Then the vehicle is its automaker's, domestic, certified and not yet registered
        assert vehicle == VehicleState(
            vin=vin(1),
            automaker=AUTOMAKER.id,
            model="M1",
            imported=False,
            certified_on=CERTIFIED,
            last_event_on=CERTIFIED,
        )

    def test_customs_clearance_puts_an_imported_vehicle_on_record(self) -> None:
        # When an importer clears a vehicle through customs, Then it is an imported vehicle
        vehicle = apply_vehicle(
            None,
            event(EventKind.CUSTOMS_CLEARED, CERTIFIED, IMPORTER, vin=vin(2), model="IMP1"),
        )
        assert vehicle.imported
        assert vehicle.automaker == IMPORTER.id

    def test_registration_records_its_date_and_region(self) -> None:
        # Given a certified vehicle, When it is registered in Shenzhen Nanshan a month later
        registered = apply_vehicle(
            certified(3),
            event(
                EventKind.VEHICLE_REGISTERED,
                date(2026, 5, 10),
                AUTOMAKER,
                vin=vin(3),
                region_code="440305",
            ),
        )
        # Then the date and region are kept, and the certificate date is unchanged
        assert registered.registered_on == date(2026, 5, 10)
        assert registered.region_code == "440305"
        assert registered.last_event_on == date(2026, 5, 10)
        assert registered.certified_on == CERTIFIED

    def test_vehicle_events_need_a_vin_a_model_and_a_certified_vehicle(self) -> None:
        # Given malformed inputs the checks would have refused, Then folding them is an error
        with pytest.raises(ValueError, match="has no VIN"):
            apply_vehicle(None, event(EventKind.VEHICLE_REGISTERED, CERTIFIED, AUTOMAKER))
        with pytest.raises(ValueError, match="has no model"):
            apply_vehicle(
                None,
                event(EventKind.FACTORY_CERTIFICATE_ISSUED, CERTIFIED, AUTOMAKER, vin=vin(4)),
            )
        with pytest.raises(ValueError, match="needs a certified vehicle"):
            apply_vehicle(
                None, event(EventKind.VEHICLE_REGISTERED, CERTIFIED, AUTOMAKER, vin=vin(4))
            )
        with pytest.raises(ValueError, match="not a vehicle event"):
            apply_vehicle(
                certified(4),
                event(EventKind.BATTERY_INSTALLED, CERTIFIED, AUTOMAKER, vin=vin(4)),
            )

    def test_installation_and_removal_change_the_batteries_a_vehicle_carries(self) -> None:
        # Given a vehicle with two batteries installed
        first, second = made(), made()
        _, vehicle = install(first, certified(5))
        _, vehicle = install(second, vehicle)
        assert vehicle.battery_codes == {first.code, second.code}
        # When one is removed, Then only the other is still in it
        after = with_battery(vehicle, removal(first, vehicle, AUTOMAKER))
        assert after.battery_codes == {second.code}

    def test_only_installation_and_removal_change_a_vehicles_batteries(self) -> None:
        # Given a battery event that neither installs nor removes, or one without a code
        vehicle = certified(6)
        # Then folding it into the vehicle is an error
        with pytest.raises(ValueError, match="neither installs nor removes"):
            with_battery(
                vehicle,
                event(EventKind.BATTERY_DISPOSED, LATER, AUTOMAKER, battery_code=battery_code()),
            )
        with pytest.raises(ValueError, match="has no battery code"):
            with_battery(vehicle, event(EventKind.BATTERY_INSTALLED, LATER, AUTOMAKER))

    def test_scrapping_records_the_dismantler_and_the_batteries_left_behind(self) -> None:
        # Given a vehicle carrying two batteries
        kept, missing = made(), made()
        _, vehicle = install(kept, certified(7))
        _, vehicle = install(missing, vehicle)
        # When a dismantler takes it in with only one of them
        scrapped = apply_vehicle(vehicle, scrap(vehicle, (kept.code,)))
        # Then the dismantler is recorded and the vehicle is incomplete by the other battery
        assert scrapped.scrapped_by == DISMANTLER.id
        assert scrapped.scrapped_on == REMOVED
        assert scrapped.last_event_on == REMOVED
        assert scrapped.missing_battery_codes == {missing.code}
        assert scrapped.scrapped_incomplete
        # And its batteries are still recorded as in it until they are removed
        assert scrapped.battery_codes == {kept.code, missing.code}

    def test_a_vehicle_scrapped_with_all_its_batteries_is_complete(self) -> None:
        # Given a vehicle with one battery, When it is scrapped with it, Then nothing is missing
        battery = made()
        _, vehicle = install(battery, certified(8))
        scrapped = apply_vehicle(vehicle, scrap(vehicle, (battery.code,)))
        assert scrapped.missing_battery_codes == frozenset()
        assert not scrapped.scrapped_incomplete

    def test_a_battery_missing_at_scrapping_stays_missing_after_its_removal(self) -> None:
        # Given a vehicle scrapped without one of its batteries
        battery = made()
        _, vehicle = install(battery, certified(9))
        scrapped = apply_vehicle(vehicle, scrap(vehicle, ()))
        assert scrapped.scrapped_incomplete
        # When its automaker later records that battery's removal
        after = with_battery(scrapped, removal(battery, scrapped, AUTOMAKER))
        # Then the battery is out of the vehicle, but the vehicle stays incomplete: that it was
        # scrapped without the battery is evidence, whatever came after
        assert after.battery_codes == frozenset()
        assert after.missing_battery_codes == {battery.code}
        assert after.scrapped_incomplete


class TestBatteries:
    def test_a_registered_battery_is_held_and_answered_for_by_its_maker(self) -> None:
        # When a battery maker registers a code of its own manufacturer code
        battery = made()
        # Then it made the battery, holds it and answers for it, from the code's production date
        assert battery.manufacturer == BATTERY_MAKER.id
        assert battery.custodian == BATTERY_MAKER.id
        assert battery.responsible == BATTERY_MAKER.id
        assert battery.status is BatteryStatus.REGISTERED
        assert battery.produced_on == battery.last_event_on == PRODUCED

    def test_the_maker_is_the_registrant_only_for_its_own_manufacturer_codes(self) -> None:
        # Given an integrated maker holding manufacturer code Y01
        # Then a Y01 battery is its own, and a battery of a code no one on the platform holds
        # has no maker on the platform
        assert maker_of(battery_code("Y01"), INTEGRATED_MAKER) == INTEGRATED_MAKER.id
        assert maker_of(battery_code("ZZ9"), INTEGRATED_MAKER) is None
        assert maker_of(battery_code("X12"), AUTOMAKER) is None

    def test_a_battery_from_a_maker_off_the_platform_is_held_by_the_vehicle_maker(self) -> None:
        # When an automaker registers a battery whose maker is not on the platform
        battery = made(AUTOMAKER, prefix="ZZ9")
        # Then the battery has no maker on record, and the automaker holds and answers for it
        assert battery.manufacturer is None
        assert battery.custodian == AUTOMAKER.id
        assert battery.responsible == AUTOMAKER.id

    def test_a_part_names_its_pack_for_life(self) -> None:
        # Given a registered pack, When a module is registered as its part
        pack = made()
        module_code = battery_code().replace("PB", "MB", 1)
        module = produced_battery(
            event(
                EventKind.BATTERY_PRODUCED,
                PRODUCED,
                BATTERY_MAKER,
                battery_code=module_code,
                parent_code=pack.code,
            ),
            BATTERY_MAKER.id,
        )
        # Then the module names its pack (a pack's parts are found by that name; the pack
        # itself does not change), and keeps naming it whatever happens to it next
        assert module.parent_code == pack.code
        assert supplied(module).parent_code == pack.code
        assert supplied(pack).parent_code is None

    def test_only_a_registration_with_a_code_makes_a_new_battery(self) -> None:
        # Given an event that does not register a battery, Then no battery comes of it
        with pytest.raises(ValueError, match="does not register a battery"):
            produced_battery(
                event(EventKind.BATTERY_SUPPLIED, PRODUCED, BATTERY_MAKER), BATTERY_MAKER.id
            )
        with pytest.raises(ValueError, match="does not register a battery"):
            produced_battery(
                event(EventKind.BATTERY_PRODUCED, PRODUCED, BATTERY_MAKER), BATTERY_MAKER.id
            )

    @pytest.mark.parametrize(
        ("kind", "status"),
        [
            (EventKind.BATTERY_SUPPLIED, BatteryStatus.SUPPLIED),
            (EventKind.BATTERY_INSTALLED, BatteryStatus.INSTALLED),
            (EventKind.BATTERY_REMOVED, BatteryStatus.REMOVED),
            (EventKind.BATTERY_SOLD_DIRECTLY, BatteryStatus.SOLD_DIRECTLY),
            (EventKind.REPAIR_RETURN_RECEIVED, BatteryStatus.IN_REPAIR),
            (EventKind.SERVICE_POINT_RECEIVED, BatteryStatus.AT_SERVICE_POINT),
            (EventKind.SERVICE_POINT_HANDED_OUT, BatteryStatus.HANDED_OVER),
            (EventKind.BATTERY_HANDED_OVER, BatteryStatus.HANDED_OVER),
            (EventKind.BATTERY_DISPOSED, BatteryStatus.DISPOSED),
            (EventKind.BATTERY_RECODED, BatteryStatus.RECODED),
        ],
    )
    def test_each_battery_event_moves_the_battery_to_its_status(
        self, kind: EventKind, status: BatteryStatus
    ) -> None:
        # Given a registered battery, When an event of `kind` is folded in
        battery = made()
        after = apply_battery(
            battery,
            event(kind, LATER, BATTERY_MAKER, battery_code=battery.code, counterparty=RECYCLER.id),
            vehicle_automaker=AUTOMAKER.id,
        )
        # Then the battery has the status that event leads to, as of the event's date
        assert after.status is status
        assert after.last_event_on == LATER

    @pytest.mark.parametrize(
        "kind",
        [EventKind.BATTERY_PRODUCED, EventKind.VEHICLE_REGISTERED, EventKind.MODEL_ANNOUNCED],
    )
    def test_events_that_are_not_about_an_existing_battery_do_not_fold_into_one(
        self, kind: EventKind
    ) -> None:
        # Given a battery on record, When a registration or a model or vehicle event is folded
        # into it, Then that is an error
        battery = made()
        with pytest.raises(ValueError, match="not an event about an existing battery"):
            apply_battery(battery, event(kind, LATER, AUTOMAKER, battery_code=battery.code))

    def test_each_event_counts_in_the_history_of_the_record_it_changes(self) -> None:
        # Given a battery just registered and a vehicle just certified (one event each)
        battery, vehicle = made(), certified(16)
        assert (battery.history, vehicle.history) == (1, 1)
        # When the battery is supplied and installed, and the vehicle registered and scrapped
        battery, _ = install(supplied(battery), vehicle)
        registered = apply_vehicle(
            vehicle,
            event(
                EventKind.VEHICLE_REGISTERED,
                LATER,
                AUTOMAKER,
                vin=vehicle.vin,
                region_code="440305",
            ),
        )
        scrapped = apply_vehicle(registered, scrap(registered, (battery.code,)))
        taken_in = apply_battery(battery, scrap(registered, (battery.code,)))
        # Then each counts one more event (installation is in the battery's history only)
        assert (battery.history, scrapped.history, taken_in.history) == (3, 3, 4)

    def test_a_second_life_battery_starts_with_no_history_of_its_own(self) -> None:
        # Given a battery re-coded for second life, Then the re-coding is in the history of the
        # code it replaced, not of the new one
        battery = handed_over(made())
        recode = event(
            EventKind.BATTERY_RECODED,
            LATER,
            RECODER,
            battery_code=battery.code,
            new_code=battery_code("R01", produced=LATER),
        )
        assert apply_battery(battery, recode).history == battery.history + 1
        assert second_life_battery(battery, recode).history == 0

    def test_a_supply_records_the_automaker_supplied(self) -> None:
        # When a maker supplies its battery to an automaker, Then the battery says to whom
        battery = supplied(made(), to=OTHER_AUTOMAKER)
        assert battery.supplied_to == OTHER_AUTOMAKER.id
        assert battery.status is BatteryStatus.SUPPLIED

    def test_installation_records_the_vehicle_and_removal_keeps_it_as_the_last_one(self) -> None:
        # Given a battery installed in a vehicle
        vehicle = certified(10)
        battery, vehicle = install(supplied(made()), vehicle)
        assert (battery.vin, battery.vehicle_automaker) == (vehicle.vin, AUTOMAKER.id)
        # When it is removed, Then it remembers the vehicle but is in no automaker's vehicle
        removed = apply_battery(battery, removal(battery, vehicle, AUTOMAKER))
        assert removed.vin == vehicle.vin
        assert removed.vehicle_automaker is None

    def test_a_service_point_receipt_records_the_point_and_the_hand_out_clears_it(self) -> None:
        # Given a battery received at service point SP-1
        battery = supplied(made())
        received = apply_battery(
            battery,
            event(
                EventKind.SERVICE_POINT_RECEIVED,
                LATER,
                AUTOMAKER,
                battery_code=battery.code,
                service_point="SP-1",
            ),
        )
        assert received.service_point == "SP-1"
        # When it is handed out of the point, Then it is at no point any more
        handed_out = apply_battery(
            received,
            event(
                EventKind.SERVICE_POINT_HANDED_OUT,
                LATER,
                AUTOMAKER,
                battery_code=battery.code,
                service_point="SP-1",
                counterparty=RECYCLER.id,
            ),
        )
        assert handed_out.service_point is None

    def test_a_scrapped_vehicles_battery_stays_installed_while_its_dismantler_holds_it(
        self,
    ) -> None:
        # Given a battery installed in a vehicle
        vehicle = certified(11)
        battery, vehicle = install(supplied(made()), vehicle)
        # When a dismantler takes the vehicle in with it
        taken_in = apply_battery(battery, scrap(vehicle, (battery.code,)))
        # Then the dismantler holds it, but it is still installed and its automaker answers
        assert taken_in.custodian == DISMANTLER.id
        assert taken_in.status is BatteryStatus.INSTALLED
        assert taken_in.vin == vehicle.vin
        assert taken_in.responsible == AUTOMAKER.id
        assert taken_in.last_event_on == REMOVED

    def test_a_second_life_code_links_back_to_the_original(self) -> None:
        # Given a battery handed over to a recycler
        battery = handed_over(made())
        # When the recycler re-codes it for second life
        new_code = battery_code("R01", produced=LATER)
        recode = event(
            EventKind.BATTERY_RECODED, LATER, RECODER, battery_code=battery.code, new_code=new_code
        )
        original = apply_battery(battery, recode)
        second = second_life_battery(battery, recode)
        # Then the original is final and points to the new code, and the new battery points back
        assert (original.status, original.recoded_as) == (BatteryStatus.RECODED, new_code)
        assert (second.code, second.original_code) == (new_code, battery.code)
        # And the re-coder made, holds and answers for the second-life battery from that day
        assert (second.manufacturer, second.custodian, second.responsible) == (
            RECODER.id,
            RECODER.id,
            RECODER.id,
        )
        assert second.status is BatteryStatus.REGISTERED
        assert second.produced_on == LATER

    def test_only_a_recode_with_a_new_code_makes_a_second_life_battery(self) -> None:
        # Given a re-code without its new code, or another event, Then no battery comes of it
        battery = made()
        for e in (
            event(EventKind.BATTERY_RECODED, LATER, RECODER, battery_code=battery.code),
            event(EventKind.BATTERY_DISPOSED, LATER, RECODER, battery_code=battery.code),
        ):
            with pytest.raises(ValueError, match="creates a second-life battery"):
                second_life_battery(battery, e)


class TestResponsibility:
    def test_a_new_battery_is_its_registrants_responsibility(self) -> None:
        # Given nothing on record, When a battery is registered, Then its registrant answers
        registration = event(
            EventKind.BATTERY_PRODUCED, PRODUCED, BATTERY_MAKER, battery_code=battery_code()
        )
        assert responsible_after(None, registration, None) == BATTERY_MAKER.id
        assert made().responsible == BATTERY_MAKER.id

    def test_a_supplied_battery_is_still_its_makers_responsibility(self) -> None:
        # Given a registered battery, When its maker supplies it to an automaker,
        # Then the maker answers for it until it is installed
        assert supplied(made()).responsible == BATTERY_MAKER.id

    def test_an_installed_battery_is_the_automakers_responsibility(self) -> None:
        # Given a supplied battery, When it is installed in the automaker's vehicle,
        # Then that automaker answers for it
        battery, _ = install(supplied(made()), certified(12))
        assert battery.responsible == AUTOMAKER.id
        assert battery.status is BatteryStatus.INSTALLED

    def test_the_vehicles_automaker_answers_for_a_battery_whoever_installs_it(self) -> None:
        # Given a battery, When it is installed in a vehicle of OTHER_AUTOMAKER,
        # Then OTHER_AUTOMAKER answers; with no vehicle maker known, the installer does
        battery = made()
        installation = event(
            EventKind.BATTERY_INSTALLED, CERTIFIED, AUTOMAKER, battery_code=battery.code
        )
        assert responsible_after(battery, installation, OTHER_AUTOMAKER.id) == OTHER_AUTOMAKER.id
        assert responsible_after(battery, installation, None) == AUTOMAKER.id

    @pytest.mark.parametrize(
        "kind",
        [
            EventKind.BATTERY_SUPPLIED,
            EventKind.BATTERY_REMOVED,
            EventKind.REPAIR_RETURN_RECEIVED,
            EventKind.SERVICE_POINT_RECEIVED,
            EventKind.SERVICE_POINT_HANDED_OUT,
            EventKind.BATTERY_HANDED_OVER,
            EventKind.BATTERY_DISPOSED,
            EventKind.BATTERY_RECODED,
            EventKind.VEHICLE_SCRAPPED,
        ],
    )
    def test_removal_repair_service_points_and_hand_overs_leave_responsibility_in_place(
        self, kind: EventKind
    ) -> None:
        # Given a battery its automaker answers for, held by the automaker
        battery, _ = install(supplied(made()), certified(13))
        # When any event but an installation or a direct sale happens to it, by anyone
        after = apply_battery(
            battery,
            event(kind, LATER, RECYCLER, battery_code=battery.code, counterparty=RECYCLER.id),
        )
        # Then the automaker still answers for it
        assert after.responsible == AUTOMAKER.id

    def test_removal_keeps_the_automaker_responsible(self) -> None:
        # Given an installed battery, When it is removed, Then the automaker still answers for it
        vehicle = certified(14)
        battery, vehicle = install(supplied(made()), vehicle)
        removed = apply_battery(battery, removal(battery, vehicle, AUTOMAKER))
        assert removed.responsible == AUTOMAKER.id
        assert removed.status is BatteryStatus.REMOVED

    def test_a_battery_sold_directly_after_a_repair_return_is_its_makers_again(self) -> None:
        # Given a battery removed from a vehicle and taken back by its maker for repair
        # (the maker must hold it to sell it: under custody it no longer sells what the
        # automaker holds)
        vehicle = certified(15)
        battery, vehicle = install(supplied(made()), vehicle)
        removed = apply_battery(battery, removal(battery, vehicle, AUTOMAKER))
        in_repair = apply_battery(
            removed,
            event(
                EventKind.REPAIR_RETURN_RECEIVED,
                LATER,
                BATTERY_MAKER,
                battery_code=battery.code,
            ),
        )
        assert in_repair.responsible == AUTOMAKER.id
        # When its maker sells it directly to a lessor
        sold = apply_battery(
            in_repair,
            event(
                EventKind.BATTERY_SOLD_DIRECTLY,
                LATER,
                BATTERY_MAKER,
                battery_code=battery.code,
                region_code="440000",
                counterparty="Shenzhen Swap Co.",
            ),
        )
        # Then responsibility moves back to the manufacturer
        assert sold.responsible == BATTERY_MAKER.id
        assert sold.status is BatteryStatus.SOLD_DIRECTLY

    def test_a_direct_sale_of_a_battery_with_no_maker_on_record_leaves_responsibility(
        self,
    ) -> None:
        # Given a battery an automaker registered for a maker off the platform
        battery = made(AUTOMAKER, prefix="ZZ9")
        sale = event(
            EventKind.BATTERY_SOLD_DIRECTLY,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            region_code="440000",
            counterparty="lessor",
        )
        # When it is sold directly, Then no manufacturer on record can take over: the
        # automaker still answers for it
        assert responsible_after(battery, sale, None) == AUTOMAKER.id

    def test_a_battery_disposed_of_keeps_the_last_responsible_enterprise(self) -> None:
        # Given a battery its maker disposes of after a failed production test
        battery = made()
        disposed = apply_battery(
            battery,
            event(
                EventKind.BATTERY_DISPOSED,
                LATER,
                BATTERY_MAKER,
                battery_code=battery.code,
                origin=DisposalOrigin.PRODUCTION,
            ),
        )
        # Then it is final and its maker is the last to have answered for it
        assert disposed.status is BatteryStatus.DISPOSED
        assert disposed.responsible == BATTERY_MAKER.id
