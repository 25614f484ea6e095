"""``nanostudio exec``: one command over WinRS, streamed out, its exit code returned."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from nanostudio.remote.pinning import PinStore
from nanostudio.remote.probe import run_winrs
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.remote.transport import effective_pin, make_protocol, translated


@dataclass(frozen=True)
class CommandResult:
    stdout: str
    stderr: str
    exit_code: int


def winrs_arguments(argv: Sequence[str]) -> tuple[str, list[str]]:
    """Program and its arguments, each quoted the way Windows programs parse them (MSVCRT)."""
    return argv[0], [subprocess.list2cmdline([arg]) for arg in argv[1:]]


def run_command(
    settings: ConnectionSettings,
    password: str,
    argv: Sequence[str],
    pins: PinStore | None = None,
) -> CommandResult:
    """Run ``argv`` in a fresh WinRS shell on the host; RemoteError when it cannot run."""
    if not argv:
        raise ValueError("no command given")
    pin = effective_pin(settings, pins)
    with translated(settings, pin):
        protocol = make_protocol(settings, password, pin)
        shell_id = protocol.open_shell()
        try:
            program, args = winrs_arguments(argv)
            out, err, code = run_winrs(protocol, shell_id, program, args)
        finally:
            protocol.close_shell(shell_id)
    return CommandResult(stdout=out, stderr=err, exit_code=code)
