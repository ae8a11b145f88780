"""Write ``events/api/*.json``: one API Gateway HTTP API (payload 2.0) event per scenario.

The events tell one story that runs in order against empty tables (onboarding, batteries
supplied to the automaker, a model, a certified and registered vehicle, its duties, one
fulfilled), followed by requests the API refuses. Each carries what API Gateway would hand the
function: the JWT authorizer's verified claims as strings under
``requestContext.authorizer.jwt``, and the bearer token they came from (a dev token signed with
the local default secret, valid for decades).

The content is deterministic: request ids, times and trace ids are fixed, and the one id that
depends on stored data (the production upload the story fulfils) comes from a dry run of the
first steps on in-process moto. ``python -m tools.write_events`` writes the files;
``--check`` compares instead and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from compliance.codes import production_date_code, vin_check_digit
from local.authorizer import authorizer_context
from local.events import HttpRequest, http_event
from local.tokens import DEFAULT_SECRET, mint_token

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events" / "api"

# The demo enterprises (local/demo.py): the automaker, its battery supplier, another automaker.
FUZHOU_MOTORS = "91350100M000100Y43"
NINGDE_CELLS = "91350900587527783P"
SHENZHEN_EV = "91440300192317458F"

PRODUCED_ON = date(2026, 3, 2)
SUPPLIED_ON = date(2026, 3, 5)
ANNOUNCED_ON = date(2026, 3, 10)
CERTIFIED_ON = date(2026, 9, 24)
REGISTERED_ON = date(2026, 9, 25)
FULFILLED_ON = date(2026, 10, 14)
MODEL = "FZ7001BEV"
REGION = "440305"
RECEIPT = "NEV-TRACE-2026-000001"

# When the requests were sent (after every date of the story) and when the tokens were issued.
SENT_AT = datetime(2026, 10, 14, 2, 0, tzinfo=UTC)
ISSUED_AT = datetime(2026, 1, 1, tzinfo=UTC)
TOKEN_TTL_HOURS = 40 * 366 * 24
HOST = "local.execute-api.ap-southeast-1.amazonaws.com"

# The dry run uses in-process moto: fake credentials always, so that nothing reaches real AWS.
_FAKE_CREDENTIALS = {
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_QUIET = {
    "POWERTOOLS_METRICS_NAMESPACE": "NevComplianceEvents",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "STAGE": "dev",
}


def pack_code(serial: int) -> str:
    """A strict-valid GB/T 34014 LFP pack code of Ningde Cells (manufacturer code X12)."""
    return f"X12PB010000001{production_date_code(PRODUCED_ON)}{serial:07d}"


def _vin(serial: int) -> str:
    body = f"LFZCE4CB0P{serial:07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


PACKS = (pack_code(1), pack_code(2))
VIN = _vin(1)


@dataclass(frozen=True)
class Caller:
    """Who sends a request: a role, acting for an enterprise unless a platform role."""

    role: str
    enterprise: str | None = None

    def authorization(self) -> str:
        token = mint_token(
            self.role,
            self.enterprise,
            ttl_hours=TOKEN_TTL_HOURS,
            secret=DEFAULT_SECRET,
            now=ISSUED_AT,
        )
        return f"Bearer {token}"


ADMIN = Caller("PLATFORM_ADMIN")
MAKER = Caller("ENTERPRISE_ADMIN", NINGDE_CELLS)
AUTO = Caller("ENTERPRISE_ADMIN", FUZHOU_MOTORS)
OTHER_AUTO = Caller("ENTERPRISE_ADMIN", SHENZHEN_EV)


def _event(
    name: str,
    *,
    index: int,
    caller: Caller | None,
    method: str = "POST",
    body: bytes = b"",
    raw_query: str = "",
) -> dict[str, Any]:
    """The event API Gateway would send for one request, with every varying part fixed."""
    headers = [
        ("host", HOST),
        ("accept", "application/json"),
        ("user-agent", "nev-compliance-events/1"),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
    ]
    if method == "POST":
        headers.append(("content-type", "application/json"))
    authorization = caller.authorization() if caller else None
    if authorization:
        headers.append(("authorization", authorization))
    request = HttpRequest(
        method=method,
        raw_path="/graphql",
        raw_query=raw_query,
        headers=tuple(headers),
        body=body,
        source_ip="203.0.113.10",
    )
    sent = SENT_AT + timedelta(seconds=30 * index)
    event = http_event(
        request,
        route_key=f"{method} /graphql",
        request_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"events/api/{name}")),
        now=sent,
        authorizer=authorizer_context(authorization, secret=DEFAULT_SECRET),
    )
    digest = hashlib.sha256(name.encode()).hexdigest()[:24]
    event["headers"]["x-amzn-trace-id"] = f"Root=1-{int(sent.timestamp()):08x}-{digest}"
    return event


def _post(query: str, variables: Mapping[str, Any] | None = None) -> bytes:
    document = {"query": query.strip(), "variables": dict(variables) if variables else None}
    return json.dumps(document, ensure_ascii=False).encode()


def _get(query: str, variables: Mapping[str, Any] | None = None) -> str:
    parameters = {"query": " ".join(query.split())}
    if variables:
        parameters["variables"] = json.dumps(variables, separators=(",", ":"))
    return urlencode(parameters)


REGISTER_ENTERPRISE = """
mutation RegisterEnterprise($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) {
    enterprise { id name kinds manufacturerCodes province { code name } }
    userErrors { field code message }
  }
}"""
REGISTER_BATTERIES = """
mutation RegisterBatteries($input: RegisterBatteriesInput!) {
  registerBatteries(input: $input) {
    registered { code status producedOn decoded { manufacturerCode productType productionDate } }
    obligations { id ruleId }
    userErrors { field code message }
  }
}"""
SUPPLY_BATTERIES = """
mutation SupplyBatteries($input: SupplyBatteriesInput!) {
  supplyBatteries(input: $input) {
    batteries { code status custodian { id } }
    obligations { id ruleId subjectKind subjectId }
    userErrors { field code message }
  }
}"""
ANNOUNCE_MODEL = """
mutation AnnounceModel($input: AnnounceModelInput!) {
  announceModel(input: $input) {
    model { code approvedOn }
    obligations { id ruleId triggerDate dueDate provisional }
    userErrors { field code message }
  }
}"""
ISSUE_FACTORY_CERTIFICATE = """
mutation IssueFactoryCertificate($input: IssueFactoryCertificateInput!) {
  issueFactoryCertificate(input: $input) {
    vehicle { vin certifiedOn batteries { code status responsibleEnterprise { id } } }
    obligations { id ruleId triggerDate dueDate dueAt }
    userErrors { field code message }
  }
}"""
REGISTER_VEHICLE = """
mutation RegisterVehicle($input: RegisterVehicleInput!) {
  registerVehicle(input: $input) {
    vehicle { vin registeredOn region { code name } }
    obligations { id ruleId subjectKind subjectId triggerDate dueDate }
    userErrors { field code message }
  }
}"""
OBLIGATIONS = """
query Obligations {
  obligations(first: 50) {
    edges {
      node {
        id ruleId status subjectKind subjectId triggerKind triggerDate
        dueDate dueAt provisional
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
VEHICLE = """
query Vehicle($vin: String!) {
  vehicle(vin: $vin) {
    vin modelCode certifiedOn registeredOn region { code name }
    automaker { id }
    batteries { code }
    obligations { ruleId dueDate }
    events { kind occurredOn }
  }
}"""
BATTERY = """
query Battery($code: String!) {
  battery(code: $code) {
    code status producedOn
    manufacturer { id }
    responsibleEnterprise { id }
    vehicle { vin }
    events { kind occurredOn }
  }
}"""
FULFILL_OBLIGATION = """
mutation FulfillObligation($input: FulfillObligationInput!) {
  fulfillObligation(input: $input) {
    obligation { id ruleId status dueDate fulfilledOn platformReceipt }
    userErrors { field code message }
  }
}"""
COMPLIANCE_SUMMARY = """
query ComplianceSummary {
  complianceSummary {
    enterpriseId open overdue fulfilled fulfilledLate waived provisional
    nextDue { ruleId dueDate }
  }
}"""
DECODE_BATTERY_CODE = """
query DecodeBatteryCode($code: String!) {
  decodeBatteryCode(code: $code) {
    code strict valid
    fields { manufacturerCode productType batteryType specCode productionDate serial }
    errors { code message positions }
  }
}"""


@dataclass(frozen=True)
class Scenario:
    """One file: its name and how to build its event (given what the dry run found)."""

    name: str
    build: Callable[[str, int, Mapping[str, str]], dict[str, Any]]


def _posted(
    caller: Caller | None, query: str, variables: Callable[[Mapping[str, str]], dict[str, Any]]
) -> Callable[[str, int, Mapping[str, str]], dict[str, Any]]:
    def build(name: str, index: int, found: Mapping[str, str]) -> dict[str, Any]:
        return _event(name, index=index, caller=caller, body=_post(query, variables(found)))

    return build


def _fixed(variables: dict[str, Any]) -> Callable[[Mapping[str, str]], dict[str, Any]]:
    return lambda _found: variables


def _over_get(
    caller: Caller | None, query: str, variables: dict[str, Any] | None = None
) -> Callable[[str, int, Mapping[str, str]], dict[str, Any]]:
    def build(name: str, index: int, _found: Mapping[str, str]) -> dict[str, Any]:
        return _event(
            name, index=index, caller=caller, method="GET", raw_query=_get(query, variables)
        )

    return build


def _raw(
    caller: Caller | None, body: bytes
) -> Callable[[str, int, Mapping[str, str]], dict[str, Any]]:
    def build(name: str, index: int, _found: Mapping[str, str]) -> dict[str, Any]:
        return _event(name, index=index, caller=caller, body=body)

    return build


PRODUCTION_UPLOAD = "production_upload_id"

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "01-register-enterprise-battery-maker",
        _posted(
            ADMIN,
            REGISTER_ENTERPRISE,
            _fixed(
                {
                    "input": {
                        "id": NINGDE_CELLS,
                        "name": "宁德动力电池有限公司 Ningde Power Cells",
                        "kinds": ["BATTERY_MAKER"],
                        "manufacturerCodes": ["X12"],
                        "provinceCode": "350000",
                        "contacts": [
                            {
                                "email": "battery-compliance@ningde-cells.example.cn",
                                "language": "zh-CN",
                            }
                        ],
                    }
                }
            ),
        ),
    ),
    Scenario(
        "02-register-enterprise-automaker",
        _posted(
            ADMIN,
            REGISTER_ENTERPRISE,
            _fixed(
                {
                    "input": {
                        "id": FUZHOU_MOTORS,
                        "name": "福州新能源汽车有限公司 Fuzhou NEV Motors",
                        "kinds": ["AUTOMAKER"],
                        "provinceCode": "350000",
                        "contacts": [
                            {"email": "compliance@fuzhou-motors.example.cn", "language": "zh-CN"}
                        ],
                    }
                }
            ),
        ),
    ),
    Scenario(
        "03-register-batteries",
        _posted(
            MAKER,
            REGISTER_BATTERIES,
            _fixed(
                {
                    "input": {
                        "batteries": [
                            {"code": code, "producedOn": PRODUCED_ON.isoformat()} for code in PACKS
                        ]
                    }
                }
            ),
        ),
    ),
    Scenario(
        "04-supply-batteries",
        _posted(
            MAKER,
            SUPPLY_BATTERIES,
            _fixed(
                {
                    "input": {
                        "codes": list(PACKS),
                        "automakerId": FUZHOU_MOTORS,
                        "suppliedOn": SUPPLIED_ON.isoformat(),
                    }
                }
            ),
        ),
    ),
    Scenario(
        "05-announce-model",
        _posted(
            AUTO,
            ANNOUNCE_MODEL,
            _fixed({"input": {"model": MODEL, "announcedOn": ANNOUNCED_ON.isoformat()}}),
        ),
    ),
    Scenario(
        "06-issue-factory-certificate",
        _posted(
            AUTO,
            ISSUE_FACTORY_CERTIFICATE,
            _fixed(
                {
                    "input": {
                        "vin": VIN,
                        "model": MODEL,
                        "issuedOn": CERTIFIED_ON.isoformat(),
                        "batteryCodes": list(PACKS),
                    }
                }
            ),
        ),
    ),
    Scenario(
        "07-register-vehicle",
        _posted(
            AUTO,
            REGISTER_VEHICLE,
            _fixed(
                {
                    "input": {
                        "vin": VIN,
                        "registeredOn": REGISTERED_ON.isoformat(),
                        "regionCode": REGION,
                    }
                }
            ),
        ),
    ),
    Scenario("08-obligations", _posted(AUTO, OBLIGATIONS, _fixed({}))),
    Scenario("09-vehicle", _posted(AUTO, VEHICLE, _fixed({"vin": VIN}))),
    Scenario("10-battery", _posted(MAKER, BATTERY, _fixed({"code": PACKS[0]}))),
    Scenario(
        "11-fulfill-obligation",
        _posted(
            AUTO,
            FULFILL_OBLIGATION,
            lambda found: {
                "input": {
                    "id": found[PRODUCTION_UPLOAD],
                    "fulfilledOn": FULFILLED_ON.isoformat(),
                    "platformReceipt": RECEIPT,
                }
            },
        ),
    ),
    Scenario("12-compliance-summary", _posted(AUTO, COMPLIANCE_SUMMARY, _fixed({}))),
    Scenario("13-decode-battery-code", _over_get(AUTO, DECODE_BATTERY_CODE, {"code": PACKS[1]})),
    Scenario("90-unauthenticated", _posted(None, OBLIGATIONS, _fixed({}))),
    Scenario(
        "91-mutation-over-get",
        _over_get(
            AUTO,
            REGISTER_VEHICLE,
            {"input": {"vin": VIN, "registeredOn": "2026-09-25", "regionCode": REGION}},
        ),
    ),
    Scenario("92-malformed-json", _raw(AUTO, b'{"query": "{ me { role } }",')),
    Scenario(
        "93-battery-of-another-enterprise", _posted(OTHER_AUTO, BATTERY, _fixed({"code": PACKS[0]}))
    ),
)

# The steps whose answers the rest of the story depends on (the obligations query is the last).
_DRY_RUN_STEPS = 8


def _offline_environment() -> None:
    os.environ.update(_FAKE_CREDENTIALS)
    for name, value in _QUIET.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_PROFILE", None)


def _dry_run(events: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Send the first steps to the API function on in-process moto; return the ids found."""
    _offline_environment()
    from local.aws import local_aws
    from local.calls import invoke

    payload: Any = None
    with local_aws():
        for event in events:
            status, payload = invoke(event)
            if status != 200 or payload.get("errors"):
                raise RuntimeError(f"dry run: {event['requestContext']['requestId']}: {payload}")
    uploads = [
        edge["node"]["id"]
        for edge in payload["data"]["obligations"]["edges"]
        if edge["node"]["ruleId"] == "PRODUCTION_TRACE_UPLOAD"
    ]
    if len(uploads) != 1:
        raise RuntimeError(f"dry run: expected one production upload, got {uploads}")
    return {PRODUCTION_UPLOAD: uploads[0]}


def build_events() -> dict[str, dict[str, Any]]:
    """File name -> event, in the order the story runs."""
    early = [
        scenario.build(scenario.name, index, {})
        for index, scenario in enumerate(SCENARIOS[:_DRY_RUN_STEPS])
    ]
    found = _dry_run(early)
    return {
        f"{scenario.name}.json": scenario.build(scenario.name, index, found)
        for index, scenario in enumerate(SCENARIOS)
    }


def render(event: Mapping[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, indent=2) + "\n"


def rendered_events() -> dict[str, str]:
    """File name -> the exact text of the file."""
    return {name: render(event) for name, event in build_events().items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.write_events", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare; exit 1 on a difference")
    args = parser.parse_args(argv)
    wanted = rendered_events()
    present = {path.name: path for path in EVENTS_DIR.glob("*.json")}
    if args.check:
        stale = sorted(
            name
            for name in wanted.keys() | present.keys()
            if name not in present
            or name not in wanted
            or present[name].read_text(encoding="utf-8") != wanted[name]
        )
        for name in stale:
            print(f"events/api/{name} differs from what tools/write_events.py writes")
        return 1 if stale else 0
    EVENTS_DIR.mkdir(parents=True, exist_ok=True)
    for name in present.keys() - wanted.keys():
        present[name].unlink()
    for name, text in wanted.items():
        (EVENTS_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(wanted)} events to {EVENTS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
