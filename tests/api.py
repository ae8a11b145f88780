"""Test helpers around the API Lambda: one GraphQL request that must succeed, onboarding, and
whole-table snapshots. Events and tokens come from ``local.calls``, as API Gateway would send
them; in-process moto with the template's tables from ``local.aws.local_aws``."""

from __future__ import annotations

import json
from typing import Any

from local.calls import api_event, bearer_header, invoke


def gql(query: str, variables: dict[str, Any] | None = None, *, auth: str | None = None) -> Any:
    """POST one GraphQL request; return its JSON (status must be 200)."""
    status, payload = invoke(api_event(query, variables, auth=auth))
    assert status == 200, payload
    return payload


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
