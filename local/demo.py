"""Demo data for the local stack.

Two automakers, two battery makers and a regulator's view; a few hundred packs and vehicles
whose dates sit around the 2026 National Day holidays (so 10-working-day deadlines visibly skip
them), a model whose six-month deadline reaches into 2027 (provisional until 2027 is loaded),
service points with coverage gaps, fulfilled, late and overdue duties.

Every date is fixed, so the same data appears whenever the stack starts; `DEMO_DATES` lists
dates worth looking at.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from compliance import regions
from compliance.codes import production_date_code, uscc_check_character, vin_check_digit
from compliance.lifecycle import EnterpriseKind, EventKind, LifecycleEvent, PointType
from compliance.store import enterprises as enterprise_store
from compliance.store import obligations as obligation_store
from compliance.store import reads
from compliance.store import service_points as point_store
from compliance.store.calendars import current_calendar
from compliance.store.ledger import Ledger, new_event
from compliance.store.records import Contact, Enterprise, ServicePoint
from graph.settings import settings_from_environment

FUZHOU_MOTORS = "91350100M000100Y43"
SHENZHEN_EV = "91440300192317458F"
NINGDE_CELLS = "91350900587527783P"
SHANGHAI_POWER = "91310000MA1FL0000" + uscc_check_character("91310000MA1FL0000")

ENTERPRISES: list[dict[str, Any]] = [
    {
        "id": FUZHOU_MOTORS,
        "name": "福州新能源汽车有限公司 Fuzhou NEV Motors",
        "kinds": ["AUTOMAKER"],
        "provinceCode": "350000",
        "contacts": [{"email": "compliance@fuzhou-motors.example.cn", "language": "zh-CN"}],
    },
    {
        "id": SHENZHEN_EV,
        "name": "深圳电动汽车股份有限公司 Shenzhen EV",
        "kinds": ["AUTOMAKER", "IMPORTER"],
        "provinceCode": "440000",
        "contacts": [{"email": "trace@shenzhen-ev.example.cn", "language": "en"}],
    },
    {
        "id": NINGDE_CELLS,
        "name": "宁德动力电池有限公司 Ningde Power Cells",
        "kinds": ["BATTERY_MAKER"],
        "manufacturerCodes": ["X12"],
        "provinceCode": "350000",
        "contacts": [{"email": "battery-compliance@ningde-cells.example.cn", "language": "zh-CN"}],
    },
    {
        "id": SHANGHAI_POWER,
        "name": "上海储能科技有限公司 Shanghai Power Storage",
        "kinds": ["BATTERY_MAKER"],
        "manufacturerCodes": ["03U"],
        "provinceCode": "310000",
        "contacts": [{"email": "ops@shanghai-power.example.cn", "language": "en"}],
    },
]

# Prefectures where the demo vehicles are registered; the automakers cover some of them.
REGIONS = ["350102", "350203", "440305", "440106", "330106", "320505", "110105", "510107"]

DEMO_DATES = {
    "2026-09-24": "vehicles certified just before National Day: their uploads are due soon",
    "2026-10-12": "the first full working week after National Day: overdue and due-soon together",
    "2026-11-26": "late, overdue and open duties side by side",
    "2027-03-08": "FZ7002BEV's technical information due 2027-03-15, provisional until 2027 loads",
}


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
    for automaker, maker_code, wmi in (
        (FUZHOU_MOTORS, "X12", "LFZ"),
        (SHENZHEN_EV, "03U", "LSZ"),
    ):
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


MODELS = {
    FUZHOU_MOTORS: [
        ("FZ7001BEV", date(2026, 3, 10), False),
        ("FZ7002BEV", date(2026, 9, 15), False),
    ],
    SHENZHEN_EV: [("SZ6500BEV", date(2026, 6, 1), False), ("EQ5-IMPORT", date(2026, 8, 20), True)],
}
SUPPLIER = {FUZHOU_MOTORS: NINGDE_CELLS, SHENZHEN_EV: SHANGHAI_POWER}


def load(today: date) -> DemoResult:
    """Load the demo into the tables the environment names. Nothing is dated after `today`.

    It goes through the same validation, rules and transactions as the API (the ledger and
    stores below the GraphQL layer) but in bulk, so that the stack is ready in seconds.
    """
    started = time.perf_counter()
    result = DemoResult()
    now = datetime.now(UTC)
    settings = settings_from_environment()
    ledger = Ledger(settings.rule_set, current_calendar(), now, today, recorded_by="demo")
    facts = {}
    for raw in ENTERPRISES:
        enterprise = Enterprise(
            id=str(raw["id"]),
            name=str(raw["name"]),
            kinds=frozenset(EnterpriseKind(k) for k in raw["kinds"]),
            manufacturer_codes=frozenset(raw.get("manufacturerCodes", [])),
            province_code=str(raw["provinceCode"]),
            contacts=tuple(Contact(c["email"], c["language"]) for c in raw["contacts"]),
            created_at=now,
        )
        facts[enterprise.id] = enterprise.facts
        if reads.enterprise(enterprise.id) is None:
            enterprise_store.register(enterprise)
    result.counts["enterprises"] = len(ENTERPRISES)

    def record(
        actor: str, events: list[LifecycleEvent], groups: list[list[int]] | None = None
    ) -> None:
        outcome = ledger.record(facts[actor], events, atomic=False, groups=groups)
        result.errors.extend(r.violation.message for r in outcome.rejections)

    # Service points first, so that registrations in covered prefectures open no coverage duty.
    for automaker, region in (
        (FUZHOU_MOTORS, "350102"),
        (FUZHOU_MOTORS, "350203"),
        (SHENZHEN_EV, "440305"),
    ):
        _service_point(automaker, PointType.COLLECTION, region, today, now)
    _service_point(NINGDE_CELLS, PointType.STORAGE, "350100", today, now)

    for automaker, entries in MODELS.items():
        record(
            automaker,
            [
                new_event(
                    EventKind.MODEL_CCC_CERTIFIED if imported else EventKind.MODEL_ANNOUNCED,
                    automaker,
                    announced,
                    model=code,
                )
                for code, announced, imported in entries
                if announced <= today
            ],
        )
    result.counts["models"] = sum(len(v) for v in MODELS.values())

    fleet = _fleet(today)
    for automaker, maker in SUPPLIER.items():
        mine = [v for v in fleet if v.automaker == automaker]
        record(
            maker,
            [
                new_event(EventKind.BATTERY_PRODUCED, maker, v.produced, battery_code=code)
                for v in mine
                for code in v.packs
            ],
        )
        events: list[LifecycleEvent] = []
        groups: list[list[int]] = []
        for v in mine:
            kind = EventKind.CUSTOMS_CLEARED if v.imported else EventKind.FACTORY_CERTIFICATE_ISSUED
            group = [len(events), len(events) + 1, len(events) + 2]
            events.append(new_event(kind, automaker, v.certified, vin=v.vin, model=v.model))
            events.extend(
                new_event(
                    EventKind.BATTERY_INSTALLED, automaker, v.certified, vin=v.vin, battery_code=c
                )
                for c in v.packs
            )
            groups.append(group)
        record(automaker, events, groups)
        record(
            automaker,
            [
                new_event(
                    EventKind.VEHICLE_REGISTERED,
                    automaker,
                    v.registered,
                    vin=v.vin,
                    region_code=v.region,
                )
                for v in mine
                if v.registered is not None
            ],
        )
    result.counts["vehicles"] = len(fleet)
    result.counts["packs"] = 2 * len(fleet)

    result.counts["fulfilled"] = _fulfil_some(today, now)
    result.seconds = time.perf_counter() - started
    return result


_POINT_NAMES = {PointType.COLLECTION: "回收服务网点", PointType.STORAGE: "集中贮存点"}


def _service_point(operator: str, kind: PointType, region: str, today: date, now: datetime) -> None:
    coverage = (
        regions.prefecture_of(region)
        if kind is PointType.COLLECTION
        else regions.province_of(region)
    )
    point_id = f"sp_demo_{operator[-6:]}_{region}"
    if point_store.get(point_id) is not None:
        return
    point_store.upsert(
        ServicePoint(
            id=point_id,
            operator=operator,
            point_type=kind,
            name=f"{_POINT_NAMES[kind]} {coverage.name}",
            region_code=region,
            coverage_region=coverage.code,
            address=f"{coverage.name} (demo)",
            active=True,
            updated_at=now,
        ),
        None,
        today=today,
        now=now,
    )


def _fulfil_some(today: date, now: datetime) -> int:
    """Most uploads due by 2026-10-20 are done (a few late); the rest stay open or overdue."""
    done = 0
    for automaker in SUPPLIER:
        page = reads.obligation_page(
            reads.ObligationScope(responsible=automaker),
            first=200,
            after=None,
            where=reads.ObligationFilter(due_on_or_before=date(2026, 10, 20)),
            today=today,
        )
        for i, record in enumerate(page.records):
            deadline = record.obligation.deadline
            if deadline is None or i % 5 == 4 or record.fulfilled_on is not None:
                continue
            on = (
                deadline.due_date - timedelta(days=2)
                if i % 7
                else deadline.due_date + timedelta(days=3)
            )
            on = min(max(on, record.obligation.trigger_date), today)
            change = obligation_store.fulfil(
                record.id, automaker, on, f"NEV-TRACE-{i:05d}", today=today, now=now
            )
            done += not change.violations
    return done
