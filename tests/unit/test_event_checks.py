"""Which events are refused, and why (`compliance.event_checks.check_event`).

Every check first lets custody take out what the reporter may not touch, so another
enterprise's battery, vehicle, model or service point is answered in exactly the words used for
one that does not exist. The properties at the end prove that for random records and events of
every kind, and that no sentence names an enterprise or a vehicle the reporter did not send.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from msgspec.structs import replace

from compliance.custody import (
    may_record_about_battery,
    may_record_about_vehicle,
    may_use_model,
    may_use_parent,
)
from compliance.event_checks import (
    check_event,
    unknown_battery,
    unknown_model,
    unknown_service_point,
    unknown_vehicle,
)
from compliance.history import (
    apply_battery,
    apply_vehicle,
    maker_of,
    produced_battery,
    with_battery,
)
from compliance.lifecycle import (
    ACTOR,
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
    Violation,
)
from compliance.network import PointType, ServicePoint
from tests.builders import (
    AUTOMAKER,
    BATTERY_MAKER,
    DISMANTLER,
    IMPORTER,
    INTEGRATED_MAKER,
    OTHER_AUTOMAKER,
    OTHER_BATTERY_MAKER,
    RECYCLER,
    TODAY,
    battery_code,
    event,
    uscc,
    vin,
)

T = TypeVar("T")

PRODUCED = date(2026, 3, 2)
SUPPLIED = date(2026, 3, 5)
CERTIFIED = date(2026, 4, 10)
REGISTERED = date(2026, 4, 20)
LATER = date(2026, 6, 1)
TOMORROW = date(2026, 11, 27)
# A recycler that re-codes batteries for second life under its own manufacturer code.
RECODER = EnterpriseFacts(RECYCLER.id, RECYCLER.kinds, frozenset({"R01"}))
OTHER_DISMANTLER = EnterpriseFacts(
    uscc("91320000MA1DM0001"), frozenset({EnterpriseKind.DISMANTLER})
)
NOT_ON_PLATFORM = uscc("91110000MA1XX0000")


def codes(violations: Sequence[Violation]) -> list[str]:
    return [v.code for v in violations]


def check(e: LifecycleEvent, actor: EnterpriseFacts, **states: Any) -> list[str]:
    return codes(check_event(e, EventContext(today=TODAY, actor=actor, **states)))


def violations(e: LifecycleEvent, actor: EnterpriseFacts, **states: Any) -> tuple[Violation, ...]:
    return check_event(e, EventContext(today=TODAY, actor=actor, **states))


def part(code: str, level: str) -> str:
    """The same code with another product type (P pack, M module, C cell) in position 4."""
    return code[:3] + level + code[4:]


def made(maker: EnterpriseFacts = BATTERY_MAKER, prefix: str = "X12") -> BatteryState:
    """A battery `maker` has just registered and holds."""
    code = battery_code(prefix)
    return produced_battery(
        event(EventKind.BATTERY_PRODUCED, PRODUCED, maker, battery_code=code),
        maker_of(code, maker),
    )


def supplied(battery: BatteryState | None = None, to: EnterpriseFacts = AUTOMAKER) -> BatteryState:
    """BATTERY_MAKER's battery, supplied to (and held by) `to`."""
    battery = battery or made()
    return apply_battery(
        battery,
        event(
            EventKind.BATTERY_SUPPLIED,
            SUPPLIED,
            BATTERY_MAKER,
            battery_code=battery.code,
            counterparty=to.id,
        ),
    )


def certified(serial: int, automaker: EnterpriseFacts = AUTOMAKER) -> VehicleState:
    return apply_vehicle(
        None,
        event(
            EventKind.FACTORY_CERTIFICATE_ISSUED, CERTIFIED, automaker, vin=vin(serial), model="M1"
        ),
    )


def sold(serial: int, automaker: EnterpriseFacts = AUTOMAKER) -> VehicleState:
    """`automaker`'s vehicle, certified on 2026-04-10 and registered on 2026-04-20."""
    vehicle = certified(serial, automaker)
    registration = event(
        EventKind.VEHICLE_REGISTERED, REGISTERED, automaker, vin=vehicle.vin, region_code="440305"
    )
    return apply_vehicle(vehicle, registration)


def installed(battery: BatteryState, vehicle: VehicleState, on: date = CERTIFIED) -> BatteryState:
    installation = event(
        EventKind.BATTERY_INSTALLED, on, AUTOMAKER, battery_code=battery.code, vin=vehicle.vin
    )
    return apply_battery(battery, installation, vehicle_automaker=vehicle.automaker)


def handed_to(battery: BatteryState, recipient: EnterpriseFacts) -> BatteryState:
    return replace(battery, status=BatteryStatus.HANDED_OVER, custodian=recipient.id)


def at_point(battery: BatteryState, point_id: str) -> BatteryState:
    return replace(battery, status=BatteryStatus.AT_SERVICE_POINT, service_point=point_id)


