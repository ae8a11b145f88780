"""The reminder benchmark (bench/sweep.py) runs end to end at a small scale, so that `make bench`
does not find it broken; its figures are not checked (tests never assert timings)."""

from __future__ import annotations

import os
from unittest import mock

import pytest

from bench import sweep as bench
from compliance import clients


def test_the_reminder_benchmark_runs_at_a_small_scale(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a small scale (and the environment the benchmark sets restored afterwards, all of it)
    monkeypatch.setattr(bench, "CONFIGS", ((40, 80, 2), (40, 320, 1), (120, 320, 1)))
    monkeypatch.setattr(bench, "ENTERPRISES", 30)
    monkeypatch.setattr(bench, "BIG", 720)
    monkeypatch.setattr(bench, "RENDERS", 1)
    # When it runs
    try:
        with mock.patch.dict(os.environ):
            bench.main()
    finally:
        clients.forget()  # its clients belong to a mock that has ended
    output = capsys.readouterr().out
    # Then the gather read the same whatever the table held, each contact got one email,
    # and the sweep queued every enterprise
    assert "gather items read and calls equal" in output
    assert "R x3: items read 3.00x" in output
    assert output.count("emails received 1 (SENT, then ALREADY_DONE); 120 items") == 2
    assert "30 gather tasks queued; calls Scan 1, SendMessageBatch 3;" in output
    assert "whole run:" in output
