"""The schema: its root types, composed of each feature's root fields (graph/<feature>/), and
its protective extensions: depth, alias and token limits, parser and validation caches, masked
internal errors, and introspection off outside development.

`graph/schema.graphql` is this schema exported (`make schema`); a test fails when they drift.
"""

import logging
from dataclasses import replace
from datetime import date, datetime
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
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from compliance.messages import ENGLISH, render, t
from graph.batteries import mutations as battery_mutations
from graph.batteries import queries as battery_queries
from graph.bulk import mutations as bulk_mutations
from graph.calendar import mutations as calendar_mutations
from graph.calendar import queries as calendar_queries
from graph.changes import queries as change_queries
from graph.cost import QueryCost
from graph.enterprises import mutations as enterprise_mutations
from graph.enterprises import queries as enterprise_queries
from graph.errors import about_the_request, client_error
from graph.exports import mutations as export_mutations
from graph.exports import queries as export_queries
from graph.limits import ArgumentLimits, SelectionLimits
from graph.network import mutations as network_mutations
from graph.network import queries as network_queries
from graph.node import node as node_lookup
from graph.node import nodes as nodes_lookup
from graph.obligations import mutations as obligation_mutations
from graph.obligations import queries as obligation_queries
from graph.partner_keys import mutations as partner_key_mutations
from graph.partner_keys import queries as partner_key_queries
from graph.vehicles import mutations as vehicle_mutations
from graph.vehicles import queries as vehicle_queries

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
    original with the request id. Client errors and INTERNAL are said in the request's
    language; graphql-core's own (syntax, validation) stay as it words them, in English."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: True, error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        operation = self.execution_context.operation_type
        language = getattr(self.execution_context.context, "language", ENGLISH)
        told = client_error(error, mutation=operation is OperationType.MUTATION)
        if told is not None:
            return self._coded(error, render(told.message, language), told.extensions)
        if about_the_request(error):
            code = (error.extensions or {}).get("code") or "GRAPHQL_VALIDATION_FAILED"
            return self._coded(error, error.message, {**(error.extensions or {}), "code": code})
        request_id = getattr(self.execution_context.context, "request_id", "")
        logger.error(
            "unexpected error in resolver",
            exc_info=error.original_error,
            extra={"path": error.path, "request_id": request_id},
        )
        masked = render(t("api.internal"), language)
        return self._coded(error, masked, {"code": "INTERNAL", "requestId": request_id})

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


# The root fields, in the order the schema has always listed them. Each is its feature's, and
# declares there who may call it (its permission classes, graph/permissions.py).


@strawberry.type(name="Query")
class Query:
    me = enterprise_queries.me
    enterprise = enterprise_queries.enterprise
    vehicle = vehicle_queries.vehicle
    battery = battery_queries.battery
    decode_battery_code = battery_queries.decode_code
    obligation = obligation_queries.obligation
    obligations = obligation_queries.obligations
    service_coverage = network_queries.service_coverage
    compliance_summary = obligation_queries.compliance_summary
    calendar_rescheduling = calendar_queries.calendar_rescheduling
    partner_keys = partner_key_queries.partner_keys
    vehicles = vehicle_queries.vehicles
    batteries = battery_queries.batteries
    models = vehicle_queries.models
    service_points = network_queries.service_points
    enterprises = enterprise_queries.enterprises
    # Read-only helpers for clients: the working-day calendar and the rule sets.
    working_day = calendar_queries.working_day
    rest_days = calendar_queries.rest_days
    deadline = calendar_queries.deadline
    rule_sets = obligation_queries.rule_sets
    # An export of the obligations list, followed until its file is ready (graph/exports/).
    export = export_queries.export
    # Relay's global object identification: any record by its global id (graph/node.py).
    node = node_lookup
    nodes = nodes_lookup
    # A partner's sync: its enterprise's changes since a cursor it keeps.
    changes = change_queries.changes
    changes_cursor = change_queries.changes_cursor


@strawberry.type(name="Mutation")
class Mutation:
    register_enterprise = enterprise_mutations.register_enterprise
    update_enterprise = enterprise_mutations.update_enterprise
    register_batteries = battery_mutations.register_batteries
    supply_batteries = battery_mutations.supply_batteries
    install_batteries = battery_mutations.install_batteries
    remove_batteries = battery_mutations.remove_batteries
    sell_battery_directly = battery_mutations.sell_battery_directly
    receive_repair_return = battery_mutations.receive_repair_return
    dispose_batteries = battery_mutations.dispose_batteries
    receive_at_service_point = battery_mutations.receive_at_service_point
    hand_over_batteries = battery_mutations.hand_over_batteries
    recode_battery = battery_mutations.recode_battery
    record_warehouse_entry = battery_mutations.record_warehouse_entry
    record_warehouse_exit = battery_mutations.record_warehouse_exit
    announce_model = vehicle_mutations.announce_model
    issue_factory_certificate = vehicle_mutations.issue_factory_certificate
    clear_customs = vehicle_mutations.clear_customs
    register_vehicle = vehicle_mutations.register_vehicle
    scrap_vehicle = vehicle_mutations.scrap_vehicle
    fulfill_obligation = obligation_mutations.fulfill_obligation
    waive_obligation = obligation_mutations.waive_obligation
    upsert_service_point = network_mutations.upsert_service_point
    load_calendar_year = calendar_mutations.load_calendar_year
    create_partner_key = partner_key_mutations.create_partner_key
    revoke_partner_key = partner_key_mutations.revoke_partner_key
    export_obligations = export_mutations.export_obligations
    # What partner systems send in volume, many items a call (graph/bulk/).
    issue_factory_certificates = bulk_mutations.issue_factory_certificates
    clear_customs_batch = bulk_mutations.clear_customs_batch
    register_vehicles = bulk_mutations.register_vehicles
    fulfill_obligations = bulk_mutations.fulfill_obligations


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


# What the date and time scalars hold (the README's "Instants and names"). Their values are
# Strawberry's, unchanged (isoformat): only what the schema says of them is this project's.
INSTANT = replace(
    DateTimeDefinition,
    description="An instant: ISO 8601 (RFC 3339) date and time, always with its UTC offset, "
    "with fractional seconds when they are not zero (up to 6 digits). `dueAt` is the end of a "
    "China civil day in China time, so that its date is the due date: "
    "2026-10-15T23:59:59.999000+08:00. Every other DateTime (recordedAt, createdAt, updatedAt, "
    "closedAt, at, ...) is an instant of the platform's clock, in UTC, written +00:00 (not Z): "
    "2026-10-12T02:15:07.120000+00:00. Compare them as instants, not as text.",
)
CIVIL_DATE = replace(
    DateDefinition,
    description="A calendar date, ISO 8601 (2026-10-15): a China civil date (Asia/Shanghai), "
    "the days the rules count in. No time zone: a day, not an instant.",
)


@cache
def build_schema(*, introspection: bool) -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=_extensions(introspection),
        scalar_overrides={datetime: INSTANT, date: CIVIL_DATE},
    )


def sdl() -> str:
    return build_schema(introspection=True).as_str() + "\n"


if __name__ == "__main__":
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SDL_PATH}")
