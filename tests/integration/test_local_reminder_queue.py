"""The local stack's reminder queue event source (local/queues.py): what the API queues is
delivered to the remind function while the stack runs, as Lambda does on AWS, and a sweep holds
the queue to itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from compliance.store import rescheduling
from local.aws import local_aws
from local.calls import bearer_header
from local.queues import ReminderQueuePoller, create_queues
from tests.api import gql

ADMIN = bearer_header("PLATFORM_ADMIN")
LOAD = """mutation { loadCalendarYear(input: {year: 2027, holidays: ["2027-01-01"],
    makeUpWorkdays: [], source: "notice"}) { calendar { version } userErrors { code } } }"""


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """Given the template's tables and queues on moto, the API pointed at the reminder queue."""
    with local_aws():
        sqs = boto3.client("sqs")
        url = create_queues(sqs)["ReminderQueue"]
        monkeypatch.setenv("REMINDER_QUEUE_URL", url)
        yield sqs, url


def _until(condition: Any, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _done(version: int) -> bool:
    summary = rescheduling.summary(version)
    return summary is not None and summary.status is rescheduling.ReschedulingStatus.DONE


def test_a_calendar_load_finishes_on_its_own_while_the_local_stack_runs(
    queue: tuple[Any, str],
) -> None:
    from functions.remind import handler

    sqs, url = queue
    poller = ReminderQueuePoller(sqs, url, handler).start()
    try:
        # When the platform loads 2027 (as from GraphiQL),
        loaded = gql(LOAD, auth=ADMIN)["data"]["loadCalendarYear"]
        assert loaded["userErrors"] == []
        version = loaded["calendar"]["version"]

        # Then its rescheduling is delivered and finishes without anyone draining the queue.
        assert _until(lambda: _done(version))
    finally:
        poller.stop()


def test_while_a_sweep_holds_the_queue_the_poller_takes_nothing(queue: tuple[Any, str]) -> None:
    from functions.remind import handler

    sqs, url = queue
    delivered: list[int] = []

    def counting(event: dict[str, Any], context: Any) -> dict[str, Any]:
        delivered.append(len(event["Records"]))
        return dict(handler(event, context))

    poller = ReminderQueuePoller(sqs, url, counting).start()
    try:
        # Given the queue held (as a sweep holds it), When the API queues work,
        with poller.exclusive():
            version = gql(LOAD, auth=ADMIN)["data"]["loadCalendarYear"]["calendar"]["version"]
            time.sleep(2.5)  # more than two polls
            # Then nothing is delivered while it is held,
            assert delivered == []
        # and everything once it is let go.
        assert _until(lambda: _done(version))
        assert sum(delivered) == len(rescheduling.PARTITIONS)
    finally:
        poller.stop()
