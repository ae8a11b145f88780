"""Messages in the caller's language, through ``functions.api.handler`` on in-process moto.

Every refusal of the bad-input catalog (tests/e2e/test_bad_input_catalog.py, the same cases on
the same seeded world) is sent asking for Chinese, and every message it gets is Chinese but
graphql-core's own; a sample of refusals reads as it should in each language; people read
Chinese and partner systems English unless their ``Accept-Language`` asks otherwise; and every
answer names its language in ``Content-Language``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

import functions.api
from compliance.messages import CHINESE, ENGLISH
from local.aws import local_aws
from local.calls import api_event, bearer_header, function_settings
from local.demo import FUZHOU_MOTORS
from tests.e2e.test_bad_input_catalog import (
    CASES,
    Case,
    Request,
    World,
    _seed,
    discover,
    mutate,
    placeholders,
    post,
    production_settings,
    refusals,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
# What graphql-core and Strawberry's own limits say about a document (it does not parse, does
# not validate, its variables do not fit their types): their words, in English.
THEIR_OWN = frozenset({"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})
CURSOR = '{ obligations(after: "garbage") { edges { node { id } } } }'
OPEN_DUTIES = """{ obligations(first: 200, filter: {status: [OPEN, OVERDUE]}) {
    edges { node { id ruleId } } } }"""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str]


def send(
    request: Request, language: str | None, authorizer: Mapping[str, Any] | None = None
) -> Answer:
    """`request` through the API function, asking for `language` (None: no Accept-Language);
    with `authorizer`, as the partner API's Lambda authorizer passes a partner key's context."""
    event = api_event(
        method=request.method,
        body=request.body,
        content_type=request.content_type,
        raw_query=request.query_string,
        auth=None if authorizer else bearer_header(request.role, request.enterprise),
        language=language,
    )
    if authorizer is not None:
        event["requestContext"]["authorizer"] = {"lambda": dict(authorizer)}
    response = functions.api.handler(event, function_settings().context())
    return Answer(response["statusCode"], json.loads(response["body"]), response["headers"])


def messages(answer: Answer) -> list[str]:
    return [r.message for r in refusals(answer.body)]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """Given the catalog's world, seeded once for the module on in-process moto."""
    with local_aws():
        _seed()
        yield discover(lambda request: _as_pair(send(request, ENGLISH)))


def _as_pair(answer: Answer) -> tuple[int, Any]:
    return answer.status, answer.body


def _case(name: str) -> Case:
    return next(case for case in CASES if case.name == name)


