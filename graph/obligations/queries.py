"""The obligations' root query fields: `obligation`, `obligations`, `complianceSummary`, and
`ruleSets` (the rules obligations follow, for clients that show them). Lookups answer null for
what the caller may not see; lists and summaries cover only the caller's own enterprise
(regulators: any, or all)."""

import json

import strawberry

from compliance.messages import listing, t
from compliance.rules import ObligationStatus, SubjectKind
from compliance.store import reads, summaries
from graph.cursors import decode_cursor, encode_cursor, page_size
from graph.errors import BadUserInput
from graph.lists import cursor_position
from graph.obligations.inputs import ObligationFilterInput
from graph.obligations.types import (
    ComplianceSummary,
    ObligationConnection,
    ObligationEdge,
    ObligationType,
    RuleSetType,
)
from graph.permissions import Reader, can_see_obligation, enterprise_scope, require_principal
from graph.types import Info, PageInfo

# Longer than any VIN (17), battery code (24), model code or region code: a filter value beyond
# it cannot name anything stored, and DynamoDB refuses keys over 2 KB.
MAX_SUBJECT_LENGTH = 64


@strawberry.field(permission_classes=[Reader])
async def obligation(info: Info, id: strawberry.ID) -> ObligationType | None:
    record = await info.context.loaders.obligation.load(str(id))
    if record is None or not can_see_obligation(require_principal(info.context), record):
        return None
    return ObligationType.of(record)


@strawberry.field(
    description="Obligations by due date, standing duties last. `first` is at most 200.",
    permission_classes=[Reader],
)
def obligations(
    info: Info,
    filter: ObligationFilterInput | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> ObligationConnection:
    principal = require_principal(info.context)
    settings = info.context.settings
    first = page_size(first, 50, settings.max_page_size)
    where = obligation_filter(filter)
    subject = obligation_subject(filter)
    scope = enterprise_scope(
        principal, str(filter.enterprise_id) if filter and filter.enterprise_id else None
    )
    empty = ObligationConnection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))
    if not scope.visible:
        return empty
    store_scope = reads.ObligationScope(responsible=scope.enterprise_id, subject=subject)
    binding = json.dumps(
        [principal.subject, scope.enterprise_id, where.canonical(), subject and list(subject)]
    )
    start = cursor_position(decode_cursor(after, binding, settings.cursor_key)) if after else None
    page = reads.obligation_page(
        store_scope, first=first, after=start, where=where, today=info.context.today
    )

    def cursor(position: str) -> str:
        return encode_cursor({"after": position}, binding, settings.cursor_key)

    edges = [
        ObligationEdge(node=ObligationType.of(record), cursor=cursor(position))
        for record, position in zip(page.records, page.positions, strict=True)
    ]
    # A page cut short by its read budget may hold fewer edges than asked, even none: its
    # end cursor is where the reading stopped, so the next page goes on from there.
    end = page.next_after or (page.positions[-1] if page.positions else None)
    plain = not subject and where == reads.ObligationFilter(statuses=where.statuses)
    return ObligationConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.next_after is not None,
            end_cursor=cursor(end) if end else None,
        ),
        counted_as=(scope.enterprise_id, where.statuses) if plain else None,
    )


@strawberry.field(
    description="Counts by status and the next deadline.", permission_classes=[Reader]
)
async def compliance_summary(
    info: Info, enterprise_id: strawberry.ID | None = None
) -> ComplianceSummary:
    principal = require_principal(info.context)
    scope = enterprise_scope(principal, str(enterprise_id) if enterprise_id else None)
    today = info.context.today
    if not scope.visible:
        return ComplianceSummary(
            enterprise_id=enterprise_id,
            as_of=today,
            open=0,
            overdue=0,
            fulfilled=0,
            fulfilled_late=0,
            waived=0,
            provisional=0,
            next_due=None,
        )
    # A regulator naming no enterprise gets the nation's summary.
    summary = summaries.obligation_summary(scope.enterprise_id, today)
    next_due = (
        await info.context.loaders.obligation.load(summary.next_due) if summary.next_due else None
    )
    return ComplianceSummary(
        enterprise_id=strawberry.ID(scope.enterprise_id) if scope.enterprise_id else None,
        as_of=today,
        open=summary.counts[ObligationStatus.OPEN],
        overdue=summary.counts[ObligationStatus.OVERDUE],
        fulfilled=summary.counts[ObligationStatus.FULFILLED],
        fulfilled_late=summary.counts[ObligationStatus.FULFILLED_LATE],
        waived=summary.counts[ObligationStatus.WAIVED],
        provisional=summary.provisional,
        next_due=ObligationType.of(next_due) if next_due else None,
    )


@strawberry.field(
    description="The rule sets of the deployment's timeline, in the order they take effect, "
    "with their rules. Read from the deployment's settings: nothing is read from storage.",
    permission_classes=[Reader],
)
def rule_sets(info: Info) -> list[RuleSetType]:
    return [RuleSetType.of(in_force) for in_force in info.context.settings.rules.periods]


def obligation_filter(filter: ObligationFilterInput | None) -> reads.ObligationFilter:
    if filter is None:
        return reads.ObligationFilter()
    if (
        filter.due_on_or_after
        and filter.due_on_or_before
        and filter.due_on_or_after > filter.due_on_or_before
    ):
        raise BadUserInput(t("query.dates_crossed", name="due"), field="filter")
    if (
        filter.triggered_on_or_after
        and filter.triggered_on_or_before
        and filter.triggered_on_or_after > filter.triggered_on_or_before
    ):
        raise BadUserInput(t("query.dates_crossed", name="triggered"), field="filter")
    return reads.ObligationFilter(
        statuses=frozenset(filter.status or []),
        rule_ids=frozenset(filter.rule_id or []),
        due_on_or_after=filter.due_on_or_after,
        due_on_or_before=filter.due_on_or_before,
        triggered_on_or_after=filter.triggered_on_or_after,
        triggered_on_or_before=filter.triggered_on_or_before,
    )


def obligation_subject(filter: ObligationFilterInput | None) -> tuple[SubjectKind, str] | None:
    """The one subject a filter names, as stored (codes and VINs in capitals, as issued)."""
    if filter is None:
        return None
    named = [
        (name, kind, value.strip())
        for name, kind, value in (
            ("vin", SubjectKind.VEHICLE, filter.vin),
            ("batteryCode", SubjectKind.BATTERY, filter.battery_code),
            ("modelCode", SubjectKind.MODEL, filter.model_code),
            ("regionCode", None, filter.region_code),
        )
        if value is not None
    ]
    if len(named) > 1:
        given = listing([name for name, _, _ in named])
        raise BadUserInput(t("query.one_subject", given=given), field="filter")
    if not named:
        return None
    name, kind, value = named[0]
    if not value or len(value) > MAX_SUBJECT_LENGTH:
        raise BadUserInput(
            t("query.subject_length", name=name, limit=MAX_SUBJECT_LENGTH, length=len(value)),
            field="filter",
        )
    if kind is None:
        if not (len(value) == 6 and value.isdigit() and value.endswith("00")):
            raise BadUserInput(t("query.coverage_region", value=value), field="filter")
        kind = SubjectKind.PROVINCE if value.endswith("0000") else SubjectKind.PREFECTURE
        return kind, value
    if kind is SubjectKind.MODEL:
        return kind, value
    return kind, value.upper()
