"""serviceCoverage a page at a time, through the API handler on moto: the report's regions,
counts and gaps against what the tables hold, the network rows kept exact by every write of a
point, the upgrade of points stored before rows existed, and what another enterprise learns
(nothing)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from msgspec.structs import replace

from compliance.errors import ConflictError
from compliance.network import POINT_TYPE_OF_RULE, PointType
from compliance.obligations import OPEN_STATUSES
from compliance.regions import prefectures
from compliance.rules import ObligationStatus, SubjectKind
from compliance.services.store import PutServicePoint, Unit
from compliance.store import migrations
from compliance.store.coverage import _KIND
from compliance.store.dynamo import DynamoStore
from compliance.store.models import NetworkRowItem, ObligationItem, ServicePointItem
from compliance.store.records import network_key, subject_key
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import certify_fleet, gql, onboard
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, OTHER_AUTOMAKER_ID, vin

AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
OTHER_AUTO = bearer_header("ENTERPRISE_ADMIN", OTHER_AUTOMAKER_ID)
UNKNOWN_USCC = "91110000MA00000009"

# Prefectures of one automaker's network: sold in (a duty) and covered in various ways.
REGIONS = [r.code for r in prefectures()[:30]]
SOLD = REGIONS[:18]  # a vehicle registered in each: a coverage duty when no point covers it
COVERED_TWICE = REGIONS[:4]  # two points each
COVERED = REGIONS[4:10]  # one point each
POINTS_ONLY = REGIONS[18:24]  # a point where nothing was sold yet
SWITCHED_OFF = REGIONS[10]  # its one point deactivated: the duty opens again

REPORT = """query ($first: Int, $after: String, $id: ID) {
  serviceCoverage(first: $first, after: $after, enterpriseId: $id) {
    enterpriseId gaps
    regions { regionCode pointType covered pointCount activePointCount
      servicePoints(first: 2) { id active } openObligation { id } waivedObligation { id } }
    pageInfo { hasNextPage endCursor } } }"""
UPSERT = """mutation ($input: ServicePointInput!) { upsertServicePoint(input: $input) {
  servicePoint { id } userErrors { field code message } } }"""


def _point(region: str, name: str, **fields: Any) -> str:
    result = gql(
        UPSERT,
        {"input": {"name": name, "pointType": "COLLECTION", "regionCode": region, **fields}},
        auth=AUTO,
    )["data"]["upsertServicePoint"]
    assert result["userErrors"] == []
    return str(result["servicePoint"]["id"])


@pytest.fixture
def network() -> Iterator[None]:
    """Given an automaker that sold a vehicle in 18 prefectures and runs 20 collection points
    in 16 (two each in four, one of them switched off), and a second automaker."""
    with local_aws():
        certify_fleet(len(SOLD), BATTERY_MAKER_ID, AUTOMAKER_ID)
        onboard(OTHER_AUTOMAKER_ID, "Other Motors", ["AUTOMAKER"])
        for n, region in enumerate(SOLD):
            registered = gql(
                """mutation ($input: RegisterVehicleInput!) { registerVehicle(input: $input) {
                   userErrors { code } } }""",
                {"input": {"vin": vin(n), "registeredOn": "2026-09-24", "regionCode": region}},
                auth=AUTO,
            )
            assert registered["data"]["registerVehicle"]["userErrors"] == []
        for region in COVERED_TWICE:
            _point(region, "回收网点 甲")
            _point(region, "Collection point B")
        for region in [*COVERED, *POINTS_ONLY]:
            _point(region, "回收服务网点")
        off = _point(SWITCHED_OFF, "Closing point")
        _point(SWITCHED_OFF, "Closing point", id=off, active=False)
        yield


def _report(auth: str, first: int, enterprise: str | None = None) -> list[dict[str, Any]]:
    """Every page of the report, first to last."""
    pages, after = [], None
    while True:
        variables = {"first": first, "after": after, "id": enterprise}
        page = gql(REPORT, variables, auth=auth)["data"]["serviceCoverage"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


def _from_the_tables(operator: str) -> tuple[list[dict[str, Any]], int]:
    """The report's regions and gaps as a Scan of the points and the obligations says."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(point_type: str, region: str) -> dict[str, Any]:
        return rows.setdefault(
            (point_type, region),
            {
                "regionCode": region,
                "pointType": point_type,
                "points": [],
                "openObligation": None,
                "waivedObligation": None,
            },
        )

    for item in ServicePointItem.scan(ServicePointItem.operator == operator):
        row(item.point_type, item.coverage_region)["points"].append((item.id, item.active))
    gaps = 0
    for duty in ObligationItem.scan(ObligationItem.coverage_of == operator):
        point_type = POINT_TYPE_OF_RULE[duty.rule_id].value
        status = ObligationStatus(duty.status)
        if status in OPEN_STATUSES:
            row(point_type, duty.subject_id)["openObligation"] = {"id": duty.id}
            gaps += 1
        elif status is ObligationStatus.WAIVED:
            row(point_type, duty.subject_id)["waivedObligation"] = {"id": duty.id}
    expected = []
    for key in sorted(rows):
        found = rows[key]
        points = sorted(found.pop("points"))
        expected.append(
            {
                **found,
                "covered": any(active for _, active in points),
                "pointCount": len(points),
                "activePointCount": sum(active for _, active in points),
                "servicePoints": [{"id": pid, "active": active} for pid, active in points[:2]],
            }
        )
    return expected, gaps


