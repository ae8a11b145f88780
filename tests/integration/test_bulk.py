"""Bulk mutations through the API on moto, between enterprises as they deal in practice: a
battery maker supplying packs to two automakers, who certify, clear, register vehicles and
fulfil their duties many at a time. Each item is answered exactly as its single mutation
would answer it, at its index; an outsider learns nothing and changes nothing; a call is
retried safely, with an Idempotency-Key or without one."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from graph import cost, replay
from graph.limits import MAX_BULK_ITEMS
from local.aws import local_aws
from local.calls import api_event, bearer_header, invoke
from tests.api import (
    dynamodb_calls,
    fleet_pack,
    gql,
    onboard,
    onboard_battery_maker,
    supply,
    table_snapshot,
)
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, OTHER_AUTOMAKER_ID, vin

MOTORS = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
RIVAL = bearer_header("ENTERPRISE_ADMIN", OTHER_AUTOMAKER_ID)
CELLS = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)

MODEL, IMPORTED_MODEL, RIVAL_MODEL, RIVAL_IMPORTED = (
    "FZ7001BEV",
    "FZ7002IMP",
    "SZ5001BEV",
    "SZ5002IMP",
)
CERTIFIED_ON, REGISTERED_ON, FULFILLED_ON = "2026-04-10", "2026-04-20", "2026-04-22"
# A well-formed pack code that no one registered.
GHOST_SERIAL = 9_000_000

INPUT_TYPES = {
    "issueFactoryCertificates": "IssueFactoryCertificatesInput",
    "clearCustomsBatch": "ClearCustomsBatchInput",
    "registerVehicles": "RegisterVehiclesInput",
    "fulfillObligations": "FulfillObligationsInput",
}
ERRORS = "userErrors { field code message }"
VEHICLE_RESULT = f"""index vehicle {{ vin certifiedOn registeredOn imported }}
    events {{ id kind occurredOn }} obligations {{ id ruleId subjectId dueDate }} {ERRORS}"""
OBLIGATION_RESULT = f"""index obligation {{ id status fulfilledOn platformReceipt }}
    obligations {{ id status }} {ERRORS}"""


def document(name: str) -> str:
    result = OBLIGATION_RESULT if name == "fulfillObligations" else VEHICLE_RESULT
    return f"""mutation ($input: {INPUT_TYPES[name]}!) {{ {name}(input: $input) {{
        applied refused {ERRORS} obligations {{ id }} results {{ {result} }} }} }}"""


def send(
    name: str, items: Sequence[dict[str, Any]], auth: str, key: str | None = None
) -> tuple[int, Any]:
    """One bulk call, as API Gateway would deliver it: status and body."""
    event = api_event(document(name), {"input": {"items": list(items)}}, auth=auth)
    if key is not None:
        event["headers"][replay.HEADER] = key
    return invoke(event)


def bulk(name: str, items: Sequence[dict[str, Any]], auth: str) -> dict[str, Any]:
    """One bulk call that must be answered (200, no top-level error): its payload."""
    status, body = send(name, items, auth)
    assert status == 200, body
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    return payload


def certificate(n: int, pack: int, model: str = MODEL) -> dict[str, Any]:
    return {
        "vin": vin(n),
        "model": model,
        "issuedOn": CERTIFIED_ON,
        "batteryCodes": [fleet_pack(pack)],
    }


def clearance(n: int, pack: int, model: str = IMPORTED_MODEL) -> dict[str, Any]:
    return {
        "vin": vin(n),
        "model": model,
        "clearedOn": CERTIFIED_ON,
        "batteryCodes": [fleet_pack(pack)],
    }


def registration(n: int, region: str = "350102") -> dict[str, Any]:
    return {"vin": vin(n), "registeredOn": REGISTERED_ON, "regionCode": region}


def fulfilment(obligation_id: str, receipt: str = "TRACE-0001") -> dict[str, Any]:
    return {"id": obligation_id, "fulfilledOn": FULFILLED_ON, "platformReceipt": receipt}


def duties(client: Any) -> int:
    """Obligations on record, every enterprise's (counter items aside)."""
    [table] = [t for t in client.list_tables()["TableNames"] if "Obligation" in t]
    pages = client.get_paginator("scan").paginate(TableName=table, ProjectionExpression="id")
    return sum(1 for page in pages for item in page["Items"] if item["id"]["S"].startswith("ob_"))


