"""Runs the blocking session on its own QThread; the GUI talks to it by queued signals.

Output goes through ``OutputBuffer`` (drained by a GUI timer); everything else comes
back as signals, delivered in the GUI thread. A host prompt blocks the worker until
the GUI answers it with ``answer_prompt()``.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from nanostudio.errors import RemoteError
from nanostudio.gui.console.output_buffer import OutputBuffer
from nanostudio.remote.errors import SessionLostError
from nanostudio.remote.events import CommandFinished, Completion, PromptReply, PromptRequest
from nanostudio.remote.session_api import ConsoleSession

log = logging.getLogger(__name__)

SessionFactory = Callable[[], ConsoleSession]


class SessionWorker(QObject):
    """Owns the session; every slot runs in the worker thread."""

    opened = Signal(str)  # location
    finished = Signal(object)  # Finished
    completed = Signal(object, str, int)  # Completion, line, cursor it answers
    failed = Signal(str, bool)  # message, session lost
    closed = Signal()
    prompt_requested = Signal(object)  # PromptRequest

    # requests from the GUI (queued into the worker thread)
    request_open = Signal()
    request_run = Signal(str)
    request_complete = Signal(str, int)
    request_reconnect = Signal()
    request_keep_alive = Signal()
    request_close = Signal()

    def __init__(self, factory: SessionFactory, buffer: OutputBuffer) -> None:
        super().__init__()
        self._factory = factory
        self._buffer = buffer
        self._session: ConsoleSession | None = None
        self._reply_ready = threading.Event()
        self._reply: PromptReply | None = None
        self._closing = False
        self.request_open.connect(self._open)
        self.request_run.connect(self._run)
        self.request_complete.connect(self._complete)
        self.request_reconnect.connect(self._reconnect)
        self.request_keep_alive.connect(self._keep_alive)
        self.request_close.connect(self._close)

    # -- thread-safe calls from the GUI ---------------------------------------
    def stop_command(self) -> None:
        """Stop the running command now (the session's stop() is thread-safe)."""
        session = self._session
        if session is not None:
            session.stop()

    def answer_prompt(self, reply: PromptReply | None) -> None:
        self._reply = reply
        self._reply_ready.set()

    def cancel_everything(self) -> None:
        """Window closing: unblock a waiting prompt and stop the command."""
        self._closing = True
        self.answer_prompt(None)
        self.stop_command()

    # -- worker-thread side -----------------------------------------------------
    def _ask(self, request: PromptRequest) -> PromptReply | None:
        if self._closing:
            return None
        self._reply_ready.clear()
        self.prompt_requested.emit(request)
        self._reply_ready.wait()
        return self._reply

    def _fail(self, error: RemoteError) -> None:
        lost = isinstance(error, SessionLostError)
        self.failed.emit(str(error), lost)

    @Slot()
    def _open(self) -> None:
        try:
            if self._session is None:
                self._session = self._factory()
                self._session.set_prompt_handler(self._ask)
            self._session.open()
        except RemoteError as error:
            session, self._session = self._session, None
            if session is not None:  # a session process that could not connect: end it now
                session.close()
            self.failed.emit(str(error), True)
            return
        # Move everything alive now (Qt, pypsrp, the wizard) out of the garbage collector's
        # view: otherwise a full collection during a flood of output scans it all while
        # holding the GIL, and the GUI thread stalls for a few hundred milliseconds.
        gc.freeze()
        self.opened.emit(self._session.location)

    @Slot(str)
    def _run(self, script: str) -> None:
        if self._session is None:
            self.failed.emit("Not connected.", True)
            return
        try:
            result: CommandFinished = self._session.run(script, self._buffer)
        except RemoteError as error:
            self._fail(error)
            return
        self.finished.emit(result)

    @Slot(str, int)
    def _complete(self, line: str, cursor: int) -> None:
        if self._session is None:
            return
        try:
            completion: Completion = self._session.complete(line, cursor)
        except RemoteError as error:
            self._fail(error)
            return
        self.completed.emit(completion, line, cursor)

    @Slot()
    def _reconnect(self) -> None:
        if self._session is None:
            self._open()
            return
        try:
            self._session.reconnect()
        except RemoteError as error:
            self.failed.emit(str(error), True)
            return
        self.opened.emit(self._session.location)

    @Slot()
    def _keep_alive(self) -> None:
        if self._session is None:
            return
        try:
            self._session.keep_alive()
        except RemoteError as error:
            self._fail(error)

    @Slot()
    def _close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()
        self.closed.emit()


class WorkerThread:
    """A QThread hosting one ``SessionWorker``.

    ``shutdown()`` does not block the GUI: it asks the worker to close the session and
    the thread ends (and is deleted) afterwards. The thread is parented to the
    application so it outlives the widget that started it.
    """

    def __init__(self, factory: SessionFactory, buffer: OutputBuffer) -> None:
        self.thread = QThread(QCoreApplication.instance())
        self.thread.setObjectName("console-session")
        self.worker = SessionWorker(factory, buffer)
        self.worker.moveToThread(self.thread)
        self.worker.closed.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.finished.connect(self.thread.deleteLater)
        self.thread.start()
        self._shut = False

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        self.worker.cancel_everything()
        self.worker.request_close.emit()

    def wait(self, timeout_ms: int) -> bool:
        """Block until the thread ended (application exit, tests); True when it did."""
        try:
            return bool(self.thread.wait(timeout_ms))
        except RuntimeError:  # already deleted: it had finished
            return True
