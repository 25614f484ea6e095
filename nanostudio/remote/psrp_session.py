"""The interactive PowerShell session behind the console: one runspace kept open.

One ``RunspacePool`` with ``max_runspaces=1`` means every command runs in the same
runspace, so variables, functions and the current location persist like in a local
console. All calls block; the GUI calls them from one worker thread. Only ``stop()``
may be called from another thread: it sets a flag, and the running ``run()`` sends
the stop signal between two short receives.
"""

from __future__ import annotations

import logging
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from pypsrp import exceptions as psrp_exc
from pypsrp.complex_objects import PSInvocationState, RunspacePoolState
from pypsrp.exceptions import WSManFaultError
from pypsrp.messages import Message, MessageType, PipelineHostResponse
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from nanostudio.errors import RemoteError
from nanostudio.remote.errors import SessionLostError
from nanostudio.remote.events import (
    Completion,
    EventSink,
    Finished,
    Progress,
    PromptHandler,
    SessionEvent,
    Stream,
    StreamText,
)
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.psrp_host import ConsoleHostUI, _prop, make_host
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.remote.transport import (
    FAULT_OPERATION_TIMEOUT,
    effective_pin,
    make_wsman,
    translated,
)

log = logging.getLogger(__name__)

_RSP = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"

# The stop signal as the Windows PowerShell WinRM plugin expects it: MS-PSRP 3.1.5.3.9
# spells it "crtl_c", and the plugin compares verbatim. pypsrp 0.9's PowerShell.stop()
# sends "ctrl_c", which that plugin does not recognise, so the session sends its own.
PS_STOP_SIGNAL = "powershell/signal/crtl_c"
STOPPED_PIPELINE_GRACE_S = 10.0
# If the stop could not be sent on its own connection, the worker sends it after this.
STOP_FALLBACK_S = 3.0
# Messages handled between two explicit GIL hand-overs during a flood of output.
YIELD_EVERY = 20


def quote_ps(text: str) -> str:
    """A PowerShell single-quoted string literal (only ' needs doubling)."""
    return "'" + text.replace("'", "''").replace("\u2019", "\u2019\u2019") + "'"


def error_text(record: Any) -> list[str]:
    """An ErrorRecord the way PowerShell's console prints it: message, then category."""
    message = str(record).strip() or str(_prop(record, "message", "") or "error")
    lines = message.splitlines() or [message]
    category = _prop(record, "ErrorCategory_Message") or getattr(record, "message", None)
    fq_error = getattr(record, "fq_error", None) or _prop(record, "FullyQualifiedErrorId")
    if category:
        lines.append(f"    + CategoryInfo          : {category}")
    if fq_error:
        lines.append(f"    + FullyQualifiedErrorId : {fq_error}")
    return lines


