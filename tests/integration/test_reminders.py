"""The daily sweep and reminder delivery on moto (DynamoDB, SQS, SES), through the Lambda
handlers with real schedule and SQS batch events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from email import message_from_string
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import boto3
import pytest

from compliance import delivery, reminders
from compliance.calendar import CHINA_TZ
from compliance.codes import production_date_code
from compliance.errors import StoreUnavailableError
from compliance.store import reads
from compliance.store import reminders as reminder_store
from compliance.store.reminders import job_id
from local.aws import local_aws
from local.calls import bearer_header, function_settings
from local.queues import create_queues
from local.sweeper import schedule_event, sqs_event
from tests.api import gql, supply
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, obligation_item, vin

ADMIN = bearer_header("PLATFORM_ADMIN")
SWEEP = function_settings("SweepFunction")
REMIND = function_settings("RemindFunction")
AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
MAKER = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)
CONTACT = "compliance@fuzhou-motors.example.cn"
SENDER = "reminders@example.cn"
REGISTER_PACKS = """mutation ($input: RegisterBatteriesInput!) {
    registerBatteries(input: $input) { userErrors { code } } }"""
CERTIFY = """mutation ($vin: String!, $model: String!, $pack: String!) {
    issueFactoryCertificate(input: {vin: $vin, model: $model, issuedOn: "2026-09-24",
    batteryCodes: [$pack]}) { obligations { id dueDate } userErrors { code } } }"""
PACKS = [f"X12PB010000001{production_date_code(date(2026, 9, 1))}{n:07d}" for n in (1, 2)]


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Given tables, the reminder queue and a verified sender on moto, and an automaker with a
    Chinese-speaking contact whose vehicle was certified 2026-09-24 (upload due 2026-10-15)."""
    with local_aws():
        delivery._client.cache_clear()
        sqs = boto3.client("sqs")
        queues = create_queues(sqs)
        monkeypatch.setenv("REMINDER_QUEUE_URL", queues["ReminderQueue"])
        monkeypatch.setenv("SES_SENDER", SENDER)
        boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)
        register = """mutation ($input: RegisterEnterpriseInput!) {
            registerEnterprise(input: $input) { userErrors { code } } }"""
        gql(
            register,
            {
                "input": {
                    "id": BATTERY_MAKER_ID,
                    "name": "Cells",
                    "kinds": ["BATTERY_MAKER"],
                    "manufacturerCodes": ["X12"],
                }
            },
            auth=ADMIN,
        )
        gql(
            register,
            {
                "input": {
                    "id": AUTOMAKER_ID,
                    "name": "Fuzhou NEV Motors",
                    "kinds": ["AUTOMAKER"],
                    "contacts": [{"email": CONTACT, "language": "zh-CN"}],
                }
            },
            auth=ADMIN,
        )
        gql(
            """mutation { announceModel(input: {model: "FZ7001BEV", announcedOn: "2026-09-01"}) {
            userErrors { code } } }""",
            auth=AUTO,
        )
        packs = [{"code": code, "producedOn": "2026-09-01"} for code in PACKS]
        gql(REGISTER_PACKS, {"input": {"batteries": packs}}, auth=MAKER)
        supply(PACKS, BATTERY_MAKER_ID, AUTOMAKER_ID, "2026-09-02")
        result = gql(CERTIFY, {"vin": vin(1), "model": "FZ7001BEV", "pack": PACKS[0]}, auth=AUTO)
        [upload] = result["data"]["issueFactoryCertificate"]["obligations"]
        assert upload["dueDate"] == "2026-10-15"
        yield {
            "sqs": sqs,
            "queue": queues["ReminderQueue"],
            "dlq": queues["ReminderDeadLetterQueue"],
            "upload": upload["id"],
        }
        delivery._client.cache_clear()


def sweep(day: str) -> dict[str, Any]:
    from functions.sweep import handler

    report: dict[str, Any] = handler(schedule_event(date.fromisoformat(day)), SWEEP.context())
    return report


def drain(stack: Any) -> list[dict[str, Any]]:
    """Play Lambda's SQS poller once: receive, invoke, delete what succeeded."""
    from functions.remind import handler

    sqs, url = stack["sqs"], stack["queue"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    if not messages:
        return []
    result = handler(sqs_event(messages, arn), REMIND.context())
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return list(result["batchItemFailures"])


def sent() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends["123456789012"]["ap-southeast-1"].sent_messages)


def test_a_sweep_five_working_days_ahead_sends_one_chinese_digest(stack: Any) -> None:
    # When the sweep runs on 2026-10-09 (5 working days before the due day) and jobs are delivered,
    report = sweep("2026-10-09")
    assert (report["reminders_due"], report["jobs_enqueued"]) == (1, 1)
    assert drain(stack) == []
    # Then exactly one email went to the contact, subject in Chinese, listing the upload.
    [message] = sent()
    assert set(message.destinations) == {CONTACT}
    assert "新能源汽车动力电池合规提醒" in message.raw_data or "=?utf-8?" in message.raw_data
    assert stack["upload"] in message.raw_data


