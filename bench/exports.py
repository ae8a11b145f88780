"""Benchmark of an obligations export: the export function's run end to end on moto in this
process (reading the list page by page, writing the file, uploading it to S3), and the file
writers alone, without DynamoDB.

Owns the figures in docs/BENCHMARKS.md ("Export"). Run with ``python -m bench.exports``
(about 10 minutes, mostly moto's; ``--rows`` changes the sizes of the end-to-end runs).

1. End to end: one enterprise with N obligations (every status, dated over two years, a few
   standing ones), its whole list exported as CSV and as XLSX through
   ``compliance.store.exports.produce``, the function's own code path. Wall time, CPU, and the
   CPU moto spent answering (``bench.moto_clock``): the rest ("own") is what a Lambda would
   spend (the product's code, PynamoDB, botocore, the writer, the upload's client side).
2. The writers alone: rows made by ``compliance.exports.cells`` from records in memory,
   written to a CSV and to an XLSX file: rows per second, the file's size, the disk the XLSX
   writer's buffer takes before it is zipped, and the peak of Python's heap (tracemalloc, in a
   separate run, since tracing slows everything) at two sizes, to show it does not grow with
   the rows.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from msgspec.structs import replace

from bench.moto_clock import MotoClock
from compliance.calendar import Deadline
from compliance.exports import ExportFormat, Page, cells, open_sheet, write_rows
from compliance.lifecycle import EventKind
from compliance.obligations import ObligationRecord, new_record
from compliance.rule_timeline import configured_rules
from compliance.rules import Obligation, ObligationStatus, Period, SubjectKind

ENTERPRISE = "91350100M000100Y43"
NAME = "福州新能源汽车有限公司"
TODAY = date(2026, 10, 12)
RULES = configured_rules({})
WRITER_ROWS = (50_000, 200_000)
STATUSES = (
    ObligationStatus.OPEN,
    ObligationStatus.OVERDUE,
    ObligationStatus.FULFILLED,
    ObligationStatus.FULFILLED_LATE,
    ObligationStatus.WAIVED,
)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def obligation(n: int) -> ObligationRecord:
    """The n-th of the enterprise's obligations: a vehicle's upload (1 in 50 a standing duty of
    a prefecture), due over two years, in every status by turns."""
    oid = "ob_" + hashlib.sha256(f"export\x1f{n}".encode()).hexdigest()[:24]
    standing = n % 50 == 0
    due = TODAY - timedelta(days=365 - n % 730)
    subject = "350100" if standing else f"LGXCE4CB0P{n % 10_000_000:07d}"
    duty = Obligation(
        id=oid,
        rule_id="COLLECTION_POINT_COVERAGE" if standing else "SALES_TRACE_UPLOAD",
        rule_set_id="CN-MIIT-2023-DRAFT",
        rule_set_version="2023-12-15.1",
        responsible_enterprise=ENTERPRISE,
        responsible_role="AUTOMAKER",
        subject_kind=SubjectKind.PREFECTURE if standing else SubjectKind.VEHICLE,
        subject_id=subject,
        trigger_event_id="ev_" + oid[3:],
        trigger_kind=EventKind.VEHICLE_REGISTERED,
        trigger_date=due - timedelta(days=14),
        period=Period.parse("STANDING" if standing else "10WD"),
        deadline=None if standing else Deadline(due, False, 1),
        vin=None if standing else subject,
    )
    record = new_record(duty, datetime(2025, 1, 1, tzinfo=UTC))
    status = STATUSES[n % 5]
    if status in (ObligationStatus.FULFILLED, ObligationStatus.FULFILLED_LATE):
        late = status is ObligationStatus.FULFILLED_LATE
        on = due + timedelta(days=3) if late else due - timedelta(days=2)
        closed = datetime.combine(on, datetime.min.time(), tzinfo=UTC)
        return _with(record, status, fulfilled_on=on, platform_receipt=f"TR{n:09d}", at=closed)
    if status is ObligationStatus.WAIVED:
        reason = "该车辆为出口车型，未在境内销售。"
        return _with(record, status, waived_reason=reason, at=datetime(2025, 6, 1, tzinfo=UTC))
    return _with(record, status)


def _with(
    record: ObligationRecord, status: ObligationStatus, *, at: Any = None, **f: Any
) -> ObligationRecord:
    by = "li.na@example.cn" if at else None
    closed: ObligationRecord = replace(
        record, stored_status=status, closed_at=at, closed_by=by, **f
    )
    return closed


# --- 1. end to end on moto ----------------------------------------------------------------------


def _seed(first: int, stop: int) -> None:
    """Obligations `first` to `stop` (excluded), stored as the API stores them."""
    from compliance.store.models import ObligationItem
    from compliance.store.records import obligation_item, open_partition, status_key

    with ObligationItem.batch_write() as batch:
        for n in range(first, stop):
            record = obligation(n)
            duty = record.obligation
            item = obligation_item(duty, record.created_at, TODAY)
            due = duty.deadline.due_date if duty.deadline else None
            item.status = record.stored_status.value
            item.status_key = status_key(record.stored_status, due, duty.id)
            item.open_partition = open_partition(record.stored_status, duty.id)
            item.fulfilled_on = record.fulfilled_on.isoformat() if record.fulfilled_on else None
            item.platform_receipt = record.platform_receipt
            item.waived_reason = record.waived_reason
            item.closed_by, item.closed_at = record.closed_by, record.closed_at
            batch.save(item)


def _export(export_format: ExportFormat, queue: str, bucket: str) -> dict[str, Any]:
    from compliance.store import exports, reads

    query = exports.ExportQuery(
        scope=reads.ObligationScope(responsible=ENTERPRISE),
        where=reads.ObligationFilter(),
        today=TODAY,
    )
    now = datetime.now(UTC)
    record = exports.start(ENTERPRISE, query, export_format, by="bench", now=now, queue_url=queue)
    moto = MotoClock()
    gc.collect()
    gc.freeze()
    with moto.patch:
        wall, cpu = time.perf_counter(), time.process_time()
        produced = exports.produce(
            exports.Task(owner=ENTERPRISE, id=record.id),
            bucket=bucket,
            queue_url=queue,
            rules=RULES,
            clock=lambda: datetime.now(UTC),
            out_of_time=lambda: False,
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    gc.unfreeze()
    assert produced.outcome == "written", produced
    return {
        "rows": produced.rows,
        "wall": wall,
        "cpu": cpu,
        "moto": moto.seconds,
        "own": cpu - moto.seconds,
        "pages": produced.pages,
        "queries": produced.queries,
        "evaluated": produced.evaluated,
        "bytes": produced.bytes,
    }


def end_to_end(sizes: list[int]) -> list[tuple[int, str, dict[str, Any]]]:
    import boto3

    from compliance.store.models import EnterpriseItem, ObligationItem
    from local.aws import local_aws
    from local.buckets import create_buckets
    from local.queues import create_queues

    results = []
    with local_aws():
        queue = create_queues(boto3.client("sqs"))["ExportQueue"]
        bucket = create_buckets(boto3.client("s3"))["ExportsBucket"]
        EnterpriseItem(
            pk=ENTERPRISE, name=NAME, kinds={"AUTOMAKER"}, created_at=datetime.now(UTC)
        ).save()
        seeded = 0
        for rows in sizes:
            _say(f"seeding obligations {seeded:,} to {rows:,}")
            _seed(seeded, rows)
            seeded = rows
            assert ObligationItem.by_responsible_status.count(ENTERPRISE) == rows
            for export_format in (ExportFormat.CSV, ExportFormat.XLSX):
                _say(f"exporting {rows:,} as {export_format.value}")
                results.append((rows, export_format.value, _export(export_format, queue, bucket)))
    return results


# --- 2. the writers alone -----------------------------------------------------------------------


def _pages(rows: int, per_page: int = 1000) -> Iterator[Page]:
    names = {ENTERPRISE: NAME}
    for start in range(0, rows, per_page):
        records = [obligation(n) for n in range(start, min(rows, start + per_page))]
        values = [cells(r, today=TODAY, rules=RULES, names=names) for r in records]
        yield Page(rows=values, more=start + per_page < rows)


def _records_only(rows: int) -> float:
    """Seconds to make the records and their rows alone (what the writer runs subtract)."""
    started = time.process_time()
    for _ in _pages(rows):
        pass
    return time.process_time() - started


def _buffer_bytes(directory: Path) -> int:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


def writer(export_format: ExportFormat, rows: int, *, traced: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        path = Path(folder) / f"bench.{export_format.value.lower()}"
        sheet = open_sheet(path, export_format)
        buffered = 0

        def out_of_time() -> bool:
            nonlocal buffered
            buffered = max(buffered, _buffer_bytes(Path(folder)))
            return False

        if traced:
            tracemalloc.start()
        started = time.process_time()
        write_rows(sheet, _pages(rows), max_rows=rows, out_of_time=out_of_time)
        cpu = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
        return {"cpu": cpu, "bytes": path.stat().st_size, "buffer": buffered, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 100_000])
    sizes = sorted(parser.parse_args().rows)
    # moto in this process, with dummy credentials; set before the store reads its settings.
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
    ):
        os.environ.pop(name, None)
    os.environ.update(dict.fromkeys(("AWS_DEFAULT_REGION", "AWS_REGION"), "ap-southeast-1"))
    os.environ.update(dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), "testing"))
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.processor()}")
    print("CPU: process_time; own = CPU outside moto's handling of the requests.\n")
    print("1. the export function's run, end to end on moto (the whole list, pages of 1,000)")
    for rows, name, r in end_to_end(sizes):
        print(
            f"  {rows:>9,} rows {name:<4}: wall {r['wall']:6.1f} s, CPU {r['cpu']:6.1f} s "
            f"(moto {r['moto']:5.1f}, own {r['own']:5.1f}); own {r['rows'] / r['own']:7,.0f} "
            f"rows/s; {r['pages']:,} pages, {r['queries']:,} Queries, "
            f"{r['evaluated']:,} items read ({r['evaluated'] / r['rows']:.1f} a row); "
            f"file {r['bytes'] / 1e6:.1f} MB"
        )
    print("\n2. the writers alone (rows made from records in memory, no DynamoDB)")
    for rows in WRITER_ROWS:
        making = _records_only(rows)
        for export_format in (ExportFormat.CSV, ExportFormat.XLSX):
            _say(f"writing {rows:,} as {export_format.value}")
            r = writer(export_format, rows, traced=False)
            traced = writer(export_format, rows, traced=True)
            writing = r["cpu"] - making
            print(
                f"  {rows:>9,} rows {export_format.value:<4}: {r['cpu']:5.1f} s with the "
                f"rows made ({rows / r['cpu']:7,.0f} rows/s), writing alone {writing:5.1f} s "
                f"({rows / writing:7,.0f} rows/s); file {r['bytes'] / 1e6:6.1f} MB, "
                f"buffer on disk {r['buffer'] / 1e6:6.1f} MB; heap peak "
                f"{traced['peak'] / 1e6:5.1f} MB"
            )


if __name__ == "__main__":
    main()