def point(point_id: str, operator: EnterpriseFacts, *, active: bool = True) -> ServicePoint:
    return ServicePoint(
        id=point_id,
        operator=operator.id,
        point_type=PointType.COLLECTION,
        name=f"{point_id} collection point",
        region_code="440305",
        coverage_region="440300",
        address=None,
        active=active,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def scrap(vehicle_vin: str, on: date, actor: EnterpriseFacts, *taken_in: str) -> LifecycleEvent:
    return replace(
        event(EventKind.VEHICLE_SCRAPPED, on, actor, vin=vehicle_vin), battery_codes=taken_in
    )


def domestic_model(owner: EnterpriseFacts, code: str = "M1") -> ModelState:
    return ModelState(code, owner.id, imported=False, approved_on=date(2026, 1, 5))


class TestDatesAndFields:
    def test_an_event_dated_after_today_is_refused(self) -> None:
        # Given a battery maker, When it registers a battery dated tomorrow
        found = violations(
            event(EventKind.BATTERY_PRODUCED, TOMORROW, BATTERY_MAKER, battery_code=battery_code()),
            BATTERY_MAKER,
        )
        # Then FUTURE_DATE (and the code's own date is not the date given), naming both days
        assert codes(found) == ["FUTURE_DATE", "PRODUCTION_DATE_MISMATCH"]
        assert "2026-11-27" in found[0].message
        assert "2026-11-26" in found[0].message

    def test_an_event_before_working_day_data_begins_is_refused(self) -> None:
        # Given an automaker, When it announces a model dated 2003, Then no deadline could be
        # computed from it
        e = event(EventKind.MODEL_ANNOUNCED, date(2003, 12, 31), AUTOMAKER, model="M1")
        assert check(e, AUTOMAKER) == ["BEFORE_SUPPORTED_SPAN"]

    def test_a_missing_field_is_named(self) -> None:
        # Given a registration without its region, Then the region is named as missing
        e = event(EventKind.VEHICLE_REGISTERED, CERTIFIED, AUTOMAKER, vin=vin(15))
        assert [(v.code, v.field) for v in violations(e, AUTOMAKER)] == [
            ("MISSING_FIELD", "region_code")
        ]

    def test_missing_fields_are_all_named_before_anything_else_is_judged(self) -> None:
        # Given a hand-out dated tomorrow without its point or recipient, of an unknown battery
        e = event(
            EventKind.SERVICE_POINT_HANDED_OUT, TOMORROW, AUTOMAKER, battery_code=battery_code()
        )
        # Then only the two missing fields are named
        assert [(v.code, v.field) for v in violations(e, AUTOMAKER)] == [
            ("MISSING_FIELD", "service_point"),
            ("MISSING_FIELD", "counterparty"),
        ]


class TestBatteryRegistration:
    def test_a_maker_registers_a_code_of_its_own_manufacturer_code(self) -> None:
        # Given BATTERY_MAKER holding X12, When it registers an X12 code on its date, Then accepted
        e = event(EventKind.BATTERY_PRODUCED, PRODUCED, BATTERY_MAKER, battery_code=battery_code())
        assert check(e, BATTERY_MAKER) == []

    def test_a_maker_cannot_register_another_makers_manufacturer_code(self) -> None:
        # Given maker X12's code, When another battery maker registers it
        e = event(
            EventKind.BATTERY_PRODUCED, PRODUCED, OTHER_BATTERY_MAKER, battery_code=battery_code()
        )
        found = violations(e, OTHER_BATTERY_MAKER, code_owner=BATTERY_MAKER.id)
        # Then the code's manufacturer part is refused, naming the positions and its own codes,
        # but not the maker that holds X12
        assert codes(found) == ["MANUFACTURER_CODE_NOT_ASSIGNED"]
        assert "X12" in found[0].message
        assert "positions 1-3" in found[0].message
        assert "03U" in found[0].message
        assert BATTERY_MAKER.id not in found[0].message

    def test_an_automaker_registers_a_battery_whose_maker_is_not_on_the_platform(self) -> None:
        # Given a manufacturer code no enterprise on the platform holds, When an automaker
        # registers a battery of it, Then accepted
        e = event(EventKind.BATTERY_PRODUCED, PRODUCED, AUTOMAKER, battery_code=battery_code("ZZ9"))
        assert check(e, AUTOMAKER, code_owner=None) == []

    def test_an_automaker_cannot_register_a_battery_of_a_maker_on_the_platform(self) -> None:
        # Given X12 held by BATTERY_MAKER, When an automaker registers an X12 code
        e = event(EventKind.BATTERY_PRODUCED, PRODUCED, AUTOMAKER, battery_code=battery_code())
        found = violations(e, AUTOMAKER, code_owner=BATTERY_MAKER.id)
        # Then it is told the maker supplies it, without being told who the maker is
        assert codes(found) == ["MANUFACTURER_CODE_NOT_ASSIGNED"]
        assert "supplyBatteries" in found[0].message
        assert BATTERY_MAKER.id not in found[0].message

    def test_only_battery_and_vehicle_makers_register_batteries(self) -> None:
        # Given a dismantler, When it registers a battery, Then it is refused for what it is
        e = event(EventKind.BATTERY_PRODUCED, PRODUCED, DISMANTLER, battery_code=battery_code())
        found = violations(e, DISMANTLER)
        assert [(v.code, v.field) for v in found] == [
            ("NOT_A_BATTERY_MAKER", ACTOR),
            ("MANUFACTURER_CODE_NOT_ASSIGNED", "battery_code"),
        ]

    @pytest.mark.parametrize("on", [date(2026, 3, 1), date(2026, 3, 3)])
    def test_a_production_date_other_than_the_codes_is_refused(self, on: date) -> None:
        # Given a code produced 2026-03-02, When it is registered as produced a day before or
        # after, Then the date is refused, naming the code's date
        e = event(EventKind.BATTERY_PRODUCED, on, BATTERY_MAKER, battery_code=battery_code())
        found = violations(e, BATTERY_MAKER)
        assert codes(found) == ["PRODUCTION_DATE_MISMATCH"]
        assert "2026-03-02" in found[0].message

    def test_a_malformed_code_is_refused_with_the_code_checkers_reason(self) -> None:
        # Given a code cut short, When registered, Then INVALID_BATTERY_CODE on the code only
        e = event(EventKind.BATTERY_PRODUCED, PRODUCED, BATTERY_MAKER, battery_code="X12PB01")
        found = violations(e, BATTERY_MAKER)
        assert "INVALID_BATTERY_CODE" in codes(found)
        assert all(v.field == "battery_code" for v in found)

    @pytest.mark.parametrize("holder", [BATTERY_MAKER, OTHER_BATTERY_MAKER])
    def test_a_code_on_record_is_refused_in_the_same_words_whoever_holds_it(
        self, holder: EnterpriseFacts
    ) -> None:
        # Given a code already registered, held by BATTERY_MAKER or by someone else
        existing = replace(made(), custodian=holder.id, responsible=holder.id)
        e = event(EventKind.BATTERY_PRODUCED, PRODUCED, BATTERY_MAKER, battery_code=existing.code)
        # When BATTERY_MAKER registers it, Then it is told only that the code is taken
        found = violations(e, BATTERY_MAKER, battery=existing)
        assert found == (
            Violation(
                "ALREADY_REGISTERED",
                "battery_code",
                f"Battery {existing.code} is on record already; a code names one battery.",
            ),
        )

    @pytest.mark.parametrize(
        "reporter", [OTHER_BATTERY_MAKER, DISMANTLER], ids=["another-maker", "not-a-maker"]
    )
    def test_a_code_the_reporter_could_not_register_is_not_said_to_be_taken(
        self, reporter: EnterpriseFacts
    ) -> None:
        # Given BATTERY_MAKER's X12 battery on record
        existing = made()
        e = event(EventKind.BATTERY_PRODUCED, PRODUCED, reporter, battery_code=existing.code)
        # When an enterprise that could not register an X12 code registers it
        found = violations(e, reporter, battery=existing, code_owner=BATTERY_MAKER.id)
        # Then it is told why it cannot, exactly as if the code were free: that the battery
        # exists would be news about another enterprise's battery
        assert "ALREADY_REGISTERED" not in codes(found)
        assert found == violations(e, reporter, code_owner=BATTERY_MAKER.id)

    def test_a_module_is_registered_into_a_pack_its_maker_holds(self) -> None:
        # Given BATTERY_MAKER's pack in stock, When it registers a module of it, Then accepted
        pack = made()
        e = event(
            EventKind.BATTERY_PRODUCED,
            PRODUCED,
            BATTERY_MAKER,
            battery_code=part(battery_code(), "M"),
            parent_code=pack.code,
        )
        assert check(e, BATTERY_MAKER, parent=pack) == []

    @pytest.mark.parametrize(
        "parent",
        [None, made(OTHER_BATTERY_MAKER, prefix="03U"), supplied(made())],
        ids=["not-on-record", "another-makers", "supplied-away"],
    )
    def test_a_parent_not_in_the_makers_stock_reads_as_unknown(
        self, parent: BatteryState | None
    ) -> None:
        # Given a pack that does not exist, is another maker's, or was supplied away
        e = event(
            EventKind.BATTERY_PRODUCED,
            PRODUCED,
            BATTERY_MAKER,
            battery_code=part(battery_code(), "M"),
            parent_code="X12PB010000001G320009999" if parent is None else parent.code,
        )
        # When BATTERY_MAKER registers a module into it, Then the parent is unknown
        assert check(e, BATTERY_MAKER, parent=parent) == ["UNKNOWN_PARENT"]

    @pytest.mark.parametrize(("child", "parent"), [("M", "M"), ("P", "M"), ("M", "C")])
    def test_a_part_belongs_only_to_a_higher_level(self, child: str, parent: str) -> None:
        # Given BATTERY_MAKER's battery at level `parent`, When a `child` is registered into
        # it at the same or a higher level, Then PARENT_LEVEL
        holder = replace(made(), code=part(battery_code(), parent))
        e = event(
            EventKind.BATTERY_PRODUCED,
            PRODUCED,
            BATTERY_MAKER,
            battery_code=part(battery_code(), child),
            parent_code=holder.code,
        )
        assert check(e, BATTERY_MAKER, parent=holder) == ["PARENT_LEVEL"]


class TestBatteryEvents:
    def test_an_event_about_an_unregistered_battery_is_refused(self) -> None:
        # Given no battery under a code, When an automaker removes it, Then UNKNOWN_BATTERY
        code = battery_code()
        e = event(
            EventKind.BATTERY_REMOVED,
            LATER,
            AUTOMAKER,
            battery_code=code,
            vin=vin(1),
            reason=RemovalReason.REPLACEMENT,
        )
        assert violations(e, AUTOMAKER) == (unknown_battery(code),)

    def test_a_battery_supplied_to_another_automaker_reads_as_unregistered(self) -> None:
        # Given a battery supplied to OTHER_AUTOMAKER and AUTOMAKER's own vehicle
        battery = supplied(to=OTHER_AUTOMAKER)
        vehicle = certified(4)
        e = event(
            EventKind.BATTERY_INSTALLED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        # When AUTOMAKER installs it, Then it is told exactly what it would be told of a
        # battery that does not exist
        assert violations(e, AUTOMAKER, battery=battery, vehicle=vehicle) == violations(
            e, AUTOMAKER, vehicle=vehicle
        )
        assert check(e, AUTOMAKER, battery=battery, vehicle=vehicle) == ["UNKNOWN_BATTERY"]

    def test_a_stranger_is_told_only_that_the_battery_is_unknown(self) -> None:
        # Given a battery installed in AUTOMAKER's vehicle, When another maker records a repair
        # return of it dated in the future
        battery = installed(supplied(), certified(14))
        e = event(
            EventKind.REPAIR_RETURN_RECEIVED,
            date(2027, 1, 1),
            OTHER_BATTERY_MAKER,
            battery_code=battery.code,
        )
        # Then its own date is refused, and the battery is unknown to it: nothing says that
        # it is installed or whose it is
        assert check(e, OTHER_BATTERY_MAKER, battery=battery) == [
            "FUTURE_DATE",
            "UNKNOWN_BATTERY",
        ]

    def test_every_problem_with_an_event_is_reported_at_once(self) -> None:
        # Given a battery installed in AUTOMAKER's vehicle, When AUTOMAKER "sells it directly"
        # tomorrow in a region that does not exist
        battery = installed(supplied(), certified(16))
        e = event(
            EventKind.BATTERY_SOLD_DIRECTLY,
            TOMORROW,
            AUTOMAKER,
            battery_code=battery.code,
            region_code="999999",
            counterparty="Shenzhen Swap Co.",
        )
        # Then all four reasons come back together
        assert sorted(check(e, AUTOMAKER, battery=battery)) == [
            "FUTURE_DATE",
            "INSTALLED_IN_VEHICLE",
            "INVALID_REGION",
            "NOT_MANUFACTURER",
        ]

    def test_an_event_older_than_the_batterys_latest_is_out_of_order(self) -> None:
        # Given a battery installed on 2026-05-01, When its removal is dated the day before
        vehicle = certified(11)
        battery = installed(supplied(), vehicle, on=date(2026, 5, 1))
        e = event(
            EventKind.BATTERY_REMOVED,
            date(2026, 4, 30),
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
            reason=RemovalReason.REPLACEMENT,
        )
        # Then OUT_OF_ORDER
        assert check(e, AUTOMAKER, battery=battery, vehicle=vehicle) == ["OUT_OF_ORDER"]

    def test_an_event_before_the_battery_was_produced_is_refused(self) -> None:
        # Given a battery produced 2026-03-02, When its holder hands it over on 2026-03-01
        battery = made()
        e = event(
            EventKind.BATTERY_HANDED_OVER,
            date(2026, 3, 1),
            BATTERY_MAKER,
            battery_code=battery.code,
            counterparty=RECYCLER.id,
        )
        # Then BEFORE_PRODUCTION
        assert check(e, BATTERY_MAKER, battery=battery, counterparty=RECYCLER) == [
            "BEFORE_PRODUCTION"
        ]

    @pytest.mark.parametrize("kind", [EventKind.BATTERY_INSTALLED, EventKind.BATTERY_HANDED_OVER])
    def test_nothing_more_happens_to_a_disposed_battery(self, kind: EventKind) -> None:
        # Given a battery AUTOMAKER holds and has disposed of
        battery = supplied()
        disposed = apply_battery(
            battery,
            event(
                EventKind.BATTERY_DISPOSED,
                date(2026, 5, 1),
                AUTOMAKER,
                battery_code=battery.code,
                origin=DisposalOrigin.INSTALLATION,
            ),
        )
        vehicle = certified(3)
        e = event(
            kind,
            date(2026, 5, 2),
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
            counterparty=RECYCLER.id,
        )
        # When it is installed or handed over, Then BATTERY_DISPOSED, naming the day
        found = violations(e, AUTOMAKER, battery=disposed, vehicle=vehicle, counterparty=RECYCLER)
        assert codes(found) == ["BATTERY_DISPOSED"]
        assert "2026-05-01" in found[0].message

    def test_nothing_more_happens_under_a_code_that_was_recoded(self) -> None:
        # Given a battery a recycler re-coded, When it disposes of it under the old code
        new_code = battery_code("R01", produced=LATER)
        battery = replace(
            handed_to(made(), RECODER), status=BatteryStatus.RECODED, recoded_as=new_code
        )
        e = event(EventKind.BATTERY_DISPOSED, LATER, RECODER, battery_code=battery.code)
        # Then BATTERY_RECODED, naming the new code to use
        found = violations(e, RECODER, battery=battery)
        assert codes(found) == ["BATTERY_RECODED"]
        assert new_code in found[0].message


class TestInstallationAndRemoval:
    def test_an_automaker_installs_a_battery_supplied_to_it_in_its_vehicle(self) -> None:
        # Given a battery supplied to AUTOMAKER and its certified vehicle, Then accepted
        battery, vehicle = supplied(), certified(20)
        e = event(
            EventKind.BATTERY_INSTALLED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        assert check(e, AUTOMAKER, battery=battery, vehicle=vehicle) == []

    def test_an_integrated_maker_installs_its_own_battery_without_supplying_it(self) -> None:
        # Given an enterprise making both batteries (Y01) and vehicles, Then its own registered
        # battery goes straight into its own vehicle
        battery, vehicle = made(INTEGRATED_MAKER, prefix="Y01"), certified(21)
        e = event(
            EventKind.BATTERY_INSTALLED,
            LATER,
            INTEGRATED_MAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        assert check(e, INTEGRATED_MAKER, battery=battery, vehicle=vehicle) == []

    def test_a_battery_installed_in_one_vehicle_cannot_be_installed_in_another(self) -> None:
        # Given a battery installed in vin(1), When installed in vin(2)
        battery = installed(supplied(), certified(1))
        other = certified(2)
        e = event(
            EventKind.BATTERY_INSTALLED, LATER, AUTOMAKER, battery_code=battery.code, vin=other.vin
        )
        found = violations(e, AUTOMAKER, battery=battery, vehicle=other)
        # Then ALREADY_INSTALLED, without naming the vehicle it is in
        assert codes(found) == ["ALREADY_INSTALLED"]
        assert "in a vehicle already" in found[0].message
        assert vin(1) not in found[0].message

    def test_installing_a_battery_twice_in_the_same_vehicle_says_so(self) -> None:
        # Given a battery installed in a vehicle, When installed in it again
        vehicle = certified(22)
        battery = installed(supplied(), vehicle)
        e = event(
            EventKind.BATTERY_INSTALLED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        found = violations(e, AUTOMAKER, battery=battery, vehicle=vehicle)
        # Then ALREADY_INSTALLED in this vehicle
        assert codes(found) == ["ALREADY_INSTALLED"]
        assert "in this vehicle already" in found[0].message

    def test_another_automakers_vehicle_reads_as_a_vin_not_on_record(self) -> None:
        # Given OTHER_AUTOMAKER's vehicle, When AUTOMAKER installs its battery in it
        vehicle = certified(3, automaker=OTHER_AUTOMAKER)
        battery = supplied()
        e = event(
            EventKind.BATTERY_INSTALLED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        # Then it is told exactly what a VIN not on record would get
        found = violations(e, AUTOMAKER, battery=battery, vehicle=vehicle)
        assert found == (unknown_vehicle(vehicle.vin),)
        assert found == violations(e, AUTOMAKER, battery=battery)

    def test_an_installation_before_the_vehicles_certificate_is_refused(self) -> None:
        # Given a vehicle certified 2026-04-10, When a battery is installed on 04-09
        vehicle, battery = certified(23), supplied()
        e = event(
            EventKind.BATTERY_INSTALLED,
            date(2026, 4, 9),
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        # Then BEFORE_CERTIFICATE
        assert check(e, AUTOMAKER, battery=battery, vehicle=vehicle) == ["BEFORE_CERTIFICATE"]

    def test_a_battery_is_removed_only_from_the_vehicle_it_is_in(self) -> None:
        # Given a battery installed in vin(24), When removed from AUTOMAKER's vin(25)
        battery = installed(supplied(), certified(24))
        other = certified(25)
        e = event(
            EventKind.BATTERY_REMOVED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            vin=other.vin,
            reason=RemovalReason.REPAIR,
        )
        found = violations(e, AUTOMAKER, battery=battery, vehicle=other)
        # Then NOT_INSTALLED, naming only the VIN sent
        assert codes(found) == ["NOT_INSTALLED"]
        assert other.vin in found[0].message
        assert vin(24) not in found[0].message

    def test_a_dismantler_removes_only_batteries_it_took_in_with_a_vehicle_it_scrapped(
        self,
    ) -> None:
        # Given a battery in AUTOMAKER's vehicle
        vehicle = certified(13)
        battery = installed(supplied(), vehicle)
        removal = event(
            EventKind.BATTERY_REMOVED,
            LATER,
            DISMANTLER,
            battery_code=battery.code,
            vin=vehicle.vin,
            reason=RemovalReason.SCRAPPING,
        )
        # When a dismantler removes it before taking the vehicle in, Then the battery is unknown
        # to it
        assert check(removal, DISMANTLER, battery=battery, vehicle=vehicle) == ["UNKNOWN_BATTERY"]
        # When the vehicle was scrapped without the battery, Then still unknown
        taken_in = scrap(vehicle.vin, LATER, DISMANTLER, battery.code)
        scrapped = apply_vehicle(vehicle, taken_in)
        assert check(removal, DISMANTLER, battery=battery, vehicle=scrapped) == ["UNKNOWN_BATTERY"]
        # When it took both in, Then the removal is accepted
        held = apply_battery(battery, taken_in)
        assert check(removal, DISMANTLER, battery=held, vehicle=scrapped) == []
        # And another dismantler is told the vehicle and the battery do not exist
        assert check(removal, OTHER_DISMANTLER, battery=held, vehicle=scrapped) == [
            "UNKNOWN_BATTERY"
        ]


class TestSupplySaleAndRepair:
    def test_a_maker_supplies_its_battery_to_an_automaker(self) -> None:
        # Given BATTERY_MAKER's battery in stock, When supplied to AUTOMAKER, Then accepted
        battery = made()
        e = event(
            EventKind.BATTERY_SUPPLIED,
            SUPPLIED,
            BATTERY_MAKER,
            battery_code=battery.code,
            counterparty=AUTOMAKER.id,
        )
        assert check(e, BATTERY_MAKER, battery=battery, counterparty=AUTOMAKER) == []

    @pytest.mark.parametrize(
        ("recipient", "expected"),
        [
            (BATTERY_MAKER, "SAME_ENTERPRISE"),
            (RECYCLER, "NOT_AN_AUTOMAKER"),
            (None, "UNKNOWN_ENTERPRISE"),
        ],
    )
    def test_batteries_are_supplied_to_another_enterprise_that_makes_vehicles(
        self, recipient: EnterpriseFacts | None, expected: str
    ) -> None:
        # Given BATTERY_MAKER's battery, When supplied to itself, a recycler or an enterprise
        # not on the platform
        battery = made()
        sent = recipient.id if recipient else NOT_ON_PLATFORM
        e = event(
            EventKind.BATTERY_SUPPLIED,
            SUPPLIED,
            BATTERY_MAKER,
            battery_code=battery.code,
            counterparty=sent,
        )
        found = violations(e, BATTERY_MAKER, battery=battery, counterparty=recipient)
        # Then refused on the counterparty
        assert [(v.code, v.field) for v in found] == [(expected, "counterparty")]

    def test_only_the_maker_supplies_a_battery(self) -> None:
        # Given a battery AUTOMAKER holds, When AUTOMAKER supplies it on to OTHER_AUTOMAKER
        battery = supplied()
        e = event(
            EventKind.BATTERY_SUPPLIED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            counterparty=OTHER_AUTOMAKER.id,
        )
        # Then NOT_MANUFACTURER, and a supplied battery cannot be supplied again
        assert check(e, AUTOMAKER, battery=battery, counterparty=OTHER_AUTOMAKER) == [
            "NOT_MANUFACTURER",
            "INVALID_STATE",
        ]

    def test_a_repaired_battery_is_supplied_again(self) -> None:
        # Given a battery back with its maker for repair, When supplied again, Then accepted
        battery = replace(made(), status=BatteryStatus.IN_REPAIR, last_event_on=LATER)
        e = event(
            EventKind.BATTERY_SUPPLIED,
            LATER,
            BATTERY_MAKER,
            battery_code=battery.code,
            counterparty=OTHER_AUTOMAKER.id,
        )
        assert check(e, BATTERY_MAKER, battery=battery, counterparty=OTHER_AUTOMAKER) == []

    def test_a_maker_sells_its_battery_directly_once(self) -> None:
        # Given BATTERY_MAKER's battery in stock, When sold directly, Then accepted
        battery = made()
        sale = event(
            EventKind.BATTERY_SOLD_DIRECTLY,
            LATER,
            BATTERY_MAKER,
            battery_code=battery.code,
            region_code="440000",
            counterparty="Shenzhen Swap Co.",
        )
        assert check(sale, BATTERY_MAKER, battery=battery) == []
        # When sold directly again, Then INVALID_STATE (its maker still answers for it)
        sold = apply_battery(battery, sale)
        assert check(sale, BATTERY_MAKER, battery=sold) == ["INVALID_STATE"]

    @pytest.mark.parametrize("buyer", ["", "  "], ids=["empty", "blank"])
    def test_a_direct_sale_names_its_buyer(self, buyer: str) -> None:
        # Given BATTERY_MAKER's battery in stock, When sold directly to a blank buyer
        battery = made()
        sale = event(
            EventKind.BATTERY_SOLD_DIRECTLY,
            LATER,
            BATTERY_MAKER,
            battery_code=battery.code,
            region_code="440000",
            counterparty=buyer,
        )
        # Then the buyer is required, and nothing else is said
        found = violations(sale, BATTERY_MAKER, battery=battery)
        assert [(v.code, v.field) for v in found] == [("REQUIRED", "counterparty")]

    def test_a_maker_no_longer_sells_directly_a_battery_the_automaker_holds(self) -> None:
        # Given a battery removed from AUTOMAKER's vehicle (held by AUTOMAKER)
        battery = replace(installed(supplied(), certified(26)), status=BatteryStatus.REMOVED)
        e = event(
            EventKind.BATTERY_SOLD_DIRECTLY,
            LATER,
            BATTERY_MAKER,
            battery_code=battery.code,
            region_code="440000",
            counterparty="lessor",
        )
        # When its maker sells it directly, Then the battery is unknown to the maker: it must
        # take it back (a repair return) first
        assert check(e, BATTERY_MAKER, battery=battery) == ["UNKNOWN_BATTERY"]

    def test_a_maker_takes_back_for_repair_a_battery_removed_from_a_vehicle(self) -> None:
        # Given a battery removed from AUTOMAKER's vehicle, When its maker receives it
        battery = replace(installed(supplied(), certified(27)), status=BatteryStatus.REMOVED)
        e = event(EventKind.REPAIR_RETURN_RECEIVED, LATER, BATTERY_MAKER, battery_code=battery.code)
        # Then accepted
        assert check(e, BATTERY_MAKER, battery=battery) == []

    @pytest.mark.parametrize(
        ("status", "where"),
        [(BatteryStatus.IN_REPAIR, "in repair"), (BatteryStatus.REGISTERED, "in your stock")],
    )
    def test_a_repair_return_of_a_battery_the_maker_has_already_is_refused(
        self, status: BatteryStatus, where: str
    ) -> None:
        # Given BATTERY_MAKER's battery in repair or in stock, When received for repair
        battery = replace(made(), status=status)
        e = event(EventKind.REPAIR_RETURN_RECEIVED, LATER, BATTERY_MAKER, battery_code=battery.code)
        found = violations(e, BATTERY_MAKER, battery=battery)
        # Then INVALID_STATE, saying where it is
        assert codes(found) == ["INVALID_STATE"]
        assert where in found[0].message

    def test_a_battery_is_taken_out_of_its_vehicle_before_it_goes_back_for_repair(self) -> None:
        # Given a battery installed in a vehicle, When its maker receives it for repair
        battery = installed(supplied(), certified(28))
        e = event(EventKind.REPAIR_RETURN_RECEIVED, LATER, BATTERY_MAKER, battery_code=battery.code)
        # Then INSTALLED_IN_VEHICLE
        assert check(e, BATTERY_MAKER, battery=battery) == ["INSTALLED_IN_VEHICLE"]


class TestDisposal:
    def test_a_battery_cannot_be_disposed_of_while_installed(self) -> None:
        # Given an installed battery, When its automaker disposes of it, Then refused
        battery = installed(supplied(), certified(12))
        e = event(
            EventKind.BATTERY_DISPOSED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            origin=DisposalOrigin.INSTALLATION,
        )
        assert check(e, AUTOMAKER, battery=battery) == ["INSTALLED_IN_VEHICLE"]

    @pytest.mark.parametrize(
        ("actor", "origin", "expected"),
        [
            (AUTOMAKER, DisposalOrigin.REPAIR, ["ORIGIN_NOT_APPLICABLE"]),
            (AUTOMAKER, DisposalOrigin.INSTALLATION, []),
            (AUTOMAKER, DisposalOrigin.PRODUCTION, []),
            (AUTOMAKER, None, ["MISSING_FIELD"]),
            (BATTERY_MAKER, DisposalOrigin.INSTALLATION, ["ORIGIN_NOT_APPLICABLE"]),
            (BATTERY_MAKER, DisposalOrigin.REPAIR, []),
            (BATTERY_MAKER, DisposalOrigin.RESEARCH, []),
            (RECYCLER, None, []),
            (RECYCLER, DisposalOrigin.RESEARCH, ["ORIGIN_NOT_APPLICABLE"]),
        ],
    )
    def test_a_disposals_origin_must_fit_who_disposes(
        self, actor: EnterpriseFacts, origin: DisposalOrigin | None, expected: list[str]
    ) -> None:
        # Given BATTERY_MAKER's battery held by `actor`
        battery = replace(made(), custodian=actor.id)
        e = event(
            EventKind.BATTERY_DISPOSED, LATER, actor, battery_code=battery.code, origin=origin
        )
        # When `actor` disposes of it with `origin`, Then `expected`
        assert check(e, actor, battery=battery) == expected


class TestServicePointsAndHandOvers:
    def test_an_operator_receives_a_battery_it_holds_at_its_active_point(self) -> None:
        # Given a battery AUTOMAKER holds and its active collection point, Then accepted
        battery = supplied()
        e = event(
            EventKind.SERVICE_POINT_RECEIVED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            service_point="SP-1",
        )
        assert check(e, AUTOMAKER, battery=battery, service_point=point("SP-1", AUTOMAKER)) == []

    def test_another_operators_point_reads_as_one_that_does_not_exist(self) -> None:
        # Given a battery AUTOMAKER holds, When it receives it at OTHER_AUTOMAKER's point
        battery = supplied()
        e = event(
            EventKind.SERVICE_POINT_RECEIVED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            service_point="SP-9",
        )
        others = point("SP-9", OTHER_AUTOMAKER)
        # Then it is told exactly what a point not on record would get
        found = violations(e, AUTOMAKER, battery=battery, service_point=others)
        assert found == (unknown_service_point("SP-9"),)
        assert found == violations(e, AUTOMAKER, battery=battery)

    def test_an_inactive_point_takes_in_no_batteries(self) -> None:
        # Given AUTOMAKER's inactive point, When a battery is received there, Then refused
        battery = supplied()
        e = event(
            EventKind.SERVICE_POINT_RECEIVED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            service_point="SP-1",
        )
        inactive = point("SP-1", AUTOMAKER, active=False)
        assert check(e, AUTOMAKER, battery=battery, service_point=inactive) == [
            "INACTIVE_SERVICE_POINT"
        ]

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            (BatteryStatus.AT_SERVICE_POINT, "INVALID_STATE"),
            (BatteryStatus.INSTALLED, "INSTALLED_IN_VEHICLE"),
        ],
    )
    def test_a_battery_at_a_point_or_in_a_vehicle_is_not_received_at_a_point(
        self, status: BatteryStatus, expected: str
    ) -> None:
        # Given a battery AUTOMAKER holds at a point or in a vehicle, When received at its
        # point, Then refused
        battery = replace(supplied(), status=status, service_point="SP-1")
        e = event(
            EventKind.SERVICE_POINT_RECEIVED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            service_point="SP-1",
        )
        assert check(e, AUTOMAKER, battery=battery, service_point=point("SP-1", AUTOMAKER)) == [
            expected
        ]

    def test_a_hand_out_must_come_from_the_service_point_holding_the_battery(self) -> None:
        # Given a battery at AUTOMAKER's point SP-1
        battery = at_point(supplied(), "SP-1")

        def hand_out(point_id: str) -> LifecycleEvent:
            return event(
                EventKind.SERVICE_POINT_HANDED_OUT,
                LATER,
                AUTOMAKER,
                battery_code=battery.code,
                service_point=point_id,
                counterparty=RECYCLER.id,
            )

        # When handed out of its other point SP-2, Then NOT_AT_SERVICE_POINT
        assert check(
            hand_out("SP-2"),
            AUTOMAKER,
            battery=battery,
            service_point=point("SP-2", AUTOMAKER),
            counterparty=RECYCLER,
        ) == ["NOT_AT_SERVICE_POINT"]
        # When handed out of SP-1, Then accepted
        assert (
            check(
                hand_out("SP-1"),
                AUTOMAKER,
                battery=battery,
                service_point=point("SP-1", AUTOMAKER),
                counterparty=RECYCLER,
            )
            == []
        )
        # When "handed out" of a point of another operator, Then that point is unknown
        assert check(
            hand_out("SP-1"),
            AUTOMAKER,
            battery=battery,
            service_point=point("SP-1", OTHER_AUTOMAKER),
            counterparty=RECYCLER,
        ) == ["UNKNOWN_SERVICE_POINT"]

    @pytest.mark.parametrize(
        ("recipient", "expected"),
        [
            (RECYCLER, []),
            (BATTERY_MAKER, []),
            (OTHER_AUTOMAKER, []),
            (IMPORTER, []),
            (AUTOMAKER, ["SAME_ENTERPRISE"]),
            (DISMANTLER, ["RECIPIENT_NOT_ALLOWED"]),
            (None, ["UNKNOWN_ENTERPRISE"]),
        ],
    )
    def test_waste_batteries_go_to_recyclers_and_take_back_networks_only(
        self, recipient: EnterpriseFacts | None, expected: list[str]
    ) -> None:
        # Given a battery removed from AUTOMAKER's vehicle, held by AUTOMAKER
        battery = replace(supplied(), status=BatteryStatus.REMOVED)
        e = event(
            EventKind.BATTERY_HANDED_OVER,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            counterparty=recipient.id if recipient else NOT_ON_PLATFORM,
        )
        # When handed over to `recipient`, Then `expected`
        assert check(e, AUTOMAKER, battery=battery, counterparty=recipient) == expected

    @pytest.mark.parametrize(
        ("battery", "expected"),
        [
            (at_point(supplied(), "SP-1"), "AT_SERVICE_POINT"),
            (replace(supplied(), status=BatteryStatus.INSTALLED), "INSTALLED_IN_VEHICLE"),
        ],
        ids=["at-a-point", "installed"],
    )
    def test_a_battery_at_a_point_is_handed_out_of_it_not_handed_over(
        self, battery: BatteryState, expected: str
    ) -> None:
        # Given a battery at AUTOMAKER's point or in its vehicle, When handed over directly
        e = event(
            EventKind.BATTERY_HANDED_OVER,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            counterparty=RECYCLER.id,
        )
        # Then it is refused, saying what to do first
        assert check(e, AUTOMAKER, battery=battery, counterparty=RECYCLER) == [expected]


class TestRecoding:
    def recode(self, battery: BatteryState, new_code: str) -> LifecycleEvent:
        return event(
            EventKind.BATTERY_RECODED, LATER, RECODER, battery_code=battery.code, new_code=new_code
        )

    def test_a_recycler_recodes_a_battery_it_holds_under_its_own_manufacturer_code(
        self,
    ) -> None:
        # Given a battery handed over to the recycler, When re-coded as R01, Then accepted
        battery = handed_to(supplied(), RECODER)
        assert (
            check(
                self.recode(battery, battery_code("R01", produced=LATER)), RECODER, battery=battery
            )
            == []
        )

    def test_a_second_life_code_must_be_new_and_the_recoders_own(self) -> None:
        # Given a battery the recycler holds
        battery = handed_to(supplied(), RECODER)
        # When re-coded as itself, as an X12 code, or as a malformed code, Then each is refused
        # (the old code also carries its production day, not the re-coding day)
        assert check(self.recode(battery, battery.code), RECODER, battery=battery) == [
            "PRODUCTION_DATE_MISMATCH",
            "SAME_CODE",
        ]
        x12 = battery_code("X12", produced=LATER)
        foreign = violations(self.recode(battery, x12), RECODER, battery=battery)
        assert codes(foreign) == ["MANUFACTURER_CODE_NOT_ASSIGNED"]
        assert "assigned: R01" in foreign[0].message
        malformed = violations(self.recode(battery, "R01PB01"), RECODER, battery=battery)
        assert {(v.code, v.field) for v in malformed} == {("INVALID_BATTERY_CODE", "new_code")}

    @pytest.mark.parametrize("holder", [RECODER, OTHER_AUTOMAKER])
    def test_a_second_life_code_on_record_is_refused_whoever_holds_it(
        self, holder: EnterpriseFacts
    ) -> None:
        # Given a battery the recycler holds, and a battery on record under the new code
        battery = handed_to(supplied(), RECODER)
        new_code = battery_code("R01", produced=LATER)
        existing = replace(made(), code=new_code, custodian=holder.id, responsible=holder.id)
        # When re-coded as that code, Then ALREADY_REGISTERED, naming only the code
        found = violations(
            self.recode(battery, new_code), RECODER, battery=battery, new_battery=existing
        )
        assert found == (
            Violation(
                "ALREADY_REGISTERED",
                "new_code",
                f"Battery {new_code} is on record already; a code names one battery.",
            ),
        )

    def test_a_second_life_code_carries_the_day_of_the_recoding(self) -> None:
        # Given a battery the recycler holds, When it re-codes it on 2026-06-01 with a code
        # dated 2026-03-02
        battery = handed_to(supplied(), RECODER)
        new_code = battery_code("R01", produced=PRODUCED)
        found = violations(self.recode(battery, new_code), RECODER, battery=battery)
        # Then the new code's date is refused, naming both days
        assert [(v.code, v.field) for v in found] == [("PRODUCTION_DATE_MISMATCH", "new_code")]
        assert "2026-06-01" in found[0].message
        assert "2026-03-02" in found[0].message

    def test_an_installed_battery_is_not_recoded(self) -> None:
        # Given a battery still in a vehicle, When its holder re-codes it, Then refused
        battery = replace(handed_to(supplied(), RECODER), status=BatteryStatus.INSTALLED)
        assert check(
            self.recode(battery, battery_code("R01", produced=LATER)), RECODER, battery=battery
        ) == ["INSTALLED_IN_VEHICLE"]


class TestVehicles:
    def test_registration_of_a_vehicle_not_on_record_is_refused(self) -> None:
        # Given no certificate for a VIN, When the vehicle is registered, Then UNKNOWN_VEHICLE
        e = event(
            EventKind.VEHICLE_REGISTERED, CERTIFIED, AUTOMAKER, vin=vin(5), region_code="440305"
        )
        assert violations(e, AUTOMAKER) == (unknown_vehicle(vin(5)),)

    def test_another_automakers_vehicle_cannot_be_registered(self) -> None:
        # Given OTHER_AUTOMAKER's vehicle, When AUTOMAKER registers it, Then it reads as a VIN
        # not on record
        vehicle = certified(6, automaker=OTHER_AUTOMAKER)
        e = event(
            EventKind.VEHICLE_REGISTERED, LATER, AUTOMAKER, vin=vehicle.vin, region_code="440305"
        )
        assert violations(e, AUTOMAKER, vehicle=vehicle) == (unknown_vehicle(vehicle.vin),)

    def test_a_malformed_vin_is_refused_with_the_checkers_reason(self) -> None:
        # Given a VIN with a wrong check digit, When registered, Then INVALID_VIN (and it names
        # no vehicle on record)
        wrong = vin(7)[:8] + ("1" if vin(7)[8] != "1" else "2") + vin(7)[9:]
        e = event(EventKind.VEHICLE_REGISTERED, LATER, AUTOMAKER, vin=wrong, region_code="440305")
        assert check(e, AUTOMAKER) == ["INVALID_VIN", "UNKNOWN_VEHICLE"]

    def test_registration_dated_before_the_certificate_is_refused(self) -> None:
        # Given a vehicle certified 2026-04-10, When registered on 04-09, Then refused
        vehicle = certified(6)
        e = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 4, 9),
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="440305",
        )
        assert check(e, AUTOMAKER, vehicle=vehicle) == ["BEFORE_CERTIFICATE"]

    def test_a_registration_older_than_the_vehicles_latest_event_is_out_of_order(self) -> None:
        # Given a vehicle whose latest event is on 2026-05-01, When registered on 04-20
        vehicle = replace(certified(8), last_event_on=date(2026, 5, 1))
        e = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 4, 20),
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="440305",
        )
        # Then OUT_OF_ORDER
        assert check(e, AUTOMAKER, vehicle=vehicle) == ["OUT_OF_ORDER"]

    @pytest.mark.parametrize("kind", [EventKind.BATTERY_INSTALLED, EventKind.BATTERY_REMOVED])
    def test_a_registration_dated_before_a_battery_went_in_or_came_out_is_out_of_order(
        self, kind: EventKind
    ) -> None:
        # Given a vehicle certified on 2026-04-10 with one battery, into which AUTOMAKER
        # installs another, or out of which it takes that one, on 2026-05-01
        battery = battery_code()
        vehicle = replace(certified(9), battery_codes=frozenset({battery}))
        change = event(
            kind,
            date(2026, 5, 1),
            AUTOMAKER,
            battery_code=battery if kind is EventKind.BATTERY_REMOVED else battery_code(),
            vin=vehicle.vin,
        )
        after = with_battery(vehicle, change)
        # Then its latest date is that day, while its history (certificate, registration,
        # scrapping) does not count the battery's event
        assert (after.last_event_on, after.history) == (date(2026, 5, 1), vehicle.history)
        # When it is registered on 2026-04-20, Then OUT_OF_ORDER, naming that day
        e = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 4, 20),
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="440305",
        )
        found = violations(e, AUTOMAKER, vehicle=after)
        assert codes(found) == ["OUT_OF_ORDER"]
        assert "2026-05-01" in found[0].message
        # And a battery event dated before the latest leaves the latest date where it was
        earlier = replace(change, occurred_on=date(2026, 4, 12))
        assert with_battery(after, earlier).last_event_on == date(2026, 5, 1)

    @pytest.mark.parametrize(
        ("region", "expected"),
        [
            ("440305", []),
            ("110000", []),
            ("440000", ["INVALID_REGION"]),
            ("999999", ["INVALID_REGION"]),
        ],
        ids=["district", "municipality", "province", "unknown"],
    )
    def test_a_registration_region_must_name_a_prefecture(
        self, region: str, expected: list[str]
    ) -> None:
        # Given a certified vehicle, When it is registered in `region`: a district or a
        # municipality (its own prefecture) is accepted; a whole province or an unknown code
        # is refused
        vehicle = certified(7)
        e = event(
            EventKind.VEHICLE_REGISTERED, LATER, AUTOMAKER, vin=vehicle.vin, region_code=region
        )
        assert check(e, AUTOMAKER, vehicle=vehicle) == expected

    def test_a_vehicle_cannot_be_registered_twice(self) -> None:
        # Given a registered vehicle, When registered again, Then ALREADY_REGISTERED
        vehicle = certified(8)
        first = event(
            EventKind.VEHICLE_REGISTERED,
            CERTIFIED,
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="440305",
        )
        again = event(
            EventKind.VEHICLE_REGISTERED, LATER, AUTOMAKER, vin=vehicle.vin, region_code="440305"
        )
        assert check(again, AUTOMAKER, vehicle=apply_vehicle(vehicle, first)) == [
            "ALREADY_REGISTERED"
        ]


