"""Properties of the reminder pipeline (gather, jobs, delivery) on moto's DynamoDB, over random
due dates, sweep days, fulfilments and waivers, contact changes, redelivered messages and a
gather that dies part way: every contact registered when a stage is gathered gets that stage
exactly once, nobody gets it twice, nothing goes out after an obligation is closed, and it
turns OVERDUE exactly when a sweep runs after its due day."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance import mail
from compliance.calendar import default_calendar
from compliance.enterprises import Contact, Enterprise
from compliance.errors import StoreUnavailableError
from compliance.lifecycle import EnterpriseKind
from compliance.mail import Digest, RenderedEmail
from compliance.reminder_schedule import first_working_day_of_week, stage_for
from compliance.rule_timeline import single
from compliance.rules import load_rule_set
from compliance.services import enterprises as enterprise_cases
from compliance.services import obligations as obligation_cases
from compliance.services import reminders
from compliance.services.outcome import Request
from compliance.store import reminders as reminder_store
from compliance.store.dynamo import DynamoStore
from compliance.store.models import ObligationItem
from functions.settings import DEFAULT_LINK
from local.aws import local_aws
from tests.builders import obligation_item, uscc

CALENDAR = default_calendar()
START = date(2026, 10, 1)
_examples = itertools.count()
CONTACTS = (
    Contact("guanli@example.cn", "zh-CN"),
    Contact("officer@example.cn", "en"),
    Contact("falvbu@example.cn", "zh-CN"),
)


@pytest.fixture(scope="module")
def tables() -> Iterator[None]:
    with local_aws():
        yield


class World:
    """One example's enterprise, its contacts over time, and what each contact received."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.enterprise = uscc(f"91110000MA{n:07d}")
        self.store = DynamoStore()
        self.contacts = list(CONTACTS[:2])
        self.received: list[tuple[str, str, str]] = []  # (contact, obligation, stage)
        self.digests: list[Digest] = []
        registered = Enterprise(
            id=self.enterprise,
            name=f"企业 {n} Enterprise",
            kinds=frozenset({EnterpriseKind.AUTOMAKER}),
            manufacturer_codes=frozenset(),
            province_code=None,
            contacts=tuple(self.contacts),
            created_at=datetime(2026, 9, 1, tzinfo=UTC),
        )
        assert enterprise_cases.register(self.store, registered).violations == ()
        self.facts = registered.facts

    def set_contacts(self, contacts: list[Contact]) -> None:
        outcome = enterprise_cases.update(
            self.store,
            self.enterprise,
            caller_enterprise=None,
            by="tester",
            now=datetime.now(UTC),
            contacts=contacts,
        )
        assert outcome.violations == ()
        self.contacts = contacts

    def send(self, recipient: str, email: RenderedEmail, now: datetime) -> str:
        digest = self.digests[-1]
        assert digest.recipient == recipient
        for item in digest.items:
            self.received.append((recipient, item.obligation_id, item.stage.key))
        return f"msg-{len(self.received)}"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dues=st.lists(st.one_of(st.none(), st.integers(1, 25)), min_size=1, max_size=3),
    sweep_days=st.lists(st.integers(0, 45), min_size=1, max_size=8, unique=True).map(sorted),
    closings=st.lists(st.tuples(st.integers(0, 45), st.booleans()), min_size=3, max_size=3),
    add_third_on=st.one_of(st.none(), st.integers(0, 45)),
    drop_second_on=st.one_of(st.none(), st.integers(0, 45)),
    redeliver=st.booleans(),
    crash_on=st.one_of(st.none(), st.integers(0, 45)),
)
def test_every_contact_gets_every_stage_once_and_nothing_after_closing(
    tables: None,
    monkeypatch: pytest.MonkeyPatch,
    dues: list[int | None],
    sweep_days: list[int],
    closings: list[tuple[int, bool]],
    add_third_on: int | None,
    drop_second_on: int | None,
    redeliver: bool,
    crash_on: int | None,
) -> None:
    # Given an enterprise with two contacts (Chinese, English) and up to three duties: dated
    # (due some working days after 2026-10-01) or standing, each closed on some day,
    world = World(next(_examples))
    real_render = mail.render_digest

    def render(digest: Digest) -> RenderedEmail:
        world.digests.append(digest)
        return real_render(digest)

    monkeypatch.setattr("compliance.services.reminders.render_digest", render)
    monkeypatch.setattr(reminders, "RECORD_PAUSES", ())
    obligations: dict[str, date | None] = {}
    for k, due_in in enumerate(dues):
        oid = f"ob_prop{world.n:05d}x{k}"
        due = CALENDAR.add_working_days(START, due_in).due_date if due_in else None
        obligation_item(oid, world.enterprise, f"P{world.n}-{k}", due, arose_on=START).save()
        obligations[oid] = due
    closed: set[str] = set()
    expected: set[tuple[str, str, str]] = set()
    issued: set[tuple[str, str]] = set()
    issued_days: dict[str, date] = {}
    overdue_expected: set[str] = set()
    # When the sweep runs on the given days (closings and contact changes happen first),
    for offset in sweep_days:
        day = START + timedelta(days=offset)
        request = Request(world.facts, "tester", datetime.now(UTC), day, single(load_rule_set()))
        for (oid, due), (close_offset, waive) in zip(obligations.items(), closings, strict=False):
            if oid not in closed and close_offset <= offset:
                if waive or due is None:
                    outcome = obligation_cases.waive(
                        world.store, request, oid, "not applicable in this test"
                    )
                else:
                    outcome = obligation_cases.fulfil(world.store, request, oid, day, "TR-1")
                assert outcome.violations == ()
                closed.add(oid)
        contacts = list(world.contacts)
        if add_third_on is not None and add_third_on <= offset and CONTACTS[2] not in contacts:
            contacts.append(CONTACTS[2])
        if drop_second_on is not None and drop_second_on <= offset and CONTACTS[1] in contacts:
            contacts.remove(CONTACTS[1])
        if contacts != world.contacts:
            world.set_contacts(contacts)
        for oid, due in obligations.items():
            stage = stage_for(due, day, CALENDAR)
            if oid in closed or stage is None or (oid, stage.key) in issued:
                continue
            if due is None and not _week_opened(day, issued_days.get(oid)):
                continue
            issued_days[oid] = day
            issued.add((oid, stage.key))
            expected |= {(c.email, oid, stage.key) for c in world.contacts}
            if due is not None and day > due:
                overdue_expected.add(oid)
        _gather_and_deliver(world, day, monkeypatch, redeliver, crash=crash_on == offset)
    # Then every contact got exactly the stages gathered while they were a contact, once each,
    assert sorted(world.received) == sorted(expected)
    # and each obligation still open turned OVERDUE exactly when a sweep ran after its due day.
    for oid in obligations:
        item = ObligationItem.get(oid, consistent_read=True)
        if oid not in closed:
            assert (item.status == "OVERDUE") == (oid in overdue_expected), oid


