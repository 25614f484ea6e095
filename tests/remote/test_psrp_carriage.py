"""psrpcore's messages over pypsrp's WS-Man, against the loopback server: the seams.

The console-level behaviour is in test_loopback_session.py; these cover what the move
to psrpcore added: a script larger than one envelope, the session key fetched on the
pool while a pipeline waits, Write-Host shown once, the pinned HTTPS session with NTLM
(a requests session built here, not by pypsrp) and encryption on plain HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nanostudio.remote.events import (
    PromptKind,
    PromptReply,
    PromptRequest,
    SessionEvent,
    Stream,
    StreamText,
)
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.psrp_session import PsrpSession
from nanostudio.remote.settings import ConnectionSettings
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM

SECRET = "Pa55-for-the-prompt!"


def settings_for(server: LoopbackWinRM, **changes: object) -> ConnectionSettings:
    base = ConnectionSettings(
        host=server.host, port=server.port, https=server.tls, user=ADMIN_USER, timeout_s=5
    )
    return base.replace(**changes)


def lines(session: PsrpSession, script: str, stream: Stream = Stream.OUTPUT) -> list[str]:
    events: list[SessionEvent] = []
    session.run(script, events.append)
    return [e.text for e in events if isinstance(e, StreamText) and e.stream == stream]


def answer(request: PromptRequest) -> PromptReply:
    if request.kind == PromptKind.CREDENTIAL:
        return PromptReply(user="NANO1\\ops", password=SECRET)
    return PromptReply(values={f.name: "Ada" for f in request.fields})


@pytest.fixture
def session(winrm_server: LoopbackWinRM) -> Iterator[PsrpSession]:
    opened = PsrpSession(settings_for(winrm_server), ADMIN_PASSWORD, prompt_handler=answer)
    opened.open()
    yield opened
    opened.close()


def test_a_script_larger_than_one_envelope_goes_in_several_sends(
    winrm_server: LoopbackWinRM, session: PsrpSession
) -> None:
    text = "x" * 700_000  # more than a 500 KiB envelope holds
    assert lines(session, f"Write-Output '{text}'") == [text]
    sends = [r for r in winrm_server.requests if r.action and r.action.endswith("/Send")]
    assert sends, "the fragments after the first went out as Send requests"


def test_the_session_key_comes_on_the_pool_while_the_pipeline_waits(
    session: PsrpSession,
) -> None:
    script = "Write-Output before; $c = Get-Credential; $c; Write-Output after"
    assert lines(session, script) == [
        "before",
        "System.Management.Automation.PSCredential",
        "after",
    ]
    # The key is exchanged once per pool: a second credential needs no new exchange.
    assert lines(session, "$d = Get-Credential; $d") == [
        "System.Management.Automation.PSCredential"
    ]


def test_write_host_is_shown_once_as_whole_lines(session: PsrpSession) -> None:
    script = "Write-Host hello; Write-Host -NoNewline part -ForegroundColor Red; Write-Host done"
    events: list[SessionEvent] = []
    session.run(script, events.append)
    texts = [(e.stream, e.text) for e in events if isinstance(e, StreamText)]
    assert texts == [(Stream.HOST, "hello"), (Stream.HOST, "partdone")]


def test_plain_http_session_is_encrypted_and_keeps_secrets_off_the_wire(
    winrm_server: LoopbackWinRM, session: PsrpSession
) -> None:
    assert lines(session, "$c = Get-Credential; $c") == [
        "System.Management.Automation.PSCredential"
    ]
    soap = [r for r in winrm_server.requests if r.soap is not None]
    assert soap and all(r.encrypted for r in soap)
    for request in winrm_server.requests:
        assert ADMIN_PASSWORD.encode() not in request.body
        assert SECRET.encode() not in request.body
        assert SECRET.encode() not in (request.soap or b"")  # a SecureString, session-key sealed


def test_ntlm_over_pinned_https(winrm_server_tls: LoopbackWinRM) -> None:
    pins = PinStore()
    settings = settings_for(winrm_server_tls, auth="ntlm")
    thumbprint = winrm_server_tls.thumbprint_sha256
    assert thumbprint is not None
    pins.trust(settings.host, settings.port, thumbprint)
    session = PsrpSession(settings, ADMIN_PASSWORD, pins=pins)
    session.open()
    try:
        assert lines(session, "$env:COMPUTERNAME") == ["NANO1"]
        assert session.complete("Get-Lo", 6).matches == ("Get-Location",)
    finally:
        session.close()
    assert all(r.tls for r in winrm_server_tls.requests)
