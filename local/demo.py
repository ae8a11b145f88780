"""Demo data for the local stack: a battery's whole life, across eight enterprises.

Two automakers, two battery makers, a recycler and a dismantler, each with reminder contacts in
both languages. Makers register packs and supply them to the automakers (their duty to give
disassembly information arises); the automakers certify and register a few hundred vehicles
whose dates sit around the 2026 National Day holidays (so 10-working-day deadlines visibly skip
them), and a model's six-month deadline reaches into 2027 (provisional until 2027 is loaded).
Then batteries move on: some go back to their maker for repair and are installed again; some
are retired through an automaker's collection point to the recycler, which re-codes one for
second life; makers sell packs directly and dispose of scrap from production; the dismantler
takes in two vehicles, one of them without its second pack. Service points leave coverage gaps,
and fulfilled, late and overdue duties stand side by side.

Everything goes through the same use cases as the API (below the GraphQL layer), in bulk, so
that the stack is ready in seconds. Every date is fixed; `DEMO_DATES` lists dates worth a look.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from compliance.codes import production_date_code, uscc_check_character, vin_check_digit
from compliance.enterprises import Contact, Enterprise
from compliance.lifecycle import (
    DisposalOrigin,
    EnterpriseKind,
    EventKind,
    LifecycleEvent,
    RemovalReason,
)
from compliance.network import PointType
from compliance.services import enterprises as enterprise_cases
from compliance.services import events as event_cases
from compliance.services import obligations as obligation_cases
from compliance.services import service_points as point_cases
from compliance.services.events import NewBattery
from compliance.services.outcome import Recorded, Request
from compliance.services.recording import new_event, record
from compliance.services.service_points import PointInput
from compliance.store import reads
from compliance.store.dynamo import DynamoStore
from graph.settings import settings_from_environment


def _uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


FUZHOU_MOTORS = "91350100M000100Y43"
SHENZHEN_EV = "91440300192317458F"
NINGDE_CELLS = "91350900587527783P"
SHANGHAI_POWER = _uscc("91310000MA1FL0000")
GANZHOU_RECYCLING = _uscc("91360700MA3RC0000")
HUAMIN_DISMANTLING = _uscc("91350100MA2DM0000")

ENTERPRISES: list[dict[str, Any]] = [
    {
        "id": FUZHOU_MOTORS,
        "name": "福州新能源汽车有限公司 Fuzhou NEV Motors",
        "kinds": ["AUTOMAKER"],
        "provinceCode": "350000",
        "contacts": [
            {"email": "compliance@fuzhou-motors.example.cn", "language": "zh-CN"},
            {"email": "eu-office@fuzhou-motors.example.cn", "language": "en"},
        ],
    },
    {
        "id": SHENZHEN_EV,
        "name": "深圳电动汽车股份有限公司 Shenzhen EV",
        "kinds": ["AUTOMAKER", "IMPORTER"],
        "provinceCode": "440000",
        "contacts": [
            {"email": "trace@shenzhen-ev.example.cn", "language": "en"},
            {"email": "huishou@shenzhen-ev.example.cn", "language": "zh-CN"},
        ],
    },
    {
        "id": NINGDE_CELLS,
        "name": "宁德动力电池有限公司 Ningde Power Cells",
        "kinds": ["BATTERY_MAKER"],
        "manufacturerCodes": ["X12"],
        "provinceCode": "350000",
        "contacts": [
            {"email": "battery-compliance@ningde-cells.example.cn", "language": "zh-CN"},
            {"email": "export-desk@ningde-cells.example.cn", "language": "en"},
        ],
    },
    {
        "id": SHANGHAI_POWER,
        "name": "上海储能科技有限公司 Shanghai Power Storage",
        "kinds": ["BATTERY_MAKER"],
        "manufacturerCodes": ["03U"],
        "provinceCode": "310000",
        "contacts": [
            {"email": "ops@shanghai-power.example.cn", "language": "en"},
            {"email": "hegui@shanghai-power.example.cn", "language": "zh-CN"},
        ],
    },
    {
        "id": GANZHOU_RECYCLING,
        "name": "赣州循环科技有限公司 Ganzhou Recycling Technology",
        "kinds": ["RECYCLER"],
        "manufacturerCodes": ["R7G"],
        "provinceCode": "360000",
        "contacts": [
            {"email": "rukudan@ganzhou-recycling.example.cn", "language": "zh-CN"},
            {"email": "trace@ganzhou-recycling.example.cn", "language": "en"},
        ],
    },
    {
        "id": HUAMIN_DISMANTLING,
        "name": "福建华闽报废汽车回收拆解有限公司 Huamin Vehicle Dismantling",
        "kinds": ["DISMANTLER"],
        "provinceCode": "350000",
        "contacts": [
            {"email": "chaijie@huamin-dismantling.example.cn", "language": "zh-CN"},
            {"email": "office@huamin-dismantling.example.cn", "language": "en"},
        ],
    },
]

# Prefectures where the demo vehicles are registered; the automakers cover some of them.
REGIONS = ["350102", "350203", "440305", "440106", "330106", "320505", "110105", "510107"]

DEMO_DATES = {
    "2026-09-24": "vehicles certified just before National Day: their uploads are due soon",
    "2026-10-12": "the first full working week after National Day: overdue and due-soon together",
    "2026-11-26": "late, overdue and open duties side by side, repair returns among them",
    "2027-03-08": "FZ7002BEV's technical information due 2027-03-15, provisional until 2027 loads",
}

MODELS = {
    FUZHOU_MOTORS: [
        ("FZ7001BEV", date(2026, 3, 10), False),
        ("FZ7002BEV", date(2026, 9, 15), False),
    ],
    SHENZHEN_EV: [("SZ6500BEV", date(2026, 6, 1), False), ("EQ5-IMPORT", date(2026, 8, 20), True)],
}
SUPPLIER = {FUZHOU_MOTORS: NINGDE_CELLS, SHENZHEN_EV: SHANGHAI_POWER}
MAKER_CODE = {NINGDE_CELLS: "X12", SHANGHAI_POWER: "03U"}


@dataclass
class DemoResult:
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        parts = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        problems = f"; {len(self.errors)} refused: {self.errors[0]}" if self.errors else ""
        return f"{parts} in {self.seconds:.1f} s{problems}"


def _vin(wmi: str, serial: int) -> str:
    body = f"{wmi}CE4CB0P{serial:07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _pack(maker: str, serial: int, produced: date) -> str:
    return f"{maker}PB01{serial:07d}{production_date_code(produced)}{serial:07d}"


@dataclass(frozen=True)
class _Vehicle:
    automaker: str
    vin: str
    model: str
    imported: bool
    certified: date
    registered: date | None
    region: str | None
    packs: tuple[str, str]
    produced: date


def _fleet(today: date) -> list[_Vehicle]:
    """75 vehicles per automaker, certified 2026-09-01 .. 2026-11-24, none after `today`."""
    rng = random.Random(20261001)
    fleet = []
    for automaker, wmi in ((FUZHOU_MOTORS, "LFZ"), (SHENZHEN_EV, "LSZ")):
        maker_code = MAKER_CODE[SUPPLIER[automaker]]
        for n in range(75):
            certified = date(2026, 9, 1) + timedelta(days=rng.randrange(0, 85))
            produced = certified - timedelta(days=rng.randrange(5, 40))
            registered = certified + timedelta(days=rng.randrange(1, 20))
            region = REGIONS[rng.randrange(len(REGIONS))]
            if certified > today:
                continue
            model, imported = MODELS[automaker][0][0], False
            if automaker == SHENZHEN_EV and n % 5 == 0:
                model, imported = "EQ5-IMPORT", True
            elif automaker == FUZHOU_MOTORS and n % 4 == 0 and certified >= date(2026, 9, 15):
                model = "FZ7002BEV"
            keep = registered <= today and n % 4 != 3  # some vehicles are still unsold
            fleet.append(
                _Vehicle(
                    automaker=automaker,
                    vin=_vin(wmi, n),
                    model=model,
                    imported=imported,
                    certified=certified,
                    registered=registered if keep else None,
                    region=region if keep else None,
                    packs=(
                        _pack(maker_code, 2 * n, produced),
                        _pack(maker_code, 2 * n + 1, produced),
                    ),
                    produced=produced,
                )
            )
    return fleet


class _Demo:
    """Runs use cases as each demo enterprise, keeping what they refuse (there should be
    nothing: a refusal means the demo no longer matches the rules)."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.now = datetime.now(UTC)
        self.store = DynamoStore()
        self.rules = settings_from_environment().rules
        self.result = DemoResult()
        self.facts: dict[str, Any] = {}

    def onboard(self) -> None:
        for raw in ENTERPRISES:
            enterprise = Enterprise(
                id=str(raw["id"]),
                name=str(raw["name"]),
                kinds=frozenset(EnterpriseKind(k) for k in raw["kinds"]),
                manufacturer_codes=frozenset(raw.get("manufacturerCodes", [])),
                province_code=str(raw["provinceCode"]),
                contacts=tuple(Contact(c["email"], c["language"]) for c in raw["contacts"]),
                created_at=self.now,
            )
            self.facts[enterprise.id] = enterprise.facts
            saved = enterprise_cases.register(self.store, enterprise)
            self.result.errors.extend(v.message for v in saved.violations)
        self.result.counts["enterprises"] = len(ENTERPRISES)

    def request(self, actor: str) -> Request:
        return Request(self.facts[actor], "demo", self.now, self.today, self.rules)

    def run(
        self, actor: str, use_case: Callable[..., Recorded], *args: Any, **kwargs: Any
    ) -> Recorded:
        """`use_case(store, request, *args, **kwargs)` as `actor`."""
        recorded = use_case(self.store, self.request(actor), *args, **kwargs)
        self.result.errors.extend(r.violation.message for r in recorded.refusals)
        return recorded

    def events(self, actor: str, events: Sequence[LifecycleEvent], groups: list[list[int]]) -> None:
        self.run(actor, record, events, groups=groups)

    def point(self, operator: str, kind: PointType, region: str, name: str) -> str | None:
        sent = PointInput(name=name, point_type=kind, region_code=region, address=f"{name} (demo)")
        saved = point_cases.upsert(
            self.store, self.request(operator), sent, new_id=lambda: f"sp_demo_{region}"
        )
        self.result.errors.extend(v.message for v in saved.violations)
        return saved.point.id if saved.point else None