def _recounted_rows() -> dict[str, tuple[int, int]]:
    """Every network row as the points table says it should be: (points, active)."""
    counted: Counter[str] = Counter()
    active: Counter[str] = Counter()
    for item in ServicePointItem.scan(ServicePointItem.type_region.exists()):
        row = f"ROW#{item.operator}#{network_key(PointType(item.point_type), item.coverage_region)}"
        counted[row] += 1
        active[row] += int(item.active)
    return {row: (counted[row], active[row]) for row in counted}


def _stored_rows() -> dict[str, tuple[int, int]]:
    return {
        item.id: (int(item.points), int(item.active))
        for item in NetworkRowItem.scan(NetworkRowItem.network_of.exists())
        if item.points or item.active
    }


def test_paging_through_the_report_gives_every_region_once_as_the_tables_hold_it(
    network: None,
) -> None:
    # Given the automaker's network (24 regions, 8 of the sales duties still open)
    expected, gaps = _from_the_tables(AUTOMAKER_ID)
    assert len(expected) == 24
    assert gaps == 8
    # When it reads its report 4 regions a page
    pages = _report(AUTO, 4)
    # Then the pages hold every region once, in order, with its counts, first points and duties
    regions = [region for page in pages for region in page["regions"]]
    assert regions == expected
    assert [len(page["regions"]) for page in pages] == [4] * 6
    # And every page counts the gaps of the whole network
    assert {page["gaps"] for page in pages} == {gaps}
    # And one page of 100 says the same
    [whole] = _report(AUTO, 100)
    assert whole["regions"] == expected
    assert whole["pageInfo"] == {"hasNextPage": False, "endCursor": None}


def test_a_region_lists_its_first_points_and_counts_them_all(network: None) -> None:
    # Given a region with two points
    region = COVERED_TWICE[0]
    _point(region, "Third point")
    # When the report lists one point a region
    query = """{ serviceCoverage(first: 1) { regions { regionCode pointCount activePointCount
        servicePoints(first: 1) { name } } } }"""
    [row] = gql(query, auth=AUTO)["data"]["serviceCoverage"]["regions"]
    # Then the region says how many it has, and lists one
    assert (row["regionCode"], row["pointCount"], row["activePointCount"]) == (region, 3, 3)
    assert len(row["servicePoints"]) == 1


