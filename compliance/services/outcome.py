"""What every use case is given and answers: who acts, when and under which rules (`Request`);
what it recorded, or every reason it refused (`Recorded`, `Refusal`). Plain values, so that an
adapter can build and read them without loading the use cases themselves."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from msgspec import Struct, field

from compliance.lifecycle import (
    BatteryState,
    EnterpriseFacts,
    EventRecord,
    ModelState,
    VehicleState,
    Violation,
)
from compliance.obligations import ObligationRecord
from compliance.rule_timeline import RuleSetTimeline


class Request(Struct, frozen=True):
    """Who acts, when, and under which rules: what every use case is given. Each event is
    judged by the rule set ``rules`` has in force on its date."""

    actor: EnterpriseFacts
    by: str  # the person's subject, or `partner-key:<id>`, kept on what is written
    now: datetime
    today: date
    rules: RuleSetTimeline


class Refusal(Struct, frozen=True):
    """One reason a request was refused; `index` is the input item it concerns, if any."""

    violation: Violation
    index: int | None = None


class Recorded(Struct, frozen=True):
    """The outcome of a request: what it recorded and created (or, on a retry, had already)."""

    events: tuple[EventRecord, ...] = ()
    obligations: tuple[ObligationRecord, ...] = ()
    batteries: Mapping[str, BatteryState] = field(default_factory=dict)
    vehicles: Mapping[str, VehicleState] = field(default_factory=dict)
    models: Mapping[str, ModelState] = field(default_factory=dict)
    refusals: tuple[Refusal, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.refusals


def refused(*violations: Violation, index: int | None = None) -> Recorded:
    return Recorded(refusals=tuple(Refusal(v, index) for v in violations))
