"""Custody through the API on moto: a battery's whole life recorded by the enterprises that
hold it, step by step with its duties; and, over random worlds, every write attempted by an
enterprise with no relation to the record changes nothing and answers exactly as the same write
about a record that does not exist (docs/DOMAIN.md 4.1)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.calendar import default_calendar
from compliance.codes import production_date_code
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql, onboard, table_snapshot
from tests.builders import uscc, vin

# --- the enterprises ------------------------------------------------------------------------

MAKERS = {uscc("91350900MA1BM0001"): "X12", uscc("91310000MA1BM0002"): "03U"}
AUTOMAKERS = [uscc(f"91350100MA1AM000{i}") for i in (1, 2, 3)]
RECYCLER = uscc("91360700MA3RC0001")
RECYCLER_CODE = "R7G"
DISMANTLERS = [uscc(f"91350100MA2DM000{i}") for i in (1, 2)]
EVERYONE = [*MAKERS, *AUTOMAKERS, RECYCLER, *DISMANTLERS]

PRODUCED, SUPPLIED, SOLD = date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 10)
CERTIFIED, REGISTERED = date(2026, 4, 10), date(2026, 4, 15)
REMOVED, RECEIVED, HANDED, RECODED = (date(2026, 5, d) for d in (11, 12, 15, 20))
SCRAPPED = date(2026, 6, 1)
ATTEMPTED = date(2026, 7, 1)  # when the outsiders try their writes: after every step

GHOST_CODE = f"X12PB010000001{production_date_code(PRODUCED)}9999999"
GHOST_VIN = vin(9_999_999)
GHOST_OBLIGATION = "ob_" + "0" * 24
GHOST_POINT = "sp_" + "0" * 20
GHOST_ENTERPRISE = uscc("91510100MA3000009")

PAYLOAD = "userErrors { field code message }"


def admin(enterprise: str) -> str:
    return bearer_header("ENTERPRISE_ADMIN", enterprise)


def mutate(name: str, input_type: str, value: dict[str, Any], enterprise: str) -> dict[str, Any]:
    """Send one mutation as `enterprise`'s administrator; its payload (data only)."""
    document = f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"
    result = gql(document, {"input": value}, auth=admin(enterprise))
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"][name]
    return payload


def done(name: str, input_type: str, value: dict[str, Any], enterprise: str) -> None:
    payload = mutate(name, input_type, value, enterprise)
    assert payload["userErrors"] == [], (name, value, payload)


def onboard_everyone() -> None:
    for maker, code in MAKERS.items():
        onboard(maker, f"Cells {code}", ["BATTERY_MAKER"], manufacturerCodes=[code])
    for i, automaker in enumerate(AUTOMAKERS):
        onboard(
            automaker,
            f"Motors {i}",
            ["AUTOMAKER"],
            contacts=[
                {"email": f"hegui@motors{i}.example.cn", "language": "zh-CN"},
                {"email": f"trace@motors{i}.example.cn", "language": "en"},
            ],
        )
    onboard(RECYCLER, "Recycling", ["RECYCLER"], manufacturerCodes=[RECYCLER_CODE])
    for i, dismantler in enumerate(DISMANTLERS):
        onboard(dismantler, f"Dismantling {i}", ["DISMANTLER"])


# --- a whole life, step by step ---------------------------------------------------------------

LIFE_QUERY = """query ($code: String!) { battery(code: $code) {
  status custodian { id } responsibleEnterprise { id } manufacturer { id }
  events { kind actorId recordedBy } } }"""
OBLIGATIONS_OF = """mutation ($input: %s!) { %s(input: $input) {
  obligations { ruleId responsibleEnterprise { id } subjectId dueDate } %s } }"""


def step(name: str, input_type: str, value: dict[str, Any], enterprise: str) -> list[Any]:
    """Send a step that must succeed; the duties it created as (rule, responsible, due)."""
    result = gql(
        OBLIGATIONS_OF % (input_type, name, PAYLOAD), {"input": value}, auth=admin(enterprise)
    )
    payload = result["data"][name]
    assert payload["userErrors"] == [], (name, payload)
    return sorted(
        (o["ruleId"], o["responsibleEnterprise"]["id"], o["dueDate"])
        for o in payload["obligations"]
    )


def held(code: str, enterprise: str) -> tuple[str, str | None, str]:
    battery = gql(LIFE_QUERY, {"code": code}, auth=admin(enterprise))["data"]["battery"]
    custodian = battery["custodian"]["id"] if battery["custodian"] else None
    return battery["status"], custodian, battery["responsibleEnterprise"]["id"]


