"""A calendar load reschedules in bounded pages through the reminder queue, on moto: the
mutation stores the load and queues one message per partition of the national open index, the
remind function works each partition through page by page, and the progress it records is a
summary an operator can watch (`calendarRescheduling`).

Obligations are written straight into the table, with their counts, as the event use cases
write them: the sizes that matter here (hundreds) would take minutes through the API."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from pynamodb.transactions import TransactWrite

from compliance import clients, delivery
from compliance.calendar import WorkingDayCalendar, YearSchedule, default_calendar
from compliance.lifecycle import EventKind
from compliance.reminder_schedule import first_reminder_on
from compliance.rules import Obligation, ObligationStatus, Period, SubjectKind, reschedule
from compliance.store import obligations as obligation_store
from compliance.store import rescheduling, summaries
from compliance.store.counts import StatusChange, add_to_transaction
from compliance.store.models import CalendarYearItem, ObligationItem
from compliance.store.records import obligation_from_item, obligation_item, status_key
from compliance.store.transactions import commit
from local.aws import local_aws
from local.calls import bearer_header, function_settings
from local.queues import create_queues, deliver_batch
from local.sweeper import sqs_event
from tests.api import gql
from tests.builders import AUTOMAKER_ID, OTHER_AUTOMAKER_ID

ADMIN = bearer_header("PLATFORM_ADMIN")
REGULATOR = bearer_header("REGULATOR")
AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
WRITTEN_AT = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
SUMMARY = """version year status partitions partitionsDone examined moved confirmed
    queuedAt startedAt finishedAt"""
LOAD = f"""mutation ($input: LoadCalendarYearInput!) {{ loadCalendarYear(input: $input) {{
    calendar {{ version announcedYears }} rescheduling {{ {SUMMARY} }}
    rescheduled {{ before after }} obligations {{ id }} userErrors {{ code message }} }} }}"""
WATCH = f"""query ($version: Int!) {{ calendarRescheduling(version: $version) {{ {SUMMARY} }} }}"""
# 2027 as announced: New Year's Day and the Spring Festival week off, a Saturday worked.
HOLIDAYS = ["2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"]
MAKE_UP = ["2027-01-30"]
SCHEDULE_2027 = YearSchedule(
    year=2027,
    holidays=frozenset(date.fromisoformat(d) for d in HOLIDAYS),
    makeup_workdays=frozenset(date.fromisoformat(d) for d in MAKE_UP),
    source="State Council notice 2027",
    announced_on=None,
)
LOAD_2027 = {
    "input": {
        "year": 2027,
        "holidays": HOLIDAYS,
        "makeUpWorkdays": MAKE_UP,
        "source": "State Council notice 2027",
    }
}


# --- the store, the queue -------------------------------------------------------------------


@dataclass
class Stack:
    sqs: Any
    url: str
    arn: str

    def receive_all(self) -> list[dict[str, Any]]:
        """Every message waiting, taken off the queue (bodies, parsed)."""
        bodies = []
        while messages := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                bodies.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    def send(self, *bodies: dict[str, Any]) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.url, MessageBody=json.dumps(body))

    def waiting(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def deliver_once(self) -> tuple[int, int]:
        """One batch to the remind function, as Lambda's poller hands it: (received, failed)."""
        from functions.remind import handler

        return deliver_batch(self.sqs, self.url, self.arn, handler)

    def drain(self, limit: int = 2_000) -> int:
        """Deliver until the queue is empty; every message must succeed. How many there were."""
        delivered = 0
        for _ in range(limit):
            received, failed = self.deliver_once()
            assert failed == 0, "a rescheduling page failed"
            if not received:
                return delivered
            delivered += received
        raise AssertionError("the reminder queue did not empty")


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Given the template's tables and the reminder queue on moto."""
    with local_aws():
        sqs = boto3.client("sqs")
        url = create_queues(sqs)["ReminderQueue"]
        monkeypatch.setenv("REMINDER_QUEUE_URL", url)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        yield Stack(sqs, url, arn)