def test_the_network_rows_follow_every_change_of_a_point(network: None) -> None:
    # Given rows as the fixture's writes left them
    assert _stored_rows() == _recounted_rows()
    region, elsewhere = POINTS_ONLY[0], POINTS_ONLY[1]
    pid = _point(region, "Moving point")
    # When the point is sent again, renamed, switched off and on, and moved to another region
    steps: list[dict[str, Any]] = [
        {"name": "Moving point"},
        {"name": "Moving point", "id": pid},
        {"name": "Renamed point", "id": pid},
        {"name": "Renamed point", "id": pid, "active": False},
        {"name": "Renamed point", "id": pid, "active": False},
        {"name": "Renamed point", "id": pid, "active": True},
        {"name": "Renamed point", "id": pid, "regionCode": elsewhere},
    ]
    for step in steps:
        _point(step.pop("regionCode", region), step.pop("name"), **step)
        # Then after each the rows hold exactly what the points table says
        assert _stored_rows() == _recounted_rows()
    rows = _stored_rows()
    assert rows[f"ROW#{AUTOMAKER_ID}#COLLECTION#{region}"] == (1, 1)
    assert rows[f"ROW#{AUTOMAKER_ID}#COLLECTION#{elsewhere}"] == (2, 2)


def test_gaps_follow_the_duties_as_points_close_and_reopen_them(network: None) -> None:
    # Given the report's gaps
    def gaps() -> int:
        return int(
            gql("{ serviceCoverage { gaps } }", auth=AUTO)["data"]["serviceCoverage"]["gaps"]
        )

    before = gaps()
    # When a point covers an open gap
    gap = SOLD[-1]
    pid = _point(gap, "New point")
    # Then there is one gap fewer; switched off, the gap is back
    assert gaps() == before - 1 == _from_the_tables(AUTOMAKER_ID)[1]
    _point(gap, "New point", id=pid, active=False)
    assert gaps() == before == _from_the_tables(AUTOMAKER_ID)[1]


def test_another_enterprises_report_reads_as_one_that_does_not_exist(network: None) -> None:
    # Given the automaker's report, and its first page's cursor
    first = _report(AUTO, 4)[0]
    assert first["regions"]
    assert first["gaps"] > 0
    # When the other automaker asks for it, and for an enterprise that does not exist
    theirs = gql(REPORT, {"id": AUTOMAKER_ID}, auth=OTHER_AUTO)
    unknown = gql(REPORT, {"id": UNKNOWN_USCC}, auth=OTHER_AUTO)
    # Then both answers are empty and alike but for the id asked about
    assert theirs["data"]["serviceCoverage"]["regions"] == []
    assert theirs["data"]["serviceCoverage"]["gaps"] == 0
    theirs["data"]["serviceCoverage"]["enterpriseId"] = UNKNOWN_USCC
    assert theirs == unknown
    # And the automaker's cursor is refused to it as any cursor not issued to it would be
    stolen = gql(REPORT, {"after": first["pageInfo"]["endCursor"]}, auth=OTHER_AUTO)
    forged = gql(REPORT, {"after": "bm90LWEtY3Vyc29y"}, auth=OTHER_AUTO)
    assert stolen["data"] is None
    assert forged["data"] is None
    assert stolen["errors"][0]["message"] == forged["errors"][0]["message"]
    assert stolen["errors"][0]["extensions"] == forged["errors"][0]["extensions"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ serviceCoverage(first: 0) { gaps } }", "first must be between 1 and 200; got 0."),
        (
            "{ serviceCoverage { regions { servicePoints(first: 101) { id } } } }",
            "first must be between 1 and 100; got 101.",
        ),
    ],
)
def test_a_page_size_out_of_range_is_refused_with_its_bounds(
    network: None, query: str, message: str
) -> None:
    # When a page size is out of range, Then the answer says which bounds it must keep
    answer = gql(query, auth=AUTO)
    assert answer["errors"][0]["message"] == message
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_points_stored_before_network_rows_are_counted_once(network: None) -> None:
    # Given points as an earlier version stored them: no network rows, no in_network flag
    for row in NetworkRowItem.scan(NetworkRowItem.network_of.exists()):
        row.delete()
    for item in ServicePointItem.scan(ServicePointItem.type_region.exists()):
        item.update(actions=[ServicePointItem.in_network.remove()])
    points = sum(1 for _ in ServicePointItem.scan(ServicePointItem.type_region.exists()))
    # When the upgrade runs, twice
    first, second = migrations.count_points(), migrations.count_points()
    # Then every point was counted once, and the rows are what the points say
    assert (first, second) == (points, 0)
    assert _stored_rows() == _recounted_rows()
    expected, _ = _from_the_tables(AUTOMAKER_ID)
    assert [r for page in _report(AUTO, 7) for r in page["regions"]] == expected


