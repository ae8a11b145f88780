"""Partner API keys end to end on moto: issued through the API, checked by the Lambda authorizer
(functions.authorizer.handler) with real authorizer events, and used through the API handler
with the authorizer's context, as the partner API delivers it; then over loopback HTTP through
the local gateway's partner routes."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from compliance.partner_keys import DEV_PEPPER, key_hash
from compliance.store import partner_keys as key_store
from compliance.store.models import EventItem, PartnerKeyItem
from graph.context import Role, principal_from_lambda_context
from local.aws import local_aws
from local.calls import api_event, bearer_header, function_settings, invoke
from local.events import HttpRequest, http_event
from local.gateway import Gateway, authorizer_event
from tests.api import gql, table_snapshot
from tests.builders import AUTOMAKER_ID, OTHER_AUTOMAKER_ID

ADMIN = bearer_header("PLATFORM_ADMIN")
AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
AUTO_SUBJECT = f"local|enterprise_admin|{AUTOMAKER_ID}"
OTHER_AUTO = bearer_header("ENTERPRISE_ADMIN", OTHER_AUTOMAKER_ID)
UNREGISTERED_ID = "91110000100000000T"

REGISTER_ENTERPRISE = """
mutation ($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { userErrors { code } }
}"""
CREATE = """
mutation ($input: CreatePartnerKeyInput!) {
  createPartnerKey(input: $input) {
    key { id name description scopes status createdAt createdBy lastUsedAt enterprise { id } }
    secret
    obligations { id }
    userErrors { field code message }
  }
}"""
REVOKE = """
mutation ($id: ID!) {
  revokePartnerKey(input: {id: $id}) {
    key { id status revokedAt revokedBy }
    secret
    userErrors { field code message }
  }
}"""
LIST = """
query ($id: ID!) { partnerKeys(enterpriseId: $id) { id name status scopes lastUsedAt } }
"""
ANNOUNCE = """
mutation ($input: AnnounceModelInput!) {
  announceModel(input: $input) {
    model { code } obligations { ruleId } userErrors { field code message }
  }
}"""
ME = "{ me { subject role enterpriseId scopes } }"


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[Any]:
    with local_aws() as client:
        # Created from the template with the other tables when it declares PartnerKeysTable,
        # else from the model (the same keys and index: the parity test compares them).
        if not PartnerKeyItem.exists():
            PartnerKeyItem.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        yield client


@pytest.fixture
def onboarded(aws: Any) -> Any:
    """Given two automakers onboarded by the platform."""
    for enterprise_id, name in (
        (AUTOMAKER_ID, "Fuzhou Motors"),
        (OTHER_AUTOMAKER_ID, "Shenzhen EV"),
    ):
        result = gql(
            REGISTER_ENTERPRISE,
            {"input": {"id": enterprise_id, "name": name, "kinds": ["AUTOMAKER"]}},
            auth=ADMIN,
        )
        assert result["data"]["registerEnterprise"]["userErrors"] == []
    return aws


# --- helpers --------------------------------------------------------------------------------


def create_key(
    auth: str = AUTO,
    enterprise_id: str = AUTOMAKER_ID,
    scopes: tuple[str, ...] = ("read", "events:write"),
    name: str = "Dealer ERP",
) -> dict[str, Any]:
    variables = {"input": {"enterpriseId": enterprise_id, "name": name, "scopes": list(scopes)}}
    payload: dict[str, Any] = gql(CREATE, variables, auth=auth)["data"]["createPartnerKey"]
    return payload


def issued(auth: str = AUTO, **kwargs: Any) -> tuple[str, str]:
    """A new key's id and the whole key, issued without user errors."""
    payload = create_key(auth, **kwargs)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["key"]["id"], payload["secret"]


def revoke(key_id: str, auth: str = AUTO) -> dict[str, Any]:
    payload: dict[str, Any] = gql(REVOKE, {"id": key_id}, auth=auth)["data"]["revokePartnerKey"]
    return payload


def partner_request(
    query: str, variables: dict[str, Any] | None = None, api_key: str = ""
) -> HttpRequest:
    body = json.dumps({"query": query, "variables": variables}).encode()
    headers = (("content-type", "application/json"), ("x-api-key", api_key))
    return HttpRequest("POST", "/graphql", "", headers, body, "203.0.113.7")