def duties_of(auth: str) -> list[dict[str, Any]]:
    listed = gql("{ obligations(first: 200) { nodes { id ruleId subjectId status } } }", auth=auth)
    nodes: list[dict[str, Any]] = listed["data"]["obligations"]["nodes"]
    return nodes


def supplied_world(motors_packs: int, rival_packs: Sequence[int] = ()) -> None:
    """Given a battery maker supplying packs 0..`motors_packs`-1 to Fujian Motors and
    `rival_packs` to Shenzhen Motors, each automaker with a domestic and an imported model."""
    onboard_battery_maker(BATTERY_MAKER_ID)
    onboard(AUTOMAKER_ID, "Fujian Motors", ["AUTOMAKER"])
    onboard(OTHER_AUTOMAKER_ID, "Shenzhen Motors", ["AUTOMAKER"])
    serials = [*range(motors_packs), *rival_packs]
    for start in range(0, len(serials), 1000):
        packs = [{"code": fleet_pack(s)} for s in serials[start : start + 1000]]
        registered = gql(
            """mutation ($input: RegisterBatteriesInput!) { registerBatteries(input: $input) {
            userErrors { code message } } }""",
            {"input": {"batteries": packs}},
            auth=CELLS,
        )
        assert registered["data"]["registerBatteries"]["userErrors"] == [], registered
    for start in range(0, motors_packs, 1000):
        codes = [fleet_pack(s) for s in range(start, min(start + 1000, motors_packs))]
        supply(codes, BATTERY_MAKER_ID, AUTOMAKER_ID, "2026-03-05")
    if rival_packs:
        supply(
            [fleet_pack(s) for s in rival_packs], BATTERY_MAKER_ID, OTHER_AUTOMAKER_ID, "2026-03-05"
        )
    for model, imported, auth in (
        (MODEL, False, MOTORS),
        (IMPORTED_MODEL, True, MOTORS),
        (RIVAL_MODEL, False, RIVAL),
        (RIVAL_IMPORTED, True, RIVAL),
    ):
        announced = gql(
            """mutation ($model: String!, $imported: Boolean!) { announceModel(input: {
            model: $model, announcedOn: "2026-01-05", imported: $imported}) {
            userErrors { code } } }""",
            {"model": model, "imported": imported},
            auth=auth,
        )
        assert announced["data"]["announceModel"]["userErrors"] == [], announced


@pytest.fixture
def aws() -> Iterator[Any]:
    with local_aws() as client:
        replay._persistence.cache_clear()  # a new mock needs a new client
        yield client
        replay._persistence.cache_clear()


def swap(items: Any, keys: Sequence[tuple[str, str]]) -> Any:
    """`items` with each real key replaced by its stand-in."""
    text = json.dumps(items)
    for real, ghost in keys:
        text = text.replace(real, ghost)
    return json.loads(text)


def as_single(result: dict[str, Any]) -> dict[str, Any]:
    """An item's result as its single mutation would have answered it: no index, and paths
    from `input` down."""
    errors = [{**e, "field": ["input", *e["field"][3:]]} for e in result["userErrors"]]
    return {**{k: v for k, v in result.items() if k != "index"}, "userErrors": errors}


def neutral(answer: Any, keys: Sequence[tuple[str, str]]) -> str:
    """An answer as text with item n's real key and its stand-in both written `<key n>`."""
    text = json.dumps(answer, sort_keys=True)
    for n, (real, ghost) in enumerate(keys):
        text = text.replace(real, f"<key {n}>").replace(ghost, f"<key {n}>")
    return text


