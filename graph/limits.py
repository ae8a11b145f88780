"""What one request may send: the most items of every list argument and the most characters of
every text argument (`LIMITS`), and how large a document may be before it is validated
(`MAX_SELECTIONS`, `MAX_REPEATED_SELECTIONS`).

Sizes of the world come from the domain (a vehicle's batteries, an enterprise's contacts, a
name); the rest are sizes of the transport (an identifier, a cursor, a document). Every list
and text argument of the schema has a limit (a list of enum values, one item per value); a test
derived from the schema fails for one that has none.

Who asks is checked first. A mutation checks its caller's role, then its input against these
limits (`input_errors`, userErrors TOO_LONG and TOO_MANY_ITEMS naming the path, the limit and
the length sent), and only then reads, decodes or compares anything; nothing is written. A query
may be asked by anyone signed in, so its arguments are checked as the operation starts
(`ArgumentLimits`, BAD_USER_INPUT): the check looks at no more than each list's length and its
capped items, whatever was sent. A document with more field selections than any client needs is
refused before validation (`SelectionLimits`, QUERY_TOO_LARGE), whose cost grows with the
square of repeated selections.

Lengths count characters (code points), not bytes: 200 characters of Chinese are as
acceptable as 200 of Latin. In UTF-8 a character is at most 4 bytes, so a record built from
one request stays far below DynamoDB's 400 KB item limit (a test adds the worst case up).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension

from compliance.enterprises import EMAIL_MAX_LENGTH, MAX_CONTACTS
from compliance.enterprises import NAME_MAX_LENGTH as ENTERPRISE_NAME_MAX_LENGTH
from compliance.limits import (
    CALENDAR_SOURCE_MAX_LENGTH,
    HOLIDAYS_PER_YEAR,
    LANGUAGE_TAG_MAX_LENGTH,
    MAKE_UP_WORKDAYS_PER_YEAR,
    MANUFACTURER_CODES_PER_ENTERPRISE,
    RULE_IDS_PER_FILTER,
)
from compliance.messages import ENGLISH, listing, phrase, render, t, too_long
from compliance.network import ADDRESS_MAX_LENGTH
from compliance.network import NAME_MAX_LENGTH as POINT_NAME_MAX_LENGTH
from compliance.obligations import REASON_MAX_LENGTH, RECEIPT_MAX_LENGTH
from compliance.partner_keys import SCOPES
from compliance.services.events import MAX_BATCH, MAX_VEHICLE_BATTERIES
from graph.errors import BadUserInput, QueryTooLarge
from graph.node import MAX_NODES
from graph.types import Info, UserError

# --- sizes of the transport -----------------------------------------------------------------

# An identifier or code: real ones are short (a USCC has 18 characters, a battery code 24, a VIN
# 17, an obligation id 27, a model code about 10, a region code 6); one a little too long gets
# the domain's own explanation, one beyond this names nothing and is refused as too long.
ID_MAX_LENGTH = 128
# A page cursor holds a stored position (a few identifiers) and a signature, in base64: the
# API's own are a few hundred characters.
CURSOR_MAX_LENGTH = 2048
# A partner key's name says which system uses it; its description, what for.
PARTNER_KEY_NAME_MAX_LENGTH = 100
PARTNER_KEY_DESCRIPTION_MAX_LENGTH = 500
# A period in its compact form is a few characters ('365WD', 'STANDING'), spaces around it aside.
PERIOD_MAX_LENGTH = 16
# The days `restDays` lists at once: a year, a leap one included (`to` - `from` at most this).
REST_DAYS_MAX_SPAN = 366

# Field selections of a document once its fragments are expanded. The README's queries select
# under 30, GraphiQL's introspection query 229. Validation compares every two selections of the
# same response name in one selection set, and their selections below, so 480 repeated
# `me { role }` (under the token limit) took it 0.4-1.1 s here, until graphql-core gave up, and
# 5 s on a slower machine. A client merging fragments selects a name a few times; the costliest
# document found within both limits (10 times 10 times 4 nested selections) validates in 32 ms.
MAX_SELECTIONS = 500
MAX_REPEATED_SELECTIONS = 10

# The items of one bulk mutation (graph/bulk/): the largest automaker's working day (about
# 36,000 duties) in some 70 requests, each answered well within API Gateway's 29 s
# (docs/BENCHMARKS.md, "Bulk mutations").
MAX_BULK_ITEMS = 500

# The userErrors one answer lists: one for each item of the largest batch. A batch of 1,000
# malformed codes can have 25 problems each, 25,000 in all: several megabytes, past what a
# Lambda function may answer (6 MB).
MAX_USER_ERRORS = MAX_BATCH


# --- the limits -----------------------------------------------------------------------------

SPLIT = "limit.advice.split"


@dataclass(frozen=True)
class Limit:
    """The most a list argument may hold (`items`), and the most characters of a text argument
    or of each text of a list (`chars`), which a message calls `what`. The words a message says
    (`what`, `per`, `advice`) are catalog keys (compliance.messages)."""

    items: int | None = None
    chars: int | None = None
    what: str = "what.value"
    per: str = "limit.per.request"  # what the item limit is counted over
    advice: str = SPLIT  # what to do with a list over it
    # Each item becomes records of its own (a batch of batteries): one record holds one item.
    apart: bool = False


def _key(what: str) -> Limit:
    return Limit(chars=ID_MAX_LENGTH, what=what)


def _text(most: int, what: str) -> Limit:
    return Limit(chars=most, what=what)


def _batch(what: str = "what.battery_code") -> Limit:
    return Limit(items=MAX_BATCH, chars=ID_MAX_LENGTH, what=what, apart=True)


# A vehicle carries a handful of traction packs (compliance.services.events).
_VEHICLE_PACKS = Limit(
    items=MAX_VEHICLE_BATTERIES,
    chars=ID_MAX_LENGTH,
    what="what.battery_code",
    per="limit.per.vehicle",
    advice="limit.advice.vehicle_packs",
)
_CONTACTS = Limit(
    items=MAX_CONTACTS,
    per="limit.per.enterprise",
    advice="limit.advice.contacts",
)
_ENTERPRISE = _key("what.enterprise_id")
_CURSOR = _text(CURSOR_MAX_LENGTH, "what.cursor")

# Keyed by input type and field, or by `Query.<field>` and argument; GraphQL names. A list of an
# enum needs no entry: it may name each value once, so it holds at most as many items as the
# enum has values.
LIMITS: Mapping[tuple[str, str], Limit] = {
    # enterprises
    ("RegisterEnterpriseInput", "id"): _ENTERPRISE,
    ("RegisterEnterpriseInput", "name"): _text(ENTERPRISE_NAME_MAX_LENGTH, "what.name"),
    ("RegisterEnterpriseInput", "manufacturerCodes"): Limit(
        items=MANUFACTURER_CODES_PER_ENTERPRISE,
        chars=ID_MAX_LENGTH,
        what="what.manufacturer_code",
        per="limit.per.enterprise",
        advice="limit.advice.manufacturer_codes",
    ),
    ("RegisterEnterpriseInput", "provinceCode"): _key("what.province_code"),
    ("RegisterEnterpriseInput", "contacts"): _CONTACTS,
    ("UpdateEnterpriseInput", "id"): _ENTERPRISE,
    ("UpdateEnterpriseInput", "name"): _text(ENTERPRISE_NAME_MAX_LENGTH, "what.name"),
    ("UpdateEnterpriseInput", "provinceCode"): _key("what.province_code"),
    ("UpdateEnterpriseInput", "contacts"): _CONTACTS,
    ("ContactInput", "email"): _text(EMAIL_MAX_LENGTH, "what.email"),
    ("ContactInput", "language"): _text(LANGUAGE_TAG_MAX_LENGTH, "what.language_tag"),
    # batteries
    ("RegisterBatteriesInput", "batteries"): Limit(items=MAX_BATCH, apart=True),
    ("BatteryRegistrationInput", "code"): _key("what.battery_code"),
    ("BatteryRegistrationInput", "parentCode"): _key("what.parent_code"),
    ("SupplyBatteriesInput", "codes"): _batch(),
    ("SupplyBatteriesInput", "automakerId"): _key("what.automaker_id"),
    ("InstallBatteriesInput", "vin"): _key("what.vin"),
    # Installed or removed at once, as one change of the vehicle; a replacement over several
    # visits is sent as several requests.
    ("InstallBatteriesInput", "codes"): Limit(
        items=MAX_VEHICLE_BATTERIES, chars=ID_MAX_LENGTH, what="what.battery_code"
    ),
    ("RemoveBatteriesInput", "vin"): _key("what.vin"),
    ("RemoveBatteriesInput", "codes"): Limit(
        items=MAX_VEHICLE_BATTERIES, chars=ID_MAX_LENGTH, what="what.battery_code"
    ),
    ("SellBatteryDirectlyInput", "code"): _key("what.battery_code"),
    ("SellBatteryDirectlyInput", "buyer"): _text(ENTERPRISE_NAME_MAX_LENGTH, "what.buyer"),
    ("SellBatteryDirectlyInput", "provinceCode"): _key("what.province_code"),
    ("ReceiveRepairReturnInput", "code"): _key("what.battery_code"),
    ("DisposeBatteriesInput", "codes"): _batch(),
    ("WarehouseEntryInput", "codes"): _batch(),
    ("WarehouseExitInput", "codes"): _batch(),
    ("ReceiveAtServicePointInput", "servicePointId"): _key("what.service_point_id"),
    ("ReceiveAtServicePointInput", "codes"): _batch(),
    ("HandOverBatteriesInput", "servicePointId"): _key("what.service_point_id"),
    ("HandOverBatteriesInput", "codes"): _batch(),
    ("HandOverBatteriesInput", "recipientId"): _key("what.recipient_id"),
    ("RecodeBatteryInput", "code"): _key("what.battery_code"),
    ("RecodeBatteryInput", "newCode"): _key("what.new_code"),
    # vehicles and models
    ("AnnounceModelInput", "model"): _key("what.model_code"),
    ("IssueFactoryCertificateInput", "vin"): _key("what.vin"),
    ("IssueFactoryCertificateInput", "model"): _key("what.model_code"),
    ("IssueFactoryCertificateInput", "batteryCodes"): _VEHICLE_PACKS,
    ("ClearCustomsInput", "vin"): _key("what.vin"),
    ("ClearCustomsInput", "model"): _key("what.model_code"),
    ("ClearCustomsInput", "batteryCodes"): _VEHICLE_PACKS,
    ("RegisterVehicleInput", "vin"): _key("what.vin"),
    ("RegisterVehicleInput", "regionCode"): _key("what.region_code"),
    ("ScrapVehicleInput", "vin"): _key("what.vin"),
    ("ScrapVehicleInput", "batteryCodes"): _VEHICLE_PACKS,
    # bulk mutations: each item is held to its own limits, and refused alone when over them
    **dict.fromkeys(
        (
            ("IssueFactoryCertificatesInput", "items"),
            ("ClearCustomsBatchInput", "items"),
            ("RegisterVehiclesInput", "items"),
            ("FulfillObligationsInput", "items"),
        ),
        Limit(items=MAX_BULK_ITEMS, apart=True, advice="limit.advice.rest_in_another_request"),
    ),
    # obligations
    ("FulfillObligationInput", "id"): _key("what.obligation_id"),
    ("FulfillObligationInput", "platformReceipt"): _text(RECEIPT_MAX_LENGTH, "what.receipt"),
    ("WaiveObligationInput", "id"): _key("what.obligation_id"),
    ("WaiveObligationInput", "reason"): _text(REASON_MAX_LENGTH, "what.reason"),
    # service points
    ("ServicePointInput", "id"): _key("what.service_point_id"),
    ("ServicePointInput", "name"): _text(POINT_NAME_MAX_LENGTH, "what.name"),
    ("ServicePointInput", "regionCode"): _key("what.region_code"),
    ("ServicePointInput", "address"): _text(ADDRESS_MAX_LENGTH, "what.address"),
    # the calendar
    ("LoadCalendarYearInput", "holidays"): Limit(
        items=HOLIDAYS_PER_YEAR,
        per="limit.per.year",
        advice="limit.advice.holidays",
    ),
    ("LoadCalendarYearInput", "makeUpWorkdays"): Limit(
        items=MAKE_UP_WORKDAYS_PER_YEAR,
        per="limit.per.year",
        advice="limit.advice.make_up_workdays",
    ),
    ("LoadCalendarYearInput", "source"): _text(CALENDAR_SOURCE_MAX_LENGTH, "what.source"),
    # partner keys
    ("CreatePartnerKeyInput", "enterpriseId"): _ENTERPRISE,
    ("CreatePartnerKeyInput", "name"): _text(PARTNER_KEY_NAME_MAX_LENGTH, "what.name"),
    ("CreatePartnerKeyInput", "scopes"): Limit(
        items=len(SCOPES),
        chars=ID_MAX_LENGTH,
        what="what.scope",
        per="limit.per.key",
        advice="limit.advice.scopes",
    ),
    ("CreatePartnerKeyInput", "description"): _text(
        PARTNER_KEY_DESCRIPTION_MAX_LENGTH, "what.description"
    ),
    ("RevokePartnerKeyInput", "id"): _key("what.partner_key_id"),
    # query arguments and filters
    ("Query.enterprise", "id"): _ENTERPRISE,
    ("Query.vehicle", "vin"): _key("what.vin"),
    ("Query.battery", "code"): _key("what.battery_code"),
    ("Query.decodeBatteryCode", "code"): _key("what.battery_code"),
    ("Query.obligation", "id"): _key("what.obligation_id"),
    ("Query.export", "id"): _key("what.export_id"),
    ("Query.node", "id"): _key("what.global_id"),
    ("Query.nodes", "ids"): Limit(
        items=MAX_NODES,
        chars=ID_MAX_LENGTH,
        what="what.global_id",
        advice="limit.advice.ask_rest_in_another_request",
    ),
    ("Query.obligations", "after"): _CURSOR,
    ("Query.serviceCoverage", "enterpriseId"): _ENTERPRISE,
    ("Query.serviceCoverage", "after"): _CURSOR,
    ("Query.complianceSummary", "enterpriseId"): _ENTERPRISE,
    ("Query.partnerKeys", "enterpriseId"): _ENTERPRISE,
    ("Query.vehicles", "after"): _CURSOR,
    ("Query.batteries", "after"): _CURSOR,
    ("Query.models", "after"): _CURSOR,
    ("Query.servicePoints", "after"): _CURSOR,
    ("Query.enterprises", "after"): _CURSOR,
    ("Query.changes", "after"): _CURSOR,
    ("Query.deadline", "period"): _text(PERIOD_MAX_LENGTH, "what.period"),
    ("ObligationFilter", "ruleId"): Limit(
        items=RULE_IDS_PER_FILTER,
        chars=ID_MAX_LENGTH,
        what="what.rule_id",
        advice="limit.advice.rule_ids",
    ),
    ("ObligationFilter", "vin"): _key("what.vin"),
    ("ObligationFilter", "batteryCode"): _key("what.battery_code"),
    ("ObligationFilter", "modelCode"): _key("what.model_code"),
    ("ObligationFilter", "regionCode"): _key("what.region_code"),
    ("ObligationFilter", "enterpriseId"): _ENTERPRISE,
    ("VehicleFilter", "enterpriseId"): _ENTERPRISE,
    ("VehicleFilter", "model"): _key("what.model_code"),
    ("VehicleFilter", "regionCode"): _key("what.region_code"),
    ("BatteryFilter", "enterpriseId"): _ENTERPRISE,
    ("VehicleModelFilter", "enterpriseId"): _ENTERPRISE,
    ("ServicePointFilter", "enterpriseId"): _ENTERPRISE,
    ("ServicePointFilter", "regionCode"): _key("what.region_code"),
    ("EnterpriseFilter", "provinceCode"): _key("what.province_code"),
}

# Should a list or text ever reach the check without an entry (the schema test prevents it), it
# is held to the tightest limits above rather than to none.
_FALLBACK = Limit(items=MAX_VEHICLE_BATTERIES, chars=ID_MAX_LENGTH)


def limit_of(parent: str, name: str, type_: GraphQLInputType) -> Limit | None:
    """The limit of field or argument `name` of `parent` (a type name, or `Query.<field>`):
    its entry, or for a list of an enum, one item per value."""
    if (parent, name) in LIMITS:
        return LIMITS[(parent, name)]
    nullable = get_nullable_type(type_)
    if is_list_type(nullable) and isinstance(get_named_type(nullable), GraphQLEnumType):
        enum = get_named_type(nullable)
        assert isinstance(enum, GraphQLEnumType)
        return Limit(items=len(enum.values), advice="limit.advice.enum_values", per="")
    return None


# --- checking arguments against them ----------------------------------------------------------


@dataclass(frozen=True)
class Excess:
    """A value over its limit: where it is (from the argument down), its limit and its size."""

    path: tuple[str, ...]
    limit: Limit
    size: int
    items: bool  # True: a list over `limit.items`; False: a text over `limit.chars`

    @property
    def code(self) -> str:
        return "TOO_MANY_ITEMS" if self.items else "TOO_LONG"

    @property
    def message(self) -> str:
        limit = self.limit
        if not self.items:
            assert limit.chars is not None
            return too_long(limit.what, self.size, limit.chars)
        said = {
            "size": self.size,
            "limit": limit.items,
            # "limit.advice.scopes" lists the scopes
            "advice": phrase(limit.advice, scopes=listing(SCOPES)),
            "per": phrase(limit.per),
        }
        return t("limit.too_many" if limit.per else "limit.too_many_unqualified", **said)


def excesses(
    type_: GraphQLInputType,
    value: Any,
    path: tuple[str, ...],
    limit: Limit | None,
    *,
    ids: bool = True,
) -> Iterator[Excess]:
    """Every value over its limit within `value` of `type_`. Values are as a resolver gets them
    (input objects by their Python attribute names) or as GraphQL coerces them (mappings by
    field name). A list is measured before its items, which are looked at only when it is
    within its limit; with `ids` False, IDs are left to name nothing rather than refused."""
    nullable = get_nullable_type(type_)
    if value is None:
        return
    if is_list_type(nullable):
        yield from _list_excesses(nullable.of_type, value, path, limit, ids=ids)
    elif isinstance(nullable, GraphQLInputObjectType):
        for name, field in nullable.fields.items():
            yield from excesses(
                field.type,
                _field_value(value, name, field),
                (*path, name),
                limit_of(nullable.name, name, field.type),
                ids=ids,
            )
    elif isinstance(value, str) and nullable in (GraphQLString, GraphQLID):
        if nullable is GraphQLID and not ids:
            return
        if limit is None or limit.chars is None:
            limit = replace(limit or _FALLBACK, chars=_FALLBACK.chars)
        assert limit.chars is not None
        if len(value) > limit.chars:
            yield Excess(path, limit, len(value), items=False)


def _list_excesses(
    item_type: GraphQLInputType,
    value: Any,
    path: tuple[str, ...],
    limit: Limit | None,
    *,
    ids: bool,
) -> Iterator[Excess]:
    """A list over its limit, or else every excess among its items."""
    if limit is None or limit.items is None:
        limit = replace(limit or _FALLBACK, items=_FALLBACK.items)
    assert limit.items is not None
    if len(value) > limit.items:
        yield Excess(path, limit, len(value), items=True)
        return
    for index, item in enumerate(value):
        yield from excesses(item_type, item, (*path, str(index)), limit, ids=ids)


def _field_value(value: Any, name: str, field: Any) -> Any:
    """An input object's field: by GraphQL name in a mapping, by Python name on an object."""
    if isinstance(value, Mapping):
        return value.get(name)
    definition = field.extensions.get("strawberry-definition")
    return getattr(value, getattr(definition, "python_name", name), None)


