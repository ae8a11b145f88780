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
  `MUTATION_CALLS`, and any other field taking `first` one Query per object; fields computed
  from what is loaded cost nothing, except those `FIELD_CALLS` names (a page's `totalCount`).

A list multiplies the objects below it by its largest size: `first` (at most the maximum page
size; its default when omitted) for a page and its `edges`/`nodes`; the sizes in
`LIST_SIZES` for lists without arguments; in a mutation's payload, the longest list of its
input; any other list `DEFAULT_LIST_SIZE`. The estimate is an upper bound on those terms;
DataLoaders' caching of repeated keys only makes the actual count smaller.
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

from compliance.store.lists import MAX_ROUNDS
from compliance.store.models import ObligationItem
from graph.errors import QueryTooCostly
from graph.loaders import MAX_CHILDREN

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
    # A list page filtered beyond its key reads in growing rounds (compliance/store/lists.py).
    **dict.fromkeys(
        ("vehicles", "batteries", "models", "servicePoints", "enterprises"), MAX_ROUNDS
    ),
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
            list_size = self._input_list_size(nodes[0]) if self.mutation else DEFAULT_LIST_SIZE
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
        if not listed:
            size = 1
        elif first is not None:
            size = first
        elif page is not None:
            size = page  # a page's edges or nodes
        elif key in PAGE_SIZED_LISTS:
            size = self.max_page_size
        else:
            size = LIST_SIZES.get(key, list_size)
        if parent is self.root:
            own = MUTATION_CALLS if self.mutation else ROOT_CALLS.get(name, 1)
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
        self.requested = estimate(
            context.schema._schema,
            context.graphql_document,
            variables=context.variables,
            operation_name=context.operation_name,
            max_page_size=context.context.settings.max_page_size,
        )
        if self.requested > BUDGET:
            refusal = QueryTooCostly(
                f"This operation could make {self.requested:,} DynamoDB calls; the budget is "
                f"{BUDGET:,} a request. Ask for fewer items (a smaller `first`), select nested "
                "lists (events, obligations, batteries, children) on fewer objects, or split "
                "it into several requests.",
                requested=self.requested,
                budget=BUDGET,
            )
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
        return {"cost": {"requested": self.requested, "actual": self.calls.value, "budget": BUDGET}}
