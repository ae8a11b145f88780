"""Queries and mutations generated from the schema, sent through the API Lambda as several
principals against a small seeded world: whatever the document, the answer is data or a coded
client error, never a 500 and never INTERNAL (an unhandled exception).

hypothesis-graphql builds the documents from graph/schema.graphql, about one in four with one
schema violation (a wrong type, a missing argument, an unknown enum value); strings, IDs and
dates are drawn partly from the seeded world (so mutations reach past the first lookup) and partly
at random, dates including impossible ones. Half the documents carry their root arguments inline,
half as variables, since literals and variables are checked by different code. A document that
fails validation must get 400; any other answer must be 200 with data (possibly null).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import boto3
import graphql
import pytest
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from compliance.codes import production_date_code
from graph.schema import SDL_PATH
from local.aws import local_aws
from local.buckets import create_buckets
from local.calls import api_event, bearer_header, invoke
from local.queues import create_queues
from tests.api import gql, onboard
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, vin

SDL = SDL_PATH.read_text(encoding="utf-8")
SCHEMA = graphql.build_schema(SDL)

# Every code an error may carry (graph/errors.py, graph/http.py): anything else, INTERNAL above
# all, means an exception nobody handled.
CLIENT_ERROR_CODES = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "BAD_USER_INPUT",
        "SERVICE_UNAVAILABLE",
        "GRAPHQL_VALIDATION_FAILED",
        "GRAPHQL_PARSE_FAILED",
        "BAD_REQUEST",
        "NOT_FOUND",
        "METHOD_NOT_ALLOWED",
        "PAYLOAD_TOO_LARGE",
        "UNSUPPORTED_MEDIA_TYPE",
        "QUERY_TOO_LARGE",
        "QUERY_TOO_COSTLY",
        "CURSOR_EXPIRED",
    }
)
# The codes a 400 may carry: the document was never run because it is not a valid document, or
# is larger or costlier than the API runs.
REJECTED_DOCUMENT_CODES = frozenset(
    {"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "QUERY_TOO_LARGE", "QUERY_TOO_COSTLY"}
)

ADMIN = bearer_header("PLATFORM_ADMIN")
MAKER = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)
AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
PARTNER_SCOPES = ["read", "events:write", "obligations:write"]
# Who sends the generated operations: each fuzz test runs once per principal.
PRINCIPALS: Mapping[str, str | None] = {
    "platform-admin": ADMIN,
    "regulator": bearer_header("REGULATOR"),
    "automaker-admin": AUTO,
    "automaker-partner": bearer_header("PARTNER", AUTOMAKER_ID, scopes=PARTNER_SCOPES),
    "no-token": None,
}
EXAMPLES_PER_PRINCIPAL = 30  # x 5 principals x (queries, mutations) = 300 operations

MODEL = "FZ7001BEV"
VIN = vin(1)
SEEDED_ON = date(2026, 3, 2)


def battery_code(serial: int, maker: str = "X12", kind: str = "P") -> str:
    return f"{maker}{kind}B010000001{production_date_code(SEEDED_ON)}{serial:07d}"


class World:
    """What was seeded, for the generators to aim at (one per module, so hashed by identity)."""

    def __init__(self, strings: tuple[str, ...], ids: tuple[str, ...]) -> None:
        self.strings = strings
        self.ids = ids

    def __repr__(self) -> str:
        return f"World({len(self.strings)} strings, {len(self.ids)} ids)"


def _seed() -> World:
    """A battery maker (X12), an automaker with a registered vehicle carrying one of its packs,
    all recorded through the API; regulators need no enterprise."""
    onboard(BATTERY_MAKER_ID, "Ningde Cells", ["BATTERY_MAKER"], manufacturerCodes=["X12"])
    onboard(
        AUTOMAKER_ID,
        "Fuzhou Motors",
        ["AUTOMAKER"],
        provinceCode="350000",
        contacts=[{"email": "compliance@fuzhou-motors.cn", "language": "zh-CN"}],
    )
    steps: list[tuple[str, str, dict[str, Any], str | None]] = [
        (
            "registerBatteries",
            "RegisterBatteriesInput",
            {"batteries": [{"code": battery_code(1), "producedOn": SEEDED_ON.isoformat()}]},
            MAKER,
        ),
        (
            "supplyBatteries",
            "SupplyBatteriesInput",
            {"codes": [battery_code(1)], "automakerId": AUTOMAKER_ID, "suppliedOn": "2026-03-05"},
            MAKER,
        ),
        (
            "announceModel",
            "AnnounceModelInput",
            {"model": MODEL, "announcedOn": "2026-01-05"},
            AUTO,
        ),
        (
            "issueFactoryCertificate",
            "IssueFactoryCertificateInput",
            {
                "vin": VIN,
                "model": MODEL,
                "issuedOn": "2026-04-30",
                "batteryCodes": [battery_code(1)],
            },
            AUTO,
        ),
        (
            "registerVehicle",
            "RegisterVehicleInput",
            {"vin": VIN, "registeredOn": "2026-09-24", "regionCode": "440305"},
            AUTO,
        ),
    ]
    for field, input_type, values, auth in steps:
        document = f"""mutation ($input: {input_type}!) {{
          {field}(input: $input) {{ userErrors {{ code message }} }} }}"""
        answer = gql(document, {"input": values}, auth=auth)
        assert answer["data"][field]["userErrors"] == [], answer
    listed = gql("{ obligations(first: 200) { nodes { id } } }", auth=AUTO)
    obligation_ids = tuple(node["id"] for node in listed["data"]["obligations"]["nodes"])
    assert obligation_ids, listed
    return World(
        strings=(
            battery_code(1),
            battery_code(2),
            battery_code(3, kind="M"),
            battery_code(4, maker="03U"),
            "X12PB01",
            VIN,
            vin(2),
            "LGXCE4CB0P0000000",
            MODEL,
            "FZ7002BEV",
            "440305",
            "440300",
            "350000",
            "110101",
            "999999",
            "zh-CN",
            "en",
            "fr",
            "compliance@fuzhou-motors.cn",
            "not-an-email",
            *PARTNER_SCOPES,
            "admin",
            BATTERY_MAKER_ID,
            AUTOMAKER_ID,
            "X12",
            "TR-1",
            "",
            " ",
            "x" * 300,
        ),
        ids=(BATTERY_MAKER_ID, AUTOMAKER_ID, "91350100M000100Y44", *obligation_ids),
    )


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The seeded world, with the queues and the bucket the API sends to named where
    template.yaml names them for it: a generated exportObligations or loadCalendarYear that is
    valid reaches them, as on AWS."""
    with local_aws(), pytest.MonkeyPatch.context() as env:
        queues = create_queues(boto3.client("sqs"))
        buckets = create_buckets(boto3.client("s3"))
        env.setenv("EXPORT_QUEUE_URL", queues["ExportQueue"])
        env.setenv("REMINDER_QUEUE_URL", queues["ReminderQueue"])
        env.setenv("EXPORTS_BUCKET", buckets["ExportsBucket"])
        yield _seed()


