"""Pytest fixtures for the loopback WinRM service (tests/winrm_server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.winrm_server import DEFAULT_USERS, LoopbackWinRM, LoopbackWinRMProcess

ADMIN_USER = "Administrator"
ADMIN_PASSWORD = DEFAULT_USERS[ADMIN_USER]


@pytest.fixture
def winrm_server() -> Iterator[LoopbackWinRM]:
    """A running HTTP WinRM service accepting Basic and NTLM (with message encryption)."""
    with LoopbackWinRM() as server:
        yield server
    assert server.live_threads() == [], "the loopback WinRM server left threads running"


@pytest.fixture
def winrm_server_tls() -> Iterator[LoopbackWinRM]:
    """A running HTTPS WinRM service with a fresh self-signed certificate."""
    with LoopbackWinRM(tls=True) as server:
        yield server
    assert server.live_threads() == [], "the loopback WinRM server left threads running"


@pytest.fixture
def winrm_server_process() -> Iterator[LoopbackWinRMProcess]:
    """The HTTP service in a child process: for timing tests, it takes no GIL from the test."""
    with LoopbackWinRMProcess() as server:
        yield server
