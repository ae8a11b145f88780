"""Properties of the whole reminder pipeline (sweep, queue, delivery) on moto, over random due
dates, sweep days and fulfilment or waiver days: each obligation gets each reminder stage at
most once and none after it is closed, and it turns OVERDUE exactly when a sweep runs after its
due day."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance import delivery
from compliance.calendar import default_calendar
from compliance.enterprises import Contact, Enterprise
from compliance.lifecycle import EnterpriseKind
from compliance.reminders import stage_on
from compliance.rules import load_rule_set
from compliance.services import enterprises as enterprise_cases
from compliance.services import obligations as obligation_cases
from compliance.services.outcome import Request
from compliance.store.dynamo import DynamoStore
from compliance.store.models import ObligationItem
from local.aws import local_aws
from local.queues import create_queues
from tests.builders import obligation_item, uscc
from tests.integration.test_reminders import drain, sent, sweep


def drain_all(stack: dict[str, Any]) -> None:
    """Deliver until the queue is empty (failures would come back; none are expected)."""
    for _ in range(50):
        attributes = stack["sqs"].get_queue_attributes(
            QueueUrl=stack["queue"], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        if attributes["ApproximateNumberOfMessages"] == "0":
            return
        assert drain(stack) == []


CALENDAR = default_calendar()
SENDER = "reminders@example.cn"
START = date(2026, 10, 1)
_examples = itertools.count()


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, Any]]:
    monkeypatch = pytest.MonkeyPatch()
    with local_aws():
        delivery._client.cache_clear()
        sqs = boto3.client("sqs")
        queues = create_queues(sqs)
        monkeypatch.setenv("REMINDER_QUEUE_URL", queues["ReminderQueue"])
        monkeypatch.setenv("SES_SENDER", SENDER)
        boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)
        yield {"sqs": sqs, "queue": queues["ReminderQueue"]}
        delivery._client.cache_clear()
    monkeypatch.undo()


def _obligation(n: int, enterprise: str, due: date) -> str:
    """One open 10-working-day duty of its own enterprise, due on `due`."""
    oid = f"ob_prop{n:06d}"
    obligation_item(oid, enterprise, f"PROP{n}", due, calendar_version=CALENDAR.version).save()
    return oid


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    due_in=st.integers(1, 30),
    sweep_days=st.lists(st.integers(0, 60), min_size=1, max_size=10, unique=True).map(sorted),
    closed_on_day=st.one_of(st.none(), st.integers(0, 60)),
    waive=st.booleans(),
)
def test_stages_go_out_once_never_after_closing_and_overdue_starts_the_day_after(
    stack: dict[str, Any],
    due_in: int,
    sweep_days: list[int],
    closed_on_day: int | None,
    waive: bool,
) -> None:
    # Given an obligation of its own enterprise (one contact) due `due_in` working days after
    # 2026-10-01, closed (fulfilled or waived) on some day or never,
    n = next(_examples)
    enterprise = uscc(f"91110000MA{n:07d}")
    contact = f"officer{n}@example.cn"
    store = DynamoStore()
    registered = Enterprise(
        id=enterprise,
        name=f"Enterprise {n}",
        kinds=frozenset({EnterpriseKind.AUTOMAKER}),
        manufacturer_codes=frozenset(),
        province_code=None,
        contacts=(Contact(contact, "en"),),
        created_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    assert enterprise_cases.register(store, registered).violations == ()
    facts = registered.facts
    due = CALENDAR.add_working_days(START, due_in).due_date
    oid = _obligation(n, enterprise, due)
    closed = START + timedelta(days=closed_on_day) if closed_on_day is not None else None
    is_closed = False
    expected_stages: set[str] = set()
    expect_overdue = False
    # When the sweep runs on the given days (closing happens first on its day),
    for offset in sweep_days:
        day = START + timedelta(days=offset)
        if closed is not None and not is_closed and closed <= day:
            request = Request(facts, "tester", datetime.now(UTC), day, load_rule_set())
            if waive:
                obligation_cases.waive(store, request, oid, "not applicable: test")
            else:
                obligation_cases.fulfil(store, request, oid, min(closed, day), "TR-1")
            is_closed = True
        if not is_closed:
            stage = stage_on(due, day, CALENDAR)
            if stage is not None:
                expected_stages.add(f"{due.isoformat()}:{stage.key}")
            expect_overdue = expect_overdue or day > due
        sweep(day.isoformat())
        drain_all(stack)
    # Then exactly one email per distinct stage reached while open, none after closing,
    emails = [m for m in sent() if contact in m.destinations]
    item = ObligationItem.get(oid, consistent_read=True)
    assert set(item.reminders_sent or ()) == expected_stages
    assert len(emails) == len(expected_stages)
    # and OVERDUE was recorded exactly when a sweep ran after the due day before closing.
    if not is_closed:
        assert (item.status == "OVERDUE") == expect_overdue
