"""Rule sets as data, and the engine that turns a lifecycle event into compliance obligations.

A rule set (compliance/data/rulesets/*.toml) says, for each duty, which events trigger it, who
must act, what it is about and by when. This module loads and validates those files, applies
deployment overrides, produces obligations with deadlines from the working-day calendar, and
lists the provisional deadlines that change when a newly announced calendar year is loaded.
It is pure: facts the engine needs (current states, service-point coverage, first supply) are
passed in by the caller.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct
from msgspec.structs import replace

from compliance.calendar import Deadline, WorkingDayCalendar
from compliance.data_files import DataFileError, convert
from compliance.lifecycle import (
    BatteryState,
    DisposalOrigin,
    EnterpriseFacts,
    EnterpriseKind,
    EventKind,
    LifecycleEvent,
    ModelState,
    VehicleState,
)
from compliance.messages import t
from compliance.network import PointType
from compliance.regions import prefecture_of, province_of

RULESET_DIR = Path(__file__).parent / "data" / "rulesets"
DEFAULT_RULE_SET = "CN-MIIT-2023-DRAFT"


class RuleSetError(ValueError):
    """A rule-set file or an override is not valid; the message names the file, rule and key."""


class PeriodKind(StrEnum):
    WORKING_DAYS = "working_days"  # N 个工作日
    DAYS = "days"  # N 日: calendar days, counted as the Civil Code counts
    MONTHS = "months"
    STANDING = "standing"


class Party(StrEnum):
    ACTOR = "actor"
    MODEL_OWNER = "model_owner"
    VEHICLE_AUTOMAKER = "vehicle_automaker"
    BATTERY_MANUFACTURER = "battery_manufacturer"
    BATTERY_RESPONSIBLE = "battery_responsible"


class SubjectKind(StrEnum):
    MODEL = "model"
    VEHICLE = "vehicle"
    BATTERY = "battery"
    PREFECTURE = "prefecture"
    PROVINCE = "province"
    BATTERY_SPEC = "battery_spec"


class ObligationStatus(StrEnum):
    OPEN = "OPEN"
    OVERDUE = "OVERDUE"
    FULFILLED = "FULFILLED"
    FULFILLED_LATE = "FULFILLED_LATE"
    WAIVED = "WAIVED"


_PERIOD_PATTERN = re.compile(r"^(?:(\d{1,3})(WD|D|M)|STANDING)$")
_PERIOD_UNITS = {PeriodKind.WORKING_DAYS: "WD", PeriodKind.DAYS: "D", PeriodKind.MONTHS: "M"}


class Period(Struct, frozen=True):
    kind: PeriodKind
    length: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read the compact form used in overrides: `10WD`, `20D`, `6M` or `STANDING`."""
        match = _PERIOD_PATTERN.match(text.strip().upper())
        if match is None:
            raise RuleSetError(t("calendar.period_not_understood", text=text))
        if match.group(1) is None:
            return cls(PeriodKind.STANDING)
        kind = next(kind for kind, unit in _PERIOD_UNITS.items() if unit == match.group(2))
        return cls._checked(kind, int(match.group(1)), text)

    @classmethod
    def _checked(cls, kind: PeriodKind, length: int | None, where: str) -> Period:
        if kind is PeriodKind.STANDING:
            if length is not None:
                raise RuleSetError(f"{where}: a standing duty has no length.")
            return cls(kind)
        if length is None or not 1 <= length <= 365:
            raise RuleSetError(t("calendar.period_length", where=where, kind=kind))
        return cls(kind, length)

    def deadline(self, trigger: date, calendar: WorkingDayCalendar) -> Deadline | None:
        if self.kind is PeriodKind.STANDING:
            return None
        assert self.length is not None  # guaranteed by _checked
        if self.kind is PeriodKind.WORKING_DAYS:
            return calendar.add_working_days(trigger, self.length)
        if self.kind is PeriodKind.DAYS:
            return calendar.add_days(trigger, self.length)
        return calendar.add_months(trigger, self.length)

    def __str__(self) -> str:
        if self.kind is PeriodKind.STANDING:
            return "STANDING"
        return f"{self.length}{_PERIOD_UNITS[self.kind]}"


class Condition(Struct, frozen=True, forbid_unknown_fields=True):
    """One alternative of a rule's `when`: every field that is set must hold."""

    actor_kind: frozenset[EnterpriseKind] | None = None
    origin: frozenset[DisposalOrigin] | None = None
    actor_is_manufacturer: bool | None = None
    coverage_gap: PointType | None = None
    first_supply: bool | None = None
    # The scrapped vehicle came without (all) its batteries and is not a battery-swap model.
    scrapped_incomplete: bool | None = None