class TestModels:
    def test_a_certificate_of_another_automakers_model_reads_as_an_unknown_model(self) -> None:
        # Given OTHER_AUTOMAKER's model M1, When AUTOMAKER certifies a vehicle of it
        e = event(
            EventKind.FACTORY_CERTIFICATE_ISSUED, CERTIFIED, AUTOMAKER, vin=vin(9), model="M1"
        )
        found = violations(e, AUTOMAKER, model=domestic_model(OTHER_AUTOMAKER))
        # Then it is told exactly what a model not on record would get
        assert found == (unknown_model("M1", imported=False),)
        assert found == violations(e, AUTOMAKER)

    def test_a_certificate_needs_a_domestic_model_approved_before_it(self) -> None:
        # Given AUTOMAKER's imported model certified 2026-01-05, When it issues a factory
        # certificate for it dated 01-04
        model = ModelState("IMP1", AUTOMAKER.id, imported=True, approved_on=date(2026, 1, 5))
        e = event(
            EventKind.FACTORY_CERTIFICATE_ISSUED,
            date(2026, 1, 4),
            AUTOMAKER,
            vin=vin(9),
            model="IMP1",
        )
        # Then both the model's origin and the date are refused
        assert check(e, AUTOMAKER, model=model) == ["WRONG_MODEL_ORIGIN", "BEFORE_MODEL_APPROVAL"]

    def test_customs_clearance_of_an_imported_model_is_accepted(self) -> None:
        # Given an importer's CCC-certified model, When it clears a vehicle of it, Then accepted
        model = ModelState("IMP2", IMPORTER.id, imported=True, approved_on=date(2026, 1, 5))
        e = event(EventKind.CUSTOMS_CLEARED, date(2026, 2, 1), IMPORTER, vin=vin(10), model="IMP2")
        assert check(e, IMPORTER, model=model) == []

    def test_a_domestic_model_is_not_cleared_through_customs(self) -> None:
        # Given AUTOMAKER's domestic model, When it clears a vehicle of it, Then refused
        e = event(EventKind.CUSTOMS_CLEARED, LATER, AUTOMAKER, vin=vin(11), model="M1")
        assert check(e, AUTOMAKER, model=domestic_model(AUTOMAKER)) == ["WRONG_MODEL_ORIGIN"]

    @pytest.mark.parametrize(
        "kind",
        [
            EventKind.MODEL_ANNOUNCED,
            EventKind.MODEL_CCC_CERTIFIED,
            EventKind.FACTORY_CERTIFICATE_ISSUED,
            EventKind.CUSTOMS_CLEARED,
        ],
    )
    def test_only_vehicle_makers_record_models_and_certify_vehicles(self, kind: EventKind) -> None:
        # Given a battery maker, When it records a model or a vehicle certificate
        e = event(kind, LATER, BATTERY_MAKER, vin=vin(12), model="M1")
        # Then it is refused for what it is
        assert check(e, BATTERY_MAKER)[0] == "NOT_AN_AUTOMAKER"

    @pytest.mark.parametrize("owner", [AUTOMAKER, OTHER_AUTOMAKER])
    def test_a_model_code_on_record_is_refused_whoever_owns_it(
        self, owner: EnterpriseFacts
    ) -> None:
        # Given model M1 on record, When AUTOMAKER announces M1
        e = event(EventKind.MODEL_ANNOUNCED, LATER, AUTOMAKER, model="M1")
        found = violations(e, AUTOMAKER, model=domestic_model(owner))
        # Then it is told only that the code is taken
        assert codes(found) == ["ALREADY_ANNOUNCED"]
        assert owner.id not in found[0].message

    @pytest.mark.parametrize("automaker", [AUTOMAKER, OTHER_AUTOMAKER])
    def test_a_vin_on_record_is_refused_whoever_certified_it(
        self, automaker: EnterpriseFacts
    ) -> None:
        # Given vin(13) certified by `automaker`, When AUTOMAKER certifies it again
        e = event(EventKind.FACTORY_CERTIFICATE_ISSUED, LATER, AUTOMAKER, vin=vin(13), model="M1")
        found = violations(
            e, AUTOMAKER, model=domestic_model(AUTOMAKER), vehicle=certified(13, automaker)
        )
        # Then ALREADY_CERTIFIED, naming neither the automaker nor the date
        assert codes(found) == ["ALREADY_CERTIFIED"]
        assert automaker.id not in found[0].message
        assert CERTIFIED.isoformat() not in found[0].message


