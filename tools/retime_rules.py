"""Change a deployment's rule-set timeline without rewriting obligations silently.

    make rules-timeline TIMELINE="CN-TRACE-2018@2018-08-01,CN-2025-INTERIM@2026-04-01"
    make rules-timeline TIMELINE="..." APPLY=1

Reads every open obligation (the sparse open index, a page at a time) and lists those whose
trigger date another rule set governs under the new timeline: the duty's deadline under the new
rule set (MOVES), or that the new rule set has no such duty (NO_LONGER_ARISES: left open for a
person to waive), or that one is a standing duty and the other not (PERIOD_KIND_CHANGES: left
as it is). Nothing is written unless APPLY=1; then each obligation that MOVES is moved in the
same transactions a calendar load uses, conditional on being unchanged since it was read, with
the move and the rule set it follows since recorded on it (`Obligation.reschedules`). Running
it again lists nothing more for what was applied. Obligations created afterwards follow the
timeline the functions are deployed with: set `RuleSetTimeline` (or RULE_SET_TIMELINE) too.
Run with the stack's table names and AWS credentials in the environment, like
`make backfill-reminders`.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from compliance.calendar import Deadline
from compliance.rule_timeline import Retiming, parse_timeline, retimings
from compliance.store.calendars import current_calendar
from compliance.store.models import ObligationItem
from compliance.store.obligations import retime_items
from compliance.store.records import obligation_from_item
from compliance.store.rescheduling import PAGE_ITEMS, PARTITIONS

SHOWN = 50  # lines of the listing printed; the counts cover everything


def open_pages() -> Iterator[list[ObligationItem]]:
    """Every open obligation, a page of the open index at a time."""
    for partition in PARTITIONS:
        page: list[ObligationItem] = []
        for item in ObligationItem.open_by_due.query(partition, page_size=PAGE_ITEMS):
            page.append(item)
            if len(page) == PAGE_ITEMS:
                yield page
                page = []
        if page:
            yield page


def describe(change: Retiming) -> str:
    def due(deadline: Deadline | None) -> str:
        return deadline.due_date.isoformat() if deadline else "standing"

    after = f"{change.rule_set.id}@{change.rule_set.version}" if change.rule_set else "-"
    return (
        f"{change.outcome:<19} {change.obligation_id}  {change.rule_id}  trigger "
        f"{change.trigger_date.isoformat()}  {change.was} -> {after}  due "
        f"{due(change.before)} -> {due(change.after) if change.rule_set else '-'}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeline", default=os.environ.get("TIMELINE", ""))
    parser.add_argument("--overrides", default=os.environ.get("RULE_PERIOD_OVERRIDES", ""))
    parser.add_argument("--apply", action="store_true", default=os.environ.get("APPLY") == "1")
    args = parser.parse_args(argv)
    if not args.timeline:
        parser.error('name the new timeline: TIMELINE="CN-TRACE-2018@2018-08-01,..."')
    timeline = parse_timeline(args.timeline, args.overrides)
    calendar = current_calendar()
    now = datetime.now(UTC)
    outcomes: Counter[str] = Counter()
    written = Counter[str]()
    shown = 0
    for page in open_pages():
        obligations = [obligation_from_item(item).obligation for item in page]
        changes = retimings(obligations, timeline, calendar)
        for change in changes:
            outcomes[change.outcome] += 1
            if shown < SHOWN:
                print(describe(change))
                shown += 1
        if args.apply and any(change.moves for change in changes):
            moves = retime_items(page, changes, calendar, now)
            written.update(moved=moves.moved, confirmed=moves.confirmed, conflicts=moves.conflicts)
    total = sum(outcomes.values())
    if shown < total:
        print(f"... and {total - shown} more")
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "none"
    noun = "obligation changes" if total == 1 else "obligations change"
    print(f"rules-timeline: {total} open {noun} under {timeline}: {summary}")
    if args.apply:
        print(
            f"rules-timeline: applied: {written['moved']} moved, {written['confirmed']} on the "
            f"same day under the new rule set, {written['conflicts']} groups changed meanwhile "
            "(run again for them); the others are left as listed"
        )
    else:
        print("rules-timeline: nothing written; APPLY=1 moves the MOVES lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
