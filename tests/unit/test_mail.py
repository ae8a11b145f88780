"""The reminder digest email (compliance.mail): subject, summary, cards, attachment, both
languages, sizes, escaping, and snapshots of whole emails.

The snapshots in tests/unit/snapshots/ are the exact text and HTML parts and the attached CSV of
a 3-item day (zh-CN and en) and a 60-item day, and of a 36,000-item day the text and HTML parts
with the CSV's first lines and row count. After an intended change of wording or layout,
rewrite them and review the diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_mail.py

A missing snapshot fails its test with the same instruction.
"""

from __future__ import annotations

import csv
import email as email_module
import email.policy as email_policy
import html
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace

from compliance.calendar import default_calendar
from compliance.delivery import mime_message
from compliance.mail import (
    DIGEST_CARDS_MAX,
    HTML_MAX_BYTES,
    TEXT_WIDTH,
    Digest,
    DigestItem,
    RenderedEmail,
    render_digest,
    supported_languages,
    wrap,
)
from compliance.regions import prefectures, provinces
from compliance.reminder_schedule import Stage, stage_on
from compliance.rules import available_rule_sets, load_rule_set

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_COMMAND = "UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_mail.py"

SWEEP = date(2026, 12, 28)  # a Monday
FUZHOU_MOTORS = "91350100M000100Y43"
FUZHOU_NAME = "福州新能源汽车有限公司 Fuzhou NEV Motors"
LINK = "https://compliance.example.cn/obligations/{id}"
CALENDAR = default_calendar()

# Names as in compliance/data/rulesets/CN-MIIT-2023-DRAFT.toml; copied so that a renamed rule
# does not change what these tests are about.
RULE_NAMES = {
    "SALES_TRACE_UPLOAD": ("上传销售溯源信息", "Upload sales traceability information"),
    "PRODUCTION_TRACE_UPLOAD": ("上传生产溯源信息", "Upload production traceability information"),
    "TECH_INFO_SUBMISSION": (
        "提交动力电池拆卸、拆解及控制系统通讯协议等技术信息",
        "Submit battery disassembly, dismantling and control-system protocol technical information",
    ),
    "AUTOMAKER_RETIREMENT_UPLOAD": (
        "上传研发、生产、装配环节废旧动力电池退役信息（汽车生产企业）",
        "Upload retirement information for old batteries from R&D, production or installation "
        "(automaker)",
    ),
    "COLLECTION_POINT_COVERAGE": (
        "在销售地级行政区建立收集型回收服务网点",
        "Establish a collection service point in each prefecture-level region with sales",
    ),
    "STORAGE_POINT_COVERAGE": (
        "在直接销售省级行政区建立集中贮存型回收服务网点",
        "Establish a concentrated storage service point in each province with direct sales",
    ),
    "SUPPLIER_DISASSEMBLY_INFO": (
        "向汽车生产企业提供动力电池拆解技术信息",
        "Provide disassembly technical information to the automakers supplied",
    ),
}


def item(
    obligation_id: str,
    rule_id: str,
    subject_kind: str,
    subject_id: str,
    due_date: date | None,
    stage: Stage,
    *,
    provisional: bool = False,
    trigger_date: date | None = None,
    makeup: bool = False,
) -> DigestItem:
    name_zh, name_en = RULE_NAMES[rule_id]
    if trigger_date is None:
        assert due_date is not None
        trigger_date = due_date - timedelta(days=14)
    return DigestItem(
        obligation_id=obligation_id,
        rule_id=rule_id,
        rule_name_zh=name_zh,
        rule_name_en=name_en,
        subject_kind=subject_kind,
        subject_id=subject_id,
        trigger_date=trigger_date,
        due_date=due_date,
        provisional=provisional,
        due_on_makeup_workday=makeup,
        stage=stage,
        link=LINK.format(id=obligation_id),
    )


def standing(
    obligation_id: str,
    rule_id: str,
    subject_kind: str,
    subject_id: str,
    trigger_date: date,
    week: date = SWEEP,
) -> DigestItem:
    stage = Stage(f"WEEK:{week.isoformat()}", "STANDING", 0)
    return item(
        obligation_id, rule_id, subject_kind, subject_id, None, stage, trigger_date=trigger_date
    )


# Stages as compliance.reminder_schedule.stage_on gives them on 2026-12-28 with the packaged
# calendar (2027 not announced yet, so a deadline in early 2027 is provisional).
OVERDUE_12 = item(
    "OB-0001",
    "SALES_TRACE_UPLOAD",
    "vehicle",
    "LFZCE4CB6P0000024",
    date(2026, 12, 16),
    Stage("OVERDUE+1", "OVERDUE", -8, 12),
)
OVERDUE_4 = item(
    "OB-0002",
    "PRODUCTION_TRACE_UPLOAD",
    "vehicle",
    "LFZCE4CB3P0000031",
    date(2026, 12, 24),
    Stage("OVERDUE+0", "OVERDUE", -2, 4),
)
DUE_TODAY = item(
    "OB-0003", "TECH_INFO_SUBMISSION", "model", "FZ7001BEV", SWEEP, Stage("DUE", "DUE", 0)
)
T_1 = item(
    "OB-0004",
    "AUTOMAKER_RETIREMENT_UPLOAD",
    "battery",
    "X12PB010000001G320000001",
    date(2026, 12, 29),
    Stage("T-1", "BEFORE", 1),
)
PREFECTURE_T_5 = item(
    "OB-0005",
    "COLLECTION_POINT_COVERAGE",
    "prefecture",
    "350100",
    date(2026, 12, 31),
    Stage("T-5", "BEFORE", 3),
)
PROVISIONAL_T_5 = item(
    "OB-0006",
    "PRODUCTION_TRACE_UPLOAD",
    "vehicle",
    "LFZCE4CBXP0000057",
    date(2027, 1, 4),
    Stage("T-5", "BEFORE", 4),
    provisional=True,
)
URGENCY_ORDER = (OVERDUE_12, OVERDUE_4, DUE_TODAY, T_1, PREFECTURE_T_5, PROVISIONAL_T_5)
STANDING_FUZHOU = standing(
    "OB-0007", "COLLECTION_POINT_COVERAGE", "prefecture", "350100", date(2026, 9, 30)
)
STANDING_GUANGDONG = standing(
    "OB-0008", "STORAGE_POINT_COVERAGE", "province", "440000", date(2026, 11, 2)
)


