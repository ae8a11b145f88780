"""The query cost limit: before a document runs, an estimate of the DynamoDB calls it can make;
a refusal (QUERY_TOO_COSTLY) when that is over the budget; and on every response
`extensions.cost`: the estimate (`requested`), the DynamoDB calls this request made (`actual`)
and the `budget`, as GitHub's and Shopify's GraphQL APIs report theirs.

Depth, alias and token limits do not bound what a document reads: a list nested in a list
multiplies. The estimate walks the operation as it will execute (fragments expanded, fields
of the same response key merged, `@skip`/`@include` and variables applied) and counts, for
every field, the calls it makes for all the objects it is resolved on:

- a relation read through a loader (`vehicle`, `manufacturer`, `batteries`, ...) is one
  BatchGet per 100 keys for the whole level (graph/loaders.py batches a level);
- a list read by one Query per object (`events`, a battery's `children`, `obligations` of a
  vehicle or battery, and a coverage region's `servicePoints`) is one call per object;
- a root field what `ROOT_CALLS` says (else one call: a lookup or a page), a mutation
  `MUTATION_CALLS` (or what `MUTATION_ROOT_CALLS` says), and any other field taking `first` one
  Query per object; fields computed from what is loaded cost nothing, except those
  `FIELD_CALLS` names (a page's `totalCount`).

A list multiplies the objects below it by its largest size: `first` (at most the maximum page
size; its default when omitted) for a page and its `edges`/`nodes`; the sizes in
`LIST_SIZES` for lists without arguments; `nodes` as many as the ids it is given
(`SIZED_BY_ARGUMENT`); in a mutation's payload, the longest list of its input; any other list
`DEFAULT_LIST_SIZE`. The estimate is an upper bound on those terms;
DataLoaders' caching of repeated keys only makes the actual count smaller.

A bulk mutation (graph/bulk/) costs `BULK_ITEM_CALLS` for each of its items on top, its
`results` are one per item and the lists of each are sized by that item's input. Its budget is
per item: the budget grows by what its items may cost, and the rest of the document is held
to `BUDGET`. A document may select one bulk field, once (QUERY_TOO_COSTLY otherwise).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLInt,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_abstract_type,
    is_list_type,
    is_object_type,
    type_from_ast,
    value_from_ast,
    value_from_ast_untyped,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from compliance.messages import t
from compliance.store.lists import MAX_ROUNDS
from compliance.store.models import ObligationItem
from graph.errors import QueryTooCostly
from graph.loaders import MAX_CHILDREN
from graph.node import MAX_NODES, NODE_TYPES

# DynamoDB calls one request may make. The README's and the example events' requests estimate
# at most 28; a page of 200 obligations with each vehicle's batteries and their events 818; the
# largest registration (1,000 batteries) with each one's parts in its payload 1,005; every
# nested list of a full page of obligations 2,018, which is refused. At the loaders' 16
# concurrent Queries, 2,000 calls of about 10 ms are about 1.3 s of DynamoDB time, well inside
# API Gateway's 29 s.
BUDGET = 2000

# BatchGetItem reads at most 100 keys a call (PynamoDB splits larger batches).
BATCH_GET_KEYS = 100

# What a mutation itself reads and writes (its records, then one transaction): its payload's
# relations are counted on top, like any other selection.
MUTATION_CALLS = 5

# Bulk mutations (graph/bulk/): what an item costs at most, when it reads every record itself:
# a certificate or customs clearance reads its batteries, its vehicle, whether it was recorded
# already and its existing duties, and writes one transaction; a registration reads its
# vehicle, whether it was recorded, its region's coverage and its duties, and writes; a
# fulfilment reads its duty (and a coverage duty's region), and writes. The records the items
# name are read together before they run (one BatchGet per 100) and handed to the first item
# that asks, so most items cost less: measured, 3, 4 and 1 calls an item
# (tests/integration/test_bulk.py holds a call of 500 to its estimate; docs/BENCHMARKS.md).
# The calendar, models and the caller's enterprise are read once a call, within
# MUTATION_CALLS. An item whose write lost a race is read and tried again: a retry the estimate
# does not count.
#
# Their budget is per item: a document's budget grows by what its items may cost, so that a
# call of MAX_BULK_ITEMS items runs while everything else in the document, what its results
# select included, is held to BUDGET. A document may select one bulk field, once: they run one
# after another, and two would double what one request may take.
BULK_ITEM_CALLS: Mapping[str, int] = {
    "issueFactoryCertificates": 5,
    "clearCustomsBatch": 5,
    "registerVehicles": 5,
    "fulfillObligations": 3,
}
# A bulk payload's results: one per item; the lists below each are sized by that item's input.
# Its `obligations`: every item's together.
BULK_RESULTS = frozenset({("BulkVehiclePayload", "results"), ("BulkObligationPayload", "results")})
BULK_ALL_ITEMS = frozenset(
    {("BulkVehiclePayload", "obligations"), ("BulkObligationPayload", "obligations")}
)

# Sizes of lists without a `first` argument: the most a list holds. A vehicle carries a handful
# of traction packs; a battery lists at most MAX_CHILDREN parts; a subject's history is a few
# dozen events. A vehicle's or battery's obligations are read as one page of the maximum size.
BATTERIES_PER_VEHICLE = 4
EVENTS_PER_SUBJECT = 20
LIST_SIZES: Mapping[tuple[str, str], int] = {
    ("Vehicle", "batteries"): BATTERIES_PER_VEHICLE,
    ("Battery", "children"): MAX_CHILDREN,
    ("Vehicle", "events"): EVENTS_PER_SUBJECT,
    ("Battery", "events"): EVENTS_PER_SUBJECT,
}
PAGE_SIZED_LISTS = frozenset({("Vehicle", "obligations"), ("Battery", "obligations")})
# Lists as long as a list argument they are asked with (at most its limit): a record for each id.
SIZED_BY_ARGUMENT: Mapping[tuple[str, str], tuple[str, int]] = {
    ("Query", "nodes"): ("ids", MAX_NODES)
}
DEFAULT_LIST_SIZE = 10

# Relations read through a request's loaders: one BatchGet per level for up to 100 keys.
BATCHED = frozenset(
    {
        ("Obligation", "vehicle"),
        ("Obligation", "battery"),
        ("Obligation", "responsibleEnterprise"),
        ("Battery", "manufacturer"),
        ("Battery", "responsibleEnterprise"),
        ("Battery", "custodian"),
        ("Battery", "vehicle"),
        ("Battery", "parent"),
        ("Vehicle", "model"),
        ("Vehicle", "automaker"),
        ("Vehicle", "scrappedBy"),
        ("Vehicle", "batteries"),
        ("VehicleModel", "owner"),
        ("Principal", "enterprise"),
        ("PartnerKey", "enterprise"),
        ("Change", "obligation"),
    }
)
# Lists read by one Query for each object they are selected on.
QUERY_PER_OBJECT = frozenset(
    {
        ("Vehicle", "events"),
        ("Vehicle", "obligations"),
        ("Battery", "events"),
        ("Battery", "obligations"),
        ("Battery", "children"),
        ("CoverageRegion", "servicePoints"),
    }
)
# Root fields that read nothing or more than one call, as compliance/store reads them (at
# most): a page of obligations merges ordered key ranges, up to five status ranges of an
# enterprise or eight open-status shards of the nation; a summary reads the stored counts, the
# ranges the clock has moved, the next deadline and its record (6 calls for an enterprise, 18
# for the nation).
PAGE_QUERIES = 8
ROOT_CALLS: Mapping[str, int] = {
    "me": 0,
    "decodeBatteryCode": 0,
    "obligations": PAGE_QUERIES,
    "complianceSummary": 18,
    "serviceCoverage": 3,  # a page of network rows, of coverage duties, and the counts
    # The calendar helpers read the calendar in force (one Query of its stored loads); the
    # rule sets are the deployment's settings.
    **dict.fromkeys(("workingDay", "restDays", "deadline"), 1),
    "ruleSets": 0,
    # Records by global id: each type's ids are read together, one BatchGet per type (its at
    # most 100 keys), whichever types the ids name.
    "node": 1,
    "nodes": len(NODE_TYPES),
    # A page of the change feed is one Query, and GetItems of its head and of the next row
    # when it ends on a row not known to be kept (compliance/store/changes.py); where the feed
    # ends, one GetItem of its head.
    "changes": 3,
    "changesCursor": 1,
    # A list page filtered beyond its key reads in growing rounds (compliance/store/lists.py).
    **dict.fromkeys(
        ("vehicles", "batteries", "models", "servicePoints", "enterprises"), MAX_ROUNDS
    ),
}


# Mutations that read more than MUTATION_CALLS: exportObligations counts the list as a summary
# does (to refuse one larger than a file), then writes its record (and, when the queue cannot
# take it, marks it failed).
MUTATION_ROOT_CALLS: Mapping[str, int] = {
    "exportObligations": ROOT_CALLS["complianceSummary"] + 2,
}


# Fields computed by a read of their own: a page's `totalCount` reads the stored counts as a
# summary does (compliance/store/summaries.py), the nation's at most.
FIELD_CALLS: Mapping[tuple[str, str], int] = {
    ("ObligationConnection", "totalCount"): ROOT_CALLS["complianceSummary"],
}


class Estimate:
    """The calls one operation of a document can make; see the module's docstring."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        max_page_size: int,
    ) -> None:
        self.schema = schema
        self.max_page_size = max_page_size
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables: dict[str, Any] = dict(variables or {})
        self.root: GraphQLObjectType | None = None
        self.mutation = False
        # The bulk fields selected (name, items) and the items of the one being walked.
        self.bulk: list[tuple[str, int]] = []
        self.bulk_items = 0
        # Sizes depend on where a selection is, not on the fragment it came from: keyed by
        # place, a fragment spread in many places is walked once per distinct place only.
        self._memo: dict[tuple[Any, ...], int] = {}

    def of(self, operation: OperationDefinitionNode) -> int:
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                declared = type_from_ast(self.schema, definition.type)
                self.variables[name] = value_from_ast(definition.default_value, declared)  # type: ignore[arg-type]
        self.root = self.schema.get_root_type(operation.operation)
        if self.root is None:
            return 0
        self.mutation = operation.operation is OperationType.MUTATION
        total = 0
        for nodes in self._collect(self.root, [operation.selection_set]).values():
            if self.mutation and nodes[0].name.value in BULK_ITEM_CALLS:
                list_size = self._bulk_sizes(nodes[0])
            elif self.mutation:
                list_size = self._input_list_size(nodes[0])
            else:
                list_size = DEFAULT_LIST_SIZE
            total += self._field(self.root, nodes, 1, None, list_size)
        return total

    def _field(
        self,
        parent: GraphQLObjectType,
        nodes: list[FieldNode],
        objects: int,
        page: int | None,
        list_size: int,
    ) -> int:
        """The calls a field makes on `objects` objects of `parent`, and all below it."""
        name = nodes[0].name.value
        if name.startswith("__"):
            return 0
        key = (parent.name, name)
        field = parent.fields[name]
        first = self._first(field, nodes[0])
        listed = is_list_type(get_nullable_type(field.type))
        size = self._size(key, nodes[0], first, page, list_size) if listed else 1
        if parent is self.root:
            own = (
                MUTATION_ROOT_CALLS.get(name, MUTATION_CALLS)
                + self.bulk_items * BULK_ITEM_CALLS.get(name, 0)
                if self.mutation
                else ROOT_CALLS.get(name, 1)
            )
        elif key in BATCHED:
            own = math.ceil(objects * size / BATCH_GET_KEYS)
        elif key in FIELD_CALLS:
            own = objects * FIELD_CALLS[key]
        elif key in QUERY_PER_OBJECT or first is not None:
            own = objects
        else:
            own = 0
        below = objects * size
        if below == 0 or not any(n.selection_set for n in nodes):
            return own
        # A page's size carries to its connection's lists (`edges`, `nodes`).
        child_page = first if first is not None and not listed else None
        return own + self._selection(
            get_named_type(field.type), nodes, below, child_page, list_size
        )

    def _size(
        self,
        key: tuple[str, str],
        node: FieldNode,
        first: int | None,
        page: int | None,
        list_size: int,
    ) -> int:
        """The most objects a list field holds; see the module's docstring."""
        if first is not None:
            return first
        if page is not None:
            return page  # a page's edges or nodes
        if key in PAGE_SIZED_LISTS:
            return self.max_page_size
        if key in BULK_RESULTS:
            return self.bulk_items
        if key in BULK_ALL_ITEMS:
            return self.bulk_items * list_size
        if key in SIZED_BY_ARGUMENT:
            argument, most = SIZED_BY_ARGUMENT[key]
            given = next((a.value for a in node.arguments or () if a.name.value == argument), None)
            value = value_from_ast_untyped(given, self.variables) if given else None
            return min(len(value), most) if isinstance(value, list) else most
        return LIST_SIZES.get(key, list_size)

    def _selection(
        self,
        named: GraphQLNamedType,
        nodes: list[FieldNode],
        objects: int,
        page: int | None,
        list_size: int,
    ) -> int:
        memo_key = (named.name, tuple(id(n) for n in nodes), objects, page, list_size)
        if memo_key in self._memo:
            return self._memo[memo_key]
        selections = [n.selection_set for n in nodes if n.selection_set]
        if is_abstract_type(named):
            # Whichever type each object turns out to be, it costs at most the dearest one.
            runtimes = list(self.schema.get_possible_types(named))
        else:
            runtimes = [named] if is_object_type(named) else []
        cost = 0
        for runtime in runtimes:
            groups = self._collect(runtime, selections).values()
            cost = max(cost, sum(self._field(runtime, g, objects, page, list_size) for g in groups))
        self._memo[memo_key] = cost
        return cost

    def _collect(
        self, runtime: GraphQLObjectType, selections: Sequence[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """The fields selections run on one type, by response key, merged as execution does."""
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    response_key = (selection.alias or selection.name).value
                    fields.setdefault(response_key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    if self._applies(selection.type_condition, runtime):
                        visit(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in visited or fragment is None:
                        continue
                    visited.add(name)
                    if self._applies(fragment.type_condition, runtime):
                        visit(fragment.selection_set)

        for selection_set in selections:
            visit(selection_set)
        return fields

    def _applies(self, condition: NamedTypeNode | None, runtime: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        declared = type_from_ast(self.schema, condition)
        if declared is runtime:
            return True
        return is_abstract_type(declared) and self.schema.is_sub_type(declared, runtime)

    def _included(self, selection: SelectionNode) -> bool:
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition = next(
                (a.value for a in directive.arguments or () if a.name.value == "if"), None
            )
            value = value_from_ast(condition, GraphQLBoolean, self.variables)
            if (name == "skip" and value is True) or (name == "include" and value is False):
                return False
        return True

    def _first(self, field: GraphQLField, node: FieldNode) -> int | None:
        """The page a field taking `first` reads: as asked, else the field's default, at most
        the maximum page size (a larger one is refused when the field runs)."""
        argument = field.args.get("first")
        if argument is None:
            return None
        given = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
        value: Any = value_from_ast(given, GraphQLInt, self.variables) if given else None
        if not _is_int(value):
            value = _default_of(argument)
        if not _is_int(value):
            value = self.max_page_size
        return max(0, min(int(value), self.max_page_size))

    @property
    def bulk_allowance(self) -> int:
        """What the bulk fields' items may cost, on top of the budget."""
        return sum(items * BULK_ITEM_CALLS[name] for name, items in self.bulk)

    def _bulk_sizes(self, node: FieldNode) -> int:
        """Notes a bulk field and its items; the longest list of any one item, which sizes the
        lists of each result."""
        given = next((a.value for a in node.arguments or () if a.name.value == "input"), None)
        value = value_from_ast_untyped(given, self.variables) if given else None
        items = value.get("items") if isinstance(value, dict) else None
        items = items if isinstance(items, list) else []
        self.bulk.append((node.name.value, len(items)))
        self.bulk_items = len(items)
        return max([1, *(_longest_list(item) for item in items)])

    def _input_list_size(self, node: FieldNode) -> int:
        """A mutation's payload lists what its input named: as long as its longest list."""
        longest = 1
        for argument in node.arguments or ():
            value = value_from_ast_untyped(argument.value, self.variables)
            longest = max(longest, _longest_list(value))
        return longest


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _default_of(argument: GraphQLArgument) -> Any:
    if argument.default_value is not Undefined:
        return argument.default_value
    # A schema built from SDL keeps a default as the literal written there.
    default = getattr(argument, "default", None)
    literal = getattr(default, "literal", None)
    if literal is not None:
        return value_from_ast(literal, argument.type)
    return getattr(default, "value", None)


def _longest_list(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *(_longest_list(v) for v in value)])
    if isinstance(value, dict):
        return max([0, *(_longest_list(v) for v in value.values())])
    return 0


def estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    max_page_size: int,
) -> int:
    """The DynamoDB calls the operation `operation_name` of a valid document can make."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    return Estimate(schema, document, variables, max_page_size).of(operation)


# --- counting the calls a request makes -------------------------------------------------------


class CallCount:
    """DynamoDB calls made for one request, from whichever thread makes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


_request_calls: ContextVar[CallCount | None] = ContextVar("request_calls", default=None)
_under_way: list[CallCount] = []
_under_way_lock = threading.Lock()


def _count_call(**_: Any) -> None:
    calls = _request_calls.get()
    if calls is None:
        # A thread that does not carry the request's context (a worker pool of the store's
        # own): its call is the request's when only one is under way, as always on Lambda,
        # where an instance serves one request at a time.
        with _under_way_lock:
            calls = _under_way[0] if len(_under_way) == 1 else None
    if calls is not None:
        calls.add()


def _listen() -> None:
    """Count every call of the botocore client all models share. Registered by id, so once per
    client; again when tests replace the client (compliance/store/models.py)."""
    events = ObligationItem._get_connection().connection.client.meta.events
    events.register("before-call.dynamodb", _count_call, unique_id="graph.cost.calls")


class QueryCost(SchemaExtension):
    """Refuses an operation whose estimate is over `BUDGET` before it runs, and reports the
    estimate and the DynamoDB calls made in `extensions.cost`."""

    def __init__(self, *, execution_context: Any = None) -> None:
        self.requested = 0
        self.budget = BUDGET  # and what the items of a bulk field may cost
        self.calls = CallCount()

    def on_operation(self) -> Iterator[None]:
        _listen()
        token = _request_calls.set(self.calls)
        with _under_way_lock:
            _under_way.append(self.calls)
        try:
            yield
        finally:
            with _under_way_lock:
                _under_way.remove(self.calls)
            _request_calls.reset(token)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None  # executed only once parsed and valid
        walk = Estimate(
            context.schema._schema,
            context.graphql_document,
            context.variables,
            context.context.settings.max_page_size,
        )
        operation = get_operation_ast(context.graphql_document, context.operation_name)
        self.requested = walk.of(operation) if operation is not None else 0
        self.budget = BUDGET + walk.bulk_allowance
        refusal = None
        if len(walk.bulk) > 1:
            refusal = QueryTooCostly(
                t("query.one_bulk_field", count=len(walk.bulk)),
                requested=self.requested,
                budget=self.budget,
            )
        elif self.requested > self.budget:
            refusal = QueryTooCostly(
                t("query.too_costly", requested=self.requested, budget=self.budget),
                requested=self.requested,
                budget=self.budget,
            )
        if refusal is not None:
            context.result = GraphQLExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        str(refusal), original_error=refusal, extensions=refusal.extensions
                    )
                ],
            )
        yield

    def get_results(self) -> dict[str, Any]:
        return {
            "cost": {"requested": self.requested, "actual": self.calls.value, "budget": self.budget}
        }