def _dates() -> st.SearchStrategy[graphql.ValueNode]:
    """ISO dates (half of them near the seeded ones) and strings that only look like dates."""
    valid = st.one_of(
        st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
        st.dates(),
    ).map(date.isoformat)
    invalid = st.one_of(
        st.sampled_from(
            [
                "2026-02-30",
                "2026-13-01",
                "2026-00-10",
                "2026-04-31",
                "0000-01-01",
                "10000-01-01",
                "2026-5-1",
                "2026/05/01",
                "2026-05-01T00:00:00",
                "today",
                "",
            ]
        ),
        st.text(max_size=12),
    )
    return st.one_of(valid, invalid).map(nodes.String)


def _datetimes() -> st.SearchStrategy[graphql.ValueNode]:
    """No input takes a DateTime today; this is here for the day one does."""
    valid = st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)
    invalid = st.sampled_from(["2026-02-30T00:00:00+08:00", "2026-05-01T25:00:00Z", "now", ""])
    return st.one_of(valid, invalid, st.text(max_size=12)).map(nodes.String)


@cache
def _custom_scalars(world: World) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    strings = st.one_of(st.sampled_from(world.strings), st.text(max_size=40))
    return {
        "Date": _dates(),
        "DateTime": _datetimes(),
        "String": strings.map(nodes.String),
        "ID": st.one_of(
            st.sampled_from(world.ids).map(nodes.String),
            strings.map(nodes.String),
            st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
        ),
    }