def input_errors(info: Info, input: object) -> list[UserError]:
    """A mutation's `input` against the limits, as userErrors: call it once the caller's role
    is checked, before anything else looks at the input."""
    mutations = info.schema._schema.mutation_type
    assert mutations is not None
    argument = mutations.fields[info.field_name].args["input"]
    return [
        UserError(field=list(e.path), code=e.code, message=e.message)
        for e in excesses(argument.type, input, ("input",), None)
    ]


def argument_excesses(
    root: GraphQLObjectType, node: FieldNode, variables: VariableValues
) -> list[Excess]:
    """The values over their limits among the arguments of root field `node`."""
    field = root.fields.get(node.name.value)
    if field is None:  # __typename, __schema, __type: nothing of ours to measure
        return []
    try:
        values = get_argument_values(field, node, variables)
    except GraphQLError:  # an argument that cannot be read: the execution says why
        return []
    found: list[Excess] = []
    for name, argument in field.args.items():
        limit = limit_of(f"{root.name}.{node.name.value}", name, argument.type)
        found += excesses(argument.type, values.get(name), (name,), limit, ids=False)
    return found


class ArgumentLimits(SchemaExtension):
    """Refuses a query whose arguments are over their limits before any resolver runs: a
    BAD_USER_INPUT naming the argument (`field`, dotted), its `limit` and the `length` sent.

    An ID in a query names a record: one too long to name anything reads as not found, as
    another enterprise's record does (compliance.store.reads.storable), and is not refused.
    A request without credentials is left to its resolvers, which answer UNAUTHENTICATED.
    Mutations check their own input once they have checked the caller (`input_errors`)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None and getattr(context.context, "principal", None) is not None:
            refusal = self._refusal()
            if refusal is not None:
                context.result = GraphQLExecutionResult(data=None, errors=[refusal])
        yield

    def _refusal(self) -> GraphQLError | None:
        context = self.execution_context
        schema: GraphQLSchema = context.schema._schema
        operation = _operation(context.graphql_document, context.operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        variables = get_variable_values(
            schema, operation.variable_definitions or (), context.variables or {}
        )
        if isinstance(variables, list):  # errors: the execution reports them
            return None
        assert schema.query_type is not None
        assert context.graphql_document is not None
        fragments = _fragments(context.graphql_document)
        for node in _root_fields(operation.selection_set, fragments):
            for excess in argument_excesses(schema.query_type, node, variables):
                field = ".".join(excess.path)
                refusal = BadUserInput(
                    t("limit.argument", field=field, root=node.name.value, problem=excess.message),
                    field=field,
                    limit=excess.limit.items if excess.items else excess.limit.chars,
                    length=excess.size,
                )
                return GraphQLError(
                    str(refusal),
                    nodes=[node],
                    original_error=refusal,
                    extensions=refusal.extensions,
                )
        return None


def _operation(document: DocumentNode | None, name: str | None) -> OperationDefinitionNode | None:
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The root fields an operation selects, through fragments (a valid document has no
    cycles; each fragment is entered once)."""
    stack, entered = [selection_set], set()
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in entered:
                    entered.add(name)
                    stack.append(fragments[name].selection_set)


