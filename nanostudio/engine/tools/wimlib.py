"""``wimlib-imagex``: apply an image to an NTFS volume file, extract boot files, export.

Every command reports progress as ``<phase>: <done> <unit> of <total> <unit>
(<n>%) done``, redrawn with ``\\r``; the parsers turn such a line into a
fraction of the whole command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

TOOL = "wimlib-imagex"

_PROGRESS = re.compile(
    r"^(?P<phase>[A-Za-z ]+): (?P<done>\d+) (?P<unit>[KMGT]?i?B|bytes) of "
    r"(?P<total>\d+) (?P=unit) \((?P<percent>\d+)%\) done"
)


def apply_argv(
    tool: str, wim: Path, index: int, target: Path, *, refs: Sequence[Path] = ()
) -> list[str]:
    """Apply image ``index`` of ``wim`` to the NTFS volume file ``target`` (NTFS-3G mode).

    wimlib picks NTFS-3G mode because ``target`` is a file, not a folder: security
    descriptors, short names, reparse points and named streams are written natively.
    """
    return [tool, "apply", str(wim), str(index), str(target), *_refs(refs)]


def extract_argv(
    tool: str,
    wim: Path,
    index: int,
    paths: Sequence[str],
    dest_dir: Path,
    *,
    missing_ok: bool = False,
) -> list[str]:
    """Extract ``paths`` (``/``-separated, from the image root) into ``dest_dir``.

    Each path lands in ``dest_dir`` under its last component. ``missing_ok``: a
    path the image lacks is a warning, not a failure (``--nullglob``).
    """
    argv = [tool, "extract", str(wim), str(index), *paths, f"--dest-dir={dest_dir}", "--no-acls"]
    return [*argv, "--nullglob"] if missing_ok else argv


def export_argv(
    tool: str, wim: Path, index: int, dest: Path, *, refs: Sequence[Path] = ()
) -> list[str]:
    """Export image ``index`` alone into a new WIM ``dest`` (data copied, not recompressed)."""
    return [tool, "export", str(wim), str(index), str(dest), *_refs(refs)]


def _refs(refs: Sequence[Path]) -> list[str]:
    return [f"--ref={ref}" for ref in refs]


def parse_progress(line: str) -> float | None:
    """Fraction done from a ``... of ... (n%) done`` line, or None for other lines.

    The exact byte counts are used rather than the rounded percentage, so a
    large image moves the bar smoothly.
    """
    match = _PROGRESS.match(line.strip())
    if match is None:
        return None
    total = int(match.group("total"))
    if total <= 0:
        return 1.0
    return min(int(match.group("done")) / total, 1.0)
