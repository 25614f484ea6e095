"""An optional file the user picks: its path (read-only), Choose… and Clear."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget


class FileField(QWidget):
    """The page connects ``choose_button`` to its file dialog and ``clear_button`` to
    forgetting the file; ``show_path`` shows what the state holds."""

    def __init__(self, placeholder: str, choose: str, clear: str) -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setReadOnly(True)
        self.edit.setMinimumWidth(120)
        self.edit.setPlaceholderText(placeholder)
        self.choose_button = QPushButton(choose)
        self.clear_button = QPushButton(clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        self.setFocusProxy(self.edit)  # a caption's Alt+letter (its buddy is this row) lands here
        for button in (self.choose_button, self.clear_button):
            button.setAutoDefault(False)
            row.addWidget(button)

    def show_path(self, path: Path | None) -> None:
        self.edit.setText("" if path is None else str(path))
        self.clear_button.setEnabled(path is not None)
