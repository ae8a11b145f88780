"""The bad-input catalog: every way we know a request can be wrong, each sent twice, once to
``functions.api.handler`` in-process (moto) and once to the local stack over loopback HTTP.

This module owns the promise made to a client that sends something wrong: the request is
refused with the catalogued HTTP status, a stable error code and a message that says what is
wrong, where and why, and not one item of any table changes. Protocol errors (the request is not
a GraphQL request we serve) are 4xx with ``errors[].extensions.code``; authorization and
argument errors are top-level ``errors`` with a code; domain refusals are HTTP 200 with
``userErrors`` (field path, code, message).

Both paths share one table of cases (``CASES``: 185, of which 184 go over HTTP too; the one left
is refused only under production settings) and one shape of world: the demo enterprises of
``local/demo.py``, models FZ7001BEV and EQ5-IMPORT, a registered vehicle with an installed pack,
an unsold vehicle, an open and a fulfilled duty, a pack in its maker's stock and one it disposed
of, a collection point, and a vehicle a dismantler took in, with one pack still in it and one
handed to the recycler.
Over HTTP that world is the stack's demo data; in-process it is seeded once per module. Either
way it is found through the API itself (``discover``), so a case refers to it by role
(``{installed_pack}``), never by a value one path alone has.

A record the caller neither holds nor answers for reads exactly like one that does not exist
(docs/DOMAIN.md 4.1): 21 pairs of cases (``same_as_unknown``) send one request about another
enterprise's battery, vehicle, model, service point or enterprise and about a key that names
nothing, and expect the same codes at the same field and the same message but for the key.

In-process, every table is read whole (``table_snapshot``) before and after every case. Over
HTTP a whole read of the stack's demo data (about 2,000 items) takes about 1.8 s, as moto
spends about 0.9 ms serializing each scanned item, and every scan it serves makes the stack
slower to stop. So over HTTP every case compares the stack's digest of every table before and
after (``POST /_local/tables``, local/table_digests.py: each table's items hashed inside the
stack's process, in about 50 ms), which changes when any attribute of any item does.
Independently of that digest, every item of every table is read through DynamoDB's API before
the first case and compared after the last one
(``test_after_every_bad_request_over_http_the_stack_tables_are_as_they_were``).
On both paths a case's "before" is what was read after the previous case, when nothing has been
sent since (``Tables``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
import requests
from msgspec.structs import replace

import functions.api
from compliance.calendar import CHINA_TZ
from graph.settings import Settings, settings_from_environment
from local.aws import local_aws
from local.calls import api_event, bearer_header, invoke
from local.demo import (
    ENTERPRISES,
    FUZHOU_MOTORS,
    GANZHOU_RECYCLING,
    HUAMIN_DISMANTLING,
    NINGDE_CELLS,
    SHANGHAI_POWER,
    SHENZHEN_EV,
    _spares,
)
from local.stack import LocalStack
from local.tokens import mint_token
from tests.api import gql, onboard, table_snapshot
from tests.builders import battery_code, uscc, vin

TODAY = datetime.now(CHINA_TZ).date()
FUTURE = TODAY + timedelta(days=30)
HTTP_TIMEOUT_SECONDS = 30

# What both worlds have (local/demo.py MODELS; seeded in-process below).
MODEL = "FZ7001BEV"  # Fuzhou's domestic model, announced 2026-03-10
MODEL_ANNOUNCED = date(2026, 3, 10)
IMPORTED_MODEL = "EQ5-IMPORT"  # Shenzhen's imported model (CCC certificate 2026-08-20)
# Well-formed codes that name nothing on record in either world.
NEW_VIN = vin(9_999_999)
BAD_CHECK_DIGIT_VIN = NEW_VIN[:8] + ("0" if NEW_VIN[8] != "0" else "1") + NEW_VIN[9:]
FREE_PACK = battery_code("X12", date(2026, 3, 2), serial=9_999_999)
OTHER_MAKERS_PACK = battery_code("03U", date(2026, 3, 2), serial=9_999_999)
NEW_ENTERPRISE = uscc("91320000MA1NW0000")
# A module code that names nothing on record: FREE_PACK's, but a module (position 4).
FREE_MODULE = FREE_PACK[:3] + "M" + FREE_PACK[4:]
# The demo's spare packs of Ningde's (some sold or scrapped); the seed registers the first.
STOCK_CANDIDATES = _spares(TODAY)[NINGDE_CELLS][1:5]
# The spare Ningde disposed of from production (local/demo.py _maker_stock); the seed too.
DISPOSED_SPARE = _spares(TODAY)[NINGDE_CELLS][-1]
DISPOSED_ON = min(date(2026, 10, 19), TODAY)
# A second-life code under the recycler's manufacturer code, on record in neither world, dated
# 2026-11-02 (positions 15-17), a day no case re-codes on: a re-coding with it is misdated.
MISDATED_SECOND_LIFE = battery_code("R7G", date(2026, 11, 2), serial=9_999_999)
BAD_USCC = FUZHOU_MOTORS[:-1] + ("4" if FUZHOU_MOTORS[-1] != "4" else "5")

ANNOUNCE_WOULD_WRITE = """mutation { announceModel(input: {model: "FZ9001BEV",
  announcedOn: "2026-01-05"}) { model { code } userErrors { code } } }"""
INTROSPECTION = "{ __schema { queryType { name } } }"
WORLD = """query World {
  obligations(first: 200, filter: {ruleId: ["PRODUCTION_TRACE_UPLOAD"]}) {
    edges { node { id status triggerDate fulfilledOn platformReceipt
      vehicle { vin certifiedOn registeredOn scrappedOn batteries { code producedOn } } } }
  }
}"""
BATTERY = """query Battery($code: String!) {
  battery(code: $code) { status custodian { id } events { occurredOn } } }"""
SCRAPPED = """query Scrapped($vin: String!) {
  vehicle(vin: $vin) { events { batteryCodes } batteries { code custodian { id } } } }"""
POINTS = "{ serviceCoverage { regions { servicePoints { id active } } } }"
WORLD_UPLOADS = """{ obligations(first: 200, filter: {ruleId: ["PRODUCTION_TRACE_UPLOAD"]})
  { edges { node { id subjectId } } } }"""


# --- requests, cases and what a refusal looks like ------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request to /graphql and who sends it (a dev token for ``role``)."""

    method: str = "POST"
    body: bytes = b""
    content_type: str = "application/json"
    query_string: str = ""
    role: str = "ENTERPRISE_ADMIN"
    enterprise: str | None = FUZHOU_MOTORS


@dataclass(frozen=True)
class World:
    """What the cases refer to, found through the API on each path (see ``discover``)."""

    today: date
    future: date
    registered_vin: str  # Fuzhou's
    certified_on: date
    registered_on: date
    installed_pack: str  # installed at its certificate; nothing has happened to it since
    pack_produced_on: date
    unsold_vin: str  # Fuzhou's
    unsold_certified_on: date
    open_duty: str  # a production upload still owed
    open_duty_trigger: date
    closed_duty: str  # a production upload fulfilled
    closed_on: date
    closed_receipt: str
    stock_pack: str  # in Ningde's stock: registered, never supplied
    point: str  # Fuzhou's active collection point
    scrapped_vin: str  # a Shenzhen vehicle the dismantler took in
    scrapped_on: date
    dismantled_pack: str  # still in the scrapped vehicle, held by the dismantler
    recycled_pack: str  # taken out of a scrapped vehicle and handed to the recycler
    disposed_pack: str  # Ningde's, disposed of from production; Ningde holds it
    disposed_on: date


@dataclass(frozen=True)
class Case:
    """A bad request and the refusal it must get.

    ``codes`` are every code expected, each as often as it comes; ``codes[0]`` is the case's
    own, whose message must contain ``fragment`` and whose userError points at ``field``.
    ``fragment`` may name the world: ``{installed_pack}``, ``{automaker}`` (see ``placeholders``).
    """

    name: str
    request: Callable[[World], Request]
    status: int
    codes: tuple[str, ...]
    fragment: str
    field: tuple[str, ...] | None = None
    production: bool = False  # sent with production settings: in-process only


@dataclass(frozen=True)
class Refusal:
    code: str | None
    message: str
    field: tuple[str, ...] | None


def post(
    document: str,
    variables: dict[str, Any] | None = None,
    *,
    role: str = "ENTERPRISE_ADMIN",
    enterprise: str | None = FUZHOU_MOTORS,
) -> Request:
    body = json.dumps({"query": document, "variables": variables}).encode()
    return Request(body=body, role=role, enterprise=enterprise)


REGULATOR_REFUSED = (
    "Only an enterprise user or partner system can do this; this token's role is REGULATOR."
)


def regulator_announcing(model: str) -> Request:
    """A regulator (who reads everything and writes nothing) announcing model `model`."""
    input = {"model": model, "announcedOn": "2026-01-05"}
    return post(_ANNOUNCE, {"input": input}, role="REGULATOR", enterprise=None)


def raw(body: bytes, content_type: str = "application/json") -> Request:
    return Request(body=body, content_type=content_type)


def mutate(
    name: str,
    input_type: str,
    input: dict[str, Any],
    *,
    role: str = "ENTERPRISE_ADMIN",
    enterprise: str | None = FUZHOU_MOTORS,
) -> Request:
    """``name(input: $input)`` asking for nothing but its userErrors."""
    document = (
        f"mutation Bad($input: {input_type}!) "
        f"{{ {name}(input: $input) {{ userErrors {{ field code message }} }} }}"
    )
    return post(document, {"input": input}, role=role, enterprise=enterprise)


def as_platform(name: str, input_type: str, input: dict[str, Any]) -> Request:
    return mutate(name, input_type, input, role="PLATFORM_ADMIN", enterprise=None)


def as_maker(name: str, input_type: str, input: dict[str, Any]) -> Request:
    return mutate(name, input_type, input, enterprise=NINGDE_CELLS)


def certify(w: World, **changes: Any) -> Request:
    """A factory certificate of a new vehicle of FZ7001BEV today, with an unregistered pack."""
    input = {"vin": NEW_VIN, "model": MODEL, "issuedOn": str(w.today), "batteryCodes": [FREE_PACK]}
    return mutate("issueFactoryCertificate", "IssueFactoryCertificateInput", input | changes)


def register_vehicle(w: World, *, enterprise: str = FUZHOU_MOTORS, **changes: Any) -> Request:
    """The unsold vehicle registered today in Fuzhou's Gulou district."""
    input = {"vin": w.unsold_vin, "registeredOn": str(w.today), "regionCode": "350102"}
    return mutate("registerVehicle", "RegisterVehicleInput", input | changes, enterprise=enterprise)


def register_batteries(*batteries: dict[str, Any], enterprise: str = NINGDE_CELLS) -> Request:
    input = {"batteries": list(batteries)}
    return mutate("registerBatteries", "RegisterBatteriesInput", input, enterprise=enterprise)


def new_enterprise(**changes: Any) -> Request:
    input = {"id": NEW_ENTERPRISE, "name": "Nanjing Cells", "kinds": ["BATTERY_MAKER"]}
    return as_platform("registerEnterprise", "RegisterEnterpriseInput", input | changes)


def fulfil(w: World, *, enterprise: str = FUZHOU_MOTORS, **changes: Any) -> Request:
    input = {"id": w.open_duty, "fulfilledOn": str(w.today), "platformReceipt": "NEV-TRACE-1"}
    return mutate(
        "fulfillObligation", "FulfillObligationInput", input | changes, enterprise=enterprise
    )


def service_point(*, enterprise: str = FUZHOU_MOTORS, **changes: Any) -> Request:
    input = {"name": "Gulou collection point", "pointType": "COLLECTION", "regionCode": "350102"}
    return mutate("upsertServicePoint", "ServicePointInput", input | changes, enterprise=enterprise)


def partner_key(**changes: Any) -> Request:
    input = {"enterpriseId": FUZHOU_MOTORS, "name": "Fuzhou MES", "scopes": ["read"]}
    return mutate("createPartnerKey", "CreatePartnerKeyInput", input | changes)


