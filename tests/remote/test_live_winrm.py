"""Against a real Windows host, only when NANOSTUDIO_LIVE_HOST/_USER/_PASSWORD name one.

Optional: NANOSTUDIO_LIVE_HTTPS=1 (port 5986; the certificate thumbprint must be in
NANOSTUDIO_LIVE_PIN), NANOSTUDIO_LIVE_AUTH=ntlm|kerberos|basic.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from nanostudio.remote.events import SessionEvent, Stream, StreamText
from nanostudio.remote.exec import run_command
from nanostudio.remote.probe import test_connection as probe
from nanostudio.remote.psrp_session import PsrpSession
from nanostudio.remote.settings import AUTH_METHODS, ConnectionSettings, default_port

pytestmark = pytest.mark.live_winrm

HOST = os.environ.get("NANOSTUDIO_LIVE_HOST")
USER = os.environ.get("NANOSTUDIO_LIVE_USER")
PASSWORD = os.environ.get("NANOSTUDIO_LIVE_PASSWORD")


@pytest.fixture
def live() -> tuple[ConnectionSettings, str]:
    if not (HOST and USER and PASSWORD):
        pytest.skip("set NANOSTUDIO_LIVE_HOST, NANOSTUDIO_LIVE_USER, NANOSTUDIO_LIVE_PASSWORD")
    https = os.environ.get("NANOSTUDIO_LIVE_HTTPS") == "1"
    auth = os.environ.get("NANOSTUDIO_LIVE_AUTH", "ntlm")
    assert auth in AUTH_METHODS
    settings = ConnectionSettings(
        host=HOST,
        port=default_port(https),
        https=https,
        auth=auth,
        user=USER,
        cert_pin_sha256=os.environ.get("NANOSTUDIO_LIVE_PIN") or None,
        timeout_s=30,
    )
    return settings, PASSWORD


@pytest.fixture
def session(live: tuple[ConnectionSettings, str]) -> Iterator[PsrpSession]:
    opened = PsrpSession(*live)
    opened.open()
    yield opened
    opened.close()


def lines(session: PsrpSession, script: str) -> list[str]:
    seen: list[SessionEvent] = []
    session.run(script, seen.append)
    return [e.text for e in seen if isinstance(e, StreamText) and e.stream == Stream.OUTPUT]


def test_live_probe_and_exec(live: tuple[ConnectionSettings, str]) -> None:
    report = probe(*live)
    assert report.hostname and report.os_build
    assert run_command(*live, ["cmd", "/c", "exit", "4"]).exit_code == 4


def test_live_state_stop_and_completion(session: PsrpSession) -> None:
    lines(session, "$nanostudio = 40 + 2")
    assert lines(session, "$nanostudio") == ["42"]
    timer = threading.Timer(1.0, session.stop)
    timer.start()
    finished = session.run("Start-Sleep -Seconds 60", lambda event: None)
    assert finished.stopped
    assert lines(session, "$nanostudio") == ["42"]
    assert "Get-ChildItem" in session.complete("Get-ChildI", 10).matches