def test_duties_and_rows_sort_in_the_same_order() -> None:
    # Given a row of each point type, Then the order of their coverage duties' keys is theirs
    rows = [(t, region) for t in PointType for region in ("110000", "440300", "650000")]
    by_row = sorted(rows, key=lambda r: network_key(*r))
    by_duty = sorted(rows, key=lambda r: subject_key(_KIND[r[0]], r[1]))
    assert by_row == by_duty
    assert set(_KIND.values()) == {SubjectKind.PREFECTURE, SubjectKind.PROVINCE}


POINTS_OF_A_PAGE = """query ($after: String, $per: Int!) {
  serviceCoverage(first: 10, after: $after) {
    regions { regionCode servicePoints(first: $per) { id } }
    pageInfo { endCursor } } }"""


def test_a_pages_points_are_read_in_one_query_when_each_region_lists_them_all(
    network: None,
) -> None:
    # Given the first ten regions: four with two points, six with one
    # When the report lists two points a region, then one
    two = gql(POINTS_OF_A_PAGE, {"per": 2}, auth=AUTO)
    one = gql(POINTS_OF_A_PAGE, {"per": 1}, auth=AUTO)
    # Then listing all of them takes one Query for the page's points (besides the rows, the
    # duties and the counts); listing fewer than a region has reads each such region alone
    assert two["extensions"]["cost"]["actual"] == 3 + 1
    assert one["extensions"]["cost"]["actual"] == 3 + 4 + 1
    per_region = {
        r["regionCode"]: len(r["servicePoints"]) for r in two["data"]["serviceCoverage"]["regions"]
    }
    assert per_region == {**dict.fromkeys(COVERED_TWICE, 2), **dict.fromkeys(REGIONS[4:10], 1)}


def test_two_reports_in_one_document_each_list_their_own_regions_points(network: None) -> None:
    # Given the report's first and third pages, each read alone
    first = gql(POINTS_OF_A_PAGE, {"per": 2}, auth=AUTO)["data"]["serviceCoverage"]
    after = first["pageInfo"]["endCursor"]
    second = gql(POINTS_OF_A_PAGE, {"per": 2, "after": after}, auth=AUTO)
    after = second["data"]["serviceCoverage"]["pageInfo"]["endCursor"]
    third = gql(POINTS_OF_A_PAGE, {"per": 2, "after": after}, auth=AUTO)["data"]["serviceCoverage"]
    # When one document asks for both (their points loaded together, page two's in between)
    both = gql(
        """query ($after: String) {
          a: serviceCoverage(first: 10) { regions { regionCode servicePoints(first: 2) { id } } }
          b: serviceCoverage(first: 10, after: $after) {
            regions { regionCode servicePoints(first: 2) { id } } } }""",
        {"after": after},
        auth=AUTO,
    )["data"]
    # Then each lists exactly what it lists alone
    assert both["a"]["regions"] == first["regions"]
    assert both["b"]["regions"] == third["regions"]