def calendar_year(**changes: Any) -> Request:
    input = {"year": 2027, "holidays": [], "makeUpWorkdays": [], "source": "State Council"}
    return as_platform("loadCalendarYear", "LoadCalendarYearInput", input | changes)


def pack_in_future(w: World) -> str:
    return battery_code("X12", w.today + timedelta(days=40), serial=9_999_998)


def sell(w: World, code: str, *, enterprise: str = NINGDE_CELLS, **changes: Any) -> Request:
    """`code` sold directly today to a swap-station operator in Fujian."""
    input = {
        "code": code,
        "soldOn": str(w.today),
        "buyer": "Fuzhou Swap Stations",
        "provinceCode": "350000",
    }
    return mutate(
        "sellBatteryDirectly", "SellBatteryDirectlyInput", input | changes, enterprise=enterprise
    )


def repair_return(w: World, code: str, *, enterprise: str = NINGDE_CELLS) -> Request:
    input = {"code": code, "receivedOn": str(w.today)}
    return mutate("receiveRepairReturn", "ReceiveRepairReturnInput", input, enterprise=enterprise)


def supply(w: World, *codes: str, enterprise: str = NINGDE_CELLS, **changes: Any) -> Request:
    """Ningde supplies its stock pack (or `codes`) to Fuzhou today."""
    input = {
        "codes": list(codes) if codes else [w.stock_pack],
        "automakerId": FUZHOU_MOTORS,
        "suppliedOn": str(w.today),
    }
    return mutate("supplyBatteries", "SupplyBatteriesInput", input | changes, enterprise=enterprise)


def install(
    w: World, vin: str, *codes: str, enterprise: str = FUZHOU_MOTORS, **changes: Any
) -> Request:
    input = {"vin": vin, "codes": list(codes), "installedOn": str(w.today)}
    return mutate(
        "installBatteries", "InstallBatteriesInput", input | changes, enterprise=enterprise
    )


def remove(
    w: World, vin: str, *codes: str, enterprise: str = FUZHOU_MOTORS, **changes: Any
) -> Request:
    """`codes` taken out of `vin` today, for repair."""
    input = {"vin": vin, "codes": list(codes), "removedOn": str(w.today), "reason": "REPAIR"}
    return mutate("removeBatteries", "RemoveBatteriesInput", input | changes, enterprise=enterprise)


def receive(
    w: World, point: str, *codes: str, enterprise: str = FUZHOU_MOTORS, **changes: Any
) -> Request:
    input = {"servicePointId": point, "codes": list(codes), "receivedOn": str(w.today)}
    return mutate(
        "receiveAtServicePoint",
        "ReceiveAtServicePointInput",
        input | changes,
        enterprise=enterprise,
    )


def hand_over(w: World, *codes: str, enterprise: str = NINGDE_CELLS, **changes: Any) -> Request:
    """`codes` (by default Ningde's stock pack) handed to the recycler today."""
    input = {
        "codes": list(codes) if codes else [w.stock_pack],
        "handedOverOn": str(w.today),
        "recipientId": GANZHOU_RECYCLING,
    }
    return mutate(
        "handOverBatteries", "HandOverBatteriesInput", input | changes, enterprise=enterprise
    )


def scrap(
    w: World, vin: str, *codes: str, enterprise: str = HUAMIN_DISMANTLING, **changes: Any
) -> Request:
    """The dismantler takes `vin` in today, with `codes`."""
    input = {"vin": vin, "scrappedOn": str(w.today), "batteryCodes": list(codes)}
    return mutate("scrapVehicle", "ScrapVehicleInput", input | changes, enterprise=enterprise)


def second_life(on: date | str, maker: str = "R7G") -> str:
    """A code on record in neither world under `maker`'s manufacturer code (by default the
    recycler's), dated `on` in positions 15-17: a second-life code carries its re-coding day."""
    on = date.fromisoformat(on) if isinstance(on, str) else on
    return battery_code(maker, on, serial=9_999_999)


def recode(w: World, code: str, *, enterprise: str = GANZHOU_RECYCLING, **changes: Any) -> Request:
    """The recycler re-codes `code` (today, or on `recodedOn`) under its own manufacturer code,
    as a second-life code dated on the re-coding day."""
    recoded_on = changes.get("recodedOn", str(w.today))
    input = {"code": code, "newCode": second_life(recoded_on), "recodedOn": recoded_on}
    return mutate("recodeBattery", "RecodeBatteryInput", input | changes, enterprise=enterprise)


def update_enterprise(
    enterprise_id: str, *, role: str = "ENTERPRISE_ADMIN", **changes: Any
) -> Request:
    """Fuzhou's administrator renaming `enterprise_id`."""
    input = {"id": enterprise_id, "name": "Fuzhou NEV Motors"}
    enterprise = None if role == "PLATFORM_ADMIN" else FUZHOU_MOTORS
    return mutate(
        "updateEnterprise",
        "UpdateEnterpriseInput",
        input | changes,
        role=role,
        enterprise=enterprise,
    )


# --- what a record the caller may not touch reads like ----------------------------------------
# Word for word what a key that names nothing on record gets (compliance/event_checks.py).


def no_battery(code: str) -> str:
    return (
        f"There is no battery {code} that your enterprise holds or answers for. Check the code: "
        "a battery is registered by its maker first, and after that only the enterprise holding "
        "it, or answering for it, can record what happens to it."
    )


def no_vehicle(vin: str) -> str:
    return (
        f"There is no vehicle {vin} that your enterprise can report on. Check the VIN: a vehicle "
        "is on record from its factory certificate or customs clearance, and only its automaker "
        "(or, once it is scrapped, the dismantler that took it in) reports on it."
    )


def no_scrap(vin: str) -> str:
    """What a dismantler is told of a vehicle it cannot take in as given, whatever the reason:
    no such VIN, another dismantler's, one never registered, a battery listed that is not in
    it, a date before its latest event (compliance/event_checks.py unknown_scrap)."""
    return (
        f"There is no vehicle {vin} on record that your enterprise can take in as given. Check "
        "the VIN, the date of the scrap-vehicle recycling certificate (a vehicle is scrapped "
        "after its last recorded event), and the batteries listed (only those installed in it "
        "that came with it)."
    )


def no_model(model: str) -> str:
    return (
        f"Your enterprise has no model {model} with a MIIT announcement on record; record the "
        "model before its vehicles."
    )


def no_service_point(point: str) -> str:
    return f"Your enterprise operates no service point {point}."


def no_enterprise(enterprise_id: str) -> str:
    return f"There is no enterprise {enterprise_id} of yours."


def same_as_unknown(
    theirs_name: str,
    unknown_name: str,
    request: Callable[[World, str], Request],
    theirs: str,
    unknown: str,
    codes: tuple[str, ...],
    message: Callable[[str], str],
    field: tuple[str, ...],
) -> list[Case]:
    """Two cases, one request: about a record of another enterprise's (`theirs`, which may
    name the world: ``{installed_pack}``) and about a key that names nothing (`unknown`). Both
    get the same codes at the same field, and the same message but for the key."""

    def about_theirs(w: World) -> Request:
        return request(w, theirs.format(**placeholders(w)))

    return [
        Case(theirs_name, about_theirs, 200, codes, message(theirs), field),
        Case(unknown_name, lambda w: request(w, unknown), 200, codes, message(unknown), field),
    ]


_DEEP = "code " + "parent { " * 19 + "code" + " }" * 19
_ALIASES = " ".join(f"a{i}: me {{ role }}" for i in range(100))
_TOKENS = " ".join("role" for _ in range(10_000))
_ANNOUNCE = (
    "mutation($input: AnnounceModelInput!) { announceModel(input: $input) { model { code } } }"
)
_REGISTER_VEHICLE = (
    "mutation($input: RegisterVehicleInput!) { registerVehicle(input: $input) { vehicle { vin } } }"
)
_REGISTER_ENTERPRISE = (
    "mutation($input: RegisterEnterpriseInput!) "
    "{ registerEnterprise(input: $input) { enterprise { id } } }"
)

PROTOCOL_CASES = [
    Case(
        "malformed JSON body",
        lambda w: raw(b'{"query": "{ me { role } }"'),
        400,
        ("BAD_REQUEST",),
        "The body is not valid JSON: Expecting ',' delimiter",
    ),
    Case(
        "body sent as text/plain",
        lambda w: raw(json.dumps({"query": ANNOUNCE_WOULD_WRITE}).encode(), "text/plain"),
        415,
        ("UNSUPPORTED_MEDIA_TYPE",),
        "Send the request as application/json; got text/plain.",
    ),
    Case(
        "mutation over GET",
        lambda w: Request(method="GET", query_string=urlencode({"query": ANNOUNCE_WOULD_WRITE})),
        405,
        ("METHOD_NOT_ALLOWED",),
        "Mutations are sent with POST, not GET.",
    ),
    Case(
        # The gateway, like API Gateway, takes up to 10 MB; the handler refuses over 1 MB.
        "body over 1,000,000 bytes",
        lambda w: raw(
            json.dumps({"query": ANNOUNCE_WOULD_WRITE, "padding": "x" * 1_000_000}).encode()
        ),
        413,
        ("PAYLOAD_TOO_LARGE",),
        "The body is over 1,000,000 bytes.",
    ),
    Case(
        "JSON array batch",
        lambda w: raw(json.dumps([{"query": ANNOUNCE_WOULD_WRITE}] * 2).encode()),
        400,
        ("BAD_REQUEST",),
        "Batched requests (a JSON array) are not supported; send one.",
    ),
    Case(
        "body that is not a JSON object",
        lambda w: raw(b'"{ me { role } }"'),
        400,
        ("BAD_REQUEST",),
        "The body must be a JSON object with a 'query'.",
    ),
    Case(
        "no query",
        lambda w: raw(b'{"variables": {}}'),
        400,
        ("BAD_REQUEST",),
        "'query' is missing: send the GraphQL document as a string.",
    ),
    Case(
        "query over GET with variables that are not JSON",
        lambda w: Request(
            method="GET", query_string=urlencode({"query": "{ me { role } }", "variables": "{"})
        ),
        400,
        ("BAD_REQUEST",),
        "The 'variables' parameter is not valid JSON: Expecting property name",
    ),
    Case(
        "variables that are not an object",
        lambda w: raw(b'{"query": "{ me { role } }", "variables": [1]}'),
        400,
        ("BAD_REQUEST",),
        "'variables' must be a JSON object.",
    ),
    Case(
        "several operations and no operationName",
        lambda w: post("query A { me { role } } query B { me { role } }"),
        400,
        ("BAD_REQUEST",),
        "The document has several operations; say which with operationName.",
    ),
    Case(
        "GraphQL syntax error",
        lambda w: post("{ me { role "),
        400,
        ("GRAPHQL_PARSE_FAILED",),
        "Syntax Error: Expected Name, found <EOF>.",
    ),
    Case(
        "query 20 levels deep",
        lambda w: post(f'{{ battery(code: "{FREE_PACK}") {{ {_DEEP} }} }}'),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        "exceeds maximum operation depth of 10",
    ),
    Case(
        "100 aliases",
        lambda w: post(f"{{ {_ALIASES} }}"),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        "100 aliases found. Allowed: 30",
    ),
    Case(
        # Over the schema's limit of 2,000 but under what the parser once allowed.
        "3,000 tokens",
        lambda w: post(f"{{ me {{ {' '.join('role' for _ in range(3000))} }} }}"),
        400,
        ("GRAPHQL_PARSE_FAILED",),
        "Document contains more than 2000 tokens. Parsing aborted.",
    ),
    Case(
        "10,000 tokens",
        lambda w: post(f"{{ me {{ {_TOKENS} }} }}"),
        400,
        ("GRAPHQL_PARSE_FAILED",),
        "tokens. Parsing aborted.",
    ),
    Case(
        # The local stack runs STAGE=dev, where introspection is on (README, template.yaml
        # Stage): this case is sent in-process only, with production settings; over HTTP
        # test_the_local_stack_is_a_dev_stage_that_answers_introspection checks the dev side.
        "introspection with production settings",
        lambda w: post(INTROSPECTION),
        400,
        ("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED"),
        "GraphQL introspection has been disabled, but the requested query contained the field"
        " '__schema'.",
        production=True,
    ),
    Case(
        "unknown field",
        lambda w: post("{ me { role nope } }"),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        "Cannot query field 'nope' on type 'Principal'.",
    ),
    Case(
        "impossible Date in variables",
        lambda w: post(_ANNOUNCE, {"input": {"model": "FZ9001BEV", "announcedOn": "2026-13-40"}}),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        "Variable '$input' has invalid value at .announcedOn: "
        'Value cannot represent a Date: "2026-13-40". month must be in 1..12',
    ),
    Case(
        "impossible Date written in the document",
        lambda w: post(
            'mutation { announceModel(input: {model: "FZ9001BEV", announcedOn: "2026-13-40"})'
            " { model { code } } }"
        ),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        'Value cannot represent a Date: "2026-13-40". month must be in 1..12',
    ),
    Case(
        # No input of the schema takes a DateTime; the DateTime a client would send lands in
        # a Date (the dates of events are China civil dates).
        "DateTime where a Date is expected",
        lambda w: post(
            _ANNOUNCE, {"input": {"model": "FZ9001BEV", "announcedOn": "2026-11-26T10:00:00+08:00"}}
        ),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        'at .announcedOn: Value cannot represent a Date: "2026-11-26T10:00:00+08:00". '
        "Invalid isoformat string",
    ),
    Case(
        "Int where a String is expected",
        lambda w: post(
            _REGISTER_VEHICLE,
            {"input": {"vin": 12345, "registeredOn": str(w.today), "regionCode": "350102"}},
        ),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        "Variable '$input' has invalid value at .vin: "
        "String cannot represent a non string value: 12345",
    ),
    Case(
        "unknown enum value",
        lambda w: post(
            _REGISTER_ENTERPRISE,
            {"input": {"id": NEW_ENTERPRISE, "name": "Nanjing Cells", "kinds": ["CARMAKER"]}},
            role="PLATFORM_ADMIN",
            enterprise=None,
        ),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        "at .kinds[0]: Value 'CARMAKER' does not exist in 'EnterpriseKind' enum.",
    ),
    Case(
        "required input field missing",
        lambda w: post(
            _REGISTER_VEHICLE, {"input": {"vin": w.unsold_vin, "registeredOn": str(w.today)}}
        ),
        400,
        ("GRAPHQL_VALIDATION_FAILED",),
        "Expected value of type 'RegisterVehicleInput' to include required field 'regionCode'",
    ),
    Case(
        "page larger than 200",
        lambda w: post("{ obligations(first: 500) { edges { node { id } } } }"),
        200,
        ("BAD_USER_INPUT",),
        "first must be between 1 and 200; got 500.",
    ),
    Case(
        "cursor this API did not issue",
        lambda w: post('{ obligations(after: "garbage") { edges { node { id } } } }'),
        200,
        ("BAD_USER_INPUT",),
        "The 'after' cursor is not one this API issued for this query",
    ),
    Case(
        "regulator recording an event",
        lambda w: regulator_announcing("FZ9001BEV"),
        200,
        ("FORBIDDEN",),
        REGULATOR_REFUSED,
    ),
    Case(
        # Who may ask is answered before what is wrong with the request.
        "regulator recording an event with an empty model code",
        lambda w: regulator_announcing(""),
        200,
        ("FORBIDDEN",),
        REGULATOR_REFUSED,
    ),
]

