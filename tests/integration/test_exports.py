"""Exports of the obligations list (`exportObligations`, `export`), through the API Lambda and
the export function on moto: what a file holds is what `obligations(filter:)` shows the same
caller, row for row; another enterprise learns nothing from an export id or a filter; the file
opens in a spreadsheet with its bilingual header; reads stay bounded page by page.

The world is two automakers, one in Fuzhou and one in Shenzhen, each with Chinese- and
English-speaking contacts and about 1,500 obligations of a year's vehicles (production and
sales uploads, technical information of their models, collection points of their prefectures),
in every status: fulfilled on time and late, waived with reasons in Chinese, open, overdue as
the sweep marked them and overdue by the clock only. Records are stored straight into the tables
with the store's own record functions, dated from today (China time), as the API's clock is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import boto3
import openpyxl
import pytest

from compliance import clients
from compliance.calendar import CHINA_TZ, default_calendar
from compliance.enterprises import Contact, Enterprise
from compliance.exports import COLUMNS
from compliance.lifecycle import EnterpriseKind, EventKind
from compliance.rules import Obligation, ObligationStatus, Period, SubjectKind
from compliance.store import exports as export_store
from compliance.store.counts import NATION, counter_id
from compliance.store.models import (
    EnterpriseItem,
    ObligationCountsItem,
    ObligationItem,
    share_one_connection,
)
from compliance.store.reads import PAGE_BUDGET
from compliance.store.records import enterprise_item, obligation_item, open_partition, status_key
from graph import replay
from graph.exports import mutations as export_mutations
from local.aws import local_aws, start_aws
from local.buckets import create_buckets
from local.calls import api_event, bearer_header, function_settings, invoke
from local.queues import EXPORT_FUNCTION, ReminderQueuePoller, create_queues, deliver_batch
from local.tables import create_tables
from tests.api import gql
from tests.builders import AUTOMAKER_ID, OTHER_AUTOMAKER_ID, uscc, vin

TODAY = datetime.now(CHINA_TZ).date()
FUZHOU, SHENZHEN = AUTOMAKER_ID, OTHER_AUTOMAKER_ID
NOBODY = uscc("91330000MA1NB0000")  # no such enterprise
VEHICLES = {FUZHOU: 640, SHENZHEN: 560}  # with models and prefectures: about 1,500 duties each
FUZHOU_ADMIN = bearer_header("ENTERPRISE_ADMIN", FUZHOU)
FUZHOU_USER = bearer_header("ENTERPRISE_USER", FUZHOU)
SHENZHEN_USER = bearer_header("ENTERPRISE_USER", SHENZHEN)
REGULATOR = bearer_header("REGULATOR")
WAIVER = "该车辆为出口车型，未在境内销售，无需上传销售溯源信息。"

EXPORT = """mutation ($input: ExportObligationsInput!) { exportObligations(input: $input) {
    export { id status format rowCount truncated url expiresAt availableUntil error createdAt
             finishedAt }
    userErrors { field code message } } }"""
POLL = """query ($id: ID!) { export(id: $id) {
    id status format rowCount truncated url expiresAt availableUntil error finishedAt } }"""
PAGE = """query ($filter: ObligationFilter, $after: String) {
    obligations(filter: $filter, first: 200, after: $after) {
      edges { node { id status } } pageInfo { hasNextPage endCursor } } }"""


# --- the world ------------------------------------------------------------------------------


def _enterprise(eid: str, name: str, people: tuple[str, str], province: str) -> Any:
    contacts = (Contact(people[0], "zh-CN"), Contact(people[1], "en"))
    enterprise = Enterprise(
        id=eid,
        name=name,
        kinds=frozenset({EnterpriseKind.AUTOMAKER}),
        manufacturer_codes=frozenset(),
        province_code=province,
        contacts=contacts,
        created_at=datetime(2025, 6, 1, tzinfo=UTC),
    )
    return enterprise_item(enterprise, version=1)


def _duty(
    eid: str, rule: str, kind: SubjectKind, subject: str, trigger: EventKind, on: date, period: str
) -> Obligation:
    digest = hashlib.sha256(f"{eid}|{rule}|{subject}".encode()).hexdigest()
    return Obligation(
        id=f"ob_{digest[:24]}",
        rule_id=rule,
        rule_set_id="CN-MIIT-2023-DRAFT",
        rule_set_version="2023-12-15.1",
        responsible_enterprise=eid,
        responsible_role="AUTOMAKER",
        subject_kind=kind,
        subject_id=subject,
        trigger_event_id=f"ev_{digest[24:44]}",
        trigger_kind=trigger,
        trigger_date=on,
        period=Period.parse(period),
        deadline=Period.parse(period).deadline(on, default_calendar()),
        vin=subject if kind is SubjectKind.VEHICLE else None,
        model=subject if kind is SubjectKind.MODEL else None,
    )


def _closed(item: Any, n: int, status: ObligationStatus) -> None:
    """Close a stored duty as its enterprise's people (or its ERP) would have."""
    due = date.fromisoformat(item.due_date) if item.due_date else None
    trigger = date.fromisoformat(item.trigger_date)
    on = min(TODAY, trigger + timedelta(days=3))
    if status is ObligationStatus.FULFILLED_LATE and due is not None:
        on = min(TODAY, due + timedelta(days=4))
        status = ObligationStatus.FULFILLED_LATE if on > due else ObligationStatus.FULFILLED
    item.status = status.value
    if status is ObligationStatus.WAIVED:
        item.waived_reason = WAIVER
    else:
        item.fulfilled_on = on.isoformat()
        item.platform_receipt = f"TR{on:%Y%m%d}{n:06d}"
    item.closed_by = "partner-key:erp0mes0key1" if n % 2 else "li.na@example.cn"
    item.closed_at = datetime.combine(on, datetime.min.time(), tzinfo=CHINA_TZ).astimezone(UTC)
    item.open_partition = item.remind_pk = item.remind_sk = None


