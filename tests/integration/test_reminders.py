"""The daily sweep, the per-enterprise gather and each contact's digest on moto (DynamoDB, SQS,
SES), through the Lambda handlers with real schedule and SQS batch events.

The automaker of the fixture has two contacts, one reading Chinese and one English, as real
enterprises do; every guarantee is checked for each of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest

from compliance import clients, delivery
from compliance.calendar import CHINA_TZ
from compliance.codes import production_date_code
from compliance.errors import StoreUnavailableError
from compliance.rules import ObligationStatus
from compliance.services import reminders
from compliance.store import migrations, reads, summaries
from compliance.store import reminders as reminder_store
from compliance.store.models import ObligationItem
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
CONTACT = "compliance@fuzhou-motors.example.cn"  # reads Chinese
SECOND = "trace.team@fuzhou-motors.example.cn"  # reads English
SENDER = "reminders@example.cn"
REGISTER_PACKS = """mutation ($input: RegisterBatteriesInput!) {
    registerBatteries(input: $input) { userErrors { code } } }"""
CERTIFY = """mutation ($vin: String!, $model: String!, $pack: String!) {
    issueFactoryCertificate(input: {vin: $vin, model: $model, issuedOn: "2026-09-24",
    batteryCodes: [$pack]}) { obligations { id dueDate } userErrors { code } } }"""
UPDATE = """mutation ($input: UpdateEnterpriseInput!) {
    updateEnterprise(input: $input) { userErrors { code message } } }"""
FULFIL = """mutation ($id: ID!, $on: Date!) { fulfillObligation(input: {id: $id, fulfilledOn: $on,
    platformReceipt: "TR-9"}) { userErrors { code } } }"""
PACKS = [f"X12PB010000001{production_date_code(date(2026, 9, 1))}{n:07d}" for n in (1, 2, 3)]
CONTACTS = [{"email": CONTACT, "language": "zh-CN"}, {"email": SECOND, "language": "en"}]


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Given tables, the reminder queue and a verified sender on moto, and an automaker with a
    Chinese- and an English-reading contact whose vehicle was certified 2026-09-24 (upload due
    2026-10-15)."""
    with local_aws():
        clients.forget()
        sqs = boto3.client("sqs")
        queues = create_queues(sqs)
        monkeypatch.setenv("REMINDER_QUEUE_URL", queues["ReminderQueue"])
        monkeypatch.setenv("SES_SENDER", SENDER)
        monkeypatch.setattr(reminders, "RECORD_PAUSES", (0.0, 0.0, 0.0))
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
                    "name": "福州新能源汽车 Fuzhou NEV Motors",
                    "kinds": ["AUTOMAKER"],
                    "contacts": CONTACTS,
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
        clients.forget()


def sweep(day: str) -> dict[str, Any]:
    from functions.sweep import handler

    report: dict[str, Any] = handler(schedule_event(date.fromisoformat(day)), SWEEP.context())
    return report


def receive(stack: Any) -> tuple[list[dict[str, Any]], str]:
    sqs, url = stack["sqs"], stack["queue"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []), arn


def drain(stack: Any) -> list[dict[str, Any]]:
    """Play Lambda's SQS poller once: receive, invoke, delete what succeeded."""
    from functions.remind import handler

    messages, arn = receive(stack)
    if not messages:
        return []
    result = handler(sqs_event(messages, arn), REMIND.context())
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            stack["sqs"].delete_message(
                QueueUrl=stack["queue"], ReceiptHandle=message["ReceiptHandle"]
            )
    return list(result["batchItemFailures"])


def drain_all(stack: Any) -> None:
    """Deliver until the queue is empty: gather tasks first, then the jobs they queue."""
    for _ in range(100):
        count = stack["sqs"].get_queue_attributes(
            QueueUrl=stack["queue"], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        if count == "0":
            return
        assert drain(stack) == []
    raise AssertionError("the reminder queue did not empty")


def run_day(stack: Any, day: str) -> dict[str, Any]:
    report = sweep(day)
    drain_all(stack)
    return report


def sent() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends["123456789012"]["ap-southeast-1"].sent_messages)


def parsed(message: Any) -> EmailMessage:
    email = message_from_string(message.raw_data, policy=policy.default)
    assert isinstance(email, EmailMessage)
    return email


def body(message: Any) -> str:
    """Every text part and attachment of a sent email, decoded."""
    parts = []
    for part in parsed(message).walk():
        if part.get_content_maintype() == "multipart":
            continue
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append(payload.decode("utf-8-sig"))
    return "\n".join(parts)