def load(today: date) -> DemoResult:
    """Load the demo into the tables the environment names. Nothing is dated after `today`."""
    started = time.perf_counter()
    demo = _Demo(today)
    demo.onboard()

    # Service points first, so that registrations in covered prefectures open no coverage duty.
    points = {
        region: demo.point(operator, kind, region, name)
        for operator, kind, region, name in (
            (FUZHOU_MOTORS, PointType.COLLECTION, "350102", "福州鼓楼回收服务网点"),
            (FUZHOU_MOTORS, PointType.COLLECTION, "350203", "厦门思明回收服务网点"),
            (SHENZHEN_EV, PointType.COLLECTION, "440305", "深圳南山回收服务网点"),
            (NINGDE_CELLS, PointType.STORAGE, "350100", "宁德动力福州集中贮存点"),
        )
    }

    for automaker, entries in MODELS.items():
        for code, announced, imported in entries:
            if announced <= today:
                demo.run(automaker, event_cases.announce_model, code, announced, imported=imported)
    demo.result.counts["models"] = sum(len(v) for v in MODELS.values())

    fleet = _fleet(today)
    spares = _spares(today)
    for automaker, maker in SUPPLIER.items():
        mine = [v for v in fleet if v.automaker == automaker]
        packs = [NewBattery(code) for v in mine for code in v.packs]
        packs += [NewBattery(code) for code in spares[maker]]
        demo.run(maker, event_cases.register_batteries, packs)
        supplies = [
            new_event(
                EventKind.BATTERY_SUPPLIED,
                maker,
                v.produced + timedelta(days=2),
                battery_code=code,
                counterparty=automaker,
            )
            for v in mine
            for code in v.packs
        ]
        demo.events(maker, supplies, [[i] for i in range(len(supplies))])
        events: list[LifecycleEvent] = []
        groups: list[list[int]] = []
        for v in mine:
            kind = EventKind.CUSTOMS_CLEARED if v.imported else EventKind.FACTORY_CERTIFICATE_ISSUED
            groups.append([len(events), len(events) + 1, len(events) + 2])
            events.append(new_event(kind, automaker, v.certified, vin=v.vin, model=v.model))
            events += [
                new_event(
                    EventKind.BATTERY_INSTALLED, automaker, v.certified, vin=v.vin, battery_code=c
                )
                for c in v.packs
            ]
        demo.events(automaker, events, groups)
        registrations = [
            new_event(
                EventKind.VEHICLE_REGISTERED,
                automaker,
                v.registered,
                vin=v.vin,
                region_code=v.region,
            )
            for v in mine
            if v.registered is not None
        ]
        demo.events(automaker, registrations, [[i] for i in range(len(registrations))])
    demo.result.counts["vehicles"] = len(fleet)
    demo.result.counts["packs"] = 2 * len(fleet) + sum(map(len, spares.values()))

    demo.result.counts["repairs"] = _repairs(demo, fleet)
    demo.result.counts["retired"] = _retirements(demo, fleet, points.get("350102"))
    demo.result.counts["scrapped"] = _scrapping(demo, fleet)
    _maker_stock(demo, spares)
    demo.result.counts["fulfilled"] = _fulfil_some(demo)
    demo.result.errors = list(dict.fromkeys(demo.result.errors))
    demo.result.seconds = time.perf_counter() - started
    return demo.result


