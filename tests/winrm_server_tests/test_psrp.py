"""pypsrp against the loopback service: one runspace pool, typed streams, stop, prompts."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pypsrp.complex_objects import GenericComplexObject, PSCredential, PSInvocationState
from pypsrp.exceptions import AuthenticationError, WinRMTransportError, WSManFaultError
from pypsrp.host import PSHost, PSHostUserInterface
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM
from tests.support.winrm_server.powershell import cmdlets


def _wsman(server: LoopbackWinRM, auth: str = "ntlm", password: str = ADMIN_PASSWORD) -> WSMan:
    return WSMan(
        server.host,
        port=server.port,
        username=ADMIN_USER,
        password=password,
        ssl=False,
        auth=auth,
        encryption="never" if auth == "basic" else "auto",
        operation_timeout=5,
    )


@pytest.fixture
def pool(winrm_server: LoopbackWinRM) -> Iterator[RunspacePool]:
    with _wsman(winrm_server) as wsman, RunspacePool(wsman, max_runspaces=1) as opened:
        yield opened


def _run(pool: RunspacePool, script: str) -> tuple[list[Any], PowerShell]:
    ps = PowerShell(pool)
    ps.add_script(script)
    return ps.invoke(), ps


def test_state_persists_across_pipelines(pool: RunspacePool) -> None:
    assert _run(pool, "$x = 5")[0] == []
    assert _run(pool, "$x")[0] == [5]
    _run(pool, "cd C:\\Windows")
    assert _run(pool, "prompt")[0] == ["PS C:\\Windows> "]
    location = _run(pool, "Get-Location")[0][0]
    assert isinstance(location, GenericComplexObject)
    assert str(location) == "C:\\Windows"


@pytest.mark.parametrize("auth", ["basic", "ntlm", "negotiate"])
def test_pool_over_each_auth(winrm_server: LoopbackWinRM, auth: str) -> None:
    """Negotiate: SPNEGO-wrapped NTLM (no Kerberos here), encrypted like raw NTLM."""
    with _wsman(winrm_server, auth) as wsman, RunspacePool(wsman, max_runspaces=1) as pool:
        assert _run(pool, "$env:COMPUTERNAME; hostname")[0] == ["NANO1", "NANO1"]
    soap = [r for r in winrm_server.requests if r.soap is not None]
    assert all(r.encrypted for r in soap) == (auth != "basic")


def test_every_stream_arrives_typed(pool: RunspacePool) -> None:
    out, ps = _run(
        pool,
        "Write-Error 'bad thing'; Write-Warning careful; Write-Verbose chatty -Verbose;"
        " Write-Debug detail -Debug; Write-Information note;"
        " Write-Progress -Activity Copying -Status Half -PercentComplete 50; 'result'",
    )
    assert out == ["result"]
    [error] = ps.streams.error
    assert str(error) == "bad thing"
    assert error.fq_error == "Microsoft.PowerShell.Commands.WriteErrorException"
    assert [w.message for w in ps.streams.warning] == ["careful"]
    assert [v.message for v in ps.streams.verbose] == ["chatty"]
    assert [d.message for d in ps.streams.debug] == ["detail"]
    assert [i.message_data for i in ps.streams.information] == ["note"]
    [progress] = ps.streams.progress
    assert (progress.activity, progress.description, progress.percent_complete) == (
        "Copying",
        "Half",
        50,
    )


def test_unknown_command_is_an_error_record(pool: RunspacePool) -> None:
    out, ps = _run(pool, "Get-Nothing; 'after'")
    assert out == ["after"]
    [error] = ps.streams.error
    assert str(error).startswith("The term 'Get-Nothing' is not recognized as the name of a cmdlet")
    assert error.fq_error == "CommandNotFoundException"


def test_stop_during_start_sleep_keeps_state(pool: RunspacePool) -> None:
    """pypsrp's stop() sends "powershell/signal/ctrl_c": like Windows, that closes the command."""
    _run(pool, "$kept = 'yes'")
    ps = PowerShell(pool)
    ps.add_script("Start-Sleep -Seconds 30; 'never'")
    started = time.monotonic()
    ps.begin_invoke()
    time.sleep(0.3)
    ps.stop()
    assert ps.state == PSInvocationState.STOPPED
    assert time.monotonic() - started < 5
    assert _run(pool, "$kept")[0] == ["yes"]


