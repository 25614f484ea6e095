"""The crash dialog: for bugs only (user mistakes are shown inline), with a Copy button."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from nanostudio import __version__
from nanostudio.paths import log_dir

log = logging.getLogger(__name__)


class CrashDialog(QDialog):
    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("NanoStudio hit a bug"))
        self.details = details
        intro = QLabel(
            self.tr(
                "Something unexpected happened. Your build settings are still in the window. "
                "Please report this with the details below (they contain no password). "
                "The log folder is {0}."
            ).format(log_dir())
        )
        intro.setWordWrap(True)
        text = QPlainTextEdit(details)
        text.setReadOnly(True)
        text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        text.setAccessibleName(self.tr("Error details"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton(
            self.tr("&Copy details"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(text, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details)


class CrashHandler:
    """``sys.excepthook`` replacement: log the traceback, show the dialog, carry on."""

    def __init__(self) -> None:
        self.count = 0
        self.dialogs: list[CrashDialog] = []
        self._previous = sys.excepthook

    def install(self) -> None:
        sys.excepthook = self

    def uninstall(self) -> None:
        sys.excepthook = self._previous

    def __call__(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        self.count += 1
        details = f"NanoStudio {__version__}\n" + "".join(
            traceback.format_exception(kind, error, trace)
        )
        log.error("unexpected error\n%s", details)
        if QApplication.instance() is None:
            print(details, file=sys.stderr)
            return
        dialog = CrashDialog(details, QApplication.activeWindow())
        self.dialogs.append(dialog)
        dialog.open()