ENTERPRISE_CASES = [
    Case(
        "USCC with a wrong check character",
        lambda w: new_enterprise(id=BAD_USCC, kinds=["AUTOMAKER"]),
        200,
        ("INVALID_USCC_CHECK_CHARACTER_MISMATCH",),
        "position 18 (check character)",
        ("input", "id"),
    ),
    Case(
        "another maker's manufacturer code",
        lambda w: new_enterprise(manufacturerCodes=["X12"]),
        200,
        ("MANUFACTURER_CODE_TAKEN",),
        "Manufacturer code X12 is assigned to enterprise {battery_maker}.",
        ("input", "manufacturerCodes"),
    ),
    Case(
        # Sent again unchanged, an onboarding is the same success; this one differs.
        "enterprise onboarded again with other details",
        lambda w: new_enterprise(id=FUZHOU_MOTORS, kinds=["AUTOMAKER"]),
        200,
        ("ALREADY_REGISTERED",),
        "Enterprise {automaker} is registered already; change it with updateEnterprise.",
        ("input", "id"),
    ),
    Case(
        "unknown province and unusable contact",
        lambda w: new_enterprise(
            provinceCode="990000", contacts=[{"email": "nobody", "language": "fr"}]
        ),
        200,
        ("INVALID_PROVINCE", "INVALID_EMAIL", "UNSUPPORTED_LANGUAGE"),
        "990000 is not a province code (GB/T 2260, e.g. 440000).",
        ("input", "provinceCode"),
    ),
    Case(
        "enterprise without name or kind, with a malformed manufacturer code",
        lambda w: new_enterprise(name=" ", kinds=[], manufacturerCodes=["x1"]),
        200,
        ("INVALID_MANUFACTURER_CODE", "REQUIRED", "REQUIRED", "NOT_A_BATTERY_MAKER"),
        "'x1' is not a manufacturer code: three digits or upper-case letters.",
        ("input", "manufacturerCodes", "0"),
    ),
    # To an enterprise's administrator, no other enterprise exists.
    *same_as_unknown(
        "administrator updating another enterprise",
        "administrator updating an unknown enterprise",
        lambda w, enterprise: update_enterprise(enterprise),
        "{other_automaker}",
        NEW_ENTERPRISE,
        ("NOT_FOUND",),
        no_enterprise,
        ("input", "id"),
    ),
    Case(
        "platform updating an unknown enterprise",
        lambda w: update_enterprise(NEW_ENTERPRISE, role="PLATFORM_ADMIN"),
        200,
        ("NOT_FOUND",),
        f"There is no enterprise {NEW_ENTERPRISE} of yours.",
        ("input", "id"),
    ),
    Case(
        "enterprise updated with an invalid contact email",
        lambda w: update_enterprise(
            FUZHOU_MOTORS, contacts=[{"email": "compliance@fuzhou", "language": "zh-CN"}]
        ),
        200,
        ("INVALID_EMAIL",),
        "'compliance@fuzhou' is not an email address (like name@example.cn).",
        ("input", "contacts", "0", "email"),
    ),
    Case(
        "enterprise updated with a blank name and an unknown province",
        lambda w: update_enterprise(FUZHOU_MOTORS, name=" ", provinceCode="990000"),
        200,
        ("INVALID_PROVINCE", "REQUIRED"),
        "990000 is not a province code (GB/T 2260, e.g. 440000).",
        ("input", "provinceCode"),
    ),
    Case(
        "enterprise updated with an empty id",
        lambda w: update_enterprise(""),
        200,
        ("REQUIRED",),
        "Give the enterprise id (USCC); it is empty.",
        ("input", "id"),
    ),
    Case(
        "enterprise updated by an enterprise user",
        lambda w: update_enterprise(FUZHOU_MOTORS, role="ENTERPRISE_USER"),
        200,
        ("FORBIDDEN",),
        "Only PLATFORM_ADMIN, ENTERPRISE_ADMIN can do this; this token's role is ENTERPRISE_USER.",
    ),
]

BATTERY_CASES = [
    Case(
        "empty battery code",
        lambda w: register_batteries({"code": ""}),
        200,
        ("INVALID_BATTERY_CODE",),
        "the code has 0 characters; a battery code has 24",
        ("input", "batteries", "0", "code"),
    ),
    Case(
        "malformed battery code",
        lambda w: register_batteries({"code": "X12PB01"}),
        200,
        ("INVALID_BATTERY_CODE",),
        "the code has 7 characters; a battery code has 24",
        ("input", "batteries", "0", "code"),
    ),
    *same_as_unknown(
        # A code the caller could not register itself is refused for that alone: that another
        # maker's battery is on record under it is not told.
        "battery code of another maker's, on record",
        "battery code of another maker's, not on record",
        lambda w, code: register_batteries({"code": code}),
        "{dismantled_pack}",
        OTHER_MAKERS_PACK,
        ("MANUFACTURER_CODE_NOT_ASSIGNED",),
        lambda _code: (
            "Manufacturer code 03U (positions 1-3) is not assigned to your enterprise (assigned: "
            "X12); a maker can only register its own codes."
        ),
        ("input", "batteries", "0", "code"),
    ),
    Case(
        # The same registration sent again is a retry, the same success; this one differs.
        "battery registered again with another production date",
        lambda w: register_batteries(
            {"code": w.installed_pack, "producedOn": str(w.pack_produced_on + timedelta(days=1))}
        ),
        200,
        ("ALREADY_REGISTERED", "PRODUCTION_DATE_MISMATCH"),
        "Battery {installed_pack} is on record already; a code names one battery.",
        ("input", "batteries", "0", "code"),
    ),
    Case(
        "module registered into a pack its maker disposed of",
        lambda w: register_batteries({"code": FREE_MODULE, "parentCode": w.disposed_pack}),
        200,
        ("PARENT_FINAL",),
        "Pack or module {disposed_pack} was disposed on {disposed_on}; nothing can be registered "
        "into it.",
        ("input", "batteries", "0", "parentCode"),
    ),
    Case(
        "battery code encoding a production date in the future",
        lambda w: register_batteries({"code": pack_in_future(w)}),
        200,
        ("INVALID_BATTERY_CODE",),
        "which is after today ({today}); a battery cannot have been produced in the future",
        ("input", "batteries", "0", "code"),
    ),
    Case(
        "battery registered with a production date other than its code's",
        lambda w: register_batteries({"code": FREE_PACK, "producedOn": "2026-03-01"}),
        200,
        ("PRODUCTION_DATE_MISMATCH",),
        "The production date given, 2026-03-01, is not the one the code carries in positions "
        "15-17 (2026-03-02); leave it out to use the code's, or correct it.",
        ("input", "batteries", "0", "producedOn"),
    ),
    Case(
        "battery produced in the future",
        lambda w: register_batteries({"code": FREE_PACK, "producedOn": str(w.future)}),
        200,
        ("FUTURE_DATE", "PRODUCTION_DATE_MISMATCH"),
        "{future} is after today ({today}, China time)",
        ("input", "batteries", "0", "producedOn"),
    ),
    Case(
        "1001 batteries in one request",
        lambda w: register_batteries(
            *(
                {"code": battery_code("X12", date(2026, 3, 2), serial=9_000_000 + i)}
                for i in range(1001)
            )
        ),
        200,
        ("TOO_MANY_ITEMS",),
        "1,001 items given; at most 1,000 per request. Split the list.",
        ("input", "batteries"),
    ),
    Case(
        "no batteries",
        lambda w: register_batteries(),
        200,
        ("EMPTY",),
        "Give at least one battery; the list is empty.",
        ("input", "batteries"),
    ),
    Case(
        "the same battery twice in one request",
        lambda w: register_batteries({"code": FREE_PACK}, {"code": FREE_PACK}),
        200,
        ("DUPLICATE",),
        f"Listed more than once: {FREE_PACK}.",
        ("input", "batteries"),
    ),
    Case(
        # A vehicle maker registers only batteries whose maker is not on the platform.
        "automaker registering batteries of makers on the platform",
        lambda w: register_batteries(
            {"code": FREE_PACK}, {"code": OTHER_MAKERS_PACK}, enterprise=FUZHOU_MOTORS
        ),
        200,
        ("MANUFACTURER_CODE_NOT_ASSIGNED", "MANUFACTURER_CODE_NOT_ASSIGNED"),
        "Manufacturer code X12 (positions 1-3) belongs to a battery maker on the platform: it "
        "registers its batteries and supplies them to you (supplyBatteries); then they are "
        "yours to install.",
        ("input", "batteries", "0", "code"),
    ),
    Case(
        # The enterprise is at fault, not a code: one error about the whole input, however
        # many batteries the list holds; each code still gets its own.
        "dismantler registering batteries",
        lambda w: register_batteries(
            {"code": FREE_PACK}, {"code": OTHER_MAKERS_PACK}, enterprise=HUAMIN_DISMANTLING
        ),
        200,
        (
            "NOT_A_BATTERY_MAKER",
            "MANUFACTURER_CODE_NOT_ASSIGNED",
            "MANUFACTURER_CODE_NOT_ASSIGNED",
        ),
        "Your enterprise is registered neither as a battery maker nor as a vehicle maker, so it "
        "cannot register batteries.",
        ("input",),
    ),
]