def digest(language: str, *items: DigestItem, sweep_date: date = SWEEP) -> Digest:
    # Deliberately out of order: the renderer sorts.
    chosen = items or (PROVISIONAL_T_5, T_1, OVERDUE_4, PREFECTURE_T_5, DUE_TODAY, OVERDUE_12)
    return Digest(
        enterprise_id=FUZHOU_MOTORS,
        enterprise_name=FUZHOU_NAME,
        recipient="compliance@fuzhou-motors.example.cn",
        language=language,
        sweep_date=sweep_date,
        items=chosen,
    )


# --- Whole days, built with the packaged calendar -------------------------------------------------


def stage_of(due: date, sweep: date) -> Stage:
    """The stage compliance.reminder_schedule gives an obligation due on `due` on `sweep`."""
    stage = stage_on(due, sweep, CALENDAR)
    assert stage is not None, f"{due} is in no reminder stage on {sweep}"
    return stage


def dated(number: int, rule_id: str, due: date, sweep: date) -> DigestItem:
    """A dated obligation as the sweep on `sweep` finds it: its stage from the calendar."""
    stage = stage_of(due, sweep)
    kind, subject_id = {
        "SALES_TRACE_UPLOAD": ("vehicle", f"LFZCE4CB{number:09d}"),
        "PRODUCTION_TRACE_UPLOAD": ("vehicle", f"LFZCE4CA{number:09d}"),
        "TECH_INFO_SUBMISSION": ("model", f"FZ{number:05d}BEV"),
        "AUTOMAKER_RETIREMENT_UPLOAD": ("battery", f"X12PB0100000{number:08d}0001"),
    }[rule_id]
    return item(
        f"ob_{number:024x}",
        rule_id,
        kind,
        subject_id,
        due,
        stage,
        trigger_date=due - timedelta(days=14),
        provisional=not CALENDAR.is_announced(due.year),
        makeup=due.weekday() >= 5,
    )


