"""A thread-safe cancel flag shared by the runner, its steps and their tools."""

from __future__ import annotations

import threading

from nanostudio.errors import BuildCancelled


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise BuildCancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as cancelled."""
        return self._event.wait(seconds)