def _week_opened(day: date, last: date | None) -> bool:
    """A standing duty is reminded on the first working day of a week: has such a day come
    since its last reminder (or ever)?"""
    start = (last + timedelta(days=1)) if last else START
    probe = start
    while probe <= day:
        if probe == first_working_day_of_week(probe, CALENDAR):
            return True
        probe += timedelta(days=1)
    return False


def _gather_and_deliver(
    world: World, day: date, monkeypatch: pytest.MonkeyPatch, redeliver: bool, *, crash: bool
) -> None:
    queue: list[dict[str, Any]] = []
    now = datetime.now(UTC)

    def gather() -> None:
        reminders.gather(day, world.enterprise, now=now, calendar=CALENDAR, enqueue=queue.extend)

    if crash:
        # A gather that dies after queueing its first job; the queue brings the task back.
        real = reminder_store.mark_enqueued

        def dies(identifier: str, at: datetime) -> None:
            real(identifier, at)
            raise StoreUnavailableError("Lambda timed out")

        monkeypatch.setattr(reminder_store, "mark_enqueued", dies)
        with contextlib.suppress(StoreUnavailableError):
            gather()
        monkeypatch.setattr(reminder_store, "mark_enqueued", real)
    gather()
    for message in queue * (2 if redeliver else 1):
        reminders.deliver(
            message["job"],
            now=now,
            calendar=CALENDAR,
            send=world.send,
            rules=single(load_rule_set()),
            link_template=DEFAULT_LINK,
        )
