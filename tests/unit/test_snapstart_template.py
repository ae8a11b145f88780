"""template.yaml runs the API function with SnapStart behind a published alias, and every route
of both HTTP APIs reaches it through that alias."""

from __future__ import annotations

import json
from typing import Any

from local.template import load_template, resources_of_type


def _api_function() -> dict[str, Any]:
    properties: dict[str, Any] = load_template()["Resources"]["ApiFunction"]["Properties"]
    return properties


def test_api_function_snapshots_its_published_versions_behind_an_alias() -> None:
    api = _api_function()
    assert api["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert api["AutoPublishAlias"] == "live"


def test_both_http_apis_reach_the_api_function_through_sam_events() -> None:
    # SAM points an HttpApi event's integration and permission at AutoPublishAlias's alias
    # (`make template` transforms and checks it offline).
    events = _api_function()["Events"].values()
    assert {event["Type"] for event in events} == {"HttpApi"}
    assert {event["Properties"]["ApiId"]["Ref"] for event in events} == {
        "HttpApi",
        "PartnerHttpApi",
    }


def test_no_hand_written_integration_calls_the_unpublished_function() -> None:
    # An integration to the function's own ARN would invoke $LATEST, which has no snapshot.
    template = load_template()
    for name, integration in resources_of_type(template, "AWS::ApiGatewayV2::Integration").items():
        text = json.dumps(integration)
        assert "ApiFunction.Arn" not in text, name
        assert '["ApiFunction", "Arn"]' not in text, name