# --- an outsider ---------------------------------------------------------------------------


def test_an_outsiders_bulk_changes_nothing_and_is_answered_as_for_records_no_one_has(
    aws: Any,
) -> None:
    """Given Fujian Motors' three certified vehicles (their packs installed, a production upload
    due for each) and Shenzhen Motors with its own models and packs,
    When Shenzhen Motors sends Fujian's VINs for registration, Fujian's packs in certificates and
    customs clearances of new vehicles, and Fujian's duties for fulfilment, in bulk, and the same
    items naming VINs, packs and duties that do not exist,
    Then every item is refused, each answer word for word the answer about the record that does
    not exist, and not one item of any table changed."""
    supplied_world(3, rival_packs=[100, 101, 102])
    certified = bulk("issueFactoryCertificates", [certificate(n, n) for n in range(3)], MOTORS)
    assert certified["applied"] == 3
    ids = [r["obligations"][0]["id"] for r in certified["results"]]
    before = table_snapshot(aws)
    ghost_vins = [vin(GHOST_SERIAL + n) for n in range(3)]
    ghost_packs = [fleet_pack(GHOST_SERIAL + n) for n in range(3)]
    attempts = {
        "registerVehicles": (
            [registration(n) for n in range(3)],
            [(vin(n), ghost_vins[n]) for n in range(3)],
        ),
        "issueFactoryCertificates": (
            [certificate(200 + n, n, RIVAL_MODEL) for n in range(3)],
            [(fleet_pack(n), ghost_packs[n]) for n in range(3)],
        ),
        "clearCustomsBatch": (
            [clearance(300 + n, n, RIVAL_IMPORTED) for n in range(3)],
            [(fleet_pack(n), ghost_packs[n]) for n in range(3)],
        ),
        "fulfillObligations": (
            [fulfilment(i) for i in ids],
            [(i, "ob_" + f"{n:024d}") for n, i in enumerate(ids)],
        ),
    }
    for name, (items, keys) in attempts.items():
        real, stand_in = bulk(name, items, RIVAL), bulk(name, swap(items, keys), RIVAL)
        assert neutral(real, keys) == neutral(stand_in, keys), name
        assert (real["applied"], real["refused"]) == (0, 3), real
        assert all(r["userErrors"] for r in real["results"]), real
    assert table_snapshot(aws) == before


# --- 500 items, 3 of them bad ----------------------------------------------------------------

MALFORMED, UNANNOUNCED, HELD_ELSEWHERE = 17, 250, 499


def five_hundred() -> list[dict[str, Any]]:
    """500 certificates of Fujian Motors, one pack each; three of them wrong: a VIN with a wrong
    check digit, a model no one announced, and a pack Shenzhen Motors holds."""
    items = [certificate(n, n) for n in range(MAX_BULK_ITEMS)]
    good = items[MALFORMED]["vin"]
    items[MALFORMED]["vin"] = good[:8] + ("X" if good[8] != "X" else "0") + good[9:]
    items[UNANNOUNCED]["model"] = "FZ9999BEV"
    items[HELD_ELSEWHERE]["batteryCodes"] = [fleet_pack(1_000)]
    return items