def due(after: date, working_days: int = 10) -> str:
    return default_calendar().add_working_days(after, working_days).due_date.isoformat()


@pytest.fixture
def aws() -> Iterator[Any]:
    with local_aws() as client:
        yield client


def test_a_batterys_whole_life_is_recorded_by_whoever_holds_it_with_each_steps_duties(
    aws: Any,
) -> None:
    # Given makers, automakers, a recycler and a dismantler on the platform,
    onboard_everyone()
    maker, automaker, dismantler = next(iter(MAKERS)), AUTOMAKERS[0], DISMANTLERS[0]
    pack = f"X12PB010000001{production_date_code(PRODUCED)}0000001"
    other = f"X12PB010000001{production_date_code(PRODUCED)}0000002"
    car, scrapped_car = vin(1), vin(2)
    # When the maker registers two packs (dated by their codes) and supplies them,
    registered = step(
        "registerBatteries",
        "RegisterBatteriesInput",
        {"batteries": [{"code": pack}, {"code": other}]},
        maker,
    )
    assert registered == []
    assert held(pack, maker) == ("REGISTERED", maker, maker)
    supplied = step(
        "supplyBatteries",
        "SupplyBatteriesInput",
        {"codes": [pack, other], "automakerId": automaker, "suppliedOn": SUPPLIED.isoformat()},
        maker,
    )
    # Then the automaker holds them and the maker owes it the disassembly information,
    assert supplied == [("SUPPLIER_DISASSEMBLY_INFO", maker, None)]
    assert held(pack, maker) == ("SUPPLIED", automaker, maker)
    # When the automaker announces its model, certifies two vehicles and registers one,
    model = step(
        "announceModel",
        "AnnounceModelInput",
        {"model": "AM1001BEV", "announcedOn": "2026-01-05"},
        automaker,
    )
    assert model == [
        ("DISMANTLER_DISASSEMBLY_INFO", automaker, None),
        ("TECH_INFO_SUBMISSION", automaker, "2026-07-06"),
    ]
    for number, code in ((car, pack), (scrapped_car, other)):
        certified = step(
            "issueFactoryCertificate",
            "IssueFactoryCertificateInput",
            {
                "vin": number,
                "model": "AM1001BEV",
                "issuedOn": CERTIFIED.isoformat(),
                "batteryCodes": [code],
            },
            automaker,
        )
        assert certified == [("PRODUCTION_TRACE_UPLOAD", automaker, due(CERTIFIED))]
    assert held(pack, automaker) == ("INSTALLED", automaker, automaker)
    sold = step(
        "registerVehicle",
        "RegisterVehicleInput",
        {"vin": car, "registeredOn": REGISTERED.isoformat(), "regionCode": "350102"},
        automaker,
    )
    assert sold == [
        ("COLLECTION_POINT_COVERAGE", automaker, None),
        ("SALES_TRACE_UPLOAD", automaker, due(REGISTERED)),
    ]
    # When it removes the pack for repair and its maker takes it back (10 working days to
    # upload the warehouse entry), repairs it and supplies it again, and it is reinstalled,
    removed = step(
        "removeBatteries",
        "RemoveBatteriesInput",
        {"vin": car, "codes": [pack], "removedOn": "2026-04-20", "reason": "REPAIR"},
        automaker,
    )
    assert removed == []
    assert held(pack, automaker) == ("REMOVED", automaker, automaker)
    repair = step(
        "receiveRepairReturn",
        "ReceiveRepairReturnInput",
        {"code": pack, "receivedOn": "2026-04-22"},
        maker,
    )
    assert repair == [("REPAIR_RETURN_WAREHOUSE_ENTRY", maker, due(date(2026, 4, 22)))]
    assert held(pack, maker) == ("IN_REPAIR", maker, automaker)
    step(
        "supplyBatteries",
        "SupplyBatteriesInput",
        {"codes": [pack], "automakerId": automaker, "suppliedOn": "2026-05-06"},
        maker,
    )
    step(
        "installBatteries",
        "InstallBatteriesInput",
        {"vin": car, "codes": [pack], "installedOn": "2026-05-07"},
        automaker,
    )
    assert held(pack, automaker) == ("INSTALLED", automaker, automaker)
    # When it retires the pack through its collection point to the recycler,
    point = gql(
        """mutation { upsertServicePoint(input: {name: "Gulou", pointType: COLLECTION,
        regionCode: "350102"}) { servicePoint { id } obligations { ruleId status } } }""",
        auth=admin(automaker),
    )["data"]["upsertServicePoint"]
    assert point["obligations"] == [{"ruleId": "COLLECTION_POINT_COVERAGE", "status": "FULFILLED"}]
    point_id = point["servicePoint"]["id"]
    step(
        "removeBatteries",
        "RemoveBatteriesInput",
        {"vin": car, "codes": [pack], "removedOn": REMOVED.isoformat(), "reason": "RETIREMENT"},
        automaker,
    )
    step(
        "receiveAtServicePoint",
        "ReceiveAtServicePointInput",
        {"servicePointId": point_id, "codes": [pack], "receivedOn": RECEIVED.isoformat()},
        automaker,
    )
    assert held(pack, automaker) == ("AT_SERVICE_POINT", automaker, automaker)
    step(
        "handOverBatteries",
        "HandOverBatteriesInput",
        {
            "servicePointId": point_id,
            "codes": [pack],
            "handedOverOn": HANDED.isoformat(),
            "recipientId": RECYCLER,
        },
        automaker,
    )
    # Then the recycler holds it, the automaker still answers for it,
    assert held(pack, RECYCLER) == ("HANDED_OVER", RECYCLER, automaker)
    # When the recycler re-codes it for second life,
    second = f"{RECYCLER_CODE}MB01{production_date_code(RECODED)}0000001RM"
    step(
        "recodeBattery",
        "RecodeBatteryInput",
        {"code": pack, "newCode": second, "recodedOn": RECODED.isoformat()},
        RECYCLER,
    )
    # Then the old code is final and the new one is the recycler's, linked back,
    assert held(pack, RECYCLER)[0] == "RECODED"
    assert held(second, RECYCLER) == ("REGISTERED", RECYCLER, RECYCLER)
    # And when the automaker registers the other vehicle (a dismantler takes in only a sold
    # one), where its collection point stands,
    other_sold = step(
        "registerVehicle",
        "RegisterVehicleInput",
        {"vin": scrapped_car, "registeredOn": "2026-05-25", "regionCode": "350102"},
        automaker,
    )
    assert other_sold == [("SALES_TRACE_UPLOAD", automaker, due(date(2026, 5, 25)))]
    # and a dismantler takes it in with its pack,
    scrapped = gql(
        """mutation ($vin: String!, $code: String!) { scrapVehicle(input: {vin: $vin,
        scrappedOn: "2026-06-01", batteryCodes: [$code]}) { vehicle { scrappedBy { id }
        scrappedIncomplete } userErrors { code } } }""",
        {"vin": scrapped_car, "code": other},
        auth=admin(dismantler),
    )["data"]["scrapVehicle"]
    assert scrapped == {
        "vehicle": {"scrappedBy": {"id": dismantler}, "scrappedIncomplete": False},
        "userErrors": [],
    }
    # Then the dismantler holds the pack, still in the vehicle, and the automaker answers for it,
    assert held(other, dismantler) == ("INSTALLED", dismantler, automaker)
    # and the scrapping lists the pack that came with the vehicle to the dismantler that
    # reported it and to regulators; to the automaker, which sees the vehicle, it lists none,
    scrapping = """query ($vin: String!) { vehicle(vin: $vin) { events { kind batteryCodes } } }"""

    def listed(auth: str) -> list[list[str]]:
        vehicle = gql(scrapping, {"vin": scrapped_car}, auth=auth)["data"]["vehicle"]
        return [e["batteryCodes"] for e in vehicle["events"] if e["kind"] == "VEHICLE_SCRAPPED"]

    assert listed(admin(dismantler)) == listed(bearer_header("REGULATOR")) == [[other]]
    assert listed(admin(automaker)) == [[]]
    # And the pack's history names every reporter, in order, with who recorded each.
    events = gql(LIFE_QUERY, {"code": pack}, auth=admin(automaker))["data"]["battery"]["events"]
    assert [(e["kind"], e["actorId"]) for e in events] == [
        ("BATTERY_PRODUCED", maker),
        ("BATTERY_SUPPLIED", maker),
        ("BATTERY_INSTALLED", automaker),
        ("BATTERY_REMOVED", automaker),
        ("REPAIR_RETURN_RECEIVED", maker),
        ("BATTERY_SUPPLIED", maker),
        ("BATTERY_INSTALLED", automaker),
        ("BATTERY_REMOVED", automaker),
        ("SERVICE_POINT_RECEIVED", automaker),
        ("SERVICE_POINT_HANDED_OUT", automaker),
        ("BATTERY_RECODED", RECYCLER),
    ]
    # (who recorded an event is shown to its reporter only)
    assert {e["recordedBy"] is not None for e in events if e["actorId"] == automaker} == {True}
    assert {e["recordedBy"] for e in events if e["actorId"] != automaker} == {None}