def _stored(duty: Obligation, n: int) -> tuple[Any, ObligationStatus]:
    item = obligation_item(duty, datetime.now(UTC), TODAY)
    due = duty.deadline.due_date if duty.deadline else None
    status = [
        ObligationStatus.FULFILLED,
        ObligationStatus.FULFILLED,
        ObligationStatus.FULFILLED_LATE,
        ObligationStatus.WAIVED,
        ObligationStatus.OPEN,
        ObligationStatus.OPEN,
        ObligationStatus.OPEN,
    ][n % 7]
    if status is not ObligationStatus.OPEN:
        _closed(item, n, status)
        status = ObligationStatus(item.status)
    elif due is not None and due < TODAY and n % 2:
        status = ObligationStatus.OVERDUE  # marked by the sweep; the others only by the clock
        item.status = status.value
    item.status_key = status_key(status, due, duty.id)
    item.open_partition = open_partition(status, duty.id)
    return item, status


def _duties(eid: str, offset: int) -> list[Obligation]:
    duties = []
    models = [f"{'FZ' if eid == FUZHOU else 'SZ'}70{m:02d}BEV" for m in range(4)]
    for m, model in enumerate(models):
        on = TODAY - timedelta(days=200 - 40 * m)
        for rule, period in (
            ("TECH_INFO_SUBMISSION", "6M"),
            ("DISMANTLER_DISASSEMBLY_INFO", "STANDING"),
        ):
            duties.append(
                _duty(eid, rule, SubjectKind.MODEL, model, EventKind.MODEL_ANNOUNCED, on, period)
            )
    for p, prefecture in enumerate(("350100", "350200", "440300", "320100", "310000")):
        on = TODAY - timedelta(days=90 + p)
        duties.append(
            _duty(
                eid,
                "COLLECTION_POINT_COVERAGE",
                SubjectKind.PREFECTURE,
                prefecture,
                EventKind.VEHICLE_REGISTERED,
                on,
                "STANDING",
            )
        )
    for n in range(VEHICLES[eid]):
        certified = TODAY - timedelta(days=n % 300)
        subject = vin(offset + n)
        duties.append(
            _duty(
                eid,
                "PRODUCTION_TRACE_UPLOAD",
                SubjectKind.VEHICLE,
                subject,
                EventKind.FACTORY_CERTIFICATE_ISSUED,
                certified,
                "10WD",
            )
        )
        if n % 10 and certified + timedelta(days=6) <= TODAY:
            duties.append(
                _duty(
                    eid,
                    "SALES_TRACE_UPLOAD",
                    SubjectKind.VEHICLE,
                    subject,
                    EventKind.VEHICLE_REGISTERED,
                    certified + timedelta(days=6),
                    "10WD",
                )
            )
    return duties


