"""A battery's whole life through the use cases, several enterprises taking part: the
obligations each step creates (rule, responsible enterprise, due date in China working days) and
who holds and answers for the battery after it (docs/DOMAIN.md 1.1, 1.3, 1.4, 4, 4.1). Then retries:
every request sent twice has one effect and one answer; closing obligations, saving service
points, registering batteries and updating enterprises."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.calendar import default_calendar
from compliance.enterprises import Contact, Enterprise
from compliance.lifecycle import BatteryStatus, DisposalOrigin, RemovalReason
from compliance.network import PointType
from compliance.rules import ObligationStatus
from compliance.services import enterprises as enterprise_use_cases
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
    battery_code,
    uscc,
)
from tests.unit.use_case_world import (
    LATER,
    NOW,
    ON,
    OTHER_REGION,
    PREFECTURE,
    PROVINCE,
    RECYCLER,
    REGION,
    SCENARIOS,
    TODAY,
    Scenario,
    World,
    accepted,
    answered_as_absent,
    codes_of,
    described,
    production_duty,
)

CALENDAR = default_calendar()


def ten_working_days_after(day: date) -> date:
    return CALENDAR.add_working_days(day, 10).due_date


# (rule, responsible enterprise, subject, due date or None for a standing duty)
Owed = tuple[str, str, str, date | None]


def owed(recorded: Recorded) -> list[Owed]:
    return sorted(
        (
            o.obligation.rule_id,
            o.obligation.responsible_enterprise,
            o.obligation.subject_id,
            o.obligation.deadline.due_date if o.obligation.deadline else None,
        )
        for o in recorded.obligations
    )


def held(world: World, code: str) -> tuple[BatteryStatus, str | None, str]:
    """A battery's status, who holds it and who answers for it."""
    battery = world.battery(code)
    return battery.status, battery.custodian, battery.responsible