class TestScrapping:
    def test_a_dismantler_takes_in_a_vehicle_with_its_batteries(self) -> None:
        # Given a sold vehicle carrying a battery, When a dismantler scraps it with it, Then
        # accepted
        battery = supplied()
        vehicle = replace(sold(30), battery_codes=frozenset({battery.code}))
        e = scrap(vehicle.vin, LATER, DISMANTLER, battery.code)
        assert check(e, DISMANTLER, vehicle=vehicle) == []

    def test_only_a_dismantler_records_a_scrapping(self) -> None:
        # Given AUTOMAKER's vehicle, When AUTOMAKER records its scrapping, Then refused for
        # what it is, and for nothing else
        vehicle = certified(31)
        found = violations(scrap(vehicle.vin, LATER, AUTOMAKER), AUTOMAKER, vehicle=vehicle)
        assert [(v.code, v.field) for v in found] == [("NOT_A_DISMANTLER", ACTOR)]

    def test_what_can_be_judged_without_the_vehicle_is_said_first_and_alone(self) -> None:
        # Given no vehicle under a VIN, When a dismantler scraps it dated tomorrow
        found = violations(scrap(vin(32), TOMORROW, DISMANTLER), DISMANTLER)
        # Then only the date is refused: nothing about the vehicle is said yet
        assert codes(found) == ["FUTURE_DATE"]

    @pytest.mark.parametrize(
        "case",
        [
            "not-on-record",
            "never-registered",
            "taken-in-by-another",
            "battery-not-in-it",
            "before-its-latest",
            "before-a-battery-went-in",
            "before-a-battery-came-out",
        ],
    )
    def test_every_scrap_that_cannot_be_taken_in_gets_one_same_answer(self, case: str) -> None:
        # Given AUTOMAKER's vehicle registered on 2026-05-10, carrying one battery
        inside, elsewhere = battery_code(), battery_code()
        vehicle = replace(
            certified(33),
            registered_on=date(2026, 5, 10),
            last_event_on=date(2026, 5, 10),
            battery_codes=frozenset({inside}),
        )
        e = scrap(vehicle.vin, LATER, DISMANTLER, inside)
        on_record: VehicleState | None = vehicle
        # When the VIN names no vehicle, the vehicle was never registered (it is still in its
        # automaker's stock), another dismantler took it in, a battery listed is not in it, or
        # the scrap is dated before its registration, or before a battery its automaker
        # installed in it or took out of it on 2026-05-20
        if case == "not-on-record":
            on_record = None
        elif case == "never-registered":
            on_record = replace(vehicle, registered_on=None, region_code=None)
        elif case == "taken-in-by-another":
            on_record = replace(vehicle, scrapped_on=LATER, scrapped_by=OTHER_DISMANTLER.id)
        elif case == "battery-not-in-it":
            e = scrap(vehicle.vin, LATER, DISMANTLER, inside, elsewhere)
        elif case == "before-its-latest":
            e = scrap(vehicle.vin, date(2026, 5, 9), DISMANTLER, inside)
        else:
            kind, code = (
                (EventKind.BATTERY_INSTALLED, elsewhere)
                if case == "before-a-battery-went-in"
                else (EventKind.BATTERY_REMOVED, inside)
            )
            change = event(kind, date(2026, 5, 20), AUTOMAKER, battery_code=code, vin=vehicle.vin)
            on_record = with_battery(vehicle, change)
            e = scrap(vehicle.vin, date(2026, 5, 15), DISMANTLER, *on_record.battery_codes)
        found = violations(e, DISMANTLER, vehicle=on_record)
        # Then the answer is the same, word for word, and names neither the registration nor
        # any date of the vehicle's: probing VINs, codes or dates teaches the dismantler nothing
        assert found == violations(scrap(vehicle.vin, e.occurred_on, DISMANTLER), DISMANTLER)
        assert codes(found) == ["UNKNOWN_VEHICLE"]
        assert "2026-05-10" not in found[0].message
        assert "2026-05-20" not in found[0].message
        assert "registered" not in found[0].message

    def test_a_vehicle_is_scrapped_once(self) -> None:
        # Given a vehicle DISMANTLER has scrapped
        vehicle = certified(34)
        scrapped = apply_vehicle(vehicle, scrap(vehicle.vin, LATER, DISMANTLER))
        # When DISMANTLER scraps it again, Then ALREADY_SCRAPPED
        again = scrap(vehicle.vin, LATER, DISMANTLER)
        assert check(again, DISMANTLER, vehicle=scrapped) == ["ALREADY_SCRAPPED"]

    def test_the_dismantler_cannot_register_a_vehicle_it_scrapped(self) -> None:
        # Given a vehicle DISMANTLER took in before it was ever registered (a record only from
        # before a dismantler could take in registered vehicles alone)
        vehicle = certified(36)
        scrapped = apply_vehicle(vehicle, scrap(vehicle.vin, LATER, DISMANTLER))
        e = event(
            EventKind.VEHICLE_REGISTERED, LATER, DISMANTLER, vin=vehicle.vin, region_code="440305"
        )
        # When DISMANTLER registers it, Then VEHICLE_SCRAPPED
        assert check(e, DISMANTLER, vehicle=scrapped) == ["VEHICLE_SCRAPPED"]
        # And its automaker, for whom the vehicle is now the dismantler's, finds no vehicle
        assert violations(replace(e, actor=AUTOMAKER.id), AUTOMAKER, vehicle=scrapped) == (
            unknown_vehicle(vehicle.vin),
        )

    def test_nothing_is_installed_in_a_scrapped_vehicle(self) -> None:
        # Given AUTOMAKER's vehicle scrapped by DISMANTLER with its battery, which the
        # dismantler took out and holds
        vehicle = certified(37)
        battery = installed(supplied(), vehicle)
        taken_in = scrap(vehicle.vin, LATER, DISMANTLER, battery.code)
        scrapped = apply_vehicle(replace(vehicle, battery_codes=frozenset()), taken_in)
        held = replace(apply_battery(battery, taken_in), status=BatteryStatus.REMOVED)
        e = event(
            EventKind.BATTERY_INSTALLED, LATER, DISMANTLER, battery_code=held.code, vin=vehicle.vin
        )
        # When the dismantler installs it back, Then VEHICLE_SCRAPPED: no enterprise can be
        # made to answer for a battery by putting it into a scrapped vehicle of its make
        assert check(e, DISMANTLER, battery=held, vehicle=scrapped) == ["VEHICLE_SCRAPPED"]

    def test_an_automaker_removes_a_battery_missing_from_its_scrapped_vehicle(self) -> None:
        # Given AUTOMAKER's vehicle scrapped by DISMANTLER without its battery
        vehicle = certified(38)
        battery = installed(supplied(), vehicle)
        scrapped = apply_vehicle(
            replace(vehicle, battery_codes=frozenset({battery.code})),
            scrap(vehicle.vin, LATER, DISMANTLER),
        )
        removal = event(
            EventKind.BATTERY_REMOVED,
            LATER,
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
            reason=RemovalReason.RETIREMENT,
        )
        # When AUTOMAKER, who still holds the battery, records its removal, Then accepted
        assert check(removal, AUTOMAKER, battery=battery, vehicle=scrapped) == []


