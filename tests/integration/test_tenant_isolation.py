"""Tenant isolation over generated worlds, end to end through the API Lambda on moto.

Hypothesis draws a small world (automakers, battery makers, vehicles with other makers' packs
supplied to their automakers, packs left in stock, sold directly, or supplied to an automaker
that disposes of them, vehicle registrations) and builds it through
the API's mutations, each sent by the administrator of the enterprise that reports it. Then every
principal (each enterprise's administrator, user and read-scoped partner system, and a
regulator) reads every object: direct lookups with the related objects nested in them,
obligation connections unfiltered and filtered by every enterprise, and every enterprise's
compliance summary and service coverage.

What each principal should see is computed from the generated world alone (the README's
role table, and docs/DOMAIN.md 4.1): a battery is visible to its manufacturer, its current
responsible enterprise, the automaker of the vehicle it is installed in and the enterprise
holding it; a vehicle to its automaker; an obligation to its responsible enterprise; an
enterprise to itself (a related enterprise shows its identity, but its contacts only to
itself); a regulator sees everything. Anything else reads exactly as a record that does not
exist: null, an empty list, or zero.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql
from tests.builders import battery_code, uscc, vin

ADMIN = bearer_header("PLATFORM_ADMIN")

MANUFACTURER_CODES = ("X12", "03U", "K7B")
# Registration regions in four prefectures, and provinces for direct sales.
REGION_CODES = ("440305", "440106", "320106", "510104")
PREFECTURE_OF = {"440305": "440300", "440106": "440100", "320106": "320100", "510104": "510100"}
PROVINCE_CODES = ("440000", "320000", "510000")
FATES = ("stock", "sold", "disposed")
ANNOUNCED_ON = date(2026, 1, 5)
LAST_DAY = date(2026, 11, 19)  # every reported date is before 2026-11-20

# Objects that do not exist: every principal, the regulator included, must read them as null.
GHOST_BATTERY = battery_code("X12", date(2026, 3, 2), serial=9_999_999)
GHOST_VIN = vin(9_999_999)
GHOST_OBLIGATION = "ob_" + "0" * 24
GHOST_ENTERPRISE = uscc("91510100MA3000001")

# Lookups per request: the schema allows 30 aliases (and 2000 tokens) in one document.
CHUNK = 30
# The smallest world: 2 automakers and 1 battery maker (10 principals), 2 vehicles with a pack
# each, 3 packs not installed and 10 obligations, plus the 4 missing objects.
MIN_PAIRS_PER_WORLD = 10 * (3 + 2 + 5 + 10 + 4)


# --- the world, as generated ----------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    id: str
    kind: str  # AUTOMAKER or BATTERY_MAKER
    email: str
    manufacturer_code: str | None = None  # battery makers
    model: str | None = None  # automakers: the one model they announce


@dataclass(frozen=True)
class Pack:
    code: str
    maker: str
    produced_on: date
    installed_in: str | None = None  # VIN
    sold_in: str | None = None  # province code of a direct sale
    disposed_by: str | None = None  # automaker it was supplied to, which disposed of it
    happened_on: date | None = None  # date of the sale or disposal
    supplied_to: str | None = None  # the automaker supplied, on the day it was produced

    @property
    def custodian(self) -> str | None:
        """Who holds it (docs/DOMAIN.md 4.1): the automaker supplied (which installed or disposed
        of it), nobody on the platform once sold directly, else its maker."""
        return None if self.sold_in else self.supplied_to or self.maker


@dataclass(frozen=True)
class Car:
    vin: str
    automaker: str
    issued_on: date
    packs: tuple[str, ...]
    registered_on: date | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class World:
    automakers: tuple[Company, ...]
    makers: tuple[Company, ...]
    cars: tuple[Car, ...]
    packs: tuple[Pack, ...]

    @property
    def companies(self) -> tuple[Company, ...]:
        return self.automakers + self.makers

    def company(self, enterprise_id: str) -> Company:
        return next(c for c in self.companies if c.id == enterprise_id)

    def car(self, vin_: str) -> Car:
        return next(c for c in self.cars if c.vin == vin_)

    def pack(self, code: str) -> Pack:
        return next(p for p in self.packs if p.code == code)

    def describe(self) -> str:
        lines = [f"automaker {c.id} model {c.model}" for c in self.automakers]
        lines += [f"battery maker {c.id} code {c.manufacturer_code}" for c in self.makers]
        lines += [
            f"vehicle {c.vin} of {c.automaker} packs {list(c.packs)}"
            + (f" registered {c.registered_on} in {c.region_code}" if c.registered_on else "")
            for c in self.cars
        ]
        lines += [
            f"pack {p.code} of {p.maker}"
            + (f" sold in {p.sold_in}" if p.sold_in else "")
            + (f" disposed of by {p.disposed_by}" if p.disposed_by else "")
            for p in self.packs
            if not p.installed_in
        ]
        return "\n".join(lines)


def _day(draw: st.DrawFn, start: date, span: int) -> date:
    return min(start + timedelta(days=draw(st.integers(0, span))), LAST_DAY)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    automakers = tuple(
        Company(
            uscc(f"91440300MA1{i:06d}"),
            "AUTOMAKER",
            f"compliance@automaker{i}.cn",
            model=f"AM{i}01BEV",
        )
        for i in range(1, draw(st.integers(2, 4)) + 1)
    )
    makers = tuple(
        Company(
            uscc(f"91320500MA2{i:06d}"),
            "BATTERY_MAKER",
            f"trace@cells{i}.cn",
            manufacturer_code=MANUFACTURER_CODES[i - 1],
        )
        for i in range(1, draw(st.integers(1, 3)) + 1)
    )
    serials = itertools.count(1)
    vins = itertools.count(1)
    packs: list[Pack] = []

    def new_pack(maker: Company, **fate: Any) -> Pack:
        produced = _day(draw, date(2026, 1, 5), 90)
        assert maker.manufacturer_code is not None
        code = battery_code(maker.manufacturer_code, produced, serial=next(serials))
        return Pack(code, maker.id, produced, **fate)

    cars: list[Car] = []
    for automaker in automakers:
        for _ in range(draw(st.integers(1, 3))):
            number = vin(next(vins))
            installed = [
                new_pack(maker, installed_in=number, supplied_to=automaker.id)
                for maker in draw(st.lists(st.sampled_from(makers), min_size=1, max_size=2))
            ]
            packs += installed
            issued = _day(draw, max(p.produced_on for p in installed), 30)
            # The first vehicle is always registered, so every world has registration duties.
            registered = not cars or draw(st.booleans())
            cars.append(
                Car(
                    number,
                    automaker.id,
                    issued,
                    tuple(p.code for p in installed),
                    registered_on=_day(draw, issued + timedelta(days=1), 60)
                    if registered
                    else None,
                    region_code=draw(st.sampled_from(REGION_CODES)) if registered else None,
                )
            )
    # Packs not installed: at least one kept in stock, one sold directly and one disposed of
    # by an automaker, each of a drawn maker, and perhaps one more per maker.
    loose = [(draw(st.sampled_from(makers)), fate) for fate in FATES]
    for maker in makers:
        loose += [(maker, fate) for fate in draw(st.lists(st.sampled_from(FATES), max_size=1))]
    for maker, fate in loose:
        pack = new_pack(maker)
        when = _day(draw, pack.produced_on, 60)
        if fate == "sold":
            province = draw(st.sampled_from(PROVINCE_CODES))
            pack = replace(pack, sold_in=province, happened_on=when)
        elif fate == "disposed":
            by = draw(st.sampled_from(automakers)).id
            pack = replace(pack, disposed_by=by, supplied_to=by, happened_on=when)
        packs.append(pack)
    return World(automakers, makers, tuple(cars), tuple(packs))


# --- what the rules say each principal sees ---------------------------------------------------


@dataclass(frozen=True)
class Duty:
    """An obligation the world must have produced, and the objects it refers to."""

    rule_id: str
    responsible: str
    subject_kind: str
    subject_id: str
    vin: str | None = None
    battery: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.rule_id, self.responsible, self.subject_kind, self.subject_id)


def expected_duties(world: World) -> list[Duty]:
    """The duties of the rule set for the events the world reports, in reporting order; a duty
    owed once per region refers to the first vehicle or pack that created it."""
    duties: dict[tuple[str, str, str, str], Duty] = {}

    def add(duty: Duty) -> None:
        duties.setdefault(duty.key, duty)

    for company in world.automakers:
        assert company.model is not None
        add(Duty("TECH_INFO_SUBMISSION", company.id, "MODEL", company.model))
        add(Duty("DISMANTLER_DISASSEMBLY_INFO", company.id, "MODEL", company.model))
    for car in world.cars:
        add(Duty("PRODUCTION_TRACE_UPLOAD", car.automaker, "VEHICLE", car.vin, vin=car.vin))
    for car in world.cars:
        if car.region_code:
            add(Duty("SALES_TRACE_UPLOAD", car.automaker, "VEHICLE", car.vin, vin=car.vin))
            prefecture = PREFECTURE_OF[car.region_code]
            add(Duty("COLLECTION_POINT_COVERAGE", car.automaker, "PREFECTURE", prefecture, car.vin))
    for pack in world.packs:
        if pack.sold_in:
            add(
                Duty(
                    "STORAGE_POINT_COVERAGE", pack.maker, "PROVINCE", pack.sold_in, None, pack.code
                )
            )
    for pack in world.packs:
        if pack.supplied_to:
            spec = f"{pack.code[:7]}/{pack.supplied_to}"
            add(
                Duty("SUPPLIER_DISASSEMBLY_INFO", pack.maker, "BATTERY_SPEC", spec, None, pack.code)
            )
    for pack in world.packs:
        if pack.disposed_by:
            add(
                Duty(
                    "AUTOMAKER_RETIREMENT_UPLOAD",
                    pack.disposed_by,
                    "BATTERY",
                    pack.code,
                    battery=pack.code,
                )
            )
    return list(duties.values())


@dataclass(frozen=True)
class Principal:
    role: str
    enterprise: str | None  # None: the regulator
    auth: str = field(repr=False)

    def sees(self, *owners: str | None) -> bool:
        return self.enterprise is None or self.enterprise in owners

    def __str__(self) -> str:
        return f"{self.role} of {self.enterprise}" if self.enterprise else self.role


def principals(world: World) -> list[Principal]:
    found = [Principal("REGULATOR", None, bearer_header("REGULATOR"))]
    for company in world.companies:
        found += [
            Principal(
                "ENTERPRISE_ADMIN", company.id, bearer_header("ENTERPRISE_ADMIN", company.id)
            ),
            Principal("ENTERPRISE_USER", company.id, bearer_header("ENTERPRISE_USER", company.id)),
            Principal("PARTNER", company.id, bearer_header("PARTNER", company.id, scopes=["read"])),
        ]
    return found


class Rules:
    """Expected answers, from the world and section 4 only."""

    def __init__(self, world: World, duties: dict[str, Duty]) -> None:
        self.world = world
        self.duties = duties  # by obligation id

    def responsible_for(self, pack: Pack) -> str:
        # Installed: the vehicle's automaker; sold directly, in stock or disposed: its maker.
        # (No pack of these worlds is removed, so the responsible enterprise is always the
        # maker or the automaker of the vehicle the pack is in.)
        return self.world.car(pack.installed_in).automaker if pack.installed_in else pack.maker

    def battery_viewers(self, pack: Pack) -> tuple[str | None, ...]:
        automaker = self.world.car(pack.installed_in).automaker if pack.installed_in else None
        return (pack.maker, self.responsible_for(pack), automaker, pack.custodian)

    def enterprise(self, p: Principal, enterprise_id: str) -> dict[str, Any]:
        """A related enterprise: identity always, contacts only to itself and regulators."""
        email = self.world.company(enterprise_id).email
        return {
            "id": enterprise_id,
            "contacts": [{"email": email}] if p.sees(enterprise_id) else [],
        }

    def vehicle_ref(self, p: Principal, vin_: str | None) -> dict[str, str] | None:
        if vin_ is None or not p.sees(self.world.car(vin_).automaker):
            return None
        return {"vin": vin_}

    def battery_ref(self, p: Principal, code: str | None) -> dict[str, str] | None:
        if code is None or not p.sees(*self.battery_viewers(self.world.pack(code))):
            return None
        return {"code": code}

    def battery(self, p: Principal, code: str) -> dict[str, Any] | None:
        pack = self.world.pack(code)
        if not p.sees(*self.battery_viewers(pack)):
            return None
        status = (
            "INSTALLED"
            if pack.installed_in
            else "SOLD_DIRECTLY"
            if pack.sold_in
            else "DISPOSED"
            if pack.disposed_by
            else "REGISTERED"
        )
        return {
            "code": code,
            "status": status,
            "manufacturer": self.enterprise(p, pack.maker),
            "responsibleEnterprise": self.enterprise(p, self.responsible_for(pack)),
            "custodian": self.enterprise(p, pack.custodian) if pack.custodian else None,
            "vehicle": self.vehicle_ref(p, pack.installed_in),
        }

    def vehicle(self, p: Principal, vin_: str) -> dict[str, Any] | None:
        car = self.world.car(vin_)
        if not p.sees(car.automaker):
            return None
        return {
            "vin": vin_,
            "automaker": self.enterprise(p, car.automaker),
            "model": {"code": self.world.company(car.automaker).model},
            "batteries": [ref for c in sorted(car.packs) if (ref := self.battery_ref(p, c))],
        }

    def obligation(self, p: Principal, obligation_id: str) -> dict[str, Any] | None:
        duty = self.duties[obligation_id]
        if not p.sees(duty.responsible):
            return None
        return {
            "id": obligation_id,
            "ruleId": duty.rule_id,
            "responsibleEnterprise": self.enterprise(p, duty.responsible),
            "vehicle": self.vehicle_ref(p, duty.vin),
            "battery": self.battery_ref(p, duty.battery),
        }

    def enterprise_lookup(self, p: Principal, enterprise_id: str) -> dict[str, Any] | None:
        return self.enterprise(p, enterprise_id) if p.sees(enterprise_id) else None

    def obligations_of(self, p: Principal, enterprise_id: str | None) -> list[str]:
        """What `obligations(filter: {enterpriseId})` lists; without a filter, one's own."""
        return sorted(
            i
            for i, d in self.duties.items()
            if p.sees(d.responsible) and (enterprise_id is None or d.responsible == enterprise_id)
        )

    def coverage_gaps(self, p: Principal, enterprise_id: str) -> list[tuple[str, str, str]]:
        """What `serviceCoverage(enterpriseId)` reports as (type, region, open duty): nobody has
        a service point, so each coverage duty is an open gap, shown to those who see the duty."""
        kinds = {"COLLECTION_POINT_COVERAGE": "COLLECTION", "STORAGE_POINT_COVERAGE": "STORAGE"}
        return sorted(
            (kinds[d.rule_id], d.subject_id, i)
            for i, d in self.duties.items()
            if d.rule_id in kinds and d.responsible == enterprise_id and p.sees(d.responsible)
        )


