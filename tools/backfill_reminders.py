"""Give open obligations stored before the reminder index existed their next reminder date.

Run once against a deployed table after upgrading (`make backfill-reminders`, with the stack's
table names and AWS credentials in the environment); running it again changes nothing. Without
it, obligations written before the upgrade would never be reminded of.
"""

from __future__ import annotations

from compliance.store.calendars import current_calendar
from compliance.store.reminders import backfill_schedules


def main() -> int:
    written = backfill_schedules(current_calendar())
    print(f"backfill-reminders: {written} open obligations given their next reminder date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