# --- random worlds, and outsiders trying every write ---------------------------------------

STAGES = ("stock", "sold", "supplied", "installed", "removed", "at_point", "handed", "recoded")


@dataclass
class Pack:
    code: str
    maker: str
    stage: str
    automaker: str
    vin: str | None = None
    scrapped_by: str | None = None  # the dismantler that took its vehicle in
    unsold: bool = False  # its vehicle was never registered: still its automaker's stock

    @property
    def related(self) -> set[str]:
        """Every enterprise that holds, answers for, made or sees it (docs/DOMAIN.md 4.1)."""
        found = {self.maker}
        if self.stage not in ("stock", "sold"):
            found.add(self.automaker)
        if self.stage in ("handed", "recoded"):
            found.add(RECYCLER)
        if self.scrapped_by:
            found.add(self.scrapped_by)
        return found


@dataclass
class World:
    packs: list[Pack]
    points: dict[str, str] = field(default_factory=dict)  # automaker -> its collection point
    obligations: dict[str, str] = field(default_factory=dict)  # id -> responsible
    vehicles_of: dict[str, list[str]] = field(default_factory=dict)  # automaker -> VINs


@st.composite
def packs(draw: st.DrawFn) -> list[Pack]:
    serials = itertools.count(1)
    found = []
    for _ in range(draw(st.integers(3, 6))):
        maker = draw(st.sampled_from(sorted(MAKERS)))
        stage = draw(st.sampled_from(STAGES))
        serial = next(serials)
        code = f"{MAKERS[maker]}PB010000001{production_date_code(PRODUCED)}{serial:07d}"
        automaker = draw(st.sampled_from(AUTOMAKERS))
        pack = Pack(code, maker, stage, automaker)
        if stage == "installed":
            fate = draw(st.sampled_from(("in use", "scrapped", "unsold")))
            if fate == "scrapped":
                pack.scrapped_by = draw(st.sampled_from(DISMANTLERS))
            pack.unsold = fate == "unsold"
        if stage in ("installed", "removed", "at_point", "handed", "recoded"):
            pack.vin = vin(serial)
        found.append(pack)
    return found