# --- the size of a document -------------------------------------------------------------------


@dataclass(frozen=True)
class _Measure:
    """A definition's field selections once fragments are expanded, the response names of its
    top selection set (what a spread of it adds where it is spread), and the most times one
    response name is selected in any one of its selection sets."""

    selections: int
    names: Counter[str]
    repeated: tuple[str, int]


def document_size(document: DocumentNode) -> tuple[int, tuple[str, int]]:
    """The field selections of a document's operations once fragments are expanded, and the
    response name selected most often in one selection set with how often. Fragments spread
    twice in one selection set count once, as execution collects them; a fragment in a cycle
    counts nothing (validation refuses cycles). Linear in the document: each fragment is
    measured once, without recursion."""
    fragments = _fragments(document)
    measured: dict[str, _Measure] = {}
    for name in _dependency_order(fragments):
        measured[name] = _measure(fragments[name].selection_set, measured)
        if measured[name].selections > MAX_SELECTIONS:
            return measured[name].selections, measured[name].repeated
    total, repeated = 0, ("", 0)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            measure = _measure(definition.selection_set, measured)
            total += measure.selections
            repeated = max(repeated, measure.repeated, key=lambda r: r[1])
    return total, max([repeated, *(m.repeated for m in measured.values())], key=lambda r: r[1])


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)