# --- every refusal, in Chinese --------------------------------------------------------------


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_every_catalogued_refusal_is_said_in_chinese_with_its_codes_unchanged(
    case: Case, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a bad request of the catalog, sent with Accept-Language: zh-CN,
    if case.production:
        settings = production_settings()
        monkeypatch.setattr(functions.api, "settings_from_environment", lambda: settings)
    answer = send(case.request(world), CHINESE)
    # Then it gets the catalogued status, codes and field, as in English,
    assert answer.status == case.status, answer.body
    found = refusals(answer.body)
    assert sorted(str(r.code) for r in found) == sorted(case.codes), answer.body
    if case.field is not None:
        assert case.field in [r.field for r in found if r.code == case.codes[0]]
    # and every message is in Chinese, graphql-core's own about the document aside,
    english = [r for r in found if r.code not in THEIR_OWN and not CJK.search(r.message)]
    assert english == []
    # and the answer says it is.
    assert answer.headers["content-language"] == CHINESE


# --- a sample in each language --------------------------------------------------------------

SAMPLES = [
    ("VIN with a wrong check digit", "第 9 位（校验位）：填写的是"),
    ("supply of an unknown battery", "没有由贵企业持有或负责的电池"),
    (
        "regulator recording an event",
        "只有企业用户或合作方系统可以执行此操作；此令牌的角色为 REGULATOR。",
    ),
    ("cursor this API did not issue", "'after' 游标不是本接口为此查询签发的；"),
    ("waiver without a reason", "（至少 10 个字符，或 5 个汉字：一个汉字计 2 个字符）"),
]


@pytest.mark.parametrize(("name", "chinese"), SAMPLES, ids=[name for name, _ in SAMPLES])
def test_a_refusal_reads_as_written_in_each_language(name: str, chinese: str, world: World) -> None:
    # Given a bad request: a mistyped VIN, a battery not found, a forbidden operation, a cursor
    # the API did not issue, a waiver whose reason is too short,
    case = _case(name)
    request = case.request(world)
    # When it is sent asking for English, and again asking for Chinese,
    english, chinese_answer = send(request, ENGLISH), send(request, CHINESE)
    # Then the English is the catalogued message and the Chinese says the same in Chinese,
    assert any(case.fragment.format(**placeholders(world)) in m for m in messages(english))
    assert any(chinese in m for m in messages(chinese_answer)), messages(chinese_answer)
    # with the same codes in both.
    codes = [r.code for r in refusals(english.body)]
    assert [r.code for r in refusals(chinese_answer.body)] == codes


def test_a_decoded_codes_issues_are_said_in_each_language(world: World) -> None:
    # Given a battery code with a lower-case letter and a serial with letters, decoded,
    decode = post(
        """{ decodeBatteryCode(code: "x12PB010000001G32000000A") {
        valid errors { code message positions } } }"""
    )
    english = _data(send(decode, ENGLISH))["decodeBatteryCode"]
    chinese = _data(send(decode, CHINESE))["decodeBatteryCode"]
    # Then the same issues are reported, with the same codes and positions, in each language.
    assert not english["valid"]
    assert [(e["code"], e["positions"]) for e in chinese["errors"]] == [
        (e["code"], e["positions"]) for e in english["errors"]
    ]
    said = {e["code"]: e["message"] for e in chinese["errors"]}
    assert said["LOWER_CASE_LETTER"].startswith("第 1 位（厂商代码）：'x' 是小写字母")
    assert all(CJK.search(e["message"]) for e in chinese["errors"])
    assert not any(CJK.search(e["message"]) for e in english["errors"])


# --- who reads which language ---------------------------------------------------------------

PARTNER_KEY = {
    "sub": "partner-key:k1",
    "role": "PARTNER",
    "enterprise_id": FUZHOU_MOTORS,
    "scopes": "read",
}


@pytest.mark.parametrize(
    ("who", "header", "language"),
    [
        ("person", None, CHINESE),
        ("person", "en-US,en;q=0.9", ENGLISH),
        ("partner token", None, ENGLISH),
        ("partner token", "zh-CN,zh;q=0.9", CHINESE),
        ("partner key", None, ENGLISH),
        ("partner key", "zh", CHINESE),
        ("nobody", None, CHINESE),
    ],
)
def test_people_read_chinese_and_partner_systems_english_unless_they_ask(
    who: str, header: str | None, language: str, world: World
) -> None:
    # Given a request the API refuses, from a person (a JWT), a partner system (its token, or its
    # key through the partner API's authorizer) or nobody signed in, with or without a header,
    request = post(CURSOR, role="PARTNER" if who == "partner token" else "ENTERPRISE_ADMIN")
    if who == "nobody":
        answer = _unsigned(request, header)
    else:
        key = PARTNER_KEY if who == "partner key" else None
        answer = send(request, header, authorizer=key)
    # Then it is answered in the language the header asks for, else the caller's default,
    said = messages(answer)
    assert said, answer.body
    assert all(bool(CJK.search(m)) == (language == CHINESE) for m in said), said
    # and says so.
    assert answer.headers["content-language"] == language


def _unsigned(request: Request, language: str | None) -> Answer:
    event = api_event(body=request.body, language=language)
    response = functions.api.handler(event, function_settings().context())
    return Answer(response["statusCode"], json.loads(response["body"]), response["headers"])


# --- what every answer says of its language -------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (post("{ me { role } }"), 200),
        (post("{ me { role "), 400),
        (Request(method="PUT"), 405),
        (Request(body=b"query=x", content_type="text/plain"), 415),
    ],
    ids=["answered", "syntax error", "method not allowed", "not JSON"],
)
@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_every_answer_names_its_language(
    request_: Request, status: int, language: str, world: World
) -> None:
    answer = send(request_, language)
    assert answer.status == status
    assert answer.headers["content-language"] == language


def test_an_idempotency_key_refusal_is_said_in_the_callers_language(world: World) -> None:
    # Given a mutation sent with an Idempotency-Key that cannot be one, asking for Chinese,
    request = mutate(
        "announceModel", "AnnounceModelInput", {"model": "FZ9001BEV", "announcedOn": "2026-01-05"}
    )
    event = api_event(
        body=request.body,
        auth=bearer_header(request.role, request.enterprise),
        language=CHINESE,
    )
    event["headers"]["idempotency-key"] = "bad"
    response = functions.api.handler(event, function_settings().context())
    # Then it is refused in Chinese, and says so.
    assert response["statusCode"] == 400
    [error] = json.loads(response["body"])["errors"]
    assert error["message"].startswith("Idempotency-Key 请求头须由 8 到 128 个")
    assert response["headers"]["content-language"] == CHINESE


# --- the waiver rule, counted fairly --------------------------------------------------------


def test_a_waiver_reason_of_five_chinese_characters_is_accepted(world: World) -> None:
    # Given an open duty of the automaker's other than the one the catalog's cases refer to,
    # (this test changes it, so it runs last in the module)
    edges = _data(send(post(OPEN_DUTIES), ENGLISH))["obligations"]["edges"]
    duty = next(e["node"]["id"] for e in edges if e["node"]["id"] != world.open_duty)
    # When an administrator waives it because the model never went into production,
    waiver = {"id": duty, "reason": "车型未投产"}
    answer = send(mutate("waiveObligation", "WaiveObligationInput", waiver), CHINESE)
    # Then the waiver is accepted: five Chinese characters say as much as ten Latin letters.
    assert refusals(answer.body) == []


def _data(answer: Answer) -> Any:
    assert answer.status == 200, answer.body
    assert "errors" not in answer.body, answer.body
    return answer.body["data"]
