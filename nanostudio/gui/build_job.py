"""Runs a build plan as a ``gui.tasks`` task and re-emits its events as Qt signals.

The plan is made and run in one blocking call (engines look up their tools while
planning); the runner's sink is called on that worker thread and posts each event
to the GUI thread, in order. Cancel sets the task's token: the engine stops at its
next check, kills its child processes and reports a cancelled outcome.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.events import BuildEvent, BuildOutcome, Finished, Status
from nanostudio.engine.runner import BuildRunner
from nanostudio.engine.steps import Plan
from nanostudio.errors import UserFacingError
from nanostudio.gui.tasks import Task, blocking, post
from nanostudio.secret import Secret


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
        self._make_plan = make_plan
        self._password = password
        self._task = Task(self._build, self, what="the build")
        self._task.succeeded.connect(self.finished)
        self._task.failed.connect(
            lambda message: self.finished.emit(BuildOutcome(Status.FAILED, None, 0.0, message))
        )
        self._task.cancelled.connect(
            lambda: self.finished.emit(BuildOutcome(Status.CANCELLED, None, 0.0, "cancelled"))
        )

    @property
    def cancel_token(self) -> CancelToken:
        return self._task.token

    async def _build(self, token: CancelToken) -> BuildOutcome:
        return await blocking(self.run_on_worker, token)

    def run_on_worker(self, token: CancelToken) -> BuildOutcome:
        """Plan (tool look-ups can be slow) and run, both off the GUI thread."""
        try:
            plan = self._make_plan()
        except UserFacingError as error:
            outcome = BuildOutcome(Status.FAILED, None, 0.0, str(error), exit_code=error.exit_code)
            self._sink(Finished(outcome))
            return outcome
        runner = BuildRunner(plan, cancel=token, password=self._password)
        return runner.run(self._sink)

    def _sink(self, event: BuildEvent) -> None:
        """Called on the worker thread."""
        post(self.event_received.emit, event)

    def start(self) -> None:
        self._task.start()

    def cancel(self) -> None:
        """Only the token: the runner's own cancelled outcome says what was cleaned up."""
        self._task.token.cancel()

    def wait(self, ms: int = 60_000) -> bool:
        return self._task.wait(ms)
