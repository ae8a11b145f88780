"""The limits on what a request may send (graph/limits.py), proved from the schema itself and
through the GraphQL-over-HTTP layer without storage: every list and text argument has a limit,
no record built from one request can approach DynamoDB's item limit, and a document selecting
more than any client needs is refused before it is validated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import graphql
import pytest
from graphql import get_introspection_query, parse

from compliance.lifecycle import Violation
from graph.context import Principal, Role
from graph.http import HttpRequest, handle
from graph.limits import (
    MAX_REPEATED_SELECTIONS,
    MAX_SELECTIONS,
    MAX_USER_ERRORS,
    document_size,
    limit_of,
)
from graph.mutations.common import fields, user_errors
from graph.schema import build_schema
from graph.settings import settings_from_environment

SCHEMA = build_schema(introspection=True)._schema
REGULATOR = Principal(subject="reg-1", role=Role.REGULATOR)
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
# DynamoDB refuses an item over 400 KB; one request's worth of text stays within a quarter of
# it, leaving the rest for what a record holds besides (keys, dates, history).
RECORD_BUDGET_BYTES = 100 * 1024
UTF8_MAX_BYTES = 4  # a character, at most, in UTF-8
SCALAR_BYTES = 32  # a date, a number, an enum value or a boolean, with its attribute name


def _texts_and_lists(
    parent: str, name: str, type_: graphql.GraphQLInputType
) -> Iterator[tuple[str, str, graphql.GraphQLInputType]]:
    """(parent, name, type) of every text or list among `type_` and the input types below it."""
    nullable = graphql.get_nullable_type(type_)
    named = graphql.get_named_type(type_)
    if graphql.is_list_type(nullable) or named in (graphql.GraphQLString, graphql.GraphQLID):
        yield parent, name, type_


def _arguments() -> Iterator[tuple[str, str, graphql.GraphQLInputType]]:
    """Every argument of every root field, and every field of every input type reachable from
    them: where a request can put a list or a text."""
    seen: set[str] = set()
    pending: list[graphql.GraphQLInputObjectType] = []
    for root in (SCHEMA.query_type, SCHEMA.mutation_type):
        assert root is not None
        for field_name, field in root.fields.items():
            for name, argument in field.args.items():
                named = graphql.get_named_type(argument.type)
                if isinstance(named, graphql.GraphQLInputObjectType):
                    pending.append(named)
                else:
                    yield from _texts_and_lists(f"{root.name}.{field_name}", name, argument.type)
    while pending:
        type_ = pending.pop()
        if type_.name in seen:
            continue
        seen.add(type_.name)
        for name, input_field in type_.fields.items():
            named = graphql.get_named_type(input_field.type)
            if isinstance(named, graphql.GraphQLInputObjectType):
                pending.append(named)
                if graphql.is_list_type(graphql.get_nullable_type(input_field.type)):
                    yield type_.name, name, input_field.type
            else:
                yield from _texts_and_lists(type_.name, name, input_field.type)


ARGUMENTS = sorted(_arguments(), key=lambda a: (a[0], a[1]))


@pytest.mark.parametrize(
    ("parent", "name", "type_"), ARGUMENTS, ids=[f"{p}.{n}" for p, n, _ in ARGUMENTS]
)
def test_every_list_and_text_a_request_can_send_has_a_limit(
    parent: str, name: str, type_: graphql.GraphQLInputType
) -> None:
    # Given a list or a text argument anywhere in the schema (inputs of mutations and queries),
    limit = limit_of(parent, name, type_)
    # Then it has a limit of the right kind: items for a list, characters for a text (and for
    # the texts a list holds).
    assert limit is not None, f"{parent}.{name} has no entry in graph.limits.LIMITS"
    nullable = graphql.get_nullable_type(type_)
    named = graphql.get_named_type(type_)
    if graphql.is_list_type(nullable):
        assert limit.items is not None
        assert limit.items > 0
    if named in (graphql.GraphQLString, graphql.GraphQLID):
        assert limit.chars is not None
        assert limit.chars > 0


def _worst_bytes(type_: graphql.GraphQLInputType, parent: str, name: str) -> int:
    """The most UTF-8 bytes a value of `type_` can hold within its limits, counting one item of
    a list whose items are written as records of their own."""
    nullable = graphql.get_nullable_type(type_)
    limit = limit_of(parent, name, type_)
    if graphql.is_list_type(nullable):
        assert limit is not None
        assert limit.items is not None
        items = 1 if limit.apart else limit.items
        item_type = nullable.of_type
        return items * _worst_bytes(item_type, parent, name)
    if isinstance(nullable, graphql.GraphQLInputObjectType):
        return sum(_worst_bytes(f.type, nullable.name, n) for n, f in nullable.fields.items())
    if nullable in (graphql.GraphQLString, graphql.GraphQLID):
        assert limit is not None
        assert limit.chars is not None
        return limit.chars * UTF8_MAX_BYTES
    return SCALAR_BYTES


MUTATIONS = sorted(SCHEMA.mutation_type.fields) if SCHEMA.mutation_type else []


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_no_record_built_from_one_request_can_approach_dynamodbs_item_limit(
    mutation: str,
) -> None:
    assert SCHEMA.mutation_type is not None
    # Given a mutation's input with every list and text at its limit, in 4-byte characters,
    argument = SCHEMA.mutation_type.fields[mutation].args["input"]
    worst = _worst_bytes(argument.type, f"Mutation.{mutation}", "input")
    # Then what one record can take from it is within a quarter of DynamoDB's 400 KB.
    assert worst < RECORD_BUDGET_BYTES, f"{mutation}: {worst:,} bytes"


# --- the size of a document -------------------------------------------------------------------


def post(query: str, principal: Principal | None = REGULATOR) -> tuple[int, Any]:
    request = HttpRequest(
        method="POST",
        path="/graphql",
        headers={"content-type": "application/json", "accept-language": "en"},
        body=json.dumps({"query": query}).encode(),
        request_id="req-1",
    )
    response = handle(request, principal, settings_from_environment(), NOW)
    return response.status, response.json()


class ValidationSpy:
    """Counts the validations the schema runs (every document is validated through this)."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = graphql.validate

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> ValidationSpy:
    spy = ValidationSpy()
    monkeypatch.setattr("strawberry.schema.schema.validate", spy)
    return spy