def test_500_certificates_with_3_bad_ones_record_497_and_a_retry_records_nothing_more(
    aws: Any,
) -> None:
    """Given Fujian Motors holding the packs of 499 vehicles and Shenzhen Motors one more,
    When Fujian's MES sends 500 factory certificates in one call, with an Idempotency-Key, three
    of them wrong (a malformed VIN, a model not announced, a pack another enterprise holds),
    Then 497 vehicles are recorded with their production uploads, the three are refused at
    their paths in the list, and the call's cost is within its estimate;
    And sent again with the same key the answer is the same, byte for byte, and sent again
    without a key each item is answered as before; neither writes anything."""
    supplied_world(MAX_BULK_ITEMS - 1, rival_packs=[1_000])
    items = five_hundred()
    duties_before = duties(aws)
    key = "mes-batch-2026-04-10-0001"
    status, first = send("issueFactoryCertificates", items, MOTORS, key)
    assert status == 200, first
    answer = first["data"]["issueFactoryCertificates"]
    assert (answer["applied"], answer["refused"], answer["userErrors"]) == (497, 3, [])
    assert [r["index"] for r in answer["results"]] == list(range(MAX_BULK_ITEMS))
    refused = {r["index"]: r["userErrors"] for r in answer["results"] if r["userErrors"]}
    assert sorted(refused) == [MALFORMED, UNANNOUNCED, HELD_ELSEWHERE]
    assert {(tuple(e["field"]), e["code"]) for e in refused[MALFORMED]} == {
        (("input", "items", str(MALFORMED), "vin"), "INVALID_VIN")
    }
    assert [(e["field"], e["code"]) for e in refused[UNANNOUNCED]] == [
        (["input", "items", str(UNANNOUNCED), "model"], "UNKNOWN_MODEL")
    ]
    assert [(e["field"], e["code"]) for e in refused[HELD_ELSEWHERE]] == [
        (["input", "items", str(HELD_ELSEWHERE), "batteryCodes", "0"], "UNKNOWN_BATTERY")
    ]
    for result in answer["results"]:
        if result["index"] in refused:
            assert (result["vehicle"], result["events"], result["obligations"]) == (None, [], [])
        else:
            assert result["vehicle"]["vin"] == items[result["index"]]["vin"]
            assert [o["ruleId"] for o in result["obligations"]] == ["PRODUCTION_TRACE_UPLOAD"]
    assert duties(aws) == duties_before + 497
    assert [o["id"] for o in answer["obligations"]] == [
        o["id"] for r in answer["results"] for o in r["obligations"]
    ]
    spent = first["extensions"]["cost"]
    assert spent["actual"] <= spent["requested"] <= spent["budget"], spent
    after_first = table_snapshot(aws)

    replayed = send("issueFactoryCertificates", items, MOTORS, key)
    retried = send("issueFactoryCertificates", items, MOTORS)

    assert replayed == (200, first)
    assert retried[0] == 200
    assert retried[1]["data"] == first["data"]
    assert duties(aws) == duties_before + 497
    assert table_snapshot(aws) == after_first


# --- fulfilments ------------------------------------------------------------------------------


