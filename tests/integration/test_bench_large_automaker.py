"""The large-automaker benchmark (bench/large_automaker.py) runs end to end at a small scale, so
that `make bench` does not find it broken, and shows what it exists to show: every request path
makes the same DynamoDB calls and reads the same number of items whatever the automaker's
history holds (both are deterministic; its timings are not checked: tests never assert them)."""

from __future__ import annotations

import os
from datetime import datetime
from unittest import mock

import pytest

from bench import large_automaker as bench
from compliance.calendar import CHINA_TZ
from compliance.store.models import ObligationItem
from compliance.store.records import obligation_from_item, obligation_from_raw
from graph.settings import settings_from_environment


def test_every_request_path_reads_the_same_at_both_sizes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two automakers, one with twice the history of the other (each status's key range
    # larger than a filtered page reads of it), one timed run of each request path
    monkeypatch.setattr(bench, "SIZES", (4_000, 8_000))
    monkeypatch.setattr(bench, "RUNS", 1)
    monkeypatch.setattr(bench, "MUTATION_RUNS", 1)
    monkeypatch.setattr(bench, "WARM_UP", 0)
    # When the benchmark runs (the environment it sets restored afterwards, all of it, and the
    # settings the handler read from it forgotten)
    settings_from_environment.cache_clear()
    try:
        with mock.patch.dict(os.environ):
            paths = bench.main()
    finally:
        settings_from_environment.cache_clear()
    output = capsys.readouterr().out
    # Then every path answered at both sizes with the same calls and the same items read
    assert len(paths) == 10
    for path in paths:
        small, large = path.samples[0], path.samples[1]
        assert [s.calls for s in small] == [s.calls for s in large], path.name
        assert [s.read for s in small] == [s.read for s in large], path.name
        assert small[0].read > 0, path.name
    assert "calls and items read equal at both sizes: 10 of 10 paths (all)" in output
    # ...and the README's query read one page's worth: 50 obligations with their vehicles
    readme = paths[0].answers[1]["obligations"]
    assert len(readme["edges"]) == bench.PAGE
    assert all(edge["node"]["vehicle"]["batteries"] for edge in readme["edges"])


def test_an_obligation_reads_the_same_from_its_raw_item_as_through_pynamodb() -> None:
    # Given every obligation of a benchmark automaker (each status, dated and standing), and
    # one with reschedules, one with NULLs and missing attributes, one with a float number
    today = datetime.now(CHINA_TZ).date()
    history = bench.History(bench.AUTOMAKERS[0], 600, today)
    raws = [item.serialize() for item, _ in history.obligations()]
    entry = {
        "before": {"S": "2026-10-01"},
        "after": {"S": "2026-10-09"},
        "calendar_version": {"N": "2"},
        "at": {"S": "2026-09-01T02:00:00.000000+0000"},
    }
    moved = dict(raws[1], reschedules={"L": [{"M": entry}]}, provisional={"BOOL": True})
    raws.append(moved)
    odd = dict(raws[0], vin={"NULL": True}, reschedules={"NULL": True})
    odd["calendar_version"] = {"N": "2.0"}
    del odd["version"], odd["provisional"]
    raws.append(odd)
    # When each is read straight from the raw item and through PynamoDB's item
    for raw in raws:
        # Then the records are the same
        assert obligation_from_raw(raw) == obligation_from_item(ObligationItem.from_raw_data(raw))
