"""An export's file (compliance/exports.py): its bilingual header, its rows as the list shows
them, texts that stay texts in a spreadsheet, and where it stops (the row cap, the time limit),
each said on its last line."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from msgspec.structs import replace

from compliance.calendar import Deadline
from compliance.exports import (
    COLUMNS,
    Cell,
    CsvSheet,
    ExportFormat,
    Page,
    Written,
    cells,
    file_name,
    open_sheet,
    status_today,
    write_rows,
)
from compliance.lifecycle import EventKind
from compliance.obligations import ObligationRecord
from compliance.rule_timeline import configured_rules
from compliance.rules import Obligation, ObligationStatus, Period, SubjectKind

RULES = configured_rules({})
TODAY = date(2026, 10, 16)
FUZHOU = "91350100M000100Y43"


def _record(
    due: date | None,
    stored: ObligationStatus = ObligationStatus.OPEN,
    *,
    fulfilled_on: date | None = None,
    **closed: Any,
) -> ObligationRecord:
    duty = Obligation(
        id="ob_0123456789abcdef01234567",
        rule_id="SALES_TRACE_UPLOAD",
        rule_set_id="CN-MIIT-2023-DRAFT",
        rule_set_version="2023-12-15.1",
        responsible_enterprise=FUZHOU,
        responsible_role="AUTOMAKER",
        subject_kind=SubjectKind.VEHICLE,
        subject_id="LGXCE4CB1P0000001",
        trigger_event_id="ev_1",
        trigger_kind=EventKind.VEHICLE_REGISTERED,
        trigger_date=date(2026, 9, 24),
        period=Period.parse("10WD"),
        deadline=Deadline(due, provisional=False, calendar_version=1) if due else None,
        vin="LGXCE4CB1P0000001",
    )
    now = datetime(2026, 9, 24, tzinfo=UTC)
    return ObligationRecord(
        obligation=duty,
        stored_status=stored,
        fulfilled_on=fulfilled_on,
        platform_receipt=closed.get("receipt"),
        waived_reason=closed.get("reason"),
        reschedules=(),
        created_at=now,
        updated_at=now,
        version=1,
        closed_by=closed.get("by"),
        closed_at=closed.get("at"),
    )


def _row(record: ObligationRecord) -> dict[str, Any]:
    values = cells(record, today=TODAY, rules=RULES, names={FUZHOU: "福州新能源汽车有限公司"})
    return dict(zip([c.en for c in COLUMNS], values, strict=True))


def test_every_column_is_titled_in_chinese_then_english() -> None:
    for column in COLUMNS:
        zh, en = column.title.split(" / ")
        assert zh == column.zh
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
        assert en == column.en
        assert en.isascii()


@pytest.mark.parametrize(
    ("stored", "fulfilled_on", "shown"),
    [
        (ObligationStatus.OPEN, None, ObligationStatus.OVERDUE),  # past due, the sweep not yet
        (ObligationStatus.OVERDUE, None, ObligationStatus.OVERDUE),
        (ObligationStatus.FULFILLED, date(2026, 10, 13), ObligationStatus.FULFILLED_LATE),
        (ObligationStatus.FULFILLED, date(2026, 10, 9), ObligationStatus.FULFILLED),
        (ObligationStatus.WAIVED, None, ObligationStatus.WAIVED),
    ],
)
def test_a_rows_status_is_the_one_the_list_shows_today(
    stored: ObligationStatus, fulfilled_on: date | None, shown: ObligationStatus
) -> None:
    record = _record(date(2026, 10, 12), stored, fulfilled_on=fulfilled_on)
    assert status_today(record, TODAY) is shown
    assert _row(record)["Status"] == shown.value


def test_a_row_names_the_rule_in_both_languages_and_the_closing_in_beijing_time() -> None:
    closed_at = datetime(2026, 10, 9, 16, 30, tzinfo=UTC)  # 00:30 the next day in Beijing
    row = _row(
        _record(
            date(2026, 10, 12),
            ObligationStatus.FULFILLED,
            fulfilled_on=date(2026, 10, 9),
            receipt="TR-001",
            by="partner-key:erp0mes0key1",
            at=closed_at,
        )
    )
    assert row["Rule (Chinese)"] == "上传销售溯源信息"
    assert row["Rule (English)"]
    assert row["Subject kind"] == "VEHICLE"
    assert row["Responsible enterprise name"] == "福州新能源汽车有限公司"
    assert row["Fulfilled or waived at (Beijing time)"].isoformat() == "2026-10-10T00:30:00"
    assert row["Fulfilled or waived by"] == "partner-key:erp0mes0key1"
    assert row["Platform receipt"] == "TR-001"


def test_a_standing_duty_has_no_due_date_and_an_unknown_rule_no_name() -> None:
    record = _record(None)
    unknown = replace(record, obligation=replace(record.obligation, rule_id="NOT_A_RULE"))
    row = _row(unknown)
    assert row["Due date"] is None
    assert row["Rule (Chinese)"] is None
    assert row["Rule (English)"] is None
    assert row["Status"] == "OPEN"


def _pages(rows: int, per_page: int) -> list[Page]:
    values: list[list[Cell]] = [
        [f"ob_{n:024d}", *([None] * (len(COLUMNS) - 1))] for n in range(rows)
    ]
    chunks = [values[start : start + per_page] for start in range(0, rows, per_page)] or [[]]
    return [Page(rows=chunk, more=n < len(chunks) - 1) for n, chunk in enumerate(chunks)]


def _csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_list_within_the_cap_is_written_whole_without_a_note(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    written = write_rows(CsvSheet(path), _pages(25, 10), max_rows=25, out_of_time=lambda: False)
    assert written == Written(rows=25, truncated=False)
    rows = _csv(path)
    assert len(rows) == 26
    assert rows[-1][0] == f"ob_{24:024d}"


def test_a_list_longer_than_the_cap_ends_with_a_note_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    written = write_rows(CsvSheet(path), _pages(26, 10), max_rows=25, out_of_time=lambda: False)
    assert written == Written(rows=25, truncated=True)
    note = _csv(path)[-1]
    assert note[0].startswith("已截断")
    assert "only the first 25 rows" in note[0]


def test_out_of_time_the_file_ends_after_the_page_in_hand(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    pages = iter(_pages(100, 10))
    written = write_rows(CsvSheet(path), pages, max_rows=1000, out_of_time=lambda: True)
    assert written == Written(rows=10, truncated=True)
    assert "ran out of time after 10 rows" in _csv(path)[-1][0]
    assert len(list(pages)) == 9, "no page is read after the time is up"


def test_an_empty_list_is_its_header_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    assert write_rows(CsvSheet(path), _pages(0, 10), max_rows=5, out_of_time=lambda: True) == (
        Written(rows=0, truncated=False)
    )
    assert _csv(path) == [[c.title for c in COLUMNS]]


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)"])
def test_a_text_a_spreadsheet_would_run_stays_text(tmp_path: Path, text: str) -> None:
    # Given a waiver reason written as a formula,
    values: list[Any] = [None] * len(COLUMNS)
    values[0] = text
    csv_path, xlsx_path = tmp_path / "a.csv", tmp_path / "a.xlsx"
    for path, export_format in ((csv_path, ExportFormat.CSV), (xlsx_path, ExportFormat.XLSX)):
        sheet = open_sheet(path, export_format)
        sheet.row(values)
        sheet.close()
    # Then the CSV keeps it as text behind an apostrophe, and the XLSX as a text cell.
    assert _csv(csv_path)[1][0] == "'" + text
    cell = openpyxl.load_workbook(xlsx_path).active.cell(row=2, column=1)
    assert cell.value == text
    assert cell.data_type == "s"


def test_an_xlsx_file_holds_dates_as_dates_and_its_header_frozen_and_filtered(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.xlsx"
    record = _record(date(2026, 10, 12))
    sheet = open_sheet(path, ExportFormat.XLSX)
    write_rows(
        sheet,
        [Page(rows=[cells(record, today=TODAY, rules=RULES, names={})], more=False)],
        max_rows=10,
        out_of_time=lambda: False,
    )
    book = openpyxl.load_workbook(path)
    ws = book.active
    assert [c.value for c in ws[1]] == [c.title for c in COLUMNS]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref is not None
    assert ws.auto_filter.ref.startswith("A1:")
    due = [c.en for c in COLUMNS].index("Due date") + 1
    assert ws.cell(row=2, column=due).value.isoformat() == "2026-10-12T00:00:00"
    assert ws.cell(row=2, column=due).number_format == "yyyy-mm-dd"


def test_a_files_name_is_ascii_and_says_its_day_and_export() -> None:
    name = file_name("ex_0123456789abcdef01234567", ExportFormat.XLSX, TODAY)
    assert name == "obligations-2026-10-16-ex_0123456789abcdef01234567.xlsx"
    assert name.isascii()