def test_fulfilments_in_bulk_answer_each_duty_as_fulfillobligation_does(aws: Any) -> None:
    """Given Fujian Motors' four production uploads (one fulfilled already) and Shenzhen
    Motors' one,
    When Fujian's ERP sends, in one call, its open duty, its fulfilled one again as it was
    fulfilled, Shenzhen's duty, a duty no one has, a blank id, and another open duty twice
    with two receipts,
    Then its own are fulfilled, the fulfilled one answers the same success (nothing written),
    Shenzhen's is answered exactly as the one no one has, the blank id is refused at its path,
    and the duty sent twice is fulfilled by the first and the second is a CONFLICT."""
    supplied_world(4, rival_packs=[100])
    ours = bulk("issueFactoryCertificates", [certificate(n, n) for n in range(4)], MOTORS)
    theirs = bulk("issueFactoryCertificates", [certificate(50, 100, RIVAL_MODEL)], RIVAL)
    own = [r["obligations"][0]["id"] for r in ours["results"]]
    rival = theirs["results"][0]["obligations"][0]["id"]
    ghost = "ob_" + "0" * 24
    done_before = bulk("fulfillObligations", [fulfilment(own[0], "TRACE-A")], MOTORS)
    assert done_before["applied"] == 1

    answer = bulk(
        "fulfillObligations",
        [
            fulfilment(own[1], "TRACE-B"),
            fulfilment(own[0], "TRACE-A"),
            fulfilment(rival),
            fulfilment(ghost),
            fulfilment("  "),
            fulfilment(own[2], "TRACE-C"),
            fulfilment(own[2], "TRACE-C2"),
        ],
        MOTORS,
    )

    results = answer["results"]
    assert (answer["applied"], answer["refused"]) == (3, 4)
    assert [r["obligation"]["platformReceipt"] for r in (results[0], results[1], results[5])] == [
        "TRACE-B",
        "TRACE-A",
        "TRACE-C",
    ]
    assert as_single(results[1]) == as_single(done_before["results"][0])
    keys = [(rival, ghost)]
    assert neutral(as_single(results[2]), keys) == neutral(as_single(results[3]), keys)
    assert [e["code"] for e in results[3]["userErrors"]] == ["NOT_FOUND"]
    assert results[4]["userErrors"][0]["field"] == ["input", "items", "4", "id"]
    assert results[4]["userErrors"][0]["code"] == "REQUIRED"
    assert [e["code"] for e in results[6]["userErrors"]] == ["CONFLICT"]
    assert all(e["field"][:3] == ["input", "items", "6"] for e in results[6]["userErrors"])
    statuses = {o["id"]: o["status"] for o in duties_of(MOTORS)}
    assert statuses[own[3]] != "FULFILLED"
    assert duties_of(RIVAL)[0]["status"] != "FULFILLED"


def test_storage_failing_for_one_item_refuses_it_alone_and_the_answer_is_not_replayed(
    aws: Any,
) -> None:
    """Given Fujian Motors holding three packs, and DynamoDB throttling the write of one vehicle
    beyond the client's retries,
    When its MES certifies the three in bulk with an Idempotency-Key,
    Then the other two are recorded and that one says SERVICE_UNAVAILABLE at its index;
    And sent again with the same key once DynamoDB answers, the call runs again: that vehicle
    is recorded and the other two are answered as before."""
    from botocore.exceptions import ClientError

    from compliance.store.models import ObligationItem

    supplied_world(3)
    items = [certificate(n, n) for n in range(3)]
    stuck = vin(1)

    def throttled(model: Any, params: Any, **_: Any) -> None:
        if model.name == "TransactWriteItems" and stuck in json.dumps(params, default=str):
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}
            raise ClientError(error, model.name)

    events = ObligationItem._get_connection().connection.client.meta.events
    events.register("before-call.dynamodb", throttled)
    try:
        first = send("issueFactoryCertificates", items, MOTORS, "mes-retry-0001")[1]
    finally:
        events.unregister("before-call.dynamodb", throttled)
    again = send("issueFactoryCertificates", items, MOTORS, "mes-retry-0001")[1]

    answer = first["data"]["issueFactoryCertificates"]
    assert (answer["applied"], answer["refused"]) == (2, 1)
    [unavailable] = answer["results"][1]["userErrors"]
    assert unavailable["code"] == "SERVICE_UNAVAILABLE"
    assert unavailable["field"] == ["input", "items", "1"]
    retried = again["data"]["issueFactoryCertificates"]
    assert (retried["applied"], retried["refused"]) == (3, 0)
    assert [as_single(r) for r in retried["results"][::2]] == [
        as_single(r) for r in answer["results"][::2]
    ]


# --- one record named twice, and records shared through the world ------------------------------


