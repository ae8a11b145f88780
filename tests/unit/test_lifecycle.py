"""Lifecycle events: responsibility follows the battery's history, and impossible events are
rejected with a reason before anything is stored."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.lifecycle import (
    BatteryState,
    BatteryStatus,
    DisposalOrigin,
    EnterpriseFacts,
    EventContext,
    EventKind,
    LifecycleEvent,
    ModelState,
    VehicleState,
    apply_battery,
    apply_model,
    apply_vehicle,
    check_event,
    second_life_battery,
)
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
    vin,
)

PRODUCED = date(2026, 3, 2)
CERTIFIED = date(2026, 4, 10)


def codes(violations: tuple[object, ...]) -> list[str]:
    return [getattr(v, "code") for v in violations]  # noqa: B009


def produced_battery(maker: EnterpriseFacts = BATTERY_MAKER) -> BatteryState:
    code = battery_code()
    return apply_battery(
        None, event(EventKind.BATTERY_PRODUCED, PRODUCED, maker, battery_code=code)
    )


def certified_vehicle(serial: int = 1, automaker: EnterpriseFacts = AUTOMAKER) -> VehicleState:
    return apply_vehicle(
        None,
        event(
            EventKind.FACTORY_CERTIFICATE_ISSUED, CERTIFIED, automaker, vin=vin(serial), model="M1"
        ),
    )


def installed(battery: BatteryState, vehicle: VehicleState, on: date = CERTIFIED) -> BatteryState:
    install = event(
        EventKind.BATTERY_INSTALLED,
        on,
        AUTOMAKER,
        battery_code=battery.code,
        vin=vehicle.vin,
    )
    return apply_battery(battery, install, vehicle_automaker=vehicle.automaker)


def check(e: LifecycleEvent, actor: EnterpriseFacts, **states: object) -> list[str]:
    return codes(check_event(e, EventContext(today=TODAY, actor=actor, **states)))  # type: ignore[arg-type]


class TestResponsibility:
    def test_a_new_battery_is_its_manufacturers_responsibility(self) -> None:
        # Given a battery its maker has just registered, Then its maker answers for it.
        battery = produced_battery()
        assert battery.responsible == BATTERY_MAKER.id
        assert battery.status is BatteryStatus.REGISTERED

    def test_an_installed_battery_is_the_automakers_responsibility(self) -> None:
        # Given a registered battery, When it is installed in an automaker's vehicle,
        # Then that automaker answers for it.
        battery = installed(produced_battery(), certified_vehicle())
        assert battery.responsible == AUTOMAKER.id
        assert battery.status is BatteryStatus.INSTALLED

    def test_removal_keeps_the_automaker_responsible(self) -> None:
        # Given an installed battery, When it is removed, Then the automaker still answers for it.
        battery = installed(produced_battery(), certified_vehicle())
        removed = apply_battery(
            battery,
            event(
                EventKind.BATTERY_REMOVED, date(2026, 6, 1), AUTOMAKER, battery_code=battery.code
            ),
        )
        assert removed.responsible == AUTOMAKER.id
        assert removed.vin == certified_vehicle().vin

    def test_a_battery_sold_directly_after_removal_returns_to_its_manufacturer(self) -> None:
        # Given a battery removed from a vehicle, When its maker sells it directly to a lessor,
        # Then responsibility moves back to the manufacturer.
        battery = installed(produced_battery(), certified_vehicle())
        removed = apply_battery(
            battery,
            event(
                EventKind.BATTERY_REMOVED, date(2026, 6, 1), AUTOMAKER, battery_code=battery.code
            ),
        )
        sold = apply_battery(
            removed,
            event(
                EventKind.BATTERY_SOLD_DIRECTLY,
                date(2026, 6, 5),
                BATTERY_MAKER,
                battery_code=battery.code,
                region_code="440000",
                counterparty="lessor",
            ),
        )
        assert sold.responsible == BATTERY_MAKER.id
        assert sold.status is BatteryStatus.SOLD_DIRECTLY

    def test_a_second_life_code_links_back_to_the_original(self) -> None:
        # Given a removed battery, When it is re-coded for second life,
        # Then the new battery records the original code and the original is final.
        battery = produced_battery()
        new_code = battery_code(maker="03U")
        recode = event(
            EventKind.BATTERY_RECODED,
            date(2026, 7, 1),
            OTHER_BATTERY_MAKER,
            battery_code=battery.code,
            new_code=new_code,
        )
        assert second_life_battery(battery, recode).original_code == battery.code
        assert apply_battery(battery, recode).recoded_as == new_code


class TestImpossibleEvents:
    def test_an_event_dated_after_today_is_rejected(self) -> None:
        # Given a battery maker, When it registers a battery dated tomorrow, Then FUTURE_DATE.
        e = event(
            EventKind.BATTERY_PRODUCED,
            date(2026, 11, 27),
            BATTERY_MAKER,
            battery_code=battery_code(),
        )
        assert check(e, BATTERY_MAKER) == ["FUTURE_DATE"]

    def test_a_maker_cannot_register_another_makers_manufacturer_code(self) -> None:
        # Given maker X12's code, When another battery maker registers it,
        # Then the code's manufacturer part is refused, naming the positions.
        e = event(
            EventKind.BATTERY_PRODUCED, PRODUCED, OTHER_BATTERY_MAKER, battery_code=battery_code()
        )
        violations = check_event(e, EventContext(today=TODAY, actor=OTHER_BATTERY_MAKER))
        assert codes(violations) == ["MANUFACTURER_CODE_NOT_ASSIGNED"]
        assert "X12" in violations[0].message
        assert "positions 1-3" in violations[0].message

    def test_registration_before_the_encoded_production_date_is_rejected(self) -> None:
        # Given a code produced 2026-03-02, When it is registered on 2026-03-01, Then refused.
        e = event(
            EventKind.BATTERY_PRODUCED, date(2026, 3, 1), BATTERY_MAKER, battery_code=battery_code()
        )
        assert check(e, BATTERY_MAKER) == ["BEFORE_PRODUCTION"]

    def test_a_malformed_code_is_rejected_with_the_code_checkers_reason(self) -> None:
        e = event(EventKind.BATTERY_PRODUCED, PRODUCED, BATTERY_MAKER, battery_code="X12PB01")
        violations = check_event(e, EventContext(today=TODAY, actor=BATTERY_MAKER))
        assert "INVALID_BATTERY_CODE" in codes(violations)
        assert all(v.field == "battery_code" for v in violations)

    def test_installing_a_disposed_battery_is_rejected(self) -> None:
        # Given a disposed battery, When an automaker installs it, Then BATTERY_DISPOSED.
        battery = produced_battery()
        disposed = apply_battery(
            battery,
            event(
                EventKind.BATTERY_DISPOSED,
                date(2026, 5, 1),
                BATTERY_MAKER,
                battery_code=battery.code,
                origin=DisposalOrigin.PRODUCTION,
            ),
        )
        vehicle = certified_vehicle()
        e = event(
            EventKind.BATTERY_INSTALLED,
            date(2026, 5, 2),
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        assert check(e, AUTOMAKER, battery=disposed, vehicle=vehicle) == ["BATTERY_DISPOSED"]

    def test_a_battery_installed_in_one_vehicle_cannot_be_installed_in_another(self) -> None:
        battery = installed(produced_battery(), certified_vehicle(1))
        other = certified_vehicle(2)
        e = event(
            EventKind.BATTERY_INSTALLED,
            CERTIFIED,
            AUTOMAKER,
            battery_code=battery.code,
            vin=other.vin,
        )
        violations = check_event(
            e, EventContext(today=TODAY, actor=AUTOMAKER, battery=battery, vehicle=other)
        )
        assert codes(violations) == ["ALREADY_INSTALLED"]
        assert vin(1) in violations[0].message

    def test_an_automaker_cannot_install_into_another_automakers_vehicle(self) -> None:
        vehicle = certified_vehicle(3, automaker=OTHER_AUTOMAKER)
        battery = produced_battery()
        e = event(
            EventKind.BATTERY_INSTALLED,
            CERTIFIED,
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        assert check(e, AUTOMAKER, battery=battery, vehicle=vehicle) == ["NOT_OWNER"]

    def test_a_battery_supplied_to_one_automaker_cannot_be_installed_by_another(self) -> None:
        registered = produced_battery()
        battery = apply_battery(
            registered,
            event(
                EventKind.BATTERY_SUPPLIED,
                date(2026, 3, 5),
                BATTERY_MAKER,
                battery_code=registered.code,
                counterparty=OTHER_AUTOMAKER.id,
            ),
        )
        vehicle = certified_vehicle(4)
        e = event(
            EventKind.BATTERY_INSTALLED,
            CERTIFIED,
            AUTOMAKER,
            battery_code=battery.code,
            vin=vehicle.vin,
        )
        assert check(e, AUTOMAKER, battery=battery, vehicle=vehicle) == ["SUPPLIED_TO_ANOTHER"]

    def test_registration_before_any_factory_certificate_is_rejected(self) -> None:
        # Given no certificate for a VIN, When the vehicle is registered, Then NOT_CERTIFIED.
        e = event(
            EventKind.VEHICLE_REGISTERED, CERTIFIED, AUTOMAKER, vin=vin(5), region_code="440305"
        )
        assert check(e, AUTOMAKER) == ["NOT_CERTIFIED"]

    def test_registration_dated_before_the_certificate_is_rejected(self) -> None:
        vehicle = certified_vehicle(6)
        e = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 4, 9),
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="440305",
        )
        assert "BEFORE_CERTIFICATE" in check(e, AUTOMAKER, vehicle=vehicle)

    def test_a_registration_region_must_name_a_prefecture(self) -> None:
        # Given a certified vehicle, When it is registered with a whole province's code,
        # Then the region is refused; a municipality (its own prefecture) is accepted.
        vehicle = certified_vehicle(7)
        province = event(
            EventKind.VEHICLE_REGISTERED,
            CERTIFIED,
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="440000",
        )
        municipality = event(
            EventKind.VEHICLE_REGISTERED,
            CERTIFIED,
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="110000",
        )
        unknown = event(
            EventKind.VEHICLE_REGISTERED,
            CERTIFIED,
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="999999",
        )
        assert check(province, AUTOMAKER, vehicle=vehicle) == ["INVALID_REGION"]
        assert check(municipality, AUTOMAKER, vehicle=vehicle) == []
        assert check(unknown, AUTOMAKER, vehicle=vehicle) == ["INVALID_REGION"]

    def test_a_vehicle_cannot_be_registered_twice(self) -> None:
        vehicle = certified_vehicle(8)
        first = event(
            EventKind.VEHICLE_REGISTERED,
            CERTIFIED,
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="440305",
        )
        registered = apply_vehicle(vehicle, first)
        again = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 5, 1),
            AUTOMAKER,
            vin=vehicle.vin,
            region_code="440305",
        )
        assert check(again, AUTOMAKER, vehicle=registered) == ["ALREADY_REGISTERED"]

    def test_a_certificate_needs_an_announced_domestic_model_owned_by_the_automaker(self) -> None:
        model = apply_model(
            None,
            event(EventKind.MODEL_CCC_CERTIFIED, date(2026, 1, 5), OTHER_AUTOMAKER, model="IMP1"),
        )
        e = event(
            EventKind.FACTORY_CERTIFICATE_ISSUED,
            date(2026, 1, 4),
            AUTOMAKER,
            vin=vin(9),
            model="IMP1",
        )
        assert sorted(check(e, AUTOMAKER, model=model)) == [
            "BEFORE_MODEL_APPROVAL",
            "NOT_OWNER",
            "WRONG_MODEL_ORIGIN",
        ]
        assert check(e, AUTOMAKER) == ["UNKNOWN_MODEL"]

    def test_customs_clearance_of_an_imported_model_is_accepted(self) -> None:
        model = ModelState("IMP2", OTHER_AUTOMAKER.id, imported=True, approved_on=date(2026, 1, 5))
        e = event(
            EventKind.CUSTOMS_CLEARED, date(2026, 2, 1), OTHER_AUTOMAKER, vin=vin(10), model="IMP2"
        )
        assert check(e, OTHER_AUTOMAKER, model=model) == []

    def test_an_event_older_than_the_batterys_latest_is_out_of_order(self) -> None:
        battery = installed(produced_battery(), certified_vehicle(11), on=date(2026, 5, 1))
        e = event(
            EventKind.BATTERY_REMOVED, date(2026, 4, 30), AUTOMAKER, battery_code=battery.code
        )
        assert check(e, AUTOMAKER, battery=battery) == ["OUT_OF_ORDER"]

    def test_a_battery_cannot_be_disposed_of_while_installed(self) -> None:
        battery = installed(produced_battery(), certified_vehicle(12))
        e = event(
            EventKind.BATTERY_DISPOSED,
            date(2026, 5, 1),
            AUTOMAKER,
            battery_code=battery.code,
            origin=DisposalOrigin.INSTALLATION,
        )
        assert check(e, AUTOMAKER, battery=battery) == ["INSTALLED_IN_VEHICLE"]

    @pytest.mark.parametrize(
        ("actor", "origin", "expected"),
        [
            (AUTOMAKER, DisposalOrigin.REPAIR, ["ORIGIN_NOT_APPLICABLE"]),
            (BATTERY_MAKER, DisposalOrigin.INSTALLATION, ["ORIGIN_NOT_APPLICABLE"]),
            (BATTERY_MAKER, DisposalOrigin.REPAIR, []),
            (AUTOMAKER, DisposalOrigin.INSTALLATION, []),
            (RECYCLER, None, []),
            (AUTOMAKER, None, ["MISSING_FIELD"]),
        ],
    )
    def test_disposal_origin_must_fit_who_disposes(
        self, actor: EnterpriseFacts, origin: DisposalOrigin | None, expected: list[str]
    ) -> None:
        battery = produced_battery()
        e = event(
            EventKind.BATTERY_DISPOSED,
            date(2026, 5, 1),
            actor,
            battery_code=battery.code,
            origin=origin,
        )
        assert check(e, actor, battery=battery) == expected

    def test_only_a_dismantler_of_a_scrapped_vehicle_or_its_automaker_may_remove_a_battery(
        self,
    ) -> None:
        vehicle = certified_vehicle(13)
        battery = installed(produced_battery(), vehicle)
        removal = event(
            EventKind.BATTERY_REMOVED, date(2026, 6, 1), DISMANTLER, battery_code=battery.code
        )
        assert check(removal, DISMANTLER, battery=battery, vehicle=vehicle) == ["NOT_RESPONSIBLE"]
        scrapped = apply_vehicle(
            vehicle,
            event(EventKind.VEHICLE_SCRAPPED, date(2026, 6, 1), DISMANTLER, vin=vehicle.vin),
        )
        assert check(removal, DISMANTLER, battery=battery, vehicle=scrapped) == []

    def test_every_problem_is_reported_at_once(self) -> None:
        # Given a repair return by the wrong maker, dated in the future, of an installed battery,
        # Then all three reasons come back together.
        battery = installed(produced_battery(), certified_vehicle(14))
        e = event(
            EventKind.REPAIR_RETURN_RECEIVED,
            date(2027, 1, 1),
            OTHER_BATTERY_MAKER,
            battery_code=battery.code,
        )
        assert sorted(check(e, OTHER_BATTERY_MAKER, battery=battery)) == [
            "FUTURE_DATE",
            "INSTALLED_IN_VEHICLE",
            "NOT_MANUFACTURER",
        ]

    def test_an_event_for_an_unregistered_battery_is_rejected(self) -> None:
        e = event(EventKind.BATTERY_REMOVED, CERTIFIED, AUTOMAKER, battery_code=battery_code())
        assert check(e, AUTOMAKER) == ["UNKNOWN_BATTERY"]

    def test_missing_fields_are_named(self) -> None:
        e = event(EventKind.VEHICLE_REGISTERED, CERTIFIED, AUTOMAKER, vin=vin(15))
        violations = check_event(e, EventContext(today=TODAY, actor=AUTOMAKER))
        assert [(v.code, v.field) for v in violations] == [("MISSING_FIELD", "region_code")]

    def test_a_handout_must_come_from_the_service_point_holding_the_battery(self) -> None:
        battery = produced_battery()
        at_point = apply_battery(
            battery,
            event(
                EventKind.SERVICE_POINT_RECEIVED,
                date(2026, 5, 1),
                AUTOMAKER,
                battery_code=battery.code,
                counterparty="SP-1",
            ),
        )
        wrong = event(
            EventKind.SERVICE_POINT_HANDED_OUT,
            date(2026, 5, 2),
            AUTOMAKER,
            battery_code=battery.code,
            counterparty="SP-2",
        )
        right = event(
            EventKind.SERVICE_POINT_HANDED_OUT,
            date(2026, 5, 2),
            AUTOMAKER,
            battery_code=battery.code,
            counterparty="SP-1",
        )
        assert check(wrong, AUTOMAKER, battery=at_point) == ["WRONG_SERVICE_POINT"]
        assert check(right, AUTOMAKER, battery=at_point) == []
