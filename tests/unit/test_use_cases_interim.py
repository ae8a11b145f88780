"""The 2025 Interim Measures beside the earlier rules: an event is judged by the rule set in
force on its date; comprehensive-utilization enterprises report warehouse entries and exits;
a vehicle scrapped without its batteries is flagged and its automaker has a duty."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.lifecycle import EnterpriseFacts, EnterpriseKind
from compliance.rule_timeline import parse_timeline
from compliance.services import events
from compliance.services.outcome import Recorded
from tests.builders import AUTOMAKER, DISMANTLER, uscc
from tests.unit.use_case_world import (
    EVERYONE,
    ON,
    OTHER_RECYCLER,
    RECYCLER,
    World,
    accepted,
    answered_as_absent,
    codes_of,
    described,
)

IN_FORCE = parse_timeline("CN-TRACE-2018@2018-08-01,CN-2025-INTERIM@2026-04-01")
UTILIZER = EnterpriseFacts(
    uscc("91320000MA1CU0001"), frozenset({EnterpriseKind.COMPREHENSIVE_UTILIZER})
)


def world() -> World:
    return World((*EVERYONE, UTILIZER), rules=IN_FORCE)


def duties(recorded: object) -> dict[str, tuple[str, str | None]]:
    """The obligations a request created: rule id -> (rule set, due date)."""
    assert isinstance(recorded, Recorded)
    found = (record.obligation for record in recorded.obligations)
    return {
        o.rule_id: (o.rule_set_id, o.deadline.due_date.isoformat() if o.deadline else None)
        for o in found
    }


@pytest.mark.parametrize(
    ("issued_on", "expected"),
    [
        # The 2018 provisions: 15 working days (Qingming, 04-04..04-06, is skipped).
        ("2026-03-31", {"PRODUCTION_TRACE_UPLOAD": ("CN-TRACE-2018", "2026-04-22")}),
        # The 2025 Interim Measures: 20 days from the certificate.
        ("2026-04-01", {"PRODUCTION_TRACE_UPLOAD": ("CN-2025-INTERIM", "2026-04-21")}),
    ],
)
def test_the_same_certificate_a_day_apart_falls_under_the_rule_set_in_force_on_its_date(
    issued_on: str, expected: dict[str, tuple[str, str]]
) -> None:
    # Given a deployment following the law by date, and a vehicle's batteries supplied
    w = world()
    codes = w.supplied()
    model = w.announce()
    # When its factory certificate is issued on the last day of the 2018 provisions, or the
    # first of the 2025 measures
    recorded = accepted(
        events.certify_vehicle(
            w.store,
            w.request(AUTOMAKER),
            w.vin(),
            model,
            date.fromisoformat(issued_on),
            codes,
            imported=False,
        )
    )
    # Then the vehicle's duty is that rule set's, with its deadline, recorded with its rule set
    assert duties(recorded) == expected


def test_a_utilizer_reports_warehouse_entry_and_exit_within_thirty_days() -> None:
    # Given a battery handed over to a comprehensive-utilization enterprise
    w = world()
    code = w.at_recycler(UTILIZER)
    # When it takes the battery into its warehouse on 2026-06-01, and hands out what it made
    # of it on 2026-06-10
    entered = accepted(events.warehouse_entry(w.store, w.request(UTILIZER), [code], ON))
    exited = accepted(
        events.warehouse_exit(w.store, w.request(UTILIZER), [code], date(2026, 6, 10))
    )
    # Then each has a 30-day duty under the 2025 measures (07-01 a Wednesday, 07-10 a Friday)
    assert duties(entered) == {"UTILIZATION_WAREHOUSE_ENTRY": ("CN-2025-INTERIM", "2026-07-01")}
    assert duties(exited) == {"UTILIZATION_WAREHOUSE_EXIT": ("CN-2025-INTERIM", "2026-07-10")}
    # and the battery's life has ended.
    assert w.battery(code).status == "UTILIZED"


def test_a_recycler_registered_under_the_earlier_name_is_a_utilizer() -> None:
    w = world()
    code = w.at_recycler(RECYCLER)
    entered = accepted(events.warehouse_entry(w.store, w.request(RECYCLER), [code], ON))
    assert set(duties(entered)) == {"UTILIZATION_WAREHOUSE_ENTRY"}


def test_another_utilizer_recording_an_entry_is_answered_as_for_a_battery_nobody_has() -> None:
    # Given a battery the utilizer holds, and one never registered
    w = world()
    code = w.at_recycler(UTILIZER)
    ghost = w.code()
    # When another recycler, with no relation to it, records its warehouse entry
    answer = answered_as_absent(
        w,
        lambda c: events.warehouse_entry(w.store, w.request(OTHER_RECYCLER), [c], ON),
        [code],
        [ghost],
    )
    # Then nothing changes and the answer is the one for a code nobody has
    assert codes_of(answer) == ["UNKNOWN_BATTERY"]


def test_only_a_utilizer_takes_batteries_into_a_utilization_warehouse() -> None:
    # Given a battery a dismantler holds (its vehicle's, scrapped with it)
    w = world()
    vin, [code] = w.sold()
    w.scrap(vin, [code])
    refused = events.warehouse_entry(w.store, w.request(DISMANTLER), [code], ON)
    assert "NOT_A_UTILIZER" in codes_of(described(refused))


def test_an_exit_before_the_entry_is_refused() -> None:
    w = world()
    code = w.at_recycler(UTILIZER)
    refused = events.warehouse_exit(w.store, w.request(UTILIZER), [code], ON)
    assert codes_of(described(refused)) == ["NOT_IN_WAREHOUSE"]


def test_a_vehicle_scrapped_without_its_battery_is_flagged_and_its_automaker_accounts_for_it() -> (
    None
):
    # Given a sold vehicle whose battery was removed and not reinstalled
    w = world()
    vin, [code] = w.sold()
    w.remove(vin, [code])
    # When a dismantler takes it in without any battery
    recorded = w.scrap(vin, [])
    # Then the vehicle is flagged incomplete and its automaker has a standing duty (an
    # assumption of the 2025 rule set) to account for the battery
    assert w.vehicle(vin).scrapped_incomplete is True
    [duty] = (record.obligation for record in recorded.obligations)
    assert (duty.rule_id, duty.responsible_enterprise, duty.deadline) == (
        "SCRAPPED_WITHOUT_BATTERY",
        AUTOMAKER.id,
        None,
    )


def test_a_vehicle_scrapped_with_its_batteries_has_no_such_duty() -> None:
    w = world()
    vin, codes = w.sold()
    recorded = w.scrap(vin, codes)
    assert w.vehicle(vin).scrapped_incomplete is False
    assert recorded.obligations == ()


def test_a_battery_swap_model_is_exempt_from_scrapping_with_its_battery() -> None:
    # Given a vehicle of a battery-swap model, sold, its battery swapped out
    w = world()
    model = w.model_code()
    accepted(
        events.announce_model(
            w.store,
            w.request(AUTOMAKER),
            model,
            date(2026, 3, 1),
            imported=False,
            battery_swap=True,
        )
    )
    codes = w.supplied()
    vin = w.certify(codes, model=model)
    w.register_vehicle(vin)
    w.remove(vin, codes)
    # When it is scrapped without a battery
    recorded = w.scrap(vin, [])
    # Then it is not incomplete, and no one has a duty for it
    assert w.model(model).battery_swap is True
    assert w.vehicle(vin).scrapped_incomplete is False
    assert recorded.obligations == ()
