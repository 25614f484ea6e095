"""The VHD/VHDX and partition table readers against files made to hurt them.

The image to edit is untrusted: whatever its headers claim, reading it is one
MediaError line (never OverflowError, ValueError, MemoryError...), its memory stays
small, and a disk whose primary GPT alone is damaged is read from its backup.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nanostudio
from nanostudio.engine.edit.partitions import read_partition_table
from nanostudio.engine.edit.source import inspect_edit_source
from nanostudio.engine.edit.vdisk import open_virtual_disk
from nanostudio.engine.portable import vhdx
from nanostudio.errors import MediaError
from tests.engine_edit import hostile
from tests.engine_edit.disk_faults import WINDOWS_SECTOR, qemu_convert, small_windows_disk

MIB = 1 << 20
KIB = 1 << 10
pytestmark = pytest.mark.skipif(
    shutil.which("qemu-img") is None or shutil.which("sgdisk") is None,
    reason="needs qemu-img and sgdisk",
)


@dataclass(frozen=True)
class Disks:
    vhdx: Path
    vhd: Path  # dynamic
    fixed: Path


@pytest.fixture(scope="module")
def disks(tmp_path_factory: pytest.TempPathFactory) -> Disks:
    folder = tmp_path_factory.mktemp("hostile")
    dynamic = small_windows_disk(folder, "vpc", size=16 * MIB)
    fixed = qemu_convert(dynamic, "vpc", folder / "fixed.vhd", "-o", "subformat=fixed")
    return Disks(small_windows_disk(folder, "vhdx", size=16 * MIB), dynamic, fixed)


def _copy(source: Path, folder: Path) -> Path:
    return Path(shutil.copyfile(source, folder / f"hostile{source.suffix}"))


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(MediaError) as caught:
        inspect_edit_source(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize(
    ("kind", "change", "words"),
    [
        ("vhd", lambda p: hostile.set_vhd_footer(p, hostile.VHD_DATA_OFFSET, 1 << 63), "header"),
        ("vhd", lambda p: hostile.set_vhd_footer(p, hostile.VHD_DATA_OFFSET, 2**64 - 1), "end"),
        ("vhd", lambda p: hostile.set_vhd_header(p, hostile.VHD_TABLE_OFFSET, 1 << 63), "table"),
        ("vhdx", lambda p: hostile.set_vhdx_region(p, vhdx.BAT_GUID, offset=1 << 63), "BAT"),
        (
            "vhdx",
            lambda p: hostile.set_vhdx_region(p, vhdx.METADATA_GUID, offset=2**64 - MIB),
            "metadata",
        ),
    ],
)
def test_offsets_past_2_to_the_63_are_damage_not_a_crash(
    disks: Disks, tmp_path: Path, kind: str, change: object, words: str
) -> None:
    # os.pread raised OverflowError for these: the offsets did not fit a C off_t.
    path = _copy(disks.vhd if kind == "vhd" else disks.vhdx, tmp_path)
    assert callable(change)
    change(path)
    _refused(path, "is damaged", words)


@pytest.mark.parametrize("lba", [1 << 62, 2**64 - 1, 32760])
def test_gpt_entries_beyond_the_disk_are_damage(disks: Disks, tmp_path: Path, lba: int) -> None:
    # A read past the disk's end came back short and uuid.UUID raised ValueError on it.
    path = _copy(disks.fixed, tmp_path)
    hostile.set_gpt_header(path, hostile.GPT_ENTRIES_LBA, lba)
    hostile.set_gpt_header(path, hostile.GPT_ENTRIES_CRC, 0)
    hostile.write_virtual(path, 512 * 32767, bytes(512))  # and no backup to fall back on
    _refused(path, "entries lie beyond the end of the disk", "backup GPT cannot be read")


def test_a_damaged_primary_gpt_is_read_from_its_backup(disks: Disks, tmp_path: Path) -> None:
    for source, damage in (
        (disks.vhdx, (512, bytes(512))),  # no header at all: the backup in the last LBA
        # qemu-img rounds a VHD up to its CHS geometry: the backup is where the primary
        # header's AlternateLBA says, short of the last LBA.
        (disks.vhd, (512 + 16, b"\0\0\0\0")),  # the header's CRC
        (disks.fixed, (1024, b"damage")),  # the entries' CRC
    ):
        path = _copy(source, tmp_path)
        hostile.write_virtual(path, *damage)
        edit = inspect_edit_source(path)
        assert "read from its backup: the primary GPT is damaged" in edit.description
        assert edit.partition is not None and edit.partition.offset == WINDOWS_SECTOR * 512
    # Both copies damaged: one line that says so.
    path = _copy(disks.vhdx, tmp_path)
    hostile.write_virtual(path, 512, bytes(512))
    with open_virtual_disk(path) as disk:
        last = disk.size - 512
    hostile.write_virtual(path, last, bytes(512))
    _refused(path, "the GPT header is missing, and the backup GPT cannot be read either")


@pytest.mark.parametrize(
    ("spans", "words"),
    [
        ({2: (2048, 20000)}, "partitions 1 and 2 overlap"),
        ({2: (0, 32734)}, "partition 2 lies outside the disk's usable sectors"),
        ({2: (18432, 18431)}, "partition 2 lies outside"),  # last before first
        ({2: (18432, 2**64 - 1)}, "partition 2 lies outside"),
    ],
)
def test_partitions_that_overlap_or_stray_are_refused(
    disks: Disks, tmp_path: Path, spans: dict[int, tuple[int, int]], words: str
) -> None:
    path = _copy(disks.fixed, tmp_path)
    hostile.set_gpt_entries(path, spans)
    _refused(path, words)


_CHILD = """
import resource, sys
from pathlib import Path
from nanostudio.engine.edit.source import inspect_edit_source
with open("/proc/self/status") as status:
    size = next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) * 1024
