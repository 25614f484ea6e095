"""Small file-system helpers shared by the engine, the recipe and the wizard.

Clean-up code runs in ``except`` and ``finally`` blocks, where a second exception
would replace the first (and the user's "cannot write to ..." would turn into an
internal error). On a read-only file system even deleting a file that does not
exist fails (EROFS before ENOENT), so clean-up goes through ``remove_quietly``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def remove_quietly(path: Path) -> bool:
    """Delete ``path`` if it is there; never raise. False if it could not be deleted."""
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.debug("cannot delete %s: %s", path, error.strerror or error)
        return not path.exists()
    return True


def cannot_write_message(folder: Path) -> str:
    return f"cannot write to {folder}: choose a folder you can write to"


def missing_folder_message(folder: Path) -> str:
    return f"the folder {folder} does not exist: create it or choose another"


def output_folder_problem(folder: Path) -> str | None:
    """Why no file can be written into ``folder`` (missing, read-only), or None.

    Cheap and side-effect free (``os.access`` reports EROFS and permissions), so the
    wizard may ask at every keystroke; the build still tries a real write first.
    """
    if not folder.is_dir():
        return missing_folder_message(folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        return cannot_write_message(folder)
    return None
