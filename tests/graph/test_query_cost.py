"""The query cost estimate (graph/cost.py): the DynamoDB calls a document can make, counted
before it runs. Lists multiply what they hold, nesting multiplies again, relations read through
loaders cost one BatchGet per hundred keys a level, and fragments, aliases, directives and
variables count as execution would run them. Every documented query fits the budget."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from graphql import GraphQLObjectType, GraphQLSchema, build_schema, parse, validate

from graph import cost
from graph.loaders import MAX_CHILDREN
from graph.schema import SDL_PATH
from graph.schema import build_schema as build_strawberry_schema
from graph.settings import settings_from_environment

ROOT = Path(__file__).parents[2]
SCHEMA = build_schema(SDL_PATH.read_text(encoding="utf-8"))
PAGE = settings_from_environment().max_page_size
PAGE_QUERIES = cost.ROOT_CALLS["obligations"]  # the key ranges one page of obligations merges


def estimate(
    query: str, variables: dict[str, Any] | None = None, schema: GraphQLSchema = SCHEMA
) -> int:
    document = parse(query)
    assert validate(schema, document) == [], query
    return cost.estimate(schema, document, variables=variables, max_page_size=PAGE)


def test_fields_computed_from_what_is_loaded_cost_nothing() -> None:
    # Given documents that read nothing from DynamoDB, Then they cost nothing.
    assert estimate("{ me { role subject scopes } }") == 0
    assert estimate('{ decodeBatteryCode(code: "X") { valid fields { serial } } }') == 0
    assert estimate("{ __typename }") == 0


def test_a_page_is_one_query_and_each_relation_one_batch_get_per_hundred_keys_a_level() -> None:
    # Given a page of 150 obligations with each one's vehicle and responsible enterprise,
    query = """{ obligations(first: 150) { edges { node { id
        vehicle { vin } responsibleEnterprise { name } } } } }"""
    # Then it is one Query, and two BatchGets for each relation (150 keys, 100 a call).
    assert estimate(query) == PAGE_QUERIES + 2 + 2


def test_lists_read_per_object_multiply_by_the_objects_above_them() -> None:
    # Given 200 obligations, each with its vehicle's batteries (4 a vehicle) and their events,
    query = """{ obligations(first: 200) { edges { node {
        vehicle { batteries { events { kind } } } } } } }"""
    # Then: the page, 2 BatchGets of vehicles, 8 of batteries, and one Query per battery.
    assert estimate(query) == PAGE_QUERIES + 2 + 8 + 200 * cost.BATTERIES_PER_VEHICLE
    assert estimate(query) <= cost.BUDGET
    # And each nested list of a vehicle or battery adds as many Queries as it has objects.
    heavier = """{ obligations(first: 200) { edges { node { vehicle {
        events { kind } obligations { id }
        batteries { events { kind } obligations { id } } } } } } }"""
    assert estimate(heavier) == PAGE_QUERIES + 2 + 200 + 200 + 8 + 800 + 800
    assert estimate(heavier) > cost.BUDGET


def test_a_page_without_first_is_its_default_and_a_larger_first_the_maximum() -> None:
    nested = "{ edges { node { vehicle { events { kind } } } } }"
    # Given `first` omitted, Then the field's default (50) sizes the page,
    assert estimate("{ obligations " + nested + " }") == PAGE_QUERIES + 1 + 50
    # and a `first` over the maximum counts as the maximum (the field refuses it when it runs).
    assert estimate("{ obligations(first: 100000) " + nested + " }") == PAGE_QUERIES + 2 + PAGE
    # And `nodes` is sized like `edges`.
    nodes = "{ obligations(first: 30) { nodes { vehicle { events { kind } } } } }"
    assert estimate(nodes) == PAGE_QUERIES + 1 + 30


def test_variables_and_their_defaults_size_a_page() -> None:
    query = """query ($n: Int = 20, $withEvents: Boolean!) { obligations(first: $n) {
        edges { node { vehicle { vin events @include(if: $withEvents) { kind } } } } } }"""
    # Given the page size as a variable, Then its value counts, else its declared default,
    assert estimate(query, {"n": 10, "withEvents": True}) == PAGE_QUERIES + 1 + 10
    assert estimate(query, {"withEvents": True}) == PAGE_QUERIES + 1 + 20
    # and a selection that @include leaves out costs nothing.
    assert estimate(query, {"n": 10, "withEvents": False}) == PAGE_QUERIES + 1
    skipped = """{ obligations(first: 10) { edges { node {
        vehicle @skip(if: true) { events { kind } } } } } }"""
    assert estimate(skipped) == PAGE_QUERIES


def test_fragments_count_where_they_are_spread_and_merged_fields_once() -> None:
    # Given the vehicle's events selected through a named fragment and an inline fragment,
    query = """
    query { obligations(first: 40) { edges { node { vehicle { ...History ... on Vehicle {
        events { kind } } } } } } }
    fragment History on Vehicle { events { occurredOn } obligations { id } }"""
    # Then each list counts once per vehicle: `events` is one field, merged as execution does.
    assert estimate(query) == PAGE_QUERIES + 1 + 40 + 40
    # And a fragment spread in two places counts in each place, with that place's sizes.
    twice = """
    query { a: obligations(first: 10) { ...Page } b: obligations(first: 30) { ...Page } }
    fragment Page on ObligationConnection { edges { node { vehicle { events { kind } } } } }"""
    assert estimate(twice) == (PAGE_QUERIES + 1 + 10) + (PAGE_QUERIES + 1 + 30)


def test_every_alias_is_a_field_of_its_own() -> None:
    # Given the same vehicle's events asked for under two aliases,
    query = """{ a: vehicle(vin: "V1") { events { kind } }
                 b: vehicle(vin: "V2") { events { kind } } }"""
    # Then each costs its lookup and its Query.
    assert estimate(query) == 2 * (1 + 1)


def test_fixed_sizes_stand_for_lists_without_arguments() -> None:
    # Given a battery's parts (at most MAX_CHILDREN) and their events,
    query = '{ battery(code: "B") { children { code events { kind } } } }'
    # Then the lookup, one Query for its parts, and one Query per part.
    assert estimate(query) == 1 + 1 + MAX_CHILDREN
    # And a vehicle's or battery's obligations are one page of the maximum size.
    query = '{ vehicle(vin: "V") { obligations { vehicle { events { kind } } } } }'
    assert estimate(query) == 1 + 1 + 2 + PAGE


def test_a_mutation_payload_lists_as_many_as_its_input_names() -> None:
    # Given three batteries registered and each one's events asked for in the payload,
    query = """mutation ($input: RegisterBatteriesInput!) { registerBatteries(input: $input) {
        registered { code events { kind } } userErrors { code } } }"""
    batteries = [
        {"code": f"X12PB0100000010A2{n:07d}", "producedOn": "2026-03-02"} for n in range(3)
    ]
    # Then the mutation's own calls, and one Query for each of the three.
    assert estimate(query, {"input": {"batteries": batteries}}) == cost.MUTATION_CALLS + 3


def test_the_largest_registration_with_each_batterys_children_fits_the_budget() -> None:
    # Given the most batteries one request may register, each one's children in the payload,
    query = """mutation ($input: RegisterBatteriesInput!) { registerBatteries(input: $input) {
        registered { code children { code } } userErrors { code } } }"""
    batteries = [{"code": str(n)} for n in range(settings_from_environment().max_batch_items)]
    # Then: the mutation's own calls, and one Query for each battery's parts.
    assert estimate(query, {"input": {"batteries": batteries}}) == cost.MUTATION_CALLS + 1000
    assert estimate(query, {"input": {"batteries": batteries}}) <= cost.BUDGET


def test_a_document_of_many_fragments_is_walked_once_per_place() -> None:
    # Given fragments that each spread the next under two fields, twenty deep: 2**20 paths,
    # but few distinct places (a selection at a number of objects) at each level,
    fragments = "\n".join(
        f"fragment F{n} on Battery {{ parent {{ ...F{n + 1} }} "
        f"vehicle {{ batteries {{ ...F{n + 1} }} }} }}"
        for n in range(20)
    )
    query = '{ battery(code: "B") { ...F0 } }\n' + fragments + "\nfragment F20 on Battery { code }"
    document = parse(query)
    walk = cost.Estimate(SCHEMA, document, None, PAGE)
    # Then the estimate is found (far over the budget) walking each place once.
    assert walk.of(document.definitions[0]) > cost.BUDGET  # type: ignore[arg-type]
    assert len(walk._memo) < 1_000


def _documented_requests() -> list[tuple[str, str, dict[str, Any] | None]]:
    """The README's GraphQL (its graphql blocks and the JSON bodies of its shell examples)
    and the requests of events/api."""
    found: list[tuple[str, str, dict[str, Any] | None]] = []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for n, block in enumerate(re.findall(r"```graphql\n(.*?)```", readme, re.DOTALL)):
        found.append((f"README.md graphql block {n + 1}", block, None))
    for n, body in enumerate(re.findall(r"-d '(\{\"query\".*?\})'", readme)):
        found.append((f"README.md shell example {n + 1}", json.loads(body)["query"], None))
    for path in sorted((ROOT / "events" / "api").glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        query = parse_qs(event.get("rawQueryString") or "").get("query", [None])[0]
        variables = None
        try:
            body = json.loads(event.get("body") or "null")
        except json.JSONDecodeError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("query"), str):
            query, variables = body["query"], body.get("variables")
        if query:
            found.append((path.name, query, variables))
    return found


DOCUMENTED = _documented_requests()


def test_the_documented_requests_were_found() -> None:
    names = [name for name, _, _ in DOCUMENTED]
    assert any(name.startswith("README.md graphql") for name in names)
    assert any(name.endswith(".json") for name in names)


@pytest.mark.parametrize(("name", "query", "variables"), DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_every_documented_request_is_within_the_budget(
    name: str, query: str, variables: dict[str, Any] | None
) -> None:
    # Given a query the README or an example event shows, Then it runs under the budget.
    assert estimate(query, variables) <= cost.BUDGET


def test_every_field_that_reads_through_a_loader_has_a_cost() -> None:
    # Given the schema as built from code, Then every field below the roots whose resolver
    # awaits a read is costed, so that a relation added later cannot read for free.
    schema = build_strawberry_schema(introspection=True)._schema
    costed = cost.BATCHED | cost.QUERY_PER_OBJECT
    roots = {schema.query_type, schema.mutation_type}
    uncosted = []
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type in roots:
            continue
        for name, field in graphql_type.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            resolver = getattr(definition, "base_resolver", None)
            if resolver is None or not inspect.iscoroutinefunction(resolver.wrapped_func):
                continue
            if (graphql_type.name, name) not in costed:
                uncosted.append(f"{graphql_type.name}.{name}")
    assert uncosted == []


def test_a_pages_total_count_costs_the_summary_it_reads() -> None:
    # Given a page of obligations with and without its totalCount,
    plain = "{ obligations(first: 20) { nodes { id } } }"
    counted = "{ obligations(first: 20) { totalCount nodes { id } } }"
    # Then the count adds the reads of a summary (the nation's at most).
    assert estimate(counted) == estimate(plain) + cost.ROOT_CALLS["complianceSummary"]
