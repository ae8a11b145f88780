"""The rescheduling a calendar load queues: its pages of bounded size, and its progress.

Loading year Y as calendar version V changes the deadlines of open obligations whose span
reaches into Y. They are found in the sparse national open index (`open_by_due`), in each of its
partitions (`PARTITIONS`: OPEN#0..3 and OVERDUE#0..3) from Y's first day to the last dated key
(standing duties have no deadline). Each partition is worked through as a chain of queue
messages, one page per message: one Query of at most PAGE_ITEMS obligations, their moves
(compliance/store/obligations.py), the page recorded, the next page's message queued. No
request or message reads more than a page, however many obligations the country has, and the
partitions go on side by side.

Progress is kept in the calendars table under `RESCHEDULE#CN`, apart from the loads that every
request reads (`CN`): a header `<V>#<Y>` (the partitions, when it was queued) written with the
load, and a cursor `<V>#<Y>#<partition>` per partition: pages recorded, the due key the next
page starts after, the page whose message was last queued, the obligations examined, moved and
confirmed, when it started and finished. A summary reads one partition's few items (one Query).

Redelivery is harmless:
- a move is written only if its obligation is unchanged since it was read, in the same
  transaction as its count on the cursor (ADD): a redelivered page finds its moves done and
  counts nothing for them, and a page stopped half way has counted exactly what it wrote;
- a page is recorded (ADD examined, the cursor moved on) only if the cursor still expects it;
  a copy of a recorded page records nothing and queues nothing, except the next page's message
  when the cursor says it never went out (the first attempt stopped in between);
- queueing a rescheduling again (the same load sent again) sends each unfinished partition's
  next page as the cursor has it; a copy of a page in progress ends at the record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from msgspec import Struct
from pynamodb.transactions import TransactWrite

from compliance.calendar import WorkingDayCalendar
from compliance.errors import ConflictError
from compliance.messages import t
from compliance.rules import ObligationStatus
from compliance.store.models import STANDING_DUE, CalendarYearItem, ObligationItem
from compliance.store.obligations import reschedule_items
from compliance.store.reads import conditionally, translated_errors
from compliance.store.records import NATIONAL_SHARDS
from compliance.store.transactions import commit

RESCHEDULING = "RESCHEDULE#CN"
# Obligations one message reads and reschedules: one Query (200 items of about 1.5 KB, well
# under DynamoDB's 1 MB page) and five transactions, a second or two of work; the function's
# time check (functions/remind.py) leaves room for a batch of them.
PAGE_ITEMS = 200
PARTITIONS: tuple[str, ...] = tuple(
    f"{status.value}#{shard}"
    for status in (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
    for shard in range(NATIONAL_SHARDS)
)
_PARTITION = re.compile(r"(OPEN|OVERDUE)#[0-9]{1,3}")

Enqueue = Callable[[Sequence[dict[str, Any]]], None]


class ReschedulingError(Exception):
    """A page that does not fit its progress record: no record (it was never queued) or a page
    later than the cursor expects. Retried by the queue, it ends in the dead-letter queue."""


class ReschedulingStatus(StrEnum):
    QUEUED = "QUEUED"  # no page recorded or written yet
    RUNNING = "RUNNING"
    DONE = "DONE"  # every partition read to its end


class Page(Struct, frozen=True):
    """One page of one partition: what a queue message carries."""

    version: int
    year: int
    partition: str
    page: int = 0
    after: str | None = None  # the due key the page starts after; None: from Y's first day

    def message(self) -> dict[str, Any]:
        return {
            "reschedule": {
                "version": self.version,
                "year": self.year,
                "partition": self.partition,
                "page": self.page,
                "after": self.after,
            }
        }


def page_of(task: object) -> Page | None:
    """The page a message's `reschedule` part names, or None when it does not name one."""
    if not isinstance(task, dict):
        return None
    version, year = _count(task.get("version")), _count(task.get("year"))
    number, partition, after = _count(task.get("page", 0)), task.get("partition"), task.get("after")
    if version is None or year is None or number is None:
        return None
    if not isinstance(partition, str) or not _PARTITION.fullmatch(partition):
        return None
    if after is not None and not (isinstance(after, str) and "#" in after):
        return None
    return Page(version, year, partition, number, after)


