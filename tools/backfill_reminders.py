"""Upgrade records stored by an earlier version: obligations' keys in the status-ordered and
sharded indexes with their place in the counts, service points' place in their network rows,
then the next reminder date of the open obligations stored before the reminder index existed.

Run once against a deployed table after upgrading (`make backfill-reminders`, with the stack's
table names and AWS credentials in the environment, and writes paused as the README says);
running it again changes nothing. Without it, obligations written before the upgrade would be
missing from lists and summaries and never be reminded of.
"""

from __future__ import annotations

from compliance.store.calendars import current_calendar
from compliance.store.migrations import count_points, index_obligations
from compliance.store.reminders import backfill_schedules


def main() -> int:
    indexed = index_obligations()
    print(f"backfill-reminders: {indexed} obligations given their index keys and counted")
    points = count_points()
    print(f"backfill-reminders: {points} service points counted in their network rows")
    written = backfill_schedules(current_calendar())
    print(f"backfill-reminders: {written} open obligations given their next reminder date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
