"""``nanostudio exec``: one command over WinRS, streamed out, its exit code returned.

Output is handed on as each Receive brings it (a long ``ping`` shows its replies as
they come). Ctrl+C (``KeyboardInterrupt``) stops the remote command the way Windows
honours it, the WinRS ``ctrl_c`` signal and then ``terminate``, and deletes the shell.
That clean-up goes over a *new* connection: the interrupted one may be half-read, and
a request on it (or on a fresh socket with its NTLM keys) is refused with HTTP 400,
which used to hide the interruption. A connection that drops while the command runs
is reported as exactly that.
"""

from __future__ import annotations

import codecs
import logging
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import xmltodict  # type: ignore[import-untyped]
from winrm import exceptions as winrm_exc
from winrm.protocol import Protocol

from nanostudio.errors import RemoteError
from nanostudio.remote.errors import SessionLostError
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.remote.transport import effective_pin, make_protocol, translated

log = logging.getLogger(__name__)

SIGNAL_CTRL_C = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c"
SIGNAL_TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate"
_RESOURCE_CMD = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
_ACTION_SIGNAL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
CLEANUP_TIMEOUT_S = 5.0
EXIT_INTERRUPTED = 130

Output = Callable[[str, str], None]  # (stream name "stdout" or "stderr", text)


@dataclass(frozen=True)
class CommandResult:
    stdout: str
    stderr: str
    exit_code: int


class CommandInterrupted(RemoteError):
    """Ctrl+C during ``exec``: the message says whether the remote side was stopped."""

    exit_code = EXIT_INTERRUPTED


def winrs_arguments(argv: Sequence[str]) -> tuple[str, list[str]]:
    """Program and its arguments, each quoted the way Windows programs parse them (MSVCRT)."""
    return argv[0], [subprocess.list2cmdline([arg]) for arg in argv[1:]]


class StreamDecoder:
    """WinRS output in chunks: UTF-8 (a character split across chunks is kept for the
    next one) until a chunk is not UTF-8, then the console's OEM page for the rest."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._oem = False

    def decode(self, data: bytes, final: bool = False) -> str:
        if not self._oem:
            try:
                return self._utf8.decode(data, final)
            except UnicodeDecodeError:
                pending, _ = self._utf8.getstate()
                self._oem = True
                data = pending + data
        return data.decode("cp437", errors="replace")


def run_command(
    settings: ConnectionSettings,
    password: str,
    argv: Sequence[str],
    pins: PinStore | None = None,
) -> CommandResult:
    """Run ``argv`` in a fresh WinRS shell on the host; RemoteError when it cannot run."""
    out: list[str] = []
    err: list[str] = []

    def collect(stream: str, text: str) -> None:
        (out if stream == "stdout" else err).append(text)

    code = stream_command(settings, password, argv, collect, pins=pins)
    return CommandResult(stdout="".join(out), stderr="".join(err), exit_code=code)


def stream_command(
    settings: ConnectionSettings,
    password: str,
    argv: Sequence[str],
    output: Output,
    pins: PinStore | None = None,
) -> int:
    """Run ``argv`` in a fresh WinRS shell, calling ``output`` as text arrives; its exit code.

    ``CommandInterrupted`` (exit code 130) on Ctrl+C, after the remote command was sent
    ``ctrl_c`` and ``terminate`` and the shell deleted; ``SessionLostError`` when the
    connection drops while the command runs; other failures are ``RemoteError``s.
    """
    if not argv:
        raise ValueError("no command given")
    program, args = winrs_arguments(argv)
    pin = effective_pin(settings, pins)
    shell_id: str | None = None
    command_id: str | None = None
    decoders = {"stdout": StreamDecoder(), "stderr": StreamDecoder()}
    try:
        with translated(settings, pin):
            protocol = make_protocol(settings, password, pin)
            shell_id = protocol.open_shell()
            command_id = protocol.run_command(shell_id, program, args)
            code = _receive_all(protocol, shell_id, command_id, decoders, output)
            finished_id, command_id = command_id, None
            protocol.cleanup_command(shell_id, finished_id)
            closing, shell_id = shell_id, None
            protocol.close_shell(closing)
            return code
    except KeyboardInterrupt:
        if shell_id is None:
            raise CommandInterrupted("Interrupted before the command started.") from None
        stopped = _stop_remote(settings, password, pin, shell_id, command_id)
        where = f"{settings.host}:{settings.port}"
        if stopped:
            raise CommandInterrupted(
                f"Interrupted: the command on {where} was sent Ctrl+C and stopped, and its "
                "shell deleted."
            ) from None
        raise CommandInterrupted(
            f"Interrupted, but {where} could not be reached to stop the command: it may "
            "still be running there (its shell ends when WinRM's idle timeout expires)."
        ) from None
    except SessionLostError as error:
        if shell_id is not None and command_id is not None:
            _stop_remote(settings, password, pin, shell_id, command_id)
            raise SessionLostError(
                f"The connection to {settings.host}:{settings.port} was lost while the "
                f"command ran; it may not have finished there. ({error})"
            ) from None
        raise


def _receive_all(
    protocol: Protocol,
    shell_id: str,
    command_id: str,
    decoders: dict[str, StreamDecoder],
    output: Output,
) -> int:
    while True:
        try:
            out, err, code, done = protocol.get_command_output_raw(shell_id, command_id)
        except winrm_exc.WinRMOperationTimeoutError:
            continue  # the long-poll ended with nothing new: ask again
        for stream, data in (("stdout", out), ("stderr", err)):
            text = decoders[stream].decode(data, final=done)
            if text:
                output(stream, text)
        if done:
            return code


def _stop_remote(
    settings: ConnectionSettings,
    password: str,
    pin: str | None,
    shell_id: str,
    command_id: str | None,
) -> bool:
    """Ctrl+C, then terminate, the command, and delete the shell, on a new connection.

    Best effort within a short timeout (a second Ctrl+C abandons it); True when the
    shell was deleted.
    """
    quick = settings.replace(timeout_s=min(settings.timeout_s, CLEANUP_TIMEOUT_S))
    try:
        with translated(quick, pin):
            protocol = make_protocol(quick, password, pin)
            if command_id is not None:
                for code in (SIGNAL_CTRL_C, SIGNAL_TERMINATE):
                    try:
                        _signal(protocol, shell_id, command_id, code)
                    except (winrm_exc.WinRMError, winrm_exc.WinRMTransportError) as error:
                        # The command may already have ended with the first signal.
                        log.debug("signal %s: %s", code.rsplit("/", 1)[-1], error)
            protocol.close_shell(shell_id)
    except (RemoteError, KeyboardInterrupt) as error:
        log.debug("could not stop the remote command: %s", error)
        return False
    return True


def _signal(protocol: Protocol, shell_id: str, command_id: str, code: str) -> None:
    """A WinRS Signal (MS-WSMV 3.1.4.12); pywinrm only ever sends ``terminate``."""
    envelope = protocol.build_wsman_header(
        resource_uri=_RESOURCE_CMD, action=_ACTION_SIGNAL, shell_id=shell_id
    )
    signal = envelope.setdefault("env:Body", {}).setdefault("rsp:Signal", {})
    signal["@CommandId"] = command_id
    signal["rsp:Code"] = code
    protocol.send_message(xmltodict.unparse({"env:Envelope": envelope}))