def seed(client: Any) -> dict[str, list[Any]]:
    """Both automakers, their duties and their counts; each enterprise's stored items."""
    enterprises = [
        _enterprise(
            FUZHOU, "福州新能源汽车有限公司", ("wang.fang@fz-nev.cn", "export@fz-nev.cn"), "350000"
        ),
        _enterprise(
            SHENZHEN, "深圳鹏城电动汽车有限公司", ("chen.jie@pc-ev.cn", "intl@pc-ev.cn"), "440000"
        ),
    ]
    with EnterpriseItem.batch_write() as batch:
        for item in enterprises:
            batch.save(item)
    stored: dict[str, list[Any]] = {}
    counts: dict[str, Counter[ObligationStatus]] = {NATION: Counter()}
    for eid, offset in ((FUZHOU, 0), (SHENZHEN, 10_000)):
        items = [_stored(duty, n) for n, duty in enumerate(_duties(eid, offset))]
        stored[eid] = [item for item, _ in items]
        counts[eid] = Counter(status for _, status in items)
        counts[NATION] += counts[eid]
    with ObligationItem.batch_write() as batch:
        for items in stored.values():
            for item in items:
                batch.save(item)
    for who, counted in counts.items():
        ObligationCountsItem(
            counter_id(who, 0),
            open=counted[ObligationStatus.OPEN],
            overdue=counted[ObligationStatus.OVERDUE],
            fulfilled=counted[ObligationStatus.FULFILLED],
            fulfilled_late=counted[ObligationStatus.FULFILLED_LATE],
            waived=counted[ObligationStatus.WAIVED],
        ).save()
    return stored


# --- talking to it --------------------------------------------------------------------------


class World:
    """The tables, the export queue and the bucket on moto, the world seeded in them."""

    def __init__(self, client: Any, stored: dict[str, list[Any]], queue: str) -> None:
        self.client = client
        self.stored = stored
        self.queue = queue
        self.sqs = boto3.client("sqs")
        self.s3 = boto3.client("s3")
        self.arn = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    def run_exports(self, context: Any = None) -> int:
        """Deliver what is on the export queue to the export function, as Lambda would; how
        many messages it took."""
        from functions.export import handler

        delivered = 0
        while True:
            received, failed = deliver_batch(
                self.sqs, self.queue, self.arn, _in(handler, context), EXPORT_FUNCTION
            )
            assert failed == 0
            if not received:
                return delivered
            delivered += received

    def file(self, url: str) -> bytes:
        """The object a presigned URL names (in this process, moto answers boto3 only)."""
        address = urlparse(url)
        if ".s3." in address.netloc:  # virtual-hosted: the bucket names the host
            bucket, key = address.netloc.split(".s3.")[0], address.path.lstrip("/")
        else:
            bucket, _, key = address.path.lstrip("/").partition("/")
        body: bytes = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body


def _in(handler: Any, context: Any) -> Any:
    if context is None:
        return handler
    return lambda event, _: handler(event, context)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """Given the two automakers' world on moto, and the API and the export function pointed at
    the template's export queue and bucket."""
    with local_aws() as client, pytest.MonkeyPatch.context() as env:
        clients.forget()  # a new mock needs new clients
        queues = create_queues(boto3.client("sqs"))
        buckets = create_buckets(boto3.client("s3"))
        env.setenv("EXPORT_QUEUE_URL", queues["ExportQueue"])
        env.setenv("EXPORTS_BUCKET", buckets["ExportsBucket"])
        yield World(client, seed(client), queues["ExportQueue"])
        clients.forget()


def ask(auth: str, filter: dict[str, Any] | None = None, fmt: str = "XLSX") -> dict[str, Any]:
    """exportObligations, which must be accepted; the export it answers."""
    result = gql(EXPORT, {"input": {"filter": filter, "format": fmt}}, auth=auth)
    payload = result["data"]["exportObligations"]
    assert payload["userErrors"] == [], payload
    export: dict[str, Any] = payload["export"]
    return export


def poll(auth: str, export_id: str) -> Any:
    return gql(POLL, {"id": export_id}, auth=auth)["data"]["export"]


