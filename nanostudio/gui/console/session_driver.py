"""Drives one console session as a ``gui.tasks`` task: requests in order, each blocking
session call on a worker thread.

The GUI's requests (open, run, complete, reconnect, keep-alive, close) queue up and one
coroutine serves them in order, so the session sees one call at a time, as it expects.
Output goes through ``OutputBuffer`` (drained by a GUI timer); everything else comes
back as signals on the GUI thread. A host prompt blocks the session's call until the
GUI answers it with ``answer_prompt()``. For the GUI's process, the session is usually a
``ProcessSession``: the PSRP work runs in a child process (pypsrp holds the GIL).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from nanostudio.engine.cancel import CancelToken
from nanostudio.errors import RemoteError
from nanostudio.gui.console.output_buffer import OutputBuffer
from nanostudio.gui.tasks import Task, blocking, describe, post
from nanostudio.remote.errors import SessionLostError
from nanostudio.remote.events import PromptReply, PromptRequest
from nanostudio.remote.session_api import ConsoleSession

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

SessionFactory = Callable[[], ConsoleSession]
Request = Callable[[], Coroutine[Any, Any, None]]
T = TypeVar("T")


class SessionDriver(QObject):
    """Owns the session; its methods are called on the GUI thread and never block it."""

    opened = Signal(str)  # location
    finished = Signal(object)  # CommandFinished
    completed = Signal(object, str, int)  # Completion, line, cursor it answers
    failed = Signal(str, bool)  # message, session lost
    closed = Signal()
    prompt_requested = Signal(object)  # PromptRequest

    def __init__(
        self, factory: SessionFactory, buffer: OutputBuffer, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._buffer = buffer
        self._session: ConsoleSession | None = None
        self._requests: deque[Request] = deque()
        self._wake: asyncio.Event | None = None
        self._task: Task | None = None
        self._reply_ready = threading.Event()
        self._reply: PromptReply | None = None
        self._closing = False
        self._closed = False

    # -- requests (GUI thread) -----------------------------------------------------------
    def open(self) -> None:
        self._request(self._open)

    def run(self, script: str) -> None:
        self._request(lambda: self._run(script))

    def complete(self, line: str, cursor: int) -> None:
        self._request(lambda: self._complete(line, cursor))

    def reconnect(self) -> None:
        self._request(self._reconnect)

    def keep_alive(self) -> None:
        self._request(self._keep_alive)

    def shutdown(self) -> None:
        """Unblock a waiting prompt, stop the command, then close the session; the GUI
        does not wait for it (``wait()`` does, for application exit and tests)."""
        if self._closing:
            return
        self.cancel_everything()
        if self._task is None:  # never started: nothing to close
            self.closed.emit()
            return
        self._request(self._close)

    def stop_command(self) -> None:
        """Stop the running command now (the session's stop() is thread-safe)."""
        session = self._session
        if session is not None:
            session.stop()

    def answer_prompt(self, reply: PromptReply | None) -> None:
        self._reply = reply
        self._reply_ready.set()

    def cancel_everything(self) -> None:
        """Closing: unblock a waiting prompt and stop the command."""
        self._closing = True
        self.answer_prompt(None)
        self.stop_command()

    def wait(self, ms: int) -> bool:
        """For application exit and tests: True once the session was closed."""
        return self._task is None or self._task.wait(ms)

    def _request(self, request: Request) -> None:
        self._requests.append(request)
        if self._task is None:
            self._task = Task(self._serve, self, what="the console session")
            self._task.start()
        elif self._wake is not None:
            self._wake.set()

    async def _serve(self, token: CancelToken) -> None:
        """One request at a time, in order, until the session is closed."""
        import asyncio

        self._wake = asyncio.Event()
        try:
            while True:
                while self._requests:
                    try:
                        await self._requests.popleft()()
                    except Exception as error:  # a bug: logged, and the session counts as lost
                        post(self.failed.emit, describe(error, "the console session"), True)
                    if self._closed:
                        return
                self._wake.clear()
                await self._wake.wait()
        except asyncio.CancelledError:  # the application quits
            if not self._closed:
                self.cancel_everything()
                await self._close()
            raise

    # -- worker-thread side --------------------------------------------------------------
    def _ask(self, request: PromptRequest) -> PromptReply | None:
        self._reply_ready.clear()
        if self._closing:  # checked after clear(): a close now still sets the event
            return None
        post(self.prompt_requested.emit, request)
        self._reply_ready.wait()
        return self._reply

    def _open_blocking(self) -> str:
        try:
            if self._session is None:
                self._session = self._factory()
                self._session.set_prompt_handler(self._ask)
            self._session.open()
        except RemoteError:
            session, self._session = self._session, None
            if session is not None:  # a session process that could not connect: end it now
                session.close()
            raise
        # Move everything alive now (Qt, pypsrp, the wizard) out of the garbage collector's
        # view: otherwise a full collection during a flood of output scans it all while
        # holding the GIL, and the GUI thread stalls for a few hundred milliseconds.
        gc.freeze()
        return self._session.location

    # -- the requests (coroutines on the GUI thread) -------------------------------------
    async def _call(self, call: Callable[..., T], *args: object) -> T:
        """A session call off the GUI thread; if the application quits meanwhile, the
        command is stopped and a waiting prompt answered, so the call returns."""
        return await blocking(call, *args, on_cancel=self.cancel_everything)

    def _fail(self, error: RemoteError, lost: bool | None = None) -> None:
        if lost is None:
            lost = isinstance(error, SessionLostError)
        post(self.failed.emit, str(error), lost)

    async def _open(self) -> None:
        try:
            location = await self._call(self._open_blocking)
        except RemoteError as error:
            self._fail(error, lost=True)
            return
        post(self.opened.emit, location)

    async def _run(self, script: str) -> None:
        session = self._session
        if session is None:
            post(self.failed.emit, "Not connected.", True)
            return
        try:
            result = await self._call(session.run, script, self._buffer)
        except RemoteError as error:
            self._fail(error)
            return
        post(self.finished.emit, result)

    async def _complete(self, line: str, cursor: int) -> None:
        session = self._session
        if session is None:
            return
        try:
            completion = await self._call(session.complete, line, cursor)
        except RemoteError as error:
            self._fail(error)
            return
        post(self.completed.emit, completion, line, cursor)

    async def _reconnect(self) -> None:
        session = self._session
        if session is None:
            await self._open()
            return
        try:
            await self._call(session.reconnect)
        except RemoteError as error:
            self._fail(error, lost=True)
            return
        post(self.opened.emit, session.location)

    async def _keep_alive(self) -> None:
        session = self._session
        if session is None:
            return
        try:
            await self._call(session.keep_alive)
        except RemoteError as error:
            self._fail(error)

    async def _close(self) -> None:
        session, self._session = self._session, None
        self._closed = True
        if session is not None:
            await blocking(session.close)
        post(self.closed.emit)
