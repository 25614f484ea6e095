"""Build: steps with state icons, progress with elapsed time and estimate, the log,
and Cancel (asked first). The engine runs on a worker thread (``BuildJob``)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QElapsedTimer, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nanostudio.engine.engines import make_plan
from nanostudio.engine.events import (
    BuildOutcome,
    Finished,
    LogLine,
    PlanStarted,
    Progress,
    Status,
    StepFinished,
    StepStarted,
)
from nanostudio.gui.build_job import BuildJob
from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.widgets.log_pane import LogPane
from nanostudio.gui.widgets.step_list import StepList, StepState
from nanostudio.wizard import BuildStatus, Page, to_recipe

log = logging.getLogger(__name__)


def clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


class BuildPage(PageBase):
    page = Page.BUILD
    status_changed = Signal()
    build_finished = Signal(object)  # BuildOutcome

    def _build(self) -> None:
        self.job: BuildJob | None = None
        self._confirm: QMessageBox | None = None
        self._elapsed = QElapsedTimer()
        self._remaining: float | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show_times)
        self.steps = StepList()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName(self.tr("Overall progress"))
        self.progress.setFormat("%p%")
        self.times = QLabel()
        self.current = QLabel()
        self.current.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.log_pane = LogPane()
        self.cancel_button = QPushButton(self.tr("&Cancel build"))
        self.again_button = QPushButton(self.tr("Build &again"))
        self.again_button.hide()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.steps)
        splitter = QSplitter()
        splitter.setOrientation(splitter.orientation().Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.log_pane)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.times)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.cancel_button)
        layout = self.body_layout
        layout.addLayout(bar)
        layout.addWidget(self.current)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.ask_cancel)
        self.again_button.clicked.connect(self.start)

    # -- starting -----------------------------------------------------------------------

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        super().initializePage()
        if not self.state.build_status.active:
            self.start()

    def start(self) -> None:
        """Plan and start the build; a plan that cannot be made fails at once."""
        self.steps.clear()
        self.log_pane.clear()
        self.progress.setValue(0)
        self.times.clear()
        self.current.clear()
        self.again_button.hide()
        self.state.outcome = None
        media = self.state.media
        if media is None:
            message = self.tr("no media has been read: go back to the Source page")
            self._finish(BuildOutcome(Status.FAILED, None, 0.0, message, exit_code=2))
            return
        recipe, engine = to_recipe(self.state), self.state.engine
        self.job = BuildJob(
            lambda: make_plan(recipe, media, engine, dry_run=False), self.state.password, self
        )
        self.job.event_received.connect(self._on_event)
        self.job.finished.connect(self._finish)
        self._set_status(BuildStatus.RUNNING)
        self.status.setText(self.tr("Building {0}…").format(recipe.output.path.name))
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self._elapsed.start()
        self._tick.start()
        self.job.start()

    # -- cancelling ---------------------------------------------------------------------

    def ask_cancel(self) -> QMessageBox | None:
        """Ask before cancelling (non-blocking); returns the question shown, if any."""
        if self.state.build_status is not BuildStatus.RUNNING:
            return None
        if self._confirm is not None and self._confirm.isVisible():
            return self._confirm
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Cancel the build?"),
            self.tr("Stop building? Everything written so far is removed."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Stop the build"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Keep building"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(
            lambda result: self.cancel() if result == QMessageBox.StandardButton.Yes else None
        )
        self._confirm = box
        box.open()
        return box

    def cancel(self) -> None:
        if self.job is not None and self.state.build_status is BuildStatus.RUNNING:
            self._set_status(BuildStatus.CANCELLING)
            self.status.setText(self.tr("Stopping and removing partial files…"))
            self.cancel_button.setEnabled(False)
            self.job.cancel()

    # -- events -------------------------------------------------------------------------

    def _on_event(self, event: object) -> None:
        if isinstance(event, PlanStarted):
            self.steps.set_steps(event.steps)
        elif isinstance(event, StepStarted):
            self.steps.set_state(event.index, StepState.RUNNING)
            self.current.setText(event.title)
        elif isinstance(event, StepFinished):
            self.steps.set_state(event.index, StepState.DONE)
        elif isinstance(event, Progress):
            self.progress.setValue(round(event.percent * 10))
            self._remaining = event.remaining_s
            if event.message:
                self.current.setText(event.message)
            self._show_times()
        elif isinstance(event, LogLine):
            self.log_pane.add(event.level, event.text)
        elif isinstance(event, Finished):
            pass  # the job's finished signal follows once its task has ended

    def _show_times(self) -> None:
        elapsed = self._elapsed.elapsed() / 1000 if self._elapsed.isValid() else 0.0
        if self._remaining is None:
            text = self.tr("{0} elapsed").format(clock(elapsed))
        else:
            text = self.tr("{0} elapsed · about {1} left").format(
                clock(elapsed), clock(self._remaining)
            )
        self.times.setText(text)

    def _finish(self, outcome: object) -> None:
        assert isinstance(outcome, BuildOutcome)
        self._tick.stop()
        if self._confirm is not None:
            self._confirm.close()
            self._confirm = None
        self.log_pane.flush()
        self.state.outcome = outcome
        self.cancel_button.setEnabled(False)
        if outcome.status is Status.SUCCEEDED:
            self.progress.setValue(1000)
            self._set_status(BuildStatus.SUCCEEDED)
            self.status.setText(str(outcome))
        elif outcome.status is Status.CANCELLED:
            self.steps.finish_open_steps(StepState.CANCELLED)
            self._set_status(BuildStatus.CANCELLED)
            self.status.setText(
                self.tr(
                    "Cancelled: no output was written. Build again, or press Back to "
                    "change the settings."
                )
            )
            self.again_button.show()
        else:
            self.steps.finish_open_steps(StepState.FAILED)
            if outcome.error:
                self.log_pane.add("error", outcome.error)
                self.log_pane.flush()
            self._set_status(BuildStatus.FAILED)
            self.status.setText(str(outcome))
            self.again_button.show()
        self.build_finished.emit(outcome)

    def _set_status(self, status: BuildStatus) -> None:
        self.state.build_status = status
        self.refresh()
        self.status_changed.emit()

    def wait_idle(self, ms: int = 60_000) -> None:
        if self.job is not None:
            self.job.wait(ms)