def _document(node: graphql.DocumentNode) -> graphql.DocumentNode:
    return node


@cache
def _operations(
    world: World, operation: str, mode: Mode
) -> st.SearchStrategy[graphql.DocumentNode]:
    generate = queries if operation == "query" else mutations
    return generate(SCHEMA, custom_scalars=_custom_scalars(world), print_ast=_document, mode=mode)


def as_variables(document: graphql.DocumentNode) -> tuple[graphql.DocumentNode, dict[str, Any]]:
    """The same operation with each root field's arguments passed as variables."""
    [operation] = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    root = SCHEMA.get_root_type(operation.operation)
    assert root is not None
    definitions: list[graphql.VariableDefinitionNode] = []
    variables: dict[str, Any] = {}
    selections: list[graphql.SelectionNode] = []
    for selection in operation.selection_set.selections:
        assert isinstance(selection, graphql.FieldNode)
        arguments: list[graphql.ArgumentNode] = []
        field = root.fields.get(selection.name.value)
        for argument in selection.arguments or ():
            declared = field.args.get(argument.name.value) if field else None
            if declared is None:  # not in the schema: left as it is, for validation to refuse
                arguments.append(argument)
                continue
            name = f"v{len(definitions)}"
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            definitions.append(
                graphql.VariableDefinitionNode(
                    variable=variable, type=graphql.parse_type(str(declared.type))
                )
            )
            variables[name] = graphql.value_from_ast_untyped(argument.value)
            arguments.append(dataclasses.replace(argument, value=variable))
        selections.append(dataclasses.replace(selection, arguments=tuple(arguments)))
    lifted = dataclasses.replace(
        operation,
        variable_definitions=tuple(definitions),
        selection_set=dataclasses.replace(operation.selection_set, selections=tuple(selections)),
    )
    return dataclasses.replace(document, definitions=(lifted,)), variables


def error_codes(body: Any) -> list[str | None]:
    errors = (body.get("errors") or []) if isinstance(body, dict) else []
    return [(error.get("extensions") or {}).get("code") for error in errors]


def contract_breaches(status: int, body: Any, *, invalid_document: bool = False) -> list[str]:
    """How a response breaks the API's error contract; empty if it keeps it."""
    if status >= 500:
        return [f"HTTP {status}"]
    if not isinstance(body, dict):
        return [f"the body is not a JSON object: {body!r:.200}"]
    breaches = []
    codes = error_codes(body)
    breaches += [f"error code {code!r}" for code in codes if code not in CLIENT_ERROR_CODES]
    if status == 400 and not (codes and set(codes) <= REJECTED_DOCUMENT_CODES):
        breaches.append(f"HTTP 400 for a document that did not fail validation: {codes}")
    if invalid_document and status != 400:
        breaches.append(f"HTTP {status} for a document that fails validation")
    if status == 200 and "data" not in body:
        breaches.append("HTTP 200 without data")
    if status not in (200, 400):
        breaches.append(f"HTTP {status} for a well-formed POST")
    return breaches


def send(
    document: graphql.DocumentNode, variables: dict[str, Any] | None, principal: str
) -> tuple[int, Any]:
    text = graphql.print_ast(document)
    note(f"principal: {principal}")
    note(f"document:\n{text}")
    note(f"variables: {json.dumps(variables, ensure_ascii=False)}")
    status, body = invoke(api_event(text, variables, auth=PRINCIPALS[principal]))
    note(f"response: HTTP {status} {json.dumps(body, ensure_ascii=False)[:2000]}")
    return status, body


