"""The faults the console tests provoke: long-poll timeout, dropped and hanging connections,
unknown shells, unreachable ports."""

from __future__ import annotations

import base64
import threading
import time

import pytest
import requests
import winrm
from pypsrp.shell import Process, SignalCode, WinRS
from pypsrp.wsman import WSMan
from winrm.exceptions import WinRMOperationTimeoutError, WSManFaultError
from winrm.protocol import Protocol

from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM, free_port


def _protocol(server: LoopbackWinRM, *, operation: int = 20, read: int = 30) -> Protocol:
    return Protocol(
        server.endpoint,
        transport="ntlm",
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
        operation_timeout_sec=operation,
        read_timeout_sec=read,
    )


def _encoded(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode()


def test_receive_long_poll_times_out_with_the_wsman_fault(winrm_server: LoopbackWinRM) -> None:
    protocol = _protocol(winrm_server, operation=1, read=5)
    shell = protocol.open_shell()
    command = protocol.run_command(
        shell, "powershell", ["-EncodedCommand", _encoded("Start-Sleep -Milliseconds 1400; 'late'")]
    )
    started = time.monotonic()
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    assert time.monotonic() - started > 0.9  # it waited the OperationTimeout, not less
    stdout, stderr, code = protocol.get_command_output(shell, command)
    assert (stdout, stderr, code) == (b"late\r\n", b"", 0)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)


def test_output_streams_as_it_is_produced(winrm_server: LoopbackWinRM) -> None:
    protocol = _protocol(winrm_server)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "ping", ["-n", "2", "127.0.0.1"])
    first, _, _, done = protocol.get_command_output_raw(shell, command)
    assert b"Reply from 127.0.0.1" in first and not done
    rest, _, code = protocol.get_command_output(shell, command)
    assert (first + rest).count(b"Reply from") == 2 and code == 0
    protocol.close_shell(shell)


def test_unknown_shell_is_the_shell_not_found_fault(winrm_server: LoopbackWinRM) -> None:
    protocol = _protocol(winrm_server)
    with pytest.raises(WSManFaultError) as fault:
        protocol.run_command("00000000-0000-0000-0000-000000000000", "hostname")
    assert fault.value.wsman_fault_code == 2150858843
    assert "the shell was not found on the server" in fault.value.response


def test_ctrl_c_ends_a_running_command(winrm_server: LoopbackWinRM) -> None:
    wsman = WSMan(
        winrm_server.host,
        port=winrm_server.port,
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
        ssl=False,
        auth="ntlm",
    )
    with wsman, WinRS(wsman) as shell:
        process = Process(shell, "ping", ["-n", "30", "127.0.0.1"])
        process.begin_invoke()
        process.poll_invoke()
        process.signal(SignalCode.CTRL_C)
        process.end_invoke()
        assert process.rc == -1073741510
        assert process.stdout.count(b"Reply from") < 30


def test_dropped_connection_mid_receive_raises(winrm_server: LoopbackWinRM) -> None:
    protocol = _protocol(winrm_server, operation=10, read=15)
    shell = protocol.open_shell()
    command = protocol.run_command(
        shell, "powershell", ["-EncodedCommand", _encoded("Start-Sleep -Seconds 30")]
    )
    timer = threading.Timer(0.5, winrm_server.drop_connections)
    timer.start()
    try:
        with pytest.raises(requests.exceptions.ConnectionError):
            protocol.get_command_output_raw(shell, command)
    finally:
        timer.join()


def test_drop_next_request_raises(winrm_server: LoopbackWinRM) -> None:
    session = winrm.Session(
        winrm_server.endpoint, auth=(ADMIN_USER, ADMIN_PASSWORD), transport="basic"
    )
    winrm_server.drop_next_requests(1)
    with pytest.raises(requests.exceptions.ConnectionError):
        session.run_cmd("hostname")
    assert session.run_cmd("hostname").status_code == 0


def test_hang_until_the_client_gives_up(winrm_server: LoopbackWinRM) -> None:
    session = winrm.Session(
        winrm_server.endpoint,
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        transport="basic",
        read_timeout_sec=2,
        operation_timeout_sec=1,
    )
    winrm_server.hang()
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.run_cmd("hostname")
    assert 1.5 < time.monotonic() - started < 10
    winrm_server.hang(False)
    assert session.run_cmd("hostname").status_code == 0


def test_nothing_listening_is_refused_fast() -> None:
    session = winrm.Session(
        f"http://127.0.0.1:{free_port()}/wsman",
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        transport="basic",
    )
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.run_cmd("hostname")
    assert time.monotonic() - started < 2


def test_stop_ends_everything_even_mid_poll() -> None:
    server = LoopbackWinRM()
    server.start()
    protocol = _protocol(server, operation=20, read=30)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "ping", ["-n", "30", "127.0.0.1"])
    protocol.get_command_output_raw(shell, command)
    errors: list[BaseException] = []

    def poll() -> None:
        try:
            while True:
                protocol.get_command_output_raw(shell, command)
        except Exception as exc:
            errors.append(exc)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.3)
    started = time.monotonic()
    server.stop()
    poller.join(10)
    assert not poller.is_alive() and errors
    assert time.monotonic() - started < 10
