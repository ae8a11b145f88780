"""Paging through obligations merged from several key ranges (status buckets, national shards)
gives exactly what a brute-force reading of the table gives: every matching obligation once, in
due-date order, standing duties last, whatever the page size, filters, or read budget (a page
cut short by its budget goes on where it stopped)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.rules import ObligationStatus
from compliance.store import reads
from compliance.store.models import ObligationItem
from compliance.store.records import all_partition, open_partition, status_key
from local.aws import local_aws
from tests.builders import AUTOMAKER_ID, OTHER_AUTOMAKER_ID, obligation_item

TODAY = date(2026, 10, 16)
RULES = ("SALES_TRACE_UPLOAD", "PRODUCTION_TRACE_UPLOAD")


@pytest.fixture(scope="module")
def tables() -> Iterator[None]:
    with local_aws():
        yield


# One obligation: (enterprise, stored status, due in days from TODAY or None, rule)
rows = st.lists(
    st.tuples(
        st.sampled_from([AUTOMAKER_ID, OTHER_AUTOMAKER_ID]),
        st.sampled_from(list(ObligationStatus)),
        st.one_of(st.none(), st.integers(-20, 20)),
        st.sampled_from(RULES),
    ),
    min_size=10,
    max_size=60,
)
statuses = st.frozensets(st.sampled_from(list(ObligationStatus)), max_size=3)


def _seed(drawn: list[tuple[str, ObligationStatus, int | None, str]]) -> list[Any]:
    for item in ObligationItem.scan(ObligationItem.id.startswith("ob_")):
        item.delete()
    items = []
    for n, (enterprise, status, days, rule) in enumerate(drawn):
        due = TODAY + timedelta(days=days) if days is not None else None
        oid = f"ob_p{n:04d}"
        item = obligation_item(oid, enterprise, f"VIN{n}", due)
        item.rule_id, item.status = rule, status.value
        item.status_key = status_key(status, due, oid)
        item.due_partition = all_partition(oid)
        item.open_partition = open_partition(status, oid)
        item.save()
        items.append(item)
    return items


def _clock(item: Any) -> ObligationStatus:
    stored = ObligationStatus(item.status)
    if stored in (ObligationStatus.OPEN, ObligationStatus.OVERDUE):
        late = item.due_date is not None and item.due_date < TODAY.isoformat()
        return ObligationStatus.OVERDUE if late else ObligationStatus.OPEN
    return stored


def _page_through(
    scope: reads.ObligationScope, where: reads.ObligationFilter, first: int
) -> list[str]:
    seen: list[str] = []
    after = None
    for _ in range(200):
        page = reads.obligation_page(scope, first=first, after=after, where=where, today=TODAY)
        assert len(page.records) <= first
        seen += [r.id for r in page.records]
        if page.next_after is None:
            return seen
        assert after is None or page.next_after > after, "a cursor must move forward"
        after = page.next_after
    raise AssertionError("paging did not end")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=rows,
    wanted=statuses,
    rule=st.sampled_from([None, RULES[0]]),
    first=st.integers(1, 5),
    budget=st.integers(4, 30),
    national=st.booleans(),
)
def test_paging_through_merged_ranges_lists_each_matching_obligation_once_in_due_order(
    tables: None,
    monkeypatch: pytest.MonkeyPatch,
    drawn: list[tuple[str, ObligationStatus, int | None, str]],
    wanted: frozenset[ObligationStatus],
    rule: str | None,
    first: int,
    budget: int,
    national: bool,
) -> None:
    # Given obligations of two enterprises in every stored status, and a small read budget
    items = _seed(drawn)
    monkeypatch.setattr(reads, "PAGE_BUDGET", budget)
    where = reads.ObligationFilter(
        statuses=wanted, rule_ids=frozenset({rule}) if rule else frozenset()
    )
    scope = reads.ObligationScope(responsible=None if national else AUTOMAKER_ID)
    # When a caller pages through the list `first` at a time
    seen = _page_through(scope, where, first)
    # Then it sees exactly the matching obligations, each once, by due date (standing last)
    expected = sorted(
        (item.due_key, item.id)
        for item in items
        if (national or item.responsible == AUTOMAKER_ID)
        and (not wanted or _clock(item) in wanted)
        and (rule is None or item.rule_id == rule)
    )
    assert seen == [oid for _, oid in expected]
