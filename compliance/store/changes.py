"""Each enterprise's change feed in the changes table: appending (the stream function) and
reading a page after a cursor (the `changes` query).

Every change that is in an enterprise's feed appears once in it, and a reader paging with the
last sequence it saw never misses one, however many writers append at once. Both come from
one transaction per append: the enterprise's head (the last sequence taken, versioned), the
rows with the next numbers, and a `SEEN` marker per change source (a put that fails if the
source was appended before). Two writers appending for one enterprise at once cannot both
commit on the same head: the second is cancelled with nothing written, reads the head again
and takes the next numbers. So a sequence is visible only together with every sequence below
it, and a consistent Query for the rows after a sequence reads exactly what was appended after
it. A stream record delivered again meets its marker: nothing is appended twice.

The feed keeps a change for KEPT_FOR; DynamoDB's TTL deletes it some time after that, in no
particular order. Expiries never go backwards along a feed (the head keeps the latest one
given, and a writer whose clock is behind gives no earlier one), so while a row is kept, every
later row is kept too. A page after a cursor is refused (CursorExpiredError) exactly when a
change after the cursor is gone, never on a guess: the rows read must run on without a gap from
the cursor (a row missing from the Query that is there when read alone was being written as the
Query read: the page ends before it), and a page that ends on a row not known to be kept (past
its expiry, written before rows had one, or none at all) asks the head whether more came after
it, and if so whether the next of them is there.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import msgspec
from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from compliance.changes import Change
from compliance.errors import ConflictError
from compliance.store.models import ChangeItem
from compliance.store.reads import store_failure, translated_errors

SEQUENCE_DIGITS = 12
# A transaction holds at most 100 actions: the head, then a marker and a row per change.
CHANGES_PER_TRANSACTION = 49
SEEN_FOR = timedelta(days=2)  # a stream keeps a record 24 hours
# How long a change stays in the feed (the README's change feed section). A partner that has
# not read its feed for longer may have lost changes, and is told so.
KEPT_FOR = timedelta(days=90)
# Writers meeting on one head retry after a short random pause; how many times at most. Each
# retry appends at least one change or finds it appended, so they never starve each other.
APPEND_ATTEMPTS = 12
_PAUSE_S = 0.01
_SAME_ITEM = "-"


def _feed(enterprise: str) -> str:
    return f"E#{enterprise}"


def _head(enterprise: str) -> str:
    return f"HEAD#{enterprise}"


def _seen(enterprise: str, source: str) -> str:
    return f"SEEN#{enterprise}#{source}"


def sequence_key(sequence: int) -> str:
    return f"{sequence:0{SEQUENCE_DIGITS}d}"


def append(changes: Iterable[Change], now: datetime) -> list[Change]:
    """Append `changes` to their enterprises' feeds, in order; those appended now (not before)."""
    by_enterprise: dict[str, dict[str, Change]] = {}
    for change in changes:
        # One source once: an event about several subjects arrives once per subject.
        by_enterprise.setdefault(change.enterprise, {}).setdefault(change.source, change)
    appended: list[Change] = []
    for enterprise, sources in by_enterprise.items():
        pending = list(sources.values())
        for start in range(0, len(pending), CHANGES_PER_TRANSACTION):
            chunk = pending[start : start + CHANGES_PER_TRANSACTION]
            appended += _append_chunk(enterprise, chunk, now)
    return appended


def _append_chunk(enterprise: str, chunk: Sequence[Change], now: datetime) -> list[Change]:
    pending = list(chunk)
    for attempt in range(APPEND_ATTEMPTS):
        head = _read_head(enterprise)
        seen = _try_append(enterprise, head, pending, now)
        if seen is None:
            return pending
        pending = [change for n, change in enumerate(pending) if n not in seen]
        if not pending:
            return []
        time.sleep(_PAUSE_S * (attempt + 1) * (1 + random.random()))
    raise ConflictError(f"The change feed of {enterprise} stayed busy; the batch is retried.")


def _read_head(enterprise: str) -> ChangeItem:
    with translated_errors():
        try:
            return ChangeItem.get(_head(enterprise), _SAME_ITEM, consistent_read=True)
        except ChangeItem.DoesNotExist:
            return ChangeItem(_head(enterprise), _SAME_ITEM, head=0)


