"""Read-only monospace text with a Copy button (commands, logs)."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class CopyableText(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None, *, lines: int = 6) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.copy_button = QPushButton(self.tr("&Copy"))
        self.copy_button.clicked.connect(self.copy)
        header.addWidget(self.title, 1)
        header.addWidget(self.copy_button)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.set_title(title)
        metrics = self.text.fontMetrics()
        self.text.setMinimumHeight(metrics.lineSpacing() * lines + 12)
        layout.addLayout(header)
        layout.addWidget(self.text, 1)

    def set_title(self, title: str) -> None:
        """A new title, also in the names a screen reader speaks for the text and button."""
        self.title.setText(title)
        self.copy_button.setAccessibleName(self.tr("Copy {0}").format(title))
        self.text.setAccessibleName(title)

    def set_text(self, text: str) -> None:
        self.text.setPlainText(text)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