def standing_duties(first: int, count: int, sweep: date) -> list[DigestItem]:
    """Standing duties: uncovered prefectures mostly, some provinces and battery specifications
    supplied to an automaker."""
    found: list[DigestItem] = []
    regions = {"prefecture": prefectures(), "province": provinces()}
    for n in range(count):
        number = first + n
        obligation_id = f"ob_{number:024x}"
        since = sweep - timedelta(days=7 + n % 90)
        kind = {8: "province", 9: "battery_spec"}.get(n % 10, "prefecture")
        if kind == "battery_spec":
            spec = f"X12PB{n % 100:02d}/9144030071526726X{n % 10}"
            rule = "SUPPLIER_DISASSEMBLY_INFO"
            found.append(standing(obligation_id, rule, kind, spec, since, sweep))
            continue
        codes = regions[kind]
        code = codes[(n // 10 * 8 + n % 10 if kind == "prefecture" else n // 10) % len(codes)]
        rule = "COLLECTION_POINT_COVERAGE" if kind == "prefecture" else "STORAGE_POINT_COVERAGE"
        found.append(standing(obligation_id, rule, kind, code.code, since, sweep))
    return found


def working_days(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if CALENDAR.is_working_day(day)]


def a_day(
    sweep: date, *, overdue: int, today: int, before: int, standing_count: int, back: int
) -> Digest:
    """A contact's day: items in every stage, spread over the working days of the last `back`
    days and the reminder horizon (5 working days), rules taken in turn."""
    rules = list(RULE_NAMES)[:4]
    past = working_days(sweep - timedelta(days=back), sweep - timedelta(days=1))
    ahead = working_days(sweep + timedelta(days=1), CALENDAR.add_working_days(sweep, 5).due_date)
    items: list[DigestItem] = []
    for n in range(overdue):
        items.append(dated(n, rules[n % 4], past[(n * 7919) % len(past)], sweep))
    for n in range(overdue, overdue + today):
        items.append(dated(n, rules[n % 4], sweep, sweep))
    for n in range(overdue + today, overdue + today + before):
        items.append(dated(n, rules[n % 4], ahead[(n * 31) % len(ahead)], sweep))
    items += standing_duties(overdue + today + before, standing_count, sweep)
    return digest("zh-CN", *reversed(items), sweep_date=sweep)


# On Friday 2026-10-09: Sunday 2026-09-20 and Saturday 2026-10-10 are make-up working days.
SIXTY = a_day(date(2026, 10, 9), overdue=20, today=5, before=20, standing_count=15, back=50)
# On Monday 2026-12-28: due dates in early 2027 are provisional.
BIG = a_day(SWEEP, overdue=30_000, today=1_000, before=4_700, standing_count=300, back=200)
THREE = digest(
    "zh-CN",
    STANDING_FUZHOU,
    item(
        "OB-0101",
        "SALES_TRACE_UPLOAD",
        "vehicle",
        "LFZCE4CB6P0000024",
        date(2026, 9, 30),
        stage_of(date(2026, 9, 30), date(2026, 10, 9)),
    ),
    item(
        "OB-0102",
        "PRODUCTION_TRACE_UPLOAD",
        "vehicle",
        "LFZCE4CB3P0000031",
        date(2026, 10, 10),
        stage_of(date(2026, 10, 10), date(2026, 10, 9)),
        makeup=True,
    ),
    sweep_date=date(2026, 10, 9),
)


@pytest.fixture(scope="module")
def big_email() -> RenderedEmail:
    return render_digest(BIG)


# --- Helpers ------------------------------------------------------------------------------------


def assert_matches_snapshot(actual: str, name: str, folder: Path = SNAPSHOTS) -> None:
    path = folder / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    if not path.exists():
        pytest.fail(
            f"snapshot {path} does not exist; create it with `{UPDATE_COMMAND}` and review it",
            pytrace=False,
        )
    # Bytes, not text mode: line endings are part of what must not change.
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, (
        f"the rendering differs from {path}; if the change is intended, run `{UPDATE_COMMAND}` "
        "and review the diff"
    )


def sections(email: RenderedEmail) -> list[str]:
    """The plain-text part's sections: the contact's language, then the other."""
    return email.text.split("-" * TEXT_WIDTH)


def flat(text: str) -> str:
    """Text with every run of whitespace (line breaks and indents of wrapping) as one space."""
    return " ".join(text.split())


def page(email: RenderedEmail) -> str:
    """The HTML part as a reader sees its words: inline tags dropped, other tags as spaces,
    entities decoded, spaces joined."""
    inline = re.sub(r"</?(?:span|strong|a)\b[^>]*>", "", email.html)
    return flat(html.unescape(re.sub(r"<[^>]+>", " ", inline)))


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def csv_rows(email: RenderedEmail) -> list[list[str]]:
    (attachment,) = email.attachments
    text = attachment.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def csv_head(email: RenderedEmail, lines: int = 5) -> str:
    (attachment,) = email.attachments
    text = attachment.data.decode("utf-8")
    head = "".join(text.splitlines(keepends=True)[:lines])
    return f"{head}-- {len(csv_rows(email)) - 1} rows\n"


def html_bytes(email: RenderedEmail) -> int:
    return len(email.html.encode("utf-8"))


# --- Snapshots ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("part", ["txt", "html", "csv"])
def test_a_three_item_day_renders_exactly_as_its_snapshot(language: str, part: str) -> None:
    # Given a day with one overdue item, one due on a make-up working day and a standing duty
    # When it is rendered for a contact in this language
    email = render_digest(replace(THREE, language=language))
    # Then each part, and the attached list, is byte for byte the reviewed snapshot
    actual = {
        "txt": email.text,
        "html": email.html,
        "csv": email.attachments[0].data.decode("utf-8"),
    }[part]
    assert_matches_snapshot(actual, f"digest-3-{language}.{part}")


@pytest.mark.parametrize("part", ["txt", "html", "csv"])
def test_a_sixty_item_day_renders_exactly_as_its_snapshot(part: str) -> None:
    # Given 20 overdue items, 5 due today, 20 due soon and 15 standing duties
    # When the day is rendered for a Chinese-speaking contact
    email = render_digest(SIXTY)
    # Then each part, and the attached list, is byte for byte the reviewed snapshot
    actual = {
        "txt": email.text,
        "html": email.html,
        "csv": email.attachments[0].data.decode("utf-8"),
    }[part]
    assert_matches_snapshot(actual, f"digest-60-zh-CN.{part}")


@pytest.mark.parametrize("part", ["txt", "html", "csv"])
def test_a_36000_item_day_renders_exactly_as_its_snapshot(
    big_email: RenderedEmail, part: str
) -> None:
    # Given a day of 36,000 items
    # When it is rendered
    # Then the text and HTML parts, and the attachment's first lines and row count, are the
    # reviewed snapshots
    actual = {"txt": big_email.text, "html": big_email.html, "csv": csv_head(big_email)}[part]
    name = "digest-36000-zh-CN.csv-head.txt" if part == "csv" else f"digest-36000-zh-CN.{part}"
    assert_matches_snapshot(actual, name)


def test_a_missing_snapshot_fails_saying_how_to_create_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no snapshot file and no request to update snapshots
    monkeypatch.delenv("UPDATE_SNAPSHOTS", raising=False)
    # When a rendering is compared with it
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_matches_snapshot("anything", "missing.txt", folder=tmp_path)
    # Then the test fails with the command that creates it
    assert UPDATE_COMMAND in str(failed.value)
    assert str(tmp_path / "missing.txt") in str(failed.value)


# --- Subject line -------------------------------------------------------------------------------


def test_the_subject_states_the_counts_in_the_contacts_language() -> None:
    # Given 2 overdue items, 1 due today and 3 due within at most 4 working days
    # When the digest is rendered in each language
    zh = render_digest(digest("zh-CN"))
    en = render_digest(digest("en"))
    # Then the subject counts them, most urgent first, in that language only, and reads as a
    # sentence ("另有…将在…内到期" after the other counts)
    assert zh.subject == (
        "新能源汽车动力电池合规提醒：2项已逾期，1项今天到期，另有3项将在4个工作日内到期"
        f"（{FUZHOU_NAME}，2026-12-28）"
    )
    assert en.subject == (
        "NEV battery compliance: 2 overdue, 1 due today and 3 due within 4 working days "
        f"({FUZHOU_NAME}, 2026-12-28)"
    )


def test_items_due_soon_alone_are_counted_without_another() -> None:
    # Given only items due within some working days
    # When the digest is rendered in Chinese
    email = render_digest(digest("zh-CN", T_1, PREFECTURE_T_5))
    # Then the count does not start with "另有" (nothing precedes it)
    assert email.subject.startswith("新能源汽车动力电池合规提醒：2项将在3个工作日内到期（")


def test_standing_duties_are_counted_last_in_the_subject() -> None:
    # Given an overdue item and two standing duties
    chosen = (STANDING_FUZHOU, OVERDUE_12, STANDING_GUANGDONG)
    # When the digest is rendered in each language
    zh = render_digest(digest("zh-CN", *chosen))
    en = render_digest(digest("en", *chosen))
    one = render_digest(digest("en", STANDING_FUZHOU))
    # Then the standing duties are counted after the dated ones
    assert zh.subject.startswith("新能源汽车动力电池合规提醒：1项已逾期，2项持续性义务尚未履行（")
    assert en.subject.startswith("NEV battery compliance: 1 overdue and 2 standing duties open (")
    assert one.subject.startswith("NEV battery compliance: 1 standing duty open (")


def test_the_subject_leaves_out_counts_that_are_zero_and_uses_the_singular() -> None:
    # Given a single item due in 1 working day
    # When it is rendered in English
    email = render_digest(digest("en", T_1))
    # Then only that count is stated, in the singular
    assert email.subject.startswith("NEV battery compliance: 1 due within 1 working day (")


def test_the_subject_of_a_huge_day_has_the_counts_and_no_part_number(
    big_email: RenderedEmail,
) -> None:
    # Given 36,000 items on one day
    # When they are rendered
    # Then one email counts them all, with no "part n of m"
    assert big_email.subject == (
        "新能源汽车动力电池合规提醒：30000项已逾期，1000项今天到期，另有4700项将在5个工作日内"
        f"到期，300项持续性义务尚未履行（{FUZHOU_NAME}，2026-12-28）"
    )
    assert "part" not in big_email.subject
    assert "封" not in big_email.subject
    overdue = tuple(entry for entry in BIG.items if entry.stage.kind == "OVERDUE")[:2000]
    english = render_digest(replace(BIG, language="en", items=overdue))
    assert "part" not in english.subject
    assert english.subject.startswith("NEV battery compliance: 2,000 overdue (")


def test_the_subject_is_one_line_even_when_the_enterprise_name_has_a_line_break() -> None:
    # Given an enterprise name with a line break (a header injection attempt or a typo)
    name = "Fuzhou\r\nBcc: someone@example.com"
    # When the digest is rendered
    email = render_digest(replace(digest("en"), enterprise_name=name))
    # Then the subject is a single line
    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert "(Fuzhou Bcc: someone@example.com, 2026-12-28)" in email.subject


# --- Body: sections, summary, cards -------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [
        ("zh-CN", "新能源汽车动力电池合规提醒", "NEV battery compliance reminder"),
        ("en", "NEV battery compliance reminder", "新能源汽车动力电池合规提醒"),
    ],
)
def test_both_languages_summarise_the_day_and_the_contacts_shows_the_cards(
    language: str, first: str, second: str
) -> None:
    # Given a digest for a contact in this language
    # When it is rendered
    email = render_digest(digest(language))
    # Then both parts carry both sections, the contact's language first
    for body in (email.text, email.html):
        assert first in body
        assert second in body
        assert body.index(first) < body.index(second)
    # And each section summarises every duty under its name in that section's language
    words = page(email)
    for entry in URGENCY_ORDER:
        assert entry.rule_name_zh in words
        assert entry.rule_name_en in words
        assert entry.rule_name_en in flat(email.text)
    # And the cards (one link each) are in the contact's section only; the other points at them
    mine, other = sections(email)
    for entry in URGENCY_ORDER:
        assert mine.count(entry.link) == 1
        assert email.html.count(f'href="{entry.link}"') == 1
    assert "https://" not in other
    elsewhere = {
        "zh-CN": "The items are shown one by one above, in Chinese; the attached file "
        f"reminders-{FUZHOU_MOTORS}-2026-12-28.csv lists them all.",
        "en": f"逐项明细见上方英文部分；全部事项见附件 reminders-{FUZHOU_MOTORS}-2026-12-28.csv。",
    }[language]
    assert elsewhere in flat(other)
    assert elsewhere in words


