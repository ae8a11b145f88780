"""Which rule set governs which dates: a deployment's timeline of rule sets (pure).

Law changes by date. The 2018 traceability provisions applied until 2026-03-31 and the 2025
Interim Measures apply from 2026-04-01 (docs/reference/interim-measures-2025.md), so an event
is judged by the rule set in force on the day it happened, and each obligation records which
one. A deployment names its timeline in one setting:

    RULE_SET_TIMELINE="CN-TRACE-2018@2018-08-01,CN-2025-INTERIM@2026-04-01"

Each entry is a rule set and the first day it governs; it governs until the next entry's day.
An event before the first day falls under no rule set and creates no duty. The first entry may
omit its day (it then governs from the first day the calendar supports). ``RULE_SET_ID`` is the
shorthand for one rule set governing every date; unset, the 2023 draft does, as this product
was specified. ``RULE_PERIOD_OVERRIDES`` changes a rule's period in every rule set of the
timeline that has the rule.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date
from itertools import pairwise

from msgspec import Struct

from compliance.calendar import FIRST_SUPPORTED_DAY, Deadline, WorkingDayCalendar
from compliance.lifecycle import EventKind
from compliance.rules import (
    DEFAULT_RULE_SET,
    Obligation,
    Period,
    Rule,
    RuleSet,
    RuleSetError,
    load_rule_set,
    parse_overrides,
)


class InForce(Struct, frozen=True):
    """A rule set and the first day it governs."""

    rule_set: RuleSet
    starts_on: date


class RuleSetTimeline(Struct, frozen=True):
    """The rule sets of a deployment in date order; each governs until the next one starts."""

    periods: tuple[InForce, ...]

    def on(self, day: date) -> RuleSet | None:
        """The rule set governing events of ``day``; None before the first one starts."""
        index = bisect_right([p.starts_on for p in self.periods], day) - 1
        return self.periods[index].rule_set if index >= 0 else None

    def rules_for(self, kind: EventKind, day: date) -> tuple[Rule, ...]:
        """The rules an event of ``kind`` on ``day`` triggers."""
        rule_set = self.on(day)
        return rule_set.rules_for(kind) if rule_set else ()

    @property
    def rule_sets(self) -> tuple[RuleSet, ...]:
        return tuple(period.rule_set for period in self.periods)

    def rule_set(self, rule_set_id: str) -> RuleSet | None:
        """A rule set of this timeline by id: the one an obligation recorded."""
        return next((rs for rs in self.rule_sets if rs.id == rule_set_id), None)

    def rule(self, rule_set_id: str, rule_id: str) -> Rule | None:
        rule_set = self.rule_set(rule_set_id)
        return rule_set.find(rule_id) if rule_set else None

    def __str__(self) -> str:
        return ",".join(f"{p.rule_set.id}@{p.starts_on.isoformat()}" for p in self.periods)


def single(rule_set: RuleSet) -> RuleSetTimeline:
    """One rule set for every date."""
    return RuleSetTimeline((InForce(rule_set, FIRST_SUPPORTED_DAY),))


def parse_timeline(text: str, overrides: str = "") -> RuleSetTimeline:
    """Read ``RULE_SET_TIMELINE`` (``ID@YYYY-MM-DD,...``), with ``RULE_PERIOD_OVERRIDES``."""
    entries = [part.strip() for part in text.split(",") if part.strip()]
    if not entries:
        raise RuleSetError("RULE_SET_TIMELINE is empty; name at least one rule set.")
    periods = [_entry(item, first=index == 0) for index, item in enumerate(entries)]
    for before, after in pairwise(periods):
        if after.starts_on <= before.starts_on:
            raise RuleSetError(
                f"RULE_SET_TIMELINE: {after.rule_set.id} starts on "
                f"{after.starts_on.isoformat()}, not after {before.rule_set.id} "
                f"({before.starts_on.isoformat()}); list the rule sets in date order."
            )
    return _overridden(RuleSetTimeline(tuple(periods)), parse_overrides(overrides))


def configured_rules(environment: Mapping[str, str]) -> RuleSetTimeline:
    """The timeline a deployment names: ``RULE_SET_TIMELINE``, or the one rule set of
    ``RULE_SET_ID`` (the default when neither is set), with ``RULE_PERIOD_OVERRIDES``. The one
    reading of that configuration, for every function."""
    timeline = environment.get("RULE_SET_TIMELINE", "").strip()
    single_id = environment.get("RULE_SET_ID", "").strip()
    overrides = environment.get("RULE_PERIOD_OVERRIDES", "")
    if timeline and single_id:
        raise RuleSetError(
            "Both RULE_SET_TIMELINE and RULE_SET_ID are set; set one (RULE_SET_ID is the "
            "shorthand for a timeline of one rule set)."
        )
    return parse_timeline(timeline or single_id or DEFAULT_RULE_SET, overrides)


def _entry(item: str, *, first: bool) -> InForce:
    rule_set_id, sep, day = item.partition("@")
    if not sep:
        if not first:
            raise RuleSetError(
                f"RULE_SET_TIMELINE: {item!r} needs the day it starts, like "
                f"{item}@2026-04-01; only the first rule set may omit it."
            )
        return InForce(load_rule_set(rule_set_id.strip()), FIRST_SUPPORTED_DAY)
    try:
        starts_on = date.fromisoformat(day.strip())
    except ValueError:
        raise RuleSetError(
            f"RULE_SET_TIMELINE: {day.strip()!r} in {item!r} is not a date like 2026-04-01."
        ) from None
    return InForce(load_rule_set(rule_set_id.strip()), max(starts_on, FIRST_SUPPORTED_DAY))


def _overridden(timeline: RuleSetTimeline, overrides: Mapping[str, Period]) -> RuleSetTimeline:
    if not overrides:
        return timeline
    known = {rule.id for rs in timeline.rule_sets for rule in rs.rules}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise RuleSetError(
            f"Overrides name rules that no rule set of the timeline has: {', '.join(unknown)}."
        )
    return RuleSetTimeline(
        tuple(
            InForce(
                p.rule_set.with_overrides(
                    {k: v for k, v in overrides.items() if p.rule_set.find(k) is not None}
                ),
                p.starts_on,
            )
            for p in timeline.periods
        )
    )


# --- changing a deployment's timeline -------------------------------------------------------


class Retiming(Struct, frozen=True):
    """What a new timeline would do to one open obligation. Its rule set changes when another
    one governs its trigger date under the new timeline; then:

    - MOVES: the new rule set has the same duty (rule id) with a deadline: it is due on `after`
      (the same day, possibly, under another rule set);
    - NO_LONGER_ARISES: the new rule set has no such duty; the obligation is left open for a
      person to waive or fulfil, never closed by the change;
    - PERIOD_KIND_CHANGES: one of the two is a standing duty and the other has a deadline;
      left as it is, for a person to decide;
    - STANDING: a standing duty in both, nothing to move; left as recorded.
    """

    obligation_id: str
    rule_id: str
    trigger_date: date
    was: str  # the rule set it was produced under, `<id>@<version>`
    rule_set: RuleSet | None  # the rule set that now governs its trigger date, if any
    before: Deadline | None
    after: Deadline | None
    outcome: str

    @property
    def moves(self) -> bool:
        return self.outcome == "MOVES"


def retimings(
    obligations: Iterable[Obligation], timeline: RuleSetTimeline, calendar: WorkingDayCalendar
) -> tuple[Retiming, ...]:
    """The open obligations `timeline` would change, and how (pure: nothing is written)."""
    found = []
    for obligation in obligations:
        governing = timeline.on(obligation.trigger_date)
        recorded = (obligation.rule_set_id, obligation.rule_set_version)
        if governing is not None and (governing.id, governing.version) == recorded:
            continue
        rule = governing.find(obligation.rule_id) if governing is not None else None
        after = rule.period.deadline(obligation.trigger_date, calendar) if rule else None
        found.append(
            Retiming(
                obligation_id=obligation.id,
                rule_id=obligation.rule_id,
                trigger_date=obligation.trigger_date,
                was="@".join(recorded),
                rule_set=governing if rule else None,
                before=obligation.deadline,
                after=after,
                outcome=_outcome(rule is not None, obligation.deadline, after),
            )
        )
    return tuple(found)


def _outcome(has_rule: bool, before: Deadline | None, after: Deadline | None) -> str:
    if not has_rule:
        return "NO_LONGER_ARISES"
    if before is None and after is None:
        return "STANDING"
    if before is None or after is None:
        return "PERIOD_KIND_CHANGES"
    return "MOVES"
