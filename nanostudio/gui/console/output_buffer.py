"""Events handed from the session's worker thread to the GUI thread, in batches.

The worker appends (cheap, under a lock); a GUI timer drains every ~50 ms and paints
once per batch. No Qt signal per line: 20 MB of output would flood the event queue.
Lines that could never be seen (more than the scrollback holds) are dropped here.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from nanostudio.remote.events import ProgressRecord, SessionEvent, StreamText


@dataclass(frozen=True)
class Batch:
    """What one flush paints: text lines in order, the newest progress, lines skipped."""

    lines: list[StreamText]
    progress: list[ProgressRecord]
    skipped: int


class OutputBuffer:
    """Thread-safe queue of session events with a bound on the lines worth keeping."""

    def __init__(self, scrollback: int) -> None:
        self.scrollback = scrollback
        self._lock = threading.Lock()
        self._lines: deque[StreamText] = deque()
        self._progress: list[ProgressRecord] = []
        self._skipped = 0

    def __call__(self, event: SessionEvent) -> None:
        """The buffer is itself an event sink."""
        self.put_many((event,))

    def put_many(self, events: Iterable[SessionEvent]) -> None:
        """A whole batch under one lock (a session in another process sends batches)."""
        with self._lock:
            for event in events:
                if isinstance(event, StreamText):
                    self._lines.append(event)
                elif isinstance(event, ProgressRecord):
                    self._progress.append(event)
            overflow = len(self._lines) - self.scrollback
            if overflow > 0:
                for _ in range(overflow):
                    self._lines.popleft()
                self._skipped += overflow

    put = __call__

    def __len__(self) -> int:
        with self._lock:
            return len(self._lines) + len(self._progress)

    def take(self, max_lines: int) -> Batch:
        """Up to ``max_lines`` lines (oldest first) and all progress updates so far."""
        with self._lock:
            count = min(max_lines, len(self._lines))
            lines = [self._lines.popleft() for _ in range(count)]
            progress, self._progress = self._progress, []
            skipped, self._skipped = self._skipped, 0
        return Batch(lines=lines, progress=progress, skipped=skipped)

    def clear(self) -> None:
        with self._lock:
            self._lines.clear()
            self._progress.clear()
            self._skipped = 0