# --- building the world through the API -------------------------------------------------------

USER_ERRORS = "userErrors { field code message }"
REGISTER_ENTERPRISE = f"""mutation ($input: RegisterEnterpriseInput!) {{
  registerEnterprise(input: $input) {{ enterprise {{ id }} {USER_ERRORS} }} }}"""
REGISTER_BATTERIES = f"""mutation ($input: RegisterBatteriesInput!) {{
  registerBatteries(input: $input) {{ obligations {{ id }} {USER_ERRORS} }} }}"""
ANNOUNCE = f"""mutation ($input: AnnounceModelInput!) {{
  announceModel(input: $input) {{ obligations {{ id }} {USER_ERRORS} }} }}"""
CERTIFY = f"""mutation ($input: IssueFactoryCertificateInput!) {{
  issueFactoryCertificate(input: $input) {{ obligations {{ id }} {USER_ERRORS} }} }}"""
REGISTER_VEHICLE = f"""mutation ($input: RegisterVehicleInput!) {{
  registerVehicle(input: $input) {{ obligations {{ id }} {USER_ERRORS} }} }}"""
SUPPLY = f"""mutation ($input: SupplyBatteriesInput!) {{
  supplyBatteries(input: $input) {{ obligations {{ id }} {USER_ERRORS} }} }}"""