def test_a_vehicle_or_pack_named_twice_in_one_call_is_answered_as_if_sent_twice(
    aws: Any,
) -> None:
    """Given Fujian Motors holding three packs,
    When one call certifies a vehicle, the same vehicle again identically, another vehicle
    with the first one's pack, and a third vehicle,
    Then the first is recorded, the identical one is answered as a retry (the same events and
    duty, nothing written twice), the pack's second vehicle is refused, and the third is
    recorded: in input order, whatever runs at once."""
    supplied_world(3)
    items = [certificate(1, 0), certificate(1, 0), certificate(2, 0), certificate(3, 2)]

    answer = bulk("issueFactoryCertificates", items, MOTORS)

    first, again, taken, third = answer["results"]
    assert (answer["applied"], answer["refused"]) == (3, 1)
    assert as_single(again) == as_single(first)
    assert [e["code"] for e in taken["userErrors"]] == ["ALREADY_INSTALLED"]
    assert taken["userErrors"][0]["field"] == ["input", "items", "2", "batteryCodes", "0"]
    assert third["userErrors"] == []
    history = gql(
        """query ($vin: String!, $code: String!) { vehicle(vin: $vin) { events { kind } }
        battery(code: $code) { events { kind } } }""",
        {"vin": vin(1), "code": fleet_pack(0)},
        auth=MOTORS,
    )["data"]
    assert [e["kind"] for e in history["vehicle"]["events"]] == ["FACTORY_CERTIFICATE_ISSUED"]
    assert [e["kind"] for e in history["battery"]["events"]] == [
        "BATTERY_PRODUCED",
        "BATTERY_SUPPLIED",
        "BATTERY_INSTALLED",
    ]


def test_registrations_in_one_uncovered_prefecture_open_its_coverage_duty_once(
    aws: Any,
) -> None:
    """Given 24 vehicles of Fujian Motors, certified, and no collection point of it in Fuzhou,
    When all 24 are registered in Fuzhou in one call (several at once, each one's registration
    proposing the prefecture's coverage duty),
    Then all 24 are recorded, each with its sales upload, and the coverage duty exists once."""
    supplied_world(24)
    assert (
        bulk("issueFactoryCertificates", [certificate(n, n) for n in range(24)], MOTORS)["applied"]
        == 24
    )

    answer = bulk("registerVehicles", [registration(n) for n in range(24)], MOTORS)

    assert (answer["applied"], answer["refused"]) == (24, 0), answer
    sales = [
        o
        for r in answer["results"]
        for o in r["obligations"]
        if o["ruleId"] == "SALES_TRACE_UPLOAD"
    ]
    assert len(sales) == 24
    coverage = [o for o in duties_of(MOTORS) if o["ruleId"] == "COLLECTION_POINT_COVERAGE"]
    assert len(coverage) == 1, coverage
    assert [o["subjectId"] for o in coverage] == ["350100"]


def test_customs_clearances_in_bulk_record_imported_vehicles(aws: Any) -> None:
    """Given Fujian Motors importing a CCC-certified model and holding two packs,
    When it sends two customs clearances in one call,
    Then both vehicles are recorded as imported, each with its production upload."""
    supplied_world(2)

    answer = bulk("clearCustomsBatch", [clearance(n, n) for n in range(2)], MOTORS)

    assert (answer["applied"], answer["refused"]) == (2, 0), answer
    assert [r["vehicle"]["imported"] for r in answer["results"]] == [True, True]
    assert [len(r["obligations"]) for r in answer["results"]] == [1, 1]


# --- what is refused before any item runs --------------------------------------------------------


def test_a_call_over_the_maximum_is_refused_whole_and_writes_nothing(aws: Any) -> None:
    """Given Fujian Motors holding packs,
    When it sends one more certificate than a call may hold,
    Then the call is refused as a whole, saying the limit and the count, and nothing is
    written."""
    supplied_world(2)
    before = table_snapshot(aws)

    answer = bulk(
        "issueFactoryCertificates",
        [certificate(n, n % 2) for n in range(MAX_BULK_ITEMS + 1)],
        MOTORS,
    )

    assert (answer["results"], answer["applied"], answer["refused"]) == ([], 0, 0)
    [refusal] = answer["userErrors"]
    assert refusal["field"] == ["input", "items"]
    assert refusal["code"] == "TOO_MANY_ITEMS"
    assert str(MAX_BULK_ITEMS + 1) in refusal["message"].replace(",", "")
    assert str(MAX_BULK_ITEMS) in refusal["message"]
    assert table_snapshot(aws) == before


