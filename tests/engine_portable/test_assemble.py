"""Disk assembly from real partition images (mkfs.fat + mtools, mkntfs + ntfscp).

Every output is read back with tools we did not write: qemu-img (info, check,
convert), sgdisk, mtools on the ESP and dissect.ntfs on the Windows partition,
plus a byte compare of each partition range.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from dissect.ntfs import NTFS
from dissect.util.stream import RangeStream

from nanostudio.engine.portable import assemble, fileops, gpt
from nanostudio.engine.portable.assemble import Format, assemble_disk, virtual_disk_size
from nanostudio.errors import BuildCancelled, OutputError
from tests.engine_portable.helpers import OVMF_CODE, boot

MIB = 1 << 20
TOOLS = ("qemu-img", "sgdisk", "mkfs.fat", "mmd", "mcopy", "mtype", "mkntfs", "ntfscp")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS), reason=f"needs {', '.join(TOOLS)}"
)
QEMU_FORMAT = {"vhdx": "vhdx", "vhd": "vpc", "raw": "raw"}
BOOT_FILE = random.Random(1).randbytes(300 * 1024)
PAYLOAD = random.Random(2).randbytes(9 * MIB + 12345)


@dataclass
class Inputs:
    layout: gpt.DiskLayout
    esp: Path
    windows: Path
    esp_sha: str
    windows_sha: str


def sha(path: Path, offset: int = 0, length: int | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        f.seek(offset)
        remaining = path.stat().st_size - offset if length is None else length
        while remaining:
            chunk = f.read(min(remaining, 4 * MIB))
            assert chunk, "short read"
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


def run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
    return done.stdout


def make_templates(folder: Path, layout: gpt.DiskLayout) -> tuple[Path, Path]:
    esp, win = folder / "esp.img", folder / "windows.img"
    for path, part in ((esp, layout.esp), (win, layout.windows)):
        with path.open("wb") as f:
            f.truncate(part.size_bytes)
    run("mkfs.fat", "-F", "32", "-s", "1", "-n", "SYSTEM", str(esp))
    loader = folder / "bootx64.efi"
    loader.write_bytes(BOOT_FILE)
    run("mmd", "-i", str(esp), "::/EFI", "::/EFI/BOOT")
    run("mcopy", "-i", str(esp), str(loader), "::/EFI/BOOT/BOOTX64.EFI")
    run(
        "mkntfs", "-F", "-Q", "-q", "-s", "512", "-p", str(layout.windows.first_lba),
        "-H", "255", "-S", "63", "-L", "Windows", str(win),
    )  # fmt: skip
    payload = folder / "payload.bin"
    payload.write_bytes(PAYLOAD)
    run("ntfscp", "-q", str(win), str(payload), "/payload.bin")
    # An allocated all-zero stretch inside free space: the VHDX writer must skip it.
    with win.open("r+b") as f:
        f.seek(layout.windows.size_bytes - 6 * MIB)
        f.write(bytes(2 * MIB))
    return esp, win


@pytest.fixture(scope="module")
def templates(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[gpt.DiskLayout, Path, Path]]:
    made = {}
    for fmt in ("raw", "vhd"):  # vhdx uses the raw layout
        folder = tmp_path_factory.mktemp(f"templates-{fmt}")
        layout = gpt.plan_layout(virtual_disk_size(fmt, 600 * MIB), rng=random.Random(9))
        esp, win = make_templates(folder, layout)
        made[fmt] = (layout, esp, win)
    return made


def fresh_inputs(
    templates: dict[str, tuple[gpt.DiskLayout, Path, Path]], fmt: str, folder: Path
) -> Inputs:
    layout, esp_t, win_t = templates["vhd" if fmt == "vhd" else "raw"]
    folder.mkdir(parents=True, exist_ok=True)
    esp, win = folder / "esp.img", folder / "windows.img"
    run("cp", "--sparse=always", str(esp_t), str(esp))
    run("cp", "--sparse=always", str(win_t), str(win))
    return Inputs(layout, esp, win, sha(esp), sha(win))


def check_disk(output: Path, fmt: Format, inputs: Inputs, scratch: Path) -> None:
    layout = inputs.layout
    info = json.loads(run("qemu-img", "info", "--output=json", "-f", QEMU_FORMAT[fmt], str(output)))
    assert info["format"] == QEMU_FORMAT[fmt]
    assert info["virtual-size"] == layout.disk_size
    if fmt == "vhdx":
        assert "No errors were found" in run("qemu-img", "check", str(output))
    raw = scratch / "converted.raw"
    run("qemu-img", "convert", "-f", QEMU_FORMAT[fmt], "-O", "raw", str(output), str(raw))
    assert raw.stat().st_size == layout.disk_size

    assert "No problems found" in run("sgdisk", "-v", str(raw))
    for number, part in enumerate(layout.partitions, start=1):
        details = run("sgdisk", f"-i={number}", str(raw))
        assert f"Partition GUID code: {str(part.type_guid).upper()}" in details
        assert f"Partition unique GUID: {str(part.guid).upper()}" in details
        assert f"Partition name: '{part.name}'" in details

    assert sha(raw, layout.esp.offset_bytes, layout.esp.size_bytes) == inputs.esp_sha
    assert sha(raw, layout.windows.offset_bytes, layout.windows.size_bytes) == inputs.windows_sha
    assert (
        sha(raw, layout.msr.offset_bytes, layout.msr.size_bytes)
        == hashlib.sha256(bytes(layout.msr.size_bytes)).hexdigest()
    )
    with raw.open("rb") as f:
        assert f.read(34 * 512) == gpt.gpt_head(layout)
        f.seek(layout.tail_offset)
        assert f.read() == gpt.gpt_tail(layout)

    esp_at = f"{raw}@@{layout.esp.offset_bytes}"
    copied = subprocess.run(
        ["mtype", "-i", esp_at, "::/EFI/BOOT/BOOTX64.EFI"], capture_output=True, check=True
    ).stdout
    assert copied == BOOT_FILE

    with raw.open("rb") as f:
        volume = NTFS(RangeStream(f, layout.windows.offset_bytes, layout.windows.size_bytes))
        assert volume.mft.get("payload.bin").open().read() == PAYLOAD


def assert_not_sparse(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        assert list(fileops.hole_ranges(fd, 0, size)) == []
        assert os.fstat(fd).st_blocks * 512 >= size
    finally:
        os.close(fd)


@pytest.mark.parametrize("splice", [True, False], ids=["splice", "stream"])
@pytest.mark.parametrize("fmt", ["vhdx", "vhd", "raw"])
def test_assembled_disk_reads_back(
    tmp_path: Path,
    templates: dict[str, tuple[gpt.DiskLayout, Path, Path]],
    fmt: Format,
    splice: bool,
) -> None:
    inputs = fresh_inputs(templates, fmt, tmp_path / "work")
    output = tmp_path / f"disk.{fmt}.partial"
    seen: list[float] = []
    assemble_disk(
        output, fmt, inputs.layout, inputs.esp, inputs.windows, splice=splice, progress=seen.append
    )

    assert seen and seen[-1] == 1.0
    assert seen == sorted(seen)
    if splice:
        assert fileops.can_splice(tmp_path), "tmp_path should be on a file system that splices"
        assert not inputs.windows.exists()  # consumed: moved into the output
    check_disk(output, fmt, inputs, tmp_path)
    if fmt == "vhdx":
        assert_not_sparse(output)
        # only blocks with data are stored: far smaller than the 600 MiB disk
        assert output.stat().st_size < 64 * MIB
    if fmt == "vhd":
        with output.open("rb") as f:
            f.seek(inputs.layout.disk_size)
            assert f.read()[:8] == b"conectix"


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs a tmpfs at /dev/shm")
@pytest.mark.parametrize("fmt", ["vhdx", "vhd"])
def test_falls_back_to_streaming_where_splicing_is_refused(
    tmp_path: Path, templates: dict[str, tuple[gpt.DiskLayout, Path, Path]], fmt: Format
) -> None:
    shm = Path("/dev/shm") / f"nanostudio-test-{os.getpid()}"
    shm.mkdir()
    try:
        assert not fileops.can_splice(shm)  # tmpfs has no insert/collapse range
        inputs = fresh_inputs(templates, fmt, shm / "work")
        output = shm / f"disk.{fmt}"
        assemble_disk(output, fmt, inputs.layout, inputs.esp, inputs.windows)
        assert inputs.windows.exists()  # streamed, not moved
        check_disk(output, fmt, inputs, tmp_path)
    finally:
        shutil.rmtree(shm)


@pytest.mark.parametrize("splice", [True, False], ids=["splice", "stream"])
@pytest.mark.parametrize("fmt", ["vhdx", "vhd"])
def test_cancel_at_any_check_leaves_nothing(
    tmp_path: Path,
    templates: dict[str, tuple[gpt.DiskLayout, Path, Path]],
    fmt: Format,
    splice: bool,
) -> None:
    def attempt(cancel_at: int | None, name: str) -> int:
        inputs = fresh_inputs(templates, fmt, tmp_path / name / "work")
        out_dir = tmp_path / name / "out"
        out_dir.mkdir()
        calls = 0

        def should_cancel() -> bool:
            nonlocal calls
            calls += 1
            return cancel_at is not None and calls >= cancel_at

        output = out_dir / f"disk.{fmt}.partial"

        def run() -> None:
            assemble_disk(
                output, fmt, inputs.layout, inputs.esp, inputs.windows,
                should_cancel=should_cancel, splice=splice,
            )  # fmt: skip

        if cancel_at is None:
            run()
            return calls
        with pytest.raises(BuildCancelled):
            run()
        assert list(out_dir.iterdir()) == []
        return calls

    checks = attempt(None, "count")
    assert checks >= 3
    for cancel_at in (1, checks // 2, checks):
        assert attempt(cancel_at, f"at-{cancel_at}") == cancel_at


def test_a_full_disk_is_reported_and_cleaned_up(
    tmp_path: Path,
    templates: dict[str, tuple[gpt.DiskLayout, Path, Path]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inputs = fresh_inputs(templates, "vhdx", tmp_path / "work")
    output = tmp_path / "out" / "disk.vhdx.partial"
    output.parent.mkdir()
    real = fileops.pwrite_all
    writes = 0

    def failing(fd: int, data: bytes | memoryview, offset: int) -> None:
        nonlocal writes
        writes += 1
        if writes == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data, offset)

    monkeypatch.setattr(fileops, "pwrite_all", failing)
    with pytest.raises(
        OutputError, match=r"the output disk is full: \d+\.\d GiB needed for disk.vhdx$"
    ):
        assemble_disk(output, "vhdx", inputs.layout, inputs.esp, inputs.windows, splice=False)
    assert list(output.parent.iterdir()) == []


def test_a_file_size_limit_is_reported_and_cleaned_up(
    tmp_path: Path, templates: dict[str, tuple[gpt.DiskLayout, Path, Path]]
) -> None:
    """A real EFBIG from RLIMIT_FSIZE in a child process (Python ignores SIGXFSZ)."""
    layout, esp_t, win_t = templates["raw"]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    script = textwrap.dedent(
        f"""
        import random, resource, sys
        from pathlib import Path
        from nanostudio.engine.portable import gpt
        from nanostudio.engine.portable.assemble import assemble_disk
        from nanostudio.errors import OutputError
        layout = gpt.plan_layout({layout.disk_size}, rng=random.Random(9))
        resource.setrlimit(resource.RLIMIT_FSIZE, (8 << 20, 8 << 20))
        try:
            assemble_disk(Path({str(out_dir / "d.vhdx")!r}), "vhdx", layout,
                          Path({str(esp_t)!r}), Path({str(win_t)!r}), splice=False)
        except OutputError as exc:
            print(exc)
            sys.exit(3)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert "would be larger than this file system or limit allows" in done.stdout
    assert list(out_dir.iterdir()) == []