def test_two_points_switched_off_at_once_cannot_each_count_on_the_other(network: None) -> None:
    # Given a sold region covered by two active points, and the first's switch-off written as
    # the use case writes it after reading the region's row (another active point left)
    region = COVERED_TWICE[1]
    first, second = ServicePointItem.scan(
        (ServicePointItem.operator == AUTOMAKER_ID) & (ServicePointItem.coverage_region == region)
    )
    store = DynamoStore()
    stored = store.service_points([first.id])[first.id]
    switch_off = PutServicePoint(
        replace(stored.value, active=False), stored.version, stored.value, others_active=True
    )
    # When the second is switched off meanwhile, then the first's write is committed
    off = gql(
        UPSERT,
        {
            "input": {
                "id": second.id,
                "name": second.name,
                "pointType": "COLLECTION",
                "regionCode": region,
                "active": False,
            }
        },
        auth=AUTO,
    )["data"]["upsertServicePoint"]
    assert off["userErrors"] == []
    rows = _stored_rows()
    # Then it is refused and changes nothing: the region keeps its one active point
    with pytest.raises(ConflictError):
        store.commit([Unit((switch_off,))])
    assert _stored_rows() == rows == _recounted_rows()
    assert rows[f"ROW#{AUTOMAKER_ID}#COLLECTION#{region}"] == (2, 1)
    # And the first switched off through the API, as a retry reads it, opens the duty again
    name = stored.value.name
    _point(region, name, id=first.id, active=False)
    [row] = [r for page in _report(AUTO, 100) for r in page["regions"] if r["regionCode"] == region]
    assert row["covered"] is False
    assert row["openObligation"] is not None


def test_regions_whose_points_all_moved_away_are_passed_over_page_by_page(
    network: None,
) -> None:
    # Given three regions whose only points moved to a fourth, one page of one region at a time
    moved_from, moved_to = POINTS_ONLY[:3], POINTS_ONLY[3]
    for item in ServicePointItem.scan(ServicePointItem.operator == AUTOMAKER_ID):
        if item.coverage_region in moved_from:
            _point(moved_to, item.name + f" ({item.coverage_region})", id=item.id)
    # When the report is read one region a page
    pages = _report(AUTO, 1)
    regions = [r for page in pages for r in page["regions"]]
    # Then every region still holding points or duties comes once, the emptied ones never
    expected, _ = _from_the_tables(AUTOMAKER_ID)
    assert regions == expected
    assert not {r["regionCode"] for r in regions} & set(moved_from)
    [target] = [r for r in regions if r["regionCode"] == moved_to]
    assert target["pointCount"] == 4
    # And a page may hold none while reading past them, with a cursor to go on
    assert any(page["regions"] == [] and page["pageInfo"]["hasNextPage"] for page in pages)


def test_another_enterprise_changing_a_point_is_answered_as_for_a_point_that_does_not_exist(
    network: None,
) -> None:
    # Given the automaker's point, its rows and points as stored
    [point] = ServicePointItem.scan(
        (ServicePointItem.operator == AUTOMAKER_ID)
        & (ServicePointItem.coverage_region == COVERED[0])
    )
    rows, points = _stored_rows(), _recounted_rows()

    def switch_off(point_id: str) -> Any:
        sent: dict[str, Any] = {"id": point_id, "name": point.name, "pointType": "COLLECTION"}
        sent |= {"regionCode": COVERED[0], "active": False}
        return gql(UPSERT, {"input": sent}, auth=OTHER_AUTO)["data"]["upsertServicePoint"]

    # When the other automaker switches it off, and a point id nobody has
    theirs, nobodys = switch_off(point.id), switch_off("sp_00000000000000000000")
    # Then both are refused alike, the id sent being the only difference, and nothing changed
    assert theirs["servicePoint"] is None
    assert [e["code"] for e in theirs["userErrors"]] == ["UNKNOWN_SERVICE_POINT"]
    assert json.dumps(theirs).replace(point.id, "sp_00000000000000000000") == json.dumps(nobodys)
    assert (_stored_rows(), _recounted_rows()) == (rows, points)
    assert ServicePointItem.get(point.id).active is True
