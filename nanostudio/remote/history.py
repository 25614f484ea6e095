"""Command history per host: persisted between sessions, navigated with Up/Down.

Pure logic so the widget and the terminal REPL share it and tests need no Qt.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from nanostudio.remote.paths import state_dir, write_private

MAX_ENTRIES = 1000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Lines that look like they hold a secret are kept out of the saved history.
_SECRET_HINT = re.compile(r"password|passwd|secret|convertto-securestring", re.IGNORECASE)


def history_path(host_key: str, folder: Path | None = None) -> Path:
    """One file per host, readable name plus a hash so distinct hosts never collide."""
    base = folder if folder is not None else state_dir() / "history"
    digest = hashlib.sha256(host_key.lower().encode()).hexdigest()[:8]
    return base / f"{_UNSAFE.sub('_', host_key.lower())}-{digest}.json"


class CommandHistory:
    """Entries oldest first, a cursor for Up/Down, and the line being typed kept aside."""

    def __init__(self, path: Path | None = None, max_entries: int = MAX_ENTRIES) -> None:
        self.path = path
        self.max_entries = max_entries
        self.entries: list[str] = self._load()
        self._index = len(self.entries)
        self._draft = ""

    def _load(self) -> list[str]:
        if self.path is None:
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return []
        if not isinstance(data, list):
            return []
        return [str(e) for e in data if isinstance(e, str)][-self.max_entries :]

    def add(self, command: str) -> None:
        """Remember a command run (not blank, not a repeat of the last one) and save."""
        self.reset()
        if not command.strip() or (self.entries and self.entries[-1] == command):
            return
        self.entries.append(command)
        del self.entries[: -self.max_entries]
        self._index = len(self.entries)
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        kept = [e for e in self.entries if not _SECRET_HINT.search(e)]
        write_private(self.path, json.dumps(kept, ensure_ascii=False, indent=0))

    def reset(self) -> None:
        self._index = len(self.entries)
        self._draft = ""

    def previous(self, current: str) -> str:
        """Up: the older entry (the typed line is kept and comes back at the bottom)."""
        if self._index == len(self.entries):
            self._draft = current
        if self._index > 0:
            self._index -= 1
        return self.entries[self._index] if self.entries else current

    def next(self, current: str) -> str:
        """Down: the newer entry, then the line that was being typed."""
        if self._index >= len(self.entries):
            return current
        self._index += 1
        if self._index == len(self.entries):
            return self._draft
        return self.entries[self._index]