def output_lines(value: Any) -> list[str]:
    """Pipeline output: strings when the server formatted them, else each object's ToString.

    ``Out-String -Stream`` sends one line per string; a server that sends a whole block
    ends it with a newline, which is not an extra empty line.
    """
    if value is None:
        return [""]
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


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
        self._active: tuple[RunspacePool, str] | None = None
        self._stop_delivered = threading.Event()
        self._stop_sender: threading.Thread | None = None
        # "| Out-String -Stream" makes the server format objects as its console would.
        self.format_output = format_output
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._ui = ConsoleHostUI(prompt_handler, on_cancel=self._stop.set)
        self._wsman: WSMan | None = None
        self._pool: RunspacePool | None = None
        self.location = ""
        self.last_activity = time.monotonic()

    def __repr__(self) -> str:
        return f"PsrpSession({self.settings.user}@{self.settings.endpoint})"

    # -- lifecycle ------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._pool is not None and self._pool.state == RunspacePoolState.OPENED

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
                pool = RunspacePool(
                    wsman, host=make_host(self._ui), min_runspaces=1, max_runspaces=1
                )
                try:
                    pool.open()
                except BaseException:
                    wsman.close()
                    raise
            self._wsman, self._pool = wsman, pool
            self.last_activity = time.monotonic()
            self.location = self._query_location()

    def close(self) -> None:
        """Close the pool on the server (best effort: it may already be gone)."""
        with self._lock:
            pool, wsman = self._pool, self._wsman
            self._pool = self._wsman = None
            if pool is not None:
                try:
                    with translated(self.settings, self.pin):
                        pool.close()
                except Exception as error:  # closing a dead session may fail any way
                    log.info("closing the runspace pool failed: %s", error)
            if wsman is not None:
                wsman.close()

    def reconnect(self) -> None:
        """A new pool: after a server restart the old one no longer exists."""
        with self._lock:
            self.close()
            self.open()

    def set_prompt_handler(self, handler: PromptHandler | None) -> None:
        self._ui.prompt_handler = handler

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

    def _send_stop(self, pool: RunspacePool, command_id: str) -> None:
        pin = self.pin
        try:
            with translated(self.settings, pin):
                wsman = make_wsman(self.settings, self._password, pin)
                try:
                    body = ET.Element(f"{{{_RSP}}}Signal", attrib={"CommandId": command_id})
                    ET.SubElement(body, f"{{{_RSP}}}Code").text = PS_STOP_SIGNAL
                    selectors = pool.shell._selector_set
                    wsman.signal(pool.shell.resource_uri, body, selector_set=selectors)
                finally:
                    wsman.close()
        except RemoteError as error:
            log.info("stop on a second connection failed (%s); the session will send it", error)
            return
        self._stop_delivered.set()

    def run(self, script: str, sink: EventSink) -> Finished:
        """Run ``script`` and report every stream to ``sink`` as it arrives."""
        with self._lock:
            pool = self._require_pool()
            ps = PowerShell(pool)
            ps.add_script(script)
            if self.format_output:
                ps.add_cmdlet("Out-String").add_parameter("Stream", True)
            self._ui.sink = sink
            stopped = False
            had_errors = False
            try:
                with self._on_pool():
                    ps.begin_invoke()
                    command_id = str(ps.id).upper()
                    self._active = (pool, command_id)
                    if self._stop.is_set():  # stop() came before the command existed
                        self.stop()
                    stop_seen_at: float | None = None
                    sent_here = False
                    while ps.state == PSInvocationState.RUNNING:
                        if self._stop.is_set():
                            stopped = True
                            now = time.monotonic()
                            stop_seen_at = stop_seen_at or now
                            if (
                                not sent_here
                                and not self._stop_delivered.is_set()
                                and now - stop_seen_at > STOP_FALLBACK_S
                            ):
                                pool.shell.signal(PS_STOP_SIGNAL, command_id)
                                sent_here = True
                            if now - stop_seen_at > STOPPED_PIPELINE_GRACE_S:
                                log.warning("the server did not confirm the stop; leaving it")
                                pool.pipelines.pop(ps.id, None)
                                break
                        timeout = 2 if stopped else self.poll_timeout_s
                        had_errors |= self._poll(pool, ps, sink, timeout)
            finally:
                self._active = None
                sender, self._stop_sender = self._stop_sender, None
                if sender is not None:
                    sender.join(self.settings.timeout_s)
                self._stop_delivered.clear()
                self._stop.clear()
                self._ui.flush()
                self._ui.sink = None
                self.last_activity = time.monotonic()
            stopped = stopped or ps.state == PSInvocationState.STOPPED
            had_errors = had_errors or bool(ps.had_errors) or ps.state == PSInvocationState.FAILED
            self.location = self._query_location() or self.location
            return Finished(location=self.location, had_errors=had_errors, stopped=stopped)

    def _poll(
        self,
        pool: RunspacePool,
        ps: PowerShell,
        sink: EventSink,
        timeout: int,
        keep_output: bool = False,
    ) -> bool:
        """One receive; events go to ``sink`` in the order the server sent them."""
        try:
            raw = pool.shell.receive("stdout", command_id=ps._command_id, timeout=timeout)[2][
                "stdout"
            ]
        except WSManFaultError as fault:
            if fault.code == FAULT_OPERATION_TIMEOUT:
                return False
            raise
        had_errors = False
        for number, message in enumerate(pool._fragmenter.defragment(raw), 1):
            had_errors |= self._dispatch(pool, ps, message, sink, keep_output)
            if number % YIELD_EVERY == 0:
                time.sleep(0)  # let a waiting GUI thread take the GIL now, not in 5 ms
        return had_errors

    def _dispatch(
        self,
        pool: RunspacePool,
        ps: PowerShell,
        message: Message,
        sink: EventSink,
        keep_output: bool,
    ) -> bool:
        kind = message.message_type
        data: Any = message.data
        if kind == MessageType.PIPELINE_OUTPUT:
            if keep_output:
                ps.output.append(data.data)
            else:  # a console shows output; keeping 20 MB of it in memory helps nobody
                for line in output_lines(data.data):
                    sink(StreamText(Stream.OUTPUT, line))
        elif kind == MessageType.ERROR_RECORD:
            ps._process_error_record(message)
            for line in error_text(data):
                sink(StreamText(Stream.ERROR, line))
            return True
        elif kind in _RECORD_STREAMS:
            getattr(ps, _RECORD_STREAMS[kind][1])(message)
            for line in str(data.message or "").splitlines() or [""]:
                sink(StreamText(_RECORD_STREAMS[kind][0], line))
        elif kind == MessageType.INFORMATION_RECORD:
            ps._process_information_record(message)
            tags = [str(t) for t in (data.tags or [])]
            if "PSHOST" not in tags:  # Write-Host text already came through the host UI
                for line in output_lines(data.message_data):
                    sink(StreamText(Stream.INFORMATION, line))
        elif kind == MessageType.PROGRESS_RECORD:
            ps._process_progress_record(message)
            sink(_progress(data))
        elif kind == MessageType.PIPELINE_STATE:
            errors_before = len(ps.streams.error)
            ps._process_pipeline_state(message)
            new_errors = ps.streams.error[errors_before:]
            if ps.state == PSInvocationState.FAILED:
                for record in new_errors:
                    for line in error_text(record):
                        sink(StreamText(Stream.ERROR, line))
                return True
        elif kind == MessageType.PIPELINE_HOST_CALL:
            self._ui.sink = sink
            pool._process_host_call(message, PipelineHostResponse, ps)
        elif kind == MessageType.RUNSPACEPOOL_STATE:
            pool._process_runspacepool_state(message)
        else:
            log.debug("ignoring PSRP message type %s during a command", kind)
        return False

    def complete(self, line: str, cursor: int) -> Completion:
        """Tab completion from the remote runspace (TabExpansion2), so it knows $vars and paths."""
        script = f"TabExpansion2 -inputScript {quote_ps(line)} -cursorColumn {int(cursor)}"
        results = self._query(script)
        if not results:
            return Completion(cursor, 0, ())
        result = results[0]
        matches_obj = _prop(result, "CompletionMatches", []) or []
        matches = tuple(
            str(_prop(m, "CompletionText", m)) for m in _as_list(matches_obj) if m is not None
        )
        start = int(_prop(result, "ReplacementIndex", cursor) or 0)
        length = int(_prop(result, "ReplacementLength", 0) or 0)
        return Completion(start=start, length=length, matches=matches)

    def keep_alive(self) -> None:
        """Touch the pool so an idle session is not reaped, and notice a lost one early."""
        with self._lock:
            pool = self._require_pool()
            with self._on_pool():
                try:
                    pool._receive(timeout=1)  # nothing flows now: short and lossless
                except WSManFaultError as fault:
                    if fault.code != FAULT_OPERATION_TIMEOUT:
                        raise
            self.last_activity = time.monotonic()

    # -- helpers --------------------------------------------------------------
    def _require_pool(self) -> RunspacePool:
        if self._pool is None or not self.is_open:
            raise SessionLostError(
                f"The session to {self.settings.host} is closed: reconnect to continue."
            )
        return self._pool

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
        if self._wsman is not None:
            self._wsman.close()
        self._pool = self._wsman = None

    def _query(self, script: str) -> list[Any]:
        """Run a helper pipeline and return its raw output objects (no events)."""
        with self._lock:
            pool = self._require_pool()
            ps = PowerShell(pool)
            ps.add_script(script)
            events: list[SessionEvent] = []
            with self._on_pool():
                ps.begin_invoke()
                while ps.state == PSInvocationState.RUNNING:
                    self._poll(pool, ps, events.append, self.poll_timeout_s, keep_output=True)
            self.last_activity = time.monotonic()
            return list(ps.output)

    def _query_location(self) -> str:
        output = self._query("Get-Location")
        return str(output[0]) if output else ""


_TRANSPORT_BROKEN = (
    psrp_exc.WinRMTransportError,
    psrp_exc.AuthenticationError,
    psrp_exc.FragmentError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
)

_RECORD_STREAMS: dict[int, tuple[Stream, str]] = {
    MessageType.WARNING_RECORD: (Stream.WARNING, "_process_warning_record"),
    MessageType.VERBOSE_RECORD: (Stream.VERBOSE, "_process_verbose_record"),
    MessageType.DEBUG_RECORD: (Stream.DEBUG, "_process_debug_record"),
}


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    inner = getattr(value, "value", None)
    if isinstance(inner, list):
        return inner
    return [value]


def _progress(record: Any) -> Progress:
    percent = record.percent_complete
    progress_type = getattr(record.progress_type, "value", record.progress_type)
    return Progress(
        activity=str(record.activity or ""),
        status=str(record.description or ""),
        percent=int(percent) if percent is not None and int(percent) >= 0 else None,
        completed=progress_type == 1,
        activity_id=int(record.activity_id or 0),
    )
