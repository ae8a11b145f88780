"""End-to-end tests run the local stack (``python -m local.run``) as its own process and talk to
it over loopback HTTP, as a frontend or partner system would.

The stack starts once per session on a free port (``local.stack.started``) and is stopped with
SIGINT (Ctrl-C) at the end, which must be a clean exit. Sockets are allowed here: the unit
tests' guard replaces ``socket.socket`` for the rest of the session once it has run, so the real
one is put back before the stack is reached.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_socket import enable_socket

from local.stack import LocalStack, started


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """Given the local stack started with its demo data loaded."""
    enable_socket()  # session fixtures start before the module's autouse fixture below
    with started() as stack:
        yield stack
        # Then Ctrl-C stops it cleanly.
        status = stack.stop()
        assert status == 0, f"the stack exited with {status} on SIGINT:\n{stack.output.text()}"


@pytest.fixture(scope="session")
def base_url(local_stack: LocalStack) -> str:
    return local_stack.url


@pytest.fixture(autouse=True, scope="module")
def _sockets_allowed() -> None:
    enable_socket()