# --- properties: custody decides what a refusal may say -------------------------------------

ACTORS = (
    AUTOMAKER,
    OTHER_AUTOMAKER,
    IMPORTER,
    INTEGRATED_MAKER,
    BATTERY_MAKER,
    OTHER_BATTERY_MAKER,
    DISMANTLER,
    OTHER_DISMANTLER,
    RECYCLER,
    RECODER,
)
ENTERPRISE_IDS = sorted({facts.id for facts in ACTORS})
CODES = (
    battery_code("X12", serial=101),
    part(battery_code("X12", serial=102), "M"),
    battery_code("03U", serial=103),
    battery_code("Y01", serial=104),
    battery_code("R01", serial=105),
    battery_code("ZZ9", serial=106),
    battery_code("X12", produced=date(2027, 1, 4), serial=107),
    "X12PB01",
)
VINS = (vin(101), vin(102), vin(103), vin(101)[:8] + "X" + vin(101)[9:])
MODELS = ("M1", "IMP1")
REGIONS = ("440305", "440000", "110000", "999999")
POINT_IDS = ("SP-1", "SP-2")
COUNTERPARTIES = (*ENTERPRISE_IDS, NOT_ON_PLATFORM, "Shenzhen Swap Co.")
DATES = st.sampled_from(
    [
        date(2003, 12, 31),
        date(2026, 3, 1),
        PRODUCED,
        CERTIFIED,
        LATER,
        TODAY,
        TOMORROW,
    ]
)
# The record each creating event puts under its key: there only the key's being taken counts.
CREATED = {
    EventKind.MODEL_ANNOUNCED: ("model", "model"),
    EventKind.MODEL_CCC_CERTIFIED: ("model", "model"),
    EventKind.FACTORY_CERTIFICATE_ISSUED: ("vehicle", "vin"),
    EventKind.CUSTOMS_CLEARED: ("vehicle", "vin"),
    EventKind.BATTERY_PRODUCED: ("battery", "battery_code"),
    EventKind.BATTERY_RECODED: ("new_battery", "new_code"),
}


