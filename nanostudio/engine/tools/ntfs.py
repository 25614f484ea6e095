"""ntfs-3g's ``mkntfs`` (format the Windows partition, held in a file of its own) and
``ntfscat``/``ntfsls`` (read a file, list a folder of a volume held in a file).

Windows boots from an NTFS volume only if its boot sector names the partition's
start sector and a plausible geometry; a file has neither, so both are given.
"""

from __future__ import annotations

from pathlib import Path

TOOL = "mkntfs"
# The geometry Windows itself writes for disks of any size (LBA-translated).
HEADS = 255
SECTORS_PER_TRACK = 63
SECTOR_SIZE = 512


def mkntfs_argv(tool: str, image: Path, *, start_sector: int, label: str = "Windows") -> list[str]:
    """Quick-format ``image`` (a sparse file of the partition's size) as NTFS."""
    return [
        tool,
        "-F",  # a file, not a block device
        "-Q",  # quick: no zeroing, no bad-sector scan
        "-s",
        str(SECTOR_SIZE),
        "-p",
        str(start_sector),
        "-H",
        str(HEADS),
        "-S",
        str(SECTORS_PER_TRACK),
        "-L",
        label,
        str(image),
    ]


def mkntfs_succeeded(line: str) -> bool:
    """True for the line mkntfs prints when the volume is complete."""
    return line.strip().startswith("mkntfs completed successfully")


CAT_TOOL = "ntfscat"
LS_TOOL = "ntfsls"


def ntfscat_argv(tool: str, volume: Path, inside: str) -> list[str]:
    """Write file ``inside`` (a /-separated path) of the NTFS volume in ``volume`` to stdout."""
    return [tool, str(volume), inside]


def ntfsls_argv(tool: str, volume: Path, folder: str) -> list[str]:
    """List the names in ``folder`` (a /-separated path) of the volume, one a line."""
    return [tool, "--path", folder, str(volume)]
