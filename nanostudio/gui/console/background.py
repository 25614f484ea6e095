"""One blocking call on a short-lived thread, its outcome delivered in the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class BackgroundCall(QObject):
    """``done(result, error)`` arrives queued in the thread this object lives in (the GUI's)."""

    done = Signal(object, object)

    def __init__(self, function: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._function = function
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._work, name="nanostudio-background", daemon=True
        )
        self._thread.start()

    def _work(self) -> None:
        try:
            result = self._function()
        except Exception as error:  # delivered to the GUI, which decides what to show
            self.done.emit(None, error)
        else:
            self.done.emit(result, None)