def test_inputs_must_match_the_layout(
    tmp_path: Path, templates: dict[str, tuple[gpt.DiskLayout, Path, Path]]
) -> None:
    inputs = fresh_inputs(templates, "raw", tmp_path / "work")
    with pytest.raises(ValueError, match="bytes, the Basic data partition is"):
        assemble_disk(tmp_path / "x.raw", "raw", inputs.layout, inputs.esp, inputs.esp)
    with pytest.raises(ValueError, match="CHS-exact"):
        assemble_disk(tmp_path / "x.vhd", "vhd", inputs.layout, inputs.esp, inputs.windows)
    assert not (tmp_path / "x.raw").exists()


def test_virtual_disk_size() -> None:
    assert virtual_disk_size("vhdx", 8 << 30) == 8 << 30
    assert virtual_disk_size("raw", (8 << 30) + 100) == 8 << 30
    assert virtual_disk_size("vhd", 8 << 30) == 8589901824


def test_progress_reports_are_throttled() -> None:
    seen: list[float] = []
    meter = assemble._Progress(seen.append)
    meter.expect(500)
    for _ in range(250):
        meter.add(1)
    meter.expect(500)  # more work found: the fraction must not go backwards
    for _ in range(750):
        meter.add(1)
    meter.finish()
    assert 50 <= len(seen) <= 101
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