def _dependency_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after those it spreads; a spread closing a cycle is left out."""
    spreads = {
        name: list(dict.fromkeys(_spreads(f.selection_set))) for name, f in fragments.items()
    }
    order: list[str] = []
    done: set[str] = set()
    for root in fragments:
        if root in done:
            continue
        path, on_path = [(root, iter(spreads[root]))], {root}
        while path:
            name, pending = path[-1]
            for spread in pending:
                if spread in fragments and spread not in done and spread not in on_path:
                    path.append((spread, iter(spreads[spread])))
                    on_path.add(spread)
                    break
            else:
                path.pop()
                on_path.discard(name)
                done.add(name)
                order.append(name)
    return order


def _measure(selection_set: SelectionSetNode, measured: Mapping[str, _Measure]) -> _Measure:
    """Measure one definition, its fragments' measures given. Each selection set a field opens
    is one group of response names; an inline fragment adds to its parent's group, a spread
    adds the fragment's top names to it."""
    selections = 0
    groups: list[Counter[str]] = [Counter()]
    spread_in: list[set[str]] = [set()]
    stack = [(selection_set, 0)]
    while stack:
        current, group = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                selections += 1
                name = (selection.alias or selection.name).value
                groups[group][name] += 1
                if selection.selection_set is not None:
                    groups.append(Counter())
                    spread_in.append(set())
                    stack.append((selection.selection_set, len(groups) - 1))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, group))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in measured and name not in spread_in[group]:
                    spread_in[group].add(name)
                    selections += measured[name].selections
    # Response names are added up only for a definition within the limit, so the work stays
    # proportional to what it may select.
    repeated = ("", 0)
    if selections <= MAX_SELECTIONS:
        for group, names in enumerate(groups):
            for name in spread_in[group]:
                names.update(measured[name].names)
                repeated = max(repeated, measured[name].repeated, key=lambda r: r[1])
            if names:
                most = names.most_common(1)[0]
                repeated = max(repeated, most, key=lambda r: r[1])
    return _Measure(selections, groups[0], repeated)