def build(world: World) -> None:
    """Record the world as its enterprises would; every step must succeed."""
    onboard_everyone()
    for automaker in AUTOMAKERS:
        done(
            "announceModel",
            "AnnounceModelInput",
            {"model": f"M{automaker[-5:]}", "announcedOn": "2026-01-05"},
            automaker,
        )
        point = gql(
            """mutation { upsertServicePoint(input: {name: "Point", pointType: COLLECTION,
            regionCode: "350102"}) { servicePoint { id } userErrors { code } } }""",
            auth=admin(automaker),
        )["data"]["upsertServicePoint"]
        world.points[automaker] = point["servicePoint"]["id"]
    for p in world.packs:
        done(
            "registerBatteries",
            "RegisterBatteriesInput",
            {"batteries": [{"code": p.code}]},
            p.maker,
        )
        if p.stage == "sold":
            done(
                "sellBatteryDirectly",
                "SellBatteryDirectlyInput",
                {
                    "code": p.code,
                    "soldOn": SOLD.isoformat(),
                    "buyer": "Swap Co",
                    "provinceCode": "320000",
                },
                p.maker,
            )
        if p.stage in ("stock", "sold"):
            continue
        done(
            "supplyBatteries",
            "SupplyBatteriesInput",
            {"codes": [p.code], "automakerId": p.automaker, "suppliedOn": SUPPLIED.isoformat()},
            p.maker,
        )
        if p.vin is None:
            continue
        done(
            "issueFactoryCertificate",
            "IssueFactoryCertificateInput",
            {
                "vin": p.vin,
                "model": f"M{p.automaker[-5:]}",
                "issuedOn": CERTIFIED.isoformat(),
                "batteryCodes": [p.code],
            },
            p.automaker,
        )
        world.vehicles_of.setdefault(p.automaker, []).append(p.vin)
        if p.unsold:
            continue
        done(
            "registerVehicle",
            "RegisterVehicleInput",
            {"vin": p.vin, "registeredOn": REGISTERED.isoformat(), "regionCode": "350102"},
            p.automaker,
        )
        if p.scrapped_by:
            done(
                "scrapVehicle",
                "ScrapVehicleInput",
                {"vin": p.vin, "scrappedOn": SCRAPPED.isoformat(), "batteryCodes": [p.code]},
                p.scrapped_by,
            )
        if p.stage == "installed":
            continue
        done(
            "removeBatteries",
            "RemoveBatteriesInput",
            {
                "vin": p.vin,
                "codes": [p.code],
                "removedOn": REMOVED.isoformat(),
                "reason": "RETIREMENT",
            },
            p.automaker,
        )
        if p.stage == "removed":
            continue
        point = world.points[p.automaker]
        done(
            "receiveAtServicePoint",
            "ReceiveAtServicePointInput",
            {"servicePointId": point, "codes": [p.code], "receivedOn": RECEIVED.isoformat()},
            p.automaker,
        )
        if p.stage == "at_point":
            continue
        done(
            "handOverBatteries",
            "HandOverBatteriesInput",
            {
                "servicePointId": point,
                "codes": [p.code],
                "handedOverOn": HANDED.isoformat(),
                "recipientId": RECYCLER,
            },
            p.automaker,
        )
        if p.stage == "handed":
            continue
        second = f"{RECYCLER_CODE}PB01{production_date_code(RECODED)}{p.code[-7:]}RP"
        done(
            "recodeBattery",
            "RecodeBatteryInput",
            {"code": p.code, "newCode": second, "recodedOn": RECODED.isoformat()},
            RECYCLER,
        )
    listed = gql(
        "{ obligations(first: 200) { nodes { id responsibleEnterprise { id } } } }",
        auth=bearer_header("REGULATOR"),
    )["data"]["obligations"]["nodes"]
    world.obligations = {o["id"]: o["responsibleEnterprise"]["id"] for o in listed}