def obligations(count: int, *, first: int = 0) -> list[Obligation]:
    """`count` dated duties of two automakers arising from 14 December 2026 to late January
    2027, with the shipped calendar (2027 not announced): those due in 2027 are provisional,
    some due in the holidays the 2027 notice brings, some not; the earliest are due in 2026."""
    calendar = default_calendar()
    made = []
    for n in range(first, first + count):
        trigger = date(2026, 12, 14) + timedelta(days=n % 45)
        period = Period.parse("10WD" if n % 3 else "30WD")
        made.append(
            Obligation(
                id=f"ob_{n:024x}",
                rule_id="SALES_TRACE_UPLOAD",
                rule_set_id="CN-MIIT-2023-DRAFT",
                rule_set_version="2023-12-15.1",
                responsible_enterprise=AUTOMAKER_ID if n % 2 else OTHER_AUTOMAKER_ID,
                responsible_role="AUTOMAKER",
                subject_kind=SubjectKind.VEHICLE,
                subject_id=f"LFV2A21K7R{n:07d}",
                trigger_event_id=f"ev_{n:024x}",
                trigger_kind=EventKind.VEHICLE_REGISTERED,
                trigger_date=trigger,
                period=period,
                deadline=period.deadline(trigger, calendar),
                vin=f"LFV2A21K7R{n:07d}",
            )
        )
    return made


def store(duties: list[Obligation], *, fulfilled: frozenset[str] = frozenset()) -> None:
    """Write `duties` (those in `fulfilled` closed) with their counts, 40 to a transaction."""
    calendar = default_calendar()
    for start in range(0, len(duties), 40):
        chunk = duties[start : start + 40]

        def build(tx: TransactWrite, chunk: list[Obligation] = chunk) -> None:
            changes = []
            for duty in chunk:
                due = duty.deadline.due_date if duty.deadline else None
                item = obligation_item(
                    duty, WRITTEN_AT, first_reminder_on(due, duty.trigger_date, calendar)
                )
                status = ObligationStatus.OPEN
                if duty.id in fulfilled:
                    status = ObligationStatus.FULFILLED
                    item.status = status.value
                    item.status_key = status_key(status, due, duty.id)
                    item.open_partition = None
                    item.remind_pk = item.remind_sk = None
                    item.fulfilled_on = "2026-12-20"
                tx.save(item)
                provisional = bool(duty.deadline and duty.deadline.provisional)
                changes.append(StatusChange(duty.responsible_enterprise, None, status, provisional))
            add_to_transaction(tx, changes, chunk[0].id)

        commit(build, conflict="test obligations already stored")


def stored() -> dict[str, ObligationItem]:
    """Every obligation in the table (a Scan: fine in a test)."""
    return {
        item.id: item
        for item in ObligationItem.scan(ObligationItem.rule_id.exists(), consistent_read=True)
    }


def provisional_in_table(responsible: str | None = None) -> int:
    """Open obligations whose deadline is provisional, counted in the table itself."""
    return sum(
        1
        for item in stored().values()
        if item.provisional
        and item.status in ("OPEN", "OVERDUE")
        and (responsible is None or item.responsible == responsible)
    )


def after_2027() -> WorkingDayCalendar:
    return default_calendar().with_year(SCHEDULE_2027)


def load_2027() -> dict[str, Any]:
    result = gql(LOAD, LOAD_2027, auth=ADMIN)["data"]["loadCalendarYear"]
    assert result["userErrors"] == [], result
    return dict(result)


def cursor(version: int, partition: str) -> CalendarYearItem:
    return CalendarYearItem.get(
        rescheduling.RESCHEDULING, f"{version:06d}#2027#{partition}", consistent_read=True
    )


# --- DynamoDB and SQS calls -----------------------------------------------------------------


@dataclass
class Calls:
    dynamodb: Counter[str] = field(default_factory=Counter)
    items_read: int = 0
    items_written: int = 0
    sqs: Counter[str] = field(default_factory=Counter)