def test_480_repeated_selections_are_refused_before_validation(
    validations: ValidationSpy,
) -> None:
    # Given 480 `me { role }` selections: under the token limit, but 960 field selections,
    document = "{ " + " ".join("me { role }" for _ in range(480)) + " }"
    # When it is sent,
    status, payload = post(document)
    # Then it is refused as a bad request (it never ran), saying the limit and the size, and
    # was never validated.
    assert status == 400
    [error] = payload["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "limit": MAX_SELECTIONS, "size": 960}
    assert f"more than {MAX_SELECTIONS}" in error["message"]
    assert payload.get("data") is None
    assert validations.calls == 0


def test_one_field_selected_over_and_over_through_fragments_is_refused(
    validations: ValidationSpy,
) -> None:
    # Given 11 fragments each selecting `role`, all spread in one selection set,
    count = MAX_REPEATED_SELECTIONS + 1
    fragments = " ".join(f"fragment F{n} on Principal {{ role }}" for n in range(count))
    spreads = " ".join(f"...F{n}" for n in range(count))
    # When it is sent,
    _, payload = post(f"{{ me {{ {spreads} }} }} {fragments}")
    # Then it is refused, naming the field and how often it is selected, before validation.
    [error] = payload["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_LARGE",
        "limit": MAX_REPEATED_SELECTIONS,
        "size": count,
    }
    assert f"selects 'role' {count} times in one selection set" in error["message"]
    assert validations.calls == 0


def test_a_field_selected_as_often_as_allowed_is_answered(validations: ValidationSpy) -> None:
    document = "{ " + " ".join("me { role }" for _ in range(MAX_REPEATED_SELECTIONS)) + " }"
    status, payload = post(document)
    assert (status, payload["data"]) == (200, {"me": {"role": "REGULATOR"}})
    assert validations.calls == 1


def test_the_introspection_query_is_within_the_limits() -> None:
    document = parse(get_introspection_query(descriptions=True, input_value_deprecation=True))
    selections, (_, times) = document_size(document)
    assert selections <= MAX_SELECTIONS
    assert times <= MAX_REPEATED_SELECTIONS


def test_a_fragment_spread_twice_in_one_selection_set_counts_once() -> None:
    # As execution collects it: the second spread adds nothing.
    document = parse("{ me { ...P ...P } } fragment P on Principal { role subject }")
    assert document_size(document) == (3, ("me", 1))


def test_fragments_spread_in_each_other_are_each_measured_once() -> None:
    # Given fragments that each select their neighbour twice over, 30 deep: 2**30 selections
    # once expanded,
    chain = " ".join(
        f"fragment D{n} on Battery {{ a: parent {{ ...D{n + 1} }} b: parent {{ ...D{n + 1} }} }}"
        for n in range(30)
    )
    document = parse(
        f'{{ battery(code: "X") {{ ...D0 }} }} {chain} fragment D30 on Battery {{ code }}'
    )
    # Then the measure stops at the first fragment over the limit, having read each once.
    selections, _ = document_size(document)
    assert MAX_SELECTIONS < selections < 4 * MAX_SELECTIONS


def test_a_cycle_of_fragments_counts_nothing_and_is_left_to_validation() -> None:
    document = parse(
        "{ me { ...A } } fragment A on Principal { role ...B } "
        "fragment B on Principal { subject ...A }"
    )
    selections, _ = document_size(document)
    assert selections == 3  # me, and role and subject, each once


def test_response_names_add_up_across_inline_fragments_and_spreads() -> None:
    document = parse(
        "{ me { role ... on Principal { role } ...P } } fragment P on Principal { role }"
    )
    assert document_size(document)[1] == ("role", 3)


# --- answers stay small ------------------------------------------------------------------------


def test_user_errors_are_listed_once_each_and_at_most_the_limit_with_a_count_of_the_rest() -> None:
    # Given 25,000 distinct problems, each reported twice,
    found = [
        Violation("INVALID_BATTERY_CODE", "battery_code", f"problem {n}") for n in range(25_000)
    ]
    # When they become userErrors,
    listed = user_errors(found + found, fields())
    # Then each is listed once, the first MAX_USER_ERRORS of them, and a last one counts the rest.
    assert len(listed) == MAX_USER_ERRORS + 1
    assert [e.message for e in listed[:2]] == ["problem 0", "problem 1"]
    assert listed[-1].code == "TOO_MANY_ERRORS"
    assert listed[-1].message.startswith(f"{25_000 - MAX_USER_ERRORS:,} more problems")