def test_the_summary_has_one_row_per_duty_and_status_with_count_earliest_due_and_provisional() -> (
    None
):
    # Given two items of one duty overdue, one of them provisional... (on different days)
    sweep = date(2027, 1, 12)
    late = item(
        "OB-0201",
        "SALES_TRACE_UPLOAD",
        "vehicle",
        "LFZCE4CB6P0000024",
        date(2027, 1, 4),
        Stage("OVERDUE+1", "OVERDUE", -6, 8),
        provisional=True,
    )
    later = replace(
        late,
        obligation_id="OB-0202",
        due_date=date(2027, 1, 8),
        provisional=False,
        stage=Stage("OVERDUE+0", "OVERDUE", -2, 4),
    )
    soon = item(
        "OB-0203",
        "SALES_TRACE_UPLOAD",
        "vehicle",
        "LFZCE4CB6P0000025",
        date(2027, 1, 14),
        Stage("T-5", "BEFORE", 2),
    )
    other = item(
        "OB-0204",
        "PRODUCTION_TRACE_UPLOAD",
        "vehicle",
        "LFZCE4CB6P0000026",
        date(2027, 1, 5),
        Stage("OVERDUE+1", "OVERDUE", -5, 7),
    )
    chosen = (soon, later, STANDING_FUZHOU, other, late)
    # When the digest is rendered in each language
    zh = render_digest(digest("zh-CN", *chosen, sweep_date=sweep))
    en = render_digest(digest("en", *chosen, sweep_date=sweep))
    # Then each (duty, status) is one row with its count, earliest due date and provisional
    # count, overdue first (the most overdue duty first), then due soon, then standing
    assert [line.strip() for line in sections(zh)[0].splitlines() if line.startswith("  ")][:7] == [
        "已逾期",
        "- 上传销售溯源信息：2项，最早到期日 2027-01-04，其中1项暂定",
        "- 上传生产溯源信息：1项，最早到期日 2027-01-05",
        "即将到期",
        "- 上传销售溯源信息：1项，最早到期日 2027-01-14",
        "持续性义务",
        "- 在销售地级行政区建立收集型回收服务网点：1项",
    ]
    assert (
        "- Upload sales traceability information: 2 items, earliest due 2027-01-04, "
        "1 provisional" in flat(sections(en)[0])
    )
    assert "- Upload production traceability information: 1 item, earliest due 2027-01-05" in (
        flat(sections(en)[0])
    )
    # And the HTML table says the same in cells
    assert (
        "已逾期 上传销售溯源信息 2 2027-01-04 1 上传生产溯源信息 1 2027-01-05 — "
        "即将到期 上传销售溯源信息 1 2027-01-14 — "
        "持续性义务 在销售地级行政区建立收集型回收服务网点 1 — —"
    ) in page(zh)


def test_items_are_ordered_overdue_most_first_then_due_today_then_by_due_date() -> None:
    # Given items arriving in no particular order, a standing duty among them
    # When the digest is rendered
    email = render_digest(digest("en", STANDING_FUZHOU, *reversed(URGENCY_ORDER)))
    # Then overdue items come first (the most overdue first), then due today, then by due date,
    # and the standing duty last
    mine = sections(email)[0]
    positions = [mine.index(entry.link) for entry in (*URGENCY_ORDER, STANDING_FUZHOU)]
    assert positions == sorted(positions)


def test_the_order_and_bytes_do_not_depend_on_the_order_items_arrive_in() -> None:
    # Given the same items in two orders
    every = (*URGENCY_ORDER, STANDING_FUZHOU, STANDING_GUANGDONG)
    forward = digest("zh-CN", *every)
    backward = digest("zh-CN", *reversed(every))
    # When each is rendered
    # Then the emails, attachment included, are identical, and rendering again changes nothing
    assert render_digest(forward) == render_digest(backward) == render_digest(forward)


def test_at_most_50_cards_are_shown_and_the_rest_are_pointed_to_in_the_attachment(
    big_email: RenderedEmail,
) -> None:
    # Given 36,000 items
    # When they are rendered
    # Then the contact's section shows the 50 most urgent as cards and says how many more there
    # are and in which file
    assert big_email.html.count("查看此项义务") == DIGEST_CARDS_MAX
    assert len(re.findall(r"^\d+\. ", sections(big_email)[0], re.MULTILINE)) == DIGEST_CARDS_MAX
    assert "最紧急的50项（共36000项）" in big_email.text
    closing = (
        f"另有35950项未在邮件中列出。全部36000项见附件 reminders-{FUZHOU_MOTORS}-2026-12-28.csv。"
    )
    assert closing in flat(big_email.text)
    assert closing in page(big_email)
    # And in English the counts have thousands separators
    english = render_digest(replace(BIG, language="en", items=BIG.items[:1234]))
    assert "The 50 most urgent of 1,234 items" in english.text
    assert (
        "1,184 more items are not shown here. The attached file "
        f"reminders-{FUZHOU_MOTORS}-2026-12-28.csv lists all 1,234." in flat(english.text)
    )


