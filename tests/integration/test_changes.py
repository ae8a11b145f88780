"""The change feed end to end on moto: writes through the API, the tables' streams read as
Lambda's poller would (local/streams.py), the changes function, then `changes` through the API
and the changes bus through an EventBridge rule into a queue, as a partner would subscribe."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from compliance.changes import Change, ChangeKind
from compliance.store import changes as feed_store
from compliance.store.models import ChangeItem
from local.aws import local_aws
from local.calls import bearer_header
from local.streams import StreamReader, invoke_changes, streamed_tables, streams_client
from tests.api import dynamodb_calls, gql, onboard, supply
from tests.builders import AUTOMAKER_ID, BATTERY_MAKER_ID, OTHER_AUTOMAKER_ID, vin
from tests.integration.test_api import ANNOUNCE, CERTIFY, REGISTER_BATTERIES, code

BUS = "nev-test-changes"
MAKER = bearer_header("ENTERPRISE_ADMIN", BATTERY_MAKER_ID)
AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
AUTO_PARTNER = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["read"])
OTHER_AUTO = bearer_header("ENTERPRISE_USER", OTHER_AUTOMAKER_ID)

CHANGES = """query ($after: String, $first: Int) {
  changes(after: $after, first: $first) {
    edges { cursor node { changeId sequence kind obligationId status ruleId eventKind vin
                          batteryCode obligation { id status } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
FULFIL = """mutation ($input: FulfillObligationInput!) {
  fulfillObligation(input: $input) { userErrors { code } } }"""


class Batches(list[dict[str, Any]]):
    """A stand-in for the changes function that keeps the batches it is handed."""

    def __call__(self, event: dict[str, Any], _context: Any = None) -> None:
        self.append(event)


class Feed:
    """The stack's moving parts around the API: the streams' reader and the bus's queue."""

    def __init__(self, dynamodb: Any) -> None:
        self.reader = StreamReader(dynamodb, streams_client(), streamed_tables(), from_start=True)
        events, sqs = boto3.client("events"), boto3.client("sqs")
        events.create_event_bus(Name=BUS)
        self.queue = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])
        events.put_rule(
            Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["nev.compliance"]})
        )
        events.put_targets(
            Rule="all",
            EventBusName=BUS,
            Targets=[{"Id": "tap", "Arn": arn["Attributes"]["QueueArn"]}],
        )

    def pump(self) -> int:
        """The changes function runs on whatever was written since the last pump."""
        return self.reader.deliver()

    def published(self) -> list[dict[str, Any]]:
        sqs, found = boto3.client("sqs"), []
        while messages := sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
        return found


def read_all(auth: str, after: str | None = None, first: int = 50) -> tuple[list[Any], str]:
    """Every change after `after`, page by page; and the cursor to keep."""
    nodes: list[Any] = []
    while True:
        page = gql(CHANGES, {"after": after, "first": first}, auth=auth)["data"]["changes"]
        nodes += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, str(after)


@pytest.fixture
def feed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Feed]:
    """Given a battery maker (code X12) and two automakers on the platform, and the feed's
    function reading the tables' streams."""
    monkeypatch.setenv("CHANGES_BUS_NAME", BUS)
    with local_aws() as dynamodb:
        running = Feed(dynamodb)
        onboard(
            BATTERY_MAKER_ID, "宁德电芯 Ningde Cells", ["BATTERY_MAKER"], manufacturerCodes=["X12"]
        )
        onboard(AUTOMAKER_ID, "福州汽车 Fuzhou Motors", ["AUTOMAKER"])
        onboard(OTHER_AUTOMAKER_ID, "深圳电动 Shenzhen EV", ["AUTOMAKER"])
        yield running


def prepare(serials: range) -> None:
    """Given: packs registered by the maker, supplied to the automaker, and its model
    announced."""
    codes = [code(n) for n in serials]
    batteries = {"batteries": [{"code": c, "producedOn": "2026-03-02"} for c in codes]}
    gql(REGISTER_BATTERIES, {"input": batteries}, auth=MAKER)
    supply(codes, BATTERY_MAKER_ID, AUTOMAKER_ID, "2026-03-05")
    gql(ANNOUNCE, {"input": {"model": "FZ7001BEV", "announcedOn": "2026-01-05"}}, auth=AUTO)


