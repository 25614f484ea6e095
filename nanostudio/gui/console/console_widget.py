"""The remote PowerShell console pane: output area, prompt line, progress, disconnected state.

All session work is driven by a ``SessionDriver`` (a ``gui.tasks`` task); this widget
only paints. Output is
drained from an ``OutputBuffer`` by a timer every ~50 ms under a time budget, so a
flood of output never stalls the GUI thread.
"""

from __future__ import annotations

import logging
import time
from enum import Enum
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nanostudio.gui.console.command_input import CommandInput
from nanostudio.gui.console.output_buffer import Batch, OutputBuffer
from nanostudio.gui.console.output_view import ECHO, OutputView, line_style
from nanostudio.gui.console.prompt_dialog import PromptDialog
from nanostudio.gui.console.session_driver import SessionDriver, SessionFactory
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.file_dialogs import choose_save_path
from nanostudio.remote.events import (
    CommandFinished,
    Completion,
    ProgressRecord,
    PromptRequest,
    Stream,
)
from nanostudio.remote.history import CommandHistory
from nanostudio.remote.session_api import prompt_text

log = logging.getLogger(__name__)

DEFAULT_SCROLLBACK = 10_000
FLUSH_INTERVAL_MS = 50
RUNNING_DELAY_MS = 300  # a command still running after this shows "Running…"
FLUSH_BUDGET_S = 0.015  # painting time per tick; the rest waits for the next tick
LINES_PER_STEP = 1000
KEEP_ALIVE_S = 120


W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    """Object names make the widgets findable in tests and style sheets."""
    widget.setObjectName(name)
    return widget


