"""Runs a build plan on a worker thread and re-emits its events as Qt signals.

The runner calls its sink on the worker thread; the signals below are emitted
from there and, because this object lives on the GUI thread, Qt queues them.
The plan is made on the worker too (engines look up their tools). Cancel sets the
runner's token: the engine stops at its next check and kills
its child processes. Nothing here ever blocks the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.events import BuildEvent, BuildOutcome, Finished, Status
from nanostudio.engine.runner import BuildRunner
from nanostudio.engine.steps import Plan
from nanostudio.errors import UserFacingError
from nanostudio.secret import Secret

log = logging.getLogger(__name__)


class _RunnerThread(QThread):
    event_ready = Signal(object)

    def __init__(self, job: BuildJob) -> None:
        super().__init__(job)
        self._job = job
        self.outcome: BuildOutcome | None = None

    def run(self) -> None:
        try:
            self.outcome = self._job.run_on_worker()
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
        make_plan: Callable[[], Plan],
        password: Secret,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.cancel_token = CancelToken()
        self._make_plan = make_plan
        self._password = password
        self._thread = _RunnerThread(self)
        self._thread.event_ready.connect(self.event_received)
        self._thread.finished.connect(self._on_thread_finished)

    def run_on_worker(self) -> BuildOutcome:
        """Plan (tool look-ups can be slow) and run, both off the GUI thread."""
        try:
            plan = self._make_plan()
        except UserFacingError as error:
            outcome = BuildOutcome(Status.FAILED, None, 0.0, str(error), exit_code=error.exit_code)
            self._sink(Finished(outcome))
            return outcome
        runner = BuildRunner(
            plan,
            sink=self._sink,
            cancel=self.cancel_token,
            password=self._password,
        )
        return runner.run()

    def _sink(self, event: BuildEvent) -> None:
        """Called on the worker thread."""
        self._thread.event_ready.emit(event)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def wait(self, ms: int = 60_000) -> bool:
        return self._thread.wait(ms)

    def _on_thread_finished(self) -> None:
        outcome = self._thread.outcome or BuildOutcome(
            Status.FAILED, None, 0.0, "the build stopped without an outcome"
        )
        self.finished.emit(outcome)
