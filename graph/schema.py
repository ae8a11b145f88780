"""The schema and its protective extensions: depth, alias and token limits, parser and
validation caches, masked internal errors, and introspection off outside development.

`graph/schema.graphql` is this schema exported (`make schema`); a test fails when they drift.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from graph.cost import QueryCost
from graph.errors import about_the_request, client_error
from graph.limits import ArgumentLimits, SelectionLimits
from graph.lists import ListQuery
from graph.mutations import Mutation as CoreMutation
from graph.partner_keys import PartnerKeyMutation, PartnerKeyQuery
from graph.queries import Query as CoreQuery

SDL_PATH = Path(__file__).with_name("schema.graphql")
logger = logging.getLogger(__name__)

# The deepest legitimate query (obligations > edges > node > vehicle > batteries > manufacturer
# > province > name) is 8 levels; 10 leaves room without allowing runaway nesting.
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000


class CodedErrors(MaskErrors):
    """Every error leaves with a stable `extensions.code`, through MaskErrors' public hook:
    each one is passed to `anonymise_error`, which keeps client errors and errors about the
    request as they are, answers a failing store as SERVICE_UNAVAILABLE (graph/errors.py says
    what the client is told, in one place), and masks anything else as INTERNAL, logging the
    original with the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: True, error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        operation = self.execution_context.operation_type
        told = client_error(error, mutation=operation is OperationType.MUTATION)
        if told is not None:
            return self._coded(error, str(told), told.extensions)
        if about_the_request(error):
            code = (error.extensions or {}).get("code") or "GRAPHQL_VALIDATION_FAILED"
            return self._coded(error, error.message, {**(error.extensions or {}), "code": code})
        request_id = getattr(self.execution_context.context, "request_id", "")
        logger.error(
            "unexpected error in resolver",
            exc_info=error.original_error,
            extra={"path": error.path, "request_id": request_id},
        )
        return self._coded(error, self.error_message, {"code": "INTERNAL", "requestId": request_id})

    @staticmethod
    def _coded(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )


def _extensions(introspection: bool) -> list[Any]:
    """Factories, so that each request gets fresh extension instances (they hold its state)."""
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        # Before validation (and its cache) sees the document: it refuses what would be slow
        # to validate.
        SelectionLimits,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: ValidationCache(maxsize=512),
        # Query arguments over their limits are refused before any resolver or cost estimate.
        ArgumentLimits,
        QueryCost,
        CodedErrors,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return extensions


@strawberry.type(name="Query")
class Query(CoreQuery, PartnerKeyQuery, ListQuery):
    pass


@strawberry.type(name="Mutation")
class Mutation(CoreMutation, PartnerKeyMutation):
    pass


class Schema(strawberry.Schema):
    """Client errors are answers, not incidents: only masked (internal) errors are logged, by
    CodedErrors, with the request id."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None

    def _warn_for_federation_directives(self) -> None:
        # The check warns when federation directives are used outside a federation schema.
        # This schema declares none, and the check's import of strawberry.federation's
        # directive module is about 10 ms of every cold start.
        return None


@cache
def build_schema(*, introspection: bool) -> strawberry.Schema:
    return Schema(query=Query, mutation=Mutation, extensions=_extensions(introspection))


def sdl() -> str:
    return build_schema(introspection=True).as_str() + "\n"


if __name__ == "__main__":
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SDL_PATH}")
