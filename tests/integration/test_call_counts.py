"""DynamoDB calls per request are deterministic, so they are asserted exactly: a page of
obligations with nested relations costs one Query per status range it reads plus one BatchGet
per entity type and level, however many obligations the page holds (no N+1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from local.aws import local_aws
from local.calls import bearer_header
from tests.api import certify_fleet, dynamodb_calls, gql
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID

AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
VEHICLES = 30


@pytest.fixture(scope="module")
def fleet() -> Iterator[Any]:
    """Given 30 certified vehicles with two packs each: 32 obligations for one automaker."""
    with local_aws() as client:
        certify_fleet(VEHICLES, BATTERY_MAKER_ID, AUTOMAKER_ID)
        yield client


def _count(query: str, auth: str) -> tuple[Any, Counter[str]]:
    with dynamodb_calls() as calls:
        result = gql(query, auth=auth)
    return result, calls


def test_a_page_with_vehicles_batteries_and_enterprises_costs_one_call_per_type_and_level(
    fleet: Any,
) -> None:
    # When the automaker reads 50 obligations with each one's vehicle, the vehicle's batteries,
    # the batteries' manufacturer and the obligation's responsible enterprise,
    query = """{ obligations(first: 50) { edges { node {
        ruleId responsibleEnterprise { name }
        vehicle { vin batteries { code manufacturer { name } } } } } } }"""
    result, calls = _count(query, AUTO)
    edges = result["data"]["obligations"]["edges"]
    # Then it gets every obligation with its relations...
    assert len(edges) == VEHICLES + 2
    with_vehicle = [e for e in edges if e["node"]["vehicle"]]
    assert len(with_vehicle) == VEHICLES
    assert all(len(e["node"]["vehicle"]["batteries"]) == 2 for e in with_vehicle)
    # ...for one Query per stored status (an unfiltered page merges the five, in due-date
    # order) and four BatchGets: vehicles, batteries, and enterprises at two levels.
    assert calls == Counter({"Query": 5, "BatchGetItem": 4})


def test_a_bare_page_is_one_query_per_stored_status_and_a_status_filter_reads_only_its_own(
    fleet: Any,
) -> None:
    # When the automaker reads a page of all its obligations, then only its open ones
    _, bare = _count("{ obligations(first: 10) { edges { node { id dueDate } } } }", AUTO)
    _, open_only = _count(
        "{ obligations(first: 10, filter: {status: [OPEN]}) { edges { node { id } } } }", AUTO
    )
    # Then the bare page reads each stored status's key range once; OPEN by the clock is
    # stored OPEN or OVERDUE due today or later: two ranges
    assert bare == Counter({"Query": 5})
    assert open_only == Counter({"Query": 2})