class TestAWholeLife:
    def test_a_battery_passes_through_its_makers_automakers_service_points_and_recyclers(
        self,
    ) -> None:
        world = World()
        maker, automaker = BATTERY_MAKER.id, AUTOMAKER.id
        produced = date(2026, 2, 12)

        # Given an automaker that announces a model on 2025-12-31
        # When it is announced
        model = world.model_code()
        step = accepted(
            events.announce_model(
                world.store, world.request(AUTOMAKER), model, date(2025, 12, 31), imported=False
            )
        )
        # Then the automaker owes its technical information 6 months later (2026-06-30, a
        # Tuesday), and disassembly information for dismantlers, standing
        assert owed(step) == [
            ("DISMANTLER_DISASSEMBLY_INFO", automaker, model, None),
            ("TECH_INFO_SUBMISSION", automaker, model, date(2026, 6, 30)),
        ]

        # When the maker registers three batteries without production dates
        a, b, c = (battery_code("X12", produced, serial=n) for n in (1, 2, 3))
        step = accepted(
            events.register_batteries(
                world.store, world.request(BATTERY_MAKER), [NewBattery(x) for x in (a, b, c)]
            )
        )
        # Then each takes its code's date; the maker holds and answers for them; nothing is owed
        assert owed(step) == []
        assert world.battery(a).produced_on == produced
        assert held(world, a) == (BatteryStatus.REGISTERED, maker, maker)

        # When the maker disposes of one from production on 2026-02-14 (a make-up Saturday)
        step = accepted(
            events.dispose_batteries(
                world.store,
                world.request(BATTERY_MAKER),
                [c],
                date(2026, 2, 14),
                DisposalOrigin.PRODUCTION,
            )
        )
        # Then the maker owes its retirement upload by 2026-03-06 (docs/DOMAIN.md 2 test vector)
        assert owed(step) == [("BATTERY_MAKER_RETIREMENT_UPLOAD", maker, c, date(2026, 3, 6))]
        assert held(world, c)[0] is BatteryStatus.DISPOSED

        # When the maker supplies the other two to the automaker
        step = accepted(
            events.supply_batteries(
                world.store, world.request(BATTERY_MAKER), [a, b], automaker, date(2026, 3, 2)
            )
        )
        # Then the maker owes disassembly information for that specification to that automaker,
        # once for both; the automaker holds them, the maker still answers for them
        assert owed(step) == [
            ("SUPPLIER_DISASSEMBLY_INFO", maker, f"{a[:7]}/{automaker}", None),
        ]
        assert held(world, a) == (BatteryStatus.SUPPLIED, automaker, maker)

        # When the automaker certifies a vehicle with both on 2026-04-30
        vin = world.vin()
        step = accepted(
            events.certify_vehicle(
                world.store,
                world.request(AUTOMAKER),
                vin,
                model,
                date(2026, 4, 30),
                [a, b],
                imported=False,
            )
        )
        # Then it owes the production upload by 2026-05-18 (after the May Day holidays, a DOMAIN
        # test vector); it now holds and answers for the batteries
        assert owed(step) == [("PRODUCTION_TRACE_UPLOAD", automaker, vin, date(2026, 5, 18))]
        assert held(world, a) == (BatteryStatus.INSTALLED, automaker, automaker)
        assert world.vehicle(vin).battery_codes == {a, b}

        # When it registers the vehicle in Fuzhou on 2026-09-24, where it has no collection point
        step = accepted(
            events.register_vehicle(
                world.store, world.request(AUTOMAKER), vin, date(2026, 9, 24), REGION
            )
        )
        # Then it owes the sales upload by 2026-10-15 (after National Day, a DOMAIN test vector)
        # and a collection point in the prefecture, standing
        assert owed(step) == [
            ("COLLECTION_POINT_COVERAGE", automaker, PREFECTURE, None),
            ("SALES_TRACE_UPLOAD", automaker, vin, date(2026, 10, 15)),
        ]
        coverage = next(
            o.id for o in step.obligations if o.obligation.rule_id == "COLLECTION_POINT_COVERAGE"
        )

        # When the automaker takes battery a out for repair
        step = world.remove(vin, [a], AUTOMAKER, date(2026, 9, 25), RemovalReason.REPAIR)
        # Then nothing is owed; it holds it and answers for it still
        assert owed(step) == []
        assert held(world, a) == (BatteryStatus.REMOVED, automaker, automaker)

        # When the maker receives it back for repair on 2026-09-28
        step = accepted(
            events.receive_repair_return(
                world.store, world.request(BATTERY_MAKER), a, date(2026, 9, 28)
            )
        )
        # Then the maker owes the warehouse entry 10 working days later (2026-10-16: the
        # National Day week does not count, the make-up Saturday 10-10 does); it holds the
        # battery, and the automaker still answers for it
        assert owed(step) == [
            ("REPAIR_RETURN_WAREHOUSE_ENTRY", maker, a, ten_working_days_after(date(2026, 9, 28)))
        ]
        assert ten_working_days_after(date(2026, 9, 28)) == date(2026, 10, 16)
        assert held(world, a) == (BatteryStatus.IN_REPAIR, maker, automaker)

        # When the maker supplies it back on 2026-10-09
        step = world.supply([a], AUTOMAKER, BATTERY_MAKER, date(2026, 10, 9))
        # Then the disassembly duty for that specification exists already: nothing new is owed
        assert owed(step) == []
        assert held(world, a) == (BatteryStatus.SUPPLIED, automaker, automaker)

        # When the automaker installs it in the vehicle again on 2026-10-10
        step = accepted(
            events.install_batteries(
                world.store, world.request(AUTOMAKER), vin, [a], date(2026, 10, 10)
            )
        )
        # Then nothing is owed; it is in the vehicle, the automaker's
        assert owed(step) == []
        assert held(world, a) == (BatteryStatus.INSTALLED, automaker, automaker)

        # When the automaker opens a collection point in Fuzhou
        saved = point_use_cases.upsert(
            world.store,
            world.request(AUTOMAKER),
            point_use_cases.PointInput("Fuzhou Gulou collection", PointType.COLLECTION, REGION),
            world.point_id,
        )
        assert saved.point is not None
        point = saved.point.id
        # Then the coverage duty is fulfilled, today
        assert [(d.id, d.stored_status, d.fulfilled_on) for d in saved.fulfilled] == [
            (coverage, ObligationStatus.FULFILLED, TODAY)
        ]
        assert world.obligation(coverage).stored_status is ObligationStatus.FULFILLED

        # When the automaker retires battery a, takes it in at its point and hands it to a
        # recycler
        retired = world.remove(vin, [a], AUTOMAKER, date(2026, 10, 12), RemovalReason.RETIREMENT)
        received = world.receive_at(point, [a], AUTOMAKER, date(2026, 10, 13))
        at_point = held(world, a)
        handed = world.hand_over([a], AUTOMAKER, RECYCLER, point, date(2026, 10, 14))
        # Then none of it is owed to the platform; the point held it, then the recycler, and the
        # automaker answers for it throughout
        assert owed(retired) == owed(received) == owed(handed) == []
        assert at_point == (BatteryStatus.AT_SERVICE_POINT, automaker, automaker)
        assert held(world, a) == (BatteryStatus.HANDED_OVER, RECYCLER.id, automaker)

        # When the recycler re-codes it for second life under its own code
        second_life = world.code("R7G", date(2026, 10, 20))
        step = accepted(
            events.recode_battery(
                world.store, world.request(RECYCLER), a, second_life, date(2026, 10, 20)
            )
        )
        # Then the old code is closed; the new one is the recycler's in every respect
        assert owed(step) == []
        assert held(world, a)[0] is BatteryStatus.RECODED
        assert held(world, second_life) == (BatteryStatus.REGISTERED, RECYCLER.id, RECYCLER.id)
        assert world.battery(second_life).original_code == a

        # When a dismantler takes the vehicle in with battery b, and takes b out
        step = world.scrap(vin, [b], DISMANTLER, date(2026, 11, 2))
        assert owed(step) == []
        assert held(world, b) == (BatteryStatus.INSTALLED, DISMANTLER.id, automaker)
        world.remove(vin, [b], DISMANTLER, date(2026, 11, 3), RemovalReason.SCRAPPING)
        # Then the dismantler holds b, and the automaker still answers for it
        assert held(world, b) == (BatteryStatus.REMOVED, DISMANTLER.id, automaker)
        assert world.vehicle(vin).scrapped_by == DISMANTLER.id
        assert not world.vehicle(vin).scrapped_incomplete

        # And in all, exactly the duties the steps named were created
        assert len(world.obligations()) == 8

    @pytest.mark.parametrize(
        ("certified", "due"),
        [
            (date(2026, 2, 12), date(2026, 3, 4)),
            (date(2026, 4, 30), date(2026, 5, 18)),
            (date(2025, 9, 26), date(2025, 10, 16)),
            (date(2026, 9, 24), date(2026, 10, 15)),
            (date(2025, 12, 31), date(2026, 1, 15)),
            (date(2026, 2, 14), date(2026, 3, 6)),
            (date(2026, 1, 1), date(2026, 1, 15)),
        ],
    )
    def test_the_production_upload_is_due_on_domains_test_vectors(
        self, certified: date, due: date
    ) -> None:
        # Given a model and a battery of 2025-09-01 supplied to the automaker
        world = World()
        model = world.announce(AUTOMAKER, date(2025, 9, 1))
        [code] = world.produce(BATTERY_MAKER, produced=date(2025, 9, 1))
        world.supply([code], AUTOMAKER, BATTERY_MAKER, date(2025, 9, 2))

        # When a vehicle is certified on the vector's day
        step = accepted(
            events.certify_vehicle(
                world.store,
                world.request(AUTOMAKER),
                world.vin(),
                model,
                certified,
                [code],
                imported=False,
            )
        )

        # Then its production upload is due on the vector's date, as the calendar computes it,
        # at the end of that day China time, not provisional
        [duty] = step.obligations
        assert duty.obligation.deadline is not None
        assert duty.obligation.deadline.due_date == due == ten_working_days_after(certified)
        assert (
            duty.obligation.deadline.due_at.isoformat()
            == f"{due.isoformat()}T23:59:59.999000+08:00"
        )
        assert not duty.obligation.deadline.provisional

    def test_a_deadline_in_a_year_whose_holidays_are_not_announced_is_provisional(self) -> None:
        # Given an automaker
        world = World()

        # When it announces a model on 2026-09-15
        step = accepted(
            events.announce_model(
                world.store,
                world.request(AUTOMAKER),
                world.model_code(),
                date(2026, 9, 15),
                imported=True,
            )
        )

        # Then its technical information is due 2027-03-15, provisionally
        [tech] = [o for o in step.obligations if o.obligation.rule_id == "TECH_INFO_SUBMISSION"]
        assert tech.obligation.deadline is not None
        assert tech.obligation.deadline.due_date == date(2027, 3, 15)
        assert tech.obligation.deadline.provisional

    def test_a_direct_sale_makes_the_maker_answer_for_the_battery_and_owe_a_storage_point(
        self,
    ) -> None:
        # Given a battery in its maker's stock
        world = World()
        [code] = world.produce(BATTERY_MAKER)

        # When the maker sells it directly to a swap-station operator in Fujian
        step = accepted(
            events.sell_directly(
                world.store, world.request(BATTERY_MAKER), code, ON, "Swap Co", REGION
            )
        )

        # Then no one on the platform holds it, the maker answers for it, and owes a storage
        # point in the province
        assert held(world, code) == (BatteryStatus.SOLD_DIRECTLY, None, BATTERY_MAKER.id)
        assert owed(step) == [("STORAGE_POINT_COVERAGE", BATTERY_MAKER.id, PROVINCE, None)]

    def test_a_recycler_selling_a_second_life_battery_directly_owes_no_storage_point(
        self,
    ) -> None:
        # Given a retired battery a recycler took in and re-coded for second life under its own
        # manufacturer code
        world = World()
        retired = world.at_recycler(RECYCLER)
        second_life = world.code("R7G", ON)
        accepted(
            events.recode_battery(world.store, world.request(RECYCLER), retired, second_life, ON)
        )

        # When the recycler sells it directly to a swap-station operator in Fujian, where no
        # one has a storage point
        step = accepted(
            events.sell_directly(
                world.store, world.request(RECYCLER), second_life, ON, "Swap Co", REGION
            )
        )

        # Then it answers for the battery, which no one on the platform holds, and owes nothing:
        # a storage point in each province of direct sales is a battery maker's duty
        assert held(world, second_life) == (BatteryStatus.SOLD_DIRECTLY, None, RECYCLER.id)
        assert owed(step) == []
        rules = {o.obligation.rule_id for o in world.obligations()}
        assert "STORAGE_POINT_COVERAGE" not in rules

    @pytest.mark.parametrize("buyer", ["", "   "], ids=["empty", "blank"])
    def test_a_direct_sale_names_its_buyer(self, buyer: str) -> None:
        # Given a battery in its maker's stock
        world = World()
        [code] = world.produce(BATTERY_MAKER)
        before = world.store.snapshot()

        # When the maker sells it directly without naming the buyer
        recorded = events.sell_directly(
            world.store, world.request(BATTERY_MAKER), code, ON, buyer, REGION
        )

        # Then the buyer is required, and nothing is stored
        assert [(a[0], a[1]) for a in described(recorded)] == [("REQUIRED", "counterparty")]
        assert world.store.snapshot() == before

    def test_a_registration_where_the_automaker_has_a_collection_point_owes_no_coverage(
        self,
    ) -> None:
        # Given a vehicle, and a collection point of its automaker in the same prefecture
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)
        world.service_point(AUTOMAKER, PointType.COLLECTION, "350103")

        # When the vehicle is registered in the prefecture
        step = world.register_vehicle(vin, AUTOMAKER, REGION)

        # Then only the sales upload is owed
        assert [o[0] for o in owed(step)] == ["SALES_TRACE_UPLOAD"]


