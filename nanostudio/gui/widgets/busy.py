"""A busy indicator: an indeterminate bar plus what is being waited for."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget


class BusyIndicator(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._bar = QProgressBar()
        self._bar.setRange(0, 0)
        self._bar.setMaximumWidth(160)
        self._bar.setTextVisible(False)
        self._bar.setAccessibleName(self.tr("Working"))
        self._label = QLabel()
        self._label.setWordWrap(True)
        layout.addWidget(self._bar)
        layout.addWidget(self._label, 1)
        self.hide()

    def start(self, text: str) -> None:
        self._label.setText(text)
        self.show()

    def stop(self) -> None:
        self.hide()

    @property
    def text(self) -> str:
        return self._label.text()
