"""Integration tests talk to real servers on loopback (moto, the local gateway): sockets allowed.

The unit tests' guard replaces ``socket.socket`` for the rest of the session once it has run, so
each integration module puts the real one back before its servers start (an autouse fixture of
module scope runs before the module's other fixtures).
"""

import pytest
from pytest_socket import enable_socket


@pytest.fixture(autouse=True, scope="module")
def _sockets_allowed() -> None:
    enable_socket()