def authorize(api_key: str) -> dict[str, Any]:
    """The authorizer's answer to a partner API request carrying `api_key`."""
    from functions.authorizer import handler

    event = authorizer_event(
        partner_request(ME, api_key=api_key),
        route_key="POST /graphql",
        request_id=str(uuid.uuid4()),
        now=datetime.now(UTC),
        path_parameters=None,
        identity=[api_key],
        region="ap-southeast-1",
    )
    # The test context has the attributes Powertools reads from Lambda's.
    answer: dict[str, Any] = handler(
        event, cast(LambdaContext, function_settings("PartnerAuthorizerFunction").context())
    )
    return answer


def partner_gql(api_key: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    """Authorize, then call the API with the authorizer's context, as the partner API does."""
    answer = authorize(api_key)
    assert answer["isAuthorized"] is True
    event = http_event(
        partner_request(query, variables, api_key),
        route_key="POST /graphql",
        request_id=str(uuid.uuid4()),
        now=datetime.now(UTC),
        authorizer={"lambda": answer["context"]},
    )
    status, payload = invoke(event)
    assert status == 200, payload
    return payload


def stored_keys(client: Any) -> list[dict[str, Any]]:
    return list(client.scan(TableName=PartnerKeyItem.Meta.table_name)["Items"])


# --- issuing --------------------------------------------------------------------------------


class TestIssuing:
    def test_a_new_key_is_shown_once_and_only_its_hash_is_stored(self, onboarded: Any) -> None:
        # When the automaker's administrator creates a key for its ERP
        payload = create_key(scopes=("read", "events:write"))
        # Then the response carries the whole key, once, with the record and no obligations
        assert payload["userErrors"] == []
        assert payload["obligations"] == []
        key, secret = payload["key"], payload["secret"]
        assert secret.startswith(f"nevk_{key['id']}_")
        assert key["status"] == "ACTIVE"
        assert key["scopes"] == ["events:write", "read"]
        assert key["enterprise"] == {"id": AUTOMAKER_ID}
        assert (key["createdBy"], key["lastUsedAt"]) == (AUTO_SUBJECT, None)
        # And the table holds the key's HMAC, never the key nor its secret part
        raw = json.dumps(stored_keys(onboarded))
        assert secret not in raw
        # (the secret part may itself contain "_": it is everything after the id's prefix)
        assert secret.removeprefix(f"nevk_{key['id']}_") not in raw
        assert key_hash(secret, DEV_PEPPER.encode()) in raw
        # And nothing can read the secret again: the listing has the key, but no such field
        listed = gql(LIST, {"id": AUTOMAKER_ID}, auth=AUTO)["data"]["partnerKeys"]
        assert [k["id"] for k in listed] == [key["id"]]
        query = "query ($id: ID!) { partnerKeys(enterpriseId: $id) { id secret } }"
        status, refused = invoke(api_event(query, {"id": AUTOMAKER_ID}, auth=AUTO))
        assert status == 400
        assert "secret" in refused["errors"][0]["message"]

    def test_the_platform_issues_keys_for_registered_enterprises_only(self, onboarded: Any) -> None:
        # Given the platform administrator, When it creates keys for a registered enterprise
        # and for an unregistered USCC
        registered = create_key(ADMIN, enterprise_id=OTHER_AUTOMAKER_ID)
        unregistered = create_key(ADMIN, enterprise_id=UNREGISTERED_ID)
        # Then the first is issued and the second is not found
        assert registered["userErrors"] == []
        assert registered["key"]["enterprise"] == {"id": OTHER_AUTOMAKER_ID}
        assert unregistered["key"] is None
        assert unregistered["secret"] is None
        assert [(e["field"], e["code"]) for e in unregistered["userErrors"]] == [
            (["input", "enterpriseId"], "NOT_FOUND")
        ]

    def test_invalid_input_is_refused_with_every_reason_and_nothing_written(
        self, onboarded: Any
    ) -> None:
        before = table_snapshot(onboarded)
        # When the name is blank and one scope is unknown
        payload = create_key(name="  ", scopes=("read", "admin"))
        # Then both reasons come back by input path, and nothing is stored
        assert payload["key"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "name"], "REQUIRED"),
            (["input", "scopes", "1"], "UNKNOWN_SCOPE"),
        ]
        assert table_snapshot(onboarded) == before


# --- the limit on active keys ---------------------------------------------------------------


