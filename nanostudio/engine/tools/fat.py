"""``mkfs.fat`` and mtools: make the FAT32 EFI system partition in a file, then fill it.

mtools reaches a FAT image with ``-i IMAGE`` and paths beginning ``::``; no mount,
so no root. 200 MiB of FAT32 needs 512-byte clusters (``-s 1``): with the default
4 KiB it would have too few clusters to be FAT32 and mtools and Windows reject it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

MKFS = "mkfs.fat"
MMD = "mmd"
MCOPY = "mcopy"


def mkfs_argv(
    tool: str, image: Path, *, label: str = "SYSTEM", hidden_sectors: int = 0
) -> list[str]:
    """Format ``image`` (already of the partition's size) as FAT32.

    ``hidden_sectors`` is the partition's start LBA, recorded in the boot sector
    as Windows' own format does.
    """
    return [tool, "-F", "32", "-s", "1", "-n", label, "-h", str(hidden_sectors), str(image)]


def image_path(path: str) -> str:
    """An mtools path (``::/EFI/Boot``) for a ``/``- or ``\\``-separated path in the image."""
    return "::/" + path.replace("\\", "/").strip("/")


def mmd_argv(tool: str, image: Path, folders: Sequence[str]) -> list[str]:
    """Create ``folders`` (parents first) in the FAT image."""
    return [tool, "-i", str(image), *(image_path(folder) for folder in folders)]


def mcopy_argv(tool: str, image: Path, sources: Sequence[Path], dest: str) -> list[str]:
    """Copy files or folders (recursively) into the folder ``dest`` of the image.

    ``-o`` overwrites without asking (mtools would otherwise prompt on stdin);
    ``-Q`` stops at the first error instead of carrying on.
    """
    return [
        tool,
        "-i",
        str(image),
        "-s",
        "-o",
        "-Q",
        *(str(source) for source in sources),
        image_path(dest) + "/",
    ]


def mcopy_file_argv(tool: str, image: Path, source: Path, dest: str) -> list[str]:
    """Copy one file to the path ``dest`` in the image (a new name is allowed)."""
    return [tool, "-i", str(image), "-o", str(source), image_path(dest)]