# --- retries --------------------------------------------------------------------------------


class TestRetries:
    @pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
    def test_a_request_sent_twice_has_one_effect(self, scenario: Scenario) -> None:
        # Given a world in which the request can be accepted
        world = World()
        actor, send = scenario(world)

        # When it is sent, and sent again minutes later (a client retrying)
        first = send(world.request(actor))
        after_first = world.store.snapshot()
        second = send(world.request(actor, now=LATER))

        # Then both were accepted, and the retry changed nothing stored
        assert described(first) == described(second) == []
        assert world.store.snapshot() == after_first

    @pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
    def test_a_request_sent_twice_has_the_same_answer(self, scenario: Scenario) -> None:
        # Given a world in which the request can be accepted
        world = World()
        actor, send = scenario(world)

        # When it is sent, and sent again minutes later (a client retrying)
        first = send(world.request(actor))
        second = send(world.request(actor, now=LATER))

        # Then the retry is answered exactly as the request was: the same events (recorded when
        # the first was), obligations and records
        assert second == first

    def test_the_same_move_made_again_on_the_same_day_is_not_taken_for_a_retry(self) -> None:
        # Given a battery the maker supplied to an automaker and took back for repair, the same
        # day
        world = World()
        [code] = world.produce(BATTERY_MAKER)
        world.supply([code], AUTOMAKER, BATTERY_MAKER, ON)
        accepted(events.receive_repair_return(world.store, world.request(BATTERY_MAKER), code, ON))

        # When the maker supplies it, repaired, to the same automaker again that day
        recorded = events.supply_batteries(
            world.store, world.request(BATTERY_MAKER), [code], AUTOMAKER.id, ON
        )

        # Then the supply is recorded (or refused with a reason), never answered as accepted
        # while the battery stays in repair
        assert not recorded.ok or world.battery(code).status is BatteryStatus.SUPPLIED

    def test_a_point_sent_twice_without_an_id_is_one_point(self) -> None:
        # Given a battery maker
        world = World()
        sent = point_use_cases.PointInput("Fujian storage", PointType.STORAGE, REGION)

        # When it saves the same point twice without an id, then once more with the name typed
        # in other case and spacing
        first = point_use_cases.upsert(
            world.store, world.request(BATTERY_MAKER), sent, world.point_id
        )
        second = point_use_cases.upsert(
            world.store, world.request(BATTERY_MAKER, now=LATER), sent, world.point_id
        )
        retyped = point_use_cases.upsert(
            world.store,
            world.request(BATTERY_MAKER, now=LATER),
            point_use_cases.PointInput("  FUJIAN   Storage ", PointType.STORAGE, REGION),
            world.point_id,
        )

        # Then there is one point: the second answer is the first, and the retyped name is that
        # point's new spelling
        assert first.point is not None
        assert retyped.point is not None
        assert second == first
        assert retyped.point.id == first.point.id
        assert list(world.store.tables["point"]) == [first.point.id]
        assert world.point(first.point.id).name == "FUJIAN   Storage"

    def test_a_point_closing_a_duty_answers_with_the_duty_as_stored(self) -> None:
        # Given a coverage duty of the automaker in Fuzhou
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)
        world.register_vehicle(vin, AUTOMAKER, REGION)

        # When the automaker opens a point there
        saved = point_use_cases.upsert(
            world.store,
            world.request(AUTOMAKER),
            point_use_cases.PointInput("Fuzhou collection", PointType.COLLECTION, REGION),
            world.point_id,
        )

        # Then the fulfilled duty in the answer is the duty as stored
        [duty] = saved.fulfilled
        assert duty == world.obligation(duty.id)


