"""Finding bundled files the same way from a source checkout and a frozen build.

PyInstaller unpacks data next to the executable under ``sys._MEIPASS``; from
source the files sit in ``resources/`` at the top of the checkout. Code asks
here instead of building paths from ``__file__``, which breaks once frozen.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePath


def is_frozen() -> bool:
    """True inside a PyInstaller build (``sys.frozen`` is set by its bootloader)."""
    return bool(getattr(sys, "frozen", False))


def bundle_root() -> Path:
    """The folder holding ``resources/``: the bundle when frozen, else the checkout."""
    meipass = getattr(sys, "_MEIPASS", None)
    if is_frozen() and meipass:
        return Path(meipass)
    return Path(__file__).resolve().parent.parent


def resource_path(relative: str | PurePath) -> Path:
    """Path of ``resources/<relative>``; ``relative`` may not leave that folder."""
    rel = PurePath(relative)
    if rel.is_absolute() or ".." in rel.parts:
        raise ValueError(f"resource path must be relative and inside resources/: {relative}")
    return bundle_root() / "resources" / rel
