"""Relay's global object identification (graph/node.py), end to end through the API Lambda on
moto: every record type comes back from its id through `node` and `nodes`, as the caller's own
lookups show it; what the caller may not see answers exactly as what does not exist; `nodes`
keeps the order asked and reads each type's records with one BatchGet; an id that cannot be a
global id is the caller's error, naming the argument."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from graph.node import MAX_NODES, global_id
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import certify_fleet, dynamodb_calls, fleet_pack, gql, onboard
from tests.builders import (
    AUTOMAKER_ID,
    BATTERY_MAKER_ID,
    OTHER_AUTOMAKER_ID,
    battery_code,
    uscc,
    vin,
)

AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
OUTSIDER = bearer_header("ENTERPRISE_ADMIN", OTHER_AUTOMAKER_ID)
REGULATOR = bearer_header("REGULATOR")
VEHICLES = 20
MODEL = "FZ7001BEV"

# Records no one registered, one of each type: what an outsider must not tell apart from
# another enterprise's.
GHOSTS = {
    "Enterprise": uscc("91510100MA3000001"),
    "VehicleModel": global_id("VehicleModel", "NOSUCH01"),
    "Vehicle": global_id("Vehicle", vin(9_999_999)),
    "Battery": global_id("Battery", battery_code(serial=9_999_999)),
    "Obligation": "ob_" + "0" * 24,
    "ServicePoint": "sp_" + "0" * 20,
    "PartnerKey": "zzzzzzzzzzzz",
}
TYPES = sorted(GHOSTS)

# What identifies each type's record in its own fields, asked of whatever `node` answers.
IDENTITY = """__typename id
  ... on Enterprise { name } ... on VehicleModel { code } ... on Vehicle { vin }
  ... on Battery { code } ... on Obligation { ruleId subjectId } ... on ServicePoint { name }
  ... on PartnerKey { name }"""
NODE = f"query ($id: ID!) {{ node(id: $id) {{ {IDENTITY} }} }}"
NODES = f"query ($ids: [ID!]!) {{ nodes(ids: $ids) {{ {IDENTITY} }} }}"
OWN_IDS = """query ($enterprise: ID!, $vin: String!, $code: String!) {
  enterprise(id: $enterprise) { id }
  vehicle(vin: $vin) { id vin model { id code } }
  battery(code: $code) { id code }
  obligations(first: 50) { nodes { id } }
  servicePoints { nodes { id } }
  partnerKeys(enterpriseId: $enterprise) { id }
}"""


@pytest.fixture(scope="module")
def world() -> Iterator[dict[str, Any]]:
    """Given an automaker with 20 certified vehicles (two packs each from a battery maker), a
    service point and a partner key, and another automaker; and the automaker's ids of a
    record of each type, as its own lookups give them."""
    with local_aws():
        certify_fleet(VEHICLES, BATTERY_MAKER_ID, AUTOMAKER_ID)
        onboard(OTHER_AUTOMAKER_ID, "Other Motors", ["AUTOMAKER"])
        point = gql(
            """mutation { upsertServicePoint(input: {name: "Fuzhou intake",
            pointType: COLLECTION, regionCode: "350102"}) {
            servicePoint { id } userErrors { code } } }""",
            auth=AUTO,
        )["data"]["upsertServicePoint"]
        assert point["userErrors"] == []
        key = gql(
            """mutation ($input: CreatePartnerKeyInput!) { createPartnerKey(input: $input) {
            key { id } userErrors { code } } }""",
            {"input": {"enterpriseId": AUTOMAKER_ID, "name": "Dealer ERP", "scopes": ["read"]}},
            auth=AUTO,
        )["data"]["createPartnerKey"]
        assert key["userErrors"] == []
        own = gql(
            OWN_IDS,
            {"enterprise": AUTOMAKER_ID, "vin": vin(0), "code": fleet_pack(0)},
            auth=AUTO,
        )["data"]
        yield {
            "ids": {
                "Enterprise": own["enterprise"]["id"],
                "VehicleModel": own["vehicle"]["model"]["id"],
                "Vehicle": own["vehicle"]["id"],
                "Battery": own["battery"]["id"],
                "Obligation": own["obligations"]["nodes"][0]["id"],
                "ServicePoint": own["servicePoints"]["nodes"][0]["id"],
                "PartnerKey": own["partnerKeys"][0]["id"],
            },
            "obligations": [n["id"] for n in own["obligations"]["nodes"]],
        }


def node(global_id_: str, auth: str) -> Any:
    return gql(NODE, {"id": global_id_}, auth=auth)


def without_cost(payload: Any) -> str:
    """A response as the client reads it, but for the cost report (its estimate is the same
    for any id; the calls made are compared where that matters)."""
    return json.dumps({k: v for k, v in payload.items() if k != "extensions"}, sort_keys=True)


# --- the round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", TYPES)
def test_a_records_id_brings_back_the_same_record_through_node(
    world: dict[str, Any], type_name: str
) -> None:
    # Given the id of the automaker's record of the type, as its own lookup gave it,
    global_id_ = world["ids"][type_name]
    # When the automaker asks `node` for it,
    found = node(global_id_, AUTO)
    # Then the answer is that record, of that type, with that id.
    assert "errors" not in found, found
    assert found["data"]["node"]["__typename"] == type_name
    assert found["data"]["node"]["id"] == global_id_


def test_types_without_an_id_before_get_an_encoded_one_and_the_others_keep_theirs(
    world: dict[str, Any],
) -> None:
    # Given the ids the automaker's lookups gave,
    ids = world["ids"]
    # Then a vehicle's, a battery's and a model's encode their natural keys,
    assert ids["Vehicle"] == global_id("Vehicle", vin(0))
    assert ids["Battery"] == global_id("Battery", fleet_pack(0))
    assert ids["VehicleModel"] == global_id("VehicleModel", MODEL)
    # and those of types that had an id are that id, unchanged.
    assert ids["Enterprise"] == AUTOMAKER_ID
    assert ids["Obligation"].startswith("ob_")
    assert ids["ServicePoint"].startswith("sp_")
    assert len(ids["PartnerKey"]) == 12


def test_a_regulator_reads_any_record_but_partner_keys(world: dict[str, Any]) -> None:
    # Given the automaker's records, When a regulator asks for them all at once,
    ids = [world["ids"][t] for t in TYPES]
    found = gql(NODES, {"ids": ids}, auth=REGULATOR)["data"]["nodes"]
    # Then it gets each one but the partner key, which regulators never see (README roles).
    assert [n and n["__typename"] for n in found] == [
        None if t == "PartnerKey" else t for t in TYPES
    ]


# --- what the caller may not see ------------------------------------------------------------


@pytest.mark.parametrize("type_name", TYPES)
def test_another_enterprises_record_answers_exactly_as_one_that_does_not_exist(
    world: dict[str, Any], type_name: str
) -> None:
    # Given the automaker's record of the type and an id of that type no one registered,
    theirs, ghost = world["ids"][type_name], GHOSTS[type_name]
    # When another automaker's administrator asks for each,
    with dynamodb_calls() as theirs_calls:
        asked_theirs = node(theirs, OUTSIDER)
    with dynamodb_calls() as ghost_calls:
        asked_ghost = node(ghost, OUTSIDER)
    # Then both are null without an error, after the same reads: nothing tells them apart.
    assert asked_theirs["data"] == {"node": None}
    assert without_cost(asked_theirs) == without_cost(asked_ghost)
    assert theirs_calls == ghost_calls


def test_nodes_of_another_enterprises_records_are_all_null(world: dict[str, Any]) -> None:
    # Given every record of the automaker's, When the other automaker asks for them together,
    ids = [world["ids"][t] for t in TYPES]
    answer = gql(NODES, {"ids": ids}, auth=OUTSIDER)
    # Then each is null, and no error names any of them.
    assert answer["data"] == {"nodes": [None] * len(TYPES)}
    assert "errors" not in answer


def test_a_partner_key_is_seen_only_by_those_who_manage_it(world: dict[str, Any]) -> None:
    # Given the automaker's partner key,
    key = world["ids"]["PartnerKey"]
    # When its own user, a read-scoped partner of its own and the platform ask for it,
    user = bearer_header("ENTERPRISE_USER", AUTOMAKER_ID)
    partner = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["read"])
    platform = bearer_header("PLATFORM_ADMIN")
    # Then only the platform sees it, as `partnerKeys` would show it.
    assert node(key, user)["data"]["node"] is None
    assert node(key, partner)["data"]["node"] is None
    assert node(key, platform)["data"]["node"]["id"] == key


# --- nodes ----------------------------------------------------------------------------------


def test_nodes_answers_in_the_order_asked_with_null_where_node_would_be(
    world: dict[str, Any],
) -> None:
    # Given the automaker's ids, a missing one, and one of them twice, out of any order,
    ids = world["ids"]
    asked = [
        ids["Battery"],
        GHOSTS["Vehicle"],
        ids["Vehicle"],
        ids["Obligation"],
        ids["Battery"],
        GHOSTS["Obligation"],
        ids["Enterprise"],
    ]
    # When the automaker asks for them,
    found = gql(NODES, {"ids": asked}, auth=AUTO)["data"]["nodes"]
    # Then each place holds what `node` answers for its id.
    assert [n and n["id"] for n in found] == [
        ids["Battery"],
        None,
        ids["Vehicle"],
        ids["Obligation"],
        ids["Battery"],
        None,
        ids["Enterprise"],
    ]
    assert found == [node(i, AUTO)["data"]["node"] for i in asked]


def test_a_hundred_ids_of_every_type_cost_one_batch_get_per_type(world: dict[str, Any]) -> None:
    # Given 100 ids of all seven types: 20 vehicles, their 40 packs, the automaker's
    # obligations, its model, itself, its service point and key, and missing records to make
    # up the hundred,
    ids = world["ids"]
    asked = [global_id("Vehicle", vin(n)) for n in range(VEHICLES)]
    asked += [global_id("Battery", fleet_pack(n)) for n in range(2 * VEHICLES)]
    asked += world["obligations"][:20]
    asked += [ids[t] for t in ("VehicleModel", "Enterprise", "ServicePoint", "PartnerKey")]
    asked += [global_id("Vehicle", vin(1_000 + n)) for n in range(MAX_NODES - len(asked))]
    assert len(asked) == MAX_NODES
    # When the automaker asks for them all,
    with dynamodb_calls() as calls:
        answer = gql(NODES, {"ids": asked}, auth=AUTO)
    # Then it gets every record it has, in order,
    found = answer["data"]["nodes"]
    assert [n and n["id"] for n in found[:84]] == asked[:84]
    assert found[84:] == [None] * (MAX_NODES - 84)
    # for one BatchGet of each type, which the cost estimate announced as an upper bound.
    assert calls == Counter({"BatchGetItem": 7})
    cost = answer["extensions"]["cost"]
    assert cost["actual"] == 7
    assert cost["requested"] >= 7


def test_more_than_a_hundred_ids_are_refused_before_anything_is_read(
    world: dict[str, Any],
) -> None:
    # Given 101 ids, When the automaker asks for them,
    asked = [global_id("Vehicle", vin(n)) for n in range(MAX_NODES + 1)]
    with dynamodb_calls() as calls:
        answer = gql(NODES, {"ids": asked}, auth=AUTO)
    # Then it is told the limit, for the argument, and nothing was read.
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "ids"
    assert error["extensions"]["limit"] == MAX_NODES
    assert error["extensions"]["length"] == MAX_NODES + 1
    assert calls == Counter()


# --- ids that cannot be global ids ----------------------------------------------------------

MALFORMED = {
    "not-base64": "vehicle:LGXCE4CB0P0000001",
    "an-unknown-type": global_id("Vehicle", "x").replace("Vm", "Xm", 1),
    "a-type-that-is-not-encoded": global_id("Obligation", "ob_" + "0" * 24),
    "no-key": "VmVoaWNsZTo",  # base64url of "Vehicle:"
    "padded": global_id("Vehicle", vin(0)) + "==",
    "a-uscc-with-a-wrong-check-character": AUTOMAKER_ID[:-1] + "0",
    "empty": "",
}


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_an_id_that_cannot_be_a_global_id_is_refused_naming_the_argument(
    world: dict[str, Any], value: str
) -> None:
    # Given a value no record's id can be, When it is asked for through `node`,
    answer = node(value, AUTO)
    # Then the caller is told so, about the `id` argument, and gets no record.
    [error] = answer["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    assert "is not a global id" in error["message"]
    assert answer["data"] == {"node": None}


def test_a_malformed_id_among_many_is_refused_by_its_place(world: dict[str, Any]) -> None:
    # Given good ids with a malformed one third,
    ids = world["ids"]
    asked = [ids["Vehicle"], ids["Battery"], "not an id", ids["Obligation"]]
    # When they are asked for through `nodes`,
    answer = gql(NODES, {"ids": asked}, auth=AUTO)
    # Then the error names that place of the `ids` argument.
    [error] = answer["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "ids.2"}
    assert error["message"].startswith("ids.2: 'not an id' is not a global id.")


def test_an_events_id_is_refused_with_where_events_are_read(world: dict[str, Any]) -> None:
    # Given a lifecycle event's id (events do not implement Node),
    event = gql(
        "query ($vin: String!) { vehicle(vin: $vin) { events { id } } }",
        {"vin": vin(0)},
        auth=AUTO,
    )["data"]["vehicle"]["events"][0]["id"]
    # When it is asked for through `node`, Then the caller is told where events are read.
    [error] = node(event, AUTO)["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    assert "`events`" in error["message"]