def _count(value: object) -> int | None:
    """`value` if it is a whole number of zero or more (JSON's true is not one)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


class Summary(Struct, frozen=True):
    version: int
    year: int
    status: ReschedulingStatus
    partitions: int
    partitions_done: int
    examined: int  # obligations read (one moved later in its partition may be read again)
    moved: int  # due dates changed
    confirmed: int  # due dates kept, no longer provisional
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


def _header_key(version: int, year: int) -> str:
    return f"{version:06d}#{year:04d}"


def _cursor_key(version: int, year: int, partition: str) -> str:
    return f"{_header_key(version, year)}#{partition}"


def progress_items(version: int, year: int, now: datetime) -> list[CalendarYearItem]:
    """The new progress of rescheduling `year` at calendar `version`: its header and a cursor
    per partition, each at its first page. Saved in a transaction, they are created once."""
    header = CalendarYearItem(
        calendar=RESCHEDULING,
        sk=_header_key(version, year),
        year=year,
        calendar_version=version,
        partition_keys=set(PARTITIONS),
        loaded_at=now,
    )
    cursors = [
        CalendarYearItem(
            calendar=RESCHEDULING,
            sk=_cursor_key(version, year, partition),
            year=year,
            calendar_version=version,
            page=0,
            queued_page=0,
            examined=0,
            moved=0,
            confirmed=0,
        )
        for partition in PARTITIONS
    ]
    return [header, *cursors]


def first_pages(version: int, year: int) -> list[Page]:
    return [Page(version, year, partition) for partition in PARTITIONS]


def queued(version: int, year: int, now: datetime) -> Summary:
    """The summary of a rescheduling just queued."""
    return Summary(
        version, year, ReschedulingStatus.QUEUED, len(PARTITIONS), 0, 0, 0, 0, now, None, None
    )


def _read(version: int, year: int | None) -> dict[int, list[CalendarYearItem]]:
    """The progress items at `version` (of `year` only, when given), by year: one Query."""
    prefix = _header_key(version, year) if year is not None else f"{version:06d}#"
    with translated_errors():
        items = CalendarYearItem.query(
            RESCHEDULING, CalendarYearItem.sk.startswith(prefix), consistent_read=True
        )
        found: dict[int, list[CalendarYearItem]] = {}
        for item in items:
            found.setdefault(int(item.year or 0), []).append(item)
    return found


def _summary(version: int, year: int, items: Sequence[CalendarYearItem]) -> Summary | None:
    header_key = _header_key(version, year)
    header = next((i for i in items if i.sk == header_key), None)
    if header is None:
        return None
    cursors = [i for i in items if i.sk != header_key]
    partitions = len(header.partition_keys or ()) or len(cursors)
    finished = _times(cursors, "finished_at")
    started = _times(cursors, "started_at")
    examined, moved, confirmed = (_total(cursors, n) for n in ("examined", "moved", "confirmed"))
    if len(finished) >= partitions:
        status = ReschedulingStatus.DONE
    elif started or examined or moved or confirmed:
        status = ReschedulingStatus.RUNNING
    else:
        status = ReschedulingStatus.QUEUED
    done = status is ReschedulingStatus.DONE and finished
    return Summary(
        version=version,
        year=year,
        status=status,
        partitions=partitions,
        partitions_done=len(finished),
        examined=examined,
        moved=moved,
        confirmed=confirmed,
        queued_at=header.loaded_at,
        started_at=min(started) if started else None,
        finished_at=max(finished) if done else None,
    )


def _times(cursors: Sequence[CalendarYearItem], name: str) -> list[datetime]:
    return [t for t in (getattr(c, name) for c in cursors) if t is not None]


def _total(cursors: Sequence[CalendarYearItem], name: str) -> int:
    return sum(int(getattr(c, name) or 0) for c in cursors)


def summary(version: int, year: int | None = None) -> Summary | None:
    """Where the rescheduling of `year` at calendar `version` stands; without a year, the one
    queued first at that version (the load's own). None when there is none."""
    found = _read(version, year)
    summaries = [s for y, items in found.items() if (s := _summary(version, y, items))]
    if year is not None:
        summaries = [s for s in summaries if s.year == year]
    if not summaries:
        return None
    return min(summaries, key=lambda s: (s.queued_at is None, s.queued_at, s.year))


def resume(version: int, year: int, now: datetime) -> tuple[Summary, list[Page]]:
    """The rescheduling of `year` at `version` and the pages to queue so that it finishes:
    each unfinished partition's next page as its cursor has it. Started when there is none yet
    (a year loaded before rescheduling was queued, or loaded with the shipped calendar)."""
    items = _read(version, year).get(year, [])
    found = _summary(version, year, items)
    if found is None:

        def build(tx: TransactWrite) -> None:
            for item in progress_items(version, year, now):
                tx.save(item)  # new items: saved only if not there yet

        try:
            commit(build, conflict=t("store.rescheduling_conflict"))
        except ConflictError:
            # Another request started it first: go on from where it stands.
            items = _read(version, year).get(year, [])
            found = _summary(version, year, items)
            if found is None:
                raise
        else:
            return queued(version, year, now), first_pages(version, year)
    header_key = _header_key(version, year)
    pages = [
        Page(version, year, _partition_of(c.sk), int(c.page or 0), c.after_key)
        for c in items
        if c.sk != header_key and c.finished_at is None
    ]
    return found, pages


def _partition_of(cursor_key: str) -> str:
    return cursor_key.split("#", 2)[2]


# --- one page -------------------------------------------------------------------------------


class PageReport(Struct):
    version: int
    year: int
    partition: str
    page: int
    outcome: str = "RECORDED"  # RECORDED, FINISHED (the partition's last), ALREADY_RECORDED
    examined: int = 0
    moved: int = 0
    confirmed: int = 0
    conflicts: int = 0
    next_queued: bool = False


def run_page(
    page: Page, *, calendar: WorkingDayCalendar, now: datetime, enqueue: Enqueue
) -> PageReport:
    """Reschedule one page with `calendar` (the one in force: a later load's, when there was
    one since), record it, and queue the next page while the partition has one."""
    report = PageReport(page.version, page.year, page.partition, page.page)
    if calendar.version < page.version:
        raise ReschedulingError(
            f"calendar version {page.version} is not in force here yet ({calendar.version} "
            f"is); {page.partition} page {page.page} is tried again"
        )
    key = _cursor_key(page.version, page.year, page.partition)
    with translated_errors():
        try:
            cursor = CalendarYearItem.get(RESCHEDULING, key, consistent_read=True)
        except CalendarYearItem.DoesNotExist:
            cursor = None
    if cursor is None or cursor.page is None:
        raise ReschedulingError(
            f"no rescheduling progress {RESCHEDULING}/{key}: version {page.version} of "
            f"{page.year} was never queued"
        )
    recorded = int(cursor.page)
    if recorded > page.page:
        report.outcome = "ALREADY_RECORDED"
        never_queued = int(cursor.queued_page or 0) < recorded
        if recorded == page.page + 1 and cursor.finished_at is None and never_queued:
            _queue(
                Page(page.version, page.year, page.partition, recorded, cursor.after_key), enqueue
            )
            report.next_queued = True
        return report
    if recorded < page.page:
        raise ReschedulingError(
            f"{page.partition} page {page.page} of version {page.version} ({page.year}) came "
            f"before page {recorded} was recorded"
        )

    items, more = _read_page(page)

    def count(tx: TransactWrite, moved: int, confirmed: int) -> None:
        tx.update(
            CalendarYearItem(RESCHEDULING, key),
            actions=[CalendarYearItem.moved.add(moved), CalendarYearItem.confirmed.add(confirmed)],
            add_version_condition=False,
        )

    moves = reschedule_items(items, calendar, year=page.year, now=now, count=count)
    report.moved, report.confirmed, report.conflicts = moves.moved, moves.confirmed, moves.conflicts
    last = items[-1].due_key if items else page.after
    if not _record(key, page, len(items), last, finished=not more, now=now):
        report.outcome = "ALREADY_RECORDED"  # a copy of this page recorded it first
        return report
    report.examined = len(items)
    if more:
        _queue(Page(page.version, page.year, page.partition, page.page + 1, last), enqueue)
        report.next_queued = True
    else:
        report.outcome = "FINISHED"
    return report


def _read_page(page: Page) -> tuple[list[ObligationItem], bool]:
    """The page's obligations (one Query, in due-key order) and whether the partition has
    more."""
    start = None
    if page.after is not None:
        start = {
            "open_partition": {"S": page.partition},
            "due_key": {"S": page.after},
            "id": {"S": page.after.split("#", 1)[1]},
        }
    connection = ObligationItem._get_connection()
    with translated_errors():
        data = connection.query(
            page.partition,
            # Standing duties ("9999-12-31#<id>") sort after the bound: they have no deadline.
            range_key_condition=ObligationItem.due_key.between(
                f"{page.year:04d}-01-01", STANDING_DUE
            ),
            index_name=ObligationItem.open_by_due.Meta.index_name,
            limit=PAGE_ITEMS,
            exclusive_start_key=start,
        )
    items = [ObligationItem.from_raw_data(raw) for raw in data.get("Items", [])]
    return items, data.get("LastEvaluatedKey") is not None


def _record(
    key: str, page: Page, examined: int, last: str | None, *, finished: bool, now: datetime
) -> bool:
    """Record the page on its cursor if the cursor still expects it; False when a copy of the
    page recorded it first."""
    actions: list[Any] = [
        CalendarYearItem.page.set(page.page + 1),
        CalendarYearItem.examined.add(examined),
        CalendarYearItem.started_at.set(CalendarYearItem.started_at | now),
    ]
    if last is not None:
        actions.append(CalendarYearItem.after_key.set(last))
    if finished:
        actions.append(CalendarYearItem.finished_at.set(now))
    cursor = CalendarYearItem(RESCHEDULING, key)
    return conditionally(
        lambda: cursor.update(
            actions=actions,
            condition=CalendarYearItem.page == page.page,
            add_version_condition=False,
        )
    )


def _queue(following: Page, enqueue: Enqueue) -> None:
    """Send the next page's message, then note on the cursor that it went out (never moving
    the note back: a late copy of an earlier page must not make the next one look unsent)."""
    enqueue([following.message()])
    key = _cursor_key(following.version, following.year, following.partition)
    cursor = CalendarYearItem(RESCHEDULING, key)
    conditionally(
        lambda: cursor.update(
            actions=[CalendarYearItem.queued_page.set(following.page)],
            condition=CalendarYearItem.queued_page < following.page,
            add_version_condition=False,
        )
    )
