"""The one way the GUI runs work that takes time: coroutines on Qt's own event loop.

qasync makes Qt's event loop an asyncio loop. A job is a coroutine run as a ``Task``;
it awaits ``blocking(fn)`` for each call that would freeze the window (the call runs on
a worker thread), and code on a worker thread hands events to the GUI thread with
``post()``. A task ends with ``succeeded``, ``failed`` or ``cancelled``, emitted on the
GUI thread from a plain loop callback, never inside a coroutine step, so a slot may
close a window or wait for another task.

Cancelling sets the task's ``CancelToken`` (the engine, the connection doctor and their
tools stop at their next check) and cancels the asyncio task. A thread cannot be
interrupted, so a task is done only once no call of it still runs.

Importing asyncio costs ~30 ms: the loop is installed on first use, after the first
page was painted, never at start-up. It is not made with ``already_running=True``:
that loop's ``stop()`` calls ``QCoreApplication.exit()``, after which every nested
event loop (a dialog's ``exec``, a test's wait) returns at once (measured, Qt 6.11),
and it cannot be closed without ``stop()``. ``event_loop()`` and ``shutdown()`` set and
clear asyncio's running loop themselves. It is qasync's selector loop on every platform:
the GUI does no asyncio socket or subprocess I/O, so it needs neither IOCP nor the
poller thread of qasync's Windows loop, and Windows runs the loop the tests run.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Signal

from nanostudio.engine.cancel import CancelToken
from nanostudio.errors import UserFacingError

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[CancelToken], Coroutine[Any, Any, object]]

SHUTDOWN_BUDGET_MS = 3000  # how long quitting waits for cancelled tasks to wind down

_loop: asyncio.AbstractEventLoop | None = None
_live: set[Task] = set()


def event_loop() -> asyncio.AbstractEventLoop:
    """The asyncio loop running on Qt's event loop, installed on first use."""
    global _loop
    if _loop is None:
        import qasync

        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("background tasks need a QApplication")
        import asyncio

        loop = qasync.QSelectorEventLoop(app)
        loop.set_default_executor(_daemon_executor())
        asyncio.events._set_running_loop(loop)
        app.aboutToQuit.connect(shutdown)
        _loop = loop
    return _loop


def post(callback: Callable[..., object], *args: object) -> None:
    """Run ``callback(*args)`` on the GUI thread soon, in the order posted; callable
    from any thread. After ``shutdown()`` posts are dropped (the window is gone)."""
    loop = _loop
    if loop is not None and not loop.is_closed():
        loop.call_soon_threadsafe(callback, *args)


async def blocking(
    call: Callable[..., T], *args: object, on_cancel: Callable[[], None] | None = None
) -> T:
    """``call(*args)`` on a worker thread. If the awaiting task is cancelled, this calls
    ``on_cancel()`` (for calls that a token does not reach, e.g. a remote command) and
    still waits for the call to return, then re-raises: a cancelled task leaves no
    call of its own running."""
    import asyncio

    future = event_loop().run_in_executor(None, call, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        if on_cancel is not None:
            on_cancel()
        while not future.done():
            try:
                await asyncio.wait([future])
            except asyncio.CancelledError:  # cancelled again: still wait for the call
                continue
        if not future.cancelled():
            future.exception()  # retrieved: the call's own error no longer matters
        raise


def describe(error: BaseException, what: str) -> str:
    """The one line the GUI shows: a user-facing error's own words, else a logged bug."""
    if isinstance(error, UserFacingError):
        return str(error)
    log.error("%s failed", what, exc_info=(type(error), error, error.__traceback__))
    return f"internal error ({error.__class__.__name__}): {error}"


class Task(QObject):
    """One coroutine ``work(token)``: ``succeeded(result)``, ``failed(message)`` or
    ``cancelled()`` once, on the GUI thread."""

    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self, work: Work, parent: QObject | None = None, *, what: str = "a background task"
    ) -> None:
        super().__init__(parent)
        self.token = CancelToken()
        self._work = work
        self._what = what
        self._task: asyncio.Task[object] | None = None  # while it runs

    def start(self) -> None:
        self._task = event_loop().create_task(self._work(self.token))
        _live.add(self)
        self._task.add_done_callback(self._deliver)

    def cancel(self) -> None:
        """Ask the work to stop (token) and abandon the coroutine (task)."""
        self.token.cancel()
        if self._task is not None:
            self._task.cancel()

    def is_running(self) -> bool:
        return self._task is not None

    def wait(self, ms: int = 30_000) -> bool:
        """For shutdown and tests: run Qt's loop (no user input) until this task ended or
        ``ms`` passed; True when it ended. Never call it from inside a coroutine."""
        task = self._task
        if task is None:
            return True
        spin = QEventLoop()
        timer = QTimer(singleShot=True)
        timer.timeout.connect(spin.quit)
        timer.start(ms)

        def quit_spin(_task: asyncio.Task[object]) -> None:
            spin.quit()  # runs after _deliver, added to the task before

        task.add_done_callback(quit_spin)
        spin.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        task.remove_done_callback(quit_spin)
        # Stopped here: Python may collect the timer later on another thread, where Qt
        # cannot stop it.
        timer.stop()
        return self._task is None

    def _deliver(self, task: asyncio.Task[object]) -> None:
        """A plain loop callback on the GUI thread, after the coroutine's last step."""
        _live.discard(self)
        self._task = None
        if not shiboken6.isValid(self):  # its window was deleted meanwhile
            return
        if task.cancelled():
            self.cancelled.emit()
        elif (error := task.exception()) is not None:
            self.failed.emit(describe(error, self._what))
        else:
            self.succeeded.emit(task.result())