limit = size + 256 * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for name in sys.argv[1:]:
    try:
        inspect_edit_source(Path(name))
        print("read")
    except BaseException as error:
        print(type(error).__name__)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_headers_claiming_gigabytes_take_no_memory(disks: Disks, tmp_path: Path) -> None:
    # Each header asks for a read of 2-8 GiB (it raised MemoryError here); a child
    # process with 256 MiB of address space to spare reads them, and its peak RSS
    # hardly moves.
    vhd = Path(shutil.copyfile(disks.vhd, tmp_path / "bat.vhd"))
    hostile.set_vhd_header(vhd, hostile.VHD_BLOCK_SIZE, 512)
    hostile.set_vhd_header(vhd, hostile.VHD_MAX_ENTRIES, 2**31)
    hostile.set_vhd_footer(vhd, hostile.VHD_CURRENT_SIZE, 1 << 40)  # 2^31 entries: 8 GiB

    bat = Path(shutil.copyfile(disks.vhdx, tmp_path / "bat.vhdx"))
    hostile.set_vhdx_region(bat, vhdx.BAT_GUID, length=0xFFF00000)
    hostile.set_vhdx_metadata(bat, vhdx.FILE_PARAMETERS_GUID, "<I", MIB)
    hostile.set_vhdx_metadata(bat, vhdx.VIRTUAL_DISK_SIZE_GUID, "<Q", 1 << 48)  # 2 GiB BAT

    item = Path(shutil.copyfile(disks.vhdx, tmp_path / "item.vhdx"))
    hostile.set_vhdx_region(item, vhdx.METADATA_GUID, length=0xFFFFF000)
    hostile.set_vhdx_metadata_entry(item, vhdx.VIRTUAL_DISK_SIZE_GUID, length=0xF0000000)

    env = {**os.environ, "PYTHONPATH": str(Path(nanostudio.__file__).parents[1])}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(vhd), str(bat), str(item)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    *outcomes, grown_kib = result.stdout.split()
    # The item's first 8 bytes are all the reader needs: read, not refused.
    assert outcomes == ["MediaError", "MediaError", "read"], result.stdout
    assert int(grown_kib) < 32 * KIB


# Fuzzing: real containers, changed at their structures' fields and bytes ----------------

_EDGES = st.sampled_from(
    [0, 1, 2, 3, 7, 511, 512, 513, 4096, MIB, 1 << 31, 2**32 - 1, 1 << 32, 1 << 63, 2**64 - 1]
)
_VALUES = st.one_of(_EDGES, st.integers(min_value=0, max_value=2**64 - 1))
_GPT_FIELDS = [
    hostile.Field(12, "<I"),  # header size
    hostile.Field(24, "<Q"),  # MyLBA
    hostile.Field(32, "<Q"),  # AlternateLBA
    hostile.Field(40, "<Q"),  # FirstUsableLBA
    hostile.Field(48, "<Q"),  # LastUsableLBA
    hostile.GPT_ENTRIES_LBA,
    hostile.GPT_ENTRY_COUNT,
    hostile.Field(84, "<I"),  # entry size
]
_VHD_FOOTER = [hostile.VHD_DATA_OFFSET, hostile.VHD_CURRENT_SIZE, hostile.VHD_DISK_TYPE]
_VHD_HEADER = [hostile.VHD_TABLE_OFFSET, hostile.VHD_MAX_ENTRIES, hostile.VHD_BLOCK_SIZE]
_VHDX_ITEMS = [
    (vhdx.FILE_PARAMETERS_GUID, "<I"),  # block size
    (vhdx.VIRTUAL_DISK_SIZE_GUID, "<Q"),
    (vhdx.LOGICAL_SECTOR_SIZE_GUID, "<I"),
]


def _fit(field_format: str, value: int) -> int:
    bits = {"I": 32, "Q": 64, "H": 16}[field_format[-1]]
    return value & ((1 << bits) - 1)


Change = Callable[[Path], None]


