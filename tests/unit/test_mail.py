"""The reminder digest email (compliance.mail): subject, order, both languages, escaping, and
snapshots of the whole email.

The snapshots in tests/unit/snapshots/ are the exact text and HTML parts of one zh-CN and one en
digest. After an intended change of wording or layout, rewrite them and review the diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_mail.py

A missing snapshot fails its test with the same instruction.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from msgspec.structs import replace

from compliance.mail import (
    TEXT_WIDTH,
    Digest,
    DigestItem,
    RenderedEmail,
    render_digest,
    supported_languages,
    wrap,
)
from compliance.reminders import Stage

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_COMMAND = "UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_mail.py"

SWEEP = date(2026, 12, 28)  # a Monday
FUZHOU_MOTORS = "91350100M000100Y43"
FUZHOU_NAME = "福州新能源汽车有限公司 Fuzhou NEV Motors"

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
    due_date: date,
    stage: Stage,
    *,
    provisional: bool = False,
) -> DigestItem:
    name_zh, name_en = RULE_NAMES[rule_id]
    return DigestItem(
        obligation_id=obligation_id,
        rule_id=rule_id,
        rule_name_zh=name_zh,
        rule_name_en=name_en,
        subject_kind=subject_kind,
        subject_id=subject_id,
        due_date=due_date,
        provisional=provisional,
        stage=stage,
        link=f"https://compliance.example.cn/obligations/{obligation_id}",
    )


# Stages as compliance.reminders.stage_on gives them on 2026-12-28 with the packaged calendar
# (2027 not announced yet, so a deadline in early 2027 is provisional).
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


def first_section(email: RenderedEmail) -> str:
    return email.text.split("-" * TEXT_WIDTH)[0]


def flat(text: str) -> str:
    """Text with every run of whitespace (line breaks and indents of wrapping) as one space."""
    return " ".join(text.split())


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


# --- Snapshots ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("part", ["txt", "html"])
def test_a_digest_renders_exactly_as_its_snapshot(language: str, part: str) -> None:
    # Given a sweep's digest with two overdue items, one due today, one T-1, a prefecture
    # coverage item and a provisional T-5 deadline
    # When it is rendered for a contact in this language
    email = render_digest(digest(language))
    # Then each part is byte for byte the reviewed snapshot
    assert_matches_snapshot(
        email.text if part == "txt" else email.html, f"digest-{language}.{part}"
    )


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
    # Then the subject counts them, most urgent first, in that language only
    assert zh.subject == (
        "新能源汽车动力电池合规提醒：2项已逾期，1项今天到期，3项4个工作日内到期"
        f"（{FUZHOU_NAME}，2026-12-28）"
    )
    assert en.subject == (
        "NEV battery compliance: 2 overdue, 1 due today, 3 due within 4 working days "
        f"({FUZHOU_NAME}, 2026-12-28)"
    )


def test_a_digest_in_parts_says_which_part_in_the_subject_and_a_whole_one_does_not() -> None:
    # Given the second of three digests of a day, and a digest that is the whole day,
    second = replace(digest("en", T_1), part=2, parts=3)
    second_zh = replace(digest("zh-CN", T_1), part=2, parts=3)
    whole = digest("en", T_1)
    # When they are rendered,
    # Then the parts say which part they are, in the contact's language, and the whole does not.
    assert render_digest(second).subject.endswith(f"({FUZHOU_NAME}, 2026-12-28) (part 2 of 3)")
    assert render_digest(second_zh).subject.endswith(f"（{FUZHOU_NAME}，2026-12-28）（第 2/3 封）")
    assert render_digest(whole).subject.endswith(f"({FUZHOU_NAME}, 2026-12-28)")


def test_the_subject_leaves_out_counts_that_are_zero_and_uses_the_singular() -> None:
    # Given a single item due in 1 working day
    # When it is rendered in English
    email = render_digest(digest("en", T_1))
    # Then only that count is stated, in the singular
    assert email.subject.startswith("NEV battery compliance: 1 due within 1 working day (")


def test_the_subject_is_one_line_even_when_the_enterprise_name_has_a_line_break() -> None:
    # Given an enterprise name with a line break (a header injection attempt or a typo)
    name = "Fuzhou\r\nBcc: someone@example.com"
    # When the digest is rendered
    email = render_digest(replace(digest("en"), enterprise_name=name))
    # Then the subject is a single line
    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert "(Fuzhou Bcc: someone@example.com, 2026-12-28)" in email.subject


# --- Body ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [
        ("zh-CN", "新能源汽车动力电池合规提醒", "NEV battery compliance reminder"),
        ("en", "NEV battery compliance reminder", "新能源汽车动力电池合规提醒"),
    ],
)
def test_the_body_is_complete_in_both_languages_with_the_contacts_first(
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
    # And every item appears in each section, under its rule name in that section's language
    for entry in URGENCY_ORDER:
        assert email.text.count(entry.link) == 2
        assert entry.rule_name_zh in html.unescape(email.html)
        assert entry.rule_name_en in html.unescape(email.html)
        assert entry.rule_name_en in flat(email.text)


def test_items_are_ordered_overdue_most_first_then_due_today_then_by_due_date() -> None:
    # Given items arriving in no particular order
    # When the digest is rendered
    email = render_digest(digest("en"))
    # Then overdue items come first (the most overdue first), then due today, then by due date
    section = first_section(email)
    positions = [section.index(entry.link) for entry in URGENCY_ORDER]
    assert positions == sorted(positions)


def test_the_order_and_bytes_do_not_depend_on_the_order_items_arrive_in() -> None:
    # Given the same items in two orders
    forward = digest("zh-CN", *URGENCY_ORDER)
    backward = digest("zh-CN", *reversed(URGENCY_ORDER))
    # When each is rendered
    # Then the emails are identical, and rendering again changes nothing
    assert render_digest(forward) == render_digest(backward) == render_digest(forward)


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
    ],
)
def test_each_item_states_its_stage_in_words(entry: DigestItem, zh: str, en: str) -> None:
    # Given an item at some stage
    # When it is rendered for a contact in either language
    email = render_digest(digest("en", entry))
    # Then the stage is stated in both languages, in both parts
    for phrase in (zh, en):
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
    # When it is rendered
    email = render_digest(digest("zh-CN", entry))
    # Then each section names the subject in its language (regions by their Chinese name)
    for phrase in (zh, en):
        assert phrase in email.text
        assert phrase in email.html


def test_the_due_date_carries_its_weekday_in_each_language() -> None:
    # Given an item due on 2026-10-15, a Thursday, seen on Monday 2026-10-12
    entry = replace(
        T_1, due_date=date(2026, 10, 15), stage=Stage("T-5", "BEFORE", 3), provisional=False
    )
    # When it is rendered
    email = render_digest(digest("en", entry, sweep_date=date(2026, 10, 12)))
    # Then the date is given with its weekday in each section's language
    for body in (email.text, email.html):
        assert "2026-10-15 (Thursday)" in body
        assert "2026-10-15（星期四）" in body


def test_the_provisional_marker_appears_only_for_provisional_deadlines() -> None:
    # Given one provisional deadline among firm ones
    # When the digest is rendered
    email = render_digest(digest("en"))
    # Then the marker and its explanation appear once per section, with that item
    explanation = "this date may move when the State Council announces that year's public holidays"
    for body in (email.text, email.html):
        assert body.count("Provisional") == 1
        assert body.count("暂定") == 1
    assert flat(email.text).count(explanation) == 1
    item_text = first_section(email).split(PROVISIONAL_T_5.link)[0].rsplit("\n\n", 1)[1]
    assert "Provisional" in item_text
    # And a digest without provisional deadlines has no marker at all
    firm = render_digest(digest("en", OVERDUE_12, DUE_TODAY, T_1))
    for body in (firm.text, firm.html):
        assert "Provisional" not in body
        assert "暂定" not in body


def test_the_footer_says_why_when_reminders_stop_and_when_a_day_ends() -> None:
    # Given any digest
    # When it is rendered
    email = render_digest(digest("en"))
    # Then the footer explains the email in both languages
    footer = flat(html.unescape(email.html))
    assert (
        f"You receive this email because you are a compliance contact of {FUZHOU_NAME}." in footer
    )
    assert "Reminders for an obligation stop once it is fulfilled or waived." in footer
    assert "Every deadline is the end of its due day, China time (23:59:59 CST)." in footer
    assert f"您收到此邮件，是因为您是{FUZHOU_NAME}的合规联系人。" in footer
    assert "义务履行或豁免后，即不再发送相关提醒。" in footer
    assert "所有期限均截至到期日当天结束，以北京时间为准（23:59:59 CST）。" in footer
    assert "Reminders for an obligation stop once it is fulfilled or waived." in email.text


def test_text_lines_fit_78_columns_except_links() -> None:
    # Given a digest with long rule names in both languages
    # When it is rendered
    email = render_digest(digest("zh-CN"))
    # Then no line of the plain text is wider than 78 columns (CJK counting two), unless it is
    # an unbreakable link, and no line ends in whitespace
    for line in email.text.splitlines():
        assert columns(line) <= TEXT_WIDTH or "https://" in line, line
        assert line == line.rstrip(), line
    assert email.text.endswith("\n")
    assert not email.text.endswith("\n\n")


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
    page = render_digest(digest("en")).html
    # Then it loads nothing: no scripts, images, stylesheets or fonts from anywhere
    for forbidden in ("<script", "<link", "<img", "<style", "@import", "url(", "@font-face"):
        assert forbidden not in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert sorted(hrefs) == sorted(entry.link for entry in URGENCY_ORDER for _ in range(2))
    # And an overdue item has a red left border and says OVERDUE
    overdue = page.split(OVERDUE_12.link)[0].rsplit("<table", 1)[1]
    assert "border-left:6px solid #b42318" in overdue
    assert "OVERDUE by 12 days (8 working days)" in page


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


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (replace(OVERDUE_12, stage=Stage("OVERDUE+1", "OVERDUE", -8, 11)), "contradicts"),
        (replace(DUE_TODAY, due_date=date(2026, 12, 29)), "contradicts"),
        (replace(T_1, stage=Stage("T-1", "LATER", 1)), "stage kind 'LATER'"),
        (replace(T_1, subject_kind="ship"), "subject kind 'ship'"),
        (replace(T_1, link="javascript:alert(1)"), "not an absolute http"),
        (replace(T_1, link="/obligations/OB-0004"), "not an absolute http"),
    ],
)
def test_an_item_that_would_make_the_email_wrong_is_refused(
    broken: DigestItem, message: str
) -> None:
    # Given an item whose stage contradicts its dates, or with an unknown kind or a bad link
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
