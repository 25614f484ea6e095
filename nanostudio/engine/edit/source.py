"""What the image to edit is: a VHD/VHDX with a Windows partition, or an image of a WIM.

Read once, cheaply (headers, the partition table, a WIM's XML), by ``recipe
check``, ``nanostudio edit`` and the wizard before any work, and again by the
plan; the source file is only ever opened read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nanostudio.engine.edit.partitions import DiskPartition, Scheme, read_partition_table
from nanostudio.engine.edit.vdisk import open_virtual_disk
from nanostudio.errors import MediaError
from nanostudio.files import open_regular
from nanostudio.media.model import WimImage
from nanostudio.media.wim import MAGIC, read_images
from nanostudio.sizes import size_text

SourceKind = Literal["vhd", "vhdx", "wim"]
GIB = 1 << 30


@dataclass(frozen=True)
class EditSource:
    path: Path
    kind: SourceKind
    size: int  # the virtual disk's size; the WIM file's size for a WIM
    used_bytes: int  # bytes the Windows partition (or the image) holds
    description: str  # "dynamic VHD, 4 GiB, GPT, Windows on partition 3"
    scheme: Scheme | None = None
    partition: DiskPartition | None = None
    sector_size: int = 512
    image: WimImage | None = None  # the chosen image of a WIM
    identity: tuple[int, ...] | None = None  # VirtualDisk.identity when it was inspected

    @property
    def is_disk(self) -> bool:
        return self.kind != "wim"

    def require_partition(self) -> DiskPartition:
        """The Windows partition, for the steps that copy it (planned for disks only)."""
        if self.partition is None:
            raise RuntimeError("this step needs a disk with a Windows partition")
        return self.partition


def inspect_edit_source(path: Path, index: int = 1) -> EditSource:
    """The image to edit, or MediaError with one line saying why it cannot be edited."""
    try:
        with open_regular(path) as stream:
            start = stream.read(len(MAGIC))
    except FileNotFoundError:
        raise MediaError(f"{path} does not exist: choose the VHD, VHDX or WIM to edit") from None
    except OSError as error:
        raise MediaError(f"cannot read {path}: {error.strerror or error}") from None
    if start == MAGIC:
        return _wim_source(path, index)
    with open_virtual_disk(path) as disk:
        table = read_partition_table(disk)
        windows = table.windows_partition(disk)
        used = disk.allocated_bytes(windows.offset, windows.offset + windows.size)
        scheme = table.scheme.upper()
        if table.from_backup:
            scheme += " (read from its backup: the primary GPT is damaged)"
        description = (
            f"{disk.kind}, {size_text(disk.size)}, {scheme}, Windows (NTFS) on "
            f"partition {windows.number} ({size_text(windows.size)})"
        )
        return EditSource(
            path,
            disk.format,
            disk.size,
            used,
            description,
            table.scheme,
            windows,
            disk.sector_size,
            identity=disk.identity,
        )


def _wim_source(path: Path, index: int) -> EditSource:
    remedy = "use a good copy of the WIM"
    with open_regular(path) as stream:
        size = path.stat().st_size
        _, images = read_images(stream, size, name=path.name, remedy=remedy)
    image = next((found for found in images if found.index == index), None)
    if image is None:
        have = ", ".join(str(found.index) for found in images) or "none"
        raise MediaError(f"{path} has no image {index} (it has: {have}): choose another index")
    return EditSource(
        path,
        "wim",
        size,
        image.total_bytes,
        f"WIM image {index} of {len(images)}: {image.name}",
        image=image,
    )