def test_a_short_day_shows_every_item_and_names_the_attachment() -> None:
    # Given three items
    # When they are rendered
    email = render_digest(replace(THREE, language="en"))
    # Then every item is a card and the attachment is named for the same items
    assert "Item by item" in email.text
    assert "more item" not in email.text
    sentence = (
        f"The attached file reminders-{FUZHOU_MOTORS}-2026-10-09.csv lists these items as a "
        "table for Excel or WPS."
    )
    assert sentence in flat(email.text)
    assert sentence in page(email)


@pytest.mark.parametrize(
    ("entry", "zh", "en"),
    [
        (OVERDUE_12, "已逾期 12 天（8 个工作日）", "OVERDUE by 12 days (8 working days)"),
        (DUE_TODAY, "今天到期", "DUE TODAY"),
        (PREFECTURE_T_5, "剩余 3 个工作日", "3 working days left"),
        (T_1, "剩余 1 个工作日", "1 working day left"),
        (
            item(
                "OB-0100",
                "SALES_TRACE_UPLOAD",
                "vehicle",
                "LFZCE4CB6P0000024",
                date(2026, 12, 25),
                Stage("OVERDUE+0", "OVERDUE", -1, 3),
            ),
            "已逾期 3 天（1 个工作日）",
            "OVERDUE by 3 days (1 working day)",
        ),
        (
            STANDING_FUZHOU,
            "自 2026-09-30（星期三）起尚未履行",
            "Open since 2026-09-30 (Wednesday)",
        ),
    ],
)
def test_each_card_states_its_stage_in_words(entry: DigestItem, zh: str, en: str) -> None:
    # Given an item at some stage
    # When it is rendered for a contact in either language
    for language, phrase in (("zh-CN", zh), ("en", en)):
        email = render_digest(digest(language, entry))
        # Then its card states the stage in the contact's language, in both parts
        assert phrase in email.text
        assert phrase in email.html


@pytest.mark.parametrize(
    ("kind", "subject_id", "zh", "en"),
    [
        ("vehicle", "LFZCE4CB6P0000024", "车辆 LFZCE4CB6P0000024", "Vehicle LFZCE4CB6P0000024"),
        (
            "battery",
            "X12PB010000001G320000001",
            "电池 X12PB010000001G320000001",
            "Battery X12PB010000001G320000001",
        ),
        ("model", "FZ7001BEV", "车型 FZ7001BEV", "Model FZ7001BEV"),
        (
            "prefecture",
            "440300",
            "地级行政区 深圳市（440300）",
            "Prefecture-level region 深圳市 (440300)",
        ),
        (
            "province",
            "440000",
            "省级行政区 广东省（440000）",
            "Province-level region 广东省 (440000)",
        ),
        ("prefecture", "999900", "地级行政区 999900", "Prefecture-level region 999900"),
        (
            "battery_spec",
            f"X12PB01/{FUZHOU_MOTORS}",
            f"供应给 {FUZHOU_MOTORS} 的电池规格 X12PB01",
            f"Battery specification X12PB01 supplied to {FUZHOU_MOTORS}",
        ),
    ],
)
def test_the_subject_of_each_item_is_named_in_words(
    kind: str, subject_id: str, zh: str, en: str
) -> None:
    # Given an item about a subject of this kind
    entry = replace(T_1, subject_kind=kind, subject_id=subject_id)
    for language, phrase in (("zh-CN", zh), ("en", en)):
        # When it is rendered for a contact in either language
        email = render_digest(digest(language, entry))
        # Then the card names the subject in that language (regions by their Chinese name), and
        # so does the attached list
        assert phrase in email.text
        assert phrase in html.unescape(email.html)
        assert csv_rows(email)[1][0] == phrase


def test_standing_duties_have_their_own_group_with_region_names_in_both_languages() -> None:
    # Given dated items and two standing duties: an uncovered prefecture and province
    chosen = (*URGENCY_ORDER, STANDING_FUZHOU, STANDING_GUANGDONG)
    zh = render_digest(digest("zh-CN", *chosen))
    en = render_digest(digest("en", *chosen))
    # When rendered for a contact in each language
    # Then the cards of standing duties come after the dated ones, under their own heading that
    # says how they are reminded, naming the regions
    for email, title, names, note in (
        (
            zh,
            "持续性义务",
            ("地级行政区 福州市（350100）", "省级行政区 广东省（440000）"),
            "持续性义务没有到期日，履行之前每周提醒一次。",
        ),
        (
            en,
            "Standing duties",
            ("Prefecture-level region 福州市 (350100)", "Province-level region 广东省 (440000)"),
            "Standing duties have no due date; they are reminded weekly until fulfilled.",
        ),
    ):
        mine = sections(email)[0]
        group = mine.index("\n" + title + "\n", mine.index("\n1.  "))
        assert mine.index(PROVISIONAL_T_5.link) < group < mine.index(STANDING_FUZHOU.link)
        assert mine.index(STANDING_FUZHOU.link) < mine.index(STANDING_GUANGDONG.link)
        for name in names:
            assert name in mine
            assert name in page(email)
        assert note in flat(mine)
        assert note in page(email)
    # And both sections' summaries have the standing group in their language
    for email in (zh, en):
        words = page(email)
        assert (
            "持续性义务 在销售地级行政区建立收集型回收服务网点 1 — — 在直接销售省级行政区" in words
        )
        assert (
            "Standing duties Establish a collection service point in each prefecture-level region "
            "with sales 1 — — Establish a concentrated storage service point" in words
        )


def test_the_due_date_carries_its_weekday_in_each_language() -> None:
    # Given an item due on 2026-10-15, a Thursday, seen on Monday 2026-10-12
    entry = replace(
        T_1, due_date=date(2026, 10, 15), stage=Stage("T-5", "BEFORE", 3), provisional=False
    )
    # When it is rendered
    for language, phrase in (("en", "2026-10-15 (Thursday)"), ("zh-CN", "2026-10-15（星期四）")):
        email = render_digest(digest(language, entry, sweep_date=date(2026, 10, 12)))
        # Then the date is given with its weekday
        assert phrase in email.text
        assert phrase in email.html


def test_a_due_date_on_a_make_up_working_day_says_so() -> None:
    # Given an item due on Saturday 2026-10-10, a working day in lieu of a National Day holiday
    # When it is rendered in each language
    # Then the date says it is a make-up working day, so nobody takes it for a day off
    for language, phrase in (
        ("zh-CN", "到期日：2026-10-10（星期六，调休上班日）"),
        ("en", "Due: 2026-10-10 (Saturday, a make-up working day)"),
    ):
        email = render_digest(replace(THREE, language=language))
        assert phrase in email.text
        assert phrase in page(email)
    # And an ordinary date does not
    assert "调休" not in render_digest(digest("zh-CN")).text