MODEL_CASES = [
    Case(
        "model announced with an empty code",
        lambda w: mutate(
            "announceModel", "AnnounceModelInput", {"model": "  ", "announcedOn": "2026-03-10"}
        ),
        200,
        ("REQUIRED",),
        "Give the model code; it is empty.",
        ("input", "model"),
    ),
    Case(
        "model announced with a 3,000-character code",
        lambda w: mutate(
            "announceModel",
            "AnnounceModelInput",
            {"model": "M" * 3000, "announcedOn": "2026-03-10"},
        ),
        200,
        ("TOO_LONG",),
        "The model code is 3,000 characters long; at most 128 are accepted.",
        ("input", "model"),
    ),
    Case(
        "model announced before the calendar's first day",
        lambda w: mutate(
            "announceModel",
            "AnnounceModelInput",
            {"model": "FZ9001BEV", "announcedOn": "0001-01-01"},
        ),
        200,
        ("BEFORE_SUPPORTED_SPAN",),
        "0001-01-01 is before 2004-01-01, the first day with working-day data",
        ("input", "announcedOn"),
    ),
    Case(
        "model announced in the future",
        lambda w: mutate(
            "announceModel",
            "AnnounceModelInput",
            {"model": "FZ9001BEV", "announcedOn": str(w.future)},
        ),
        200,
        ("FUTURE_DATE",),
        "{future} is after today ({today}, China time); events can only be reported once they "
        "have happened.",
        ("input", "announcedOn"),
    ),
    Case(
        "model announced again on another day",
        lambda w: mutate(
            "announceModel", "AnnounceModelInput", {"model": MODEL, "announcedOn": "2026-03-11"}
        ),
        200,
        ("ALREADY_ANNOUNCED",),
        f"Model {MODEL} is on record already; a model code names one model.",
        ("input", "model"),
    ),
    Case(
        # A model code names one model: the key is taken, and that is all it is told.
        "another automaker announcing a model on record",
        lambda w: mutate(
            "announceModel",
            "AnnounceModelInput",
            {"model": MODEL, "announcedOn": "2026-03-11"},
            enterprise=SHENZHEN_EV,
        ),
        200,
        ("ALREADY_ANNOUNCED",),
        f"Model {MODEL} is on record already; a model code names one model.",
        ("input", "model"),
    ),
    Case(
        "battery maker announcing a model",
        lambda w: as_maker(
            "announceModel",
            "AnnounceModelInput",
            {"model": "FZ9001BEV", "announcedOn": "2026-03-10"},
        ),
        200,
        ("NOT_AN_AUTOMAKER",),
        "Your enterprise is not registered as an automaker or importer, so it cannot announce or "
        "certify vehicle models.",
        ("input",),
    ),
    Case(
        "battery maker issuing a factory certificate",
        lambda w: as_maker(
            "issueFactoryCertificate",
            "IssueFactoryCertificateInput",
            {"vin": NEW_VIN, "model": MODEL, "issuedOn": str(w.today), "batteryCodes": [FREE_PACK]},
        ),
        200,
        # Fuzhou's model and the pack read to it as unknown.
        ("NOT_AN_AUTOMAKER", "UNKNOWN_MODEL", "UNKNOWN_BATTERY"),
        "Your enterprise is not registered as an automaker or importer, so it cannot certify "
        "vehicles.",
        ("input",),
    ),
]

CERTIFICATE_CASES = [
    Case(
        "vehicle certified without batteries",
        lambda w: certify(w, vin=BAD_CHECK_DIGIT_VIN, batteryCodes=[]),
        200,
        ("REQUIRED", "INVALID_VIN"),
        "List the traction batteries installed in the vehicle",
        ("input", "batteryCodes"),
    ),
    Case(
        "VIN with a wrong check digit",
        lambda w: certify(w, vin=BAD_CHECK_DIGIT_VIN),
        200,
        ("INVALID_VIN", "UNKNOWN_BATTERY"),
        "position 9 (check digit): found",
        ("input", "vin"),
    ),
    Case(
        "battery installed in another vehicle",
        lambda w: certify(w, batteryCodes=[w.installed_pack]),
        200,
        ("ALREADY_INSTALLED",),
        "Battery {installed_pack} is installed in a vehicle already; record its removal before "
        "installing it elsewhere.",
        ("input", "batteryCodes", "0"),
    ),
    *same_as_unknown(
        "another automaker's model",
        "model with no announcement",
        lambda w, model: certify(w, model=model),
        IMPORTED_MODEL,
        "FZ0000NOPE",
        ("UNKNOWN_MODEL", "UNKNOWN_BATTERY"),
        no_model,
        ("input", "model"),
    ),
    Case(
        "customs clearance of a domestic model",
        lambda w: mutate(
            "clearCustoms",
            "ClearCustomsInput",
            {
                "vin": NEW_VIN,
                "model": MODEL,
                "clearedOn": str(w.today),
                "batteryCodes": [FREE_PACK],
            },
        ),
        200,
        ("WRONG_MODEL_ORIGIN", "UNKNOWN_BATTERY"),
        f"Model {MODEL} is a domestic model; its vehicles get factory certificates, not customs "
        "clearance.",
        ("input", "model"),
    ),
    Case(
        "certificate before the model's announcement",
        lambda w: certify(w, issuedOn=str(MODEL_ANNOUNCED - timedelta(days=1))),
        200,
        ("BEFORE_MODEL_APPROVAL", "UNKNOWN_BATTERY"),
        f"2026-03-09 is before model {MODEL} was approved ({MODEL_ANNOUNCED}).",
        ("input", "issuedOn"),
    ),
    Case(
        "vehicle certified twice",
        lambda w: certify(w, vin=w.registered_vin),
        200,
        ("ALREADY_CERTIFIED", "UNKNOWN_BATTERY"),
        "Vehicle {registered_vin} is on record already; a VIN names one vehicle.",
        ("input", "vin"),
    ),
    Case(
        # A VIN names one vehicle: the key is taken, and that is all it is told.
        "another automaker clearing a vehicle on record through customs",
        lambda w: mutate(
            "clearCustoms",
            "ClearCustomsInput",
            {
                "vin": w.registered_vin,
                "model": IMPORTED_MODEL,
                "clearedOn": str(w.today),
                "batteryCodes": [FREE_PACK],
            },
            enterprise=SHENZHEN_EV,
        ),
        200,
        ("ALREADY_CERTIFIED", "UNKNOWN_BATTERY"),
        "Vehicle {registered_vin} is on record already; a VIN names one vehicle.",
        ("input", "vin"),
    ),
    Case(
        "the same battery twice in one vehicle",
        lambda w: certify(w, batteryCodes=[FREE_PACK, FREE_PACK]),
        200,
        ("DUPLICATE",),
        f"Listed more than once: {FREE_PACK}.",
        ("input", "batteryCodes"),
    ),
    Case(
        "certificate dated in the future",
        lambda w: certify(w, issuedOn=str(w.future)),
        200,
        ("FUTURE_DATE", "UNKNOWN_BATTERY"),
        "{future} is after today ({today}, China time)",
        ("input", "issuedOn"),
    ),
]

REGISTRATION_CASES = [
    Case(
        "unknown region code",
        lambda w: register_vehicle(w, regionCode="999999"),
        200,
        ("INVALID_REGION",),
        "region code '999999': it is not a division code",
        ("input", "regionCode"),
    ),
    Case(
        "province where a prefecture is needed",
        lambda w: register_vehicle(w, regionCode="350000"),
        200,
        ("INVALID_REGION",),
        "region code '350000' is the province 福建省; a province has no single prefecture-level "
        "region: give a prefecture or county code",
        ("input", "regionCode"),
    ),
    Case(
        "malformed region code",
        lambda w: register_vehicle(w, regionCode="35A1"),
        200,
        ("INVALID_REGION", "INVALID_REGION"),
        "the region code has 4 characters; a GB/T 2260 division code has 6 digits",
        ("input", "regionCode"),
    ),
    Case(
        "registration before the certificate",
        lambda w: register_vehicle(w, registeredOn=str(w.unsold_certified_on - timedelta(days=1))),
        200,
        ("BEFORE_CERTIFICATE",),
        "is before the vehicle's certificate or customs clearance on {unsold_certified_on}.",
        ("input", "registeredOn"),
    ),
    Case(
        "vehicle registered twice",
        lambda w: register_vehicle(w, vin=w.registered_vin),
        200,
        ("ALREADY_REGISTERED",),
        "Vehicle {registered_vin} was already registered on {registered_on}.",
        ("input", "vin"),
    ),
    Case(
        "registration out of order",
        lambda w: register_vehicle(w, vin=w.registered_vin, registeredOn=str(w.certified_on)),
        200,
        ("OUT_OF_ORDER", "ALREADY_REGISTERED"),
        "{certified_on} is before the vehicle {registered_vin}'s latest recorded event "
        "({registered_on}, a battery going in or out counting); events must be reported in the "
        "order they happened.",
        ("input", "registeredOn"),
    ),
    *same_as_unknown(
        "another automaker's vehicle",
        "vehicle never certified",
        lambda w, vin: register_vehicle(w, vin=vin, enterprise=SHENZHEN_EV),
        "{unsold_vin}",
        NEW_VIN,
        ("UNKNOWN_VEHICLE",),
        no_vehicle,
        ("input", "vin"),
    ),
    Case(
        # Once a dismantler took it in, a vehicle is the dismantler's to report on.
        "automaker registering a vehicle a dismantler took in",
        lambda w: register_vehicle(
            w, vin=w.scrapped_vin, regionCode="440305", enterprise=SHENZHEN_EV
        ),
        200,
        ("UNKNOWN_VEHICLE",),
        no_vehicle("{scrapped_vin}"),
        ("input", "vin"),
    ),
    Case(
        "registration dated in the future",
        lambda w: register_vehicle(w, registeredOn=str(w.future)),
        200,
        ("FUTURE_DATE",),
        "{future} is after today ({today}, China time)",
        ("input", "registeredOn"),
    ),
]