@dataclass(frozen=True)
class Attempt:
    """One write by an outsider, and the same write about records that do not exist."""

    name: str
    input_type: str
    value: dict[str, Any]
    ghost: dict[str, Any]
    outsider: str
    keys: dict[str, str]  # each real key and the ghost key that stands for it


def battery_attempts(world: World, p: Pack, outsider: str) -> list[Attempt]:
    """Every battery write an outsider could try on `p` (and its vehicle)."""
    own_vehicle = (world.vehicles_of.get(outsider) or [GHOST_VIN])[0]
    recipient = RECYCLER if outsider != RECYCLER else next(iter(MAKERS))
    new_code = (
        f"{(MAKERS.get(outsider) or RECYCLER_CODE)}PB01{production_date_code(RECODED)}7777777RP"
    )
    on = ATTEMPTED.isoformat()
    writes: list[tuple[str, str, dict[str, Any]]] = [
        (
            "supplyBatteries",
            "SupplyBatteriesInput",
            {"codes": [p.code], "automakerId": AUTOMAKERS[0], "suppliedOn": on},
        ),
        (
            "installBatteries",
            "InstallBatteriesInput",
            {"vin": own_vehicle, "codes": [p.code], "installedOn": on},
        ),
        (
            "sellBatteryDirectly",
            "SellBatteryDirectlyInput",
            {"code": p.code, "soldOn": on, "buyer": "X", "provinceCode": "320000"},
        ),
        ("receiveRepairReturn", "ReceiveRepairReturnInput", {"code": p.code, "receivedOn": on}),
        (
            "disposeBatteries",
            "DisposeBatteriesInput",
            {"codes": [p.code], "disposedOn": on, "origin": "PRODUCTION"},
        ),
        (
            "receiveAtServicePoint",
            "ReceiveAtServicePointInput",
            {
                "servicePointId": world.points.get(outsider, GHOST_POINT),
                "codes": [p.code],
                "receivedOn": on,
            },
        ),
        (
            "handOverBatteries",
            "HandOverBatteriesInput",
            {"codes": [p.code], "handedOverOn": on, "recipientId": recipient},
        ),
        (
            "recodeBattery",
            "RecodeBatteryInput",
            {"code": p.code, "newCode": new_code, "recodedOn": on},
        ),
        ("recordWarehouseEntry", "WarehouseEntryInput", {"codes": [p.code], "enteredOn": on}),
        ("recordWarehouseExit", "WarehouseExitInput", {"codes": [p.code], "exitedOn": on}),
    ]
    keys = {p.code: GHOST_CODE}
    if p.vin:
        keys[p.vin] = GHOST_VIN
        writes += [
            (
                "removeBatteries",
                "RemoveBatteriesInput",
                {"vin": p.vin, "codes": [p.code], "removedOn": on, "reason": "REPAIR"},
            ),
            (
                "registerVehicle",
                "RegisterVehicleInput",
                {"vin": p.vin, "registeredOn": on, "regionCode": "350102"},
            ),
        ]
        # A dismantler may take in any sold vehicle no one has scrapped (its licence's
        # purpose); one scrapped by another dismantler, or never sold, is not there for it.
        if outsider not in DISMANTLERS or p.scrapped_by or p.unsold:
            writes.append(
                (
                    "scrapVehicle",
                    "ScrapVehicleInput",
                    {"vin": p.vin, "scrappedOn": on, "batteryCodes": [p.code]},
                )
            )
    return [Attempt(n, t, v, swap(v, keys), outsider, keys) for n, t, v in writes]


