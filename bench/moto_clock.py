"""The CPU moto spends answering requests, kept apart from the product's own.

The benchmarks run moto in the same process as the code they measure; only the remainder is
what a deployed function would spend (DynamoDB, SQS and SES answer elsewhere).
"""

from __future__ import annotations

import threading
import time
from typing import Any
from unittest import mock


class MotoClock:
    """``seconds`` of thread CPU inside moto's request handling while ``patch`` is active."""

    def __init__(self) -> None:
        from moto.core.botocore_stubber import BotocoreStubber

        self.seconds = 0.0
        self._lock = threading.Lock()
        original = BotocoreStubber.process_request

        def timed(stubber: Any, request: Any) -> Any:
            started = time.thread_time()
            try:
                return original(stubber, request)
            finally:
                with self._lock:
                    self.seconds += time.thread_time() - started

        self.patch = mock.patch.object(BotocoreStubber, "process_request", timed)

    def reset(self) -> None:
        with self._lock:
            self.seconds = 0.0
