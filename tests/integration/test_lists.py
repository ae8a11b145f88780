"""The list fields (`vehicles`, `batteries`, `models`, `servicePoints`, `enterprises`): each
record once when paging through, filters, visibility, and reads bounded by the page.

The records are stored straight into the tables (the write paths have their own tests; the last
test here lists what the API itself wrote), so that other enterprises' records can grow from 50
to 500 between two identical requests, whose DynamoDB calls and items read must not change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from compliance.enterprises import Enterprise
from compliance.lifecycle import (
    BatteryState,
    BatteryStatus,
    EnterpriseKind,
    ModelState,
    VehicleState,
)
from compliance.network import PointType, ServicePoint
from compliance.store.lists import MAX_ROUNDS, READ_BUDGET
from compliance.store.models import (
    BatteryItem,
    EnterpriseItem,
    ManufacturerCodeClaim,
    VehicleItem,
)
from compliance.store.records import (
    battery_item,
    enterprise_item,
    model_item,
    service_point_item,
    vehicle_item,
)
from graph import cost
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql
from tests.builders import (
    AUTOMAKER_ID,
    BATTERY_MAKER_ID,
    DISMANTLER,
    OTHER_AUTOMAKER_ID,
    OTHER_BATTERY_MAKER_ID,
    RECYCLER,
    battery_code,
    uscc,
    vin,
)

DISMANTLER_ID = DISMANTLER.id
RECYCLER_ID = RECYCLER.id
UNRELATED_ID = uscc("91330000MA1UR0000")  # a recycler with no record of any kind
NOBODY_ID = uscc("91330000MA1NB0000")  # no such enterprise
BIG_MAKER_ID = uscc("91330000MA1BG0000")  # more batteries than one request may read

REGULATOR = bearer_header("REGULATOR")
AUTO = bearer_header("ENTERPRISE_USER", AUTOMAKER_ID)
MAKER = bearer_header("ENTERPRISE_USER", BATTERY_MAKER_ID)
UNRELATED = bearer_header("ENTERPRISE_USER", UNRELATED_ID)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
PRODUCED = date(2026, 3, 2)

# The caller's own records: more than a page of each.
OWN_VEHICLES = 60  # model FZ7001BEV, registered; the last 5 scrapped by the dismantler
IMPORTED_VEHICLES = 12  # model FZ7002PHV, certified only
SCRAPPED = 5
OWN_POINTS = 30  # 10 in Jiangsu, 20 in Guangdong; every third one inactive
BIG_MAKER_BATTERIES = READ_BUDGET + 100
MORE_MODELS = [f"FZ71{n:02d}BEV" for n in range(10)]  # announced in April
EARLY_EVERY = 97  # one in 97 of the big maker's batteries was produced in January

# The maker's batteries, by where they are now.
IN_STOCK, SUPPLIED, INSTALLED, HANDED_OVER = 20, 20, 25, 5


# --- the world ------------------------------------------------------------------------------


def _enterprise(eid: str, name: str, *kinds: EnterpriseKind, province: str | None = None) -> Any:
    codes = {BATTERY_MAKER_ID: {"X12"}, OTHER_BATTERY_MAKER_ID: {"03U"}}.get(eid, set())
    return enterprise_item(
        Enterprise(
            id=eid,
            name=name,
            kinds=frozenset(kinds),
            manufacturer_codes=frozenset(codes),
            province_code=province,
            contacts=(),
            created_at=NOW,
        ),
        version=1,
    )


def _vehicle(n: int, automaker: str, model: str, **fields: Any) -> Any:
    state = VehicleState(
        vin=vin(n),
        automaker=automaker,
        model=model,
        imported=model.endswith("PHV"),
        certified_on=date(2026, 4, 10),
        last_event_on=date(2026, 5, 1),
        **fields,
    )
    return vehicle_item(state, version=1)


def _battery(code: str, maker: str, status: BatteryStatus, **fields: Any) -> Any:
    state = BatteryState(
        code=code,
        manufacturer=maker,
        produced_on=fields.pop("produced_on", PRODUCED),
        status=status,
        last_event_on=date(2026, 5, 1),
        responsible=fields.pop("responsible", maker),
        custodian=fields.pop("custodian", maker),
        **fields,
    )
    return battery_item(state, version=1)


def _point(
    pid: str, operator: str, point_type: PointType, region: str, coverage: str, **f: Any
) -> Any:
    point = ServicePoint(
        id=pid,
        operator=operator,
        point_type=point_type,
        name=f"point {pid}",
        region_code=region,
        coverage_region=coverage,
        address=None,
        active=f.get("active", True),
        updated_at=NOW,
    )
    return service_point_item(point, version=1)


def _write(items: list[Any]) -> None:
    by_model: dict[type[Any], list[Any]] = {}
    for item in items:
        by_model.setdefault(type(item), []).append(item)
    for model, group in by_model.items():
        with model.batch_write() as batch:
            for item in group:
                batch.save(item)


def _own_records() -> list[Any]:
    items: list[Any] = [
        _enterprise(AUTOMAKER_ID, "Motors", EnterpriseKind.AUTOMAKER, province="350000"),
        _enterprise(BATTERY_MAKER_ID, "Cells", EnterpriseKind.BATTERY_MAKER, province="350000"),
        _enterprise(OTHER_BATTERY_MAKER_ID, "Other cells", EnterpriseKind.BATTERY_MAKER),
        _enterprise(DISMANTLER_ID, "Dismantling", EnterpriseKind.DISMANTLER),
        _enterprise(RECYCLER_ID, "Recycling", EnterpriseKind.RECYCLER),
        _enterprise(UNRELATED_ID, "Unrelated", EnterpriseKind.RECYCLER, province="330000"),
        ManufacturerCodeClaim(pk="MFR#X12", owner=BATTERY_MAKER_ID),
        ManufacturerCodeClaim(pk="MFR#03U", owner=OTHER_BATTERY_MAKER_ID),
        model_item(ModelState("FZ7001BEV", AUTOMAKER_ID, False, date(2026, 1, 5)), version=1),
        model_item(ModelState("FZ7002PHV", AUTOMAKER_ID, True, date(2026, 6, 5)), version=1),
        model_item(ModelState("OT0001BEV", OTHER_AUTOMAKER_ID, False, date(2026, 1, 5)), version=1),
    ]
    items += [
        model_item(ModelState(code, AUTOMAKER_ID, False, date(2026, 4, 1)), version=1)
        for code in MORE_MODELS
    ]
    for n in range(OWN_VEHICLES):
        scrapped = n >= OWN_VEHICLES - SCRAPPED
        items.append(
            _vehicle(
                n,
                AUTOMAKER_ID,
                "FZ7001BEV",
                registered_on=date(2026, 5, 1 + n % 20),
                region_code="320102" if n % 3 == 0 else "440305",
                scrapped_on=date(2026, 10, 1) if scrapped else None,
                scrapped_by=DISMANTLER_ID if scrapped else None,
            )
        )
    items += [
        _vehicle(OWN_VEHICLES + n, AUTOMAKER_ID, "FZ7002PHV") for n in range(IMPORTED_VEHICLES)
    ]
    serial = iter(range(1, 10_000))
    items += [
        _battery(
            battery_code("X12", serial=next(serial)), BATTERY_MAKER_ID, BatteryStatus.REGISTERED
        )
        for _ in range(IN_STOCK)
    ]
    items += [
        _battery(
            battery_code("X12", serial=next(serial)),
            BATTERY_MAKER_ID,
            BatteryStatus.SUPPLIED,
            custodian=AUTOMAKER_ID,
            supplied_to=AUTOMAKER_ID,
            produced_on=date(2026, 2, 1),
        )
        for _ in range(SUPPLIED)
    ]
    items += [
        _battery(
            battery_code("X12", serial=next(serial)),
            BATTERY_MAKER_ID,
            BatteryStatus.INSTALLED,
            responsible=AUTOMAKER_ID,
            custodian=AUTOMAKER_ID,
            supplied_to=AUTOMAKER_ID,
            vin=vin(n),
            vehicle_automaker=AUTOMAKER_ID,
        )
        for n in range(INSTALLED)
    ]
    items += [
        _battery(
            battery_code("X12", serial=next(serial)),
            BATTERY_MAKER_ID,
            BatteryStatus.HANDED_OVER,
            responsible=AUTOMAKER_ID,
            custodian=RECYCLER_ID,
        )
        for _ in range(HANDED_OVER)
    ]
    items += [
        _battery(
            battery_code("Y01", serial=n),
            BIG_MAKER_ID,
            BatteryStatus.REGISTERED,
            produced_on=date(2026, 1, 1) if n % EARLY_EVERY == 0 else PRODUCED,
        )
        for n in range(BIG_MAKER_BATTERIES)
    ]
    for n in range(OWN_POINTS):
        region, coverage = ("320102", "320100") if n < 10 else ("440305", "440300")
        items.append(
            _point(
                f"sp_a{n:03d}",
                AUTOMAKER_ID,
                PointType.COLLECTION,
                region,
                coverage,
                active=n % 3 != 0,
            )
        )
    items += [
        _point(f"sp_m{n:03d}", BATTERY_MAKER_ID, PointType.STORAGE, "320102", "320000")
        for n in range(3)
    ]
    return items


class World:
    """The tables, and how many records the other enterprises have so far."""

    def __init__(self) -> None:
        self.others = 0

    def grow_others_to(self, size: int) -> None:
        """Given: other enterprises with `size` vehicles, batteries, models, service points, and
        `size` more enterprises on the platform."""
        items: list[Any] = []
        for n in range(self.others, size):
            items += [
                _vehicle(1_000_000 + n, OTHER_AUTOMAKER_ID, "OT0001BEV", region_code="320102"),
                _battery(
                    battery_code("03U", serial=n), OTHER_BATTERY_MAKER_ID, BatteryStatus.REGISTERED
                ),
                model_item(
                    ModelState(f"OT{n:04d}PHV", OTHER_AUTOMAKER_ID, True, date(2026, 6, 5)),
                    version=1,
                ),
                _point(
                    f"sp_o{n:04d}", OTHER_AUTOMAKER_ID, PointType.COLLECTION, "320102", "320100"
                ),
                _enterprise(uscc(f"913300{n:011d}"), f"Automaker {n}", EnterpriseKind.AUTOMAKER),
            ]
        _write(items)
        self.others = size


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with local_aws():
        _write(_own_records())
        world = World()
        world.grow_others_to(50)
        yield world


# --- asking ---------------------------------------------------------------------------------

# field -> (filter input type, the node's identifying field)
LISTS = {
    "vehicles": ("VehicleFilter", "vin"),
    "batteries": ("BatteryFilter", "code"),
    "models": ("VehicleModelFilter", "code"),
    "servicePoints": ("ServicePointFilter", "id"),
    "enterprises": ("EnterpriseFilter", "id"),
}
RELATIONS = {"vehicles": "VehicleRelation", "batteries": "BatteryRelation"}


def ask(field: str, auth: str, **arguments: Any) -> Any:
    """The answer to one list request: its data and errors (extensions report on the request,
    not on what it found)."""
    filter_type, key = LISTS[field]
    declared = [f"$filter: {filter_type}", "$first: Int", "$after: String"]
    passed = ["filter: $filter", "first: $first", "after: $after"]
    if "relation" in arguments:
        declared.append(f"$relation: {RELATIONS[field]}!")
        passed.append("relation: $relation")
    query = (
        f"query ({', '.join(declared)}) {{ {field}({', '.join(passed)}) {{"
        f" edges {{ cursor node {{ {key} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )
    result = gql(query, arguments, auth=auth)
    return {key: value for key, value in result.items() if key != "extensions"}


def page(field: str, auth: str, **arguments: Any) -> Any:
    result = ask(field, auth, **arguments)
    assert "errors" not in result, result
    return result["data"][field]


def ids(connection: Any, field: str) -> list[str]:
    key = LISTS[field][1]
    return [edge["node"][key] for edge in connection["edges"]]


def every(field: str, auth: str, first: int = 7, **arguments: Any) -> list[str]:
    """Every page, following endCursor, until hasNextPage is false."""
    found: list[str] = []
    after = None
    for _ in range(10_000):
        connection = page(field, auth, first=first, after=after, **arguments)
        found += ids(connection, field)
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]
        assert after
    raise AssertionError("paging did not end")


def measure(field: str, auth: str, **arguments: Any) -> tuple[Any, Counter[str], int]:
    """The answer, the DynamoDB calls by operation and the items DynamoDB read for it (evaluated
    by a Query or Scan before any filter, or returned by a batch get)."""
    calls: Counter[str] = Counter()
    read = [0]

    def before(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    def after(model: Any, parsed: Any, **_: Any) -> None:
        if "ScannedCount" in parsed:
            read[0] += parsed["ScannedCount"]
        for items in (parsed.get("Responses") or {}).values():
            read[0] += len(items)

    events = VehicleItem._get_connection().connection.client.meta.events
    events.register("before-call.dynamodb", before)
    events.register("after-call.dynamodb", after)
    try:
        result = ask(field, auth, **arguments)
    finally:
        events.unregister("before-call.dynamodb", before)
        events.unregister("after-call.dynamodb", after)
    return result, calls, read[0]


# --- paging ---------------------------------------------------------------------------------


def _expected_own(world: World) -> dict[tuple[str, str, str | None], set[str]]:
    codes = {item.code: item for item in BatteryItem.scan()}
    return {
        ("vehicles", AUTO, None): {v.vin for v in VehicleItem.by_automaker.query(AUTOMAKER_ID)},
        ("batteries", MAKER, "MADE"): {
            c for c, b in codes.items() if b.manufacturer == BATTERY_MAKER_ID
        },
        ("batteries", AUTO, "RESPONSIBLE"): {
            c for c, b in codes.items() if b.responsible == AUTOMAKER_ID
        },
        ("batteries", AUTO, "HELD"): {c for c, b in codes.items() if b.custodian == AUTOMAKER_ID},
        ("models", AUTO, None): {"FZ7001BEV", "FZ7002PHV", *MORE_MODELS},
        ("servicePoints", AUTO, None): {f"sp_a{n:03d}" for n in range(OWN_POINTS)},
        ("enterprises", REGULATOR, None): {e.pk for e in EnterpriseItem.scan() if e.kinds},
    }


def test_paging_through_each_list_returns_each_record_once(world: World) -> None:
    for (field, auth, relation), expected in _expected_own(world).items():
        # When the caller pages through the list seven at a time,
        arguments: dict[str, Any] = {"relation": relation} if relation else {}
        found = every(field, auth, **arguments)
        # Then every record it should see comes exactly once, and nothing else.
        assert len(found) == len(set(found)), field
        assert set(found) == expected, (field, relation)
        assert len(expected) > 7, "more than a page"


def test_batteries_are_listed_by_the_callers_relation_to_them(world: World) -> None:
    # Given the maker's batteries in stock, supplied, installed and handed over, When the maker,
    # the automaker and the recycler list theirs by each relation,
    made = every("batteries", MAKER, relation="MADE", first=50)
    responsible = every("batteries", AUTO, relation="RESPONSIBLE", first=50)
    held = every("batteries", AUTO, relation="HELD", first=50)
    recycled = every("batteries", bearer_header("ENTERPRISE_USER", RECYCLER_ID), relation="HELD")
    # Then the maker made them all, in code order,
    assert len(made) == IN_STOCK + SUPPLIED + INSTALLED + HANDED_OVER
    assert made == sorted(made)
    # The automaker answers for what is in its vehicles and what it handed over,
    assert len(responsible) == INSTALLED + HANDED_OVER
    # holds what it was supplied and what is in its vehicles,
    assert len(held) == SUPPLIED + INSTALLED
    # and the recycler holds what was handed to it.
    assert len(recycled) == HANDED_OVER


# --- visibility -----------------------------------------------------------------------------

_OWN_LISTS: list[tuple[str, dict[str, Any]]] = [
    ("vehicles", {}),
    ("vehicles", {"relation": "SCRAPPED"}),
    ("batteries", {"relation": "MADE"}),
    ("batteries", {"relation": "RESPONSIBLE"}),
    ("batteries", {"relation": "HELD"}),
    ("models", {}),
    ("servicePoints", {}),
]


@pytest.mark.parametrize(("field", "arguments"), _OWN_LISTS)
def test_an_enterprise_with_no_relation_sees_what_it_sees_for_a_nonexistent_one(
    world: World, field: str, arguments: dict[str, Any]
) -> None:
    # When an enterprise with no relation to the records asks for the automaker's, the battery
    # maker's and a nonexistent enterprise's lists,
    for owner in (AUTOMAKER_ID, BATTERY_MAKER_ID):
        theirs, calls, _ = measure(field, UNRELATED, filter={"enterpriseId": owner}, **arguments)
        nobodys = ask(field, UNRELATED, filter={"enterpriseId": NOBODY_ID}, **arguments)
        # Then the answers are the same empty list, found without reading anything,
        assert theirs == nobodys
        assert calls == Counter()
    assert nobodys == {
        "data": {field: {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}}
    }
    # and its own list, with nothing in it, is what a regulator sees for a nonexistent one.
    assert ask(field, UNRELATED, **arguments) == nobodys
    assert ask(field, REGULATOR, filter={"enterpriseId": NOBODY_ID}, **arguments) == nobodys
    assert ask(field, REGULATOR, filter={"enterpriseId": UNRELATED_ID}, **arguments) == nobodys
    # An id too long to be a key names no enterprise either (DynamoDB would refuse the Query).
    unkeyable = {"enterpriseId": "9" * 3000}
    assert ask(field, REGULATOR, filter=unkeyable, **arguments) == nobodys


def test_a_regulator_sees_any_enterprises_list_and_must_name_one(world: World) -> None:
    # When a regulator names the automaker, Then it sees the automaker's own list;
    mine = every("vehicles", AUTO)
    assert every("vehicles", REGULATOR, filter={"enterpriseId": AUTOMAKER_ID}) == mine
    # When it names none, Then it is told to: there is no national list to read a page of.
    result = ask("vehicles", REGULATOR)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "enterpriseId" in result["errors"][0]["message"]


def test_enterprises_are_listed_to_regulators_and_administrators_only(world: World) -> None:
    # Given the platform's enterprises, When an enterprise user lists them,
    own = page("enterprises", UNRELATED)
    # Then it gets its own only, as `enterprise(id)` would show it,
    assert ids(own, "enterprises") == [UNRELATED_ID]
    assert own["pageInfo"]["hasNextPage"] is False
    filtered = page("enterprises", UNRELATED, filter={"kind": "AUTOMAKER"})
    assert filtered["edges"] == []
    # while a platform administrator gets them all.
    everyone = every("enterprises", bearer_header("PLATFORM_ADMIN"), first=50)
    assert {AUTOMAKER_ID, UNRELATED_ID} <= set(everyone)
    assert not any(e.startswith("MFR#") for e in everyone), "no manufacturer-code claims"


# --- filters --------------------------------------------------------------------------------


def test_vehicles_filter_by_model_status_region_and_dates(world: World) -> None:
    # Given the automaker's registered, imported and scrapped vehicles, When it filters them,
    # Then each filter keeps exactly the vehicles it names.
    imported = set(every("vehicles", AUTO, filter={"model": "FZ7002PHV"}))
    assert imported == {vin(OWN_VEHICLES + n) for n in range(IMPORTED_VEHICLES)}
    assert set(every("vehicles", AUTO, filter={"status": ["CERTIFIED"]})) == imported
    scrapped = {vin(n) for n in range(OWN_VEHICLES - SCRAPPED, OWN_VEHICLES)}
    assert set(every("vehicles", AUTO, filter={"status": ["SCRAPPED"]})) == scrapped
    registered = {vin(n) for n in range(OWN_VEHICLES - SCRAPPED)}
    assert set(every("vehicles", AUTO, filter={"status": ["REGISTERED"]})) == registered
    in_jiangsu = {vin(n) for n in range(0, OWN_VEHICLES, 3)}
    assert set(every("vehicles", AUTO, filter={"regionCode": "320000"})) == in_jiangsu
    assert set(every("vehicles", AUTO, filter={"regionCode": "320100"})) == in_jiangsu
    assert set(every("vehicles", AUTO, filter={"regionCode": "320102"})) == in_jiangsu
    late = {vin(n) for n in range(OWN_VEHICLES) if n % 20 >= 15}
    assert set(every("vehicles", AUTO, filter={"registeredOnOrAfter": "2026-05-16"})) == late
    both = every(
        "vehicles", AUTO, filter={"registeredOnOrAfter": "2026-05-16", "regionCode": "320000"}
    )
    assert set(both) == late & in_jiangsu
    # And a dismantler lists the vehicles it took in, and made none.
    dismantler = bearer_header("ENTERPRISE_USER", DISMANTLER_ID)
    assert set(every("vehicles", dismantler, relation="SCRAPPED")) == scrapped
    assert every("vehicles", dismantler) == []


def test_another_automakers_model_lists_as_an_unknown_model_does_without_reading_it(
    world: World,
) -> None:
    # When the automaker filters its vehicles by another automaker's model and by no model,
    theirs, calls, read = measure("vehicles", AUTO, filter={"model": "OT0001BEV"})
    unknown = ask("vehicles", AUTO, filter={"model": "NOSUCHMODEL"})
    # Then the answers are the same empty list,
    assert theirs == unknown
    assert unknown["data"]["vehicles"]["edges"] == []
    assert unknown["data"]["vehicles"]["pageInfo"]["hasNextPage"] is False
    # and only the model itself is read, not its vehicles.
    assert calls == Counter({"BatchGetItem": 1})
    assert read == 1


def test_batteries_models_points_and_enterprises_filter(world: World) -> None:
    # Given each kind of record in several states, When each list is filtered,
    # Then it keeps exactly what the filter names.
    supplied = every("batteries", MAKER, relation="MADE", filter={"status": ["SUPPLIED"]})
    assert len(supplied) == SUPPLIED
    early = every("batteries", MAKER, relation="MADE", filter={"producedOnOrBefore": "2026-02-28"})
    assert set(early) == set(supplied)
    installed = every(
        "batteries", AUTO, relation="RESPONSIBLE", filter={"status": ["INSTALLED", "SUPPLIED"]}
    )
    assert len(installed) == INSTALLED
    assert every("models", AUTO, filter={"imported": True}) == ["FZ7002PHV"]
    assert every("models", AUTO, filter={"approvedOnOrBefore": "2026-03-01"}) == ["FZ7001BEV"]
    jiangsu = every(
        "servicePoints", AUTO, filter={"pointType": "COLLECTION", "regionCode": "320000"}
    )
    assert set(jiangsu) == {f"sp_a{n:03d}" for n in range(10)}
    shenzhen = every("servicePoints", AUTO, filter={"regionCode": "440300"})
    assert set(shenzhen) == {f"sp_a{n:03d}" for n in range(10, OWN_POINTS)}
    assert every("servicePoints", AUTO, filter={"pointType": "STORAGE"}) == []
    inactive = every("servicePoints", AUTO, filter={"active": False})
    assert set(inactive) == {f"sp_a{n:03d}" for n in range(0, OWN_POINTS, 3)}
    storage = every("servicePoints", MAKER, filter={"pointType": "STORAGE", "regionCode": "320100"})
    assert len(storage) == 3
    makers = every("enterprises", REGULATOR, filter={"kind": "BATTERY_MAKER"})
    assert set(makers) == {BATTERY_MAKER_ID, OTHER_BATTERY_MAKER_ID}
    fujian = every("enterprises", REGULATOR, filter={"provinceCode": "350000"})
    assert set(fujian) == {AUTOMAKER_ID, BATTERY_MAKER_ID}


@pytest.mark.parametrize(
    ("field", "arguments", "message"),
    [
        ("vehicles", {"filter": {"regionCode": "999999"}}, "regionCode"),
        ("vehicles", {"filter": {"regionCode": "32"}}, "regionCode"),
        (
            "vehicles",
            {"filter": {"registeredOnOrAfter": "2026-06-01", "registeredOnOrBefore": "2026-05-01"}},
            "registeredOnOrAfter",
        ),
        ("batteries", {"relation": "MADE", "first": 201}, "first"),
        ("models", {"first": 0}, "first"),
        ("enterprises", {"filter": {"provinceCode": "320100"}}, "provinceCode"),
        ("servicePoints", {"after": "not-a-cursor"}, "cursor"),
    ],
)
def test_inputs_that_cannot_be_served_are_refused(
    world: World, field: str, arguments: dict[str, Any], message: str
) -> None:
    # When a list is asked for with an input it cannot serve, Then it is refused, naming it.
    result = ask(field, AUTO, **arguments)
    assert result["data"] is None
    [error] = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]


def test_a_cursor_serves_only_the_list_and_filter_it_came_from(world: World) -> None:
    # Given a cursor of the automaker's vehicles, When it is passed to another filter, relation,
    # list or caller, Then it is refused.
    cursor = page("vehicles", AUTO, first=5)["pageInfo"]["endCursor"]
    elsewhere: list[tuple[str, dict[str, Any]]] = [
        ("vehicles", {"filter": {"status": ["REGISTERED"]}}),
        ("vehicles", {"relation": "SCRAPPED"}),
        ("batteries", {"relation": "HELD"}),
    ]
    for field, arguments in elsewhere:
        result = ask(field, AUTO, first=5, after=cursor, **arguments)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    stolen = ask("vehicles", bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID), after=cursor)
    assert stolen["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- bounded reads --------------------------------------------------------------------------

# Each list's first page, unfiltered and filtered, as the caller that owns the records asks.
_PAGES: list[tuple[str, str, dict[str, Any]]] = [
    ("vehicles", AUTO, {}),
    ("vehicles", AUTO, {"filter": {"status": ["REGISTERED"], "regionCode": "320000"}}),
    ("vehicles", AUTO, {"filter": {"model": "FZ7002PHV"}}),
    ("batteries", MAKER, {"relation": "MADE"}),
    ("batteries", AUTO, {"relation": "HELD", "filter": {"status": ["INSTALLED"]}}),
    ("models", AUTO, {}),
    ("models", AUTO, {"filter": {"imported": True}}),
    ("servicePoints", AUTO, {}),
    ("servicePoints", AUTO, {"filter": {"pointType": "COLLECTION", "active": False}}),
    ("enterprises", REGULATOR, {}),
]
FIRST = 20


def test_calls_and_items_read_do_not_grow_with_other_enterprises_records(world: World) -> None:
    # Given other enterprises with 50 records of each kind, When each list's first page is read,
    world.grow_others_to(50)
    small = [measure(field, auth, first=FIRST, **arguments) for field, auth, arguments in _PAGES]
    # and again once they have 500,
    world.grow_others_to(500)
    large = [measure(field, auth, first=FIRST, **arguments) for field, auth, arguments in _PAGES]
    # Then every page makes the same calls, reads the same number of items, and answers the same
    # (only the enterprises list, in storage order, has other enterprises' records in it).
    for (field, _, arguments), (answer, calls, read), (answer2, calls2, read2) in zip(
        _PAGES, small, large, strict=True
    ):
        assert (calls, read) == (calls2, read2), (field, arguments)
        assert "errors" not in answer
        assert "errors" not in answer2
        if field != "enterprises":
            assert answer == answer2
        assert read <= READ_BUDGET + 1
    # An unfiltered page of an enterprise's records is one Query of one item more than the page.
    (_, calls, read) = small[0]
    assert (calls, read) == (Counter({"Query": 1}), FIRST + 1)


def test_a_filtered_list_of_enterprises_reads_at_most_the_budget(world: World) -> None:
    # Given the platform's enterprises, When a regulator lists its two recyclers,
    _result, calls, read = measure("enterprises", REGULATOR, filter={"kind": "RECYCLER"}, first=5)
    # Then at most the budget is read, whatever the number of enterprises,
    assert read <= READ_BUDGET
    assert calls["Scan"] <= 5  # Limits 6, 24, 96, 384, then what the budget leaves
    assert set(calls) == {"Scan"}
    found = every("enterprises", REGULATOR, filter={"kind": "RECYCLER"}, first=5)
    assert set(found) == {RECYCLER_ID, UNRELATED_ID}


def test_a_filter_matching_nothing_reads_at_most_the_budget_and_returns_a_cursor(
    world: World,
) -> None:
    # Given a maker with more batteries than one request may read, none of them disposed,
    big = bearer_header("ENTERPRISE_USER", BIG_MAKER_ID)
    arguments = {"relation": "MADE", "filter": {"status": ["DISPOSED"]}, "first": 50}
    # When it lists its disposed batteries,
    result, calls, read = measure("batteries", big, **arguments)
    connection = result["data"]["batteries"]
    # Then it gets a partial page: nothing yet, a next page and where it starts,
    assert connection["edges"] == []
    assert connection["pageInfo"]["hasNextPage"] is True
    assert connection["pageInfo"]["endCursor"]
    # after reading exactly the budget, in Queries of growing size (51, 204, 745).
    assert read == READ_BUDGET
    assert calls == Counter({"Query": 3})
    # When it continues from there, Then the rest is read and the list ends.
    rest, calls, read = measure(
        "batteries", big, after=connection["pageInfo"]["endCursor"], **arguments
    )
    assert rest["data"]["batteries"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }
    assert read == BIG_MAKER_BATTERIES - READ_BUDGET
    # An unfiltered page of the same maker still reads one item more than the page.
    _, calls, read = measure("batteries", big, relation="MADE", first=50)
    assert (calls, read) == (Counter({"Query": 1}), 51)


def test_a_page_of_one_matching_nothing_makes_the_calls_the_cost_estimate_allows(
    world: World,
) -> None:
    # Given a maker with more batteries than one request may read, none of them disposed
    big = bearer_header("ENTERPRISE_USER", BIG_MAKER_ID)
    # When it lists its disposed batteries one a page
    arguments = {"relation": "MADE", "filter": {"status": ["DISPOSED"]}, "first": 1}
    _, calls, read = measure("batteries", big, **arguments)
    # Then the page takes the most rounds a list makes (2, 8, 32, 128, 512, then the rest of
    # the budget), which is what the query cost estimate counts for a list
    assert read == READ_BUDGET
    assert calls == Counter({"Query": MAX_ROUNDS})
    assert cost.ROOT_CALLS["batteries"] == MAX_ROUNDS == 6


def test_partial_pages_return_each_match_once(world: World) -> None:
    # Given a maker's few January batteries spread over more items than one request may read,
    big = bearer_header("ENTERPRISE_USER", BIG_MAKER_ID)
    january = {"producedOnOrBefore": "2026-01-31"}
    # When they are paged through five at a time,
    found = every("batteries", big, relation="MADE", filter=january, first=5)
    # Then every one comes once, in code order.
    expected = [battery_code("Y01", serial=n) for n in range(0, BIG_MAKER_BATTERIES, EARLY_EVERY)]
    assert found == sorted(expected)


# --- what the API wrote ---------------------------------------------------------------------


def test_batteries_the_api_registered_and_supplied_are_listed_by_maker_and_holder(
    world: World,
) -> None:
    from tests.api import onboard, onboard_battery_maker, supply

    # Given a maker that registered three packs through the API and supplied two to an
    # automaker,
    maker_id, automaker_id = uscc("91330000MA1AP0000"), uscc("91330000MA1AQ0000")
    maker = bearer_header("ENTERPRISE_ADMIN", maker_id)
    automaker = bearer_header("ENTERPRISE_ADMIN", automaker_id)
    onboard_battery_maker(maker_id, code="7K2")
    onboard(automaker_id, "Cars", ["AUTOMAKER"])
    codes = [battery_code("7K2", serial=n) for n in range(3)]
    result = gql(
        """mutation ($input: RegisterBatteriesInput!) { registerBatteries(input: $input) {
        userErrors { code message } } }""",
        {"input": {"batteries": [{"code": c} for c in codes]}},
        auth=maker,
    )
    assert result["data"]["registerBatteries"]["userErrors"] == [], result
    supply(codes[:2], maker_id, automaker_id, "2026-03-05")
    # Then the maker lists all three as made and one as held; the automaker holds two,
    assert every("batteries", maker, relation="MADE") == codes
    assert every("batteries", maker, relation="HELD") == codes[2:]
    assert every("batteries", automaker, relation="HELD") == codes[:2]
    # and answers for none: the maker does until they are installed.
    assert every("batteries", automaker, relation="RESPONSIBLE") == []
    assert every("batteries", maker, relation="RESPONSIBLE") == codes