BATTERY_EVENT_CASES = [
    Case(
        "direct sale to an unknown province",
        lambda w: sell(w, w.stock_pack, provinceCode="990000"),
        200,
        ("INVALID_REGION",),
        "region code '990000': it is not a division code",
        ("input", "provinceCode"),
    ),
    Case(
        "direct sale to a blank buyer",
        lambda w: sell(w, w.stock_pack, buyer="  "),
        200,
        ("REQUIRED",),
        "Give the buyer's name (lessor or operator).",
        ("input", "buyer"),
    ),
    *same_as_unknown(
        "direct sale of another maker's battery",
        "direct sale of an unknown battery",
        lambda w, code: sell(w, code, enterprise=SHANGHAI_POWER),
        "{stock_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "code"),
    ),
    Case(
        # Supplied to Fuzhou, the pack is Fuzhou's to report on, not its maker's.
        "direct sale of a battery its maker supplied to an automaker",
        lambda w: sell(w, w.installed_pack),
        200,
        ("UNKNOWN_BATTERY",),
        no_battery("{installed_pack}"),
        ("input", "code"),
    ),
    Case(
        "direct sale by the automaker holding the battery",
        lambda w: sell(w, w.installed_pack, enterprise=FUZHOU_MOTORS),
        200,
        ("NOT_MANUFACTURER", "INSTALLED_IN_VEHICLE"),
        "Only a battery's maker sells it directly; your enterprise did not make battery "
        "{installed_pack}.",
        ("input", "code"),
    ),
    *same_as_unknown(
        # A maker takes back for repair only what it made.
        "repair return by a maker that did not make the battery",
        "repair return of a battery nobody registered",
        lambda w, code: repair_return(w, code, enterprise=SHANGHAI_POWER),
        "{installed_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "code"),
    ),
    Case(
        "repair return dated before the battery's production",
        lambda w: as_maker(
            "receiveRepairReturn",
            "ReceiveRepairReturnInput",
            {"code": w.installed_pack, "receivedOn": str(w.pack_produced_on - timedelta(days=1))},
        ),
        200,
        ("BEFORE_PRODUCTION", "INSTALLED_IN_VEHICLE"),
        "is before battery {installed_pack} was produced ({pack_produced_on}).",
        ("input", "receivedOn"),
    ),
    Case(
        "repair return out of order",
        lambda w: as_maker(
            "receiveRepairReturn",
            "ReceiveRepairReturnInput",
            {"code": w.installed_pack, "receivedOn": str(w.pack_produced_on)},
        ),
        200,
        ("OUT_OF_ORDER", "INSTALLED_IN_VEHICLE"),
        "{pack_produced_on} is before the battery {installed_pack}'s latest recorded event "
        "({certified_on}); events must be reported in the order they happened.",
        ("input", "receivedOn"),
    ),
    Case(
        "disposal of an installed battery without its origin",
        lambda w: mutate(
            "disposeBatteries",
            "DisposeBatteriesInput",
            {"codes": [w.installed_pack], "disposedOn": str(w.today)},
        ),
        200,
        ("MISSING_FIELD", "INSTALLED_IN_VEHICLE"),
        "A disposal needs its origin (RESEARCH, PRODUCTION, INSTALLATION or REPAIR)",
        ("input", "origin"),
    ),
    Case(
        "automaker disposing of repair waste",
        lambda w: mutate(
            "disposeBatteries",
            "DisposeBatteriesInput",
            {"codes": [w.installed_pack], "disposedOn": str(w.today), "origin": "REPAIR"},
        ),
        200,
        ("ORIGIN_NOT_APPLICABLE", "INSTALLED_IN_VEHICLE"),
        "Batteries of origin REPAIR can only be disposed of by the battery's maker.",
        ("input", "origin"),
    ),
    Case(
        "disposal of 1001 batteries in one request",
        lambda w: mutate(
            "disposeBatteries",
            "DisposeBatteriesInput",
            {
                "codes": [
                    battery_code("X12", date(2026, 3, 2), serial=9_000_000 + i) for i in range(1001)
                ],
                "disposedOn": str(w.today),
                "origin": "PRODUCTION",
            },
        ),
        200,
        ("TOO_MANY_ITEMS",),
        "1,001 items given; at most 1,000 per request. Split the list.",
        ("input", "codes"),
    ),
    *same_as_unknown(
        "disposal of another automaker's battery",
        "disposal of an unknown battery",
        lambda w, code: mutate(
            "disposeBatteries",
            "DisposeBatteriesInput",
            {"codes": [code], "disposedOn": str(w.today), "origin": "INSTALLATION"},
            enterprise=SHENZHEN_EV,
        ),
        "{installed_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "codes", "0"),
    ),
]

SUPPLY_CASES = [
    *same_as_unknown(
        "supply of another maker's battery",
        "supply of an unknown battery",
        lambda w, code: supply(w, code, enterprise=SHANGHAI_POWER, automakerId=SHENZHEN_EV),
        "{stock_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "codes", "0"),
    ),
    Case(
        # Supplied, the pack is Fuzhou's to report on: its maker may not supply it again.
        "supply of a battery its maker supplied already",
        lambda w: supply(w, w.installed_pack, automakerId=SHENZHEN_EV),
        200,
        ("UNKNOWN_BATTERY",),
        no_battery("{installed_pack}"),
        ("input", "codes", "0"),
    ),
    Case(
        "supply by an automaker",
        lambda w: supply(w, w.installed_pack, enterprise=FUZHOU_MOTORS, automakerId=SHENZHEN_EV),
        200,
        ("NOT_MANUFACTURER", "INVALID_STATE"),
        "Only a battery's maker supplies it to automakers; your enterprise did not make battery "
        "{installed_pack}.",
        ("input", "codes", "0"),
    ),
    Case(
        "supply to an enterprise that makes no vehicles",
        lambda w: supply(w, automakerId=GANZHOU_RECYCLING),
        200,
        ("NOT_AN_AUTOMAKER",),
        "Enterprise {recycler} is not registered as an automaker or importer; batteries are "
        "supplied to vehicle makers.",
        ("input", "automakerId"),
    ),
    Case(
        "supply to an unknown enterprise",
        lambda w: supply(w, automakerId=NEW_ENTERPRISE),
        200,
        ("UNKNOWN_ENTERPRISE",),
        f"There is no enterprise {NEW_ENTERPRISE} on the platform; check the USCC, or ask the "
        "platform to onboard it.",
        ("input", "automakerId"),
    ),
    Case(
        "supply to the maker itself",
        lambda w: supply(w, automakerId=NINGDE_CELLS),
        200,
        ("SAME_ENTERPRISE",),
        "A battery is supplied to another enterprise; to install your own batteries in your "
        "vehicles, list them in the vehicle's certificate.",
        ("input", "automakerId"),
    ),
    Case(
        "supply dated in the future",
        lambda w: supply(w, suppliedOn=str(w.future)),
        200,
        ("FUTURE_DATE",),
        "{future} is after today ({today}, China time)",
        ("input", "suppliedOn"),
    ),
    Case(
        "supply of no batteries",
        lambda w: supply(w, codes=[]),
        200,
        ("EMPTY",),
        "Give at least one code; the list is empty.",
        ("input", "codes"),
    ),
    Case(
        "supply of 1001 batteries",
        lambda w: supply(
            w, *(battery_code("X12", date(2026, 3, 2), serial=9_000_000 + i) for i in range(1001))
        ),
        200,
        ("TOO_MANY_ITEMS",),
        "1,001 items given; at most 1,000 per request. Split the list.",
        ("input", "codes"),
    ),
]

INSTALLATION_CASES = [
    *same_as_unknown(
        "installation of another automaker's battery",
        "installation of an unknown battery",
        lambda w, code: install(w, NEW_VIN, code, enterprise=SHENZHEN_EV),
        "{installed_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "codes", "0"),
    ),
    *same_as_unknown(
        # Ningde holds the pack, so only the vehicle is out of its reach.
        "installation in another enterprise's vehicle",
        "installation in an unknown vehicle",
        lambda w, vin: install(w, vin, w.stock_pack, enterprise=NINGDE_CELLS),
        "{registered_vin}",
        NEW_VIN,
        ("UNKNOWN_VEHICLE",),
        no_vehicle,
        ("input", "vin"),
    ),
    Case(
        "installation of a battery that is in another vehicle",
        lambda w: install(w, w.unsold_vin, w.installed_pack),
        200,
        ("ALREADY_INSTALLED",),
        "Battery {installed_pack} is installed in a vehicle already; record its removal before "
        "installing it elsewhere.",
        ("input", "codes", "0"),
    ),
    Case(
        "installation dated in the future",
        lambda w: install(w, w.registered_vin, w.installed_pack, installedOn=str(w.future)),
        200,
        ("FUTURE_DATE", "ALREADY_INSTALLED"),
        "{future} is after today ({today}, China time)",
        ("input", "installedOn"),
    ),
    Case(
        "installation of no batteries",
        lambda w: install(w, w.unsold_vin),
        200,
        ("EMPTY",),
        "Give at least one code; the list is empty.",
        ("input", "codes"),
    ),
    Case(
        "installation of 25 batteries in one vehicle",
        lambda w: install(
            w,
            w.unsold_vin,
            *(battery_code("X12", date(2026, 3, 2), serial=9_000_000 + i) for i in range(25)),
        ),
        200,
        ("TOO_MANY_ITEMS",),
        "25 items given; at most 24 per request. Split the list.",
        ("input", "codes"),
    ),
]

REMOVAL_CASES = [
    *same_as_unknown(
        "removal of another automaker's battery",
        "removal of an unknown battery",
        lambda w, code: remove(w, w.registered_vin, code, enterprise=SHENZHEN_EV),
        "{installed_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "codes", "0"),
    ),
    Case(
        # Any dismantler may take in a vehicle, but only what it took in is its to take apart.
        "dismantler removing a battery from a vehicle it did not take in",
        lambda w: remove(
            w, w.registered_vin, w.installed_pack, enterprise=HUAMIN_DISMANTLING, reason="SCRAPPING"
        ),
        200,
        ("UNKNOWN_BATTERY",),
        no_battery("{installed_pack}"),
        ("input", "codes", "0"),
    ),
    Case(
        "automaker removing a battery from a vehicle a dismantler took in",
        lambda w: remove(w, w.scrapped_vin, w.dismantled_pack, enterprise=SHENZHEN_EV),
        200,
        ("UNKNOWN_BATTERY",),
        no_battery("{dismantled_pack}"),
        ("input", "codes", "0"),
    ),
    Case(
        "removal from a vehicle the battery is not in",
        lambda w: remove(w, w.unsold_vin, w.installed_pack),
        200,
        ("NOT_INSTALLED",),
        "Battery {installed_pack} is not installed in vehicle {unsold_vin} (its status is "
        "INSTALLED).",
        ("input", "codes", "0"),
    ),
    Case(
        "removal dated before the battery's installation",
        lambda w: remove(
            w,
            w.registered_vin,
            w.installed_pack,
            removedOn=str(w.certified_on - timedelta(days=1)),
        ),
        200,
        ("OUT_OF_ORDER",),
        "is before the battery {installed_pack}'s latest recorded event ({certified_on}); "
        "events must be reported in the order they happened.",
        ("input", "removedOn"),
    ),
    Case(
        "dismantler's removal dated in the future",
        lambda w: remove(
            w,
            w.scrapped_vin,
            w.dismantled_pack,
            enterprise=HUAMIN_DISMANTLING,
            removedOn=str(w.future),
            reason="SCRAPPING",
        ),
        200,
        ("FUTURE_DATE",),
        "{future} is after today ({today}, China time)",
        ("input", "removedOn"),
    ),
    Case(
        "removal of the same battery twice",
        lambda w: remove(w, w.registered_vin, w.installed_pack, w.installed_pack),
        200,
        ("DUPLICATE",),
        "Listed more than once: {installed_pack}.",
        ("input", "codes"),
    ),
]

