"""Every list and text a request sends is held to its limit (graph/limits.py), through the API
Lambda on moto: over it, the answer names the path, the limit and the length sent, and no table
changes; at it, the size is not what is refused; a caller without the role is refused before
anything looks at what it sent.

The cases are generated from `LIMITS` and the schema: a test fails when a limit of a mutation's
input has no case here, so a new field cannot go untested.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import graphql
import pytest

import compliance.codes
import compliance.services.events
import graph.limits
from graph.limits import (
    ID_MAX_LENGTH,
    LIMITS,
    MAX_USER_ERRORS,
    Limit,
    limit_of,
)
from graph.schema import SDL_PATH
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql, onboard, table_snapshot
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, OTHER_AUTOMAKER_ID, uscc, vin

SCHEMA = graphql.build_schema(SDL_PATH.read_text(encoding="utf-8"))
ADMIN = bearer_header("PLATFORM_ADMIN")
REGULATOR = bearer_header("REGULATOR")
MAKER = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)
AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
CODE = "X12PB010000001A320000001"
# A Chinese character is one character, whatever its three bytes in UTF-8.
WIDE = "字"

# Each mutation with a base input that gives every field (the optional ones too), and who may
# send it. Values need not be accepted (limits are checked before anything else), and none is:
# a text at its limit must not write anything either.
BASES: dict[str, tuple[str, dict[str, Any]]] = {
    "registerEnterprise": (
        ADMIN,
        {
            "id": AUTOMAKER_ID,
            "name": "Fuzhou Motors",
            "kinds": ["AUTOMAKER"],
            "manufacturerCodes": ["X13"],
            "provinceCode": "350000",
            "contacts": [{"email": "a@fuzhou-motors.cn", "language": "en"}],
        },
    ),
    "updateEnterprise": (
        ADMIN,
        {
            "id": uscc("91350100MA1NX0000"),  # no such enterprise
            "name": "Fuzhou Motors",
            "provinceCode": "350000",
            "contacts": [{"email": "a@fuzhou-motors.cn", "language": "en"}],
        },
    ),
    "registerBatteries": (
        MAKER,
        {"batteries": [{"code": CODE, "parentCode": CODE, "producedOn": "2026-03-02"}]},
    ),
    "supplyBatteries": (
        MAKER,
        {"codes": [CODE], "automakerId": AUTOMAKER_ID, "suppliedOn": "2026-03-05"},
    ),
    "installBatteries": (AUTO, {"vin": vin(1), "codes": [CODE], "installedOn": "2026-03-05"}),
    "removeBatteries": (
        AUTO,
        {"vin": vin(1), "codes": [CODE], "removedOn": "2026-03-05", "reason": "REPLACEMENT"},
    ),
    "sellBatteryDirectly": (
        MAKER,
        {"code": CODE, "soldOn": "2026-03-05", "buyer": "Swap Co.", "provinceCode": "350000"},
    ),
    "receiveRepairReturn": (MAKER, {"code": CODE, "receivedOn": "2026-03-05"}),
    "disposeBatteries": (
        MAKER,
        {"codes": [CODE], "disposedOn": "2026-03-05", "origin": "PRODUCTION"},
    ),
    "receiveAtServicePoint": (
        MAKER,
        {"servicePointId": "sp_1", "codes": [CODE], "receivedOn": "2026-03-05"},
    ),
    "handOverBatteries": (
        MAKER,
        {
            "servicePointId": "sp_1",
            "codes": [CODE],
            "handedOverOn": "2026-03-05",
            "recipientId": AUTOMAKER_ID,
        },
    ),
    "recodeBattery": (MAKER, {"code": CODE, "newCode": CODE, "recodedOn": "2026-03-05"}),
    "recordWarehouseEntry": (MAKER, {"codes": [CODE], "enteredOn": "2026-03-05"}),
    "recordWarehouseExit": (MAKER, {"codes": [CODE], "exitedOn": "2026-03-05"}),
    "announceModel": (AUTO, {"model": "FZ7001BEV", "announcedOn": "2026-03-05"}),
    "issueFactoryCertificate": (
        AUTO,
        {"vin": vin(1), "model": "FZ7001BEV", "issuedOn": "2026-03-05", "batteryCodes": [CODE]},
    ),
    "clearCustoms": (
        AUTO,
        {"vin": vin(1), "model": "FZ7001BEV", "clearedOn": "2026-03-05", "batteryCodes": [CODE]},
    ),
    "registerVehicle": (
        AUTO,
        {"vin": vin(1), "registeredOn": "2026-03-05", "regionCode": "350100"},
    ),
    "scrapVehicle": (AUTO, {"vin": vin(1), "scrappedOn": "2026-03-05", "batteryCodes": [CODE]}),
    "fulfillObligation": (
        AUTO,
        {"id": "ob_1", "fulfilledOn": "2026-03-05", "platformReceipt": "TR-1"},
    ),
    "waiveObligation": (AUTO, {"id": "ob_1", "reason": "Not sold in China."}),
    "upsertServicePoint": (
        AUTO,
        {
            "id": "sp_1",
            "name": "Fuzhou point",
            "pointType": "COLLECTION",
            "regionCode": "350100",
            "address": "1 Road",
        },
    ),
    "loadCalendarYear": (
        ADMIN,
        {
            "year": 2027,
            "holidays": ["2027-01-02"],  # a Saturday: the schedule is refused
            "makeUpWorkdays": ["2027-02-06"],
            "source": "国办发明电〔2026〕1号",
        },
    ),
    "createPartnerKey": (
        AUTO,
        {
            "enterpriseId": OTHER_AUTOMAKER_ID,  # not the caller's: no key is made
            "name": "ERP",
            "scopes": ["read"],
            "description": "Reports installations.",
        },
    ),
    "revokePartnerKey": (AUTO, {"id": "k1"}),
    # Bulk mutations: one item each, as its single mutation's base (no model is announced, no
    # vehicle certified, no duty exists: each item is refused).
    "issueFactoryCertificates": (
        AUTO,
        {
            "items": [
                {
                    "vin": vin(1),
                    "model": "FZ7001BEV",
                    "issuedOn": "2026-03-05",
                    "batteryCodes": [CODE],
                }
            ]
        },
    ),
    "clearCustomsBatch": (
        AUTO,
        {
            "items": [
                {
                    "vin": vin(1),
                    "model": "FZ7001BEV",
                    "clearedOn": "2026-03-05",
                    "batteryCodes": [CODE],
                }
            ]
        },
    ),
    "registerVehicles": (
        AUTO,
        {"items": [{"vin": vin(1), "registeredOn": "2026-03-05", "regionCode": "350100"}]},
    ),
    "fulfillObligations": (
        AUTO,
        {"items": [{"id": "ob_1", "fulfilledOn": "2026-03-05", "platformReceipt": "TR-1"}]},
    ),
    # Every subject at once: refused (one at most), so no export is recorded or queued.
    "exportObligations": (
        AUTO,
        {
            "filter": {
                "status": ["OPEN"],
                "ruleId": ["SALES_TRACE_UPLOAD"],
                "vin": vin(1),
                "batteryCode": CODE,
                "modelCode": "FZ7001BEV",
                "regionCode": "350100",
                "enterpriseId": AUTOMAKER_ID,
            },
            "format": "CSV",
        },
    ),
}


@dataclass(frozen=True)
class Case:
    """One capped value of one mutation's input: where it is, and its limit."""

    mutation: str
    path: tuple[str, ...]  # below `input`, list items as "0"
    limit: Limit
    items: bool  # the list's length, or else a text's (or each text of a list)
    key: tuple[str, str]  # its entry: (input type, field)
    holds: str  # the named type of the value or of the list's items

    @property
    def id(self) -> str:
        return f"{self.mutation}.{'.'.join(self.path)}:{'items' if self.items else 'length'}"


