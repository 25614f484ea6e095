"""The GUI's one background primitive (``gui.tasks``): outcomes, errors, cancellation,
events from worker threads, and no asyncio before the first page is painted."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from nanostudio.engine.cancel import CancelToken
from nanostudio.errors import UserFacingError
from nanostudio.gui import tasks

TIMEOUT_MS = 10_000
REPO = Path(__file__).resolve().parents[2]


class Outcomes:
    """What a task reported, and on which thread."""

    def __init__(self, task: tasks.Task) -> None:
        self.seen: list[tuple[str, object]] = []
        self.threads: set[str] = set()
        task.succeeded.connect(lambda result: self._add("succeeded", result))
        task.failed.connect(lambda message: self._add("failed", message))
        task.cancelled.connect(lambda: self._add("cancelled", None))

    def _add(self, kind: str, value: object) -> None:
        self.seen.append((kind, value))
        self.threads.add(threading.current_thread().name)


def started(qtbot: QtBot, work: tasks.Work) -> tuple[tasks.Task, Outcomes]:
    """A task started, with its outcomes recorded, and its coroutine under way."""
    task = tasks.Task(work)
    outcomes = Outcomes(task)
    task.start()
    qtbot.wait(20)
    return task, outcomes


def test_a_blocking_call_runs_off_the_gui_thread_and_its_result_arrives_on_it(
    qtbot: QtBot,
) -> None:
    def call() -> str:
        return threading.current_thread().name

    task = tasks.blocking_task(call)
    outcomes = Outcomes(task)
    task.start()
    assert task.wait(TIMEOUT_MS)
    assert outcomes.seen == [("succeeded", "nanostudio-task")]
    assert outcomes.threads == {threading.main_thread().name}
    assert not task.is_running()


def test_a_bug_is_logged_with_its_traceback_and_shown_as_an_internal_error(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    def call() -> None:
        raise ValueError("no such partition")

    task = tasks.blocking_task(call, what="reading the media")
    outcomes = Outcomes(task)
    with caplog.at_level(logging.ERROR, logger="nanostudio.gui.tasks"):
        task.start()
        assert task.wait(TIMEOUT_MS)
    assert outcomes.seen == [("failed", "internal error (ValueError): no such partition")]
    [record] = [r for r in caplog.records if r.name == "nanostudio.gui.tasks"]
    assert record.getMessage() == "reading the media failed"
    assert record.exc_info is not None and record.exc_info[0] is ValueError


def test_a_user_facing_error_is_shown_in_its_own_words_and_not_logged(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    def call() -> None:
        raise UserFacingError("the ISO holds no Nano Server")

    task = tasks.blocking_task(call)
    outcomes = Outcomes(task)
    with caplog.at_level(logging.ERROR, logger="nanostudio.gui.tasks"):
        task.start()
        assert task.wait(TIMEOUT_MS)
    assert outcomes.seen == [("failed", "the ISO holds no Nano Server")]
    assert not [r for r in caplog.records if r.name == "nanostudio.gui.tasks"]


def test_cancel_ends_a_coroutine_waiting_on_the_loop(qtbot: QtBot) -> None:
    async def work(token: CancelToken) -> str:
        await asyncio.sleep(60)
        return "slept"

    task, outcomes = started(qtbot, work)
    task.cancel()
    assert task.wait(TIMEOUT_MS)
    assert outcomes.seen == [("cancelled", None)]
    assert task.token.cancelled


def test_cancel_reaches_a_blocking_call_through_the_token_and_waits_for_it(
    qtbot: QtBot,
) -> None:
    """The task is reported cancelled only once its worker returned: nothing of it runs."""
    started = threading.Event()
    returned: list[str] = []

    async def work(token: CancelToken) -> None:
        def call() -> None:
            started.set()
            token.wait(30)
            time.sleep(0.1)  # still winding down when the cancel arrived
            returned.append("returned")

        await tasks.blocking(call)

    task = tasks.Task(work)
    outcomes = Outcomes(task)
    task.cancelled.connect(lambda: outcomes.seen.append(("worker", list(returned))))
    task.start()
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT_MS)
    task.cancel()
    assert task.wait(TIMEOUT_MS)
    assert outcomes.seen == [("cancelled", None), ("worker", ["returned"])]


def test_on_cancel_stops_a_call_the_token_does_not_reach(qtbot: QtBot) -> None:
    stop = threading.Event()
    stopped: list[bool] = []  # True: ended by on_cancel, not by its 30 s timeout

    async def work(token: CancelToken) -> None:
        await tasks.blocking(lambda: stopped.append(stop.wait(30)), on_cancel=stop.set)

    task, outcomes = started(qtbot, work)
    task.cancel()
    assert task.wait(TIMEOUT_MS)
    assert outcomes.seen == [("cancelled", None)]
    assert stopped == [True]


def test_events_posted_from_a_worker_thread_arrive_in_order_on_the_gui_thread(
    qtbot: QtBot,
) -> None:
    received: list[int] = []
    threads: set[str] = set()

    def receive(number: int) -> None:
        received.append(number)
        threads.add(threading.current_thread().name)

    async def work(token: CancelToken) -> str:
        def produce() -> str:
            for number in range(3000):
                tasks.post(receive, number)
            return "done"

        return await tasks.blocking(produce)

    task = tasks.Task(work)
    outcomes = Outcomes(task)
    task.start()
    assert task.wait(TIMEOUT_MS)
    # Everything posted before the call returned arrives before the outcome.
    assert outcomes.seen == [("succeeded", "done")]
    assert received == list(range(3000))
    assert threads == {threading.main_thread().name}


def test_a_slot_of_an_outcome_may_wait_for_another_task(qtbot: QtBot) -> None:
    """Outcomes are delivered outside any coroutine step: a slot closing a window may
    wait for the window's other tasks (asyncio refuses a task inside a task's step)."""

    def slow() -> str:
        time.sleep(0.2)
        return "second"

    second = tasks.blocking_task(slow)
    waited: list[bool] = []
    first = tasks.blocking_task(lambda: "first")
    first.succeeded.connect(lambda _result: waited.append(second.wait(TIMEOUT_MS)))
    second.start()
    first.start()
    assert first.wait(TIMEOUT_MS)
    assert waited == [True]


def test_shutdown_cancels_work_in_flight_and_lets_asyncio_run_again(qtbot: QtBot) -> None:
    stopped: list[bool] = []  # True: ended by the token, not by its 30 s timeout

    async def work(token: CancelToken) -> None:
        await tasks.blocking(lambda: stopped.append(token.wait(30)))

    _task, outcomes = started(qtbot, work)
    tasks.shutdown()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not stopped and time.monotonic() < deadline:  # the worker thread, not the loop
        time.sleep(0.01)
    assert stopped == [True]
    assert outcomes.seen == [("cancelled", None)]
    assert asyncio.run(asyncio.sleep(0, "a loop of its own")) == "a loop of its own"
    tasks.post(lambda: None)  # dropped: no loop until the next task


def test_asyncio_is_not_imported_before_the_first_page_is_painted(tmp_path: Path) -> None:
    script = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from nanostudio.gui.app import create_application
from nanostudio.gui.settings import Settings
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.wizard import Page

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("asyncio" in sys.modules, "qasync" in sys.modules, flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False

app = create_application()
wizard = NanoWizard(Settings(), deferred=True)
watcher = FirstPaint(app)
wizard.pages[Page.WELCOME].body.installEventFilter(watcher)
wizard.show()
app.exec()
"""
    env = dict(
        os.environ, PYTHONPATH=str(REPO), NANOSTUDIO_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_only_the_latest_call_is_delivered_and_a_forgotten_one_never(qtbot: QtBot) -> None:
    release = threading.Event()
    seen: list[object] = []

    def slow() -> str:
        release.wait(TIMEOUT_MS / 1000)
        return "older"

    latest = tasks.LatestCall(None)
    latest.start(slow, seen.append, seen.append)
    latest.start(lambda: "newer", seen.append, seen.append)
    latest.wait(TIMEOUT_MS)
    assert seen == ["newer"]
    release.set()
    qtbot.waitUntil(lambda: not tasks._live, timeout=TIMEOUT_MS)
    assert seen == ["newer"]  # the older call ended after it was superseded: dropped

    def failing() -> None:
        raise UserFacingError("the ISO is gone")

    latest.start(failing, seen.append, seen.append)
    latest.forget()
    qtbot.waitUntil(lambda: not tasks._live, timeout=TIMEOUT_MS)
    assert seen == ["newer"]
    latest.start(failing, seen.append, seen.append)
    latest.wait(TIMEOUT_MS)
    assert seen == ["newer", "the ISO is gone"]
