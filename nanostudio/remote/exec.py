"""``nanostudio exec``: one command over WinRS, streamed out, its exit code returned."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from nanostudio.remote.pinning import PinStore
from nanostudio.remote.probe import run_winrs, winrs_shell
from nanostudio.remote.settings import ConnectionSettings


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
    program, args = winrs_arguments(argv)
    with winrs_shell(settings, password, pins) as (protocol, shell_id):
        out, err, code = run_winrs(protocol, shell_id, program, args)
    return CommandResult(stdout=out, stderr=err, exit_code=code)
