"""Folders and files a page reads on worker threads, one task a path (Drivers, Updates).

What is being read and what each path held are the wizard state's (Next waits while
something is read); the busy indicator says what is read and hides once nothing is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar, cast

from PySide6.QtCore import QCoreApplication, QObject

from nanostudio.gui.tasks import Task, start_blocking
from nanostudio.gui.widgets.busy import BusyIndicator

Held = TypeVar("Held")


@dataclass
class PathReads(Generic[Held]):
    """``read(path)`` runs off the GUI thread; its result (or ``failed(path, message)``'s
    stand-in when it raised) goes into ``results``, then ``done(path)`` is called."""

    owner: QObject
    busy: BusyIndicator
    reading: set[Path]
    results: dict[Path, Held]
    read: Callable[[Path], Held]
    failed: Callable[[Path, str], Held]
    done: Callable[[Path], None]
    _jobs: dict[Path, Task] = field(default_factory=dict, init=False)

    def start(self, path: Path) -> None:
        """Read ``path`` (again: its old result is forgotten) unless it is being read."""
        self.results.pop(path, None)
        if path in self.reading:
            return
        self.reading.add(path)
        self.busy.start(QCoreApplication.translate("PathReads", "Reading {0}…").format(path.name))
        self._jobs[path] = start_blocking(
            lambda: self.read(path),
            self.owner,
            lambda held: self._finish(path, cast(Held, held)),
            lambda message: self._finish(path, self.failed(path, message)),
        )

    def _finish(self, path: Path, held: Held) -> None:
        self.reading.discard(path)
        self.results[path] = held
        if not self.reading:
            self.busy.stop()
        self.done(path)

    def wait(self, ms: int) -> None:
        """For shutdown: let the paths being read be read (a read cannot be interrupted)."""
        for job in self._jobs.values():
            job.wait(ms)