@st.composite
def _gpt_change(draw: st.DrawFn) -> Change:
    if draw(st.booleans()):
        field = draw(st.sampled_from(_GPT_FIELDS))
        return partial(hostile.set_gpt_header, field=field, value=_fit(field.fmt, draw(_VALUES)))
    span = {draw(st.integers(1, 3)): (draw(_VALUES), draw(_VALUES))}
    return partial(hostile.set_gpt_entries, change=span)


@st.composite
def _container_change(draw: st.DrawFn, kind: str) -> Change:
    if kind == "vhdx":
        choice = draw(st.integers(0, 2))
        if choice == 0:
            guid, fmt = draw(st.sampled_from(_VHDX_ITEMS))
            value = _fit(fmt, draw(_VALUES))
            return partial(hostile.set_vhdx_metadata, item=guid, fmt=fmt, value=value)
        if choice == 1:
            region = draw(st.sampled_from([vhdx.BAT_GUID, vhdx.METADATA_GUID]))
            if draw(st.booleans()):
                return partial(hostile.set_vhdx_region, region=region, offset=draw(_VALUES))
            length = _fit("<I", draw(_VALUES))
            return partial(hostile.set_vhdx_region, region=region, length=length)
        return partial(_write_bytes, at=draw(st.integers(0, 2 * MIB)), value=draw(_VALUES))
    field = draw(st.sampled_from(_VHD_FOOTER + _VHD_HEADER))
    if draw(st.booleans()) or (kind == "fixed" and field in _VHD_HEADER):
        return partial(_write_bytes, at=draw(st.integers(0, 64 * KIB)), value=draw(_VALUES))
    setter = hostile.set_vhd_footer if field in _VHD_FOOTER else hostile.set_vhd_header
    return partial(setter, field=field, value=_fit(field.fmt, draw(_VALUES)))


def _write_bytes(path: Path, at: int, value: int) -> None:
    with path.open("r+b") as disk:
        disk.seek(at)
        disk.write(value.to_bytes(8, "little"))


def _apply(path: Path, change: Change) -> None:
    """Make the change, unless an earlier one left its target unreadable."""
    with suppress(AssertionError, MediaError, OverflowError, ValueError, struct.error):
        change(path)


def _survives(path: Path) -> None:
    """Read as an edit would (inspection, then the partition's stored bytes), or refused."""
    try:
        edit = inspect_edit_source(path)
    except MediaError as error:
        assert "\n" not in str(error)
        return
    part = edit.partition
    assert part is not None and part.offset + part.size <= edit.size
    assert 0 <= edit.used_bytes <= part.size
    with open_virtual_disk(path) as disk:
        assert read_partition_table(disk).windows_partition(disk) == part
        for extent in disk.extents(part.offset, part.offset + part.size):
            if extent.file_offset is not None:
                assert len(disk.read(extent.offset, min(extent.length, 4096))) <= 4096


@given(
    kind=st.sampled_from(["vhdx", "vhd", "fixed"]),
    data=st.data(),
    checksums=st.booleans(),
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_disks_are_read_or_refused_in_one_line(
    disks: Disks,
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    data: st.DataObject,
    checksums: bool,
) -> None:
    source = {"vhdx": disks.vhdx, "vhd": disks.vhd, "fixed": disks.fixed}[kind]
    path = _copy(source, tmp_path_factory.mktemp("fuzz"))
    try:
        # The GPT first: changing it needs a container that still reads.
        for change in data.draw(st.lists(_gpt_change(), max_size=2)):
            _apply(path, change)
        for change in data.draw(st.lists(_container_change(kind), min_size=1, max_size=3)):
            _apply(path, change)
        if kind == "vhdx" and checksums:
            hostile.refresh_vhdx_checksums(path)
        _survives(path)
    finally:
        path.unlink()


def test_every_fuzzed_field_has_a_real_value(disks: Disks) -> None:
    # The fuzz changes fields of real structures: were they not where the helpers look,
    # it would test nothing. qemu-img's disks read back as written.
    for path in (disks.vhdx, disks.vhd, disks.fixed):
        edit = inspect_edit_source(path)
        assert edit.partition is not None and edit.partition.number == 2
    assert uuid.UUID(bytes_le=hostile.read_virtual(disks.vhdx, 1024, 16)) != uuid.UUID(int=0)


def test_a_folder_or_fifo_where_the_disk_was_is_refused(tmp_path: Path) -> None:
    # The partition copy opens the source again: a folder there raised IsADirectoryError
    # from os.pread, and a FIFO's open() would have waited for a writer.
    folder = tmp_path / "disk.vhdx"
    folder.mkdir()
    with pytest.raises(MediaError, match="it is a folder, not a regular file"):
        open_virtual_disk(folder)
    if not hasattr(os, "mkfifo"):
        return  # Windows has no FIFOs in its file system
    fifo = tmp_path / "pipe.vhdx"
    os.mkfifo(fifo)
    with pytest.raises(MediaError, match="named pipe"):
        open_virtual_disk(fifo)