def swap(value: Any, keys: dict[str, str]) -> Any:
    return json.loads(_replaced(json.dumps(value), keys))


def _replaced(text: str, keys: dict[str, str]) -> str:
    for real, ghost in keys.items():
        text = text.replace(real, ghost)
    return text


def other_attempts(world: World, outsider: str) -> list[Attempt]:
    """Closing another's obligation, changing another's point or enterprise."""
    found = []
    for oid, responsible in sorted(world.obligations.items())[:3]:
        if responsible == outsider:
            continue
        keys = {oid: GHOST_OBLIGATION}
        for name, input_type, value in (
            (
                "fulfillObligation",
                "FulfillObligationInput",
                {"id": oid, "fulfilledOn": ATTEMPTED.isoformat(), "platformReceipt": "R-1"},
            ),
            (
                "waiveObligation",
                "WaiveObligationInput",
                {"id": oid, "reason": "does not apply to us at all"},
            ),
        ):
            found.append(Attempt(name, input_type, value, swap(value, keys), outsider, keys))
    for automaker, point in world.points.items():
        if automaker != outsider:
            keys = {point: GHOST_POINT}
            value = {
                "id": point,
                "name": "Taken",
                "pointType": "COLLECTION",
                "regionCode": "350102",
            }
            found.append(
                Attempt(
                    "upsertServicePoint",
                    "ServicePointInput",
                    value,
                    swap(value, keys),
                    outsider,
                    keys,
                )
            )
            break
    target = next(e for e in EVERYONE if e != outsider)
    keys = {target: GHOST_ENTERPRISE}
    value = {"id": target, "name": "Renamed"}
    found.append(
        Attempt(
            "updateEnterprise", "UpdateEnterpriseInput", value, swap(value, keys), outsider, keys
        )
    )
    return found


def answer(attempt: Attempt, value: dict[str, Any]) -> str:
    """The whole answer, with every key of the attempt put in neutral terms."""
    payload = mutate(attempt.name, attempt.input_type, value, attempt.outsider)
    text = json.dumps(payload, sort_keys=True)
    for real, ghost in attempt.keys.items():
        text = text.replace(real, "<key>").replace(ghost, "<key>")
    return text


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=packs(), data=st.data())
def test_a_write_by_an_enterprise_without_custody_changes_nothing_and_answers_as_for_no_record(
    drawn: list[Pack], data: st.DataObject
) -> None:
    with local_aws() as client:
        # Given a world recorded by its enterprises (batteries in every stage of their life),
        world = World(drawn)
        build(world)
        before = table_snapshot(client)
        attempts: list[Attempt] = []
        for p in world.packs:
            outsiders = sorted(set(EVERYONE) - p.related)
            outsider = data.draw(st.sampled_from(outsiders), label=f"outsider of {p.code}")
            attempts += battery_attempts(world, p, outsider)
        attempts += other_attempts(world, data.draw(st.sampled_from(EVERYONE), label="outsider"))
        # When each outsider tries every write about a record it has no relation to, and the
        # same write about records that do not exist,
        for attempt in attempts:
            real, ghost = answer(attempt, attempt.value), answer(attempt, attempt.ghost)
            # Then the answers are the same, word for word, and each is a refusal,
            assert real == ghost, (attempt.name, attempt.outsider, attempt.value, real, ghost)
            assert '"userErrors": []' not in real, (attempt.name, attempt.value, real)
        # And not one item of any table changed.
        assert table_snapshot(client) == before
