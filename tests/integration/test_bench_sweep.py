"""The reminder benchmark (bench/sweep.py) runs end to end at a small scale, so that `make bench`
does not find it broken; its figures are not checked (tests never assert timings)."""

from __future__ import annotations

import os

import pytest

from bench import sweep as bench
from compliance import delivery

TOUCHED = (
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "SES_SENDER",
    "REMINDER_QUEUE_URL",
)


def test_the_reminder_benchmark_runs_at_a_small_scale(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the environment the benchmark sets restored afterwards, and a small scale
    for name in TOUCHED:
        value = os.environ.get(name)
        monkeypatch.setenv(name, "placeholder")
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(bench, "CONFIGS", ((40, 80, 2), (40, 320, 1), (120, 320, 1)))
    monkeypatch.setattr(bench, "ENTERPRISES", 30)
    monkeypatch.setattr(bench, "BIG", 720)
    monkeypatch.setattr(bench, "RENDERS", 1)
    # When it runs
    try:
        bench.main()
    finally:
        delivery._client.cache_clear()  # its clients belong to a mock that has ended
    output = capsys.readouterr().out
    # Then the gather read the same whatever the table held, each contact got one email,
    # and the sweep queued every enterprise
    assert "gather items read and calls equal" in output
    assert "R x3: items read 3.00x" in output
    assert output.count("emails received 1 (SENT, then ALREADY_DONE); 120 items") == 2
    assert "30 gather tasks queued; calls Scan 1, SendMessageBatch 3;" in output
    assert "whole run:" in output