def certify_prepared(serials: range) -> list[str]:
    """When: the automaker certifies a vehicle with each pack on 2026-04-30; the production
    uploads' ids."""
    ids = []
    for n in serials:
        payload = {"vin": vin(n), "model": "FZ7001BEV", "issuedOn": "2026-04-30"}
        result = gql(CERTIFY, {"input": {**payload, "batteryCodes": [code(n)]}}, auth=AUTO)
        ids += [o["id"] for o in result["data"]["issueFactoryCertificate"]["obligations"]]
    return ids


def certify(serials: range) -> list[str]:
    prepare(serials)
    return certify_prepared(serials)


class TestWhoLearnsOfWhat:
    def test_another_enterprise_never_sees_a_change_of_yours(self, feed: Feed) -> None:
        """Given the automaker's certificates and the maker's supply to it, when the other
        automaker reads its feed, then it is empty; the maker sees its own events and duties,
        not the automaker's certificates."""
        certify(range(1, 4))
        feed.pump()
        other, _ = read_all(OTHER_AUTO)
        assert other == []
        maker, _ = read_all(MAKER)
        events = {n["eventKind"] for n in maker if n["kind"] == "EVENT_RECORDED"}
        assert events == {"BATTERY_PRODUCED", "BATTERY_SUPPLIED"}
        # Its own duties only (the disassembly information owed to the automaker supplied):
        # each one readable by the maker, which sees only its own obligations.
        duties = [n for n in maker if n["obligationId"]]
        assert duties
        assert all(n["obligation"] is not None for n in duties)

    def test_your_feed_holds_your_events_what_was_handed_to_you_and_your_obligations(
        self, feed: Feed
    ) -> None:
        """Given three vehicles certified, when the automaker reads its feed, then it holds the
        supply of each battery handed to it, its announcement and certificates, and each
        obligation created, once, in the order appended."""
        uploads = certify(range(1, 4))
        feed.pump()
        nodes, _ = read_all(AUTO, first=4)
        kinds = [n["eventKind"] or n["kind"] for n in nodes]
        supplied = {n["batteryCode"] for n in nodes if n["eventKind"] == "BATTERY_SUPPLIED"}
        assert supplied == {code(1), code(2), code(3)}  # one event per battery supplied
        assert kinds.count("BATTERY_SUPPLIED") == 3
        assert kinds.count("FACTORY_CERTIFICATE_ISSUED") == 3
        created = [n for n in nodes if n["kind"] == "OBLIGATION_CREATED"]
        assert set(uploads) <= {n["obligationId"] for n in created}
        assert [n["sequence"] for n in nodes] == list(range(1, len(nodes) + 1))
        assert len({n["changeId"] for n in nodes}) == len(nodes)
        first = next(n for n in created if n["obligationId"] == uploads[0])
        # As it was when created, and as it is now (due in May: overdue by today's clock).
        assert first["status"] == "OPEN"
        assert first["obligation"] == {"id": uploads[0], "status": "OVERDUE"}