def _spares(today: date) -> dict[str, list[str]]:
    """Packs each maker keeps in stock: some are sold directly, one is scrapped from production."""
    produced = min(date(2026, 8, 3), today)
    return {
        maker: [_pack(code, 900 + n, produced) for n in range(6)]
        for maker, code in MAKER_CODE.items()
    }


def _registered(fleet: Sequence[_Vehicle], automaker: str) -> list[_Vehicle]:
    return sorted(
        (v for v in fleet if v.automaker == automaker and v.registered is not None),
        key=lambda v: (v.registered, v.vin),
    )


def _repairs(demo: _Demo, fleet: Sequence[_Vehicle]) -> int:
    """Fuzhou takes a pack out of three early vehicles for repair; Ningde receives it (its
    warehouse-entry upload is due in 10 working days), repairs it, supplies it back, and Fuzhou
    installs it again. The last one is still at Ningde."""
    count = 0
    for i, vehicle in enumerate(_registered(fleet, FUZHOU_MOTORS)[:3]):
        assert vehicle.registered is not None
        out = max(vehicle.registered + timedelta(days=12), date(2026, 10, 26))
        back, again = out + timedelta(days=2), out + timedelta(days=15)
        if back > demo.today:
            continue
        code = vehicle.packs[0]
        demo.run(
            FUZHOU_MOTORS,
            event_cases.remove_batteries,
            vehicle.vin,
            [code],
            out,
            RemovalReason.REPAIR,
        )
        demo.run(NINGDE_CELLS, event_cases.receive_repair_return, code, back)
        count += 1
        if i == 2 or again > demo.today:
            continue
        demo.run(NINGDE_CELLS, event_cases.supply_batteries, [code], FUZHOU_MOTORS, again)
        demo.run(FUZHOU_MOTORS, event_cases.install_batteries, vehicle.vin, [code], again)
    return count


