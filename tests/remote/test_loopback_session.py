"""The interactive PSRP session against the loopback server's scripted PowerShell."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import pytest

from nanostudio.cli.terminal import TerminalConsole
from nanostudio.remote.errors import CertificateUnknownError, SessionLostError
from nanostudio.remote.events import (
    CommandFinished,
    ProgressRecord,
    PromptKind,
    PromptReply,
    PromptRequest,
    SessionEvent,
    Stream,
    StreamText,
)
from nanostudio.remote.history import CommandHistory
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.psrp_session import PS_STOP_SIGNAL, PsrpSession
from nanostudio.remote.settings import ConnectionSettings
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM


class Recorder:
    def __init__(self) -> None:
        self.events: list[SessionEvent] = []

    def __call__(self, event: SessionEvent) -> None:
        self.events.append(event)

    def lines(self, stream: Stream = Stream.OUTPUT) -> list[str]:
        return [e.text for e in self.events if isinstance(e, StreamText) and e.stream == stream]


def settings_for(server: LoopbackWinRM, **changes: object) -> ConnectionSettings:
    base = ConnectionSettings(
        host=server.host, port=server.port, https=server.tls, user=ADMIN_USER, timeout_s=5
    )
    return base.replace(**changes)


@pytest.fixture
def session(winrm_server: LoopbackWinRM) -> Iterator[PsrpSession]:
    opened = PsrpSession(settings_for(winrm_server), ADMIN_PASSWORD)
    opened.open()
    yield opened
    opened.close()


def run(session: PsrpSession, script: str) -> tuple[CommandFinished, Recorder]:
    recorder = Recorder()
    return session.run(script, recorder), recorder


def test_state_persists_across_commands(session: PsrpSession) -> None:
    assert session.location == "C:\\Users\\Administrator\\Documents"
    run(session, "$x = 5")
    assert run(session, "$x")[1].lines() == ["5"]
    finished, _ = run(session, "cd C:\\Windows")
    assert finished.location == session.location == "C:\\Windows"
    assert run(session, "Get-Location")[1].lines() == ["C:\\Windows"]


def test_every_stream_arrives_typed_and_in_order(session: PsrpSession) -> None:
    script = (
        "Write-Output out; Write-Error err; Write-Warning warn; Write-Verbose verb -Verbose; "
        "Write-Debug dbg -Debug; Write-Information info; "
        "Write-Progress -Activity Copy -PercentComplete 40"
    )
    finished, recorder = run(session, script)
    assert finished.had_errors
    texts = [(e.stream, e.text) for e in recorder.events if isinstance(e, StreamText)]
    assert (Stream.ERROR, "err") in texts
    order = [s for s, t in texts if t in ("out", "err", "warn", "verb", "dbg", "info")]
    assert order == [
        Stream.OUTPUT,
        Stream.ERROR,
        Stream.WARNING,
        Stream.VERBOSE,
        Stream.DEBUG,
        Stream.INFORMATION,
    ]
    progress = [e for e in recorder.events if isinstance(e, ProgressRecord)]
    assert progress and progress[0].activity == "Copy" and progress[0].percent == 40


def test_unknown_command_is_an_error_record(session: PsrpSession) -> None:
    finished, recorder = run(session, "Get-Nothing")
    assert finished.had_errors
    assert "The term 'Get-Nothing' is not recognized" in recorder.lines(Stream.ERROR)[0]
    assert any("CommandNotFoundException" in line for line in recorder.lines(Stream.ERROR))


def test_stop_during_a_long_command_and_the_session_still_works(
    winrm_server: LoopbackWinRM, session: PsrpSession
) -> None:
    run(session, "$kept = 'still here'")
    timer = threading.Timer(0.5, session.stop)
    timer.start()
    started = time.monotonic()
    finished, _ = run(session, "Start-Sleep -Seconds 30")
    assert finished.stopped
    assert time.monotonic() - started < 5
    signals = [r for r in winrm_server.requests if r.soap and PS_STOP_SIGNAL.encode() in r.soap]
    assert signals, "the stop went out with the crtl_c code Windows PowerShell expects"
    assert run(session, "$kept")[1].lines() == ["still here"]


def test_read_host_and_get_credential_round_trip(winrm_server: LoopbackWinRM) -> None:
    asked: list[PromptRequest] = []

    def answer(request: PromptRequest) -> PromptReply:
        asked.append(request)
        if request.kind == PromptKind.CREDENTIAL:
            return PromptReply(user="NANO1\\ops", password="S3cret!")
        return PromptReply(values={f.name: "Ada" for f in request.fields})

    session = PsrpSession(settings_for(winrm_server), ADMIN_PASSWORD, prompt_handler=answer)
    session.open()
    try:
        assert run(session, "$n = Read-Host 'Your name'; $n")[1].lines() == ["Ada"]
        assert asked[0].kind == PromptKind.FIELDS and asked[0].fields[0].label == "Your name"
        finished, recorder = run(session, "$c = Get-Credential; $c")
        assert asked[1].kind == PromptKind.CREDENTIAL
        assert not finished.had_errors  # the credential (a SecureString inside) was accepted
        assert recorder.lines() == ["System.Management.Automation.PSCredential"]
    finally:
        session.close()


def test_prompt_cancelled_stops_the_command(winrm_server: LoopbackWinRM) -> None:
    session = PsrpSession(settings_for(winrm_server), ADMIN_PASSWORD, prompt_handler=lambda r: None)
    session.open()
    try:
        finished, _ = run(session, "Read-Host 'Name'; Start-Sleep -Seconds 30")
        assert finished.stopped
        assert run(session, "hostname")[1].lines() == ["NANO1"]
    finally:
        session.close()


def test_tab_completion_in_the_same_runspace(session: PsrpSession) -> None:
    completion = session.complete("Get-Lo", 6)
    assert "Get-Location" in completion.matches
    assert completion.apply("Get-Lo")[0].startswith("Get-Lo")


def test_server_restart_loses_the_session_and_reconnect_opens_a_new_pool(
    winrm_server: LoopbackWinRM, session: PsrpSession
) -> None:
    run(session, "$x = 1")
    winrm_server.restart()
    with pytest.raises(SessionLostError):
        run(session, "$x")
    assert not session.is_open
    with pytest.raises(SessionLostError, match="reconnect"):
        run(session, "$x")
    session.reconnect()
    assert run(session, "hostname")[1].lines() == ["NANO1"]
    assert run(session, "$x")[1].lines() in ([], [""])  # a new runspace: $x is gone


def test_keep_alive_notices_a_restarted_server(
    winrm_server: LoopbackWinRM, session: PsrpSession
) -> None:
    session.keep_alive()
    winrm_server.restart()
    with pytest.raises(SessionLostError):
        session.keep_alive()


def test_https_session_needs_the_trusted_pin(winrm_server_tls: LoopbackWinRM) -> None:
    pins = PinStore()
    settings = settings_for(winrm_server_tls, auth="basic")
    with pytest.raises(CertificateUnknownError) as unknown:
        PsrpSession(settings, ADMIN_PASSWORD, pins=pins).open()
    pins.trust(settings.host, settings.port, unknown.value.sha256)
    session = PsrpSession(settings, ADMIN_PASSWORD, pins=pins)
    session.open()
    try:
        assert run(session, "$env:COMPUTERNAME")[1].lines() == ["NANO1"]
    finally:
        session.close()


def test_terminal_console_repl(winrm_server: LoopbackWinRM, tmp_path: object) -> None:
    session = PsrpSession(settings_for(winrm_server), ADMIN_PASSWORD)
    session.open()
    typed = iter(["$v = 41", "if ($true) {", "$v", "}", "Read-Host 'Pet'", "exit"])
    prompts: list[str] = []

    def read_line(prompt: str) -> str:
        prompts.append(prompt)
        return next(typed) if prompt != "Pet: " else "cat"

    out, err = io.StringIO(), io.StringIO()
    console = TerminalConsole(
        session, "NANO1", CommandHistory(), read_line=read_line, stdout=out, stderr=err
    )
    try:
        assert console.loop() == 0
    finally:
        session.close()
    assert prompts[0] == "[NANO1]: PS C:\\Users\\Administrator\\Documents> "
    assert ">> " in prompts
    assert "Pet: " in prompts
    assert "cat" in out.getvalue().splitlines()
    assert console.history.entries == ["$v = 41", "if ($true) {\n$v\n}", "Read-Host 'Pet'"]


def test_write_host_colours_reach_the_console_as_console_colours(session: PsrpSession) -> None:
    """Write-Host -ForegroundColor/-BackgroundColor arrive as System.ConsoleColor numbers
    (Green 10, DarkBlue 1); plain host text keeps the host's own colours (None)."""
    _, recorder = run(
        session,
        "Write-Host plain; Write-Host go -ForegroundColor Green; "
        "Write-Host both -ForegroundColor Yellow -BackgroundColor DarkBlue",
    )
    host = [
        (e.text, e.foreground, e.background)
        for e in recorder.events
        if isinstance(e, StreamText) and e.stream == Stream.HOST
    ]
    assert host == [("plain", None, None), ("go", 10, None), ("both", 14, 1)]