SELL = f"""mutation ($input: SellBatteryDirectlyInput!) {{
  sellBatteryDirectly(input: $input) {{ obligations {{ id }} {USER_ERRORS} }} }}"""
DISPOSE = f"""mutation ($input: DisposeBatteriesInput!) {{
  disposeBatteries(input: $input) {{ obligations {{ id }} {USER_ERRORS} }} }}"""


def _mutate(document: str, field_name: str, value: dict[str, Any], auth: str) -> list[str]:
    """Send one mutation that must succeed; the ids of the obligations it created."""
    result = gql(document, {"input": value}, auth=auth)
    assert "errors" not in result, result
    payload = result["data"][field_name]
    assert payload["userErrors"] == [], (field_name, value, payload["userErrors"])
    return [o["id"] for o in payload.get("obligations", [])]


def build(world: World) -> set[str]:
    """Report the world as its enterprises would; the ids of every obligation created."""
    created: set[str] = set()
    admin = {c.id: bearer_header("ENTERPRISE_ADMIN", c.id) for c in world.companies}
    for company in world.companies:
        value: dict[str, Any] = {
            "id": company.id,
            "name": f"Enterprise {company.id[-6:]}",
            "kinds": [company.kind],
            "contacts": [{"email": company.email, "language": "zh-CN"}],
        }
        if company.manufacturer_code:
            value["manufacturerCodes"] = [company.manufacturer_code]
        _mutate(REGISTER_ENTERPRISE, "registerEnterprise", value, ADMIN)
    for maker in world.makers:
        batteries = [
            {"code": p.code, "producedOn": p.produced_on.isoformat()}
            for p in world.packs
            if p.maker == maker.id
        ]
        if batteries:
            value = {"batteries": batteries}
            created |= set(_mutate(REGISTER_BATTERIES, "registerBatteries", value, admin[maker.id]))
    for pack in world.packs:
        if pack.supplied_to:
            value = {
                "codes": [pack.code],
                "automakerId": pack.supplied_to,
                "suppliedOn": pack.produced_on.isoformat(),
            }
            created |= set(_mutate(SUPPLY, "supplyBatteries", value, admin[pack.maker]))
    for automaker in world.automakers:
        value = {"model": automaker.model, "announcedOn": ANNOUNCED_ON.isoformat()}
        created |= set(_mutate(ANNOUNCE, "announceModel", value, admin[automaker.id]))
    for car in world.cars:
        value = {
            "vin": car.vin,
            "model": world.company(car.automaker).model,
            "issuedOn": car.issued_on.isoformat(),
            "batteryCodes": list(car.packs),
        }
        created |= set(_mutate(CERTIFY, "issueFactoryCertificate", value, admin[car.automaker]))
    for car in world.cars:
        if car.registered_on and car.region_code:
            value = {
                "vin": car.vin,
                "registeredOn": car.registered_on.isoformat(),
                "regionCode": car.region_code,
            }
            created |= set(
                _mutate(REGISTER_VEHICLE, "registerVehicle", value, admin[car.automaker])
            )
    for pack in world.packs:
        if pack.sold_in and pack.happened_on:
            value = {
                "code": pack.code,
                "soldOn": pack.happened_on.isoformat(),
                "buyer": "Xiamen Fleet Leasing",
                "provinceCode": pack.sold_in,
            }
            created |= set(_mutate(SELL, "sellBatteryDirectly", value, admin[pack.maker]))
    for pack in world.packs:
        if pack.disposed_by and pack.happened_on:
            value = {
                "codes": [pack.code],
                "disposedOn": pack.happened_on.isoformat(),
                "origin": "INSTALLATION",
            }
            created |= set(_mutate(DISPOSE, "disposeBatteries", value, admin[pack.disposed_by]))
    return created


