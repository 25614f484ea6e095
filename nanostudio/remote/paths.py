"""Where remote data lives (pins, saved connections: config; history: state), written safely."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from nanostudio.files import remove_quietly
from nanostudio.paths import config_dir, state_dir

__all__ = ["config_dir", "state_dir", "write_private", "write_private_bytes"]


def write_private(path: Path, text: str) -> None:
    """Write atomically (temp then rename) with owner-only permissions where supported."""
    write_private_bytes(path, text.encode("utf-8"))


def write_private_bytes(path: Path, data: bytes) -> None:
    """``write_private`` for bytes kept exactly as given (a djoin blob).

    The temporary file is a new one (mkstemp: O_EXCL, mode 0600, a random name): a
    ``.partial`` left behind with wider permissions, or a symbolic link planted under
    that name, can neither widen the file's permissions nor redirect the write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        partial.replace(path)
    except BaseException:  # disk full, interrupted: no .partial file stays behind
        remove_quietly(partial)
        raise