def to(address: str) -> list[Any]:
    return [m for m in sent() if address in m.destinations]


def add_contact(email: str, language: str) -> None:
    contacts = [*CONTACTS, {"email": email, "language": language}]
    result = gql(UPDATE, {"input": {"id": AUTOMAKER_ID, "contacts": contacts}}, auth=AUTO)
    assert result["data"]["updateEnterprise"]["userErrors"] == []


def certify_second() -> str:
    result = gql(CERTIFY, {"vin": vin(2), "model": "FZ7001BEV", "pack": PACKS[1]}, auth=AUTO)
    [second] = result["data"]["issueFactoryCertificate"]["obligations"]
    return str(second["id"])


def test_each_contact_gets_one_digest_in_their_own_language(stack: Any) -> None:
    # When the day five working days before the upload's due day is swept and delivered,
    report = run_day(stack, "2026-10-09")
    # Then the sweep queued the enterprises' tasks, and each contact got one email listing it,
    assert report["enterprises_queued"] == 2
    [chinese], [english] = to(CONTACT), to(SECOND)
    assert str(parsed(chinese)["Subject"]).startswith("新能源汽车动力电池合规提醒")
    assert str(parsed(english)["Subject"]).startswith("NEV battery compliance")
    assert stack["upload"] in body(chinese)
    assert stack["upload"] in body(english)
    # and nobody else got anything.
    assert len(sent()) == 2


def test_running_the_day_twice_sends_nothing_more(stack: Any) -> None:
    run_day(stack, "2026-10-09")
    run_day(stack, "2026-10-09")
    assert (len(to(CONTACT)), len(to(SECOND)), len(sent())) == (1, 1, 2)


def test_a_rerun_of_the_day_reminds_each_contact_of_what_arose_since_and_nothing_twice(
    stack: Any,
) -> None:
    # Given the day swept and delivered, and then a second vehicle certified with the same
    # due day (its five-working-days reminder is due today as well),
    run_day(stack, "2026-10-09")
    second = certify_second()
    # When the same day is swept again,
    run_day(stack, "2026-10-09")
    # Then each contact got one more email, listing only the new obligation.
    for contact in (CONTACT, SECOND):
        first, extra = to(contact)
        assert stack["upload"] in body(first)
        assert second in body(extra)
        assert stack["upload"] not in body(extra)


def test_a_contact_added_takes_part_in_the_next_sweep(stack: Any) -> None:
    # Given the five-days reminder sent to the two contacts,
    run_day(stack, "2026-10-09")
    # When a third contact is added and the day before the due day is swept,
    add_contact("legal@fuzhou-motors.example.cn", "zh-CN")
    run_day(stack, "2026-10-14")
    # Then all three got the one-day reminder, and the two first ones got nothing else twice.
    assert [len(to(c)) for c in (CONTACT, SECOND)] == [2, 2]
    [third] = to("legal@fuzhou-motors.example.cn")
    assert stack["upload"] in body(third)


def test_a_contact_removed_is_not_reminded_again(stack: Any) -> None:
    run_day(stack, "2026-10-09")
    result = gql(UPDATE, {"input": {"id": AUTOMAKER_ID, "contacts": CONTACTS[:1]}}, auth=AUTO)
    assert result["data"]["updateEnterprise"]["userErrors"] == []
    run_day(stack, "2026-10-14")
    assert (len(to(CONTACT)), len(to(SECOND))) == (2, 1)


def test_a_job_delivered_twice_sends_one_email(stack: Any) -> None:
    # Given the day's tasks gathered and one contact's job message delivered twice,
    from functions.remind import handler

    sweep("2026-10-09")
    drain(stack)  # the gather tasks
    messages, arn = receive(stack)
    jobs = [m for m in messages if "job" in json.loads(m["Body"])]
    assert len(jobs) == 2
    twice = sqs_event([jobs[0], jobs[0]], arn)
    # When both copies are handled, in one batch and again later,
    assert handler(twice, REMIND.context())["batchItemFailures"] == []
    assert handler(twice, REMIND.context())["batchItemFailures"] == []
    # Then one email went out.
    assert len(sent()) == 1


