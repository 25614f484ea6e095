"""A log view: filter by level and text, copy what is shown; fed in batches.

Lines arrive as fast as tools print; they are buffered and appended on a timer so
a chatty tool cannot stall the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MAX_LINES = 20_000
_FLUSH_MS = 100
FILTER_DELAY_MS = 250  # typing in the filter re-renders once it pauses, not per key
_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class PaneLine:
    level: str
    text: str

    def render(self) -> str:
        return f"[{self.level}] {self.text}" if self.level in ("warning", "error") else self.text


class LogPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: list[PaneLine] = []
        self._pending: list[PaneLine] = []
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter the log"))
        self.filter_edit.setAccessibleName(self.tr("Filter the log"))
        self.filter_edit.setClearButtonEnabled(True)
        self.level_box = QComboBox()
        self.level_box.setAccessibleName(self.tr("Lowest level shown"))
        for label, level in (
            (self.tr("Everything"), "debug"),
            (self.tr("Steps and tools"), "info"),
            (self.tr("Warnings and errors"), "warning"),
            (self.tr("Errors"), "error"),
        ):
            self.level_box.addItem(label, level)
        self.level_box.setCurrentIndex(1)
        self.copy_button = QPushButton(self.tr("Copy log"))
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setAccessibleName(self.tr("Build log"))
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.level_box)
        bar.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(_FLUSH_MS)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self._filter_timer = QTimer(self)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.timeout.connect(self._refilter)
        self._wanted = ""  # the filter text in effect (the typed one may be ahead)
        self.filter_edit.textChanged.connect(lambda _text: self._filter_timer.start())
        self.filter_edit.returnPressed.connect(self._refilter)
        self.level_box.currentIndexChanged.connect(self._refilter)
        self.copy_button.clicked.connect(self.copy)

    def add(self, level: str, text: str) -> None:
        self._pending.append(PaneLine(level, text))
        if not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self._lines.clear()
        self._pending.clear()
        self.view.clear()

    def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._lines.extend(batch)
        if len(self._lines) > MAX_LINES:
            del self._lines[: len(self._lines) - MAX_LINES]
        shown = [line.render() for line in batch if self._visible(line)]
        if shown:
            self.view.appendPlainText("\n".join(shown))

    def shown_text(self) -> str:
        if self._filter_timer.isActive():  # a filter still being typed: apply it now
            self._refilter()
        self.flush()
        return self.view.toPlainText()

    def all_text(self) -> str:
        self.flush()
        return "\n".join(line.render() for line in self._lines)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.shown_text())

    def _visible(self, line: PaneLine) -> bool:
        lowest = str(self.level_box.currentData())
        rank = _LEVELS.index(line.level) if line.level in _LEVELS else 1
        if rank < _LEVELS.index(lowest):
            return False
        return not self._wanted or self._wanted in line.text.lower()

    def _refilter(self) -> None:
        """Render the lines the filter keeps: once per pause in typing (or Enter)."""
        self._filter_timer.stop()
        self._wanted = self.filter_edit.text().strip().lower()
        self.flush()
        self.view.setPlainText("\n".join(x.render() for x in self._lines if self._visible(x)))
