"""The message catalog: every message in Chinese and English with the same fields, every key the
code names in the catalog, no user-facing message built outside it, how a message is said in
each language, and how a request's language is chosen."""

from __future__ import annotations

import ast
import copy
import pickle
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from compliance.codes import check_vin
from compliance.event_checks import unknown_battery
from compliance.lifecycle import EventKind
from compliance.messages import (
    CHINESE,
    ENGLISH,
    Message,
    both,
    catalog,
    fields_of,
    listing,
    message_of,
    negotiate,
    render,
    t,
)
from compliance.obligations import REASON_MIN_LENGTH, ObligationRecord, new_record, waive, weighed
from compliance.rules import Obligation, Period, SubjectKind
from graph.context import Principal, Role, language_for
from graph.cursors import decode_cursor
from graph.errors import ClientError
from graph.permissions import EventRecorder
from tests.builders import vin

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("compliance", "graph", "functions")
CJK = re.compile(r"[\u4e00-\u9fff]")
# The constructors a user-facing message is handed to, and which of their arguments is it.
MESSAGE_ARGUMENTS = {
    "Violation": 2,
    "CodeIssue": 1,
    "issue_at": 1,
    "ScopeIssue": 1,
    "error": 1,
    "_error": 1,
    "ClientError": 0,
    "BadUserInput": 0,
    "Forbidden": 0,
    "Unauthenticated": 0,
    "QueryTooLarge": 0,
    "QueryTooCostly": 0,
    "Unavailable": 0,
    "_Refusal": 1,
    "_refusal": 2,
}


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for package in PRODUCT:
        for source in sorted((ROOT / package).rglob("*.py")):
            yield source, ast.parse(source.read_text(encoding="utf-8"))


