"""A world of enterprises on the in-memory store, changed only through the use cases: what the
use-case tests (`tests/unit/test_use_cases_*.py`) tell their stories with.

Every key a world hands out (battery codes, VINs, models, service points) comes from its own
counters, so two worlds built the same way hold the same keys, and a key it hands out and never
uses is a record that does not exist (a "ghost"): what custody must make every record of
another enterprise look like.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import count

from msgspec.structs import replace

from compliance.enterprises import Contact, Enterprise
from compliance.lifecycle import (
    BatteryState,
    DisposalOrigin,
    EnterpriseFacts,
    EnterpriseKind,
    ModelState,
    RemovalReason,
    VehicleState,
    Violation,
)
from compliance.network import PointType, ServicePoint
from compliance.obligations import ObligationRecord
from compliance.rule_timeline import RuleSetTimeline, single
from compliance.rules import load_rule_set
from compliance.services import enterprises as enterprise_use_cases
from compliance.services import events
from compliance.services import obligations as obligation_use_cases
from compliance.services import service_points as point_use_cases
from compliance.services.events import NewBattery
from compliance.services.outcome import Recorded, Request
from tests import builders
from tests.builders import (
    AUTOMAKER,
    BATTERY_MAKER,
    DISMANTLER,
    OTHER_AUTOMAKER,
    OTHER_BATTERY_MAKER,
    battery_code,
    uscc,
    vin,
)
from tests.memory_store import MemoryStore

TODAY = builders.TODAY  # 2026-11-26, a Thursday
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 China time
LATER = NOW + timedelta(minutes=7)  # when a retry arrives
RULES = single(load_rule_set())

PRODUCED = date(2026, 3, 2)  # the production date every code a world hands out carries
ANNOUNCED = date(2026, 3, 1)
SUPPLIED = date(2026, 3, 5)
CERTIFIED = date(2026, 4, 10)
REGISTERED = date(2026, 4, 20)
REMOVED = date(2026, 5, 4)
RECEIVED = date(2026, 5, 5)  # at a service point
HANDED = date(2026, 5, 6)
SCRAPPED = date(2026, 5, 8)
DISMANTLED = date(2026, 5, 11)  # batteries taken out of a scrapped vehicle
ON = date(2026, 6, 1)  # after every story's last event: the day the tests' own events happen

REGION = "350102"  # Gulou District, Fuzhou
PREFECTURE = "350100"  # Fuzhou
PROVINCE = "350000"  # Fujian
OTHER_REGION = "440305"  # Nanshan District, Shenzhen

# Recyclers re-code batteries for second life under manufacturer codes of their own.
RECYCLER = replace(builders.RECYCLER, manufacturer_codes=frozenset({"R7G"}))
OTHER_RECYCLER = EnterpriseFacts(
    uscc("91320000MA1RC0001"), frozenset({EnterpriseKind.RECYCLER}), frozenset({"R8G"})
)
OTHER_DISMANTLER = EnterpriseFacts(
    uscc("91320000MA1DM0001"), frozenset({EnterpriseKind.DISMANTLER})
)
LESSOR = EnterpriseFacts(uscc("91320000MA1LE0000"), frozenset({EnterpriseKind.LESSOR}))
# A valid USCC of an enterprise the platform has not onboarded.
NOT_ONBOARDED = EnterpriseFacts(uscc("91320000MA1UN0000"), frozenset({EnterpriseKind.RECYCLER}))

AUTOMAKERS = (AUTOMAKER, OTHER_AUTOMAKER)
BATTERY_MAKERS = (BATTERY_MAKER, OTHER_BATTERY_MAKER)
DISMANTLERS = (DISMANTLER, OTHER_DISMANTLER)
RECYCLERS = (RECYCLER, OTHER_RECYCLER)
EVERYONE = (*AUTOMAKERS, *BATTERY_MAKERS, *DISMANTLERS, *RECYCLERS, LESSOR)

NAMES = {
    AUTOMAKER.id: "automaker",
    OTHER_AUTOMAKER.id: "other_automaker",
    BATTERY_MAKER.id: "battery_maker",
    OTHER_BATTERY_MAKER.id: "other_battery_maker",
    DISMANTLER.id: "dismantler",
    OTHER_DISMANTLER.id: "other_dismantler",
    RECYCLER.id: "recycler",
    OTHER_RECYCLER.id: "other_recycler",
    LESSOR.id: "lessor",
    NOT_ONBOARDED.id: "not_onboarded",
}


def name_of(enterprise: EnterpriseFacts) -> str:
    """A readable test id for an enterprise."""
    return NAMES[enterprise.id]


def own_code(enterprise: EnterpriseFacts) -> str:
    return min(enterprise.manufacturer_codes)


# --- answers --------------------------------------------------------------------------------

# One refusal as the caller sees it: code, field, the index of the item it concerns, sentence.
Answer = tuple[str, str, int | None, str]
Outcome = (
    Recorded | obligation_use_cases.Closed | point_use_cases.Saved | enterprise_use_cases.Saved
)


def described(outcome: Outcome, swap: Mapping[str, str] | None = None) -> list[Answer]:
    """The refusals of `outcome`, with every key in `swap` replaced in the sentences."""
    if isinstance(outcome, Recorded):
        found: list[tuple[Violation, int | None]] = [
            (r.violation, r.index) for r in outcome.refusals
        ]
    else:
        found = [(v, None) for v in outcome.violations]
    answers = []
    for violation, index in found:
        message = violation.message
        for real, ghost in (swap or {}).items():
            message = message.replace(real, ghost)
        answers.append((violation.code, violation.field, index, message))
    return answers


def codes_of(answers: Iterable[Answer]) -> list[str]:
    return [answer[0] for answer in answers]


def accepted(recorded: Recorded) -> Recorded:
    assert recorded.ok, described(recorded)
    return recorded


def answered_as_absent(
    world: World,
    send: Callable[..., Outcome],
    real: Sequence[str],
    ghost: Sequence[str],
) -> list[Answer]:
    """Send a request about records that exist (`send(*real)`) and the same request about keys
    nothing is on record under (`send(*ghost)`). Neither may change anything stored, and the
    answers must be the same once each real key is read as its ghost. Returns that answer."""
    before = world.store.snapshot()
    on_real = send(*real)
    assert world.store.snapshot() == before, "a refused request changed the store"
    on_ghost = send(*ghost)
    assert world.store.snapshot() == before, "a request about nothing changed the store"
    answer = described(on_real, dict(zip(real, ghost, strict=True)))
    assert answer == described(on_ghost)
    assert answer, "the request was not refused"
    return answer


# --- the world ------------------------------------------------------------------------------


class World:
    """A MemoryStore with `enterprises` onboarded, and the steps of a battery's life as one-line
    helpers that assert each step is accepted."""

    def __init__(
        self,
        enterprises: Iterable[EnterpriseFacts] = EVERYONE,
        store: MemoryStore | None = None,
        rules: RuleSetTimeline = RULES,
    ) -> None:
        self.store = store or MemoryStore()
        self.rules = rules
        self._serials = count(1)
        self._vins = count(1)
        self._models = count(1)
        self._points = count(1)
        self._point_names = count(1)
        for facts in enterprises:
            saved = enterprise_use_cases.register(
                self.store,
                Enterprise(
                    id=facts.id,
                    name=f"Enterprise {NAMES.get(facts.id, facts.id)}",
                    kinds=facts.kinds,
                    manufacturer_codes=facts.manufacturer_codes,
                    province_code=None,
                    contacts=(),
                    created_at=NOW,
                ),
            )
            assert saved.enterprise is not None, saved.violations

    def request(
        self, actor: EnterpriseFacts, *, now: datetime = NOW, today: date = TODAY
    ) -> Request:
        return Request(actor, f"user-of-{NAMES.get(actor.id, actor.id)}", now, today, self.rules)

    # --- keys: each new, and on record only once a step uses it ---

    def code(self, maker_code: str = "X12", produced: date = PRODUCED) -> str:
        return battery_code(maker_code, produced, serial=next(self._serials))

    def vin(self) -> str:
        return vin(next(self._vins))

    def model_code(self) -> str:
        return f"EV-{next(self._models):03d}"

    def point_id(self) -> str:
        return f"sp-{next(self._points):04d}"

    # --- what is stored (read straight from the tables: not counted as a use case's reads) ---

    def battery(self, code: str) -> BatteryState:
        state: BatteryState = self.store.tables["battery"][code][0]
        return state

    def vehicle(self, vin: str) -> VehicleState:
        state: VehicleState = self.store.tables["vehicle"][vin][0]
        return state

    def model(self, code: str) -> ModelState:
        state: ModelState = self.store.tables["model"][code][0]
        return state

    def point(self, point_id: str) -> ServicePoint:
        point: ServicePoint = self.store.tables["point"][point_id][0]
        return point

    def obligation(self, obligation_id: str) -> ObligationRecord:
        record: ObligationRecord = self.store.tables["obligation"][obligation_id][0]
        return record

    def obligations(self) -> list[ObligationRecord]:
        return [record for record, _ in self.store.tables["obligation"].values()]

    # --- steps ---

    def produce(
        self, maker: EnterpriseFacts = BATTERY_MAKER, n: int = 1, produced: date = PRODUCED
    ) -> list[str]:
        codes = [self.code(own_code(maker), produced) for _ in range(n)]
        accepted(
            events.register_batteries(
                self.store, self.request(maker), [NewBattery(c) for c in codes]
            )
        )
        return codes

    def supply(
        self,
        codes: Sequence[str],
        to: EnterpriseFacts = AUTOMAKER,
        maker: EnterpriseFacts = BATTERY_MAKER,
        on: date = SUPPLIED,
    ) -> Recorded:
        return accepted(events.supply_batteries(self.store, self.request(maker), codes, to.id, on))

    def supplied(
        self,
        to: EnterpriseFacts = AUTOMAKER,
        n: int = 1,
        maker: EnterpriseFacts = BATTERY_MAKER,
    ) -> list[str]:
        """Batteries `maker` made and supplied to `to`, which holds them."""
        codes = self.produce(maker, n)
        self.supply(codes, to, maker)
        return codes

    def announce(
        self, automaker: EnterpriseFacts = AUTOMAKER, on: date = ANNOUNCED, imported: bool = False
    ) -> str:
        model = self.model_code()
        accepted(
            events.announce_model(self.store, self.request(automaker), model, on, imported=imported)
        )
        return model

    def certify(
        self,
        codes: Sequence[str],
        automaker: EnterpriseFacts = AUTOMAKER,
        model: str | None = None,
        on: date = CERTIFIED,
    ) -> str:
        vin = self.vin()
        accepted(
            events.certify_vehicle(
                self.store,
                self.request(automaker),
                vin,
                model or self.announce(automaker),
                on,
                codes,
                imported=False,
            )
        )
        return vin

    def vehicle_with(
        self, automaker: EnterpriseFacts = AUTOMAKER, n: int = 1
    ) -> tuple[str, list[str]]:
        """A vehicle of `automaker`, certified with `n` batteries supplied to it."""
        codes = self.supplied(automaker, n)
        return self.certify(codes, automaker), codes

    def register_vehicle(
        self, vin: str, automaker: EnterpriseFacts = AUTOMAKER, region: str = REGION
    ) -> Recorded:
        return accepted(
            events.register_vehicle(self.store, self.request(automaker), vin, REGISTERED, region)
        )

    def sold(self, automaker: EnterpriseFacts = AUTOMAKER, n: int = 1) -> tuple[str, list[str]]:
        """A vehicle of `automaker` with `n` batteries, registered (sold): one a dismantler may
        take in (an unregistered one is still its automaker's stock)."""
        vin, codes = self.vehicle_with(automaker, n)
        self.register_vehicle(vin, automaker)
        return vin, codes

    def remove(
        self,
        vin: str,
        codes: Sequence[str],
        by: EnterpriseFacts = AUTOMAKER,
        on: date = REMOVED,
        reason: RemovalReason = RemovalReason.RETIREMENT,
    ) -> Recorded:
        return accepted(
            events.remove_batteries(self.store, self.request(by), vin, codes, on, reason)
        )

    def removed(self, automaker: EnterpriseFacts = AUTOMAKER) -> tuple[str, str]:
        """A vehicle of `automaker` and a battery taken out of it, which the automaker holds."""
        vin, [code] = self.vehicle_with(automaker)
        self.remove(vin, [code], automaker)
        return vin, code

    def scrap(
        self,
        vin: str,
        codes: Sequence[str],
        by: EnterpriseFacts = DISMANTLER,
        on: date = SCRAPPED,
    ) -> Recorded:
        return accepted(events.scrap_vehicle(self.store, self.request(by), vin, on, codes))

    def service_point(
        self,
        operator: EnterpriseFacts = AUTOMAKER,
        point_type: PointType = PointType.COLLECTION,
        region: str = REGION,
        active: bool = True,
    ) -> str:
        saved = point_use_cases.upsert(
            self.store,
            self.request(operator),
            point_use_cases.PointInput(
                f"Point {next(self._point_names)}", point_type, region, active=active
            ),
            self.point_id,
        )
        assert saved.point is not None, saved.violations
        return saved.point.id

    def receive_at(
        self,
        point_id: str,
        codes: Sequence[str],
        by: EnterpriseFacts = AUTOMAKER,
        on: date = RECEIVED,
    ) -> Recorded:
        return accepted(
            events.receive_at_service_point(self.store, self.request(by), point_id, codes, on)
        )

    def hand_over(
        self,
        codes: Sequence[str],
        by: EnterpriseFacts,
        to: EnterpriseFacts = RECYCLER,
        point_id: str | None = None,
        on: date = HANDED,
    ) -> Recorded:
        return accepted(events.hand_over(self.store, self.request(by), point_id, codes, on, to.id))

    def at_recycler(self, recycler: EnterpriseFacts = RECYCLER) -> str:
        """A battery taken out of a vehicle and handed by its automaker to `recycler`."""
        _, code = self.removed()
        self.hand_over([code], AUTOMAKER, recycler)
        return code


# --- requests --------------------------------------------------------------------------------
# One accepted request of each use case: given a world, the story before it, who sends it and
# how. The retry and cost tests send each.
Scenario = Callable[[World], tuple[EnterpriseFacts, Callable[[Request], Outcome]]]


def _register_batteries(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    codes = [world.code(), world.code()]
    return BATTERY_MAKER, lambda r: events.register_batteries(
        world.store, r, [NewBattery(c) for c in codes]
    )


def _register_parts(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    [pack] = world.produce(BATTERY_MAKER)
    cells = [part_of(world.code()) for _ in range(2)]
    return BATTERY_MAKER, lambda r: events.register_batteries(
        world.store, r, [NewBattery(c, pack) for c in cells]
    )


def part_of(pack_code: str, level: str = "C") -> str:
    """The same code read as a cell's (`C`) or a module's (`M`): position 4 is the level."""
    return pack_code[:3] + level + pack_code[4:]


def _supply(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    codes = world.produce(BATTERY_MAKER, n=2)
    return BATTERY_MAKER, lambda r: events.supply_batteries(world.store, r, codes, AUTOMAKER.id, ON)


def _announce(imported: bool) -> Scenario:
    def scenario(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
        model = world.model_code()
        return AUTOMAKER, lambda r: events.announce_model(
            world.store, r, model, ON, imported=imported
        )

    return scenario


def _certify(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    model = world.announce(AUTOMAKER)
    codes = world.supplied(AUTOMAKER, n=2)
    vin = world.vin()
    return AUTOMAKER, lambda r: events.certify_vehicle(
        world.store, r, vin, model, ON, codes, imported=False
    )


def _register_vehicle(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    vin, _ = world.vehicle_with(AUTOMAKER)
    return AUTOMAKER, lambda r: events.register_vehicle(world.store, r, vin, ON, REGION)


def _install(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    vin, _ = world.vehicle_with(AUTOMAKER)
    spares = world.supplied(AUTOMAKER, n=2)
    return AUTOMAKER, lambda r: events.install_batteries(world.store, r, vin, spares, ON)


def _remove(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    vin, codes = world.vehicle_with(AUTOMAKER, n=2)
    return AUTOMAKER, lambda r: events.remove_batteries(
        world.store, r, vin, codes, ON, RemovalReason.REPLACEMENT
    )


def _sell(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    [code] = world.produce(BATTERY_MAKER)
    return BATTERY_MAKER, lambda r: events.sell_directly(
        world.store, r, code, ON, "Lease Co", OTHER_REGION
    )


def _repair_return(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    _, code = world.removed(AUTOMAKER)
    return BATTERY_MAKER, lambda r: events.receive_repair_return(world.store, r, code, ON)


def _dispose(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    codes = world.produce(BATTERY_MAKER, n=2)
    return BATTERY_MAKER, lambda r: events.dispose_batteries(
        world.store, r, codes, ON, DisposalOrigin.RESEARCH
    )


def _receive_at_point(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    _, code = world.removed(AUTOMAKER)
    point = world.service_point(AUTOMAKER)
    return AUTOMAKER, lambda r: events.receive_at_service_point(world.store, r, point, [code], ON)


def _hand_out_of_point(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    _, code = world.removed(AUTOMAKER)
    point = world.service_point(AUTOMAKER)
    world.receive_at(point, [code], AUTOMAKER)
    return AUTOMAKER, lambda r: events.hand_over(world.store, r, point, [code], ON, RECYCLER.id)


def _hand_over(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    _, code = world.removed(AUTOMAKER)
    return AUTOMAKER, lambda r: events.hand_over(world.store, r, None, [code], ON, RECYCLER.id)


def _scrap(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    vin, codes = world.sold(AUTOMAKER, n=2)
    return DISMANTLER, lambda r: events.scrap_vehicle(world.store, r, vin, ON, codes[:1])


def _recode(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    code = world.at_recycler(RECYCLER)
    new_code = world.code("R7G", ON)
    return RECYCLER, lambda r: events.recode_battery(world.store, r, code, new_code, ON)


def production_duty(world: World) -> str:
    vin, _ = world.vehicle_with(AUTOMAKER)
    [duty] = [o for o in world.obligations() if o.obligation.vin == vin]
    return duty.id


def _fulfil(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    duty = production_duty(world)
    return AUTOMAKER, lambda r: obligation_use_cases.fulfil(world.store, r, duty, ON, "RCPT-1")


def _waive(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    duty = production_duty(world)
    return AUTOMAKER, lambda r: obligation_use_cases.waive(
        world.store, r, duty, "Vehicle exported before the platform existed."
    )


def _upsert_point(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    sent = point_use_cases.PointInput("Nanshan storage", PointType.STORAGE, OTHER_REGION)
    return BATTERY_MAKER, lambda r: point_use_cases.upsert(world.store, r, sent, world.point_id)


NEW_ENTERPRISE = Enterprise(
    id=uscc("91440300MA5FQ0000"),
    name="Shenzhen Cascade Energy",
    kinds=RECYCLER.kinds,
    manufacturer_codes=frozenset({"S9K"}),
    province_code="440000",
    contacts=(Contact("ops@cascade.example.cn", "zh-CN"),),
    created_at=NOW,
)


def _register_enterprise(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    return RECYCLER, lambda r: enterprise_use_cases.register(world.store, NEW_ENTERPRISE)


def _update_enterprise(world: World) -> tuple[EnterpriseFacts, Callable[[Request], Outcome]]:
    return AUTOMAKER, lambda r: enterprise_use_cases.update(
        world.store,
        AUTOMAKER.id,
        caller_enterprise=AUTOMAKER.id,
        by=r.by,
        now=r.now,
        name="Fuzhou Motors",
        contacts=[Contact("compliance@fuzhou-motors.example.cn", "en")],
    )


SCENARIOS: dict[str, Scenario] = {
    "register_batteries": _register_batteries,
    "register_parts": _register_parts,
    "supply_batteries": _supply,
    "announce_model": _announce(imported=False),
    "announce_model_ccc": _announce(imported=True),
    "certify_vehicle": _certify,
    "register_vehicle": _register_vehicle,
    "install_batteries": _install,
    "remove_batteries": _remove,
    "sell_directly": _sell,
    "receive_repair_return": _repair_return,
    "dispose_batteries": _dispose,
    "receive_at_service_point": _receive_at_point,
    "hand_over_out_of_a_point": _hand_out_of_point,
    "hand_over": _hand_over,
    "scrap_vehicle": _scrap,
    "recode_battery": _recode,
    "fulfil": _fulfil,
    "waive": _waive,
    "upsert_service_point": _upsert_point,
    "register_enterprise": _register_enterprise,
    "update_enterprise": _update_enterprise,
}