class TestClosingObligations:
    def test_a_fulfilment_sent_again_answers_the_same_and_another_receipt_is_a_conflict(
        self,
    ) -> None:
        # Given the automaker's production upload, fulfilled with a receipt
        world = World()
        duty = production_duty(world)
        first = obligation_use_cases.fulfil(
            world.store, world.request(AUTOMAKER), duty, ON, "RCPT-1"
        )
        assert first.record is not None
        assert first.record.stored_status is ObligationStatus.FULFILLED_LATE  # due 2026-04-24
        stored = world.store.snapshot()

        # When the same fulfilment is sent again, and then one with another receipt
        again = obligation_use_cases.fulfil(
            world.store, world.request(AUTOMAKER, now=LATER), duty, ON, "RCPT-1"
        )
        other = obligation_use_cases.fulfil(
            world.store, world.request(AUTOMAKER, now=LATER), duty, ON, "RCPT-2"
        )

        # Then the first is the same answer; the second is a conflict naming the recorded
        # receipt; nothing changed
        assert again == first
        [(code, _, _, message)] = described(other)
        assert code == "CONFLICT"
        assert "RCPT-1" in message
        assert world.store.snapshot() == stored

    def test_a_waiver_sent_again_answers_the_same_and_another_reason_is_a_conflict(
        self,
    ) -> None:
        # Given the automaker's production upload, waived
        world = World()
        duty = production_duty(world)
        reason = "Vehicle exported before the platform existed."
        first = obligation_use_cases.waive(world.store, world.request(AUTOMAKER), duty, reason)
        stored = world.store.snapshot()

        # When the same waiver is sent again, another reason, and a fulfilment
        again = obligation_use_cases.waive(
            world.store, world.request(AUTOMAKER, now=LATER), duty, f"  {reason} "
        )
        other = obligation_use_cases.waive(
            world.store, world.request(AUTOMAKER), duty, "Another reason, given later."
        )
        fulfilled = obligation_use_cases.fulfil(
            world.store, world.request(AUTOMAKER), duty, ON, "RCPT-1"
        )

        # Then the first is the same answer; the others are conflicts; nothing changed
        assert first.record is not None
        assert first.record.stored_status is ObligationStatus.WAIVED
        assert again == first
        assert codes_of(described(other)) == codes_of(described(fulfilled)) == ["CONFLICT"]
        assert world.store.snapshot() == stored

    @pytest.mark.parametrize(
        ("reason", "accepted"),
        [
            ("车型未投产", True),  # "the model never went into production": 5 wide characters
            ("未投产", False),
            ("not in use", True),
            ("not used", False),
        ],
    )
    def test_a_waiver_reason_is_long_enough_by_what_it_says_in_either_script(
        self, reason: str, accepted: bool
    ) -> None:
        # Given the automaker's production upload
        world = World()
        duty = production_duty(world)
        # When it is waived for a short reason in Chinese or in English
        closed = obligation_use_cases.waive(world.store, world.request(AUTOMAKER), duty, reason)
        # Then five Chinese characters say as much as ten Latin ones
        if accepted:
            assert closed.record is not None
            assert closed.record.stored_status is ObligationStatus.WAIVED
        else:
            assert codes_of(described(closed)) == ["REASON_REQUIRED"]
            assert "or 5 Chinese characters" in described(closed)[0][3]

    def test_a_coverage_duty_is_not_fulfilled_by_hand_but_closed_by_a_point_covering_it(
        self,
    ) -> None:
        # Given a coverage duty of the automaker for Fuzhou
        world = World()
        vin, _ = world.vehicle_with(AUTOMAKER)
        step = world.register_vehicle(vin, AUTOMAKER, REGION)
        [duty] = [
            o.id for o in step.obligations if o.obligation.rule_id == "COLLECTION_POINT_COVERAGE"
        ]
        before = world.store.snapshot()

        # When the automaker fulfils it by hand, with no point there
        by_hand = obligation_use_cases.fulfil(
            world.store, world.request(AUTOMAKER), duty, ON, "RCPT-1"
        )

        # Then it is refused as not covered, and nothing changed
        assert [(a[0], a[1]) for a in described(by_hand)] == [("NOT_COVERED", "id")]
        assert world.store.snapshot() == before

        # When it opens an inactive point there, a point in another prefecture, and then an
        # active point in Fuzhou
        world.service_point(AUTOMAKER, PointType.COLLECTION, REGION, active=False)
        world.service_point(AUTOMAKER, PointType.COLLECTION, OTHER_REGION)
        still_open = world.obligation(duty).stored_status
        world.service_point(AUTOMAKER, PointType.COLLECTION, "350103")

        # Then only the active Fuzhou point closes the duty, fulfilled today
        assert still_open is ObligationStatus.OPEN
        closed = world.obligation(duty)
        assert (closed.stored_status, closed.fulfilled_on) == (ObligationStatus.FULFILLED, TODAY)