def test_the_provisional_marker_appears_only_for_provisional_deadlines() -> None:
    # Given one provisional deadline among firm ones
    # When the digest is rendered
    email = render_digest(digest("en"))
    # Then its card marks the due date provisional, the summary counts it, and one note
    # explains what provisional means, in each section
    explanation = (
        "A provisional due date may move when the State Council announces that year's public "
        "holidays."
    )
    card = sections(email)[0].split(PROVISIONAL_T_5.link)[0].rsplit("\n\n", 1)[1]
    assert "Due: 2027-01-04 (Monday), provisional" in flat(card)
    assert email.html.count(">provisional</span>") == 1
    assert flat(email.text).count(explanation) == 1
    assert page(email).count(explanation) == 1
    assert "暂定的到期日在国务院公布该年度节假日安排后可能调整。" in flat(email.text)
    assert "1 provisional" in flat(email.text)
    assert "Provisional" in page(email)  # the column of the summary table
    # And a digest without provisional deadlines has no marker at all
    firm = render_digest(digest("en", OVERDUE_12, DUE_TODAY, T_1))
    for body in (firm.text, firm.html):
        assert "rovisional" not in body
        assert "暂定" not in body


def test_the_footer_says_why_when_reminders_stop_and_when_a_day_ends_in_beijing_time() -> None:
    # Given any digest
    # When it is rendered
    email = render_digest(digest("en"))
    # Then the footer explains the email in both languages, deadlines in Beijing time
    footer = page(email)
    assert (
        f"You receive this email because you are a compliance contact of {FUZHOU_NAME}." in footer
    )
    assert "Reminders for an obligation stop once it is fulfilled or waived." in footer
    assert "Every deadline ends at 23:59:59 on its due day, Beijing time (UTC+8)." in footer
    assert f"您收到此邮件，是因为您是{FUZHOU_NAME}的合规联系人。" in footer
    assert "义务履行或豁免后，即不再发送相关提醒。" in footer
    assert "所有期限均截至到期日当天 23:59:59（北京时间，UTC+8）。" in footer
    assert "北京时间" in email.text
    # And never "CST", which also reads as US Central Standard Time
    for body in (email.subject, email.text, email.html):
        assert "CST" not in body


def test_text_lines_fit_78_columns_except_links(big_email: RenderedEmail) -> None:
    # Given digests with long rule names in both languages
    # When they are rendered
    for email in (render_digest(digest("zh-CN")), render_digest(SIXTY), big_email):
        # Then no line of the plain text is wider than 78 columns (CJK counting two), unless
        # it is an unbreakable link, and no line ends in whitespace
        for line in email.text.splitlines():
            assert columns(line) <= TEXT_WIDTH or "https://" in line, line
            assert line == line.rstrip(), line
        assert email.text.endswith("\n")
        assert not email.text.endswith("\n\n")


# --- Sizes --------------------------------------------------------------------------------------


def longest_names_digest(language: str) -> Digest:
    """50 cards as long as realistic: the longest rule name of every packaged rule set, a battery
    specification supplied to an automaker, overdue by three digits of days, due on a make-up
    working day, provisional, with 100-character links; and a summary row for every rule of
    CN-MIIT-2023-DRAFT in every status."""
    rules = [rule for rule_set in available_rule_sets() for rule in load_rule_set(rule_set).rules]
    longest = max(rules, key=lambda rule: len(rule.name_zh.encode()) + len(rule.name_en))
    due = date(2026, 2, 14)  # a Saturday and a make-up working day
    stage = stage_on(due, SWEEP, CALENDAR)
    assert stage is not None
    items = []
    for n in range(DIGEST_CARDS_MAX):
        link = (LINK.format(id=f"ob_{n:024x}") + "?from=reminder&pad=" + "x" * 100)[:100]
        items.append(
            DigestItem(
                obligation_id=f"ob_{n:024x}",
                rule_id=longest.id,
                rule_name_zh=longest.name_zh,
                rule_name_en=longest.name_en,
                subject_kind="battery_spec",
                subject_id=f"X12PB01/91350100M000100Y{n:02d}",
                trigger_date=date(2026, 1, 30),
                due_date=due,
                provisional=True,
                due_on_makeup_workday=True,
                stage=stage,
                link=link,
            )
        )
    assert {len(entry.link) for entry in items} == {100}
    for n, rule in enumerate(load_rule_set("CN-MIIT-2023-DRAFT").rules):
        dues = (
            [None]
            if rule.period.kind == "standing"
            else [date(2026, 12, 1), SWEEP, date(2026, 12, 30)]
        )
        for m, rule_due in enumerate(dues):
            rule_stage = (
                Stage("WEEK:2026-12-28", "STANDING", 0)
                if rule_due is None
                else stage_on(rule_due, SWEEP, CALENDAR)
            )
            assert rule_stage is not None
            items.append(
                DigestItem(
                    obligation_id=f"ob_z{n:02d}{m}",
                    rule_id=rule.id,
                    rule_name_zh=rule.name_zh,
                    rule_name_en=rule.name_en,
                    subject_kind="model",
                    subject_id="FZ7001BEV",
                    trigger_date=date(2026, 9, 1),
                    due_date=rule_due,
                    provisional=False,
                    due_on_makeup_workday=False,
                    stage=rule_stage,
                    link=LINK.format(id=f"ob_z{n:02d}{m}"),
                )
            )
    name = (
        "福州新能源汽车有限公司（福建省福州市鼓楼区）新能源汽车动力电池回收利用事业部 "
        "Fuzhou NEV Motors"
    )
    return replace(digest(language, *items), enterprise_name=name)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_html_stays_under_100_kb_with_50_cards_of_the_longest_names(language: str) -> None:
    # Given 50 cards with the longest names and every summary row
    # When they are rendered
    email = render_digest(longest_names_digest(language))
    # Then the HTML part is under the size at which Gmail clips a message, as text and as
    # encoded in the message
    size = html_bytes(email)
    message = email_module.message_from_bytes(
        mime_message("reminders@example.cn", "c@example.cn", email, sent_at=datetime.now(UTC)),
        policy=email_policy.default,
    )
    encoded = next(
        len(part.get_payload()) for part in message.walk() if part.get_content_type() == "text/html"
    )
    print(f"HTML, 50 cards of the longest names ({language}): {size:,} bytes, {encoded:,} encoded")
    assert email.html.count('href="') == DIGEST_CARDS_MAX
    assert size < HTML_MAX_BYTES == 100 * 1024, size
    assert encoded < HTML_MAX_BYTES, encoded