def _input_type(mutation: str) -> graphql.GraphQLInputObjectType:
    assert SCHEMA.mutation_type is not None
    argument = graphql.get_nullable_type(SCHEMA.mutation_type.fields[mutation].args["input"].type)
    assert isinstance(argument, graphql.GraphQLInputObjectType)
    return argument


def _cases_in(
    mutation: str, type_: graphql.GraphQLInputObjectType, value: dict[str, Any], at: tuple[str, ...]
) -> Iterator[Case]:
    for name, field in type_.fields.items():
        if name not in value:
            continue
        limit = limit_of(type_.name, name, field.type)
        nullable = graphql.get_nullable_type(field.type)
        named = graphql.get_named_type(field.type)
        if graphql.is_list_type(nullable):
            assert limit is not None, f"{type_.name}.{name} has no limit"
            key = (type_.name, name)
            yield Case(mutation, (*at, name), limit, True, key, named.name)
            if isinstance(named, graphql.GraphQLInputObjectType):
                yield from _cases_in(mutation, named, value[name][0], (*at, name, "0"))
            elif named in (graphql.GraphQLString, graphql.GraphQLID):
                yield Case(mutation, (*at, name, "0"), limit, False, key, named.name)
        elif isinstance(nullable, graphql.GraphQLInputObjectType):
            yield from _cases_in(mutation, nullable, value[name], (*at, name))
        elif named in (graphql.GraphQLString, graphql.GraphQLID):
            assert limit is not None, f"{type_.name}.{name} has no limit"
            yield Case(mutation, (*at, name), limit, False, (type_.name, name), named.name)


