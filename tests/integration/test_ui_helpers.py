"""The read-only helpers web and mobile clients build on, so that none re-implements China's
working-day calendar or the rule sets: `workingDay`, `restDays` and `deadline` answer from the
calendar in force, `ruleSets` from the deployment's timeline; every signed-in role may call
them (a partner with the `read` scope), nobody else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from compliance.calendar import FIRST_SUPPORTED_DAY
from compliance.rules import DEFAULT_RULE_SET, load_rule_set
from graph.limits import REST_DAYS_MAX_SPAN
from local.aws import local_aws
from local.calls import bearer_header
from tests.api import gql, onboard
from tests.builders import AUTOMAKER_ID

USER = bearer_header("ENTERPRISE_USER", AUTOMAKER_ID)
PARTNER = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["read"])

WORKING_DAY = """query ($date: Date!) { workingDay(date: $date) {
    date workingDay restReason makeUpWorkday announced provisional calendarVersion } }"""
REST_DAYS = "query ($from: Date!, $to: Date!) { restDays(from: $from, to: $to) }"
DEADLINE = """query ($trigger: Date!, $period: String!) { deadline(trigger: $trigger,
    period: $period) { trigger period dueDate dueAt provisional calendarVersion } }"""
RULE_SETS = """{ ruleSets { id version titleZh titleEn issuer publishedOn status source
    inForceFrom rules { id nameEn period confidence } } }"""


@pytest.fixture(scope="module", autouse=True)
def world() -> Iterator[Any]:
    """Given an automaker onboarded, and the shipped calendar (2026 announced, 2027 not)."""
    with local_aws() as client:
        onboard(AUTOMAKER_ID, "Fuzhou Motors", ["AUTOMAKER"])
        yield client


def working_day(day: str, auth: str = USER) -> dict[str, Any]:
    result = gql(WORKING_DAY, {"date": day}, auth=auth)
    assert "errors" not in result, result
    answer: dict[str, Any] = result["data"]["workingDay"]
    assert answer["date"] == day
    return answer


def deadline(trigger: str, period: str) -> Any:
    return gql(DEADLINE, {"trigger": trigger, "period": period}, auth=USER)


def refusal(result: Any) -> dict[str, Any]:
    """The one error of a refused request, with its message and extensions."""
    assert result["data"] is None, result
    [error] = result["errors"]
    found: dict[str, Any] = error
    return found


def test_a_weekday_of_an_announced_year_is_a_working_day() -> None:
    # When a client asks about Wednesday 2026-09-30,
    answer = working_day("2026-09-30")
    # Then it is a working day, with no reason to rest, from an announced, final schedule.
    assert answer["workingDay"] is True
    assert answer["restReason"] is None
    assert answer["makeUpWorkday"] is False
    assert answer["announced"] is True
    assert answer["provisional"] is False
    assert answer["calendarVersion"] >= 1


def test_an_ordinary_saturday_is_a_rest_day_for_the_weekend() -> None:
    # When a client asks about Saturday 2026-09-19,
    answer = working_day("2026-09-19")
    # Then it is a rest day because it is a weekend.
    assert (answer["workingDay"], answer["restReason"]) == (False, "WEEKEND")
    assert answer["makeUpWorkday"] is False


def test_national_day_is_a_rest_day_for_the_statutory_holiday() -> None:
    # When a client asks about Thursday 2026-10-01 (National Day),
    answer = working_day("2026-10-01")
    # Then it is a rest day because it is a statutory holiday, and final.
    assert (answer["workingDay"], answer["restReason"]) == (False, "STATUTORY_HOLIDAY")
    assert answer["provisional"] is False


def test_a_make_up_saturday_is_a_working_day_flagged_as_made_up() -> None:
    # When a client asks about Saturday 2026-10-10, declared a working day,
    answer = working_day("2026-10-10")
    # Then it is a working day, flagged as a make-up working day.
    assert answer["workingDay"] is True
    assert answer["restReason"] is None
    assert answer["makeUpWorkday"] is True


def test_a_day_of_an_unannounced_year_is_answered_provisionally() -> None:
    # When a client asks about a Wednesday of 2027, whose schedule is not announced,
    answer = working_day("2027-03-03")
    # Then the answer is given, from the estimate, and marked provisional.
    assert answer["workingDay"] is True
    assert answer["announced"] is False
    assert answer["provisional"] is True


def test_a_partner_with_the_read_scope_may_ask() -> None:
    # When a partner system with the `read` scope asks, Then it is answered like anyone.
    assert working_day("2026-10-01", auth=PARTNER)["restReason"] == "STATUTORY_HOLIDAY"


def test_the_rest_days_over_national_day_are_exactly_the_weekends_and_holidays() -> None:
    # When a client asks for the rest days from 2026-09-26 to 2026-10-11,
    result = gql(REST_DAYS, {"from": "2026-09-26", "to": "2026-10-11"}, auth=USER)
    # Then they are the weekend before, the eight days of the holiday and the Sunday after:
    # not the make-up Saturday 2026-10-10.
    assert "errors" not in result, result
    assert result["data"]["restDays"] == [
        "2026-09-26",
        "2026-09-27",
        "2026-10-01",
        "2026-10-02",
        "2026-10-03",
        "2026-10-04",
        "2026-10-05",
        "2026-10-06",
        "2026-10-07",
        "2026-10-11",
    ]


def test_rest_days_over_more_than_a_year_are_refused_naming_the_limit() -> None:
    # When a client asks for the rest days of 367 days apart,
    result = gql(REST_DAYS, {"from": "2026-01-01", "to": "2027-01-03"}, auth=USER)
    # Then it is refused as bad input naming the limit and the span sent.
    error = refusal(result)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["limit"] == REST_DAYS_MAX_SPAN
    assert error["extensions"]["length"] == 367
    assert f"at most {REST_DAYS_MAX_SPAN} days apart" in error["message"]
    # And a span of exactly the limit (2028, a leap year, and the day after) is answered.
    whole = gql(REST_DAYS, {"from": "2028-01-01", "to": "2029-01-01"}, auth=USER)
    assert "errors" not in whole, whole


def test_rest_days_from_a_day_after_the_last_are_refused() -> None:
    # When `to` is before `from`, Then it is refused as bad input about `to`.
    error = refusal(gql(REST_DAYS, {"from": "2026-10-11", "to": "2026-09-26"}, auth=USER))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "to"}


@pytest.mark.parametrize(
    ("trigger", "period", "due"),
    [
        ("2026-09-12", "20D", "2026-10-08"),  # 2 October is a holiday: on to the next working day
        ("2026-09-24", "10WD", "2026-10-15"),  # the holiday's days do not count
        ("2026-04-01", "6M", "2026-10-08"),  # 1 October is a holiday: on to the next working day
    ],
)
def test_a_deadline_is_computed_as_obligations_are(trigger: str, period: str, due: str) -> None:
    # When a client asks for the deadline of `period` from `trigger`,
    result = deadline(trigger, period)
    # Then it is the due day obligations would get, due at its end, China time, and final.
    assert "errors" not in result, result
    answer = result["data"]["deadline"]
    assert answer["period"] == period
    assert answer["dueDate"] == due
    assert answer["dueAt"] == f"{due}T23:59:59.999000+08:00"
    assert answer["provisional"] is False
    assert answer["calendarVersion"] >= 1


def test_a_deadline_in_an_unannounced_year_is_provisional() -> None:
    # When the deadline falls in 2027, not announced, Then it is marked provisional.
    result = deadline("2026-12-20", "20D")
    assert result["data"]["deadline"]["provisional"] is True, result


def test_a_period_that_cannot_be_read_is_refused_with_how_to_write_one() -> None:
    # When a client sends the period "ten days",
    error = refusal(deadline("2026-09-12", "ten days"))
    # Then it is refused as bad input about the period, with the parser's explanation.
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "period"}
    assert error["message"].startswith("Period 'ten days' is not understood")
    assert "'10WD'" in error["message"]


def test_a_standing_period_has_no_deadline() -> None:
    # When a client asks for the deadline of a standing duty, Then it is refused as bad input.
    error = refusal(deadline("2026-09-12", "STANDING"))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "period"}


def test_a_date_outside_the_calendar_is_refused_as_bad_input() -> None:
    # When a client asks about a day before the calendar's first supported day,
    result = gql(WORKING_DAY, {"date": "1999-12-31"}, auth=USER)
    # Then it is refused as bad input about the date, not as an internal error.
    error = refusal(result)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "date"}


def test_the_rule_sets_are_the_deployments_with_their_rules_and_confidence() -> None:
    # When a client lists the rule sets,
    result = gql(RULE_SETS, auth=USER)
    # Then it gets the default rule set, in force from the calendar's first day,
    assert "errors" not in result, result
    [listed] = result["data"]["ruleSets"]
    expected = load_rule_set(DEFAULT_RULE_SET)
    assert listed["id"] == expected.id == DEFAULT_RULE_SET
    assert listed["version"] == expected.version
    assert listed["titleEn"] == expected.title_en
    assert listed["publishedOn"] == expected.published_on.isoformat()
    assert listed["inForceFrom"] == FIRST_SUPPORTED_DAY.isoformat()
    # with each of its rules, its period and how confident the reading of it is.
    assert [(r["id"], r["period"], r["confidence"]) for r in listed["rules"]] == [
        (r.id, str(r.period), r.confidence) for r in expected.rules
    ]
    assert {r["confidence"] for r in listed["rules"]} <= {"C", "S", "A"}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (WORKING_DAY, {"date": "2026-10-01"}),
        (REST_DAYS, {"from": "2026-09-26", "to": "2026-10-11"}),
        (DEADLINE, {"trigger": "2026-09-12", "period": "20D"}),
        (RULE_SETS, None),
    ],
)
def test_a_call_without_credentials_is_unauthenticated(
    query: str, variables: dict[str, Any] | None
) -> None:
    # When a helper is asked without a token, Then it is refused as UNAUTHENTICATED.
    error = refusal(gql(query, variables))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_partner_without_the_read_scope_is_forbidden() -> None:
    # When a partner system lacking the `read` scope lists the rule sets, Then it is forbidden.
    partner = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["events:write"])
    error = refusal(gql(RULE_SETS, auth=partner))
    assert error["extensions"]["code"] == "FORBIDDEN"