TAKE_BACK_CASES = [
    *same_as_unknown(
        "service point receiving another enterprise's battery",
        "service point receiving an unknown battery",
        lambda w, code: receive(w, w.point, code),
        "{stock_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "codes", "0"),
    ),
    *same_as_unknown(
        "receipt at another enterprise's service point",
        "receipt at an unknown service point",
        lambda w, point: receive(w, point, w.stock_pack, enterprise=NINGDE_CELLS),
        "{point}",
        "sp_nope",
        ("UNKNOWN_SERVICE_POINT",),
        no_service_point,
        ("input", "servicePointId"),
    ),
    Case(
        "receipt of a battery still in its vehicle",
        lambda w: receive(w, w.point, w.installed_pack),
        200,
        ("INSTALLED_IN_VEHICLE",),
        "Battery {installed_pack} is installed in a vehicle; its removal must be recorded first "
        "(removeBatteries, by whoever holds the vehicle) before it is received at a service "
        "point.",
        ("input", "codes", "0"),
    ),
    Case(
        "receipt dated in the future",
        lambda w: receive(
            w, "sp_nope", w.stock_pack, enterprise=NINGDE_CELLS, receivedOn=str(w.future)
        ),
        200,
        ("FUTURE_DATE", "UNKNOWN_SERVICE_POINT"),
        "{future} is after today ({today}, China time)",
        ("input", "receivedOn"),
    ),
    Case(
        "receipt of no batteries",
        lambda w: receive(w, w.point),
        200,
        ("EMPTY",),
        "Give at least one code; the list is empty.",
        ("input", "codes"),
    ),
    *same_as_unknown(
        "hand-over of another automaker's battery",
        "hand-over of an unknown battery",
        lambda w, code: hand_over(w, code, enterprise=SHENZHEN_EV),
        "{installed_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "codes", "0"),
    ),
    *same_as_unknown(
        "hand-over out of another enterprise's service point",
        "hand-over out of an unknown service point",
        lambda w, point: hand_over(w, servicePointId=point),
        "{point}",
        "sp_nope",
        ("UNKNOWN_SERVICE_POINT",),
        no_service_point,
        ("input", "servicePointId"),
    ),
    Case(
        # An empty id names a point that does not exist; it is not a hand-over from elsewhere.
        "hand-over out of a service point with an empty id",
        lambda w: hand_over(w, servicePointId=""),
        200,
        ("UNKNOWN_SERVICE_POINT",),
        no_service_point(""),
        ("input", "servicePointId"),
    ),
    Case(
        "hand-over to an unknown enterprise",
        lambda w: hand_over(w, recipientId=NEW_ENTERPRISE),
        200,
        ("UNKNOWN_ENTERPRISE",),
        f"There is no enterprise {NEW_ENTERPRISE} on the platform; check the USCC, or ask the "
        "platform to onboard it.",
        ("input", "recipientId"),
    ),
    Case(
        "hand-over to a dismantler",
        lambda w: hand_over(w, recipientId=HUAMIN_DISMANTLING),
        200,
        ("RECIPIENT_NOT_ALLOWED",),
        "Enterprise {dismantler} cannot take waste batteries: they go to a recycler "
        "(comprehensive-utilization enterprise) or to a battery maker's or vehicle maker's "
        "take-back network.",
        ("input", "recipientId"),
    ),
    Case(
        "hand-over to the enterprise holding the battery",
        lambda w: hand_over(w, recipientId=NINGDE_CELLS),
        200,
        ("SAME_ENTERPRISE",),
        "A hand-over passes a battery to another enterprise; your enterprise holds it already.",
        ("input", "recipientId"),
    ),
    Case(
        "hand-over of a battery still in its vehicle",
        lambda w: hand_over(w, w.installed_pack, enterprise=FUZHOU_MOTORS),
        200,
        ("INSTALLED_IN_VEHICLE",),
        "Battery {installed_pack} is installed in a vehicle; its removal must be recorded first "
        "(removeBatteries, by whoever holds the vehicle) before it is handed over.",
        ("input", "codes", "0"),
    ),
    Case(
        "hand-over of 1001 batteries",
        lambda w: hand_over(
            w, *(battery_code("X12", date(2026, 3, 2), serial=9_000_000 + i) for i in range(1001))
        ),
        200,
        ("TOO_MANY_ITEMS",),
        "1,001 items given; at most 1,000 per request. Split the list.",
        ("input", "codes"),
    ),
]

SCRAP_CASES = [
    *same_as_unknown(
        # Only a dismantler takes vehicles in; who asks is answered before what it asks about.
        "automaker scrapping its own vehicle",
        "automaker scrapping an unknown vehicle",
        lambda w, vin: scrap(w, vin, enterprise=FUZHOU_MOTORS),
        "{registered_vin}",
        NEW_VIN,
        ("NOT_A_DISMANTLER",),
        lambda _vin: (
            "Your enterprise is not registered as a scrap-vehicle dismantler, so it "
            "cannot record a vehicle's scrapping."
        ),
        ("input",),
    ),
    # Until a dismantler takes a vehicle in, the vehicle is not its to see: every refusal that
    # depends on the vehicle is one answer about the VIN, which tells it nothing it would not
    # learn by taking the vehicle in.
    *same_as_unknown(
        # Whether a battery is in another vehicle, or on record at all, is not told: the sold
        # vehicle would be taken in today with its own pack, but not with one more.
        "scrapping listing another vehicle's battery",
        "scrapping listing an unknown battery",
        lambda w, code: scrap(w, w.registered_vin, w.installed_pack, code),
        "{dismantled_pack}",
        FREE_PACK,
        ("UNKNOWN_VEHICLE",),
        lambda _code: no_scrap("{registered_vin}"),
        ("input", "vin"),
    ),
    *same_as_unknown(
        # Nor whether the vehicle has an event after that date, or is on record at all.
        "scrapping dated before the vehicle's latest event",
        "scrapping of an unknown vehicle",
        lambda w, vin: scrap(w, vin, scrappedOn=str(w.registered_on - timedelta(days=1))),
        "{registered_vin}",
        NEW_VIN,
        ("UNKNOWN_VEHICLE",),
        no_scrap,
        ("input", "vin"),
    ),
    *same_as_unknown(
        # Nor whether a vehicle never registered, still in its automaker's stock, exists.
        "scrapping of a vehicle never registered",
        "scrapping today of an unknown vehicle",
        lambda w, vin: scrap(w, vin),
        "{unsold_vin}",
        NEW_VIN,
        ("UNKNOWN_VEHICLE",),
        no_scrap,
        ("input", "vin"),
    ),
    Case(
        # The same scrapping sent again is a retry, the same success; this one is dated today.
        "vehicle scrapped again",
        lambda w: scrap(w, w.scrapped_vin),
        200,
        ("ALREADY_SCRAPPED",),
        "Your enterprise recorded vehicle {scrapped_vin} as scrapped on {scrapped_on} already.",
        ("input", "vin"),
    ),
    Case(
        # What does not depend on the vehicle is said first and alone: nothing about this VIN,
        # which names no vehicle, or the battery listed, which is not in one.
        "scrapping dated in the future",
        lambda w: scrap(w, NEW_VIN, FREE_PACK, scrappedOn=str(w.future)),
        200,
        ("FUTURE_DATE",),
        "{future} is after today ({today}, China time)",
        ("input", "scrappedOn"),
    ),
    Case(
        "scrapping of a VIN with a wrong check digit",
        lambda w: scrap(w, BAD_CHECK_DIGIT_VIN, FREE_PACK),
        200,
        ("INVALID_VIN",),
        "position 9 (check digit): found",
        ("input", "vin"),
    ),
    Case(
        "scrapping listing a battery twice",
        lambda w: scrap(w, w.unsold_vin, FREE_PACK, FREE_PACK),
        200,
        ("DUPLICATE",),
        f"Listed more than once: {FREE_PACK}.",
        ("input", "batteryCodes"),
    ),
]

RECODE_CASES = [
    *same_as_unknown(
        "re-code of another enterprise's battery",
        "re-code of an unknown battery",
        lambda w, code: recode(w, code),
        "{installed_pack}",
        FREE_PACK,
        ("UNKNOWN_BATTERY",),
        no_battery,
        ("input", "code"),
    ),
    Case(
        "re-code under another maker's manufacturer code",
        lambda w: recode(w, w.recycled_pack, newCode=second_life(w.today, "X12")),
        200,
        ("MANUFACTURER_CODE_NOT_ASSIGNED",),
        "A second-life code carries the re-coding enterprise's own manufacturer code; X12 "
        "(positions 1-3) is not assigned to yours (assigned: R7G).",
        ("input", "newCode"),
    ),
    Case(
        "second-life code not dated on the re-coding day",
        lambda w: recode(w, w.recycled_pack, newCode=MISDATED_SECOND_LIFE),
        200,
        ("PRODUCTION_DATE_MISMATCH",),
        "A second-life code is dated the day of the re-coding, {today}; "
        f"{MISDATED_SECOND_LIFE} carries 2026-11-02 in its date positions.",
        ("input", "newCode"),
    ),
    Case(
        # The original code carries the original production date, never the re-coding's.
        "re-code as the same code",
        lambda w: recode(w, w.recycled_pack, newCode=w.recycled_pack),
        200,
        ("SAME_CODE", "PRODUCTION_DATE_MISMATCH"),
        "A second-life code must differ from the original.",
        ("input", "newCode"),
    ),
    Case(
        "re-code as a malformed code",
        lambda w: recode(w, w.recycled_pack, newCode="R7GMB01"),
        200,
        ("INVALID_BATTERY_CODE",),
        "the code has 7 characters; a battery code has 24",
        ("input", "newCode"),
    ),
    Case(
        # The dismantler holds the pack, but it is still in the vehicle it took in.
        "re-code of a battery still in its vehicle",
        lambda w: recode(w, w.dismantled_pack, enterprise=HUAMIN_DISMANTLING),
        200,
        ("INSTALLED_IN_VEHICLE", "MANUFACTURER_CODE_NOT_ASSIGNED"),
        "Battery {dismantled_pack} is installed in a vehicle; its removal must be recorded first "
        "(removeBatteries, by whoever holds the vehicle) before it is re-coded.",
        ("input", "code"),
    ),
    Case(
        # Dated on the re-coding day, the second-life code is dated in the future too.
        "re-code dated in the future",
        lambda w: recode(w, w.recycled_pack, recodedOn=str(w.future)),
        200,
        ("FUTURE_DATE", "INVALID_BATTERY_CODE"),
        "{future} is after today ({today}, China time)",
        ("input", "recodedOn"),
    ),
    Case(
        "re-code dated before the battery reached the recycler",
        lambda w: recode(w, w.recycled_pack, recodedOn=str(w.scrapped_on)),
        200,
        ("OUT_OF_ORDER",),
        "is before the battery {recycled_pack}'s latest recorded event",
        ("input", "recodedOn"),
    ),
]

OBLIGATION_CASES = [
    Case(
        "duty fulfilled with an empty id",
        lambda w: fulfil(w, id=""),
        200,
        ("REQUIRED",),
        "Give the obligation id; it is empty.",
        ("input", "id"),
    ),
    Case(
        "duty fulfilled in the future",
        lambda w: fulfil(w, fulfilledOn=str(w.future)),
        200,
        ("FUTURE_DATE",),
        "{future} is after today ({today}, China time).",
        ("input", "fulfilledOn"),
    ),
    Case(
        "duty fulfilled before it arose",
        lambda w: fulfil(w, fulfilledOn=str(w.open_duty_trigger - timedelta(days=1))),
        200,
        ("BEFORE_TRIGGER",),
        "is before the obligation arose ({open_duty_trigger}).",
        ("input", "fulfilledOn"),
    ),
    Case(
        "upload fulfilled without the platform's receipt",
        lambda w: fulfil(w, platformReceipt=None),
        200,
        ("RECEIPT_REQUIRED",),
        "A report to the national platform is fulfilled with the platform's receipt reference",
        ("input", "platformReceipt"),
    ),
    Case(
        "duty fulfilled with a 3,000-character id",
        lambda w: fulfil(w, id="o" * 3000),
        200,
        ("TOO_LONG",),
        "The obligation id is 3,000 characters long; at most 128 are accepted.",
        ("input", "id"),
    ),
    Case(
        "unknown duty",
        lambda w: fulfil(w, id="ob_000000000000000000000000"),
        200,
        ("NOT_FOUND",),
        "There is no obligation ob_000000000000000000000000 of yours.",
        ("input", "id"),
    ),
    Case(
        # Sent again with the same date and receipt, a fulfilment is the same success.
        "duty fulfilled again with another date and receipt",
        lambda w: fulfil(w, id=w.closed_duty),
        200,
        ("CONFLICT",),
        "Obligation {closed_duty} was fulfilled on {closed_on} with receipt {closed_receipt} "
        "already; a recorded fulfilment is not replaced.",
        ("input", "id"),
    ),
    Case(
        "waiver of a fulfilled duty",
        lambda w: mutate(
            "waiveObligation",
            "WaiveObligationInput",
            {"id": w.closed_duty, "reason": "the vehicle was exported before sale"},
        ),
        200,
        ("CONFLICT",),
        "Obligation {closed_duty} was fulfilled on {closed_on} with receipt {closed_receipt} "
        "already; a recorded fulfilment is not replaced.",
        ("input", "id"),
    ),
    Case(
        "another enterprise's duty",
        lambda w: fulfil(w, enterprise=SHENZHEN_EV),
        200,
        ("NOT_FOUND",),
        "There is no obligation {open_duty} of yours.",
        ("input", "id"),
    ),
    Case(
        "waiver with an empty id",
        lambda w: mutate(
            "waiveObligation",
            "WaiveObligationInput",
            {"id": " ", "reason": "the vehicle was exported before sale"},
        ),
        200,
        ("REQUIRED",),
        "Give the obligation id; it is empty.",
        ("input", "id"),
    ),
    Case(
        "waiver without a reason",
        lambda w: mutate(
            "waiveObligation", "WaiveObligationInput", {"id": w.open_duty, "reason": "n/a"}
        ),
        200,
        ("REASON_REQUIRED",),
        "Say why the duty does not apply (at least 10 characters, or 5 Chinese characters)",
        ("input", "reason"),
    ),
]