class ConsoleState(Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    IDLE = "idle"
    RUNNING = "running"


class ConsoleWidget(QWidget):
    """One remote session's console; ``start()`` connects, ``shutdown()`` ends it."""

    state_changed = Signal(object)  # ConsoleState
    command_finished = Signal(object)  # Finished

    def __init__(
        self,
        host_label: str,
        session_factory: SessionFactory,
        history: CommandHistory | None = None,
        *,
        scrollback: int = DEFAULT_SCROLLBACK,
        keep_alive_s: float = KEEP_ALIVE_S,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("consoleWidget")
        self.host_label = host_label
        self.history = history if history is not None else CommandHistory()
        self.state = ConsoleState.DISCONNECTED
        self.location = ""
        self._buffer = OutputBuffer(scrollback)
        self._completion: tuple[Completion, int, str] | None = None
        self._original_line = ""
        self._ever_connected = False
        self._prompt_dialog: PromptDialog | None = None

        self._build_ui(scrollback)

        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_INTERVAL_MS)
        self._flush_timer.timeout.connect(self.flush_output)
        # "Running…" only for a command that takes a while: a quick one would make it
        # flash, and showing it re-lays out the console while the command is served.
        self._running_delay = QTimer(self, singleShot=True, interval=RUNNING_DELAY_MS)
        self._running_delay.timeout.connect(
            lambda: self.running_indicator.start(self.tr("Running… (Ctrl+C stops the command)"))
        )
        self._keep_alive_timer = QTimer(self)
        self._keep_alive_timer.setInterval(int(keep_alive_s * 1000))
        self._keep_alive_timer.timeout.connect(self._keep_alive)

        # Not a child of this widget: it outlives it while the session closes.
        self._driver = SessionDriver(session_factory, self._buffer)
        driver = self._driver
        driver.opened.connect(self._on_opened)
        driver.finished.connect(self._on_finished)
        driver.failed.connect(self._on_failed)
        driver.completed.connect(self._on_completed)
        driver.prompt_requested.connect(self._on_prompt)

    # -- layout -------------------------------------------------------------------
    def _build_ui(self, scrollback: int) -> None:
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)

        self.banner = _named(QFrame(), "consoleBanner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner_label = _named(QLabel(), "consoleBannerText")
        self.banner_label.setWordWrap(True)
        self.reconnect_button = _named(QPushButton(self.tr("Reconnect")), "consoleReconnect")
        self.reconnect_button.clicked.connect(self.reconnect)
        banner_row = QHBoxLayout(self.banner)
        banner_row.addWidget(self.banner_label, 1)
        banner_row.addWidget(self.reconnect_button)
        self.banner.hide()

        self.output = _named(OutputView(scrollback), "consoleOutput")
        self.output.copy_or_stop.connect(self.copy_or_stop)
        self.output.setFont(mono)

        self.running_indicator = _named(BusyIndicator(), "consoleRunning")

        self.progress_label = _named(QLabel(), "consoleProgressLabel")
        self.progress_bar = _named(QProgressBar(), "consoleProgress")
        self.progress_bar.setRange(0, 100)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label, 1)
        progress_row.addWidget(self.progress_bar, 2)
        self.progress_box = QWidget()
        self.progress_box.setLayout(progress_row)
        self.progress_box.hide()

        self.prompt_label = _named(QLabel(), "consolePrompt")
        self.prompt_label.setFont(mono)
        self.prompt_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.input = CommandInput()
        self.input.setFont(mono)
        self.input.submitted.connect(self.submit)
        self.input.script_pasted.connect(self.submit)
        self.input.history_previous.connect(self._history_previous)
        self.input.history_next.connect(self._history_next)
        self.input.complete_requested.connect(self._request_completion)
        self.input.copy_or_stop.connect(self.copy_or_stop)
        self.input.clear_requested.connect(self.clear)
        input_row = QHBoxLayout()
        input_row.addWidget(self.prompt_label, 0, Qt.AlignmentFlag.AlignTop)
        input_row.addWidget(self.input, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.output, 1)
        layout.addWidget(self.progress_box)
        layout.addWidget(self.running_indicator)
        layout.addLayout(input_row)
        self._show_prompt()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange:
            self.output.forget_formats()
        super().changeEvent(event)

    # -- state --------------------------------------------------------------------
    def _set_state(self, state: ConsoleState) -> None:
        self.state = state
        running = state == ConsoleState.RUNNING
        self.input.setReadOnly(state != ConsoleState.IDLE)
        self.reconnect_button.setEnabled(state == ConsoleState.DISCONNECTED)
        if state == ConsoleState.IDLE:
            self._keep_alive_timer.start()
        else:
            self._keep_alive_timer.stop()
        if running or len(self._buffer):
            self._flush_timer.start()
        if running:
            self._running_delay.start()
        else:
            self._running_delay.stop()
            self.running_indicator.stop()
        self._show_prompt()
        self.state_changed.emit(state)

    def _show_prompt(self) -> None:
        if self.state in (ConsoleState.IDLE, ConsoleState.RUNNING):
            self.prompt_label.setText(prompt_text(self.host_label, self.location))
        elif self.state == ConsoleState.CONNECTING:
            self.prompt_label.setText(self.tr("Connecting to %1…").replace("%1", self.host_label))
        else:
            self.prompt_label.setText(self.tr("Disconnected"))

    def start(self) -> None:
        """Open the session (off the GUI thread)."""
        self._set_state(ConsoleState.CONNECTING)
        self._driver.open()

    def reconnect(self) -> None:
        if self.state != ConsoleState.DISCONNECTED:
            return
        self.banner.hide()
        self._set_state(ConsoleState.CONNECTING)
        self._driver.reconnect()

    def shutdown(self) -> SessionDriver:
        """Close the session without blocking; returns the driver for callers that must wait."""
        self._flush_timer.stop()
        self._keep_alive_timer.stop()
        if self._prompt_dialog is not None:
            self._prompt_dialog.reject()
        self._driver.shutdown()
        return self._driver

    # -- commands -----------------------------------------------------------------
    def submit(self, script: str) -> bool:
        """Run a command (Enter, a multi-line paste, or a caller); False when busy."""
        if self.state != ConsoleState.IDLE:
            return False
        self.input.clear()
        self._completion = None
        self.flush_output(budget_s=None)
        self._append_echo(script)
        if not script.strip():
            return True
        self.history.add(script)
        self._set_state(ConsoleState.RUNNING)
        self._driver.run(script)
        return True

    def stop(self) -> None:
        if self.state == ConsoleState.RUNNING:
            self._append_lines([("^C", Stream.WARNING)])
            self._driver.stop_command()

    def copy_or_stop(self) -> None:
        """Ctrl+C: copy when text is selected, otherwise stop the running command."""
        if self.output.textCursor().hasSelection():
            self.output.copy()
        elif self.input.textCursor().hasSelection():
            self.input.copy()
        elif self.state == ConsoleState.RUNNING:
            self.stop()
        else:
            self.input.clear()

    def clear(self) -> None:
        """Ctrl+L: empty the output area (the session is untouched)."""
        self.output.clear()

    def save_transcript(self, path: Path) -> None:
        path.write_text(self.output.toPlainText() + "\n", encoding="utf-8")

    def ask_transcript_path(self) -> QFileDialog:
        return choose_save_path(
            self,
            self.tr("Save transcript"),
            "",
            self.tr("Text files (*.txt)"),
            self._save_chosen_transcript,
            default_suffix="txt",
        )

    def _save_chosen_transcript(self, path: Path) -> None:
        """A folder the user cannot write to is a line in the console, not a crash."""
        try:
            self.save_transcript(path)
        except OSError as error:
            message = self.tr("Cannot save the transcript to %1: %2")
            text = message.replace("%1", str(path)).replace("%2", error.strerror or str(error))
            self._append_lines([(text, Stream.ERROR)])

    # -- worker results -------------------------------------------------------------
    def _on_opened(self, location: str) -> None:
        self.location = location
        if self._ever_connected:
            self._append_lines(
                [
                    (
                        self.tr("Connected again in a new session: variables were reset."),
                        Stream.WARNING,
                    )
                ]
            )
        self._ever_connected = True
        self.banner.hide()
        self._set_state(ConsoleState.IDLE)
        self.input.setFocus()

    def _on_finished(self, result: CommandFinished) -> None:
        self.location = result.location or self.location
        self._set_state(ConsoleState.IDLE)
        self.flush_output()  # a short command's output now, not at the next tick
        self.progress_box.hide()
        self.command_finished.emit(result)

    def _on_failed(self, message: str, lost: bool) -> None:
        self.flush_output(budget_s=None)
        self._append_lines([(message, Stream.ERROR)])
        self.progress_box.hide()
        if lost:
            self.banner_label.setText(
                self.tr("Disconnected from %1: %2")
                .replace("%1", self.host_label)
                .replace("%2", message)
            )
            self.banner.show()
            self._set_state(ConsoleState.DISCONNECTED)
        else:
            self._set_state(ConsoleState.IDLE)

    def _keep_alive(self) -> None:
        if self.state == ConsoleState.IDLE:
            self._driver.keep_alive()

    def _on_prompt(self, request: PromptRequest) -> None:
        self.flush_output(budget_s=None)
        dialog = PromptDialog(request, self.host_label, self)
        self._prompt_dialog = dialog

        def done(code: int) -> None:
            self._prompt_dialog = None
            accepted = code == QDialog.DialogCode.Accepted
            self._driver.answer_prompt(dialog.reply() if accepted else None)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    # -- history and completion ---------------------------------------------------
    def _history_previous(self) -> None:
        self.input.set_command(self.history.previous(self.input.toPlainText()))

    def _history_next(self) -> None:
        self.input.set_command(self.history.next(self.input.toPlainText()))

    def _request_completion(self) -> None:
        if self.state != ConsoleState.IDLE:
            return
        line = self.input.toPlainText()
        if self._completion is not None:
            completion, index, applied = self._completion
            if line == applied and len(completion.matches) > 1:
                self._apply_completion(completion, index + 1)
                return
        self._completion = None
        self._driver.complete(line, self.input.textCursor().position())

    def _on_completed(self, completion: Completion, line: str, cursor: int) -> None:
        if self.input.toPlainText() != line or not completion.matches:
            return
        self._completion = (completion, -1, line)
        self._original_line = line
        self._apply_completion(completion, 0)

    def _apply_completion(self, completion: Completion, index: int) -> None:
        new_line, position = completion.apply(self._original_line, index)
        self.input.setPlainText(new_line)
        cursor = self.input.textCursor()
        cursor.setPosition(position)
        self.input.setTextCursor(cursor)
        self._completion = (completion, index, new_line)

    # -- painting -----------------------------------------------------------------
    def flush_output(self, budget_s: float | None = FLUSH_BUDGET_S) -> None:
        """Paint queued output: at most ``budget_s`` of work per call (None: everything)."""
        started = time.perf_counter()
        while True:
            batch = self._buffer.take(LINES_PER_STEP)
            self._paint(batch)
            if not batch.lines and not batch.progress:
                break
            if budget_s is not None and time.perf_counter() - started > budget_s:
                break
        if self.state != ConsoleState.RUNNING and not len(self._buffer):
            self._flush_timer.stop()

    def _paint(self, batch: Batch) -> None:
        if batch.lines:
            self.output.append_lines([(line.rendered(), line_style(line)) for line in batch.lines])
        if batch.progress and self.state == ConsoleState.RUNNING:
            self._show_progress(batch.progress[-1])

    def _append_echo(self, script: str) -> None:
        self.output.follow()  # a new command: its output is what the user wants to see
        self.output.append_lines(
            [(f"{prompt_text(self.host_label, self.location)} {script}", ECHO)]
        )

    def _append_lines(self, lines: list[tuple[str, Stream]]) -> None:
        self.output.append_lines([(text, (stream, None, None)) for text, stream in lines])

    def _show_progress(self, progress: ProgressRecord) -> None:
        if progress.completed:
            self.progress_box.hide()
            return
        label = progress.activity + (f" — {progress.status}" if progress.status else "")
        self.progress_label.setText(label)
        if progress.percent is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(max(0, min(100, progress.percent)))
        self.progress_box.show()