def identify(world: World, created: set[str]) -> dict[str, Duty]:
    """Match the regulator's list of obligations to the duties the world must have produced.

    Only the ids come from the API: which enterprise answers for each duty is the model's.
    """
    document = """{ obligations(first: 200) { pageInfo { hasNextPage }
        edges { node { id ruleId subjectKind subjectId responsibleEnterprise { id } } } } }"""
    result = gql(document, auth=bearer_header("REGULATOR"))
    assert "errors" not in result, result
    connection = result["data"]["obligations"]
    assert connection["pageInfo"]["hasNextPage"] is False
    listed = {
        (n["ruleId"], n["responsibleEnterprise"]["id"], n["subjectKind"], n["subjectId"]): n["id"]
        for n in (e["node"] for e in connection["edges"])
    }
    assert len(listed) == len(connection["edges"]), "an obligation is listed twice"
    duties = expected_duties(world)
    assert sorted(listed) == sorted(d.key for d in duties), world.describe()
    assert set(listed.values()) == created, "the regulator's list differs from what was created"
    return {listed[d.key]: d for d in duties}


# --- reading everything as everyone -----------------------------------------------------------

FRAGMENTS = {
    "E": "fragment E on Enterprise { id contacts { email } }",
    "B": """fragment B on Battery { code status manufacturer { ...E }
        responsibleEnterprise { ...E } custodian { ...E } vehicle { vin } }""",
    "V": """fragment V on Vehicle { vin automaker { ...E } model { code }
        batteries { code } }""",
    "O": """fragment O on Obligation { id ruleId responsibleEnterprise { ...E }
        vehicle { vin } battery { code } }""",
}


