"""Unit tests run without network access."""

import socket

import pytest
from pytest_socket import SocketBlockedError


def test_opening_a_socket_in_a_unit_test_fails() -> None:
    # Given the unit-test guard, When a test opens a socket, Then it is blocked.
    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