def test_a_36000_item_day_is_one_email_under_gmails_and_sess_limits(
    big_email: RenderedEmail,
) -> None:
    # Given a day of 36,000 items
    # When it is rendered and made a MIME message
    message = mime_message(
        "reminders@example.cn",
        BIG.recipient,
        big_email,
        sent_at=datetime(2026, 12, 28, 1, 0, tzinfo=UTC),
    )
    # Then the HTML part is under 100 KB and the whole message under 15 MB (SES takes 40 MB)
    sizes = (html_bytes(big_email), len(big_email.attachments[0].data), len(message))
    print("36,000 items: HTML {:,} bytes, CSV {:,} bytes, MIME message {:,} bytes".format(*sizes))
    assert sizes[0] < HTML_MAX_BYTES, sizes
    assert sizes[2] < 15 * 1024 * 1024, sizes


# --- The attachment -----------------------------------------------------------------------------


def test_the_attachment_lists_every_item_in_order(big_email: RenderedEmail) -> None:
    # Given a day of 36,000 items
    # When it is rendered
    (attachment,) = big_email.attachments
    # Then a CSV named for the enterprise and day is attached, UTF-8 with a byte-order mark and
    # CRLF line ends (Excel and WPS open it with the Chinese intact)
    assert attachment.filename == f"reminders-{FUZHOU_MOTORS}-2026-12-28.csv"
    assert attachment.content_type == "text/csv; charset=utf-8"
    assert attachment.data.startswith("\ufeff对象,义务,触发日期,到期日,状态,".encode())
    assert attachment.data.count(b"\r\n") == 36_001
    assert b"\n" not in attachment.data.replace(b"\r\n", b"")
    # And, read back, it has one row per item with its link, trigger and due dates
    header, *rows = csv_rows(big_email)
    assert header == [
        "对象",
        "义务",
        "触发日期",
        "到期日",
        "状态",
        "剩余工作日（负数为逾期工作日）",
        "暂定",
        "链接",
    ]
    by_link = {entry.link: entry for entry in BIG.items}
    assert len(rows) == len(BIG.items) == 36_000
    assert {row[7] for row in rows} == set(by_link)
    for row in rows:
        entry = by_link[row[7]]
        assert row[2] == entry.trigger_date.isoformat()
        assert row[3] == ("" if entry.due_date is None else entry.due_date.isoformat())
        assert row[6] == ("是" if entry.provisional else "否")
    # And in the order of the cards: overdue (most overdue first), due today, by due date,
    # standing duties last
    rank = {"已逾期": 0, "今天到期": 1, "即将到期": 2, "持续性义务": 3}
    keys = [(rank[row[4]], row[3] or "9999") for row in rows]
    assert keys == sorted(keys)
    cards = re.findall(r"https://\S+", sections(big_email)[0])
    assert [row[7] for row in rows[:DIGEST_CARDS_MAX]] == cards


def test_the_attachment_states_status_and_working_days_in_the_contacts_language() -> None:
    # Given an overdue, a due-today, a provisional due-soon item and a standing duty
    chosen = (OVERDUE_12, DUE_TODAY, PROVISIONAL_T_5, STANDING_FUZHOU)
    # When rendered for an English-speaking contact
    email = render_digest(digest("en", *chosen))
    # Then the columns and words are English; working days are negative when late and empty
    # for a standing duty
    assert csv_rows(email) == [
        [
            "Subject",
            "Duty",
            "Trigger date",
            "Due date",
            "Status",
            "Working days left (negative: working days late)",
            "Provisional",
            "Link",
        ],
        [
            "Vehicle LFZCE4CB6P0000024",
            "Upload sales traceability information",
            "2026-12-02",
            "2026-12-16",
            "Overdue",
            "-8",
            "no",
            OVERDUE_12.link,
        ],
        [
            "Model FZ7001BEV",
            RULE_NAMES["TECH_INFO_SUBMISSION"][1],
            "2026-12-14",
            "2026-12-28",
            "Due today",
            "0",
            "no",
            DUE_TODAY.link,
        ],
        [
            "Vehicle LFZCE4CBXP0000057",
            "Upload production traceability information",
            "2026-12-21",
            "2027-01-04",
            "Due soon",
            "4",
            "yes",
            PROVISIONAL_T_5.link,
        ],
        [
            "Prefecture-level region 福州市 (350100)",
            RULE_NAMES["COLLECTION_POINT_COVERAGE"][1],
            "2026-09-30",
            "",
            "Standing",
            "",
            "no",
            STANDING_FUZHOU.link,
        ],
    ]


def test_the_attachment_comes_with_every_email_even_a_short_one() -> None:
    # Given a day of three items
    # When it is rendered
    email = render_digest(THREE)
    # Then the list is attached all the same
    (attachment,) = email.attachments
    assert attachment.filename == f"reminders-{FUZHOU_MOTORS}-2026-10-09.csv"
    assert len(csv_rows(email)) == 4


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(hostile: str) -> None:
    # Given a duty whose name starts like a formula (rule sets are data files), and a model
    # code (user input) that does
    entry = replace(DUE_TODAY, rule_name_en=hostile, rule_name_zh=hostile, subject_id=hostile)
    # When the digest is rendered
    email = render_digest(digest("en", entry))
    # Then a cell that would start with it starts with an apostrophe, so it is shown as text,
    # and the subject cell starts with the kind of subject, never with the input
    row = csv_rows(email)[1]
    assert row[1] == "'" + hostile
    assert row[0] == "Model " + hostile
    # And a negative number the renderer writes stays a number
    overdue = render_digest(digest("en", OVERDUE_12))
    assert csv_rows(overdue)[1][5] == "-8"


def test_an_overlong_subject_is_cut_on_its_card_and_whole_in_the_attachment() -> None:
    # Given a model code of 500 characters (model codes are free text)
    code = "FZ" + "7" * 498
    entry = replace(DUE_TODAY, subject_id=code)
    # When the digest is rendered
    email = render_digest(digest("en", entry))
    # Then the card shows its first 120 characters, ending in an ellipsis, so that no id can
    # push the HTML past its size; the attached list has it whole
    shown = "Model " + code[: 120 - len("Model ") - 1] + "…"
    assert shown in flat(email.text)
    assert shown in email.html
    assert code not in email.html
    assert csv_rows(email)[1][0] == "Model " + code


def test_the_attachment_name_is_safe_in_a_header_whatever_the_enterprise_id() -> None:
    # Given an enterprise id with characters that do not belong in a file name
    odd = replace(digest("en", T_1), enterprise_id='91350100M000100Y43"\r\n/../x')
    # When the digest is rendered
    # Then the file name keeps letters and digits only
    assert render_digest(odd).attachments[0].filename == (
        "reminders-91350100M000100Y43_x-2026-12-28.csv"
    )