def blocking_task(
    call: Callable[[], object], parent: QObject | None = None, *, what: str = "a background task"
) -> Task:
    """A task (not started yet) running one blocking ``call()``: the usual case (media
    inspection, hypervisor queries, a connection probe)."""

    async def work(_token: CancelToken) -> object:
        return await blocking(call)

    return Task(work, parent, what=what)


def start_blocking(
    call: Callable[[], object],
    parent: QObject | None,
    succeeded: Callable[[Any], object],
    failed: Callable[[str], object],
) -> Task:
    """``blocking_task(call, parent)`` started: ``succeeded(result)`` or ``failed(message)``
    follows on the GUI thread (never before the caller returns to the event loop)."""
    job = blocking_task(call, parent)
    job.succeeded.connect(succeeded)
    job.failed.connect(failed)
    job.start()
    return job


class LatestCall:
    """A blocking call made again whenever its input changes (the media path, the
    plan's recipe): only the latest call's outcome is delivered, an older one still
    running when it was superseded is dropped when it ends."""

    def __init__(self, parent: QObject | None) -> None:
        self._parent = parent
        self._generation = 0
        self._job: Task | None = None

    def start(
        self,
        call: Callable[[], object],
        succeeded: Callable[[Any], object],
        failed: Callable[[str], object],
    ) -> None:
        self._generation += 1
        generation = self._generation

        def latest() -> bool:
            return generation == self._generation

        self._job = start_blocking(
            call,
            self._parent,
            lambda result: succeeded(result) if latest() else None,
            lambda message: failed(message) if latest() else None,
        )

    def forget(self) -> None:
        """The outcome of the call still running is no longer wanted."""
        self._generation += 1

    def wait(self, ms: int) -> None:
        """For shutdown: let the latest call end (a call cannot be interrupted)."""
        if self._job is not None:
            self._job.wait(ms)


def shutdown() -> None:
    """The application quits (or a test ends): cancel every task, give them a short
    while to wind down, close the loop and forget it. Worker threads are daemons:
    one stuck in a call never holds the process."""
    global _loop
    loop = _loop
    if loop is None:
        return
    live = list(_live)
    for task in live:
        task.cancel()
    deadline = time.monotonic() + SHUTDOWN_BUDGET_MS / 1000
    for task in live:
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            break
        task.wait(left_ms)
    _live.clear()
    _loop = None
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.disconnect(shutdown)
    import asyncio

    asyncio.events._set_running_loop(None)
    loop.close()
    # Collected here, on the GUI thread: qasync keeps a Qt timer per pending callback
    # (a cancelled sleep's too), and Qt cannot stop a timer from another thread, where
    # a later collection could otherwise free the loop.
    del loop
    gc.collect()


def _daemon_executor() -> concurrent.futures.Executor:
    """Each blocking call on its own daemon thread: like a pool, minus the join at
    interpreter exit that a call stuck on the network would turn into a hang."""
    import concurrent.futures

    class DaemonThreads(concurrent.futures.Executor):
        def submit(
            self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
        ) -> concurrent.futures.Future[T]:
            future: concurrent.futures.Future[T] = concurrent.futures.Future()

            def run() -> None:
                if not future.set_running_or_notify_cancel():
                    return
                try:
                    result = fn(*args, **kwargs)
                except BaseException as error:  # handed to whoever awaits the future
                    future.set_exception(error)
                else:
                    future.set_result(result)

            threading.Thread(target=run, name="nanostudio-task", daemon=True).start()
            return future

    return DaemonThreads()