def sometimes(draw: st.DrawFn, values: Sequence[T]) -> T | None:
    """One of `values`, or (one time in eight) nothing."""
    return None if draw(st.integers(0, 7)) == 0 else draw(st.sampled_from(values))


@st.composite
def lifecycle_events(
    draw: st.DrawFn, actor: EnterpriseFacts, kinds: Sequence[EventKind]
) -> LifecycleEvent:
    return LifecycleEvent(
        id="ev-property",
        kind=draw(st.sampled_from(kinds)),
        occurred_on=draw(DATES),
        actor=actor.id,
        battery_code=sometimes(draw, CODES),
        vin=sometimes(draw, VINS),
        model=sometimes(draw, MODELS),
        region_code=sometimes(draw, REGIONS),
        counterparty=sometimes(draw, COUNTERPARTIES),
        origin=sometimes(draw, list(DisposalOrigin)),
        new_code=sometimes(draw, CODES),
        service_point=sometimes(draw, POINT_IDS),
        reason=sometimes(draw, list(RemovalReason)),
        parent_code=None if draw(st.booleans()) else sometimes(draw, CODES),
        battery_codes=tuple(draw(st.lists(st.sampled_from(CODES), max_size=3))),
    )


def enterprises(actor: EnterpriseFacts) -> st.SearchStrategy[str]:
    """An enterprise id, the actor's about half the time so that its own records come up."""
    return st.one_of(st.just(actor.id), st.sampled_from(ENTERPRISE_IDS))


