"""The committed API Gateway events (events/api/) replayed in order through functions.api.handler
on empty moto tables: the story they tell holds, the refusals are the documented ones, and the
files are exactly what tools/write_events.py writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from compliance.calendar import default_calendar
from local.authorizer import authorizer_context
from local.aws import local_aws
from local.calls import invoke
from local.tokens import DEFAULT_SECRET
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID
from tools.write_events import EVENTS_DIR, FUZHOU_MOTORS, rendered_events

STORY = [
    "01-register-enterprise-battery-maker.json",
    "02-register-enterprise-automaker.json",
    "03-register-batteries.json",
    "04-supply-batteries.json",
    "05-announce-model.json",
    "06-issue-factory-certificate.json",
    "07-register-vehicle.json",
    "08-obligations.json",
    "09-vehicle.json",
    "10-battery.json",
    "11-fulfill-obligation.json",
    "12-compliance-summary.json",
    "13-decode-battery-code.json",
]
REFUSALS = [
    "90-unauthenticated.json",
    "91-mutation-over-get.json",
    "92-malformed-json.json",
    "93-battery-of-another-enterprise.json",
]
MUTATIONS = {
    "01-register-enterprise-battery-maker.json": "registerEnterprise",
    "02-register-enterprise-automaker.json": "registerEnterprise",
    "03-register-batteries.json": "registerBatteries",
    "04-supply-batteries.json": "supplyBatteries",
    "05-announce-model.json": "announceModel",
    "06-issue-factory-certificate.json": "issueFactoryCertificate",
    "07-register-vehicle.json": "registerVehicle",
    "11-fulfill-obligation.json": "fulfillObligation",
}
CERTIFIED_ON = date(2026, 9, 24)
REGISTERED_ON = date(2026, 9, 25)


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    return loaded


def variables(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(event(name)["body"])["variables"]
    return found


@pytest.fixture(scope="module")
def replies() -> dict[str, Reply]:
    """Given empty tables, When every event file is sent to the API function in name order."""
    answered = {}
    with local_aws():
        for path in sorted(EVENTS_DIR.glob("*.json")):
            status, body = invoke(event(path.name))
            answered[path.name] = Reply(status, body)
    return answered


def test_the_files_are_the_story_and_the_refusals_in_order() -> None:
    assert sorted(path.name for path in EVENTS_DIR.glob("*.json")) == STORY + REFUSALS


def test_the_story_runs_against_empty_tables_without_errors(replies: dict[str, Reply]) -> None:
    # Then every step is answered 200 with data and no errors, and no mutation refuses anything.
    for name in STORY:
        reply = replies[name]
        assert reply.status == 200, (name, reply.body)
        assert "errors" not in reply.body, (name, reply.body)
        assert reply.body["data"] is not None, name
    for name, field in MUTATIONS.items():
        assert replies[name].body["data"][field]["userErrors"] == [], name


def test_the_production_upload_falls_due_ten_working_days_after_the_certificate(
    replies: dict[str, Reply],
) -> None:
    # Then the upload skips the Mid-Autumn and National Day holidays (the README's example).
    [upload] = replies["06-issue-factory-certificate.json"].body["data"]["issueFactoryCertificate"][
        "obligations"
    ]
    expected = default_calendar().add_working_days(CERTIFIED_ON, 10)
    assert upload["ruleId"] == "PRODUCTION_TRACE_UPLOAD"
    assert upload["dueDate"] == expected.due_date.isoformat() == "2026-10-15"
    assert upload["dueAt"] == "2026-10-15T23:59:59.999000+08:00"


def test_the_sales_upload_falls_due_ten_working_days_after_the_registration(
    replies: dict[str, Reply],
) -> None:
    obligations = replies["07-register-vehicle.json"].body["data"]["registerVehicle"]["obligations"]
    duties = {o["ruleId"]: o for o in obligations}
    expected = default_calendar().add_working_days(REGISTERED_ON, 10)
    assert duties["SALES_TRACE_UPLOAD"]["triggerDate"] == REGISTERED_ON.isoformat()
    assert duties["SALES_TRACE_UPLOAD"]["dueDate"] == expected.due_date.isoformat()
    # Nanshan (440305) has no collection point of the automaker: a standing coverage duty opens.
    coverage = duties["COLLECTION_POINT_COVERAGE"]
    assert (coverage["subjectKind"], coverage["subjectId"], coverage["dueDate"]) == (
        "PREFECTURE",
        "440300",
        None,
    )


def test_the_automaker_sees_every_duty_the_story_opened(replies: dict[str, Reply]) -> None:
    edges = replies["08-obligations.json"].body["data"]["obligations"]["edges"]
    rules = [edge["node"]["ruleId"] for edge in edges]
    # Then dated duties come first by due date, standing ones last.
    assert rules[:3] == ["TECH_INFO_SUBMISSION", "PRODUCTION_TRACE_UPLOAD", "SALES_TRACE_UPLOAD"]
    assert set(rules[3:]) == {"COLLECTION_POINT_COVERAGE", "DISMANTLER_DISASSEMBLY_INFO"}
    # And the id the fulfilment file names is the one a real run produces.
    [upload] = [e["node"] for e in edges if e["node"]["ruleId"] == "PRODUCTION_TRACE_UPLOAD"]
    assert variables("11-fulfill-obligation.json")["input"]["id"] == upload["id"]


def test_the_vehicle_and_its_batteries_read_back_as_recorded(replies: dict[str, Reply]) -> None:
    vehicle = replies["09-vehicle.json"].body["data"]["vehicle"]
    packs = variables("03-register-batteries.json")["input"]["batteries"]
    assert vehicle["automaker"] == {"id": AUTOMAKER_ID}
    assert [b["code"] for b in vehicle["batteries"]] == [p["code"] for p in packs]
    assert vehicle["region"] == {"code": "440305", "name": "南山区"}
    assert [e["kind"] for e in vehicle["events"]] == [
        "FACTORY_CERTIFICATE_ISSUED",
        "VEHICLE_REGISTERED",
    ]
    # The battery maker still sees its pack; the automaker now answers for it.
    battery = replies["10-battery.json"].body["data"]["battery"]
    assert battery["status"] == "INSTALLED"
    assert battery["manufacturer"] == {"id": BATTERY_MAKER_ID}
    assert battery["responsibleEnterprise"] == {"id": AUTOMAKER_ID}


def test_an_upload_made_before_its_due_day_is_fulfilled_on_time(
    replies: dict[str, Reply],
) -> None:
    fulfilled = replies["11-fulfill-obligation.json"].body["data"]["fulfillObligation"]
    assert fulfilled["obligation"]["ruleId"] == "PRODUCTION_TRACE_UPLOAD"
    assert fulfilled["obligation"]["status"] == "FULFILLED"
    assert (fulfilled["obligation"]["fulfilledOn"], fulfilled["obligation"]["platformReceipt"]) == (
        "2026-10-14",
        "NEV-TRACE-2026-000001",
    )
    # Then the summary counts it once; the other four duties stay open or overdue (by today).
    summary = replies["12-compliance-summary.json"].body["data"]["complianceSummary"]
    assert summary["enterpriseId"] == AUTOMAKER_ID
    assert (summary["fulfilled"], summary["fulfilledLate"], summary["waived"]) == (1, 0, 0)
    assert summary["open"] + summary["overdue"] == 4


def test_a_query_over_get_decodes_a_battery_code(replies: dict[str, Reply]) -> None:
    assert event("13-decode-battery-code.json")["requestContext"]["http"]["method"] == "GET"
    report = replies["13-decode-battery-code.json"].body["data"]["decodeBatteryCode"]
    assert (report["valid"], report["errors"]) == (True, [])
    assert report["fields"]["manufacturerCode"] == "X12"
    assert report["fields"]["productionDate"] == "2026-03-02"


def test_a_request_without_an_authorizer_is_unauthenticated(replies: dict[str, Reply]) -> None:
    assert "authorizer" not in event("90-unauthenticated.json")["requestContext"]
    reply = replies["90-unauthenticated.json"]
    assert reply.status == 200
    assert reply.body["data"] is None
    assert [e["extensions"]["code"] for e in reply.body["errors"]] == ["UNAUTHENTICATED"]


def test_a_mutation_over_get_is_405(replies: dict[str, Reply]) -> None:
    reply = replies["91-mutation-over-get.json"]
    assert reply.status == 405
    assert reply.body["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_a_body_that_is_not_json_is_400(replies: dict[str, Reply]) -> None:
    reply = replies["92-malformed-json.json"]
    assert reply.status == 400
    assert reply.body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # The event names no language, and a person's request is answered in Chinese by default.
    assert "请求体不是有效的 JSON" in reply.body["errors"][0]["message"]


def test_another_enterprises_battery_reads_as_null(replies: dict[str, Reply]) -> None:
    # Given the same query for the same pack that its maker reads (09),
    # When another automaker sends it, Then the pack does not exist for it.
    assert variables("93-battery-of-another-enterprise.json") == variables("10-battery.json")
    assert replies["10-battery.json"].body["data"]["battery"] is not None
    reply = replies["93-battery-of-another-enterprise.json"]
    assert reply.status == 200
    assert reply.body["data"] == {"battery": None}
    assert "errors" not in reply.body


def test_each_event_carries_the_claims_its_token_verifies_to() -> None:
    # Then the claims are what API Gateway's JWT authorizer hands Lambda for the header sent:
    # verified, every value a string.
    for path in sorted(EVENTS_DIR.glob("*.json")):
        sent = event(path.name)
        header = sent["headers"].get("authorization")
        expected = authorizer_context(header, secret=DEFAULT_SECRET)
        assert sent["requestContext"].get("authorizer") == expected, path.name
        if expected is not None:
            claims = expected["jwt"]["claims"]
            assert all(isinstance(value, str) for value in claims.values()), path.name


def test_the_files_are_what_the_generator_writes() -> None:
    # When the events are generated again (a dry run on moto included), Then not a byte differs.
    on_disk = {
        path.name: path.read_text(encoding="utf-8") for path in sorted(EVENTS_DIR.glob("*.json"))
    }
    assert rendered_events() == on_disk


def test_the_supply_puts_the_packs_in_the_automakers_hands_and_opens_the_makers_duty(
    replies: dict[str, Reply],
) -> None:
    # Then both packs are held by the automaker, and the maker owes it the disassembly
    # information of their specification: one standing duty for the one specification.
    payload = replies["04-supply-batteries.json"].body["data"]["supplyBatteries"]
    assert {b["custodian"]["id"] for b in payload["batteries"]} == {FUZHOU_MOTORS}
    [duty] = payload["obligations"]
    assert duty["ruleId"] == "SUPPLIER_DISASSEMBLY_INFO"
    assert duty["subjectId"] == f"X12PB01/{FUZHOU_MOTORS}"