class TestActiveKeyLimit:
    def test_a_third_active_key_is_refused_until_one_is_revoked(self, onboarded: Any) -> None:
        # Given two active keys
        first, _ = issued()
        issued(name="Dealer ERP, next")
        before = table_snapshot(onboarded)
        # When a third is asked for
        third = create_key(name="Another system")
        # Then it is refused with the way out, and nothing is written
        assert third["key"] is None
        [error] = third["userErrors"]
        assert (error["field"], error["code"]) == (
            ["input", "enterpriseId"],
            "TOO_MANY_ACTIVE_KEYS",
        )
        assert "revoke one" in error["message"]
        assert table_snapshot(onboarded) == before
        # And once one is revoked, it is issued
        assert revoke(first)["userErrors"] == []
        assert create_key(name="Another system")["userErrors"] == []

    def test_the_limit_is_decided_by_the_count_inside_the_write(self, onboarded: Any) -> None:
        # Given a count of two active keys that another request wrote after this one could
        # have looked (no key rows to see, only the count the transaction checks)
        PartnerKeyItem(pk=f"ENT#{AUTOMAKER_ID}", active_keys=2).save()
        # When a key is issued, Then the transaction's condition refuses it
        payload = create_key()
        assert [e["code"] for e in payload["userErrors"]] == ["TOO_MANY_ACTIVE_KEYS"]
        assert gql(LIST, {"id": AUTOMAKER_ID}, auth=AUTO)["data"]["partnerKeys"] == []


# --- the authorizer -------------------------------------------------------------------------


class TestAuthorizer:
    def test_a_valid_key_is_allowed_as_a_partner_of_its_enterprise_with_its_scopes(
        self, onboarded: Any
    ) -> None:
        key_id, api_key = issued(scopes=("read", "obligations:write"))
        # When the authorizer sees the key
        answer = authorize(api_key)
        # Then it allows it with the key's enterprise and scopes as context
        assert answer == {
            "isAuthorized": True,
            "context": {
                "role": "PARTNER",
                "enterprise_id": AUTOMAKER_ID,
                "scopes": "obligations:write read",
                "sub": f"partner-key:{key_id}",
            },
        }
        # And that context is a PARTNER principal with exactly those scopes
        principal = principal_from_lambda_context(answer["context"])
        assert principal is not None
        assert (principal.role, principal.enterprise_id) == (Role.PARTNER, AUTOMAKER_ID)
        assert principal.scopes == frozenset({"read", "obligations:write"})

    def test_malformed_unknown_and_wrongly_completed_keys_are_refused(self, onboarded: Any) -> None:
        key_id, api_key = issued()
        unknown = api_key.replace(key_id, "zzzzzzzzzzzz")
        wrong_secret = api_key[:-1] + ("A" if api_key[-1] != "A" else "B")
        for presented in ("not-a-key", unknown, wrong_secret, api_key.upper()):
            assert authorize(presented) == {"isAuthorized": False}, presented

    def test_a_use_is_recorded_at_most_once_per_resolution(self, onboarded: Any) -> None:
        key_id, api_key = issued()
        first = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
        pepper = DEV_PEPPER.encode()

        def last_used() -> datetime | None:
            key = key_store.get(key_id)
            assert key is not None
            return key.last_used_at

        # When the key is used, used again a minute later, then six minutes after the first
        assert key_store.authenticate(api_key, pepper, first).key is not None
        assert last_used() == first
        assert key_store.authenticate(api_key, pepper, first + timedelta(minutes=1)).key
        # Then the second use wrote nothing and the third moved the time
        assert last_used() == first
        later = first + timedelta(minutes=6)
        assert key_store.authenticate(api_key, pepper, later).key is not None
        assert last_used() == later


# --- partner requests -----------------------------------------------------------------------


class TestPartnerRequests:
    def test_a_partner_records_an_event_with_its_key(self, onboarded: Any) -> None:
        # Given a key with the events scope, issued by the automaker's administrator
        key_id, api_key = issued(scopes=("read", "events:write"))
        # When the partner system asks who it is and announces a model
        me = partner_gql(api_key, ME)["data"]["me"]
        result = partner_gql(
            api_key, ANNOUNCE, {"input": {"model": "FZ7001BEV", "announcedOn": "2026-01-05"}}
        )["data"]["announceModel"]
        # Then it acts as a partner of that enterprise, and the event is recorded by its key
        assert me == {
            "subject": f"partner-key:{key_id}",
            "role": "PARTNER",
            "enterpriseId": AUTOMAKER_ID,
            "scopes": ["events:write", "read"],
        }
        assert result["userErrors"] == []
        assert result["model"] == {"code": "FZ7001BEV"}
        assert {o["ruleId"] for o in result["obligations"]}
        assert {e.recorded_by for e in EventItem.scan()} == {f"partner-key:{key_id}"}

    def test_a_key_without_the_events_scope_cannot_record_events(self, onboarded: Any) -> None:
        _, api_key = issued(scopes=("read",))
        result = partner_gql(
            api_key, ANNOUNCE, {"input": {"model": "FZ7001BEV", "announcedOn": "2026-01-05"}}
        )
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "events:write" in result["errors"][0]["message"]

    def test_a_partner_key_can_never_manage_keys(self, onboarded: Any) -> None:
        # Given a key with every scope
        key_id, api_key = issued(scopes=("read", "events:write", "obligations:write"))
        variables = {"input": {"enterpriseId": AUTOMAKER_ID, "name": "Minted", "scopes": ["read"]}}
        # When it tries to create a key, revoke itself or list keys, Then each is forbidden
        for query, arguments in (
            (CREATE, variables),
            (REVOKE, {"id": key_id}),
            (LIST, {"id": AUTOMAKER_ID}),
        ):
            result = partner_gql(api_key, query, arguments)
            assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert authorize(api_key)["isAuthorized"] is True


