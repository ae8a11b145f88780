"""The query cost limit through the API Lambda: a document whose estimate is over the budget is
refused before it reads anything, with QUERY_TOO_COSTLY and a message saying the estimate, the
budget and how to ask for less; every response reports `extensions.cost`, whose `actual` is
the DynamoDB calls the request made, counted here independently."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from graphql import parse

from graph import cost
from graph.schema import build_schema
from local.aws import local_aws
from local.calls import api_event, bearer_header, invoke
from local.queues import create_queues
from tests.api import certify_fleet, dynamodb_calls
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, vin

AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
VEHICLES = 3
PAGE = 200
# Every nested list of every vehicle and battery of a full page: just over the budget.
TOO_COSTLY = """{ obligations(first: 200) { edges { node { vehicle {
    events { kind } obligations { id }
    batteries { events { kind } obligations { id } } } } } } }"""
README = Path(__file__).parents[2] / "README.md"


@pytest.fixture(scope="module")
def world() -> Iterator[Any]:
    """Given an automaker with three certified vehicles of two packs each, and the queue
    exports are sent to."""
    with local_aws() as client:
        queues = create_queues(boto3.client("sqs"))
        os.environ["EXPORT_QUEUE_URL"] = queues["ExportQueue"]
        try:
            certify_fleet(VEHICLES, BATTERY_MAKER_ID, AUTOMAKER_ID)
            yield client
        finally:
            os.environ.pop("EXPORT_QUEUE_URL", None)


def _counted(
    query: str, variables: dict[str, Any] | None = None, auth: str = AUTO
) -> tuple[int, Any, int]:
    """The status and body of a request, and the DynamoDB calls made while it ran."""
    with dynamodb_calls() as calls:
        status, body = invoke(api_event(query, variables, auth=auth))
    return status, body, calls.total()


def _estimate(query: str, variables: dict[str, Any] | None = None) -> int:
    schema = build_schema(introspection=True)._schema
    return cost.estimate(schema, parse(query), variables=variables, max_page_size=PAGE)


def test_a_query_over_the_budget_is_refused_before_any_dynamodb_call(world: Any) -> None:
    # When the automaker asks for every nested list of a full page of obligations,
    status, body, calls = _counted(TOO_COSTLY)
    # Then nothing is read,
    assert calls == 0
    assert status == 400  # a document that never ran is a bad request
    assert body.get("data") is None
    # and the one error says what it would cost, what the budget is, and how to ask for less.
    # (the page, 2 BatchGets of vehicles and 8 of batteries, a Query per list of each)
    requested = cost.ROOT_CALLS["obligations"] + 2 + 200 + 200 + 8 + 800 + 800
    assert requested == _estimate(TOO_COSTLY) > cost.BUDGET
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "requested": requested,
        "budget": cost.BUDGET,
    }
    assert f"{requested:,} DynamoDB calls" in error["message"]
    assert f"the budget is {cost.BUDGET:,}" in error["message"]
    assert "smaller `first`" in error["message"]
    # And the response's cost says the same.
    assert body["extensions"]["cost"] == {
        "requested": requested,
        "actual": 0,
        "budget": cost.BUDGET,
    }


def test_the_same_query_with_a_smaller_page_runs(world: Any) -> None:
    # When the refused query asks for a page of 50 instead, as the message suggests,
    query = TOO_COSTLY.replace("first: 200", "first: 50")
    status, body, calls = _counted(query)
    # Then it is answered, and reports its estimate and exactly the calls it made.
    assert status == 200
    assert "errors" not in body
    assert body["data"]["obligations"]["edges"]
    assert body["extensions"]["cost"] == {
        "requested": _estimate(query),
        "actual": calls,
        "budget": cost.BUDGET,
    }
    assert 0 < calls <= _estimate(query)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ me { role } }", None),
        ('{ decodeBatteryCode(code: "X") { valid } }', None),
        (
            """{ obligations(first: 200) { edges { node {
                vehicle { batteries { events { kind } } } } } } }""",
            None,
        ),
        (
            """query ($vin: String!) { vehicle(vin: $vin) { vin model { code }
                batteries { code manufacturer { name } events { kind } } } }""",
            {"vin": vin(0)},
        ),
        (
            """mutation { announceModel(input: {model: "FZ7002BEV", announcedOn: "2026-02-05"}) {
                model { code } obligations { ruleId } userErrors { code } } }""",
            None,
        ),
    ],
    ids=["no reads", "decoding", "nested page", "one vehicle", "a mutation"],
)
def test_every_answer_reports_its_estimate_and_the_calls_it_made(
    world: Any, query: str, variables: dict[str, Any] | None
) -> None:
    # When a query or mutation is answered,
    status, body, calls = _counted(query, variables)
    # Then `extensions.cost` holds its estimate, the budget, and the calls counted here.
    assert status == 200
    assert "errors" not in body, body
    assert body["extensions"]["cost"] == {
        "requested": _estimate(query, variables),
        "actual": calls,
        "budget": cost.BUDGET,
    }


def test_an_invalid_document_reports_that_it_cost_nothing(world: Any) -> None:
    # When a document fails validation, it never runs: 400, no call, nothing requested.
    status, body, calls = _counted("{ obligations { edges { node { noSuchField } } } }")
    assert status == 400
    assert calls == 0
    assert body["extensions"]["cost"] == {"requested": 0, "actual": 0, "budget": cost.BUDGET}


def test_the_readme_queries_run_within_the_budget(world: Any) -> None:
    # Given the queries the README shows (its graphql blocks and its shell examples),
    readme = README.read_text(encoding="utf-8")
    queries = re.findall(r"```graphql\n(.*?)```", readme, re.DOTALL)
    queries += [q.replace('\\"', '"') for q in re.findall(r'\{"query":"(.*?)"\}', readme)]
    assert queries
    for query in queries:
        # When the automaker sends each, Then it is answered, not refused.
        status, body, calls = _counted(query)
        assert status == 200
        assert "errors" not in body, (query, body)
        assert body["extensions"]["cost"]["requested"] <= cost.BUDGET
        assert body["extensions"]["cost"]["actual"] == calls
