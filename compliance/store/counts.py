"""Obligation counts by stored status, per enterprise and for the nation, kept exact by changing
them in the same transaction as each obligation they count.

A summary then reads a few counter items instead of an enterprise's whole history. The counts
are sharded (`COUNT#<USCC>#<n>`, `COUNT#*#<n>`): a transaction adds to one shard of each, and a
summary sums them all, so concurrent writers of one large enterprise rarely meet on one item (a
transaction that meets another on an item is cancelled; the writer retries).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from msgspec import Struct
from pynamodb.transactions import TransactWrite

from compliance.rules import ObligationStatus
from compliance.store.models import ObligationCountsItem
from compliance.store.reads import translated_errors

# Shards of one enterprise's counts and of the nation's. A summary reads all of them in one
# BatchGet; eight keep two of a large automaker's concurrent requests on one shard unlikely.
ENTERPRISE_SHARDS = 8
NATIONAL_SHARDS = 8
NATION = "*"  # no USCC is '*'
_ATTRIBUTES = {
    ObligationStatus.OPEN: "open",
    ObligationStatus.OVERDUE: "overdue",
    ObligationStatus.FULFILLED: "fulfilled",
    ObligationStatus.FULFILLED_LATE: "fulfilled_late",
    ObligationStatus.WAIVED: "waived",
}
_OPEN = frozenset({ObligationStatus.OPEN, ObligationStatus.OVERDUE})


class StatusChange(Struct, frozen=True):
    """One obligation entering (`before` None), changing or leaving a stored status."""

    responsible: str
    before: ObligationStatus | None
    after: ObligationStatus | None
    provisional: bool  # whether its deadline is provisional (closing does not change it)
    provisional_before: bool | None = None  # when a reschedule changed it: what it was
    coverage: bool = False  # a coverage duty: open ones are its enterprise's coverage gaps


class Counts(Struct, frozen=True):
    """Stored counts: `overdue` is what the sweep has marked, not yet what the clock says."""

    open: int = 0
    overdue: int = 0
    fulfilled: int = 0
    fulfilled_late: int = 0
    waived: int = 0
    provisional: int = 0
    coverage_open: int = 0  # coverage duties open or overdue: regions the network must cover


def counter_id(enterprise: str, shard: int) -> str:
    return f"COUNT#{enterprise}#{shard}"


def _shard(seed: str, shards: int) -> int:
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % shards


def deltas(changes: Iterable[StatusChange]) -> dict[str, dict[str, int]]:
    """What `changes` add to each enterprise's counts (and the nation's, under NATION), by
    attribute; zero sums left out."""
    summed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for change in changes:
        for who in (change.responsible, NATION):
            counts = summed[who]
            if change.before is not None:
                counts[_ATTRIBUTES[change.before]] -= 1
            if change.after is not None:
                counts[_ATTRIBUTES[change.after]] += 1
            was = (
                change.provisional
                if change.provisional_before is None
                else (change.provisional_before)
            )
            counts["provisional"] += int(change.after in _OPEN and change.provisional) - int(
                change.before in _OPEN and was
            )
            if change.coverage:
                counts["coverage_open"] += int(change.after in _OPEN) - int(change.before in _OPEN)
    return {
        who: {name: n for name, n in counts.items() if n}
        for who, counts in summed.items()
        if any(counts.values())
    }


def counter_items(changes: Iterable[StatusChange]) -> int:
    """How many counter items a transaction of `changes` adds to (DynamoDB's 100-item limit
    counts them)."""
    return len(deltas(changes))


def add_to_transaction(
    tx: TransactWrite, changes: Iterable[StatusChange], seed: str, attempt: int = 0
) -> None:
    """Add `changes` to one shard of each enterprise's counts and of the nation's. The shard
    follows from `seed` (the same transaction sent again touches the same items, as an
    idempotent retry must) and `attempt` (a retry after meeting another transaction moves)."""
    for who, counts in sorted(deltas(changes).items()):
        shards = NATIONAL_SHARDS if who == NATION else ENTERPRISE_SHARDS
        shard = _shard(f"{seed}|{who}|{attempt}", shards)
        item = ObligationCountsItem(counter_id(who, shard))
        tx.update(
            item,
            actions=[
                getattr(ObligationCountsItem, name).add(n) for name, n in sorted(counts.items())
            ],
        )


def counts_of(enterprise: str) -> Counts:
    """An enterprise's stored counts (NATION: the country's), summed over its shards: one
    BatchGet, whatever it has on record."""
    shards = NATIONAL_SHARDS if enterprise == NATION else ENTERPRISE_SHARDS
    keys = [counter_id(enterprise, n) for n in range(shards)]
    with translated_errors():
        items = list(ObligationCountsItem.batch_get(keys))
    return _summed(items)


def _summed(items: Iterable[ObligationCountsItem]) -> Counts:
    totals = dict.fromkeys(("open", "overdue", "fulfilled", "fulfilled_late", "waived"), 0)
    totals["provisional"] = 0
    totals["coverage_open"] = 0
    for item in items:
        for name in totals:
            totals[name] += int(getattr(item, name) or 0)
    return Counts(**totals)
