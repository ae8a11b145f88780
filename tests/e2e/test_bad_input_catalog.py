"""The bad-input catalog: every way we know a request can be wrong, each sent twice, once to
``functions.api.handler`` in-process (moto) and once to the local stack over loopback HTTP.

This module owns the promise made to a client that sends something wrong: the request is
refused with the catalogued HTTP status, a stable error code and a message that says what is
wrong, where and why, and not one item of any table changes. Protocol errors (the request is not
a GraphQL request we serve) are 4xx with ``errors[].extensions.code``; authorization and
argument errors are top-level ``errors`` with a code; domain refusals are HTTP 200 with
``userErrors`` (field path, code, message).

Both paths share one table of cases (``CASES``) and one shape of world: the demo enterprises of
``local/demo.py``, model FZ7001BEV, a registered vehicle with an installed pack, an unsold vehicle,
an open and a fulfilled duty. Over HTTP that world is the stack's demo data; in-process it is
seeded once per module. Either way it is found through the API itself (``discover``), so a case
refers to it by role (``{installed_pack}``), never by a value one path alone has.

In-process, every table is read whole (``table_snapshot``) before and after every case. Over
HTTP a whole read of the stack's demo data (about 1,600 items) takes 2.5-4 s, as moto spends
1.5-2.5 ms serializing each scanned item, and every scan it serves makes the stack slower to
stop. So over HTTP every case compares the stack's digest of every table before and after
(``POST /_local/tables``, local/table_digests.py: each table's items hashed inside the stack's
process, in milliseconds), which changes when any attribute of any item does. Independently of
that digest, every item of every table is read through DynamoDB's API before the first case and
compared after the last one
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
from local.demo import ENTERPRISES, FUZHOU_MOTORS, NINGDE_CELLS, SHANGHAI_POWER, SHENZHEN_EV
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
BAD_USCC = FUZHOU_MOTORS[:-1] + ("4" if FUZHOU_MOTORS[-1] != "4" else "5")

ANNOUNCE_WOULD_WRITE = """mutation { announceModel(input: {model: "FZ9001BEV",
  announcedOn: "2026-01-05"}) { model { code } userErrors { code } } }"""
INTROSPECTION = "{ __schema { queryType { name } } }"
WORLD = """query World {
  obligations(first: 200, filter: {ruleId: ["PRODUCTION_TRACE_UPLOAD"]}) {
    edges { node { id status triggerDate
      vehicle { vin certifiedOn registeredOn batteries { code producedOn } } } }
  }
}"""
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
    registered_vin: str
    certified_on: date
    registered_on: date
    installed_pack: str  # installed in the registered vehicle
    pack_produced_on: date
    unsold_vin: str
    unsold_certified_on: date
    open_duty: str  # a production upload still owed
    open_duty_trigger: date
    closed_duty: str  # a production upload fulfilled


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


def service_point(**changes: Any) -> Request:
    input = {"name": "Gulou collection point", "pointType": "COLLECTION", "regionCode": "350102"}
    return mutate("upsertServicePoint", "ServicePointInput", input | changes)


def partner_key(**changes: Any) -> Request:
    input = {"enterpriseId": FUZHOU_MOTORS, "name": "Fuzhou MES", "scopes": ["read"]}
    return mutate("createPartnerKey", "CreatePartnerKeyInput", input | changes)


def calendar_year(**changes: Any) -> Request:
    input = {"year": 2027, "holidays": [], "makeUpWorkdays": [], "source": "State Council"}
    return as_platform("loadCalendarYear", "LoadCalendarYearInput", input | changes)


def pack_in_future(w: World) -> str:
    return battery_code("X12", w.today + timedelta(days=40), serial=9_999_998)


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
        "enterprise onboarded twice",
        lambda w: new_enterprise(id=FUZHOU_MOTORS, kinds=["AUTOMAKER"]),
        200,
        ("ALREADY_REGISTERED",),
        "Enterprise {automaker} or one of its manufacturer codes is registered already.",
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
    Case(
        "battery code with another maker's manufacturer code",
        lambda w: register_batteries({"code": OTHER_MAKERS_PACK}),
        200,
        ("MANUFACTURER_CODE_NOT_ASSIGNED",),
        "Manufacturer code 03U (positions 1-3) is not assigned to enterprise {battery_maker}",
        ("input", "batteries", "0", "code"),
    ),
    Case(
        "battery registered twice",
        lambda w: register_batteries({"code": w.installed_pack}),
        200,
        ("ALREADY_REGISTERED",),
        "Battery {installed_pack} was already registered on {pack_produced_on}.",
        ("input", "batteries", "0", "code"),
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
        "battery registered before its encoded production date",
        lambda w: register_batteries({"code": FREE_PACK, "producedOn": "2026-03-01"}),
        200,
        ("BEFORE_PRODUCTION",),
        "Registration on 2026-03-01 is before the production date 2026-03-02 encoded in "
        "positions 15-17.",
        ("input", "batteries", "0", "producedOn"),
    ),
    Case(
        "battery produced in the future",
        lambda w: register_batteries({"code": FREE_PACK, "producedOn": str(w.future)}),
        200,
        ("FUTURE_DATE",),
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
        "1001 items given; at most 1000 per request. Split the list.",
        ("input", "batteries"),
    ),
    Case(
        "no batteries",
        lambda w: register_batteries(),
        200,
        ("EMPTY",),
        "Give at least one item in batteries.",
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
        # The enterprise is at fault, not a code: one error about the whole input, however
        # many batteries the list holds; each code still gets its own.
        "automaker registering batteries",
        lambda w: register_batteries(
            {"code": FREE_PACK}, {"code": OTHER_MAKERS_PACK}, enterprise=FUZHOU_MOTORS
        ),
        200,
        (
            "NOT_A_BATTERY_MAKER",
            "MANUFACTURER_CODE_NOT_ASSIGNED",
            "MANUFACTURER_CODE_NOT_ASSIGNED",
        ),
        "Enterprise {automaker} is not registered as a battery maker.",
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
        f"Model {MODEL} was already announced or certified on {MODEL_ANNOUNCED}.",
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
        "Enterprise {battery_maker} is not registered as an automaker or importer, so it cannot "
        "announce or certify vehicle models.",
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
        ("NOT_AN_AUTOMAKER", "NOT_OWNER", "UNKNOWN_BATTERY"),
        "Enterprise {battery_maker} is not registered as an automaker or importer.",
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
        "Battery {installed_pack} is installed in vehicle {registered_vin}; record its removal "
        "before installing it elsewhere.",
        ("input", "batteryCodes", "0"),
    ),
    Case(
        "model with no announcement",
        lambda w: certify(w, model="FZ0000NOPE"),
        200,
        ("UNKNOWN_MODEL", "UNKNOWN_BATTERY"),
        "Model FZ0000NOPE has no MIIT announcement on record; record it before its vehicles.",
        ("input", "model"),
    ),
    Case(
        "another automaker's imported model",
        lambda w: certify(w, model=IMPORTED_MODEL),
        200,
        ("NOT_OWNER", "WRONG_MODEL_ORIGIN", "UNKNOWN_BATTERY"),
        f"Model {IMPORTED_MODEL} belongs to enterprise {{other_automaker}}; only it can report "
        "this.",
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
        "Vehicle {registered_vin} already has a certificate or customs clearance dated "
        "{certified_on}.",
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
        "({registered_on}); events must be reported in the order they happened.",
        ("input", "registeredOn"),
    ),
    Case(
        "another automaker's vehicle",
        lambda w: register_vehicle(w, enterprise=SHENZHEN_EV),
        200,
        ("NOT_OWNER",),
        "Vehicle {unsold_vin} belongs to enterprise {automaker}; only it can report this.",
        ("input", "vin"),
    ),
    Case(
        "vehicle never certified",
        lambda w: register_vehicle(w, vin=NEW_VIN),
        200,
        ("NOT_CERTIFIED",),
        f"Vehicle {NEW_VIN} has no factory certificate or customs clearance on record; a vehicle "
        "cannot be registered before it is certified.",
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
        "direct sale of an installed battery to an unknown province",
        lambda w: as_maker(
            "sellBatteryDirectly",
            "SellBatteryDirectlyInput",
            {
                "code": w.installed_pack,
                "soldOn": str(w.today),
                "buyer": "Fuzhou Swap Stations",
                "provinceCode": "990000",
            },
        ),
        200,
        ("INVALID_REGION", "INSTALLED_IN_VEHICLE"),
        "region code '990000': it is not a division code",
        ("input", "provinceCode"),
    ),
    Case(
        "direct sale by a maker that did not make the battery",
        lambda w: mutate(
            "sellBatteryDirectly",
            "SellBatteryDirectlyInput",
            {
                "code": w.installed_pack,
                "soldOn": str(w.today),
                "buyer": "Fuzhou Swap Stations",
                "provinceCode": "350000",
            },
            enterprise=SHANGHAI_POWER,
        ),
        200,
        ("NOT_MANUFACTURER", "INSTALLED_IN_VEHICLE"),
        "Only the battery's manufacturer ({battery_maker}) can report this event.",
        ("input", "code"),
    ),
    Case(
        "repair return of a battery nobody registered",
        lambda w: as_maker(
            "receiveRepairReturn",
            "ReceiveRepairReturnInput",
            {"code": FREE_PACK, "receivedOn": str(w.today)},
        ),
        200,
        ("UNKNOWN_BATTERY",),
        f"Battery {FREE_PACK} is not registered; its maker must register it before anything "
        "else can happen to it.",
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
        "Batteries of origin REPAIR can only be disposed of by the battery's manufacturer.",
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
        "1001 items given; at most 1000 per request. Split the list.",
        ("input", "codes"),
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
        "duty fulfilled twice",
        lambda w: fulfil(w, id=w.closed_duty),
        200,
        ("ALREADY_CLOSED",),
        "Obligation {closed_duty} is already fulfilled",
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
        "Say why the duty does not apply (at least 10 characters)",
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
    Case(
        "update of an unknown service point",
        lambda w: service_point(id="sp_nope"),
        200,
        ("NOT_FOUND",),
        "There is no service point sp_nope of yours.",
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
    *OBLIGATION_CASES,
    *SERVICE_POINT_CASES,
    *PLATFORM_CASES,
]
HTTP_CASES = [case for case in CASES if not case.production]


def placeholders(world: World) -> dict[str, Any]:
    return {
        **asdict(world),
        "automaker": FUZHOU_MOTORS,
        "other_automaker": SHENZHEN_EV,
        "battery_maker": NINGDE_CELLS,
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
    headers = {"Authorization": f"Bearer {mint_token(request.role, request.enterprise)}"}
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


def discover(send: Send) -> World:
    """The world the cases refer to, read through the API as the automaker."""
    status, body = send(post(WORLD))
    assert status == 200, body
    assert "errors" not in body, body
    duties = [edge["node"] for edge in body["data"]["obligations"]["edges"]]
    vehicles = {d["vehicle"]["vin"]: d["vehicle"] for d in duties if d["vehicle"]}.values()
    registered, pack = _first(
        (
            (v, b)
            for v in vehicles
            if v["registeredOn"] is not None and v["registeredOn"] > v["certifiedOn"]
            for b in v["batteries"]
            if b["producedOn"] < v["certifiedOn"]
        ),
        "vehicle registered after its certificate, with a pack produced before it",
    )
    unsold = _first((v for v in vehicles if v["registeredOn"] is None), "unsold vehicle")
    open_duty = _first(
        (d for d in duties if d["status"] in ("OPEN", "OVERDUE")), "production upload owed"
    )
    closed_duty = _first(
        (d for d in duties if d["status"] in ("FULFILLED", "FULFILLED_LATE")),
        "production upload fulfilled",
    )
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
    )


def _seed() -> None:
    """Given the demo enterprises, FZ7001BEV and EQ5-IMPORT, two Fuzhou vehicles with Ningde
    packs (one registered, its production upload fulfilled; one unsold)."""
    for enterprise in ENTERPRISES:
        extra = {k: v for k, v in enterprise.items() if k not in ("id", "name", "kinds")}
        onboard(enterprise["id"], enterprise["name"], enterprise["kinds"], **extra)
    automaker = bearer_header("ENTERPRISE_ADMIN", FUZHOU_MOTORS)
    packs = [battery_code("X12", date(2026, 9, 1), serial=n) for n in (1, 2, 3)]
    steps: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "announceModel",
            "AnnounceModelInput",
            {"model": MODEL, "announcedOn": "2026-03-10"},
            automaker,
        ),
        (
            "announceModel",
            "AnnounceModelInput",
            {"model": IMPORTED_MODEL, "announcedOn": "2026-08-20", "imported": True},
            bearer_header("ENTERPRISE_ADMIN", SHENZHEN_EV),
        ),
        (
            "registerBatteries",
            "RegisterBatteriesInput",
            {"batteries": [{"code": c, "producedOn": "2026-09-01"} for c in packs]},
            bearer_header("ENTERPRISE_ADMIN", NINGDE_CELLS),
        ),
        (
            "issueFactoryCertificate",
            "IssueFactoryCertificateInput",
            {"vin": vin(1), "model": MODEL, "issuedOn": "2026-09-10", "batteryCodes": packs[:2]},
            automaker,
        ),
        (
            "issueFactoryCertificate",
            "IssueFactoryCertificateInput",
            {"vin": vin(2), "model": MODEL, "issuedOn": "2026-09-14", "batteryCodes": packs[2:]},
            automaker,
        ),
        (
            "registerVehicle",
            "RegisterVehicleInput",
            {"vin": vin(1), "registeredOn": "2026-09-20", "regionCode": "350102"},
            automaker,
        ),
    ]
    for name, input_type, input, auth in steps:
        document = (
            f"mutation Seed($input: {input_type}!) {{ {name}(input: $input) "
            "{ obligations { id ruleId subjectId } userErrors { field code message } } }"
        )
        payload = gql(document, {"input": input}, auth=auth)["data"][name]
        assert payload["userErrors"] == [], payload
    upload = next(
        o
        for o in gql(WORLD_UPLOADS, auth=automaker)["data"]["obligations"]["edges"]
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
        auth=automaker,
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
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


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