# --- revocation and rotation ----------------------------------------------------------------


class TestRevocation:
    def test_a_revoked_key_is_refused_by_the_authorizer(self, onboarded: Any) -> None:
        key_id, api_key = issued()
        assert authorize(api_key)["isAuthorized"] is True
        # When the administrator revokes it
        payload = revoke(key_id)
        # Then it is recorded as revoked by them, and the authorizer refuses it
        assert payload["userErrors"] == []
        assert payload["secret"] is None
        assert (payload["key"]["status"], payload["key"]["revokedBy"]) == ("REVOKED", AUTO_SUBJECT)
        assert payload["key"]["revokedAt"] is not None
        assert authorize(api_key) == {"isAuthorized": False}
        assert [
            k["status"] for k in gql(LIST, {"id": AUTOMAKER_ID}, auth=AUTO)["data"]["partnerKeys"]
        ] == ["REVOKED"]

    def test_revoking_twice_has_one_effect(self, onboarded: Any) -> None:
        key_id, _ = issued()
        first = revoke(key_id)
        before = table_snapshot(onboarded)
        # When the same revocation is sent again
        second = revoke(key_id)
        # Then it answers the same revoked key and writes nothing (the count is not released twice)
        assert second["userErrors"] == []
        assert second["key"] == first["key"]
        assert table_snapshot(onboarded) == before
        assert key_store.active_count(AUTOMAKER_ID) == 0

    def test_rotation_keeps_the_partner_working(self, onboarded: Any) -> None:
        # Given the partner's current key, When a second is issued and the first revoked
        old_id, old_key = issued(name="ERP 2025")
        _, new_key = issued(name="ERP 2026")
        assert partner_gql(old_key, ME)["data"]["me"]["role"] == "PARTNER"
        assert revoke(old_id)["userErrors"] == []
        # Then the new key works and the old one is refused
        assert partner_gql(new_key, ME)["data"]["me"]["enterpriseId"] == AUTOMAKER_ID
        assert authorize(old_key) == {"isAuthorized": False}
        assert [
            k["name"] for k in gql(LIST, {"id": AUTOMAKER_ID}, auth=AUTO)["data"]["partnerKeys"]
        ] == ["ERP 2026", "ERP 2025"]


# --- tenancy and roles ----------------------------------------------------------------------


class TestTenancy:
    def test_another_enterprises_administrator_cannot_issue_keys_for_it(
        self, onboarded: Any
    ) -> None:
        before = table_snapshot(onboarded)
        payload = create_key(OTHER_AUTO, enterprise_id=AUTOMAKER_ID)
        assert payload["key"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "enterpriseId"], "NOT_FOUND")
        ]
        assert table_snapshot(onboarded) == before

    def test_another_enterprises_administrator_cannot_see_or_revoke_its_keys(
        self, onboarded: Any
    ) -> None:
        key_id, api_key = issued()
        # When the other automaker's administrator revokes the key and lists the keys
        payload = revoke(key_id, auth=OTHER_AUTO)
        listed = gql(LIST, {"id": AUTOMAKER_ID}, auth=OTHER_AUTO)["data"]["partnerKeys"]
        # Then the key is not found, none is listed, and the key still works
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "id"], "NOT_FOUND")
        ]
        assert listed == []
        assert authorize(api_key)["isAuthorized"] is True

    @pytest.mark.parametrize(
        ("auth", "code"),
        [
            (bearer_header("ENTERPRISE_USER", AUTOMAKER_ID), "FORBIDDEN"),
            (bearer_header("REGULATOR"), "FORBIDDEN"),
            (None, "UNAUTHENTICATED"),
        ],
    )
    def test_only_administrators_manage_keys(
        self, onboarded: Any, auth: str | None, code: str
    ) -> None:
        variables = {"input": {"enterpriseId": AUTOMAKER_ID, "name": "ERP", "scopes": ["read"]}}
        result = gql(CREATE, variables, auth=auth)
        assert result["errors"][0]["extensions"]["code"] == code


