"""An operator's coverage report, a page of regions at a time: its network rows (how many
points of a type it runs for a region, how many of them active) beside the coverage duties of
the same regions, and its count of open coverage duties.

Each page reads at most `first` + 1 rows and `first` + 1 duties, one Query each, in the same
order (point type, then region), whatever the size of the operator's network; a row's points
are read for the page's regions together, in as few Queries as their counts allow
(`points_in_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from msgspec import Struct

from compliance.network import POINT_TYPE_OF_RULE, PointType, ServicePoint
from compliance.obligations import ObligationRecord
from compliance.rules import SubjectKind
from compliance.store.models import NetworkRowItem, ObligationItem, ServicePointItem
from compliance.store.reads import translated_errors
from compliance.store.records import (
    network_key,
    obligation_from_item,
    service_point_from_item,
    subject_key,
)

# The subject of a point type's coverage duty. PREFECTURE sorts before PROVINCE as COLLECTION
# before STORAGE, so duties in `by_coverage` order are in row order too.
_KIND = {PointType.COLLECTION: SubjectKind.PREFECTURE, PointType.STORAGE: SubjectKind.PROVINCE}


class CoverageRow(Struct, frozen=True):
    """One region of one point type: the operator's points there, and its coverage duties."""

    point_type: PointType
    region: str
    points: int = 0
    active: int = 0
    duties: tuple[ObligationRecord, ...] = ()

    @property
    def key(self) -> str:
        return network_key(self.point_type, self.region)


class CoveragePage(Struct, frozen=True):
    rows: list[CoverageRow]
    next_after: str | None  # the last row's key when more follow; None: the report ends here


def coverage_page(operator: str, *, first: int, after: str | None) -> CoveragePage:
    """Up to `first` rows after the row key `after`, by point type, then region. A page may
    hold fewer, even none, and say where to go on: rows whose points all moved away count
    towards the read but are not shown."""
    limit = first + 1
    rows, duties = _read(operator, after, limit)
    found = _merged(rows, duties)
    # A stream that filled its limit may go on past what it returned: only keys before its last
    # one are known from both streams.
    ends = [rows[-1].network_key] if len(rows) == limit else []
    ends += [_row_key(duties[-1])] if len(duties) == limit else []
    bound = min(ends) if ends else None
    known = sorted(k for k in found if bound is None or k < bound)
    if len(known) > first:
        return CoveragePage([found[k] for k in known[:first]], known[first - 1])
    if bound is None:
        return CoveragePage([found[k] for k in known], None)
    read = [row.network_key for row in rows] + [_row_key(duty) for duty in duties]
    behind = max((k for k in read if k < bound), default=None)
    if behind is None:
        # Nothing before the bound: a region with more duties than a page, taken as read.
        return CoveragePage([found[bound]] if bound in found else [], bound)
    return CoveragePage([found[k] for k in known], behind)


def _read(
    operator: str, after: str | None, limit: int
) -> tuple[list[NetworkRowItem], list[ObligationRecord]]:
    """The operator's next `limit` network rows and coverage duties after the row key `after`."""
    with translated_errors():
        rows = list(
            NetworkRowItem.by_network.query(
                operator,
                range_key_condition=(
                    NetworkRowItem.network_key > after if after is not None else None
                ),
                limit=limit,
            )
        )
        duties = [
            obligation_from_item(item)
            for item in ObligationItem.by_coverage.query(
                operator,
                range_key_condition=(
                    ObligationItem.subject_key > _duty_key(after) if after is not None else None
                ),
                limit=limit,
            )
        ]
    return rows, duties


def _merged(rows: list[NetworkRowItem], duties: list[ObligationRecord]) -> dict[str, CoverageRow]:
    """The regions of `rows` and `duties` by row key, each with its counts and duties."""
    found: dict[str, CoverageRow] = {}
    for item in rows:
        if not item.points:
            continue  # every point it counted moved away or was never stored: no region to show
        type_name, region = item.network_key.split("#", 1)
        found[item.network_key] = CoverageRow(
            PointType(type_name), region, int(item.points or 0), int(item.active or 0)
        )
    for duty in duties:
        key = _row_key(duty)
        row = found.get(key) or CoverageRow(
            POINT_TYPE_OF_RULE[duty.obligation.rule_id], duty.obligation.subject_id
        )
        found[key] = CoverageRow(
            row.point_type, row.region, row.points, row.active, (*row.duties, duty)
        )
    return found


# The most points one Query for the points of several regions reads: regions next to each other
# in the index, each with no more points than are listed, share a Query up to this many.
SHARED_READ = 200


class RowPoints(NamedTuple):
    """Which points a coverage report's region lists: the first `first` of one operator's
    points of one type for one region, which has `points` in all (its network row's count)."""

    operator: str
    point_type: PointType
    region: str
    points: int
    first: int

    @property
    def key(self) -> str:
        return network_key(self.point_type, self.region)


def points_in_rows(rows: Sequence[RowPoints]) -> dict[RowPoints, list[ServicePoint]]:
    """The points each of `rows` lists, in as few Queries as its counts allow: rows that list
    all their points share one Query over their key range, reading at most their points (no
    more than SHARED_READ); a row with more points than it lists is read alone, `first` items.
    Either way a page's regions read at most `first` points each."""
    reads: list[list[RowPoints]] = []
    for row in sorted(set(rows), key=lambda r: (r.operator, r.first, r.key)):
        run = reads[-1] if reads else None
        shares = (
            run is not None
            and row.points <= row.first
            and all(r.points <= r.first for r in run)
            and (run[-1].operator, run[-1].first) == (row.operator, row.first)
            and sum(r.points for r in run) + row.points <= SHARED_READ
        )
        if run is not None and shares:
            run.append(row)
        else:
            reads.append([row])
    found: dict[RowPoints, list[ServicePoint]] = {}
    for run in reads:
        found.update(_read_run(run))
    return found


def _read_run(run: list[RowPoints]) -> dict[RowPoints, list[ServicePoint]]:
    if len(run) == 1:
        return {run[0]: _read_one(run[0])}
    first, last = run[0], run[-1]
    # `~` sorts after every point id: the range ends after the last region's points. It reads
    # no more than the run's points: a region between them (another page's, in a document with
    # two reports) or a count behind a point just added leaves some region short, read alone.
    condition = ServicePointItem.type_region.between(f"{first.key}#", f"{last.key}#~")
    by_key: dict[str, list[ServicePoint]] = {}
    with translated_errors():
        for item in ServicePointItem.by_operator.query(
            first.operator, range_key_condition=condition, limit=sum(r.points for r in run)
        ):
            point = service_point_from_item(item)
            key = network_key(point.point_type, point.coverage_region)
            by_key.setdefault(key, []).append(point)
    found = {}
    for row in run:
        points = by_key.get(row.key, [])
        found[row] = points if len(points) >= row.points else _read_one(row)
    return found


def _read_one(row: RowPoints) -> list[ServicePoint]:
    with translated_errors():
        return [
            service_point_from_item(item)
            for item in ServicePointItem.by_operator.query(
                row.operator,
                range_key_condition=ServicePointItem.type_region.startswith(f"{row.key}#"),
                limit=row.first,
            )
        ]


def _duty_key(row_key: str) -> str:
    point_type, region = row_key.split("#", 1)
    return subject_key(_KIND[PointType(point_type)], region)


def _row_key(duty: ObligationRecord) -> str:
    return network_key(POINT_TYPE_OF_RULE[duty.obligation.rule_id], duty.obligation.subject_id)
