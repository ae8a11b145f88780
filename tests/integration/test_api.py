"""The API Lambda end to end on moto: real payload 2.0 events with verified claims, through
functions.api.handler, against tables created from template.yaml."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest

from compliance import clients
from compliance.calendar import default_calendar
from compliance.codes import production_date_code
from compliance.store.models import ObligationItem
from graph.settings import settings_from_environment
from local.aws import local_aws
from local.calls import api_event, bearer_header, invoke
from local.queues import create_queues, deliver_batch
from tests.api import gql, onboard, supply, table_snapshot
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, OTHER_AUTOMAKER_ID, vin

ADMIN = bearer_header("PLATFORM_ADMIN")
REGULATOR = bearer_header("REGULATOR")
MAKER = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)
AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
OTHER_AUTO = bearer_header("ENTERPRISE_ADMIN", OTHER_AUTOMAKER_ID)

REGISTER_ENTERPRISE = """
mutation ($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { enterprise { id name } userErrors { field code message } }
}"""
REGISTER_BATTERIES = """
mutation ($input: RegisterBatteriesInput!) {
  registerBatteries(input: $input) {
    registered { code status children { code } }
    userErrors { field code message }
  }
}"""
ANNOUNCE = """
mutation ($input: AnnounceModelInput!) {
  announceModel(input: $input) {
    model { code } obligations { ruleId dueDate provisional } userErrors { field code message }
  }
}"""
CERTIFY = """
mutation ($input: IssueFactoryCertificateInput!) {
  issueFactoryCertificate(input: $input) {
    vehicle { vin batteries { code responsibleEnterprise { id } } }
    obligations { id ruleId dueDate dueAt }
    userErrors { field code message }
  }
}"""
REGISTER_VEHICLE = """
mutation ($input: RegisterVehicleInput!) {
  registerVehicle(input: $input) {
    vehicle { vin region { code name } }
    obligations { id ruleId subjectKind subjectId dueDate }
    userErrors { field code message }
  }
}"""


def code(serial: int, maker: str = "X12", kind: str = "P") -> str:
    return f"{maker}{kind}B010000001{production_date_code(date(2026, 3, 2))}{serial:07d}"


@pytest.fixture
def aws() -> Iterator[Any]:
    with local_aws() as client:
        yield client


@pytest.fixture
def onboarded(aws: Any) -> Any:
    """Given a battery maker (code X12) and two automakers onboarded by the platform."""
    onboard(BATTERY_MAKER_ID, "Ningde Cells", ["BATTERY_MAKER"], manufacturerCodes=["X12"])
    onboard(
        AUTOMAKER_ID,
        "Fuzhou Motors",
        ["AUTOMAKER"],
        contacts=[{"email": "compliance@fuzhou-motors.cn", "language": "zh-CN"}],
    )
    onboard(OTHER_AUTOMAKER_ID, "Shenzhen EV", ["AUTOMAKER"])
    return aws


@pytest.fixture
def vehicle(onboarded: Any) -> dict[str, Any]:
    """Given a pack registered, a model announced and a vehicle certified on 2026-04-30."""
    batteries = {"batteries": [{"code": code(1), "producedOn": "2026-03-02"}]}
    assert (
        gql(REGISTER_BATTERIES, {"input": batteries}, auth=MAKER)["data"]["registerBatteries"][
            "userErrors"
        ]
        == []
    )
    supply([code(1)], BATTERY_MAKER_ID, AUTOMAKER_ID, "2026-03-05")
    gql(ANNOUNCE, {"input": {"model": "FZ7001BEV", "announcedOn": "2026-01-05"}}, auth=AUTO)
    result = gql(
        CERTIFY,
        {
            "input": {
                "vin": vin(1),
                "model": "FZ7001BEV",
                "issuedOn": "2026-04-30",
                "batteryCodes": [code(1)],
            }
        },
        auth=AUTO,
    )
    return dict(result["data"]["issueFactoryCertificate"])


class TestAuthentication:
    def test_a_request_without_a_token_is_unauthenticated(self, aws: Any) -> None:
        result = gql("{ me { role } }")
        assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "Authorization: Bearer" in result["errors"][0]["message"]

    def test_the_principal_comes_from_the_verified_claims(self, aws: Any) -> None:
        partner = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["read", "events:write"])
        result = gql("{ me { role enterpriseId scopes } }", auth=partner)
        assert result["data"]["me"] == {
            "role": "PARTNER",
            "enterpriseId": AUTOMAKER_ID,
            "scopes": ["events:write", "read"],
        }

    def test_only_the_platform_onboards_enterprises(self, aws: Any) -> None:
        result = gql(
            REGISTER_ENTERPRISE,
            {"input": {"id": AUTOMAKER_ID, "name": "X", "kinds": ["AUTOMAKER"]}},
            auth=AUTO,
        )
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    def test_a_partner_without_the_events_scope_cannot_record_events(self, onboarded: Any) -> None:
        partner = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["read"])
        result = gql(
            ANNOUNCE, {"input": {"model": "M9", "announcedOn": "2026-01-05"}}, auth=partner
        )
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "events:write" in result["errors"][0]["message"]


class TestRecording:
    def test_a_certificate_installs_the_batteries_and_opens_the_production_upload(
        self, vehicle: dict[str, Any]
    ) -> None:
        # Then the automaker answers for the pack and owes the upload 10 working days later.
        assert vehicle["userErrors"] == []
        assert vehicle["vehicle"]["batteries"] == [
            {"code": code(1), "responsibleEnterprise": {"id": AUTOMAKER_ID}}
        ]
        [upload] = vehicle["obligations"]
        assert (upload["ruleId"], upload["dueDate"]) == ("PRODUCTION_TRACE_UPLOAD", "2026-05-18")
        assert upload["dueAt"] == "2026-05-18T23:59:59.999000+08:00"

    def test_a_registration_opens_the_sales_upload_and_the_coverage_gap(
        self, vehicle: dict[str, Any]
    ) -> None:
        result = gql(
            REGISTER_VEHICLE,
            {"input": {"vin": vin(1), "registeredOn": "2026-09-24", "regionCode": "440305"}},
            auth=AUTO,
        )["data"]["registerVehicle"]
        assert result["userErrors"] == []
        assert result["vehicle"]["region"] == {"code": "440305", "name": "南山区"}
        duties = {o["ruleId"]: o for o in result["obligations"]}
        assert duties["SALES_TRACE_UPLOAD"]["dueDate"] == "2026-10-15"
        coverage = duties["COLLECTION_POINT_COVERAGE"]
        assert (coverage["subjectKind"], coverage["subjectId"], coverage["dueDate"]) == (
            "PREFECTURE",
            "440300",
            None,
        )

    def test_a_retried_registration_has_one_effect_and_the_same_answer(
        self, vehicle: dict[str, Any]
    ) -> None:
        # Given a registration that succeeded, When the same request is sent again,
        # Then nothing more is written and the same obligations come back.
        variables = {"input": {"vin": vin(1), "registeredOn": "2026-09-24", "regionCode": "440305"}}
        first = gql(REGISTER_VEHICLE, variables, auth=AUTO)["data"]["registerVehicle"]
        before = table_snapshot(vehicle_client())
        second = gql(REGISTER_VEHICLE, variables, auth=AUTO)["data"]["registerVehicle"]
        assert second["userErrors"] == []
        assert sorted(o["id"] for o in second["obligations"]) == sorted(
            o["id"] for o in first["obligations"]
        )
        assert table_snapshot(vehicle_client()) == before

    def test_a_large_batch_stopped_part_way_says_so_and_sending_it_again_records_the_rest(
        self, onboarded: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given 150 packs to register (more than one transaction holds), and a concurrent change
        # that makes the second transaction fail,
        from compliance.errors import ConflictError
        from compliance.store import dynamo

        real_write = dynamo._write
        calls = 0

        def second_fails(units: Any) -> None:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise ConflictError("another request changed the same records")
            real_write(units)

        monkeypatch.setattr(dynamo, "_write", second_fails)
        batteries = {"batteries": [{"code": code(200 + n)} for n in range(150)]}
        # When they are sent,
        stopped = gql(REGISTER_BATTERIES, {"input": batteries}, auth=MAKER)["data"]
        # Then the answer says part was written, not that nothing was,
        [partly] = stopped["registerBatteries"]["userErrors"]
        assert (partly["code"], partly["field"]) == ("PARTLY_WRITTEN", ["input"])
        assert "Send the same request again" in partly["message"]
        battery = "query ($c: String!) { battery(code: $c) { code } }"
        assert gql(battery, {"c": code(200)}, auth=MAKER)["data"]["battery"] is not None
        assert gql(battery, {"c": code(349)}, auth=MAKER)["data"]["battery"] is None
        # and sent again, it records the rest and answers with every battery.
        monkeypatch.setattr(dynamo, "_write", real_write)
        again = gql(REGISTER_BATTERIES, {"input": batteries}, auth=MAKER)["data"]
        assert again["registerBatteries"]["userErrors"] == []
        assert len(again["registerBatteries"]["registered"]) == 150
        assert gql(battery, {"c": code(349)}, auth=MAKER)["data"]["battery"] is not None

    def test_a_batch_with_one_bad_item_writes_nothing_and_says_where(self, onboarded: Any) -> None:
        # Given three batteries, one with another maker's manufacturer code and one malformed,
        # Then both are reported by position and not one battery is stored.
        before = table_snapshot(onboarded)
        batteries = [
            {"code": code(10)},
            {"code": code(11, maker="03U")},
            {"code": "X12PB01"},
        ]
        result = gql(REGISTER_BATTERIES, {"input": {"batteries": batteries}}, auth=MAKER)
        errors = result["data"]["registerBatteries"]["userErrors"]
        assert {(tuple(e["field"]), e["code"]) for e in errors} == {
            (("input", "batteries", "1", "code"), "MANUFACTURER_CODE_NOT_ASSIGNED"),
            (("input", "batteries", "2", "code"), "INVALID_BATTERY_CODE"),
        }
        assert result["data"]["registerBatteries"]["registered"] == []
        assert table_snapshot(onboarded) == before

    def test_a_certificate_wrong_in_every_field_reports_each_battery_and_writes_nothing(
        self, onboarded: Any
    ) -> None:
        # Given a certificate with a mistyped VIN, an unknown model and unregistered batteries,
        # one of them spelled like the model,
        before = table_snapshot(onboarded)
        certificate = {
            "vin": "LFZCE4CB0P000999",
            "model": "ZZ0000",
            "issuedOn": "2026-06-02",
            "batteryCodes": ["ZZ0000", code(90)],
        }
        # When it is sent,
        result = gql(CERTIFY, {"input": certificate}, auth=AUTO)["data"]["issueFactoryCertificate"]
        # Then each problem is a user error at its field, each battery by its position, and
        # nothing is stored (no record refused along the way is ever applied).
        assert {(tuple(e["field"]), e["code"]) for e in result["userErrors"]} == {
            (("input", "vin"), "INVALID_VIN"),
            (("input", "model"), "UNKNOWN_MODEL"),
            (("input", "batteryCodes", "0"), "UNKNOWN_BATTERY"),
            (("input", "batteryCodes", "1"), "UNKNOWN_BATTERY"),
        }
        assert result["vehicle"] is None
        assert table_snapshot(onboarded) == before

    def test_pack_module_correspondence_is_recorded(self, onboarded: Any) -> None:
        batteries = [
            {"code": code(20)},
            {"code": code(21, kind="M"), "parentCode": code(20)},
            {"code": code(22, kind="M"), "parentCode": code(20)},
        ]
        result = gql(REGISTER_BATTERIES, {"input": {"batteries": batteries}}, auth=MAKER)
        registered = result["data"]["registerBatteries"]["registered"]
        assert registered[0]["children"] == [
            {"code": code(21, kind="M")},
            {"code": code(22, kind="M")},
        ]

    def test_more_than_1000_batteries_are_refused_before_anything_is_read(
        self, onboarded: Any
    ) -> None:
        batteries = [{"code": code(i)} for i in range(1001)]
        result = gql(REGISTER_BATTERIES, {"input": {"batteries": batteries}}, auth=MAKER)
        [error] = result["data"]["registerBatteries"]["userErrors"]
        assert (error["code"], error["field"]) == ("TOO_MANY_ITEMS", ["input", "batteries"])

    def test_registration_before_the_certificate_is_rejected(self, vehicle: dict[str, Any]) -> None:
        result = gql(
            REGISTER_VEHICLE,
            {"input": {"vin": vin(1), "registeredOn": "2026-04-29", "regionCode": "440305"}},
            auth=AUTO,
        )["data"]["registerVehicle"]
        assert [(e["code"], e["field"]) for e in result["userErrors"]] == [
            ("BEFORE_CERTIFICATE", ["input", "registeredOn"])
        ]


class TestVisibility:
    def test_a_battery_is_visible_to_its_maker_its_automaker_and_regulators_only(
        self, vehicle: dict[str, Any]
    ) -> None:
        query = "query ($code: String!) { battery(code: $code) { code } }"
        seen = {
            name: gql(query, {"code": code(1)}, auth=auth)["data"]["battery"] is not None
            for name, auth in {
                "maker": MAKER,
                "automaker": AUTO,
                "regulator": REGULATOR,
                "other automaker": OTHER_AUTO,
            }.items()
        }
        assert seen == {
            "maker": True,
            "automaker": True,
            "regulator": True,
            "other automaker": False,
        }

    def test_another_enterprises_obligations_read_as_empty(self, vehicle: dict[str, Any]) -> None:
        query = (
            "query ($id: ID) { obligations(filter: {enterpriseId: $id}) { edges { node { id } } } }"
        )
        mine = gql(query, {"id": AUTOMAKER_ID}, auth=AUTO)["data"]["obligations"]["edges"]
        theirs = gql(query, {"id": AUTOMAKER_ID}, auth=OTHER_AUTO)["data"]["obligations"]["edges"]
        assert len(mine) == 3
        assert theirs == []


class TestObligations:
    def test_pages_follow_due_dates_with_standing_duties_last(
        self, vehicle: dict[str, Any]
    ) -> None:
        query = """query ($after: String) { obligations(first: 2, after: $after) {
            edges { node { ruleId dueDate } } pageInfo { hasNextPage endCursor } } }"""
        first = gql(query, auth=AUTO)["data"]["obligations"]
        second = gql(query, {"after": first["pageInfo"]["endCursor"]}, auth=AUTO)["data"][
            "obligations"
        ]
        rules = [e["node"]["ruleId"] for e in first["edges"] + second["edges"]]
        assert rules == [
            "PRODUCTION_TRACE_UPLOAD",
            "TECH_INFO_SUBMISSION",
            "DISMANTLER_DISASSEMBLY_INFO",
        ]
        assert first["pageInfo"]["hasNextPage"] is True
        assert second["pageInfo"]["hasNextPage"] is False

    def test_a_tampered_cursor_is_refused(self, vehicle: dict[str, Any]) -> None:
        query = """query ($after: String) {
            obligations(first: 1, after: $after) { pageInfo { endCursor } } }"""
        cursor = gql(query, auth=AUTO)["data"]["obligations"]["pageInfo"]["endCursor"]
        tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
        result = gql(query, {"after": tampered}, auth=AUTO)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        # A cursor from another enterprise's session is refused the same way.
        result = gql(query, {"after": cursor}, auth=OTHER_AUTO)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    def test_first_is_capped_at_200(self, aws: Any) -> None:
        result = gql("{ obligations(first: 201) { pageInfo { hasNextPage } } }", auth=AUTO)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    def test_fulfilment_needs_the_platform_receipt_and_closes_the_duty_once(
        self, vehicle: dict[str, Any]
    ) -> None:
        [upload] = vehicle["obligations"]
        mutation = """mutation ($input: FulfillObligationInput!) {
            fulfillObligation(input: $input) {
            obligation { status fulfilledOn platformReceipt } userErrors { field code } } }"""
        missing = gql(
            mutation, {"input": {"id": upload["id"], "fulfilledOn": "2026-05-15"}}, auth=AUTO
        )
        assert missing["data"]["fulfillObligation"]["userErrors"] == [
            {"field": ["input", "platformReceipt"], "code": "RECEIPT_REQUIRED"}
        ]
        done = gql(
            mutation,
            {"input": {"id": upload["id"], "fulfilledOn": "2026-05-19", "platformReceipt": "TR-1"}},
            auth=AUTO,
        )["data"]["fulfillObligation"]
        assert done["obligation"] == {
            "status": "FULFILLED_LATE",
            "fulfilledOn": "2026-05-19",
            "platformReceipt": "TR-1",
        }
        again = gql(
            mutation,
            {"input": {"id": upload["id"], "fulfilledOn": "2026-05-19", "platformReceipt": "TR-1"}},
            auth=AUTO,
        )["data"]["fulfillObligation"]
        # Sent again, the same fulfilment is the same success; another receipt is a conflict.
        assert again == done
        changed = gql(
            mutation,
            {"input": {"id": upload["id"], "fulfilledOn": "2026-05-19", "platformReceipt": "TR-2"}},
            auth=AUTO,
        )["data"]["fulfillObligation"]
        assert changed["userErrors"] == [{"field": ["input", "id"], "code": "CONFLICT"}]
        other = gql(
            mutation,
            {"input": {"id": upload["id"], "fulfilledOn": "2026-05-19", "platformReceipt": "X"}},
            auth=OTHER_AUTO,
        )["data"]["fulfillObligation"]
        assert other["userErrors"] == [{"field": ["input", "id"], "code": "NOT_FOUND"}]

    def test_a_service_point_fulfils_the_coverage_gap_of_its_prefecture(
        self, vehicle: dict[str, Any]
    ) -> None:
        gql(
            REGISTER_VEHICLE,
            {"input": {"vin": vin(1), "registeredOn": "2026-09-24", "regionCode": "440305"}},
            auth=AUTO,
        )
        coverage = (
            "{ serviceCoverage { gaps regions { regionCode covered openObligation { ruleId } } } }"
        )
        assert gql(coverage, auth=AUTO)["data"]["serviceCoverage"]["gaps"] == 1
        result = gql(
            """mutation { upsertServicePoint(input: {
               name: "Nanshan collection", pointType: COLLECTION,
               regionCode: "440305"}) { servicePoint { coverageRegion { code } }
               obligations { ruleId status } userErrors { code } } }""",
            auth=AUTO,
        )["data"]["upsertServicePoint"]
        assert result["servicePoint"]["coverageRegion"] == {"code": "440300"}
        assert result["obligations"] == [
            {"ruleId": "COLLECTION_POINT_COVERAGE", "status": "FULFILLED"}
        ]
        report = gql(coverage, auth=AUTO)["data"]["serviceCoverage"]
        assert report == {
            "gaps": 0,
            "regions": [{"regionCode": "440300", "covered": True, "openObligation": None}],
        }

    def test_deactivating_the_last_point_opens_the_coverage_gap_and_its_reminders_again(
        self, vehicle: dict[str, Any]
    ) -> None:
        # Given a vehicle sold in Nanshan and the automaker's one collection point there
        gql(
            REGISTER_VEHICLE,
            {"input": {"vin": vin(1), "registeredOn": "2026-09-24", "regionCode": "440305"}},
            auth=AUTO,
        )
        point = """mutation ($active: Boolean!, $id: ID) { upsertServicePoint(input: {
               id: $id, name: "Nanshan collection", pointType: COLLECTION,
               regionCode: "440305", active: $active}) { servicePoint { id }
               obligations { id } reopenedObligations { id status } userErrors { code } } }"""
        opened = gql(point, {"active": True}, auth=AUTO)["data"]["upsertServicePoint"]
        duty = opened["obligations"][0]["id"]
        # When the automaker deactivates it
        closed = gql(point, {"active": False, "id": opened["servicePoint"]["id"]}, auth=AUTO)[
            "data"
        ]["upsertServicePoint"]
        # Then the duty is open again, the region is a gap, and the duty is on the schedule
        assert closed["reopenedObligations"] == [{"id": duty, "status": "OPEN"}]
        coverage = "{ serviceCoverage { gaps regions { covered openObligation { id } } } }"
        assert gql(coverage, auth=AUTO)["data"]["serviceCoverage"] == {
            "gaps": 1,
            "regions": [{"covered": False, "openObligation": {"id": duty}}],
        }
        item = ObligationItem.get(duty, consistent_read=True)
        assert item.status == "OPEN"
        assert item.open_partition is not None
        assert item.fulfilled_on is None
        assert item.remind_pk is not None
        assert item.remind_pk.startswith(f"{AUTOMAKER_ID}#")
        assert item.remind_sk is not None
        assert item.remind_sk.endswith(f"#{duty}")

    def test_loading_2027_moves_the_provisional_deadlines_it_touches(
        self, vehicle: dict[str, Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a model announced 2026-08-31 (technical information due around 2027-03-01,
        # provisional) and the reminder queue the load's rescheduling goes through,
        announced = gql(
            ANNOUNCE, {"input": {"model": "FZ7002BEV", "announcedOn": "2026-08-31"}}, auth=AUTO
        )
        tech = announced["data"]["announceModel"]["obligations"][0]
        assert (tech["dueDate"], tech["provisional"]) == ("2027-03-01", True)
        clients.forget()
        sqs = boto3.client("sqs")
        url = create_queues(sqs)["ReminderQueue"]
        monkeypatch.setenv("REMINDER_QUEUE_URL", url)
        settings_from_environment.cache_clear()  # read at a cold start, as deployed
        # When the 2027 schedule is loaded with a holiday on that day,
        result = gql(
            """mutation ($input: LoadCalendarYearInput!) { loadCalendarYear(input: $input) {
               calendar { version } rescheduling { status }
               rescheduled { before after obligation { provisional } }
               userErrors { code message } } }""",
            {
                "input": {
                    "year": 2027,
                    "holidays": ["2027-01-01", "2027-03-01"],
                    "makeUpWorkdays": [],
                    "source": "test notice 2027",
                }
            },
            auth=ADMIN,
        )["data"]["loadCalendarYear"]
        assert result["userErrors"] == []
        version = result["calendar"]["version"]
        assert version == default_calendar().version + 1
        # (the answer says the moves are queued; it lists none)
        assert result["rescheduling"] == {"status": "QUEUED"}
        assert result["rescheduled"] == []
        # and the queue is worked off, as the remind function does,
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        from functions.remind import handler

        while (delivered := deliver_batch(sqs, url, arn, handler))[0]:
            assert delivered[1] == 0
        clients.forget()
        # Then the deadline moved to the next working day, is no longer provisional, and
        # records the move.
        moved = gql(
            """{ obligations(filter: {modelCode: "FZ7002BEV"}) { nodes {
               dueDate provisional reschedules { before after calendarVersion } } } }""",
            auth=AUTO,
        )["data"]["obligations"]["nodes"]
        assert {"dueDate": "2027-03-02", "provisional": False} in [
            {"dueDate": o["dueDate"], "provisional": o["provisional"]} for o in moved
        ]
        [tech_now] = [o for o in moved if o["dueDate"] == "2027-03-02"]
        assert tech_now["reschedules"] == [
            {"before": "2027-03-01", "after": "2027-03-02", "calendarVersion": version}
        ]
        in_2027 = [o for o in moved if (o["dueDate"] or "") >= "2027-01-01"]
        assert all(o["provisional"] is False for o in in_2027)
        summary = gql(
            "query ($v: Int!) { calendarRescheduling(version: $v) { status moved } }",
            {"v": version},
            auth=REGULATOR,
        )["data"]["calendarRescheduling"]
        assert summary["status"] == "DONE"
        assert summary["moved"] >= 1

    def test_a_schedule_with_a_weekday_make_up_day_is_refused(self, aws: Any) -> None:
        result = gql(
            """mutation { loadCalendarYear(input: {
               year: 2027, holidays: [], makeUpWorkdays: ["2027-03-03"],
               source: "bad"}) { calendar { version } userErrors { code message } } }""",
            auth=ADMIN,
        )["data"]["loadCalendarYear"]
        assert result["calendar"] is None
        assert result["userErrors"][0]["code"] == "INVALID_SCHEDULE"
        assert "2027-03-03" in result["userErrors"][0]["message"]


UPDATE_ENTERPRISE = """mutation ($input: UpdateEnterpriseInput!) { updateEnterprise(input: $input) {
  enterprise { id name contacts { email language } updatedBy }
  userErrors { field code message } } }"""
CONTACTS = "query ($id: ID!) { enterprise(id: $id) { contacts { email language } } }"


class TestEnterpriseUpdates:
    def test_an_enterprise_admin_replaces_its_own_contacts_and_another_reads_as_not_there(
        self, onboarded: Any
    ) -> None:
        # Given the automaker onboarded with one Chinese-speaking contact,
        contacts = [
            {"email": "hegui@fuzhou-motors.cn", "language": "zh-CN"},
            {"email": "trace@fuzhou-motors.cn", "language": "en"},
        ]
        before = table_snapshot(onboarded)
        # When another automaker's administrator tries to change it, and names a USCC no one has,
        others = gql(
            UPDATE_ENTERPRISE,
            {"input": {"id": AUTOMAKER_ID, "contacts": contacts}},
            auth=OTHER_AUTO,
        )
        ghost = "91510100MA3000001" + OTHER_AUTOMAKER_ID[-1]
        nobody = gql(
            UPDATE_ENTERPRISE, {"input": {"id": ghost, "contacts": contacts}}, auth=OTHER_AUTO
        )
        # Then both are told the same, with the key they sent, and nothing changed;
        [refusal] = others["data"]["updateEnterprise"]["userErrors"]
        [missing] = nobody["data"]["updateEnterprise"]["userErrors"]
        assert refusal["code"] == missing["code"] == "NOT_FOUND"
        assert refusal["message"].replace(AUTOMAKER_ID, "X") == missing["message"].replace(
            ghost, "X"
        )
        assert table_snapshot(onboarded) == before
        # When its own administrator sends two contacts (twice),
        first = gql(
            UPDATE_ENTERPRISE, {"input": {"id": AUTOMAKER_ID, "contacts": contacts}}, auth=AUTO
        )
        again = gql(
            UPDATE_ENTERPRISE, {"input": {"id": AUTOMAKER_ID, "contacts": contacts}}, auth=AUTO
        )
        # Then both are the contacts now, the second request answers the same (its cost, which
        # `extensions` reports, is its own: a repeat reads and writes less),
        assert first["data"]["updateEnterprise"]["enterprise"]["contacts"] == contacts
        assert again["data"] == first["data"]
        assert "errors" not in again
        # and the regulator sees them, while an enterprise user may not change them.
        seen = gql(CONTACTS, {"id": AUTOMAKER_ID}, auth=REGULATOR)["data"]["enterprise"]
        assert seen["contacts"] == contacts
        user = bearer_header("ENTERPRISE_USER", AUTOMAKER_ID)
        refused = gql(UPDATE_ENTERPRISE, {"input": {"id": AUTOMAKER_ID, "name": "X"}}, auth=user)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    def test_a_contact_list_with_a_bad_address_or_language_changes_nothing(
        self, onboarded: Any
    ) -> None:
        bad = [
            {"email": "not-an-address", "language": "zh-CN"},
            {"email": "ok@example.cn", "language": "fr"},
        ]
        result = gql(UPDATE_ENTERPRISE, {"input": {"id": AUTOMAKER_ID, "contacts": bad}}, auth=AUTO)
        errors = result["data"]["updateEnterprise"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [
            (["input", "contacts", "0", "email"], "INVALID_EMAIL"),
            (["input", "contacts", "1", "language"], "UNSUPPORTED_LANGUAGE"),
        ]
        seen = gql(CONTACTS, {"id": AUTOMAKER_ID}, auth=AUTO)["data"]["enterprise"]
        assert seen["contacts"] == [{"email": "compliance@fuzhou-motors.cn", "language": "zh-CN"}]


class TestHttp:
    def test_a_mutation_over_get_is_405(self, aws: Any) -> None:
        status, _body = invoke(
            api_event(
                method="GET",
                raw_query="query=mutation%7BregisterVehicle%7Bvehicle%7Bvin%7D%7D%7D",
                auth=AUTO,
            )
        )
        assert status == 405

    def test_a_query_over_get_is_answered(self, aws: Any) -> None:
        status, body = invoke(
            api_event(method="GET", raw_query="query=%7Bme%7Brole%7D%7D", auth=AUTO)
        )
        assert (status, body["data"]["me"]["role"]) == (200, "ENTERPRISE_ADMIN")

    @pytest.mark.parametrize(
        ("body", "content_type", "status", "fragment"),
        [
            (b"{not json", "application/json", 400, "not valid JSON"),
            (b'[{"query": "{ me { role } }"}]', "application/json", 400, "Batched requests"),
            (b'{"variables": {}}', "application/json", 400, "'query' is missing"),
            (b'{"query": "{ me { role } }"}', "text/plain", 415, "application/json"),
            (b'{"query": "{ me { "}', "application/json", 400, "Syntax Error"),
            (b'{"query": "{ nope }"}', "application/json", 400, "Cannot query field"),
            (
                b'{"query": "{ me { role } }", "variables": [1]}',
                "application/json",
                400,
                "variables",
            ),
        ],
    )
    def test_a_malformed_request_gets_a_clear_4xx(
        self, aws: Any, body: bytes, content_type: str, status: int, fragment: str
    ) -> None:
        got_status, payload = invoke(api_event(body=body, content_type=content_type, auth=AUTO))
        assert got_status == status
        assert fragment in json.dumps(payload)

    def test_graphiql_is_served_from_our_origin_in_dev(self, aws: Any) -> None:
        status, page = invoke(api_event(method="GET", accept="text/html"))
        assert status == 200
        assert "graphiql.min.js" in page
        assert "https://" not in page


def vehicle_client() -> Any:
    import boto3

    return boto3.client("dynamodb")


class TestLookupsAsMarked:
    def test_a_vin_or_code_sent_in_lower_case_with_spaces_finds_the_record_for_its_owner_only(
        self, vehicle: dict[str, Any]
    ) -> None:
        # Given a certified vehicle and its pack, asked for in lower case with spaces around
        query = """query ($vin: String!, $code: String!) {
            vehicle(vin: $vin) { vin } battery(code: $code) { code } }"""
        sloppy = {"vin": f" {vin(1).lower()} ", "code": f"{code(1).lower()}  "}
        # When its automaker asks, Then both are found as marked
        assert gql(query, sloppy, auth=AUTO)["data"] == {
            "vehicle": {"vin": vin(1)},
            "battery": {"code": code(1)},
        }
        # and another automaker still finds neither.
        assert gql(query, sloppy, auth=OTHER_AUTO)["data"] == {"vehicle": None, "battery": None}
