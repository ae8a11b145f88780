"""The compliance summary: one enterprise's (or the nation's) obligations counted by status as
of a day, and its next deadline, without reading its history.

Stored counts (compliance/store/counts.py) say how many obligations are in each stored status;
the clock moves some between OPEN and OVERDUE before the daily sweep writes it down, and those
are short key ranges of the status-ordered indexes (compliance/store/reads.py).
"""

from __future__ import annotations

from datetime import date

from msgspec import Struct

from compliance.rules import ObligationStatus
from compliance.store.counts import NATION, counts_of
from compliance.store.models import ObligationItem
from compliance.store.reads import (
    HIGH,
    LOW,
    Stream,
    names_a_record,
    read_stream,
    run_streams,
    translated_errors,
)
from compliance.store.records import NATIONAL_SHARDS


class ObligationSummary(Struct, frozen=True):
    counts: dict[ObligationStatus, int]
    provisional: int  # open obligations whose deadline is still provisional
    next_due: str | None  # id of the open obligation due soonest, today or later


def obligation_summary(responsible: str | None, today: date) -> ObligationSummary:
    """Counts by status as of `today` for one enterprise (None: the nation): its stored counts
    (compliance/store/counts.py), corrected by the clock for what the sweep has not marked yet
    (open obligations past due today, overdue ones rescheduled later), which are short key
    ranges; and the open obligation due next. Never reads the enterprise's history."""
    if responsible is not None and not names_a_record(responsible):
        # No enterprise has such an id (too long to store, or a claim row's): nothing to count.
        return ObligationSummary(dict.fromkeys(ObligationStatus, 0), 0, None)
    stored = counts_of(responsible if responsible is not None else NATION)
    unmarked = _count_open(responsible, ObligationStatus.OPEN, LOW, today.isoformat())
    moved_later = _count_open(responsible, ObligationStatus.OVERDUE, today.isoformat(), HIGH)
    late = unmarked - moved_later
    counts = {
        ObligationStatus.OPEN: stored.open - late,
        ObligationStatus.OVERDUE: stored.overdue + late,
        ObligationStatus.FULFILLED: stored.fulfilled,
        ObligationStatus.FULFILLED_LATE: stored.fulfilled_late,
        ObligationStatus.WAIVED: stored.waived,
    }
    return ObligationSummary(counts, stored.provisional, _next_due(responsible, today))


def _open_streams(
    responsible: str | None, bucket: ObligationStatus, low: str, high: str
) -> list[Stream]:
    if responsible is not None:
        index = ObligationItem.by_responsible_status
        return [Stream(index, responsible, "status_key", f"{bucket.value}#", low, high)]
    return [
        Stream(ObligationItem.open_by_due, f"{bucket.value}#{shard}", "due_key", "", low, high)
        for shard in range(NATIONAL_SHARDS)
    ]


def _count_open(responsible: str | None, bucket: ObligationStatus, low: str, high: str) -> int:
    def count(stream: Stream) -> int:
        attribute = getattr(ObligationItem, stream.key_attribute)
        with translated_errors():
            return int(
                stream.index.count(
                    stream.hash_key,
                    range_key_condition=attribute.between(
                        stream.prefix + low, stream.prefix + high
                    ),
                )
            )

    return sum(run_streams(count, _open_streams(responsible, bucket, low, high)))


def _next_due(responsible: str | None, today: date) -> str | None:
    # Dated duties only: standing ones (`9999-12-31`) have no next deadline.
    low, high = today.isoformat(), "9999-12-30~"
    streams = [
        stream
        for bucket in (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
        for stream in _open_streams(responsible, bucket, low, high)
    ]
    reads = run_streams(lambda stream: read_stream(stream, None, 1), streams)
    found = sorted(position for r in reads for position, _ in r.items)
    return found[0].split("#", 1)[1] if found else None
