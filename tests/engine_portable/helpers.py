"""Readers we did not write (qemu-img, sgdisk, mtools, ntfs-3g, QEMU + OVMF), wrapped for tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from dissect.regf import RegistryHive

from nanostudio.devtools.sample_boot import parse_boot_log
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.engines import EngineName, make_plan
from nanostudio.engine.events import BuildEvent, BuildOutcome
from nanostudio.engine.runner import BuildRunner
from nanostudio.media.inspect import inspect_media
from nanostudio.recipe import Recipe
from nanostudio.secret import Secret

SECTOR = 512
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
PASSWORD = "Nan0Studio!Secret#42"


def run(argv: Sequence[str], *, input_text: str | None = None) -> str:
    result = subprocess.run(
        list(argv), capture_output=True, text=True, check=False, input=input_text
    )
    assert result.returncode == 0, f"{argv[0]} failed: {result.stdout}{result.stderr}"
    return result.stdout


def run_bytes(argv: Sequence[str]) -> bytes:
    result = subprocess.run(list(argv), capture_output=True, check=False)
    assert result.returncode == 0, f"{argv[0]} failed: {result.stderr!r}"
    return result.stdout


def build(
    recipe: Recipe,
    password: str = PASSWORD,
    *,
    cancel: CancelToken | None = None,
    events: list[BuildEvent] | None = None,
    force: bool = False,
) -> BuildOutcome:
    """Plan with the portable engine and run in this process, as the CLI and GUI do."""
    assert recipe.source.media is not None
    media = inspect_media(recipe.source.media)
    plan = make_plan(recipe, media, EngineName.PORTABLE, dry_run=False)
    sink = events.append if events is not None else (lambda event: None)
    runner = BuildRunner(plan, cancel=cancel, password=Secret(password), force=force)
    return runner.run(sink)


def to_raw(disk: Path, fmt: str, dest: Path) -> Path:
    """The virtual disk's bytes as a (sparse) raw file, converted by qemu-img."""
    run(
        [
            "qemu-img",
            "convert",
            "-f",
            "vpc" if fmt == "vhd" else fmt,
            "-O",
            "raw",
            str(disk),
            str(dest),
        ]
    )
    return dest


@dataclass(frozen=True)
class GptPartition:
    number: int
    type_guid: uuid.UUID
    guid: uuid.UUID
    first_lba: int
    last_lba: int

    @property
    def offset(self) -> int:
        return self.first_lba * SECTOR


@dataclass(frozen=True)
class GptInfo:
    disk_guid: uuid.UUID
    partitions: tuple[GptPartition, ...]


def read_gpt(raw: Path) -> GptInfo:
    """The table as sgdisk reads it."""
    listing = run(["sgdisk", "-p", str(raw)])
    disk_guid = uuid.UUID(re.search(r"Disk identifier \(GUID\): (\S+)", listing).group(1))  # type: ignore[union-attr]
    numbers = [int(m.group(1)) for m in re.finditer(r"^\s+(\d+)\s+\d+\s+\d+", listing, re.M)]
    partitions = []
    for number in numbers:
        info = run(["sgdisk", "-i", str(number), str(raw)])

        def field(name: str, text: str = info) -> str:
            return re.search(rf"{name}: (\S+)", text).group(1)  # type: ignore[union-attr]

        partitions.append(
            GptPartition(
                number,
                uuid.UUID(field("Partition GUID code")),
                uuid.UUID(field("Partition unique GUID")),
                int(field("First sector")),
                int(field("Last sector")),
            )
        )
    return GptInfo(disk_guid, tuple(partitions))


def esp_file(raw: Path, esp: GptPartition, path: str) -> bytes:
    """A file of the ESP, read by mtools straight from the disk at the partition's offset."""
    return run_bytes(["mcopy", "-n", "-i", f"{raw}@@{esp.offset}", f"::/{path}", "-"])


def esp_listing(raw: Path, esp: GptPartition, path: str) -> str:
    return run(["mdir", "-b", "-i", f"{raw}@@{esp.offset}", f"::/{path}"])


def extract_partition(raw: Path, part: GptPartition, dest: Path) -> Path:
    """The partition's bytes as a file of its own, holes kept (ntfs-3g tools need a volume)."""
    length = (part.last_lba - part.first_lba + 1) * SECTOR
    with raw.open("rb") as src, dest.open("wb") as out:
        out.truncate(length)
        for start, end in data_ranges(src.fileno(), part.offset, part.offset + length):
            os.copy_file_range(src.fileno(), out.fileno(), end - start, start, start - part.offset)
    return dest