def batteries(code: str, actor: EnterpriseFacts) -> st.SearchStrategy[BatteryState]:
    ids = enterprises(actor)
    return st.builds(
        BatteryState,
        code=st.just(code),
        manufacturer=st.none() | ids,
        produced_on=DATES,
        status=st.sampled_from(BatteryStatus),
        last_event_on=DATES,
        responsible=ids,
        custodian=st.none() | ids,
        vin=st.none() | st.sampled_from(VINS),
        supplied_to=st.none() | ids,
        service_point=st.none() | st.sampled_from(POINT_IDS),
        original_code=st.none() | st.sampled_from(CODES),
        recoded_as=st.none() | st.sampled_from(CODES),
        vehicle_automaker=st.none() | ids,
        parent_code=st.none() | st.sampled_from(CODES),
    )


@st.composite
def vehicles(draw: st.DrawFn, vehicle_vin: str, actor: EnterpriseFacts) -> VehicleState:
    scrapped = draw(st.none() | st.tuples(DATES, enterprises(actor)))
    return VehicleState(
        vin=vehicle_vin,
        automaker=draw(enterprises(actor)),
        model=draw(st.sampled_from(MODELS)),
        imported=draw(st.booleans()),
        certified_on=draw(DATES),
        last_event_on=draw(DATES),
        registered_on=draw(st.none() | DATES),
        region_code=draw(st.none() | st.sampled_from(REGIONS)),
        scrapped_on=scrapped[0] if scrapped else None,
        scrapped_by=scrapped[1] if scrapped else None,
        battery_codes=draw(st.frozensets(st.sampled_from(CODES), max_size=3)),
        missing_battery_codes=draw(st.frozensets(st.sampled_from(CODES), max_size=2)),
    )