class TestExactlyOnce:
    def test_a_stream_batch_delivered_again_appends_nothing(self, feed: Feed) -> None:
        """Given a batch already turned into changes, when Lambda delivers it again (a retry
        after a timeout), then the feed is as it was, and the bus carries the same changeIds."""
        certify(range(1, 3))
        reader = StreamReader(
            boto3.client("dynamodb"), streams_client(), streamed_tables(), from_start=True
        )
        batches = Batches()
        reader.deliver(batches)
        for batch in batches:
            invoke_changes(batch)
        before, _ = read_all(AUTO)
        for batch in batches:
            invoke_changes(batch)
        after, _ = read_all(AUTO)
        assert after == before
        published = feed.published()
        ids = [m["detail"]["changeId"] for m in published]
        assert len(ids) == 2 * len(set(ids)) > 0

    def test_pages_read_while_writers_append_see_every_change_once(self, feed: Feed) -> None:
        """Given writers certifying vehicles while two stream shards' consumers append at once,
        when a partner polls with its cursor throughout, then it sees every change exactly once,
        numbered without gaps."""
        prepare(range(1, 7))
        prepare(range(101, 107))
        feed.pump()
        seen: list[Any] = []
        cursor: str | None = None
        done = threading.Event()
        errors: list[BaseException] = []

        def write(serials: range) -> None:
            try:
                certify_prepared(serials)
            except BaseException as error:  # reported by the test, not lost in a thread
                errors.append(error)

        def consume() -> None:
            # Two shards: their batches are appended by concurrent invocations.
            while True:
                finished = done.is_set()
                batches = Batches()
                feed.reader.deliver(batches)
                halves = [{"Records": b["Records"][i::2]} for b in batches for i in (0, 1)]
                threads = [threading.Thread(target=invoke_changes, args=(h,)) for h in halves]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                if finished and not batches:
                    return
                time.sleep(0.02)

        writers = [threading.Thread(target=write, args=(range(s, s + 6),)) for s in (1, 101)]
        consumer = threading.Thread(target=consume)
        for thread in [*writers, consumer]:
            thread.start()
        while any(w.is_alive() for w in writers):
            page, cursor = read_all(AUTO, cursor, first=5)
            seen += page
        for thread in writers:
            thread.join()
        done.set()
        consumer.join()
        page, cursor = read_all(AUTO, cursor, first=5)
        seen += page
        assert errors == []
        assert [n["sequence"] for n in seen] == list(range(1, len(seen) + 1))
        assert len({n["changeId"] for n in seen}) == len(seen)
        certificates = [n for n in seen if n["eventKind"] == "FACTORY_CERTIFICATE_ISSUED"]
        assert len(certificates) == 12


class TestCursors:
    def test_changes_cursor_starts_a_new_integration_from_now(self, feed: Feed) -> None:
        """Given history in the feed, when a partner starts from changesCursor, then it reads
        only what was written after."""
        certify(range(1, 3))
        feed.pump()
        now = gql("{ changesCursor }", auth=AUTO_PARTNER)["data"]["changesCursor"]
        fulfilled = certify(range(3, 4))
        feed.pump()
        nodes, _ = read_all(AUTO_PARTNER, now)
        assert {n["vin"] for n in nodes if n["eventKind"] == "FACTORY_CERTIFICATE_ISSUED"} == {
            vin(3)
        }
        assert fulfilled[0] in {n["obligationId"] for n in nodes}

    def test_another_enterprises_cursor_is_refused_like_a_made_up_one(self, feed: Feed) -> None:
        """Given the automaker's cursor, when the other automaker sends it, then it is refused
        with the same answer as a cursor that was never issued."""
        certify(range(1, 2))
        feed.pump()
        _, theirs = read_all(AUTO)
        stolen = gql(CHANGES, {"after": theirs}, auth=OTHER_AUTO)
        made_up = gql(CHANGES, {"after": "bm90LWEtY3Vyc29y"}, auth=OTHER_AUTO)
        assert stolen["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert stolen["errors"][0]["message"] == made_up["errors"][0]["message"]
        assert stolen["data"] == made_up["data"] is None

    def test_regulators_and_partners_without_read_have_no_feed(self, feed: Feed) -> None:
        """Given a regulator and a partner key with only events:write, when they ask for
        changes, then both are refused as FORBIDDEN."""
        writer = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["events:write"])
        for auth in (bearer_header("REGULATOR"), writer):
            answer = gql(CHANGES, {}, auth=auth)
            assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