def _try_append(
    enterprise: str, head: ChangeItem, changes: Sequence[Change], now: datetime
) -> set[int] | None:
    """None when appended; else the positions of changes found appended before (possibly none,
    when another writer took the head first). Nothing is written unless all is."""
    last = int(head.head or 0)
    head.head = last + len(changes)
    expires = now + SEEN_FOR
    kept_until = max(now + KEPT_FOR, head.kept_until or now)
    head.kept_until = kept_until
    try:
        with TransactWrite(connection=ChangeItem._get_connection().connection) as tx:
            tx.save(head)  # conditional on the version read
            for n, change in enumerate(changes, start=1):
                marker = ChangeItem(
                    _seen(enterprise, change.source), _SAME_ITEM, expires_at=expires
                )
                tx.save(marker, condition=ChangeItem.pk.does_not_exist())
                data = msgspec.json.encode(change).decode()
                row = ChangeItem(
                    _feed(enterprise), sequence_key(last + n), data=data, expires_at=kept_until
                )
                tx.save(row)
    except TransactWriteError as error:
        reasons = [r.code if r is not None else "None" for r in error.cancellation_reasons or []]
        if not {"ConditionalCheckFailed", "TransactionConflict"} & set(reasons):
            raise store_failure(error, "appending to the change feed failed") from error
        # Reasons follow the actions: the head, then a marker and a row per change.
        return {
            (n - 1) // 2
            for n, code in enumerate(reasons)
            if n % 2 and code == "ConditionalCheckFailed"
        }
    except (PynamoDBException, BotoCoreError) as error:
        raise store_failure(error, "appending to the change feed failed") from error
    return None


class FeedPage(msgspec.Struct, frozen=True):
    changes: tuple[tuple[int, Change], ...]  # (sequence, change), in feed order
    has_next: bool


class CursorExpiredError(Exception):
    """Some change after the cursor is no longer in the feed (older than KEPT_FOR)."""


class CursorBeyondFeedError(Exception):
    """The cursor names a place after the feed's end: not one the feed gave out."""


def page(enterprise: str, after: int | None, first: int, now: datetime) -> FeedPage:
    """The changes after sequence `after` (None: from the oldest kept; 0, a cursor given out
    before the first change, is checked like any other), at most `first`: one consistent
    Query, which also reads the cursor's own row; and, only when the page ends on a row not
    known to be kept, a read of the head and of the row after the page. CursorExpiredError when
    a change after `after` is gone."""
    start = after or 0
    with translated_errors():
        items = list(
            ChangeItem.query(
                _feed(enterprise),
                ChangeItem.sk >= sequence_key(start),
                consistent_read=True,
                limit=first + 2,
            )
        )
    later = [item for item in items if int(item.sk) > start]
    usable = first if after is None else _kept(enterprise, after, first, items, later, now)
    rows = [
        (int(item.sk), msgspec.json.decode(item.data or "{}", type=Change))
        for item in later[: min(first, usable)]
    ]
    return FeedPage(tuple(rows), len(later) > len(rows))


def _kept(
    enterprise: str,
    after: int,
    first: int,
    read: Sequence[ChangeItem],
    later: Sequence[ChangeItem],
    now: datetime,
) -> int:
    """How many of the rows read after `after` the page may hand out. CursorExpiredError if a
    change after `after` is gone: a row missing between those read that is not there either
    when asked for alone (one that is there was being written as the Query read: the page ends
    before it, and the next one reads it); or, where the page ends on a row not known to be
    kept (or on none), a head beyond it and no row next to it (a next row that is there was
    appended after the Query read: it is new, and the next page reads it)."""
    expected = after + 1
    for n, item in enumerate(later[: first + 1]):
        if int(item.sk) != expected:
            if _row_exists(enterprise, expected):
                return n
            raise CursorExpiredError(enterprise)
        expected += 1
    if len(later) > first:
        return first  # the page does not end here: the next one looks further
    last = read[-1] if read else None
    if last is not None and last.expires_at is not None and last.expires_at > now:
        return len(later)  # kept, and so is every row after it
    last_appended = head(enterprise)
    if last_appended < after:
        raise CursorBeyondFeedError(enterprise)
    if last_appended >= expected and not _row_exists(enterprise, expected):
        raise CursorExpiredError(enterprise)
    return len(later)


def _row_exists(enterprise: str, sequence: int) -> bool:
    with translated_errors():
        try:
            ChangeItem.get(_feed(enterprise), sequence_key(sequence), consistent_read=True)
        except ChangeItem.DoesNotExist:
            return False
    return True


def head(enterprise: str) -> int:
    """The last sequence appended to an enterprise's feed (0: none yet)."""
    return int(_read_head(enterprise).head or 0)