FIRMWARE_TOOLS = ("grub-mkstandalone", "qemu-system-x86_64")
GRUB_CONFIG = """\
serial --unit=0 --speed=115200
terminal_output serial console
echo "FIRMWARE-RAN-BOOTX64"
if search --file --set=esp /EFI/Microsoft/Boot/BCD; then echo "BCD-ON-ESP"; fi
halt
"""


@pytest.mark.slow
@pytest.mark.skipif(
    any(shutil.which(t) is None for t in FIRMWARE_TOOLS) or not OVMF_CODE.exists(),
    reason="needs grub-efi-amd64-bin, qemu-system-x86 and ovmf",
)
@pytest.mark.parametrize("fmt", ["vhdx", "vhd"])
def test_uefi_firmware_boots_from_the_container(tmp_path: Path, fmt: Format) -> None:
    """OVMF reads the container, the GPT and the FAT32 ESP, and runs \\EFI\\Boot\\bootx64.efi."""
    config = tmp_path / "grub.cfg"
    config.write_text(GRUB_CONFIG)
    loader = tmp_path / "bootx64.efi"
    run(
        "grub-mkstandalone", "-O", "x86_64-efi", "-o", str(loader),
        "--modules=part_gpt fat search echo halt serial terminal",
        "--locales=", "--themes=", "--fonts=", f"boot/grub/grub.cfg={config}",
    )  # fmt: skip
    layout = gpt.plan_layout(virtual_disk_size(fmt, 600 * MIB), rng=random.Random(4))
    esp, win = tmp_path / "esp.img", tmp_path / "windows.img"
    for path, part in ((esp, layout.esp), (win, layout.windows)):
        with path.open("wb") as f:
            f.truncate(part.size_bytes)
    run("mkfs.fat", "-F", "32", "-s", "1", str(esp))
    run("mmd", "-i", str(esp), "::/EFI", "::/EFI/Boot", "::/EFI/Microsoft", "::/EFI/Microsoft/Boot")
    run("mcopy", "-i", str(esp), str(loader), "::/EFI/Boot/bootx64.efi")
    bcd_file = tmp_path / "BCD"
    bcd_file.write_bytes(b"placeholder")
    run("mcopy", "-i", str(esp), str(bcd_file), "::/EFI/Microsoft/Boot/BCD")
    disk = tmp_path / f"disk.{fmt}"
    assemble_disk(disk, fmt, layout, esp, win)

    log = boot(disk, fmt, tmp_path)  # the DESIGN.md QEMU + OVMF command
    assert "FIRMWARE-RAN-BOOTX64" in log
    assert "BCD-ON-ESP" in log