def models(code: str, actor: EnterpriseFacts) -> st.SearchStrategy[ModelState]:
    return st.builds(
        ModelState,
        code=st.just(code),
        owner=enterprises(actor),
        imported=st.booleans(),
        approved_on=DATES,
    )


def points(point_id: str, actor: EnterpriseFacts) -> st.SearchStrategy[ServicePoint]:
    return st.builds(
        ServicePoint,
        id=st.just(point_id),
        operator=enterprises(actor),
        point_type=st.sampled_from(PointType),
        name=st.just(f"{point_id} point"),
        region_code=st.just("440305"),
        coverage_region=st.just("440300"),
        address=st.none(),
        active=st.booleans(),
        updated_at=st.just(datetime(2026, 1, 1, tzinfo=UTC)),
    )


def record_for(
    draw: st.DrawFn, key: str | None, strategy: Callable[[str], st.SearchStrategy[T]]
) -> T | None:
    """What is on record under `key`: three times in four a record, anyone's; nothing when no
    key was sent."""
    if key is None or draw(st.integers(0, 3)) == 0:
        return None
    return draw(strategy(key))


def created_records(slot: str, key: str, actor: EnterpriseFacts) -> st.SearchStrategy[Any]:
    """Anyone's record under `key` in the context slot `slot`."""
    if slot == "model":
        return models(key, actor)
    if slot == "vehicle":
        return vehicles(key, actor)
    return batteries(key, actor)


@st.composite
def contexts(draw: st.DrawFn, e: LifecycleEvent, actor: EnterpriseFacts) -> EventContext:
    """What could be on record under the keys `e` sends, the way the recording service looks
    it up, belonging to anyone."""
    counterparties = [f for f in ACTORS if f.id == e.counterparty]
    return EventContext(
        today=TODAY,
        actor=actor,
        model=record_for(draw, e.model, lambda k: models(k, actor)),
        vehicle=record_for(draw, e.vin, lambda k: vehicles(k, actor)),
        battery=record_for(draw, e.battery_code, lambda k: batteries(k, actor)),
        parent=record_for(draw, e.parent_code, lambda k: batteries(k, actor)),
        new_battery=record_for(draw, e.new_code, lambda k: batteries(k, actor)),
        service_point=record_for(draw, e.service_point, lambda k: points(k, actor)),
        counterparty=draw(st.none() | st.sampled_from(counterparties)) if counterparties else None,
        code_owner=draw(st.none() | enterprises(actor)),
    )


@st.composite
def scenarios(
    draw: st.DrawFn, kinds: Sequence[EventKind] = tuple(EventKind)
) -> tuple[LifecycleEvent, EventContext]:
    actor = draw(st.sampled_from(ACTORS))
    e = draw(lifecycle_events(actor, kinds))
    return e, draw(contexts(e, actor))


def without_untouchable(e: LifecycleEvent, ctx: EventContext) -> EventContext:
    """`ctx` with every record custody says the reporter may not touch replaced by nothing.
    The record an event creates is not touched but taken, so it stays."""
    actor = ctx.actor
    battery, vehicle, model = ctx.battery, ctx.vehicle, ctx.model
    if battery is not None and e.kind is not EventKind.BATTERY_PRODUCED:
        battery = battery if may_record_about_battery(actor.id, e.kind, battery) else None
    if vehicle is not None and e.kind not in CERTIFICATION_EVENTS:
        may = may_record_about_vehicle(actor, e.kind, vehicle, e.battery_code)
        vehicle = vehicle if may else None
    if model is not None and e.kind not in MODEL_EVENTS:
        model = model if may_use_model(actor.id, model) else None
    parent = ctx.parent if ctx.parent and may_use_parent(actor.id, ctx.parent) else None
    point_ = ctx.service_point
    point_ = point_ if point_ is not None and point_.operator == actor.id else None
    return replace(
        ctx, battery=battery, vehicle=vehicle, model=model, parent=parent, service_point=point_
    )


def said(found: Sequence[Violation]) -> list[tuple[str, str, str]]:
    return [(v.code, v.field, v.message) for v in found]


class TestCustodyProperties:
    @given(scenarios())
    def test_a_record_the_reporter_may_not_touch_reads_exactly_like_a_missing_one(
        self, scenario: tuple[LifecycleEvent, EventContext]
    ) -> None:
        # Given any event of any kind and whatever is on record under its keys, anyone's
        e, ctx = scenario
        # When the records custody forbids the reporter are there, and when they are not
        hidden = without_untouchable(e, ctx)
        # Then the reporter is told exactly the same things, word for word
        assert said(check_event(e, ctx)) == said(check_event(e, hidden))
        # And a battery it may not touch is answered as a code that does not exist
        found = check_event(e, ctx)
        if (
            e.kind in BATTERY_EVENTS - {EventKind.BATTERY_PRODUCED}
            and e.battery_code is not None
            and ctx.battery is not None
            and hidden.battery is None
            and "MISSING_FIELD" not in codes(found)
        ):
            assert unknown_battery(e.battery_code) in found

    @given(st.data())
    def test_a_taken_key_is_refused_in_the_same_words_whoever_holds_it(
        self, data: st.DataObject
    ) -> None:
        # Given an event that creates a record under a key, and two different records under it
        e, ctx = data.draw(scenarios(tuple(CREATED)))
        slot, key_field = CREATED[e.kind]
        key = getattr(e, key_field)
        assume(key is not None)
        records = created_records(slot, key, ctx.actor)
        one, other = data.draw(records), data.draw(records)
        # When the event is checked against each, Then the answers are the same word for word:
        # neither whose the record is nor when it was made shows
        assert said(check_event(e, replace(ctx, **{slot: one}))) == said(
            check_event(e, replace(ctx, **{slot: other}))
        )

    @given(st.data())
    def test_a_scrap_not_taken_in_reads_as_no_vehicle_unless_the_reporter_took_it_in(
        self, data: st.DataObject
    ) -> None:
        # Given a scrapping, most often by a dismantler, and anyone's vehicle (or none) under
        # its VIN
        actor = data.draw(st.sampled_from((DISMANTLER, OTHER_DISMANTLER)) | st.sampled_from(ACTORS))
        e = data.draw(lifecycle_events(actor, (EventKind.VEHICLE_SCRAPPED,)))
        ctx = data.draw(contexts(e, actor))
        vehicle = ctx.vehicle
        mine = vehicle is not None and vehicle.scrapped_by == actor.id
        absent = said(check_event(e, replace(ctx, vehicle=None)))
        # When it is checked, Then a refusal, unless because the reporter took the vehicle in
        # already, is exactly the one a VIN with no vehicle on record gets
        found = said(check_event(e, ctx))
        if found and not mine:
            assert found == absent
        # And the same vehicle never registered (still in its automaker's stock) is never
        # taken in: it reads exactly as no vehicle, whatever else is true of it
        if vehicle is not None and not mine:
            unsold = replace(vehicle, registered_on=None, region_code=None)
            assert said(check_event(e, replace(ctx, vehicle=unsold))) == absent != []

    @given(scenarios())
    def test_no_message_names_an_enterprise_or_a_vehicle_the_reporter_did_not_send(
        self, scenario: tuple[LifecycleEvent, EventContext]
    ) -> None:
        # Given any event of any kind and whatever is on record under its keys, anyone's
        e, ctx = scenario
        sent_ids = {ctx.actor.id, e.counterparty}
        foreign = [i for i in ENTERPRISE_IDS if i not in sent_ids]
        foreign += [v for v in VINS if v != e.vin]
        # When it is checked, Then no sentence names another enterprise or another vehicle
        for violation in check_event(e, ctx):
            named = [x for x in foreign if x in violation.message]
            assert named == [], violation
