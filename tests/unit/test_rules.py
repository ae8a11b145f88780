"""Rule sets as data and the obligation engine: which events create which duties, for whom,
about what, and by when."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.calendar import YearSchedule, default_calendar
from compliance.lifecycle import (
    BatteryState,
    BatteryStatus,
    DisposalOrigin,
    EnterpriseFacts,
    EventKind,
    LifecycleEvent,
    ModelState,
    VehicleState,
)
from compliance.network import PointType
from compliance.rule_timeline import configured_rules
from compliance.rules import (
    DEFAULT_RULE_SET,
    Obligation,
    ObligationStatus,
    Period,
    PeriodKind,
    RuleSetError,
    SubjectKind,
    TriggerFacts,
    available_rule_sets,
    load_rule_set,
    obligations_for,
    parse_rule_set,
    reschedule,
    status_on,
)
from tests.builders import (
    AUTOMAKER,
    BATTERY_MAKER,
    DISMANTLER,
    INTEGRATED_MAKER,
    OTHER_AUTOMAKER,
    RECYCLER,
    battery_code,
    event,
    vin,
)

CALENDAR = default_calendar()
MIIT = load_rule_set()
VIN = vin(100)
VEHICLE = VehicleState(
    vin=VIN,
    automaker=AUTOMAKER.id,
    model="M1",
    imported=False,
    certified_on=date(2026, 9, 1),
    last_event_on=date(2026, 9, 1),
)


def battery(maker: EnterpriseFacts = BATTERY_MAKER, responsible: str | None = None) -> BatteryState:
    return BatteryState(
        code=battery_code(),
        manufacturer=maker.id,
        produced_on=date(2026, 3, 2),
        status=BatteryStatus.REMOVED,
        last_event_on=date(2026, 3, 2),
        responsible=responsible or maker.id,
        custodian=responsible or maker.id,
    )


def produce(
    e: LifecycleEvent, facts: TriggerFacts, rule_set_id: str = DEFAULT_RULE_SET
) -> list[Obligation]:
    return list(obligations_for(e, facts, load_rule_set(rule_set_id), CALENDAR))


def by_rule(obligations: list[Obligation]) -> dict[str, Obligation]:
    return {o.rule_id: o for o in obligations}


class TestRuleSetData:
    def test_both_rule_sets_ship_and_load(self) -> None:
        assert set(available_rule_sets()) >= {"CN-MIIT-2023-DRAFT", "CN-TRACE-2018"}
        assert load_rule_set("CN-TRACE-2018").rule("PRODUCTION_TRACE_UPLOAD").period == Period(
            PeriodKind.WORKING_DAYS, 15
        )

    @pytest.mark.parametrize(
        ("rule_id", "period", "role"),
        [
            ("TECH_INFO_SUBMISSION", "6M", "AUTOMAKER"),
            ("DISMANTLER_DISASSEMBLY_INFO", "STANDING", "AUTOMAKER"),
            ("PRODUCTION_TRACE_UPLOAD", "10WD", "AUTOMAKER"),
            ("SALES_TRACE_UPLOAD", "10WD", "AUTOMAKER"),
            ("AUTOMAKER_RETIREMENT_UPLOAD", "10WD", "AUTOMAKER"),
            ("REPAIR_RETURN_WAREHOUSE_ENTRY", "10WD", "BATTERY_MAKER"),
            ("BATTERY_MAKER_RETIREMENT_UPLOAD", "10WD", "BATTERY_MAKER"),
            ("COLLECTION_POINT_COVERAGE", "STANDING", "AUTOMAKER"),
            ("STORAGE_POINT_COVERAGE", "STANDING", "BATTERY_MAKER"),
            ("SUPPLIER_DISASSEMBLY_INFO", "STANDING", "BATTERY_MAKER"),
        ],
    )
    def test_the_default_rule_set_holds_every_duty_of_the_2023_draft(
        self, rule_id: str, period: str, role: str
    ) -> None:
        # Given the default rule set, Then each duty of docs/DOMAIN.md 1.4 has its period and
        # holder.
        rule = MIIT.rule(rule_id)
        assert (str(rule.period), rule.responsible_role) == (period, role)
        assert rule.name_zh
        assert rule.name_en
        assert rule.source

    def test_an_unknown_rule_set_lists_the_known_ones(self) -> None:
        with pytest.raises(RuleSetError, match="CN-MIIT-2023-DRAFT"):
            load_rule_set("EU-2023")

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (
                {"triggers": ["VEHICLE_SOLD"]},
                r"Invalid enum value 'VEHICLE_SOLD' - at `\$.rules\[0\].triggers\[0\]`",
            ),
            (
                {"when": [{"colour": "red"}]},
                r"unknown field `colour` - at `\$.rules\[0\].when\[0\]`",
            ),
            ({"period": {"kind": "working_days"}}, "needs a length from 1 to 365"),
            ({"period": {"kind": "standing", "length": 3}}, "a standing duty has no length"),
            ({"responsible": {"party": "actor", "role": "MECHANIC"}}, "not an enterprise kind"),
            ({"once_per": "day"}, r"Invalid enum value 'day' - at `\$.rules\[0\].once_per`"),
            ({"name_en": ""}, r"length >= 1 - at `\$.rules\[0\].name_en`"),
        ],
    )
    def test_a_broken_rule_is_refused_naming_the_file_rule_and_key(
        self, change: dict[str, Any], message: str
    ) -> None:
        # Given a valid rule, When one key is broken, Then loading fails and says where.
        raw = _raw_rule_set()
        raw["rules"][0].update(change)
        with pytest.raises(RuleSetError, match=message) as error:
            parse_rule_set(raw, where="test.toml")
        assert "test.toml, rule R1" in str(error.value)

    def test_duplicate_rule_ids_are_refused(self) -> None:
        raw = _raw_rule_set()
        raw["rules"].append(dict(raw["rules"][0]))
        with pytest.raises(RuleSetError, match="appears twice"):
            parse_rule_set(raw, where="test.toml")


class TestConfiguredRuleSet:
    def test_a_deployment_names_its_rule_set_and_overrides_or_gets_the_default(self) -> None:
        # Given a deployment's environment naming the 2018 rule set and an override, and one
        # naming nothing
        [named] = configured_rules(
            {
                "RULE_SET_ID": "CN-TRACE-2018",
                "RULE_PERIOD_OVERRIDES": "PRODUCTION_TRACE_UPLOAD=20WD",
            }
        ).rule_sets
        [unnamed] = configured_rules({}).rule_sets
        # Then each function reads the same rule set from it: as named, or the default
        assert named.id == "CN-TRACE-2018"
        assert named.rule("PRODUCTION_TRACE_UPLOAD").period == Period.parse("20WD")
        assert unnamed == load_rule_set(DEFAULT_RULE_SET)


class TestOverrides:
    def test_an_override_changes_the_period_and_the_version(self) -> None:
        # Given a deployment that gives sales uploads 15 working days,
        # When a vehicle is registered, Then the deadline and the recorded version follow it.
        overridden = load_rule_set(overrides="SALES_TRACE_UPLOAD=15WD")
        e = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 9, 24),
            AUTOMAKER,
            vin=VIN,
            region_code="440305",
        )
        facts = TriggerFacts(
            actor=AUTOMAKER, vehicle=VEHICLE, covered=frozenset({(PointType.COLLECTION, "440300")})
        )
        [obligation] = obligations_for(e, facts, overridden, CALENDAR)
        assert obligation.deadline is not None
        assert (
            obligation.deadline.due_date
            == CALENDAR.add_working_days(date(2026, 9, 24), 15).due_date
        )
        assert obligation.rule_set_version.startswith(MIIT.version + "+override.")
        assert overridden.rule("SALES_TRACE_UPLOAD").overridden_from == Period(
            PeriodKind.WORKING_DAYS, 10
        )

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("NO_SUCH_RULE=10WD", "does not have: NO_SUCH_RULE"),
            ("SALES_TRACE_UPLOAD=ten days", "not understood"),
            ("SALES_TRACE_UPLOAD", "must look like RULE_ID=10WD"),
            ("SALES_TRACE_UPLOAD=0WD", "length from 1 to 365"),
        ],
    )
    def test_a_bad_override_is_refused_with_the_reason(self, text: str, message: str) -> None:
        with pytest.raises(RuleSetError, match=message):
            load_rule_set(overrides=text)


class TestObligations:
    def test_a_registration_creates_a_sales_upload_due_in_ten_working_days(self) -> None:
        # Given a certified vehicle registered on 2026-09-24 in a covered prefecture,
        # Then one sales upload is due 2026-10-15 (National Day skipped), for its automaker.
        e = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 9, 24),
            AUTOMAKER,
            vin=VIN,
            region_code="440305",
        )
        facts = TriggerFacts(
            actor=AUTOMAKER, vehicle=VEHICLE, covered=frozenset({(PointType.COLLECTION, "440300")})
        )
        [obligation] = produce(e, facts)
        assert obligation.rule_id == "SALES_TRACE_UPLOAD"
        assert (obligation.subject_kind, obligation.subject_id) == (SubjectKind.VEHICLE, VIN)
        assert obligation.responsible_enterprise == AUTOMAKER.id
        assert obligation.deadline is not None
        assert obligation.deadline.due_date == date(2026, 10, 15)
        assert obligation.deadline.due_at.isoformat() == "2026-10-15T23:59:59.999000+08:00"
        assert not obligation.deadline.provisional
        assert obligation.deadline.calendar_version == CALENDAR.version
        assert (obligation.rule_set_id, obligation.rule_set_version) == (MIIT.id, MIIT.version)

    def test_a_registration_in_an_uncovered_prefecture_opens_a_standing_coverage_duty(self) -> None:
        # Given no collection point in Shenzhen, When a vehicle is registered in Nanshan district,
        # Then a standing coverage duty about prefecture 440300 is opened for the automaker.
        e = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 9, 24),
            AUTOMAKER,
            vin=VIN,
            region_code="440305",
        )
        obligations = by_rule(produce(e, TriggerFacts(actor=AUTOMAKER, vehicle=VEHICLE)))
        coverage = obligations["COLLECTION_POINT_COVERAGE"]
        assert (coverage.subject_kind, coverage.subject_id) == (SubjectKind.PREFECTURE, "440300")
        assert coverage.standing
        assert coverage.responsible_enterprise == AUTOMAKER.id

    def test_sales_in_the_same_uncovered_prefecture_share_one_coverage_duty(self) -> None:
        # Given two registrations in the same prefecture, Then their coverage duties have one id,
        # so storing both creates one obligation.
        first = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 9, 24),
            AUTOMAKER,
            vin=VIN,
            region_code="440305",
        )
        second = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 9, 25),
            AUTOMAKER,
            vin=vin(101),
            region_code="440306",
        )
        ids = {
            by_rule(produce(e, TriggerFacts(actor=AUTOMAKER, vehicle=VEHICLE)))[
                "COLLECTION_POINT_COVERAGE"
            ].id
            for e in (first, second)
        }
        assert len(ids) == 1

    def test_a_municipality_is_its_own_coverage_region(self) -> None:
        e = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 9, 24),
            AUTOMAKER,
            vin=VIN,
            region_code="110105",
        )
        coverage = by_rule(produce(e, TriggerFacts(actor=AUTOMAKER, vehicle=VEHICLE)))[
            "COLLECTION_POINT_COVERAGE"
        ]
        assert coverage.subject_id == "110000"

    def test_an_announcement_creates_a_six_month_submission_and_a_standing_duty(self) -> None:
        # Given a model announced on 2026-08-31, Then the technical information is due six months
        # later, clamped to 2027-02-28 (a Sunday) and rolled to the next working day; 2027 is not
        # announced, so the deadline is provisional.
        e = event(EventKind.MODEL_ANNOUNCED, date(2026, 8, 31), AUTOMAKER, model="M1")
        obligations = by_rule(produce(e, TriggerFacts(actor=AUTOMAKER)))
        tech = obligations["TECH_INFO_SUBMISSION"]
        assert tech.deadline is not None
        assert tech.deadline.due_date == date(2027, 3, 1)
        assert tech.deadline.provisional
        assert tech.subject_id == "M1"
        assert tech.model == "M1"
        assert obligations["DISMANTLER_DISASSEMBLY_INFO"].standing

    def test_an_imported_vehicle_gets_a_production_upload_from_customs_clearance(self) -> None:
        imported = VehicleState(
            VIN, OTHER_AUTOMAKER.id, "IMP1", True, date(2026, 2, 12), date(2026, 2, 12)
        )
        e = event(
            EventKind.CUSTOMS_CLEARED, date(2026, 2, 12), OTHER_AUTOMAKER, vin=VIN, model="IMP1"
        )
        [obligation] = produce(
            e,
            TriggerFacts(
                actor=OTHER_AUTOMAKER,
                vehicle=imported,
                model=ModelState("IMP1", OTHER_AUTOMAKER.id, True, date(2026, 1, 5)),
            ),
        )
        assert obligation.rule_id == "PRODUCTION_TRACE_UPLOAD"
        assert obligation.deadline is not None
        assert obligation.deadline.due_date == date(2026, 3, 4)

    def test_the_same_event_under_the_2018_rules_gets_fifteen_working_days(self) -> None:
        e = event(
            EventKind.FACTORY_CERTIFICATE_ISSUED, date(2026, 2, 12), AUTOMAKER, vin=VIN, model="M1"
        )
        [obligation] = produce(e, TriggerFacts(actor=AUTOMAKER, vehicle=VEHICLE), "CN-TRACE-2018")
        assert obligation.rule_set_id == "CN-TRACE-2018"
        assert obligation.deadline == CALENDAR.add_working_days(date(2026, 2, 12), 15)

    @pytest.mark.parametrize(
        ("actor", "maker", "origin", "expected"),
        [
            (
                AUTOMAKER,
                BATTERY_MAKER,
                DisposalOrigin.INSTALLATION,
                ["AUTOMAKER_RETIREMENT_UPLOAD"],
            ),
            (AUTOMAKER, BATTERY_MAKER, DisposalOrigin.PRODUCTION, ["AUTOMAKER_RETIREMENT_UPLOAD"]),
            (
                BATTERY_MAKER,
                BATTERY_MAKER,
                DisposalOrigin.REPAIR,
                ["BATTERY_MAKER_RETIREMENT_UPLOAD"],
            ),
            (
                BATTERY_MAKER,
                BATTERY_MAKER,
                DisposalOrigin.RESEARCH,
                ["BATTERY_MAKER_RETIREMENT_UPLOAD"],
            ),
            # A maker of both vehicles and batteries disposing of its own battery from production
            # answers as the battery maker, not twice.
            (
                INTEGRATED_MAKER,
                INTEGRATED_MAKER,
                DisposalOrigin.PRODUCTION,
                ["BATTERY_MAKER_RETIREMENT_UPLOAD"],
            ),
            (
                INTEGRATED_MAKER,
                INTEGRATED_MAKER,
                DisposalOrigin.INSTALLATION,
                ["AUTOMAKER_RETIREMENT_UPLOAD"],
            ),
        ],
    )
    def test_a_disposal_creates_the_retirement_upload_of_whoever_disposes(
        self,
        actor: EnterpriseFacts,
        maker: EnterpriseFacts,
        origin: DisposalOrigin,
        expected: list[str],
    ) -> None:
        b = battery(maker)
        e = event(
            EventKind.BATTERY_DISPOSED, date(2026, 4, 30), actor, battery_code=b.code, origin=origin
        )
        obligations = produce(e, TriggerFacts(actor=actor, battery=b))
        assert [o.rule_id for o in obligations] == expected
        assert obligations[0].responsible_enterprise == actor.id
        assert obligations[0].deadline is not None
        assert obligations[0].deadline.due_date == date(2026, 5, 18)

    def test_each_repair_return_is_its_own_duty_and_a_retry_is_the_same_duty(self) -> None:
        # Given a battery returned for repair twice, Then two duties; the same event twice, one.
        b = battery()
        first = event(
            EventKind.REPAIR_RETURN_RECEIVED, date(2026, 5, 6), BATTERY_MAKER, battery_code=b.code
        )
        second = event(
            EventKind.REPAIR_RETURN_RECEIVED, date(2026, 8, 3), BATTERY_MAKER, battery_code=b.code
        )
        facts = TriggerFacts(actor=BATTERY_MAKER, battery=b)
        ids = [produce(e, facts)[0].id for e in (first, first, second)]
        assert ids[0] == ids[1] != ids[2]

    def test_a_direct_sale_in_an_uncovered_province_opens_a_storage_duty(self) -> None:
        b = battery()
        e = event(
            EventKind.BATTERY_SOLD_DIRECTLY,
            date(2026, 6, 1),
            BATTERY_MAKER,
            battery_code=b.code,
            region_code="440305",
            counterparty="lessor",
        )
        [duty] = produce(e, TriggerFacts(actor=BATTERY_MAKER, battery=b))
        assert (duty.rule_id, duty.subject_id) == ("STORAGE_POINT_COVERAGE", "440000")
        covered = TriggerFacts(
            actor=BATTERY_MAKER, battery=b, covered=frozenset({(PointType.STORAGE, "440000")})
        )
        assert produce(e, covered) == []

    def test_only_the_first_supply_of_a_specification_asks_for_disassembly_information(
        self,
    ) -> None:
        b = battery()
        e = event(
            EventKind.BATTERY_SUPPLIED,
            date(2026, 3, 5),
            BATTERY_MAKER,
            battery_code=b.code,
            counterparty=AUTOMAKER.id,
        )
        [duty] = produce(e, TriggerFacts(actor=BATTERY_MAKER, battery=b, first_supply=True))
        assert duty.subject_kind is SubjectKind.BATTERY_SPEC
        assert duty.subject_id == f"{b.code[:7]}/{AUTOMAKER.id}"
        assert produce(e, TriggerFacts(actor=BATTERY_MAKER, battery=b, first_supply=False)) == []

    def test_2018_rules_give_dismantlers_and_recyclers_their_own_duties(self) -> None:
        scrap = event(EventKind.VEHICLE_SCRAPPED, date(2026, 6, 1), DISMANTLER, vin=VIN)
        [intake] = produce(scrap, TriggerFacts(actor=DISMANTLER, vehicle=VEHICLE), "CN-TRACE-2018")
        assert (intake.rule_id, intake.responsible_enterprise) == (
            "DISMANTLER_INTAKE_UPLOAD",
            DISMANTLER.id,
        )
        b = battery()
        disposal = event(
            EventKind.BATTERY_DISPOSED, date(2026, 6, 1), RECYCLER, battery_code=b.code
        )
        [final] = produce(disposal, TriggerFacts(actor=RECYCLER, battery=b), "CN-TRACE-2018")
        assert final.rule_id == "RECYCLER_DISPOSAL_UPLOAD"
        assert produce(disposal, TriggerFacts(actor=RECYCLER, battery=b)) == []


class TestStatus:
    @given(
        due=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
        offset=st.integers(-30, 30),
    )
    def test_an_open_obligation_becomes_overdue_on_the_first_day_after_its_due_date(
        self, due: date, offset: int
    ) -> None:
        deadline = CALENDAR.add_working_days(due, 1)
        today = deadline.due_date + timedelta(days=offset)
        expected = ObligationStatus.OVERDUE if offset >= 1 else ObligationStatus.OPEN
        assert status_on(deadline, today) is expected

    def test_fulfilment_after_the_due_date_is_late_and_waivers_win(self) -> None:
        deadline = CALENDAR.add_working_days(date(2026, 9, 24), 10)
        assert (
            status_on(deadline, date(2026, 12, 1), fulfilled_on=date(2026, 10, 15))
            is ObligationStatus.FULFILLED
        )
        assert (
            status_on(deadline, date(2026, 12, 1), fulfilled_on=date(2026, 10, 16))
            is ObligationStatus.FULFILLED_LATE
        )
        assert status_on(deadline, date(2026, 12, 1), waived=True) is ObligationStatus.WAIVED
        assert status_on(None, date(2099, 1, 1)) is ObligationStatus.OPEN


class TestReschedule:
    def test_loading_a_year_lists_exactly_the_provisional_deadlines_it_moves(self) -> None:
        # Given a sales upload triggered 2026-12-28 (due in 2027, provisional) and one due in 2026,
        # When 2027 is announced with 2027-01-04..06 as extra holidays,
        # Then only the provisional one is listed, moved, and no longer provisional.
        near = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 12, 28),
            AUTOMAKER,
            vin=VIN,
            region_code="440305",
        )
        far = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 9, 24),
            AUTOMAKER,
            vin=vin(102),
            region_code="440305",
        )
        facts = TriggerFacts(
            actor=AUTOMAKER, vehicle=VEHICLE, covered=frozenset({(PointType.COLLECTION, "440300")})
        )
        [provisional] = produce(near, facts)
        [settled] = produce(far, facts)
        assert provisional.deadline is not None
        assert provisional.deadline.provisional
        announced = CALENDAR.with_year(
            YearSchedule(
                year=2027,
                holidays=frozenset(
                    {date(2027, 1, 1), date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 6)}
                ),
                makeup_workdays=frozenset(),
                source="test notice",
            )
        )
        [change] = reschedule([provisional, settled], announced, year=2027)
        assert change.obligation_id == provisional.id
        assert change.after.due_date == announced.add_working_days(date(2026, 12, 28), 10).due_date
        assert change.changes_date
        assert not change.after.provisional
        assert change.after.calendar_version == CALENDAR.version + 1

    def test_a_load_that_confirms_the_estimate_still_clears_the_provisional_flag(self) -> None:
        near = event(
            EventKind.VEHICLE_REGISTERED,
            date(2026, 12, 28),
            AUTOMAKER,
            vin=VIN,
            region_code="440305",
        )
        facts = TriggerFacts(
            actor=AUTOMAKER, vehicle=VEHICLE, covered=frozenset({(PointType.COLLECTION, "440300")})
        )
        [provisional] = produce(near, facts)
        assert provisional.deadline is not None
        # The announcement matches the estimate exactly: every 2027 weekday the estimate rests.
        estimate = frozenset(
            day
            for day in (date(2027, 1, 1) + timedelta(days=i) for i in range(365))
            if day.weekday() < 5 and not CALENDAR.is_working_day(day)
        )
        announced = CALENDAR.with_year(YearSchedule(2027, estimate, frozenset(), "test notice"))
        [change] = reschedule([provisional], announced, year=2027)
        assert not change.changes_date
        assert not change.after.provisional


def _raw_rule_set() -> dict[str, Any]:
    return {
        "id": "T",
        "version": "1",
        "title_zh": "测试",
        "title_en": "Test",
        "issuer": "Test",
        "published_on": date(2024, 1, 1),
        "status": "test",
        "source": "test",
        "rules": [
            {
                "id": "R1",
                "name_zh": "测试",
                "name_en": "Test",
                "triggers": ["VEHICLE_REGISTERED"],
                "responsible": {"party": "actor", "role": "AUTOMAKER"},
                "subject": "vehicle",
                "once_per": "subject",
                "period": {"kind": "working_days", "length": 10},
                "source": "test",
                "confidence": "A",
            }
        ],
    }


def test_a_correction_of_an_announced_year_moves_the_deadlines_it_touches() -> None:
    # Given a sales upload due 2026-10-15 (not provisional), When 2026 is corrected to make
    # 2026-10-09 a holiday, Then that deadline moves one working day later; one due before the
    # corrected day is untouched.
    facts = TriggerFacts(
        actor=AUTOMAKER, vehicle=VEHICLE, covered=frozenset({(PointType.COLLECTION, "440300")})
    )
    touched = event(
        EventKind.VEHICLE_REGISTERED, date(2026, 9, 24), AUTOMAKER, vin=VIN, region_code="440305"
    )
    untouched = event(
        EventKind.VEHICLE_REGISTERED,
        date(2026, 8, 3),
        AUTOMAKER,
        vin=vin(103),
        region_code="440305",
    )
    [moved] = produce(touched, facts)
    [kept] = produce(untouched, facts)
    schedule = CALENDAR.schedule(2026)
    assert schedule is not None
    corrected = CALENDAR.with_year(
        YearSchedule(
            2026,
            schedule.holidays | {date(2026, 10, 9)},
            schedule.makeup_workdays,
            "test correction",
        )
    )
    [change] = reschedule([moved, kept], corrected, year=2026)
    assert change.obligation_id == moved.id
    assert (change.before.due_date, change.after.due_date) == (
        date(2026, 10, 15),
        date(2026, 10, 16),
    )


@pytest.mark.parametrize("key", ["confidence", "source"])
def test_a_rule_without_its_confidence_or_source_is_refused(key: str) -> None:
    # Given a rule that does not say how sure it is or where it comes from
    raw = _raw_rule_set()
    del raw["rules"][0][key]
    # When the rule set is read, Then it is refused, naming the rule and the missing key
    with pytest.raises(RuleSetError, match=rf"missing required field `{key}` - at `\$.rules\[0\]`"):
        parse_rule_set(raw, where="test.toml")


def test_a_rule_set_with_a_key_it_does_not_define_is_refused() -> None:
    # Given a rule-set file with a misspelt header key
    raw = _raw_rule_set()
    raw["pubished_on"] = raw["published_on"]
    # Then it is refused rather than the key being ignored
    with pytest.raises(RuleSetError, match=r"unknown field `pubished_on` - at `\$`"):
        parse_rule_set(raw, where="test.toml")


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("10WD", Period(PeriodKind.WORKING_DAYS, 10)),
        ("20D", Period(PeriodKind.DAYS, 20)),
        ("6M", Period(PeriodKind.MONTHS, 6)),
        ("STANDING", Period(PeriodKind.STANDING)),
    ],
)
def test_a_period_reads_and_writes_its_compact_form(text: str, period: Period) -> None:
    # Given the compact form of each kind of period, Then it reads as that period and back.
    assert Period.parse(text) == period
    assert str(period) == text


def test_a_calendar_day_period_counts_days_and_ends_on_a_working_day() -> None:
    # Given a 20-day duty triggered on Sunday 2026-06-07, Then it is due on Monday 2026-06-29
    # (the 20th day is a Saturday).
    deadline = Period.parse("20D").deadline(date(2026, 6, 7), CALENDAR)
    assert deadline is not None
    assert deadline.due_date == date(2026, 6, 29)


@pytest.mark.parametrize("rule_set_id", available_rule_sets())
def test_every_shipped_rule_set_decodes_with_a_confidence_and_source_for_each_rule(
    rule_set_id: str,
) -> None:
    rule_set = load_rule_set(rule_set_id)
    assert rule_set.rules
    for rule in rule_set.rules:
        assert rule.confidence in ("C", "S", "A"), rule.id
        assert rule.source.strip(), rule.id


def test_the_2025_measures_say_how_sure_each_duty_is() -> None:
    # Given the 2025 Interim Measures as data
    interim = load_rule_set("CN-2025-INTERIM")
    # Then the duties known from the summaries carry their periods and confidence, and the
    # draft's duties whose final wording is unknown are carried over as assumptions (A).
    assert {rule.id: (str(rule.period), rule.confidence) for rule in interim.rules} == {
        "TECH_INFO_SUBMISSION": ("6M", "S"),
        "DISMANTLER_DISASSEMBLY_INFO": ("STANDING", "A"),
        "PRODUCTION_TRACE_UPLOAD": ("20D", "S"),
        "IMPORT_TRACE_UPLOAD": ("20D", "A"),
        "AUTOMAKER_RETIREMENT_UPLOAD": ("10WD", "A"),
        "REPAIR_RETURN_WAREHOUSE_ENTRY": ("10WD", "A"),
        "BATTERY_MAKER_RETIREMENT_UPLOAD": ("10WD", "A"),
        "UTILIZATION_WAREHOUSE_ENTRY": ("30D", "S"),
        "UTILIZATION_WAREHOUSE_EXIT": ("30D", "S"),
        "COLLECTION_POINT_COVERAGE": ("STANDING", "C"),
        "STORAGE_POINT_COVERAGE": ("STANDING", "C"),
        "SUPPLIER_DISASSEMBLY_INFO": ("STANDING", "S"),
        "SCRAPPED_WITHOUT_BATTERY": ("STANDING", "A"),
    }
    carried = [rule for rule in interim.rules if rule.confidence == "A"]
    assert all("assumption" in rule.source for rule in carried)