@pytest.mark.parametrize("splice", [True, False], ids=["splice", "stream"])
def test_vhdx_beyond_one_sector_bitmap_chunk(tmp_path: Path, splice: bool) -> None:
    """Blocks past 4 GiB sit after a sector-bitmap BAT entry; partial blocks get no holes.

    The expected disk is built with dd and compared by ``qemu-img compare``.
    """
    layout = gpt.plan_layout(5 << 30, rng=random.Random(6))
    esp, win = tmp_path / "esp.img", tmp_path / "windows.img"
    for path, part in ((esp, layout.esp), (win, layout.windows)):
        with path.open("wb") as f:
            f.truncate(part.size_bytes)
    win_start = layout.windows.offset_bytes
    writes = {
        0: random.Random(1).randbytes(MIB),  # first block of the partition
        (4 << 30) - win_start - MIB: random.Random(2).randbytes(2 * MIB),  # across 4 GiB
        (4 << 30) - win_start + 5 * MIB: b"partial block: 4 KiB of data, the rest a hole",
        (4 << 30) - win_start + 9 * MIB + 512 * 1024: b"data after 512 KiB of zeros",
        (4 << 30) - win_start + 12 * MIB: bytes(MIB),  # written zeros: not stored
        layout.windows.size_bytes - 4096: random.Random(3).randbytes(4096),  # last sector(s)
    }
    with win.open("r+b") as f:
        for offset, data in writes.items():
            f.seek(offset)
            f.write(data)
        # Written back now: the zero check reads only cached pages (RWF_NOWAIT) and keeps
        # a block it cannot read so (right, but not the count pinned below). Once, under
        # the full suite's load, one block more was kept; a page the flusher held at that
        # moment is the presumed cause (8 runs beside 4.5 GB of writes did not repeat it).
        f.flush()
        os.fsync(f.fileno())
    with esp.open("r+b") as f:
        f.seek(10 * MIB)
        f.write(b"esp data")

    expected = tmp_path / "expected.raw"
    with expected.open("wb") as f:
        f.truncate(layout.disk_size)
        f.write(gpt.gpt_head(layout))
        f.seek(layout.tail_offset)
        f.write(gpt.gpt_tail(layout))
    for image, part in ((esp, layout.esp), (win, layout.windows)):
        run(
            "dd", f"if={image}", f"of={expected}", "bs=1M", f"seek={part.offset_bytes // MIB}",
            "conv=sparse,notrunc", "status=none",
        )  # fmt: skip

    output = tmp_path / "disk.vhdx"
    assemble_disk(output, "vhdx", layout, esp, win, splice=splice)
    assert "No errors were found" in run("qemu-img", "check", str(output))
    assert "Images are identical" in run(
        "qemu-img", "compare", "-f", "vhdx", "-F", "raw", str(output), str(expected)
    )
    assert_not_sparse(output)
    # after the 4 MiB of metadata: GPT head, ESP, 1 + 2 + 1 + 1 + 1 Windows blocks, GPT tail
    stored_blocks = (output.stat().st_size - 4 * MIB) // MIB
    assert stored_blocks == 1 + 1 + 6 + 1