class Rule(Struct, frozen=True):
    id: str
    name_zh: str
    name_en: str
    triggers: frozenset[EventKind]
    responsible: Party
    responsible_role: str  # an EnterpriseKind, or ANY: for people reading the duty
    subject: SubjectKind
    once_per_event: bool
    period: Period
    source: str
    confidence: str
    when: tuple[Condition, ...] = ()
    overridden_from: Period | None = None


class RuleSet(Struct, frozen=True):
    id: str
    version: str
    title_zh: str
    title_en: str
    issuer: str
    published_on: date
    status: str
    source: str
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        rule = self.find(rule_id)
        if rule is None:
            raise RuleSetError(f"Rule set {self.id} has no rule {rule_id!r}.")
        return rule

    def find(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def rules_for(self, kind: EventKind) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if kind in rule.triggers)

    def with_overrides(self, overrides: Mapping[str, Period]) -> RuleSet:
        """The same rule set with some periods replaced, under a version that says so."""
        if not overrides:
            return self
        unknown = sorted(set(overrides) - {rule.id for rule in self.rules})
        if unknown:
            raise RuleSetError(
                f"Overrides name rules that rule set {self.id} does not have: {', '.join(unknown)}."
            )
        rules = tuple(
            replace(rule, period=overrides[rule.id], overridden_from=rule.period)
            if rule.id in overrides
            else rule
            for rule in self.rules
        )
        spec = ",".join(f"{rule_id}={overrides[rule_id]}" for rule_id in sorted(overrides))
        digest = hashlib.sha256(spec.encode()).hexdigest()[:8]
        return replace(self, rules=rules, version=f"{self.version}+override.{digest}")


# --- the rule-set file --------------------------------------------------------------------

_Text = Annotated[str, Meta(min_length=1)]


class PeriodEntry(Struct, frozen=True, forbid_unknown_fields=True):
    kind: PeriodKind
    length: int | None = None  # none for a standing duty; 1-365 otherwise


class ResponsibleEntry(Struct, frozen=True, forbid_unknown_fields=True):
    party: Party
    role: str  # the EnterpriseKind the duty is addressed to, or ANY


class RuleEntry(Struct, frozen=True, forbid_unknown_fields=True):
    """One ``[[rules]]`` table of a rule-set file (its header comment says how to read one)."""

    id: _Text
    name_zh: _Text
    name_en: _Text
    triggers: Annotated[frozenset[EventKind], Meta(min_length=1)]
    responsible: ResponsibleEntry
    subject: SubjectKind
    once_per: Literal["subject", "event"]
    period: PeriodEntry
    source: _Text
    confidence: Literal["C", "S", "A"]
    when: tuple[Condition, ...] = ()


class RuleSetFile(Struct, frozen=True, forbid_unknown_fields=True):
    """A rule-set file (compliance/data/rulesets/*.toml). Each rule is checked on its own
    against `RuleEntry`, so that an error names the rule."""

    id: _Text
    version: _Text
    title_zh: _Text
    title_en: _Text
    issuer: _Text
    published_on: date
    status: _Text
    source: _Text
    rules: Annotated[list[dict[str, Any]], Meta(min_length=1)]  # RuleEntry each


def parse_overrides(text: str) -> dict[str, Period]:
    """Parse `RULE=10WD,OTHER_RULE=6M` (the RULE_PERIOD_OVERRIDES setting)."""
    overrides: dict[str, Period] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        rule_id, sep, period = item.partition("=")
        if not sep or not rule_id.strip():
            raise RuleSetError(f"Override {item!r} must look like RULE_ID=10WD.")
        overrides[rule_id.strip()] = Period.parse(period)
    return overrides


def available_rule_sets() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in RULESET_DIR.glob("*.toml")))


def load_rule_set(rule_set_id: str = DEFAULT_RULE_SET, overrides: str = "") -> RuleSet:
    """The named rule set with `overrides` (RULE_PERIOD_OVERRIDES syntax) applied."""
    return _load_file(rule_set_id).with_overrides(parse_overrides(overrides))


