"""What every list field shares: one list request (who asks, the page size, the enterprise the
list is for, and the cursor binding that ties its pages to that list), the Relay connection a
page becomes, and the checks of filter arguments several lists take (date ranges, regions).

Each page reads a number of stored records bounded by its size (compliance/store/lists.py):
an index partition of the enterprise the list is for, never a count that grows with the
enterprise or the country. Enterprise roles list their own enterprise's records; regulators
name the enterprise. A list for another enterprise reads as empty, exactly as a list for an
enterprise that does not exist, and costs no read. The list fields themselves are their
features' (`vehicles`, `batteries`, `models`, `servicePoints`, `enterprises`).
"""

import json
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import strawberry

from compliance import regions
from compliance.messages import t
from compliance.store import lists
from graph.context import Principal
from graph.cursors import decode_cursor, encode_cursor, page_size
from graph.errors import BadUserInput
from graph.permissions import enterprise_scope, require_principal
from graph.types import Info, PageInfo

_T = TypeVar("_T")
_C = TypeVar("_C")  # a connection type

BOUNDED = (
    f"`first` is at most 200. A filter other than the key's reads at most "
    f"{lists.READ_BUDGET:,} stored records per request: such a page may hold fewer than "
    "`first` nodes, even none, with hasNextPage true; continue from pageInfo.endCursor. No "
    "totalCount: counting would read the whole list."
)
ENTERPRISE = "Regulators: the enterprise (required). Others: only their own."


class ListRequest:
    """One list request: who asks, for which enterprise (None: another's, read as empty), and
    the cursor binding that ties its pages to exactly this list, caller and filter."""

    def __init__(self, info: Info, name: str, first: int | None, after: str | None) -> None:
        self.principal: Principal = require_principal(info.context)
        settings = info.context.settings
        self.first = page_size(first, 50, settings.max_page_size)
        self.name = name
        self.after = after
        self.secret = settings.cursor_key
        self.binding = ""

    def enterprise(self, requested: strawberry.ID | None) -> str | None:
        scope = enterprise_scope(self.principal, str(requested) if requested else None)
        if not scope.visible:
            return None
        if scope.enterprise_id is None:
            raise BadUserInput(t("query.name_enterprise_in_filter"), field="filter")
        return scope.enterprise_id

    def start(self, *binding: object) -> lists.Key | None:
        """Where the page starts: the `after` cursor's key, if it was issued for this very list
        (its name, the caller, and `binding`: the enterprise, relation and filter)."""
        self.binding = json.dumps([self.name, self.principal.subject, *binding])
        return decode_cursor(self.after, self.binding, self.secret) if self.after else None

    def connection(
        self,
        page: lists.ListPage[_T],
        visible: Callable[[_T], bool],
        node: Callable[[_T], Any],
        edge: Callable[..., Any],
        connection: Callable[..., _C],
    ) -> _C:
        edges = [
            edge(node=node(record), cursor=encode_cursor(key, self.binding, self.secret))
            for record, key in zip(page.records, page.keys, strict=True)
            if visible(record)
        ]
        # After a partial page the next one starts past its last node: the end cursor is where
        # reading stopped, so that continuing never evaluates the same items again.
        end = (
            encode_cursor(page.next_key, self.binding, self.secret)
            if page.next_key is not None
            else (edges[-1].cursor if edges else None)
        )
        return connection(
            edges=edges, page_info=PageInfo(has_next_page=page.next_key is not None, end_cursor=end)
        )


def empty(connection: Callable[..., _C]) -> _C:
    return connection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))


def requested_enterprise(filter: Any) -> strawberry.ID | None:
    """The enterprise a list's filter names, if any (every list filter but the enterprises')."""
    return filter.enterprise_id if filter is not None else None


def cursor_position(key: dict[str, object]) -> str:
    """The position a due-ordered page's cursor holds (obligations, coverage rows); a cursor
    from before positions were used is refused."""
    after = key.get("after")
    if not isinstance(after, str) or not after:
        raise BadUserInput(t("query.old_cursor"), field="after")
    return after


def check_dates(low: date | None, high: date | None, name: str) -> None:
    if low and high and low > high:
        raise BadUserInput(t("query.dates_crossed", name=name), field="filter")


def region_prefix(code: str | None) -> str | None:
    """The digits every division within `code` shares: 2 a province (municipalities too), 4 a
    prefecture, all 6 a county."""
    if code is None:
        return None
    region = regions.lookup(code)
    if region is None:
        [issue, *_] = regions.check_region_code(code)
        raise BadUserInput(t("query.region_code", problem=issue.message), field="filter")
    return {regions.RegionLevel.PROVINCE: code[:2], regions.RegionLevel.PREFECTURE: code[:4]}.get(
        region.level, code
    )
