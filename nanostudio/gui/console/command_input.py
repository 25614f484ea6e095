"""The prompt line: Enter runs, Shift+Enter adds a line, a multi-line paste runs as one script."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_VISIBLE_LINES = 6


class CommandInput(QPlainTextEdit):
    """Keys a console needs, turned into signals the ``ConsoleWidget`` acts on."""

    submitted = Signal(str)
    script_pasted = Signal(str)
    history_previous = Signal()
    history_next = Signal()
    complete_requested = Signal()
    copy_or_stop = Signal()
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleInput")
        self.setTabChangesFocus(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()

    def set_command(self, text: str) -> None:
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.End)

    def _fit_height(self) -> None:
        lines = max(1, min(MAX_VISIBLE_LINES, self.document().blockCount()))
        metrics = QFontMetrics(self.font())
        margins = self.contentsMargins()
        frame = int(self.document().documentMargin() * 2) + margins.top() + margins.bottom()
        self.setFixedHeight(metrics.lineSpacing() * lines + frame + 2)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        modifiers = event.modifiers()
        cursor = self.textCursor()
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_or_stop.emit()
        elif key == Qt.Key.Key_L and modifiers & Qt.KeyboardModifier.ControlModifier:
            self.clear_requested.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit(self.toPlainText())
        elif key == Qt.Key.Key_Tab:
            self.complete_requested.emit()
        elif key == Qt.Key.Key_Up and cursor.blockNumber() == 0:
            self.history_previous.emit()
        elif key == Qt.Key.Key_Down and cursor.blockNumber() == self.document().blockCount() - 1:
            self.history_next.emit()
        else:
            super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 - Qt override
        """Several lines pasted at the prompt run together, like in a PowerShell console."""
        text = source.text().replace("\r\n", "\n")
        if "\n" in text.rstrip("\n"):
            self.script_pasted.emit(self.toPlainText() + text)
            return
        self.insertPlainText(text.rstrip("\n"))
