"""Upgrade obligations stored by an earlier version: their keys in the status-ordered and
sharded indexes with their place in the counts, then the next reminder date of the open ones
stored before the reminder index existed.

Run once against a deployed table after upgrading (`make backfill-reminders`, with the stack's
table names and AWS credentials in the environment, and writes paused as the README says);
running it again changes nothing. Without it, obligations written before the upgrade would be
missing from lists and summaries and never be reminded of.
"""

from __future__ import annotations

from compliance.store.calendars import current_calendar
from compliance.store.migrations import index_obligations
from compliance.store.reminders import backfill_schedules


def main() -> int:
    indexed = index_obligations()
    print(f"backfill-reminders: {indexed} obligations given their index keys and counted")
    written = backfill_schedules(current_calendar())
    print(f"backfill-reminders: {written} open obligations given their next reminder date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
