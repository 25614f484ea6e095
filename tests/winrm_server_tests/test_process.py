"""The service in a child process behaves like the in-process one."""

from __future__ import annotations

import pytest
import requests
import winrm

from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRMProcess


def test_child_process_serves_and_obeys(winrm_server_process: LoopbackWinRMProcess) -> None:
    server = winrm_server_process
    session = winrm.Session(server.endpoint, auth=(ADMIN_USER, ADMIN_PASSWORD), transport="ntlm")
    assert session.run_cmd("hostname").std_out == b"NANO1\r\n"
    soap = [r for r in server.requests if r.soap is not None]
    assert soap and all(r.encrypted for r in soap)
    server.clear_requests()
    assert server.requests == []
    port = server.port
    server.restart()
    assert server.port == port
    server.drop_next_requests(1)
    fresh = winrm.Session(server.endpoint, auth=(ADMIN_USER, ADMIN_PASSWORD), transport="basic")
    with pytest.raises(requests.exceptions.ConnectionError):
        fresh.run_cmd("hostname")
    assert fresh.run_cmd("cmd", ["/c", "exit", "4"]).status_code == 4


def test_child_process_tls_and_stop() -> None:
    server = LoopbackWinRMProcess(tls=True)
    with server:
        first = server.thumbprint_sha256
        assert first and server.cert_pem and server.endpoint.startswith("https://")
        server.replace_certificate()
        assert server.thumbprint_sha256 not in (None, first)
        assert server.running
    assert not server.running
    with pytest.raises(RuntimeError):
        server.restart()