SERVICE_POINT_CASES = [
    Case(
        "service point updated with an empty id",
        lambda w: service_point(id=""),
        200,
        ("REQUIRED",),
        "Give the service point id (leave it out to create a new point); it is empty.",
        ("input", "id"),
    ),
    Case(
        "service point in an unknown region",
        lambda w: service_point(regionCode="999999"),
        200,
        ("INVALID_REGION",),
        "region code '999999': it is not a division code",
        ("input", "regionCode"),
    ),
    Case(
        "storage point of an automaker",
        lambda w: service_point(pointType="STORAGE"),
        200,
        ("WRONG_POINT_TYPE",),
        "storage points belong to battery makers' take-back networks.",
        ("input", "pointType"),
    ),
    *same_as_unknown(
        "update of another enterprise's service point",
        "update of an unknown service point",
        lambda w, point: service_point(id=point, enterprise=SHENZHEN_EV),
        "{point}",
        "sp_nope",
        ("UNKNOWN_SERVICE_POINT",),
        lambda point: (
            f"Your enterprise operates no service point {point}; leave the id out to create one."
        ),
        ("input", "id"),
    ),
    Case(
        "service point without a name",
        lambda w: service_point(name=" "),
        200,
        ("REQUIRED",),
        "Give the service point's name.",
        ("input", "name"),
    ),
]

PLATFORM_CASES = [
    Case(
        "a Saturday listed as a holiday",
        lambda w: calendar_year(holidays=["2027-01-02"]),
        200,
        ("INVALID_SCHEDULE",),
        "holidays: 2027-01-02 is a Saturday; weekend rest days are implied",
        ("input", "holidays"),
    ),
    Case(
        "another year's day in a year's schedule",
        lambda w: calendar_year(holidays=["2028-01-03"]),
        200,
        ("INVALID_SCHEDULE",),
        "holidays: 2028-01-03 is not in 2027",
        ("input", "holidays"),
    ),
    Case(
        "a weekday listed as a make-up working day",
        lambda w: calendar_year(makeUpWorkdays=["2027-01-04"]),
        200,
        ("INVALID_SCHEDULE",),
        "makeup_workdays: 2027-01-04 is a Monday; a make-up working day must be a Saturday",
        ("input", "makeUpWorkdays"),
    ),
    Case(
        "partner key without a name, with an unknown and a repeated scope",
        lambda w: partner_key(name=" ", scopes=["write", "read", "read"]),
        200,
        ("UNKNOWN_SCOPE", "REQUIRED", "DUPLICATE"),
        "'write' is not a partner scope; use read, events:write, obligations:write.",
        ("input", "scopes", "0"),
    ),
    Case(
        "partner key with a name over 100 characters",
        lambda w: partner_key(name="M" * 101),
        200,
        ("TOO_LONG",),
        "The name has 101 characters; at most 100 are accepted.",
        ("input", "name"),
    ),
    Case(
        "partner key for another enterprise",
        lambda w: partner_key(enterpriseId=SHENZHEN_EV),
        200,
        ("NOT_FOUND",),
        "There is no enterprise {other_automaker} whose keys you manage.",
        ("input", "enterpriseId"),
    ),
    Case(
        "revocation of an unknown partner key",
        lambda w: mutate("revokePartnerKey", "RevokePartnerKeyInput", {"id": "pk_nope"}),
        200,
        ("NOT_FOUND",),
        "There is no partner key pk_nope whose enterprise you manage.",
        ("input", "id"),
    ),
]

CASES = [
    *PROTOCOL_CASES,
    *ENTERPRISE_CASES,
    *BATTERY_CASES,
    *MODEL_CASES,
    *CERTIFICATE_CASES,
    *REGISTRATION_CASES,
    *BATTERY_EVENT_CASES,
    *SUPPLY_CASES,
    *INSTALLATION_CASES,
    *REMOVAL_CASES,
    *TAKE_BACK_CASES,
    *SCRAP_CASES,
    *RECODE_CASES,
    *OBLIGATION_CASES,
    *SERVICE_POINT_CASES,
    *PLATFORM_CASES,
]
HTTP_CASES = [case for case in CASES if not case.production]


def placeholders(world: World) -> dict[str, Any]:
    return {
        **asdict(world),
        # The API says today's date as it answers: midnight (China time) may have passed since
        # the world was found (the future stays 30 days ahead).
        "today": datetime.now(CHINA_TZ).date(),
        "automaker": FUZHOU_MOTORS,
        "other_automaker": SHENZHEN_EV,
        "battery_maker": NINGDE_CELLS,
        "other_maker": SHANGHAI_POWER,
        "recycler": GANZHOU_RECYCLING,
        "dismantler": HUAMIN_DISMANTLING,
    }


def refusals(body: Any) -> list[Refusal]:
    """Top-level errors when there are any; else every mutation payload's userErrors."""
    if not isinstance(body, dict):
        return []
    if body.get("errors"):
        return [
            Refusal((e.get("extensions") or {}).get("code"), str(e.get("message")), None)
            for e in body["errors"]
        ]
    found = []
    for payload in (body.get("data") or {}).values():
        for error in (payload or {}).get("userErrors") or []:
            found.append(Refusal(error["code"], error["message"], tuple(error["field"])))
    return found


def assert_refused_as_catalogued(case: Case, world: World, status: int, body: Any) -> None:
    assert status == case.status, f"{case.name}: HTTP {status}: {body}"
    found = refusals(body)
    assert sorted(str(r.code) for r in found) == sorted(case.codes), f"{case.name}: {body}"
    fragment = case.fragment.format(**placeholders(world))
    own = [r for r in found if r.code == case.codes[0]]
    assert any(fragment in r.message for r in own), f"{fragment!r} not in {own}"
    if case.field is not None:
        assert case.field in [r.field for r in own], own


# --- the two paths --------------------------------------------------------------------------

Snapshot = dict[str, list[Any]]
Send = Callable[[Request], tuple[int, Any]]


class Tables:
    """What the tables hold (``read``), before and after each case.

    ``before()`` is what ``after()`` read for the previous case, or a fresh read; it is
    forgotten as soon as it is handed out, so a request that fails half-way leaves no stale
    "before" for the next case.
    """

    def __init__(self, read: Callable[[], Snapshot]) -> None:
        self._read = read
        self._last: Snapshot | None = None

    def before(self) -> Snapshot:
        snapshot = self._last if self._last is not None else self._read()
        self._last = None
        return snapshot

    def after(self) -> Snapshot:
        self._last = self._read()
        return self._last

    def forget(self) -> None:
        self._last = None


def stack_digests(session: requests.Session, base_url: str) -> Snapshot:
    """The stack's digest of every table: its item count and a hash of every item."""
    response = session.post(f"{base_url}/_local/tables", timeout=HTTP_TIMEOUT_SECONDS)
    assert response.status_code == 200, response.text
    return {name: [t["items"], t["sha256"]] for name, t in response.json()["tables"].items()}


@dataclass(frozen=True)
class Path:
    world: World
    tables: Tables  # what every case compares before and after
    send: Send


def send_in_process(request: Request) -> tuple[int, Any]:
    """Through functions.api.handler with a payload 2.0 event, as API Gateway calls it."""
    event = api_event(
        method=request.method,
        body=request.body,
        content_type=request.content_type,
        raw_query=request.query_string,
        auth=bearer_header(request.role, request.enterprise),
    )
    return invoke(event)


def send_over_http(session: requests.Session, base_url: str, request: Request) -> tuple[int, Any]:
    """To the local stack's gateway over loopback, with a dev token as a frontend sends it."""
    headers = {
        "Authorization": f"Bearer {mint_token(request.role, request.enterprise)}",
        "Accept-Language": "en",  # the catalogued fragments are the English messages
    }
    url = f"{base_url}/graphql"
    if request.method == "GET":
        response = session.get(
            f"{url}?{request.query_string}", headers=headers, timeout=HTTP_TIMEOUT_SECONDS
        )
    else:
        headers["Content-Type"] = request.content_type
        response = session.request(
            request.method, url, data=request.body, headers=headers, timeout=HTTP_TIMEOUT_SECONDS
        )
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def _first(found: Iterator[Any], what: str) -> Any:
    item = next(found, None)
    assert item is not None, f"the world has no {what}"
    return item


def _data(send: Send, request: Request) -> Any:
    status, body = send(request)
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"]


def _uploads(send: Send, automaker: str) -> list[Any]:
    """`automaker`'s production uploads, with their vehicles, as it sees them."""
    edges = _data(send, post(WORLD, enterprise=automaker))["obligations"]["edges"]
    return [edge["node"] for edge in edges]


def _vehicles(duties: list[Any]) -> list[Any]:
    return list({d["vehicle"]["vin"]: d["vehicle"] for d in duties if d["vehicle"]}.values())


def _battery(send: Send, code: str, enterprise: str) -> Any:
    """Battery `code` as `enterprise` sees it (None if it cannot), with its holder and history."""
    return _data(send, post(BATTERY, {"code": code}, enterprise=enterprise))["battery"]


def _held(battery: Any, status: str, enterprise: str) -> bool:
    return (
        battery is not None
        and battery["status"] == status
        and (battery["custodian"] or {}).get("id") == enterprise
    )