def check_generated(data: st.DataObject, world: World, operation: str, principal: str) -> None:
    """Draw one operation (one in four with a schema violation) and whether its arguments go
    inline or as variables; send it as the principal; hold the response to the contract."""
    mode = data.draw(st.sampled_from((Mode.POSITIVE,) * 3 + (Mode.NEGATIVE,)), label="mode")
    document = data.draw(_operations(world, operation, mode), label=operation)
    variables: dict[str, Any] | None = None
    if data.draw(st.booleans(), label="arguments as variables"):
        document, variables = as_variables(document)
    invalid = bool(graphql.validate(SCHEMA, document))
    status, body = send(document, variables, principal)
    event(f"{mode.name}, {'variables' if variables is not None else 'inline'}")
    codes = sorted({str(code) for code in error_codes(body)})
    event(f"HTTP {status} {' '.join(codes) or 'no errors'}")
    assert contract_breaches(status, body, invalid_document=invalid) == []


# No shrink phase: every step is a full round trip through the handler, and shrinking one failing
# mutation took minutes. A failure prints the operation as generated (principal, document,
# variables, response); the reduced forms of what was found are pinned in the test below.
FUZZ_SETTINGS = settings(
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("principal", PRINCIPALS)
@settings(FUZZ_SETTINGS, max_examples=EXAMPLES_PER_PRINCIPAL)
@given(data=st.data())
def test_any_generated_query_gets_data_or_a_coded_client_error(
    world: World, principal: str, data: st.DataObject
) -> None:
    check_generated(data, world, "query", principal)


@pytest.mark.parametrize("principal", PRINCIPALS)
@settings(FUZZ_SETTINGS, max_examples=EXAMPLES_PER_PRINCIPAL)
@given(data=st.data())
def test_any_generated_mutation_gets_data_or_a_coded_client_error(
    world: World, principal: str, data: st.DataObject
) -> None:
    check_generated(data, world, "mutation", principal)


# What the generated operations found, each reduced to its smallest form. Every principal gets
# the same answer: the variables are coerced before any resolver (or permission check) runs.
PAGE = "{ pageInfo { hasNextPage } }"
DECODE = "query ($code: String!) { decodeBatteryCode(code: $code) { valid } }"


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        pytest.param(
            "query ($d: Date) { obligations(filter: {dueOnOrBefore: $d}) " + PAGE + " }",
            {"d": "2026-02-30"},
            id="impossible-date",
        ),
        pytest.param(
            "mutation ($input: AnnounceModelInput!) {"
            " announceModel(input: $input) { userErrors { code } } }",
            {"input": {"model": "FZ7002BEV", "announcedOn": "2026-13-01"}},
            id="impossible-date-in-an-input-object",
        ),
        pytest.param(DECODE, {"code": 7}, id="number-for-a-String"),
        pytest.param(DECODE, {"code": None}, id="null-for-a-non-null"),
        pytest.param(DECODE, {}, id="required-variable-missing"),
        pytest.param(
            "mutation ($input: WaiveObligationInput!) {"
            " waiveObligation(input: $input) { userErrors { code } } }",
            {"input": {"reason": "not applicable"}},
            id="required-input-field-missing",
        ),
        pytest.param(
            "query ($s: [ObligationStatus!]) { obligations(filter: {status: $s}) " + PAGE + " }",
            {"s": ["DONE"]},
            id="unknown-enum-value",
        ),
        pytest.param(
            "query ($n: Int) { obligations(first: $n) " + PAGE + " }",
            {"n": 2**31},
            id="Int-out-of-32-bit-range",
        ),
        pytest.param(
            "query ($f: ObligationFilter) { obligations(filter: $f) " + PAGE + " }",
            {"f": {"unknown": 1}},
            id="unknown-input-field",
        ),
    ],
)
def test_a_variable_that_does_not_fit_its_type_is_a_coded_client_error(
    world: World, document: str, variables: dict[str, Any]
) -> None:
    status, body = invoke(api_event(document, variables, auth=AUTO))
    assert contract_breaches(status, body) == [], (status, body)
