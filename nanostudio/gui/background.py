"""Run one blocking call off the GUI thread and hear about its result as a signal.

Used for media inspection: reading an ISO's UDF tree or a large WIM's XML must
never freeze the window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal

from nanostudio.errors import UserFacingError

log = logging.getLogger(__name__)


class _CallThread(QThread):
    result_ready = Signal(object)
    error_raised = Signal(str)

    def __init__(self, call: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call = call

    def run(self) -> None:
        try:
            result = self._call()
        except UserFacingError as error:
            self.error_raised.emit(str(error))
        except Exception as error:  # a bug: the log keeps the traceback
            log.exception("background task failed")
            self.error_raised.emit(f"internal error ({error.__class__.__name__}): {error}")
        else:
            self.result_ready.emit(result)


class BackgroundCall(QObject):
    """``succeeded(result)`` or ``failed(message)``, delivered on the GUI thread."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, call: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = _CallThread(call, self)
        self._thread.result_ready.connect(self.succeeded)
        self._thread.error_raised.connect(self.failed)

    def start(self) -> None:
        self._thread.start()

    def wait(self, ms: int = 30_000) -> bool:
        return self._thread.wait(ms)