def test_an_item_over_its_own_limits_is_refused_alone(aws: Any) -> None:
    """Given Fujian Motors holding two packs,
    When one of three certificates has a VIN too long to name anything,
    Then that item is refused as its single mutation refuses it, at its path, and the others
    are recorded."""
    supplied_world(2)
    items = [certificate(0, 0), {**certificate(1, 1), "vin": "L" * 200}, certificate(2, 1)]

    answer = bulk("issueFactoryCertificates", items, MOTORS)

    assert (answer["applied"], answer["refused"]) == (2, 1)
    [too_long] = answer["results"][1]["userErrors"]
    assert (too_long["field"], too_long["code"]) == (["input", "items", "1", "vin"], "TOO_LONG")


@pytest.mark.parametrize(
    ("name", "items", "role", "scopes"),
    [
        ("registerVehicles", [registration(0)], "PARTNER", ["read", "obligations:write"]),
        ("issueFactoryCertificates", [certificate(0, 0)], "PARTNER", ["read"]),
        ("clearCustomsBatch", [clearance(0, 0)], "REGULATOR", None),
        ("fulfillObligations", [fulfilment("ob_" + "1" * 24)], "PARTNER", ["events:write"]),
        ("fulfillObligations", [fulfilment("ob_" + "1" * 24)], "PLATFORM_ADMIN", None),
    ],
)
def test_a_caller_without_the_single_mutations_role_or_scope_is_refused(
    aws: Any, name: str, items: list[dict[str, Any]], role: str, scopes: list[str] | None
) -> None:
    """Given a partner key without the scope the single mutation needs (or a role that may not
    call it),
    When it sends the bulk mutation,
    Then the call is FORBIDDEN, naming what is missing, and nothing is written."""
    supplied_world(1)
    enterprise = AUTOMAKER_ID if role == "PARTNER" else None
    before = table_snapshot(aws)

    status, body = send(name, items, bearer_header(role, enterprise, scopes=scopes))

    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    if role == "PARTNER":
        needed = "obligations:write" if name == "fulfillObligations" else "events:write"
        assert needed in error["message"]
    assert body["data"] is None
    assert table_snapshot(aws) == before


def test_a_partner_with_events_write_registers_in_bulk(aws: Any) -> None:
    """Given Fujian Motors' certified vehicle and its MES's key with `events:write`,
    When the MES registers it in bulk,
    Then it is recorded."""
    supplied_world(1)
    bulk("issueFactoryCertificates", [certificate(0, 0)], MOTORS)
    mes = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["events:write"])

    answer = bulk("registerVehicles", [registration(0)], mes)

    assert (answer["applied"], answer["refused"]) == (1, 0), answer


def test_a_document_with_two_bulk_fields_is_refused_before_it_runs(aws: Any) -> None:
    """Given Fujian Motors holding two packs,
    When one document certifies one vehicle with a bulk field and another with an alias of it,
    Then it is refused as too costly before anything runs: one bulk field a request."""
    supplied_world(2)
    before = table_snapshot(aws)
    query = """mutation ($a: IssueFactoryCertificatesInput!, $b: IssueFactoryCertificatesInput!) {
        a: issueFactoryCertificates(input: $a) { applied }
        b: issueFactoryCertificates(input: $b) { applied } }"""
    variables = {"a": {"items": [certificate(0, 0)]}, "b": {"items": [certificate(1, 1)]}}

    status, body = invoke(api_event(query, variables, auth=MOTORS))

    assert status == 400, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["budget"] > cost.BUDGET
    assert table_snapshot(aws) == before