def test_crtl_c_signal_stops_the_pipeline(pool: RunspacePool) -> None:
    """The plug-in's own spelling stops the pipeline, which then reports Stopped."""
    ps = PowerShell(pool)
    ps.add_script("'before'; Start-Sleep -Seconds 30; 'never'")
    ps.begin_invoke()
    time.sleep(0.3)
    pool.shell.signal("powershell/signal/crtl_c", str(ps.id).upper())
    deadline = time.monotonic() + 5
    while ps.state == PSInvocationState.RUNNING and time.monotonic() < deadline:
        ps.poll_invoke()
    assert ps.state == PSInvocationState.STOPPED
    assert ps.output == ["before"]
    assert "The pipeline has been stopped." in str(ps.streams.error[-1])
    assert _run(pool, "'still here'")[0] == ["still here"]


class _AnsweringUI(PSHostUserInterface):
    """Answers prompts like a user typing, and records what was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def ReadLine(self, runspace: Any, pipeline: Any) -> str:  # noqa: N802 - pypsrp's name
        self.asked.append("ReadLine")
        return "typed line"

    def Prompt(  # noqa: N802 - pypsrp's name
        self, runspace: Any, pipeline: Any, caption: str, message: str, descriptions: list[Any]
    ) -> dict[str, Any]:
        name = descriptions[0].extended_properties["name"]
        self.asked.append(f"Prompt:{name}")
        return {name: "Nano"}

    def PromptForCredential1(  # noqa: N802 - pypsrp's name
        self,
        runspace: Any,
        pipeline: Any,
        caption: str,
        message: str,
        user_name: str,
        target_name: str,
    ) -> PSCredential:
        self.asked.append(f"Credential:{user_name}")
        return PSCredential(  # type: ignore[no-untyped-call]
            username=user_name or "someone", password="not-the-admin-password"
        )


def test_host_prompts_round_trip(winrm_server: LoopbackWinRM) -> None:
    ui = _AnsweringUI()
    host = PSHost(None, None, False, "test host", None, ui, "1.0")
    with _wsman(winrm_server) as wsman, RunspacePool(wsman, max_runspaces=1, host=host) as pool:
        assert _run(pool, "Read-Host 'Your name'")[0] == ["Nano"]
        assert _run(pool, "Read-Host")[0] == ["typed line"]
        pool.exchange_keys()  # a PSCredential carries a SecureString: needs the session key
        [credential] = _run(pool, "Get-Credential -UserName Admin")[0]
    assert ui.asked == ["Prompt:Your name", "ReadLine", "Credential:Admin"]
    assert isinstance(credential, PSCredential)
    assert (credential.username, credential.password) == ("Admin", "not-the-admin-password")


def test_write_host_goes_to_the_host_and_the_information_stream(
    winrm_server: LoopbackWinRM,
) -> None:
    ui = _AnsweringUI()
    host = PSHost(None, None, False, "test host", None, ui, "1.0")
    with _wsman(winrm_server) as wsman, RunspacePool(wsman, max_runspaces=1, host=host) as pool:
        out, ps = _run(pool, "Write-Host hello; Write-Host -NoNewline part -ForegroundColor Red")
    assert out == []
    assert ui.stdout == ["hello\r\n", "part"]
    assert [i.tags for i in ps.streams.information] == [["PSHOST"], ["PSHOST"]]


def test_prompts_without_a_host_fail_plainly(pool: RunspacePool) -> None:
    out, ps = _run(pool, "Read-Host 'x'")
    assert out == []
    assert "NonInteractive mode" in str(ps.streams.error[0])


def test_tab_expansion_completes_commands(pool: RunspacePool) -> None:
    ps = PowerShell(pool)
    ps.add_cmdlet("TabExpansion2").add_parameter("inputScript", "Get-Lo")
    ps.add_parameter("cursorColumn", 6)
    [completion] = ps.invoke()
    props = completion.extended_properties
    assert (props["ReplacementIndex"], props["ReplacementLength"]) == (0, 6)
    texts = [m.extended_properties["CompletionText"] for m in props["CompletionMatches"]]
    assert texts == ["Get-Location"]


def test_big_output_arrives_complete(pool: RunspacePool) -> None:
    out, _ = _run(pool, "Get-BigOutput -MB 1 -LineLength 1000")
    assert sum(len(line) + 2 for line in out) == 1024 * 1024
    assert _run(pool, "1..2000")[0] == list(range(1, 2001))


def test_output_streams_through_out_string(pool: RunspacePool) -> None:
    """`script | Out-String -Stream` (what a console adds) passes lines on as they come."""
    ps = PowerShell(pool)
    ps.add_script("'first'; Start-Sleep -Seconds 30; 'never'")
    ps.add_cmdlet("Out-String").add_parameter("Stream", True)
    ps.begin_invoke()
    deadline = time.monotonic() + 10
    while not ps.output and time.monotonic() < deadline:
        ps.poll_invoke(timeout=1)
    assert ps.output == ["first"]
    pool.shell.signal("powershell/signal/crtl_c", str(ps.id).upper())
    while ps.state == PSInvocationState.RUNNING and time.monotonic() < deadline:
        ps.poll_invoke(timeout=1)
    assert ps.state == PSInvocationState.STOPPED


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_restart_forgets_pools(winrm_server: LoopbackWinRM, auth: str) -> None:
    """After a restart the old pool is unknown (Basic: the WS-Man fault); with NTLM the old
    connection's session keys are gone too, so the old client cannot even be understood."""
    with _wsman(winrm_server, auth) as wsman:
        pool = RunspacePool(wsman, max_runspaces=1)
        pool.open()
        _run(pool, "$x = 1")
        port = winrm_server.port
        winrm_server.restart()
        assert winrm_server.port == port
        expected = WSManFaultError if auth == "basic" else WinRMTransportError
        with pytest.raises(expected) as failure:
            _run(pool, "$x")
        if isinstance(failure.value, WSManFaultError):
            assert failure.value.code == 2150858843
    with _wsman(winrm_server, auth) as wsman, RunspacePool(wsman, max_runspaces=1) as fresh:
        assert _run(fresh, "$x")[0] == []


def test_old_pool_is_not_alive_after_restart(winrm_server: LoopbackWinRM) -> None:
    with _wsman(winrm_server, "basic") as wsman:
        pool = RunspacePool(wsman, max_runspaces=1)
        pool.open()
        assert pool.is_alive()
        winrm_server.restart()
        assert not pool.is_alive()


def test_wrong_password_fails_authentication(winrm_server: LoopbackWinRM) -> None:
    with (
        pytest.raises(AuthenticationError),
        _wsman(winrm_server, password="wrong") as wsman,
        RunspacePool(wsman),
    ):
        pass


def test_a_bug_in_the_fake_fails_the_pipeline_visibly(
    pool: RunspacePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("deliberate")

    original = cmdlets._COMMANDS["hostname"]
    monkeypatch.setitem(cmdlets._COMMANDS, "hostname", dataclasses.replace(original, run=broken))
    out, ps = _run(pool, "hostname")
    assert out == []
    assert "loopback WinRM server bug: RuntimeError('deliberate')" in str(ps.streams.error[0])
    assert _run(pool, "'still works'")[0] == ["still works"]
