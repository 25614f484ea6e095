"""Where remote data lives (pins, saved connections: config; history: state), written safely."""

from __future__ import annotations

import os
from pathlib import Path

from nanostudio.files import remove_quietly
from nanostudio.paths import config_dir, state_dir

__all__ = ["config_dir", "state_dir", "write_private", "write_private_bytes"]


def write_private(path: Path, text: str) -> None:
    """Write atomically (temp then rename) with owner-only permissions where supported."""
    write_private_bytes(path, text.encode("utf-8"))


def write_private_bytes(path: Path, data: bytes) -> None:
    """``write_private`` for bytes kept exactly as given (a djoin blob)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        partial.replace(path)
    except BaseException:  # disk full, interrupted: no .partial file stays behind
        remove_quietly(partial)
        raise