def test_a_gather_that_died_after_queueing_one_contact_loses_nothing_and_duplicates_nothing(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a gather task that dies after queueing the first contact's job,
    real = reminder_store.mark_enqueued
    calls = 0

    def dies_on_second(identifier: str, now: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise StoreUnavailableError("Lambda timed out")
        real(identifier, now)

    monkeypatch.setattr(reminder_store, "mark_enqueued", dies_on_second)
    sweep("2026-10-09")
    assert len(drain(stack)) == 1  # the automaker's gather task failed
    monkeypatch.setattr(reminder_store, "mark_enqueued", real)
    # When the task comes back (a re-run of the day here: the failed message is still hidden)
    # and everything queued is delivered, the first contact's job queued before the crash too,
    sweep("2026-10-09")
    drain_all(stack)
    # Then each contact got exactly one email.
    assert (len(to(CONTACT)), len(to(SECOND))) == (1, 1)


def test_a_gather_that_died_after_freezing_its_batch_sends_the_frozen_list(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the day's batch frozen but the schedule not moved (the task died),
    def dies(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailableError("DynamoDB did not answer")

    real = reminder_store.move_forward
    monkeypatch.setattr(reminder_store, "move_forward", dies)
    sweep("2026-10-09")
    assert drain(stack)  # failed
    monkeypatch.setattr(reminder_store, "move_forward", real)
    # and a second obligation arising before the task is retried,
    second = certify_second()
    # When the task comes back (the failed message is still hidden: a re-run brings it) and
    # the day is swept once more,
    run_day(stack, "2026-10-09")
    run_day(stack, "2026-10-09")
    # Then each contact got the frozen list first and the new one in a second round, each once.
    for contact in (CONTACT, SECOND):
        first, extra = to(contact)
        assert stack["upload"] in body(first)
        assert second not in body(first)
        assert second in body(extra)
        assert stack["upload"] not in body(extra)


def test_a_failed_record_after_sending_is_tried_again_in_place_and_sends_once(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB failing the first time a sent digest is recorded,
    real = reminder_store.finish
    failures = 0

    def flaky(identifier: str, now: Any, message_id: str | None, items: int) -> None:
        nonlocal failures
        if message_id and failures == 0:
            failures += 1
            raise StoreUnavailableError("DynamoDB did not answer")
        real(identifier, now, message_id, items)

    monkeypatch.setattr(reminder_store, "finish", flaky)
    # When the day is swept and delivered, and every message delivered once more,
    run_day(stack, "2026-10-09")
    run_day(stack, "2026-10-09")
    # Then each contact still got one email.
    assert failures == 1
    assert (len(to(CONTACT)), len(to(SECOND))) == (1, 1)


def test_the_next_stage_goes_out_and_a_sent_stage_does_not_repeat(stack: Any) -> None:
    # Given the automaker's upload (due 10-15) and its standing duty to submit disassembly
    # information (reminded on the first working day of each week),
    standing = _standing_duty()
    # When Friday 10-09 (T-5), Monday 10-12 (still T-5) and Wednesday 10-14 (T-1) are swept,
    run_day(stack, "2026-10-09")
    run_day(stack, "2026-10-12")
    run_day(stack, "2026-10-14")
    # Then each contact got the upload twice (T-5, T-1) and the standing duty on 10-09 (its
    # first reminder, overdue since September) and on Monday 10-12, in three emails a contact.
    for contact in (CONTACT, SECOND):
        emails = [body(m) for m in to(contact)]
        assert [stack["upload"] in e for e in emails] == [True, False, True]
        assert [standing in e for e in emails] == [True, True, False]
    item = ObligationItem.get(stack["upload"], consistent_read=True)
    assert item.reminders_sent == {"2026-10-15:T-5", "2026-10-15:T-1"}


def test_nothing_is_sent_after_fulfilment_and_the_schedule_forgets_it(stack: Any) -> None:
    # Given the due day's tasks gathered, When the obligation is fulfilled before delivery,
    sweep("2026-10-15")
    drain(stack)
    fulfil = gql(FULFIL, {"id": stack["upload"], "on": "2026-10-15"}, auth=AUTO)
    assert fulfil["data"]["fulfillObligation"]["userErrors"] == []
    drain_all(stack)
    # Then no email lists it, and the next day's gather reads nothing (the standing duty's
    # next week has not come).
    assert [m for m in sent() if stack["upload"] in body(m)] == []
    gathered = reminders.gather(
        date(2026, 10, 16),
        AUTOMAKER_ID,
        now=datetime.now(CHINA_TZ),
        calendar=_calendar(),
        enqueue=lambda messages: None,
    )
    assert gathered.items_read == 0


def test_the_first_day_past_the_due_day_marks_it_overdue_once(stack: Any) -> None:
    run_day(stack, "2026-10-16")
    record = reads.obligations([stack["upload"]])[stack["upload"]]
    assert record.stored_status.value == "OVERDUE"
    item = ObligationItem.get(stack["upload"], consistent_read=True)
    assert (item.version, item.reminders_sent) == (2, {"2026-10-15:OVERDUE+0"})
    run_day(stack, "2026-10-16")
    assert ObligationItem.get(stack["upload"], consistent_read=True).version == 2
    assert (len(to(CONTACT)), len(to(SECOND))) == (1, 1)


def test_an_ses_failure_is_reported_for_that_message_only_and_retried_once(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given SES failing for the first digest it is asked to send,
    from functions.remind import handler

    real_send = delivery.send_email
    calls: list[str] = []

    def flaky(recipient: str, email: Any, now: datetime) -> str:
        calls.append(recipient)
        if len(calls) == 1:
            raise delivery.DeliveryError("SES throttled", retryable=True)
        return real_send(SENDER, recipient, email, now)

    monkeypatch.setattr("functions.remind.mailer", lambda sender: flaky)
    sweep("2026-10-09")
    drain(stack)  # gather tasks
    messages, arn = receive(stack)
    # When the two contacts' jobs are handled in one batch,
    result = handler(sqs_event(messages, arn), REMIND.context())
    # Then only the failed one is reported, the other was sent,
    assert len(result["batchItemFailures"]) == 1
    assert len(sent()) == 1
    # and the retry of the failed one sends it, once.
    failed = [
        m for m in messages if m["MessageId"] == result["batchItemFailures"][0]["itemIdentifier"]
    ]
    assert handler(sqs_event(failed, arn), REMIND.context())["batchItemFailures"] == []
    assert handler(sqs_event(failed, arn), REMIND.context())["batchItemFailures"] == []
    assert (len(to(CONTACT)), len(to(SECOND))) == (1, 1)


@pytest.mark.parametrize(
    "body_text",
    ["not json", '{"job": ""}', '{"gather": {"day": "2026-13-01", "enterprise": "X"}}', "[]"],
)
def test_a_poison_message_fails_every_time(stack: Any, body_text: str) -> None:
    from functions.remind import handler

    poison = sqs_event(
        [{"MessageId": "p1", "ReceiptHandle": "r", "Body": body_text, "MD5OfBody": "x"}],
        "arn:aws:sqs:ap-southeast-1:123456789012:q",
    )
    assert handler(poison, REMIND.context())["batchItemFailures"] == [{"itemIdentifier": "p1"}]
    assert handler(poison, REMIND.context())["batchItemFailures"] == [{"itemIdentifier": "p1"}]
    assert sent() == []


def test_the_recorded_sqs_batch_gathers_the_good_task_and_reports_only_the_poison(
    stack: Any,
) -> None:
    from functions.remind import handler

    event = json.loads(
        (Path(__file__).parents[2] / "events/remind/batch-good-and-poison.json").read_text()
    )
    # When the recorded batch (a gather task and a poison message) is handled,
    result = handler(event, REMIND.context())
    # Then only the poison is reported, and the jobs it queued send one digest per contact.
    assert result["batchItemFailures"] == [{"itemIdentifier": event["Records"][1]["messageId"]}]
    drain_all(stack)
    assert (len(to(CONTACT)), len(to(SECOND))) == (1, 1)


def test_the_recorded_schedule_events_sweep_today_or_the_named_day(stack: Any) -> None:
    from functions.sweep import handler

    events = Path(__file__).parents[2] / "events/sweep"
    named = handler(json.loads((events / "rerun-2026-10-12.json").read_text()), SWEEP.context())
    assert named["sweep_date"] == "2026-10-12"
    daily = handler(json.loads((events / "daily.json").read_text()), SWEEP.context())
    assert daily["sweep_date"] == datetime.now(CHINA_TZ).date().isoformat()


def test_a_standing_duty_is_reminded_once_a_week_while_open(stack: Any) -> None:
    # Given a standing duty of the automaker (no due date) that arose on Wednesday 2026-10-14,
    obligation_item(
        "ob_standing1", AUTOMAKER_ID, "350100", None, arose_on=date(2026, 10, 14)
    ).save()
    # When every day from then to the end of the next week but one is swept,
    for day in range(14, 32):
        run_day(stack, f"2026-10-{day:02d}")
    # Then it went out on Monday 10-19 and Monday 10-26 only, to each contact.
    weeks = ObligationItem.get("ob_standing1", consistent_read=True).reminders_sent
    assert weeks == {"WEEK:2026-W43", "WEEK:2026-W44"}
    standing = [m for m in to(SECOND) if "ob_standing1" in body(m)]
    assert [parsed(m)["Subject"] is not None for m in standing] == [True, True]
    assert len([m for m in to(CONTACT) if "ob_standing1" in body(m)]) == 2


def _standing_duty() -> str:
    """The automaker's standing duty to submit disassembly information (no due date)."""
    [standing] = [
        item.id
        for item in ObligationItem.by_responsible_status.query(AUTOMAKER_ID)
        if item.due_date is None
    ]
    return str(standing)


def _calendar() -> Any:
    from compliance.store.calendars import current_calendar

    return current_calendar()


@pytest.fixture
def dynamo_calls(stack: Any) -> Iterator[list[tuple[str, str]]]:
    """Every DynamoDB call the test makes after asking for this: (operation, table)."""
    calls: list[tuple[str, str]] = []
    events = ObligationItem._get_connection().connection.client.meta.events

    def hook(model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        calls.append((model.name, str(params.get("TableName", ""))))

    events.register("before-parameter-build.dynamodb", hook)
    yield calls
    events.unregister("before-parameter-build.dynamodb", hook)


@pytest.mark.parametrize("others", [60, 600])
def test_a_gather_reads_only_the_reminders_due_whatever_the_table_holds(
    stack: Any, others: int, request: pytest.FixtureRequest
) -> None:
    # Given the automaker's two obligations whose reminders are due on 2026-10-09 (an upload and
    # a standing duty), and `others` that are not:
    # due later, standing (their week has not come), or fulfilled,
    with ObligationItem.batch_write() as batch:
        for n in range(others):
            kind = n % 3
            due = None if kind == 1 else date(2026, 12, 1)
            batch.save(
                obligation_item(
                    f"ob_filler{n:05d}",
                    AUTOMAKER_ID,
                    f"FILLER{n}",
                    due,
                    fulfilled=kind == 2,
                    arose_on=date(2026, 10, 13),
                )
            )
    calendar = _calendar()
    calls = request.getfixturevalue("dynamo_calls")
    # When the automaker's reminders of the day are gathered,
    gathered = reminders.gather(
        date(2026, 10, 9),
        AUTOMAKER_ID,
        now=datetime.now(CHINA_TZ),
        calendar=calendar,
        enqueue=lambda messages: None,
    )
    # Then it read exactly those two (the upload and its standing duty's first reminder), in
    # the same calls whatever the table holds.
    assert (gathered.items_read, gathered.reminders_due, gathered.jobs_enqueued) == (2, 2, 2)
    # (Any earlier round looked up, a Query per shard of its schedule, the items themselves
    # read consistently, its contacts, the frozen list written, one move per obligation due, a
    # job per contact, closing.)
    assert [operation for operation, _ in calls] == [
        "GetItem",
        *["Query"] * 4,
        "BatchGetItem",
        "BatchGetItem",
        "BatchWriteItem",
        "PutItem",
        *["UpdateItem"] * 2,
        *["PutItem"] * 2,
        *["UpdateItem"] * 3,
    ]


def test_the_sweep_reads_only_enterprise_ids(
    stack: Any, dynamo_calls: list[tuple[str, str]]
) -> None:
    # When the day is swept, Then it read the enterprises' ids in one Scan and nothing else.
    report = sweep("2026-10-09")
    assert report["enterprises_queued"] == 2
    assert dynamo_calls == [("Scan", "nev-local-EnterprisesTable")]


def test_a_day_of_two_thousand_reminders_is_one_email_per_contact_with_the_full_list(
    stack: Any,
) -> None:
    # Given 2,000 more uploads of the automaker with their five-days reminder due on 10-09,
    due = date(2026, 10, 15)
    with ObligationItem.batch_write() as batch:
        for n in range(2000):
            batch.save(
                obligation_item(
                    f"ob_bulk{n:05d}", AUTOMAKER_ID, vin(100 + n), due, arose_on=date(2026, 9, 24)
                )
            )
    # When the day is swept and delivered,
    run_day(stack, "2026-10-09")
    # Then each contact got one email: an HTML part under 100 KB, and a CSV attachment whose
    # rows are every obligation of the day (the 2,000, the upload, the standing duty).
    for contact in (CONTACT, SECOND):
        [email] = to(contact)
        message = parsed(email)
        html = message.get_body(("html",))
        assert html is not None
        assert len(html.get_content().encode()) < 100 * 1024
        [attachment] = list(message.iter_attachments())
        assert str(attachment.get_filename()).endswith(".csv")
        rows = attachment.get_content()
        if isinstance(rows, bytes):
            rows = rows.decode("utf-8-sig")
        lines = [line for line in rows.lstrip("\ufeff").splitlines() if line]
        assert len(lines) == 1 + 2002
        listed = {n for n in range(2000) if f"ob_bulk{n:05d}" in rows}
        assert listed == set(range(2000))
        assert stack["upload"] in rows


def test_obligations_stored_before_the_reminder_index_are_given_their_dates_once(
    stack: Any,
) -> None:
    # Given an open obligation written without a next reminder date (as before the index
    # existed), and a fulfilled one,
    old = obligation_item("ob_before1", AUTOMAKER_ID, vin(90), date(2026, 10, 15))
    old.remind_pk = old.remind_sk = None
    old.save()
    obligation_item("ob_before2", AUTOMAKER_ID, vin(91), date(2026, 10, 15), fulfilled=True).save()
    # When the backfill runs, twice,
    first = reminder_store.backfill_schedules(_calendar())
    second = reminder_store.backfill_schedules(_calendar())
    # Then the open one got the date its first stage begins (T-5: 10-09), once, the closed one
    # none, and the day's sweep reminds each contact of it.
    assert (first, second) == (1, 0)
    item = ObligationItem.get("ob_before1", consistent_read=True)
    assert str(item.remind_sk).startswith("2026-10-09#")
    assert ObligationItem.get("ob_before2", consistent_read=True).remind_sk is None
    run_day(stack, "2026-10-09")
    assert all("ob_before1" in body(m) for m in to(CONTACT) + to(SECOND))


def test_a_day_list_of_thirty_six_thousand_entries_is_stored_and_read_back_whole(
    stack: Any,
) -> None:
    # Given the list of the largest automaker's day: 36,000 entries of the longest kind (an
    # overdue stage, ids as the platform makes them),
    entries = [
        reminder_store.Entry(
            obligation_id=f"ob_{n:024x}",
            stage="OVERDUE+12",
            sent_key="2026-08-20:OVERDUE+12",
            read_key=f"2026-11-19#ob_{n:024x}",
            next_on=date(2026, 11, 26),
            overdue=n % 2 == 0,
        )
        for n in range(36_000)
    ]
    # When it is frozen as a batch and read back,
    stored = reminder_store.create_batch(
        date(2026, 11, 19), AUTOMAKER_ID, 1, entries, datetime.now(CHINA_TZ)
    )
    read = reminder_store.get_batch(stored.id)
    # Then every row fits DynamoDB's item limit and the list comes back whole, in order.
    assert all(len(row.encode()) <= 300_000 for row in reminder_store.entry_rows(entries))
    assert read is not None
    assert read.entries == tuple(entries)


def test_an_enterprise_without_contacts_keeps_its_schedule_for_the_first_contact_added(
    stack: Any,
) -> None:
    # Given the automaker with no contacts on the day its upload reaches T-5,
    result = gql(UPDATE, {"input": {"id": AUTOMAKER_ID, "contacts": []}}, auth=AUTO)
    assert result["data"]["updateEnterprise"]["userErrors"] == []
    run_day(stack, "2026-10-09")
    assert sent() == []
    # When a contact is added and the next working day is swept,
    result = gql(UPDATE, {"input": {"id": AUTOMAKER_ID, "contacts": CONTACTS[:1]}}, auth=AUTO)
    assert result["data"]["updateEnterprise"]["userErrors"] == []
    run_day(stack, "2026-10-12")
    # Then that contact is told of the stage nobody heard of (T-5), and it is recorded once.
    [email] = to(CONTACT)
    assert stack["upload"] in body(email)
    item = ObligationItem.get(stack["upload"], consistent_read=True)
    assert item.reminders_sent == {"2026-10-15:T-5"}


def test_an_enterprise_without_contacts_still_turns_overdue(stack: Any) -> None:
    gql(UPDATE, {"input": {"id": AUTOMAKER_ID, "contacts": []}}, auth=AUTO)
    run_day(stack, "2026-10-16")
    item = ObligationItem.get(stack["upload"], consistent_read=True)
    assert item.status == "OVERDUE"
    assert not item.reminders_sent  # nobody was reminded


def test_a_move_is_skipped_when_a_calendar_load_moved_the_due_date_since_the_list_was_frozen(
    stack: Any,
) -> None:
    # Given the gather of 10-09 read the upload (due 10-15) and froze its T-5 entry,
    read = ObligationItem.get(stack["upload"], consistent_read=True)
    record = reads.obligations([stack["upload"]])[stack["upload"]]
    entry = reminders.entry_for(record, str(read.remind_sk), date(2026, 10, 9), _calendar())
    # When a calendar load moves the due date a day earlier, leaving the reminder date as it was,
    read.update(actions=[ObligationItem.due_date.set("2026-10-14")])
    assert ObligationItem.get(stack["upload"], consistent_read=True).remind_sk == read.remind_sk
    moved = reminder_store.move_forward([entry], datetime.now(CHINA_TZ), enterprise=AUTOMAKER_ID)
    # Then the move is skipped: its next reminder stays to be worked out from the new due date.
    assert (moved.moved, moved.skipped) == (0, 1)
    assert ObligationItem.get(stack["upload"], consistent_read=True).reminders_sent is None


def test_the_sweep_refuses_a_day_after_today(stack: Any) -> None:
    from functions.sweep import handler

    later = date.fromordinal(datetime.now(CHINA_TZ).date().toordinal() + 3).isoformat()
    with pytest.raises(ValueError, match="after today in China"):
        handler({"today": later}, SWEEP.context())


def test_a_digest_lists_only_its_own_enterprises_obligations(stack: Any) -> None:
    # Given the battery maker with a contact too, and both enterprises with reminders due,
    maker_contact = "compliance@cells.example.cn"
    update = {"id": BATTERY_MAKER_ID, "contacts": [{"email": maker_contact, "language": "en"}]}
    result = gql(UPDATE, {"input": update}, auth=ADMIN)
    assert result["data"]["updateEnterprise"]["userErrors"] == []
    maker_duties = {
        item.id for item in ObligationItem.by_responsible_status.query(BATTERY_MAKER_ID)
    }
    automaker_duties = {
        item.id for item in ObligationItem.by_responsible_status.query(AUTOMAKER_ID)
    }
    assert maker_duties
    # When the day is swept,
    run_day(stack, "2026-10-09")
    # Then the maker's digest names none of the automaker's duties (nor its name or VINs), and
    # the automaker's none of the maker's.
    [maker_email] = to(maker_contact)
    text = body(maker_email)
    assert [oid for oid in maker_duties if oid in text]  # its own standing duty is there
    assert not [oid for oid in automaker_duties if oid in text]
    assert "Fuzhou" not in text
    assert vin(1) not in text
    for contact in (CONTACT, SECOND):
        for email in to(contact):
            assert not [oid for oid in maker_duties if oid in body(email)]


def _counted_from_the_table(enterprise: str | None, today: date) -> dict[str, Any]:
    """What a summary must say, worked out from every obligation item in the table."""
    counts = dict.fromkeys(ObligationStatus, 0)
    provisional, upcoming = 0, []
    for item in ObligationItem.scan(ObligationItem.id.startswith("ob_")):
        if enterprise is not None and item.responsible != enterprise:
            continue
        stored = ObligationStatus(item.status)
        if stored in (ObligationStatus.OPEN, ObligationStatus.OVERDUE):
            late = item.due_date is not None and item.due_date < today.isoformat()
            counts[ObligationStatus.OVERDUE if late else ObligationStatus.OPEN] += 1
            provisional += bool(item.provisional)
            if item.due_date is not None and not late:
                upcoming.append((item.due_date, item.id))
        else:
            counts[stored] += 1
    return {
        "counts": counts,
        "provisional": provisional,
        "next": min(upcoming)[1] if upcoming else None,
    }


def _summarised(enterprise: str | None, today: date) -> dict[str, Any]:
    summary = summaries.obligation_summary(enterprise, today)
    return {"counts": summary.counts, "provisional": summary.provisional, "next": summary.next_due}


def test_the_summary_counts_follow_every_change_of_status_and_equal_a_count_of_the_table(
    stack: Any,
) -> None:
    # Given the automaker's upload (due 10-15) and standing duty, a second vehicle's upload, and
    # the battery maker's own duties
    certify_second()
    days = [date(2026, 10, 14), date(2026, 10, 16), date(2026, 10, 19)]

    def agree() -> None:
        for enterprise in (AUTOMAKER_ID, BATTERY_MAKER_ID, None):
            for day in days:
                assert _summarised(enterprise, day) == _counted_from_the_table(enterprise, day), (
                    enterprise,
                    day,
                )

    # Then before any sweep the clock already counts the uploads past due as overdue
    agree()
    # When the sweep of 10-16 marks them OVERDUE (stored), Then the counts agree still
    run_day(stack, "2026-10-16")
    assert ObligationItem.get(stack["upload"], consistent_read=True).status == "OVERDUE"
    agree()
    # When the first upload is fulfilled late and the standing duty is waived
    fulfil = gql(FULFIL, {"id": stack["upload"], "on": "2026-10-16"}, auth=AUTO)
    assert fulfil["data"]["fulfillObligation"]["userErrors"] == []
    waive = gql(
        """mutation ($id: ID!) { waiveObligation(input: {id: $id,
           reason: "The model's disassembly information was filed on paper in 2025."}) {
           userErrors { code } } }""",
        {"id": _standing_duty()},
        auth=AUTO,
    )
    assert waive["data"]["waiveObligation"]["userErrors"] == []
    # Then each enterprise's and the nation's summary equal a count of the table
    agree()
    late = _summarised(AUTOMAKER_ID, days[-1])["counts"]
    assert (late[ObligationStatus.FULFILLED_LATE], late[ObligationStatus.WAIVED]) == (1, 1)


def test_a_regulator_reads_the_nations_summary_and_an_enterprise_the_nation_is_refused(
    stack: Any,
) -> None:
    # Given the automaker's and the battery maker's duties
    query = "{ complianceSummary { enterpriseId open overdue fulfilled waived } }"
    # When a regulator asks for the summary without naming an enterprise
    national = gql(query, auth=bearer_header("REGULATOR"))["data"]["complianceSummary"]
    own = gql(query, auth=AUTO)["data"]["complianceSummary"]
    # Then it gets the nation's counts; the automaker gets only its own
    assert national["enterpriseId"] is None
    table = _counted_from_the_table(None, datetime.now(CHINA_TZ).date())["counts"]
    assert national["open"] + national["overdue"] == (
        table[ObligationStatus.OPEN] + table[ObligationStatus.OVERDUE]
    )
    assert own["enterpriseId"] == AUTOMAKER_ID
    assert own["open"] + own["overdue"] < national["open"] + national["overdue"]


def test_obligations_stored_by_an_earlier_version_are_indexed_and_counted_once(
    stack: Any,
) -> None:
    # Given an open and a fulfilled obligation stored as an earlier version wrote them: no
    # status key, unsharded national partitions, no count
    for oid, fulfilled in (("ob_earlier1", False), ("ob_earlier2", True)):
        item = obligation_item(oid, AUTOMAKER_ID, vin(80), date(2026, 10, 20), fulfilled=fulfilled)
        item.save()
        partition = ObligationItem.open_partition
        item.update(
            actions=[
                ObligationItem.status_key.remove(),
                ObligationItem.due_partition.set("ALL"),
                partition.remove() if fulfilled else partition.set("OPEN"),
            ]
        )
    before = _summarised(AUTOMAKER_ID, date(2026, 10, 14))["counts"]
    # When the upgrade runs, twice
    first, second = migrations.index_obligations(), migrations.index_obligations()
    # Then both were upgraded once; the automaker's list and summary now include them
    assert (first, second) == (2, 0)
    after = _summarised(AUTOMAKER_ID, date(2026, 10, 14))
    assert after == _counted_from_the_table(AUTOMAKER_ID, date(2026, 10, 14))
    assert after["counts"][ObligationStatus.OPEN] == before[ObligationStatus.OPEN] + 1
    listed = gql(
        '{ obligations(first: 50, filter: {dueOnOrAfter: "2026-10-20", dueOnOrBefore: '
        '"2026-10-20"}) { edges { node { id status } } } }',
        auth=AUTO,
    )["data"]["obligations"]["edges"]
    assert sorted(e["node"]["id"] for e in listed) == ["ob_earlier1", "ob_earlier2"]


def test_total_count_comes_from_the_counts_for_a_status_filter_and_is_null_for_others(
    stack: Any,
) -> None:
    # Given the automaker's duties, and today's counts from the table
    certify_second()
    table = _counted_from_the_table(AUTOMAKER_ID, datetime.now(CHINA_TZ).date())["counts"]
    query = """query ($f: ObligationFilter) { obligations(first: 1, filter: $f) {
        totalCount edges { node { id } } } }"""

    def total(filter_: dict[str, Any] | None) -> Any:
        return gql(query, {"f": filter_}, auth=AUTO)["data"]["obligations"]["totalCount"]

    # When it asks for the total of its open and overdue duties, of all, and of one rule's
    # Then the first two are the table's counts, though the page holds one; a rule is null
    assert total({"status": ["OPEN", "OVERDUE"]}) == (
        table[ObligationStatus.OPEN] + table[ObligationStatus.OVERDUE]
    )
    assert total(None) == sum(table.values())
    assert total({"ruleId": ["SALES_TRACE_UPLOAD"]}) is None
    # And another enterprise's list counts nothing of it
    other = gql(query, {"f": {"enterpriseId": BATTERY_MAKER_ID}}, auth=AUTO)["data"]
    assert other["obligations"] == {"totalCount": None, "edges": []}