@cache
def _load_file(rule_set_id: str) -> RuleSet:
    path = RULESET_DIR / f"{rule_set_id}.toml"
    if not path.is_file():
        known = ", ".join(available_rule_sets())
        raise RuleSetError(f"There is no rule set {rule_set_id!r}; available: {known}.")
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return parse_rule_set(raw, where=path.name)


def parse_rule_set(raw: Mapping[str, Any], *, where: str) -> RuleSet:
    """A rule set read from TOML, checked against `RuleSetFile`; every error names the file,
    the rule and the key."""
    try:
        header = convert(raw, RuleSetFile, where=where)
        rules = tuple(
            _rule(
                convert(entry, RuleEntry, where=f"{where}, rule {entry.get('id', '?')}", path=at),
                f"{where}, rule {entry.get('id', '?')}",
            )
            for at, entry in ((f"$.rules[{i}]", entry) for i, entry in enumerate(header.rules))
        )
    except DataFileError as error:
        raise RuleSetError(str(error)) from None
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleSetError(f"{where}: rule id {rule.id!r} appears twice.")
        seen.add(rule.id)
    return RuleSet(
        id=header.id,
        version=header.version,
        title_zh=header.title_zh,
        title_en=header.title_en,
        issuer=header.issuer,
        published_on=header.published_on,
        status=header.status,
        source=header.source,
        rules=rules,
    )


def _rule(entry: RuleEntry, where: str) -> Rule:
    """The rule an entry describes, after the checks its schema cannot make."""
    role = entry.responsible.role
    if role != "ANY" and role not in EnterpriseKind.__members__:
        raise RuleSetError(f"{where}: responsible.role {role!r} is not an enterprise kind.")
    return Rule(
        id=entry.id,
        name_zh=entry.name_zh,
        name_en=entry.name_en,
        triggers=entry.triggers,
        responsible=entry.responsible.party,
        responsible_role=role,
        subject=entry.subject,
        once_per_event=entry.once_per == "event",
        period=Period._checked(entry.period.kind, entry.period.length, where),
        source=entry.source,
        confidence=entry.confidence,
        when=entry.when,
    )


# --- the engine -----------------------------------------------------------------------------


class TriggerFacts(Struct, frozen=True):
    """What the engine needs to know beyond the event itself, as of just after it happened."""

    actor: EnterpriseFacts
    model: ModelState | None = None
    vehicle: VehicleState | None = None
    battery: BatteryState | None = None
    # Active service points of the enterprise that would be responsible: (type, region code at
    # the level that type covers: prefecture for collection, province for storage).
    covered: frozenset[tuple[PointType, str]] = frozenset()
    # True when this supply is the first of the battery's specification to that automaker.
    first_supply: bool = False


class Obligation(Struct, frozen=True):
    id: str
    rule_id: str
    rule_set_id: str
    rule_set_version: str
    responsible_enterprise: str
    responsible_role: str
    subject_kind: SubjectKind
    subject_id: str
    trigger_event_id: str
    trigger_kind: EventKind
    trigger_date: date
    period: Period
    deadline: Deadline | None  # None for a standing duty
    vin: str | None = None
    battery_code: str | None = None
    model: str | None = None

    @property
    def standing(self) -> bool:
        return self.deadline is None


def obligations_for(
    event: LifecycleEvent,
    facts: TriggerFacts,
    rule_set: RuleSet,
    calendar: WorkingDayCalendar,
) -> tuple[Obligation, ...]:
    """The obligations `event` creates under `rule_set`, with deadlines from `calendar`.

    Obligation ids are derived from what the duty is (rule set, rule, responsible enterprise,
    subject, and the event when the rule applies once per event), so producing them again for
    the same facts yields the same ids: storage can create them conditionally and a retried
    request has exactly one effect.
    """
    created = []
    for rule in rule_set.rules_for(event.kind):
        responsible = _responsible(rule.responsible, event, facts)
        if responsible is None:
            continue
        subject = _subject(rule.subject, event, facts)
        if subject is None:
            continue
        if rule.when and not any(_holds(c, event, facts, subject) for c in rule.when):
            continue
        key = [rule_set.id, rule.id, responsible, rule.subject.value, subject]
        if rule.once_per_event:
            key.append(event.id)
        created.append(
            Obligation(
                id="ob_" + hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:24],
                rule_id=rule.id,
                rule_set_id=rule_set.id,
                rule_set_version=rule_set.version,
                responsible_enterprise=responsible,
                responsible_role=rule.responsible_role,
                subject_kind=rule.subject,
                subject_id=subject,
                trigger_event_id=event.id,
                trigger_kind=event.kind,
                trigger_date=event.occurred_on,
                period=rule.period,
                deadline=rule.period.deadline(event.occurred_on, calendar),
                vin=event.vin,
                battery_code=event.battery_code,
                model=event.model or (facts.vehicle.model if facts.vehicle else None),
            )
        )
    return tuple(created)