# --- the local gateway's partner routes -----------------------------------------------------


@dataclass
class Recorder:
    """A stand-in function: records each event and answers with `answer(event)`."""

    answer: Callable[[dict[str, Any]], Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        return self.answer(event)


def echo(event: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}


def post(gateway: Gateway, path: str, headers: dict[str, str], body: bytes = b"{}") -> Any:
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Gateway]]:
    started: list[Gateway] = []

    def start(handler: Any, authorizer: Any) -> Gateway:
        gateway = Gateway(handler, port=0, authorizer=authorizer).start()
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()


class TestLocalGateway:
    def test_a_request_without_the_key_header_gets_401_and_calls_nothing(
        self, serve: Callable[..., Gateway]
    ) -> None:
        function, authorizer = Recorder(echo), Recorder(lambda e: {"isAuthorized": True})
        gateway = serve(function, authorizer)
        status, body = post(gateway, "/partner/graphql", {"content-type": "application/json"})
        assert (status, body) == (401, {"message": "Unauthorized"})
        assert (function.events, authorizer.events) == ([], [])

    def test_a_refused_key_gets_403_and_the_function_is_not_called(
        self, serve: Callable[..., Gateway]
    ) -> None:
        function, authorizer = Recorder(echo), Recorder(lambda e: {"isAuthorized": False})
        gateway = serve(function, authorizer)
        status, body = post(gateway, "/partner/graphql", {"x-api-key": "nevk_whatever"})
        assert (status, body) == (403, {"message": "Forbidden"})
        assert len(authorizer.events) == 1
        assert function.events == []

    def test_a_failing_authorizer_gets_500(self, serve: Callable[..., Gateway]) -> None:
        def fail(event: dict[str, Any]) -> Any:
            raise RuntimeError("store down")

        function = Recorder(echo)
        gateway = serve(function, Recorder(fail))
        status, body = post(gateway, "/partner/graphql", {"x-api-key": "nevk_whatever"})
        assert (status, body) == (500, {"message": "Internal Server Error"})
        assert function.events == []

    def test_the_authorizer_gets_an_authorizer_event_and_the_function_its_context(
        self, serve: Callable[..., Gateway]
    ) -> None:
        context = {"role": "PARTNER", "enterprise_id": AUTOMAKER_ID, "scopes": "read", "sub": "s"}
        function = Recorder(echo)
        authorizer = Recorder(lambda e: {"isAuthorized": True, "context": context})
        gateway = serve(function, authorizer)
        status, _ = post(gateway, "/partner/graphql", {"x-api-key": "nevk_the-key"}, b'{"q":1}')
        assert status == 200
        # Then the authorizer saw a payload 2.0 authorizer event without the body
        [asked] = authorizer.events
        assert (asked["version"], asked["type"]) == ("2.0", "REQUEST")
        assert asked["identitySource"] == ["nevk_the-key"]
        assert asked["routeArn"].endswith("/$default/POST/graphql")
        assert asked["routeKey"] == "POST /graphql"
        assert "body" not in asked
        # And the function got the partner API's path with the authorizer's context
        [called] = function.events
        assert called["rawPath"] == "/graphql"
        assert called["requestContext"]["authorizer"] == {"lambda": context}

    def test_a_partner_calls_the_api_over_http_with_its_key(
        self, onboarded: Any, serve: Callable[..., Gateway]
    ) -> None:
        # Given a key, and the gateway with the real authorizer and API functions
        from functions.api import handler
        from functions.authorizer import handler as authorizer

        key_id, api_key = issued()
        gateway = serve(handler, authorizer)
        # When the partner posts a query with its key, Then it is answered as that partner
        body = json.dumps({"query": ME}).encode()
        headers = {"x-api-key": api_key, "content-type": "application/json"}
        status, answer = post(gateway, "/partner/graphql", headers, body)
        assert status == 200
        assert answer["data"]["me"]["subject"] == f"partner-key:{key_id}"
        # And a revoked key is refused at the gateway (nothing is cached locally)
        assert revoke(key_id)["userErrors"] == []
        assert post(gateway, "/partner/graphql", headers, body) == (403, {"message": "Forbidden"})