class SelectionLimits(SchemaExtension):
    """Refuses, as soon as it is parsed and before it is validated, a document whose
    operations select more than `MAX_SELECTIONS` fields once fragments are expanded, or one
    response name more than `MAX_REPEATED_SELECTIONS` times in one selection set:
    QUERY_TOO_LARGE, with the `limit` and the `size` found."""

    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is None:  # it did not parse; the parser said why
            return
        selections, (name, times) = document_size(document)
        if selections > MAX_SELECTIONS:
            refusal = QueryTooLarge(
                t("limit.too_many_selections", limit=MAX_SELECTIONS),
                limit=MAX_SELECTIONS,
                size=selections,
            )
        elif times > MAX_REPEATED_SELECTIONS:
            refusal = QueryTooLarge(
                t(
                    "limit.repeated_selection",
                    name=name,
                    times=times,
                    limit=MAX_REPEATED_SELECTIONS,
                ),
                limit=MAX_REPEATED_SELECTIONS,
                size=times,
            )
        else:
            return
        # Raised while parsing, it leaves before the errors are masked and said in the request's
        # language (graph/schema.py CodedErrors): it is said in it here.
        language = getattr(self.execution_context.context, "language", ENGLISH)
        raise GraphQLError(
            render(refusal.message, language),
            original_error=refusal,
            extensions=refusal.extensions,
        )
