"""Where remote data lives (pins, saved connections: config; history: state), written safely."""

from __future__ import annotations

from pathlib import Path

from nanostudio.files import replace_atomically
from nanostudio.paths import config_dir, state_dir

__all__ = ["config_dir", "state_dir", "write_private", "write_private_bytes"]


def write_private(path: Path, text: str) -> None:
    """Write atomically (temp then rename) with owner-only permissions where supported."""
    write_private_bytes(path, text.encode("utf-8"))


def write_private_bytes(path: Path, data: bytes) -> None:
    """``write_private`` for bytes kept exactly as given (a djoin blob): owner-only
    (0600), through a new temporary file, never a fixed ``.partial`` name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, data, mode=0o600)
