"""The dialog's "Test connection": one WinRS round trip that proves every layer works."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from winrm import exceptions as winrm_exc
from winrm.protocol import Protocol

from nanostudio.remote.pinning import PinStore
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.remote.transport import effective_pin, make_protocol, translated

log = logging.getLogger(__name__)

_VERSION_RE = re.compile(r"\[Version\s+([0-9.]+)\]")


@dataclass(frozen=True)
class ConnectionReport:
    """What a successful test shows: who answered, what it runs, how fast."""

    hostname: str
    os_build: str | None
    round_trip_ms: float

    def __str__(self) -> str:
        build = self.os_build or "unknown build"
        trip = f"{self.round_trip_ms:.0f} ms"
        return f"Connected to {self.hostname} (Windows {build}), round trip {trip}"


def parse_os_build(ver_output: str) -> str | None:
    """``Microsoft Windows [Version 10.0.14393]`` → ``10.0.14393``."""
    match = _VERSION_RE.search(ver_output)
    return match.group(1) if match else None


def run_winrs(
    protocol: Protocol, shell_id: str, command: str, args: list[str]
) -> tuple[str, str, int]:
    """One command in an open WinRS shell: (stdout, stderr, exit code)."""
    command_id = protocol.run_command(shell_id, command, args)
    try:
        out, err, code = protocol.get_command_output(shell_id, command_id)
    finally:
        protocol.cleanup_command(shell_id, command_id)
    return _decode(out), _decode(err), int(code)


@contextmanager
def winrs_shell(
    settings: ConnectionSettings, password: str, pins: PinStore | None
) -> Iterator[tuple[Protocol, str]]:
    """A WinRS shell open on the host for the block, closed after; failures are RemoteErrors."""
    pin = effective_pin(settings, pins)
    with translated(settings, pin):
        protocol = make_protocol(settings, password, pin)
        shell_id = protocol.open_shell()
        try:
            yield protocol, shell_id
        finally:
            protocol.close_shell(shell_id)


def _decode(data: bytes) -> str:
    """WinRS output is in the console code page; UTF-8 first, then the usual OEM page."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp437", errors="replace")


def test_connection(
    settings: ConnectionSettings, password: str, pins: PinStore | None = None
) -> ConnectionReport:
    """Run ``hostname`` (and ``ver`` for the build) over WinRS; RemoteError on any failure."""
    with winrs_shell(settings, password, pins) as (protocol, shell_id):
        started = time.perf_counter()
        out, _err, code = run_winrs(protocol, shell_id, "hostname", [])
        round_trip_ms = (time.perf_counter() - started) * 1000
        os_build = _os_build(protocol, shell_id)
    hostname = out.strip() or settings.host
    if code != 0:
        log.warning("hostname exited with %s on %s", code, settings.host)
    return ConnectionReport(hostname=hostname, os_build=os_build, round_trip_ms=round_trip_ms)


def _os_build(protocol: Protocol, shell_id: str) -> str | None:
    """Best effort: a server that cannot run ``ver`` still passed the test."""
    try:
        out, _err, _code = run_winrs(protocol, shell_id, "cmd", ["/c", "ver"])
    except (winrm_exc.WinRMError, winrm_exc.WinRMTransportError) as error:
        log.info("could not read the OS build: %s", error)
        return None
    return parse_os_build(out)