class TestRegisteringBatteries:
    def test_without_a_production_date_a_battery_takes_its_codes(self) -> None:
        # Given a code that carries 2026-02-12 in positions 15-17
        world = World()
        code = world.code("X12", date(2026, 2, 12))

        # When the maker registers it without a production date
        recorded = accepted(
            events.register_batteries(world.store, world.request(BATTERY_MAKER), [NewBattery(code)])
        )

        # Then it was produced on 2026-02-12, and its event is dated so
        assert world.battery(code).produced_on == date(2026, 2, 12)
        assert [r.event.occurred_on for r in recorded.events] == [date(2026, 2, 12)]

    def test_the_codes_own_date_given_is_the_same_registration(self) -> None:
        # Given a battery registered without a production date
        world = World()
        code = world.code("X12", date(2026, 2, 12))
        first = accepted(
            events.register_batteries(world.store, world.request(BATTERY_MAKER), [NewBattery(code)])
        )
        stored = world.store.snapshot()

        # When it is sent again with the date its code carries
        again = events.register_batteries(
            world.store,
            world.request(BATTERY_MAKER),
            [NewBattery(code, produced_on=date(2026, 2, 12))],
        )

        # Then it is the same registration: same answer, nothing new
        assert again == first
        assert world.store.snapshot() == stored

    def test_a_date_contradicting_the_code_is_refused_naming_both_dates(self) -> None:
        # Given a code that carries 2026-02-12
        world = World()
        code = world.code("X12", date(2026, 2, 12))
        before = world.store.snapshot()

        # When the maker registers it as produced on 2026-02-13 (second in the list)
        recorded = events.register_batteries(
            world.store,
            world.request(BATTERY_MAKER),
            [NewBattery(world.code()), NewBattery(code, produced_on=date(2026, 2, 13))],
        )

        # Then it is refused on that item, naming both dates; nothing is stored
        [(refusal, field, index, message)] = described(recorded)
        assert (refusal, field, index) == ("PRODUCTION_DATE_MISMATCH", "occurred_on", 1)
        assert "2026-02-13" in message
        assert "2026-02-12" in message
        assert world.store.snapshot() == before