def test_running_the_sweep_twice_a_day_enqueues_nothing_new(stack: Any) -> None:
    sweep("2026-10-09")
    again = sweep("2026-10-09")
    assert again["jobs_enqueued"] == 0
    drain(stack)
    drain(stack)
    assert len(sent()) == 1


def test_a_day_with_more_reminders_than_a_digest_holds_goes_out_in_numbered_parts(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given digests that hold one obligation each, and a second vehicle certified the same day,
    monkeypatch.setattr(reminders, "DIGEST_ITEMS_MAX", 1)
    result = gql(CERTIFY, {"vin": vin(2), "model": "FZ7001BEV", "pack": PACKS[1]}, auth=AUTO)
    [second] = result["data"]["issueFactoryCertificate"]["obligations"]
    # When the sweep runs and its jobs are delivered,
    report = sweep("2026-10-09")
    assert (report["reminders_due"], report["jobs_enqueued"]) == (2, 2)
    assert drain(stack) == []
    # Then the contact gets two emails, "part 1 of 2" and "part 2 of 2", one obligation each,
    emails = [message_from_string(m.raw_data) for m in sent()]
    subjects = sorted(str(make_header(decode_header(e["Subject"]))) for e in emails)
    assert [s[-len("（第 1/2 封）") :] for s in subjects] == ["（第 1/2 封）", "（第 2/2 封）"]
    listed = sorted(
        [oid for oid in (stack["upload"], second["id"]) if oid in m.raw_data] for m in sent()
    )
    assert listed == sorted([[stack["upload"]], [second["id"]]])
    # And a re-run of the same day finds both parts done.
    assert sweep("2026-10-09")["jobs_enqueued"] == 0


def test_a_rerun_of_the_day_reminds_of_an_obligation_created_since_and_no_other_twice(
    stack: Any,
) -> None:
    # Given the day's sweep done and delivered, and then a second vehicle certified with the
    # same due day (its five-working-days reminder is due today as well),
    sweep("2026-10-09")
    drain(stack)
    result = gql(CERTIFY, {"vin": vin(2), "model": "FZ7001BEV", "pack": PACKS[1]}, auth=AUTO)
    [second] = result["data"]["issueFactoryCertificate"]["obligations"]
    # When the sweep of the same day runs again and its jobs are delivered,
    again = sweep("2026-10-09")
    assert (again["jobs_enqueued"], again["jobs_already_done"]) == (1, 1)
    assert drain(stack) == []
    # Then one more email went out, listing only the new obligation.
    first, extra = sent()
    assert stack["upload"] in first.raw_data
    assert second["id"] in extra.raw_data
    assert stack["upload"] not in extra.raw_data


def test_a_rerun_before_delivery_after_a_fulfilment_puts_no_obligation_in_two_digests(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given digests of one obligation each, two obligations in two parts, not yet delivered,
    monkeypatch.setattr(reminders, "DIGEST_ITEMS_MAX", 1)
    result = gql(CERTIFY, {"vin": vin(2), "model": "FZ7001BEV", "pack": PACKS[1]}, auth=AUTO)
    [second] = result["data"]["issueFactoryCertificate"]["obligations"]
    assert sweep("2026-10-09")["jobs_enqueued"] == 2
    # and the obligation of part 1 fulfilled since (the list is now one shorter),
    first_part = min((stack["upload"], second["id"]))  # parts follow due day, then id
    fulfil = """mutation ($id: ID!) { fulfillObligation(input: {id: $id, fulfilledOn: "2026-10-09",
        platformReceipt: "NEV-1"}) { userErrors { code } } }"""
    assert gql(fulfil, {"id": first_part}, auth=AUTO)["data"]["fulfillObligation"] == {
        "userErrors": []
    }
    # When the sweep of the day runs again before any delivery,
    again = sweep("2026-10-09")
    # Then it finds the two parts it made and makes no other job for the one left,
    assert (again["jobs_enqueued"], again["jobs_already_done"]) == (0, 2)
    assert drain(stack) == []
    # and that obligation goes out once.
    [email] = sent()
    assert max((stack["upload"], second["id"])) in email.raw_data


def test_a_delivery_stopped_before_recording_its_stages_records_them_when_redelivered(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.remind import handler

    # Given the day's digest sent and its job closed, but recording its stage failing after,
    sweep("2026-10-09")
    sqs, url = stack["sqs"], stack["queue"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    recorded = reminder_store.record_sent

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailableError("DynamoDB did not answer")

    monkeypatch.setattr(reminder_store, "record_sent", unavailable)
    first = handler(sqs_event(messages, arn), REMIND.context())
    assert (len(first["batchItemFailures"]), len(sent())) == (1, 1)
    # When the queue delivers the message again, DynamoDB answering,
    monkeypatch.setattr(reminder_store, "record_sent", recorded)
    again = handler(sqs_event(messages, arn), REMIND.context())
    # Then nothing more is sent, and the next day's sweep finds the stage sent.
    assert (again["batchItemFailures"], len(sent())) == ([], 1)
    assert sweep("2026-10-10")["reminders_due"] == 0


def test_a_duplicate_delivery_of_a_job_sends_one_email(stack: Any) -> None:
    # Given one queued job delivered twice (SQS is at-least-once),
    from functions.remind import handler

    sweep("2026-10-09")
    job = job_id(date(2026, 10, 9), AUTOMAKER_ID, CONTACT)
    record = {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": "r",
                "body": json.dumps({"job": job}),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "x",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:q",
                "awsRegion": "ap-southeast-1",
            }
            for i in range(2)
        ]
    }
    # When both copies are processed (in one batch, and again later),
    assert handler(record, REMIND.context())["batchItemFailures"] == []
    assert handler(record, REMIND.context())["batchItemFailures"] == []
    # Then one email was sent.
    assert len(sent()) == 1


def test_the_next_stage_goes_out_and_a_sent_stage_does_not_repeat(stack: Any) -> None:
    sweep("2026-10-09")  # T-5
    drain(stack)
    sweep("2026-10-12")  # still T-5: nothing new
    drain(stack)
    sweep("2026-10-14")  # T-1
    drain(stack)
    assert len(sent()) == 2


def test_nothing_is_sent_after_fulfilment(stack: Any) -> None:
    # Given a job queued on the due day, When the obligation is fulfilled before delivery,
    sweep("2026-10-15")
    fulfil = """mutation ($id: ID!) { fulfillObligation(input: {id: $id, fulfilledOn: "2026-10-15",
        platformReceipt: "TR-9"}) { userErrors { code } } }"""
    assert (
        gql(fulfil, {"id": stack["upload"]}, auth=AUTO)["data"]["fulfillObligation"]["userErrors"]
        == []
    )
    drain(stack)
    # Then no email goes out, and later sweeps no longer read it.
    assert sent() == []
    assert sweep("2026-10-16")["items_read"] == 0


def test_the_first_day_past_the_due_day_marks_it_overdue(stack: Any) -> None:
    report = sweep("2026-10-16")
    assert report["marked_overdue"] == 1
    record = reads.obligations([stack["upload"]])[stack["upload"]]
    assert record.stored_status.value == "OVERDUE"
    assert sweep("2026-10-16")["marked_overdue"] == 0


def test_an_ses_failure_is_reported_for_that_message_only_and_retried(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two contacts' digests in one batch and SES failing for the first one only,
    from functions.remind import handler

    real_send = delivery.send_email
    calls: list[str] = []

    def flaky(recipient: str, subject: str, text: str, html: str) -> str:
        calls.append(recipient)
        if len(calls) == 1:
            raise delivery.DeliveryError("SES throttled", retryable=True)
        return real_send(recipient, subject, text, html)

    monkeypatch.setattr("functions.remind.send_email", flaky)
    sweep("2026-10-09")
    sweep("2026-10-12")  # a second day's job for the same contact: two jobs in the batch
    sqs, url = stack["sqs"], stack["queue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    result = handler(sqs_event(messages, arn), REMIND.context())
    # Then only the failed message is reported, the other one was sent...
    assert len(result["batchItemFailures"]) == 1
    assert len(sent()) == 1
    # ...and the retry of the failed one sends nothing twice: its stage went out already.
    failed = [
        m for m in messages if m["MessageId"] == result["batchItemFailures"][0]["itemIdentifier"]
    ]
    assert handler(sqs_event(failed, arn), REMIND.context())["batchItemFailures"] == []
    assert len(sent()) == 1


def test_a_poison_message_fails_every_time(stack: Any) -> None:
    from functions.remind import handler

    poison = {
        "Records": [
            {
                "messageId": "p1",
                "receiptHandle": "r",
                "body": "not json",
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "x",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:q",
                "awsRegion": "ap-southeast-1",
            }
        ]
    }
    assert handler(poison, REMIND.context())["batchItemFailures"] == [{"itemIdentifier": "p1"}]
    assert handler(poison, REMIND.context())["batchItemFailures"] == [{"itemIdentifier": "p1"}]


def test_a_sweep_interrupted_half_way_loses_nothing_and_duplicates_nothing(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a second enterprise contact, and a sweep that dies after enqueueing the first job,
    from compliance.store import reminders as job_store

    update = """mutation ($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) {
        userErrors { code } } }"""
    other = "91440300192317458F"
    gql(
        update,
        {
            "input": {
                "id": other,
                "name": "Shenzhen EV",
                "kinds": ["AUTOMAKER"],
                "contacts": [{"email": "trace@shenzhen-ev.example.cn", "language": "en"}],
            }
        },
        auth=ADMIN,
    )
    other_auth = bearer_header("ENTERPRISE_ADMIN", other)
    gql(
        """mutation { announceModel(input: {model: "SZ6500BEV", announcedOn: "2026-09-01"}) {
        userErrors { code } } }""",
        auth=other_auth,
    )
    their_pack = f"X12PB010000001{production_date_code(date(2026, 9, 1))}{3:07d}"
    batteries = [{"code": their_pack}]
    gql(REGISTER_PACKS, {"input": {"batteries": batteries}}, auth=MAKER)
    supply([their_pack], BATTERY_MAKER_ID, other, "2026-09-02")
    certified = gql(
        CERTIFY, {"vin": vin(2), "model": "SZ6500BEV", "pack": their_pack}, auth=other_auth
    )
    assert certified["data"]["issueFactoryCertificate"]["userErrors"] == []
    real = job_store.mark_enqueued
    calls = 0

    def dies_on_second(identifier: str, now: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("Lambda timed out")
        real(identifier, now)

    monkeypatch.setattr(job_store, "mark_enqueued", dies_on_second)
    with pytest.raises(RuntimeError):
        sweep("2026-10-09")
    monkeypatch.setattr(job_store, "mark_enqueued", real)
    # When the sweep is run again and every queued message is delivered,
    rerun = sweep("2026-10-09")
    assert rerun["jobs_already_done"] == 1  # the first job, finished before the crash
    for _ in range(3):
        drain(stack)
    # Then each contact got exactly one email.
    recipients = sorted(m.destinations[0] for m in sent())  # moto lists To twice for raw mail
    assert recipients == [CONTACT, "trace@shenzhen-ev.example.cn"]


def test_the_recorded_sqs_batch_sends_the_good_job_and_reports_only_the_poison(
    stack: Any,
) -> None:
    # Given the sweep of 2026-10-09 made the job the recorded event names,
    from functions.remind import handler

    sweep("2026-10-09")
    event = json.loads(
        (Path(__file__).parents[2] / "events/remind/batch-good-and-poison.json").read_text()
    )
    # When the recorded batch (the good job and a poison message) is handled,
    result = handler(event, REMIND.context())
    # Then only the poison is reported, and the digest went out once.
    assert result["batchItemFailures"] == [{"itemIdentifier": event["Records"][1]["messageId"]}]
    assert len(sent()) == 1


def test_the_recorded_schedule_events_sweep_today_or_the_named_day(stack: Any) -> None:
    from functions.sweep import handler

    events = Path(__file__).parents[2] / "events/sweep"
    named = handler(json.loads((events / "rerun-2026-10-12.json").read_text()), SWEEP.context())
    assert named["sweep_date"] == "2026-10-12"
    daily = handler(json.loads((events / "daily.json").read_text()), SWEEP.context())
    assert daily["sweep_date"] == datetime.now(CHINA_TZ).date().isoformat()


@pytest.mark.parametrize("outside", [50, 500])
def test_a_sweep_reads_only_the_obligations_inside_its_horizon(stack: Any, outside: int) -> None:
    # Given the one obligation due inside the horizon of 2026-10-09, and `outside` more that are
    # not: due after the horizon, standing, or already fulfilled,
    from compliance.store.models import ObligationItem

    with ObligationItem.batch_write() as batch:
        for n in range(outside):
            kind = n % 3
            due = None if kind == 1 else date(2026, 12, 1)
            item = obligation_item(
                f"ob_filler{n:05d}", AUTOMAKER_ID, f"FILLER{n}", due, fulfilled=kind == 2
            )
            batch.save(item)
    # When the sweep runs, Then it reads exactly the one obligation inside the horizon,
    # however many others the table holds.
    assert sweep("2026-10-09")["items_read"] == 1


def test_recording_a_sent_reminder_leaves_the_obligations_version_alone(stack: Any) -> None:
    # Given an obligation changed since it was created (marked OVERDUE: version 2),
    from compliance.store.models import ObligationItem

    sweep("2026-10-16")
    before = ObligationItem.get(stack["upload"], consistent_read=True).version
    assert before == 2
    # When its reminder is delivered and recorded,
    drain(stack)
    after = ObligationItem.get(stack["upload"], consistent_read=True)
    # Then the sent stage is recorded and the version is unchanged (never reset), so a writer
    # holding an older version still fails its check.
    assert after.reminders_sent == {"2026-10-15:OVERDUE+0"}
    assert after.version == before