class TestTheBus:
    def test_obligation_changes_go_out_on_the_bus_for_their_enterprise(self, feed: Feed) -> None:
        """Given a production upload created and then fulfilled, when the changes function
        runs, then the bus carries ObligationCreated and ObligationFulfilled for the automaker,
        with the changeIds the feed shows, and no event for recorded events."""
        [upload] = certify(range(1, 2))
        answer = gql(
            FULFIL,
            {"input": {"id": upload, "fulfilledOn": "2026-05-08", "platformReceipt": "TR-1"}},
            auth=AUTO,
        )
        assert answer["data"]["fulfillObligation"]["userErrors"] == []
        feed.pump()
        published = [m for m in feed.published() if m["detail"].get("obligationId") == upload]
        assert [m["detail-type"] for m in published] == ["ObligationCreated", "ObligationFulfilled"]
        assert {m["detail"]["enterprise"] for m in published} == {AUTOMAKER_ID}
        nodes, _ = read_all(AUTO)
        in_feed = {n["changeId"] for n in nodes if n["obligationId"] == upload}
        assert {m["detail"]["changeId"] for m in published} == in_feed
        fulfilled = next(n for n in nodes if n["kind"] == "OBLIGATION_FULFILLED")
        assert fulfilled["status"] == "FULFILLED"
        assert all(m["detail-type"].startswith("Obligation") for m in feed.published())


class TestCost:
    @pytest.mark.parametrize("size", [10, 1_000])
    def test_a_page_costs_one_query_and_one_batch_get_however_long_the_feed(
        self, feed: Feed, size: int
    ) -> None:
        """Given a feed of 10 or of 1,000 obligation changes, when a partner reads a page of 50
        with each change's obligation, then it costs one Query and one BatchGetItem."""
        now = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
        assert len(feed_store.append(obligation_changes(range(size), now), now)) == size
        with dynamodb_calls() as calls:
            page = gql(CHANGES, {"first": 50}, auth=AUTO)["data"]["changes"]
        assert len(page["edges"]) == 10 if size == 10 else 50
        assert calls == Counter({"Query": 1, "BatchGetItem": 1})


def obligation_changes(numbers: range, at: datetime) -> list[Change]:
    return [
        Change(
            enterprise=AUTOMAKER_ID,
            kind=ChangeKind.OBLIGATION_CREATED,
            source=f"OB#ob_{n:06d}#1#OBLIGATION_CREATED#",
            at=at,
            obligation_id=f"ob_{n:06d}",
            status="OPEN",
        )
        for n in numbers
    ]


def ttl_deletes(*sequences: int) -> None:
    """DynamoDB's TTL deletes these rows of the automaker's feed (in whatever order it likes)."""
    for sequence in sequences:
        row = ChangeItem(f"E#{AUTOMAKER_ID}", feed_store.sequence_key(sequence))
        row.delete(add_version_condition=False)


