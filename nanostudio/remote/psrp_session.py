"""The interactive PowerShell session behind the console: one runspace kept open.

One runspace pool with ``max_runspaces=1`` means every command runs in the same
runspace, so variables, functions and the current location persist like in a local
console. The protocol state lives in psrpcore's sans-IO ``ClientRunspacePool`` and
``ClientPowerShell``; ``PsrpShell`` carries their messages over pypsrp's public WS-Man
calls. All calls block; the GUI calls them from one worker thread. Only ``stop()`` may
be called from another thread: it sends the stop signal on a connection of its own.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psrpcore
import requests
from psrpcore.types import PSInvocationState, RunspacePoolState
from pypsrp import exceptions as psrp_exc
from pypsrp.exceptions import WSManFaultError

from nanostudio.errors import RemoteError
from nanostudio.remote.errors import RemoteProtocolError, SessionLostError
from nanostudio.remote.events import (
    CommandFinished,
    Completion,
    EventSink,
    PromptHandler,
    SessionEvent,
    Stream,
    StreamText,
)
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.psrp_host import ConsoleHost, host_info
from nanostudio.remote.psrp_plain_output import split
from nanostudio.remote.psrp_records import (
    completion,
    completion_script,
    error_text,
    output_lines,
    progress_record,
)
from nanostudio.remote.psrp_shell import (
    PS_RESOURCE_URI,
    PsrpShell,
    command_id,
    shell_selectors,
    signal_body,
)
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.remote.transport import (
    FAULT_OPERATION_TIMEOUT,
    effective_pin,
    make_wsman,
    translated,
)

log = logging.getLogger(__name__)

# The stop signal as the Windows PowerShell WinRM plugin expects it: MS-PSRP 3.1.5.3.9
# spells it "crtl_c", and the plugin compares verbatim. pypsrp 0.9's PowerShell.stop()
# sends "ctrl_c", which that plugin does not recognise, so the session sends its own.
PS_STOP_SIGNAL = "powershell/signal/crtl_c"
STOPPED_PIPELINE_GRACE_S = 10.0
# If the stop could not be sent on its own connection, the worker sends it after this.
STOP_FALLBACK_S = 3.0
# Pool-level waits (opening, the session key) give up after this many receives' time.
POOL_WAIT_ROUNDS = 3


@dataclass
class _Command:
    """The pipeline whose events are being handled, and where they go."""

    ps: psrpcore.ClientPowerShell
    sink: EventSink
    keep_output: bool = False  # helper queries keep the objects; a console shows lines
    output: list[Any] = field(default_factory=list)
    had_errors: bool = False


class PsrpSession:
    """An open PowerShell session on one host (see the module docstring for threading)."""

    def __init__(
        self,
        settings: ConnectionSettings,
        password: str,
        *,
        prompt_handler: PromptHandler | None = None,
        pins: PinStore | None = None,
        poll_timeout_s: int = 10,
        format_output: bool = True,
    ) -> None:
        self.settings = settings
        self._password = password
        self._pins = pins
        # How long one receive may wait for output. A receive that times out on the HTTP
        # side is retried by pypsrp and its data lost, so this errs on the long side;
        # stop() does not wait for it (it signals on a connection of its own).
        self.poll_timeout_s = poll_timeout_s
        self._active: tuple[str, uuid.UUID] | None = None  # (ShellId, pipeline) running now
        self._stop_delivered = threading.Event()
        self._stop_sender: threading.Thread | None = None
        # "| Out-String -Stream" makes the server format objects as its console would.
        self.format_output = format_output
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._host = ConsoleHost(prompt_handler, on_cancel=self.stop, session_key=self._session_key)
        self._shell: PsrpShell | None = None
        self._command: _Command | None = None
        self._key_ready = False
        self.location = ""
        self.last_activity = time.monotonic()

    def __repr__(self) -> str:
        return f"PsrpSession({self.settings.user}@{self.settings.endpoint})"

    # -- lifecycle ------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._shell is not None and self._shell.pool.state == RunspacePoolState.Opened

    @property
    def pin(self) -> str | None:
        return effective_pin(self.settings, self._pins)

    def open(self) -> None:
        """Open the runspace pool (and learn the starting location for the prompt)."""
        with self._lock:
            if self.is_open:
                return
            pin = self.pin
            with translated(self.settings, pin):
                wsman = make_wsman(self.settings, self._password, pin)
                pool = psrpcore.ClientRunspacePool(
                    host=host_info(), min_runspaces=1, max_runspaces=1
                )
                shell = PsrpShell(wsman, pool)
                try:
                    pool.open()
                    shell.create()
                    self._key_ready = False
                    self._wait_pool(shell, lambda: pool.state != RunspacePoolState.Opening)
                    if pool.state != RunspacePoolState.Opened:
                        raise RemoteProtocolError(
                            f"{self.settings.host} did not open the PowerShell session "
                            f"(it is {pool.state.name})."
                        )
                    shell.use_large_envelopes()
                except BaseException:
                    wsman.close()
                    raise
            self._shell = shell
            self.last_activity = time.monotonic()
            self.location = self._query_location()

    def close(self) -> None:
        """Close the pool on the server (best effort: it may already be gone)."""
        with self._lock:
            shell, self._shell = self._shell, None
            if shell is None:
                return
            try:
                with translated(self.settings, self.pin):
                    shell.delete()
            except Exception as error:  # closing a dead session may fail any way
                log.info("closing the runspace pool failed: %s", error)
            finally:
                shell.wsman.close()

    def reconnect(self) -> None:
        """A new pool: after a server restart the old one no longer exists."""
        with self._lock:
            self.close()
            self.open()

    def set_prompt_handler(self, handler: PromptHandler | None) -> None:
        self._host.prompt_handler = handler

    # -- commands -------------------------------------------------------------
    def stop(self) -> None:
        """Ask the running command to stop (any thread, never blocks); ``run()`` returns soon.

        The signal goes out at once on a second connection (the first one is busy in a
        receive). A stop that arrives just before ``run()`` started still applies to that
        command; the request is cleared when a command ends.
        """
        self._stop.set()
        active = self._active
        if active is not None and self._stop_sender is None:
            sender = threading.Thread(
                target=self._send_stop, args=active, name="psrp-stop", daemon=True
            )
            self._stop_sender = sender
            sender.start()

    def _send_stop(self, shell_id: str, pipeline_id: uuid.UUID) -> None:
        pin = self.pin
        try:
            with translated(self.settings, pin):
                wsman = make_wsman(self.settings, self._password, pin)
                try:
                    body = signal_body(command_id(pipeline_id), PS_STOP_SIGNAL)
                    wsman.signal(PS_RESOURCE_URI, body, selector_set=shell_selectors(shell_id))
                finally:
                    wsman.close()
        except RemoteError as error:
            log.info("stop on a second connection failed (%s); the session will send it", error)
            return
        self._stop_delivered.set()

    def run(self, script: str, sink: EventSink) -> CommandFinished:
        """Run ``script`` and report every stream to ``sink`` as it arrives."""
        with self._lock:
            shell = self._require_shell()
            ps = psrpcore.ClientPowerShell(shell.pool)
            ps.add_script(script)
            if self.format_output:
                ps.add_command("Out-String").add_parameter("Stream", True)
            command = _Command(ps, sink)
            self._host.sink = sink
            stopped = False
            try:
                with self._on_pool():
                    self._start(shell, command)
                    self._active = (shell.shell_id, ps.pipeline_id)
                    if self._stop.is_set():  # stop() came before the command existed
                        self.stop()
                    stopped = self._follow(shell, command)
            finally:
                self._end(command)
                sender, self._stop_sender = self._stop_sender, None
                if sender is not None:
                    sender.join(self.settings.timeout_s)
                self._stop_delivered.clear()
                self._stop.clear()
                self._host.flush()
                self._host.sink = None
            stopped = stopped or ps.state == PSInvocationState.Stopped
            had_errors = command.had_errors or ps.state == PSInvocationState.Failed
            self.location = self._query_location() or self.location
            return CommandFinished(location=self.location, had_errors=had_errors, stopped=stopped)

    def _follow(self, shell: PsrpShell, command: _Command) -> bool:
        """Receive until the pipeline ends; True if a stop was asked for on the way."""
        ps = command.ps
        stopped = False
        stop_seen_at: float | None = None
        sent_here = False
        while ps.state in (PSInvocationState.Running, PSInvocationState.Stopping):
            if self._stop.is_set():
                stopped = True
                now = time.monotonic()
                stop_seen_at = stop_seen_at or now
                if (
                    not sent_here
                    and not self._stop_delivered.is_set()
                    and now - stop_seen_at > STOP_FALLBACK_S
                ):
                    shell.signal(ps.pipeline_id, PS_STOP_SIGNAL)
                    sent_here = True
                if now - stop_seen_at > STOPPED_PIPELINE_GRACE_S:
                    log.warning("the server did not confirm the stop; leaving it")
                    break
            if self._receive(shell, ps.pipeline_id, 2 if stopped else self.poll_timeout_s):
                break
        return stopped

    # -- the receive side -----------------------------------------------------
    def _receive(self, shell: PsrpShell, target: uuid.UUID | None, timeout: int) -> bool:
        """One receive for the pool or a pipeline, every event handled; True if it ended.

        Events are handled in the order the server sent them, whichever receive pulled
        them in (a key exchange during a prompt receives on the pool mid-pipeline).
        """
        try:
            received = shell.receive(target, timeout)
        except WSManFaultError as fault:
            if fault.code == FAULT_OPERATION_TIMEOUT:
                return False
            raise
        pool = shell.pool
        command = self._command
        plain_lines_of = (
            command.ps.pipeline_id if command is not None and not command.keep_output else None
        )
        for chunk in received.chunks:
            # A console's plain output lines skip psrpcore's deserialiser (see
            # psrp_plain_output); everything else reaches psrpcore in the same order.
            parts = split(chunk, plain_lines_of) if plain_lines_of is not None else (chunk,)
            for part in parts:
                if isinstance(part, str):
                    self._output_text(part)
                    continue
                pool.receive_data(psrpcore.PSRPPayload(part, psrpcore.StreamType.default, target))
                while (event := pool.next_event()) is not None:
                    self._handle(shell, event)
        shell.send_pending()  # e.g. the public key, when the server asked for one
        ended = received.done and target is not None
        command = self._command
        if ended and command is not None and command.ps.state == PSInvocationState.Running:
            log.info("the server ended the command without a final state")
        return ended

    def _handle(self, shell: PsrpShell, event: psrpcore.PSRPEvent[Any, Any]) -> None:
        command = self._command
        if isinstance(event, psrpcore.EncryptedSessionKeyEvent):
            self._key_ready = True
        elif isinstance(event, psrpcore.RunspacePoolHostCallEvent):
            self._host.handle(event, shell.pool)
            shell.send_pending()
        elif command is None or event.pipeline_id != command.ps.pipeline_id:
            log.debug("ignoring %s outside its command", type(event).__name__)
        elif isinstance(event, psrpcore.PipelineOutputEvent):
            if command.keep_output:
                command.output.append(event.data)
            else:  # a console shows output; keeping 20 MB of it in memory helps nobody
                self._output_text(event.data)
        elif isinstance(event, psrpcore.ErrorRecordEvent):
            command.had_errors = True
            for line in error_text(event.record):
                command.sink(StreamText(Stream.ERROR, line))
        elif isinstance(event, _RECORD_EVENTS):
            stream = _RECORD_STREAMS[type(event)]
            for line in str(event.record.Message or "").splitlines() or [""]:
                command.sink(StreamText(stream, line))
        elif isinstance(event, psrpcore.InformationRecordEvent):
            record = event.record
            tags = [str(t) for t in (record.Tags or [])]
            if "PSHOST" not in tags:  # Write-Host text already came through the host UI
                for line in output_lines(record.MessageData):
                    command.sink(StreamText(Stream.INFORMATION, line))
        elif isinstance(event, psrpcore.ProgressRecordEvent):
            command.sink(progress_record(event.record))
        elif isinstance(event, psrpcore.PipelineStateEvent):
            if event.state == PSInvocationState.Failed:
                command.had_errors = True
                if event.reason is not None:
                    for line in error_text(event.reason):
                        command.sink(StreamText(Stream.ERROR, line))
        elif isinstance(event, psrpcore.PipelineHostCallEvent):
            self._host.sink = command.sink
            self._host.handle(event, command.ps)
            shell.send_pending()  # the server waits for the answer
        else:
            log.debug("ignoring PSRP event %s during a command", type(event).__name__)

    def _output_text(self, value: Any) -> None:
        command = self._command
        if command is not None:
            for line in output_lines(value):
                command.sink(StreamText(Stream.OUTPUT, line))

    def _session_key(self) -> None:
        """Make sure the pool holds the session key (a SecureString is about to be sent)."""
        shell = self._shell
        if self._key_ready or shell is None:
            return
        shell.pool.exchange_key()  # nothing new if the exchange is already under way
        shell.send_pending()
        self._wait_pool(shell, lambda: self._key_ready)

    def _wait_pool(self, shell: PsrpShell, done: Callable[[], bool]) -> None:
        """Receive on the pool until ``done()``; a server that stays silent is an error."""
        timeout = max(1, min(self.poll_timeout_s, int(self.settings.timeout_s)))
        deadline = time.monotonic() + POOL_WAIT_ROUNDS * max(timeout, self.settings.timeout_s)
        while not done():
            if time.monotonic() > deadline:
                raise RemoteProtocolError(
                    f"{self.settings.host} did not answer the PowerShell session in time."
                )
            self._receive(shell, None, timeout)

    def complete(self, line: str, cursor: int) -> Completion:
        """Tab completion from the remote runspace (TabExpansion2), so it knows $vars and paths."""
        results = self._query(completion_script(line, cursor))
        return completion(results[0] if results else None, cursor)

    def keep_alive(self) -> None:
        """Touch the pool so an idle session is not reaped, and notice a lost one early."""
        with self._lock:
            shell = self._require_shell()
            with self._on_pool():
                self._receive(shell, None, 1)  # nothing flows now: short and lossless
                if not self.is_open:
                    raise SessionLostError(
                        f"{self.settings.host} closed the PowerShell session: reconnect to "
                        "start a new one."
                    )
            self.last_activity = time.monotonic()

    # -- helpers --------------------------------------------------------------
    def _require_shell(self) -> PsrpShell:
        if self._shell is None or not self.is_open:
            raise SessionLostError(
                f"The session to {self.settings.host} is closed: reconnect to continue."
            )
        return self._shell

    def _start(self, shell: PsrpShell, command: _Command) -> None:
        self._command = command
        command.ps.start()
        shell.command(command.ps)

    def _end(self, command: _Command) -> None:
        """Forget the pipeline locally (the server ends it by itself, or was told to stop)."""
        self._active = None
        self._command = None
        ps = command.ps
        if ps.state == PSInvocationState.Running:
            ps.begin_stop()  # abandoned: a stop the server never confirmed, or a lost session
        if ps.state != PSInvocationState.Running:
            ps.close()
        self.last_activity = time.monotonic()

    @contextmanager
    def _on_pool(self) -> Iterator[None]:
        """Calls on an open pool: a broken transport means the session is gone.

        After a server restart the old authentication and encryption context is dead
        too, so HTTP errors, 401s and cut connections all mean "reconnect", not "wrong
        password"; the pool is forgotten and ``SessionLostError`` says so.
        """
        try:
            with translated(self.settings, self.pin):
                try:
                    yield
                except _TRANSPORT_BROKEN as error:
                    log.info("session transport broke: %r", error)
                    raise SessionLostError(
                        f"The connection to {self.settings.host} was lost (was the VM "
                        "restarted, or the network cut?): reconnect to start a new session."
                    ) from error
        except SessionLostError:
            self._forget_pool()
            raise

    def _forget_pool(self) -> None:
        if self._shell is not None:
            self._shell.wsman.close()
        self._shell = None

    def _query(self, script: str) -> list[Any]:
        """Run a helper pipeline and return its raw output objects (no events)."""
        with self._lock:
            shell = self._require_shell()
            ps = psrpcore.ClientPowerShell(shell.pool)
            ps.add_script(script)
            events: list[SessionEvent] = []
            command = _Command(ps, events.append, keep_output=True)
            try:
                with self._on_pool():
                    self._start(shell, command)
                    while ps.state == PSInvocationState.Running:
                        if self._receive(shell, ps.pipeline_id, self.poll_timeout_s):
                            break
            finally:
                self._end(command)
            return command.output

    def _query_location(self) -> str:
        output = self._query("Get-Location")
        return str(output[0]) if output else ""


_TRANSPORT_BROKEN = (
    psrp_exc.WinRMTransportError,
    psrp_exc.AuthenticationError,
    psrpcore.PSRPCoreError,  # garbled or out-of-order PSRP data: this session is done
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
)

_RECORD_EVENTS = (
    psrpcore.WarningRecordEvent,
    psrpcore.VerboseRecordEvent,
    psrpcore.DebugRecordEvent,
)
_RECORD_STREAMS: dict[type, Stream] = {
    psrpcore.WarningRecordEvent: Stream.WARNING,
    psrpcore.VerboseRecordEvent: Stream.VERBOSE,
    psrpcore.DebugRecordEvent: Stream.DEBUG,
}
