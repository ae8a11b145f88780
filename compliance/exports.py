"""Exports of the obligations list as files: what an export is (its format, its status, how many
rows it may hold and how long its file is kept), the file's columns under a bilingual header
(中文 / English), and the writers that stream rows into a CSV or XLSX file on disk, a row at a
time, so that memory stays flat however many rows a file holds.

Pure: nothing here reads storage or talks to AWS. compliance/store/exports.py reads the pages
(the same ones `obligations(filter:)` reads), runs the writers and keeps records and files.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Protocol

from msgspec import Struct

from compliance.calendar import CHINA_TZ
from compliance.obligations import ObligationRecord
from compliance.rule_timeline import RuleSetTimeline
from compliance.rules import ObligationStatus, status_on


class ExportFormat(StrEnum):
    CSV = "CSV"  # UTF-8 with a byte-order mark, CRLF: Excel and WPS open the Chinese intact
    XLSX = "XLSX"


class ExportStatus(StrEnum):
    QUEUED = "QUEUED"  # recorded and on the export queue
    RUNNING = "RUNNING"  # an export function is writing it
    READY = "READY"  # the file is written; a poll answers a download URL
    FAILED = "FAILED"  # it could not be written (`error` says what to do)
    EXPIRED = "EXPIRED"  # it was written, and its file is gone (FILE_DAYS after)


# Rows one file holds at most: below XLSX's 1,048,576 rows a sheet (with the header and the
# note), and about 5 minutes of the export function's time (docs/BENCHMARKS.md, "Export").
# Larger lists are refused up front when their size is known from the stored counts, else cut
# at this many rows with a note at the end of the file.
MAX_ROWS = 1_000_000
# How long a file is kept: the bucket's lifecycle rule deletes it after this many days.
FILE_DAYS = 7
# How long a download URL works; every poll of a READY export signs a new one.
URL_SECONDS = 900

TRUNCATED_NOTE = (
    "已截断：只包含前 {rows:,} 行，导出最多 {rows:,} 行，请缩小筛选范围。 / "
    "Truncated: only the first {rows:,} rows (an export holds at most {rows:,}); narrow the filter."
)
OUT_OF_TIME_NOTE = (
    "已截断：导出超出时限，只包含前 {rows:,} 行，请缩小筛选范围。 / "
    "Truncated: the export ran out of time after {rows:,} rows; narrow the filter."
)


class Column(Struct, frozen=True):
    zh: str
    en: str
    width: int  # characters, for XLSX

    @property
    def title(self) -> str:
        return f"{self.zh} / {self.en}"


COLUMNS: tuple[Column, ...] = (
    Column("义务编号", "Obligation ID", 24),
    Column("规则编号", "Rule ID", 28),
    Column("规则名称", "Rule (Chinese)", 30),
    Column("规则名称（英文）", "Rule (English)", 40),
    Column("对象类型", "Subject kind", 14),
    Column("对象（VIN、电池编码、车型或地区）", "Subject (VIN, battery code, model or region)", 28),
    Column("触发日期", "Trigger date", 12),
    Column("截止日期", "Due date", 12),
    Column("状态", "Status", 16),
    Column("责任企业代码", "Responsible enterprise (USCC)", 22),
    Column("责任企业名称", "Responsible enterprise name", 30),
    Column("履行日期", "Fulfilled on", 12),
    Column("平台回执", "Platform receipt", 20),
    Column("豁免理由", "Waiver reason", 30),
    Column("完成时间（北京时间）", "Fulfilled or waived at (Beijing time)", 20),
    Column("完成人", "Fulfilled or waived by", 24),
)

Cell = str | date | datetime | None  # a datetime is China time, without its zone


def status_today(record: ObligationRecord, today: date) -> ObligationStatus:
    """The status `obligations` shows on `today`: a waiver stands; else the clock decides."""
    if record.stored_status is ObligationStatus.WAIVED:
        return ObligationStatus.WAIVED
    return status_on(record.obligation.deadline, today, fulfilled_on=record.fulfilled_on)


def cells(
    record: ObligationRecord, *, today: date, rules: RuleSetTimeline, names: Mapping[str, str]
) -> list[Cell]:
    """One obligation's row, in COLUMNS' order. `names` maps enterprise ids to their names."""
    duty = record.obligation
    rule = rules.rule(duty.rule_set_id, duty.rule_id)
    closed_at = (
        record.closed_at.astimezone(CHINA_TZ).replace(tzinfo=None) if record.closed_at else None
    )
    return [
        duty.id,
        duty.rule_id,
        rule.name_zh if rule else None,
        rule.name_en if rule else None,
        duty.subject_kind.name,
        duty.subject_id,
        duty.trigger_date,
        duty.deadline.due_date if duty.deadline else None,
        status_today(record, today).value,
        duty.responsible_enterprise,
        names.get(duty.responsible_enterprise),
        record.fulfilled_on,
        record.platform_receipt,
        record.waived_reason,
        closed_at,
        record.closed_by,
    ]


class Sheet(Protocol):
    """A file being written: the header first, then rows, a note, and close."""

    def row(self, values: Sequence[Cell]) -> None: ...

    def note(self, text: str) -> None: ...

    def close(self) -> None: ...


# A text starting with one of these is a formula to a spreadsheet (CSV injection): it is kept as
# text by a leading apostrophe, which Excel and WPS hide.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return "'" + value if value.startswith(_FORMULA_START) else value


class CsvSheet:
    """UTF-8 with a byte-order mark and CRLF line ends, every text guarded against formulas."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file, lineterminator="\r\n")
        self._writer.writerow([column.title for column in COLUMNS])

    def row(self, values: Sequence[Cell]) -> None:
        self._writer.writerow([_text(value) for value in values])

    def note(self, text: str) -> None:
        self._writer.writerow([text])

    def close(self) -> None:
        self._file.close()