CASES = [
    case
    for mutation, (_, base) in BASES.items()
    for case in _cases_in(mutation, _input_type(mutation), base, ())
]


def _with(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed: dict[str, Any] = json.loads(json.dumps(base))
    target = changed
    for step in path[:-1]:
        target = target[int(step)] if isinstance(target, list) else target[step]
    if isinstance(target, list):
        target[int(path[-1])] = value
    else:
        target[path[-1]] = value
    return changed


def _at(base: dict[str, Any], path: tuple[str, ...]) -> Any:
    found: Any = base
    for step in path:
        found = found[int(step)] if isinstance(found, list) else found[step]
    return found


def _items(case: Case, base: dict[str, Any], count: int) -> list[Any]:
    """`count` items of the kind the list holds: distinct dates and texts, else the first
    item again (an enum value, an input object)."""
    first = _at(base, case.path)[0]
    if case.holds == "Date":
        return [(date(2027, 1, 4) + timedelta(days=n)).isoformat() for n in range(count)]
    if case.holds in ("String", "ID"):
        return [f"{first}{n}"[:ID_MAX_LENGTH] for n in range(count)]
    return [first] * count


def _send(mutation: str, value: dict[str, Any], auth: str) -> dict[str, Any]:
    type_name = _input_type(mutation).name
    assert SCHEMA.mutation_type is not None
    payload_type = graphql.get_named_type(SCHEMA.mutation_type.fields[mutation].type)
    # A bulk mutation answers an item's errors with the item (graph/bulk/): all are listed here.
    bulk = isinstance(payload_type, graphql.GraphQLObjectType) and "results" in payload_type.fields
    items = " results { userErrors { field code message } }" if bulk else ""
    document = (
        f"mutation ($input: {type_name}!) {{ {mutation}(input: $input) "
        f"{{ userErrors {{ field code message }}{items} }} }}"
    )
    result = gql(document, {"input": value}, auth=auth)
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"][mutation]
    for item in payload.pop("results", []):
        payload["userErrors"] += item["userErrors"]
    return payload


@pytest.fixture(scope="module")
def world() -> Iterator[Any]:
    """Given a battery maker (code X12) and two automakers onboarded."""
    with local_aws() as client:
        onboard(BATTERY_MAKER_ID, "Ningde Cells", ["BATTERY_MAKER"], manufacturerCodes=["X12"])
        onboard(AUTOMAKER_ID, "Fuzhou Motors", ["AUTOMAKER"])
        onboard(OTHER_AUTOMAKER_ID, "Shenzhen EV", ["AUTOMAKER"])
        yield client


def test_every_limit_of_a_mutation_input_has_a_case_here() -> None:
    # Given the limits of the fields of every mutation's input types,
    input_types = {
        type_.name for mutation in BASES for type_ in _input_types_below(_input_type(mutation))
    }
    declared = {key for key in LIMITS if key[0] in input_types}
    # Then every one of them is sent over its limit by a case below (bases give every field),
    assert declared <= {case.key for case in CASES}
    # and every mutation has a base input.
    assert SCHEMA.mutation_type is not None
    assert set(SCHEMA.mutation_type.fields) == set(BASES)


def _input_types_below(
    type_: graphql.GraphQLInputObjectType,
) -> Iterator[graphql.GraphQLInputObjectType]:
    yield type_
    for field in type_.fields.values():
        named = graphql.get_named_type(field.type)
        if isinstance(named, graphql.GraphQLInputObjectType):
            yield from _input_types_below(named)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_value_over_its_limit_is_refused_with_its_path_limit_and_length_and_nothing_is_written(
    world: Any, case: Case
) -> None:
    auth, base = BASES[case.mutation]
    before = table_snapshot(world)
    # Given the base input with one list one item over its limit, or one text one character
    # over its limit (in Chinese characters),
    sent: Any
    if case.items:
        most = case.limit.items
        assert most is not None
        sent = _items(case, base, most + 1)
    else:
        most = case.limit.chars
        assert most is not None
        sent = WIDE * (most + 1)
    # When the caller who may make this change sends it,
    payload = _send(case.mutation, _with(base, case.path, sent), auth)
    # Then it is refused with the code, the path, the limit and the length sent,
    [refusal] = payload["userErrors"]
    assert refusal["code"] == ("TOO_MANY_ITEMS" if case.items else "TOO_LONG")
    assert refusal["field"] == ["input", *case.path]
    assert f"{most + 1:,}" in refusal["message"]
    assert f"at most {most:,}" in refusal["message"]
    # and no table has changed.
    assert table_snapshot(world) == before


TEXTS = [c for c in CASES if not c.items]


@pytest.mark.parametrize("case", TEXTS, ids=[c.id for c in TEXTS])
def test_a_text_exactly_at_its_limit_is_not_refused_for_its_length(world: Any, case: Case) -> None:
    auth, base = BASES[case.mutation]
    assert case.limit.chars is not None
    # Given a text exactly as long as its limit, in Chinese characters (three bytes each),
    sent = WIDE * case.limit.chars
    # When it is sent, Then whatever else is said about it, its length is not refused.
    payload = _send(case.mutation, _with(base, case.path, sent), auth)
    assert [e for e in payload["userErrors"] if e["code"] in ("TOO_LONG", "TOO_MANY_ITEMS")] == []


def test_an_enterprise_at_every_limit_is_onboarded(world: Any) -> None:
    # Given an enterprise with the longest name, the most manufacturer codes and the most
    # contacts accepted, each e-mail address as long as one may be,
    limits = {name: LIMITS[("RegisterEnterpriseInput", name)] for name in ("name", "contacts")}
    codes = LIMITS[("RegisterEnterpriseInput", "manufacturerCodes")].items
    email_chars = LIMITS[("ContactInput", "email")].chars
    assert limits["name"].chars is not None
    assert limits["contacts"].items is not None
    assert codes is not None
    assert email_chars is not None
    domain = "@fuzhou-motors.cn"
    enterprise = {
        "id": uscc("91350100MA1LM0000"),
        "name": ("福州新能源电池回收利用有限公司" * 14)[: limits["name"].chars],
        "kinds": ["BATTERY_MAKER", "RECYCLER"],
        "manufacturerCodes": [f"Z{n:02d}" for n in range(codes)],
        "contacts": [
            {
                "email": f"{n:02d}".ljust(email_chars - len(domain), "x") + domain,
                "language": "zh-CN",
            }
            for n in range(limits["contacts"].items)
        ],
    }
    # When the platform onboards it, Then it is accepted and stored as sent,
    payload = _send("registerEnterprise", enterprise, ADMIN)
    assert payload["userErrors"] == []
    stored = gql(
        "query ($id: ID!) { enterprise(id: $id) { name manufacturerCodes } }",
        {"id": enterprise["id"]},
        auth=REGULATOR,
    )["data"]["enterprise"]
    assert stored["name"] == enterprise["name"]
    assert len(stored["manufacturerCodes"]) == codes


# --- who asks comes first -----------------------------------------------------------------


class Spy:
    def __init__(self, real: Any) -> None:
        self.real, self.calls = real, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.mark.parametrize(
    ("mutation", "value"),
    [
        (
            "issueFactoryCertificate",
            {"vin": vin(1), "model": "M", "issuedOn": "2026-03-05", "batteryCodes": []},
        ),
        ("disposeBatteries", {"codes": [], "disposedOn": "2026-03-05"}),
        ("registerBatteries", {"batteries": []}),
    ],
)
def test_a_caller_without_the_role_sending_16000_codes_is_forbidden_before_any_is_looked_at(
    world: Any,
    monkeypatch: pytest.MonkeyPatch,
    mutation: str,
    value: dict[str, Any],
) -> None:
    # Given a regulator (who writes nothing) sending 16,000 battery codes,
    codes = [f"X12PB010000001A32{n:07d}" for n in range(16_000)]
    for name in value:
        if value[name] == []:
            value[name] = codes if name != "batteries" else [{"code": c} for c in codes]
    limits = Spy(graph.limits.input_errors)
    lists = Spy(compliance.services.events.list_violations)
    decode = Spy(compliance.codes.decode_battery_code)
    monkeypatch.setattr("graph.mutations.common.input_errors", limits)
    monkeypatch.setattr("compliance.services.events.list_violations", lists)
    monkeypatch.setattr("compliance.services.events.decode_battery_code", decode)
    # When it sends them,
    document = f"mutation ($input: {_input_type(mutation).name}!) {{ {mutation}(input: $input) "
    result = gql(document + "{ userErrors { code } } }", {"input": value}, auth=REGULATOR)
    # Then it is forbidden, and nothing measured, compared or decoded the codes.
    assert [e["extensions"]["code"] for e in result["errors"]] == ["FORBIDDEN"]
    assert (limits.calls, lists.calls, decode.calls) == (0, 0, 0)


def test_a_maker_sending_16000_codes_is_told_the_limit_before_any_is_compared_or_decoded(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a battery maker sending 16,000 codes to dispose of, the same one many times,
    lists = Spy(compliance.services.events.list_violations)
    decode = Spy(compliance.codes.decode_battery_code)
    monkeypatch.setattr("compliance.services.events.list_violations", lists)
    monkeypatch.setattr("compliance.services.events.decode_battery_code", decode)
    value = {"codes": [CODE] * 16_000, "disposedOn": "2026-03-05"}
    # When it sends them, Then it is told the limit, and the codes were neither compared for
    # duplicates nor decoded.
    payload = _send("disposeBatteries", value, MAKER)
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("TOO_MANY_ITEMS", ["input", "codes"])
    ]
    assert (lists.calls, decode.calls) == (0, 0)


# --- query arguments --------------------------------------------------------------------------


def _refusal(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert result["data"] is None, result
    [error] = result["errors"]
    return error["message"], error["extensions"]


def test_a_filter_naming_more_rules_than_a_rule_set_has_is_refused_before_anything_is_read(
    world: Any,
) -> None:
    most = LIMITS[("ObligationFilter", "ruleId")].items
    assert most is not None
    # Given a filter of 16,000 rule ids,
    rule_ids = [f"RULE_{n}" for n in range(16_000)]
    # When a regulator lists obligations with it,
    result = gql(
        "query ($r: [String!]) { obligations(filter: {ruleId: $r}) { edges { cursor } } }",
        {"r": rule_ids},
        auth=REGULATOR,
    )
    # Then it is refused, naming the argument, its limit and the length sent.
    message, extensions = _refusal(result)
    assert extensions == {
        "code": "BAD_USER_INPUT",
        "field": "filter.ruleId",
        "limit": most,
        "length": 16_000,
    }
    assert message.startswith("filter.ruleId of obligations: 16,000 items given; at most")


def test_a_status_filter_naming_a_status_twice_over_is_refused(
    world: Any,
) -> None:
    # Given more statuses than there are (each may be named once),
    statuses = ["OPEN"] * 6
    document = "query ($s: [ObligationStatus!]) { obligations(filter: {status: $s}) { "
    result = gql(document + "edges { cursor } } }", {"s": statuses}, auth=AUTO)
    # Then the filter is refused with the number of statuses as its limit.
    _, extensions = _refusal(result)
    assert (extensions["field"], extensions["limit"], extensions["length"]) == (
        "filter.status",
        5,
        6,
    )


def test_a_code_too_long_to_decode_is_refused_and_one_at_the_limit_is_decoded(
    world: Any,
) -> None:
    document = "query ($c: String!) { decodeBatteryCode(code: $c) { valid } }"
    # Given codes of 129 and of 128 characters, When they are decoded,
    over = gql(document, {"c": "X" * (ID_MAX_LENGTH + 1)}, auth=AUTO)
    at = gql(document, {"c": "X" * ID_MAX_LENGTH}, auth=AUTO)
    # Then the first is refused, the second is answered.
    message, extensions = _refusal(over)
    assert extensions["field"] == "code"
    assert "129 characters long; at most 128 are accepted" in message
    assert at["data"]["decodeBatteryCode"]["valid"] is False


def test_an_id_too_long_to_name_anything_reads_as_not_found(
    world: Any,
) -> None:
    # Given an enterprise id of 3,000 characters, When it is looked up,
    result = gql("query ($id: ID!) { enterprise(id: $id) { id } }", {"id": "9" * 3000}, auth=AUTO)
    # Then it names nothing, as another enterprise's id reads.
    assert result["data"] == {"enterprise": None}
    assert "errors" not in result


def test_partner_keys_of_an_id_too_long_to_name_an_enterprise_read_as_none(world: Any) -> None:
    # Given the platform asking for the keys of an enterprise id of 3,000 characters,
    result = gql(
        "query ($id: ID!) { partnerKeys(enterpriseId: $id) { id } }", {"id": "9" * 3000}, auth=ADMIN
    )
    # Then there are none, as for any enterprise without keys: the id names nothing.
    assert result["data"] == {"partnerKeys": []}


def test_a_request_without_credentials_is_unauthenticated_whatever_it_sends(
    world: Any,
) -> None:
    result = gql(
        "query ($r: [String!]) { obligations(filter: {ruleId: $r}) { edges { cursor } } }",
        {"r": ["R"] * 16_000},
    )
    assert [e["extensions"]["code"] for e in result["errors"]] == ["UNAUTHENTICATED"]


# --- the answer stays small ------------------------------------------------------------------


def test_a_thousand_malformed_codes_get_a_bounded_list_of_problems(
    world: Any,
) -> None:
    # Given 1,000 codes of 24 characters none of which is allowed in a battery code,
    codes = [f"{n:03d}".rjust(24, "字") for n in range(1000)]
    # When a maker registers them,
    payload = _send("registerBatteries", {"batteries": [{"code": c} for c in codes]}, MAKER)
    # Then it hears of the first problems and of how many more there are, in an answer far
    # smaller than the 6 MB a Lambda function may return.
    errors = payload["userErrors"]
    assert len(errors) == MAX_USER_ERRORS + 1
    assert errors[-1]["code"] == "TOO_MANY_ERRORS"
    assert errors[-1]["field"] == ["input"]
    assert "more problems were found" in errors[-1]["message"]
    assert len(json.dumps(payload, ensure_ascii=False).encode()) < 1_000_000
