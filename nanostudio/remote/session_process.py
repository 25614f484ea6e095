"""A ``PsrpSession`` in a child process, for the GUI.

The session parses every PSRP message in Python and in C calls that hold the GIL
(pypsrp's HTTP and decryption, psrpcore's XML deserialisation); in the GUI process that
starves the GUI thread for 100–300 ms at a time while output floods in.
In a child process (spawned, no Qt in it) that work runs on the other core, and the
GUI's worker thread only unpickles batches of ready-made events.

The settings and the password travel over the pipe, never on a command line.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from nanostudio.errors import RemoteError
from nanostudio.remote.errors import SessionLostError
from nanostudio.remote.events import (
    CommandFinished,
    Completion,
    EventSink,
    PromptHandler,
    PromptReply,
    PromptRequest,
    SessionEvent,
)
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.secret import Secret, environment_without_secrets

log = logging.getLogger(__name__)

BATCH_EVENTS = 1000  # events per message from the child…
BATCH_SECONDS = 0.03  # …or sooner when output trickles
START_TIMEOUT_S = 60.0


# -- child side ---------------------------------------------------------------------
class _ChildLink:
    """The child's end: batches events, asks the parent to answer prompts."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: list[SessionEvent] = []
        self.last_send = time.monotonic()

    def sink(self, event: SessionEvent) -> None:
        self.pending.append(event)
        now = time.monotonic()
        if len(self.pending) >= BATCH_EVENTS or now - self.last_send >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.conn.send(("events", self.pending))
            self.pending = []
        self.last_send = time.monotonic()

    def ask(self, request: PromptRequest) -> PromptReply | None:
        self.flush()
        self.conn.send(("prompt", request))
        kind, reply = self.conn.recv()
        if kind != "reply":
            raise RuntimeError(f"expected a prompt reply, got {kind!r}")
        return reply if isinstance(reply, PromptReply) else None


def _watch_stop(stop: Any, session: Any) -> None:
    while True:
        stop.wait()
        stop.clear()
        session.stop()


def child_main(conn: Connection, stop: Any) -> None:
    """Entry point of the child process: serve requests until "close" or a closed pipe."""
    from nanostudio.remote.pinning import PinStore
    from nanostudio.remote.psrp_session import PsrpSession

    link = _ChildLink(conn)
    kind, settings, password = conn.recv()
    if kind != "init":
        return
    session = PsrpSession(settings, password, prompt_handler=link.ask, pins=PinStore())
    del password
    threading.Thread(target=_watch_stop, args=(stop, session), daemon=True).start()
    while True:
        try:
            request = conn.recv()
        except EOFError:
            break
        name = request[0]
        try:
            result: Any = None
            if name == "open":
                session.open()
            elif name == "run":
                result = session.run(request[1], link.sink)
                link.flush()
            elif name == "complete":
                result = session.complete(request[1], request[2])
            elif name == "reconnect":
                session.reconnect()
            elif name == "keep_alive":
                session.keep_alive()
            elif name == "close":
                session.close()
                conn.send(("ok", None, session.location))
                break
            conn.send(("ok", result, session.location))
        except RemoteError as error:
            link.flush()
            conn.send(("error", isinstance(error, SessionLostError), str(error)))
        except Exception:  # a bug: keep the child alive, tell the parent what happened
            link.flush()
            conn.send(("error", True, "internal error in the session:\n" + traceback.format_exc()))


# -- parent side --------------------------------------------------------------------
class ProcessSession:
    """The ``ConsoleSession`` API, served by a ``PsrpSession`` in a child process.

    Like ``PsrpSession``: blocking calls from one thread, ``stop()`` from any thread.
    """

    def __init__(self, settings: ConnectionSettings, password: str) -> None:
        settings.check()
        self.settings = settings
        self.location = ""
        self._prompt_handler: PromptHandler | None = None
        context = multiprocessing.get_context("spawn")  # never fork a process running Qt
        self._stop = context.Event()
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=child_main, args=(child_conn, self._stop), name="nanostudio-psrp", daemon=True
        )
        # The password goes through the pipe only, never the child's environment.
        with environment_without_secrets([Secret(password)]):
            self._process.start()
        child_conn.close()
        self._conn.send(("init", settings, password))

    def __repr__(self) -> str:
        return f"ProcessSession({self.settings.user}@{self.settings.endpoint})"

    def set_prompt_handler(self, handler: PromptHandler | None) -> None:
        self._prompt_handler = handler

    def _call(self, request: tuple[Any, ...], sink: EventSink | None = None) -> Any:
        try:
            self._conn.send(request)
            while True:
                if not self._conn.poll(START_TIMEOUT_S if request[0] == "open" else None):
                    raise SessionLostError("The session process did not answer.")
                message = self._conn.recv()
                kind = message[0]
                if kind == "events":
                    put_many = getattr(sink, "put_many", None)
                    if put_many is not None:  # a sink that takes a batch under one lock
                        put_many(message[1])
                    elif sink is not None:
                        for event in message[1]:
                            sink(event)
                elif kind == "prompt":
                    handler = self._prompt_handler
                    reply = handler(message[1]) if handler is not None else None
                    self._conn.send(("reply", reply))
                elif kind == "ok":
                    self.location = message[2]
                    return message[1]
                elif kind == "error":
                    error_type = SessionLostError if message[1] else RemoteError
                    raise error_type(message[2])
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError) as error:
            raise SessionLostError(f"The session process ended unexpectedly ({error}).") from error

    def open(self) -> None:
        self._call(("open",))

    def run(self, script: str, sink: EventSink) -> CommandFinished:
        result = self._call(("run", script), sink)
        assert isinstance(result, CommandFinished)
        return result

    def stop(self) -> None:
        self._stop.set()

    def complete(self, line: str, cursor: int) -> Completion:
        result = self._call(("complete", line, cursor))
        assert isinstance(result, Completion)
        return result

    def reconnect(self) -> None:
        self._call(("reconnect",))

    def keep_alive(self) -> None:
        self._call(("keep_alive",))

    def close(self) -> None:
        """Close the remote pool, then end the child process (killed if it hangs)."""
        if self._process.is_alive():
            try:
                self._call(("close",))
            except RemoteError as error:
                log.info("closing the session process: %s", error)
        self._conn.close()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