def test_an_existing_output_is_refused_and_kept(
    tmp_path: Path, templates: dict[str, tuple[gpt.DiskLayout, Path, Path]]
) -> None:
    inputs = fresh_inputs(templates, "raw", tmp_path / "work")
    output = tmp_path / "disk.raw.partial"
    output.write_bytes(b"someone else's file")
    with pytest.raises(OutputError, match="already exists"):
        assemble_disk(output, "raw", inputs.layout, inputs.esp, inputs.windows)
    assert output.read_bytes() == b"someone else's file"
    assert inputs.windows.exists()


@pytest.mark.parametrize("fmt", ["vhdx", "raw"])
def test_a_cross_device_rename_falls_back_to_streaming(
    tmp_path: Path,
    templates: dict[str, tuple[gpt.DiskLayout, Path, Path]],
    monkeypatch: pytest.MonkeyPatch,
    fmt: Format,
) -> None:
    """Same st_dev is not proof that rename works (bind mounts): EXDEV means stream."""
    inputs = fresh_inputs(templates, fmt, tmp_path / "work")

    def no_rename(self: Path, target: Path) -> Path:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(Path, "rename", no_rename)
    output = tmp_path / f"disk.{fmt}"
    assemble_disk(output, fmt, inputs.layout, inputs.esp, inputs.windows)
    monkeypatch.undo()
    assert inputs.windows.exists()
    check_disk(output, fmt, inputs, tmp_path)


@pytest.mark.skipif(not hasattr(os, "RWF_NOWAIT"), reason="RWF_NOWAIT is Linux-only")
def test_zero_check_reads_only_from_the_page_cache(tmp_path: Path) -> None:
    path = tmp_path / "blocks.img"
    path.write_bytes(bytes(2 * MIB))
    fd = os.open(path, os.O_RDONLY)
    try:
        buffer = bytearray(b"x" * MIB)
        assert fileops.pread_if_cached(fd, buffer, MIB)  # just written: cached
        assert buffer == bytes(MIB)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        assert not fileops.pread_if_cached(fd, buffer, MIB)  # would need a disk read
        os.pread(fd, MIB, MIB)
        buffer[:] = b"x" * MIB
        assert fileops.pread_if_cached(fd, buffer, MIB)
        assert buffer == bytes(MIB)
    finally:
        os.close(fd)
