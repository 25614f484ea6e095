"""``gcab``: unpack the package cabs of the media (GNOME's cabinet tool).

The driver payload of a Nano Server package (Guest, Host, OEM-Drivers) sits
inside its cab; the portable engine unpacks it to read the INFs and copy the
driver files. gcab writes each member under its stored path (``a\\b.inf`` ->
``a/b.inf``) and keeps a member that names a parent folder (``..\\x``) inside
the destination (gcab 1.5, checked by tests/engine/test_driver_sources.py).
"""

from __future__ import annotations

from pathlib import Path

TOOL = "gcab"


def extract_argv(tool: str, cab: Path, dest: Path) -> list[str]:
    return [tool, "--extract", f"--directory={dest}", str(cab)]