class TestUpdatingEnterprises:
    def test_its_own_administrator_updates_it_and_the_contacts_are_replaced(self) -> None:
        # Given an automaker with one reminder contact
        world = World()
        enterprise_use_cases.update(
            world.store,
            AUTOMAKER.id,
            caller_enterprise=AUTOMAKER.id,
            by="admin",
            now=NOW,
            contacts=[Contact("old@motors.example.cn", "zh-CN")],
        )

        # When its administrator sends two other contacts and a province
        saved = enterprise_use_cases.update(
            world.store,
            AUTOMAKER.id,
            caller_enterprise=AUTOMAKER.id,
            by="admin",
            now=LATER,
            province_code="350000",
            contacts=[
                Contact("a@motors.example.cn", "zh-CN"),
                Contact("b@motors.example.cn", "en"),
            ],
        )

        # Then the contacts are exactly the new ones, and who changed it and when is kept
        assert saved.enterprise is not None
        stored: Enterprise = world.store.tables["enterprise"][AUTOMAKER.id][0]
        assert stored == saved.enterprise
        assert [c.email for c in stored.contacts] == ["a@motors.example.cn", "b@motors.example.cn"]
        assert (stored.province_code, stored.updated_by, stored.updated_at) == (
            "350000",
            "admin",
            LATER,
        )

    def test_another_enterprises_administrator_is_answered_as_for_no_enterprise(self) -> None:
        # Given two automakers
        world = World()

        # When the other automaker's administrator updates the automaker
        answer = answered_as_absent(
            world,
            lambda eid: enterprise_use_cases.update(
                world.store,
                eid,
                caller_enterprise=OTHER_AUTOMAKER.id,
                by="their-admin",
                now=NOW,
                name="Taken over",
            ),
            [AUTOMAKER.id],
            [uscc("91440300MA5FQ0000")],
        )

        # Then it is told there is no such enterprise of its own
        assert [(a[0], a[1]) for a in answer] == [("NOT_FOUND", "id")]

    def test_the_platform_updates_any_enterprise(self) -> None:
        # Given an automaker
        world = World()

        # When the platform renames it
        saved = enterprise_use_cases.update(
            world.store, AUTOMAKER.id, caller_enterprise=None, by="platform", now=NOW, name="X"
        )

        # Then it is renamed
        assert saved.enterprise is not None
        assert saved.enterprise.name == "X"