def _retirements(demo: _Demo, fleet: Sequence[_Vehicle], point: str | None) -> int:
    """Two Fuzhou vehicles' second packs reach their end: taken out, taken in at Fuzhou's
    collection point in Gulou, handed to the recycler, which re-codes one for second life and
    disposes of the other."""
    chosen = _registered(fleet, FUZHOU_MOTORS)[3:5]
    out, received, handed, done = (date(2026, 11, d) for d in (2, 3, 9, 16))
    if point is None or done > demo.today or len(chosen) < 2:
        return 0
    codes = [v.packs[1] for v in chosen]
    for vehicle, code in zip(chosen, codes, strict=True):
        demo.run(
            FUZHOU_MOTORS,
            event_cases.remove_batteries,
            vehicle.vin,
            [code],
            out,
            RemovalReason.RETIREMENT,
        )
    demo.run(FUZHOU_MOTORS, event_cases.receive_at_service_point, point, codes, received)
    demo.run(FUZHOU_MOTORS, event_cases.hand_over, point, codes, handed, GANZHOU_RECYCLING)
    second_life = f"R7GMB01{production_date_code(done)}0000001RM"
    demo.run(GANZHOU_RECYCLING, event_cases.recode_battery, codes[0], second_life, done)
    demo.run(GANZHOU_RECYCLING, event_cases.dispose_batteries, [codes[1]], done, None)
    return len(codes)


