"""The crash dialog: for bugs only (user mistakes are shown inline), with a Copy button.

The handler is installed at start-up; the dialog's module (its widgets) and
``traceback`` load only when there is a crash to show.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import TYPE_CHECKING

from nanostudio import __version__

if TYPE_CHECKING:
    from nanostudio.gui.crash_dialog import CrashDialog as CrashDialog
else:

    def __getattr__(name: str) -> object:
        if name == "CrashDialog":
            from nanostudio.gui.crash_dialog import CrashDialog

            return CrashDialog
        raise AttributeError(name)


log = logging.getLogger(__name__)


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
        import traceback

        from PySide6.QtWidgets import QApplication

        from nanostudio.gui.crash_dialog import CrashDialog

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