def _responsible(party: Party, event: LifecycleEvent, facts: TriggerFacts) -> str | None:
    if party is Party.ACTOR:
        return event.actor
    if party is Party.MODEL_OWNER:
        return facts.model.owner if facts.model else event.actor
    if party is Party.VEHICLE_AUTOMAKER:
        return facts.vehicle.automaker if facts.vehicle else None
    if party is Party.BATTERY_MANUFACTURER:
        return facts.battery.manufacturer if facts.battery else None
    return facts.battery.responsible if facts.battery else None


def _subject(kind: SubjectKind, event: LifecycleEvent, facts: TriggerFacts) -> str | None:
    if kind is SubjectKind.MODEL:
        return event.model
    if kind is SubjectKind.VEHICLE:
        return event.vin
    if kind is SubjectKind.BATTERY:
        return event.battery_code
    if kind is SubjectKind.PREFECTURE:
        return prefecture_of(event.region_code).code if event.region_code else None
    if kind is SubjectKind.PROVINCE:
        return province_of(event.region_code).code if event.region_code else None
    # A specification is the maker, product type, battery type and spec code (positions 1-7),
    # supplied to one automaker.
    if event.battery_code is None or event.counterparty is None:
        return None
    return f"{event.battery_code[:7]}/{event.counterparty}"


def _holds(condition: Condition, event: LifecycleEvent, facts: TriggerFacts, subject: str) -> bool:
    if condition.actor_kind is not None and not (facts.actor.kinds & condition.actor_kind):
        return False
    if condition.origin is not None and event.origin not in condition.origin:
        return False
    if condition.actor_is_manufacturer is not None:
        is_maker = facts.battery is not None and facts.battery.manufacturer == event.actor
        if is_maker != condition.actor_is_manufacturer:
            return False
    if condition.coverage_gap is not None and (condition.coverage_gap, subject) in facts.covered:
        return False
    if condition.scrapped_incomplete is not None:
        incomplete = facts.vehicle is not None and facts.vehicle.scrapped_incomplete
        if incomplete != condition.scrapped_incomplete:
            return False
    return condition.first_supply is None or condition.first_supply == facts.first_supply


# --- status and rescheduling ----------------------------------------------------------------


def status_on(
    deadline: Deadline | None,
    today: date,
    *,
    fulfilled_on: date | None = None,
    waived: bool = False,
) -> ObligationStatus:
    """An obligation's status on `today`. A deadline is the end of its due day, China time, so
    an obligation becomes overdue on the first day after its due date."""
    if waived:
        return ObligationStatus.WAIVED
    if fulfilled_on is not None:
        late = deadline is not None and fulfilled_on > deadline.due_date
        return ObligationStatus.FULFILLED_LATE if late else ObligationStatus.FULFILLED
    if deadline is not None and today > deadline.due_date:
        return ObligationStatus.OVERDUE
    return ObligationStatus.OPEN


class Reschedule(Struct, frozen=True):
    """A deadline that loading a calendar year moves, or confirms (no longer provisional)."""

    obligation_id: str
    before: Deadline
    after: Deadline

    @property
    def changes_date(self) -> bool:
        return self.before.due_date != self.after.due_date


def reschedule(
    obligations: Iterable[Obligation], calendar: WorkingDayCalendar, *, year: int
) -> tuple[Reschedule, ...]:
    """The deadlines that loading `year` into `calendar` changes, in date or in being provisional.

    Only a deadline whose span, from its trigger to its due day, reaches into `year` can depend
    on that year. Both a first announcement (provisional deadlines) and a correction of an
    announced year are covered. The period used is the one recorded on the obligation, so a
    later rule-set change never rewrites an existing duty.
    """
    changed = []
    for obligation in obligations:
        before = obligation.deadline
        if before is None or not obligation.trigger_date.year <= year <= before.due_date.year:
            continue
        after = obligation.period.deadline(obligation.trigger_date, calendar)
        assert after is not None  # only standing periods have no deadline
        if after.due_date != before.due_date or after.provisional != before.provisional:
            changed.append(Reschedule(obligation.id, before, after))
    return tuple(changed)