@dataclass(frozen=True)
class Lookup:
    field: str  # the Query field
    argument: str
    type_name: str
    fragment: str
    key: str


def lookups(world: World, duties: dict[str, Duty]) -> list[Lookup]:
    found = [Lookup("battery", "code", "String!", "B", p.code) for p in world.packs]
    found += [Lookup("vehicle", "vin", "String!", "V", c.vin) for c in world.cars]
    found += [Lookup("obligation", "id", "ID!", "O", i) for i in sorted(duties)]
    found += [Lookup("enterprise", "id", "ID!", "E", c.id) for c in world.companies]
    return [
        *found,
        Lookup("battery", "code", "String!", "B", GHOST_BATTERY),
        Lookup("vehicle", "vin", "String!", "V", GHOST_VIN),
        Lookup("obligation", "id", "ID!", "O", GHOST_OBLIGATION),
        Lookup("enterprise", "id", "ID!", "E", GHOST_ENTERPRISE),
    ]


def expected_lookup(rules: Rules, p: Principal, lookup: Lookup) -> dict[str, Any] | None:
    if lookup.key in (GHOST_BATTERY, GHOST_VIN, GHOST_OBLIGATION, GHOST_ENTERPRISE):
        return None
    if lookup.field == "battery":
        return rules.battery(p, lookup.key)
    if lookup.field == "vehicle":
        return rules.vehicle(p, lookup.key)
    if lookup.field == "obligation":
        return rules.obligation(p, lookup.key)
    return rules.enterprise_lookup(p, lookup.key)


