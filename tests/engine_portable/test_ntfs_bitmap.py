"""The VHDX writer's map of blocks in use, read from an NTFS volume's $Bitmap."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nanostudio.engine.portable import fileops, ntfs_bitmap

MIB = 1 << 20

pytestmark = pytest.mark.skipif(
    not (shutil.which("mkntfs") and shutil.which("ntfscp")), reason="needs ntfs-3g"
)


def test_blocks_in_use_cover_every_written_cluster(tmp_path: Path) -> None:
    image, payload = tmp_path / "windows.img", tmp_path / "payload.bin"
    size = 300 * MIB
    with image.open("wb") as f:
        f.truncate(size)
    subprocess.run(
        ["mkntfs", "-F", "-Q", "-q", "-s", "512", "-p", "2048", "-L", "Windows", str(image)],
        check=True,
    )
    payload.write_bytes(os.urandom(5 * MIB + 123))
    subprocess.run(["ntfscp", "-q", str(image), str(payload), "/payload.bin"], check=True)
    fd = os.open(image, os.O_RDONLY)
    try:
        used = ntfs_bitmap.used_blocks(fd, size, MIB)
        assert used is not None and len(used) == size // MIB
        assert used[0] and used[-1]  # boot sector; the backup boot sector after the clusters
        for offset, length in fileops.data_ranges(fd, 0, size):
            for block in range(offset // MIB, (offset + length - 1) // MIB + 1):
                assert used[block], f"block {block} holds data but is not marked in use"
        assert sum(used) < size // MIB // 2  # most of the volume is free
    finally:
        os.close(fd)


def test_anything_but_ntfs_is_not_read(tmp_path: Path) -> None:
    image = tmp_path / "blank.img"
    image.write_bytes(bytes(4 * MIB))
    fd = os.open(image, os.O_RDONLY)
    try:
        assert ntfs_bitmap.used_blocks(fd, 4 * MIB, MIB) is None
    finally:
        os.close(fd)
