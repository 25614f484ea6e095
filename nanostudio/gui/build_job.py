"""Runs a build plan on a worker thread and re-emits its events as Qt signals.

The runner calls its sink on the worker thread; the signals below are emitted
from there and, because this object lives on the GUI thread, Qt queues them.
Cancel sets the runner's token: the engine stops at its next check and kills
its child processes. Nothing here ever blocks the GUI thread.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, Signal

from nanostudio.build.cancel import CancelToken
from nanostudio.build.events import BuildEvent, BuildOutcome, Status
from nanostudio.build.runner import BuildRunner
from nanostudio.build.steps import Plan
from nanostudio.gui.qt_compat import emit
from nanostudio.secret import Secret

log = logging.getLogger(__name__)


class _RunnerThread(QThread):
    event_ready = Signal(object)

    def __init__(self, runner: BuildRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.outcome: BuildOutcome | None = None

    def run(self) -> None:
        try:
            self.outcome = self._runner.run()
        except Exception as error:  # the runner catches step errors; this is a bug
            log.exception("the build runner crashed")
            self.outcome = BuildOutcome(
                Status.FAILED, None, 0.0, f"internal error ({error.__class__.__name__}): {error}"
            )


class BuildJob(QObject):
    """``event_received(BuildEvent)`` while running, then ``finished(BuildOutcome)`` once."""

    event_received = Signal(object)
    finished = Signal(object)

    def __init__(
        self,
        plan: Plan,
        password: Secret,
        parent: QObject | None = None,
        *,
        force: bool = False,
    ) -> None:
        super().__init__(parent)
        self.cancel_token = CancelToken()
        self._runner = BuildRunner(
            plan, sink=self._sink, cancel=self.cancel_token, password=password, force=force
        )
        self._thread = _RunnerThread(self._runner, self)
        self._thread.event_ready.connect(self.event_received)
        self._thread.finished.connect(self._on_thread_finished)

    def _sink(self, event: BuildEvent) -> None:
        """Called on the worker thread."""
        emit(self._thread.event_ready, event)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int = 60_000) -> bool:
        return self._thread.wait(ms)

    def _on_thread_finished(self) -> None:
        outcome = self._thread.outcome or BuildOutcome(
            Status.FAILED, None, 0.0, "the build stopped without an outcome"
        )
        emit(self.finished, outcome)