def measured(action: Callable[[], Any]) -> tuple[Any, Calls]:
    """Run `action`, counting the DynamoDB calls it makes, the items they read and write, and
    its SQS calls."""
    calls = Calls()

    def before(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.dynamodb[model.name] += 1
        calls.items_written += len(params.get("TransactItems", ()))
        calls.items_written += sum(len(r) for r in params.get("RequestItems", {}).values())
        calls.items_written += int(model.name in ("PutItem", "UpdateItem", "DeleteItem"))

    def after(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            calls.items_read += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif model.name == "GetItem":
            calls.items_read += int("Item" in parsed)
        elif model.name == "BatchGetItem":
            calls.items_read += sum(len(r) for r in parsed.get("Responses", {}).values())

    def queued(model: Any, **_: Any) -> None:
        calls.sqs[model.name] += 1

    dynamodb = ObligationItem._get_connection().connection.client.meta.events
    sqs = clients.client("sqs").meta.events
    dynamodb.register("before-parameter-build.dynamodb", before)
    dynamodb.register("after-call.dynamodb", after)
    sqs.register("before-call.sqs", queued)
    try:
        result = action()
    finally:
        dynamodb.unregister("before-parameter-build.dynamodb", before)
        dynamodb.unregister("after-call.dynamodb", after)
        sqs.unregister("before-call.sqs", queued)
    return result, calls


# --- the mutation ---------------------------------------------------------------------------


def _loading_2027_over(count: int) -> tuple[dict[str, Any], Calls, list[dict[str, Any]]]:
    with local_aws():
        sqs = boto3.client("sqs")
        url = create_queues(sqs)["ReminderQueue"]
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("REMINDER_QUEUE_URL", url)
            store(obligations(count))
            payload, calls = measured(load_2027)
            stack = Stack(sqs, url, "")
            messages = stack.receive_all()
    return payload, calls, messages


def test_loading_a_year_queues_its_rescheduling_for_the_same_calls_whatever_the_country_holds() -> (
    None
):
    # Given 50 obligations, and in another store 500, most with provisional 2027 deadlines,
    # When the platform loads the 2027 schedule in each,
    small, small_calls, small_messages = _loading_2027_over(50)
    large, large_calls, large_messages = _loading_2027_over(500)
    # Then both requests make the same calls and read and write the same items: the loads read
    # (one Query), the load with its rescheduling's progress written (one transaction of the
    # load, a header and a cursor per partition), one queue call for the eight first pages.
    assert small_calls == large_calls
    assert small_calls.dynamodb == Counter({"Query": 1, "TransactWriteItems": 1})
    assert small_calls.items_read == 0  # no load stored before this one
    assert small_calls.items_written == 2 + len(rescheduling.PARTITIONS)
    assert small_calls.sqs == Counter({"SendMessageBatch": 1})
    # and each queued the first page of every partition of the open index, and nothing else,
    version = default_calendar().version + 1
    for messages in (small_messages, large_messages):
        assert sorted(m["reschedule"]["partition"] for m in messages) == sorted(
            rescheduling.PARTITIONS
        )
        assert {(m["reschedule"]["version"], m["reschedule"]["year"]) for m in messages} == {
            (version, 2027)
        }
        assert all(m["reschedule"]["page"] == 0 for m in messages)
        assert all(m["reschedule"]["after"] is None for m in messages)
    # and the payload is a summary of work queued, the old lists empty.
    for payload in (small, large):
        assert payload["calendar"]["version"] == version
        assert 2027 in payload["calendar"]["announcedYears"]
        assert payload["rescheduled"] == []
        assert payload["obligations"] == []
        progress = payload["rescheduling"]
        assert progress["status"] == "QUEUED"
        assert (progress["version"], progress["year"]) == (version, 2027)
        assert (progress["partitions"], progress["partitionsDone"]) == (8, 0)
        assert (progress["examined"], progress["moved"], progress["confirmed"]) == (0, 0, 0)
        assert progress["queuedAt"] is not None
        assert progress["finishedAt"] is None


# --- the pages ------------------------------------------------------------------------------


def test_draining_the_queue_moves_exactly_what_the_load_changes_and_records_each_move(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 180 obligations (15 of them fulfilled), read in pages of 7 moved 3 to a transaction
    # so that every partition takes several pages,
    monkeypatch.setattr(rescheduling, "PAGE_ITEMS", 7)
    monkeypatch.setattr(obligation_store, "GROUP", 3)
    duties = obligations(180)
    fulfilled = frozenset(d.id for d in duties[::12])
    store(duties, fulfilled=fulfilled)
    before = stored()
    # When 2027 is loaded and the queue drained,
    version = load_2027()["calendar"]["version"]
    pages = stack.drain()
    # Then every open deadline the pure rule says the load changes has moved, as it says,
    expected = {
        change.obligation_id: change
        for change in reschedule(
            (d for d in duties if d.id not in fulfilled), after_2027(), year=2027
        )
    }
    assert any(c.changes_date for c in expected.values())
    assert any(not c.changes_date for c in expected.values())
    after = stored()
    for oid, change in expected.items():
        record = obligation_from_item(after[oid])
        assert record.obligation.deadline == change.after
        assert after[oid].due_key == f"{change.after.due_date.isoformat()}#{oid}"
        # with the move recorded on it, once,
        [entry] = record.reschedules
        assert (entry.before, entry.after) == (change.before.due_date, change.after.due_date)
        assert entry.calendar_version == version
        assert after[oid].version == before[oid].version + 1
    # and nothing else changed: deadlines in 2026, fulfilled duties.
    for oid in before.keys() - expected.keys():
        assert after[oid].due_date == before[oid].due_date
        assert after[oid].version == before[oid].version
        assert not after[oid].reschedules
    # The work went page by page: more messages than partitions.
    assert pages > len(rescheduling.PARTITIONS)


def test_a_redelivered_page_changes_nothing_and_counts_nothing_twice(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 2027 loaded over 120 obligations, in pages of 6, and its first pages taken off
    # the queue,
    monkeypatch.setattr(rescheduling, "PAGE_ITEMS", 6)
    store(obligations(120))
    version = load_2027()["calendar"]["version"]
    first = stack.receive_all()
    busiest = max(
        first,
        key=lambda m: sum(
            1
            for i in stored().values()
            if i.open_partition == m["reschedule"]["partition"] and i.due_date >= "2027-01-01"
        ),
    )
    partition = busiest["reschedule"]["partition"]
    # When its first page is delivered, then delivered again,
    stack.send(busiest)
    assert stack.deliver_once() == (1, 0)
    once, once_cursor = stored(), cursor(version, partition)
    follow_up = stack.receive_all()
    stack.send(busiest)
    assert stack.deliver_once() == (1, 0)
    # Then the second delivery wrote no obligation, counted nothing and queued nothing,
    assert {i: o.version for i, o in stored().items()} == {i: o.version for i, o in once.items()}
    again = cursor(version, partition)
    assert (again.page, again.examined, again.moved, again.confirmed) == (
        once_cursor.page,
        once_cursor.examined,
        once_cursor.moved,
        once_cursor.confirmed,
    )
    assert stack.waiting() == 0
    # while the first recorded the page and queued the next one, from where it stopped.
    assert once_cursor.page == 1
    assert once_cursor.examined == 6
    moved_on_page = sum(
        1
        for item in once.values()
        if item.open_partition == partition
        and any(int(r.calendar_version) == version for r in item.reschedules or ())
    )
    assert once_cursor.moved + once_cursor.confirmed == moved_on_page > 0
    [following] = follow_up
    assert following["reschedule"]["page"] == 1
    assert following["reschedule"]["after"] == once_cursor.after_key


def test_a_page_stopped_after_its_moves_counts_each_written_move_once_when_delivered_again(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 2027 loaded over 120 obligations in pages of 6, and a worker that stops after
    # writing a page's moves, before recording the page (the first time only),
    monkeypatch.setattr(rescheduling, "PAGE_ITEMS", 6)
    store(obligations(120))
    version = load_2027()["calendar"]["version"]
    record = rescheduling._record
    stops = iter([True])

    def stopping(*args: Any, **kwargs: Any) -> bool:
        if next(stops, False):
            raise RuntimeError("the function stopped here")
        return record(*args, **kwargs)

    monkeypatch.setattr(rescheduling, "_record", stopping)
    # When the queue is drained, and the stopped page delivered again (SQS hands it back after
    # its visibility timeout; here the same message is sent again once the rest is done),
    [_received, failed] = stack.deliver_once()
    assert failed == 1
    monkeypatch.setattr(rescheduling, "_record", record)
    stack.drain()
    [stopped] = [
        partition
        for partition in rescheduling.PARTITIONS
        if cursor(version, partition).finished_at is None
    ]
    assert cursor(version, stopped).page == 0
    stack.send(rescheduling.Page(version, 2027, stopped).message())
    stack.drain()
    # Then every move was counted once: the counts equal the moves the obligations record.
    summary = rescheduling.summary(version)
    assert summary is not None
    assert summary.status is rescheduling.ReschedulingStatus.DONE
    moves = [
        entry
        for item in stored().values()
        for entry in item.reschedules or ()
        if int(entry.calendar_version) == version
    ]
    assert summary.moved == sum(1 for e in moves if e.before != e.after)
    assert summary.confirmed == sum(1 for e in moves if e.before == e.after)


def test_a_next_page_whose_message_never_went_out_is_queued_by_the_page_delivered_again(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 2027 loaded over 60 obligations in pages of 5, and a queue that refuses the next
    # page's message once (the page is recorded, its follow-up not sent),
    monkeypatch.setattr(rescheduling, "PAGE_ITEMS", 5)
    store(obligations(60))
    version = load_2027()["calendar"]["version"]
    [message, *others] = stack.receive_all()  # the others wait until this one is told
    refusals = iter([True])

    def refusing(messages: Any) -> None:
        if next(refusals, False):
            raise delivery.DeliveryError("SQS throttled", retryable=True)
        delivery.enqueue_to(stack.url, messages)

    monkeypatch.setattr("functions.remind.queue", lambda url: refusing)
    stack.send(message)
    assert stack.deliver_once() == (1, 1)
    partition = message["reschedule"]["partition"]
    assert cursor(version, partition).page == 1
    assert stack.waiting() == 0
    # When the page is delivered again,
    stack.send(message)
    assert stack.deliver_once() == (1, 0)
    # Then it records nothing twice and sends the next page's message, from where it stopped,
    [following] = stack.receive_all()
    state = cursor(version, partition)
    assert state.page == 1
    assert state.queued_page == 1
    assert following["reschedule"] == {
        "version": version,
        "year": 2027,
        "partition": partition,
        "page": 1,
        "after": state.after_key,
    }
    # and the rescheduling still finishes.
    stack.send(following, *others)
    stack.drain()
    summary = rescheduling.summary(version)
    assert summary is not None
    assert summary.status is rescheduling.ReschedulingStatus.DONE


# --- the summary and the counts -------------------------------------------------------------


def test_the_summary_reaches_done_with_the_counts_of_what_the_load_changed(stack: Stack) -> None:
    # Given 240 obligations (12 fulfilled), 2027 loaded,
    duties = obligations(240)
    fulfilled = frozenset(d.id for d in duties[::20])
    store(duties, fulfilled=fulfilled)
    loaded = load_2027()
    version = loaded["calendar"]["version"]
    # (an enterprise may not watch it; a regulator may, and sees it queued)
    refused = gql(WATCH, {"version": version}, auth=AUTO)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    queued = gql(WATCH, {"version": version}, auth=REGULATOR)["data"]["calendarRescheduling"]
    assert queued["status"] == "QUEUED"
    # When the queue is drained,
    stack.drain()
    # Then the summary is DONE, every partition read, with the counts the pure rule gives.
    done = gql(WATCH, {"version": version}, auth=REGULATOR)["data"]["calendarRescheduling"]
    open_duties = [d for d in duties if d.id not in fulfilled]
    changes = reschedule(open_duties, after_2027(), year=2027)
    dated_from_2027 = [d for d in open_duties if d.deadline and d.deadline.due_date.year >= 2027]
    assert done["status"] == "DONE"
    assert (done["partitions"], done["partitionsDone"]) == (8, 8)
    assert done["moved"] == sum(1 for c in changes if c.changes_date)
    assert done["confirmed"] == sum(1 for c in changes if not c.changes_date)
    # (one page per partition here: each obligation read once)
    assert done["examined"] == len(dated_from_2027)
    assert done["startedAt"] is not None
    assert done["finishedAt"] >= done["startedAt"]
    # and a version that queued nothing has no summary.
    assert gql(WATCH, {"version": 99}, auth=ADMIN)["data"]["calendarRescheduling"] is None


def test_the_obligation_counts_equal_the_table_after_a_load_confirms_provisional_deadlines(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 150 obligations of two automakers, most of them provisional, counted as written,
    monkeypatch.setattr(rescheduling, "PAGE_ITEMS", 9)
    store(obligations(150))
    today = date(2026, 12, 1)
    for who in (AUTOMAKER_ID, OTHER_AUTOMAKER_ID, None):
        assert summaries.obligation_summary(who, today).provisional == provisional_in_table(who)
    assert provisional_in_table() > 50
    # When 2027 is loaded and its rescheduling done,
    load_2027()
    stack.drain()
    # Then no 2027 deadline is provisional any more, and the counts say the same as the table,
    # for each enterprise and for the nation.
    for who in (AUTOMAKER_ID, OTHER_AUTOMAKER_ID, None):
        assert summaries.obligation_summary(who, today).provisional == provisional_in_table(who)
    assert provisional_in_table() == 0


def test_the_same_load_sent_again_queues_what_its_rescheduling_has_not_finished(
    stack: Stack,
) -> None:
    # Given 2027 loaded over 80 obligations, and its queued pages lost,
    store(obligations(80))
    version = load_2027()["calendar"]["version"]
    assert len(stack.receive_all()) == len(rescheduling.PARTITIONS)
    # When the same schedule is loaded again,
    again = load_2027()
    # Then no new version is stored, and the unfinished partitions are queued again,
    assert again["calendar"]["version"] == version
    assert again["rescheduling"]["status"] == "QUEUED"
    assert stack.waiting() == len(rescheduling.PARTITIONS)
    # and draining them finishes the rescheduling; a third load queues nothing.
    stack.drain()
    third = load_2027()
    assert third["rescheduling"]["status"] == "DONE"
    assert stack.waiting() == 0
    assert provisional_in_table() == 0


def test_a_reschedule_message_that_names_no_page_is_refused_for_the_dead_letter_queue(
    stack: Stack,
) -> None:
    # Given messages that look like pages but are not (a partition the index does not have,
    # a page number that is not one), When delivered, Then each one fails.
    for task in (
        {"version": 2, "year": 2027, "partition": "ALL#0", "page": 0, "after": None},
        {"version": 2, "year": 2027, "partition": "OPEN#0", "page": True, "after": None},
        {"version": 2, "year": 2027, "partition": "OPEN#0", "page": 0, "after": 7},
    ):
        stack.send({"reschedule": task})
        assert stack.deliver_once() == (1, 1)
        stack.receive_all()
    # and a page of a rescheduling never queued fails too (no progress to record it on).
    stack.send({"reschedule": {"version": 2, "year": 2027, "partition": "OPEN#0", "page": 0}})
    assert stack.deliver_once() == (1, 1)


def test_a_page_started_with_too_little_time_left_is_handed_back_untouched(
    stack: Stack,
) -> None:
    # Given 2027 loaded over 60 obligations, and an invocation with ten seconds left,
    from functions.remind import handler

    store(obligations(60))
    version = load_2027()["calendar"]["version"]
    before = stored()
    stack.receive_all()
    stack.send(rescheduling.Page(version, 2027, "OPEN#0").message())
    messages = stack.sqs.receive_message(QueueUrl=stack.url, MaxNumberOfMessages=10)["Messages"]
    short = replace(function_settings("RemindFunction"), timeout_seconds=10).context()
    # When the page is delivered to it,
    result = handler(sqs_event(messages, stack.arn), short)
    # Then it is reported failed for the queue to bring back, with nothing written or queued.
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [messages[0]["MessageId"]]
    assert {i: o.version for i, o in stored().items()} == {i: o.version for i, o in before.items()}
    assert cursor(version, "OPEN#0").page == 0
    assert stack.waiting() == 0


def test_a_load_whose_rescheduling_could_not_be_queued_says_so_and_is_finished_when_sent_again(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 40 obligations, and a queue refusing messages,
    store(obligations(40))

    def refusing(messages: Any) -> None:
        raise delivery.DeliveryError("enqueueing reminder tasks failed: throttled", retryable=True)

    monkeypatch.setattr("graph.calendar.mutations.queue", lambda url: refusing)
    # When 2027 is loaded,
    result = gql(LOAD, LOAD_2027, auth=ADMIN)["data"]["loadCalendarYear"]
    # Then the answer says the schedule is stored but its moves are not queued, and how to
    # finish,
    [problem] = result["userErrors"]
    assert problem["code"] == "PARTLY_WRITTEN"
    assert "Send the same load again" in problem["message"]
    version = result["calendar"]["version"]
    assert result["rescheduling"] is None
    assert stack.waiting() == 0
    # and sending it again, the queue working, queues it and the rescheduling finishes.
    monkeypatch.setattr("graph.calendar.mutations.queue", delivery.queue)
    again = load_2027()
    assert again["calendar"]["version"] == version
    assert again["rescheduling"]["status"] == "QUEUED"
    stack.drain()
    assert provisional_in_table() == 0