def _scrapping(demo: _Demo, fleet: Sequence[_Vehicle]) -> int:
    """The dismantler takes in two Shenzhen vehicles: one with both packs, which it takes out
    and hands to the recycler; one that came without its second pack (scrapped incomplete)."""
    chosen = _registered(fleet, SHENZHEN_EV)[:2]
    taken, out, handed = date(2026, 11, 10), date(2026, 11, 12), date(2026, 11, 13)
    if handed > demo.today or len(chosen) < 2:
        return 0
    whole, incomplete = chosen
    dismantler = HUAMIN_DISMANTLING
    demo.run(dismantler, event_cases.scrap_vehicle, whole.vin, taken, list(whole.packs))
    demo.run(dismantler, event_cases.scrap_vehicle, incomplete.vin, taken, [incomplete.packs[0]])
    demo.run(
        dismantler,
        event_cases.remove_batteries,
        whole.vin,
        list(whole.packs),
        out,
        RemovalReason.SCRAPPING,
    )
    demo.run(dismantler, event_cases.hand_over, None, list(whole.packs), handed, GANZHOU_RECYCLING)
    return len(chosen)


def _maker_stock(demo: _Demo, spares: dict[str, list[str]]) -> None:
    """Both makers sell spare packs directly to battery-swap operators (Shanghai Power into a
    province where it has no storage point yet), and each scraps one from production."""
    sales = [
        (NINGDE_CELLS, spares[NINGDE_CELLS][0], "福建换电运营有限公司", "350000"),
        (SHANGHAI_POWER, spares[SHANGHAI_POWER][0], "江苏换电网络有限公司", "320000"),
        (SHANGHAI_POWER, spares[SHANGHAI_POWER][1], "浙江电池租赁有限公司", "330000"),
    ]
    sold_on = min(date(2026, 10, 19), demo.today)
    for maker, code, buyer, province in sales:
        demo.run(maker, event_cases.sell_directly, code, sold_on, buyer, province)
    for maker, codes in spares.items():
        demo.run(
            maker, event_cases.dispose_batteries, [codes[-1]], sold_on, DisposalOrigin.PRODUCTION
        )


def _fulfil_some(demo: _Demo) -> int:
    """Most uploads due by 2026-10-20 are done (a few late); the rest stay open or overdue."""
    done = 0
    for automaker in SUPPLIER:
        page = reads.obligation_page(
            reads.ObligationScope(responsible=automaker),
            first=200,
            after=None,
            where=reads.ObligationFilter(due_on_or_before=date(2026, 10, 20)),
            today=demo.today,
        )
        request = demo.request(automaker)
        for i, found in enumerate(page.records):
            deadline = found.obligation.deadline
            if deadline is None or i % 5 == 4 or found.fulfilled_on is not None:
                continue
            on = (
                deadline.due_date - timedelta(days=2)
                if i % 7
                else deadline.due_date + timedelta(days=3)
            )
            on = min(max(on, found.obligation.trigger_date), demo.today)
            closed = obligation_cases.fulfil(
                demo.store, request, found.id, on, f"NEV-TRACE-{i:05d}"
            )
            done += not closed.violations
    return done