def test_a_bulk_fields_estimate_counts_each_item_and_its_budget_grows_by_what_they_may_cost() -> (
    None
):
    """Given 500 certificates of two packs each, whose results select each vehicle's history
    and each duty's vehicle,
    When the document's cost is estimated,
    Then each item counts what it may cost, the results are one per item with lists as long as
    one item's, and the budget grows by the items' cost alone: the selection on the results is
    held to the usual budget."""
    from graphql import get_operation_ast, parse

    from graph.schema import build_schema
    from graph.settings import settings_from_environment

    query = """mutation ($input: IssueFactoryCertificatesInput!) {
        issueFactoryCertificates(input: $input) { obligations { vehicle { vin } } results {
        vehicle { events { kind } } obligations { vehicle { vin } } } } }"""
    items = [
        {**certificate(n, n), "batteryCodes": [fleet_pack(n), fleet_pack(n + 1)]}
        for n in range(500)
    ]
    document = parse(query)
    walk = cost.Estimate(
        build_schema(introspection=True)._schema,
        document,
        {"input": {"items": items}},
        settings_from_environment().max_page_size,
    )
    operation = get_operation_ast(document)
    assert operation is not None

    requested = walk.of(operation)

    per_item = cost.BULK_ITEM_CALLS["issueFactoryCertificates"]
    # The call and its items; a Query of each vehicle's history; the duties' vehicles, two
    # duties an item at most (as many as an item lists batteries), in BatchGets of 100, for
    # the results and again for the payload's list of them all.
    assert requested == cost.MUTATION_CALLS + 500 * per_item + 500 + 2 * (500 * 2 // 100)
    assert walk.bulk == [("issueFactoryCertificates", 500)]
    assert walk.bulk_allowance == 500 * per_item
    assert requested <= cost.BUDGET + walk.bulk_allowance


# --- measured: `python -m tests.integration.test_bulk` (docs/BENCHMARKS.md) ---------------------


def _measured(label: str, name: str, items: Sequence[dict[str, Any]], auth: str) -> Any:
    """One bulk call timed: wall, this process's CPU and moto's share of it, the DynamoDB calls
    by operation; printed, and its payload returned."""
    import time

    from bench.moto_clock import MotoClock

    clock = MotoClock()
    started, cpu = time.perf_counter(), time.process_time()
    with dynamodb_calls() as calls, clock.patch:
        payload = bulk(name, items, auth)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{label}: {len(items)} items, applied {payload['applied']}, {wall:.1f} s wall, "
        f"CPU {cpu:.1f} s (moto {clock.seconds:.1f} s, the rest {cpu - clock.seconds:.1f} s), "
        f"{sum(calls.values())} calls {dict(sorted(calls.items()))}"
    )
    return payload


def measure() -> None:
    """500 certificates, sent again, 500 registrations and 500 fulfilments through the API on
    moto in this process; then 500 certificates again with moto's transactions not copying the
    tables they write (what DynamoDB has no cost for), to show the API's own part."""
    from bench.large_automaker import transactions_without_backups

    n = MAX_BULK_ITEMS
    with local_aws():
        supplied_world(n)
        items = [certificate(i, i) for i in range(n)]
        certified = _measured("certificates", "issueFactoryCertificates", items, MOTORS)
        _measured("certificates sent again", "issueFactoryCertificates", items, MOTORS)
        regions = [f"3501{c:02d}" for c in (2, 3, 4, 5, 11, 21, 22, 23, 24, 25)]
        registrations = [registration(i, regions[i % len(regions)]) for i in range(n)]
        _measured("registrations", "registerVehicles", registrations, MOTORS)
        ids = [r["obligations"][0]["id"] for r in certified["results"]]
        _measured("fulfilments", "fulfillObligations", [fulfilment(i) for i in ids], MOTORS)
    with local_aws(), transactions_without_backups():
        supplied_world(n)
        _measured("certificates, no table copies", "issueFactoryCertificates", items, MOTORS)


if __name__ == "__main__":
    import tests.conftest  # noqa: F401 - the fake AWS account and quiet Powertools of the tests

    measure()