# --- HTML safety --------------------------------------------------------------------------------


def test_the_html_escapes_a_malicious_subject_id_and_the_text_keeps_it_verbatim() -> None:
    # Given an item whose subject id and an enterprise name carry markup
    attack = '<script>alert("x")</script>'
    entry = replace(DUE_TODAY, subject_id=attack)
    hostile = replace(digest("en", entry), enterprise_name='ACME <img src=x onerror="y">')
    # When the digest is rendered
    email = render_digest(hostile)
    # Then the HTML shows it as text, never as markup
    assert "<script" not in email.html
    assert "<img" not in email.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in email.html
    assert "ACME &lt;img src=x onerror=&#34;y&#34;&gt;" in email.html
    # And the plain text, which is not HTML, shows it unchanged
    assert attack in email.text


def test_the_html_is_self_contained_and_marks_overdue_items_in_words_not_colour_alone() -> None:
    # Given a digest with an overdue item
    # When it is rendered
    email = render_digest(digest("en"))
    # Then it loads nothing: no scripts, images, stylesheets or fonts from anywhere
    for forbidden in ("<script", "<link", "<img", "<style", "@import", "url(", "@font-face"):
        assert forbidden not in email.html
    hrefs = re.findall(r'href="([^"]*)"', email.html)
    assert hrefs == [entry.link for entry in URGENCY_ORDER]
    # And an overdue card has a red left border and says OVERDUE
    overdue = email.html.split(OVERDUE_12.link)[0].rsplit("<td", 1)[1]
    assert "border-left:6px solid #b42318" in overdue
    assert "OVERDUE by 12 days (8 working days)" in overdue


def test_a_date_in_the_intro_is_not_broken_across_lines() -> None:
    # Given any digest
    # When it is rendered
    email = render_digest(digest("zh-CN"))
    # Then the sweep date in the intro is kept on one line
    assert '截至 <span style="white-space:nowrap;">2026-12-28</span>（星期一）：' in email.html


# --- Refusals -----------------------------------------------------------------------------------


def test_the_supported_languages_are_chinese_and_english() -> None:
    # Given the packaged catalogue, When asked, Then it offers exactly zh-CN and en
    assert supported_languages() == ("zh-CN", "en")


@pytest.mark.parametrize("language", ["fr", "zh", "EN", ""])
def test_an_unknown_language_is_refused_naming_the_supported_ones(language: str) -> None:
    # Given a contact whose language the catalogue does not have
    # When the digest is rendered
    # Then it is refused with the supported languages named
    with pytest.raises(ValueError, match=r"is not supported.*zh-CN, en"):
        render_digest(digest(language))


def test_an_empty_digest_is_refused() -> None:
    # Given a digest with nothing in it, When it is rendered, Then there is nothing to send
    with pytest.raises(ValueError, match="has no items"):
        render_digest(replace(digest("en"), items=()))


def broken_items() -> Iterator[tuple[DigestItem, str]]:
    yield replace(OVERDUE_12, stage=Stage("OVERDUE+1", "OVERDUE", -8, 11)), "contradicts"
    yield replace(DUE_TODAY, due_date=date(2026, 12, 29)), "contradicts"
    yield replace(T_1, due_date=None), "contradicts"
    yield replace(STANDING_FUZHOU, due_date=SWEEP), "contradicts"
    yield replace(STANDING_FUZHOU, stage=Stage("WEEK:x", "STANDING", 1)), "contradicts"
    yield replace(T_1, due_on_makeup_workday=True), "make-up working day"
    yield replace(T_1, stage=Stage("T-1", "LATER", 1)), "stage kind 'LATER'"
    yield replace(T_1, subject_kind="ship"), "subject kind 'ship'"
    yield replace(T_1, link="javascript:alert(1)"), "not an absolute http"
    yield replace(T_1, link="/obligations/OB-0004"), "not an absolute http"


@pytest.mark.parametrize(("broken", "message"), list(broken_items()))
def test_an_item_that_would_make_the_email_wrong_is_refused(
    broken: DigestItem, message: str
) -> None:
    # Given an item whose stage contradicts its dates, a weekday called a make-up working day,
    # or an unknown kind or a bad link
    # When the digest is rendered
    # Then it is refused, naming the obligation, rather than sent with a false statement
    with pytest.raises(ValueError, match=rf"obligation {broken.obligation_id}: .*{message}"):
        render_digest(digest("en", broken))


# --- Plain-text wrapping ------------------------------------------------------------------------


def test_wrapping_counts_chinese_characters_as_two_columns_and_keeps_punctuation_attached() -> None:
    # Given Chinese text wider than the line
    text = "义务履行或豁免后，即不再发送相关提醒。所有期限均截至到期日当天结束。"
    # When it is wrapped to 20 columns
    lines = wrap(text, width=20).splitlines()
    # Then each line holds at most 10 Chinese characters and none starts with a closing mark
    assert all(columns(line) <= 20 for line in lines)
    assert not any(line[0] in "，。）" for line in lines)
    assert "".join(lines) == text


def test_wrapping_never_breaks_a_link() -> None:
    # Given a label and a link wider than the line
    link = "https://compliance.example.cn/obligations/" + "A" * 60
    # When it is wrapped
    wrapped = wrap(f"Link: {link}", indent="    ")
    # Then the link stands whole on its own line
    assert wrapped == f"    Link:\n    {link}"


@pytest.mark.parametrize(
    ("confidence", "zh", "en"),
    [
        ("S", "依据单一二手资料，尚待原文确认", "from one secondary source, not yet confirmed"),
        ("A", "依据工作假设，尚待原文确认", "a working assumption, not yet confirmed"),
    ],
)
def test_a_duty_whose_rule_is_not_confirmed_says_how_sure_it_is_in_both_languages(
    confidence: str, zh: str, en: str
) -> None:
    # Given a duty from a rule of one secondary source (or an assumption) and a confirmed one
    unsure = replace(T_1, confidence=confidence)
    confirmed = replace(PREFECTURE_T_5, confidence="C")
    # When the digest is rendered in each language
    zh_email = render_digest(digest("zh-CN", unsure, confirmed))
    en_email = render_digest(digest("en", unsure, confirmed))

    # Then the unsure duty's card says so, in HTML and in the (wrapped) plain text, and the
    # confirmed one does not
    def unwrapped(text: str) -> str:
        return "".join(text.split())

    for email, note in ((zh_email, zh), (en_email, en)):
        assert email.html.count(note) == 1
        assert unwrapped(email.text).count(unwrapped(note)) == 1