def exported(world: World, auth: str, filter: dict[str, Any] | None, fmt: str) -> Any:
    """Ask, let the export function run, and poll: the export READY."""
    export = ask(auth, filter, fmt)
    world.run_exports()
    ready = poll(auth, export["id"])
    assert ready["status"] == "READY", ready
    return ready


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a byte-order mark first, for Excel and WPS"
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    assert "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def listed(auth: str, filter: dict[str, Any] | None) -> list[tuple[str, str]]:
    """What `obligations(filter:)` shows, every page of it: (id, status) in order."""
    seen: list[tuple[str, str]] = []
    after = None
    while True:
        result = gql(PAGE, {"filter": filter, "after": after}, auth=auth)
        page = result["data"]["obligations"]
        seen += [(e["node"]["id"], e["node"]["status"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def ids_and_statuses(rows: list[list[str]]) -> list[tuple[str, str]]:
    status = [c.en for c in COLUMNS].index("Status")
    return [(row[0], row[status]) for row in rows[1:]]


def _same_answer(auth: str, export_id: str) -> Any:
    """The whole answer to a poll, but for its cost report (the same calls either way)."""
    status, body = invoke(api_event(POLL, {"id": export_id}, auth=auth))
    assert status == 200
    body.pop("extensions", None)
    return body


# --- another enterprise learns nothing ------------------------------------------------------


def test_another_enterprise_polling_an_export_id_gets_the_answer_of_an_id_never_issued(
    world: World,
) -> None:
    # Given an export of Fuzhou's, written,
    mine = exported(world, FUZHOU_USER, {"status": ["OPEN", "OVERDUE"]}, "XLSX")
    # When Shenzhen polls its id, an id no one issued, and an id that is no export id at all,
    theirs = _same_answer(SHENZHEN_USER, mine["id"])
    never = _same_answer(SHENZHEN_USER, "ex_" + "0" * 24)
    malformed = _same_answer(SHENZHEN_USER, "ob_" + mine["id"][3:])
    # Then each answer is the same null, with no error,
    assert theirs == never == malformed == {"data": {"export": None}}
    # and so is the answer to a regulator, whose exports are its own,
    assert _same_answer(REGULATOR, mine["id"]) == {"data": {"export": None}}
    # while any of Fuzhou's own people or partner systems sees it.
    partner = bearer_header("PARTNER", FUZHOU, scopes=["read"])
    assert poll(FUZHOU_ADMIN, mine["id"])["rowCount"] == poll(partner, mine["id"])["rowCount"] > 0


def test_filtering_for_another_enterprises_obligations_exports_what_a_nonexistent_one_does(
    world: World,
) -> None:
    # Given Fuzhou's vehicles and Fuzhou's obligations,
    fuzhou_vin = next(i.subject_id for i in world.stored[FUZHOU] if i.subject_kind == "vehicle")
    # When Shenzhen exports Fuzhou's list, a list of no enterprise, Fuzhou's vehicle, and a
    # vehicle no one registered,
    files = [
        world.file(exported(world, SHENZHEN_USER, filter, "CSV")["url"])
        for filter in (
            {"enterpriseId": FUZHOU},
            {"enterpriseId": NOBODY},
            {"vin": fuzhou_vin},
            {"vin": vin(99_999)},
        )
    ]
    # Then every file is the same header and nothing else.
    assert len(set(files)) == 1
    assert csv_rows(files[0]) == [[column.title for column in COLUMNS]]


def test_the_same_vehicles_duties_for_its_own_automaker_are_exported(world: World) -> None:
    # Given a vehicle of Fuzhou's with both uploads due,
    duties = [i for i in world.stored[FUZHOU] if i.subject_kind == "vehicle"]
    subject = next(i.subject_id for i in duties if i.rule_id == "SALES_TRACE_UPLOAD")
    # When Fuzhou exports that vehicle's duties, with the VIN as it might be typed,
    ready = exported(world, FUZHOU_USER, {"vin": f" {subject.lower()} "}, "CSV")
    # Then the file lists them, as the list does.
    rows = csv_rows(world.file(ready["url"]))
    assert sorted(r[1] for r in rows[1:]) == ["PRODUCTION_TRACE_UPLOAD", "SALES_TRACE_UPLOAD"]
    assert ids_and_statuses(rows) == listed(FUZHOU_USER, {"vin": subject})


# --- what a file holds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "filter",
    [
        {"status": ["OVERDUE"]},
        {"status": ["OPEN"], "dueOnOrAfter": (TODAY - timedelta(days=20)).isoformat()},
        {
            "dueOnOrAfter": (TODAY - timedelta(days=120)).isoformat(),
            "dueOnOrBefore": (TODAY - timedelta(days=30)).isoformat(),
        },
        {"ruleId": ["SALES_TRACE_UPLOAD"], "status": ["FULFILLED_LATE", "WAIVED"]},
        None,
    ],
    ids=["overdue", "open-due-from", "due-range", "rule-and-closed", "everything"],
)
def test_a_csv_export_holds_exactly_the_callers_list_for_the_filter_in_its_order(
    world: World, filter: dict[str, Any] | None
) -> None:
    # When Fuzhou exports its list as CSV,
    ready = exported(world, FUZHOU_USER, filter, "CSV")
    rows = csv_rows(world.file(ready["url"]))
    # Then the file holds what `obligations` shows with the same filter, row for row, in its
    # order, and the count the export reports,
    shown = listed(FUZHOU_USER, filter)
    assert ids_and_statuses(rows) == shown
    assert ready["rowCount"] == len(shown) > 0
    assert not ready["truncated"]
    # and nothing of Shenzhen's.
    responsible = [c.en for c in COLUMNS].index("Responsible enterprise (USCC)")
    assert {row[responsible] for row in rows[1:]} == {FUZHOU}


def test_a_waived_duty_reads_in_chinese_with_who_waived_it_and_when(world: World) -> None:
    ready = exported(world, FUZHOU_USER, {"status": ["WAIVED"]}, "CSV")
    rows = csv_rows(world.file(ready["url"]))
    columns = [c.en for c in COLUMNS]
    row = dict(zip(columns, rows[1], strict=True))
    assert row["Waiver reason"] == WAIVER
    assert row["Responsible enterprise name"] == "福州新能源汽车有限公司"
    assert row["Rule (Chinese)"]
    assert row["Rule (English)"]
    assert row["Fulfilled or waived by"] in ("li.na@example.cn", "partner-key:erp0mes0key1")
    assert datetime.fromisoformat(row["Fulfilled or waived at (Beijing time)"]).date() <= TODAY


def test_an_xlsx_export_opens_with_its_bilingual_header_dates_as_dates_and_the_same_rows(
    world: World,
) -> None:
    # When Fuzhou exports its closed duties as XLSX (the default format),
    filter = {"status": ["FULFILLED", "FULFILLED_LATE", "WAIVED"]}
    result = gql(EXPORT, {"input": {"filter": filter}}, auth=FUZHOU_USER)
    assert result["data"]["exportObligations"]["export"]["format"] == "XLSX"
    world.run_exports()
    ready = poll(FUZHOU_USER, result["data"]["exportObligations"]["export"]["id"])
    # Then openpyxl reads it: the header in Chinese and English,
    book = openpyxl.load_workbook(io.BytesIO(world.file(ready["url"])), read_only=True)
    sheet = book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header == [column.title for column in COLUMNS]
    assert header[0] == "义务编号 / Obligation ID"
    # the rows of the list, dates as dates and empty cells empty,
    assert [(r[0], r[8]) for r in rows[1:]] == listed(FUZHOU_USER, filter)
    due = [c.en for c in COLUMNS].index("Due date")
    assert all(isinstance(r[due], datetime) for r in rows[1:] if r[due] is not None)
    assert any(r[13] == WAIVER for r in rows[1:])
    assert all(r[13] is None for r in rows[1:] if r[8] != "WAIVED")


def test_a_regulator_exports_the_nation_or_one_enterprise(world: World) -> None:
    # When a regulator exports every waiver in the country, and Shenzhen's overdue duties,
    nation = csv_rows(world.file(exported(world, REGULATOR, {"status": ["WAIVED"]}, "CSV")["url"]))
    one = {"enterpriseId": SHENZHEN, "status": ["OVERDUE"]}
    shenzhen = csv_rows(world.file(exported(world, REGULATOR, one, "CSV")["url"]))
    # Then the first holds both automakers' waivers, the second Shenzhen's list, as the
    # regulator's `obligations` shows them.
    responsible = [c.en for c in COLUMNS].index("Responsible enterprise (USCC)")
    assert {row[responsible] for row in nation[1:]} == {FUZHOU, SHENZHEN}
    assert ids_and_statuses(nation) == listed(REGULATOR, {"status": ["WAIVED"]})
    assert ids_and_statuses(shenzhen) == listed(REGULATOR, one)


# --- its life -------------------------------------------------------------------------------


def test_an_export_is_queued_then_running_then_ready_with_a_fresh_url_at_each_poll(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When Fuzhou asks for an export,
    asked = ask(FUZHOU_USER, {"status": ["OPEN"]}, "CSV")
    # Then it is QUEUED, with nothing to download yet,
    assert asked["status"] == "QUEUED"
    assert asked["url"] is None
    assert asked["rowCount"] is None
    assert poll(FUZHOU_USER, asked["id"])["status"] == "QUEUED"
    # RUNNING while the export function reads its pages,
    seen: list[str] = []
    pages = export_store.obligation_pages

    def watched(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for page in pages(*args, **kwargs):
            seen.append(poll(FUZHOU_USER, asked["id"])["status"])
            yield page

    monkeypatch.setattr(export_store, "obligation_pages", watched)
    world.run_exports()
    assert seen
    assert set(seen) == {"RUNNING"}
    # and READY once written: each poll signs a new URL, valid 15 minutes from that poll.
    first = poll(FUZHOU_USER, asked["id"])
    time.sleep(1.1)  # a signature's time is in seconds
    second = poll(FUZHOU_USER, asked["id"])
    assert first["status"] == second["status"] == "READY"
    assert first["url"] != second["url"]
    expires = datetime.fromisoformat(second["expiresAt"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    written = datetime.fromisoformat(second["finishedAt"])
    assert datetime.fromisoformat(second["availableUntil"]) == written + timedelta(days=7)
    assert world.file(first["url"]) == world.file(second["url"])


def test_a_file_that_is_gone_makes_its_export_expired(world: World) -> None:
    ready = exported(world, FUZHOU_USER, {"status": ["OVERDUE"]}, "CSV")
    # When the bucket's lifecycle rule has deleted the file,
    address = urlparse(ready["url"])
    world.s3.delete_object(Bucket=address.netloc.split(".s3.")[0], Key=address.path.lstrip("/"))
    # Then a poll says so, and signs nothing.
    gone = poll(FUZHOU_USER, ready["id"])
    assert gone["status"] == "EXPIRED"
    assert gone["url"] is None
    assert gone["expiresAt"] is None


def test_a_run_that_fails_is_tried_once_more_then_the_export_fails_with_what_to_do(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a bucket that refuses every upload,
    def refused(*_: Any, **__: Any) -> None:
        raise RuntimeError("S3 said no")

    monkeypatch.setattr(export_store, "_upload", refused)
    monkeypatch.setattr(export_store, "RETRY_SECONDS", 0)
    asked = ask(FUZHOU_USER, {"status": ["WAIVED"]}, "XLSX")
    # When the export function takes its message, Then the run is queued once more,
    assert world.run_exports() == 2
    # and the export is FAILED, saying what to do, with no file.
    failed = poll(FUZHOU_USER, asked["id"])
    assert failed["status"] == "FAILED"
    assert "request the export again" in failed["error"]
    assert failed["url"] is None
    assert failed["rowCount"] is None
    # A late duplicate of its message changes nothing.
    export_store.enqueue(world.queue, FUZHOU, asked["id"])
    world.run_exports()
    assert poll(FUZHOU_USER, asked["id"]) == failed


# --- how much one file holds ----------------------------------------------------------------


def test_a_list_the_counts_say_is_too_long_is_refused_before_anything_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an export of at most 100 rows, and Fuzhou with more closed duties than that,
    monkeypatch.setattr(export_mutations, "MAX_ROWS", 100)
    before = world.client.scan(TableName="nev-local-ExportsTable")["Count"]
    # When Fuzhou asks for them by status alone (which the stored counts answer),
    result = gql(EXPORT, {"input": {"filter": {"status": ["FULFILLED"]}}}, auth=FUZHOU_USER)
    # Then it is told how many there are and to narrow the filter, and nothing is recorded.
    [refusal] = result["data"]["exportObligations"]["userErrors"]
    assert refusal["code"] == "TOO_MANY_ROWS"
    assert refusal["field"] == ["input", "filter"]
    assert "at most 100" in refusal["message"]
    assert result["data"]["exportObligations"]["export"] is None
    assert world.client.scan(TableName="nev-local-ExportsTable")["Count"] == before
    assert world.run_exports() == 0


def test_a_longer_list_whose_size_no_count_says_is_cut_with_a_note(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an export of at most 150 rows, read 64 a page,
    monkeypatch.setattr(export_store, "MAX_ROWS", 150)
    monkeypatch.setattr(export_store, "PAGE_SIZE", 64)
    # When Fuzhou exports a rule's duties (no count says how many),
    filter = {"ruleId": ["PRODUCTION_TRACE_UPLOAD"]}
    ready = exported(world, FUZHOU_USER, filter, "CSV")
    rows = csv_rows(world.file(ready["url"]))
    # Then the file holds the first 150 rows of the list and ends with a note saying why,
    assert ready["truncated"] is True
    assert ready["rowCount"] == 150
    assert ids_and_statuses(rows[:-1]) == listed(FUZHOU_USER, filter)[:150]
    assert rows[-1][0].startswith("已截断")
    assert "narrow the filter" in rows[-1][0]


def test_a_run_short_of_time_ends_its_file_with_a_note_rather_than_be_cut_off(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given pages of 100, and an invocation with less time left than a run keeps in hand,
    monkeypatch.setattr(export_store, "PAGE_SIZE", 100)
    context = function_settings(EXPORT_FUNCTION).context()
    context.deadline = context.deadline - 900 + 60
    ready_id = ask(FUZHOU_USER, None, "XLSX")["id"]
    # When the export function runs it,
    world.run_exports(context)
    # Then the file holds the first page, and says the export ran out of time.
    ready = poll(FUZHOU_USER, ready_id)
    assert ready["status"] == "READY"
    assert ready["truncated"] is True
    assert ready["rowCount"] == 100
    sheet = openpyxl.load_workbook(io.BytesIO(world.file(ready["url"])), read_only=True).active
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert "ran out of time" in last[0]


# --- reads ----------------------------------------------------------------------------------


class Calls:
    """DynamoDB calls by operation, and the items Queries evaluated, on the shared client."""

    def __init__(self) -> None:
        self.operations: Counter[str] = Counter()
        self.evaluated: list[int] = []

    def before(self, model: Any, **_: Any) -> None:
        self.operations[model.name] += 1

    def after(self, model: Any, parsed: Any, **_: Any) -> None:
        if model.name == "Query":
            self.evaluated.append(int(parsed.get("ScannedCount", 0)))


def _measured(world: World, filter: dict[str, Any] | None) -> tuple[Calls, int]:
    export_id = ask(FUZHOU_USER, filter, "CSV")["id"]
    calls = Calls()
    events = ObligationItem._get_connection().connection.client.meta.events
    events.register("before-call.dynamodb", calls.before)
    events.register("after-call.dynamodb", calls.after)
    try:
        world.run_exports()
    finally:
        events.unregister("before-call.dynamodb", calls.before)
        events.unregister("after-call.dynamodb", calls.after)
    return calls, poll(FUZHOU_USER, export_id)["rowCount"]


def test_each_page_reads_a_bounded_number_of_items_and_never_scans(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given pages of 100,
    page = 100
    monkeypatch.setattr(export_store, "PAGE_SIZE", page)
    # When Fuzhou exports its whole list (its five statuses, each read as its own list and
    # merged), and a rule's duties (a filter no key answers),
    for filter, most in ((None, page + 2), ({"ruleId": ["SALES_TRACE_UPLOAD"]}, PAGE_BUDGET)):
        calls, rows = _measured(world, filter)
        # Then nothing is scanned, and every Query reads at most a page's bound,
        assert "Scan" not in calls.operations
        assert max(calls.evaluated) <= most
        # a page of a status at most two Queries (its stored bucket, and the other open one
        # where the clock moves duties between them),
        assert calls.operations["Query"] <= 2 * (rows // page + 5)
        # each obligation read about once, not once for each status the list merges,
        if filter is None:
            assert sum(calls.evaluated) <= 2 * rows
        # the enterprise's name once, the record once, and two updates (running, then ready).
        assert calls.operations["BatchGetItem"] == 1
        assert calls.operations["GetItem"] == 1
        assert calls.operations["UpdateItem"] == 2


def test_another_enterprise_growing_changes_nothing_an_export_reads(world: World) -> None:
    # Given the calls and items of Fuzhou's export of its overdue duties,
    filter = {"status": ["OVERDUE"]}
    before, rows = _measured(world, filter)
    # When Shenzhen's list grows to four times its size,
    grown = [_stored(d, n)[0] for n, d in enumerate(_duties(SHENZHEN, 20_000) * 3)]
    with ObligationItem.batch_write() as batch:
        for n, item in enumerate(grown):
            item.id = f"ob_{n:024x}"
            item.due_key = item.due_key.split("#")[0] + f"#{item.id}"
            item.status_key = item.status_key.rsplit("#", 1)[0] + f"#{item.id}"
            batch.save(item)
    after, rows_after = _measured(world, filter)
    # Then the same export makes the same calls and reads the same items.
    assert rows_after == rows
    assert after.operations == before.operations
    assert sorted(after.evaluated) == sorted(before.evaluated)


# --- who may, and retries -------------------------------------------------------------------


def test_a_partner_system_with_read_may_export_and_one_without_it_may_not(world: World) -> None:
    reader = bearer_header("PARTNER", FUZHOU, scopes=["read"])
    writer = bearer_header("PARTNER", FUZHOU, scopes=["events:write"])
    assert ask(reader, {"status": ["OPEN"]}, "CSV")["status"] == "QUEUED"
    refused = gql(EXPORT, {"input": {"format": "CSV"}}, auth=writer)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "'read' scope" in refused["errors"][0]["message"]
    world.run_exports()


def test_a_bad_filter_is_a_user_error_and_nothing_is_queued(world: World) -> None:
    result = gql(
        EXPORT,
        {"input": {"filter": {"vin": vin(1), "modelCode": "FZ7000BEV"}}},
        auth=FUZHOU_USER,
    )
    [refusal] = result["data"]["exportObligations"]["userErrors"]
    assert (refusal["code"], refusal["field"]) == ("INVALID_FILTER", ["input", "filter"])
    assert world.run_exports() == 0


def test_a_request_sent_again_with_its_idempotency_key_answers_the_same_export(
    world: World,
) -> None:
    replay._persistence.cache_clear()  # a new mock needs a new client
    partner = bearer_header("PARTNER", FUZHOU, scopes=["read"])

    def send() -> tuple[int, Any]:
        event = api_event(EXPORT, {"input": {"filter": {"status": ["WAIVED"]}}}, auth=partner)
        event["headers"]["idempotency-key"] = "7d0c52c4-export-waivers-0001"
        return invoke(event)

    first = send()
    # When the partner's request times out and is sent again, twice,
    again = [send(), send()]
    # Then each answer is the first, and the export was queued once.
    assert all(answer == first for answer in again)
    assert world.run_exports() == 1
    replay._persistence.cache_clear()


# --- the local stack ------------------------------------------------------------------------


def test_on_the_local_stack_the_url_downloads_the_file_from_this_machine() -> None:
    """Given moto as the local stack runs it (a server on loopback) with the template's tables,
    queues and bucket, and the export queue's poller delivering to the export function."""
    aws = start_aws()
    try:
        share_one_connection()
        clients.forget()
        create_tables(boto3.client("dynamodb"))
        queues = create_queues(boto3.client("sqs"))
        buckets = create_buckets(boto3.client("s3"))
        with pytest.MonkeyPatch.context() as env:
            env.setenv("EXPORT_QUEUE_URL", queues["ExportQueue"])
            env.setenv("EXPORTS_BUCKET", buckets["ExportsBucket"])
            _download_from_the_stack(queues["ExportQueue"])
    finally:
        aws.stop()
        # Back to the module's moto in this process: clients made for the server's address
        # would outlive it.
        share_one_connection()
        clients.forget()


def _download_from_the_stack(queue: str) -> None:
    from functions.export import handler

    with ObligationItem.batch_write() as batch:
        for n, duty in enumerate(_duties(FUZHOU, 0)[:300]):
            batch.save(_stored(duty, n)[0])
    poller = ReminderQueuePoller(boto3.client("sqs"), queue, handler, EXPORT_FUNCTION, "exports")
    poller.start()
    try:
        # When Fuzhou asks for an export, and polls until it is READY,
        asked = ask(FUZHOU_USER, {"status": ["OPEN", "OVERDUE"]}, "CSV")
        ready = _until_ready(asked["id"])
    finally:
        poller.stop()
    # Then its URL is moto's address on this machine, and downloads the file as stored.
    assert urlparse(ready["url"]).hostname == "127.0.0.1"
    with urllib.request.urlopen(ready["url"], timeout=10) as response:
        downloaded = response.read()
        disposition = response.headers["Content-Disposition"]
    stored = (
        boto3.client("s3")
        .get_object(
            Bucket=urlparse(ready["url"]).path.split("/")[1], Key=f"exports/{ready['id']}.csv"
        )["Body"]
        .read()
    )
    assert downloaded == stored
    assert ids_and_statuses(csv_rows(downloaded)) == listed(
        FUZHOU_USER, {"status": ["OPEN", "OVERDUE"]}
    )
    # Named for the day it was asked for (China time); midnight may have passed since TODAY.
    days = {TODAY, datetime.now(CHINA_TZ).date()}
    names = {f'filename="obligations-{day.isoformat()}-{ready["id"]}.csv"' for day in days}
    assert any(name in disposition for name in names), disposition


def _until_ready(export_id: str) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = poll(FUZHOU_USER, export_id)
        if found["status"] == "READY":
            return found
        time.sleep(0.2)
    raise AssertionError(f"export {export_id} was not ready in 30 s: {found}")


def test_an_export_the_queue_cannot_take_is_refused_as_unavailable_and_recorded_failed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an export queue that is not there,
    gone = world.queue.rsplit("/", 1)[0] + "/nev-local-NoSuchQueue"
    monkeypatch.setenv("EXPORT_QUEUE_URL", gone)
    before = world.client.scan(TableName="nev-local-ExportsTable")["Items"]
    # When Fuzhou asks for an export,
    result = gql(EXPORT, {"input": {"format": "CSV"}}, auth=FUZHOU_USER)
    # Then it is told to retry (an answer an Idempotency-Key does not keep),
    [error] = result["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "could not be queued" in error["message"]
    # and the one record it left says it failed, so that nothing waits for it.
    after = world.client.scan(TableName="nev-local-ExportsTable")["Items"]
    [left] = [item for item in after if item not in before]
    assert left["status"]["S"] == "FAILED"
