"""Test helpers around the API Lambda: one GraphQL request that must succeed, onboarding,
whole-table snapshots, and the DynamoDB calls a block makes. Events and tokens come from
``local.calls``, as API Gateway would send them; in-process moto with the template's tables from
``local.aws.local_aws``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from local.calls import api_event, bearer_header, invoke


def gql(query: str, variables: dict[str, Any] | None = None, *, auth: str | None = None) -> Any:
    """POST one GraphQL request; return its JSON (status must be 200)."""
    status, payload = invoke(api_event(query, variables, auth=auth))
    assert status == 200, payload
    return payload


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    """The DynamoDB calls made inside the block, by operation (Query, BatchGetItem, ...), as
    PynamoDB's one shared client sends them."""
    from compliance.store.models import ObligationItem

    calls: Counter[str] = Counter()

    def hook(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events = ObligationItem._get_connection().connection.client.meta.events
    events.register("before-call.dynamodb", hook)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", hook)


def table_snapshot(client: Any) -> dict[str, list[Any]]:
    """Every item of every table, for before/after comparisons in tests (Scan is fine here),
    every page of it: one page stops at 1 MB."""
    snapshot = {}
    scans = client.get_paginator("scan")
    for name in sorted(client.list_tables()["TableNames"]):
        items = [item for page in scans.paginate(TableName=name) for item in page["Items"]]
        snapshot[name] = sorted(json.dumps(i, sort_keys=True) for i in items)
    return snapshot


_REGISTER_ENTERPRISE = """mutation ($input: RegisterEnterpriseInput!) {
    registerEnterprise(input: $input) { userErrors { code message } } }"""


def onboard(enterprise_id: str, name: str, kinds: list[str], **fields: Any) -> None:
    """Given: the platform onboards an enterprise (the test fails if it is refused)."""
    payload = {"id": enterprise_id, "name": name, "kinds": kinds, **fields}
    result = gql(_REGISTER_ENTERPRISE, {"input": payload}, auth=bearer_header("PLATFORM_ADMIN"))
    assert result["data"]["registerEnterprise"]["userErrors"] == [], result


def onboard_battery_maker(enterprise_id: str, code: str = "X12") -> None:
    onboard(enterprise_id, "Cells", ["BATTERY_MAKER"], manufacturerCodes=[code])


_SUPPLY = """mutation ($input: SupplyBatteriesInput!) {
    supplyBatteries(input: $input) { userErrors { code message } } }"""


def supply(codes: list[str], maker: str, automaker: str, on: str) -> None:
    """Given: a battery maker supplies batteries it holds to an automaker (the test fails if
    it is refused), which may then install them."""
    variables = {"input": {"codes": codes, "automakerId": automaker, "suppliedOn": on}}
    result = gql(_SUPPLY, variables, auth=bearer_header("ENTERPRISE_ADMIN", maker))
    assert result["data"]["supplyBatteries"]["userErrors"] == [], result


def fleet_pack(serial: int) -> str:
    """The code of pack `serial` of a fleet (maker code X12, produced 2026-03-02)."""
    from datetime import date

    from compliance.codes import production_date_code

    return f"X12PB010000001{production_date_code(date(2026, 3, 2))}{serial:07d}"


def certify_fleet(vehicles: int, maker: str, automaker: str) -> None:
    """Through the API: `maker` registers and supplies two packs a vehicle, and `automaker`
    announces model FZ7001BEV and certifies `vehicles` vehicles (VINs `vin(0)`...) with them."""
    from tests.builders import vin

    maker_auth = bearer_header("ENTERPRISE_ADMIN", maker)
    automaker_auth = bearer_header("ENTERPRISE_ADMIN", automaker)
    onboard_battery_maker(maker)
    onboard(automaker, "Motors", ["AUTOMAKER"])
    packs = [{"code": fleet_pack(i), "producedOn": "2026-03-02"} for i in range(2 * vehicles)]
    registered = gql(
        """mutation ($input: RegisterBatteriesInput!) { registerBatteries(input: $input) {
        userErrors { code } } }""",
        {"input": {"batteries": packs}},
        auth=maker_auth,
    )
    assert registered["data"]["registerBatteries"]["userErrors"] == []
    supply([p["code"] for p in packs], maker, automaker, "2026-03-05")
    gql(
        """mutation { announceModel(input: {model: "FZ7001BEV", announcedOn: "2026-01-05"}) {
        userErrors { code } } }""",
        auth=automaker_auth,
    )
    for n in range(vehicles):
        result = gql(
            """mutation ($input: IssueFactoryCertificateInput!) {
               issueFactoryCertificate(input: $input) { userErrors { code message } } }""",
            {
                "input": {
                    "vin": vin(n),
                    "model": "FZ7001BEV",
                    "issuedOn": "2026-04-10",
                    "batteryCodes": [fleet_pack(2 * n), fleet_pack(2 * n + 1)],
                }
            },
            auth=automaker_auth,
        )
        assert result["data"]["issueFactoryCertificate"]["userErrors"] == []