class TestRetention:
    """The feed keeps a change KEPT_FOR (90 days); a cursor is refused exactly when a change
    after it is gone, never because it is old."""

    LONG_AGO = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    TODAY = LONG_AGO + feed_store.KEPT_FOR + timedelta(days=10)

    def test_a_cursor_after_which_ttl_deleted_a_change_is_refused_as_cursor_expired(
        self, feed: Feed
    ) -> None:
        """Given five changes from long ago and three from today, and TTL has deleted the old
        rows 3 to 5, when a partner that stopped at 2 reads on, then it is told CURSOR_EXPIRED
        (with what to do), in the store and through the API, and no change is handed out."""
        feed_store.append(obligation_changes(range(1, 6), self.LONG_AGO), self.LONG_AGO)
        now = datetime.now(UTC)
        feed_store.append(obligation_changes(range(6, 9), now), now)
        ttl_deletes(3, 5, 4)

        with pytest.raises(feed_store.CursorExpiredError):
            feed_store.page(AUTOMAKER_ID, 2, 50, self.TODAY)
        answer = gql(CHANGES, {"after": cursor_at(2)}, auth=AUTO_PARTNER)
        assert answer["data"] is None
        [error] = answer["errors"]
        assert error["extensions"] == {"code": "CURSOR_EXPIRED", "field": "after"}
        assert "90 days" in error["message"]
        assert "changesCursor" in error["message"]

    def test_a_gap_anywhere_in_the_page_is_refused_even_when_the_next_row_is_kept(
        self, feed: Feed
    ) -> None:
        """Given eight old changes of which TTL deleted only row 5, when a partner that stopped
        at 2 reads on, then 3 and 4 are not handed out as if nothing had been lost after them."""
        feed_store.append(obligation_changes(range(1, 9), self.LONG_AGO), self.LONG_AGO)
        ttl_deletes(5)
        with pytest.raises(feed_store.CursorExpiredError):
            feed_store.page(AUTOMAKER_ID, 2, 50, self.TODAY)

    def test_expired_rows_ttl_has_not_deleted_yet_are_read_as_usual(self, feed: Feed) -> None:
        """Given five old changes past their expiry, still in the table, and three new ones,
        when a partner that stopped at 2 reads on, then it gets 3 to 8: nothing was lost."""
        feed_store.append(obligation_changes(range(1, 6), self.LONG_AGO), self.LONG_AGO)
        feed_store.append(obligation_changes(range(6, 9), self.TODAY), self.TODAY)
        page = feed_store.page(AUTOMAKER_ID, 2, 50, self.TODAY)
        assert [sequence for sequence, _ in page.changes] == [3, 4, 5, 6, 7, 8]
        assert not page.has_next

    def test_a_quiet_feed_keeps_its_cursor_good_after_every_row_expired(self, feed: Feed) -> None:
        """Given five old changes, all since deleted by TTL, and nothing new, when a partner
        whose cursor is at the end (5) polls, then it gets an empty page, not an error: it has
        missed nothing. A partner that stopped at 2 has missed 3 to 5, and is told so."""
        feed_store.append(obligation_changes(range(1, 6), self.LONG_AGO), self.LONG_AGO)
        ttl_deletes(1, 2, 3, 4, 5)
        assert feed_store.page(AUTOMAKER_ID, 5, 50, self.TODAY).changes == ()
        with pytest.raises(feed_store.CursorExpiredError):
            feed_store.page(AUTOMAKER_ID, 2, 50, self.TODAY)

    def test_a_page_that_ends_on_an_expired_row_asks_the_head_whether_more_came(
        self, feed: Feed
    ) -> None:
        """Given five old changes, past their expiry but still there, and TTL deleted only the
        last (5), when a partner that stopped at 2 reads on, then it is refused: 3 and 4 are
        there, but 5 is gone and the head says it existed."""
        feed_store.append(obligation_changes(range(1, 6), self.LONG_AGO), self.LONG_AGO)
        ttl_deletes(5)
        with pytest.raises(feed_store.CursorExpiredError):
            feed_store.page(AUTOMAKER_ID, 2, 50, self.TODAY)
        # Page by page, the refusal comes once the partner reaches the gap, not before.
        first = feed_store.page(AUTOMAKER_ID, 2, 1, self.TODAY)
        assert [sequence for sequence, _ in first.changes] == [3]
        assert first.has_next

    def test_without_a_cursor_the_feed_reads_from_the_oldest_change_kept(self, feed: Feed) -> None:
        """Given five old changes of which TTL deleted 1 to 3, when a new integration reads
        from the start, then it gets 4 and 5 and no error: it was promised nothing older."""
        feed_store.append(obligation_changes(range(1, 6), self.LONG_AGO), self.LONG_AGO)
        ttl_deletes(1, 2, 3)
        page = feed_store.page(AUTOMAKER_ID, None, 50, self.TODAY)
        assert [sequence for sequence, _ in page.changes] == [4, 5]

    def test_rows_from_before_expiries_do_not_vouch_for_the_rows_after_them(
        self, feed: Feed
    ) -> None:
        """Given rows 1 to 3 written before changes had an expiry and rows 4 to 6, with one,
        since deleted by TTL, when partners that stopped at 3 and at 1 read on, then both are
        refused: a row without an expiry says nothing of the rows after it."""
        feed_store.append(obligation_changes(range(1, 7), self.LONG_AGO), self.LONG_AGO)
        for sequence in (1, 2, 3):
            row = ChangeItem.get(f"E#{AUTOMAKER_ID}", feed_store.sequence_key(sequence))
            row.expires_at = None
            row.save(add_version_condition=False)
        ttl_deletes(4, 5, 6)
        for after in (3, 1):
            with pytest.raises(feed_store.CursorExpiredError):
                feed_store.page(AUTOMAKER_ID, after, 50, self.TODAY)

    def test_the_cursor_of_a_feed_that_was_empty_is_checked_like_any_other(
        self, feed: Feed
    ) -> None:
        """Given a partner that took changesCursor while its feed was empty, then three changes
        that TTL has since deleted and two new ones, when it reads on, then it is told
        CURSOR_EXPIRED rather than handed 4 and 5 as if they came first."""
        empty = gql("{ changesCursor }", auth=AUTO_PARTNER)["data"]["changesCursor"]
        feed_store.append(obligation_changes(range(1, 4), self.LONG_AGO), self.LONG_AGO)
        now = datetime.now(UTC)
        feed_store.append(obligation_changes(range(4, 6), now), now)
        ttl_deletes(1, 2, 3)
        answer = gql(CHANGES, {"after": empty}, auth=AUTO_PARTNER)
        assert answer["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
        # Without a cursor, a new integration starts from the oldest change kept.
        nodes, _ = read_all(AUTO_PARTNER)
        assert [n["sequence"] for n in nodes] == [4, 5]

    def test_a_cursor_past_the_end_of_the_feed_is_refused_like_a_made_up_one(
        self, feed: Feed
    ) -> None:
        """Given a feed of two changes, when a partner sends a cursor at 10 (never given out),
        then it is refused as a made-up cursor is, rather than kept waiting past 3 to 10."""
        feed_store.append(obligation_changes(range(1, 3), self.TODAY), self.TODAY)
        beyond = gql(CHANGES, {"after": cursor_at(10)}, auth=AUTO_PARTNER)
        made_up = gql(CHANGES, {"after": "bm90LWEtY3Vyc29y"}, auth=AUTO_PARTNER)
        assert beyond["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
        assert beyond["errors"][0]["message"] == made_up["errors"][0]["message"]

    def test_a_change_appended_while_the_page_is_read_is_not_taken_for_a_lost_one(
        self, feed: Feed, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Given a quiet feed whose five rows are past their expiry, when a partner at 5 polls
        and another writer appends 6 between the page's Query and its read of the head, then
        the page is empty and not refused, and the next page hands out 6."""
        feed_store.append(obligation_changes(range(1, 6), self.LONG_AGO), self.LONG_AGO)
        read_head = feed_store.head

        def head_after_an_append(enterprise: str) -> int:
            feed_store.append(obligation_changes(range(6, 7), self.TODAY), self.TODAY)
            return read_head(enterprise)

        monkeypatch.setattr(feed_store, "head", head_after_an_append)
        assert feed_store.page(AUTOMAKER_ID, 5, 50, self.TODAY).changes == ()
        monkeypatch.setattr(feed_store, "head", read_head)
        assert [s for s, _ in feed_store.page(AUTOMAKER_ID, 5, 50, self.TODAY).changes] == [6]

    def test_a_row_still_being_written_as_the_page_is_read_ends_the_page_before_it(
        self, feed: Feed, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Given fresh rows 1 to 5, when a partner at 1 reads a page whose Query misses row 3
        (another writer's transaction not yet visible to it), then it gets 2 and no error, with
        more to come, and the next page from 2 reads 3 to 5."""
        feed_store.append(obligation_changes(range(1, 6), self.TODAY), self.TODAY)
        query = ChangeItem.query

        def without_row_3(*args: Any, **kwargs: Any) -> list[ChangeItem]:
            return [item for item in query(*args, **kwargs) if int(item.sk) != 3]

        monkeypatch.setattr(ChangeItem, "query", without_row_3)
        page = feed_store.page(AUTOMAKER_ID, 1, 50, self.TODAY)
        assert ([s for s, _ in page.changes], page.has_next) == ([2], True)
        monkeypatch.setattr(ChangeItem, "query", query)
        assert [s for s, _ in feed_store.page(AUTOMAKER_ID, 2, 50, self.TODAY).changes] == [3, 4, 5]

    def test_expiries_never_go_backwards_along_the_feed(self, feed: Feed) -> None:
        """Given a change appended today, when a writer whose clock says an hour earlier
        appends the next one, then the later row expires no earlier than the one before it
        (so a kept row vouches for every row after it)."""
        feed_store.append(obligation_changes(range(1, 2), self.TODAY), self.TODAY)
        earlier = self.TODAY - timedelta(hours=1)
        feed_store.append(obligation_changes(range(2, 3), earlier), earlier)
        first, second = (
            ChangeItem.get(f"E#{AUTOMAKER_ID}", feed_store.sequence_key(n)).expires_at
            for n in (1, 2)
        )
        assert first is not None
        assert second is not None
        assert second >= first

    @pytest.mark.parametrize("first", [1, 2, 5])
    def test_paging_to_the_end_is_refused_exactly_when_a_later_change_is_gone(
        self, feed: Feed, first: int
    ) -> None:
        """Given eight rows past their expiry, for every set of one or two rows TTL deleted and
        every cursor, when the partner pages to the end, then it is refused if and only if a
        row after its cursor is gone, and never handed a sequence out of order."""
        feed_store.append(obligation_changes(range(1, 9), self.LONG_AGO), self.LONG_AGO)
        key = f"E#{AUTOMAKER_ID}"
        rows = {n: ChangeItem.get(key, feed_store.sequence_key(n)) for n in range(1, 9)}
        singles = [(n,) for n in range(1, 9)]
        wrong = []
        for gone in [(), *singles, *itertools.combinations(range(1, 9), 2)]:
            ttl_deletes(*gone)
            for after in range(1, 9):
                handed, refused = page_to_the_end(after, first, self.TODAY)
                lost = any(n > after for n in gone)
                if refused != lost or handed != list(range(after + 1, after + 1 + len(handed))):
                    wrong.append((gone, after, handed, refused))
            for n in gone:
                rows[n].save(add_version_condition=False)  # back, for the next set
        assert wrong == []

    @pytest.mark.parametrize("size", [10, 1_000])
    def test_a_page_after_a_kept_cursor_costs_one_query_however_long_the_feed(
        self, feed: Feed, size: int
    ) -> None:
        """Given a feed of 10 or 1,000 fresh changes, when a partner that stopped at 5 reads a
        page of 50, then the store makes one Query (the cursor's own row comes with the page)
        and no read of the head."""
        feed_store.append(obligation_changes(range(size), self.TODAY), self.TODAY)
        with dynamodb_calls() as calls:
            page = feed_store.page(AUTOMAKER_ID, 5, 50, self.TODAY)
        assert [s for s, _ in page.changes][:2] == [6, 7]
        assert calls == Counter({"Query": 1})


def page_to_the_end(after: int, first: int, now: datetime) -> tuple[list[int], bool]:
    """The sequences handed out from `after` on, page by page; and whether it was refused."""
    handed: list[int] = []
    cursor = after
    while True:
        try:
            page = feed_store.page(AUTOMAKER_ID, cursor, first, now)
        except feed_store.CursorExpiredError:
            return handed, True
        handed += [sequence for sequence, _ in page.changes]
        cursor = handed[-1] if handed else cursor
        if not page.has_next:
            return handed, False


def cursor_at(sequence: int) -> str:
    from graph.changes.queries import feed_cursor

    return feed_cursor(AUTOMAKER_ID, sequence)


class TestCommittedEvent:
    def test_the_committed_stream_event_adds_one_change_however_often_it_is_delivered(
        self, feed: Feed
    ) -> None:
        """Given events/changes/obligation-created.json (a record of the obligations table's
        stream), when the changes function is handed it twice, then the battery maker's feed
        holds one OBLIGATION_CREATED for that duty, and the second delivery appends nothing."""
        path = Path(__file__).parents[2] / "events/changes/obligation-created.json"
        event = json.loads(path.read_text(encoding="utf-8"))
        first, again = invoke_changes(event), invoke_changes(event)

        assert first == {"changes": 1, "appended": 1, "published": 1}
        assert again["appended"] == 0
        page = feed_store.page(BATTERY_MAKER_ID, None, 50, datetime.now(UTC))
        duty = ("ob_0000000000000000000000c1", "SUPPLIER_DISASSEMBLY_INFO")
        assert [(c.kind, (c.obligation_id, c.rule_id)) for _, c in page.changes] == [
            (ChangeKind.OBLIGATION_CREATED, duty)
        ]