def _chunks(items: Sequence[Lookup], size: int) -> Iterator[Sequence[Lookup]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_lookups(p: Principal, wanted: Sequence[Lookup]) -> dict[Lookup, dict[str, Any] | None]:
    """Every lookup as `p`, up to CHUNK per request (aliases and fragments)."""
    answers: dict[Lookup, dict[str, Any] | None] = {}
    for chunk in _chunks(wanted, CHUNK):
        names = {f"q{i}": lookup for i, lookup in enumerate(chunk)}
        variables = ", ".join(f"${n}: {lk.type_name}" for n, lk in names.items())
        body = " ".join(
            f"{n}: {lk.field}({lk.argument}: ${n}) {{ ...{lk.fragment} }}"
            for n, lk in names.items()
        )
        used = {"E"} | {lk.fragment for lk in chunk}
        document = f"query ({variables}) {{ {body} }}\n" + "\n".join(
            FRAGMENTS[f] for f in sorted(used)
        )
        result = gql(document, {n: lk.key for n, lk in names.items()}, auth=p.auth)
        assert "errors" not in result, (str(p), result)
        answers |= {lk: result["data"][n] for n, lk in names.items()}
    return answers


def read_lists(p: Principal, scopes: Sequence[str]) -> dict[str, Any]:
    """As `p`: `obligations` unfiltered and filtered by each enterprise, and each enterprise's
    compliance summary and service coverage."""
    variables = ", ".join(f"$e{i}: ID" for i in range(len(scopes)))
    page = "{ pageInfo { hasNextPage } edges { node { id } } }"
    summary = "{ open overdue fulfilled fulfilledLate waived nextDue { id } }"
    coverage = "{ gaps regions { pointType regionCode covered openObligation { id } } }"
    body = [f"all: obligations(first: 200) {page}"]
    for i in range(len(scopes)):
        body.append(f"o{i}: obligations(first: 200, filter: {{enterpriseId: $e{i}}}) {page}")
        body.append(f"s{i}: complianceSummary(enterpriseId: $e{i}) {summary}")
        body.append(f"c{i}: serviceCoverage(enterpriseId: $e{i}) {coverage}")
    document = f"query ({variables}) {{ {' '.join(body)} }}"
    result = gql(document, {f"e{i}": s for i, s in enumerate(scopes)}, auth=p.auth)
    assert "errors" not in result, (str(p), result)
    return dict(result["data"])


def _listed(connection: dict[str, Any]) -> list[str]:
    assert connection["pageInfo"]["hasNextPage"] is False
    return sorted(e["node"]["id"] for e in connection["edges"])


@dataclass
class Tally:
    worlds: int = 0
    lookup_pairs: int = 0
    list_checks: int = 0
    membership_checks: int = 0


TALLY = Tally()


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
    ],
)
@given(world=worlds())
def test_every_principal_sees_exactly_the_objects_the_visibility_rules_allow(world: World) -> None:
    with local_aws():
        # Given a world reported through the API by its enterprises' administrators
        created = build(world)
        duties = identify(world, created)
        rules = Rules(world, duties)
        wanted = lookups(world, duties)
        scopes = [c.id for c in world.companies] + [GHOST_ENTERPRISE]
        everyone = principals(world)

        pairs = lists = memberships = 0
        mismatches: list[str] = []
        for p in everyone:
            # When the principal looks up every object and lists obligations in every scope
            answers = read_lookups(p, wanted)
            listings = read_lists(p, scopes)

            # Then each lookup, with what is nested in it, is exactly what the rules allow
            for lookup, actual in answers.items():
                pairs += 1
                expected = expected_lookup(rules, p, lookup)
                if actual != expected:
                    mismatches.append(
                        f"{p} {lookup.field}({lookup.key}): expected {expected}, got {actual}"
                    )
            # And each list, summary and coverage report covers exactly the obligations it may
            for name, scope in [("all", None), *((f"o{i}", s) for i, s in enumerate(scopes))]:
                lists += 1
                memberships += len(duties)
                got = _listed(listings[name])
                want = rules.obligations_of(p, scope)
                if got != want:
                    mismatches.append(f"{p} obligations(enterpriseId: {scope}): {want} != {got}")
            for i, scope in enumerate(scopes):
                lists += 1
                summary = listings[f"s{i}"]
                visible = rules.obligations_of(p, scope)
                counted = sum(summary[k] for k in ("open", "overdue", "fulfilled", "fulfilledLate"))
                if counted + summary["waived"] != len(visible):
                    mismatches.append(f"{p} complianceSummary({scope}) counts {summary}")
                if summary["nextDue"] is not None and summary["nextDue"]["id"] not in visible:
                    mismatches.append(f"{p} complianceSummary({scope}) next due {summary}")
                lists += 1
                report = listings[f"c{i}"]
                gaps = rules.coverage_gaps(p, scope)
                reported = sorted(
                    (r["pointType"], r["regionCode"], (r["openObligation"] or {}).get("id"))
                    for r in report["regions"]
                )
                if reported != gaps or report["gaps"] != len(gaps):
                    mismatches.append(f"{p} serviceCoverage({scope}): {gaps} != {report}")

        assert not mismatches, world.describe() + "\n" + "\n".join(mismatches[:40])
        assert pairs == len(everyone) * len(wanted)
        assert pairs >= MIN_PAIRS_PER_WORLD
        TALLY.worlds += 1
        TALLY.lookup_pairs += pairs
        TALLY.list_checks += lists
        TALLY.membership_checks += memberships
        print(
            f"world {TALLY.worlds}: {len(world.automakers)} automakers, {len(world.makers)} "
            f"battery makers, {len(world.cars)} vehicles "
            f"({sum(bool(c.registered_on) for c in world.cars)} registered), "
            f"{len(world.packs)} packs ({sum(bool(p.installed_in) for p in world.packs)} "
            f"installed, {sum(bool(p.sold_in) for p in world.packs)} sold directly, "
            f"{sum(bool(p.disposed_by) for p in world.packs)} disposed of), "
            f"{len(duties)} obligations; {len(everyone)} principals x {len(wanted)} objects = "
            f"{pairs} lookups, {lists} lists and summaries, {memberships} list memberships "
            f"(running total {TALLY.lookup_pairs} lookups)"
        )