def _key_shaped(value: str) -> bool:
    sections = {key.split(".")[0] for key in catalog(ENGLISH)}
    head, _, rest = value.partition(".")
    return head in sections and bool(re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", rest))


# --- the catalog ----------------------------------------------------------------------------


def test_every_message_is_in_both_languages_with_the_same_fields() -> None:
    # Given the English and the Chinese catalogs,
    english, chinese = catalog(ENGLISH), catalog(CHINESE)
    # Then each has every key of the other,
    assert sorted(set(english) - set(chinese)) == []
    assert sorted(set(chinese) - set(english)) == []
    # and each message fills the same fields in both.
    differ = {
        key: (fields_of(text), fields_of(chinese[key]))
        for key, text in english.items()
        if fields_of(text) != fields_of(chinese[key])
    }
    assert differ == {}


def test_every_chinese_message_is_written_in_chinese() -> None:
    # Given the Chinese catalog, Then every message that is words (not only fields and a field
    # name, like "regionCode：{problem}。") has Chinese characters in it.
    wordless = {
        "code.letter_named",
        "code.place_labelled",
        "query.region_code",
        "calendar.argument",
    }
    untranslated = [
        key
        for key, text in catalog(CHINESE).items()
        if key not in wordless and not CJK.search(text)
    ]
    assert untranslated == []


def test_every_key_the_code_names_is_in_the_catalog_and_every_message_is_used() -> None:
    # Given every string of the product's code shaped like a catalog key ("event.not_found"),
    named = {
        (source.relative_to(ROOT).as_posix(), node.value)
        for source, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if _key_shaped(node.value)
    }
    # Then the catalog has each of them, and has no message the code never names.
    english = catalog(ENGLISH)
    assert sorted(f"{where}: {key}" for where, key in named if key not in english) == []
    assert sorted(set(english) - {key for _, key in named}) == []


def test_no_message_is_built_outside_the_catalog() -> None:
    # Given every call that hands a message to the client (a violation, a code issue, a user
    # error, a client error, an HTTP refusal),
    built = []
    for source, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = MESSAGE_ARGUMENTS.get(str(name))
            arguments = {keyword.arg: keyword.value for keyword in node.keywords}
            message = arguments.get("message")
            if message is None and position is not None and len(node.args) > position:
                message = node.args[position]
            # Then none is given text written in place (a literal or an f-string).
            if isinstance(message, ast.JoinedStr) or (
                isinstance(message, ast.Constant) and isinstance(message.value, str)
            ):
                built.append(f"{source.relative_to(ROOT)}:{node.lineno} {name}")
    assert built == [], "\n".join(built)


# --- a message and its languages ------------------------------------------------------------


def test_a_message_is_its_english_text_and_says_itself_in_chinese() -> None:
    # Given a message of the catalog with a field,
    message = t("obligation.not_found", id="OBL-1")
    # Then as text it is its English rendering, as it always was,
    assert message == "There is no obligation OBL-1 of yours."
    assert isinstance(message, str)
    # and it carries its key and fields, to be said in Chinese where it leaves the API.
    assert (message.key, dict(message.params)) == ("obligation.not_found", {"id": "OBL-1"})
    assert render(message, CHINESE) == "没有属于贵企业的义务 OBL-1。"
    assert render(message, ENGLISH) == message


def test_a_phrase_within_a_message_is_said_in_the_same_language() -> None:
    # Given a sentence whose field is itself a message (what cannot be done to a battery),
    action = t("event.action.supplied_to_automaker")
    message = t("event.wrong_status", code="X12", action=action, status="DISPOSED")
    # Then each language says the phrase in its own words, codes and values untouched.
    assert message == "Battery X12 cannot be supplied to an automaker: its status is DISPOSED."
    assert render(message, CHINESE) == "电池 X12 不能供应给汽车生产企业：其状态为 DISPOSED。"


def test_numbers_lists_and_names_are_said_as_each_language_writes_them() -> None:
    # Given a count, a list of codes and a name the data holds in both languages,
    more = t("input.more_problems", more=12_345)
    repeated = t("list.repeated", items=listing(["A1", "B2"]))
    named = t("code.letter_named", letter="P", name=both("pack", "电池包"))
    # Then digits are grouped as today, lists joined with a comma or the enumeration comma,
    assert more.startswith("12,345 more problems")
    assert render(more, CHINESE).startswith("另有 12,345 个问题")
    assert (repeated, render(repeated, CHINESE)) == (
        "Listed more than once: A1, B2.",
        "以下各项重复列出：A1、B2。",
    )
    # and a name is said as the data says it in each language.
    assert (named, render(named, CHINESE)) == ("P (pack)", "P（电池包）")


def test_text_that_is_not_a_catalog_message_passes_unchanged() -> None:
    assert render("Syntax Error: Unexpected Name 'x'.", CHINESE) == (
        "Syntax Error: Unexpected Name 'x'."
    )


def test_a_message_copied_pickled_or_raised_stays_a_message() -> None:
    message = t("obligation.not_found", id="OBL-1")
    for copied in (copy.deepcopy(message), pickle.loads(pickle.dumps(message))):
        assert isinstance(copied, Message)
        assert render(copied, CHINESE) == render(message, CHINESE)
    assert render(message_of(ClientError(message)), CHINESE) == render(message, CHINESE)


def test_an_unknown_key_is_a_mistake_in_the_code() -> None:
    with pytest.raises(KeyError):
        t("battery.no_such_message")


# --- samples of what the domain says --------------------------------------------------------


def test_a_mistyped_vin_is_explained_in_each_language() -> None:
    # Given a VIN whose check digit does not match its other characters,
    good = vin(7)
    bad = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    [issue] = check_vin(bad)
    # Then the English says where and why, and so does the Chinese, position and values kept.
    assert issue.code == "CHECK_DIGIT_MISMATCH"
    assert issue.message.startswith("position 9 (check digit): found ")
    chinese = render(issue.message, CHINESE)
    assert chinese.startswith("第 9 位（校验位）：填写的是 ")
    assert "GB 16735" in chinese


def test_a_battery_not_found_reads_the_same_whoever_holds_it_in_each_language() -> None:
    message = unknown_battery("X12PB0100000019Z0000001").message
    assert message.startswith("There is no battery X12PB0100000019Z0000001 that your enterprise")
    assert render(message, CHINESE).startswith(
        "没有由贵企业持有或负责的电池 X12PB0100000019Z0000001。"
    )


def test_a_forbidden_operation_names_who_may_do_it_in_each_language() -> None:
    # Given a regulator (who writes nothing) asking to record an event,
    refusal = EventRecorder().refusal(Principal(subject="reg", role=Role.REGULATOR))
    assert refusal is not None
    # Then both languages name who may, and the caller's role as the code it is.
    assert refusal == (
        "Only an enterprise user or partner system can do this; this token's role is REGULATOR."
    )
    assert render(refusal, CHINESE) == (
        "只有企业用户或合作方系统可以执行此操作；此令牌的角色为 REGULATOR。"
    )


def test_a_cursor_not_issued_by_the_api_is_refused_in_each_language() -> None:
    with pytest.raises(ClientError) as refused:
        decode_cursor("not-a-cursor", "binding", b"secret")
    assert refused.value.message.startswith("The 'after' cursor is not one this API issued")
    assert render(refused.value.message, CHINESE).startswith("'after' 游标不是本接口为此查询签发的")


class TestWaiverReasons:
    """A waiver's reason is counted fairly across scripts: a wide character counts twice."""

    def test_five_chinese_characters_weigh_as_much_as_ten_latin_letters(self) -> None:
        assert weighed("车型未投产") == REASON_MIN_LENGTH == weighed("not in use")

    def test_a_short_chinese_reason_is_accepted(self) -> None:
        # Given an open duty, When it is waived because the model never went into production,
        closing = waive(_open_duty(), "车型未投产", now=NOW, by="admin")
        # Then the waiver is accepted.
        assert closing.violations == ()
        assert closing.changed

    def test_a_reason_too_short_says_the_rule_in_each_language(self) -> None:
        # Given an open duty, When it is waived for a reason of three Chinese characters,
        closing = waive(_open_duty(), "不适用", now=NOW, by="admin")
        # Then it is refused, saying in each language how a reason is counted.
        [violation] = closing.violations
        assert violation.code == "REASON_REQUIRED"
        assert violation.message.startswith(
            "Say why the duty does not apply (at least 10 characters, or 5 Chinese characters)"
        )
        assert "至少 10 个字符，或 5 个汉字" in render(violation.message, CHINESE)


NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def _open_duty() -> ObligationRecord:
    duty = Obligation(
        id="ob_0123456789abcdef01234567",
        rule_id="COLLECTION_POINT_COVERAGE",
        rule_set_id="CN-MIIT-2023-DRAFT",
        rule_set_version="2023-12-15.1",
        responsible_enterprise="91350100M000100Y43",
        responsible_role="AUTOMAKER",
        subject_kind=SubjectKind.PREFECTURE,
        subject_id="350100",
        trigger_event_id="ev_1",
        trigger_kind=EventKind.VEHICLE_REGISTERED,
        trigger_date=date(2026, 9, 24),
        period=Period.parse("STANDING"),
        deadline=None,
    )
    return new_record(duty, NOW)


# --- the language of a request --------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN", CHINESE),
        ("zh", CHINESE),
        ("zh-Hans-CN", CHINESE),
        ("zh-TW", CHINESE),
        ("en", ENGLISH),
        ("en-US,en;q=0.9", ENGLISH),
        ("fr-FR, en;q=0.5, zh;q=0.8", CHINESE),
        ("en;q=0.2, zh-CN;q=0.1", ENGLISH),
        ("ja, EN-GB;q=0.7", ENGLISH),
        ("zh;q=0, en;q=0.3", ENGLISH),
    ],
)
def test_accept_language_chooses_by_quality_then_order(header: str, language: str) -> None:
    assert negotiate(header, default="x") == language


@pytest.mark.parametrize("header", [None, "", "fr", "*", "de;q=1, *;q=0.5", "en;q=nonsense"])
def test_a_header_that_names_neither_language_leaves_the_default(header: str | None) -> None:
    assert negotiate(header, default="x") == "x"


def test_people_read_chinese_and_partner_systems_english_unless_they_ask() -> None:
    person = Principal(subject="u1", role=Role.ENTERPRISE_USER, enterprise_id="E")
    partner = Principal(subject="partner-key:k1", role=Role.PARTNER, enterprise_id="E")
    assert language_for(person, None) == CHINESE
    assert language_for(None, None) == CHINESE  # a browser not signed in yet
    assert language_for(partner, None) == ENGLISH
    assert language_for(person, "en-US") == ENGLISH
    assert language_for(partner, "zh-CN,zh;q=0.9") == CHINESE