class XlsxSheet:
    """One worksheet written by XlsxWriter in constant-memory mode: each row goes to a temporary
    file beside `path` as it is written, and the workbook is zipped at close. Texts stay texts
    (never formulas, numbers or links); dates and times are real dates, so Excel sorts and
    filters them as dates."""

    def __init__(self, path: Path) -> None:
        # Imported here: the API, which never writes a file, does not load it at cold start.
        import xlsxwriter

        self._book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "tmpdir": str(path.parent),
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                # A sheet holds at most 65,530 links; a text is never one here.
                "strings_to_urls": False,
            },
        )
        self._sheet = self._book.add_worksheet("Obligations 义务")
        self._date = self._book.add_format({"num_format": "yyyy-mm-dd"})
        self._time = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._note = self._book.add_format({"italic": True, "font_color": "#9C0006"})
        for n, column in enumerate(COLUMNS):
            self._sheet.set_column(n, n, column.width)
        self._sheet.freeze_panes(1, 0)
        bold = self._book.add_format({"bold": True})
        for n, column in enumerate(COLUMNS):
            self._sheet.write_string(0, n, column.title, bold)
        self._next = 1

    def row(self, values: Sequence[Cell]) -> None:
        sheet, at = self._sheet, self._next
        for n, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(at, n, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(at, n, value, self._time)
            else:
                sheet.write_datetime(at, n, value, self._date)
        self._next += 1

    def note(self, text: str) -> None:
        self._sheet.write_string(self._next, 0, text, self._note)
        self._next += 1

    def close(self) -> None:
        self._sheet.autofilter(0, 0, max(self._next - 1, 1), len(COLUMNS) - 1)
        self._book.close()


def open_sheet(path: Path, export_format: ExportFormat) -> Sheet:
    return CsvSheet(path) if export_format is ExportFormat.CSV else XlsxSheet(path)


def file_name(export_id: str, export_format: ExportFormat, today: date) -> str:
    """What a download is saved as: ASCII, so that it needs no encoding in a header."""
    return f"obligations-{today.isoformat()}-{export_id}.{export_format.value.lower()}"


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Written(Struct, frozen=True):
    rows: int  # obligations written (the header and a note not counted)
    truncated: bool  # the list holds more than the file: its last line says why


class Page(Struct, frozen=True):
    """A page of rows in list order, and whether the list goes on after it."""

    rows: list[list[Cell]]
    more: bool


def write_rows(
    sheet: Sheet, pages: Iterable[Page], *, max_rows: int, out_of_time: Callable[[], bool]
) -> Written:
    """Every row of `pages` into `sheet`, up to `max_rows`; a list that goes on past them, or
    past the time `out_of_time` says is left, ends with a note saying so. The sheet is closed."""
    written = 0
    note = None
    for page in pages:
        for values in page.rows:
            if written == max_rows:
                note = TRUNCATED_NOTE.format(rows=max_rows)
                break
            sheet.row(values)
            written += 1
        if note is not None or not page.more:
            break
        if out_of_time():
            note = OUT_OF_TIME_NOTE.format(rows=written)
            break
    if note is not None:
        sheet.note(note)
    sheet.close()
    return Written(rows=written, truncated=note is not None)