def discover(send: Send) -> World:
    """The world the cases refer to, read through the API as the enterprises it belongs to.

    Only lists are read whole; a battery's or a scrapped vehicle's history is read for the few
    candidates it takes (over HTTP, every history read is a query of moto's)."""
    duties = _uploads(send, FUZHOU_MOTORS)
    vehicles = _vehicles(duties)
    registered = _first(
        (
            v
            for v in vehicles
            if v["registeredOn"] is not None
            and v["registeredOn"] > v["certifiedOn"]
            # Both packs it was certified with are still in it, each produced before the
            # certificate and left alone since (the demo repairs a few packs and retires a
            # few): a battery going in or out would be its latest event, after its registration.
            and len(v["batteries"]) == 2
            and all(
                b["producedOn"] < v["certifiedOn"]
                and _battery(send, b["code"], FUZHOU_MOTORS)["events"][-1]["occurredOn"]
                == v["certifiedOn"]
                for b in v["batteries"]
            )
        ),
        "vehicle registered after its certificate, last changed by its registration, with "
        "both its packs produced before the certificate and left alone since",
    )
    pack = registered["batteries"][0]
    unsold = _first((v for v in vehicles if v["registeredOn"] is None), "unsold vehicle")
    open_duty = _first(
        (d for d in duties if d["status"] in ("OPEN", "OVERDUE")), "production upload owed"
    )
    closed_duty = _first(
        (d for d in duties if d["status"] in ("FULFILLED", "FULFILLED_LATE")),
        "production upload fulfilled",
    )
    stock = _first(
        (
            code
            for code in STOCK_CANDIDATES
            if _held(_battery(send, code, NINGDE_CELLS), "REGISTERED", NINGDE_CELLS)
        ),
        "pack in Ningde's stock",
    )
    coverage = _data(send, post(POINTS))["serviceCoverage"]["regions"]
    point = _first(
        (p for r in coverage for p in r["servicePoints"] if p["active"]),
        "active service point of Fuzhou's",
    )
    # A scrapped vehicle as the dismantler that took it in sees it: its scrapping's packs are
    # shown only to the dismantler that reported it (and regulators).
    scrapped = [
        (
            v,
            _data(send, post(SCRAPPED, {"vin": v["vin"]}, enterprise=HUAMIN_DISMANTLING))[
                "vehicle"
            ],
        )
        for v in _vehicles(_uploads(send, SHENZHEN_EV))
        if v["scrappedOn"] is not None
    ]
    scrapped_vehicle, dismantled = _first(
        (
            (v, b)
            for v, history in scrapped
            for b in history["batteries"]
            if (b["custodian"] or {}).get("id") == HUAMIN_DISMANTLING
        ),
        "scrapped vehicle with a pack the dismantler holds",
    )
    recycled = _first(
        (
            code
            for _, history in scrapped
            for event in history["events"]  # the scrapping lists the packs that came with it
            for code in event["batteryCodes"]
            if _held(_battery(send, code, GANZHOU_RECYCLING), "HANDED_OVER", GANZHOU_RECYCLING)
        ),
        "pack of a scrapped vehicle handed to the recycler",
    )
    disposed = _battery(send, DISPOSED_SPARE, NINGDE_CELLS)
    assert _held(disposed, "DISPOSED", NINGDE_CELLS), f"{DISPOSED_SPARE} is not disposed of"
    return World(
        today=TODAY,
        future=FUTURE,
        registered_vin=registered["vin"],
        certified_on=date.fromisoformat(registered["certifiedOn"]),
        registered_on=date.fromisoformat(registered["registeredOn"]),
        installed_pack=pack["code"],
        pack_produced_on=date.fromisoformat(pack["producedOn"]),
        unsold_vin=unsold["vin"],
        unsold_certified_on=date.fromisoformat(unsold["certifiedOn"]),
        open_duty=open_duty["id"],
        open_duty_trigger=date.fromisoformat(open_duty["triggerDate"]),
        closed_duty=closed_duty["id"],
        closed_on=date.fromisoformat(closed_duty["fulfilledOn"]),
        closed_receipt=closed_duty["platformReceipt"],
        stock_pack=stock,
        point=point["id"],
        scrapped_vin=scrapped_vehicle["vin"],
        scrapped_on=date.fromisoformat(scrapped_vehicle["scrappedOn"]),
        dismantled_pack=dismantled["code"],
        recycled_pack=recycled,
        disposed_pack=DISPOSED_SPARE,
        disposed_on=date.fromisoformat(disposed["events"][-1]["occurredOn"]),
    )


def _seed() -> None:
    """Given the demo enterprises and, as in the demo: FZ7001BEV and EQ5-IMPORT; two Fuzhou
    vehicles with packs Ningde supplied to it (one registered, its production upload fulfilled;
    one unsold); a pack in Ningde's stock and one it disposed of from production; Fuzhou's
    collection point in Gulou; and a Shenzhen vehicle with Shanghai Power's packs, registered
    (a dismantler takes in only a sold vehicle), that the dismantler took in, took one pack out
    of and handed it to the recycler."""
    for enterprise in ENTERPRISES:
        extra = {k: v for k, v in enterprise.items() if k not in ("id", "name", "kinds")}
        onboard(enterprise["id"], enterprise["name"], enterprise["kinds"], **extra)
    fuzhou, shenzhen, ningde, shanghai, huamin = (
        bearer_header("ENTERPRISE_ADMIN", e)
        for e in (FUZHOU_MOTORS, SHENZHEN_EV, NINGDE_CELLS, SHANGHAI_POWER, HUAMIN_DISMANTLING)
    )
    packs = [battery_code("X12", date(2026, 9, 1), serial=n) for n in (1, 2, 3)]
    imported = [battery_code("03U", date(2026, 9, 1), serial=n) for n in (1, 2)]
    steps: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "upsertServicePoint",
            "ServicePointInput",
            {"name": "福州鼓楼回收服务网点", "pointType": "COLLECTION", "regionCode": "350102"},
            fuzhou,
        ),
        (
            "announceModel",
            "AnnounceModelInput",
            {"model": MODEL, "announcedOn": "2026-03-10"},
            fuzhou,
        ),
        (
            "announceModel",
            "AnnounceModelInput",
            {"model": IMPORTED_MODEL, "announcedOn": "2026-08-20", "imported": True},
            shenzhen,
        ),
        (
            "registerBatteries",
            "RegisterBatteriesInput",
            {"batteries": [{"code": c} for c in [*packs, STOCK_CANDIDATES[0], DISPOSED_SPARE]]},
            ningde,
        ),
        (
            "disposeBatteries",
            "DisposeBatteriesInput",
            {"codes": [DISPOSED_SPARE], "disposedOn": str(DISPOSED_ON), "origin": "PRODUCTION"},
            ningde,
        ),
        (
            "supplyBatteries",
            "SupplyBatteriesInput",
            {"codes": packs, "automakerId": FUZHOU_MOTORS, "suppliedOn": "2026-09-02"},
            ningde,
        ),
        (
            "issueFactoryCertificate",
            "IssueFactoryCertificateInput",
            {"vin": vin(1), "model": MODEL, "issuedOn": "2026-09-10", "batteryCodes": packs[:2]},
            fuzhou,
        ),
        (
            "issueFactoryCertificate",
            "IssueFactoryCertificateInput",
            {"vin": vin(2), "model": MODEL, "issuedOn": "2026-09-14", "batteryCodes": packs[2:]},
            fuzhou,
        ),
        (
            "registerVehicle",
            "RegisterVehicleInput",
            {"vin": vin(1), "registeredOn": "2026-09-20", "regionCode": "350102"},
            fuzhou,
        ),
        (
            "registerBatteries",
            "RegisterBatteriesInput",
            {"batteries": [{"code": c} for c in imported]},
            shanghai,
        ),
        (
            "supplyBatteries",
            "SupplyBatteriesInput",
            {"codes": imported, "automakerId": SHENZHEN_EV, "suppliedOn": "2026-09-02"},
            shanghai,
        ),
        (
            "clearCustoms",
            "ClearCustomsInput",
            {
                "vin": vin(3),
                "model": IMPORTED_MODEL,
                "clearedOn": "2026-09-10",
                "batteryCodes": imported,
            },
            shenzhen,
        ),
        (
            "registerVehicle",
            "RegisterVehicleInput",
            {"vin": vin(3), "registeredOn": "2026-09-20", "regionCode": "440305"},
            shenzhen,
        ),
        (
            "scrapVehicle",
            "ScrapVehicleInput",
            {"vin": vin(3), "scrappedOn": "2026-11-10", "batteryCodes": imported},
            huamin,
        ),
        (
            "removeBatteries",
            "RemoveBatteriesInput",
            {
                "vin": vin(3),
                "codes": imported[:1],
                "removedOn": "2026-11-12",
                "reason": "SCRAPPING",
            },
            huamin,
        ),
        (
            "handOverBatteries",
            "HandOverBatteriesInput",
            {
                "codes": imported[:1],
                "handedOverOn": "2026-11-13",
                "recipientId": GANZHOU_RECYCLING,
            },
            huamin,
        ),
    ]
    for name, input_type, input, auth in steps:
        document = (
            f"mutation Seed($input: {input_type}!) {{ {name}(input: $input) "
            "{ obligations { id } userErrors { field code message } } }"
        )
        payload = gql(document, {"input": input}, auth=auth)["data"][name]
        assert payload["userErrors"] == [], payload
    upload = next(
        o
        for o in gql(WORLD_UPLOADS, auth=fuzhou)["data"]["obligations"]["edges"]
        if o["node"]["subjectId"] == vin(1)
    )
    fulfilled = gql(
        "mutation ($input: FulfillObligationInput!) "
        "{ fulfillObligation(input: $input) { userErrors { code message } } }",
        {
            "input": {
                "id": upload["node"]["id"],
                "fulfilledOn": "2026-09-18",
                "platformReceipt": "NEV-1",
            }
        },
        auth=fuzhou,
    )
    assert fulfilled["data"]["fulfillObligation"]["userErrors"] == [], fulfilled


def production_settings() -> Settings:
    """The settings STAGE=prod gives (graph/settings.py): no GraphiQL, no introspection."""
    return replace(settings_from_environment(), stage="prod", graphiql=False, introspection=False)


def dynamodb_of(stack: LocalStack) -> tuple[str, str]:
    """The stack's DynamoDB endpoint and region, from the line it prints at start."""
    match = re.search(
        r"^moto\s+\S+\s+\(region (\S+); DynamoDB at (\S+)\)", stack.output.text(), re.MULTILINE
    )
    assert match, f"no moto line in the stack's output:\n{stack.output.text()}"
    return match[2], match[1]


@pytest.fixture(scope="module")
def in_process() -> Iterator[Path]:
    """Given one moto for the module, seeded once, and the Lambda handler called in-process."""
    with local_aws() as client:
        _seed()
        whole = partial(table_snapshot, client)
        yield Path(world=discover(send_in_process), tables=Tables(whole), send=send_in_process)


@dataclass(frozen=True)
class Stack:
    path: Path  # whose tables are the stack's digests of each table
    whole: Callable[[], Snapshot]  # every item of every table
    at_start: Snapshot  # what ``whole`` read before the first case
    cases_sent: list[str] = field(default_factory=list)  # names, in the order sent


@pytest.fixture(scope="module")
def over_http(local_stack: LocalStack) -> Iterator[Stack]:
    """Given the session's local stack with its demo data, and its DynamoDB read directly."""
    endpoint, region = dynamodb_of(local_stack)
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    whole = partial(table_snapshot, client)
    with requests.Session() as session:
        send = partial(send_over_http, session, local_stack.url)
        digests = partial(stack_digests, session, local_stack.url)
        path = Path(world=discover(send), tables=Tables(digests), send=send)
        yield Stack(path=path, whole=whole, at_start=whole())
    client.close()


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_bad_input_to_the_handler_is_refused_with_its_code_and_reason_and_changes_no_table(
    case: Case, in_process: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the seeded world, every item of every table, and the stage the case is sent to,
    before = in_process.tables.before()
    if case.production:
        settings = production_settings()
        monkeypatch.setattr(functions.api, "settings_from_environment", lambda: settings)
    # When the bad request reaches functions.api.handler,
    status, body = in_process.send(case.request(in_process.world))
    after = in_process.tables.after()
    # Then it is refused with the catalogued status, code, field and message,
    assert_refused_as_catalogued(case, in_process.world, status, body)
    # And not one item of any table changed.
    assert after == before


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in HTTP_CASES])
def test_bad_input_over_http_is_refused_with_its_code_and_reason_and_changes_no_table(
    case: Case, over_http: Stack
) -> None:
    http = over_http.path
    # Given the stack's demo data and its digest of every table,
    before = http.tables.before()
    # When the bad request goes through the gateway over loopback HTTP,
    status, body = http.send(case.request(http.world))
    over_http.cases_sent.append(case.name)
    after = http.tables.after()
    # Then it is refused with the catalogued status, code, field and message,
    assert_refused_as_catalogued(case, http.world, status, body)
    # And not one item of any table changed.
    assert after == before


def test_the_local_stack_is_a_dev_stage_that_answers_introspection(over_http: Stack) -> None:
    # Given the local stack, which runs STAGE=dev (introspection on, as the README documents;
    # the production refusal is the in-process case "introspection with production settings"),
    # When a client asks for the schema,
    status, body = over_http.path.send(post(INTROSPECTION))
    over_http.path.tables.forget()  # sent outside the before/after chain of the cases
    # Then it is answered.
    assert status == 200, body
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert "errors" not in body


def test_after_every_bad_request_over_http_the_stack_tables_are_as_they_were(
    over_http: Stack,
) -> None:
    # Given every item of every table of the stack, read before the first case over HTTP,
    # When the cases above have all been sent (pytest runs this module's tests in order),
    assert over_http.cases_sent == [case.name for case in HTTP_CASES]
    # Then every item of every table is as it was, attribute for attribute.
    now = over_http.whole()
    changed = {
        name: sorted(set(items) ^ set(over_http.at_start.get(name, [])))
        for name, items in now.items()
        if items != over_http.at_start.get(name)
    }
    assert changed == {}
    assert now == over_http.at_start
