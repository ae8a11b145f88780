"""A short soak of the local stack: 4 concurrent clients for 8 s with the mix of ``make soak``
(bench/soak.py), against the session's stack. Every request must be answered as expected,
and every operation of the mix must have been served."""

from __future__ import annotations

from bench.soak import OPERATIONS, run_soak
from local.stack import LocalStack

SECONDS = 8.0
CLIENTS = 4


def test_concurrent_clients_meet_no_error_and_every_operation_is_served(
    local_stack: LocalStack,
) -> None:
    # Given the stack with its demo data (the session's), When 4 clients send the mix for 8 s,
    report = run_soak(local_stack.url, seconds=SECONDS, clients=CLIENTS, stack=local_stack.output)
    # Then no request met an error,
    assert report.error_count == 0, report.render()
    # And each operation was asked at least once (each comes within the run's first 14).
    served = report.requests_by_operation()
    assert {op.name for op in OPERATIONS} <= {name for name, n in served.items() if n > 0}, (
        report.render()
    )
