"""pywinrm against the loopback service: WinRS over Basic and NTLM with encryption."""

from __future__ import annotations

import base64

import pytest
import requests
import winrm
from pypsrp.wsman import WSMan
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM

SOAP_TYPE = "application/soap+xml;charset=UTF-8"


def _session(
    server: LoopbackWinRM, transport: str, password: str = ADMIN_PASSWORD
) -> winrm.Session:
    return winrm.Session(server.endpoint, auth=(ADMIN_USER, password), transport=transport)


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_hostname_over_each_auth(winrm_server: LoopbackWinRM, transport: str) -> None:
    result = _session(winrm_server, transport).run_cmd("hostname")
    assert (result.status_code, result.std_out, result.std_err) == (0, b"NANO1\r\n", b"")


def test_ntlm_over_http_is_always_encrypted(winrm_server: LoopbackWinRM) -> None:
    _session(winrm_server, "ntlm").run_cmd("echo", ["secret-marker"])
    soap_requests = [r for r in winrm_server.requests if r.soap is not None]
    assert soap_requests, "no SOAP reached the server"
    assert all(r.encrypted for r in soap_requests)
    assert all(b"secret-marker" not in r.body for r in winrm_server.requests)
    assert any(b"secret-marker" in (r.soap or b"") for r in soap_requests)


def test_basic_sends_plain_soap(winrm_server: LoopbackWinRM) -> None:
    _session(winrm_server, "basic").run_cmd("echo", ["visible"])
    assert any(b"visible" in r.body and not r.encrypted for r in winrm_server.requests)


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_wrong_password_is_401(winrm_server: LoopbackWinRM, transport: str) -> None:
    with pytest.raises(InvalidCredentialsError):
        _session(winrm_server, transport, password="wrong").run_cmd("hostname")
    assert winrm_server.requests[-1].status == 401


@pytest.mark.parametrize("code", [0, 3, 255])
def test_exit_codes(winrm_server: LoopbackWinRM, code: int) -> None:
    result = _session(winrm_server, "ntlm").run_cmd("cmd", ["/c", "exit", str(code)])
    assert result.status_code == code


def test_unknown_command_is_cmd_error(winrm_server: LoopbackWinRM) -> None:
    result = _session(winrm_server, "basic").run_cmd("frobnicate")
    assert result.status_code == 1
    assert result.std_err.startswith(b"'frobnicate' is not recognized as an internal or external")


def test_long_output_spans_many_receives(winrm_server: LoopbackWinRM) -> None:
    result = _session(winrm_server, "ntlm").run_ps("Get-BigOutput -MB 1")
    assert result.status_code == 0
    assert len(result.std_out) == 1024 * 1024
    receives = [r for r in winrm_server.requests if (r.action or "").endswith("/Receive")]
    assert len(receives) > 5


def test_powershell_under_winrs(winrm_server: LoopbackWinRM) -> None:
    """run_ps uses -EncodedCommand: other streams come as CLIXML on stderr, which it unpicks."""
    session = _session(winrm_server, "basic")
    result = session.run_ps('$n = 2; Write-Output "n=$n"; Write-Warning careful')
    assert (result.status_code, result.std_out, result.std_err) == (0, b"n=2\r\n", b"careful")
    failed = session.run_ps("Get-Nothing")
    assert failed.status_code == 1
    assert failed.std_err.startswith(b"Get-Nothing : The term 'Get-Nothing' is not recognized")
    assert b"CategoryInfo          : ObjectNotFound: (Get-Nothing:String) []" in failed.std_err
    assert session.run_ps("exit 7").status_code == 7
    prompt = session.run_ps("Read-Host 'name'")
    assert b"NonInteractive mode" in prompt.std_err


def test_powershell_stderr_forms(winrm_server: LoopbackWinRM) -> None:
    session = _session(winrm_server, "basic")
    encoded = base64.b64encode("Write-Error boom".encode("utf-16-le")).decode()
    raw = session.run_cmd("powershell", ["-NoProfile", "-EncodedCommand", encoded])
    assert raw.std_err.startswith(b'#< CLIXML\r\n<Objs Version="1.1.0.1"')
    assert b'<S S="Error">Write-Error : boom_x000D__x000A_</S>' in raw.std_err
    text = session.run_cmd("powershell", ["-Command", "Write-Error boom; Write-Warning w"])
    assert text.std_err.startswith(b"Write-Error : boom\r\n    + CategoryInfo          : ")
    assert text.std_out == b"WARNING: w\r\n"


def test_ipconfig_and_echo(winrm_server: LoopbackWinRM) -> None:
    session = _session(winrm_server, "basic")
    assert b"IPv4 Address. . . . . . . . . . . : 127.0.0.1" in session.run_cmd("ipconfig").std_out
    assert session.run_cmd("echo", ["hello", "world"]).std_out == b"hello world\r\n"


def test_plain_soap_over_ntlm_http_is_refused(winrm_server: LoopbackWinRM) -> None:
    session = winrm.Session(
        winrm_server.endpoint,
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        transport="ntlm",
        message_encryption="never",
    )
    with pytest.raises(WSManFaultError) as fault:
        session.run_cmd("hostname")
    assert fault.value.wsman_fault_code == 5
    assert winrm_server.requests[-1].status == 500


def test_identify_and_config(winrm_server: LoopbackWinRM) -> None:
    identify = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
        b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"
    )
    anonymous = requests.post(
        winrm_server.endpoint,
        data=identify,
        headers={"Content-Type": SOAP_TYPE, "WSMANIDENTIFY": "unauthenticated"},
        timeout=5,
    )
    assert anonymous.status_code == 200
    assert b"Microsoft Corporation" in anonymous.content
    refused = requests.post(
        winrm_server.endpoint, data=identify, headers={"Content-Type": SOAP_TYPE}, timeout=5
    )
    assert refused.status_code == 401
    wsman = WSMan(
        winrm_server.host,
        port=winrm_server.port,
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
        ssl=False,
        auth="ntlm",
    )
    with wsman:
        wsman.update_max_payload_size()
        assert wsman.max_envelope_size == 500 * 1024


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
@pytest.mark.parametrize("user", ["NANO1\\Administrator", ".\\administrator", "ADMINISTRATOR"])
def test_local_account_name_forms(winrm_server: LoopbackWinRM, transport: str, user: str) -> None:
    session = winrm.Session(winrm_server.endpoint, auth=(user, ADMIN_PASSWORD), transport=transport)
    assert session.run_cmd("whoami").std_out == b"nano1\\administrator\r\n"


def test_without_cmd_only_programs_start(winrm_server: LoopbackWinRM) -> None:
    protocol = _session(winrm_server, "basic").protocol
    shell = protocol.open_shell()
    try:
        command = protocol.run_command(shell, "hostname.exe", skip_cmd_shell=True)
        assert protocol.get_command_output(shell, command) == (b"NANO1\r\n", b"", 0)
        with pytest.raises(WSManFaultError) as fault:
            protocol.run_command(shell, "echo", ["hi"], skip_cmd_shell=True)
        assert fault.value.wsman_fault_code == 2147942402
    finally:
        protocol.close_shell(shell)
