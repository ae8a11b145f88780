"""A deployment's timeline of rule sets: which one governs an event's date, and how the
setting is read and refused."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.calendar import FIRST_SUPPORTED_DAY
from compliance.rule_timeline import configured_rules, parse_timeline
from compliance.rules import DEFAULT_RULE_SET, Period, RuleSetError, load_rule_set

IN_FORCE = "CN-TRACE-2018@2018-08-01,CN-MIIT-2023-DRAFT@2026-04-01"


def test_each_date_is_governed_by_the_rule_set_in_force_on_it() -> None:
    # Given the 2018 provisions until 2026-03-31 and another rule set from 2026-04-01
    timeline = parse_timeline(IN_FORCE)
    # Then the day before the change, the day of it, and a day before the first start say so
    governing = {
        day: (rule_set.id if (rule_set := timeline.on(date.fromisoformat(day))) else None)
        for day in ("2018-07-31", "2018-08-01", "2026-03-31", "2026-04-01", "2030-01-01")
    }
    assert governing == {
        "2018-07-31": None,
        "2018-08-01": "CN-TRACE-2018",
        "2026-03-31": "CN-TRACE-2018",
        "2026-04-01": "CN-MIIT-2023-DRAFT",
        "2030-01-01": "CN-MIIT-2023-DRAFT",
    }
    assert str(timeline) == IN_FORCE


def test_an_unset_deployment_follows_the_2023_draft_on_every_date() -> None:
    timeline = configured_rules({})
    assert timeline.on(FIRST_SUPPORTED_DAY) == load_rule_set(DEFAULT_RULE_SET)
    assert timeline.on(date(2099, 12, 31)) == load_rule_set(DEFAULT_RULE_SET)


def test_rule_set_id_is_the_shorthand_for_a_timeline_of_one() -> None:
    timeline = configured_rules({"RULE_SET_ID": "CN-TRACE-2018"})
    assert [rs.id for rs in timeline.rule_sets] == ["CN-TRACE-2018"]
    assert timeline.on(date(2026, 5, 1)) == load_rule_set("CN-TRACE-2018")


def test_an_override_changes_the_rule_in_every_rule_set_that_has_it() -> None:
    # Given a 20-working-day production upload, which both rule sets define
    timeline = configured_rules(
        {"RULE_SET_TIMELINE": IN_FORCE, "RULE_PERIOD_OVERRIDES": "PRODUCTION_TRACE_UPLOAD=20WD"}
    )
    # Then both carry it, each under a version that says it was overridden
    for rule_set in timeline.rule_sets:
        assert rule_set.rule("PRODUCTION_TRACE_UPLOAD").period == Period.parse("20WD")
        assert "+override." in rule_set.version


def test_a_recorded_rule_is_found_by_its_rule_set_and_id() -> None:
    timeline = parse_timeline(IN_FORCE)
    rule = timeline.rule("CN-TRACE-2018", "PRODUCTION_TRACE_UPLOAD")
    assert rule is not None
    assert str(rule.period) == "15WD"
    assert timeline.rule("CN-TRACE-2018", "NO_SUCH_RULE") is None
    assert timeline.rule("EU-2023", "PRODUCTION_TRACE_UPLOAD") is None


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"RULE_SET_TIMELINE": "CN-TRACE-2018@2018-08-01,EU-2023@2026-04-01"}, "no rule set 'EU"),
        ({"RULE_SET_TIMELINE": "CN-TRACE-2018@2018-08-01,CN-MIIT-2023-DRAFT"}, "needs the day"),
        ({"RULE_SET_TIMELINE": "CN-TRACE-2018@1 April"}, "'1 April' in .* is not a date"),
        (
            {"RULE_SET_TIMELINE": "CN-MIIT-2023-DRAFT@2026-04-01,CN-TRACE-2018@2018-08-01"},
            "list the rule sets in date order",
        ),
        ({"RULE_SET_TIMELINE": " , "}, "is empty"),
        ({"RULE_SET_TIMELINE": IN_FORCE, "RULE_SET_ID": "CN-TRACE-2018"}, "set one"),
        ({"RULE_SET_TIMELINE": IN_FORCE, "RULE_PERIOD_OVERRIDES": "NOPE=1WD"}, "no rule set of"),
    ],
)
def test_a_timeline_that_cannot_be_followed_is_refused_with_the_reason(
    environment: dict[str, str], message: str
) -> None:
    with pytest.raises(RuleSetError, match=message):
        configured_rules(environment)