def data_ranges(fd: int, start: int, end: int) -> list[tuple[int, int]]:
    ranges = []
    position = start
    while position < end:
        try:
            data = os.lseek(fd, position, os.SEEK_DATA)
        except OSError:
            break
        if data >= end:
            break
        hole = min(os.lseek(fd, data, os.SEEK_HOLE), end)
        ranges.append((data, hole))
        position = hole
    return ranges


def ntfs_cat(volume: Path, path: str) -> bytes:
    return run_bytes(["ntfscat", str(volume), path])


def ntfs_ls(volume: Path, path: str) -> list[str]:
    out = run(["ntfsls", "-p", path, str(volume)])
    return [line.strip() for line in out.splitlines() if line.strip() not in ("", ".", "..")]


def find_bytes(path: Path, needles: Sequence[bytes]) -> list[bytes]:
    """Which ``needles`` occur anywhere in the file (its data ranges, chunk overlaps included)."""
    found: set[bytes] = set()
    overlap = max(len(n) for n in needles)
    with path.open("rb") as src:
        size = os.fstat(src.fileno()).st_size
        for start, end in data_ranges(src.fileno(), 0, size):
            position, tail = start, b""
            while position < end:
                chunk = os.pread(src.fileno(), min(8 << 20, end - position), position)
                window = tail + chunk
                found.update(n for n in needles if n in window)
                tail = window[-overlap:]
                position += len(chunk)
    return sorted(found)


needs_qemu = pytest.mark.skipif(
    shutil.which("qemu-system-x86_64") is None or not OVMF_CODE.is_file(),
    reason="needs qemu-system-x86 and ovmf (apt-get install qemu-system-x86 ovmf)",
)


def check_boot(log: str, gpt: GptInfo, edition: str) -> None:
    """The sample's boot program ran from the ESP (partition 1, FAT) and found the
    image's edition marker on the NTFS partition (partition 3) of this GPT."""
    report = parse_boot_log(log)
    assert report.started, log
    assert report.edition == edition, log
    assert report.marker_fs == "ntfs"
    assert report.bcd_fs == "fat"
    assert report.marker_root is not None and report.marker_root.endswith("gpt3")
    assert report.bcd_root is not None and report.bcd_root.endswith("gpt1")
    if report.marker_uuid is not None:
        assert uuid.UUID(report.marker_uuid) == gpt.partitions[2].guid
    if report.bcd_uuid is not None:
        assert uuid.UUID(report.bcd_uuid) == gpt.partitions[0].guid


def boot(disk: Path, fmt: str, work: Path) -> str:
    """Boot ``disk`` with OVMF under QEMU exactly as DESIGN.md shows; returns the serial log."""
    vars_copy = work / "OVMF_VARS.fd"
    shutil.copyfile(OVMF_VARS, vars_copy)
    log = work / "serial.log"
    qemu_format = "vpc" if fmt == "vhd" else fmt
    subprocess.run(
        [
            "qemu-system-x86_64",
            "-machine",
            "q35",
            "-m",
            "512",
            "-display",
            "none",
            "-no-reboot",
            "-drive",
            f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
            "-drive",
            f"if=pflash,format=raw,file={vars_copy}",
            "-drive",
            f"file={disk},format={qemu_format},if=none,id=d0,snapshot=on",
            "-device",
            "ahci,id=ahci",
            "-device",
            "ide-hd,drive=d0,bus=ahci.0",
            "-net",
            "none",
            "-serial",
            f"file:{log}",
            "-monitor",
            "none",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return log.read_text(errors="replace")


def leftovers(folder: Path) -> list[str]:
    """Everything in the output folder a build might have left (temp folder, *.partial)."""
    return sorted(p.name for p in folder.iterdir())


def reg_values(hive: Path, key: str) -> dict[str, tuple[int, object]]:
    """A key's values as dissect.regf reads them: name -> (type, decoded data)."""
    with hive.open("rb") as stream:
        opened = RegistryHive(stream).open(key)
        return {value.name: (value.type, value.value) for value in opened.values()}


def reg_subkeys(hive: Path, key: str) -> list[str]:
    with hive.open("rb") as stream:
        return [sub.name for sub in RegistryHive(stream).open(key).subkeys()]
