"""Probe, exec and certificate pinning against the loopback WinRM server, over real sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from nanostudio.cli.main import main
from nanostudio.remote.errors import (
    BadCredentialsError,
    CertificateChangedError,
    CertificateUnknownError,
    HostUnreachableError,
    InsecureSettingsError,
    PortClosedError,
)
from nanostudio.remote.exec import run_command
from nanostudio.remote.pinning import PinStore, fetch_certificate
from nanostudio.remote.probe import test_connection as probe
from nanostudio.remote.settings import ConnectionSettings
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM


def settings_for(server: LoopbackWinRM, **changes: object) -> ConnectionSettings:
    base = ConnectionSettings(
        host=server.host, port=server.port, https=server.tls, user=ADMIN_USER, timeout_s=5
    )
    return base.replace(**changes)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A loopback port that accepts TCP (kernel backlog) but never answers a byte."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def test_probe_reports_name_build_and_round_trip(winrm_server: LoopbackWinRM) -> None:
    report = probe(settings_for(winrm_server), ADMIN_PASSWORD)
    assert report.hostname == "NANO1"
    assert report.os_build is not None and report.os_build.startswith("10.0.")
    assert 0 < report.round_trip_ms < 5000
    assert "NANO1" in str(report)


def test_ntlm_over_http_is_always_encrypted(winrm_server: LoopbackWinRM) -> None:
    probe(settings_for(winrm_server), ADMIN_PASSWORD)
    soap_requests = [r for r in winrm_server.requests if r.soap is not None]
    assert soap_requests
    assert all(r.encrypted and r.auth_scheme in (None, "Negotiate", "NTLM") for r in soap_requests)
    assert all(ADMIN_PASSWORD.encode() not in r.body for r in winrm_server.requests)


def test_wrong_password_in_plain_words(winrm_server: LoopbackWinRM) -> None:
    with pytest.raises(BadCredentialsError, match="rejected the user name or password"):
        probe(settings_for(winrm_server), "not-the-password")


def test_closed_port_says_so_quickly(closed_port: int) -> None:
    settings = ConnectionSettings(host="127.0.0.1", port=closed_port, timeout_s=5)
    started = time.monotonic()
    with pytest.raises(PortClosedError, match="is WinRM enabled"):
        probe(settings, ADMIN_PASSWORD)
    assert time.monotonic() - started < 2


def test_silent_host_fails_within_the_timeout(blackhole: int) -> None:
    settings = ConnectionSettings(host="127.0.0.1", port=blackhole, timeout_s=2)
    started = time.monotonic()
    with pytest.raises(HostUnreachableError, match="did not answer within 2 s"):
        probe(settings, ADMIN_PASSWORD)
    assert time.monotonic() - started < 3.5


def test_basic_refused_over_http_without_any_traffic(winrm_server: LoopbackWinRM) -> None:
    with pytest.raises(InsecureSettingsError):
        probe(settings_for(winrm_server, auth="basic"), ADMIN_PASSWORD)
    assert winrm_server.requests == []


def test_exec_returns_the_remote_exit_code(winrm_server: LoopbackWinRM) -> None:
    settings = settings_for(winrm_server)
    assert run_command(settings, ADMIN_PASSWORD, ["cmd", "/c", "exit", "3"]).exit_code == 3
    result = run_command(settings, ADMIN_PASSWORD, ["hostname"])
    assert (result.stdout.strip(), result.exit_code) == ("NANO1", 0)


def test_exec_cli_exits_with_the_remote_code_and_takes_the_password_from_env(
    winrm_server: LoopbackWinRM,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NANOSTUDIO_REMOTE_PASSWORD", ADMIN_PASSWORD)
    host, port = winrm_server.host, str(winrm_server.port)
    assert main(["exec", host, "--port", port, "--", "cmd", "/c", "exit", "5"]) == 5
    assert main(["exec", host, "--port", port, "--timeout", "5", "--", "hostname"]) == 0
    assert capsys.readouterr().out.strip() == "NANO1"


def test_exec_cli_user_mistakes_are_one_error_line(
    winrm_server: LoopbackWinRM,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NANOSTUDIO_REMOTE_PASSWORD", "wrong")
    port = str(winrm_server.port)
    assert main(["exec", winrm_server.host, "--port", port, "--", "hostname"]) == 1
    assert capsys.readouterr().err.startswith("error: 127.0.0.1 rejected the user name")
    assert main(["exec", winrm_server.host, "--port", port, "--auth", "basic", "--", "x"]) == 2
    assert main(["exec", winrm_server.host, "--port", port]) == 2


def test_https_unknown_certificate_then_pinned_then_changed(
    winrm_server_tls: LoopbackWinRM,
) -> None:
    server = winrm_server_tls
    pins = PinStore()
    settings = settings_for(server, auth="basic")
    with pytest.raises(CertificateUnknownError) as unknown:
        probe(settings, ADMIN_PASSWORD, pins)
    assert unknown.value.sha256 == (server.thumbprint_sha256 or "").lower()
    assert (
        fetch_certificate(server.host, server.port, 5).sha256
        == (server.thumbprint_sha256 or "").lower()
    )

    pins.trust(server.host, server.port, unknown.value.sha256, unknown.value.subject)
    assert probe(settings, ADMIN_PASSWORD, pins).hostname == "NANO1"
    assert probe(settings.replace(auth="ntlm"), ADMIN_PASSWORD, pins).hostname == "NANO1"

    server.replace_certificate()
    with pytest.raises(CertificateChangedError, match="CHANGED") as changed:
        probe(settings, ADMIN_PASSWORD, pins)
    assert changed.value.expected == unknown.value.sha256
    assert changed.value.actual == (server.thumbprint_sha256 or "").lower()
    assert pins.get(server.host, server.port) == unknown.value.sha256  # never replaced silently


def test_pin_in_settings_is_honoured(winrm_server_tls: LoopbackWinRM) -> None:
    server = winrm_server_tls
    assert server.thumbprint_sha256 is not None
    settings = settings_for(server, auth="basic", cert_pin_sha256=server.thumbprint_sha256)
    assert run_command(settings, ADMIN_PASSWORD, ["hostname"]).stdout.strip() == "NANO1"
    wrong = settings.replace(cert_pin_sha256="00" * 32)
    with pytest.raises(CertificateChangedError):
        run_command(wrong, ADMIN_PASSWORD, ["hostname"])


def test_console_cli_reads_commands_from_stdin(winrm_server: LoopbackWinRM) -> None:
    env = {**os.environ, "NANOSTUDIO_REMOTE_PASSWORD": ADMIN_PASSWORD}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nanostudio",
            "console",
            winrm_server.host,
            "--port",
            str(winrm_server.port),
        ],
        input="$x = 3\n$x\ncd C:\\Windows\nGet-Nothing\nexit\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "3" in result.stdout.split()
    assert "[127.0.0.1]: PS C:\\Windows> " in result.stdout
    assert "The term 'Get-Nothing' is not recognized" in result.stderr
    assert ADMIN_PASSWORD not in result.stdout + result.stderr
