"""An optional file the user picks: its path (read-only), Choose… and Clear."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from nanostudio.gui.widgets.file_dialogs import choose_file


class FileField(QWidget):
    """``chosen(Path)`` when a file is picked in the dialog Choose… opens (in the shown
    file's folder), ``chosen(None)`` on Clear; ``show_path`` shows what the state holds."""

    chosen = Signal(object)  # Path | None

    def __init__(
        self, placeholder: str, choose: str, clear: str, dialog_title: str, name_filter: str
    ) -> None:
        super().__init__()
        self._dialog_title = dialog_title
        self._name_filter = name_filter
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
        self.choose_button.clicked.connect(self._choose)
        self.clear_button.clicked.connect(lambda: self.chosen.emit(None))

    def show_path(self, path: Path | None) -> None:
        self.edit.setText("" if path is None else str(path))
        self.clear_button.setEnabled(path is not None)

    def _choose(self) -> None:
        shown = self.edit.text()
        start = str(Path(shown).parent) if shown else ""
        choose_file(self, self._dialog_title, start, self._name_filter, self.chosen.emit)
