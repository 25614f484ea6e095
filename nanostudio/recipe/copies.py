"""Files and folders copied into the image (New-NanoServerImage ``-CopyPath``).

A copy names a source on this machine and a destination folder in the image; the
source keeps its name there (the module's hashtable form: ``Copy-Item -Recurse
-Force`` into ``<mount>\\<destination>``, the folder made first, firstboot-facts.md
section 1.6). Refused, before any work:

- a destination that leaves the image (``..``, a drive, a UNC path) or holds a
  character Windows file names cannot;
- anything that would land on Windows' own registry hives
  (``Windows\\System32\\config``), in NanoStudio's staging folder (``NanoStudio``) or
  on the answer file and first-boot scripts NanoStudio writes;
- a source that is not a regular file or folder (a link, a device, a pipe), or a
  folder holding one: copying what a link points to, or a device, is never what a
  user meant, and the portable engine's overlay must hold plain files only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nanostudio.files import special_kind
from nanostudio.recipe.model import CopyPath, Recipe

# Paths in the image (lower case, from the volume root) a copy may not touch. The
# staging folder and the scripts are engine.staging's and engine.setupcomplete's
# (tests/recipe/test_copies.py checks they agree).
PROTECTED = (
    ("windows/system32/config", "Windows' own registry hives"),
    ("nanostudio", "NanoStudio's staging folder"),
    ("windows/panther/unattend.xml", "the answer file NanoStudio writes"),
    ("windows/setup/scripts/setupcomplete.cmd", "the first-boot script NanoStudio writes"),
    ("windows/setup/scripts/nanostudio-aftersetup.cmd", "a first-boot script NanoStudio writes"),
)
_FORBIDDEN_CHARACTERS = '<>:"|?*'
_EXAMPLE = "write a folder inside the image, like Tools or Program Files\\App (empty: the root)"


def destination_parts(destination: str) -> tuple[str, ...]:
    """The destination's folder names (either slash; empty names dropped)."""
    return tuple(part for part in destination.replace("/", "\\").split("\\") if part)


def normalize_destination(destination: str) -> str:
    """``\\Tools/App\\`` -> ``Tools\\App``: how recipes and the plan write it."""
    return "\\".join(destination_parts(destination.strip()))


def destination_problem(destination: str) -> str | None:
    """Why ``destination`` is not a folder inside the image, or None."""
    text = destination.strip()
    if text.startswith(("\\\\", "//")):
        return f"{destination!r} is a network path: {_EXAMPLE}"
    for part in destination_parts(text):
        if part in (".", ".."):
            return f"{destination!r} leaves the image ({part!r}): {_EXAMPLE}"
        bad = next((c for c in part if c in _FORBIDDEN_CHARACTERS), None)
        if bad == ":":
            return f"{destination!r} names a drive or stream: {_EXAMPLE}"
        if bad is not None:
            return f"{destination!r} holds {bad!r}, which Windows file names cannot"
        if part != part.rstrip(" ."):
            return f"{destination!r}: a folder name cannot end in a space or a dot"
    return None


@dataclass(frozen=True)
class CopyScan:
    """What one source holds: each regular file with its path below the destination
    folder (the source's own name first), their total size, or why it is refused."""

    source: Path
    files: tuple[tuple[Path, PurePosixPath], ...] = ()
    folders: tuple[PurePosixPath, ...] = ()
    total_bytes: int = 0
    problem: str | None = None


def _kind(mode: int) -> str:
    """What an ``lstat`` mode that is neither a regular file nor a folder is, in words."""
    return "a link" if stat.S_ISLNK(mode) else special_kind(mode) or "a regular file"


def scan_copy_source(source: Path) -> CopyScan:
    """Read ``source`` (never follows a link); a problem instead of raising."""
    try:
        info = source.lstat()
    except FileNotFoundError:
        return CopyScan(source, problem=f"{source} does not exist: check the path")
    except OSError as error:
        return CopyScan(source, problem=f"cannot read {source}: {error.strerror or error}")
    name = PurePosixPath(source.name or "root")
    if stat.S_ISREG(info.st_mode):
        return CopyScan(source, ((source, name),), (), info.st_size)
    if not stat.S_ISDIR(info.st_mode):
        return CopyScan(source, problem=f"{source} is {_kind(info.st_mode)}: copy a file or folder")
    if not source.name:
        return CopyScan(source, problem=f"{source} is a whole drive: copy a folder in it")
    files: list[tuple[Path, PurePosixPath]] = []
    folders = [name]
    total = 0
    pending = [(source, name)]
    while pending:
        folder, inside = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            return CopyScan(source, problem=f"cannot read {folder}: {error.strerror or error}")
        for entry in entries:
            path, target = Path(entry.path), inside / entry.name
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISREG(mode):
                files.append((path, target))
                total += entry.stat(follow_symlinks=False).st_size
            elif stat.S_ISDIR(mode):
                folders.append(target)
                pending.append((path, target))
            else:
                return CopyScan(
                    source,
                    problem=f"{path} is {_kind(mode)}: remove it from {source} or copy "
                    "the folder without it",
                )
    return CopyScan(source, tuple(sorted(files, key=lambda f: f[1])), tuple(folders), total)


def image_path(copy: CopyPath, inside: PurePosixPath) -> PurePosixPath:
    """Where a scanned file or folder lands, from the image's root."""
    return PurePosixPath(*destination_parts(copy.destination), *inside.parts)


def protected_problem(path: PurePosixPath) -> str | None:
    """Why a file or folder may not be written at ``path`` (from the image's root)."""
    lowered = path.as_posix().lower()
    for prefix, what in PROTECTED:
        if lowered == prefix or lowered.startswith(prefix + "/"):
            windows = "\\".join(path.parts)
            return f"would write {windows}, which is {what}: choose another destination"
    return None


Scanner = Callable[[Path], CopyScan]


def copy_problems(copies: Iterable[CopyPath], scan: Scanner = scan_copy_source) -> list[str]:
    """Every reason the copies cannot be made (scan: where a source's content comes from)."""
    problems: list[str] = []
    seen: set[Path] = set()
    for copy in copies:
        if copy.source in seen:
            problems.append(f"{copy.source} is listed twice: copy it once")
            continue
        seen.add(copy.source)
        message = destination_problem(copy.destination)
        if message is not None:
            problems.append(message)
            continue
        message = protected_problem(image_path(copy, PurePosixPath()))
        if message is not None:
            problems.append(message)
            continue
        scanned = scan(copy.source)
        if scanned.problem is not None:
            problems.append(scanned.problem)
            continue
        landed = list(scanned.folders) + [inside for _, inside in scanned.files]
        for inside in landed:
            message = protected_problem(image_path(copy, inside))
            if message is not None:
                problems.append(f"{copy.source}: {message}")
                break
    return problems


def copy_bytes(recipe: Recipe, scan: Scanner = scan_copy_source) -> int:
    """The size of everything the recipe copies into the image."""
    return sum(scan(copy.source).total_bytes for copy in recipe.files.copy)
