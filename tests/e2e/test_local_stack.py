"""The local stack with its demo data, over HTTP, through a real GraphQL client (gql with the
requests transport): GraphiQL served from our own origin, working-day deadlines as the Chinese
calendar has them, provisional deadlines, tenant isolation, the gateway's authorizer, and a
refused mutation that writes nothing."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import requests
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportServerError
from gql.transport.requests import RequestsHTTPTransport

from compliance.calendar import Deadline, default_calendar
from compliance.codes import production_date_code, vin_check_digit
from local.demo import FUZHOU_MOTORS, NINGDE_CELLS, SHENZHEN_EV
from local.run import UNAUTHORIZED_HINT
from local.stack import LocalStack
from local.tokens import mint_token

OBLIGATIONS = """
query Obligations($filter: ObligationFilter, $after: String) {
  obligations(filter: $filter, first: 200, after: $after) {
    edges {
      node {
        id ruleId status subjectKind subjectId modelCode triggerDate dueDate provisional
        responsibleEnterprise { id }
        rule { period }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
VEHICLE = "query Vehicle($vin: String!) { vehicle(vin: $vin) { vin automaker { id } } }"
SUMMARY = """
query Summary {
  complianceSummary { open overdue fulfilled fulfilledLate waived provisional }
}"""
ISSUE_FACTORY_CERTIFICATE = """
mutation IssueFactoryCertificate($input: IssueFactoryCertificateInput!) {
  issueFactoryCertificate(input: $input) {
    vehicle { vin }
    obligations { id }
    userErrors { field code message }
  }
}"""
NATIONAL_DAY_2026 = (date(2026, 10, 1), date(2026, 10, 7))
WORKING_DAYS = re.compile(r"(\d+)WD")
MONTHS = re.compile(r"(\d+)M")


def client(base_url: str, token: str | None, *, schema: bool = True) -> Client:
    """A gql client sending ``Authorization: Bearer <token>``; with ``schema`` it reads the
    schema by introspection first and validates every document against it before sending."""
    # English answers: this client reads the messages it asserts in English.
    headers = {"Accept-Language": "en"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    transport = RequestsHTTPTransport(
        url=f"{base_url}/graphql", headers=headers, timeout=20, retries=0
    )
    return Client(transport=transport, fetch_schema_from_transport=schema)


def execute(session: Client, document: str, variables: dict[str, Any] | None = None) -> Any:
    return session.execute(GraphQLRequest(document, variable_values=variables))


def obligations(session: Client, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every obligation the caller sees under ``where``, following the pages."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = execute(session, OBLIGATIONS, {"filter": where, "after": after})["obligations"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def expected_deadline(period: str, trigger: date) -> Deadline | None:
    calendar = default_calendar()
    if match := WORKING_DAYS.fullmatch(period):
        return calendar.add_working_days(trigger, int(match[1]))
    if match := MONTHS.fullmatch(period):
        return calendar.add_months(trigger, int(match[1]))
    return None


@pytest.fixture(scope="module")
def automaker(base_url: str) -> Client:
    return client(base_url, mint_token("ENTERPRISE_ADMIN", FUZHOU_MOTORS))


@pytest.fixture(scope="module")
def other_automaker(base_url: str) -> Client:
    return client(base_url, mint_token("ENTERPRISE_ADMIN", SHENZHEN_EV))


@pytest.fixture(scope="module")
def regulator(base_url: str) -> Client:
    return client(base_url, mint_token("REGULATOR"))


@pytest.fixture(scope="module")
def automakers_duties(automaker: Client) -> list[dict[str, Any]]:
    return obligations(automaker)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("src", "href") and value]


def test_the_demo_data_loads_without_refusals(local_stack: LocalStack) -> None:
    # Every demo event goes through the same validation as the API; none may be refused.
    assert "refused" not in local_stack.demo_line, local_stack.demo_line


def test_graphiql_and_its_assets_come_from_the_stack_itself(base_url: str) -> None:
    # When a browser asks for /graphiql (no token needed), Then it gets GraphiQL whose every
    # asset is ours.
    page = requests.get(f"{base_url}/graphiql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text)
    parser = _Links()
    parser.feed(page.text)
    assert parser.links, "the page links no assets"
    assert all(link.startswith("/graphiql/") for link in parser.links), parser.links
    for link in parser.links:
        asset = requests.get(f"{base_url}{link}", timeout=10)
        assert asset.status_code == 200, link
        assert asset.headers["content-type"].startswith(("text/javascript", "text/css")), link
        assert asset.content, link
        if link.endswith(".css"):
            # Nothing fetched from elsewhere at run time: no imports, no remote fonts or images.
            assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", asset.text), link


def test_working_day_deadlines_follow_the_chinese_calendar(
    automakers_duties: list[dict[str, Any]],
) -> None:
    dated = [o for o in automakers_duties if o["dueDate"] is not None]
    working_day_rules = [o for o in dated if WORKING_DAYS.fullmatch(o["rule"]["period"])]
    assert len(working_day_rules) >= 10
    # Then every deadline is the calendar's, working days and months alike.
    for duty in dated:
        expected = expected_deadline(
            duty["rule"]["period"], date.fromisoformat(duty["triggerDate"])
        )
        assert expected is not None, duty
        assert (duty["dueDate"], duty["provisional"]) == (
            expected.due_date.isoformat(),
            expected.provisional,
        ), duty
    # And uploads triggered in late September fall due only after the National Day week.
    across_national_day = [
        o
        for o in working_day_rules
        if date(2026, 9, 21) <= date.fromisoformat(o["triggerDate"]) <= date(2026, 9, 30)
    ]
    assert across_national_day
    for duty in across_national_day:
        due = date.fromisoformat(duty["dueDate"])
        assert due > NATIONAL_DAY_2026[1] + timedelta(days=1), duty
        # Two weeks would do without the holidays; here the whole National Day week is skipped.
        assert date.fromisoformat(duty["triggerDate"]) + timedelta(days=14) < due, duty


def test_a_deadline_in_an_unannounced_year_is_provisional_for_automaker_and_regulator(
    automakers_duties: list[dict[str, Any]], regulator: Client
) -> None:
    # Given FZ7002BEV announced 2026-09-15, its technical information is due six months later,
    # in 2027, whose holiday schedule is not announced yet.
    [duty] = [
        o
        for o in automakers_duties
        if o["ruleId"] == "TECH_INFO_SUBMISSION" and o["modelCode"] == "FZ7002BEV"
    ]
    expected = default_calendar().add_months(date(2026, 9, 15), 6)
    assert (duty["triggerDate"], duty["dueDate"], duty["provisional"]) == (
        "2026-09-15",
        "2027-03-15",
        True,
    )
    assert (expected.due_date.isoformat(), expected.provisional) == ("2027-03-15", True)
    # When a regulator looks at that enterprise's duties, Then it sees the same deadline.
    seen = obligations(
        regulator, {"enterpriseId": FUZHOU_MOTORS, "ruleId": ["TECH_INFO_SUBMISSION"]}
    )
    [same] = [o for o in seen if o["id"] == duty["id"]]
    assert (same["dueDate"], same["provisional"]) == ("2027-03-15", True)
    assert same["responsibleEnterprise"] == {"id": FUZHOU_MOTORS}


def test_another_automaker_cannot_read_the_first_ones_vehicle_or_duties(
    automaker: Client,
    other_automaker: Client,
    automakers_duties: list[dict[str, Any]],
) -> None:
    vin = next(o["subjectId"] for o in automakers_duties if o["subjectKind"] == "VEHICLE")
    assert execute(automaker, VEHICLE, {"vin": vin})["vehicle"] == {
        "vin": vin,
        "automaker": {"id": FUZHOU_MOTORS},
    }
    # When the other automaker asks for it, Then the vehicle does not exist for it.
    assert execute(other_automaker, VEHICLE, {"vin": vin})["vehicle"] is None
    assert obligations(other_automaker, {"enterpriseId": FUZHOU_MOTORS}) == []
    # ...although it does see duties of its own.
    own = obligations(other_automaker)
    assert own
    assert {o["responsibleEnterprise"]["id"] for o in own} == {SHENZHEN_EV}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-jwt", id="garbage"),
        pytest.param(
            mint_token("REGULATOR", secret="a-secret-the-gateway-does-not-know-0123456789"),
            id="signed with another secret",
        ),
        pytest.param(
            mint_token("REGULATOR", ttl_hours=1, now=datetime(2020, 1, 1, tzinfo=UTC)),
            id="expired",
        ),
    ],
)
def test_the_gateway_refuses_a_token_it_cannot_verify_with_401(base_url: str, token: str) -> None:
    with pytest.raises(TransportServerError) as refused:
        execute(client(base_url, token, schema=False), "{ me { role } }")
    assert refused.value.code == 401


def test_a_request_without_a_token_is_refused_at_the_gateway(base_url: str) -> None:
    # Given no Authorization header, Then the JWT authorizer answers 401 before the function,
    # API Gateway's message with the local stack's hint on how to get a token.
    response = requests.post(f"{base_url}/graphql", json={"query": "{ me { role } }"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized", "hint": UNAUTHORIZED_HINT}


def test_the_vite_dev_server_may_call_the_stack_from_a_browser(base_url: str) -> None:
    # Given a page on http://localhost:5173 (the template's CorsAllowOrigins default)
    origin = "http://localhost:5173"
    # When the browser sends its preflight, Then the stack allows it with no CORS setting
    preflight = requests.options(
        f"{base_url}/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == origin
    # And the POST that follows is allowed too
    token = mint_token("REGULATOR")
    response = requests.post(
        f"{base_url}/graphql",
        json={"query": "query Me { me { role } }"},
        headers={"Origin": origin, "Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin


def test_the_console_shows_one_short_line_per_request(local_stack: LocalStack) -> None:
    # Given a request to a path of its own (the operation's name is there only at INFO level,
    # and the tests run the functions at WARNING; tests/integration/test_local_frontend.py
    # covers it)
    requests.get(f"{local_stack.url}/graphiql/console-probe.js", timeout=10)
    # Then the console has one line for it (written just after the answer), and no JSON record
    deadline = time.monotonic() + 10
    assert local_stack.output.line_with("console-probe", deadline, refused="\x00"), "no line"
    lines = local_stack.output.text().splitlines()
    probe = [line for line in lines if "console-probe" in line]
    assert len(probe) == 1, probe
    assert re.fullmatch(r"\d\d:\d\d:\d\d \d{3} GET /graphiql/console-probe\.js \d+ ms", probe[0])
    assert not [line for line in lines if line.startswith("{")]


def mistyped_vin() -> str:
    """A VIN of the automaker's WMI, a serial the demo does not use, and a wrong check digit."""
    body = "LFZCE4CB0P0009999"
    wrong = "0" if vin_check_digit(body) != "0" else "1"
    return body[:8] + wrong + body[9:]


def test_a_certificate_for_a_mistyped_vin_is_refused_and_writes_nothing(
    automaker: Client, base_url: str
) -> None:
    # Given a freshly registered pack its maker supplied to the automaker, so that only the VIN
    # is wrong,
    maker = client(base_url, mint_token("ENTERPRISE_ADMIN", NINGDE_CELLS))
    pack = f"X12PB010000001{production_date_code(date(2026, 11, 2))}9999999"
    registered = execute(
        maker,
        """mutation ($code: String!) { registerBatteries(input: {batteries: [
            {code: $code, producedOn: "2026-11-02"}]}) { userErrors { code message } } }""",
        {"code": pack},
    )["registerBatteries"]
    assert registered["userErrors"] == []
    supplied = execute(
        maker,
        """mutation ($code: String!, $to: ID!) { supplyBatteries(input: {codes: [$code],
            automakerId: $to, suppliedOn: "2026-11-03"}) { userErrors { code message } } }""",
        {"code": pack, "to": FUZHOU_MOTORS},
    )["supplyBatteries"]
    assert supplied["userErrors"] == []
    bad_vin = mistyped_vin()

    def state() -> Any:
        return (
            execute(automaker, VEHICLE, {"vin": bad_vin})["vehicle"],
            execute(automaker, SUMMARY)["complianceSummary"],
            sorted((o["id"], o["status"]) for o in obligations(automaker)),
        )

    before = state()
    result = execute(
        automaker,
        ISSUE_FACTORY_CERTIFICATE,
        {
            "input": {
                "vin": bad_vin,
                "model": "FZ7001BEV",
                "issuedOn": "2026-11-20",
                "batteryCodes": [pack],
            }
        },
    )["issueFactoryCertificate"]
    assert (result["vehicle"], result["obligations"]) == (None, [])
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "vin"], "INVALID_VIN")
    ]
    [error] = result["userErrors"]
    assert "check digit" in error["message"]
    assert state() == before
